"""What a page was built from: zaro version, data seed, card and tree (every page's footer)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring._version import __version__
from scoring.report import _assets


@dataclass(frozen=True)
class Provenance:
    """The versions and seed a page was built from (shown in every page's footer)."""

    zaro_version: str = __version__
    data_n: int | None = None
    data_seed: int | None = None
    generator_version: str | None = None
    data_sha256: str | None = None
    card_name: str | None = None
    card_version: str | None = None
    tree_version: str | None = None
    plotlyjs_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for ``manifest.json``)."""
        return dict(self.__dict__)


def data_metadata() -> dict[str, Any]:
    """The generator's record of the default data set.

    In a checkout that is ``data/vignettes.meta.json``; without one (a wheel install) the
    data are regenerated in memory from the default ``(n, seed)`` by the installed
    generator, so that is what the record says.
    """
    from scoring._paths import DEFAULT_N_VIGNETTES, DEFAULT_SEED
    from scoring.data import default_dataset_path, meta_path_for
    from scoring.engine.synth import GENERATOR_VERSION

    path = default_dataset_path()
    if path is not None and meta_path_for(path).is_file():
        try:
            return dict(json.loads(meta_path_for(path).read_text(encoding="utf-8")))
        except (json.JSONDecodeError, OSError, TypeError, ValueError):
            pass
    return {"n": DEFAULT_N_VIGNETTES, "seed": DEFAULT_SEED, "generator_version": GENERATOR_VERSION, "file": None}


def tree_metadata() -> dict[str, Any]:
    """The shipped tree's record ({} when there is none)."""
    try:
        from scoring.engine.tree import load_tree_metadata

        return load_tree_metadata()
    except (ImportError, FileNotFoundError, OSError, ValueError):
        return {}


def tree_version(record: Mapping[str, Any]) -> str | None:
    """A short name for the shipped tree: the zaro version that fitted it and its data (hash or seed)."""
    if not record:
        return None
    data = record.get("data") or {}
    fitted = record.get("zaro_version", "?")
    if data.get("sha256"):
        return f"fitted by zaro {fitted} on data {data['sha256'][:12]}"
    if data.get("seed") is not None and data.get("n"):
        return f"fitted by zaro {fitted} on {data['n']:,} generated vignettes (seed {data['seed']})"
    return f"fitted by zaro {fitted}"


def collect_provenance(card: Any = "default") -> Provenance:
    """Gather the zaro version, data seed and card/tree versions for page footers."""
    meta = data_metadata()
    from scoring.engine.card import load_card

    card = load_card(card)
    return Provenance(
        data_n=meta.get("n"),
        data_seed=meta.get("seed"),
        generator_version=meta.get("generator_version"),
        data_sha256=meta.get("sha256"),
        card_name=card.name,
        card_version=str(card.version),
        tree_version=tree_version(tree_metadata()),
        plotlyjs_version=_assets.plotlyjs_version(),
    )
