"""Combining red flags, the points card and the decision tree into one :class:`Assessment`.

This module owns the result types every face of zaro renders (CLI, plots, widgets,
reports): what the card saw (:class:`CardView`), what the tree saw (:class:`TreeView`) and
the combined :class:`Assessment`. All of them are frozen dataclasses with ``to_dict()`` for
JSON.

The combination rule follows the safety principles in DESIGN.md:

* any red flag makes the card's recommendation ``urgent``, whatever the points;
* the combined recommendation is the more cautious of the card's and the tree's, so it is
  never less cautious than the card;
* without a tree (``tree=None``) the combined recommendation is the card's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from scoring.recommendation import Recommendation

__all__ = [
    "ItemScore",
    "RedFlag",
    "Band",
    "CardView",
    "TreeStep",
    "TreeView",
    "TreeModel",
    "Assessment",
    "combine_levels",
]


def _plain(value: Any) -> Any:
    """Turn result values into JSON-ready Python values (enums to text, tuples to lists)."""
    if isinstance(value, Recommendation):
        return value.value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _fields_dict(obj: Any) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in obj.__dataclass_fields__}


# --------------------------------------------------------------------------------------
# What the card saw
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemScore:
    """One card item that scored for a vignette.

    Attributes
    ----------
    item_id : str
        The item's id in the card file.
    label : str
        Plain-language label, e.g. "Twitching for more than 2 weeks".
    condition : str
        The condition as written in the card (features.py condition language).
    points : int
        Points this item added (negative for reassuring pointers).
    evidence : str
        Source note, with [S]/[A] tags as in CLINICAL.md.
    """

    item_id: str
    label: str
    condition: str
    points: int
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True)
class RedFlag:
    """A red-flag rule: when its condition holds, the card says urgent whatever the total.

    The same type describes a rule in a card and a rule that fired for a vignette.
    """

    flag_id: str
    label: str
    condition: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True)
class Band:
    """A range of point totals (both ends included) and the recommendation it maps to."""

    name: str
    min_points: int
    max_points: int
    recommendation: Recommendation
    advice: str

    def contains(self, total: int) -> bool:
        """True when ``total`` falls in this band."""
        return self.min_points <= total <= self.max_points

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True)
class CardView:
    """The points card's view of one vignette.

    Attributes
    ----------
    card_name, card_version : str
        Which card was applied.
    recommendation : Recommendation
        The card's recommendation: the band's, or ``urgent`` when a red flag fired.
    points_total : int
        The total; always equals the sum of ``items[*].points``.
    items : tuple of ItemScore
        Items that scored (non-zero points), in card order. A group cap that limited a
        group's points appears as its own line so the items still add up to the total.
    red_flags : tuple of RedFlag
        Red flags that fired, in card order.
    band : Band
        The band the total falls in (even when a red flag overrides its recommendation).
    probability : float
        Calibrated probability that the vignette needs professional review (reference
        triage ``see_doctor`` or ``urgent``), from the card's calibration file.
    advice : str
        What to do, for the card's recommendation.
    """

    card_name: str
    card_version: str
    recommendation: Recommendation
    points_total: int
    items: tuple[ItemScore, ...]
    red_flags: tuple[RedFlag, ...]
    band: Band
    probability: float
    advice: str

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


# --------------------------------------------------------------------------------------
# What the tree saw (filled by scoring.tree)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeStep:
    """One split on the tree's path for a vignette.

    ``feature op threshold`` held for this vignette at node ``node_id``; ``text`` says it
    in words (e.g. "duration over 2.5 weeks").
    """

    node_id: int
    feature: str
    op: str
    threshold: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@dataclass(frozen=True)
class TreeView:
    """The decision tree's view of one vignette.

    Attributes
    ----------
    recommendation : Recommendation
        The class the tree predicts.
    probabilities : dict of str to float
        Class probabilities at the leaf, keyed by recommendation value.
    path : tuple of TreeStep
        The splits from the root to the leaf.
    leaf_id : int
        The leaf the vignette lands in (the tree's node id).
    leaf_samples : int
        Training vignettes in that leaf.
    rules_text : str
        The path as plain-language rules, one per line.
    """

    recommendation: Recommendation
    probabilities: dict[str, float]
    path: tuple[TreeStep, ...]
    leaf_id: int
    leaf_samples: int
    rules_text: str

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


@runtime_checkable
class TreeModel(Protocol):
    """What :func:`assess` and :func:`assess_frame` need from a tree.

    Any object with these two methods can be passed as ``tree=``; ``scoring.tree`` provides
    the shipped one.
    """

    def explain_encoded(self, encoded: dict[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.features.encode_vignette`."""
        ...

    def predict_levels(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Levels (int array of 0/1/2, see ``scoring.recommendation.LEVELS``) and an (n, 3)
        array of class probabilities in ``LEVELS`` order, for a :class:`scoring.features.Features`.
        """
        ...


# --------------------------------------------------------------------------------------
# The combination
# --------------------------------------------------------------------------------------


def combine_levels(card_levels: Any, tree_levels: Any | None) -> Any:
    """The combined level: the more cautious of the card's and the tree's.

    Works on ints or integer arrays. ``tree_levels=None`` (no tree) returns the card's.
    The card's level already includes its red flags, so the result is never below the
    card's and is ``urgent`` whenever a red flag fired.
    """
    if tree_levels is None:
        return card_levels
    return np.maximum(card_levels, tree_levels)


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
    """

    vignette: Any
    recommendation: Recommendation
    card: CardView
    tree: TreeView | None
    agree: bool
    disagreement: str | None
    advice: str
    notice: str

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
        card = self.card
        lines.append(
            f"Points card ({card.card_name} {card.card_version}): {card.points_total} points, "
            f"band '{card.band.name}' -> {card.recommendation.value}; "
            f"probability of needing review {card.probability:.0%}"
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
        lines.append(f"Advice: {self.advice}")
        lines.append(self.notice)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The assessment as plain JSON-ready values (the vignette as its contract dict)."""
        data = _fields_dict(self)
        data["vignette"] = self.vignette.to_dict()
        return data

