"""Fitting the shipped tree: the training sample, the cross-validated choice, the final fit,
a check on a fresh sample, and the record ``tree.json`` keeps.

Why a generated sample of 50,000 and not ``data/vignettes.csv``: the shipped file holds 5,000
vignettes of the enriched mix, of which about 350 have a serious cause (and about 25 a
motor-neuron-like one). A leaf's risk is the share of its training vignettes with the outcome,
so with 5,000 a leaf of a few hundred vignettes rests on a handful of cases: fitted there, the
trees that cross-validation prefers are over-confident on fresh data (calibration slope about
0.85-0.90). A sample of 50,000 (about 3,500 serious causes) gives slopes of 0.96-0.99, the same
log loss as 200,000 to the third decimal, and a 5-fold search of the whole grid in well under
a minute. The sample is drawn with a fixed seed (:data:`TREE_SEED`), apart from the seeds of
the shipped data, the card calibration and the fresh check, so ``zaro fit`` rebuilds the same
tree byte for byte and the check is on vignettes the tree has not seen.
"""

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

from scoring._version import __version__
from scoring.contract.features import Features
from scoring.engine.tree._common import DEFAULT_OUTCOME, plain_param, valid_frame
from scoring.engine.tree._estimator import RiskTree
from scoring.engine.tree._export import tree_rules
from scoring.engine.tree._persist import record_round, save_tree
from scoring.engine.tree._search import DEFAULT_PARAM_GRID, TreeSearch, risk_scores, search_tree

__all__ = ["TreeFit", "fit_default_tree", "TREE_N", "TREE_SEED", "CHECK_N", "DATA_CHOICE"]

#: Size and seed of the generated enriched sample the shipped tree is fitted on.
TREE_N = 50_000
TREE_SEED = 20250

#: Size of the fresh enriched sample the fitted tree is checked on (seed
#: :data:`scoring.engine.calibration.EVALUATION_SEED`, as for the cards).
CHECK_N = 200_000

#: Why the tree is fitted on a generated sample, as the record says it.
DATA_CHOICE = (
    "a generated enriched sample of 50,000 rather than the shipped data/vignettes.csv (5,000 vignettes, about "
    "350 with a serious cause): a leaf's risk is the share of its training vignettes with the outcome, and with "
    "5,000 the trees cross-validation prefers are over-confident on fresh data (calibration slope about "
    "0.85-0.90); 50,000 gives slopes near 1 and the log loss of a 200,000 fit, with a fixed seed so the refit "
    "is byte for byte"
)


@dataclass(frozen=True)
class TreeFit:
    """A tree fitted from data, with its cross-validation search and its record.

    ``record`` is what ``tree.json`` holds: the outcome and population, parameters,
    cross-validated and training measures, the check on a fresh sample, the search table,
    feature names, rules, data provenance and the zaro version.
    """

    tree: RiskTree
    search: TreeSearch
    record: dict[str, Any]

    def save(self, out_dir: str | Path | None = None) -> tuple[Path, Path]:
        """Write ``tree.skops`` and ``tree.json`` into ``out_dir`` (default: the package's models)."""
        return save_tree(self.tree, self.record, out_dir)


_RECORD_COLUMNS = (
    *DEFAULT_PARAM_GRID,
    "mean_log_loss",
    "std_log_loss",
    "mean_brier",
    "mean_auc",
    "std_auc",
    "mean_n_leaves",
    "selected",
)


def _generated(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    from scoring.engine.populations import TRAINING_POPULATION
    from scoring.engine.synth import GENERATOR_VERSION, generate_vignettes

    # The generator's own mix is the enriched learning population.
    frame = generate_vignettes(n, seed=seed)
    source = {
        "generator": "scoring.engine.synth.generate_vignettes",
        "generator_version": GENERATOR_VERSION,
        "population": TRAINING_POPULATION,
        "n": n,
        "seed": seed,
        "choice": DATA_CHOICE,
    }
    return frame, source


def _read_data(data: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Vignettes given by the caller and where they came from (file, hash, seed, generator version)."""
    if not isinstance(data, (str, Path)):
        return data, {"file": None, "sha256": None, "seed": None}
    path = Path(data)
    raw = path.read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
    source: dict[str, Any] = {"file": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "seed": None}
    # The generator writes NAME.meta.json next to NAME.csv: record its seed and version.
    meta_path = path.with_suffix(".meta.json")
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("sha256") in (None, source["sha256"]):
            for key in ("seed", "generator_version"):
                if key in meta:
                    source[key] = meta[key]
    return frame, source


def _outcome_of(frame: pd.DataFrame, outcome: str, where: str) -> np.ndarray:
    from scoring.engine.risk import outcome_labels

    if "latent_cause" not in frame.columns:
        raise ValueError(
            f"{where} has no latent_cause column: the tree is fitted to an outcome ({outcome}), which only "
            "generated vignettes carry; pass vignettes from `zaro generate` or scoring.generate_vignettes"
        )
    return np.asarray(outcome_labels(frame, outcome), dtype=bool)


def check_on_fresh_sample(tree: Any, *, n: int = CHECK_N, seed: int | None = None) -> dict[str, Any]:
    """The tree's discrimination and calibration on a fresh sample of its training population.

    Parameters
    ----------
    tree : RiskTree or ShippedTree
    n : int
        Vignettes to generate.
    seed : int, optional
        Default :data:`scoring.engine.calibration.EVALUATION_SEED` (never used for fitting).

    Returns
    -------
    dict
        ``population``, ``n``, ``seed``, ``n_outcome``, ``auc``, ``log_loss``, ``brier`` and
        the calibration summary (``observed``, ``predicted_mean``, ``calibration_intercept``,
        ``calibration_slope``, ``brier_reference``; see
        :func:`scoring.engine.calibration.calibration_summary`).
    """
    from scoring.engine.calibration import EVALUATION_SEED, calibration_summary
    from scoring.engine.synth import generate_vignettes

    seed = EVALUATION_SEED if seed is None else seed
    frame = valid_frame(generate_vignettes(n, seed=seed))
    y = _outcome_of(frame, tree.outcome, "the fresh sample")
    risk = tree.predict_risk(Features(frame))
    summary = calibration_summary(risk, y)
    return {
        "population": tree.population,
        "n": int(len(frame)),
        "seed": seed,
        "n_outcome": int(y.sum()),
        **risk_scores(y, risk),
        **{k: v for k, v in summary.items() if k not in ("n", "brier")},
    }


def fit_default_tree(
    data: str | Path | pd.DataFrame | None = None,
    *,
    outcome: str = DEFAULT_OUTCOME,
    n: int = TREE_N,
    seed: int = TREE_SEED,
    param_grid: Mapping[str, Iterable] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    check_n: int = CHECK_N,
    progress: bool = False,
) -> TreeFit:
    """Choose parameters by cross-validation, fit the tree on all the data, check it, describe it.

    Parameters
    ----------
    data : path to a CSV, DataFrame, or None
        Generated vignettes (with their ``latent_cause`` column). Default: ``n`` vignettes
        of the enriched mix generated with ``seed`` (see the module docstring for why).
    outcome : str, default="serious_cause"
        What the tree predicts (``definitions/outcomes.toml``).
    n, seed : int
        The generated sample when ``data`` is None (:data:`TREE_N`, :data:`TREE_SEED`).
    param_grid, n_splits, random_state
        See :func:`search_tree`.
    check_n : int
        Size of the fresh sample the fitted tree is checked on (0 to skip the check).
    progress : bool, default=False
        Report the search's progress.

    Returns
    -------
    TreeFit
        Call ``.save()`` to write the shipped model files.
    """
    frame, source = _generated(n, seed) if data is None else _read_data(data)
    valid = valid_frame(frame)
    labels = _outcome_of(valid, outcome, "the data" if source.get("file") is None else str(source["file"]))
    features = Features(valid)
    source["n"] = int(len(valid))
    source["n_outcome"] = int(labels.sum())
    source["prevalence"] = float(labels.mean()) if len(labels) else float("nan")
    search = search_tree(
        features,
        labels,
        outcome=outcome,
        param_grid=param_grid,
        n_splits=n_splits,
        random_state=random_state,
        progress=progress,
    )
    population = source.get("population", "enriched")
    tree = RiskTree(**search.best_params, outcome=outcome, population=population, random_state=random_state)
    tree.fit(features, labels)
    cross_validation = {
        "n_splits": n_splits,
        "random_state": random_state,
        "stratified": True,
        "scoring": "log loss (lower is better); Brier score and AUC recorded beside it",
        "selection_rule": search.rule,
        "param_grid": {k: list(v) for k, v in (param_grid or DEFAULT_PARAM_GRID).items()},
    }
    check = check_on_fresh_sample(tree, n=check_n) if check_n else None
    tree.transport = fit_tree_transport(tree)
    record = _record(tree, search, features, labels, source, cross_validation, check)
    record["transport"] = tree.transport
    return TreeFit(tree, search, record_round(record))


def fit_tree_transport(tree: Any) -> dict[str, Any]:
    """For every population but the tree's own, the recalibration of its prior-shifted leaf risks.

    Fitted on a synthetic sample of that population (:data:`scoring.engine.risk.TRANSPORT_N`
    vignettes, seed :data:`scoring.engine.risk.TRANSPORT_SEED`), for the whole population and
    within each age band, as for the cards (see :mod:`scoring.engine.risk._transport` for why
    the prior shift alone is not enough).
    """
    from scoring.engine.populations import load_populations
    from scoring.engine.risk import TRANSPORT_N, TRANSPORT_SEED, fit_transport
    from scoring.engine.synth import generate_vignettes

    transport: dict[str, Any] = {}
    for population in load_populations().values():
        if population.id == tree.population:
            continue
        valid = valid_frame(generate_vignettes(TRANSPORT_N, seed=TRANSPORT_SEED, population=population))
        labels = _outcome_of(valid, tree.outcome, f"the {population.id} sample")
        fitted = fit_transport(
            tree.predict_risk(Features(valid)),
            labels,
            outcome=tree.outcome,
            population=population,
            trained_on=tree.population,
            age=valid["age"].to_numpy(dtype=np.float64),
        )
        transport[population.id] = fitted | {"n": TRANSPORT_N, "seed": TRANSPORT_SEED}
    return transport


def _record(
    tree: RiskTree,
    search: TreeSearch,
    features: Features,
    labels: np.ndarray,
    source: dict[str, Any],
    cross_validation: dict[str, Any],
    check: dict[str, Any] | None,
) -> dict[str, Any]:
    """What ``tree.json`` says about a fitted tree (before save_tree adds hashes and arrays)."""
    import sklearn
    import skops

    best = search.best
    metric_names = [c[5:] for c in search.results.columns if c.startswith("mean_")]
    return {
        "zaro_version": __version__,
        # The model file's bytes depend on these too (skops stamps its version; a new
        # scikit-learn may grow a tree differently), so a byte-for-byte refit needs them.
        "environment": {"scikit_learn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__},
        "model": "scoring.engine.tree._estimator.RiskTree",
        "outcome": tree.outcome,
        "population": tree.population,
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
            # with every measure's spread, is TreeFit.search.results).
            "results": search.results[[c for c in _RECORD_COLUMNS if c in search.results]].to_dict("records"),
        },
        "training_metrics": risk_scores(labels, tree.predict_risk(features)),
        "fresh_sample": check,
        "rules": [rule.text for rule in tree_rules(tree)],
    }
