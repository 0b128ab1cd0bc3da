"""The decision tree: fitting, pruning by cross-validation, saving, and reading it in words.

:class:`TriageTree` is a scikit-learn estimator wrapping one shallow
:class:`~sklearn.tree.DecisionTreeClassifier` fitted to the reference ``triage`` label on the
shared feature encoding (:mod:`scoring.contract.features`). Its predictions are the wrapped
tree's exactly (tested); on top it reads as rules (:func:`tree_rules`,
:func:`render_rules_text`), explains one vignette's path (``explain_encoded``) and gives a
monotone envelope of its levels (``envelope_levels``) that the combined recommendation uses.

Depth, leaf size, pruning strength and class weighting are chosen by stratified
cross-validation (:func:`search_tree`, a ``GridSearchCV``) on balanced accuracy, with the
one-standard-error rule, then the lowest over-triage, then the simplest tree.

The shipped model lives in ``scoring/models/tree.skops`` (skops format, not pickle) with its
record in ``scoring/models/tree.json``, which also keeps the tree's arrays:
:func:`default_tree` scores from those without importing scikit-learn, and
:func:`fit_default_tree` rebuilds both files from the shipped data, byte for byte.

The modules, scikit-learn style: ``_estimator`` (the estimator), ``_walk`` (the arrays and
the vectorised walks), ``_export`` (rules in words), ``_search`` (cross-validation),
``_persist`` (save/load), ``_shipped`` (the light shipped tree), ``_fit`` (the shipped fit).
The estimator, the search and the fit import scikit-learn, so they load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scoring.engine.metrics import triage_metrics
from scoring.engine.tree._common import DEFAULT_FEATURES, MAX_DEPTH_LIMIT, TREE_FILE, TREE_RECORD
from scoring.engine.tree._export import Rule, merged_conditions, render_rules_text, step_text, tree_rules
from scoring.engine.tree._persist import (
    DEFAULT_TREE,
    TRUSTED_TYPES,
    default_tree,
    load_tree,
    load_tree_metadata,
    resolve_tree,
    save_tree,
)
from scoring.engine.tree._reader import TreeReader
from scoring.engine.tree._shipped import MissingTreeError, ShippedTree, TreeLoadError
from scoring.engine.tree._walk import TreeStructure

if TYPE_CHECKING:
    from scoring.engine.tree._estimator import TriageTree
    from scoring.engine.tree._fit import TreeFit, fit_default_tree
    from scoring.engine.tree._search import DEFAULT_PARAM_GRID, TreeSearch, search_tree

__all__ = [
    "TriageTree",
    "TreeReader",
    "TreeStructure",
    "ShippedTree",
    "Rule",
    "merged_conditions",
    "TreeSearch",
    "TreeFit",
    "TreeLoadError",
    "MissingTreeError",
    "DEFAULT_FEATURES",
    "DEFAULT_PARAM_GRID",
    "MAX_DEPTH_LIMIT",
    "TRUSTED_TYPES",
    "TREE_FILE",
    "TREE_RECORD",
    "search_tree",
    "triage_metrics",
    "tree_rules",
    "render_rules_text",
    "step_text",
    "fit_default_tree",
    "save_tree",
    "load_tree",
    "load_tree_metadata",
    "default_tree",
    "resolve_tree",
    "DEFAULT_TREE",
]

# Names whose modules import scikit-learn: loaded on first use, so scoring with the shipped
# tree (default_tree) never pays for it.
_LAZY = {
    "TriageTree": "_estimator",
    "TreeSearch": "_search",
    "DEFAULT_PARAM_GRID": "_search",
    "search_tree": "_search",
    "TreeFit": "_fit",
    "fit_default_tree": "_fit",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
