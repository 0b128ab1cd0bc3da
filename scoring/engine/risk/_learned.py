"""The shipped learned card: fitted, sized, banded and calibrated by one reproducible recipe.

:func:`fit_learned_card` is what ``zaro fit`` runs to rebuild ``scoring/cards/learned.toml``
and its ``learned.calibration.json``:

1. draw ``n`` vignettes of the training population (``enriched``) with a fixed seed, and keep
   those without a red flag of the base card (the default card): a red flag decides the
   answer whatever the total, so the points only matter, and are only fitted, where none holds;
2. fit integer scores of every size up to ``max_items`` on the binary features
   (:func:`scoring.engine.risk.fit_integer_scores`, one beam search for all sizes);
3. choose the size: the smallest whose AUC on a second, held-out enriched sample is within
   ``tolerance`` of the largest size's, with red-flag vignettes at their observed share (as the
   card treats them);
4. calibrate the card as every card is calibrated
   (:func:`scoring.engine.calibration.fit_calibration`), place its bands at the risk policy's
   thresholds on the calibrated risk in the stated population (``community``), write the card,
   and save its calibration next to it.

Nothing in it depends on the date, the machine's thread count or the order of dictionaries:
the same recipe and zaro version give the same bytes.
"""

from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring._paths import CARDS_DIR, DEFAULT_CARD
from scoring.engine.risk._binary import BINARY_FEATURES, BinaryFeature, binarize
from scoring.engine.risk._card_file import write_learned_card
from scoring.engine.risk._integer_score import IntegerScore, fit_integer_scores
from scoring.engine.risk._outcomes import outcome_labels

__all__ = [
    "LEARNED_CARD",
    "LearnedCardRecipe",
    "LearnedCardFit",
    "feature_direction",
    "fit_learned_card",
    "held_out_auc",
]

#: The shipped learned card's name (``scoring/cards/learned.toml``).
LEARNED_CARD = "learned"


@dataclass(frozen=True)
class LearnedCardRecipe:
    """Every choice that decides the learned card's bytes.

    Attributes
    ----------
    name : str
        The card's name and file stem.
    outcome : str
        What the points predict.
    n, seed : int
        The fitting sample (enriched population).
    check_n, check_seed : int
        The held-out sample that chooses the number of items (never used for fitting).
    max_items : int
        Sizes 1 to ``max_items`` are fitted; the card has at most this many items.
    coef_bounds : (int, int)
        Lowest and highest points of an item.
    beam_size : int
        Supports kept per size in the beam search.
    tolerance : float
        The chosen size is the smallest whose held-out AUC is within this of ``max_items``'s.
    base_card : str
        The card whose red flags (and advice) the learned card copies.
    policy : str
        The risk policy whose thresholds place the bands.
    population : str
        The population whose risk places the bands.
    calibration_n, calibration_seed : int, optional
        The calibration sample; None for :func:`scoring.engine.calibration.fit_calibration`'s
        defaults, as for every card.
    version : str
        The card's version.
    """

    name: str = LEARNED_CARD
    outcome: str = "serious_cause"
    n: int = 50_000
    seed: int = 20250
    check_n: int = 50_000
    check_seed: int = 20251
    max_items: int = 8
    coef_bounds: tuple[int, int] = (-5, 5)
    beam_size: int = 10
    tolerance: float = 0.005
    base_card: str = DEFAULT_CARD
    policy: str = "risk"
    population: str = "community"
    calibration_n: int | None = None
    calibration_seed: int | None = None
    version: str = "1.0"

    def __post_init__(self) -> None:
        whole = ("n", "seed", "check_n", "check_seed", "max_items", "beam_size", "calibration_n", "calibration_seed")
        for name in whole:
            value = getattr(self, name)
            if value is None and name.startswith("calibration"):
                continue
            smallest = 0 if name.endswith("seed") else 1
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < smallest:
                raise ValueError(
                    f"LearnedCardRecipe.{name} must be a whole number of {smallest} or more, got {value!r}"
                )
        if not 0.0 <= self.tolerance < 1.0:
            raise ValueError(
                f"LearnedCardRecipe.tolerance must be an AUC difference from 0 to 1, got {self.tolerance!r}"
            )
        if not self.name or "/" in self.name or "\\" in self.name:
            raise ValueError(f"LearnedCardRecipe.name must be a file stem such as 'learned', got {self.name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (for records and messages)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class LearnedCardFit:
    """What :func:`fit_learned_card` fitted and wrote.

    Attributes
    ----------
    recipe : LearnedCardRecipe
    score : IntegerScore
        The chosen score (its probabilities are FasterRisk's own, on the fitting rows).
    sizes : DataFrame
        One row per size ``k``: ``items`` (how many scored), ``held_out_auc``, ``chosen``.
    n_fitted : int
        Fitting vignettes without a red flag (the rows the points were fitted on).
    card_path, calibration_path : Path
        The files written.
    calibration : dict
        The calibration as saved.
    """

    recipe: LearnedCardRecipe
    score: IntegerScore
    sizes: pd.DataFrame
    n_fitted: int
    card_path: Path
    calibration_path: Path
    calibration: dict[str, Any]

    @property
    def k(self) -> int:
        """The chosen size."""
        return int(self.sizes.loc[self.sizes["chosen"], "k"].iloc[0])


def feature_direction(feature: BinaryFeature) -> int:
    """+1 if the feature can only turn true as a vignette worsens, -1 if only false, 0 if neither.

    From the encoding's ``worse`` (:class:`scoring.contract.features.FeatureSpec`): a yes/no
    feature takes its own; a cut ``x > c`` or ``x >= c`` takes the feature's, ``x < c`` the
    opposite; ``sex == male`` has no order.
    """
    from scoring.contract.features import feature_spec

    name = feature.condition.split()[0]
    if name == "sex":
        return 0
    worse = feature_spec(name).worse
    if feature.condition == name:
        return worse
    return -worse if " <" in feature.condition else worse


def held_out_auc(score: IntegerScore, x: np.ndarray, y: np.ndarray, flagged: np.ndarray, flag_risk: float) -> float:
    """AUC of a score used as a card: its risk where no red flag holds, ``flag_risk`` where one does.

    Parameters
    ----------
    score : IntegerScore
    x : ndarray of bool
        Binary features (:func:`scoring.engine.risk.binarize`) of the held-out rows.
    y, flagged : ndarray of bool
        The outcome and whether a red flag holds, per row.
    flag_risk : float
        The risk a red-flag row gets (e.g. the observed share among fitting red-flag rows).
    """
    from sklearn.metrics import roc_auc_score

    risk = np.where(flagged, flag_risk, score.predict_proba(x))
    return float(roc_auc_score(y, risk))


def _sample(n: int, seed: int, base: Any, outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Binary features, outcome and red-flag rows of ``n`` enriched vignettes."""
    from scoring.contract.features import Features
    from scoring.engine.populations import TRAINING_POPULATION
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(n, seed=seed, population=TRAINING_POPULATION)
    features = Features(frame)
    flagged = base.score_frame(features).red_flag_mask != 0
    return binarize(features), np.asarray(outcome_labels(frame, outcome), dtype=bool), flagged


def _sizes(
    scores: dict[int, IntegerScore],
    check: tuple[np.ndarray, np.ndarray, np.ndarray],
    flag_risk: float,
    tolerance: float,
) -> pd.DataFrame:
    x, y, flagged = check
    aucs = {k: held_out_auc(score, x, y, flagged, flag_risk) for k, score in scores.items()}
    largest = max(aucs)
    chosen = min(k for k, auc in aucs.items() if auc >= aucs[largest] - tolerance)
    return pd.DataFrame(
        {
            "k": list(aucs),
            "items": [len(scores[k].points) for k in aucs],
            "held_out_auc": list(aucs.values()),
            "chosen": [k == chosen for k in aucs],
        }
    )


def _notes(
    recipe: LearnedCardRecipe, fit: dict[str, Any], sizes: pd.DataFrame, score: IntegerScore, n_fitted: int
) -> list[str]:
    """The header of the card file: how it was made, in words that never change by themselves (no date)."""
    from scoring.engine.synth import GENERATOR_VERSION

    k = int(sizes.loc[sizes["chosen"], "k"].iloc[0])
    largest = int(sizes["k"].max())
    by_size = ", ".join(f"k={row.k} {row.held_out_auc:.4f}" for row in sizes.itertuples())
    sign = "-" if score.intercept < 0 else "+"
    low, high = recipe.coef_bounds
    paragraphs = [
        "Made by `zaro fit` (scoring.engine.risk.fit_learned_card); refit rather than edit by hand: the same "
        "recipe and zaro version give the same bytes.",
        f"Method: the FasterRisk method (Liu et al., NeurIPS 2022) written in numpy: sparse beam search (beam "
        f"{recipe.beam_size}), then star-ray search for whole points from {low:+d} to {high:+d}. Signs are "
        "constrained: a warning sign, a place, more weeks, strength or frequency never subtracts points and "
        "'eyelid only' never adds them (a feature fitted with the wrong sign is left out and the card refitted).",
        f"Outcome: {recipe.outcome}.",
        f"Data: {recipe.n:,} synthetic vignettes of the enriched population (scoring.engine.synth."
        f"generate_vignettes, generator version {GENERATOR_VERSION}, seed {recipe.seed}). The points were fitted "
        f"on the {n_fitted:,} of them without a red flag of the {recipe.base_card} card, since a red flag decides "
        "the answer whatever the total.",
        f"Size: every k from 1 to {largest} items was fitted. Held-out AUC on {recipe.check_n:,} more enriched "
        f"vignettes (seed {recipe.check_seed}), red-flag vignettes at their observed share: {by_size}. k = {k} "
        f"is the smallest k within {recipe.tolerance:g} of k = {largest}.",
        f"The score's own risk on its fitting vignettes (FasterRisk's multiplier): 1 / (1 + exp(-(total {sign} "
        f"{abs(score.intercept)}) / {score.multiplier:.4f})). The risks zaro shows come from "
        f"{recipe.name}.calibration.json, fitted like every card's ({fit['data']['n']:,} enriched vignettes, "
        f"seed {fit['data']['seed']}).",
        f"Red flags: the {recipe.base_card} card's rules, copied as data. They decide `urgent` whatever the "
        "total and stay outside the sum.",
        f"Bands: the {recipe.policy} policy's thresholds (scoring/definitions/policies.toml) on the calibrated "
        f"risk in the {recipe.population} population (see the description below).",
    ]
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, 96, break_on_hyphens=False), ""]
    return lines[:-1]


def _risk_of_total(fit: dict[str, Any], population: str) -> Any:
    """The calibrated risk per total (no red flag) moved to ``population`` as the card's risks are.

    That is prior shift, then the calibration's stored recalibration for ``population``
    (:func:`scoring.engine.calibration.card_risk` does the same for a loaded card).
    """
    from scoring.engine.risk._transport import risk_in_population

    def risk(totals: np.ndarray) -> np.ndarray:
        trained = 1.0 / (1.0 + np.exp(-(fit["intercept"] + fit["slope"] * np.asarray(totals, dtype=np.float64))))
        return risk_in_population(
            trained,
            outcome=fit["outcome"],
            population=population,
            trained_on=fit["population"],
            transport=fit.get("transport"),
        )

    return risk


def fit_learned_card(folder: str | Path | None = None, recipe: LearnedCardRecipe | None = None) -> LearnedCardFit:
    """Fit the learned card and write ``<name>.toml`` and ``<name>.calibration.json``.

    Parameters
    ----------
    folder : str or Path, optional
        Where to write (created if missing); the shipped cards' folder by default, which
        rebuilds ``scoring/cards/learned.toml`` and its calibration byte for byte.
    recipe : LearnedCardRecipe, optional
        The shipped recipe by default.

    Returns
    -------
    LearnedCardFit

    Examples
    --------
    >>> fit = fit_learned_card("out")  # doctest: +SKIP
    >>> fit.k, fit.score.points  # doctest: +SKIP
    """
    from scoring.engine.calibration import fit_calibration
    from scoring.engine.card import calibration_path, load_card

    recipe = recipe or LearnedCardRecipe()
    target = Path(folder) if folder is not None else CARDS_DIR
    base = load_card(recipe.base_card)
    x, y, flagged = _sample(recipe.n, recipe.seed, base, recipe.outcome)
    check = _sample(recipe.check_n, recipe.check_seed, base, recipe.outcome)
    if not flagged.any() or flagged.all():
        raise ValueError(f"the fitting sample of {recipe.n} vignettes needs rows with and without a red flag; raise n")
    # Sign constraints: a feature that can only be more worrying when present (a warning sign,
    # a place added, longer, stronger, more often) never subtracts points, and a reassuring one
    # (``eyelid_only``) never adds them, so no single worsening lowers the total. A feature the
    # fit gives the wrong sign is left out (its column emptied) and the card refitted, until
    # the chosen card has none.
    directions = np.array([feature_direction(feature) for feature in BINARY_FEATURES])
    excluded: set[int] = set()
    while True:
        fitting = x[~flagged].copy()
        fitting[:, sorted(excluded)] = False
        scores = fit_integer_scores(
            fitting,
            y[~flagged],
            sizes=range(1, recipe.max_items + 1),
            coef_bounds=recipe.coef_bounds,
            beam_size=recipe.beam_size,
            feature_names=[f.name for f in BINARY_FEATURES],
            outcome=recipe.outcome,
        )
        sizes = _sizes(scores, check, float(y[flagged].mean()), recipe.tolerance)
        score = scores[int(sizes.loc[sizes["chosen"], "k"].iloc[0])]
        wrong = {i for i, points in zip(score.feature_indices, score.points) if directions[i] * points < 0}
        if not wrong:
            break
        excluded |= wrong
    n_fitted = int((~flagged).sum())
    options = {"outcome": recipe.outcome, "base_card": recipe.base_card, "version": recipe.version}
    calibration: dict[str, Any] = {"outcome": recipe.outcome}
    calibration |= {"n": recipe.calibration_n} if recipe.calibration_n is not None else {}
    calibration |= {"seed": recipe.calibration_seed} if recipe.calibration_seed is not None else {}
    # The calibration does not depend on the bands, and the bands are placed on the
    # calibration: fit it once on a card with provisional bands, then write the real card.
    with tempfile.TemporaryDirectory(prefix="zaro-learned-") as scratch:
        draft = write_learned_card(score, Path(scratch) / f"{recipe.name}.toml", name=recipe.name, **options)
        draft_fit = fit_calibration(load_card(draft), **calibration)
    target.mkdir(parents=True, exist_ok=True)
    # The old calibration was fitted for the old card: remove it, so the new card is never
    # read with it (the loader would warn and drop it); the new one is written below.
    calibration_path(target / f"{recipe.name}.toml").unlink(missing_ok=True)
    card_path = write_learned_card(
        score,
        target / f"{recipe.name}.toml",
        name=recipe.name,
        risk_of_total=_risk_of_total(draft_fit, recipe.population),
        population=recipe.population,
        policy=recipe.policy,
        notes=_notes(recipe, draft_fit, sizes, score, n_fitted),
        **options,
    )
    card = load_card(card_path)
    saved = fit_calibration(card, save=True, **calibration)
    return LearnedCardFit(recipe, score, sizes, n_fitted, card_path, calibration_path(card_path), saved)
