"""What every fitted triage tree can do once it is arrays: predict, explain, and stay monotone.

:class:`TreeReader` is shared by :class:`~scoring.engine.tree.TriageTree` (the scikit-learn
estimator) and :class:`~scoring.engine.tree.ShippedTree` (the shipped tree read from
``tree.json`` without importing scikit-learn), so both give the same answers by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.contract.features import Features
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.engine.tree._common import as_features
from scoring.engine.tree._export import leaf_outcome, path_rule_lines, step_text
from scoring.engine.tree._walk import TreeStructure, columns_of, encoded_row, envelope, walk
from scoring.results import TreeStep, TreeView

__all__ = ["TreeReader"]


class TreeReader:
    """Predictions and explanations from :meth:`tree_structure` (a mixin; numpy only)."""

    def tree_structure(self) -> TreeStructure:
        """The fitted tree as arrays (see :class:`~scoring.engine.tree.TreeStructure`)."""
        raise NotImplementedError(f"{type(self).__name__} must define tree_structure()")

    @property
    def used_features_(self) -> list[str]:
        """Features the fitted tree actually splits on, in column order."""
        structure = self.tree_structure()
        return [structure.feature_names[j] for j in structure.used]

    def _columns(self, X: Any) -> tuple[TreeStructure, np.ndarray]:
        structure = self.tree_structure()
        data = as_features(X)
        if not isinstance(data, Features) and data.shape[1] != len(structure.feature_names):
            raise ValueError(
                f"X has {data.shape[1]} columns but the tree uses {len(structure.feature_names)} features "
                f"({', '.join(structure.feature_names)})"
            )
        return structure, columns_of(structure, data)

    def apply_levels(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Leaf id, level and (n, 3) probabilities for each row, by a vectorised walk.

        Only the features the tree splits on are read; each is cast to float32 before
        comparing, as scikit-learn does, so the result equals the wrapped tree's.
        """
        structure, columns = self._columns(X)
        leaf = walk(structure, columns)
        return leaf, structure.level[leaf].astype(np.int8), structure.proba[leaf]

    def predict_levels(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Levels (0 self-care, 1 see a doctor, 2 urgent) and (n, 3) probabilities in LEVELS order.

        Parameters
        ----------
        features : Features, vignette DataFrame or 2-D array of the tree's features

        Returns
        -------
        levels : ndarray of int8
            The leaf's level: the tree's own answer, which :meth:`envelope_levels` may raise.
        proba : ndarray of float64, shape (n, 3)
            Equal to the wrapped tree's ``predict_proba`` (tested). With
            ``class_weight="balanced"`` these are class-weighted leaf shares.
        """
        _, levels, proba = self.apply_levels(features)
        return levels, proba

    def envelope_levels(self, features: Any) -> np.ndarray:
        """The tree's monotone level per row: what the combined recommendation uses.

        The highest level of any leaf reachable by a version of the row that is no more
        worrying (see :func:`scoring.engine.tree._walk.envelope`). Never below
        :meth:`predict_levels`, and never lowered by a warning sign, a location, more weeks,
        more severity or more frequency.
        """
        structure, columns = self._columns(features)
        return envelope(structure, columns)

    def envelope_level_encoded(self, encoded: Mapping[str, float]) -> int:
        """:meth:`envelope_levels` for one vignette encoded by ``encode_vignette``."""
        structure = self.tree_structure()
        return int(envelope(structure, encoded_row(structure, encoded))[0])

    def apply(self, X: Any) -> np.ndarray:
        """The leaf (node id) each row lands in."""
        return self.apply_levels(X)[0]

    def explain_encoded(self, encoded: Mapping[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.contract.features.encode_vignette`.

        The path lists every split the vignette passed, from the root, and ends at the leaf
        the tree predicts from (tested against :meth:`apply`).
        """
        structure = self.tree_structure()
        left, right, feature, threshold = structure.left, structure.right, structure.feature, structure.threshold
        node = 0
        steps: list[TreeStep] = []
        while left[node] >= 0:
            name = structure.feature_names[int(feature[node])]
            cut = float(threshold[node])
            # Compare the float32 value in double precision, as scikit-learn does.
            goes_left = float(np.float32(encoded[name])) <= cut
            op = "<=" if goes_left else ">"
            steps.append(TreeStep(int(node), name, op, cut, step_text(name, op, cut)))
            node = int(left[node] if goes_left else right[node])
        return TreeView(
            recommendation=Recommendation.from_level(int(structure.level[node])),
            probabilities={level: float(p) for level, p in zip(LEVELS, structure.proba[node])},
            path=tuple(steps),
            leaf_id=node,
            leaf_samples=int(structure.samples[node]),
            rules_text=path_rule_lines(steps, leaf_outcome(structure, node)),
        )

    def explain(self, vignette: Any) -> TreeView:
        """:meth:`explain_encoded` for a vignette (dict, JSON text or :class:`~scoring.contract.schema.Vignette`)."""
        from scoring.contract.features import encode_vignette

        return self.explain_encoded(encode_vignette(vignette))
