"""Triage metrics, computed one way for every model: accuracy, under-/over-triage, recall per level.

:func:`triage_metrics` gives the summary numbers the tree's cross-validation and the
card-versus-tree comparison report; :func:`agreement_table` gives the same counts per
reference level (``scoring.assessment.triage_agreement`` is this table).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.recommendation import LEVELS, level_codes

__all__ = ["labels_to_levels", "triage_metrics", "agreement_table"]


def labels_to_levels(y: Any, name: str = "y") -> np.ndarray:
    """Labels (recommendation values, Recommendation members or levels 0/1/2) as int levels.

    Raises
    ------
    ValueError
        Naming how many labels are not triage levels, the first one, and what is allowed.
    """
    values = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one label per vignette (1-D); got shape {values.shape}")
    levels = level_codes(values)
    bad = levels < 0
    if bad.any():
        first = values[np.flatnonzero(bad)[0]]
        first = first.item() if isinstance(first, np.generic) else first
        raise ValueError(
            f"{name}: unknown recommendation {first!r} ({int(bad.sum())} label(s) are not triage levels); "
            f"allowed: {', '.join(LEVELS)} or their levels 0, 1, 2"
        )
    return levels


def _paired(reference: Any, predicted: Any) -> tuple[np.ndarray, np.ndarray]:
    truth = labels_to_levels(reference, "reference")
    guess = labels_to_levels(predicted, "predicted")
    if truth.shape != guess.shape:
        raise ValueError(f"reference has {truth.size} values but predicted has {guess.size}")
    return truth, guess


def triage_metrics(reference: Any, predicted: Any) -> dict[str, float]:
    """Accuracy, balanced accuracy, recall per level, and under-/over-triage rates.

    Parameters
    ----------
    reference, predicted : array-like of levels (0/1/2) or recommendation values

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy`` (mean recall over the levels present),
        ``recall_<level>``, ``under_triage`` (share predicted less cautious than the
        reference), ``over_triage`` (more cautious) and ``urgent_missed`` (share of urgent
        references not predicted urgent). NaN where there is nothing to count.

    Examples
    --------
    >>> triage_metrics(["self_care", "urgent"], ["see_doctor", "urgent"])["over_triage"]
    0.5
    """
    truth, guess = _paired(reference, predicted)
    empty = not len(truth)
    out: dict[str, float] = {"accuracy": math.nan if empty else float(np.mean(truth == guess))}
    recalls = []
    for level, name in enumerate(LEVELS):
        mask = truth == level
        recall = float(np.mean(guess[mask] == level)) if mask.any() else math.nan
        out[f"recall_{name}"] = recall
        if mask.any():
            recalls.append(recall)
    out["balanced_accuracy"] = float(np.mean(recalls)) if recalls else math.nan
    out["under_triage"] = math.nan if empty else float(np.mean(guess < truth))
    out["over_triage"] = math.nan if empty else float(np.mean(guess > truth))
    out["urgent_missed"] = math.nan if math.isnan(out["recall_urgent"]) else 1.0 - out["recall_urgent"]
    return out


def agreement_table(reference: Any, predicted: Any) -> pd.DataFrame:
    """Agreement of predicted recommendations with a reference triage, per reference level.

    Parameters
    ----------
    reference, predicted : array-like
        Recommendation values (``self_care``/``see_doctor``/``urgent``) or levels 0/1/2.

    Returns
    -------
    DataFrame
        One row per reference level plus ``all``; columns ``n``, ``correct`` (share
        predicted exactly: the level's recall), ``under_triage`` (share predicted less
        cautious than the reference), ``over_triage`` (share predicted more cautious) and the
        counts ``n_correct``, ``n_under``, ``n_over``.

    Examples
    --------
    >>> float(agreement_table(["self_care", "urgent"], ["see_doctor", "urgent"]).loc["all", "correct"])
    0.5
    """
    ref, pred = _paired(reference, predicted)
    rows = {}
    for name, mask in [*((level, ref == i) for i, level in enumerate(LEVELS)), ("all", np.ones(ref.size, bool))]:
        r, p = ref[mask], pred[mask]
        n = int(mask.sum())
        counts = {"n_correct": int((p == r).sum()), "n_under": int((p < r).sum()), "n_over": int((p > r).sum())}
        shares = {key: counts[key] / n if n else math.nan for key in counts}
        rows[name] = {
            "n": n,
            "correct": shares["n_correct"],
            "under_triage": shares["n_under"],
            "over_triage": shares["n_over"],
            **counts,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "reference"
    return table
