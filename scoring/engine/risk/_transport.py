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
3. **By age band** (:data:`AGE_BANDS`): one recalibration for the whole population leaves
   the risks of the young too high and of the old too low (the evaluation's calibration by
   age band shows it for any model without this step). So the same recalibration is also fitted within each age band, on the
   same sample, and a risk for a person of known age uses their band's (``age_bands`` in the
   stored step). A risk asked for without an age (a table by points total) uses the whole
   population's.

Every fit is :func:`scoring.engine.calibration._weighted_logistic`, the one solver of
calibrations. A model without a stored recalibration for a population gets the prior shift
alone; a stored step is checked when its file is read (:func:`check_transport`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.engine.risk._outcomes import Outcome
from scoring.engine.risk._prior import shift_probability

__all__ = [
    "AGE_BANDS",
    "AGE_BAND_STARTS",
    "age_band_index",
    "check_transport",
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
    "log-odds) fitted on a synthetic sample of the population, for the whole population and within each age band"
)
#: Age bands of the recalibration and of the evaluation's subgroups (years; the contract starts at 18).
AGE_BANDS: tuple[str, ...] = ("18–39", "40–49", "50–64", "65+")
#: The first age of each band.
AGE_BAND_STARTS: tuple[int, ...] = (18, 40, 50, 65)


def age_band_index(age: Any) -> np.ndarray:
    """Each age's band as an index into :data:`AGE_BANDS` (-1 for a missing age).

    Examples
    --------
    >>> age_band_index([18, 39, 40, 64, 65, 90]).tolist()
    [0, 0, 1, 2, 3, 3]
    """
    values = np.asarray(age, dtype=np.float64)
    index = np.searchsorted(np.asarray(AGE_BAND_STARTS[1:], dtype=np.float64), values, side="right")
    return np.where(np.isnan(values), -1, index).astype(np.int64)


def check_transport(transport: Any, where: str) -> None:
    """Check stored recalibrations as a model file holds them; a ValueError names the entry and the fix.

    Parameters
    ----------
    transport : mapping
        ``{population id: {"intercept": a, "slope": b, "age_bands": [...]}}``.
    where : str
        The file (or model) they come from, for the message.
    """
    refit = "refit it with `zaro fit` (or scoring.engine.calibration.write_calibrations())"
    if not isinstance(transport, Mapping):
        raise ValueError(
            f"{where}: 'transport' must be a table of populations, got {type(transport).__name__}; {refit}"
        )
    for population, step in transport.items():
        entry = f"{where}: transport.{population}"
        if not isinstance(step, Mapping):
            raise ValueError(f"{entry} must be a table with intercept and slope; {refit}")
        for key in ("intercept", "slope"):
            value = step.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{entry}.{key} must be a finite number, got {value!r}; {refit}")
        bands = step.get("age_bands")
        if bands is None:
            continue
        names = [band.get("band") if isinstance(band, Mapping) else None for band in bands]
        if names != list(AGE_BANDS):
            raise ValueError(
                f"{entry}.age_bands must list the bands {', '.join(AGE_BANDS)} in that order, got {names!r}; {refit}"
            )
        for band in bands:
            for key in ("intercept", "slope"):
                value = band.get(key)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise ValueError(
                        f"{entry}.age_bands[{band['band']}].{key} must be a finite number, got {value!r}; {refit}"
                    )
            if band["slope"] <= 0:
                raise ValueError(
                    f"{entry}.age_bands[{band['band']}].slope is {band['slope']!r}: a recalibration slope must be "
                    f"above 0 (more points never mean less risk); {refit}"
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
    age: Any = None,
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
    age : array-like of float, optional
        Each person's age (broadcast against ``risk``): where the stored step has a
        recalibration per age band (``age_bands``), each risk gets its band's. Without ages
        (or for a missing age) the whole population's recalibration is used.

    Returns
    -------
    ndarray of float64, the shape of ``risk`` (broadcast with ``age``).

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
    a, b = _coefficients(step, age)
    with np.errstate(over="ignore"):
        recalibrated = 1.0 / (1.0 + np.exp(-(a + b * _logit(moved))))
    # Risks of exactly 0 or 1 (a pure leaf) stay where they are.
    return np.where((moved == 0.0) | (moved == 1.0), moved, recalibrated)


def _coefficients(step: Mapping[str, Any], age: Any) -> tuple[Any, Any]:
    """The recalibration's intercept and slope: the whole population's, or per age where bands are stored."""
    a, b = float(step["intercept"]), float(step["slope"])
    bands = step.get("age_bands")
    if age is None or not bands:
        return a, b
    index = age_band_index(age)
    intercepts = np.append([float(band["intercept"]) for band in bands], a)
    slopes = np.append([float(band["slope"]) for band in bands], b)
    # A missing age (index -1) takes the last entry: the whole population's.
    return intercepts[index], slopes[index]


def fit_transport(
    risk_trained: Any,
    outcome_present: Any,
    *,
    outcome: Outcome | str,
    population: Any,
    trained_on: Any = "enriched",
    age: Any = None,
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
    age : array-like of float, optional
        Each vignette's age: the recalibration is then also fitted within each age band
        (``age_bands``: ``band``, ``from_age``, ``intercept``, ``slope``, ``n``,
        ``n_outcome``).

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
    slope_fit, offset_fit = _fit(moved, y, keep)
    fitted: dict[str, Any] = {
        "method": TRANSPORT_METHOD,
        "intercept": round(float(slope_fit[0]), 6),
        "slope": round(float(slope_fit[1]), 6),
        "prior_shift_intercept": round(float(offset_fit[0]), 6),
        "prior_shift_slope": round(float(slope_fit[1]), 6),
    }
    if age is None:
        return fitted
    index = np.broadcast_to(age_band_index(age), moved.shape)
    bands = []
    for k, (name, start) in enumerate(zip(AGE_BANDS, AGE_BAND_STARTS)):
        member = keep & (index == k)
        n_outcome = int(y[member].sum())
        if n_outcome == 0 or n_outcome == int(member.sum()):
            raise ValueError(
                f"fit_transport: the age band {name} of the {target.id} sample has {int(member.sum())} vignettes, "
                f"{n_outcome} with the outcome: a recalibration needs both; use a larger sample"
            )
        band_fit, _ = _fit(moved, y, member)
        if not band_fit[1] > 0:
            # The model does not rank within this band on this sample (too few cases, or a card
            # whose items do not vary there): a slope at or below 0 would mean more points, less
            # risk, so the band keeps the whole population's slope and fits its own intercept.
            band_fit = np.array([_fit_intercept(moved, y, member, slope=float(slope_fit[1]))[0], slope_fit[1]])
        bands.append(
            {
                "band": name,
                "from_age": start,
                "intercept": round(float(band_fit[0]), 6),
                "slope": round(float(band_fit[1]), 6),
                "n": int(member.sum()),
                "n_outcome": n_outcome,
            }
        )
    return fitted | {"age_bands": bands}


def _fit_intercept(moved: np.ndarray, y: np.ndarray, keep: np.ndarray, *, slope: float) -> np.ndarray:
    """The intercept of a recalibration whose slope on the log-odds is fixed at ``slope``."""
    from scoring.engine.calibration import _weighted_logistic

    values, inverse = np.unique(_logit(moved[keep]), return_inverse=True)
    successes = np.bincount(inverse, weights=y[keep])
    size = np.bincount(inverse).astype(np.float64)
    return _weighted_logistic(slope * values, successes, size, with_slope=False)


def _fit(moved: np.ndarray, y: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recalibration (intercept and slope on the log-odds) and intercept-only fit of the rows kept."""
    from scoring.engine.calibration import _weighted_logistic

    lp = _logit(moved[keep])
    # Grouped by distinct log-odds (a card or a tree has a few dozen), the same fit.
    values, inverse = np.unique(lp, return_inverse=True)
    successes = np.bincount(inverse, weights=y[keep])
    size = np.bincount(inverse).astype(np.float64)
    return (
        _weighted_logistic(values, successes, size, with_slope=True),
        _weighted_logistic(values, successes, size, with_slope=False),
    )
