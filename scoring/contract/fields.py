"""The vignette fields as data: ``definitions/fields.toml``, checked by a schema when it is read.

Each ``[[field]]`` entry becomes a :class:`FieldSpec`. The file is read with a pydantic model
that forbids unknown keys and checks that each entry is complete for its kind (a number has
a range and a display form, a category its allowed values, a default is allowed...), so a
typo in the file is an error naming the file, the entry, the key and the fix, not a
silently different contract.

Units have one home: a number field's ``display`` template (``"{value} weeks"``,
``"{value} out of 10"``) says how one value reads, and :meth:`FieldSpec.format_value` is the one
function that writes it; ``unit`` is the unit of measure shown beside a label or an axis.
"""

from __future__ import annotations

import json
import math
import string
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import ConfigDict, Field

from scoring._paths import FIELDS_FILE
from scoring.contract.errors import VignetteError, unknown_field_error

__all__ = [
    "FieldSpec",
    "FieldsFileError",
    "FIELDS",
    "FIELD_NAMES",
    "METADATA_COLUMNS",
    "LOCATIONS",
    "field_spec",
    "format_field_value",
    "load_fields",
]

#: Columns that may travel with vignettes in a frame or CSV without being contract fields.
METADATA_COLUMNS: tuple[str, ...] = ("vignette_id", "latent_cause", "triage", "narrative")

Kind = Literal["int", "float", "bool", "category", "multi_category"]


class FieldsFileError(ValueError):
    """``fields.toml`` (or a file in its format) does not describe a valid contract."""


def number_text(value: Any) -> str:
    """A number as people write it: ``2`` not ``2.0``, ``2.5``, at most six significant digits."""
    number = float(value)
    if math.isfinite(number) and number.is_integer():
        return str(int(number))
    return f"{number:g}"


class FieldSpec(pydantic.BaseModel):
    """One field of the vignette contract, as read from ``fields.toml``.

    Attributes
    ----------
    name, kind, label, description
        The field's name in every input and output, its kind (``int``, ``float``, ``bool``,
        ``category`` or ``multi_category``), a short label and a sentence for tooltips.
    unit : str or None
        The unit of measure beside a label or an axis ("weeks"); none for a rating.
    display : str or None
        How one value of a number field reads, with ``{value}`` where the number goes.
    min, max : number or None
        The inclusive range of a number field.
    allowed : tuple of str
        The values of a category field (or the items of a ``multi_category`` field).
    default
        The value an optional field takes when it is not given; ``None`` for a required field.
    below_min_reason : str or None
        Why a value below ``min`` is refused, when that needs more than "below the minimum".
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    unit: str | None = None
    display: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    allowed: tuple[str, ...] = ()
    default: bool | int | float | str | None = None
    below_min_reason: str | None = None

    @pydantic.model_validator(mode="after")
    def _complete_for_its_kind(self) -> FieldSpec:
        problems = _kind_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def required(self) -> bool:
        """True when the field has no default and must be given."""
        return self.default is None

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "float")

    @property
    def bounds(self) -> tuple[int | float, int | float]:
        """``(min, max)`` of a number field, typed without ``None`` for callers that need numbers.

        Raises
        ------
        ValueError
            For a field that is not a number, naming it.
        """
        if self.min is None or self.max is None:
            raise ValueError(
                f"field {self.name!r} is a {self.kind} field: it has no range (only int and float fields do)"
            )
        return self.min, self.max

    def allowed_text(self) -> str:
        """What this field accepts, in words (used in every error message about it)."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.kind == "int":
            return f"a whole number from {number_text(self.min)} to {number_text(self.max)}{unit}"
        if self.kind == "float":
            return f"a number from {number_text(self.min)} to {number_text(self.max)}{unit}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "category":
            return "one of " + ", ".join(repr(a) for a in self.allowed)
        return "one or more of " + ", ".join(repr(a) for a in self.allowed) + " (a list, or text separated by ';')"

    def default_text(self) -> str:
        """The default in words, or 'required'."""
        if self.required:
            return "required"
        return json.dumps(self.default)

    def label_with_unit(self) -> str:
        """The label with the unit of measure, for a control or an axis: 'Duration (weeks)'."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def format_value(self, value: Any) -> str:
        """One value of this field in words, the same in every face.

        Examples
        --------
        >>> field_spec("stress_level").format_value(8)
        '8 out of 10'
        >>> field_spec("duration_weeks").format_value(2.0)
        '2 weeks'
        >>> field_spec("weakness").format_value(True)
        'yes'
        >>> field_spec("locations").format_value(("eyelid", "calf"))
        'eyelid, calf'
        """
        if self.kind == "bool":
            return "yes" if value else "no"
        if self.kind == "multi_category":
            items = [item for item in (value.split(";") if isinstance(value, str) else value) if item]
            return ", ".join(str(item) for item in items) if items else "(none)"
        if self.kind == "category":
            return str(value)
        return str(self.display).format(value=number_text(value))


def _kind_problems(spec: FieldSpec) -> list[str]:
    """What an entry lacks or has too much of for its kind, each with the fix."""
    numeric = spec.kind in ("int", "float")
    problems = []
    if numeric:
        problems += _number_problems(spec)
    else:
        extra = [key for key in ("unit", "display", "min", "max", "below_min_reason") if getattr(spec, key) is not None]
        if extra:
            problems.append(f"a {spec.kind} field takes no {', '.join(extra)}: remove them")
    if spec.kind in ("category", "multi_category"):
        if not spec.allowed or len(set(spec.allowed)) != len(spec.allowed):
            problems.append("'allowed' must list one or more distinct values")
    elif spec.allowed:
        problems.append(f"a {spec.kind} field takes no 'allowed' list: remove it")
    problems += _default_problems(spec)
    return problems


def _number_problems(spec: FieldSpec) -> list[str]:
    problems = []
    if spec.min is None or spec.max is None or isinstance(spec.min, bool) or isinstance(spec.max, bool):
        problems.append("a number field needs 'min' and 'max' (numbers), e.g. min = 0, max = 10")
    elif not (math.isfinite(spec.min) and math.isfinite(spec.max) and spec.min <= spec.max):
        problems.append(f"'min' ({spec.min}) must be finite and at most 'max' ({spec.max})")
    fields = [name for _, name, _, _ in string.Formatter().parse(spec.display or "") if name is not None]
    if fields != ["value"]:
        problems.append(
            "a number field needs 'display', a template with '{value}' once and no other braces, "
            'e.g. display = "{value} weeks"'
        )
    return problems


def _default_problems(spec: FieldSpec) -> list[str]:
    default = spec.default
    if default is None:
        return []
    if spec.kind == "multi_category":
        return ["a multi_category field cannot have a default: remove it (the field is required)"]
    if spec.kind == "bool":
        return (
            [] if isinstance(default, bool) else [f"the default of a bool field must be true or false, not {default!r}"]
        )
    if spec.kind == "category":
        ok = isinstance(default, str) and default in spec.allowed
        return [] if ok else [f"the default {default!r} must be one of 'allowed': {', '.join(spec.allowed)}"]
    # An int field's default is an int; a float field's may be written 0 or 0.0.
    right_type = isinstance(default, int) or (spec.kind == "float" and isinstance(default, float))
    if isinstance(default, (bool, str)) or not right_type:
        return [f"the default of a {spec.kind} field must be a {spec.kind}, not {default!r}"]
    if spec.min is not None and spec.max is not None and not spec.min <= default <= spec.max:
        return [f"the default {default!r} is outside min..max ({spec.min}..{spec.max})"]
    return []


class _FieldsFile(pydantic.BaseModel):
    """The whole file: a list of ``[[field]]`` entries with distinct names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: tuple[FieldSpec, ...]

    @pydantic.field_validator("field")
    @classmethod
    def _distinct_names(cls, entries: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        if not entries:
            raise ValueError("no [[field]] entries: the contract needs at least one field")
        seen: set[str] = set()
        for entry in entries:
            if entry.name in seen:
                raise ValueError(f"field {entry.name!r} is defined twice: keep one entry")
            seen.add(entry.name)
        return entries


def _describe_error(error: Any, table: Any) -> str:
    loc = error["loc"]
    where = "the file"
    if len(loc) >= 2 and loc[0] == "field" and isinstance(loc[1], int):
        entries = table.get("field", []) if isinstance(table, dict) else []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"[[field]] entry {loc[1] + 1}" + (f" ({name!r})" if name else "")
        loc = loc[2:]
    key = f", key {'.'.join(map(str, loc))!r}" if loc else ""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "missing: add this key"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(FieldSpec.model_fields) if where != "the file" else "field"
        message = f"unknown key (got {error['input']!r}); allowed keys: {allowed}"
    return f"{where}{key}: {message}"


def load_fields(path: str | Path = FIELDS_FILE) -> tuple[FieldSpec, ...]:
    """Read and check a fields file (``definitions/fields.toml`` by default).

    Raises
    ------
    FieldsFileError
        Naming the file, the entry, the key, what is wrong and how to fix it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FieldsFileError(f"{path}: cannot read the fields file ({exc}); fix the TOML syntax") from None
    try:
        return _FieldsFile.model_validate(table).field
    except pydantic.ValidationError as exc:
        problems = "; ".join(_describe_error(e, table) for e in exc.errors())
        raise FieldsFileError(f"{path}: {problems}") from None


@lru_cache(maxsize=1)
def _default_fields() -> tuple[FieldSpec, ...]:
    return load_fields(FIELDS_FILE)


#: The contract fields, in contract order.
FIELDS: tuple[FieldSpec, ...] = _default_fields()
#: Contract field names, in contract order.
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}
#: Allowed body locations, in contract order (also the canonical order in ';'-joined text).
LOCATIONS: tuple[str, ...] = _BY_NAME["locations"].allowed


def field_spec(name: str) -> FieldSpec:
    """Return the :class:`FieldSpec` for a contract field, or raise :class:`VignetteError`."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise VignetteError([unknown_field_error(name, None, FIELD_NAMES)]) from None


def format_field_value(name: str, value: Any) -> str:
    """One value of the field ``name`` in words (see :meth:`FieldSpec.format_value`).

    Examples
    --------
    >>> format_field_value("caffeine_mg_per_day", 380.0)
    '380 mg/day'
    """
    return field_spec(name).format_value(value)
