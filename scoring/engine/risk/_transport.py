"""Moving a risk from the population a model was fitted on to the population it is shown for.

Models are fitted on the enriched learning mix, where serious causes are over-represented on
purpose. A risk shown to a reader is for a stated population (``community`` by default), so it
is moved there by prior shift (:func:`scoring.engine.risk.shift_probability`): the odds are
multiplied by the ratio of the outcome's prior odds in the two populations, which come from
the populations' cause priors (``scoring/definitions/populations.toml``). This is exact when
each cause's answers are distributed alike in both populations; the populations file says
where they are not (the benign profile), and the calibration of the moved risks is checked
on a fresh sample of the target population (tests/test_risk_population.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.engine.risk._outcomes import Outcome
from scoring.engine.risk._prior import shift_probability

__all__ = ["risk_in_population", "outcome_prevalence"]


def outcome_prevalence(outcome: Outcome | str, population: Any) -> float:
    """The outcome's prevalence in a population (an id or a Population), from its cause prior."""
    from scoring.engine.populations import load_population

    return load_population(population).prevalence(outcome)


def risk_in_population(
    risk: Any, *, outcome: Outcome | str, population: Any, trained_on: Any = "enriched"
) -> np.ndarray:
    """Risks of ``outcome`` fitted in ``trained_on``, moved to ``population`` by prior shift.

    Parameters
    ----------
    risk : array-like of float
        Risks in ``trained_on``; NaN stays NaN (a model without calibration).
    outcome : Outcome or str
    population, trained_on : str or Population

    Returns
    -------
    ndarray of float64, the shape of ``risk``.

    Examples
    --------
    >>> from scoring.engine.risk import risk_in_population
    >>> float(risk_in_population(0.07, outcome="serious_cause", population="enriched"))
    0.07
    """
    from scoring.engine.populations import load_population

    target, source = load_population(population), load_population(trained_on)
    risk = np.asarray(risk, dtype=np.float64)
    if target.id == source.id:
        return risk.copy()
    missing = np.isnan(risk)
    shifted = shift_probability(np.where(missing, 0.0, risk), source.prevalence(outcome), target.prevalence(outcome))
    return np.where(missing, np.nan, shifted)
