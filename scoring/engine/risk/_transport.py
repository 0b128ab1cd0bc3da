"""Moving a risk from the population a model was fitted on to the population it is shown for.

Models are fitted on the enriched learning mix, where serious causes are over-represented on
purpose. A risk shown to a reader is for a stated population (``community`` by default), so
it is moved there in two steps:

1. **Prior shift** (:func:`scoring.engine.risk.shift_probability`): the odds are multiplied
   by the ratio of the outcome's prior odds in the two populations (from the populations'
   cause priors, ``scoring/definitions/populations.toml``). This alone would be exact if
   every cause's answers were distributed alike in both populations.
2. **Recalibration on a sample of the target population**: they are not alike. Benign
   twitching in the community is briefer and in fewer places than in the learning mix, so
   after the prior shift a brief one-place answer still looks riskier than it is, and a
   long, widespread one less risky (docs/clinical.md section 5 gives the numbers). So each
   model also stores a logistic recalibration of the shifted risk, ``logit p' = a + b *
   logit p``, fitted on a synthetic sample of the target population (``TRANSPORT_N``
   vignettes, seed ``TRANSPORT_SEED``), which is never the sample it is checked on.

A model without a stored recalibration for a population gets the prior shift alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.engine.risk._outcomes import Outcome
from scoring.engine.risk._prior import shift_probability

__all__ = [
    "TRANSPORT_N",
    "TRANSPORT_SEED",
    "TRANSPORT_METHOD",
    "risk_in_population",
    "outcome_prevalence",
    "fit_transport",
]

#: Size and seed of the target-population sample every stored recalibration is fitted on.
TRANSPORT_N = 200_000
TRANSPORT_SEED = 20241
TRANSPORT_METHOD = (
    "prior shift to the population's prevalence, then logistic recalibration (intercept and slope on the "
    "log-odds) fitted on a synthetic sample of the population"
)


def outcome_prevalence(outcome: Outcome | str, population: Any) -> float:
    """The outcome's prevalence in a population (an id or a Population), from its cause prior."""
    from scoring.engine.populations import load_population

    return load_population(population).prevalence(outcome)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def _shifted(risk: np.ndarray, outcome: Outcome | str, target: Any, source: Any) -> np.ndarray:
    if target.id == source.id:
        return risk.copy()
    missing = np.isnan(risk)
    moved = shift_probability(np.where(missing, 0.0, risk), source.prevalence(outcome), target.prevalence(outcome))
    return np.where(missing, np.nan, moved)


def risk_in_population(
    risk: Any,
    *,
    outcome: Outcome | str,
    population: Any,
    trained_on: Any = "enriched",
    transport: Mapping[str, Mapping[str, Any]] | None = None,
) -> np.ndarray:
    """Risks of ``outcome`` fitted in ``trained_on``, moved to ``population``.

    Parameters
    ----------
    risk : array-like of float
        Risks in ``trained_on``; NaN stays NaN (a model without calibration).
    outcome : Outcome or str
    population, trained_on : str, Population or None
        None is the default population.
    transport : mapping, optional
        The model's stored recalibrations by population id (``{"community": {"intercept":
        a, "slope": b, ...}}``, from :func:`fit_transport`); without one for ``population``
        the prior shift alone is used.

    Returns
    -------
    ndarray of float64, the shape of ``risk``.

    Examples
    --------
    >>> from scoring.engine.risk import risk_in_population
    >>> float(risk_in_population(0.07, outcome="serious_cause", population="enriched"))
    0.07
    >>> round(float(risk_in_population(0.07, outcome="serious_cause", population="community")), 4)
    0.015
    """
    from scoring.engine.populations import load_population

    target, source = load_population(population), load_population(trained_on)
    risk = np.asarray(risk, dtype=np.float64)
    moved = _shifted(risk, outcome, target, source)
    step = (transport or {}).get(target.id)
    if step is None or target.id == source.id:
        return moved
    a, b = float(step["intercept"]), float(step["slope"])
    with np.errstate(over="ignore"):
        recalibrated = 1.0 / (1.0 + np.exp(-(a + b * _logit(moved))))
    # Risks of exactly 0 or 1 (a pure leaf) stay where they are.
    return np.where((moved == 0.0) | (moved == 1.0), moved, recalibrated)


def fit_transport(
    risk_trained: Any, outcome_present: Any, *, outcome: Outcome | str, population: Any, trained_on: Any = "enriched"
) -> dict[str, Any]:
    """Fit the recalibration of a model's prior-shifted risks on a sample of the target population.

    Parameters
    ----------
    risk_trained : array-like of float
        The model's risks (in ``trained_on``) for every vignette of the target sample.
    outcome_present : array-like of bool
        Whether each vignette has the outcome.
    outcome, population, trained_on
        As for :func:`risk_in_population`.

    Returns
    -------
    dict
        ``method``, ``intercept``, ``slope`` (rounded to 6 decimals, as stored), and the
        calibration of the prior shift alone on that sample (``prior_shift_intercept``,
        ``prior_shift_slope``), to show why the recalibration is there.
    """
    from scoring.engine.populations import load_population

    target, source = load_population(population), load_population(trained_on)
    moved = _shifted(np.asarray(risk_trained, dtype=np.float64), outcome, target, source)
    y = np.asarray(outcome_present, dtype=np.float64)
    keep = (moved > 0.0) & (moved < 1.0)
    lp = _logit(moved[keep])
    # Grouped by distinct log-odds (a card or a tree has a few dozen), the same fit.
    values, inverse = np.unique(lp, return_inverse=True)
    successes = np.bincount(inverse, weights=y[keep])
    size = np.bincount(inverse).astype(np.float64)
    slope_fit = _newton(values, successes, size, with_slope=True)
    offset_fit = _newton(values, successes, size, with_slope=False)
    return {
        "method": TRANSPORT_METHOD,
        "intercept": round(float(slope_fit[0]), 6),
        "slope": round(float(slope_fit[1]), 6),
        "prior_shift_intercept": round(float(offset_fit[0]), 6),
        "prior_shift_slope": round(float(slope_fit[1]), 6),
    }


def _newton(lp: np.ndarray, successes: np.ndarray, size: np.ndarray, *, with_slope: bool) -> np.ndarray:
    """Binomial logistic regression on grouped data: intercept and slope on lp, or intercept with lp as offset."""
    design = np.column_stack([np.ones(len(lp)), lp]) if with_slope else np.ones((len(lp), 1))
    offset = np.zeros(len(lp)) if with_slope else lp
    # Start from "already calibrated" (intercept 0, slope 1).
    beta = np.array([0.0, 1.0]) if with_slope else np.zeros(1)
    for _ in range(200):
        eta = design @ beta + offset
        p = 1.0 / (1.0 + np.exp(-eta))
        gradient = design.T @ (successes - size * p)
        hessian = (design * (size * p * (1 - p))[:, None]).T @ design
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        # A full Newton step unless it lowers the likelihood (risks far from calibrated, where a
        # full step from the start overshoots): then halve it until it does not.
        before = _log_likelihood(design @ beta + offset, successes, size)
        for _ in range(60):
            if _log_likelihood(design @ (beta + step) + offset, successes, size) >= before - 1e-9 * abs(before):
                break
            step = step / 2.0
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


def _log_likelihood(eta: np.ndarray, successes: np.ndarray, size: np.ndarray) -> float:
    """The binomial log-likelihood of grouped data at log-odds ``eta`` (computed without overflow)."""
    return float(successes @ eta - size @ np.logaddexp(0.0, eta))
