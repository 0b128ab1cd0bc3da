"""What every fitted risk tree can do once it is arrays: estimate a risk, advise, explain.

:class:`TreeReader` is shared by :class:`~scoring.engine.tree.RiskTree` (the scikit-learn
estimator) and :class:`~scoring.engine.tree.ShippedTree` (the shipped tree read from
``tree.json`` without importing scikit-learn), so both give the same answers by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.contract.features import Features
from scoring.contract.recommendation import Recommendation
from scoring.engine.tree._common import as_features
from scoring.engine.tree._export import leaf_outcome, path_rule_lines, step_text
from scoring.engine.tree._policy import node_levels
from scoring.engine.tree._walk import TreeStructure, columns_of, walk
from scoring.results import TreeStep, TreeView

__all__ = ["TreeReader"]


class TreeReader:
    """Risks, advice and explanations from :meth:`tree_structure` (a mixin; numpy only).

    A class using it has ``outcome`` (what the tree predicts, e.g. ``"serious_cause"``) and
    ``population`` (the population it was fitted on, ``"enriched"``), as the
    :class:`~scoring.results.TreeModel` protocol asks.
    """

    outcome: str
    population: str

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

    def apply(self, X: Any) -> np.ndarray:
        """The leaf (node id) each row lands in, by a vectorised walk.

        Only the features the tree splits on are read; each is cast to float32 before
        comparing, as scikit-learn does, so the result equals the wrapped tree's ``apply``.
        """
        structure, columns = self._columns(X)
        return walk(structure, columns)

    def predict_risk(self, features: Any) -> np.ndarray:
        """The risk of :attr:`outcome` per row, in the tree's training population.

        Parameters
        ----------
        features : Features, vignette DataFrame or 2-D array of the tree's features

        Returns
        -------
        ndarray of float64
            The share of training vignettes with the outcome in each row's leaf; equal to
            the wrapped tree's ``predict_proba`` for the outcome (tested). Move it to another
            population with :func:`scoring.engine.risk.risk_in_population`.
        """
        structure, columns = self._columns(features)
        return structure.risk[walk(structure, columns)]

    def node_levels(self, population: Any = None, policy: Any = None, age: float | None = None) -> np.ndarray:
        """The risk policy's level (0 self-care, 1 see a doctor, 2 urgent) at every node.

        Each node's risk is moved from :attr:`population` to ``population`` (prior shift and
        the stored recalibration, :attr:`transport`) and read against the thresholds of the risk policy for :attr:`outcome`.

        Parameters
        ----------
        population : str, Population or None
            Default :data:`scoring.engine.populations.DEFAULT_POPULATION`.
        policy : Policy, str or None
            A risk policy for the tree's outcome; default the first one in ``policies.toml``.
        age : float, optional
            A person's age, for their age band's recalibration (the whole population's without one).
        """
        return node_levels(
            self.tree_structure().risk,
            outcome=self.outcome,
            trained_on=self.population,
            population=population,
            policy=policy,
            transport=getattr(self, "transport", None),
            age=age,
        )

    def policy_levels(self, features: Any, population: Any = None, policy: Any = None) -> np.ndarray:
        """The risk policy's level for each row's leaf (see :meth:`node_levels`), int8.

        Rows with an age (a Features or a vignette frame) get their age band's levels; a bare
        array of features gets the whole population's.
        """
        from scoring.engine.risk._transport import AGE_BAND_STARTS, age_band_index

        leaves = self.apply(features)
        try:
            age = np.asarray(features["age"], dtype=np.float64)
        except (KeyError, IndexError, TypeError, ValueError):
            return self.node_levels(population, policy)[leaves]
        levels = np.stack([self.node_levels(population, policy, float(start)) for start in AGE_BAND_STARTS])
        return levels[age_band_index(age), leaves]

    def leaf_risk_text(self, leaf_id: int) -> str:
        """A leaf's risk in words: 'P(serious cause) = 12% in the learning mix (2,431 training vignettes)'."""
        return leaf_outcome(self.tree_structure(), int(leaf_id), self.outcome, self.population)

    def explain_encoded(self, encoded: Mapping[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.contract.features.encode_vignette`.

        The path lists every split the vignette passed, from the root, and ends at the leaf
        whose risk :meth:`predict_risk` gives (tested against :meth:`apply`). The view's
        recommendation is what the risk policy advises for that risk in the default
        population; :func:`scoring.assess` replaces it with the advice for the population
        it reports for.
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
            recommendation=Recommendation.from_level(int(self.node_levels()[node])),
            probability=float(structure.risk[node]),
            outcome=self.outcome,
            path=tuple(steps),
            leaf_id=node,
            leaf_samples=int(structure.samples[node]),
            rules_text=path_rule_lines(steps, self.leaf_risk_text(node)),
        )

    def explain(self, vignette: Any) -> TreeView:
        """:meth:`explain_encoded` for a vignette (dict, JSON text or :class:`~scoring.contract.schema.Vignette`)."""
        from scoring.contract.features import encode_vignette

        return self.explain_encoded(encode_vignette(vignette))
