"""From points to risk: fitting, storing and checking a card's calibration.

A card's total is turned into the risk of an **outcome** (``serious_cause`` unless told
otherwise: the vignette's hidden cause is motor-neuron-like, MS-like or a neuropathy; see
``scoring/definitions/outcomes.toml``), never into the referral ladder's own label. The
mapping is a logistic regression on the total, fitted on synthetic vignettes of the
**enriched** learning population::

    logit P(outcome) = intercept + slope * total

Why logistic and not isotonic: a card is read as a table, total by total, and a logistic
curve gives every total, including rare ones with few or no synthetic vignettes, a risk
from two stored numbers, never falling as points rise (``slope`` is kept at 0 or above).
Isotonic regression would copy the noise of sparse totals into the table.

It is fitted on vignettes without a red flag: a red flag sets the card's answer whatever
the total, so those vignettes get their own risk, the observed share with the outcome among
red-flag vignettes (``red_flag_probability``).

The stored file also keeps, for every item, how often it holds with and without the outcome
and its likelihood ratio (:func:`item_evidence`), so that a reader sees each item's points
next to what the data say about it, and the per-total counts, so that the risk table can
show the observed share beside the fitted risk.

Risks are for the enriched population the card was fitted on; :func:`risk_table` and
:func:`scoring.assess` move them to a stated population by prior shift
(:func:`scoring.engine.risk.risk_in_population`). Checks on a fresh sample
(:func:`calibration_metrics`) report the calibration intercept and slope and the Brier score
(Van Calster et al., BMC Med 2019) in the population of that sample; the Hosmer-Lemeshow test
is deliberately not used.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.engine.card import Card, calibration_path, load_card

__all__ = [
    "CALIBRATION_N",
    "CALIBRATION_SEED",
    "EVALUATION_SEED",
    "fit_calibration",
    "item_evidence",
    "write_calibrations",
    "card_risk",
    "risk_table",
    "risk_age_band",
    "calibration_bins",
    "calibration_summary",
    "calibration_metrics",
]

#: Size and seed of the synthetic sample (enriched population) every stored calibration is fitted on.
CALIBRATION_N = 200_000
CALIBRATION_SEED = 20240
#: Seed of the fresh sample used to check a calibration (never used for fitting).
EVALUATION_SEED = 12345


def _synthetic(n: int, seed: int, population: str) -> pd.DataFrame:
    from scoring.engine.synth import generate_vignettes

    return generate_vignettes(n, seed=seed, population=population)


def _outcome(outcome: str | None) -> Any:
    from scoring.engine.risk import load_outcomes

    outcomes = load_outcomes()
    if outcome is None:
        return next(o for o in outcomes.values() if o.role == "primary")
    if outcome not in outcomes:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(outcomes)}")
    return outcomes[outcome]


def _scored(card: Card, frame: pd.DataFrame, outcome: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """Totals, red-flag masks, outcome (bool) and features of a frame with a ``latent_cause`` column."""
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame
    from scoring.engine.risk import outcome_labels

    if "latent_cause" not in frame.columns:
        raise ValueError(
            "the frame needs a 'latent_cause' column (the generator's hidden cause) to calibrate against an "
            "outcome; generate it with scoring.engine.synth.generate_vignettes"
        )
    validation = validate_frame(frame, extra="keep")
    if validation.n_rejected_rows:
        raise ValueError(f"{validation.summary()}: calibration needs every row valid")
    features = Features(validation.valid)
    scores = card.score_frame(features)
    labels = np.asarray(outcome_labels(validation.valid, outcome.name), dtype=bool)
    return scores.totals, scores.red_flag_mask, labels, features


def _fit_logistic(totals: np.ndarray, outcome: np.ndarray) -> tuple[float, float]:
    """Intercept and slope per point, with the slope kept at 0 or above."""
    # Fit on the distinct (total, outcome) pairs weighted by their counts: the same estimate
    # as the row-level fit, from a few dozen rows instead of hundreds of thousands.
    pairs, counts = np.unique(np.column_stack([totals, outcome.astype(np.int64)]), axis=0, return_counts=True)
    if len(np.unique(pairs[:, 1])) < 2:
        raise ValueError("every vignette has the same outcome: use more data to calibrate")
    # Imported here: scoring a file loads this module, fitting is rare, and scikit-learn
    # takes most of a second to import.
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000)
    model.fit(pairs[:, :1].astype(np.float64), pairs[:, 1], sample_weight=counts)
    if model.coef_[0][0] >= 0:
        return float(model.intercept_[0]), float(model.coef_[0][0])
    # More points must never mean a lower risk: fall back to the overall share.
    y, w = pairs[:, 1], counts
    return float(np.log((y @ w) / ((1 - y) @ w))), 0.0


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator > 0 else None


def item_evidence(card: Card, features: Any, outcome: np.ndarray) -> list[dict[str, Any]]:
    """Per card item: how often it holds with and without the outcome, and its likelihood ratios.

    ``lr_present`` = P(item holds | outcome) / P(item holds | no outcome): above 1 the item
    points towards the outcome, below 1 away from it. ``lr_absent`` is the same for the item
    not holding. A ratio is None when a share it divides by is 0.
    """
    positive, negative = outcome, ~outcome
    n_pos, n_neg = int(positive.sum()), int(negative.sum())
    rows = []
    for item in card.items:
        holds = np.asarray(item.parsed.evaluate(features), dtype=bool)
        with_outcome, without = int((holds & positive).sum()), int((holds & negative).sum())
        rows.append(
            {
                "id": item.item_id,
                "points": item.points,
                "n_present": with_outcome + without,
                "n_outcome_present": with_outcome,
                "share_with_outcome": round(with_outcome / n_pos, 6) if n_pos else None,
                "share_without_outcome": round(without / n_neg, 6) if n_neg else None,
                "lr_present": _ratio(with_outcome / max(n_pos, 1), without / max(n_neg, 1)),
                "lr_absent": _ratio((n_pos - with_outcome) / max(n_pos, 1), (n_neg - without) / max(n_neg, 1)),
            }
        )
    return rows


def _fit_card_transport(
    card: Card, outcome: Any, trained_on: str, intercept: float, slope: float, red_flag_probability: float
) -> dict[str, Any]:
    """For every other population, the recalibration of the card's prior-shifted risks.

    Fitted on a fresh synthetic sample of that population (``TRANSPORT_N`` vignettes, seed
    ``TRANSPORT_SEED``): the card scores it, the fit just made gives each vignette's risk in
    the training population, and :func:`scoring.engine.risk.fit_transport` recalibrates the
    prior-shifted risks, for the whole population and within each age band.
    """
    from scoring.engine.populations import load_populations
    from scoring.engine.risk import TRANSPORT_N, TRANSPORT_SEED, fit_transport

    transport: dict[str, Any] = {}
    for population in load_populations().values():
        if population.id == trained_on:
            continue
        sample = _synthetic(TRANSPORT_N, TRANSPORT_SEED, population.id)
        totals, masks, labels, _ = _scored(card, sample, outcome)
        trained = 1.0 / (1.0 + np.exp(-(intercept + slope * totals.astype(np.float64))))
        trained = np.where(masks != 0, red_flag_probability, trained)
        fitted = fit_transport(
            trained,
            labels,
            outcome=outcome,
            population=population,
            trained_on=trained_on,
            age=sample["age"].to_numpy(dtype=np.float64),
        )
        transport[population.id] = fitted | {"n": TRANSPORT_N, "seed": TRANSPORT_SEED}
    return transport


def fit_calibration(
    card: Card | str = "default",
    *,
    outcome: str | None = None,
    n: int = CALIBRATION_N,
    seed: int = CALIBRATION_SEED,
    frame: pd.DataFrame | None = None,
    save: bool = False,
) -> dict[str, Any]:
    """Fit the points-to-risk mapping of a card on synthetic vignettes of the enriched population.

    Parameters
    ----------
    card : Card or str
        The card (or its name/path).
    outcome : str, optional
        The outcome to estimate (the primary outcome, ``serious_cause``, by default).
    n, seed : int
        The synthetic sample (see :func:`scoring.engine.synth.generate_vignettes`); ignored when
        ``frame`` is given.
    frame : DataFrame, optional
        Enriched-population vignettes with a ``latent_cause`` column to fit on instead.
    save : bool
        Write the result to ``<card>.calibration.json`` next to the card file.

    Returns
    -------
    dict
        ``intercept``, ``slope``, ``red_flag_probability``, the outcome and its prevalence in
        the population, the card fingerprint, the data it came from, per-total counts
        (``table``) for :func:`risk_table` and per-item evidence (``items``).
    """
    from scoring.engine.populations import TRAINING_POPULATION, load_population

    card = load_card(card)
    the_outcome = _outcome(outcome)
    population = load_population(TRAINING_POPULATION)
    data_info: dict[str, Any]
    if frame is None:
        from scoring.engine.synth import GENERATOR_VERSION

        frame = _synthetic(n, seed, population.id)
        data_info = {
            "generator": "scoring.engine.synth.generate_vignettes",
            "generator_version": GENERATOR_VERSION,
            "population": population.id,
            "n": n,
            "seed": seed,
        }
    else:
        data_info = {"generator": "a frame given by the caller", "population": population.id, "n": len(frame)}
    totals, masks, labels, features = _scored(card, frame, the_outcome)
    flagged = masks != 0
    intercept, slope = _fit_logistic(totals[~flagged], labels[~flagged])
    n_flagged = int(flagged.sum())
    table = (
        pd.DataFrame({"points_total": totals[~flagged], "outcome": labels[~flagged]})
        .groupby("points_total")["outcome"]
        .agg(["size", "sum"])
    )
    red_flag_probability = round(float(labels[flagged].mean()), 6) if n_flagged else 1.0
    transport = _fit_card_transport(
        card, the_outcome, population.id, round(intercept, 6), round(slope, 6), red_flag_probability
    )
    result: dict[str, Any] = {
        "card": card.name,
        "card_version": card.version,
        "card_fingerprint": card.fingerprint,
        "method": "logistic regression of the outcome on the points total, no penalty (scikit-learn), slope kept "
        ">= 0, fitted on vignettes without a red flag; red-flag vignettes get their observed share",
        "outcome": the_outcome.name,
        "population": population.id,
        "prevalence": round(population.prevalence(the_outcome), 6),
        "intercept": round(intercept, 6),
        "slope": round(slope, 6),
        "red_flag_probability": red_flag_probability,
        "n_red_flag": n_flagged,
        "n_red_flag_outcome": int(labels[flagged].sum()),
        "data": data_info,
        "table": [
            {"points_total": int(total), "n": int(row["size"]), "n_outcome": int(row["sum"])}
            for total, row in table.iterrows()
        ],
        "items": item_evidence(card, features, labels),
        "transport": transport,
    }
    if save:
        if card.path is None:
            raise ValueError("this card has no file to save its calibration next to")
        path = calibration_path(card.path)
        path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def write_calibrations(names: list[str] | None = None, *, folder: str | Path | None = None) -> list[Path]:
    """Refit and write the calibration of every shipped card (or the cards named).

    Parameters
    ----------
    names : list of str, optional
        Card names (default: every shipped card).
    folder : str or Path, optional
        Where to write ``<card>.calibration.json`` (default: next to each card file).

    Returns
    -------
    list of Path
        The files written.
    """
    from scoring.engine.card import list_cards

    paths = []
    for name in names or list_cards():
        card = load_card(name)
        fitted = fit_calibration(card, save=folder is None)
        path = calibration_path(card.path)  # type: ignore[arg-type]
        if folder is not None:
            path = Path(folder) / path.name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(fitted, indent=2) + "\n")
        paths.append(path)
    return paths


def _calibration(card: Card) -> Any:
    if card.calibration is None:
        raise ValueError(
            f"card {card.name!r} has no calibration fitted for its current points; "
            "run scoring.engine.calibration.fit_calibration(card, save=True)"
        )
    return card.calibration


def card_risk(card: Card, totals: Any, red_flag_mask: Any, population: Any = None, age: Any = None) -> np.ndarray:
    """The card's risk of its outcome for arrays of totals and red-flag masks, in ``population``.

    ``population`` is an id or a Population (the default population, ``community``, when
    None); the card's calibration gives the risk in the population it was fitted on, moved by
    prior shift and the stored recalibration. ``age`` (one per row, or one for all) picks each
    person's age-band recalibration; without it, the whole population's. NaN for a card
    without calibration.
    """
    from scoring.engine.populations import load_population
    from scoring.engine.risk import risk_in_population
    from scoring.engine.risk._transport import AGE_BAND_STARTS, age_band_index

    if card.calibration is None:
        return card.probability(totals, red_flag_mask)
    calibration = card.calibration
    # Every total's risk and the red-flag risk are moved once (per age band), then looked up: a
    # million rows cost a gather instead of a million logarithms, and one vignette gets the
    # very doubles of a million-row frame (the same values go through the same array code).
    every = np.arange(card.min_total, card.max_total + 1)
    trained = np.append(card.probability(every, np.zeros(len(every), np.uint64)), calibration.red_flag_probability)

    def moved(band_age: Any) -> np.ndarray:
        return risk_in_population(
            trained,
            outcome=calibration.outcome,
            population=load_population(population),
            trained_on=calibration.population,
            transport=calibration.data.get("transport"),
            age=band_age,
        )

    index = np.asarray(totals, dtype=np.int64) - card.min_total
    flagged = np.asarray(red_flag_mask) != 0
    if age is None:
        table = moved(None)
        return np.where(flagged, table[-1], table[index])
    # One row per band, the whole population's last (for a missing age, band index -1).
    tables = np.stack([moved(start) for start in AGE_BAND_STARTS] + [moved(None)])
    band = np.broadcast_to(age_band_index(age), np.broadcast_shapes(np.shape(index), np.shape(age)))
    return np.where(flagged, tables[band, -1], tables[band, index])


def risk_age_band(card: Card | str, population: Any = None, age: Any = None) -> str | None:
    """The age band whose recalibration a person's card risk uses (None where the whole population's is used).

    A card's risk in a population is recalibrated within each age band where its stored step
    has bands (:mod:`scoring.engine.risk._transport`); then a person of known age gets their
    band's risk, and the risk table lists it per band. Without bands, for the population the
    card was fitted on, or without an age, the whole population's risk is used.

    Parameters
    ----------
    card : Card or str
    population : str or Population, optional
        The default population (``community``) when None.
    age : float, optional
        The person's age in years.

    Returns
    -------
    str or None
        The band's label, e.g. ``"50–64"``.

    Examples
    --------
    >>> risk_age_band("default", "community", 61)
    '50–64'
    >>> risk_age_band("default", "community", None) is None, risk_age_band("default", "enriched", 61) is None
    (True, True)
    """
    from scoring.engine.populations import load_population
    from scoring.engine.risk._transport import AGE_BANDS, age_band_index

    card = load_card(card)
    if card.calibration is None or age is None:
        return None
    target = load_population(population)
    if target.id == card.calibration.population:
        return None
    step = (card.calibration.data.get("transport") or {}).get(target.id) or {}
    if not step.get("age_bands"):
        return None
    index = int(age_band_index(float(age)))
    return None if index < 0 else AGE_BANDS[index]


def risk_table(card: Card | str = "default", population: Any = None) -> pd.DataFrame:
    """Every total the card can give, with its risk in a stated population and what was observed.

    Parameters
    ----------
    card : Card or str
    population : str or Population, optional
        Whom the ``risk`` column is for (the default population, ``community``, when None).

    Returns
    -------
    DataFrame
        Indexed by ``points_total`` (from the card's minimum to its maximum): ``band``,
        ``recommendation`` (the band's, without red flags), ``risk`` (in ``population``),
        ``risk_trained`` (in the population the card was fitted on), ``n`` (fitting vignettes
        without a red flag at that total), ``n_outcome`` and ``observed`` (their share with the
        outcome; NaN where ``n`` is 0). ``attrs`` holds ``outcome``, ``population``,
        ``trained_on`` and the red-flag risk in both (``red_flag_risk``, ``red_flag_risk_trained``).
        Where a person's risk uses their age band's recalibration (:func:`risk_age_band`),
        ``risk_by_age_band`` maps each band (e.g. ``"50–64"``) to its risk for every total and
        ``red_flag_risk_by_age_band`` to its red-flag risk (both empty otherwise).
    """
    from scoring.engine.populations import load_population
    from scoring.engine.risk._transport import AGE_BAND_STARTS, AGE_BANDS

    card = load_card(card)
    calibration = _calibration(card)
    target = load_population(population)
    totals = np.arange(card.min_total, card.max_total + 1)
    no_flags = np.zeros(len(totals), dtype=np.uint64)
    table = pd.DataFrame(
        {
            "band": [card.band_for_total(int(t)).name for t in totals],
            "recommendation": [card.band_for_total(int(t)).recommendation.value for t in totals],
            "risk": card_risk(card, totals, no_flags, target),
            "risk_trained": card.probability(totals, no_flags),
        },
        index=pd.Index(totals, name="points_total"),
    )
    counts = pd.DataFrame(calibration.data["table"]).set_index("points_total")
    table["n"] = counts["n"].reindex(totals, fill_value=0).to_numpy()
    table["n_outcome"] = counts["n_outcome"].reindex(totals, fill_value=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["observed"] = table["n_outcome"].to_numpy() / table["n"].to_numpy()
    flagged = np.array([1], dtype=np.uint64)
    by_band: dict[str, list[float]] = {}
    red_flag_by_band: dict[str, float] = {}
    for band, start in zip(AGE_BANDS, AGE_BAND_STARTS):
        if risk_age_band(card, target, start) == band:
            by_band[band] = card_risk(card, totals, no_flags, target, age=start).tolist()
            red_flag_by_band[band] = float(card_risk(card, [0], flagged, target, age=start)[0])
    table.attrs.update(
        risk_by_age_band=by_band,
        red_flag_risk_by_age_band=red_flag_by_band,
        outcome=calibration.outcome,
        population=target.id,
        trained_on=calibration.population,
        red_flag_risk=float(card_risk(card, [0], flagged, target)[0]),
        red_flag_risk_trained=float(card.probability([0], flagged)[0]),
    )
    return table


def _fresh(frame: pd.DataFrame | None, population: Any, n: int, seed: int) -> tuple[pd.DataFrame, str]:
    from scoring.engine.populations import load_population

    target = load_population(population)
    return (_synthetic(n, seed, target.id) if frame is None else frame), target.id


def calibration_bins(
    card: Card | str, frame: pd.DataFrame, *, population: Any = None, outcome: str | None = None
) -> pd.DataFrame:
    """Observed against predicted risk per points total (the natural bins of a points card).

    ``frame`` holds vignettes of ``population`` (with ``latent_cause``); predictions are the
    card's risks moved to that population. Vignettes with a red flag form one extra bin
    labelled ``"red flag"``.

    Returns
    -------
    DataFrame
        Columns ``bin``, ``n``, ``predicted`` (mean risk), ``observed`` (share with the outcome).
    """
    card = load_card(card)
    calibration = _calibration(card)
    frame, population_id = _fresh(frame, population, 0, 0)
    totals, masks, labels, _ = _scored(card, frame, _outcome(outcome or calibration.outcome))
    predicted = card_risk(card, totals, masks, population_id, frame["age"].to_numpy(dtype=np.float64))
    labels_text = np.where(masks != 0, "red flag", totals.astype(str))
    return (
        pd.DataFrame(
            {"bin": labels_text, "total": np.where(masks != 0, card.max_total + 1, totals), "p": predicted, "y": labels}
        )
        .groupby(["total", "bin"], sort=True)
        .agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
        .reset_index()
        .drop(columns="total")
    )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def calibration_summary(predicted: Any, outcome: Any) -> dict[str, float]:
    """Calibration-in-the-large, calibration slope and Brier score of risks against outcomes.

    Parameters
    ----------
    predicted : array-like of float
        Risks (any model), one per row.
    outcome : array-like of bool

    Returns
    -------
    dict
        ``n``, ``observed``, ``predicted_mean``, ``calibration_intercept`` (0 is ideal; positive
        means risks are too low), ``calibration_slope`` (1 is ideal; below 1 means too extreme),
        ``brier`` and ``brier_reference`` (always predicting the observed share).
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    # Fit on grouped counts when predictions take few values (a points card), with the
    # same estimates as the row-level fit.
    grouped = pd.DataFrame({"lp": _logit(predicted), "y": y}).groupby("lp")["y"].agg(["sum", "size"])
    lp, successes, size = grouped.index.to_numpy(), grouped["sum"].to_numpy(), grouped["size"].to_numpy()
    a = _weighted_logistic(lp, successes, size, with_slope=False)
    b = _weighted_logistic(lp, successes, size, with_slope=True)
    base = y.mean()
    return {
        "n": int(len(y)),
        "observed": float(base),
        "predicted_mean": float(predicted.mean()),
        "calibration_intercept": float(a[0]),
        "calibration_slope": float(b[1]),
        "brier": float(np.mean((predicted - y) ** 2)),
        "brier_reference": float(np.mean((base - y) ** 2)),
    }


def calibration_metrics(
    card: Card | str = "default",
    frame: pd.DataFrame | None = None,
    *,
    population: Any = None,
    n: int = 100_000,
    seed: int = EVALUATION_SEED,
) -> dict[str, float]:
    """How well the card's risks, moved to a population, match a fresh sample of it.

    Parameters
    ----------
    card : Card or str
    frame : DataFrame, optional
        Vignettes of ``population`` with a ``latent_cause`` column; by default a fresh
        synthetic sample of it (``n``, ``seed``), drawn with a seed never used for fitting.
    population : str or Population, optional
        The default population (``community``) when None.

    Returns
    -------
    dict
        :func:`calibration_summary` over all rows (red-flag rows use their own risk), plus
        ``n_red_flag`` and ``population``.
    """
    card = load_card(card)
    calibration = _calibration(card)
    frame, population_id = _fresh(frame, population, n, seed)
    totals, masks, labels, _ = _scored(card, frame, _outcome(calibration.outcome))
    ages = frame["age"].to_numpy(dtype=np.float64)
    summary: dict[str, Any] = calibration_summary(card_risk(card, totals, masks, population_id, ages), labels)
    summary["n_red_flag"] = int((masks != 0).sum())
    summary["population"] = population_id
    return summary


def _log_likelihood(eta: np.ndarray, successes: np.ndarray, size: np.ndarray) -> float:
    """The binomial log-likelihood of grouped data at log-odds ``eta`` (computed without overflow)."""
    return float(successes @ eta - size @ np.logaddexp(0.0, eta))


def _weighted_logistic(lp: np.ndarray, successes: np.ndarray, size: np.ndarray, *, with_slope: bool) -> np.ndarray:
    """Binomial logistic regression on grouped data: successes out of size at each lp.

    Intercept only with lp as offset (calibration-in-the-large), or intercept and slope
    on lp (calibration slope).
    """
    design = np.column_stack([np.ones(len(lp)), lp]) if with_slope else np.ones((len(lp), 1))
    offset = np.zeros(len(lp)) if with_slope else lp
    beta = np.zeros(design.shape[1])
    for _ in range(200):
        eta = design @ beta + offset
        p = 1.0 / (1.0 + np.exp(-eta))
        gradient = design.T @ (successes - size * p)
        hessian = (design * (size * p * (1 - p))[:, None]).T @ design
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            # One distinct prediction (every row alike) or a diverging fit: no slope to give.
            return np.full(design.shape[1], math.nan)
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
    if not np.all(np.isfinite(beta)):
        return np.full(design.shape[1], math.nan)
    return beta
