"""The decision tree: a risk of a serious cause, pruned by cross-validation, saved, read in words.

:class:`RiskTree` is a scikit-learn estimator wrapping one shallow
:class:`~sklearn.tree.DecisionTreeClassifier` fitted to an outcome (``serious_cause`` by
default: the vignette's hidden cause is in the set ``definitions/outcomes.toml`` names) on the
shared feature encoding (:mod:`scoring.contract.features`). It is fitted without class
weights, so a leaf's probability is the plain share of its training vignettes with the
outcome: a risk in the population the tree learnt from (the enriched mix). Its predictions
are the wrapped tree's exactly (tested); on top it gives the risk per row
(``predict_risk``), reads as rules (:func:`tree_rules`, :func:`render_rules_text`: "…→
P(serious cause) = 12% in the learning mix (2,431 training vignettes)"), explains one
vignette's path (``explain_encoded``) and says what the risk policy advises at each leaf in a
stated population (``node_levels``). It is a second opinion beside the card: it does not
enter the recommendation a person is given.

Depth, leaf size and pruning strength are chosen by stratified 5-fold cross-validation
(:func:`search_tree`, a ``GridSearchCV``) on log loss with the one-standard-error rule, then
the simplest tree; the Brier score and the AUC are recorded beside it.

The shipped model lives in ``scoring/models/tree.skops`` (skops format, not pickle) with its
record in ``scoring/models/tree.json``, which also keeps the tree's arrays:
:func:`default_tree` scores from those without importing scikit-learn, and
:func:`fit_default_tree` rebuilds both files from a seeded generated sample, byte for byte.

The modules, scikit-learn style: ``_estimator`` (the estimator), ``_walk`` (the arrays and
the vectorised walk), ``_export`` (rules in words), ``_policy`` (the risk policy at the
leaves), ``_search`` (cross-validation), ``_persist`` (save/load), ``_shipped`` (the light
shipped tree), ``_fit`` (the shipped fit). The estimator, the search and the fit import
scikit-learn, so they load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scoring.engine.tree._common import DEFAULT_FEATURES, DEFAULT_OUTCOME, MAX_DEPTH_LIMIT, TREE_FILE, TREE_RECORD
from scoring.engine.tree._export import (
    Rule,
    merged_conditions,
    outcome_words,
    population_words,
    render_rules_text,
    step_text,
    tree_rules,
)
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
    from scoring.engine.tree._estimator import RiskTree
    from scoring.engine.tree._fit import TREE_N, TREE_SEED, TreeFit, check_on_fresh_sample, fit_default_tree
    from scoring.engine.tree._search import DEFAULT_PARAM_GRID, TreeSearch, risk_scores, search_tree

__all__ = [
    "RiskTree",
    "TreeReader",
    "TreeStructure",
    "ShippedTree",
    "Rule",
    "merged_conditions",
    "outcome_words",
    "population_words",
    "TreeSearch",
    "TreeFit",
    "TreeLoadError",
    "MissingTreeError",
    "DEFAULT_FEATURES",
    "DEFAULT_OUTCOME",
    "DEFAULT_PARAM_GRID",
    "MAX_DEPTH_LIMIT",
    "TRUSTED_TYPES",
    "TREE_FILE",
    "TREE_RECORD",
    "TREE_N",
    "TREE_SEED",
    "search_tree",
    "risk_scores",
    "tree_rules",
    "render_rules_text",
    "step_text",
    "fit_default_tree",
    "check_on_fresh_sample",
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
    "RiskTree": "_estimator",
    "TreeSearch": "_search",
    "DEFAULT_PARAM_GRID": "_search",
    "search_tree": "_search",
    "risk_scores": "_search",
    "TreeFit": "_fit",
    "TREE_N": "_fit",
    "TREE_SEED": "_fit",
    "fit_default_tree": "_fit",
    "check_on_fresh_sample": "_fit",
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
