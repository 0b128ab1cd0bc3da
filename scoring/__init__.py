"""zaro: explainable triage for muscle twitching (fasciculations).

Educational decision support built on synthetic data; not a medical device.

The package is layered, and an import never points up (``tests/test_layers.py`` checks it):

* :mod:`scoring.contract` — the vignette fields, validation, features, the condition language;
* :mod:`scoring.results` — the result types the engine produces and every face renders;
* :mod:`scoring.engine` — points cards, calibration, the decision tree, the ladder, the generator;
* :mod:`scoring.assessment` — the combined :class:`Assessment`;
* :mod:`scoring.analysis` — explanations and comparisons;
* faces — :mod:`scoring.wording`, :mod:`scoring.plots`, :mod:`scoring.widgets`,
  :mod:`scoring.report`, :mod:`scoring.data`, :mod:`scoring.cli`, :mod:`scoring.app`.

Every name below loads on first use, so ``import scoring`` (and ``zaro --help``) stays fast:
pandas, pydantic and scikit-learn are imported only by the code that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scoring._version import __version__
from scoring.wording import NOTICE

_LAZY = {
    "Assessment": "scoring.assessment",
    "assess": "scoring.assessment",
    "assess_frame": "scoring.assessment",
    "CardError": "scoring.engine.card",
    "list_cards": "scoring.engine.card",
    "load_card": "scoring.engine.card",
    "Recommendation": "scoring.contract.recommendation",
    "FIELDS": "scoring.contract.schema",
    "FrameValidation": "scoring.contract.schema",
    "Vignette": "scoring.contract.schema",
    "VignetteError": "scoring.contract.schema",
    "validate_frame": "scoring.contract.schema",
    "validate_vignette": "scoring.contract.schema",
    "RiskTree": "scoring.engine.tree",
    "load_tree": "scoring.engine.tree",
    "counterfactuals": "scoring.analysis.explain",
    "sweep": "scoring.analysis.explain",
    "compare_models": "scoring.analysis.compare",
    "generate_vignettes": "scoring.engine.synth",
    "load_default_vignettes": "scoring.data",
    "assess_file": "scoring.batch",
    "build_reports": "scoring.report",
    "render_case": "scoring.report",
    "to_sql": "scoring.sql",
}

if TYPE_CHECKING:  # let type checkers and IDEs see the lazy names
    from scoring.analysis.compare import compare_models
    from scoring.analysis.explain import counterfactuals, sweep
    from scoring.assessment import Assessment, assess, assess_frame
    from scoring.batch import assess_file
    from scoring.contract.recommendation import Recommendation
    from scoring.contract.schema import (
        FIELDS,
        FrameValidation,
        Vignette,
        VignetteError,
        validate_frame,
        validate_vignette,
    )
    from scoring.data import load_default_vignettes
    from scoring.engine.card import CardError, list_cards, load_card
    from scoring.engine.synth import generate_vignettes
    from scoring.engine.tree import RiskTree, load_tree
    from scoring.report import build_reports, render_case
    from scoring.sql import to_sql


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "__version__",
    "NOTICE",
    "FIELDS",
    "Assessment",
    "CardError",
    "FrameValidation",
    "Recommendation",
    "RiskTree",
    "Vignette",
    "VignetteError",
    "assess",
    "assess_file",
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
    "to_sql",
    "validate_frame",
    "validate_vignette",
]
