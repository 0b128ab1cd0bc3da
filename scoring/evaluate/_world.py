"""Where the synthetic world's signal comes from: each answer alone, the best pair, the models.

:func:`signal_sources` measures, on one fresh sample, how well each single answer separates the
outcome (a serious cause by default), how well the best model on two answers does, and how well
the shipped cards, the tree, a logistic regression on one-hot answers and a gradient-boosted
model on all answers (the flexible reference) do. A world in which one answer separates better
than the expert card, or in which a flexible model reaches near-certainty, answers its own
question; docs/world.md says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from scoring.contract.schema import FIELDS, LOCATIONS

__all__ = ["answer_matrix", "signal_sources"]

#: Answers kept for the pair search: the single answers that separate best.
DEFAULT_PAIR_CANDIDATES = 6


def _outcome_labels(frame: pd.DataFrame, outcome: str) -> np.ndarray:
    from scoring.engine.risk import outcome_labels

    return np.asarray(outcome_labels(frame, outcome), dtype=bool)


def answer_matrix(frame: pd.DataFrame, fields: Sequence[str] | None = None) -> pd.DataFrame:
    """The answers of ``frame`` as numbers: yes/no as 0/1, categories as codes in their
    contract order, each body area as its own 0/1 column (``locations:<area>``) plus the count
    of areas (``locations:count``), numbers as they are.

    Parameters
    ----------
    frame : DataFrame
        Vignettes with the contract's columns.
    fields : sequence of str, optional
        The contract fields to encode (every one by default).
    """
    wanted = set(fields) if fields is not None else None
    columns: dict[str, np.ndarray] = {}
    for spec in FIELDS:
        if wanted is not None and spec.name not in wanted:
            continue
        values = frame[spec.name]
        if spec.kind == "multi_category":
            text = values.astype(str)
            for area in LOCATIONS:
                columns[f"locations:{area}"] = text.str.contains(rf"(?:^|;){area}(?:;|$)").to_numpy(np.float64)
            columns["locations:count"] = (text.str.count(";") + 1).to_numpy(np.float64)
        elif spec.kind == "category":
            columns[spec.name] = pd.Categorical(values, categories=list(spec.allowed)).codes.astype(np.float64)
        else:
            columns[spec.name] = values.to_numpy(np.float64)
    return pd.DataFrame(columns, index=frame.index)


def _field_of(column: str) -> str:
    return column.split(":", 1)[0]


def _single_auc(x: pd.DataFrame, y: np.ndarray, field: str, halves: np.ndarray) -> float:
    """AUC of one answer: its own order for a number or a yes/no, either way round; for a
    category or the set of body areas, the order of its outcome rates in the other half."""
    columns = [c for c in x.columns if _field_of(c) == field]
    if len(columns) == 1:
        auc = roc_auc_score(y, x[columns[0]].to_numpy())
        return float(max(auc, 1.0 - auc))
    keys = x[columns].astype(int).astype(str).agg("".join, axis=1).to_numpy()
    score = np.zeros(len(y))
    for half in (0, 1):
        fit, use = halves == half, halves != half
        rates = pd.Series(y[fit]).groupby(keys[fit]).mean()
        score[use] = pd.Series(keys[use]).map(rates).fillna(y[fit].mean()).to_numpy()
    return float(roc_auc_score(y, score))


def _boosted(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, early_stopping=False, random_state=seed)


def _held_out_auc(model: Any, x: np.ndarray, y: np.ndarray, halves: np.ndarray) -> float:
    """AUC of ``model`` fitted on one half and scored on the other, both ways round."""
    score = np.zeros(len(y))
    for half in (0, 1):
        fit, use = halves == half, halves != half
        model.fit(x[fit], y[fit])
        score[use] = model.predict_proba(x[use])[:, 1]
    return float(roc_auc_score(y, score))


def _one_hot(x: pd.DataFrame) -> np.ndarray:
    parts = []
    for column in x.columns:
        values = x[column].to_numpy()
        if column.startswith("locations:") and column != "locations:count":
            parts.append(values[:, None])
            continue
        levels = np.unique(values)
        if len(levels) <= 12:
            parts.append((values[:, None] == levels[None, 1:]).astype(np.float64))
        else:  # a number with many values: its deciles
            edges = np.unique(np.quantile(values, np.linspace(0.1, 0.9, 9)))
            bins = np.searchsorted(edges, values, side="right")
            parts.append((bins[:, None] == np.arange(1, len(edges) + 1)[None, :]).astype(np.float64))
    return np.hstack(parts)


def signal_sources(
    population: str = "community",
    n: int = 200_000,
    seed: int = 90210,
    *,
    outcome: str = "serious_cause",
    frame: pd.DataFrame | None = None,
    models: bool = True,
    pair_candidates: int = DEFAULT_PAIR_CANDIDATES,
) -> pd.DataFrame:
    """The AUC of each single answer, of the best two-answer model and of the models, for one outcome.

    Parameters
    ----------
    population : str, default "community"
    n : int, default 200000
    seed : int, default 90210
        Seed of the sample (one the shipped models and documents do not use); also seeds the
        split into halves and the boosted models.
    outcome : str, default "serious_cause"
        An outcome of ``definitions/outcomes.toml``.
    frame : DataFrame, optional
        Vignettes of ``population`` already drawn (with ``latent_cause``); drawn when None.
    models : bool, default True
        Also score the shipped cards and tree (as :func:`scoring.analysis.compare.score_sample`
        does), a logistic regression on one-hot answers and a gradient-boosted model on all
        answers (the flexible reference). False gives the answers only.
    pair_candidates : int, default 6
        The best two-answer model is searched among pairs of this many best single answers
        (a gradient-boosted model per pair, fitted on one half and scored on the other).

    Returns
    -------
    DataFrame
        One row per source, best first: ``source`` (an answer, ``"best pair: a + b"`` or a model),
        ``kind`` (``answer``, ``pair``, ``expert card``, ``card``, ``tree``, ``reference``,
        ``flexible``) and
        ``auc``. Single answers and categories are scored in-sample on their order (either way
        round) or on out-of-half outcome rates; every fitted model is scored on the half it
        was not fitted on.
    """
    from scoring.engine.synth import generate_vignettes

    if frame is None:
        frame = generate_vignettes(n, seed=seed, population=population)
    y = _outcome_labels(frame, outcome)
    if y.all() or not y.any():
        raise ValueError(f"signal_sources: the sample has {int(y.sum())} of {len(y)} with {outcome}; it needs both")
    x = answer_matrix(frame)
    halves = np.random.default_rng(seed).integers(0, 2, len(y))
    fields = [spec.name for spec in FIELDS]
    rows: list[dict[str, Any]] = [
        {"source": name, "kind": "answer", "auc": _single_auc(x, y, name, halves)} for name in fields
    ]
    singles = sorted(rows, key=lambda row: -float(row["auc"]))
    candidates = [row["source"] for row in singles[:pair_candidates]]
    best: tuple[float, str] = (0.0, "")
    for a, b in combinations(candidates, 2):
        columns = [c for c in x.columns if _field_of(c) in (a, b)]
        auc = _held_out_auc(_boosted(seed), x[columns].to_numpy(), y, halves)
        best = max(best, (auc, f"best pair: {a} + {b}"))
    rows.append({"source": best[1], "kind": "pair", "auc": best[0]})
    if models:
        rows += _model_rows(frame, x, y, halves, population, outcome, seed)
    return pd.DataFrame(rows).sort_values("auc", ascending=False, kind="stable").reset_index(drop=True)


def _model_rows(
    frame: pd.DataFrame, x: pd.DataFrame, y: np.ndarray, halves: np.ndarray, population: str, outcome: str, seed: int
) -> list[dict[str, Any]]:
    from scoring.analysis.compare import score_sample

    rows: list[dict[str, Any]] = []
    if outcome == "serious_cause":  # the shipped cards and tree are fitted to a serious cause
        scored = score_sample(frame, population=population, reference=False, seed=seed)
        for i, (model, risk) in enumerate(scored.risks.items()):
            # The first card is the guideline's expert card (score_sample keeps its order).
            kind = "tree" if model == "tree" else ("expert card" if i == 0 else "card")
            label = scored.model_labels.get(model, model)
            rows.append({"source": label, "kind": kind, "auc": float(roc_auc_score(y, risk))})
    logistic = LogisticRegression(max_iter=2000, C=1.0)
    rows.append(
        {
            "source": "logistic regression on one-hot answers",
            "kind": "reference",
            "auc": _held_out_auc(logistic, _one_hot(x), y, halves),
        }
    )
    rows.append(
        {
            "source": "gradient boosting on all answers (flexible reference)",
            "kind": "flexible",
            "auc": _held_out_auc(_boosted(seed), x.to_numpy(), y, halves),
        }
    )
    return rows
