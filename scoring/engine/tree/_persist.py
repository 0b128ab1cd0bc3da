"""Saving and loading trees: ``tree.skops`` (the estimator) and ``tree.json`` (its record).

``tree.json`` holds the estimator file's hash (``model_sha256``) and the tree's arrays
(``nodes``, hashed in ``nodes_sha256``). :func:`load_tree` checks both, so a model file that
does not belong to its record is refused with a one-line :class:`TreeLoadError`, as is any
file that is empty, truncated, a pickle, or holds types outside :data:`TRUSTED_TYPES`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring._options import check_choice
from scoring._paths import MODELS_DIR
from scoring.engine.tree._common import TREE_FILE, TREE_RECORD
from scoring.engine.tree._shipped import MissingTreeError, ShippedTree, TreeLoadError, nodes_sha256, read_record

if TYPE_CHECKING:
    from scoring.engine.tree._estimator import RiskTree

__all__ = [
    "TRUSTED_TYPES",
    "DEFAULT_TREE",
    "save_tree",
    "load_tree",
    "load_tree_metadata",
    "default_tree",
    "resolve_tree",
    "record_round",
]

#: The types a shipped tree file holds beyond those skops trusts by default (it already
#: trusts scikit-learn's estimators, but not the Cython ``Tree`` nor zaro's own class).
TRUSTED_TYPES: tuple[str, ...] = (
    "scoring.engine.tree._estimator.RiskTree",
    "sklearn.tree._tree.Tree",
)

#: The value of ``tree=`` that means "the shipped tree" in assess, explain and compare.
DEFAULT_TREE = "default"


def record_round(value: Any, digits: int = 6) -> Any:
    """Round floats (recursively) so the record is stable and readable."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {str(k): record_round(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [record_round(v, digits) for v in value]
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else round(value, digits)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


# --------------------------------------------------------------------------------------
# A byte-reproducible skops file
# --------------------------------------------------------------------------------------


def _canonical_skops(data: bytes) -> bytes:
    """Make a skops archive byte-reproducible.

    Why this rewrites skops' archive: skops (0.10 to 0.16) names each array file and each
    shared object after the Python ``id()`` of the object being saved, and stamps each zip
    entry with the current time. Its API has no option for either (``dumps`` only takes the
    compression), and normalising the timestamps alone still leaves the ids, which change
    every run. So the ids are renumbered in order of first appearance (keeping which entries
    refer to the same object) and the entries are written with a fixed timestamp. The member
    bytes are skops' own; :func:`save_tree` loads the result back with skops and checks that
    it is the same tree before writing it. The layout this relies on (``schema.json`` with
    ``__id__`` and ``file`` keys, one ``<id>.npy`` per array) is skops protocol 2; the
    supported skops range is pinned in the project's dependencies.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(source.read("schema.json"))
    mapping: dict[str, str] = {}

    def new_id(old: Any) -> str:
        return mapping.setdefault(str(old), str(len(mapping)))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
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
    inverse = {v: k for k, v in renamed.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as target:
        names = sorted((renamed.get(n, n) for n in source.namelist() if n != "schema.json"), key=_member_order)
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


# --------------------------------------------------------------------------------------
# Save and load
# --------------------------------------------------------------------------------------


def save_tree(tree: RiskTree, record: Mapping[str, Any], out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write a fitted tree (skops, byte-reproducible) and its JSON record into ``out_dir``.

    The record gains ``outcome`` and ``population`` (the tree's), ``model_sha256`` (the
    skops file's hash), ``nodes`` (the tree's arrays, floats to every digit, for
    :class:`ShippedTree`) and ``nodes_sha256``.

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
    structure = tree.tree_structure()
    if not skops.io.loads(payload, trusted=list(TRUSTED_TYPES)).tree_structure().same_as(structure):
        raise RuntimeError("the canonical skops file does not load back to the same tree; check the skops version")
    nodes = structure.to_dict()
    full = record_round(dict(record))
    full["outcome"], full["population"] = tree.outcome, tree.population
    full["model_sha256"] = hashlib.sha256(payload).hexdigest()
    full["nodes"] = nodes  # not rounded: the light tree must split exactly where the estimator does
    full["nodes_sha256"] = nodes_sha256(nodes)
    model_path.write_bytes(payload)
    record_path.write_text(json.dumps(full, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    if folder.resolve() == MODELS_DIR.resolve():
        default_tree.cache_clear()
    return model_path, record_path


def _model_location(path: str | Path | None) -> Path:
    location = Path(path) if path is not None else MODELS_DIR / TREE_FILE
    if location.is_dir():
        location = location / TREE_FILE
    if not location.is_file():
        raise MissingTreeError(f"no tree file at {location}; fit one with `zaro fit` or pass path=")
    return location


def _check_against_record(location: Path, payload: bytes) -> dict[str, Any]:
    """The record next to the model file, after checking the file against its hash.

    A model file without its record is refused: nothing would say that its bytes are the
    ones ``zaro fit`` wrote.
    """
    record_path = location.with_name(TREE_RECORD)
    if not record_path.is_file():
        raise MissingTreeError(
            f"{location} has no {TREE_RECORD} next to it, so its sha256 cannot be checked; put the {TREE_RECORD} "
            f"that `zaro fit` wrote with it in {location.parent}, or refit with `zaro fit --out FOLDER`"
        )
    record = read_record(record_path)
    expected, actual = record.get("model_sha256"), hashlib.sha256(payload).hexdigest()
    if expected != actual:
        raise TreeLoadError(
            f"{location.name} does not match {record_path.name} (sha256 {actual} found, {expected} recorded) "
            f"in {location.parent}; refit with `zaro fit`"
        )
    return record


def load_tree(path: str | Path | None = None) -> RiskTree:
    """Load a tree saved by :func:`save_tree` (default: the shipped model).

    Only the types in :data:`TRUSTED_TYPES` (and skops' built-in safe types) are accepted.
    ``tree.json`` must sit next to the file: the file must match its ``model_sha256`` and
    its arrays the record's ``nodes``.

    Raises
    ------
    TreeLoadError
        With one line naming the file and the fix, for a missing, empty, truncated or
        foreign file (a pickle, a zip with untrusted types), one without its record or one
        that does not match its record. A missing file's error is also a ``FileNotFoundError``.
    """
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    from scoring.engine.tree._estimator import RiskTree

    location = _model_location(path)
    payload = location.read_bytes()
    record = _check_against_record(location, payload)
    try:
        tree = skops.io.loads(payload, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException as exc:
        raise TreeLoadError(
            f"{location} holds types zaro does not trust ({exc}); refit with `zaro fit` instead of loading it"
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, ImportError, EOFError) as exc:
        reason = "empty file" if not payload else f"{type(exc).__name__}: {exc}"
        raise TreeLoadError(
            f"{location} is not a tree saved by zaro ({reason}); refit with `zaro fit` or pass another path"
        ) from None
    if not isinstance(tree, RiskTree):
        raise TreeLoadError(f"{location} holds a {type(tree).__name__}, not a RiskTree; refit with `zaro fit`")
    if "nodes" in record and tree.tree_structure().to_dict() != record["nodes"]:
        raise TreeLoadError(
            f"{location.name} and the arrays in {TREE_RECORD} differ in {location.parent}; refit with `zaro fit`"
        )
    return tree


def load_tree_metadata(path: str | Path | None = None) -> dict[str, Any]:
    """The JSON record saved next to a tree (default: the shipped ``tree.json``)."""
    location = Path(path) if path is not None else MODELS_DIR / TREE_RECORD
    if location.is_dir():
        location = location / TREE_RECORD
    return read_record(location)


@lru_cache(maxsize=1)
def default_tree() -> ShippedTree:
    """The shipped tree, read once per process from ``tree.json`` (no scikit-learn needed).

    It gives the same risks and explanations as ``load_tree()`` (tested); use
    :func:`load_tree` for the scikit-learn estimator itself.
    """
    return ShippedTree.from_record(MODELS_DIR / TREE_RECORD)


def resolve_tree(tree: Any) -> Any:
    """``"default"`` → the shipped tree (read once); ``None`` → None (card only); else ``tree``.

    A path (str or Path other than ``"default"``) loads a saved estimator from there.
    """
    if tree is None:
        return None
    if isinstance(tree, str) and tree == DEFAULT_TREE:
        return default_tree()
    if isinstance(tree, (str, os.PathLike)):
        return _load_tree_cached(str(Path(tree).resolve()))
    if not all(hasattr(tree, name) for name in _TREE_MODEL_PARTS):
        check_choice(
            "tree",
            tree,
            (DEFAULT_TREE, None),
            also="the path of a tree saved by `zaro fit`, or a fitted tree such as load_tree() returns",
        )
    return tree


#: What a tree object needs to be assessed with (the ``TreeModel`` protocol of scoring.results).
_TREE_MODEL_PARTS = ("outcome", "population", "explain_encoded", "predict_risk")


@lru_cache(maxsize=8)
def _load_tree_cached(path: str) -> RiskTree:
    return load_tree(path)
