"""The reference ceiling: a plain logistic regression on every encoded feature.

A points card keeps a handful of items with whole points, and the tree a few splits, so a
reader can follow them; a logistic regression on all the features
(:data:`scoring.contract.features.FEATURE_NAMES`) keeps every one with its own weight. It is
no model to show a person, but it says how much of the outcome the answers can predict at all:
how far each readable model is from what the same data allow.

It is fitted like every model in zaro: on a sample of the enriched learning population, with
a fixed seed (:data:`REFERENCE_N`, :data:`REFERENCE_SEED`, never the seed of a comparison
sample), and its risks are moved to the population they are shown for as every model's are
(:func:`scoring.engine.risk.risk_in_population`): by prior shift, then by a logistic
recalibration fitted on the same kind of sample of that population as the cards' (``TRANSPORT_N``
vignettes, seed ``TRANSPORT_SEED``; :meth:`ReferenceModel.risk_in_population`). The features are standardised (mean 0,
standard deviation 1 in the fitting sample) and the fit is scikit-learn's default, an L2
penalty with ``C = 1``, which on tens of thousands of rows barely shrinks the weights but
keeps them finite where a rare answer almost always comes with the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["REFERENCE_N", "REFERENCE_SEED", "ReferenceModel", "fit_reference_model"]

#: Size of the enriched sample the reference is fitted on.
REFERENCE_N = 50_000
#: Its seed: not the data set's (7), the calibration's (20240) or a comparison's (2026).
REFERENCE_SEED = 20250


@dataclass(frozen=True)
class ReferenceModel:
    """A fitted logistic regression on the encoded features; scores frames without scikit-learn.

    Attributes
    ----------
    outcome : str
        What it predicts, e.g. ``"serious_cause"``.
    population : str
        The population of its fitting sample (its risks are for that population).
    features : tuple of str
        The encoded features it reads, in the order of ``coefficients``.
    intercept : float
    coefficients : ndarray of float64
        Per feature on its own scale (per year, per week, per answer...), so that
        ``logit(risk) = intercept + features @ coefficients``.
    n, seed : int
        The fitting sample.
    transport : dict
        Per other population, the recalibration of the prior-shifted risks
        (:func:`scoring.engine.risk.fit_transport`), as a card's calibration stores it.
    """

    outcome: str
    population: str
    features: tuple[str, ...]
    intercept: float
    coefficients: np.ndarray
    n: int
    seed: int
    transport: dict[str, dict[str, Any]] = field(default_factory=dict)

    label = "Logistic regression (reference)"

    def predict_risk(self, features: Any) -> np.ndarray:
        """The risk of ``outcome`` in :attr:`population` per row of a Features (or a validated frame)."""
        from scoring.contract.features import Features

        if not isinstance(features, Features):
            features = Features(features)
        margin = self.intercept + features.matrix(self.features, dtype=np.float64) @ self.coefficients
        return 1.0 / (1.0 + np.exp(-margin))

    def risk_in_population(self, features: Any, population: Any) -> np.ndarray:
        """The risk per row moved to ``population`` (prior shift, then the stored recalibration)."""
        from scoring.engine.risk import risk_in_population

        return risk_in_population(
            self.predict_risk(features),
            outcome=self.outcome,
            population=population,
            trained_on=self.population,
            transport=self.transport,
        )


@lru_cache(maxsize=4)
def _fit(outcome: str, n: int, seed: int, population: str) -> ReferenceModel:
    from sklearn.linear_model import LogisticRegression

    from scoring.contract.features import FEATURE_NAMES, Features
    from scoring.contract.schema import validate_frame
    from scoring.engine.risk import outcome_labels
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(n, seed=seed, population=population)
    y = outcome_labels(frame, outcome)
    if y.all() or not y.any():
        raise ValueError(
            f"the reference sample ({n} vignettes of {population!r}, seed {seed}) has "
            f"{'only' if y.all() else 'no'} vignettes with {outcome!r}: draw more vignettes"
        )
    x = Features(validate_frame(frame).valid).matrix(FEATURE_NAMES, dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0  # a feature that never varies in the sample gets no weight
    fitted = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    weights = fitted.coef_[0] / scale
    model = ReferenceModel(
        outcome=outcome,
        population=population,
        features=tuple(FEATURE_NAMES),
        intercept=float(fitted.intercept_[0] - weights @ mean),
        coefficients=weights,
        n=n,
        seed=seed,
    )
    return replace(model, transport=_transport(model))


def _transport(model: ReferenceModel) -> dict[str, dict[str, Any]]:
    """For every other population, the recalibration of the model's prior-shifted risks."""
    from scoring.contract.schema import validate_frame
    from scoring.engine.populations import load_populations
    from scoring.engine.risk import TRANSPORT_N, TRANSPORT_SEED, fit_transport, outcome_labels
    from scoring.engine.synth import generate_vignettes

    transport: dict[str, dict[str, Any]] = {}
    for population in load_populations().values():
        if population.id == model.population:
            continue
        sample = generate_vignettes(TRANSPORT_N, seed=TRANSPORT_SEED, population=population.id)
        fitted = fit_transport(
            model.predict_risk(validate_frame(sample).valid),
            outcome_labels(sample, model.outcome),
            outcome=model.outcome,
            population=population,
            trained_on=model.population,
        )
        transport[population.id] = fitted | {"n": TRANSPORT_N, "seed": TRANSPORT_SEED}
    return transport


def fit_reference_model(
    outcome: str = "serious_cause", *, n: int = REFERENCE_N, seed: int = REFERENCE_SEED, population: str = "enriched"
) -> ReferenceModel:
    """Fit the reference logistic regression on a fresh synthetic sample (cached per arguments).

    Parameters
    ----------
    outcome : str, default "serious_cause"
        An outcome of ``scoring/definitions/outcomes.toml``.
    n : int, default 50000
    seed : int, default 20250
    population : str, default "enriched"
        The learning population, as for every model zaro fits.

    Returns
    -------
    ReferenceModel
        The same arguments give the same coefficients, bit for bit.

    Examples
    --------
    >>> model = fit_reference_model(n=5000)              # doctest: +SKIP
    >>> model.predict_risk(frame)[:2]                    # doctest: +SKIP
    array([0.0021, 0.3410])
    """
    from scoring.engine.risk import load_outcomes

    outcomes = load_outcomes()
    if outcome not in outcomes:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(outcomes)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 100:
        raise ValueError(f"n must be a whole number of vignettes, 100 or more (got {n!r})")
    return _fit(outcome, int(n), int(seed), str(population))
