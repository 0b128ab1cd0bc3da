"""Result types shared by the engine and every face: what a card or a tree saw for one vignette.

They sit below the code that produces them (``scoring.engine.card``, ``scoring.engine.tree``)
and the code that combines them (``scoring.assessment``), so no module has to import its result
types back from a layer above it. All are frozen dataclasses with ``to_dict()`` for JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from scoring.contract.recommendation import Recommendation

__all__ = [
    "ItemScore",
    "RedFlag",
    "Band",
    "CardView",
    "TreeStep",
    "TreeView",
    "TreeModel",
    "fields_dict",
    "plain",
]


def plain(value: Any) -> Any:
    """Turn result values into JSON-ready Python values (enums to text, tuples to lists)."""
    if isinstance(value, Recommendation):
        return value.value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None  # JSON has no NaN (e.g. a probability for a card without calibration)
    return value


def fields_dict(obj: Any) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in obj.__dataclass_fields__}


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
        Source note, with [S]/[A] tags as in docs/clinical.md.
    """

    item_id: str
    label: str
    condition: str
    points: int
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class RedFlag:
    """A red-flag rule: when its condition holds, the card says urgent whatever the total.

    The same type describes a rule in a card and a rule that fired for a vignette.
    ``timeframe`` says how soon (``within_2_weeks``, ``same_day`` or ``emergency``, see
    ``scoring.contract.recommendation.TIMEFRAMES``) and ``advice`` what to do.
    """

    flag_id: str
    label: str
    condition: str
    evidence: str
    timeframe: str | None = None
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


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
        return fields_dict(self)


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
        return fields_dict(self)


# --------------------------------------------------------------------------------------
# What the tree saw (filled by scoring.engine.tree)
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
        return fields_dict(self)


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
        return fields_dict(self)


@runtime_checkable
class TreeModel(Protocol):
    """What :func:`assess` and :func:`assess_frame` need from a tree.

    Any object with these two methods can be passed as ``tree=``; ``scoring.engine.tree`` provides
    the shipped one.
    """

    def explain_encoded(self, encoded: dict[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.contract.features.encode_vignette`."""
        ...

    def predict_levels(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Levels (int array of 0/1/2, see ``scoring.contract.recommendation.LEVELS``) and an (n, 3)
        array of class probabilities in ``LEVELS`` order, for a :class:`scoring.contract.features.Features`.
        """
        ...
