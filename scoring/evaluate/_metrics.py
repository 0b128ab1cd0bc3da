"""Evaluation metrics of risk models and referral policies, as tidy tables.

Every function takes plain arrays: ``risks`` maps a model id to its risk per row (in the
population the rows describe), ``policies`` maps a policy id to its recommendation level per
row (0 self-care, 1 see a doctor, 2 urgent, or their values), and ``outcome`` is one yes/no per
row. So any scored frame can be measured: the cards' risks, the tree's, the reference logistic
regression's, combined policies. Tables come out long and tidy, with a ``label`` column for
display (``labels`` maps a strategy id to it; the id when missing; one mapping may label
more strategies than a table measures); :mod:`scoring.plots` draws them.

* **Discrimination** — the AUC with a bootstrap interval
  (:func:`scoring.analysis.risk_metrics.auc_interval`: a vectorised, seeded multinomial
  bootstrap over rank cells).
* **Calibration** — binned curves with Wilson intervals, a smoothed curve (a logistic
  regression of the outcome on a restricted cubic spline of the risk's logit, with a pointwise
  band), and calibration-in-the-large, the calibration slope and the Brier score with
  intervals from the fits' standard errors (Van Calster et al., BMC Med 2019).
* **Decision curves** — net benefit against threshold probability (Vickers & Elkin, Med Decis
  Making 2006), with "refer everyone" (treat all) and "refer no one" (treat none).
* **Thresholds and subgroups** — sensitivity, specificity, PPV, NPV and the share referred,
  each with a Wilson interval, per cut-off of each model and per policy, and by subgroup.

"Referred" means a level of at least see a doctor; a model refers a row whose risk is at least
the cut-off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from scoring.analysis.risk_metrics import (
    DEFAULT_RESAMPLES,
    _levels_array,
    _outcome_array,
    _risk_array,
    auc_interval,
    calibration_curve,
)
from scoring.contract.recommendation import Recommendation
from scoring.engine.calibration import _logit, calibration_summary
from scoring.engine.risk._transport import AGE_BAND_STARTS as _AGE_BAND_STARTS
from scoring.engine.risk._transport import AGE_BANDS as _TRANSPORT_AGE_BANDS

__all__ = [
    "AGE_BANDS",
    "TREAT_ALL",
    "TREAT_NONE",
    "SUBGROUP_RESAMPLES",
    "wilson_interval",
    "age_band",
    "net_benefit",
    "decision_curve",
    "threshold_table",
    "calibration_bins",
    "smoothed_calibration",
    "calibration_table",
    "discrimination_table",
    "subgroup_table",
    "subgroup_calibration_table",
    "cause_sensitivity_table",
]

#: Age bands of the subgroup tables (years; the contract starts at 18): the bands the risks
#: are recalibrated in (:data:`scoring.engine.risk._transport.AGE_BANDS`).
AGE_BANDS: tuple[str, ...] = _TRANSPORT_AGE_BANDS
#: Lower edges of the age bands after the first.
_AGE_EDGES = _AGE_BAND_STARTS[1:]
#: Strategy ids of the decision curve's two references.
TREAT_ALL = "treat_all"
TREAT_NONE = "treat_none"
_REFERENCE_LABELS = {TREAT_ALL: "Refer everyone", TREAT_NONE: "Refer no one"}
#: Bootstrap resamples of each subgroup's AUC (many subgroups, each smaller than the whole).
SUBGROUP_RESAMPLES = 200
_DEFAULT_SEED = 2026
#: Knot positions of the smoothed calibration curve (Harrell's defaults for four knots).
_KNOT_QUANTILES = (0.05, 0.35, 0.65, 0.95)
_REFERRED = Recommendation.SEE_DOCTOR.level
_URGENT = Recommendation.URGENT.level
_RATES = ("sensitivity", "specificity", "ppv", "npv", "share_referred")


# --------------------------------------------------------------------------------------
# Intervals and bands
# --------------------------------------------------------------------------------------


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, e.g. 0.95 (got {level!r})")
    return float(level)


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + _check_level(level) / 2))


def wilson_interval(successes: Any, trials: Any, *, level: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval of a proportion (Wilson 1927; Newcombe, Stat Med 1998).

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1
    (0 of 10 gives 0 to 27.8%, not 0 to 0).

    Parameters
    ----------
    successes, trials : int or array-like of int
        Counts (broadcast together); ``0 <= successes <= trials``.
    level : float, default 0.95

    Returns
    -------
    (low, high)
        Floats for scalar counts, arrays otherwise; NaN where ``trials`` is 0.

    Raises
    ------
    ValueError
        When a count is negative or ``successes`` exceeds ``trials``.

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    """
    z = _z(level)
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    bad = (x < 0) | (n < 0) | (x > n)
    if np.any(bad):
        at = np.flatnonzero(np.broadcast_to(bad, np.broadcast_shapes(x.shape, n.shape)))[0]
        xs, ns = np.broadcast_to(x, bad.shape).ravel(), np.broadcast_to(n, bad.shape).ravel()
        raise ValueError(
            f"wilson_interval needs 0 <= successes <= trials (got {xs[at]:g} successes of {ns[at]:g} trials)"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        shrink = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / shrink
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / shrink
        # Exact ends: no rounding error may move 0 of n above 0, or n of n below 1.
        low = np.where(x == 0, 0.0, centre - half)
        high = np.where(x == n, 1.0, centre + half)
    low, high = np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def age_band(age: Any) -> pd.Categorical:
    """Each age's band: 18–39, 40–49, 50–64 or 65+ (:data:`AGE_BANDS`, in that order).

    Missing ages (NaN) have no band. Ages below 18 are refused: zaro is for adults.

    Examples
    --------
    >>> list(age_band([18, 39, 40, 64, 65, 90]))
    ['18–39', '18–39', '40–49', '50–64', '65+', '65+']
    """
    values = np.asarray(age, dtype=np.float64)
    young = values < 18
    if young.any():
        raise ValueError(
            f"age_band: {int(young.sum())} age(s) below 18 (e.g. {values[young][0]:g}); "
            f"the bands are {', '.join(AGE_BANDS)} years"
        )
    codes = np.searchsorted(np.asarray(_AGE_EDGES, dtype=np.float64), values, side="right")
    codes = np.where(np.isnan(values), -1, codes)
    return pd.Categorical.from_codes(codes, categories=list(AGE_BANDS))


# --------------------------------------------------------------------------------------
# Checking what comes in
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """Checked arrays: risks per model, levels per policy, the outcome, and display labels."""

    risks: dict[str, np.ndarray]
    levels: dict[str, np.ndarray]
    outcome: np.ndarray
    labels: dict[str, str]

    def label(self, strategy: str) -> str:
        return self.labels.get(strategy, strategy)


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names) or "none"


def _inputs(
    risks: Mapping[str, Any] | None,
    outcome: Any,
    *,
    policies: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    need_models: bool = True,
) -> _Inputs:
    """Check the arrays against each other; every message names the model, policy or label."""
    for name, given in (("risks", risks), ("policies", policies), ("labels", labels)):
        if given is not None and not isinstance(given, Mapping):
            raise ValueError(
                f"{name} must be a mapping of id to values, e.g. {{'default_card': frame['risk_serious_cause']}} "
                f"(got {type(given).__name__})"
            )
    risks, policies = dict(risks or {}), dict(policies or {})
    if need_models and not risks:
        raise ValueError("risks is empty: give at least one model's risks, e.g. {'default_card': risk}")
    if not risks and not policies:
        raise ValueError("nothing to evaluate: give at least one model's risks or one policy's levels")
    checked_risks: dict[str, np.ndarray] = {}
    for model, risk in risks.items():
        try:
            checked_risks[str(model)] = _risk_array(risk)
        except ValueError as error:
            raise ValueError(f"model {model!r}: {error}") from None
    checked_levels: dict[str, np.ndarray] = {}
    for policy, answer in policies.items():
        try:
            level = _levels_array(answer)
        except (ValueError, KeyError) as error:
            raise ValueError(f"policy {policy!r}: {error}") from None
        outside = ~np.isin(level, (0, 1, 2))
        if level.ndim != 1 or outside.any():
            example = f"e.g. {level[outside][0]}" if level.ndim == 1 else f"shape {level.shape}"
            raise ValueError(
                f"policy {policy!r} has levels outside 0, 1, 2 ({example}): give one recommendation level per row "
                "(0 self-care, 1 see a doctor, 2 urgent) or its value ('self_care', ...)"
            )
        checked_levels[str(policy)] = level
    clash = set(checked_risks) & set(checked_levels)
    reserved = (set(checked_risks) | set(checked_levels)) & {TREAT_ALL, TREAT_NONE}
    if clash or reserved:
        which = sorted(clash) if clash else sorted(reserved)
        why = "names both a model and a policy" if clash else "is kept for the decision curve's references"
        raise ValueError(f"strategy id {_names(which)} {why}: give every model and policy its own id")
    lengths = {f"model {m!r}": len(r) for m, r in checked_risks.items()} | {
        f"policy {p!r}": len(level) for p, level in checked_levels.items()
    }
    if np.ndim(outcome) != 1:
        raise ValueError(f"outcome must be one yes/no per row (got an array of shape {np.shape(outcome)})")
    n = len(outcome)
    wrong = {what: length for what, length in lengths.items() if length != n}
    if wrong:
        what, length = next(iter(wrong.items()))
        raise ValueError(f"{what} has {length} rows, the outcome {n}: give one value per row for every strategy")
    y = _outcome_array(outcome, n)
    # Labels of strategies not measured here are ignored: one mapping serves every table.
    return _Inputs(checked_risks, checked_levels, y, {str(k): str(v) for k, v in (labels or {}).items()})


def _require_both_classes(y: np.ndarray, what: str) -> None:
    n_outcome = int(y.sum())
    if n_outcome == 0 or n_outcome == len(y):
        which = "no row has" if n_outcome == 0 else "every row has"
        raise ValueError(
            f"{what} needs rows with and without the outcome, but {which} it ({len(y)} rows): "
            "use a larger sample, or a population where the outcome occurs"
        )


def _risk_policy_thresholds() -> tuple[float, ...]:
    """The risk policy's cut-offs (see a doctor, then urgent), from ``definitions/policies.toml``."""
    from scoring.engine.policies import load_policies

    policy = next(p for p in load_policies().values() if p.kind == "risk")
    return tuple(float(t.at_least) for t in policy.thresholds)


def _threshold_array(thresholds: Any) -> np.ndarray:
    values = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if not len(values) or not np.all((values > 0) & (values < 1)):
        bad = values[~((values > 0) & (values < 1))]
        got = f"e.g. {bad[0]:g}" if len(bad) else "none"
        raise ValueError(f"thresholds must be probabilities strictly between 0 and 1 ({got})")
    return values


def _default_thresholds() -> np.ndarray:
    """Dense where the thresholds of a rare outcome sit: 0.1% to 50%, log-spaced, plus the policy's."""
    return np.unique(np.concatenate([np.geomspace(0.001, 0.5, 61), _risk_policy_thresholds()]))


# --------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------


def _positives_at(risk: np.ndarray, y: np.ndarray, cutoffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with and without the outcome whose risk is at least each cut-off (true, false positives)."""
    with_outcome, without = np.sort(risk[y]), np.sort(risk[~y])
    tp = len(with_outcome) - np.searchsorted(with_outcome, cutoffs, side="left")
    fp = len(without) - np.searchsorted(without, cutoffs, side="left")
    return tp.astype(np.int64), fp.astype(np.int64)


def _add_rates(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Sensitivity, specificity, PPV, NPV and the share referred from ``tp, fp, tn, fn``, with Wilson bounds."""
    tp, fp, tn, fn = (table[column].to_numpy(dtype=np.float64) for column in ("tp", "fp", "tn", "fn"))
    parts = {
        "sensitivity": (tp, tp + fn),
        "specificity": (tn, tn + fp),
        "ppv": (tp, tp + fp),
        "npv": (tn, tn + fn),
        "share_referred": (tp + fp, tp + fp + tn + fn),
    }
    columns = {}
    for name, (successes, trials) in parts.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[name] = np.where(trials > 0, successes / np.where(trials > 0, trials, 1), np.nan)
        columns[f"{name}_low"], columns[f"{name}_high"] = wilson_interval(successes, trials, level=level)
    return pd.concat([table.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


def _confusion(positive: np.ndarray, y: np.ndarray) -> dict[str, int]:
    return {
        "tp": int((positive & y).sum()),
        "fp": int((positive & ~y).sum()),
        "tn": int((~positive & ~y).sum()),
        "fn": int((~positive & y).sum()),
    }


# --------------------------------------------------------------------------------------
# Decision curves
# --------------------------------------------------------------------------------------


def _net_benefit(tp: Any, fp: Any, n: int, thresholds: np.ndarray) -> np.ndarray:
    # Each false positive costs pt / (1 - pt) true positives: the odds at the threshold.
    return np.asarray(tp, dtype=np.float64) / n - np.asarray(fp, dtype=np.float64) / n * thresholds / (1 - thresholds)


def net_benefit(referred: Any, outcome: Any, thresholds: Any) -> np.ndarray:
    """Net benefit of referring: ``TP/n - FP/n * pt / (1 - pt)`` at each threshold probability ``pt``.

    Parameters
    ----------
    referred : array-like of bool
        Who is referred: one decision per row for every threshold (a policy), or one row of
        decisions per threshold, shape ``(len(thresholds), n)`` (a model read at each one).
    outcome : array-like of bool
    thresholds : array-like of float
        Threshold probabilities, strictly between 0 and 1.

    Returns
    -------
    ndarray
        One net benefit per threshold.

    Examples
    --------
    >>> net_benefit([True, True, False, False], [True, False, False, False], [0.5]).tolist()
    [0.0]
    """
    thresholds = _threshold_array(thresholds)
    decisions = np.asarray(referred)
    if decisions.dtype != bool:
        if not np.isin(decisions, (0, 1)).all():
            raise ValueError("referred must be yes/no (bool, or 0 and 1) for every row")
        decisions = decisions.astype(bool)
    if decisions.ndim == 2 and decisions.shape[0] != len(thresholds):
        raise ValueError(
            f"referred has {decisions.shape[0]} rows of decisions for {len(thresholds)} thresholds: "
            "give one row per threshold, or one decision per person for all of them"
        )
    if decisions.ndim not in (1, 2):
        raise ValueError(f"referred must be one decision per row, or one row per threshold (got {decisions.shape})")
    y = _outcome_array(outcome, decisions.shape[-1])
    tp = (decisions & y).sum(axis=-1)
    fp = (decisions & ~y).sum(axis=-1)
    return _net_benefit(tp, fp, len(y), thresholds)


def decision_curve(
    risks: Mapping[str, Any] | None,
    outcome: Any,
    *,
    policies: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    thresholds: Any = None,
) -> pd.DataFrame:
    """Net benefit against threshold probability for every model and policy (a decision curve).

    A model refers the rows whose risk is at least the threshold. A policy is a fixed decision
    whatever the threshold, so its net benefit is its own referrals valued at each threshold.
    "Refer everyone" (treat all) and "refer no one" (treat none, 0 everywhere) are the
    references a useful strategy must beat.

    Parameters
    ----------
    risks : mapping of model id to array-like of float, or None
    outcome : array-like of bool
    policies : mapping of policy id to array-like of levels, optional
    labels : mapping of strategy id to str, optional
    thresholds : array-like of float, optional
        Default: 0.1% to 50%, log-spaced (61 points), plus the risk policy's thresholds.

    Returns
    -------
    DataFrame
        Long: ``strategy``, ``label``, ``kind`` (``"model"``, ``"policy"``, ``"treat_all"``,
        ``"treat_none"``), ``threshold``, ``net_benefit``, ``referred_share``.

    Raises
    ------
    ValueError
        Naming the model or policy whose values do not fit, or when the rows lack either
        outcome.
    """
    data = _inputs(risks, outcome, policies=policies, labels=labels, need_models=False)
    points = _default_thresholds() if thresholds is None else np.unique(_threshold_array(thresholds))
    y = data.outcome
    _require_both_classes(y, "a decision curve")
    n, n_outcome = len(y), int(y.sum())
    parts = []

    def add(strategy: str, label: str, kind: str, tp: Any, fp: Any) -> None:
        tp, fp = np.broadcast_to(tp, points.shape), np.broadcast_to(fp, points.shape)
        parts.append(
            pd.DataFrame(
                {
                    "strategy": strategy,
                    "label": label,
                    "kind": kind,
                    "threshold": points,
                    "net_benefit": _net_benefit(tp, fp, n, points),
                    "referred_share": (tp + fp) / n,
                }
            )
        )

    for model, risk in data.risks.items():
        add(model, data.label(model), "model", *_positives_at(risk, y, points))
    for policy, level in data.levels.items():
        counts = _confusion(level >= _REFERRED, y)
        add(policy, data.label(policy), "policy", counts["tp"], counts["fp"])
    add(TREAT_ALL, _REFERENCE_LABELS[TREAT_ALL], TREAT_ALL, n_outcome, n - n_outcome)
    add(TREAT_NONE, _REFERENCE_LABELS[TREAT_NONE], TREAT_NONE, 0, 0)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------
# Thresholds and subgroups
# --------------------------------------------------------------------------------------


def _cutoff_lists(
    cutoffs: Mapping[str, Any] | None, models: Sequence[str], *, single: bool = False
) -> dict[str, np.ndarray]:
    if cutoffs is not None and not isinstance(cutoffs, Mapping):
        raise ValueError(f"cutoffs must be a mapping of model id to cut-offs (got {type(cutoffs).__name__})")
    unknown = sorted(set(cutoffs or {}) - set(models))
    if unknown:
        raise ValueError(f"cutoffs name unknown model {_names(unknown)}; the models are {_names(models)}")
    lists = {}
    for model, values in (cutoffs or {}).items():
        array = np.asarray(values, dtype=np.float64).reshape(-1)
        if single and len(array) != 1:
            raise ValueError(f"cutoffs[{model!r}] must be one risk (got {len(array)} values)")
        if not np.all((array >= 0) & (array <= 1)):
            raise ValueError(f"cutoffs[{model!r}] must be risks between 0 and 1 (got {array.tolist()})")
        lists[str(model)] = array
    return lists


def threshold_table(
    risks: Mapping[str, Any] | None,
    outcome: Any,
    *,
    cutoffs: Mapping[str, Sequence[float]] | None = None,
    policies: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Sensitivity, specificity, PPV, NPV and the share referred, each with a Wilson interval.

    One row per cut-off of each model (a row is positive when its risk is at least the
    cut-off) and two per policy: positive when referred (see a doctor or urgent), and when
    sent to urgent.

    Parameters
    ----------
    risks : mapping of model id to array-like of float, or None
    outcome : array-like of bool
    cutoffs : mapping of model id to sequence of float, optional
        Each model's cut-offs; models not named get the risk policy's thresholds (see a doctor,
        urgent). A card's band edges are natural cut-offs.
    policies : mapping of policy id to array-like of levels, optional
    labels : mapping of strategy id to str, optional
    level : float, default 0.95

    Returns
    -------
    DataFrame
        ``strategy``, ``label``, ``kind`` (``"model"`` or ``"policy"``), ``positive``
        (``"risk_at_least_cutoff"`` for a model; ``"referred"`` or ``"urgent"`` for a policy),
        ``cutoff`` (NaN for a policy), ``n``, ``tp``, ``fp``, ``tn``, ``fn``, and
        ``sensitivity``, ``specificity``, ``ppv``, ``npv``, ``share_referred``, each with
        ``_low`` and ``_high`` (NaN where nothing is divided by).
    """
    data = _inputs(risks, outcome, policies=policies, labels=labels, need_models=False)
    y = data.outcome
    _require_both_classes(y, "a threshold table")
    lists = _cutoff_lists(cutoffs, list(data.risks))
    default = np.asarray(_risk_policy_thresholds())
    n_outcome, n_without = int(y.sum()), int((~y).sum())
    rows = []
    for model, risk in data.risks.items():
        points = lists.get(model, default)
        tp, fp = _positives_at(risk, y, points)
        for cutoff, true_positive, false_positive in zip(points, tp, fp):
            rows.append(
                {
                    "strategy": model,
                    "label": data.label(model),
                    "kind": "model",
                    "positive": "risk_at_least_cutoff",
                    "cutoff": float(cutoff),
                    "tp": int(true_positive),
                    "fp": int(false_positive),
                    "tn": n_without - int(false_positive),
                    "fn": n_outcome - int(true_positive),
                }
            )
    for policy, levels in data.levels.items():
        for positive, at_least in (("referred", _REFERRED), ("urgent", _URGENT)):
            rows.append(
                {
                    "strategy": policy,
                    "label": data.label(policy),
                    "kind": "policy",
                    "positive": positive,
                    "cutoff": math.nan,
                    **_confusion(levels >= at_least, y),
                }
            )
    table = pd.DataFrame(rows, columns=["strategy", "label", "kind", "positive", "cutoff", "tp", "fp", "tn", "fn"])
    table.insert(5, "n", len(y))
    return _add_rates(table, _check_level(level))


def _group_values(name: str, values: Any, n: int) -> tuple[np.ndarray, list[Any]]:
    """A grouping's value per row (object array, None where missing) and its groups in order."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.Categorical) or isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(values)
        order = list(categorical.categories)
        per_row = np.asarray(categorical.astype(object), dtype=object)
    else:
        per_row = np.asarray(values, dtype=object).reshape(-1)
        order = sorted({value for value in per_row if not pd.isna(value)}, key=str)
    if len(per_row) != n:
        raise ValueError(f"groups[{name!r}] has {len(per_row)} rows, the outcome {n}: give one group per row")
    return per_row, order


def subgroup_table(
    risks: Mapping[str, Any] | None,
    outcome: Any,
    *,
    groups: Mapping[str, Any],
    policies: Mapping[str, Any] | None = None,
    cutoffs: Mapping[str, float] | None = None,
    labels: Mapping[str, str] | None = None,
    resamples: int = SUBGROUP_RESAMPLES,
    seed: int = _DEFAULT_SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """Discrimination and referral metrics with intervals within each subgroup.

    Parameters
    ----------
    risks : mapping of model id to array-like of float, or None
    outcome : array-like of bool
    groups : mapping of grouping name to array-like
        One group per row for each grouping, e.g. ``{"age_band": age_band(frame["age"]),
        "sex": frame["sex"]}``. A categorical keeps its categories' order (and their empty
        groups); other values are sorted. Rows with a missing group are left out of that
        grouping.
    policies : mapping of policy id to array-like of levels, optional
    cutoffs : mapping of model id to float, optional
        A cut-off for a model (e.g. the risk policy's see-a-doctor threshold): its referral
        metrics are measured there; without one a model has only its AUC.
    labels : mapping of strategy id to str, optional
    resamples : int, default 200
        Bootstrap resamples of each AUC interval.
    seed : int, default 2026
        The same seed for every group and model.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Long: ``group_by``, ``group``, ``strategy``, ``label``, ``kind``, ``cutoff``, ``n``,
        ``n_outcome``, ``auc``, ``auc_low``, ``auc_high`` (models; NaN where the group lacks
        rows with or without the outcome), ``tp``, ``fp``, ``tn``, ``fn`` and the rates of
        :func:`threshold_table` with Wilson bounds (policies, and models with a cut-off).
    """
    data = _inputs(risks, outcome, policies=policies, labels=labels, need_models=False)
    y = data.outcome
    _require_both_classes(y, "a subgroup table")
    level = _check_level(level)
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError("groups is empty: give at least one grouping, e.g. {'sex': frame['sex']}")
    single = {
        model: float(values[0]) for model, values in _cutoff_lists(cutoffs, list(data.risks), single=True).items()
    }
    rows = []
    for name, values in groups.items():
        per_row, order = _group_values(str(name), values, len(y))
        for group in order:
            member = np.asarray(per_row == group, dtype=bool)
            y_group = y[member]
            both = 0 < int(y_group.sum()) < len(y_group)
            base = {"group_by": str(name), "group": str(group), "n": int(member.sum()), "n_outcome": int(y_group.sum())}
            for model, risk in data.risks.items():
                interval = (
                    auc_interval(risk[member], y_group, resamples=resamples, seed=seed, level=level) if both else None
                )
                cutoff = single.get(model, math.nan)
                counts = (
                    _confusion(risk[member] >= cutoff, y_group)
                    if model in single
                    else dict.fromkeys(("tp", "fp", "tn", "fn"), 0)
                )
                rows.append(
                    base
                    | {"strategy": model, "label": data.label(model), "kind": "model", "cutoff": cutoff}
                    | {
                        "auc": interval.auc if interval else math.nan,
                        "auc_low": interval.low if interval else math.nan,
                        "auc_high": interval.high if interval else math.nan,
                    }
                    | counts
                    | {"_rates": model in single}
                )
            for policy, levels in data.levels.items():
                rows.append(
                    base
                    | {"strategy": policy, "label": data.label(policy), "kind": "policy", "cutoff": math.nan}
                    | {"auc": math.nan, "auc_low": math.nan, "auc_high": math.nan}
                    | _confusion(levels[member] >= _REFERRED, y_group)
                    | {"_rates": True}
                )
    columns = [
        "group_by", "group", "strategy", "label", "kind", "cutoff", "n", "n_outcome",
        "auc", "auc_low", "auc_high", "tp", "fp", "tn", "fn", "_rates",
    ]  # fmt: skip
    table = _add_rates(pd.DataFrame(rows, columns=columns), level)
    # A model without a cut-off refers nobody in particular: no referral metrics, not zeros.
    no_rates = ~table.pop("_rates").to_numpy(dtype=bool)
    rate_columns = [c for c in table.columns if c.startswith(_RATES)] + ["tp", "fp", "tn", "fn"]
    table[["tp", "fp", "tn", "fn"]] = table[["tp", "fp", "tn", "fn"]].astype("Int64")
    table.loc[no_rates, rate_columns] = pd.NA
    return table


def subgroup_calibration_table(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    groups: Mapping[str, Any],
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Calibration of each model within each subgroup: observed/expected, intercept and slope, with intervals.

    Parameters
    ----------
    risks : mapping of model id to array-like of float
    outcome : array-like of bool
    groups : mapping of grouping name to array-like
        As for :func:`subgroup_table` (e.g. age band and sex).
    labels : mapping of model id to str, optional
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Long: ``group_by``, ``group``, then :func:`calibration_table`'s columns for the rows
        of that group, and ``observed_expected`` (the outcomes observed over the sum of the
        risks; 1 is ideal, above 1 means risks too low) with ``observed_expected_low`` and
        ``_high`` (the usual interval of a ratio of a count to its expectation,
        ``O/E · exp(±z / √O)``). A group without rows both with and without the outcome has
        NaN estimates.
    """
    data = _inputs(risks, outcome, labels=labels)
    y = data.outcome
    _require_both_classes(y, "a subgroup calibration table")
    z = _z(level)
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError("groups is empty: give at least one grouping, e.g. {'sex': frame['sex']}")
    parts = []
    for name, values in groups.items():
        per_row, order = _group_values(str(name), values, len(y))
        for group in order:
            member = np.asarray(per_row == group, dtype=bool)
            y_group = y[member]
            both = 0 < int(y_group.sum()) < len(y_group)
            if both:
                table = calibration_table(
                    {m: r[member] for m, r in data.risks.items()},
                    y_group,
                    labels={m: data.label(m) for m in data.risks},
                    level=level,
                )
            else:
                table = pd.DataFrame({"model": list(data.risks), "label": [data.label(m) for m in data.risks]}).assign(
                    n=int(member.sum()), n_outcome=int(y_group.sum())
                )
            observed = int(y_group.sum())
            expected = np.array([float(data.risks[m][member].sum()) for m in table["model"]])
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(expected > 0, observed / expected, np.nan)
                spread = np.exp(z / math.sqrt(observed)) if observed > 0 else math.nan
            table.insert(0, "group", str(group))
            table.insert(0, "group_by", str(name))
            table["observed_expected"] = ratio
            table["observed_expected_low"] = ratio / spread
            table["observed_expected_high"] = ratio * spread
            parts.append(table)
    return pd.concat(parts, ignore_index=True)


def cause_sensitivity_table(
    policies: Mapping[str, Any],
    causes: Any,
    *,
    serious: Sequence[str],
    cause_labels: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per policy and serious cause: how many are referred (the sensitivity for that cause) and how many told self-care.

    Parameters
    ----------
    policies : mapping of policy id to array-like of levels
    causes : array-like of str
        Each row's latent cause.
    serious : sequence of str
        The causes to report, e.g. the primary outcome's (motor-neuron-like, MS-like,
        neuropathy); a last row per policy, ``all serious causes``, pools them.
    cause_labels, labels : mapping, optional
        Display names of causes and policies.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Long: ``policy``, ``label``, ``cause``, ``cause_label``, ``n``, ``n_referred``,
        ``sensitivity`` with its Wilson ``sensitivity_low`` / ``_high``, ``n_self_care`` and
        the interval of that count for a sample of this size (``n`` times the Wilson bounds of
        the share sent to self-care: ``n_self_care_low`` / ``_high``).
    """
    level = _check_level(level)
    causes = np.asarray(causes, dtype=object).astype(str)
    names = list(serious)
    if not names:
        raise ValueError("serious is empty: name the causes to report, e.g. the outcome's causes")
    rows = []
    for policy, answer in policies.items():
        levels = _levels_array(answer)
        if len(levels) != len(causes):
            raise ValueError(f"policy {policy!r} has {len(levels)} rows, causes {len(causes)}: give one per row")
        for cause in [*names, None]:
            at = np.isin(causes, names) if cause is None else causes == cause
            n, referred = int(at.sum()), int((at & (levels >= _REFERRED)).sum())
            self_care = int((at & (levels == Recommendation.SELF_CARE.level)).sum())
            low, high = wilson_interval(referred, n, level=level)
            care_low, care_high = wilson_interval(self_care, n, level=level)
            rows.append(
                {
                    "policy": policy,
                    "label": (labels or {}).get(policy, policy),
                    "cause": "all" if cause is None else cause,
                    "cause_label": "all serious causes" if cause is None else (cause_labels or {}).get(cause, cause),
                    "n": n,
                    "n_referred": referred,
                    "sensitivity": referred / n if n else math.nan,
                    "sensitivity_low": low,
                    "sensitivity_high": high,
                    "n_self_care": self_care,
                    "n_self_care_low": n * care_low if n else math.nan,
                    "n_self_care_high": n * care_high if n else math.nan,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


def calibration_bins(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    bins: int = 10,
    by: str = "expected",
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Binned calibration curves with a Wilson interval on each bin's observed share.

    Parameters
    ----------
    risks : mapping of model id to array-like of float
    outcome : array-like of bool
    bins : int, default 10
    by : {"expected", "rows"}, default "expected"
        As for :func:`scoring.analysis.risk_metrics.calibration_curve`: bins of about equal
        expected outcomes (the few high-risk rows of a rare outcome get bins of their own), or
        of equal size.
    labels : mapping of model id to str, optional
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Long: ``model``, ``label``, ``bin``, ``n``, ``n_outcome``, ``predicted`` (mean risk),
        ``observed``, ``observed_low``, ``observed_high``, ``risk_min``, ``risk_max``.
    """
    data = _inputs(risks, outcome, labels=labels)
    _require_both_classes(data.outcome, "a calibration curve")
    level = _check_level(level)
    parts = []
    for model, risk in data.risks.items():
        curve = calibration_curve(risk, data.outcome, bins=bins, by=by)
        low, high = wilson_interval(curve["n_outcome"].to_numpy(), curve["n"].to_numpy(), level=level)
        curve.insert(0, "model", model)
        curve.insert(1, "label", data.label(model))
        curve.insert(curve.columns.get_loc("observed") + 1, "observed_low", low)
        curve.insert(curve.columns.get_loc("observed_low") + 1, "observed_high", high)
        parts.append(curve)
    return pd.concat(parts, ignore_index=True)


def _spline_basis(lp: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted cubic spline (Harrell's parametrisation): an intercept, ``lp``, and ``k - 2``
    terms that are cubic between the knots and linear beyond the outer ones."""
    columns = [np.ones(len(lp)), lp]
    last, before_last = knots[-1], knots[-2]
    scale = (knots[-1] - knots[0]) ** 2  # keeps the columns on the scale of lp
    for knot in knots[:-2]:
        term = (
            np.maximum(lp - knot, 0) ** 3
            - np.maximum(lp - before_last, 0) ** 3 * (last - knot) / (last - before_last)
            + np.maximum(lp - last, 0) ** 3 * (before_last - knot) / (last - before_last)
        )
        columns.append(term / scale)
    return np.column_stack(columns)


def _information(design: np.ndarray, beta: np.ndarray, size: np.ndarray, offset: Any = 0.0) -> np.ndarray:
    p = expit(design @ beta + offset)
    return (design * (size * p * (1 - p))[:, None]).T @ design


def _binomial_fit(design: np.ndarray, successes: np.ndarray, size: np.ndarray) -> np.ndarray | None:
    """Maximum-likelihood logistic regression on grouped rows (Newton's method, halving steps
    that lower the likelihood); None when it does not converge (e.g. complete separation)."""

    def log_likelihood(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(successes @ eta - size @ np.logaddexp(0, eta))

    beta = np.zeros(design.shape[1])
    current = log_likelihood(beta)
    for _ in range(100):
        p = expit(design @ beta)
        try:
            step = np.linalg.solve(_information(design, beta, size), design.T @ (successes - size * p))
        except np.linalg.LinAlgError:
            return None
        for _ in range(30):
            candidate = beta + step
            value = log_likelihood(candidate)
            if value >= current - 1e-12:
                break
            step = step / 2
        beta, gained = candidate, value - current
        current = value
        if np.max(np.abs(step)) < 1e-10 or abs(gained) < 1e-12:
            return beta if np.all(np.isfinite(beta)) and np.max(np.abs(beta)) < 1e6 else None
    return None


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return values[order][np.searchsorted(cumulative, np.asarray(quantiles) * cumulative[-1], side="left")]


def _smooth_curve(risk: np.ndarray, y: np.ndarray, points: int, z: float) -> tuple[np.ndarray, ...]:
    """Predicted risks on a grid, the fitted observed share there, and its band (see below)."""
    values, codes = np.unique(_logit(risk), return_inverse=True)
    size = np.bincount(codes, minlength=len(values)).astype(np.float64)
    successes = np.bincount(codes, weights=y.astype(np.float64), minlength=len(values))
    knots = np.unique(_weighted_quantiles(values, size * expit(values), _KNOT_QUANTILES))
    spline = len(knots) >= 3 and len(values) > len(knots) + 1

    def basis(lp: np.ndarray) -> np.ndarray:
        return _spline_basis(lp, knots) if spline else np.column_stack([np.ones(len(lp)), lp])

    grid = np.linspace(values[0], values[-1], points)
    missing = np.full(points, np.nan)
    beta = _binomial_fit(basis(values), successes, size) if len(values) > 1 else None
    if beta is None:
        return expit(grid), missing, missing, missing
    at = basis(grid)
    eta = at @ beta
    try:
        covariance = np.linalg.inv(_information(basis(values), beta, size))
        spread = z * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", at, covariance, at), 0))
    except np.linalg.LinAlgError:
        spread = missing
    return expit(grid), expit(eta), expit(eta - spread), expit(eta + spread)


def smoothed_calibration(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    labels: Mapping[str, str] | None = None,
    points: int = 100,
    level: float = 0.95,
) -> pd.DataFrame:
    """A smooth calibration curve per model, with a pointwise band.

    The outcome is regressed (logistic, maximum likelihood) on a restricted cubic spline of
    the risk's logit with four knots. The knots sit at Harrell's quantiles (5%, 35%, 65%,
    95%) of the *expected outcomes* (rows weighted by their risk), as the bins of
    :func:`calibration_bins` are: with a rare outcome, quantiles of the rows would put every
    knot among the low risks where few outcomes are. A model with fewer distinct risks than
    knots (a coarse card) gets a straight line on the logit scale (the calibration slope's
    fit). The band is the fit's Wald interval on the logit scale. Deterministic.

    Parameters
    ----------
    risks : mapping of model id to array-like of float
    outcome : array-like of bool
    labels : mapping of model id to str, optional
    points : int, default 100
        Points per curve, evenly spaced on the logit scale from the lowest to the highest risk.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Long: ``model``, ``label``, ``predicted``, ``observed``, ``observed_low``,
        ``observed_high``; ``observed`` is NaN for a model whose fit does not converge (a
        perfect separation of the outcome).
    """
    data = _inputs(risks, outcome, labels=labels)
    y = data.outcome
    _require_both_classes(y, "a smoothed calibration curve")
    z = _z(level)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points must be a whole number, 2 or more (got {points!r})")
    parts = []
    for model, risk in data.risks.items():
        grid, observed, low, high = _smooth_curve(risk, y, int(points), z)
        parts.append(
            pd.DataFrame(
                {
                    "model": model,
                    "label": data.label(model),
                    "predicted": grid,
                    "observed": observed,
                    "observed_low": low,
                    "observed_high": high,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def calibration_table(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Calibration-in-the-large, calibration slope and Brier score per model, with intervals.

    The estimates are :func:`scoring.engine.calibration.calibration_summary`'s. Their
    intervals come from the fits' standard errors (Wald; the inverse of the information at
    the estimate), not a bootstrap: a refit per resample of a model with a distinct risk per
    row would take minutes, and with thousands of rows the Wald interval and the bootstrap
    agree. The Brier score's interval is the normal one of a mean (its per-row terms' standard
    error); the observed share's is Wilson's.

    Parameters
    ----------
    risks : mapping of model id to array-like of float
    outcome : array-like of bool
    labels : mapping of model id to str, optional
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per model: ``model``, ``label``, ``n``, ``n_outcome``, ``observed``,
        ``observed_low``, ``observed_high``, ``predicted_mean``, ``calibration_intercept``
        (0 is ideal; positive: risks too low), ``calibration_slope`` (1 is ideal; below 1:
        too extreme), ``brier``, each with ``_low`` and ``_high``, and ``brier_reference``
        (always predicting the observed share).
    """
    data = _inputs(risks, outcome, labels=labels)
    y = data.outcome
    _require_both_classes(y, "a calibration table")
    z = _z(level)
    n, n_outcome = len(y), int(y.sum())
    observed_low, observed_high = wilson_interval(n_outcome, n, level=level)
    rows = []
    for model, risk in data.risks.items():
        summary = calibration_summary(risk, y)
        values, codes = np.unique(_logit(risk), return_inverse=True)
        size = np.bincount(codes, minlength=len(values)).astype(np.float64)
        intercept, slope = summary["calibration_intercept"], summary["calibration_slope"]
        ones = np.ones((len(values), 1))
        intercept_se = _standard_errors(ones, np.array([intercept]), size, offset=values)[0]
        # The slope's fit has its own intercept; recover it from the grouped outcome counts.
        successes = np.bincount(codes, weights=y.astype(np.float64), minlength=len(values))
        slope_design = np.column_stack([np.ones(len(values)), values])
        slope_fit = _binomial_fit(slope_design, successes, size) if math.isfinite(slope) else None
        slope_se = _standard_errors(slope_design, slope_fit, size)[1] if slope_fit is not None else math.nan
        squared = (risk - y) ** 2
        brier_se = float(squared.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        rows.append(
            {
                "model": model,
                "label": data.label(model),
                "n": n,
                "n_outcome": n_outcome,
                "observed": n_outcome / n,
                "observed_low": observed_low,
                "observed_high": observed_high,
                "predicted_mean": summary["predicted_mean"],
                "calibration_intercept": intercept,
                "calibration_intercept_low": intercept - z * intercept_se,
                "calibration_intercept_high": intercept + z * intercept_se,
                "calibration_slope": slope,
                "calibration_slope_low": slope - z * slope_se,
                "calibration_slope_high": slope + z * slope_se,
                "brier": summary["brier"],
                "brier_low": summary["brier"] - z * brier_se,
                "brier_high": summary["brier"] + z * brier_se,
                "brier_reference": summary["brier_reference"],
            }
        )
    return pd.DataFrame(rows)


def _standard_errors(design: np.ndarray, beta: Any, size: np.ndarray, offset: Any = 0.0) -> np.ndarray:
    """Standard errors of a logistic fit's coefficients at ``beta`` (NaN when undefined)."""
    beta = np.asarray(beta, dtype=np.float64)
    if not np.all(np.isfinite(beta)):
        return np.full(design.shape[1], np.nan)
    try:
        covariance = np.linalg.inv(_information(design, beta, size, offset))
    except np.linalg.LinAlgError:
        return np.full(design.shape[1], np.nan)
    return np.sqrt(np.maximum(np.diag(covariance), 0))


# --------------------------------------------------------------------------------------
# Discrimination
# --------------------------------------------------------------------------------------


def discrimination_table(
    risks: Mapping[str, Any],
    outcome: Any,
    *,
    labels: Mapping[str, str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = _DEFAULT_SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """The AUC of each model with its percentile bootstrap interval.

    Parameters
    ----------
    risks : mapping of model id to array-like of float
    outcome : array-like of bool
    labels : mapping of model id to str, optional
    resamples : int, default 1000
        Bootstrap resamples (:func:`scoring.analysis.risk_metrics.auc_interval`, vectorised).
    seed : int, default 2026
        The same seed for every model: same seed, same table.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per model: ``model``, ``label``, ``n``, ``n_outcome``, ``auc``, ``auc_low``,
        ``auc_high``, ``level``, ``resamples``, ``seed``.
    """
    data = _inputs(risks, outcome, labels=labels)
    y = data.outcome
    _require_both_classes(y, "an AUC")
    rows = []
    for model, risk in data.risks.items():
        interval = auc_interval(risk, y, resamples=resamples, seed=seed, level=_check_level(level))
        rows.append(
            {
                "model": model,
                "label": data.label(model),
                "n": len(y),
                "n_outcome": int(y.sum()),
                "auc": interval.auc,
                "auc_low": interval.low,
                "auc_high": interval.high,
                "level": interval.level,
                "resamples": interval.resamples,
                "seed": interval.seed,
            }
        )
    return pd.DataFrame(rows)
