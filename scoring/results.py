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
    "RiskEstimate",
    "PolicyResult",
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
    likelihood_ratio : float
        How much more often the item holds with the card's outcome than without it, in the
        data the card was calibrated on (NaN when not recorded, e.g. for a group limit).
    """

    item_id: str
    label: str
    condition: str
    points: int
    evidence: str
    likelihood_ratio: float = math.nan

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
        Calibrated risk of the card's outcome (``serious_cause`` for the shipped cards) in
        the population the card was calibrated on (the enriched learning mix), from the
        card's calibration file; NaN without one. :attr:`Assessment.risk` gives it for a
        stated population.
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
        What the risk policy says for the leaf's risk in the stated population (the tree
        itself only estimates a risk; :func:`scoring.assess` fills this in for the
        assessment's population).
    probability : float
        The leaf's risk of the tree's outcome, in the population the tree was fitted on
        (the share of training vignettes in the leaf with the outcome).
    outcome : str
        What the tree predicts, e.g. ``"serious_cause"``.
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
    probability: float
    outcome: str
    path: tuple[TreeStep, ...]
    leaf_id: int
    leaf_samples: int
    rules_text: str

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@runtime_checkable
class TreeModel(Protocol):
    """What :func:`assess` and :func:`assess_frame` need from a tree.

    Any object with these members can be passed as ``tree=``; ``scoring.engine.tree``
    provides the shipped one. Risks are in the population the tree was fitted on
    (``population``); the assessment moves them to the population it reports for.
    """

    outcome: str
    population: str

    def explain_encoded(self, encoded: dict[str, float]) -> TreeView:
        """The tree's view of one vignette encoded by :func:`scoring.contract.features.encode_vignette`."""
        ...

    def predict_risk(self, features: Any) -> np.ndarray:
        """The risk of ``outcome`` per row (float64) for a :class:`scoring.contract.features.Features`."""
        ...


# --------------------------------------------------------------------------------------
# Risks and policies (filled by scoring.assessment)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskEstimate:
    """An estimated risk of an outcome, for a stated population, from one model.

    Attributes
    ----------
    probability : float
        The risk in ``population`` (moved there from ``trained_on`` by prior shift); NaN when
        the model has no calibration.
    outcome, outcome_label : str
        What is estimated, e.g. ``"serious_cause"`` / "Serious cause".
    population, population_label : str
        For whom, e.g. ``"community"`` / "Adults who notice twitching".
    model : str
        Which model, e.g. ``"card:default"``, ``"card:learned"`` or ``"tree"``.
    model_label : str
        The model in words, e.g. "default card 2.0".
    trained_on : str
        The population the model was fitted on (``"enriched"``).
    probability_trained : float
        The same risk in ``trained_on``.
    """

    probability: float
    outcome: str
    outcome_label: str
    population: str
    population_label: str
    model: str
    model_label: str
    trained_on: str
    probability_trained: float

    def text(self) -> str:
        """The risk in words, e.g. '1.2% chance of a serious cause (adults who notice twitching; default card 2.0)'."""
        from scoring.wording import risk_percent

        chance = risk_percent(self.probability, missing="no estimate of the")
        return f"{chance} chance of a {self.outcome_label.lower()} ({self.population_label}; {self.model_label})"

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class PolicyResult:
    """What one recommendation policy says for one vignette, and why.

    Attributes
    ----------
    policy, label : str
        The policy's id (``"guideline"``, ``"risk"``) and its name in words.
    recommendation : Recommendation
        The policy's answer.
    reasons : tuple of str
        Why, in words: the red flags, ladder rules or risk threshold that decided it.
    """

    policy: str
    label: str
    recommendation: Recommendation
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)
