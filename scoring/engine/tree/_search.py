"""Choosing the tree's depth, leaf size and pruning by stratified cross-validation on log loss.

The search is :class:`sklearn.model_selection.GridSearchCV` with one scorer that returns
every measure of a risk (log loss, Brier score, AUC, and the tree's size) and a ``refit``
callable that applies the documented selection rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from scoring.contract.features import Features
from scoring.engine.tree._common import DEFAULT_FEATURES, DEFAULT_OUTCOME, as_features, plain_param

__all__ = ["DEFAULT_PARAM_GRID", "TreeSearch", "search_tree", "select_candidate", "SELECTION_RULE", "risk_scores"]

#: The cross-validation grid searched by :func:`search_tree` and :func:`fit_default_tree`.
#: Leaf sizes are in vignettes of a 40,000-row training fold (larger leaves, 600 to 1,200,
#: were tried and cost more log loss than the one-standard-error rule allows); pruning
#: strengths are in units of the Gini impurity, about 0.13 at the root for a 7% outcome.
DEFAULT_PARAM_GRID: dict[str, tuple] = {
    "max_depth": (2, 3, 4),
    "min_samples_leaf": (50, 100, 200, 400),
    "ccp_alpha": (0.0, 0.0002, 0.0005),
}

SELECTION_RULE = (
    "lowest mean log loss over stratified folds; among the trees within one standard error of the "
    "best (the one-standard-error rule), the simplest: fewest leaves, then shallowest, then larger "
    "leaves, then stronger pruning"
)

#: Risks are kept this far from 0 and 1 in the log loss, so a leaf without a single case of the
#: outcome costs a finite (large) amount when a held-out case lands in it.
_EPSILON = 1e-15


def risk_scores(outcome: Any, risk: Any) -> dict[str, float]:
    """Log loss, Brier score and AUC of risks against yes/no outcomes.

    Parameters
    ----------
    outcome : array-like of bool
    risk : array-like of float

    Returns
    -------
    dict
        ``log_loss`` (mean negative log-likelihood, lower is better), ``brier`` (mean squared
        error of the risk) and ``auc`` (area under the ROC curve; NaN when only one class is
        present).

    Examples
    --------
    >>> scores = risk_scores([True, False, False, True], [0.8, 0.1, 0.3, 0.6])
    >>> round(scores["brier"], 3), scores["auc"]
    (0.075, 1.0)
    """
    y = np.asarray(outcome, dtype=bool)
    p = np.clip(np.asarray(risk, dtype=np.float64), _EPSILON, 1 - _EPSILON)
    log_loss = float(-np.mean(np.where(y, np.log(p), np.log1p(-p))))
    brier = float(np.mean((np.asarray(risk, dtype=np.float64) - y) ** 2))
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else math.nan
    return {"log_loss": log_loss, "brier": brier, "auc": auc}


@dataclass(frozen=True)
class TreeSearch:
    """The result of :func:`search_tree`.

    Attributes
    ----------
    results : DataFrame
        One row per parameter combination: the parameters, the mean and standard deviation
        over folds of each measure (``mean_<measure>``, ``std_<measure>`` for ``log_loss``,
        ``brier``, ``auc`` and ``n_leaves``), and ``selected`` (True for the chosen row).
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
    """Every measure of one fitted fold, plus its number of leaves (GridSearchCV's scorer)."""
    scores = risk_scores(np.asarray(y, dtype=bool), estimator.predict_risk(X))
    scores["n_leaves"] = float(estimator.tree_model_.get_n_leaves())
    return scores


def _summary(cv_results: Mapping[str, Any], keys: list[str]) -> pd.DataFrame:
    """Parameters, then mean and spread (sample standard deviation) over folds of each measure."""
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
    loss = results["mean_log_loss"]
    best = int(loss.idxmin())
    standard_error = results.loc[best, "std_log_loss"] / math.sqrt(n_splits)
    eligible = results[loss <= loss[best] + standard_error]
    # Simple first: a tree of fewer leaves reads as fewer rules, and within one standard error
    # the folds cannot tell the candidates apart.
    sort_keys = [c for c in ("mean_n_leaves", "max_depth") if c in eligible]
    ascending = [True] * len(sort_keys)
    for column in ("min_samples_leaf", "ccp_alpha"):
        if column in eligible:
            sort_keys.append(column)
            ascending.append(False)
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
    outcome: str = DEFAULT_OUTCOME,
    param_grid: Mapping[str, Iterable] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    progress: bool = False,
) -> TreeSearch:
    """Choose depth, leaf size and pruning by stratified cross-validation on log loss.

    Every combination in ``param_grid`` is fitted on each of ``n_splits`` folds stratified by
    the outcome (shuffled with ``random_state``, so the search is the same every run) and
    scored on the held-out fold. See :class:`TreeSearch` and :data:`SELECTION_RULE`.

    Parameters
    ----------
    X, y
        As for :meth:`RiskTree.fit` (``y`` defaults to ``outcome`` read from the frame's
        ``latent_cause`` column).
    outcome : str, default="serious_cause"
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
    from scoring.engine.tree._estimator import RiskTree

    grid = dict(DEFAULT_PARAM_GRID if param_grid is None else param_grid)
    data = as_features(X)
    if y is None:
        from scoring.engine.risk import outcome_labels

        if not isinstance(data, Features):
            raise ValueError("y is missing: pass yes/no outcome labels for a feature matrix")
        y = outcome_labels(data.frame, outcome)
    labels = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y, dtype=bool)
    matrix = data.matrix(DEFAULT_FEATURES, dtype=np.float32) if isinstance(data, Features) else data
    keys = list(grid)
    candidates = _candidates(grid)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    chosen: dict[str, int] = {}

    def refit(cv_results: Mapping[str, Any]) -> int:
        chosen["index"] = select_candidate(_summary(cv_results, keys), n_splits)
        return chosen["index"]

    search = GridSearchCV(
        RiskTree(outcome=outcome, random_state=random_state),
        candidates,
        scoring=_score,
        refit=refit,
        cv=folds,
        n_jobs=None,
        error_score="raise",
        verbose=1 if progress else 0,
    )
    search.fit(matrix, labels)
    results = _summary(search.cv_results_, keys)
    results["selected"] = False
    results.loc[chosen["index"], "selected"] = True
    best_params = {k: plain_param(results.loc[chosen["index"], k]) for k in keys}
    return TreeSearch(results, best_params, n_splits, random_state, SELECTION_RULE)
