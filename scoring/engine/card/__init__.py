"""The points card: read a card file, check it, and apply it to one or many vignettes.

A card is data (``scoring/cards/*.toml``): items with a condition and whole points, optional
groups that cap the points of their items, bands of totals that map to recommendations,
and red-flag rules that make the card say ``urgent`` whatever the total. This module reads
and checks that file (:func:`load_card`), scores frames column by column
(:meth:`Card.score_frame`) or one encoded vignette (:meth:`Card.score_encoded`, same
answers), and prints the card (:func:`render_card_text`, :func:`render_card_html`).

The fitted points-to-probability mapping lives next to each card as
``<name>.calibration.json`` (see :mod:`scoring.engine.calibration`).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import textwrap
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from scoring._paths import CARDS_DIR, DEFAULT_CARD
from scoring.contract.features import Condition, ConditionError, Features, parse_condition
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.results import Band, CardView, ItemScore, RedFlag

__all__ = [
    "Card",
    "CardError",
    "CardItem",
    "CardGroup",
    "CardCalibration",
    "CardScore",
    "CardScores",
    "load_card",
    "list_cards",
    "render_card_text",
    "render_card_html",
]

#: Red flags are kept as bits of one unsigned 64-bit integer per row.
_MAX_RED_FLAGS = 64


class CardError(ValueError):
    """A card file that cannot be used: the message names the file, the entry, the problem
    and how to fix it."""


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
        """The limit in words, e.g. 'together at least -2'."""
        parts = []
        if self.min_points is not None:
            parts.append(f"at least {self.min_points}")
        if self.max_points is not None:
            parts.append(f"at most {self.max_points:+d}")
        return "together " + " and ".join(parts) if parts else "no limit"


@dataclass(frozen=True)
class CardCalibration:
    """The points-to-probability mapping stored next to a card (fitted by scoring.engine.calibration).

    For a vignette without a red flag::

        logit P(needs review) = intercept + slope * total + band_step * review_band

    where ``review_band`` is 1 when the total's band recommends at least ``see_doctor``.
    Vignettes with a red flag get ``red_flag_probability``, the observed share needing
    review among red-flag vignettes in the fitting data.
    """

    intercept: float
    slope: float
    band_step: float
    red_flag_probability: float
    card_fingerprint: str
    data: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def probability(self, totals: Any, review_band: Any, red_flag_mask: Any) -> np.ndarray:
        """Probabilities for arrays of totals, review-band indicators and red-flag bitmasks."""
        logit = (
            self.intercept
            + self.slope * np.asarray(totals, dtype=np.float64)
            + self.band_step * np.asarray(review_band, dtype=np.float64)
        )
        p = 1.0 / (1.0 + np.exp(-logit))
        return np.where(np.asarray(red_flag_mask) != 0, self.red_flag_probability, p)


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
    path: Path | None = field(default=None, compare=False)
    calibration: CardCalibration | None = field(default=None, compare=False, repr=False)
    # Derived lookups, filled in __post_init__.
    _band_lut: np.ndarray = field(init=False, compare=False, repr=False)
    _band_levels: np.ndarray = field(init=False, compare=False, repr=False)
    _probability_table: np.ndarray | None = field(init=False, default=None, compare=False, repr=False)
    _range: tuple[int, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        lo, hi = _total_bounds(self.items, self.groups)
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
        return _fingerprint(self.items, self.groups, self.bands, self.red_flags)

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
            codes = position[small]
        else:
            distinct, codes = np.unique(masks, return_inverse=True)
        names = [";".join(f.flag_id for f in self.flags_in_mask(int(m))) for m in distinct]
        return codes.reshape(-1), names

    def review_band(self, totals: Any) -> np.ndarray:
        """True where a total falls in a band recommending at least ``see_doctor``."""
        index = self._band_lut[np.asarray(totals, dtype=np.int64) - self.min_total]
        return self._band_levels[index] > 0

    def probability(self, totals: Any, red_flag_mask: Any) -> np.ndarray:
        """Calibrated probability of needing review; NaN when the card has no calibration.

        Looks each total up in a table of every total's probability (computed once per
        card), so one vignette and a million rows get bit-identical numbers, and a million
        rows cost a gather instead of a million exponentials.
        """
        if self.calibration is None:
            return np.full(np.shape(totals), np.nan)
        table = self._probability_table
        if table is None:
            every = np.arange(self.min_total, self.max_total + 1)
            table = self.calibration.probability(every, self.review_band(every), np.zeros(len(every), np.uint64))
            object.__setattr__(self, "_probability_table", table)
        p = table[np.asarray(totals, dtype=np.int64) - self.min_total]
        return np.where(np.asarray(red_flag_mask) != 0, self.calibration.red_flag_probability, p)

    def view(self, score: CardScore) -> CardView:
        """Turn one :class:`CardScore` into the :class:`~scoring.assess.CardView` users see."""
        items = [
            ItemScore(item.item_id, item.label, item.condition, points, item.evidence)
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
            extra = [self.red_flag_advice[f.flag_id] for f in flags if f.flag_id in self.red_flag_advice]
            advice = " ".join([self.urgent_advice, *extra])
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


def _total_bounds(items: tuple[CardItem, ...], groups: tuple[CardGroup, ...]) -> tuple[int, int]:
    lo = sum(i.points for i in items if i.group is None and i.points < 0)
    hi = sum(i.points for i in items if i.group is None and i.points > 0)
    for group in groups:
        members = [i.points for i in items if i.group == group.group_id]
        lo += _clip(sum(p for p in members if p < 0), group.min_points, group.max_points)
        hi += _clip(sum(p for p in members if p > 0), group.min_points, group.max_points)
    return lo, hi


def _fingerprint(items, groups, bands, red_flags) -> str:
    payload = {
        "items": [[i.item_id, i.condition, i.points, i.group] for i in items],
        "groups": [[g.group_id, g.min_points, g.max_points] for g in groups],
        "bands": [[b.min_points, b.max_points, b.recommendation.value] for b in bands],
        "red_flags": [[f.flag_id, f.condition] for f in red_flags],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------
# Loading and checking a card file
# --------------------------------------------------------------------------------------

_TOP_KEYS = {
    "name",
    "version",
    "description",
    "urgent_advice",
    "tree_urgent_advice",
    "items",
    "groups",
    "bands",
    "red_flags",
}
_ITEM_KEYS = {"id", "label", "condition", "points", "evidence", "group"}
_GROUP_KEYS = {"id", "label", "min_points", "max_points", "note"}
_BAND_KEYS = {"name", "min_points", "max_points", "recommendation", "advice"}
_FLAG_KEYS = {"id", "label", "condition", "evidence", "advice"}


def list_cards() -> list[str]:
    """Names of the cards shipped with zaro (``scoring/cards/*.toml``), sorted."""
    return sorted(p.stem for p in CARDS_DIR.glob("*.toml"))


def card_path(name_or_path: str | Path) -> Path:
    """The file for a card name (e.g. ``"default"``) or a path to a ``.toml`` file."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise CardError(f"{path}: no such card file; give a card name ({', '.join(list_cards())}) or a .toml path")
        return path
    path = CARDS_DIR / f"{text}.toml"
    if not path.is_file():
        raise CardError(f"unknown card {text!r}; shipped cards: {', '.join(list_cards())} (or give a .toml path)")
    return path


def load_card(name_or_path: str | Path | Card = DEFAULT_CARD) -> Card:
    """Read and check a points card.

    Parameters
    ----------
    name_or_path : str, Path or Card
        A shipped card's name (see :func:`list_cards`), a path to a card ``.toml`` file, or
        a :class:`Card` (returned as is).

    Returns
    -------
    Card
        With its calibration attached when ``<name>.calibration.json`` sits next to the
        file and was fitted for these points.

    Raises
    ------
    CardError
        Naming the file, the entry and the problem, and saying how to fix it: unreadable
        TOML, unknown keys, unknown features or unreadable conditions, points that are not
        whole numbers, duplicate ids, bands that overlap, leave gaps or miss part of the
        range of totals, unknown recommendations, missing advice.

    Examples
    --------
    >>> load_card().name
    'default'
    """
    if isinstance(name_or_path, Card):
        return name_or_path
    path = card_path(name_or_path).resolve()
    return _load_cached(str(path), _stamp(path), _stamp(calibration_path(path)))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load_cached(path_text: str, card_stamp: tuple[int, int], calibration_stamp: tuple[int, int]) -> Card:
    # Keyed on the modification time and size of the card and its calibration, so an
    # edited or refitted file is read again.
    return _read_card(Path(path_text))


class _Checker:
    """Collects what is needed to build clear messages about one card file."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str, fix: str) -> CardError:
        prefix = f"{self.path.name}: {where}: " if where else f"{self.path.name}: "
        return CardError(f"{prefix}{problem}; {fix}")

    def keys(self, entry: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(entry, dict):
            raise self.fail(
                where, f"expected a table, got {type(entry).__name__}", "write it as [[...]] with key = value lines"
            )
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}", f"allowed keys are {', '.join(sorted(allowed))}")
        missing = [k for k in sorted(required) if k not in entry]
        if missing:
            raise self.fail(where, f"missing {missing[0]!r}", f"add {missing[0]} = ...")
        return entry

    def text(self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = entry.get(key, "")
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be text, got {value!r}", f'write {key} = "..."')
        value = _clean_text(value)
        if required and not value:
            raise self.fail(where, f"{key} is empty", f"write the {key} in plain words")
        return value

    def integer(self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> int | None:
        if key not in entry and not required:
            return None
        value = entry.get(key)
        # TOML booleans are Python bools, which are ints: reject them explicitly.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                where,
                f"{key} must be a whole number, got {value!r}",
                f"write e.g. {key} = {int(value) if isinstance(value, float) and value == value and abs(value) != math.inf else 2}",
            )
        return value

    def condition(self, text: str, where: str) -> None:
        try:
            parse_condition(text)
        except ConditionError as exc:
            raise self.fail(
                where, str(exc), "use the condition language of scoring/features.py, e.g. 'duration_weeks > 2'"
            ) from None


def _clean_text(value: str) -> str:
    # Card texts are wrapped for reading in the file; join the lines into one paragraph.
    return " ".join(value.split())


def _read_card(path: Path) -> Card:
    check = _Checker(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise check.fail("", f"not valid TOML ({exc})", "fix the syntax at the line given") from None
    check.keys(data, "card", _TOP_KEYS, {"name", "version", "items", "bands", "urgent_advice"})
    name = check.text(data, "name", "card")
    version = str(data["version"]).strip()
    description = check.text(data, "description", "card", required=False)
    urgent_advice = check.text(data, "urgent_advice", "card")
    tree_urgent_advice = check.text(data, "tree_urgent_advice", "card", required=False)

    seen: dict[str, str] = {}

    def claim(identifier: Any, where: str, place: str) -> str:
        if not isinstance(identifier, str) or not identifier.strip():
            raise check.fail(where, f"id must be non-empty text, got {identifier!r}", 'write id = "some_name"')
        if identifier in seen:
            raise check.fail(
                where,
                f"duplicate id {identifier!r} ({seen[identifier]} already uses it)",
                "give each item, group and red flag its own id",
            )
        seen[identifier] = place
        return identifier

    groups = []
    for k, entry in enumerate(data.get("groups", [])):
        where = f"group {entry.get('id', k + 1)!r}" if isinstance(entry, dict) else f"group {k + 1}"
        check.keys(entry, where, _GROUP_KEYS, {"id", "label"})
        group = CardGroup(
            group_id=claim(entry["id"], where, f"[[groups]] entry {k + 1}"),
            label=check.text(entry, "label", where),
            min_points=check.integer(entry, "min_points", where, required=False),
            max_points=check.integer(entry, "max_points", where, required=False),
            note=check.text(entry, "note", where, required=False),
        )
        if group.min_points is None and group.max_points is None:
            raise check.fail(where, "no limit given", "add min_points and/or max_points, or drop the group")
        if group.min_points is not None and group.max_points is not None and group.min_points > group.max_points:
            raise check.fail(
                where, f"min_points {group.min_points} is above max_points {group.max_points}", "swap them"
            )
        groups.append(group)
    group_ids = {g.group_id for g in groups}

    items = []
    raw_items = data["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise check.fail("items", "no items", "add at least one [[items]] table")
    for k, entry in enumerate(raw_items):
        where = f"item {entry.get('id', k + 1)!r}" if isinstance(entry, dict) else f"item {k + 1}"
        check.keys(entry, where, _ITEM_KEYS, {"id", "label", "condition", "points", "evidence"})
        condition = check.text(entry, "condition", where)
        check.condition(condition, where)
        group = entry.get("group")
        if group is not None and group not in group_ids:
            known = ", ".join(sorted(group_ids)) or "none defined"
            raise check.fail(
                where, f"unknown group {group!r}", f"use one of the [[groups]] ids ({known}) or remove group"
            )
        points = check.integer(entry, "points", where)
        if points == 0:
            raise check.fail(where, "points is 0, so the item can never change a total", "give it points or remove it")
        items.append(
            CardItem(
                item_id=claim(entry["id"], where, f"[[items]] entry {k + 1}"),
                label=check.text(entry, "label", where),
                condition=condition,
                points=points,  # type: ignore[arg-type]
                evidence=check.text(entry, "evidence", where),
                group=group,
            )
        )

    red_flags = []
    flag_advice: dict[str, str] = {}
    for k, entry in enumerate(data.get("red_flags", [])):
        where = f"red flag {entry.get('id', k + 1)!r}" if isinstance(entry, dict) else f"red flag {k + 1}"
        check.keys(entry, where, _FLAG_KEYS, {"id", "label", "condition", "evidence"})
        condition = check.text(entry, "condition", where)
        check.condition(condition, where)
        flag = RedFlag(
            claim(entry["id"], where, f"[[red_flags]] entry {k + 1}"),
            check.text(entry, "label", where),
            condition,
            check.text(entry, "evidence", where),
        )
        if "advice" in entry:
            flag_advice[flag.flag_id] = check.text(entry, "advice", where)
        red_flags.append(flag)
    if len(red_flags) > _MAX_RED_FLAGS:
        raise check.fail("red_flags", f"{len(red_flags)} red flags", f"a card can have at most {_MAX_RED_FLAGS}")

    lo, hi = _total_bounds(tuple(items), tuple(groups))
    bands = _read_bands(check, data["bands"], lo, hi)
    return Card(
        name=name,
        version=version,
        description=description,
        items=tuple(items),
        groups=tuple(groups),
        bands=bands,
        red_flags=tuple(red_flags),
        urgent_advice=urgent_advice,
        red_flag_advice=flag_advice,
        tree_urgent_advice=tree_urgent_advice,
        path=path,
        calibration=_read_calibration(path, _fingerprint(items, groups, bands, red_flags)),
    )


def _read_bands(check: _Checker, raw: Any, lo: int, hi: int) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        raise check.fail("bands", "no bands", "add [[bands]] tables covering every total")
    bands = []
    names: set[str] = set()
    for k, entry in enumerate(raw):
        where = f"band {entry.get('name', k + 1)!r}" if isinstance(entry, dict) else f"band {k + 1}"
        check.keys(entry, where, _BAND_KEYS, {"name", "min_points", "max_points", "recommendation", "advice"})
        name = check.text(entry, "name", where)
        if name in names:
            raise check.fail(where, f"duplicate band name {name!r}", "give each band its own name")
        names.add(name)
        low, high = check.integer(entry, "min_points", where), check.integer(entry, "max_points", where)
        if low > high:  # type: ignore[operator]
            raise check.fail(where, f"min_points {low} is above max_points {high}", "swap them")
        recommendation = entry["recommendation"]
        if recommendation not in LEVELS:
            raise check.fail(where, f"unknown recommendation {recommendation!r}", f"use one of {', '.join(LEVELS)}")
        advice = entry.get("advice")
        if not isinstance(advice, str) or not advice.strip():
            raise check.fail(where, "missing advice", 'write advice = """...""" saying what to do in this band')
        bands.append(Band(name, low, high, Recommendation(recommendation), _clean_text(advice)))  # type: ignore[arg-type]
    bands.sort(key=lambda b: b.min_points)
    for before, after in zip(bands, bands[1:]):
        if after.min_points <= before.max_points:
            raise check.fail(
                f"band {after.name!r}",
                f"overlaps band {before.name!r} ({before.min_points} to {before.max_points}) from {after.min_points}",
                f"start it at {before.max_points + 1}",
            )
        if after.min_points > before.max_points + 1:
            raise check.fail(
                f"band {after.name!r}",
                f"gap: no band covers {before.max_points + 1} to {after.min_points - 1}",
                f"start it at {before.max_points + 1} or extend band {before.name!r}",
            )
        if after.recommendation < before.recommendation:
            raise check.fail(
                f"band {after.name!r}",
                f"recommends {after.recommendation.value} for higher totals than band {before.name!r} ({before.recommendation.value})",
                "higher totals must never be less cautious: reorder the recommendations",
            )
    if bands[0].min_points > lo:
        raise check.fail(
            f"band {bands[0].name!r}",
            f"totals can go down to {lo} but the lowest band starts at {bands[0].min_points}",
            f"set its min_points = {lo}",
        )
    if bands[-1].max_points < hi:
        raise check.fail(
            f"band {bands[-1].name!r}",
            f"totals can reach {hi} but the highest band stops at {bands[-1].max_points}",
            f"set its max_points = {hi}",
        )
    for band in bands:
        if band.max_points < lo or band.min_points > hi:
            raise check.fail(
                f"band {band.name!r}",
                f"can never be reached: totals run from {lo} to {hi}",
                "move its range inside that or remove it",
            )
    if not any(b.recommendation is Recommendation.SEE_DOCTOR for b in bands):
        raise check.fail("bands", "no band recommends see_doctor", "add one, so there is routine-review advice to give")
    return tuple(bands)


def calibration_path(card_file: Path) -> Path:
    """Where a card's calibration is stored: ``<card>.calibration.json`` next to the card."""
    return card_file.with_name(card_file.stem + ".calibration.json")


def _read_calibration(card_file: Path, fingerprint: str) -> CardCalibration | None:
    path = calibration_path(card_file)
    if not path.is_file():
        return None
    refit = (
        "probabilities are left empty until you refit with scoring.engine.calibration.fit_calibration(card, save=True)"
    )
    try:
        data = json.loads(path.read_text())
        calibration = CardCalibration(
            intercept=float(data["intercept"]),
            slope=float(data["slope"]),
            band_step=float(data["band_step"]),
            red_flag_probability=float(data["red_flag_probability"]),
            card_fingerprint=str(data["card_fingerprint"]),
            data=data,
        )
    except (ValueError, KeyError, TypeError) as exc:
        warnings.warn(f"{path.name} cannot be read ({exc!r}); {refit}", stacklevel=3)
        return None
    if calibration.card_fingerprint != fingerprint:
        warnings.warn(f"{path.name} was fitted for different points than {card_file.name}; {refit}", stacklevel=3)
        return None
    return calibration


# --------------------------------------------------------------------------------------
# Printing the card
# --------------------------------------------------------------------------------------


def _item_rows(card: Card) -> list[tuple[str | None, list[CardItem]]]:
    """Items in sections: ungrouped items first, then each group (card order within)."""
    sections: list[tuple[str | None, list[CardItem]]] = [(None, [i for i in card.items if i.group is None])]
    for group in card.groups:
        sections.append((group.group_id, [i for i in card.items if i.group == group.group_id]))
    return [(gid, rows) for gid, rows in sections if rows]


def _band_range(band: Band) -> str:
    return f"{band.min_points} to {band.max_points}"


def render_card_text(card: Card, *, width: int = 100) -> str:
    """The card as a plain-text table for a terminal, derived from the card data only.

    Parameters
    ----------
    card : Card
    width : int
        Wrap long labels and the description to this many characters.
    """
    lines = [f"Points card: {card.name} (version {card.version})"]
    if card.description:
        lines += textwrap.wrap(card.description, width)
    label_width = max([len(i.label) for i in card.items] + [len(f.label) for f in card.red_flags] + [4])
    label_width = min(label_width, 56, width - 30)
    groups = {g.group_id: g for g in card.groups}

    def row(points: str, label: str, condition: str) -> list[str]:
        wrapped = textwrap.wrap(label, label_width) or [""]
        out = [f"{points:>6}  {wrapped[0]:<{label_width}}  {condition}".rstrip()]
        out += [f"{'':>6}  {part}" for part in wrapped[1:]]
        return out

    lines.append("")
    lines.append(f"{'Points':>6}  {'Item':<{label_width}}  Condition")
    lines.append(f"{'-' * 6}  {'-' * label_width}  {'-' * 9}")
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            lines.append(f"{'':>6}  {group.label} ({group.cap_text()}):")
        for item in members:
            lines += row(f"{item.points:+d}", item.label, item.condition)
    lines.append("")
    lines.append(f"Totals run from {card.min_total} to {card.max_total}.")
    if card.red_flags:
        lines.append("")
        lines.append("Red flags (urgent whatever the total):")
        for flag in card.red_flags:
            lines += row("!", flag.label, flag.condition)
    lines.append("")
    lines.append("Bands:")
    range_width = max(len(_band_range(b)) for b in card.bands)
    name_width = max(len(b.name) for b in card.bands)
    for band in card.bands:
        lines.append(f"  {_band_range(band):<{range_width}}  {band.name:<{name_width}}  {band.recommendation.value}")
    return "\n".join(lines) + "\n"


def render_card_html(card: Card) -> str:
    """The card as an HTML fragment (a captioned table, every text escaped).

    Derived from the card data only; the caller decides where it goes.
    """
    e = html.escape
    groups = {g.group_id: g for g in card.groups}
    parts = [
        '<table class="zaro-card">',
        f"<caption>Points card: {e(card.name)} (version {e(card.version)})</caption>",
        "<thead><tr><th>Points</th><th>Item</th><th>Condition</th><th>Source</th></tr></thead>",
        "<tbody>",
    ]
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            parts.append(f'<tr class="group"><th colspan="4">{e(group.label)} ({e(group.cap_text())})</th></tr>')
        for item in members:
            parts.append(
                f"<tr><td>{item.points:+d}</td><td>{e(item.label)}</td>"
                f"<td><code>{e(item.condition)}</code></td><td>{e(item.evidence)}</td></tr>"
            )
    parts.append(f'<tr class="range"><td colspan="4">Totals run from {card.min_total} to {card.max_total}.</td></tr>')
    parts.append("</tbody>")
    if card.red_flags:
        parts.append('<tbody class="red-flags"><tr><th colspan="4">Red flags (urgent whatever the total)</th></tr>')
        for flag in card.red_flags:
            parts.append(
                f"<tr><td>!</td><td>{e(flag.label)}</td><td><code>{e(flag.condition)}</code></td>"
                f"<td>{e(flag.evidence)}</td></tr>"
            )
        parts.append("</tbody>")
    parts.append('<tbody class="bands"><tr><th colspan="4">Bands</th></tr>')
    for band in card.bands:
        parts.append(
            f"<tr><td>{e(_band_range(band))}</td><td>{e(band.name)}</td>"
            f"<td>{e(band.recommendation.value)}</td><td>{e(band.advice)}</td></tr>"
        )
    parts.append("</tbody></table>")
    return "\n".join(parts) + "\n"
