"""The scikit-learn estimator: :class:`TriageTree`, a thin wrapper around one decision tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from scoring.contract.features import FEATURE_NAMES
from scoring.contract.recommendation import LEVELS, level_codes
from scoring.engine.tree._common import DEFAULT_FEATURES, MAX_DEPTH_LIMIT, plain_param, vignette_features
from scoring.engine.tree._reader import TreeReader
from scoring.engine.tree._walk import TreeStructure

__all__ = ["TriageTree"]


class TriageTree(TreeReader, ClassifierMixin, BaseEstimator):
    """A shallow decision tree for triage, fitted on the shared feature encoding.

    A scikit-learn classifier (it passes ``check_estimator``): it fits vignette frames
    (validated and encoded with :mod:`scoring.contract.features`) as well as plain numeric
    arrays, and ``predict``/``predict_proba`` equal the wrapped
    :class:`~sklearn.tree.DecisionTreeClassifier`'s. Fitted to triage labels, it also reads
    as rules and explains one vignette's path (:class:`TreeReader`).

    Parameters
    ----------
    max_depth : int, default=4
        Deepest split chain, at most 4 so that any path reads as a handful of rules.
    min_samples_leaf : int, default=20
        Fewest training vignettes in a leaf.
    ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning strength (see scikit-learn's user guide).
    class_weight : {"balanced", None} or dict, default="balanced"
        ``"balanced"`` weighs each triage level by the inverse of its frequency, so the rare
        ``urgent`` level is not traded away for accuracy on the common ones; a dict maps
        labels to weights.
    random_state : int, default=0
        Seed for the wrapped tree's tie-breaking between equally good splits.
    feature_names : sequence of str, optional
        Features the tree may split on, in column order. Default: :data:`DEFAULT_FEATURES`
        for vignettes (and for arrays of that width); a plain array of another width gets
        its DataFrame column names or ``x0, x1, …``.

    Attributes
    ----------
    tree_model_ : DecisionTreeClassifier
        The fitted scikit-learn tree, fitted to class indices into ``classes_``.
    feature_names_ : list of str
        Column order of the wrapped tree.
    n_features_in_ : int
        Number of columns.
    classes_ : ndarray
        The labels seen in ``fit``. Triage values (``self_care``/``see_doctor``/``urgent``)
        are kept least cautious first; other labels are sorted as scikit-learn does.
    class_levels_ : ndarray of int
        The triage level of each class, or -1 for labels that are not triage levels.
    node_counts_ : ndarray of shape (n_nodes, n_classes)
        Training rows of each class reaching each node (unweighted, so the shares in the
        rules are plain proportions even with class weighting).

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

    def _check_params(self) -> None:
        if self.feature_names is not None:
            unknown = [n for n in self.feature_names if n not in FEATURE_NAMES]
            if unknown:
                raise ValueError(
                    f"feature_names: unknown feature(s) {unknown}; known features: {', '.join(FEATURE_NAMES)}"
                )
        if not isinstance(self.max_depth, (int, np.integer)) or not 1 <= self.max_depth <= MAX_DEPTH_LIMIT:
            raise ValueError(
                f"max_depth must be a whole number from 1 to {MAX_DEPTH_LIMIT} (got {self.max_depth!r}): "
                "zaro's tree must stay readable as a few rules"
            )
        if not (self.class_weight in (None, "balanced") or isinstance(self.class_weight, dict)):
            raise ValueError(
                f"class_weight must be 'balanced', None or a dict of label to weight (got {self.class_weight!r})"
            )

    def _fit_matrix(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The float32 training matrix, the labels and the column names."""
        data = vignette_features(X)
        if data is not None:
            names = list(DEFAULT_FEATURES if self.feature_names is None else self.feature_names)
            if y is None:
                if "triage" not in data.frame.columns:
                    raise ValueError("y is missing: pass reference labels, or a frame with a 'triage' column")
                y = data.frame["triage"]
            labels = column_or_1d(np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y), warn=True)
            self.n_features_in_ = len(names)
            return data.matrix(names, dtype=np.float32), labels, names
        matrix, labels = validate_data(self, X, y, dtype=np.float32)
        width = matrix.shape[1]
        if self.feature_names is not None:
            names = list(self.feature_names)
            if len(names) != width:
                raise ValueError(f"X has {width} columns but the tree uses {len(names)} features ({', '.join(names)})")
        elif width == len(DEFAULT_FEATURES):
            names = list(DEFAULT_FEATURES)
        else:
            names = [str(n) for n in getattr(self, "feature_names_in_", [f"x{i}" for i in range(width)])]
        return matrix, labels, names

    def _classes(self, labels: np.ndarray) -> np.ndarray:
        """Set ``classes_``/``class_levels_`` and return each label's class index."""
        check_classification_targets(labels)
        values = labels
        codes = level_codes(values)
        textual = values.dtype.kind in "OUS"
        if textual and (codes >= 0).all():
            present = sorted(set(codes.tolist()))
            self.classes_ = np.asarray([LEVELS[i] for i in present], dtype=object)
            index = np.searchsorted(np.asarray(present), codes)
        elif textual and (codes >= 0).any():
            first = plain_param(values[np.flatnonzero(codes < 0)[0]])
            raise ValueError(
                f"y: {int((codes < 0).sum())} label(s) are not triage levels (first: {first!r}); "
                f"allowed: {', '.join(LEVELS)} or their levels 0, 1, 2"
            )
        else:
            self.classes_, index = np.unique(values, return_inverse=True)
        self.class_levels_ = level_codes(self.classes_).astype(np.int64)
        if len(set(self.class_levels_.tolist())) != len(self.classes_):
            self.class_levels_ = np.full(len(self.classes_), -1, dtype=np.int64)
        return np.asarray(index, dtype=np.int64)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> TriageTree:
        """Fit the tree.

        Parameters
        ----------
        X : DataFrame, Features or 2-D array
            Vignettes (a contract frame, validated here unless already canonical), their
            :class:`~scoring.contract.features.Features`, or a numeric matrix (for triage,
            its columns are ``feature_names`` in order).
        y : array-like, optional
            Labels per row: for triage ``self_care``/``see_doctor``/``urgent`` or 0/1/2.
            Default for vignettes: the frame's ``triage`` column.
        sample_weight : array-like, optional
            Passed to the wrapped tree.

        Returns
        -------
        TriageTree
            self, fitted.
        """
        self._check_params()
        matrix, labels, names = self._fit_matrix(X, y)
        if len(labels) != len(matrix):
            raise ValueError(f"X has {len(matrix)} rows but y has {len(labels)} labels")
        index = self._classes(labels)
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            # The wrapped tree sees class indices: key the weights the same way.
            position = {plain_param(label): i for i, label in enumerate(self.classes_)}
            class_weight = {position[k]: w for k, w in class_weight.items() if k in position}
        model = DecisionTreeClassifier(
            max_depth=int(self.max_depth),
            min_samples_leaf=self.min_samples_leaf,
            ccp_alpha=float(self.ccp_alpha),
            class_weight=class_weight,
            random_state=self.random_state,
        )
        model.fit(matrix, index, sample_weight=sample_weight)
        self.tree_model_ = model
        self.feature_names_ = names
        # Unweighted counts per node: decision_path marks every node each row passes through.
        paths = model.decision_path(matrix).tocsc()
        onehot = np.zeros((len(index), len(self.classes_)), dtype=np.int64)
        onehot[np.arange(len(index)), index] = 1
        self.node_counts_ = np.asarray(paths.T @ onehot, dtype=np.int64)
        return self

    # -- scikit-learn's prediction API -------------------------------------------------

    def _predict_matrix(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "tree_model_")
        data = vignette_features(X)
        if data is not None:
            return data.matrix(self.feature_names_, dtype=np.float32)
        return validate_data(self, X, reset=False, dtype=np.float32)

    def predict(self, X: Any) -> np.ndarray:
        """The label (one of ``classes_``) per row, as the wrapped tree predicts it."""
        matrix = self._predict_matrix(X)
        return self.classes_[self.tree_model_.predict(matrix)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        matrix = self._predict_matrix(X)
        return self.tree_model_.predict_proba(matrix)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Impurity-based importance of each feature, in ``feature_names_`` order."""
        check_is_fitted(self, "tree_model_")
        return self.tree_model_.feature_importances_

    # -- the tree as arrays ------------------------------------------------------------

    def tree_structure(self) -> TreeStructure:
        """The fitted tree as arrays, probabilities and counts in ``LEVELS`` order.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            When the tree was fitted to labels that are not triage levels.
        """
        check_is_fitted(self, "tree_model_")
        levels = self.class_levels_
        if (levels < 0).any():
            raise ValueError(
                f"this TriageTree was fitted to labels {[plain_param(c) for c in self.classes_]!r}, not triage levels; "
                f"fit it to {', '.join(LEVELS)} (or 0, 1, 2) to read it as triage"
            )
        structure = self.tree_model_.tree_
        value = structure.value[:, 0, :]
        # Spread the classes seen onto all three levels, so a level missing from the training
        # labels simply gets probability 0 (and count 0).
        proba = np.zeros((structure.node_count, len(LEVELS)), dtype=np.float64)
        proba[:, levels] = value
        counts = np.zeros((structure.node_count, len(LEVELS)), dtype=np.int64)
        counts[:, levels] = self.node_counts_
        return TreeStructure(
            feature_names=tuple(self.feature_names_),
            left=np.asarray(structure.children_left, dtype=np.int64),
            right=np.asarray(structure.children_right, dtype=np.int64),
            feature=np.asarray(structure.feature, dtype=np.int64),
            threshold=np.asarray(structure.threshold, dtype=np.float64),
            proba=proba,
            # argmax over the wrapped tree's own columns, exactly as DecisionTreeClassifier.predict does.
            level=levels[np.argmax(value, axis=1)].astype(np.int8),
            samples=np.asarray(structure.n_node_samples, dtype=np.int64),
            counts=counts,
            importances=np.asarray(self.tree_model_.feature_importances_, dtype=np.float64),
        )
