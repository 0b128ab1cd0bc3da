"""Fitting the shipped tree: cross-validated choice, final fit, and the record ``tree.json`` keeps."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring._paths import DEFAULT_SEED, project_root
from scoring._version import __version__
from scoring.contract.features import Features
from scoring.contract.recommendation import LEVELS
from scoring.engine.metrics import labels_to_levels, triage_metrics
from scoring.engine.tree._common import plain_param, valid_frame
from scoring.engine.tree._estimator import TriageTree
from scoring.engine.tree._export import tree_rules
from scoring.engine.tree._persist import record_round, save_tree
from scoring.engine.tree._search import DEFAULT_PARAM_GRID, TreeSearch, search_tree

__all__ = ["TreeFit", "fit_default_tree"]


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


def _read_data(data: str | Path | pd.DataFrame | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The vignettes to fit on and where they came from (file, hash, seed, generator version)."""
    if data is not None and not isinstance(data, (str, Path)):
        return data, {"file": None, "sha256": None, "seed": None}
    path = _default_data_path() if data is None else Path(data)
    raw = path.read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
    source: dict[str, Any] = {
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
    return frame, source


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
        Report the search's progress.

    Returns
    -------
    TreeFit
        Call ``.save()`` to write the shipped model files.
    """
    frame, source = _read_data(data)
    valid = valid_frame(frame)
    if "triage" not in valid.columns:
        raise ValueError("the data has no 'triage' column: the tree is fitted to the reference triage label")
    features = Features(valid)
    labels = labels_to_levels(valid["triage"])
    source["n"] = int(len(valid))
    source["label_counts"] = {level: int((labels == i).sum()) for i, level in enumerate(LEVELS)}
    search = search_tree(
        features, labels, param_grid=param_grid, n_splits=n_splits, random_state=random_state, progress=progress
    )
    # String labels, so the shipped tree's classes_ are the recommendation values.
    tree = TriageTree(**search.best_params, random_state=random_state).fit(features, valid["triage"])
    cross_validation = {
        "n_splits": n_splits,
        "random_state": random_state,
        "stratified": True,
        "selection_rule": search.rule,
        "param_grid": {k: list(v) for k, v in (param_grid or DEFAULT_PARAM_GRID).items()},
    }
    return TreeFit(tree, search, record_round(_record(tree, search, features, labels, source, cross_validation)))


def _record(
    tree: TriageTree,
    search: TreeSearch,
    features: Features,
    labels: np.ndarray,
    source: dict[str, Any],
    cross_validation: dict[str, Any],
) -> dict[str, Any]:
    """What ``tree.json`` says about a fitted tree (before save_tree adds hashes and arrays)."""
    import sklearn
    import skops

    levels, _ = tree.predict_levels(features)
    best = search.best
    metric_names = [c[5:] for c in search.results.columns if c.startswith("mean_")]
    return {
        "zaro_version": __version__,
        # The model file's bytes depend on these too (skops stamps its version; a new
        # scikit-learn may grow a tree differently), so a byte-for-byte refit needs them.
        "environment": {"scikit_learn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__},
        "model": "scoring.engine.tree._estimator.TriageTree",
        "params": {k: plain_param(v) for k, v in tree.get_params().items()},
        "feature_names": list(tree.feature_names_),
        "used_features": tree.used_features_,
        "structure": {
            "depth": int(tree.tree_model_.get_depth()),
            "n_leaves": int(tree.tree_model_.get_n_leaves()),
            "n_nodes": int(tree.tree_model_.tree_.node_count),
        },
        "data": source,
        "cross_validation": {
            **cross_validation,
            "selected": {name: {"mean": best[f"mean_{name}"], "std": best[f"std_{name}"]} for name in metric_names},
            # The search table, trimmed to the columns a reviewer compares (the full table,
            # with every metric's spread, is TreeFit.search.results).
            "results": search.results[[c for c in _RECORD_COLUMNS if c in search.results]].to_dict("records"),
        },
        "training_metrics": triage_metrics(labels, levels),
        "rules": [rule.text for rule in tree_rules(tree)],
    }
