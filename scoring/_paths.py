"""Project paths and defaults, derived from the package location in one place.

Nothing here reads files at import time; functions return paths only.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = PACKAGE_DIR / "definitions"
CARDS_DIR = PACKAGE_DIR / "cards"
MODELS_DIR = PACKAGE_DIR / "models"

FIELDS_FILE = DEFINITIONS_DIR / "fields.toml"
DEFAULT_CARD = "default"

# The seed and size of the shipped synthetic data set.
DEFAULT_SEED = 7
DEFAULT_N_VIGNETTES = 5000


def project_root() -> Path | None:
    """Return the source checkout's root, or None when zaro runs from an installed wheel."""
    candidate = PACKAGE_DIR.parent
    return candidate if (candidate / "pyproject.toml").is_file() else None
