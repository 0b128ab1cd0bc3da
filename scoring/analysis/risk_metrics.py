"""How well risks and recommendations match an outcome: discrimination, calibration, referrals.

Every function here takes plain arrays (risks, levels, outcomes, causes) or mappings of a
name to an array, so it measures any model or policy on any scored frame: a card's
``risk_<outcome>`` column, the tree's, a reference model's, or a policy's levels. They
compute tables; :mod:`scoring.plots` draws them.

The AUC and its bootstrap interval are rank-based on integer-coded risks (:func:`auc_interval`).
A row bootstrap of ``n`` rows only ever changes how many rows fall into each *cell* — a
distinct risk value among the rows with the outcome, the rows without it at that value, and
those in between two such values — so each resample is drawn as one multinomial over those
cells (exactly the distribution of resampling rows), and its AUC is a few cumulative sums.
A points card has a few dozen cells; a model with a distinct risk per row has at most three
per row with the outcome, so 1,000 resamples of 200,000 rows take well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.recommendation import LEVELS, Recommendation, values_to_levels

__all__ = [
    "DEFAULT_RESAMPLES",
    "NEVER_SELF_CARE",
    "AucInterval",
    "auc_interval",
    "roc_points",
    "calibration_curve",
    "referral_counts",
    "model_table",
    "policy_table",
    "cause_table",
]

#: Bootstrap resamples for an AUC interval unless told otherwise.
DEFAULT_RESAMPLES = 1000
#: Resamples drawn at once: bounds the memory of one block of multinomial draws.
_BLOCK = 100
#: Latent causes counted in the policy table when sent to self-care (the target is none).
NEVER_SELF_CARE: tuple[str, ...] = ("motor_neuron_like", "central_ms_like")


@dataclass(frozen=True)
class AucInterval:
    """An AUC with its percentile bootstrap interval.

    Attributes
    ----------
    auc : float
        On all rows: the chance that a random row with the outcome has a higher risk than a
        random row without it (ties count half).
    low, high : float
        The interval's bounds (percentiles of the resampled AUCs).
    level : float
        Its coverage, e.g. 0.95.
    resamples : int
    seed : int
    """

    auc: float
    low: float
    high: float
    level: float
    resamples: int
    seed: int


def _outcome_array(outcome: Any, n: int) -> np.ndarray:
    y = np.asarray(outcome)
    if y.shape != (n,):
        raise ValueError(f"outcome has shape {y.shape}, the risks ({n},): give one yes/no per row")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise ValueError("outcome must be yes/no (bool, or 0 and 1) for every row")
        y = y.astype(bool)
    return y


def _risk_array(risk: Any) -> np.ndarray:
    risk = np.asarray(risk, dtype=np.float64)
    if risk.ndim != 1:
        raise ValueError(f"risk must be one number per row (got an array of shape {risk.shape})")
    if np.isnan(risk).any():
        raise ValueError(
            f"risk has {int(np.isnan(risk).sum())} missing value(s) (NaN): a model without a risk for "
            "every row cannot be ranked; drop those rows or give the model a calibration"
        )
    return risk


def _cells(risk: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Counts per cell, in rank order: for each distinct risk of a row with the outcome, the rows
    without it strictly below (and above the previous such risk), the rows without it at that
    risk, and the rows with it at that risk; then the rows without it above the highest one.

    Returns an int64 array of length ``3 * J + 1`` laid out as ``[below_j, equal_j, with_j]`` per
    ``j`` and the last cell; ``J`` is the number of distinct risks among rows with the outcome.
    """
    values, codes = np.unique(risk, return_inverse=True)
    with_outcome = np.bincount(codes[y], minlength=len(values))
    without = np.bincount(codes[~y], minlength=len(values))
    present = np.flatnonzero(with_outcome)
    # Rows without the outcome at codes strictly between consecutive positive codes.
    below_cumulative = np.concatenate([[0], np.cumsum(without)])
    starts = np.concatenate([[0], present[:-1] + 1])
    below = below_cumulative[present] - below_cumulative[starts]
    above = below_cumulative[-1] - below_cumulative[present[-1] + 1] if len(present) else below_cumulative[-1]
    cells = np.empty(3 * len(present) + 1, dtype=np.int64)
    cells[0:-1:3], cells[1:-1:3], cells[2:-1:3] = below, without[present], with_outcome[present]
    cells[-1] = above
    return cells


def _auc_of_cells(cells: np.ndarray) -> np.ndarray:
    """AUC of one or many (rows of) cell counts; NaN where a resample lacks either class."""
    cells = np.atleast_2d(cells).astype(np.float64)
    below, equal, positive = cells[:, 0:-1:3], cells[:, 1:-1:3], cells[:, 2:-1:3]
    negatives_below = np.cumsum(below, axis=1) + np.cumsum(equal, axis=1) - equal
    wins = (positive * (negatives_below + 0.5 * equal)).sum(axis=1)
    n_positive = positive.sum(axis=1)
    n_negative = below.sum(axis=1) + equal.sum(axis=1) + cells[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return wins / (n_positive * n_negative)


def auc_interval(
    risk: Any, outcome: Any, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 2026, level: float = 0.95
) -> AucInterval:
    """The AUC of ``risk`` for ``outcome`` with a percentile bootstrap interval.

    Parameters
    ----------
    risk : array-like of float
        One risk per row (any monotone score works: only the order counts).
    outcome : array-like of bool
    resamples : int, default 1000
        Bootstrap resamples of all rows (drawn per cell, see the module notes).
    seed : int, default 2026
        Same seed, same interval.
    level : float, default 0.95

    Returns
    -------
    AucInterval

    Raises
    ------
    ValueError
        When ``risk`` has a NaN, the arrays differ in length, or all rows are alike
        (no row with the outcome, or none without it: the AUC is undefined).

    Examples
    --------
    >>> result = auc_interval([0.1, 0.4, 0.35, 0.8], [False, False, True, True], resamples=200, seed=1)
    >>> result.auc
    0.75
    """
    risk = _risk_array(risk)
    y = _outcome_array(outcome, len(risk))
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) or resamples < 1:
        raise ValueError(f"resamples must be a whole number, 1 or more (got {resamples!r})")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, e.g. 0.95 (got {level!r})")
    n_positive = int(y.sum())
    if n_positive == 0 or n_positive == len(y):
        which = "no row has" if n_positive == 0 else "every row has"
        raise ValueError(f"the AUC is undefined: {which} the outcome ({len(y)} rows)")
    cells = _cells(risk, y)
    point = float(_auc_of_cells(cells)[0])
    rng = np.random.default_rng(seed)
    shares = cells / cells.sum()
    draws = []
    for start in range(0, int(resamples), _BLOCK):
        block = rng.multinomial(len(y), shares, size=min(_BLOCK, int(resamples) - start))
        draws.append(_auc_of_cells(block))
    aucs = np.concatenate(draws)
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(aucs, [tail, 100 - tail])
    return AucInterval(point, float(low), float(high), float(level), int(resamples), int(seed))


def roc_points(risk: Any, outcome: Any, *, resolution: int = 200) -> pd.DataFrame:
    """The ROC curve: for each cut-off "risk at least t", the share of each class above it.

    Parameters
    ----------
    risk, outcome : array-like
    resolution : int, default 200
        A model with a distinct risk per row has a point per row; the curve keeps the
        points where the false- or the true-positive rate reaches a new multiple of
        ``1 / resolution`` (so a drawing shows every step a reader can see), and every
        point of a model with fewer cut-offs.

    Returns
    -------
    DataFrame
        ``threshold`` (the cut-off; ``inf`` for the corner where nobody is positive),
        ``false_positive_rate`` (1 − specificity) and ``true_positive_rate``
        (sensitivity), from (0, 0) to (1, 1).
    """
    risk = _risk_array(risk)
    y = _outcome_array(outcome, len(risk))
    values, codes = np.unique(risk, return_inverse=True)
    positive = np.bincount(codes[y], minlength=len(values))[::-1]
    negative = np.bincount(codes[~y], minlength=len(values))[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.concatenate([[0.0], np.cumsum(positive) / positive.sum()])
        fpr = np.concatenate([[0.0], np.cumsum(negative) / negative.sum()])
    thresholds = np.concatenate([[np.inf], values[::-1]])
    if len(thresholds) > 2 * resolution + 2:
        key = np.floor(np.nan_to_num(fpr) * resolution) * (resolution + 1) + np.floor(np.nan_to_num(tpr) * resolution)
        keep = np.flatnonzero(np.concatenate([[True], np.diff(key) != 0]))
        keep = np.union1d(keep, [len(thresholds) - 1])
        thresholds, fpr, tpr = thresholds[keep], fpr[keep], tpr[keep]
    return pd.DataFrame({"threshold": thresholds, "false_positive_rate": fpr, "true_positive_rate": tpr})


def calibration_curve(risk: Any, outcome: Any, *, bins: int = 10, by: str = "expected") -> pd.DataFrame:
    """Mean predicted risk against the observed share, in bins of rows ranked by risk.

    Parameters
    ----------
    risk, outcome : array-like
    bins : int, default 10
        How many groups; rows with the same risk always share a bin, so a points card with
        no more distinct risks than ``bins`` gets one bin per risk.
    by : {"expected", "rows"}, default "expected"
        What the bins hold about equal amounts of: ``"expected"`` outcomes (the sum of the
        risks), so that when the outcome is rare the few high-risk rows, where most outcomes
        are, get bins of their own instead of sharing the top decile; or ``"rows"``
        (equal-size groups, deciles for 10).

    Returns
    -------
    DataFrame
        One row per non-empty bin, lowest risks first: ``bin`` (1, 2, ...), ``n``,
        ``n_outcome``, ``predicted`` (mean risk) and ``observed`` (share with the outcome),
        ``risk_min`` and ``risk_max``.
    """
    risk = _risk_array(risk)
    y = _outcome_array(outcome, len(risk))
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a whole number, 1 or more (got {bins!r})")
    if by not in ("expected", "rows"):
        raise ValueError(f'by must be "expected" or "rows" (got {by!r})')
    values, codes = np.unique(risk, return_inverse=True)
    amount = np.bincount(codes, weights=risk if by == "expected" else None, minlength=len(values))
    # A value's bin is where its first row falls in the ranking: ties never split.
    before = np.concatenate([[0.0], np.cumsum(amount)[:-1]])
    total = amount.sum()
    value_bin = np.minimum(np.floor(before / total * bins) if total > 0 else np.zeros(len(values)), bins - 1)
    value_bin = value_bin.astype(np.int64)
    if len(values) <= bins:
        value_bin = np.arange(len(values))
    row_bin = value_bin[codes]
    table = (
        pd.DataFrame({"bin": row_bin + 1, "risk": risk, "y": y})
        .groupby("bin", sort=True)
        .agg(
            n=("y", "size"),
            n_outcome=("y", "sum"),
            predicted=("risk", "mean"),
            observed=("y", "mean"),
            risk_min=("risk", "min"),
            risk_max=("risk", "max"),
        )
        .reset_index()
    )
    table["bin"] = np.arange(1, len(table) + 1)
    table["n_outcome"] = table["n_outcome"].astype(np.int64)
    return table


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def _levels_array(levels: Any) -> np.ndarray:
    """Levels as int64, from levels or recommendation values (a categorical column included)."""
    if isinstance(levels, (pd.Series, pd.Categorical)) or np.asarray(levels).dtype.kind in "OUS":
        return values_to_levels(np.asarray(levels, dtype=object)).astype(np.int64)
    return np.asarray(levels, dtype=np.int64)


def referral_counts(levels: Any, outcome: Any, causes: Any = None) -> dict[str, Any]:
    """One policy's answers against the outcome: who is referred (see a doctor or urgent).

    Parameters
    ----------
    levels : array-like of int
        Recommendation levels (0 self-care, 1 see a doctor, 2 urgent), or their values
        (``"self_care"``, ...).
    outcome : array-like of bool
    causes : array-like of str, optional
        The latent cause of each row: adds how many motor-neuron-like and MS-like rows are
        sent to self-care.

    Returns
    -------
    dict
        ``sensitivity`` (referred among rows with the outcome), ``specificity`` (not referred
        among rows without it), ``ppv`` and ``npv``, ``share_<level>`` for each level,
        ``share_referred``, the counts ``n``, ``n_outcome``, ``n_referred``,
        ``n_outcome_referred`` (rows with the outcome that are referred), ``n_outcome_missed``,
        and with ``causes``: ``n_<cause>`` and ``<cause>_self_care`` for the motor-neuron-like
        and MS-like causes. NaN where a share has nothing to divide by.

    Examples
    --------
    >>> counts = referral_counts([0, 1, 2, 0], [False, True, True, True])
    >>> counts["sensitivity"], counts["specificity"], counts["n_referred"]
    (0.6666666666666666, 1.0, 2)
    """
    levels = _levels_array(levels)
    y = _outcome_array(outcome, len(levels))
    referred = levels >= Recommendation.SEE_DOCTOR.level
    n, n_outcome, n_referred = len(levels), int(y.sum()), int(referred.sum())
    tp = int((referred & y).sum())
    tn = int((~referred & ~y).sum())
    result: dict[str, Any] = {
        "sensitivity": _ratio(tp, n_outcome),
        "specificity": _ratio(tn, n - n_outcome),
        "ppv": _ratio(tp, n_referred),
        "npv": _ratio(tn, n - n_referred),
        **{f"share_{level}": _ratio(int((levels == k).sum()), n) for k, level in enumerate(LEVELS)},
        "share_referred": _ratio(n_referred, n),
        "n": n,
        "n_outcome": n_outcome,
        "n_referred": n_referred,
        "n_outcome_referred": tp,
        "n_outcome_missed": n_outcome - tp,
    }
    if causes is not None:
        causes = np.asarray(causes, dtype=object).astype(str)
        self_care = levels == Recommendation.SELF_CARE.level
        for cause in NEVER_SELF_CARE:
            result[f"n_{cause}"] = int((causes == cause).sum())
            result[f"{cause}_self_care"] = int(((causes == cause) & self_care).sum())
    return result


def model_table(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    labels: Mapping[str, str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 2026,
) -> pd.DataFrame:
    """Discrimination and calibration of several models' risks for one outcome.

    Parameters
    ----------
    risks : mapping of model id to array-like
        Each model's risk per row, in the population the rows come from.
    outcome : array-like of bool
    labels : mapping of model id to str, optional
        Display names (the id when missing).
    resamples, seed
        For :func:`auc_interval` (the same seed for every model).

    Returns
    -------
    DataFrame
        Indexed by ``model``: ``label``, ``auc``, ``auc_low``, ``auc_high``, then
        :func:`scoring.engine.calibration.calibration_summary` (``n``, ``observed``,
        ``predicted_mean``, ``calibration_intercept``, ``calibration_slope``, ``brier``,
        ``brier_reference``).
    """
    from scoring.engine.calibration import calibration_summary

    rows = {}
    for model, risk in risks.items():
        interval = auc_interval(risk, outcome, resamples=resamples, seed=seed)
        rows[model] = {
            "label": (labels or {}).get(model, model),
            "auc": interval.auc,
            "auc_low": interval.low,
            "auc_high": interval.high,
            **calibration_summary(_risk_array(risk), outcome),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table


def policy_table(
    levels: Mapping[str, Any],
    outcome: Any,
    *,
    causes: Any = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`referral_counts` for several policies, one row each.

    Parameters
    ----------
    levels : mapping of policy id to array-like
    outcome : array-like of bool
    causes : array-like of str, optional
    labels : mapping of policy id to str, optional

    Returns
    -------
    DataFrame
        Indexed by ``policy``: ``label`` and the keys of :func:`referral_counts`.
    """
    rows = {
        policy: {"label": (labels or {}).get(policy, policy), **referral_counts(answer, outcome, causes)}
        for policy, answer in levels.items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "policy"
    return table


def cause_table(levels: Mapping[str, Any], causes: Any, *, order: Any = None) -> pd.DataFrame:
    """How many rows of each latent cause each policy sends to each level (tidy).

    Returns
    -------
    DataFrame
        Columns ``policy``, ``latent_cause``, ``n``, and one count per level
        (``self_care``, ``see_doctor``, ``urgent``); causes in ``order`` (default: sorted),
        policies in the order given.
    """
    causes = np.asarray(causes, dtype=object).astype(str)
    names = list(order) if order is not None else sorted(set(causes))
    names += sorted(set(causes) - set(names))
    rows = []
    for policy, answer in levels.items():
        level = _levels_array(answer)
        for cause in names:
            at = causes == cause
            rows.append(
                {
                    "policy": policy,
                    "latent_cause": cause,
                    "n": int(at.sum()),
                    **{name: int((at & (level == k)).sum()) for k, name in enumerate(LEVELS)},
                }
            )
    return pd.DataFrame(rows, columns=["policy", "latent_cause", "n", *LEVELS])
