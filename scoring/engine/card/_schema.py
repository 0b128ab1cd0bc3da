"""The schema of a card file (``scoring/cards/*.toml``), and its errors in zaro's words.

The models check the shape of the file: known keys only, the required ones present, text
where text belongs, whole numbers for points, a known recommendation per band. What needs
more than one entry (duplicate ids, group names, bands that cover every total) is checked
by the loader once the file has this shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)

from scoring.engine._definitions import (
    CleanText,
    RequiredText,
    Strict,
    TransportStep,
    allowed_keys,
    clean_text,
    first_error,
    problem_text,
)
from scoring.engine.card._model import MAX_RED_FLAGS

__all__ = ["CardFile", "CalibrationFile", "ItemEntry", "GroupEntry", "BandEntry", "FlagEntry", "schema_message"]


def _version_text(value: Any) -> str:
    # A version may be written as text ("1.1") or as a TOML number (1.1); it is kept as text.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f'must be text, got {value!r}; write version = "1.0"')
    return str(value).strip()


def _advice_given(value: str) -> str:
    if not value:
        raise ValueError('missing advice; write advice = """...""" saying what to do in this band')
    return value


class ItemEntry(Strict):
    """One ``[[items]]`` table: when ``condition`` holds, the vignette gets ``points``."""

    id: RequiredText
    label: RequiredText
    condition: RequiredText
    points: StrictInt
    evidence: RequiredText
    group: StrictStr | None = None


class GroupEntry(Strict):
    """One ``[[groups]]`` table: items whose points together stay within a limit."""

    id: RequiredText
    label: RequiredText
    min_points: StrictInt | None = None
    max_points: StrictInt | None = None
    note: CleanText = ""


class BandEntry(Strict):
    """One ``[[bands]]`` table: a range of totals and what it recommends."""

    name: RequiredText
    min_points: StrictInt
    max_points: StrictInt
    recommendation: Literal["self_care", "see_doctor", "urgent"]
    advice: Annotated[StrictStr, AfterValidator(clean_text), AfterValidator(_advice_given)]


class FlagEntry(Strict):
    """One ``[[red_flags]]`` table: a condition that makes the card say urgent.

    ``timeframe`` says how soon (``within_2_weeks``, ``same_day`` or ``emergency``) and
    ``advice`` what to do, in plain words.
    """

    id: RequiredText
    label: RequiredText
    condition: RequiredText
    evidence: RequiredText
    timeframe: Literal["within_2_weeks", "same_day", "emergency"]
    advice: RequiredText


class CardFile(Strict):
    """A whole card file."""

    name: RequiredText
    version: Annotated[str, BeforeValidator(_version_text)]
    description: CleanText = ""
    urgent_advice: RequiredText
    tree_urgent_advice: CleanText = ""
    items: list[ItemEntry] = Field(min_length=1)
    groups: list[GroupEntry] = []
    bands: list[BandEntry] = Field(min_length=1)
    red_flags: list[FlagEntry] = Field(default=[], max_length=MAX_RED_FLAGS)


class CalibrationFile(BaseModel):
    """The numbers read back from ``<card>.calibration.json`` (written by scoring.engine.calibration).

    Other keys record how the calibration was fitted and are kept as they are.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    intercept: float
    slope: float = Field(ge=0.0)
    red_flag_probability: float = Field(ge=0.0, le=1.0)
    card_fingerprint: StrictStr
    outcome: StrictStr
    population: StrictStr
    prevalence: float = Field(gt=0.0, lt=1.0)
    transport: dict[StrictStr, TransportStep] | None = None


#: Per list of entries: how an entry is called in messages, the key that names it, its schema.
_SECTIONS: dict[str, tuple[str, str, type[BaseModel]]] = {
    "items": ("item", "id", ItemEntry),
    "groups": ("group", "id", GroupEntry),
    "bands": ("band", "name", BandEntry),
    "red_flags": ("red flag", "id", FlagEntry),
}


def entry_name(section: str, entry: Any, index: int) -> str:
    """How messages name an entry: ``item 'long_duration'``, or ``item 3`` when it has no id."""
    singular, key, _ = _SECTIONS[section]
    name = (entry.get(key) or index + 1) if isinstance(entry, dict) else index + 1
    return f"{singular} {name!r}"


def schema_message(exc: ValidationError, raw: dict[str, Any], path: Path) -> str:
    """The first schema problem of a card file as one line: file, entry, problem and fix.

    For example ``small.toml: item 'long': points must be a whole number, got 2.5; write
    e.g. points = 2``.
    """
    error = first_error(exc)
    loc = error["loc"]
    section = str(loc[0]) if loc else ""
    if section in _SECTIONS and len(loc) >= 2 and isinstance(loc[1], int):
        singular, _, model = _SECTIONS[section]
        where = entry_name(section, raw[section][loc[1]], loc[1])
        key = str(loc[2]) if len(loc) > 2 else singular
        hint = f"write it as [[{section}]] with key = value lines"
        return f"{path.name}: {where}: {problem_text(error, key, allowed=allowed_keys(model), table_hint=hint)}"
    where = section if section in _SECTIONS and error["type"] != "missing" else "card"
    return f"{path.name}: {where}: {problem_text(error, section or 'card', allowed=allowed_keys(CardFile))}"
