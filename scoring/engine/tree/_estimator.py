"""The scikit-learn estimator: :class:`RiskTree`, a thin wrapper around one decision tree."""

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
from scoring.engine.tree._common import (
    DEFAULT_FEATURES,
    DEFAULT_OUTCOME,
    MAX_DEPTH_LIMIT,
    plain_param,
    vignette_features,
)
from scoring.engine.tree._reader import TreeReader
from scoring.engine.tree._walk import TreeStructure

__all__ = ["RiskTree"]


def _monotone_constraints(names: list[str]) -> list[int]:
    """Per feature, +1 where the risk may only rise as it worsens, -1 only fall, 0 free (the encoding's ``worse``)."""
    from scoring.contract.features import FEATURE_NAMES, feature_spec

    return [feature_spec(name).worse if name in FEATURE_NAMES else 0 for name in names]


class RiskTree(TreeReader, ClassifierMixin, BaseEstimator):
    """A shallow decision tree estimating the risk of an outcome, on the shared feature encoding.

    A scikit-learn classifier (it passes ``check_estimator``): it fits vignette frames
    (validated and encoded with :mod:`scoring.contract.features`) as well as plain numeric
    arrays, and ``predict``/``predict_proba`` equal the wrapped
    :class:`~sklearn.tree.DecisionTreeClassifier`'s. It is fitted without class weights, so
    the probability at a leaf is the plain share of the leaf's training vignettes that have
    the outcome: a risk in the training population. Fitted to a yes/no outcome, it also
    reads as rules and explains one vignette's path (:class:`TreeReader`).

    Parameters
    ----------
    max_depth : int, default=4
        Deepest split chain, at most 4 so that any path reads as a handful of rules.
    min_samples_leaf : int, default=20
        Fewest training vignettes in a leaf (so that a leaf's share rests on enough of them).
    ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning strength (see scikit-learn's user guide).
    outcome : str, default="serious_cause"
        The outcome (``definitions/outcomes.toml``) the labels say yes or no to. For a frame
        of generated vignettes without ``y``, the labels are read from its ``latent_cause``
        column (:func:`scoring.engine.risk.outcome_labels`).
    population : str, default="enriched"
        The population the training vignettes come from (``definitions/populations.toml``):
        the risks the tree gives hold there.
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
        The labels seen in ``fit``, sorted (``[False, True]`` for an outcome).
    node_counts_ : ndarray of shape (n_nodes, n_classes)
        Training rows of each class reaching each node (unweighted, also when ``fit`` was
        given sample weights).

    Examples
    --------
    >>> tree = RiskTree(max_depth=3).fit(generated)        # doctest: +SKIP
    >>> print(render_rules_text(tree))                     # doctest: +SKIP
    """

    def __init__(
        self,
        max_depth: int = 4,
        min_samples_leaf: int = 20,
        ccp_alpha: float = 0.0,
        outcome: str = DEFAULT_OUTCOME,
        population: str = "enriched",
        random_state: int = 0,
        feature_names: Sequence[str] | None = None,
    ):
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.ccp_alpha = ccp_alpha
        self.outcome = outcome
        self.population = population
        self.random_state = random_state
        self.feature_names = feature_names

    # -- fitting -----------------------------------------------------------------------

    def _check_params(self) -> None:
        from scoring.engine.populations import load_population
        from scoring.engine.risk import load_outcomes

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
        outcomes = load_outcomes()
        if self.outcome not in outcomes:
            raise ValueError(f"outcome {self.outcome!r} is not an outcome; known outcomes: {', '.join(outcomes)}")
        load_population(self.population)  # an unknown population is an error naming the known ones

    def _fit_matrix(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The float32 training matrix, the labels and the column names."""
        data = vignette_features(X)
        if data is not None:
            names = list(DEFAULT_FEATURES if self.feature_names is None else self.feature_names)
            if y is None:
                from scoring.engine.risk import outcome_labels

                y = outcome_labels(data.frame, self.outcome)
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

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> RiskTree:
        """Fit the tree.

        Parameters
        ----------
        X : DataFrame, Features or 2-D array
            Vignettes (a contract frame, validated here unless already canonical), their
            :class:`~scoring.contract.features.Features`, or a numeric matrix (for vignette
            features, its columns are ``feature_names`` in order).
        y : array-like, optional
            Labels per row: for an outcome, True/False (or 1/0). Default for generated
            vignettes: whether each row's ``latent_cause`` counts as :attr:`outcome`.
        sample_weight : array-like, optional
            Passed to the wrapped tree (its leaf probabilities are then weighted shares).

        Returns
        -------
        RiskTree
            self, fitted.
        """
        self._check_params()
        matrix, labels, names = self._fit_matrix(X, y)
        if len(labels) != len(matrix):
            raise ValueError(f"X has {len(matrix)} rows but y has {len(labels)} labels")
        check_classification_targets(labels)
        self.classes_, index = np.unique(labels, return_inverse=True)
        # No class weights: a leaf's probability stays the plain share of its vignettes.
        model = DecisionTreeClassifier(
            max_depth=int(self.max_depth),
            min_samples_leaf=self.min_samples_leaf,
            ccp_alpha=float(self.ccp_alpha),
            random_state=self.random_state,
            # Its level is shown beside the answer and the answer is never below it, so the
            # risk never falls as a vignette worsens (a warning sign, a place, more weeks).
            monotonic_cst=_monotone_constraints(names) if len(self.classes_) == 2 else None,
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

    def _positive_column(self) -> int | None:
        """The class index of "has the outcome" (None when no training row had it)."""
        values = [plain_param(c) for c in self.classes_]
        if not all(isinstance(v, (bool, int, float)) and v in (0, 1) for v in values):
            raise ValueError(
                f"this RiskTree was fitted to labels {values!r}, not to an outcome; "
                "fit it to yes/no labels (True/False or 1/0) to read it as a risk tree"
            )
        return next((i for i, v in enumerate(values) if v == 1), None)

    def tree_structure(self) -> TreeStructure:
        """The fitted tree as arrays: each node's risk, vignettes and those with the outcome.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            When the tree was fitted to labels other than yes/no.
        """
        check_is_fitted(self, "tree_model_")
        positive = self._positive_column()
        structure = self.tree_model_.tree_
        if positive is None:  # every training row was without the outcome
            risk = np.zeros(structure.node_count, dtype=np.float64)
            positives = np.zeros(structure.node_count, dtype=np.int64)
        else:
            risk = np.asarray(structure.value[:, 0, positive], dtype=np.float64)
            positives = np.asarray(self.node_counts_[:, positive], dtype=np.int64)
        return TreeStructure(
            feature_names=tuple(self.feature_names_),
            left=np.asarray(structure.children_left, dtype=np.int64),
            right=np.asarray(structure.children_right, dtype=np.int64),
            feature=np.asarray(structure.feature, dtype=np.int64),
            threshold=np.asarray(structure.threshold, dtype=np.float64),
            risk=risk,
            samples=np.asarray(structure.n_node_samples, dtype=np.int64),
            positives=positives,
            importances=np.asarray(self.tree_model_.feature_importances_, dtype=np.float64),
        )
