"""The decision tree: fitting, pruning by cross-validation, saving, and reading it in words.

:class:`TriageTree` is a scikit-learn estimator wrapping one shallow
:class:`~sklearn.tree.DecisionTreeClassifier` fitted to the reference ``triage`` label on the
shared feature encoding (:mod:`scoring.contract.features`). Its predictions are the wrapped tree's
exactly (tested); it adds what zaro needs on top:

* :meth:`TriageTree.predict_levels` walks the fitted tree's arrays with numpy, reading only
  the few features the tree splits on, so a million rows need a few small arrays instead of
  a full feature matrix;
* :meth:`TriageTree.explain_encoded` gives one vignette's path as plain-language steps
  ending at the leaf that was predicted;
* :func:`tree_rules` / :func:`render_rules_text` give the whole tree as rules.

Depth, leaf size, pruning strength and class weighting are chosen by stratified
cross-validation (:func:`search_tree`) on balanced accuracy, which counts recall on the rare
``urgent`` class as much as on the common classes, with the one-standard-error rule of CART
preferring the simplest tree among those that score as well and lose no ``urgent`` recall.

The shipped model lives in ``scoring/models/tree.skops`` (skops format, not pickle) with its
record in ``scoring/models/tree.json``; :func:`fit_default_tree` rebuilds both from the
shipped data, byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from scoring._paths import DEFAULT_SEED, MODELS_DIR, project_root
from scoring._version import __version__
from scoring.contract.features import FEATURE_NAMES, Features, describe_threshold, feature_spec
from scoring.contract.recommendation import LEVELS, Recommendation, level_codes
from scoring.contract.schema import VignetteError, field_spec, validate_frame
from scoring.results import TreeStep, TreeView

__all__ = [
    "TriageTree",
    "Rule",
    "TreeSearch",
    "TreeFit",
    "DEFAULT_FEATURES",
    "DEFAULT_PARAM_GRID",
    "TRUSTED_TYPES",
    "search_tree",
    "triage_metrics",
    "tree_rules",
    "render_rules_text",
    "fit_default_tree",
    "save_tree",
    "load_tree",
    "load_tree_metadata",
    "default_tree",
    "resolve_tree",
    "DEFAULT_TREE",
]

#: Features the tree may split on: the shared encoding without sex, which the card does not
#: score and which should not move a triage decision either.
DEFAULT_FEATURES: tuple[str, ...] = tuple(name for name in FEATURE_NAMES if name not in ("sex", "sex_level"))

#: The deepest tree zaro accepts: deeper trees stop reading as a handful of rules.
MAX_DEPTH_LIMIT = 4

#: The cross-validation grid searched by :func:`search_tree` and :func:`fit_default_tree`.
DEFAULT_PARAM_GRID: dict[str, tuple] = {
    "max_depth": (2, 3, 4),
    "min_samples_leaf": (5, 10, 25, 50),
    "ccp_alpha": (0.0, 0.0005, 0.001, 0.002, 0.005),
    "class_weight": (None, "balanced"),
}

#: The types a shipped tree file holds beyond those skops trusts by default (it already
#: trusts scikit-learn's estimators, but not the Cython ``Tree`` nor zaro's own class).
TRUSTED_TYPES: tuple[str, ...] = (
    "scoring.engine.tree.TriageTree",
    "sklearn.tree._tree.Tree",
)

TREE_FILE = "tree.skops"
TREE_RECORD = "tree.json"


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _as_features(X: Any) -> Features | np.ndarray:
    """Features for a vignette frame, or the matrix itself for an already encoded array.

    A DataFrame is validated first unless it already has the canonical dtypes that
    :func:`scoring.contract.schema.validate_frame` gives (a categorical ``locations`` column).
    """
    if isinstance(X, Features):
        return X
    if isinstance(X, pd.DataFrame):
        if isinstance(X.get("locations", pd.Series(dtype=object)).dtype, pd.CategoricalDtype):
            return Features(X)
        checked = validate_frame(X, extra="drop")
        if checked.n_rejected_rows:
            raise VignetteError([_row_error(row) for row in checked.rejected.head(5).itertuples(index=False)])
        return Features(checked.valid)
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"X must be a vignette DataFrame, scoring.contract.features.Features, or a 2-D array of encoded "
            f"features; got an array with {array.ndim} dimension(s)"
        )
    return array


def _row_error(row: Any) -> Any:
    from scoring.contract.schema import FieldError

    return FieldError(row.field, row.value, f"row {row.row}: {row.reason}", row.allowed)


def _labels_to_levels(y: Any) -> np.ndarray:
    """Reference labels (recommendation values, Recommendation members or levels) as 0/1/2."""
    values = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
    if values.ndim != 1:
        raise ValueError(f"y must be one label per vignette (1-D); got shape {values.shape}")
    levels = level_codes(values)
    bad = levels < 0
    if bad.any():
        first = _plain_param(values[np.flatnonzero(bad)[0]])
        raise ValueError(
            f"y: {int(bad.sum())} label(s) are not triage levels (first: {first!r}); "
            f"allowed: {', '.join(LEVELS)} or their levels 0, 1, 2"
        )
    return levels


# --------------------------------------------------------------------------------------
# Plain words for splits
# --------------------------------------------------------------------------------------


def _is_whole_number(feature: str) -> bool:
    spec = feature_spec(feature)
    if spec.kind == "count":
        return True
    return spec.kind == "number" and field_spec(spec.source_field).kind == "int"


def _nice(threshold: float) -> float:
    # sklearn puts a split halfway between two float32 values (e.g. 2.0500000477): two
    # decimals say the same to a reader.
    return round(float(threshold), 2)


def step_text(feature: str, op: str, threshold: float) -> str:
    """One split in plain words, e.g. ``step_text("stress_level", ">", 5.5)`` → 'stress 6/10 or more'.

    Whole-number features (age, stress, number of areas) are described by the whole numbers
    on each side of the split rather than by the half-way threshold.
    """
    if _is_whole_number(feature):
        cut = math.floor(threshold)
        text = describe_threshold(feature, "<=", cut) if op == "<=" else describe_threshold(feature, ">=", cut + 1)
        return _singular(text)
    return describe_threshold(feature, op, _nice(threshold))


def _bounds_text(feature: str, lower: float | None, upper: float | None) -> str:
    """A feature's bounds along one path (x > lower and x <= upper), merged into one phrase."""
    if lower is None:
        return step_text(feature, "<=", upper)  # type: ignore[arg-type]
    if upper is None:
        return step_text(feature, ">", lower)
    spec = feature_spec(feature)
    if spec.kind == "ordinal":
        return (
            describe_threshold(feature, "==", float(math.floor(upper)))
            if math.floor(upper) == math.floor(lower) + 1
            else (f"{spec.label} " + " or ".join(spec.levels[i] for i in range(len(spec.levels)) if lower < i <= upper))
        )
    if _is_whole_number(feature):
        low, high = math.floor(lower) + 1, math.floor(upper)
        if spec.kind == "count":
            return f"{low} to {high} {spec.unit}"
        unit = spec.unit if spec.unit == "/10" else f" {spec.unit}"
        return f"{spec.label} {low} to {high}{unit}"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"{spec.label} over {_fmt(_nice(lower))} and at most {_fmt(_nice(upper))}{unit}"


def _singular(text: str) -> str:
    # "at most 1 areas" reads wrong; counts of one take the singular unit.
    return text.replace(" 1 areas", " 1 area")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------


class TriageTree(ClassifierMixin, BaseEstimator):
    """A shallow decision tree for triage, fitted on the shared feature encoding.

    Parameters
    ----------
    max_depth : int, default=4
        Deepest split chain, at most 4 so that any path reads as a handful of rules.
    min_samples_leaf : int, default=20
        Fewest training vignettes in a leaf.
    ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning strength (see scikit-learn's user guide).
    class_weight : {"balanced", None}, default="balanced"
        ``"balanced"`` weighs each triage level by the inverse of its frequency, so the rare
        ``urgent`` level is not traded away for accuracy on the common ones.
    random_state : int, default=0
        Seed for the wrapped tree's tie-breaking between equally good splits.
    feature_names : sequence of str, optional
        Features the tree may split on, in column order. Default: :data:`DEFAULT_FEATURES`.

    Attributes
    ----------
    tree_model_ : DecisionTreeClassifier
        The fitted scikit-learn tree; every prediction here equals its prediction.
    feature_names_ : list of str
        Column order of the wrapped tree.
    classes_ : ndarray of str
        The recommendation values, least cautious first (``LEVELS``).
    node_counts_ : ndarray of shape (n_nodes, 3)
        Training vignettes of each reference level reaching each node (unweighted, so the
        shares in the rules are plain proportions even with class weighting).

    Examples
    --------
    >>> tree = TriageTree(max_depth=3).fit(frame, frame["triage"])   # doctest: +SKIP
    >>> print(render_rules_text(tree))                               # doctest: +SKIP
    """

    def __init__(
        self,
        max_depth: int = 4,
        min_samples_leaf: int = 20,
        ccp_alpha: float = 0.0,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        feature_names: Sequence[str] | None = None,
    ):
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.ccp_alpha = ccp_alpha
        self.class_weight = class_weight
        self.random_state = random_state
        self.feature_names = feature_names

    # -- fitting -----------------------------------------------------------------------

    def _check_params(self) -> list[str]:
        names = list(DEFAULT_FEATURES if self.feature_names is None else self.feature_names)
        unknown = [n for n in names if n not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"feature_names: unknown feature(s) {unknown}; known features: {', '.join(FEATURE_NAMES)}")
        if not isinstance(self.max_depth, (int, np.integer)) or not 1 <= self.max_depth <= MAX_DEPTH_LIMIT:
            raise ValueError(
                f"max_depth must be a whole number from 1 to {MAX_DEPTH_LIMIT} (got {self.max_depth!r}): "
                "zaro's tree must stay readable as a few rules"
            )
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be 'balanced' or None (got {self.class_weight!r})")
        return names

    def _matrix(self, X: Any, names: Sequence[str]) -> np.ndarray:
        data = _as_features(X)
        if isinstance(data, Features):
            return data.matrix(names, dtype=np.float32)
        if data.shape[1] != len(names):
            raise ValueError(
                f"X has {data.shape[1]} columns but the tree uses {len(names)} features ({', '.join(names)})"
            )
        return np.asarray(data, dtype=np.float32)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> TriageTree:
        """Fit the tree to reference triage labels.

        Parameters
        ----------
        X : DataFrame, Features or 2-D array
            Vignettes (a contract frame, validated here unless already canonical), their
            :class:`~scoring.contract.features.Features`, or a matrix whose columns are
            ``feature_names`` in order.
        y : array-like of str or int, optional
            Reference triage per vignette (``self_care``/``see_doctor``/``urgent`` or 0/1/2).
            Default: the frame's ``triage`` column.
        sample_weight : array-like, optional
            Passed to the wrapped tree.

        Returns
        -------
        TriageTree
            self, fitted.
        """
        names = self._check_params()
        if y is None:
            frame = X.frame if isinstance(X, Features) else X
            if not isinstance(frame, pd.DataFrame) or "triage" not in frame.columns:
                raise ValueError("y is missing: pass reference labels, or a frame with a 'triage' column")
            y = frame["triage"]
        levels = _labels_to_levels(y)
        matrix = self._matrix(X, names)
        if len(levels) != len(matrix):
            raise ValueError(f"X has {len(matrix)} rows but y has {len(levels)} labels")
        model = DecisionTreeClassifier(
            max_depth=int(self.max_depth),
            min_samples_leaf=self.min_samples_leaf,
            ccp_alpha=float(self.ccp_alpha),
            class_weight=self.class_weight,
            random_state=self.random_state,
        )
        model.fit(matrix, levels, sample_weight=sample_weight)
        self.tree_model_ = model
        self.feature_names_ = list(names)
        self.classes_ = np.asarray(LEVELS, dtype=object)
        # Unweighted counts per node: decision_path marks every node each row passes through.
        paths = model.decision_path(matrix).tocsc()
        onehot = np.zeros((len(levels), len(LEVELS)), dtype=np.int64)
        onehot[np.arange(len(levels)), levels] = 1
        self.node_counts_ = np.asarray(paths.T @ onehot, dtype=np.int64)
        return self

    # -- compiled arrays ---------------------------------------------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        """The fitted tree as plain arrays, with probabilities in LEVELS order."""
        if not hasattr(self, "tree_model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This TriageTree is not fitted yet: call fit() or load_tree() first")
        model = self.tree_model_
        structure = model.tree_
        value = structure.value[:, 0, :]
        # The wrapped tree only knows the classes it saw; spread its columns onto all three
        # levels so a missing level simply gets probability 0.
        proba = np.zeros((structure.node_count, len(LEVELS)), dtype=np.float64)
        proba[:, model.classes_.astype(np.int64)] = value
        return {
            "left": structure.children_left,
            "right": structure.children_right,
            "feature": structure.feature,
            "threshold": structure.threshold,
            "proba": proba,
            # argmax over the wrapped tree's own columns, exactly as DecisionTreeClassifier.predict does.
            "level": model.classes_.astype(np.int64)[np.argmax(value, axis=1)],
            "samples": structure.n_node_samples,
        }

    @property
    def used_features_(self) -> list[str]:
        """Features the fitted tree actually splits on, in column order."""
        arrays = self._arrays()
        used = sorted(set(arrays["feature"][arrays["left"] >= 0].tolist()))
        return [self.feature_names_[i] for i in used]

    # -- prediction --------------------------------------------------------------------

    def apply_levels(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Leaf id, level and (n, 3) probabilities for each row, by a vectorised walk.

        Only the features the tree splits on are read; each is cast to float32 before
        comparing, as scikit-learn does, so the result equals the wrapped tree's.
        """
        arrays = self._arrays()
        data = _as_features(X)
        left, right, feature, threshold = arrays["left"], arrays["right"], arrays["feature"], arrays["threshold"]
        n = len(data)
        dtype = np.int8 if len(left) < 128 else np.int32
        node = np.zeros(n, dtype=dtype)
        columns: dict[int, np.ndarray] = {}
        # Node ids are in depth-first order, so a parent always comes before its children:
        # one pass over the internal nodes moves every row to its leaf.
        for node_id in np.flatnonzero(left >= 0):
            j = int(feature[node_id])
            if j not in columns:
                raw = data[self.feature_names_[j]] if isinstance(data, Features) else data[:, j]
                columns[j] = np.asarray(raw, dtype=np.float32)
            goes_left = columns[j] <= threshold[node_id]
            target = np.where(goes_left, dtype(left[node_id]), dtype(right[node_id])).astype(dtype, copy=False)
            node = np.where(node == node_id, target, node)
        leaf = node.astype(np.intp)
        return leaf, arrays["level"][leaf].astype(np.int8), arrays["proba"][leaf]

    def predict_levels(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Levels (0 self-care, 1 see a doctor, 2 urgent) and (n, 3) probabilities in LEVELS order.

        Parameters
        ----------
        features : Features, DataFrame or 2-D array
            As for :meth:`fit`.

        Returns
        -------
        levels : ndarray of int8
        proba : ndarray of float64, shape (n, 3)
            Equal to the wrapped tree's ``predict`` and ``predict_proba`` (tested). With
            ``class_weight="balanced"`` these are class-weighted leaf shares.
        """
        _, levels, proba = self.apply_levels(features)
        return levels, proba

    def apply(self, X: Any) -> np.ndarray:
        """The leaf (node id) each row lands in."""
        return self.apply_levels(X)[0]

    def predict(self, X: Any) -> np.ndarray:
        """Recommendation values (``self_care``/``see_doctor``/``urgent``) per row."""
        return self.classes_[self.predict_levels(X)[0]]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        return self.predict_levels(X)[1]

    # -- one vignette ------------------------------------------------------------------

    def explain_encoded(self, encoded: Mapping[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.contract.features.encode_vignette`.

        The path lists every split the vignette passed, from the root, and ends at the leaf
        the tree predicts from (tested against :meth:`apply`).
        """
        arrays = self._arrays()
        left, right, feature, threshold = arrays["left"], arrays["right"], arrays["feature"], arrays["threshold"]
        node = 0
        steps: list[TreeStep] = []
        while left[node] >= 0:
            name = self.feature_names_[int(feature[node])]
            cut = float(threshold[node])
            # Compare the float32 value in double precision, as scikit-learn does.
            goes_left = float(np.float32(encoded[name])) <= cut
            op = "<=" if goes_left else ">"
            steps.append(TreeStep(int(node), name, op, cut, step_text(name, op, cut)))
            node = int(left[node] if goes_left else right[node])
        proba = arrays["proba"][node]
        recommendation = Recommendation.from_level(int(arrays["level"][node]))
        return TreeView(
            recommendation=recommendation,
            probabilities={level: float(p) for level, p in zip(LEVELS, proba)},
            path=tuple(steps),
            leaf_id=node,
            leaf_samples=int(arrays["samples"][node]),
            rules_text=_path_rule_lines(steps, self._leaf_outcome(node)),
        )

    def explain(self, vignette: Any) -> TreeView:
        """:meth:`explain_encoded` for a vignette (dict, JSON text or :class:`~scoring.contract.schema.Vignette`)."""
        from scoring.contract.features import encode_vignette

        return self.explain_encoded(encode_vignette(vignette))

    def _leaf_outcome(self, leaf: int) -> str:
        """'urgent (312 vignettes, 94% urgent)' for a leaf, from unweighted training counts."""
        level = int(self._arrays()["level"][leaf])
        counts = self.node_counts_[leaf]
        total = int(counts.sum())
        share = counts[level] / total if total else 0.0
        return f"{LEVELS[level]} ({total} vignettes, {share:.0%} {LEVELS[level]})"


def _path_rule_lines(steps: Sequence[TreeStep], outcome: str) -> str:
    if not steps:
        return f"always → {outcome}"
    lines = [("if " if i == 0 else "and ") + text for i, text in enumerate(_merged_conditions(steps))]
    lines.append(f"→ {outcome}")
    return "\n".join(lines)


def _merged_conditions(steps: Sequence[TreeStep]) -> list[str]:
    """Conditions of a path with repeated splits on one feature merged into one phrase."""
    order: list[str] = []
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    for step in steps:
        if step.feature not in order:
            order.append(step.feature)
        # Along one path a later split on the same feature is always the tighter one.
        (upper if step.op == "<=" else lower)[step.feature] = step.threshold
    return [_bounds_text(name, lower.get(name), upper.get(name)) for name in order]


# --------------------------------------------------------------------------------------
# The whole tree as rules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One leaf of the tree as a rule: the conditions that lead there and what it predicts.

    Attributes
    ----------
    leaf_id : int
        The leaf's node id.
    conditions : tuple of TreeStep
        The splits from the root to the leaf.
    recommendation : Recommendation
        What the tree predicts at this leaf.
    samples : int
        Training vignettes reaching the leaf.
    counts : dict of str to int
        Those vignettes by reference triage level.
    text : str
        The rule in one line, e.g. "if real weakness and duration over 6 weeks → urgent
        (312 vignettes, 94% urgent)".
    """

    leaf_id: int
    conditions: tuple[TreeStep, ...]
    recommendation: Recommendation
    samples: int
    counts: dict[str, int]
    text: str

    @property
    def share(self) -> float:
        """Share of the leaf's training vignettes whose reference level is the prediction."""
        return self.counts[self.recommendation.value] / self.samples if self.samples else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "conditions": [step.to_dict() for step in self.conditions],
            "recommendation": self.recommendation.value,
            "samples": self.samples,
            "counts": dict(self.counts),
            "text": self.text,
        }


def tree_rules(tree: TriageTree) -> list[Rule]:
    """Every leaf of a fitted tree as a :class:`Rule`, in depth-first order (left branch first).

    Examples
    --------
    >>> [rule.text for rule in tree_rules(load_tree())][:1]   # doctest: +SKIP
    ['if weakness that is getting worse → urgent (61 vignettes, 95% urgent)']
    """
    arrays = tree._arrays()
    left, right, feature, threshold = arrays["left"], arrays["right"], arrays["feature"], arrays["threshold"]
    rules: list[Rule] = []

    def walk(node: int, steps: tuple[TreeStep, ...]) -> None:
        if left[node] < 0:
            counts = tree.node_counts_[node]
            outcome = tree._leaf_outcome(node)
            conditions = _merged_conditions(steps)
            text = f"if {' and '.join(conditions)} → {outcome}" if conditions else f"always → {outcome}"
            rules.append(
                Rule(
                    leaf_id=node,
                    conditions=steps,
                    recommendation=Recommendation.from_level(int(arrays["level"][node])),
                    samples=int(counts.sum()),
                    counts={level: int(c) for level, c in zip(LEVELS, counts)},
                    text=text,
                )
            )
            return
        name = tree.feature_names_[int(feature[node])]
        cut = float(threshold[node])
        for op, child in (("<=", left[node]), (">", right[node])):
            walk(int(child), steps + (TreeStep(node, name, op, cut, step_text(name, op, cut)),))

    walk(0, ())
    return rules


def render_rules_text(tree: TriageTree) -> str:
    """The whole tree as plain-language rules, one line per leaf."""
    return "\n".join(rule.text for rule in tree_rules(tree))


# --------------------------------------------------------------------------------------
# Metrics and cross-validation
# --------------------------------------------------------------------------------------


def triage_metrics(reference: Any, predicted: Any) -> dict[str, float]:
    """Accuracy, balanced accuracy, recall per level, and under-/over-triage rates.

    Parameters
    ----------
    reference, predicted : array-like of levels (0/1/2) or recommendation values

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy`` (mean recall over the levels present),
        ``recall_<level>``, ``under_triage`` (share predicted less cautious than the
        reference), ``over_triage`` (more cautious) and ``urgent_missed`` (share of urgent
        references not predicted urgent).
    """
    truth = _labels_to_levels(reference)
    guess = _labels_to_levels(predicted)
    out: dict[str, float] = {"accuracy": float(np.mean(truth == guess)) if len(truth) else float("nan")}
    recalls = []
    for level, name in enumerate(LEVELS):
        mask = truth == level
        recall = float(np.mean(guess[mask] == level)) if mask.any() else float("nan")
        out[f"recall_{name}"] = recall
        if mask.any():
            recalls.append(recall)
    out["balanced_accuracy"] = float(np.mean(recalls)) if recalls else float("nan")
    out["under_triage"] = float(np.mean(guess < truth)) if len(truth) else float("nan")
    out["over_triage"] = float(np.mean(guess > truth)) if len(truth) else float("nan")
    out["urgent_missed"] = 1.0 - out["recall_urgent"] if not math.isnan(out["recall_urgent"]) else float("nan")
    return out


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


_SELECTION_RULE = (
    "highest mean balanced accuracy over stratified folds; among the trees within one standard "
    "error of the best (the one-standard-error rule), the lowest mean over-triage, then the "
    "simplest (fewest leaves, then shallowest, larger leaves, stronger pruning, unweighted)"
)


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
    held-out fold. See :class:`TreeSearch` for the selection rule.

    Parameters
    ----------
    X, y
        As for :meth:`TriageTree.fit`.
    param_grid : mapping of parameter name to values, optional
        Default :data:`DEFAULT_PARAM_GRID`.
    n_splits : int, default=5
    random_state : int, default=0
    progress : bool, default=False
        Show a progress bar (tqdm) on standard error.

    Returns
    -------
    TreeSearch
    """
    grid = dict(DEFAULT_PARAM_GRID if param_grid is None else param_grid)
    template = TriageTree(random_state=random_state)
    names = template._check_params()
    if y is None:
        frame = X.frame if isinstance(X, Features) else X
        y = frame["triage"]
    levels = _labels_to_levels(y)
    matrix = template._matrix(X, names)
    folds = list(StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(matrix, levels))
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in product(*(grid[k] for k in keys))]

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(combos) * len(folds), desc="cross-validating trees", unit="fit", disable=None)
    rows = []
    for params in combos:
        fold_scores: list[dict[str, float]] = []
        for train, test in folds:
            model = TriageTree(**{**params, "random_state": random_state}).fit(matrix[train], levels[train])
            scores = triage_metrics(levels[test], model.predict_levels(matrix[test])[0])
            scores["n_leaves"] = float(model.tree_model_.get_n_leaves())
            fold_scores.append(scores)
            if bar is not None:
                bar.update()
        table = pd.DataFrame(fold_scores)
        row: dict[str, Any] = {k: params.get(k) for k in keys}
        for metric in table.columns:
            row[f"mean_{metric}"] = float(table[metric].mean())
            row[f"std_{metric}"] = float(table[metric].std(ddof=1)) if len(table) > 1 else 0.0
        rows.append(row)
    if bar is not None:
        bar.close()

    results = pd.DataFrame(rows)
    chosen = _select(results, n_splits)
    results["selected"] = False
    results.loc[chosen, "selected"] = True
    best_params = {k: _plain_param(results.loc[chosen, k]) for k in keys}
    return TreeSearch(results, best_params, n_splits, random_state, _SELECTION_RULE)


def _plain_param(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _select(results: pd.DataFrame, n_splits: int) -> int:
    """Index of the chosen row (see ``_SELECTION_RULE``)."""
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
    weighted = eligible["class_weight"].notna() if "class_weight" in eligible else False
    eligible["_weighted"] = weighted
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


# --------------------------------------------------------------------------------------
# The shipped model: fit, save, load
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeFit:
    """A tree fitted from data, with its cross-validation search and its record.

    ``record`` is what ``tree.json`` holds: parameters, cross-validated and training
    metrics, the search table, feature names, rules, data provenance and the zaro version.
    """

    tree: TriageTree
    search: TreeSearch
    record: dict[str, Any]

    def save(self, out_dir: str | Path | None = None) -> tuple[Path, Path]:
        """Write ``tree.skops`` and ``tree.json`` into ``out_dir`` (default: the package's models)."""
        return save_tree(self.tree, self.record, out_dir)


def _default_data_path() -> Path:
    root = project_root()
    if root is None:
        raise FileNotFoundError(
            "the default vignettes (data/vignettes.csv) are only in a source checkout; pass data=PATH"
        )
    return root / "data" / "vignettes.csv"


def _round(value: Any, digits: int = 6) -> Any:
    """Round floats (recursively) so the record is stable and readable."""
    if isinstance(value, dict):
        return {str(k): _round(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else round(value, digits)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


_RECORD_COLUMNS = (
    *DEFAULT_PARAM_GRID,
    "mean_balanced_accuracy",
    "std_balanced_accuracy",
    "mean_accuracy",
    "mean_recall_urgent",
    "mean_under_triage",
    "mean_over_triage",
    "mean_n_leaves",
    "selected",
)


def fit_default_tree(
    data: str | Path | pd.DataFrame | None = None,
    *,
    param_grid: Mapping[str, Iterable] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    progress: bool = False,
) -> TreeFit:
    """Choose parameters by cross-validation, fit the tree on all the data, and describe it.

    Parameters
    ----------
    data : path to a CSV, DataFrame, or None
        Vignettes with a ``triage`` column. Default: the shipped ``data/vignettes.csv``
        (seed :data:`scoring._paths.DEFAULT_SEED`).
    param_grid, n_splits, random_state
        See :func:`search_tree`.
    progress : bool, default=False
        Show progress bars.

    Returns
    -------
    TreeFit
        Call ``.save()`` to write the shipped model files.
    """
    source: dict[str, Any]
    if data is None or isinstance(data, (str, Path)):
        path = _default_data_path() if data is None else Path(data)
        raw = path.read_bytes()
        frame = pd.read_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
        source = {
            "file": "data/vignettes.csv" if data is None else path.name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "seed": DEFAULT_SEED if data is None else None,
        }
        # The generator writes NAME.meta.json next to NAME.csv: record its seed and version.
        meta_path = path.with_suffix(".meta.json")
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("sha256") in (None, source["sha256"]):
                for key in ("seed", "generator_version", "label_noise"):
                    if key in meta:
                        source[key] = meta[key]
    else:
        frame = data
        source = {"file": None, "sha256": None, "seed": None}
    checked = validate_frame(frame, extra="drop")
    if checked.n_rejected_rows:
        raise VignetteError([_row_error(row) for row in checked.rejected.head(5).itertuples(index=False)])
    if "triage" not in checked.valid.columns:
        raise ValueError("the data has no 'triage' column: the tree is fitted to the reference triage label")
    valid = checked.valid
    features = Features(valid)
    labels = _labels_to_levels(valid["triage"])
    source["n"] = int(len(valid))
    source["label_counts"] = {level: int((labels == i).sum()) for i, level in enumerate(LEVELS)}

    search = search_tree(
        features, labels, param_grid=param_grid, n_splits=n_splits, random_state=random_state, progress=progress
    )
    tree = TriageTree(**search.best_params, random_state=random_state).fit(features, labels)
    levels, _ = tree.predict_levels(features)
    best = search.best
    metric_names = [c[5:] for c in search.results.columns if c.startswith("mean_")]
    import sklearn
    import skops

    record = {
        "zaro_version": __version__,
        # The model file's bytes depend on these too (skops stamps its version; a new
        # scikit-learn may grow a tree differently), so a byte-for-byte refit needs them.
        "environment": {"scikit_learn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__},
        "model": "scoring.engine.tree.TriageTree",
        "params": {k: _plain_param(v) for k, v in tree.get_params().items()},
        "feature_names": list(tree.feature_names_),
        "used_features": tree.used_features_,
        "structure": {
            "depth": int(tree.tree_model_.get_depth()),
            "n_leaves": int(tree.tree_model_.get_n_leaves()),
            "n_nodes": int(tree.tree_model_.tree_.node_count),
        },
        "data": source,
        "cross_validation": {
            "n_splits": n_splits,
            "random_state": random_state,
            "stratified": True,
            "selection_rule": search.rule,
            "param_grid": {k: list(v) for k, v in (param_grid or DEFAULT_PARAM_GRID).items()},
            "selected": {name: {"mean": best[f"mean_{name}"], "std": best[f"std_{name}"]} for name in metric_names},
            # The search table, trimmed to the columns a reviewer compares (the full table,
            # with every metric's spread, is TreeFit.search.results).
            "results": search.results[[c for c in _RECORD_COLUMNS if c in search.results]].to_dict("records"),
        },
        "training_metrics": triage_metrics(labels, levels),
        "rules": [rule.text for rule in tree_rules(tree)],
    }
    return TreeFit(tree, search, _round(record))


def _canonical_skops(data: bytes) -> bytes:
    """Make a skops archive byte-reproducible.

    skops names arrays and shared objects after Python object ids and stamps each zip
    entry with the current time; both change every run. Renumbering the ids in order of
    first appearance and fixing the timestamps keeps the file loadable and identical for
    identical models.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(source.read("schema.json"))
    mapping: dict[str, str] = {}

    def new_id(old: Any) -> str:
        key = str(old)
        if key not in mapping:
            mapping[key] = str(len(mapping))
        return mapping[key]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    out[key] = int(new_id(value))
                elif key == "file" and isinstance(value, str) and value.endswith(".npy"):
                    out[key] = new_id(value[: -len(".npy")]) + ".npy"
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    canonical = walk(schema)
    renamed = {f"{old}.npy": f"{new}.npy" for old, new in mapping.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as target:
        names = sorted((renamed.get(n, n) for n in source.namelist() if n != "schema.json"), key=_member_order)
        inverse = {v: k for k, v in renamed.items()}
        for name in names:
            _write_member(target, name, source.read(inverse.get(name, name)))
        _write_member(target, "schema.json", json.dumps(canonical, indent=2).encode())
    return buffer.getvalue()


def _member_order(name: str) -> tuple[int, str]:
    stem = name.split(".")[0]
    return (int(stem), name) if stem.isdigit() else (1 << 30, name)


def _write_member(target: zipfile.ZipFile, name: str, payload: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    target.writestr(info, payload)


def save_tree(tree: TriageTree, record: Mapping[str, Any], out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write a fitted tree (skops, byte-reproducible) and its JSON record into ``out_dir``.

    Returns
    -------
    (Path, Path)
        The ``tree.skops`` and ``tree.json`` paths.
    """
    import skops.io

    folder = Path(out_dir) if out_dir is not None else MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    model_path, record_path = folder / TREE_FILE, folder / TREE_RECORD
    payload = _canonical_skops(skops.io.dumps(tree))
    model_path.write_bytes(payload)
    record = dict(record)
    record["model_sha256"] = hashlib.sha256(payload).hexdigest()
    record_path.write_text(
        json.dumps(_round(record), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if folder.resolve() == MODELS_DIR.resolve():
        default_tree.cache_clear()
    return model_path, record_path


def load_tree(path: str | Path | None = None) -> TriageTree:
    """Load a tree saved by :func:`save_tree` (default: the shipped model).

    Only the types in :data:`TRUSTED_TYPES` (and skops' built-in safe types) are accepted;
    a file holding anything else is refused.
    """
    import skops.io

    location = Path(path) if path is not None else MODELS_DIR / TREE_FILE
    if location.is_dir():
        location = location / TREE_FILE
    if not location.is_file():
        raise FileNotFoundError(f"no tree file at {location}; fit one with `zaro fit` or pass path=")
    tree = skops.io.load(location, trusted=list(TRUSTED_TYPES))
    if not isinstance(tree, TriageTree):
        raise TypeError(f"{location} holds a {type(tree).__name__}, not a TriageTree")
    return tree


def load_tree_metadata(path: str | Path | None = None) -> dict[str, Any]:
    """The JSON record saved next to a tree (default: the shipped ``tree.json``)."""
    location = Path(path) if path is not None else MODELS_DIR / TREE_RECORD
    if location.is_dir():
        location = location / TREE_RECORD
    return json.loads(location.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_tree() -> TriageTree:
    """The shipped tree, loaded once per process."""
    return load_tree()


#: The value of ``tree=`` that means "the shipped tree" in assess, explain and compare.
DEFAULT_TREE = "default"


def resolve_tree(tree: Any) -> Any:
    """``"default"`` → the shipped tree (loaded once); ``None`` → None (card only); else ``tree``.

    A path (str or Path other than ``"default"``) loads a saved tree from there.
    """
    if tree is None:
        return None
    if isinstance(tree, str) and tree == DEFAULT_TREE:
        return default_tree()
    if isinstance(tree, (str, Path)):
        return _load_tree_cached(str(Path(tree).resolve()))
    return tree


@lru_cache(maxsize=8)
def _load_tree_cached(path: str) -> TriageTree:
    return load_tree(path)
