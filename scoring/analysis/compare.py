"""The risk models and the recommendation policies, compared on a fresh sample of a population.

Every model estimates the same thing, the risk of an outcome (``serious_cause``, the risk
policy's outcome) for a stated population (``community`` by default), and every policy turns
answers into what a person is told. :func:`compare_models` draws a fresh synthetic sample of
the population (seed 2026 by default: no model was fitted on it) and measures, in that
population:

* per **model** — the expert card (``default``), the learned card (``learned``), the tree,
  and gradient boosting on every encoded feature, a flexible reference that no person receives
  (:mod:`scoring.analysis.reference`) — the AUC with a bootstrap 95% interval, the
  calibration intercept and slope and the Brier score
  (:func:`scoring.engine.calibration.calibration_summary`), the ROC curve and a binned
  calibration curve;
* per **policy** — the guideline (the referral ladder with the expert card; the default and
  the safety floor), the risk policy on each card, and, for reference, the risk policy's
  thresholds on the tree's and the flexible reference's risks (red flags still urgent, as in
  every policy) — sensitivity, specificity, PPV and NPV of being referred (see a doctor or
  urgent) for the outcome, the share sent to each level, the outcomes referred, and how many
  motor-neuron-like and MS-like cases are sent to self-care (the target is none).

The cards' answers come from :func:`scoring.assess_frame`, so they are what a person receives.
Every model was fitted on the enriched learning population and its risks are moved to the
sample's population as the assessment moves them (prior shift, then the model's stored
recalibration for that population, fitted on another sample of it: never this one).

Compute here, render elsewhere: a :class:`Comparison` holds tidy tables;
:func:`render_comparison_text` prints them (``zaro compare``), :mod:`scoring.plots` draws them
and :func:`comparison_findings` reads them out in plain words. A comparison can be saved
(:meth:`Comparison.save`) and read back (:func:`load_comparison`, or
``compare_models(..., saved=path)``, which checks it was computed for the same arguments): a
report build computes it once for its index and hands the file to the notebooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.analysis._compare_text import comparison_findings, render_comparison_text
from scoring.analysis._comparison import (
    REFERENCE_MODEL,
    TREE_MODEL,
    Comparison,
    card_label,
    card_model_id,
    load_comparison,
)
from scoring.analysis.risk_metrics import (
    DEFAULT_RESAMPLES,
    calibration_curve,
    cause_table,
    model_table,
    policy_table,
    roc_points,
)
from scoring.contract.recommendation import Recommendation, values_to_levels

__all__ = [
    "DEFAULT_COMPARE_N",
    "DEFAULT_COMPARE_SEED",
    "DEFAULT_CARDS",
    "CALIBRATION_BINS",
    "REFERENCE_MODEL",
    "TREE_MODEL",
    "Comparison",
    "ScoredSample",
    "compare_models",
    "compare_frame",
    "compare_sample",
    "draw_sample",
    "score_sample",
    "load_comparison",
    "render_comparison_text",
    "comparison_findings",
    "card_model_id",
    "card_label",
]

#: A seed no model was fitted with (the data set: 7; calibrations: 20240; the reference: 20250).
DEFAULT_COMPARE_SEED = 2026
#: Large enough for a few thousand serious causes in the community population.
DEFAULT_COMPARE_N = 200_000
#: The expert card and the card learned from the data.
DEFAULT_CARDS: tuple[str, ...] = ("default", "learned")
#: Bins of each model's calibration curve.
CALIBRATION_BINS = 10


# --------------------------------------------------------------------------------------
# Computing
# --------------------------------------------------------------------------------------


def _risk_policy() -> Any:
    from scoring.engine.policies import load_policies

    return next(p for p in load_policies().values() if p.kind == "risk")


def _levels(column: pd.Series) -> np.ndarray:
    return values_to_levels(column.to_numpy(dtype=object)).astype(np.int8)


def _thresholds_with_red_flags(policy: Any, risk: np.ndarray, red_flag: np.ndarray) -> np.ndarray:
    """What the risk policy would answer with ``risk`` in place of the card's: red flags stay urgent."""
    return np.where(red_flag, np.int8(Recommendation.URGENT.level), policy.risk_levels(risk)).astype(np.int8)


def _red_flags(scored: pd.DataFrame, card: Any) -> np.ndarray:
    """Any red flag, the ladder's or the card's: the rows every policy sends to urgent."""
    from scoring.assessment import guideline_red_flags
    from scoring.contract.features import Features

    features = Features(scored)
    return np.asarray(guideline_red_flags(features), dtype=bool) | (card.score_frame(features).red_flag_mask != 0)


@dataclass(frozen=True, eq=False)  # arrays do not compare with ==
class ScoredSample:
    """Vignettes of a population with every model's risk and every policy's answer.

    What :func:`compare_frame` measures, kept so that other measurements (the evaluation of
    :mod:`scoring.evaluate`) read the same sample without scoring it again.

    Attributes
    ----------
    scored : DataFrame
        The first card's assessment (:func:`scoring.assess_frame` with ``extra="keep"``): every
        vignette's columns, the guideline's and the risk policy's answers, the tree's risk.
    population, outcome : str
        Whom the vignettes describe, and what the risks are of (the risk policy's outcome).
    risks : dict of str to ndarray
        Model id (``default_card``, ..., ``tree``, ``flexible_reference``) to its risk per row.
    levels : dict of str to ndarray
        Policy id (``guideline``, ``risk_default_card``, ...) to its level per row (int8).
    model_labels : dict of str to str
    policy_rows : dict of str to dict
        Per policy: ``label``, ``model`` (whose risk it reads) and ``reference`` (no person
        receives it).
    cards : tuple of Card
        The compared cards, the guideline's first.
    tree : bool
        Whether the tree was scored.
    reference : dict
        The flexible reference's fitting sample (empty without it).
    seed : int or None
        The sample's seed (None for a frame passed in).
    """

    scored: pd.DataFrame
    population: str
    outcome: str
    risks: dict[str, np.ndarray]
    levels: dict[str, np.ndarray]
    model_labels: dict[str, str]
    policy_rows: dict[str, dict[str, Any]]
    cards: tuple[Any, ...]
    tree: bool
    reference: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None

    @property
    def outcome_array(self) -> np.ndarray:
        """Whether each vignette has the outcome (bool)."""
        from scoring.engine.risk import outcome_labels

        return np.asarray(outcome_labels(self.scored, self.outcome), dtype=bool)

    @property
    def policy_labels(self) -> dict[str, str]:
        """Policy id to its display label."""
        return {policy: row["label"] for policy, row in self.policy_rows.items()}


def score_sample(
    frame: pd.DataFrame,
    *,
    population: Any = "community",
    cards: Sequence[Any] = DEFAULT_CARDS,
    tree: Any = "default",
    reference: bool = True,
    seed: int | None = None,
) -> ScoredSample:
    """Score vignettes of ``population`` with every model and policy that :func:`compare_frame` compares.

    Parameters are those of :func:`compare_frame` (``seed`` is only recorded).

    Returns
    -------
    ScoredSample

    Raises
    ------
    ValueError
        As :func:`compare_frame`.
    """
    from scoring.assessment import assess_frame, risk_column
    from scoring.engine.card import load_card
    from scoring.engine.combine import combine_levels
    from scoring.engine.populations import load_population
    from scoring.engine.tree import resolve_tree

    if not cards:
        raise ValueError("cards is empty: name at least one card (the first is the guideline's expert card)")
    if "latent_cause" not in frame.columns:
        raise ValueError(
            "the frame has no 'latent_cause' column: a comparison needs each vignette's hidden cause "
            "(generated vignettes have it; see scoring.engine.synth.generate_vignettes)"
        )
    target = load_population(population)
    policy = _risk_policy()
    outcome = policy.outcome
    the_cards = [load_card(card) for card in cards]
    for card in the_cards:
        if card.calibration is None or card.calibration.outcome != outcome:
            found = "no calibration" if card.calibration is None else f"a calibration to {card.calibration.outcome!r}"
            raise ValueError(
                f"card {card.name!r} has {found}; the comparison needs every card calibrated to {outcome!r} "
                f"(the risk policy's outcome): run scoring.engine.calibration.fit_calibration({card.name!r}, save=True)"
            )
    the_tree = resolve_tree(tree)

    risks: dict[str, np.ndarray] = {}
    levels: dict[str, np.ndarray] = {}
    model_labels: dict[str, str] = {}
    policy_rows: dict[str, dict[str, Any]] = {}
    # The first card's assessment carries the tree, the guideline and every vignette's columns.
    scored = assess_frame(
        frame, card=the_cards[0], tree=the_tree, population=target, policy=policy, extra="keep"
    ).scored
    expert = card_model_id(the_cards[0].name)
    # What a person is told under the default guideline policy: the guideline's own answer, never
    # below the floor or the card's band (scoring.engine.combine; the tree counts only under a
    # risk policy). Under the risk policy, ``recommendation`` is what a person is told.
    levels["guideline"], _ = combine_levels(
        {
            "policy": _levels(scored["guideline_recommendation"]),
            "floor": _levels(scored["floor_recommendation"]),
            "card": _levels(scored["card_recommendation"]),
        }
    )
    policy_rows["guideline"] = {"label": f"Guideline ({card_label(the_cards[0].name).lower()})", "model": expert}
    for k, card in enumerate(the_cards):
        assessed = (
            scored
            if k == 0
            else assess_frame(frame, card=card, tree=the_tree, population=target, policy=policy, extra="keep").scored
        )
        model = card_model_id(card.name)
        model_labels[model] = card_label(card.name)
        risks[model] = assessed[risk_column(outcome)].to_numpy(dtype=np.float64)
        levels[f"risk_{model}"] = _levels(assessed["recommendation"])
        policy_rows[f"risk_{model}"] = {"label": f"Risk policy, {model_labels[model].lower()}", "model": model}
    red_flag = _red_flags(scored, the_cards[0])
    if the_tree is not None:
        risks[TREE_MODEL] = scored[f"tree_{risk_column(the_tree.outcome)}"].to_numpy(dtype=np.float64)
        model_labels[TREE_MODEL] = "Decision tree"
    fitted: dict[str, Any] = {}
    if reference:
        from scoring.analysis.reference import fit_reference_model

        regression = fit_reference_model(outcome)
        risks[REFERENCE_MODEL] = regression.risk_in_population(scored, target)
        model_labels[REFERENCE_MODEL] = regression.label
        fitted = {"n": regression.n, "seed": regression.seed, "population": regression.population}
    for model in (TREE_MODEL, REFERENCE_MODEL):
        if model in risks:
            levels[f"risk_{model}"] = _thresholds_with_red_flags(policy, risks[model], red_flag)
            policy_rows[f"risk_{model}"] = {
                "label": f"Risk thresholds, {model_labels[model].lower()}",
                "model": model,
                "reference": True,
            }
    return ScoredSample(
        scored=scored,
        population=target.id,
        outcome=outcome,
        risks=risks,
        levels=levels,
        model_labels=model_labels,
        policy_rows=policy_rows,
        cards=tuple(the_cards),
        tree=the_tree is not None,
        reference=fitted,
        seed=seed,
    )


def draw_sample(
    population: Any = "community",
    n: int = DEFAULT_COMPARE_N,
    seed: int = DEFAULT_COMPARE_SEED,
    *,
    cards: Sequence[Any] = DEFAULT_CARDS,
    tree: Any = "default",
    reference: bool = True,
) -> ScoredSample:
    """A fresh synthetic sample of a population, scored by every model and policy (:func:`score_sample`)."""
    from scoring.engine.populations import load_population
    from scoring.engine.synth import generate_vignettes

    target = load_population(population)
    frame = generate_vignettes(n, seed=seed, population=target.id)
    return score_sample(frame, population=target, cards=cards, tree=tree, reference=reference, seed=seed)


def compare_frame(
    frame: pd.DataFrame,
    *,
    population: Any = "community",
    cards: Sequence[Any] = DEFAULT_CARDS,
    tree: Any = "default",
    reference: bool = True,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> Comparison:
    """Compare the models and policies on vignettes of ``population`` with a known ``latent_cause``.

    Parameters
    ----------
    frame : DataFrame
        Vignettes of ``population`` with their ``latent_cause`` (as generated).
    population : str or Population, default "community"
        Whom the vignettes describe: every risk is moved there and every policy reads it.
    cards : sequence of str or Card, default ("default", "learned")
        The first is the expert card the guideline uses; each needs a calibration to
        ``outcome``.
    tree : str, tree or None, default "default"
        As for :func:`scoring.assessment.assess_frame`; None leaves the tree out.
    reference : bool, default True
        Include the flexible reference (gradient boosting).
    resamples : int, default 1000
        Bootstrap resamples of each AUC interval.
    seed : int, optional
        Seeds the bootstrap (2026 when None) and is recorded in the result.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Naming what is missing: no card, no ``latent_cause`` column, a card without a
        calibration or calibrated to another outcome, a sample without the outcome.
    """
    sample = score_sample(frame, population=population, cards=cards, tree=tree, reference=reference, seed=seed)
    return compare_sample(sample, resamples=resamples)


def compare_sample(sample: ScoredSample, *, resamples: int = DEFAULT_RESAMPLES) -> Comparison:
    """The comparison of a scored sample (:func:`score_sample`, :func:`draw_sample`).

    The bootstrap is seeded by the sample's seed (2026 when it has none).
    """
    from scoring.engine.synth import CAUSES

    y = sample.outcome_array
    risks, levels, model_labels, policy_rows = sample.risks, sample.levels, sample.model_labels, sample.policy_rows
    causes = sample.scored["latent_cause"].astype(str).to_numpy()
    boot_seed = DEFAULT_COMPARE_SEED if sample.seed is None else sample.seed
    models = model_table(risks, y, labels=model_labels, resamples=resamples, seed=boot_seed)
    policies = policy_table(levels, y, causes=causes, labels=sample.policy_labels)
    policies.insert(1, "model", [policy_rows[p]["model"] for p in policies.index])
    policies.insert(2, "reference", [bool(policy_rows[p].get("reference", False)) for p in policies.index])
    return Comparison(
        models=models,
        policies=policies,
        roc=_long({m: roc_points(r, y) for m, r in risks.items()}, model_labels),
        calibration=_long({m: calibration_curve(r, y, bins=CALIBRATION_BINS) for m, r in risks.items()}, model_labels),
        by_cause=cause_table(levels, causes, order=CAUSES),
        population=sample.population,
        outcome=sample.outcome,
        n=int(len(sample.scored)),
        n_outcome=int(y.sum()),
        seed=sample.seed,
        resamples=int(resamples),
        cards={card.name: card.fingerprint for card in sample.cards},
        tree=sample.tree,
        reference=dict(sample.reference),
    )


def _long(tables: dict[str, pd.DataFrame], labels: dict[str, str]) -> pd.DataFrame:
    """Per-model tables stacked into one, with the model's id and label in front."""
    parts = [table.assign(model=model, label=labels[model]) for model, table in tables.items()]
    stacked = pd.concat(parts, ignore_index=True)
    return stacked[["model", "label", *[c for c in stacked.columns if c not in ("model", "label")]]]


def compare_models(
    population: Any = "community",
    n: int = DEFAULT_COMPARE_N,
    seed: int = DEFAULT_COMPARE_SEED,
    *,
    cards: Sequence[Any] = DEFAULT_CARDS,
    tree: Any = "default",
    reference: bool = True,
    resamples: int = DEFAULT_RESAMPLES,
    saved: str | Path | None = None,
) -> Comparison:
    """Draw a fresh synthetic sample of a population and compare the models and policies on it.

    Parameters
    ----------
    population : str or Population, default "community"
        Whom the sample describes (``community`` or ``enriched``).
    n : int, default 200000
    seed : int, default 2026
        No model was fitted on a sample with this seed; it also seeds the bootstrap.
    cards, tree, reference, resamples
        As for :func:`compare_frame`.
    saved : str or Path, optional
        A comparison written by :meth:`Comparison.save` for these same arguments: it is read
        instead of computed again (a report build passes the one its index shows).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        If ``saved`` was computed for another population, sample size, seed, card, tree or
        number of resamples.

    Examples
    --------
    >>> result = compare_models(n=20_000, cards=("default",), tree=None)    # doctest: +SKIP
    >>> result.never_self_care["guideline"]                                 # doctest: +SKIP
    0
    """
    from scoring.engine.populations import load_population

    target = load_population(population)
    if saved is not None:
        wanted = _wanted(target.id, n, seed, cards, tree, reference, resamples)
        return _checked(load_comparison(saved), saved, wanted)
    sample = draw_sample(target, n, seed, cards=cards, tree=tree, reference=reference)
    return compare_sample(sample, resamples=resamples)


def _wanted(
    population: str, n: int, seed: int, cards: Sequence[Any], tree: Any, reference: bool, resamples: int
) -> dict[str, Any]:
    from scoring.engine.card import load_card

    the_cards = [load_card(card) for card in cards]
    return {
        "population": population,
        "n": n,
        "seed": seed,
        "resamples": resamples,
        "cards": {card.name: card.fingerprint for card in the_cards},
        "tree": tree is not None,
        "reference": reference,
    }


def _checked(comparison: Comparison, path: str | Path, wanted: dict[str, Any]) -> Comparison:
    """``comparison`` if it was computed for these arguments; else a ValueError naming the difference."""
    found = {name: getattr(comparison, name) for name in wanted}
    found["reference"] = bool(comparison.reference)
    # Cards in order: the first one is the guideline's, so ("strict", "default") is another comparison.
    ordered = {name: list(value.items()) if isinstance(value, dict) else value for name, value in found.items()}
    different = [
        f"{name} {found[name]!r} (asked for {value!r})"
        for name, value in wanted.items()
        if ordered[name] != (list(value.items()) if isinstance(value, dict) else value)
    ]
    if different:
        raise ValueError(
            f"the saved comparison {str(path)!r} was computed for other arguments: "
            + "; ".join(different)
            + ". Pass saved=None to compute it, or save one for these arguments."
        )
    return comparison
