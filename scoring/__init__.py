"""zaro: explainable triage for muscle twitching (fasciculations).

Educational decision support built on synthetic data; not a medical device.
"""

from scoring._version import __version__
from scoring.assess import Assessment, assess, assess_frame
from scoring.card import CardError, list_cards, load_card
from scoring.recommendation import Recommendation
from scoring.schema import (
    FIELDS,
    FrameValidation,
    Vignette,
    VignetteError,
    validate_frame,
    validate_vignette,
)

NOTICE = (
    "zaro is educational decision support built on synthetic data. It is not a medical "
    "device and does not diagnose. If you are worried about your symptoms, or they are "
    "getting worse, speak to a doctor; for sudden breathing or swallowing trouble, get "
    "emergency help."
)

# The tree, explanations, comparison and generator load on first use: scikit-learn takes longer to
# import than the rest of zaro together, and the card alone does not need it.
_LAZY = {
    "TriageTree": "scoring.tree",
    "load_tree": "scoring.tree",
    "counterfactuals": "scoring.explain",
    "sweep": "scoring.explain",
    "compare_models": "scoring.compare",
    "generate_vignettes": "scoring.synth",
    "load_default_vignettes": "scoring.data",
    "build_reports": "scoring.report",
    "render_case": "scoring.report",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "__version__",
    "NOTICE",
    "FIELDS",
    "Assessment",
    "CardError",
    "FrameValidation",
    "Recommendation",
    "TriageTree",
    "Vignette",
    "VignetteError",
    "assess",
    "assess_frame",
    "build_reports",
    "compare_models",
    "counterfactuals",
    "generate_vignettes",
    "list_cards",
    "load_default_vignettes",
    "load_card",
    "load_tree",
    "render_case",
    "sweep",
    "validate_frame",
    "validate_vignette",
]
