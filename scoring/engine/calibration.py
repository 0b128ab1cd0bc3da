"""From points to probability: fitting, storing and checking a card's calibration.

A card's total is turned into the probability that a vignette *needs professional review*
(its reference triage is ``see_doctor`` or ``urgent``). The mapping is a small logistic
regression on the total, with a step where the card's bands start recommending review::

    logit P(needs review) = intercept + slope * total + band_step * [band recommends review]

Why logistic and not isotonic: a card is read as a table, total by total, and a logistic
curve gives every total, including rare ones with few or no synthetic vignettes, a
probability from three stored numbers, never falling as points rise (``slope`` and
``band_step`` are kept at 0 or above). Isotonic regression would copy the noise of sparse
totals into the table.

Why the band step: the reference label follows the docs/clinical.md ladder, and the default card
reproduces that ladder, so the chance of needing review jumps where the bands change
(3% just below, 98.5% just above, with 3% label noise) and hardly moves within a band. A
logistic curve on the total alone cannot jump: fitted to these data it gives a total of 0,
in the self-care band, a probability near 70% while 4% of those vignettes need review. The
step puts the jump where the card puts it; the slope then says how much each further point
adds. On the synthetic reference it adds next to nothing (the slope is 0 for the default
card), which is itself worth reporting: the extra points grade clinical concern, not the
chance that the ladder-based reference says "review".

It is fitted on vignettes without a red flag: a red flag sets the card's answer whatever
the total, so those vignettes get their own probability, the observed share needing review
among red-flag vignettes (``red_flag_probability``).

The fit uses synthetic vignettes (:func:`scoring.engine.synth.generate_vignettes`) with a small
share of labels moved one step (``label_noise``, 3% by default), to mimic clinicians who
disagree [A, docs/clinical.md section 4]. Without that noise the reference label is a pure
function of the ladder, which the default card reproduces, so every probability would be
0 or 1. The result is stored next to the card as ``<card>.calibration.json`` by
:func:`fit_calibration` (``save=True``); a test refits it and checks it is reproduced.

Checks on a fresh sample (:func:`calibration_metrics`) report the calibration intercept and
slope and the Brier score (Van Calster et al., BMC Med 2019); the Hosmer-Lemeshow test is
deliberately not used.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from scoring.engine.card import Card, calibration_path, load_card

__all__ = [
    "CALIBRATION_N",
    "CALIBRATION_SEED",
    "CALIBRATION_LABEL_NOISE",
    "EVALUATION_SEED",
    "needs_review",
    "fit_calibration",
    "write_calibrations",
    "risk_table",
    "calibration_bins",
    "calibration_metrics",
]

#: Size, seed and label noise of the synthetic sample every stored calibration is fitted on.
CALIBRATION_N = 200_000
CALIBRATION_SEED = 20240
CALIBRATION_LABEL_NOISE = 0.03
#: Seed of the fresh sample used to check a calibration (never used for fitting).
EVALUATION_SEED = 12345


def needs_review(triage: Any) -> np.ndarray:
    """True where a triage label is ``see_doctor`` or ``urgent`` (the calibrated outcome)."""
    values = pd.Series(triage).astype("str").to_numpy()
    return (values == "see_doctor") | (values == "urgent")


def _synthetic(n: int, seed: int, label_noise: float) -> pd.DataFrame:
    from scoring.engine.synth import generate_vignettes

    return generate_vignettes(n, seed=seed, label_noise=label_noise)


def _scored(card: Card, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Totals, red-flag masks and needs-review outcomes of a frame with a ``triage`` column."""
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    if "triage" not in frame.columns:
        raise ValueError("the frame needs a 'triage' column (reference labels) to calibrate against")
    validation = validate_frame(frame)
    if validation.n_rejected_rows:
        raise ValueError(f"{validation.summary()}: calibration needs every row valid")
    scores = card.score_frame(Features(validation.valid))
    return scores.totals, scores.red_flag_mask, needs_review(validation.valid["triage"])


def _fit_logistic(totals: np.ndarray, review_band: np.ndarray, outcome: np.ndarray) -> tuple[float, float, float]:
    """Intercept, slope per point and band step, with slope and step kept at 0 or above."""
    # Fit on the distinct (total, outcome) pairs weighted by their counts: the same estimate
    # as the row-level fit, from a few dozen rows instead of hundreds of thousands.
    columns = np.column_stack([totals, review_band.astype(np.int64), outcome.astype(np.int64)])
    pairs, counts = np.unique(columns, axis=0, return_counts=True)
    if len(np.unique(pairs[:, 2])) < 2:
        raise ValueError("every vignette has the same outcome: use label_noise > 0 or more data to calibrate")
    X, y = pairs[:, :2].astype(np.float64), pairs[:, 2]
    # Try both terms, then each alone; keep the first fit whose terms are all >= 0, so that
    # more points never mean a lower probability. A step needs both kinds of band present.
    candidates = [(0, 1), (1,), (0,)] if len(np.unique(X[:, 1])) == 2 else [(0,)]
    for use in candidates:
        model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000)
        model.fit(X[:, list(use)], y, sample_weight=counts)
        coefficients = dict(zip(use, model.coef_[0]))
        if all(value >= 0 for value in coefficients.values()):
            return float(model.intercept_[0]), float(coefficients.get(0, 0.0)), float(coefficients.get(1, 0.0))
    return float(np.log(y @ counts / ((1 - y) @ counts))), 0.0, 0.0


def fit_calibration(
    card: Card | str = "default",
    *,
    n: int = CALIBRATION_N,
    seed: int = CALIBRATION_SEED,
    label_noise: float = CALIBRATION_LABEL_NOISE,
    frame: pd.DataFrame | None = None,
    save: bool = False,
) -> dict[str, Any]:
    """Fit the points-to-probability mapping of a card on synthetic vignettes.

    Parameters
    ----------
    card : Card or str
        The card (or its name/path).
    n, seed, label_noise : int, int, float
        The synthetic sample (see :func:`scoring.engine.synth.generate_vignettes`); ignored when
        ``frame`` is given.
    frame : DataFrame, optional
        Vignettes with a reference ``triage`` column to fit on instead.
    save : bool
        Write the result to ``<card>.calibration.json`` next to the card file.

    Returns
    -------
    dict
        ``intercept``, ``slope``, ``red_flag_probability``, the card fingerprint, the data
        it came from, and per-total counts (``table``) for :func:`risk_table`.
    """
    card = load_card(card)
    data_info: dict[str, Any]
    if frame is None:
        from scoring.engine.synth import GENERATOR_VERSION

        frame = _synthetic(n, seed, label_noise)
        data_info = {
            "generator": "scoring.engine.synth.generate_vignettes",
            "generator_version": GENERATOR_VERSION,
            "n": n,
            "seed": seed,
            "label_noise": label_noise,
        }
    else:
        data_info = {"generator": "a frame given by the caller", "n": len(frame)}
    totals, masks, outcome = _scored(card, frame)
    flagged = masks != 0
    intercept, slope, band_step = _fit_logistic(totals[~flagged], card.review_band(totals[~flagged]), outcome[~flagged])
    n_flagged = int(flagged.sum())
    table = (
        pd.DataFrame({"points_total": totals[~flagged], "review": outcome[~flagged]})
        .groupby("points_total")["review"]
        .agg(["size", "sum"])
    )
    result: dict[str, Any] = {
        "card": card.name,
        "card_version": card.version,
        "card_fingerprint": card.fingerprint,
        "method": "logistic regression of needs-review on the points total and a step where the bands "
        "start recommending review, no penalty (scikit-learn), both terms kept >= 0, fitted on vignettes "
        "without a red flag",
        "outcome": "reference triage is see_doctor or urgent",
        "intercept": round(intercept, 6),
        "slope": round(slope, 6),
        "band_step": round(band_step, 6),
        "red_flag_probability": round(float(outcome[flagged].mean()), 6) if n_flagged else 1.0,
        "n_red_flag": n_flagged,
        "n_red_flag_review": int(outcome[flagged].sum()),
        "data": data_info,
        "table": [
            {"points_total": int(total), "n": int(row["size"]), "n_review": int(row["sum"])}
            for total, row in table.iterrows()
        ],
    }
    if save:
        if card.path is None:
            raise ValueError("this card has no file to save its calibration next to")
        path = calibration_path(card.path)
        path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def write_calibrations(names: list[str] | None = None) -> list[Path]:
    """Refit and write the calibration of every shipped card (or the cards named)."""
    from scoring.engine.card import list_cards

    paths = []
    for name in names or list_cards():
        card = load_card(name)
        fit_calibration(card, save=True)
        paths.append(calibration_path(card.path))  # type: ignore[arg-type]
    return paths


def _stored(card: Card) -> dict[str, Any]:
    if card.calibration is None:
        raise ValueError(
            f"card {card.name!r} has no calibration fitted for its current points; "
            "run scoring.engine.calibration.fit_calibration(card, save=True)"
        )
    return dict(card.calibration.data)


def risk_table(card: Card | str = "default", frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every total the card can give, with its probability and how often it occurred.

    Parameters
    ----------
    card : Card or str
    frame : DataFrame, optional
        Vignettes with a ``triage`` column to count; by default the counts stored with the
        calibration (its synthetic fitting sample).

    Returns
    -------
    DataFrame
        Indexed by ``points_total`` (from the card's minimum to its maximum): ``band``,
        ``recommendation`` (the band's, without red flags), ``probability`` (calibrated),
        ``n`` (vignettes without a red flag at that total) and ``observed`` (their share
        needing review; empty where ``n`` is 0).
    """
    card = load_card(card)
    totals = np.arange(card.min_total, card.max_total + 1)
    table = pd.DataFrame(
        {
            "band": [card.band_for_total(int(t)).name for t in totals],
            "recommendation": [card.band_for_total(int(t)).recommendation.value for t in totals],
            "probability": card.probability(totals, np.zeros(len(totals), dtype=np.uint64)),
        },
        index=pd.Index(totals, name="points_total"),
    )
    if frame is None:
        counts = pd.DataFrame(_stored(card)["table"]).set_index("points_total")
    else:
        t, masks, outcome = _scored(card, frame)
        keep = masks == 0
        counts = (
            pd.DataFrame({"points_total": t[keep], "review": outcome[keep]})
            .groupby("points_total")["review"]
            .agg(n="size", n_review="sum")
        )
    table["n"] = counts["n"].reindex(totals, fill_value=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["observed"] = counts["n_review"].reindex(totals, fill_value=0).to_numpy() / table["n"].to_numpy()
    return table


def calibration_bins(card: Card | str, frame: pd.DataFrame) -> pd.DataFrame:
    """Observed against predicted per points total (the natural bins of a points card).

    Vignettes with a red flag form one extra bin labelled ``"red flag"``.

    Returns
    -------
    DataFrame
        Columns ``bin``, ``n``, ``predicted`` (mean probability), ``observed`` (share needing
        review).
    """
    card = load_card(card)
    totals, masks, outcome = _scored(card, frame)
    predicted = card.probability(totals, masks)
    labels = np.where(masks != 0, "red flag", totals.astype(str))
    table = (
        pd.DataFrame(
            {"bin": labels, "total": np.where(masks != 0, card.max_total + 1, totals), "p": predicted, "y": outcome}
        )
        .groupby(["total", "bin"], sort=True)
        .agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
        .reset_index()
        .drop(columns="total")
    )
    return table


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def calibration_metrics(
    card: Card | str = "default",
    frame: pd.DataFrame | None = None,
    *,
    n: int = 100_000,
    seed: int = EVALUATION_SEED,
    label_noise: float = CALIBRATION_LABEL_NOISE,
) -> dict[str, float]:
    """How well the stored probabilities match a fresh sample.

    Parameters
    ----------
    card : Card or str
    frame : DataFrame, optional
        Vignettes with a ``triage`` column; by default a fresh synthetic sample
        (``n``, ``seed``, ``label_noise``), drawn with a seed never used for fitting.

    Returns
    -------
    dict
        ``n``; ``calibration_intercept`` (calibration-in-the-large: 0 is ideal, positive means
        the card underestimates the risk); ``calibration_slope`` (1 is ideal, below 1 means
        predictions too extreme); both from the rows without a red flag, which the logistic
        curve covers. ``brier`` over all rows (red-flag rows use their own probability) and
        ``brier_reference`` (always predicting the overall share, for comparison),
        ``observed`` and ``predicted_mean``.
    """
    card = load_card(card)
    if frame is None:
        frame = _synthetic(n, seed, label_noise)
    totals, masks, outcome = _scored(card, frame)
    predicted = card.probability(totals, masks)
    y = outcome.astype(np.float64)
    keep = masks == 0
    # Predictions take one value per total, so fit on grouped counts: a handful of rows
    # instead of the whole sample, with the same estimates.
    grouped = pd.DataFrame({"lp": _logit(predicted[keep]), "y": y[keep]}).groupby("lp")["y"].agg(["sum", "size"])
    lp, successes, size = grouped.index.to_numpy(), grouped["sum"].to_numpy(), grouped["size"].to_numpy()
    a = _weighted_logistic(lp, successes, size, with_slope=False)
    b = _weighted_logistic(lp, successes, size, with_slope=True)
    base = y.mean()
    return {
        "n": int(len(y)),
        "n_red_flag": int((~keep).sum()),
        "observed": float(base),
        "predicted_mean": float(predicted.mean()),
        "calibration_intercept": float(a[0]),
        "calibration_slope": float(b[1]),
        "brier": float(np.mean((predicted - y) ** 2)),
        "brier_reference": float(np.mean((base - y) ** 2)),
    }


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
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    if not np.all(np.isfinite(beta)):
        return np.full(design.shape[1], math.nan)
    return beta
