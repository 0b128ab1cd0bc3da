"""The reference triage ladder: red flags, then reasons to see a doctor, then self-care.

The ladder is data (``definitions/triage.toml``): each rule has a level (``urgent`` or
``see_doctor``) and a condition in zaro's condition language. A vignette's label is the
highest level of any rule that fires, and ``self_care`` when none does. The generator uses
it as the ground-truth label of the synthetic vignettes; its urgent rules are the red
flags that no card may go below (:func:`red_flag_rules`, :func:`red_flags_fired`). The
reasons behind each rule are in ``docs/clinical.md`` (section 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.features import Condition, ConditionError, Features, parse_condition
from scoring.contract.recommendation import LEVELS, TIMEFRAMES
from scoring.contract.schema import FieldError, VignetteError, validate_frame
from scoring.engine._definitions import (
    DefinitionError,
    RequiredText,
    Strict,
    allowed_keys,
    first_error,
    problem_text,
    read_toml,
)

__all__ = [
    "TRIAGE_FILE",
    "LadderError",
    "TriageRule",
    "RuleEntry",
    "rules_from_entries",
    "levels_of_rules",
    "load_triage_ladder",
    "red_flag_rules",
    "rules_fired",
    "red_flags_fired",
    "timeframes_fired",
    "triage_levels",
    "triage_categorical",
    "triage_rules_fired",
    "triage_frame",
]

TRIAGE_FILE = DEFINITIONS_DIR / "triage.toml"


class LadderError(DefinitionError):
    """``triage.toml`` cannot be used: names the rule, the problem and the fix."""


Timeframe = Literal["within_2_weeks", "same_day", "emergency"]


class RuleEntry(Strict):
    """The schema of one rule (a ``[[rule]]`` of triage.toml, a ``[[rules]]`` of policies.toml)."""

    id: RequiredText
    level: Literal["urgent", "see_doctor"]
    when: str
    description: RequiredText
    source: RequiredText
    timeframe: Timeframe | None = None
    advice: RequiredText | None = None


class _LadderFile(Strict):
    rule: list[RuleEntry] = Field(min_length=1)


@dataclass(frozen=True)
class TriageRule:
    """One rung of the reference triage ladder (see ``definitions/triage.toml``)."""

    id: str
    level: str  # "urgent" or "see_doctor"
    when: str
    description: str
    source: str
    condition: Condition
    timeframe: str | None = None  # urgent rules: within_2_weeks, same_day or emergency
    advice: str = ""  # urgent rules: what to do, in the time frame's words

    def describe(self) -> str:
        """The rule's condition in plain words, e.g. 'real weakness and getting worse'."""
        return self.condition.describe()


def _schema_message(exc: ValidationError, raw: dict, path: Path) -> str:
    error = first_error(exc)
    loc = error["loc"]
    if len(loc) >= 2 and isinstance(loc[1], int):
        entry = raw["rule"][loc[1]]
        name = entry.get("id", loc[1] + 1) if isinstance(entry, dict) else loc[1] + 1
        where, key = f"rule {name!r}", str(loc[-1])
        text = problem_text(error, key, allowed=allowed_keys(RuleEntry), table_hint="write it as a [[rule]] table")
    else:
        where, key = "ladder", str(loc[0]) if loc else "rule"
        text = problem_text(error, key, allowed=allowed_keys(_LadderFile))
    if error["type"] == "literal_error" and loc[-1] == "level":
        text += " (self_care is what remains when no rule fires)"
    return f"{path.name}: {where}: {text}"


@lru_cache(maxsize=4)
def load_triage_ladder(path: Path | None = None) -> tuple[TriageRule, ...]:
    """Read and check the triage ladder; rules in file order.

    Parameters
    ----------
    path : Path, optional
        A ladder file; ``definitions/triage.toml`` by default.

    Raises
    ------
    LadderError
        Naming the file and the rule: a missing or unknown key, a level other than
        ``urgent``/``see_doctor``, a repeated id, or a condition that does not parse.
    """
    path = TRIAGE_FILE if path is None else Path(path)
    raw = read_toml(path, LadderError)
    try:
        checked = _LadderFile.model_validate(raw)
    except ValidationError as exc:
        raise LadderError(_schema_message(exc, raw, path)) from None
    return rules_from_entries(checked.rule, path, LadderError)


def rules_from_entries(
    entries: list[RuleEntry], path: Path, error: type[DefinitionError] = LadderError, taken: tuple[str, ...] = ()
) -> tuple[TriageRule, ...]:
    """Checked rule entries as :class:`TriageRule` (conditions parsed, time frames checked).

    Used for the ladder and for the extra rules of ``policies.toml``; ``taken`` are ids already
    used elsewhere (a rule id names one rule everywhere). Raises ``error`` naming the file and
    the rule: a repeated id, a condition that does not parse, an urgent rule without a time
    frame or advice, or a time frame on a see_doctor rule.
    """
    rules: list[TriageRule] = []
    seen: set[str] = set(taken)
    for entry in entries:
        if entry.id in seen:
            raise error(f"{path.name}: rule {entry.id!r}: the id is used twice; give each rule its own id")
        seen.add(entry.id)
        try:
            condition = parse_condition(entry.when)
        except ConditionError as exc:
            raise error(
                f"{path.name}: rule {entry.id!r}: {exc}; write `when` in the condition language, "
                "e.g. 'weakness and worsening'"
            ) from None
        _check_timeframe(entry, path, error)
        rules.append(
            TriageRule(
                entry.id,
                entry.level,
                entry.when,
                entry.description,
                entry.source,
                condition,
                entry.timeframe,
                entry.advice or "",
            )
        )
    return tuple(rules)


def _check_timeframe(entry: RuleEntry, path: Path, error: type[DefinitionError] = LadderError) -> None:
    """Urgent rules say how soon (``timeframe``) and what to do (``advice``); other rules do not."""
    where = f"{path.name}: rule {entry.id!r}"
    if entry.level == "urgent":
        if entry.timeframe is None:
            raise error(f"{where}: an urgent rule needs a time frame; add timeframe = one of {', '.join(TIMEFRAMES)}")
        if entry.advice is None:
            raise error(f'{where}: an urgent rule needs advice; add advice = "..." saying what to do and how soon')
    elif entry.timeframe is not None:
        raise error(
            f'{where}: timeframe {entry.timeframe!r} is for urgent rules only; remove it or set level = "urgent"'
        )


def red_flag_rules() -> tuple[TriageRule, ...]:
    """The ladder's ``urgent`` rules: red flags that make any answer urgent."""
    return tuple(rule for rule in load_triage_ladder() if rule.level == "urgent")


def rules_fired(features: Features, rules: Iterable[TriageRule] | None = None) -> dict[str, np.ndarray]:
    """Per rule id (ladder order, or the order of ``rules``), a boolean array: where the rule fires."""
    chosen = load_triage_ladder() if rules is None else rules
    return {rule.id: np.asarray(rule.condition.evaluate(features), dtype=bool) for rule in chosen}


def red_flags_fired(features: Features | Mapping[str, float]) -> np.ndarray:
    """Where any red flag of the ladder fires: one bool per row (or a 0-d array for one vignette).

    ``features`` is :class:`~scoring.contract.features.Features` of a validated frame, or one
    vignette encoded by :func:`~scoring.contract.features.encode_vignette`.
    """
    fired = np.zeros(len(features), dtype=bool) if isinstance(features, Features) else np.asarray(False)
    for rule in red_flag_rules():
        fired = fired | np.asarray(rule.condition.evaluate(features), dtype=bool)
    return fired


def timeframes_fired(encoded: Mapping[str, float]) -> dict[str, str]:
    """For one encoded vignette: the urgent rules that fire, id to time frame (ladder order)."""
    return {rule.id: str(rule.timeframe) for rule in red_flag_rules() if bool(rule.condition.evaluate(encoded))}


def levels_of_rules(rules: Iterable[TriageRule], fired: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The highest level of any of ``rules`` that fired, per row (0 where none did), as int8.

    ``fired`` maps rule id to where the rule fires (as :func:`rules_fired` gives it). One OR
    per level, one assignment per level: a policy's or the floor's rules, or the whole ladder.
    """
    rules = tuple(rules)
    levels = np.zeros(n, dtype=np.int8)
    for rank in range(1, len(LEVELS)):
        hit = np.zeros(n, dtype=bool)
        for rule in rules:
            if LEVELS.index(rule.level) == rank:
                hit |= fired[rule.id]
        levels[hit] = rank  # levels in rising order: a higher one overwrites a lower one
    return levels


def _levels_from_fired(fired: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The ladder's level per row from where each of its rules fired."""
    return levels_of_rules(load_triage_ladder(), fired, n)


def triage_levels(features: Features, fired: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """The ladder's level per row (0 self_care, 1 see_doctor, 2 urgent), as int8.

    ``fired`` is :func:`rules_fired` of the same features, when the caller has it already.
    """
    return _levels_from_fired(rules_fired(features) if fired is None else fired, len(features))


def triage_categorical(levels: np.ndarray) -> pd.Categorical:
    """Levels 0/1/2 as the ordered ``self_care < see_doctor < urgent`` categorical."""
    return pd.Categorical.from_codes(levels, dtype=pd.CategoricalDtype(list(LEVELS), ordered=True))


def _valid_features(frame: pd.DataFrame) -> Features:
    checked = validate_frame(frame, extra="drop")
    if checked.n_rejected_rows:
        first = checked.rejected.head(5)
        errors = [
            FieldError(f"row {row} {name}", value, reason, allowed)
            for row, name, value, reason, allowed in zip(
                first["row"], first["field"], first["value"], first["reason"], first["allowed"]
            )
        ]
        raise VignetteError(errors) from None
    return Features(checked.valid)


def triage_rules_fired(frame: pd.DataFrame) -> pd.DataFrame:
    """Which ladder rules fire for each vignette.

    Parameters
    ----------
    frame : DataFrame
        Vignettes meeting the contract (a generated frame, a CSV read back, or the ``valid``
        frame of :func:`scoring.contract.schema.validate_frame`). Extra columns are ignored.

    Returns
    -------
    DataFrame
        One boolean column per rule id, in ladder order, on the frame's index.

    Raises
    ------
    VignetteError
        If any row breaks the contract (the first few problems are named).
    """
    return pd.DataFrame(rules_fired(_valid_features(frame)), index=frame.index)


def triage_frame(frame: pd.DataFrame) -> pd.Series:
    """Apply the reference triage ladder to every vignette of a frame.

    Parameters
    ----------
    frame : DataFrame
        Vignettes meeting the contract; see :func:`triage_rules_fired`.

    Returns
    -------
    Series
        ``self_care``, ``see_doctor`` or ``urgent`` per row (an ordered categorical named
        ``triage``, on the frame's index). For a generated frame with ``label_noise=0`` it
        equals the ``triage`` column; with noise, the rows that differ are the flipped ones.

    Examples
    --------
    >>> from scoring.engine.synth import generate_vignettes
    >>> frame = generate_vignettes(200, seed=1)
    >>> bool((triage_frame(frame) == frame["triage"]).all())
    True
    """
    levels = triage_levels(_valid_features(frame))
    return pd.Series(triage_categorical(levels), index=frame.index, name="triage")
