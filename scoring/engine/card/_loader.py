"""Reading a card file into a :class:`~scoring.engine.card.Card`, checking it on the way.

The file's shape is checked by the schema (:mod:`._schema`); this module checks what needs
more than one entry (ids used once, groups that exist, bands that cover every total the
items can give) and that every condition parses and can be evaluated: each one is run
once on a small probe frame and on the same vignettes one by one, so a card that loads
cannot fail when it scores. The calibration stored next to the card is attached when it
was fitted for these points.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from scoring._paths import CARDS_DIR, DEFAULT_CARD
from scoring.contract.features import Condition, ConditionError, Features, encode_vignette, parse_condition
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import FIELDS, LOCATIONS, vignettes_to_frame
from scoring.engine._definitions import error_location, first_error, problem_text, read_toml
from scoring.engine.card._model import (
    Card,
    CardCalibration,
    CardError,
    CardGroup,
    CardItem,
    fingerprint,
    total_bounds,
)
from scoring.engine.card._schema import (
    BandEntry,
    CalibrationFile,
    CardFile,
    FlagEntry,
    GroupEntry,
    ItemEntry,
    schema_message,
)
from scoring.results import Band, RedFlag

__all__ = ["list_cards", "card_path", "calibration_path", "load_card"]


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


def calibration_path(card_file: Path) -> Path:
    """Where a card's calibration is stored: ``<card>.calibration.json`` next to the card."""
    return card_file.with_name(card_file.stem + ".calibration.json")


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
        TOML, unknown keys, unknown features, unreadable conditions or conditions that
        cannot be evaluated, points that are not whole numbers, duplicate ids, bands that
        overlap, leave gaps or miss part of the range of totals, unknown recommendations,
        missing advice.

    Examples
    --------
    >>> load_card().name
    'default'
    """
    if name_or_path is None:
        # Every assessment uses a card; only ``tree=None`` switches a model off.
        raise CardError(
            "card=None: a card is always used; pass a card name such as 'default' (see list_cards()), "
            "a path to a card .toml file, or a Card"
        )
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


# --------------------------------------------------------------------------------------
# Checks that need more than one entry
# --------------------------------------------------------------------------------------


class _Checker:
    """Builds messages about one card file and remembers which ids are taken."""

    def __init__(self, path: Path):
        self.path = path
        self.ids: dict[str, str] = {}

    def fail(self, where: str, problem: str, fix: str) -> CardError:
        return CardError(f"{self.path.name}: {where}: {problem}; {fix}")

    def claim(self, identifier: str, where: str, place: str) -> str:
        if identifier in self.ids:
            raise self.fail(
                where,
                f"duplicate id {identifier!r} ({self.ids[identifier]} already uses it)",
                "give each item, group and red flag its own id",
            )
        self.ids[identifier] = place
        return identifier

    def condition(self, text: str, where: str) -> Condition:
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            raise self.fail(
                where, str(exc), "use the condition language of scoring.contract.features, e.g. 'duration_weeks > 2'"
            ) from None
        _probe(condition, where, self)
        return condition


def _probe_vignettes() -> list[dict[str, Any]]:
    """Three vignettes at the edges of the contract: lowest values, highest values, a mix."""
    rows: list[dict[str, Any]] = [{}, {}, {}]
    for spec in FIELDS:
        if spec.kind == "bool":
            values: list[Any] = [False, True, spec.name < "m"]
        elif spec.kind == "category":
            values = [spec.allowed[0], spec.allowed[-1], spec.allowed[len(spec.allowed) // 2]]
        elif spec.kind == "multi_category":
            values = [LOCATIONS[0], ";".join(LOCATIONS), ";".join(LOCATIONS[1::2])]
        else:
            low, high = spec.min if spec.min is not None else 0, spec.max if spec.max is not None else 0
            middle = (low + high) // 2 if spec.kind == "int" else (low + high) / 2
            values = [low, high, middle]
        for row, value in zip(rows, values):
            row[spec.name] = value
    return rows


@lru_cache(maxsize=1)
def _probe_inputs() -> tuple[Features, tuple[dict[str, float], ...]]:
    rows = _probe_vignettes()
    return Features(vignettes_to_frame(rows)), tuple(encode_vignette(row) for row in rows)


def _probe(condition: Condition, where: str, check: _Checker) -> None:
    """Evaluate a condition on the probe frame and on each probe vignette; refuse it if that fails."""
    features, encoded = _probe_inputs()
    try:
        on_frame = np.asarray(condition.evaluate(features), dtype=bool)
        one_by_one = [bool(condition.evaluate(vignette)) for vignette in encoded]
    # Any failure here would otherwise surface when a vignette is scored: report it now.
    except Exception as exc:
        raise check.fail(
            where,
            f"condition {condition.text!r} cannot be evaluated ({type(exc).__name__}: {exc})",
            "simplify the condition or write it with the features listed in scoring.contract.features",
        ) from None
    if on_frame.shape != (len(encoded),) or on_frame.tolist() != one_by_one:
        raise check.fail(
            where,
            f"condition {condition.text!r} gives one answer per row {on_frame.tolist()} on a frame but "
            f"{one_by_one} one vignette at a time",
            "write it with the features listed in scoring.contract.features",
        )


def _groups(entries: Sequence[GroupEntry], check: _Checker) -> tuple[CardGroup, ...]:
    groups = []
    for k, entry in enumerate(entries):
        where = f"group {entry.id!r}"
        check.claim(entry.id, where, f"[[groups]] entry {k + 1}")
        if entry.min_points is None and entry.max_points is None:
            raise check.fail(where, "no limit given", "add min_points and/or max_points, or drop the group")
        if entry.min_points is not None and entry.max_points is not None and entry.min_points > entry.max_points:
            raise check.fail(
                where, f"min_points {entry.min_points} is above max_points {entry.max_points}", "swap them"
            )
        groups.append(CardGroup(entry.id, entry.label, entry.min_points, entry.max_points, entry.note))
    return tuple(groups)


def _items(entries: Sequence[ItemEntry], group_ids: set[str], check: _Checker) -> tuple[CardItem, ...]:
    items = []
    for k, entry in enumerate(entries):
        where = f"item {entry.id!r}"
        check.condition(entry.condition, where)
        if entry.group is not None and entry.group not in group_ids:
            known = ", ".join(sorted(group_ids)) or "none defined"
            raise check.fail(
                where, f"unknown group {entry.group!r}", f"use one of the [[groups]] ids ({known}) or remove group"
            )
        if entry.points == 0:
            raise check.fail(where, "points is 0, so the item can never change a total", "give it points or remove it")
        check.claim(entry.id, where, f"[[items]] entry {k + 1}")
        items.append(CardItem(entry.id, entry.label, entry.condition, entry.points, entry.evidence, entry.group))
    return tuple(items)


def _red_flags(entries: Sequence[FlagEntry], check: _Checker) -> tuple[tuple[RedFlag, ...], dict[str, str]]:
    flags, advice = [], {}
    for k, entry in enumerate(entries):
        where = f"red flag {entry.id!r}"
        check.condition(entry.condition, where)
        check.claim(entry.id, where, f"[[red_flags]] entry {k + 1}")
        flags.append(RedFlag(entry.id, entry.label, entry.condition, entry.evidence, entry.timeframe, entry.advice))
        advice[entry.id] = entry.advice
    return tuple(flags), advice


def _bands(entries: Sequence[BandEntry], check: _Checker, lo: int, hi: int) -> tuple[Band, ...]:
    names: set[str] = set()
    bands = []
    for entry in entries:
        where = f"band {entry.name!r}"
        if entry.name in names:
            raise check.fail(where, f"duplicate band name {entry.name!r}", "give each band its own name")
        names.add(entry.name)
        if entry.min_points > entry.max_points:
            raise check.fail(
                where, f"min_points {entry.min_points} is above max_points {entry.max_points}", "swap them"
            )
        recommendation = Recommendation(entry.recommendation)
        bands.append(Band(entry.name, entry.min_points, entry.max_points, recommendation, entry.advice))
    bands.sort(key=lambda b: b.min_points)
    _check_band_order(bands, check)
    _check_band_range(bands, check, lo, hi)
    return tuple(bands)


def _check_band_order(bands: list[Band], check: _Checker) -> None:
    for before, after in zip(bands, bands[1:]):
        where = f"band {after.name!r}"
        if after.min_points <= before.max_points:
            raise check.fail(
                where,
                f"overlaps band {before.name!r} ({before.min_points} to {before.max_points}) from {after.min_points}",
                f"start it at {before.max_points + 1}",
            )
        if after.min_points > before.max_points + 1:
            raise check.fail(
                where,
                f"gap: no band covers {before.max_points + 1} to {after.min_points - 1}",
                f"start it at {before.max_points + 1} or extend band {before.name!r}",
            )
        if after.recommendation < before.recommendation:
            raise check.fail(
                where,
                f"recommends {after.recommendation.value} for higher totals than band {before.name!r} "
                f"({before.recommendation.value})",
                "higher totals must never be less cautious: reorder the recommendations",
            )


def _check_band_range(bands: list[Band], check: _Checker, lo: int, hi: int) -> None:
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


# --------------------------------------------------------------------------------------
# The whole file
# --------------------------------------------------------------------------------------


def _read_card(path: Path) -> Card:
    raw = read_toml(path, CardError)
    try:
        checked = CardFile.model_validate(raw)
    except ValidationError as exc:
        raise CardError(schema_message(exc, raw, path)) from None
    check = _Checker(path)
    groups = _groups(checked.groups, check)
    items = _items(checked.items, {g.group_id for g in groups}, check)
    red_flags, flag_advice = _red_flags(checked.red_flags, check)
    lo, hi = total_bounds(items, groups)
    bands = _bands(checked.bands, check, lo, hi)
    return Card(
        name=checked.name,
        version=checked.version,
        description=checked.description,
        items=items,
        groups=groups,
        bands=bands,
        red_flags=red_flags,
        urgent_advice=checked.urgent_advice,
        red_flag_advice=flag_advice,
        tree_urgent_advice=checked.tree_urgent_advice,
        path=path,
        calibration=_read_calibration(path, fingerprint(items, groups, bands, red_flags)),
    )


def _calibration_problem(exc: ValidationError) -> str:
    """The first problem of a calibration file, e.g. "missing 'slope'; add slope = ..."."""
    error = first_error(exc)
    return problem_text(error, error_location(error))


def _read_calibration(card_file: Path, card_fingerprint: str) -> CardCalibration | None:
    path = calibration_path(card_file)
    if not path.is_file():
        return None
    refit = (
        "probabilities are left empty until you refit with scoring.engine.calibration.fit_calibration(card, save=True)"
    )
    try:
        data = json.loads(path.read_text())
        stored = CalibrationFile.model_validate(data)
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        problem = _calibration_problem(exc) if isinstance(exc, ValidationError) else repr(exc)
        warnings.warn(f"{path.name} cannot be read ({problem}); {refit}", stacklevel=3)
        return None
    calibration = CardCalibration(
        intercept=stored.intercept,
        slope=stored.slope,
        red_flag_probability=stored.red_flag_probability,
        card_fingerprint=stored.card_fingerprint,
        outcome=stored.outcome,
        population=stored.population,
        prevalence=stored.prevalence,
        data=data,
    )
    if calibration.card_fingerprint != card_fingerprint:
        warnings.warn(f"{path.name} was fitted for different points than {card_file.name}; {refit}", stacklevel=3)
        return None
    return calibration
