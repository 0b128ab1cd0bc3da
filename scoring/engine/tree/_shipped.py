"""The shipped tree read from ``tree.json`` alone: scoring without importing scikit-learn.

Loading ``tree.skops`` imports scikit-learn and skops (over a second). Assessing one vignette
only needs the tree's arrays, which ``tree.json`` keeps (``nodes``, hashed in
``nodes_sha256``); :class:`ShippedTree` walks them with numpy. :func:`load_tree` checks,
when it loads the estimator, that its arrays are these arrays, so both give the same answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scoring.engine.tree._common import TREE_FILE, TREE_RECORD
from scoring.engine.tree._reader import TreeReader
from scoring.engine.tree._walk import TreeStructure

__all__ = ["ShippedTree", "TreeLoadError", "nodes_sha256", "read_record"]


class TreeLoadError(ValueError):
    """A tree file or its record is missing, damaged, unsafe, or does not match the other.

    The message is one line naming the file and the fix.
    """


class MissingTreeError(TreeLoadError, FileNotFoundError):
    """The tree file or its record does not exist (also a ``FileNotFoundError``)."""


def nodes_sha256(nodes: Mapping[str, Any]) -> str:
    """The hash of a tree's arrays as ``tree.json`` stores them (sorted keys, compact JSON)."""
    text = json.dumps(nodes, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_record(path: Path) -> dict[str, Any]:
    """The JSON record at ``path``, or a :class:`TreeLoadError` saying what is wrong and the fix."""
    if not path.is_file():
        raise MissingTreeError(f"no tree record at {path}; refit with `zaro fit`")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TreeLoadError(f"{path} is not a tree record (not JSON: {exc}); refit with `zaro fit`") from None
    if not isinstance(record, dict):
        raise TreeLoadError(f"{path} is not a tree record (a JSON object is expected); refit with `zaro fit`")
    return record


def _check_transport(location: Path, transport: Any) -> None:
    """Refuse a record whose recalibrations per population are not finite numbers in range."""
    if transport is None:
        return
    from pydantic import TypeAdapter, ValidationError

    from scoring.engine._definitions import TransportStep, error_location, first_error, problem_text

    try:
        TypeAdapter(dict[str, TransportStep]).validate_python(transport)
    except ValidationError as exc:
        error = first_error(exc)
        problem = problem_text(error, "transport." + error_location(error))
        raise TreeLoadError(f"{location}: {problem}; refit with `zaro fit`") from None


class ShippedTree(TreeReader):
    """A fitted tree rebuilt from its record's arrays (same answers as the saved estimator).

    Implements the ``TreeModel`` protocol (``outcome``, ``population``, ``predict_risk``,
    ``explain_encoded``) and the readers that plots and explanations use
    (``tree_structure``, ``feature_names_``, ``feature_importances_``). For refitting or
    scikit-learn's own API, load the estimator with :func:`load_tree`.

    Parameters
    ----------
    structure : TreeStructure
    record : mapping
        The ``tree.json`` record it came from; its ``outcome`` and ``population`` say what
        the tree predicts and where its risks hold.
    source : Path, optional
        Where the record was read from (named in messages).
    """

    def __init__(self, structure: TreeStructure, record: Mapping[str, Any], source: Path | None = None):
        self._structure = structure
        self.record = dict(record)
        self.source = source
        self.feature_names_ = list(structure.feature_names)
        self.outcome = str(self.record["outcome"])
        self.population = str(self.record["population"])
        #: Recalibrations of the prior-shifted risk per population (see fit_tree_transport).
        self.transport: dict[str, Any] = dict(self.record.get("transport") or {})

    @classmethod
    def from_record(cls, path: str | Path) -> ShippedTree:
        """Read ``tree.json`` (or a folder holding it) and check its arrays against their hash.

        Raises
        ------
        TreeLoadError
            When the record is missing, not JSON, names no outcome or population, has no
            arrays, or its arrays do not match ``nodes_sha256``.
        """
        location = Path(path)
        if location.is_dir():
            location = location / TREE_RECORD
        record = read_record(location)
        if not isinstance(record.get("outcome"), str) or not isinstance(record.get("population"), str):
            raise TreeLoadError(
                f"{location} does not say which outcome the tree predicts and on which population it was fitted "
                "(an older triage tree?); refit with `zaro fit`"
            )
        nodes = record.get("nodes")
        if not isinstance(nodes, dict):
            raise TreeLoadError(f"{location} holds no tree arrays ('nodes'); refit with `zaro fit`")
        _check_transport(location, record.get("transport"))
        expected = record.get("nodes_sha256")
        try:
            actual = nodes_sha256(nodes)
        except ValueError:  # a NaN or an infinity, which JSON files written by zaro never hold
            raise TreeLoadError(
                f"{location}: the tree arrays ('nodes') hold NaN or an infinity; refit with `zaro fit`"
            ) from None
        if expected != actual:
            raise TreeLoadError(
                f"{location}: the tree arrays do not match their hash (nodes_sha256 {expected} recorded, "
                f"{actual} found); refit with `zaro fit`"
            )
        try:
            structure = TreeStructure.from_dict(nodes)
        except (KeyError, TypeError, ValueError) as exc:
            raise TreeLoadError(f"{location}: damaged tree arrays ({exc!r}); refit with `zaro fit`") from None
        return cls(structure, record, location)

    def tree_structure(self) -> TreeStructure:
        """The tree as arrays."""
        return self._structure

    @property
    def feature_importances_(self) -> np.ndarray:
        """Impurity-based importance of each feature (scikit-learn's, saved at fit time)."""
        return self._structure.importances

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, as recorded."""
        return dict(self.record.get("params", {}))

    @property
    def model_path(self) -> Path | None:
        """The ``tree.skops`` file next to the record, whose estimator gives the same answers."""
        return None if self.source is None else self.source.with_name(TREE_FILE)

    def __repr__(self) -> str:
        where = f" from {self.source}" if self.source is not None else ""
        return f"ShippedTree({self._structure.n_nodes} nodes{where})"
