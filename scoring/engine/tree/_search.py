"""Choosing the tree's depth, leaf size, pruning and weighting by stratified cross-validation.

The search is :class:`sklearn.model_selection.GridSearchCV` with one scorer that returns
every triage metric and a ``refit`` callable that applies the documented selection rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from scoring.contract.features import Features
from scoring.engine.metrics import labels_to_levels, triage_metrics
from scoring.engine.tree._common import DEFAULT_FEATURES, as_features, plain_param

__all__ = ["DEFAULT_PARAM_GRID", "TreeSearch", "search_tree", "select_candidate", "SELECTION_RULE"]

#: The cross-validation grid searched by :func:`search_tree` and :func:`fit_default_tree`.
DEFAULT_PARAM_GRID: dict[str, tuple] = {
    "max_depth": (2, 3, 4),
    "min_samples_leaf": (5, 10, 25, 50),
    "ccp_alpha": (0.0, 0.0005, 0.001, 0.002, 0.005),
    "class_weight": (None, "balanced"),
}

SELECTION_RULE = (
    "highest mean balanced accuracy over stratified folds; among the trees within one standard "
    "error of the best (the one-standard-error rule), the lowest mean over-triage, then the "
    "simplest (fewest leaves, then shallowest, larger leaves, stronger pruning, unweighted)"
)


@dataclass(frozen=True)
class TreeSearch:
    """The result of :func:`search_tree`.

    Attributes
    ----------
    results : DataFrame
        One row per parameter combination: the parameters, the mean and standard deviation
        over folds of each metric (``mean_<metric>``, ``std_<metric>``), ``mean_n_leaves``,
        and ``selected`` (True for the chosen row).
    best_params : dict
        The chosen parameters.
    n_splits, random_state : int
        The stratified K-fold set-up.
    rule : str
        How the row was chosen, in words.
    """

    results: pd.DataFrame
    best_params: dict[str, Any]
    n_splits: int
    random_state: int
    rule: str

    @property
    def best(self) -> pd.Series:
        """The chosen row of ``results``."""
        return self.results.loc[self.results["selected"]].iloc[0]


def _score(estimator: Any, X: Any, y: Any) -> dict[str, float]:
    """Every triage metric of one fitted fold, plus its number of leaves (GridSearchCV's scorer)."""
    scores = triage_metrics(y, estimator.predict_levels(X)[0])
    scores["n_leaves"] = float(estimator.tree_model_.get_n_leaves())
    return scores


def _summary(cv_results: Mapping[str, Any], keys: list[str]) -> pd.DataFrame:
    """Parameters, then mean and spread (sample standard deviation) over folds of each metric."""
    n_candidates = len(cv_results["params"])
    splits = sorted(
        {name.split("_test_")[0] for name in cv_results if name.startswith("split") and "_test_" in name},
        key=lambda s: int(s[5:]),
    )
    metrics = [name[len("split0_test_") :] for name in cv_results if name.startswith("split0_test_")]
    rows = []
    for i in range(n_candidates):
        row: dict[str, Any] = {k: cv_results["params"][i].get(k) for k in keys}
        for metric in metrics:
            folds = np.array([cv_results[f"{split}_test_{metric}"][i] for split in splits], dtype=np.float64)
            row[f"mean_{metric}"] = float(pd.Series(folds).mean())
            # The one-standard-error rule uses the sample spread (ddof=1), as CART does.
            row[f"std_{metric}"] = float(pd.Series(folds).std(ddof=1)) if len(folds) > 1 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def select_candidate(results: pd.DataFrame, n_splits: int) -> int:
    """Index of the chosen row of a search summary (see :data:`SELECTION_RULE`)."""
    score = results["mean_balanced_accuracy"]
    best = int(score.idxmax())
    standard_error = results.loc[best, "std_balanced_accuracy"] / math.sqrt(n_splits)
    eligible = results[score >= score[best] - standard_error].copy()
    # The combined recommendation takes the more cautious of card and tree, so whatever the
    # tree over-triages reaches the person, while what it under-triages the card (which
    # holds every red flag) still catches. Among equally good trees, over-triage decides;
    # rounding keeps fold noise from outweighing simplicity.
    eligible["_over"] = eligible["mean_over_triage"].round(3)
    # Then prefer simple: fewer leaves, shallower, bigger leaves, stronger pruning, no weighting.
    eligible["_weighted"] = eligible["class_weight"].notna() if "class_weight" in eligible else False
    sort_keys = ["_over", *(c for c in ("mean_n_leaves", "max_depth") if c in eligible)]
    ascending = [True] * len(sort_keys)
    for column in ("min_samples_leaf", "ccp_alpha"):
        if column in eligible:
            sort_keys.append(column)
            ascending.append(False)
    sort_keys.append("_weighted")
    ascending.append(True)
    ordered = eligible.sort_values(sort_keys, ascending=ascending, kind="stable")
    return int(ordered.index[0])


def _candidates(grid: Mapping[str, Iterable]) -> list[dict[str, list[Any]]]:
    """One single-valued grid per combination, in the grid's own order.

    ParameterGrid would sort the keys; this keeps the candidates in the order of the saved
    search table.
    """
    keys = list(grid)
    return [{k: [v] for k, v in zip(keys, values)} for values in product(*(grid[k] for k in keys))]


def search_tree(
    X: Any,
    y: Any = None,
    *,
    param_grid: Mapping[str, Iterable] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    progress: bool = False,
) -> TreeSearch:
    """Choose depth, leaf size, pruning and class weighting by stratified cross-validation.

    Every combination in ``param_grid`` is fitted on each of ``n_splits`` stratified folds
    (shuffled with ``random_state``, so the search is the same every run) and scored on the
    held-out fold. See :class:`TreeSearch` and :data:`SELECTION_RULE`.

    Parameters
    ----------
    X, y
        As for :meth:`TriageTree.fit` (``y`` defaults to the frame's ``triage`` column).
    param_grid : mapping of parameter name to values, optional
        Default :data:`DEFAULT_PARAM_GRID`.
    n_splits : int, default=5
    random_state : int, default=0
    progress : bool, default=False
        Report progress on standard output (GridSearchCV's ``verbose``).

    Returns
    -------
    TreeSearch
    """
    from scoring.engine.tree._estimator import TriageTree

    grid = dict(DEFAULT_PARAM_GRID if param_grid is None else param_grid)
    data = as_features(X)
    if y is None:
        y = (data.frame if isinstance(data, Features) else X)["triage"]
    levels = labels_to_levels(y)
    matrix = data.matrix(DEFAULT_FEATURES, dtype=np.float32) if isinstance(data, Features) else data
    keys = list(grid)
    candidates = _candidates(grid)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    chosen: dict[str, int] = {}

    def refit(cv_results: Mapping[str, Any]) -> int:
        chosen["index"] = select_candidate(_summary(cv_results, keys), n_splits)
        return chosen["index"]

    search = GridSearchCV(
        TriageTree(random_state=random_state),
        candidates,
        scoring=_score,
        refit=refit,
        cv=folds,
        n_jobs=None,
        error_score="raise",
        verbose=1 if progress else 0,
    )
    search.fit(matrix, levels)
    results = _summary(search.cv_results_, keys)
    results["selected"] = False
    results.loc[chosen["index"], "selected"] = True
    best_params = {k: plain_param(results.loc[chosen["index"], k]) for k in keys}
    return TreeSearch(results, best_params, n_splits, random_state, SELECTION_RULE)
