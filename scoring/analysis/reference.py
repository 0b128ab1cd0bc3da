"""The flexible reference: gradient boosting on every encoded answer.

A points card keeps a handful of items with whole points, and the tree a few splits, so a
reader can follow them. Gradient boosting (scikit-learn's ``HistGradientBoostingClassifier``)
on all the features (:data:`scoring.contract.features.FEATURE_NAMES`) can use every answer,
every interaction between answers and every bend in a number. It is no model to show a
person; it is there to say how far each readable model is from a flexible model of the same
answers. It is not a ceiling: a still more flexible model, or more data, could do better, and
on synthetic data both only measure how the generator wrote its causes, not patients.

It is fitted like every model in zaro: on a sample of the enriched learning population, with
a fixed seed (:data:`REFERENCE_N`, :data:`REFERENCE_SEED`, never the seed of a comparison
sample; the boosting's own early-stopping split is seeded too), and its risks are moved to the
population they are shown for as every model's are
(:func:`scoring.engine.risk.risk_in_population`): by prior shift, then by a logistic
recalibration, for the whole population and within each age band, fitted on the same kind of
sample of that population as the cards' (``TRANSPORT_N`` vignettes, seed ``TRANSPORT_SEED``;
:meth:`ReferenceModel.risk_in_population`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["REFERENCE_N", "REFERENCE_SEED", "REFERENCE_SETTINGS", "ReferenceModel", "fit_reference_model"]

#: Size of the enriched sample the reference is fitted on.
REFERENCE_N = 50_000
#: Its seed: not the data set's (7), the calibration's (20240) or a comparison's (2026).
REFERENCE_SEED = 20250
#: The boosting's settings: scikit-learn's defaults, with its random state fixed.
REFERENCE_SETTINGS: dict[str, Any] = {"random_state": 0}


@dataclass(frozen=True)
class ReferenceModel:
    """Gradient boosting fitted on the encoded answers of an enriched sample.

    Attributes
    ----------
    outcome : str
        What it predicts, e.g. ``"serious_cause"``.
    population : str
        The population of its fitting sample (its risks are for that population).
    features : tuple of str
        The encoded features it reads, in this order.
    estimator : HistGradientBoostingClassifier
        The fitted model.
    n, seed : int
        The fitting sample.
    transport : dict
        Per other population, the recalibration of the prior-shifted risks
        (:func:`scoring.engine.risk.fit_transport`), as a card's calibration stores it.
    """

    outcome: str
    population: str
    features: tuple[str, ...]
    estimator: Any
    n: int
    seed: int
    transport: dict[str, dict[str, Any]] = field(default_factory=dict)

    label = "Gradient boosting on every answer (reference)"

    def predict_risk(self, features: Any) -> np.ndarray:
        """The risk of ``outcome`` in :attr:`population` per row of a Features (or a validated frame)."""
        from scoring.contract.features import Features

        if not isinstance(features, Features):
            features = Features(features)
        from threadpoolctl import threadpool_limits

        matrix = features.matrix(self.features, dtype=np.float64)
        # One thread: as fast on a busy machine as many, and never oversubscribed.
        with threadpool_limits(1):
            return np.asarray(self.estimator.predict_proba(matrix)[:, 1], dtype=np.float64)

    def risk_in_population(self, features: Any, population: Any) -> np.ndarray:
        """The risk per row moved to ``population`` (prior shift, then the stored recalibration for each age band)."""
        from scoring.contract.features import Features
        from scoring.engine.risk import risk_in_population

        if not isinstance(features, Features):
            features = Features(features)
        return risk_in_population(
            self.predict_risk(features),
            outcome=self.outcome,
            population=population,
            trained_on=self.population,
            transport=self.transport,
            age=np.asarray(features["age"], dtype=np.float64),
        )


@lru_cache(maxsize=4)
def _fit(outcome: str, n: int, seed: int, population: str) -> ReferenceModel:
    from sklearn.ensemble import HistGradientBoostingClassifier

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
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        estimator = HistGradientBoostingClassifier(**REFERENCE_SETTINGS).fit(x, np.asarray(y, dtype=bool))
    model = ReferenceModel(
        outcome=outcome,
        population=population,
        features=tuple(FEATURE_NAMES),
        estimator=estimator,
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
            age=sample["age"].to_numpy(dtype=np.float64),
        )
        transport[population.id] = fitted | {"n": TRANSPORT_N, "seed": TRANSPORT_SEED}
    return transport


def fit_reference_model(
    outcome: str = "serious_cause", *, n: int = REFERENCE_N, seed: int = REFERENCE_SEED, population: str = "enriched"
) -> ReferenceModel:
    """Fit the reference gradient boosting on a fresh synthetic sample (cached per arguments).

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
        The same arguments give the same risks, bit for bit.

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
