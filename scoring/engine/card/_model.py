"""The points card as data: items, groups, bands, red flags, and applying it to vignettes.

:class:`Card` scores frames column by column (:meth:`Card.score_frame`) or one encoded
vignette (:meth:`Card.score_encoded`, same answers) and turns a score into the
:class:`~scoring.results.CardView` users see. Cards are built by the loader
(:func:`scoring.engine.card.load_card`), which checks the file first.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.contract.features import Condition, Features, parse_condition
from scoring.contract.recommendation import TIMEFRAMES, Recommendation
from scoring.engine._definitions import DefinitionError
from scoring.results import Band, CardView, ItemScore, RedFlag

__all__ = [
    "MAX_RED_FLAGS",
    "Card",
    "CardError",
    "CardItem",
    "CardGroup",
    "CardCalibration",
    "CardScore",
    "CardScores",
    "total_bounds",
    "fingerprint",
]

MAX_RED_FLAGS = 64


class CardError(DefinitionError):
    """A card file that cannot be used: the message names the file, the entry, the problem
    and how to fix it (a :class:`ValueError`)."""


# --------------------------------------------------------------------------------------
# Card parts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardItem:
    """One scored item: when ``condition`` holds, the vignette gets ``points``."""

    item_id: str
    label: str
    condition: str
    points: int
    evidence: str
    group: str | None = None

    @property
    def parsed(self) -> Condition:
        """The parsed condition (cached by :func:`scoring.contract.features.parse_condition`)."""
        return parse_condition(self.condition)


@dataclass(frozen=True)
class CardGroup:
    """Items whose points are added up and then kept within ``[min_points, max_points]``.

    A group lets several small pointers count, but only up to a limit: the default card
    uses one so that reassuring pointers can never cancel a reason to see a doctor.
    """

    group_id: str
    label: str
    min_points: int | None = None
    max_points: int | None = None
    note: str = ""

    def cap_text(self) -> str:
        """The limit in words, e.g. 'together at most 2 points off' for ``min_points = -2``.

        A negative lower limit is said as the most the items can take off, so it does not
        read as "at least -2" (which sounds like a floor of minus two points being a gain).

        Examples
        --------
        >>> CardGroup("lifestyle", "Likely explanations", min_points=-2).cap_text()
        'together at most 2 points off'
        >>> CardGroup("g", "G", min_points=1, max_points=3).cap_text()
        'together at least +1 and at most +3 points'
        """
        parts = []
        if self.min_points is not None:
            if self.min_points < 0:
                off = -self.min_points
                parts.append(f"at most {off} point{'s' if off != 1 else ''} off")
            else:
                parts.append(f"at least {self.min_points:+d}" + ("" if self.max_points is not None else " points"))
        if self.max_points is not None:
            parts.append(f"at most {self.max_points:+d} points")
        return "together " + " and ".join(parts) if parts else "no limit"


@dataclass(frozen=True)
class CardCalibration:
    """The points-to-risk mapping stored next to a card (fitted by scoring.engine.calibration).

    It estimates the risk of an outcome (``outcome``, e.g. ``"serious_cause"``) in the
    population the card was calibrated on (``population``, the enriched learning mix, where
    the outcome's prevalence is ``prevalence``). For a vignette without a red flag::

        logit P(outcome) = intercept + slope * total

    Vignettes with a red flag get ``red_flag_probability``, the observed share with the
    outcome among red-flag vignettes in the fitting data (a red flag decides the answer
    whatever the total, so the total is not what carries their risk).
    """

    intercept: float
    slope: float
    red_flag_probability: float
    card_fingerprint: str
    outcome: str = "serious_cause"
    population: str = "enriched"
    prevalence: float = float("nan")
    data: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def probability(self, totals: Any, red_flag_mask: Any) -> np.ndarray:
        """Risks for arrays of totals and red-flag bitmasks, in the calibration's population."""
        logit = self.intercept + self.slope * np.asarray(totals, dtype=np.float64)
        p = 1.0 / (1.0 + np.exp(-logit))
        return np.where(np.asarray(red_flag_mask) != 0, self.red_flag_probability, p)

    def item_evidence(self, item_id: str) -> Mapping[str, Any] | None:
        """What the fitting data say about one item (likelihood ratios and counts), if recorded."""
        for entry in self.data.get("items", ()):
            if entry.get("id") == item_id:
                return entry
        return None


@dataclass(frozen=True)
class CardScore:
    """One vignette's scores: what :meth:`Card.score_encoded` returns.

    Attributes
    ----------
    total : int
        Points total (after group limits).
    item_points : tuple of int
        Points of each card item before group limits, in card order (0 when it did not fire).
    group_adjustments : tuple of int
        Per group, the points added (positive) or removed (negative) by the group's limit.
    red_flag_mask : int
        Bit ``i`` set when red flag ``i`` (card order) fired.
    band_index : int
        Index of the band the total falls in.
    level : int
        The card's recommendation level (0/1/2): the band's, or 2 when a red flag fired.
    """

    total: int
    item_points: tuple[int, ...]
    group_adjustments: tuple[int, ...]
    red_flag_mask: int
    band_index: int
    level: int


@dataclass(frozen=True)
class CardScores:
    """Scores for many vignettes: what :meth:`Card.score_frame` returns (one entry per row).

    ``item_points`` (rows, items) and ``group_adjustments`` (rows, groups) are filled only
    when asked for with ``item_points=True``.
    """

    totals: np.ndarray
    red_flag_mask: np.ndarray
    band_index: np.ndarray
    band_level: np.ndarray
    level: np.ndarray
    item_points: np.ndarray | None = None
    group_adjustments: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.totals)

    def row(self, i: int) -> CardScore:
        """Row ``i`` as a :class:`CardScore` (needs ``item_points=True`` for the item detail)."""
        if self.item_points is None or self.group_adjustments is None:
            raise ValueError("row(): score the frame with item_points=True to get item detail")
        return CardScore(
            total=int(self.totals[i]),
            item_points=tuple(int(p) for p in self.item_points[i]),
            group_adjustments=tuple(int(a) for a in self.group_adjustments[i]),
            red_flag_mask=int(self.red_flag_mask[i]),
            band_index=int(self.band_index[i]),
            level=int(self.level[i]),
        )


# --------------------------------------------------------------------------------------
# The card
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A points card: items, groups, bands, red flags and advice, as read from a card file.

    Build one with :func:`load_card`. ``min_total`` and ``max_total`` bound every total the
    card can give (the sum of all negative and all positive points, after group limits).

    Examples
    --------
    >>> card = load_card("default")                     # doctest: +SKIP
    >>> card.score_encoded(encode_vignette(v)).total    # doctest: +SKIP
    3
    """

    name: str
    version: str
    description: str
    items: tuple[CardItem, ...]
    groups: tuple[CardGroup, ...]
    bands: tuple[Band, ...]
    red_flags: tuple[RedFlag, ...]
    urgent_advice: str
    red_flag_advice: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: Advice when the combined recommendation is urgent only because the tree says so.
    tree_urgent_advice: str = ""
    #: A shipped card whose level this card's level never goes below (``strict``: ``default``).
    never_below: str | None = None
    path: Path | None = field(default=None, compare=False)
    calibration: CardCalibration | None = field(default=None, compare=False, repr=False)
    # Derived lookups, filled in __post_init__.
    _band_lut: np.ndarray = field(init=False, compare=False, repr=False)
    _band_levels: np.ndarray = field(init=False, compare=False, repr=False)
    _probability_table: np.ndarray | None = field(init=False, default=None, compare=False, repr=False)
    _range: tuple[int, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        lo, hi = total_bounds(self.items, self.groups)
        object.__setattr__(self, "_range", (lo, hi))
        lut = np.full(hi - lo + 1, -1, dtype=np.int8)
        for i, band in enumerate(self.bands):
            start, stop = max(band.min_points, lo), min(band.max_points, hi)
            if start <= stop:
                lut[start - lo : stop - lo + 1] = i
        object.__setattr__(self, "_band_lut", lut)
        object.__setattr__(self, "_band_levels", np.array([b.recommendation.level for b in self.bands], dtype=np.int8))

    # -- range ---------------------------------------------------------------------------

    @property
    def min_total(self) -> int:
        """The lowest total the card can give."""
        return self._range[0]

    @property
    def max_total(self) -> int:
        """The highest total the card can give."""
        return self._range[1]

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature (or category field) the card's conditions read."""
        found: list[str] = []
        for text in [i.condition for i in self.items] + [f.condition for f in self.red_flags]:
            found += [name for name in parse_condition(text).features if name not in found]
        return tuple(found)

    @property
    def fingerprint(self) -> str:
        """A hash of what decides totals, bands and red flags (not labels or advice).

        The stored calibration records it, so a calibration fitted for other points is
        never used silently.
        """
        return fingerprint(self.items, self.groups, self.bands, self.red_flags)

    # -- scoring ---------------------------------------------------------------------------

    def score_frame(self, features: Features, *, item_points: bool = False) -> CardScores:
        """Score every row of ``features`` at once (a loop over items, never over rows).

        Parameters
        ----------
        features : Features
            Features of a validated frame (:class:`scoring.contract.features.Features`).
        item_points : bool
            Also return each item's points and each group's limit adjustment per row.

        Returns
        -------
        CardScores
        """
        n = len(features)
        total = np.zeros(n, dtype=np.int32)
        group_sums = {g.group_id: np.zeros(n, dtype=np.int32) for g in self.groups}
        per_item = np.zeros((n, len(self.items)), dtype=np.int16) if item_points else None
        for j, item in enumerate(self.items):
            fired = np.asarray(item.parsed.evaluate(features), dtype=bool)
            target = group_sums[item.group] if item.group else total
            # Multiply-and-add runs vectorised; a ufunc with where= is several times slower.
            target += fired.astype(np.int32) * np.int32(item.points)
            if per_item is not None:
                per_item[:, j] = fired * item.points
        adjustments = np.zeros((n, len(self.groups)), dtype=np.int16) if item_points else None
        for k, group in enumerate(self.groups):
            raw = group_sums[group.group_id]
            capped = np.clip(raw, group.min_points, group.max_points) if _has_cap(group) else raw
            total += capped
            if adjustments is not None:
                adjustments[:, k] = capped - raw
        mask = np.zeros(n, dtype=np.uint64)
        for i, flag in enumerate(self.red_flags):
            fired = np.asarray(parse_condition(flag.condition).evaluate(features), dtype=bool)
            mask |= fired.astype(np.uint64) << np.uint64(i)
        band_index = self._band_lut[total - self.min_total]
        band_level = self._band_levels[band_index]
        level = np.where(mask != 0, np.int8(2), band_level).astype(np.int8)
        return CardScores(total, mask, band_index, band_level, level, per_item, adjustments)

    def score_encoded(self, encoded: Mapping[str, float]) -> CardScore:
        """Score one vignette encoded by :func:`scoring.contract.features.encode_vignette`.

        The fast path for interactive use; gives exactly what :meth:`score_frame` gives for
        the same vignette in a frame (tested).
        """
        item_points = tuple(item.points if item.parsed.evaluate(encoded) else 0 for item in self.items)
        total = 0
        group_sums = {g.group_id: 0 for g in self.groups}
        for item, points in zip(self.items, item_points):
            if item.group:
                group_sums[item.group] += points
            else:
                total += points
        adjustments = []
        for group in self.groups:
            raw = group_sums[group.group_id]
            capped = _clip(raw, group.min_points, group.max_points)
            total += capped
            adjustments.append(capped - raw)
        mask = 0
        for i, flag in enumerate(self.red_flags):
            if parse_condition(flag.condition).evaluate(encoded):
                mask |= 1 << i
        band_index = int(self._band_lut[total - self.min_total])
        level = 2 if mask else int(self._band_levels[band_index])
        return CardScore(total, item_points, tuple(adjustments), mask, band_index, level)

    # -- lookups -----------------------------------------------------------------------------

    def band_for_total(self, total: int) -> Band:
        """The band a total falls in."""
        if not self.min_total <= total <= self.max_total:
            raise ValueError(f"total {total} is outside this card's range {self.min_total} to {self.max_total}")
        return self.bands[int(self._band_lut[total - self.min_total])]

    def advice_for(self, recommendation: Recommendation | str) -> str:
        """Advice for a recommendation: ``urgent_advice`` for urgent, else the first band's."""
        recommendation = Recommendation(recommendation)
        if recommendation is Recommendation.URGENT:
            return self.urgent_advice
        for band in self.bands:
            if band.recommendation is recommendation:
                return band.advice
        # The loader guarantees a see_doctor band; self_care can lack one only when no total
        # maps there, and then the combined recommendation is never self_care.
        raise ValueError(f"card {self.name!r} has no band recommending {recommendation.value}")

    def flags_in_mask(self, mask: int) -> tuple[RedFlag, ...]:
        """The red flags whose bits are set in ``mask``."""
        return tuple(flag for i, flag in enumerate(self.red_flags) if mask >> i & 1)

    def flag_text(self, masks: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """';'-joined flag ids for distinct masks: (codes per row, categories).

        Joins text once per distinct mask (a handful), not once per row.
        """
        masks = np.asarray(masks, dtype=np.uint64).reshape(-1)
        if len(self.red_flags) <= 16:
            # Masks are small integers: count them into a table of every possible mask (at
            # most 65,536 entries) instead of sorting the rows, which costs far more.
            small = masks.astype(np.intp)
            present = np.bincount(small, minlength=1 << len(self.red_flags)) > 0
            distinct = np.flatnonzero(present)
            position = np.zeros(present.size, dtype=np.int32)
            position[distinct] = np.arange(len(distinct), dtype=np.int32)
            codes: np.ndarray = position[small]
        else:
            distinct, codes = np.unique(masks, return_inverse=True)
        names = [";".join(f.flag_id for f in self.flags_in_mask(int(m))) for m in distinct]
        return codes.reshape(-1), names

    def review_band(self, totals: Any) -> np.ndarray:
        """True where a total falls in a band recommending at least ``see_doctor``."""
        index = self._band_lut[np.asarray(totals, dtype=np.int64) - self.min_total]
        return self._band_levels[index] > 0

    def probability(self, totals: Any, red_flag_mask: Any) -> np.ndarray:
        """Calibrated risk of the calibration's outcome, in its population; NaN without a calibration.

        Looks each total up in a table of every total's probability (computed once per
        card), so one vignette and a million rows get bit-identical numbers, and a million
        rows cost a gather instead of a million exponentials.
        """
        if self.calibration is None:
            return np.full(np.shape(totals), np.nan)
        table = self._probability_table
        if table is None:
            every = np.arange(self.min_total, self.max_total + 1)
            table = self.calibration.probability(every, np.zeros(len(every), np.uint64))
            object.__setattr__(self, "_probability_table", table)
        p = table[np.asarray(totals, dtype=np.int64) - self.min_total]
        return np.where(np.asarray(red_flag_mask) != 0, self.calibration.red_flag_probability, p)

    def likelihood_ratio(self, item_id: str) -> float:
        """The item's likelihood ratio in the calibration data (NaN when not recorded)."""
        evidence = None if self.calibration is None else self.calibration.item_evidence(item_id)
        value = None if evidence is None else evidence.get("lr_present")
        return math.nan if value is None else float(value)

    def view(self, score: CardScore) -> CardView:
        """Turn one :class:`CardScore` into the :class:`~scoring.assessment.CardView` users see."""
        items = [
            ItemScore(
                item.item_id, item.label, item.condition, points, item.evidence, self.likelihood_ratio(item.item_id)
            )
            for item, points in zip(self.items, score.item_points)
            if points
        ]
        for group, adjustment in zip(self.groups, score.group_adjustments):
            if adjustment:
                # The limit shows as its own line so the lines still add up to the total.
                items.append(
                    ItemScore(
                        f"{group.group_id}_limit", f"{group.label}: {group.cap_text()}", "", adjustment, group.note
                    )
                )
        flags = self.flags_in_mask(score.red_flag_mask)
        recommendation = Recommendation.from_level(score.level)
        band = self.bands[score.band_index]
        if flags:
            # The most urgent sign's advice first; the order of the card otherwise.
            by_urgency = sorted(flags, key=lambda f: -TIMEFRAMES.index(f.timeframe) if f.timeframe else 0)
            extra = [self.red_flag_advice[f.flag_id] for f in by_urgency if f.flag_id in self.red_flag_advice]
            advice = " ".join([self.urgent_advice, *dict.fromkeys(extra)])
        else:
            advice = band.advice
        # The same table lookup as for a frame, so both paths give identical numbers.
        probability = float(
            self.probability(np.array([score.total]), np.array([score.red_flag_mask], dtype=np.uint64))[0]
        )
        return CardView(
            card_name=self.name,
            card_version=self.version,
            recommendation=recommendation,
            points_total=score.total,
            items=tuple(items),
            red_flags=flags,
            band=band,
            probability=probability,
            advice=advice,
        )


def _has_cap(group: CardGroup) -> bool:
    return group.min_points is not None or group.max_points is not None


def _clip(value: int, lo: int | None, hi: int | None) -> int:
    if lo is not None and value < lo:
        return lo
    if hi is not None and value > hi:
        return hi
    return value


def total_bounds(items: Sequence[CardItem], groups: Sequence[CardGroup]) -> tuple[int, int]:
    """The lowest and highest totals the items can give, after group limits."""
    lo = sum(i.points for i in items if i.group is None and i.points < 0)
    hi = sum(i.points for i in items if i.group is None and i.points > 0)
    for group in groups:
        members = [i.points for i in items if i.group == group.group_id]
        lo += _clip(sum(p for p in members if p < 0), group.min_points, group.max_points)
        hi += _clip(sum(p for p in members if p > 0), group.min_points, group.max_points)
    return lo, hi


def fingerprint(
    items: Sequence[CardItem], groups: Sequence[CardGroup], bands: Sequence[Band], red_flags: Sequence[RedFlag]
) -> str:
    """A short hash of what decides totals, bands and red flags (see :attr:`Card.fingerprint`)."""
    payload = {
        "items": [[i.item_id, i.condition, i.points, i.group] for i in items],
        "groups": [[g.group_id, g.min_points, g.max_points] for g in groups],
        "bands": [[b.min_points, b.max_points, b.recommendation.value] for b in bands],
        "red_flags": [[f.flag_id, f.condition] for f in red_flags],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
