"""Combining red flags, the points card and the decision tree into one :class:`Assessment`.

The per-model result types (:class:`~scoring.results.CardView`,
:class:`~scoring.results.TreeView`) live in :mod:`scoring.results`; this module owns the
combined :class:`Assessment` (a frozen dataclass with ``to_dict()`` for JSON).

The combination rule follows the project's safety principles:

* any red flag makes the card's recommendation ``urgent``, whatever the points;
* the combined recommendation is the most cautious of the card's, the tree's monotone
  envelope (``envelope_levels``: the tree's own leaf, raised to the highest leaf that a
  less worrying version of the same answers reaches) and the guideline floor (``urgent``
  whenever an ``urgent`` rule of the reference ladder fires, whatever card is loaded); so it
  is never less cautious than the card, and adding a warning sign, a location, more weeks,
  more severity or more frequency never lowers it;
* by default (``tree="default"``) the shipped tree is used, loaded once per process;
  without a tree (``tree=None``) the combined recommendation is the card's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from scoring.contract.recommendation import (
    LEVELS,
    Recommendation,
    more_cautious,
    most_urgent_timeframe,
)
from scoring.results import (
    Band,
    CardView,
    ItemScore,
    RedFlag,
    TreeModel,
    TreeStep,
    TreeView,
    fields_dict,
)
from scoring.wording import how_soon_text

if TYPE_CHECKING:  # the engine imports pandas/scikit-learn: load it only when assessing.
    from scoring.engine.card import Card

__all__ = [
    "ItemScore",
    "RedFlag",
    "Band",
    "CardView",
    "TreeStep",
    "TreeView",
    "TreeModel",
    "Assessment",
    "AssessedFrame",
    "assess",
    "assess_frame",
    "combine_levels",
    "combine_frame",
    "guideline_red_flags",
    "triage_agreement",
]


# --------------------------------------------------------------------------------------
# The combination
# --------------------------------------------------------------------------------------


def combine_levels(card_levels: Any, tree_levels: Any | None, floor_levels: Any | None = None) -> Any:
    """The combined level: the most cautious of the card's, the tree's and the guideline floor.

    Works on ints or integer arrays. ``tree_levels=None`` (no tree) and ``floor_levels=None``
    leave those out. The card's level already includes its red flags, so the result is never
    below the card's and is ``urgent`` whenever a red flag fired. Pass the tree's envelope
    (``envelope_levels``), not its leaf levels, to keep the result monotone.
    """
    levels = [level for level in (card_levels, tree_levels, floor_levels) if level is not None]
    return more_cautious(*levels) if len(levels) > 1 else card_levels


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
    from scoring.engine.synth import load_triage_ladder

    rules = [rule for rule in load_triage_ladder() if rule.level == Recommendation.URGENT.value]
    if isinstance(features, dict):
        return tuple(rule.id for rule in rules if bool(rule.condition.evaluate(features)))
    fired = np.zeros(len(features), dtype=bool)
    for rule in rules:
        fired |= np.asarray(rule.condition.evaluate(features), dtype=bool)
    return fired


def _timeframe(card: CardView, ladder_ids: tuple[str, ...]) -> tuple[str | None, str]:
    """The most urgent time frame of the fired red flags (card's and ladder's) and its advice.

    The advice joins, without repeats, the card's wording for its flags in that time frame,
    then the ladder's for its rules in it.
    """
    from scoring.engine.synth import load_triage_ladder

    rules = [rule for rule in load_triage_ladder() if rule.id in ladder_ids]
    pairs = [(flag.timeframe, flag.advice) for flag in card.red_flags if flag.timeframe is not None]
    pairs += [(rule.timeframe, rule.advice) for rule in rules if rule.timeframe is not None]
    timeframe = most_urgent_timeframe(frame for frame, _ in pairs)
    advice = dict.fromkeys(text for frame, text in pairs if frame == timeframe and text)
    return timeframe, " ".join(advice)


def _floor(fired: Any) -> Any:
    """Level 2 (urgent) where a guideline red flag fired, else 0."""
    return np.where(fired, np.int8(Recommendation.URGENT.level), np.int8(0))


def _envelope_encoded(tree: TreeModel, encoded: dict[str, float], view: TreeView) -> int:
    """The tree's monotone level for one vignette (its leaf's level for a tree without one)."""
    envelope = getattr(tree, "envelope_level_encoded", None)
    return int(envelope(encoded)) if envelope is not None else view.recommendation.level


def _envelope_levels(tree: TreeModel, features: Any, leaf_levels: np.ndarray) -> np.ndarray:
    envelope = getattr(tree, "envelope_levels", None)
    return np.asarray(envelope(features), dtype=np.int8) if envelope is not None else leaf_levels


def combine_frame(features: Any, card_levels: Any, tree: TreeModel | None) -> dict[str, Any]:
    """The combination for many vignettes at once: what :func:`assess_frame` and explanations use.

    Parameters
    ----------
    features : Features
        The vignettes' features.
    card_levels : array of int
        The card's level per row (red flags included).
    tree : TreeModel or None

    Returns
    -------
    dict
        ``tree`` (the tree's own leaf levels, or None), ``proba`` (the tree's (n, 3)
        probabilities, or None), ``envelope`` (the tree's monotone levels, or None) and
        ``combined`` (the combined level per row, int8).
    """
    floor = _floor(guideline_red_flags(features))
    if tree is None:
        combined = combine_levels(card_levels, None, floor)
        return {"tree": None, "proba": None, "envelope": None, "combined": np.asarray(combined, dtype=np.int8)}
    tree_levels, proba = tree.predict_levels(features)
    tree_levels = np.asarray(tree_levels, dtype=np.int8)
    envelope = _envelope_levels(tree, features, tree_levels)
    combined = np.asarray(combine_levels(card_levels, envelope, floor), dtype=np.int8)
    return {"tree": tree_levels, "proba": proba, "envelope": envelope, "combined": combined}


@dataclass(frozen=True)
class Assessment:
    """One vignette assessed by the points card (with its red flags) and, optionally, the tree.

    Attributes
    ----------
    vignette : Vignette
        The validated input.
    recommendation : Recommendation
        The combined recommendation (the more cautious of card and tree).
    card : CardView
        The points card's view.
    tree : TreeView or None
        The tree's view, or None when assessed without a tree.
    agree : bool
        Whether card and tree recommend the same (True without a tree).
    disagreement : str or None
        When they differ: which card items and red flags and which tree rules led where.
    advice : str
        Advice for the combined recommendation.
    notice : str
        The educational-use notice (``scoring.NOTICE``).
    tree_envelope : Recommendation or None
        The tree's answer used in the combination: its leaf's, or higher when a less
        worrying version of the same answers reaches a more cautious leaf (so that more
        warning signs can never lower the combined answer). None without a tree.
    guideline_red_flags : tuple of str
        Ids of the reference ladder's ``urgent`` rules that fire; any makes the combined
        recommendation urgent whatever card is loaded.
    timeframe : str or None
        How soon to get help: the most urgent time frame (``within_2_weeks``, ``same_day``,
        ``emergency``) of the red flags that fired, the card's and the ladder's; None when
        no red flag fired.
    timeframe_advice : str
        What to do in that time frame: the advice of the fired red flags that carry it
        ('' when no red flag fired).
    """

    vignette: Any
    recommendation: Recommendation
    card: CardView
    tree: TreeView | None
    agree: bool
    disagreement: str | None
    advice: str
    notice: str
    tree_envelope: Recommendation | None = None
    guideline_red_flags: tuple[str, ...] = ()
    timeframe: str | None = None
    timeframe_advice: str = ""

    @property
    def envelope_raised(self) -> bool:
        """Whether the tree's envelope is more cautious than the leaf the tree lands in."""
        return (
            self.tree is not None and self.tree_envelope is not None and self.tree_envelope > self.tree.recommendation
        )

    @property
    def red_flags(self) -> tuple[RedFlag, ...]:
        """Red flags that fired."""
        return self.card.red_flags

    @property
    def points_total(self) -> int:
        """The card's points total."""
        return self.card.points_total

    @property
    def probability(self) -> float:
        """The card's calibrated probability of needing professional review."""
        return self.card.probability

    def summary(self) -> str:
        """The assessment as plain text: recommendation, reasons, advice and the notice."""
        lines = [f"Recommendation: {self.recommendation.label} ({self.recommendation.value})"]
        if self.timeframe is not None:
            lines.append(how_soon_text(self.timeframe, self.timeframe_advice))
        card = self.card
        chance = (
            "no calibration for this card"
            if math.isnan(card.probability)
            else f"probability of needing review {card.probability:.0%}"
        )
        lines.append(
            f"Points card ({card.card_name} {card.card_version}): {card.points_total} points, "
            f"band '{card.band.name}' -> {card.recommendation.value}; {chance}"
        )
        for item in card.items:
            lines.append(f"  {item.points:+d}  {item.label}")
        if card.red_flags:
            lines.append("Red flags (urgent whatever the total):")
            lines.extend(f"  !  {flag.label}" for flag in card.red_flags)
        if self.tree is not None:
            lines.append(f"Decision tree: {self.tree.recommendation.value}")
            lines.extend(f"  {step.text}" for step in self.tree.path)
            if self.envelope_raised and self.tree_envelope is not None:
                lines.append(
                    f"  raised to {self.tree_envelope.value}: a less worrying version of these answers "
                    f"lands in a leaf that says {self.tree_envelope.value}"
                )
        if self.disagreement:
            lines.append(f"Card and tree differ: {self.disagreement}")
        lines.append(f"Advice: {self.advice}")
        lines.append(self.notice)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The assessment as plain JSON-ready values (the vignette as its contract dict)."""
        data = fields_dict(self)
        data["vignette"] = self.vignette.to_dict()
        return data


# --------------------------------------------------------------------------------------
# Assessing one vignette
# --------------------------------------------------------------------------------------


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


def _disagreement(card: CardView, tree: TreeView) -> str:
    """Why card and tree differ, in words: the card's items and flags against the tree's rules."""
    if card.red_flags:
        card_reasons = "red flag: " + ", ".join(f.label.lower() for f in card.red_flags)
    elif card.items:
        card_reasons = ", ".join(f"{i.label.lower()} {i.points:+d}" for i in card.items)
    else:
        card_reasons = "no item scored"
    tree_reasons = "; ".join(step.text for step in tree.path) or "the root leaf"
    return (
        f"the card says {card.recommendation.value} ({card.points_total} points: {card_reasons}); "
        f"the tree says {tree.recommendation.value} ({tree_reasons})"
    )


def _advice(card: Card, view: CardView, recommendation: Recommendation, red_flag: bool) -> str:
    """Advice for the combined recommendation, in the card's words."""
    if recommendation is view.recommendation:
        return view.advice
    if recommendation is Recommendation.URGENT and not red_flag and card.tree_urgent_advice:
        # No red flag fired: the tree escalated on a pattern, so the red-flag wording
        # ("a warning sign is present") would not be true.
        return card.tree_urgent_advice
    return card.advice_for(recommendation)


def assess(vignette: Any, *, card: Card | str = "default", tree: TreeModel | str | None = DEFAULT_TREE) -> Assessment:
    """Assess one vignette with the points card, its red flags and, optionally, a tree.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
        Anything :func:`scoring.contract.schema.validate_vignette` accepts.
    card : Card or str, optional
        A card or a card name/path for :func:`scoring.engine.card.load_card`; the default card when
        not given.
    tree : TreeModel, "default", path or None, default "default"
        ``"default"`` uses the shipped tree (``scoring/models/tree.skops``, loaded once);
        any object following :class:`TreeModel` or a saved tree's path uses that tree;
        ``None`` assesses with the card alone.

    Returns
    -------
    Assessment
        The combined recommendation is the more cautious of the card's (with red flags) and
        the tree's.

    Raises
    ------
    VignetteError
        When the vignette does not meet the contract.

    Examples
    --------
    >>> a = assess({"age": 25, "duration_weeks": 1, "frequency": "daily",
    ...             "severity": "minor", "locations": "eyelid", "caffeine_mg_per_day": 500})
    >>> a.recommendation.value
    'self_care'
    """
    from scoring.contract.features import encode_vignette
    from scoring.contract.schema import validate_vignette
    from scoring.wording import NOTICE

    the_card = _card(card)
    tree = _tree(tree)
    validated = validate_vignette(vignette)
    encoded = encode_vignette(validated)
    score = the_card.score_encoded(encoded)
    card_view = the_card.view(score)
    tree_view = tree.explain_encoded(encoded) if tree is not None else None
    envelope = None if tree is None or tree_view is None else _envelope_encoded(tree, encoded, tree_view)
    fired = guideline_red_flags(encoded)
    level = int(combine_levels(score.level, envelope, int(_floor(bool(fired)))))
    recommendation = Recommendation.from_level(level)
    agree = tree_view is None or tree_view.recommendation is card_view.recommendation
    timeframe, timeframe_advice = _timeframe(card_view, fired)
    return Assessment(
        vignette=validated,
        recommendation=recommendation,
        card=card_view,
        tree=tree_view,
        agree=agree,
        disagreement=None if agree else _disagreement(card_view, tree_view),  # type: ignore[arg-type]
        advice=_advice(the_card, card_view, recommendation, bool(fired)),
        notice=NOTICE,
        tree_envelope=None if envelope is None else Recommendation.from_level(envelope),
        guideline_red_flags=fired,
        timeframe=timeframe,
        timeframe_advice=timeframe_advice,
    )


# --------------------------------------------------------------------------------------
# Assessing a frame
# --------------------------------------------------------------------------------------

_LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)

#: Columns :func:`assess_frame` adds to the valid rows.
RESULT_COLUMNS: tuple[str, ...] = (
    "points_total",
    "band",
    "red_flags",
    "card_recommendation",
    "probability",
    "recommendation",
)


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
        ``card_recommendation`` (band, or urgent with a red flag), ``probability``
        (calibrated probability of needing review) and ``recommendation`` (combined); with a
        tree also ``tree_recommendation`` and ``agree``.
    rejected : DataFrame
        One line per problem, as :func:`scoring.contract.schema.validate_frame` reports it.
    n_input : int
        Rows in the input.
    n_rejected : int
        Rows rejected (a row with two problems counts once): ``n_input == len(scored) + n_rejected``.
    card : Card
        The card applied.
    """

    scored: pd.DataFrame
    rejected: pd.DataFrame
    n_input: int
    n_rejected: int
    card: Card

    def summary(self) -> str:
        """One line: rows read, scored, rejected."""
        return f"{self.n_input} rows read, {len(self.scored)} scored, {self.n_rejected} rejected"


def assess_frame(
    frame: pd.DataFrame,
    *,
    card: Card | str = "default",
    tree: TreeModel | str | None = DEFAULT_TREE,
    extra: Literal["error", "keep", "drop"] = "error",
) -> AssessedFrame:
    """Validate and assess every row of a frame, column by column (no loop over rows).

    Parameters
    ----------
    frame : DataFrame
        One vignette per row (contract fields; metadata columns are carried along).
    card : Card or str, optional
        The card (default card when not given).
    tree : TreeModel, "default", path or None, default "default"
        As for :func:`assess`: the shipped tree by default, ``None`` for the card alone.
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
    tree = _tree(tree)
    validation = validate_frame(frame, extra=extra)
    valid = validation.valid
    features = Features(valid)
    scores = the_card.score_frame(features)
    codes, names = the_card.flag_text(scores.red_flag_mask)
    columns: dict[str, Any] = {
        "points_total": scores.totals,
        "band": pd.Categorical.from_codes(scores.band_index, categories=[b.name for b in the_card.bands]),
        "red_flags": pd.Categorical.from_codes(codes, categories=names),
        "card_recommendation": _levels_column(scores.level),
        "probability": the_card.probability(scores.totals, scores.red_flag_mask),
    }
    combined = combine_frame(features, scores.level, tree)
    if combined["tree"] is not None:
        columns["tree_recommendation"] = _levels_column(combined["tree"])
        columns["agree"] = combined["tree"] == scores.level
    columns["recommendation"] = _levels_column(combined["combined"])
    # ``valid`` is a new frame from validate_frame; assign() adds the result columns without
    # copying the input columns (copy-on-write), unlike a concat.
    scored = valid.assign(**columns)
    return AssessedFrame(
        scored=scored,
        rejected=validation.rejected,
        n_input=validation.n_input,
        n_rejected=validation.n_rejected_rows,
        card=the_card,
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
