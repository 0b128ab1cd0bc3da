"""Combining red flags, the points card, the tree and a recommendation policy into one :class:`Assessment`.

The per-model result types (:class:`~scoring.results.CardView`,
:class:`~scoring.results.TreeView`, :class:`~scoring.results.RiskEstimate`,
:class:`~scoring.results.PolicyResult`) live in :mod:`scoring.results`; this module owns the
combined :class:`Assessment` (a frozen dataclass with ``to_dict()`` for JSON).

Every assessment reports, side by side:

* the **guideline** answer (policy ``guideline``, the default and the safety floor): the
  referral ladder (``scoring/definitions/triage.toml``: any red flag → urgent, any reason to
  see a GP → see a doctor, otherwise self-care), also urgent when a red flag of the loaded
  card fires. No card can make it less cautious than the ladder; the card's points estimate
  a risk and its bands are the card's own view, shown beside it;
* the **risk** of the outcome (``serious_cause``) for a stated population (``community`` by
  default), from the card's calibrated total moved there by prior shift, and the tree's risk
  as a second opinion;
* the **risk policy**'s answer (policy ``risk``): urgent on any red flag, with its time frame;
  otherwise the policy's thresholds on the card's risk (``scoring/definitions/policies.toml``).

The recommendation a person receives is the answer of the policy asked for (``policy=``,
the guideline by default). The tree no longer enters it: it estimates the same risk from
different rules, so a reader sees where the two models agree and where they do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from scoring.contract.recommendation import (
    LEVELS,
    TIMEFRAMES,
    Recommendation,
    most_urgent_timeframe,
)
from scoring.engine.combine import SOURCES, URGENT, combine_levels, counted_sources, not_followed_text
from scoring.results import (
    Band,
    CardView,
    ItemScore,
    PolicyResult,
    RedFlag,
    RiskEstimate,
    TreeModel,
    TreeStep,
    TreeView,
    fields_dict,
)
from scoring.wording import how_soon_text, risk_percent

if TYPE_CHECKING:  # the engine imports pandas/scikit-learn: load it only when assessing.
    from collections.abc import Mapping

    from scoring.contract.features import Features
    from scoring.engine.card import Card
    from scoring.engine.policies import Policy
    from scoring.engine.populations import Population

__all__ = [
    "ItemScore",
    "RedFlag",
    "Band",
    "CardView",
    "TreeStep",
    "TreeView",
    "TreeModel",
    "RiskEstimate",
    "PolicyResult",
    "Assessment",
    "AssessedFrame",
    "assess",
    "assess_frame",
    "card_risk_age_band",
    "combine_frame",
    "guideline_red_flags",
    "risk_column",
    "triage_agreement",
]


# --------------------------------------------------------------------------------------
# The parts: ladder, risks, policies
# --------------------------------------------------------------------------------------


def guideline_red_flags(features: Any) -> Any:
    """Which ``urgent`` rules of the reference ladder fire: the floor no card can remove.

    Parameters
    ----------
    features : Features or dict
        A frame's :class:`~scoring.contract.features.Features`, or one vignette encoded by
        :func:`~scoring.contract.features.encode_vignette`.

    Returns
    -------
    tuple of str, or ndarray of bool
        For one vignette, the ids of the rules that fire; for a frame, a mask of the rows
        where any fires.
    """
    from scoring.engine.ladder import red_flag_rules, red_flags_fired

    if isinstance(features, dict):
        return tuple(rule.id for rule in red_flag_rules() if bool(rule.condition.evaluate(features)))
    return red_flags_fired(features)


def _ladder_encoded(encoded: dict[str, float]) -> tuple[int, tuple[Any, ...]]:
    """The ladder's level for one encoded vignette and the rules that fired (ladder order)."""
    from scoring.engine.ladder import load_triage_ladder

    fired = tuple(rule for rule in load_triage_ladder() if bool(rule.condition.evaluate(encoded)))
    level = max((LEVELS.index(rule.level) for rule in fired), default=0)
    return level, fired


def _population(population: Any) -> Population:
    from scoring.engine.populations import load_population

    return load_population(population)


def _policies(policy: Any) -> tuple[Policy, Policy]:
    """The chosen policy and the risk policy every assessment also reports."""
    from scoring.engine.policies import load_policies, load_policy

    chosen = load_policy(policy)
    risk = chosen if chosen.kind == "risk" else next(p for p in load_policies().values() if p.kind == "risk")
    return chosen, risk


def _guideline_policy(chosen: Policy) -> Policy:
    """The guideline policy an assessment reports: the chosen one, or the default under the risk policy."""
    from scoring.engine.policies import load_policy

    return chosen if chosen.kind == "guideline" else load_policy()


def _card_levels(
    card: Card, features: Any, levels: Any, risk_policy: Policy | None = None, population: Population | None = None
) -> np.ndarray:
    """The card's level per row, never below the level of the card it names in ``never_below``.

    Under the risk policy (``risk_policy`` and ``population`` given) the other card's level
    includes the policy's reading of its risk, so a card that is never below another gives no
    answer less cautious than that card would under the same policy (its risks are its own).
    """
    levels = np.asarray(levels, dtype=np.int8)
    if card.never_below is None:
        return levels
    other = _card(card.never_below)
    scores = other.score_frame(features)
    levels = np.maximum(levels, np.asarray(scores.level, dtype=np.int8))
    if risk_policy is not None and population is not None and other.calibration is not None:
        risk = _card_risk(other, scores.totals, scores.red_flag_mask, population, features["age"])
        levels = np.maximum(levels, _risk_levels(risk_policy, risk, levels))
    return levels


def _floor() -> Any:
    from scoring.engine.policies import load_floor

    return load_floor()


def _rules_read(guide: Policy) -> tuple[Any, ...]:
    """Every rule an assessment reads, once each: the ladder's, the floor's and the guideline policy's."""
    from scoring.engine.ladder import load_triage_ladder

    rules = {rule.id: rule for rule in (*load_triage_ladder(), *_floor().rules, *guide.rules)}
    return tuple(rules.values())


def _urgent_rules(guide: Policy) -> tuple[Any, ...]:
    """The urgent rules whose time frames an answer reads: the floor's (every red flag) and the policy's."""
    rules = {rule.id: rule for rule in (*_floor().rules, *guide.rules) if rule.level == Recommendation.URGENT.value}
    return tuple(rules.values())


def _labels(outcome: str, population: Population) -> tuple[str, str]:
    from scoring.engine.risk import load_outcomes

    return load_outcomes()[outcome].label, population.label


def _card_risk(card: Card, totals: Any, masks: Any, population: Population, age: Any = None) -> np.ndarray:
    from scoring.engine.calibration import card_risk

    return card_risk(card, totals, masks, population, age)


def _tree_risks_and_levels(
    tree: TreeModel, features: Features, population: Population, risk_policy: Policy
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's tree risk in ``population`` and the risk policy's level for it.

    A tree that tells each row's leaf (``apply``) and its nodes' risks (``tree_structure``,
    as the shipped tree does) has every node's risk moved and levelled once per age band
    (each band has its own recalibration), then looked up by band and leaf: the same doubles
    as moving each row's risk, for a gather's cost.
    """
    from scoring.engine.risk._transport import AGE_BAND_STARTS, age_band_index

    age = features["age"]
    apply, structure = getattr(tree, "apply", None), getattr(tree, "tree_structure", None)
    if apply is None or structure is None:
        risk = _tree_risk(tree, tree.predict_risk(features), population, age)
        return risk, risk_policy.risk_levels(risk)
    trained = np.asarray(structure().risk, dtype=np.float64)
    node_risk = np.stack([_tree_risk(tree, trained, population, start) for start in AGE_BAND_STARTS])
    node_levels = np.stack([np.asarray(risk_policy.risk_levels(risk)) for risk in node_risk])
    leaves, band = apply(features), age_band_index(age)
    return node_risk[band, leaves], node_levels[band, leaves]


def _tree_risk(tree: TreeModel, risk_trained: Any, population: Population, age: Any = None) -> np.ndarray:
    from scoring.engine.risk import risk_in_population

    return risk_in_population(
        risk_trained,
        outcome=tree.outcome,
        population=population,
        trained_on=tree.population,
        transport=getattr(tree, "transport", None),
        age=age,
    )


def _estimate(
    probability: float, trained: float, outcome: str, population: Population, model: str, model_label: str, on: str
) -> RiskEstimate:
    outcome_label, population_label = _labels(outcome, population)
    return RiskEstimate(
        probability=float(probability),
        outcome=outcome,
        outcome_label=outcome_label,
        population=population.id,
        population_label=population_label,
        model=model,
        model_label=model_label,
        trained_on=on,
        probability_trained=float(trained),
    )


def _risk_levels(policy: Policy, risk: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """The policy's level per risk; ``fallback`` (the guideline's) where there is no estimate."""
    levels = policy.risk_levels(np.nan_to_num(risk, nan=0.0))
    return np.where(np.isnan(risk), fallback, levels).astype(np.int8)


def _timeframe_codes(
    card: Card,
    masks: Any,
    fired: Mapping[str, np.ndarray],
    level: np.ndarray,
    risk_policy: Policy,
    urgent_rules: tuple[Any, ...],
) -> np.ndarray:
    """Per row, the position in ``TIMEFRAMES`` of how soon to get help (-1 for none), as :func:`assess` says it.

    The most urgent time frame of the red flags that fired (the card's, from their bits in
    ``masks``, and ``urgent_rules``, from ``fired``: rule id to where it fires); for an urgent
    answer without one (a high risk, or a card band or tree level of urgent), the risk
    policy's urgent threshold's.
    """
    codes = np.full(len(level), -1, dtype=np.int8)
    masks = np.asarray(masks, dtype=np.uint64)
    flags = [((masks >> np.uint64(bit)) & np.uint64(1)) != 0 for bit in range(len(card.red_flags))]
    frames = [flag.timeframe for flag in card.red_flags]
    for rule in urgent_rules:
        flags.append(fired[rule.id])
        frames.append(rule.timeframe)
    for mask, frame in zip(flags, frames):
        if frame is not None:
            codes = np.where(mask, np.maximum(codes, np.int8(TIMEFRAMES.index(frame))), codes)
    high = risk_policy.threshold_for(Recommendation.URGENT)
    if high is not None and high.timeframe is not None:
        urgent = (codes < 0) & (np.asarray(level) == URGENT)
        codes = np.where(urgent, np.int8(TIMEFRAMES.index(high.timeframe)), codes)
    return codes


def risk_column(outcome: str) -> str:
    """The name of :func:`assess_frame`'s risk column for an outcome, e.g. ``risk_serious_cause``."""
    return f"risk_{outcome}"


# --------------------------------------------------------------------------------------
# The combination, for many vignettes at once
# --------------------------------------------------------------------------------------


def combine_frame(
    features: Any,
    scores: Any,
    card: Card,
    tree: TreeModel | None,
    *,
    population: Any = None,
    policy: Any = None,
) -> dict[str, Any]:
    """Every policy's answer, the floor, every risk and what a person is told, for many vignettes.

    Parameters
    ----------
    features : Features
        The vignettes' features.
    scores : CardScores
        ``card.score_frame(features)``.
    card : Card
    tree : TreeModel or None
    population, policy : str, optional
        As for :func:`assess`.

    Returns
    -------
    dict of arrays (one entry per row)
        ``card`` (the card's level: its band, or urgent on a card red flag), ``ladder`` (the
        referral ladder's level), ``floor`` (the floor's level), ``red_flag`` (any red flag,
        the floor's or the card's), ``risk`` (the card's risk in the population; NaN without
        calibration), ``card_risk_level`` (the risk policy's thresholds on that risk, red flags
        left out, as the tree's level is), ``guideline`` (the guideline policy's own level: the
        chosen one, or the default under the risk policy), ``risk_policy`` (the risk policy's
        own level), ``policy`` (the chosen policy's own level), ``tree_risk`` and ``tree`` (the
        tree's risk and the risk policy's level for it; None without a tree), ``combined``
        (what a person is told: :func:`scoring.engine.combine.combine_levels` of the policy,
        the floor, the card and the tree, int8), ``decided_by`` (position in
        :data:`~scoring.engine.combine.SOURCES` of what decided it) and ``timeframe`` (how
        soon, as a position in ``TIMEFRAMES``; -1 for none).
    """
    from scoring.engine.combine import combine_levels
    from scoring.engine.ladder import levels_of_rules, load_triage_ladder, rules_fired

    target = _population(population)
    chosen, risk_policy = _policies(policy)
    guide, floor = _guideline_policy(chosen), _floor()
    n = len(features)
    card_levels = _card_levels(card, features, scores.level, *((risk_policy, target) if chosen.kind == "risk" else ()))
    # Every rule evaluated once: for the ladder, the floor, the policy and the time frames.
    fired = rules_fired(features, _rules_read(guide))
    ladder = levels_of_rules(load_triage_ladder(), fired, n)
    floor_levels = levels_of_rules(floor.rules, fired, n)
    card_flagged = np.asarray(scores.red_flag_mask) != 0
    urgent = np.int8(URGENT)
    # A guideline policy: its rules' highest level, made urgent by a red flag of the loaded card too.
    guideline = np.where(card_flagged, urgent, levels_of_rules(guide.rules, fired, n)).astype(np.int8)
    red_flag = card_flagged | (floor_levels == urgent)
    risk = _card_risk(card, scores.totals, scores.red_flag_mask, target, features["age"])
    by_risk = _risk_levels(risk_policy, risk, guideline)
    risk_levels = np.where(red_flag, urgent, by_risk).astype(np.int8)
    result: dict[str, Any] = {
        "card": card_levels,
        "ladder": ladder,
        "floor": floor_levels,
        "red_flag": red_flag,
        "risk": risk,
        "card_risk_level": by_risk,
        "guideline": guideline,
        "risk_policy": risk_levels,
        "policy": guideline if chosen.kind == "guideline" else risk_levels,
        "tree_risk": None,
        "tree": None,
    }
    if tree is not None:
        result["tree_risk"], result["tree"] = _tree_risks_and_levels(tree, features, target, risk_policy)
    counted = counted_sources(chosen.kind)
    result["combined"], result["decided_by"] = combine_levels(
        {
            "policy": result["policy"],
            "floor": floor_levels,
            "card": card_levels,
            "tree": result["tree"] if "tree" in counted else None,
        }
    )
    result["timeframe"] = _timeframe_codes(
        card, scores.red_flag_mask, fired, result["combined"], risk_policy, _urgent_rules(guide)
    )
    return result


# --------------------------------------------------------------------------------------
# One vignette
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """One vignette assessed by the points card (with its red flags), the tree and the policies.

    Attributes
    ----------
    vignette : Vignette
        The validated input.
    recommendation : Recommendation
        What the person is told: the most cautious of the floor, the answer of ``policy`` (``nhs``
        by default), the card's level and the tree's level
        (:func:`scoring.engine.combine.combine_levels`).
    card : CardView
        The points card's view.
    tree : TreeView or None
        The tree's view (its ``recommendation`` is what the risk policy says for the tree's
        risk), or None when assessed without a tree.
    agree : bool
        Whether the card's risk and the tree's risk lead the risk policy to the same answer
        (True without a tree).
    disagreement : str or None
        When they differ: the two risks, what each leads to, and the tree's rules.
    advice : str
        Advice for ``recommendation``.
    notice : str
        The educational-use notice (``scoring.NOTICE``).
    guideline_red_flags : tuple of str
        Ids of the reference ladder's ``urgent`` rules that fire; any makes every policy's
        answer urgent whatever card is loaded.
    timeframe : str or None
        How soon to get help when the answer is urgent: the most urgent time frame of the
        red flags that fired (the card's and the ladder's), or the risk policy's for a high
        risk; None otherwise.
    timeframe_advice : str
        What to do in that time frame ('' when there is none).
    population : str
        The population the risks are stated for (``community`` by default).
    policy : str
        The id of the policy whose answer is ``recommendation``.
    risk : RiskEstimate or None
        The card's risk of its outcome in ``population``; None for a card without calibration.
    tree_risk : RiskEstimate or None
        The tree's risk of its outcome in ``population``; None without a tree.
    guideline : PolicyResult or None
        What the guideline policy says, and why: the chosen one (``nhs`` or ``ng127``), or the
        default (``nhs``) under the risk policy.
    risk_policy : PolicyResult or None
        What the risk policy says, and why.
    floor : PolicyResult or None
        What the floor says (NG127's must-refers and the red flags), and which of its rules apply.
    decided_by : str
        Which level the answer follows (one of :data:`scoring.engine.combine.SOURCES`: the
        ``policy``, the ``floor``, the ``card`` or the ``tree``); the first of them, in that
        order, whose level the answer is.
    not_followed : tuple of str
        One line per level shown and not followed (the policy's own, the card's, the tree's:
        lower than the answer), saying what the answer follows instead.
    """

    vignette: Any
    recommendation: Recommendation
    card: CardView
    tree: TreeView | None
    agree: bool
    disagreement: str | None
    advice: str
    notice: str
    guideline_red_flags: tuple[str, ...] = ()
    timeframe: str | None = None
    timeframe_advice: str = ""
    population: str = ""
    policy: str = ""
    risk: RiskEstimate | None = None
    tree_risk: RiskEstimate | None = None
    guideline: PolicyResult | None = None
    risk_policy: PolicyResult | None = None
    floor: PolicyResult | None = None
    decided_by: str = "policy"
    not_followed: tuple[str, ...] = ()

    @property
    def set_by_floor(self) -> bool:
        """Whether the floor set the answer (it raised it above the policy's own and the models')."""
        return self.decided_by == "floor"

    @property
    def red_flags(self) -> tuple[RedFlag, ...]:
        """Red flags of the card that fired."""
        return self.card.red_flags

    @property
    def points_total(self) -> int:
        """The card's points total."""
        return self.card.points_total

    @property
    def probability(self) -> float:
        """The card's risk of its outcome in the stated population (NaN without calibration)."""
        return math.nan if self.risk is None else self.risk.probability

    @property
    def policies_differ(self) -> bool:
        """Whether the guideline and the risk policy give different answers."""
        return (
            self.guideline is not None
            and self.risk_policy is not None
            and self.guideline.recommendation is not self.risk_policy.recommendation
        )

    def summary(self) -> str:
        """The assessment as plain text: recommendation, reasons, risks, advice and the notice."""
        source = (
            "set by the floor"
            if self.set_by_floor
            else f"{self.policy} policy" + ("" if self.decided_by == "policy" else f", raised by the {self.decided_by}")
        )
        lines = [f"Recommendation: {self.recommendation.label} ({self.recommendation.value}; {source})"]
        if self.timeframe is not None:
            lines.append(how_soon_text(self.timeframe, self.timeframe_advice))
        for result in (self.guideline, self.risk_policy):
            if result is not None:
                lines.append(f"{result.label}: {result.recommendation.value}; " + "; ".join(result.reasons))
        if self.risk is not None:
            lines.append(f"Risk (card): {self.risk.text()}")
        if self.tree_risk is not None:
            lines.append(f"Risk (tree): {self.tree_risk.text()}")
        card = self.card
        lines.append(
            f"Points card ({card.card_name} {card.card_version}): {card.points_total} points, "
            f"band '{card.band.name}' -> {card.recommendation.value}"
        )
        for item in card.items:
            lines.append(f"  {item.points:+d}  {item.label}")
        if card.red_flags:
            lines.append("Red flags (urgent whatever the total):")
            lines.extend(f"  !  {flag.label}" for flag in card.red_flags)
        if self.tree is not None:
            lines.append(f"Decision tree: {self.tree.recommendation.value}")
            lines.extend(f"  {step.text}" for step in self.tree.path)
        if self.disagreement:
            lines.append(f"Card and tree differ: {self.disagreement}")
        if self.floor is not None:
            lines.append(f"{self.floor.label}: {self.floor.recommendation.value}; " + "; ".join(self.floor.reasons))
        lines.extend(self.not_followed)
        lines.append(f"Advice: {self.advice}")
        lines.append(self.notice)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The assessment as plain JSON-ready values (the vignette as its contract dict)."""
        data = fields_dict(self)
        data["vignette"] = self.vignette.to_dict()
        return data


def _card(card: Card | str) -> Card:
    from scoring.engine.card import load_card

    return load_card(card)


#: ``tree=`` value meaning the shipped tree (scoring/models/tree.skops, loaded once).
DEFAULT_TREE = "default"


def _tree(tree: TreeModel | str | None) -> TreeModel | None:
    """``"default"`` → the shipped tree, loaded once and cached; ``None`` → card only."""
    if tree is None:
        return None
    from scoring.engine.tree import resolve_tree

    return resolve_tree(tree)


def _disagreement(risk: RiskEstimate | None, tree_risk: RiskEstimate, card_level: int, tree: TreeView) -> str:
    """Why card and tree differ, in words: their risks, where each leads, and the tree's rules."""
    card_risk = "no risk estimate" if risk is None else risk_percent(risk.probability)
    tree_reasons = "; ".join(step.text for step in tree.path) or "the root leaf"
    return (
        f"the card's risk {card_risk} leads to {LEVELS[card_level]}; the tree's risk "
        f"{risk_percent(tree_risk.probability)} leads to {tree.recommendation.value} ({tree_reasons})"
    )


def _guideline_result(policy: Policy, level: int, ladder_rules: tuple[Any, ...], card: CardView) -> PolicyResult:
    reasons = [f"{rule.description.rstrip('.')} ({rule.level})" for rule in ladder_rules]
    # A card red flag the ladder also names (in the same words) is listed once.
    named = {rule.description.rstrip(".").casefold() for rule in ladder_rules}
    reasons += [f"card red flag: {flag.label.lower()}" for flag in card.red_flags if flag.label.casefold() not in named]
    if not reasons:
        reasons.append("no warning sign and no reason to see a doctor")
    return PolicyResult(policy.id, policy.label, Recommendation.from_level(level), tuple(dict.fromkeys(reasons)))


def _risk_result(policy: Policy, level: int, red_flags: list[str], risk: RiskEstimate | None) -> PolicyResult:
    recommendation = Recommendation.from_level(level)
    if red_flags:
        reasons = [f"red flag: {text}" for text in red_flags]
    elif risk is None or math.isnan(risk.probability):
        reasons = ["no risk estimate for this card: the guideline's answer"]
    else:
        chance = risk_percent(risk.probability)
        reached = [t for t in policy.thresholds if risk.probability >= t.at_least]
        if reached:
            t = reached[-1]
            reasons = [
                f"risk {chance} is at least {risk_percent(t.at_least)} (harm to benefit {t.harm_to_benefit}) "
                f"in {_lower_first(risk.population_label)}"
            ]
        else:
            first = policy.thresholds[0]
            reasons = [
                f"risk {chance} is below {risk_percent(first.at_least)} in {_lower_first(risk.population_label)}"
            ]
    return PolicyResult(policy.id, policy.label, recommendation, tuple(reasons))


def _lower_first(text: str) -> str:
    """'Adults who notice twitching' as it reads inside a sentence."""
    return text[:1].lower() + text[1:]


def _timeframe(card: CardView, rules: list[Any]) -> tuple[str | None, str]:
    """The most urgent time frame of the fired red flags (the card's and the urgent rules') and its advice.

    The advice joins, without repeats, the card's wording for its flags in that time frame,
    then the rules' wording for theirs.
    """
    pairs = [(flag.timeframe, flag.advice) for flag in card.red_flags if flag.timeframe is not None]
    pairs += [(rule.timeframe, rule.advice) for rule in rules if rule.timeframe is not None]
    timeframe = most_urgent_timeframe(frame for frame, _ in pairs)
    advice = dict.fromkeys(text for frame, text in pairs if frame == timeframe and text)
    return timeframe, " ".join(advice)


def _advice(card: Card, view: CardView, recommendation: Recommendation, red_flag: bool) -> str:
    """Advice for the answer given, in the card's words."""
    if recommendation is view.recommendation:
        return view.advice
    if recommendation is Recommendation.URGENT and not red_flag and card.tree_urgent_advice:
        # No red flag fired: a high risk made it urgent, so the red-flag wording ("a warning
        # sign is present") would not be true.
        return card.tree_urgent_advice
    return card.advice_for(recommendation)


def assess(
    vignette: Any,
    *,
    card: Card | str = "default",
    tree: TreeModel | str | None = DEFAULT_TREE,
    population: Population | str | None = None,
    policy: Policy | str | None = None,
) -> Assessment:
    """Assess one vignette: card, red flags, tree, risks for a population, and both policies.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
        Anything :func:`scoring.contract.schema.validate_vignette` accepts.
    card : Card or str, optional
        A card or a card name/path for :func:`scoring.engine.card.load_card` (``"default"``,
        ``"learned"``, ``"strict"`` or a file).
    tree : TreeModel, "default", path or None, default "default"
        ``"default"`` uses the shipped tree (loaded once); ``None`` assesses without one.
    population : str or Population, optional
        Whom the risks are stated for: ``"community"`` (the default) or ``"enriched"``
        (``scoring/definitions/populations.toml``).
    policy : str or Policy, optional
        Whose answer is the recommendation: ``"guideline"`` (the default, the referral ladder
        and the card, never less cautious than the ladder) or ``"risk"``.

    Returns
    -------
    Assessment

    Raises
    ------
    VignetteError
        When the vignette does not meet the contract.
    PopulationError, PolicyError
        For an unknown population or policy name.

    Examples
    --------
    >>> a = assess({"age": 25, "duration_weeks": 1, "frequency": "daily",
    ...             "severity": "minor", "locations": "eyelid", "caffeine_mg_per_day": 500})
    >>> a.recommendation.value, a.risk.population
    ('self_care', 'community')
    """
    from scoring.contract.features import encode_vignette
    from scoring.contract.schema import validate_vignette
    from scoring.wording import NOTICE

    the_card = _card(card)
    the_tree = _tree(tree)
    target = _population(population)
    chosen, risk_policy = _policies(policy)
    guide, floor = _guideline_policy(chosen), _floor()
    validated = validate_vignette(vignette)
    encoded = encode_vignette(validated)
    score = the_card.score_encoded(encoded)
    card_view = the_card.view(score)
    fired_ids = {rule.id for rule in _rules_read(guide) if bool(rule.condition.evaluate(encoded))}
    guide_rules = tuple(rule for rule in guide.rules if rule.id in fired_ids)
    floor_rules = tuple(rule for rule in floor.rules if rule.id in fired_ids)
    fired = tuple(rule.id for rule in _urgent_rules(guide) if rule.id in fired_ids)
    guideline_level = URGENT if score.red_flag_mask else _highest(guide_rules)
    floor_level = _highest(floor_rules)
    mask = np.array([score.red_flag_mask], dtype=np.uint64)

    risk = None
    if the_card.calibration is not None:
        calibration = the_card.calibration
        risk = _estimate(
            _card_risk(the_card, [score.total], mask, target, [encoded["age"]])[0],
            the_card.probability([score.total], mask)[0],
            calibration.outcome,
            target,
            f"card:{the_card.name}",
            f"{the_card.name} card {the_card.version}",
            calibration.population,
        )
    urgent_rules = [rule for rule in _urgent_rules(guide) if rule.id in fired_ids]
    # Each red flag once, by one label: the card's and the ladder's urgent rules share their words.
    red_flags = [flag.label.lower() for flag in card_view.red_flags]
    red_flags += [rule.description.rstrip(".").lower() for rule in urgent_rules]
    red_flags = list(dict.fromkeys(red_flags))
    if red_flags:
        risk_level = URGENT
    elif risk is None:
        risk_level = guideline_level
    else:
        risk_level = int(risk_policy.risk_levels(risk.probability))

    tree_view, tree_risk = None, None
    if the_tree is not None:
        view = the_tree.explain_encoded(encoded)
        moved = float(_tree_risk(the_tree, view.probability, target, encoded["age"]))
        tree_risk = _estimate(
            moved, view.probability, the_tree.outcome, target, "tree", "decision tree", the_tree.population
        )
        tree_view = replace(view, recommendation=Recommendation.from_level(int(risk_policy.risk_levels(moved))))

    # Agreement compares like with like: the risk policy's thresholds on each model's risk.
    card_risk_level = guideline_level if risk is None else int(risk_policy.risk_levels(risk.probability))
    agree = tree_view is None or tree_view.recommendation.level == card_risk_level
    guideline_result = _guideline_result(guide, guideline_level, guide_rules, card_view)
    risk_result = _risk_result(risk_policy, risk_level, red_flags, risk)
    chosen_result = guideline_result if chosen.kind == "guideline" else risk_result
    card_level = card_view.recommendation.level
    if the_card.never_below is not None:  # never below the card it names (strict: default), one rule
        features = {name: np.asarray([value]) for name, value in encoded.items()}
        below = (risk_policy, target) if chosen.kind == "risk" else ()
        card_level = int(_card_levels(the_card, features, [card_level], *below)[0])
    counted = counted_sources(chosen.kind)
    shown = {
        "policy": chosen_result.recommendation.level,
        "floor": floor_level,
        "card": card_level,
        "tree": None if tree_view is None or "tree" not in counted else tree_view.recommendation.level,
    }
    told, decided = combine_levels({name: None if level is None else [level] for name, level in shown.items()})
    level, decided_by = int(told[0]), SOURCES[int(decided[0])]
    recommendation = Recommendation.from_level(level)
    floor_result = _floor_result(floor, floor_level, floor_rules)
    why = {
        "policy": "; ".join(chosen_result.reasons),
        "floor": "; ".join(floor_result.reasons),
        "card": _card_why(card_view)
        + (
            f" (never below the {the_card.never_below} card under the same policy)"
            if the_card.never_below is not None and card_level > card_view.recommendation.level
            else ""
        ),
        "tree": "" if tree_view is None or tree_risk is None else _tree_why(tree_risk),
    }
    not_followed = tuple(
        not_followed_text(
            name, int(shown_level), level, decided_by, why[decided_by], {"policy": f"the {chosen.id} policy"}
        )
        for name, shown_level in shown.items()
        if name != "floor" and shown_level is not None and shown_level < level
    )
    timeframe, timeframe_advice = _timeframe(card_view, urgent_rules)
    if timeframe is None and recommendation is Recommendation.URGENT:
        high = risk_policy.threshold_for(Recommendation.URGENT)
        timeframe = None if high is None else high.timeframe
    advice = _advice(the_card, card_view, recommendation, bool(red_flags))
    if recommendation is Recommendation.SELF_CARE:
        advice = _self_care_advice(advice, fired_ids)
    return Assessment(
        vignette=validated,
        recommendation=recommendation,
        card=card_view,
        tree=tree_view,
        agree=agree,
        disagreement=None if agree else _disagreement(risk, tree_risk, card_risk_level, tree_view),  # type: ignore[arg-type]
        advice=advice,
        notice=NOTICE,
        guideline_red_flags=fired,
        timeframe=timeframe,
        timeframe_advice=timeframe_advice,
        population=target.id,
        policy=chosen.id,
        risk=risk,
        tree_risk=tree_risk,
        guideline=guideline_result,
        risk_policy=risk_result,
        floor=floor_result,
        decided_by=decided_by,
        not_followed=not_followed,
    )


def _highest(rules: tuple[Any, ...]) -> int:
    """The highest level of the rules that fired (self-care when none did)."""
    return max((LEVELS.index(rule.level) for rule in rules), default=Recommendation.SELF_CARE.level)


def _floor_result(floor: Any, level: int, rules: tuple[Any, ...]) -> PolicyResult:
    reasons = [rule.description.rstrip(".") for rule in rules] or ["none of the floor's rules applies"]
    return PolicyResult("floor", floor.label, Recommendation.from_level(level), tuple(reasons))


def _card_why(card: CardView) -> str:
    if card.red_flags:
        return "card red flag: " + "; ".join(flag.label.lower() for flag in card.red_flags)
    return f"{card.points_total} points, band '{card.band.name}'"


def _tree_why(tree_risk: RiskEstimate) -> str:
    return f"its risk {risk_percent(tree_risk.probability)} in {_lower_first(tree_risk.population_label)}"


def _self_care_advice(advice: str, fired_ids: set[str]) -> str:
    """Self-care advice ending with the reasons for a routine GP check the person does not have.

    The reasons are the see-a-doctor rules of the default (most cautious) policy; those that
    apply to the person are left out, so the text never lists one of them as a reason to see a
    doctor while advising self-care.
    """
    from scoring.engine.policies import load_policy
    from scoring.wording import routine_check_text

    reasons = [
        rule.description for rule in load_policy().rules if rule.level == "see_doctor" and rule.id not in fired_ids
    ]
    return " ".join(part for part in (advice, routine_check_text(reasons)) if part)


def load_guideline() -> Policy:
    """The default guideline policy (``nhs``: the NHS page's advice, the referral ladder)."""
    from scoring.engine.policies import load_policy

    return load_policy()


# --------------------------------------------------------------------------------------
# Assessing a frame
# --------------------------------------------------------------------------------------

_LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)
_TIMEFRAME_DTYPE = pd.CategoricalDtype(list(TIMEFRAMES), ordered=True)
_SOURCE_DTYPE = pd.CategoricalDtype(list(SOURCES))


def _levels_column(levels: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(levels, dtype=np.int8), dtype=_LEVEL_DTYPE)


@dataclass
class AssessedFrame:
    """The outcome of :func:`assess_frame`: scored rows, rejected rows, nothing lost.

    Attributes
    ----------
    scored : DataFrame
        The valid input rows (canonical dtypes, original index, metadata columns kept) with
        ``points_total``, ``band``, ``red_flags`` (';'-joined flag ids, '' for none),
        ``card_recommendation`` (band, or urgent with a red flag), ``risk_<outcome>`` (the
        card's risk in the population; NaN without calibration), ``guideline_recommendation``
        (the guideline policy's own answer), ``risk_policy_recommendation``,
        ``floor_recommendation`` (the floor's), ``recommendation`` (what a person is told: the
        most cautious of the chosen policy, the floor, the card and the tree), ``decided_by``
        (``policy``, ``floor``, ``card`` or ``tree``: what the answer follows; ``floor`` when
        the floor set it) and
        ``timeframe`` (how soon, as :attr:`Assessment.timeframe`; missing unless urgent); with a
        tree also ``tree_risk_<outcome>``, ``tree_recommendation`` (the risk policy on the
        tree's risk) and ``agree``.
    rejected : DataFrame
        One line per problem, as :func:`scoring.contract.schema.validate_frame` reports it.
    n_input : int
        Rows in the input.
    n_rejected : int
        Rows rejected (a row with two problems counts once): ``n_input == len(scored) + n_rejected``.
    card : Card
        The card applied.
    population, policy : str
        The population the risks are for and the policy whose answer is ``recommendation``.
    """

    scored: pd.DataFrame
    rejected: pd.DataFrame
    n_input: int
    n_rejected: int
    card: Card
    population: str = ""
    policy: str = ""

    def summary(self) -> str:
        """One line: rows read, scored, rejected."""
        return f"{self.n_input} rows read, {len(self.scored)} scored, {self.n_rejected} rejected"


def assess_frame(
    frame: pd.DataFrame,
    *,
    card: Card | str = "default",
    tree: TreeModel | str | None = DEFAULT_TREE,
    population: Population | str | None = None,
    policy: Policy | str | None = None,
    extra: Literal["error", "keep", "drop"] = "error",
) -> AssessedFrame:
    """Validate and assess every row of a frame, column by column (no loop over rows).

    Parameters
    ----------
    frame : DataFrame
        One vignette per row (contract fields; metadata columns are carried along).
    card, tree, population, policy
        As for :func:`assess`.
    extra : {"error", "keep", "drop"}
        Columns that are neither contract fields nor metadata, as in
        :func:`scoring.contract.schema.validate_frame`.

    Returns
    -------
    AssessedFrame
        Gives, row for row, the same results as :func:`assess` on each vignette (tested).

    Raises
    ------
    VignetteError
        For problems with the frame as a whole (a missing required column, unknown columns).
    """
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    the_card = _card(card)
    the_tree = _tree(tree)
    target = _population(population)
    chosen, _ = _policies(policy)
    validation = validate_frame(frame, extra=extra)
    valid = validation.valid
    features = Features(valid)
    scores = the_card.score_frame(features)
    codes, names = the_card.flag_text(scores.red_flag_mask)
    combined = combine_frame(features, scores, the_card, the_tree, population=target, policy=chosen)
    outcome = the_card.calibration.outcome if the_card.calibration is not None else "serious_cause"
    columns: dict[str, Any] = {
        "points_total": scores.totals,
        "band": pd.Categorical.from_codes(scores.band_index, categories=[b.name for b in the_card.bands]),
        "red_flags": pd.Categorical.from_codes(codes, categories=names),
        "card_recommendation": _levels_column(scores.level),
        risk_column(outcome): combined["risk"],
    }
    if the_tree is not None:
        columns[f"tree_{risk_column(the_tree.outcome)}"] = combined["tree_risk"]
        columns["tree_recommendation"] = _levels_column(combined["tree"])
        columns["agree"] = combined["tree"] == combined["card_risk_level"]
    columns["guideline_recommendation"] = _levels_column(combined["guideline"])
    columns["risk_policy_recommendation"] = _levels_column(combined["risk_policy"])
    columns["floor_recommendation"] = _levels_column(combined["floor"])
    columns["recommendation"] = _levels_column(combined["combined"])
    columns["decided_by"] = pd.Categorical.from_codes(combined["decided_by"], dtype=_SOURCE_DTYPE)
    columns["timeframe"] = pd.Categorical.from_codes(combined["timeframe"], dtype=_TIMEFRAME_DTYPE)
    # ``valid`` is a new frame from validate_frame; assign() adds the result columns without
    # copying the input columns (copy-on-write), unlike a concat.
    scored = valid.assign(**columns)
    return AssessedFrame(
        scored=scored,
        rejected=validation.rejected,
        n_input=validation.n_input,
        n_rejected=validation.n_rejected_rows,
        card=the_card,
        population=target.id,
        policy=chosen.id,
    )


# --------------------------------------------------------------------------------------
# Agreement with a reference triage
# --------------------------------------------------------------------------------------


def triage_agreement(reference: Any, predicted: Any) -> pd.DataFrame:
    """Agreement of predicted recommendations with a reference triage, per reference level.

    The table of :func:`scoring.engine.metrics.agreement_table` (one home for the metrics):
    one row per reference level plus ``all``; columns ``n``, ``correct``, ``under_triage``,
    ``over_triage`` and the counts ``n_correct``, ``n_under``, ``n_over``.

    Examples
    --------
    >>> float(triage_agreement(["self_care", "urgent"], ["see_doctor", "urgent"]).loc["all", "correct"])
    0.5
    """
    from scoring.engine.metrics import agreement_table

    return agreement_table(reference, predicted)


def card_risk_age_band(assessment: Assessment, card: Card | str | None = None) -> str | None:
    """The age band whose recalibration gave the assessment's card risk (None: the whole population's).

    Pages that state the risk name the band, so the figure is the one in the risk table's
    column for that band (:func:`scoring.engine.calibration.risk_table`).

    Parameters
    ----------
    assessment : Assessment
    card : Card or str, optional
        The card assessed with; by default the shipped card the assessment names.

    Returns
    -------
    str or None
        The band's label, e.g. ``"50–64"``.
    """
    from scoring.engine.calibration import risk_age_band

    if assessment.risk is None:
        return None
    return risk_age_band(
        card if card is not None else assessment.card.card_name, assessment.population, assessment.vignette.age
    )
