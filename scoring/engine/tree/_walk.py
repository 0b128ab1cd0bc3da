"""A fitted tree as plain arrays, and the vectorised walk over them (numpy only).

:class:`TreeStructure` is what every reader of a tree needs (plots, explanations, SQL, the
light shipped tree); the walk packs each split's comparison into a bit code that a table maps
to the leaf, so a depth-4 tree costs one comparison per split and row whatever its shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from scoring.contract.features import Features

__all__ = ["TreeStructure", "walk", "columns_of", "encoded_row"]


@dataclass(frozen=True, eq=False)
class TreeStructure:
    """A fitted risk tree as arrays, node ids in depth-first order (the root is 0).

    Attributes
    ----------
    feature_names : tuple of str
        The tree's columns; ``feature`` indexes into them.
    left, right : ndarray of int
        Child node ids, ``-1`` at leaves.
    feature : ndarray of int
        Column split on at each node (``-2`` at leaves).
    threshold : ndarray of float
        A row goes left when its float32 value is at most the threshold.
    risk : ndarray of float
        The wrapped tree's probability of the outcome at each node: the share of the
        training vignettes reaching the node that have the outcome (fitted without class
        weights, so it is a plain share, a risk in the training population).
    samples : ndarray of int
        Training vignettes reaching each node.
    positives : ndarray of int
        Those of them with the outcome.
    importances : ndarray of float
        Impurity-based importance of each column (scikit-learn's ``feature_importances_``).
    """

    feature_names: tuple[str, ...]
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    risk: np.ndarray
    samples: np.ndarray
    positives: np.ndarray
    importances: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.left)

    @property
    def is_leaf(self) -> np.ndarray:
        """Boolean mask of the leaves."""
        return self.left < 0

    @property
    def n_leaves(self) -> int:
        """Number of leaves."""
        return int(self.is_leaf.sum())

    @cached_property
    def used(self) -> tuple[int, ...]:
        """Columns the tree splits on, in column order."""
        return tuple(sorted(set(self.feature[~self.is_leaf].tolist())))

    @cached_property
    def depth(self) -> int:
        """Length of the longest root-to-leaf path."""
        depth = np.zeros(self.n_nodes, dtype=np.int64)
        for node in range(self.n_nodes):  # parents come before children (depth-first ids)
            if self.left[node] >= 0:
                depth[self.left[node]] = depth[self.right[node]] = depth[node] + 1
        return int(depth.max())

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # Leaves point to themselves with an infinite threshold, so a fixed number of steps
        # (the depth) brings every row to its leaf with no test for "already there".
        nodes = np.arange(self.n_nodes)
        leaf = self.is_leaf
        position = {column: i for i, column in enumerate(self.used)}
        column = np.array([position.get(int(f), 0) for f in self.feature], dtype=np.intp)
        threshold = np.where(leaf, np.inf, self.threshold)
        left = np.where(leaf, nodes, self.left).astype(np.intp)
        right = np.where(leaf, nodes, self.right).astype(np.intp)
        return column, threshold, left, right

    @property
    def n_splits(self) -> int:
        """Number of internal nodes."""
        return int((~self.is_leaf).sum())

    @cached_property
    def _leaf_by_code(self) -> np.ndarray:
        # Every combination of split outcomes (bit i: "goes left at the i-th split") → leaf.
        internal = np.flatnonzero(~self.is_leaf)
        bit = np.zeros(self.n_nodes, dtype=np.int64)
        bit[internal] = np.arange(len(internal))
        codes = np.arange(1 << len(internal), dtype=np.int64)
        node = np.zeros(len(codes), dtype=np.intp)
        _, _, left, right = self._tables
        for _ in range(self.depth):
            node = np.where((codes >> bit[node]) & 1 == 1, left[node], right[node])
        return node

    def to_dict(self) -> dict[str, Any]:
        """The arrays as JSON-ready lists (floats exactly: JSON keeps every digit of a double)."""
        return {
            "feature_names": list(self.feature_names),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [float(t) for t in self.threshold],
            "risk": [float(r) for r in self.risk],
            "samples": self.samples.tolist(),
            "positives": self.positives.tolist(),
            "importances": self.importances.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TreeStructure:
        """Rebuild from :meth:`to_dict` (KeyError naming a missing array)."""
        return cls(
            feature_names=tuple(data["feature_names"]),
            left=np.asarray(data["left"], dtype=np.int64),
            right=np.asarray(data["right"], dtype=np.int64),
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=np.asarray(data["threshold"], dtype=np.float64),
            risk=np.asarray(data["risk"], dtype=np.float64),
            samples=np.asarray(data["samples"], dtype=np.int64),
            positives=np.asarray(data["positives"], dtype=np.int64),
            importances=np.asarray(data["importances"], dtype=np.float64),
        )

    def same_as(self, other: TreeStructure) -> bool:
        """Whether two structures hold the same tree (names and every array equal)."""
        mine, theirs = self.to_dict(), other.to_dict()
        return mine == theirs


def columns_of(structure: TreeStructure, data: Features | np.ndarray) -> np.ndarray:
    """The used columns as one float32 (rows, used) matrix, as scikit-learn compares.

    Column-major, so each feature's values are contiguous for the per-split comparisons.
    """
    names = structure.feature_names
    n = len(data)
    out = np.empty((n, max(1, len(structure.used))), dtype=np.float32, order="F")
    for i, j in enumerate(structure.used):
        out[:, i] = data[names[j]] if isinstance(data, Features) else data[:, j]
    return out


def encoded_row(structure: TreeStructure, encoded: Mapping[str, float]) -> np.ndarray:
    """One encoded vignette as a (1, used) float32 matrix for :func:`walk`."""
    names = structure.feature_names
    values = [encoded[names[j]] for j in structure.used] or [0.0]
    return np.asarray([values], dtype=np.float32)


#: Trees with at most this many splits are walked through a table of every split outcome.
_TABLE_SPLITS = 15


def walk(structure: TreeStructure, columns: np.ndarray) -> np.ndarray:
    """The leaf each row of ``columns`` (from :func:`columns_of`) lands in.

    Equal to scikit-learn's ``apply`` (tested). For a shallow tree (at most 15 splits, which
    every depth-4 tree is) each split is one comparison per row, packed into a bit code that
    a table maps to the leaf; a larger tree moves all rows one level down per step.
    """
    if structure.n_splits > _TABLE_SPLITS:
        return _walk_by_depth(structure, columns)
    return structure._leaf_by_code[_split_codes(structure, columns)]


def _split_codes(structure: TreeStructure, columns: np.ndarray) -> np.ndarray:
    """Per row, bit i set when the row would go left at the i-th split (whether it reaches it or not)."""
    column, threshold, _, _ = structure._tables
    code = np.zeros(len(columns), dtype=np.uint16)
    for bit, node in enumerate(np.flatnonzero(~structure.is_leaf)):
        code |= (columns[:, column[node]] <= threshold[node]) * np.uint16(1 << bit)
    return code


def _walk_by_depth(structure: TreeStructure, columns: np.ndarray) -> np.ndarray:
    column, threshold, left, right = structure._tables
    n = len(columns)
    flat = columns.ravel(order="F")
    rows = np.arange(n, dtype=np.intp)
    node = np.zeros(n, dtype=np.intp)
    for _ in range(structure.depth):
        goes_left = flat[column[node] * n + rows] <= threshold[node]
        node = np.where(goes_left, left[node], right[node])
    return node
