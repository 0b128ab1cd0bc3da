"""The vignette contract: fields as data, one-record validation and vectorised frame validation.

The fields live in ``definitions/fields.toml``. Everything here is derived from that table:
the :class:`Vignette` model (built with pydantic, which gives type coercion, JSON handling
and a JSON Schema for free), the error messages, and the frame validator, which checks a
whole :class:`pandas.DataFrame` column by column without looping over rows.
"""

from __future__ import annotations

import difflib
import json
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from pydantic import ConfigDict, Field, field_validator

from scoring._paths import FIELDS_FILE

__all__ = [
    "FieldSpec",
    "FieldError",
    "VignetteError",
    "Vignette",
    "FrameValidation",
    "FIELDS",
    "FIELD_NAMES",
    "METADATA_COLUMNS",
    "LOCATIONS",
    "field_spec",
    "validate_vignette",
    "validate_frame",
    "vignettes_to_frame",
    "frame_to_vignettes",
    "json_schema",
]

#: Columns that may travel with vignettes in a frame or CSV without being contract fields.
METADATA_COLUMNS: tuple[str, ...] = ("vignette_id", "latent_cause", "triage", "narrative")

_NO_DEFAULT = object()


@dataclass(frozen=True)
class FieldSpec:
    """One field of the vignette contract, as read from ``fields.toml``."""

    name: str
    kind: str  # "int" | "float" | "bool" | "category" | "multi_category"
    label: str
    description: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] = ()
    default: Any = _NO_DEFAULT
    below_min_reason: str | None = None

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "float")

    def allowed_text(self) -> str:
        """What this field accepts, in words (used in every error message about it)."""
        if self.kind == "int":
            return f"a whole number from {_num(self.min)} to {_num(self.max)}" + _unit(self.unit)
        if self.kind == "float":
            return f"a number from {_num(self.min)} to {_num(self.max)}" + _unit(self.unit)
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


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)


def _unit(unit: str | None) -> str:
    return f" ({unit})" if unit and unit != "0-10" else ""


@lru_cache(maxsize=1)
def _load_fields() -> tuple[FieldSpec, ...]:
    with open(FIELDS_FILE, "rb") as handle:
        table = tomllib.load(handle)
    specs = []
    for entry in table["field"]:
        entry = dict(entry)
        if "allowed" in entry:
            entry["allowed"] = tuple(entry["allowed"])
        specs.append(FieldSpec(**entry))
    return tuple(specs)


#: The contract fields, in contract order.
FIELDS: tuple[FieldSpec, ...] = _load_fields()
#: Contract field names, in contract order.
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}
#: Allowed body locations, in contract order (also the canonical order in ';'-joined text).
LOCATIONS: tuple[str, ...] = _BY_NAME["locations"].allowed
_LOCATION_ORDER = {name: i for i, name in enumerate(LOCATIONS)}


def field_spec(name: str) -> FieldSpec:
    """Return the :class:`FieldSpec` for a contract field, or raise :class:`VignetteError`."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise VignetteError([_unknown_field_error(name, None)]) from None


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: which field, what came in, what is wrong, what is allowed."""

    field: str
    value: Any
    reason: str
    allowed: str

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason} (got {_show(self.value)}; allowed: {self.allowed})"


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class VignetteError(ValueError):
    """Raised when input does not meet the vignette contract.

    ``errors`` lists every problem found (a :class:`FieldError` each); the message names
    each field, the value received and what is allowed.
    """

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        if len(self.errors) == 1:
            text = self.errors[0].message
        else:
            text = f"{len(self.errors)} problems: " + "; ".join(e.message for e in self.errors)
        super().__init__(text)


def _unknown_field_error(name: str, value: Any) -> FieldError:
    close = difflib.get_close_matches(str(name), FIELD_NAMES, n=1)
    if not close:
        # Short forms such as 'caffeine' for 'caffeine_mg_per_day' are common.
        close = [f for f in FIELD_NAMES if f.startswith(str(name).lower())][:1]
    hint = f"unknown field; did you mean {close[0]!r}?" if close else "unknown field"
    return FieldError(str(name), value, hint, "the contract fields: " + ", ".join(FIELD_NAMES))


def _is_optional(name: str) -> bool:
    spec = _BY_NAME.get(name)
    return spec is not None and not spec.required


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --------------------------------------------------------------------------------------
# One record: the Vignette model
# --------------------------------------------------------------------------------------


def _split_locations(value: Any) -> Any:
    """Accept a list/tuple or ';'-separated text; return a tuple in contract order, no repeats."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = list(value)
        if all(isinstance(v, str) and v in _LOCATION_ORDER for v in items):
            return tuple(sorted(set(items), key=_LOCATION_ORDER.__getitem__))
        return tuple(items)
    return value


def _annotation(spec: FieldSpec) -> tuple[Any, Any]:
    default = ... if spec.required else spec.default
    if spec.kind == "int":
        return int, Field(default, ge=spec.min, le=spec.max, description=spec.description)
    if spec.kind == "float":
        return float, Field(default, ge=spec.min, le=spec.max, description=spec.description)
    if spec.kind == "bool":
        return bool, Field(default, description=spec.description)
    literal = Literal[spec.allowed]  # type: ignore[valid-type]
    if spec.kind == "category":
        return literal, Field(default, description=spec.description)
    return tuple[literal, ...], Field(default, min_length=1, description=spec.description)


class _VignetteBase(pydantic.BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator(*(f.name for f in FIELDS if f.is_numeric), mode="before", check_fields=False)
    @classmethod
    def _no_bools_for_numbers(cls, value: Any) -> Any:
        # pydantic would read True as 1; a yes/no answer in a number field is a mistake.
        if isinstance(value, (bool, np.bool_)):
            raise ValueError("a yes/no value where a number is expected")
        return value

    @field_validator(*(f.name for f in FIELDS if f.kind == "bool"), mode="before", check_fields=False)
    @classmethod
    def _yes_no_text(cls, value: Any) -> Any:
        # The same yes/no words as validate_frame reads in a CSV, so both paths agree.
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE_TEXT:
                return True
            if text in _FALSE_TEXT:
                return False
        return value

    @field_validator(*(f.name for f in FIELDS if f.kind == "category"), mode="before", check_fields=False)
    @classmethod
    def _strip_category(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("locations", mode="before", check_fields=False)
    @classmethod
    def _locations(cls, value: Any) -> Any:
        return _split_locations(value)

    # -- conveniences ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The vignette as a plain dict (``locations`` as a list), ready for JSON."""
        data = self.model_dump()
        data["locations"] = list(data["locations"])
        return data

    def to_json(self, **kwargs: Any) -> str:
        """The vignette as a JSON object."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """A one-row frame with the same dtypes as :func:`validate_frame` produces."""
        return vignettes_to_frame([self])

    def replace(self, **changes: Any) -> Vignette:
        """A new, validated vignette with some fields changed."""
        return validate_vignette({**self.to_dict(), **changes})

    @property
    def locations_text(self) -> str:
        """``locations`` as ';'-separated text, in contract order."""
        return ";".join(self.locations)  # type: ignore[attr-defined]


Vignette = pydantic.create_model(  # type: ignore[call-overload]
    "Vignette",
    __base__=_VignetteBase,
    __doc__=(
        "One person's twitching, validated against the vignette contract.\n\n"
        "Build it from keyword arguments, a dict, or JSON text with :func:`validate_vignette`.\n"
        "``locations`` accepts a list or ';'-separated text.\n\n"
        "Examples\n--------\n"
        ">>> v = validate_vignette({'age': 34, 'duration_weeks': 2, 'frequency': 'daily',\n"
        "...                        'severity': 'minor', 'locations': 'eyelid'})\n"
        ">>> v.locations\n('eyelid',)\n"
    ),
    **{spec.name: _annotation(spec) for spec in FIELDS},
)


_REASONS = {
    "missing": "missing required field",
    "int_parsing": "wrong type: not a whole number",
    "int_from_float": "not a whole number",
    "int_type": "wrong type: not a whole number",
    "float_parsing": "wrong type: not a number",
    "float_type": "wrong type: not a number",
    "bool_parsing": "wrong type: not true or false",
    "bool_type": "wrong type: not true or false",
    "finite_number": "not a finite number (NaN or infinity)",
    "int_parsing_size": "out of range: far outside the allowed range",
    "literal_error": "unknown category",
    "too_short": "empty: at least one location is needed",
    "tuple_type": "wrong type: expected a list of locations or ';'-separated text",
    "value_error": "wrong type",
    "string_type": "wrong type: expected text",
}


def _field_error_from_pydantic(error: Mapping[str, Any], raw: Mapping[str, Any]) -> FieldError:
    loc = error["loc"]
    name = str(loc[0]) if loc else "vignette"
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_field_error(name, error.get("input"))
    spec = _BY_NAME[name]
    # Report the whole value the person gave, not pydantic's piece of it.
    value = raw.get(name) if isinstance(raw, Mapping) else error.get("input")
    if kind == "missing":
        value = None
    reason = _REASONS.get(kind, error.get("msg", "invalid value"))
    if kind == "value_error" and "yes/no" in error.get("msg", ""):
        reason = "wrong type: a yes/no value where a number is expected"
    if _is_nan(error.get("input")):
        reason = "missing value (NaN)"
    elif kind == "literal_error" and spec.kind == "multi_category":
        reason = f"unknown location {error.get('input')!r}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        below = kind == "greater_than_equal"
        if below and spec.below_min_reason:
            reason = f"out of range: {spec.below_min_reason}"
        else:
            reason = "out of range: below the minimum" if below else "out of range: above the maximum"
    return FieldError(name, value, reason, spec.allowed_text())


def validate_vignette(data: Any = None, /, **fields: Any) -> Vignette:
    """Validate one vignette and return it as a :class:`Vignette`.

    Parameters
    ----------
    data : dict, Vignette, JSON text, or a pandas Series, optional
        The vignette. Keyword arguments are merged on top.

    Raises
    ------
    VignetteError
        Listing every problem: unknown or missing fields, wrong types, NaN, values out of
        range, unknown categories, empty ``locations``, age under 18.
    """
    if isinstance(data, Vignette) and not fields:
        return data
    if isinstance(data, _VignetteBase):
        data = data.to_dict()
    elif isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise VignetteError(
                [FieldError("vignette", data, f"not valid JSON ({exc.msg})", "a JSON object")]
            ) from None
    elif isinstance(data, pd.Series):
        data = data.to_dict()
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise VignetteError([FieldError("vignette", data, "wrong type", "a dict, a JSON object or keyword arguments")])
    raw = {**{k: v for k, v in data.items() if k not in METADATA_COLUMNS}, **fields}
    # A missing value (None or NaN) in an optional field means "not given": use the default,
    # exactly as an empty CSV cell does in validate_frame.
    raw = {k: v for k, v in raw.items() if not (_is_optional(k) and (v is None or _is_nan(v)))}
    try:
        return Vignette(**raw)
    except pydantic.ValidationError as exc:
        errors = [_field_error_from_pydantic(e, raw) for e in exc.errors()]
        # A list with several bad items gives one error each; keep the first per field+reason.
        unique = list({(e.field, e.reason): e for e in reversed(errors)}.values())[::-1]
        # An unknown location also makes pydantic see an empty list: report only the real problem.
        if any(e.field == "locations" and e.reason.startswith("unknown location") for e in unique):
            unique = [e for e in unique if not (e.field == "locations" and e.reason.startswith("empty"))]
        raise VignetteError(unique) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one vignette (from the pydantic model)."""
    return Vignette.model_json_schema()


# --------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------


def _category_dtype(spec: FieldSpec) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(spec.allowed), ordered=False)


def vignettes_to_frame(vignettes: Iterable[Any]) -> pd.DataFrame:
    """Build a canonical frame (the dtypes :func:`validate_frame` returns) from vignettes.

    Each item may be a :class:`Vignette` or anything :func:`validate_vignette` accepts.
    """
    records = [validate_vignette(v).to_dict() for v in vignettes]
    columns: dict[str, Any] = {}
    for spec in FIELDS:
        values = [r[spec.name] for r in records]
        if spec.kind == "multi_category":
            columns[spec.name] = pd.Categorical([";".join(v) for v in values])
        elif spec.kind == "category":
            columns[spec.name] = pd.Categorical(values, dtype=_category_dtype(spec))
        else:
            columns[spec.name] = np.asarray(values, dtype=_NUMPY_DTYPES[spec.kind])
    return pd.DataFrame(columns)


def frame_to_vignettes(frame: pd.DataFrame) -> list[Vignette]:
    """Validate each row of a frame into a :class:`Vignette` (raises on the first bad row)."""
    return [validate_vignette(row) for row in frame[list(FIELD_NAMES)].to_dict("records")]


_NUMPY_DTYPES = {"int": np.int64, "float": np.float64, "bool": np.bool_}

# pandas' default text dtype ("str"): what a CSV read as text gives.
_DEFAULT_STR = pd.api.types.pandas_dtype("str")

# Yes/no text both paths accept (compared after stripping and lower-casing).
_TRUE_TEXT = {"true", "t", "yes", "y", "on", "1", "1.0"}
_FALSE_TEXT = {"false", "f", "no", "n", "off", "0", "0.0"}


@dataclass
class FrameValidation:
    """The outcome of validating a frame: nothing is lost.

    Attributes
    ----------
    valid : DataFrame
        Rows that meet the contract, in canonical dtypes, with their original index and any
        metadata columns (``vignette_id``, ``latent_cause``, ``triage``, ``narrative``).
    rejected : DataFrame
        One line per problem: ``row`` (1-based position in the input), ``vignette_id``,
        ``field``, ``value``, ``reason``, ``allowed``. A row with two problems has two lines.
    n_input : int
        Rows in the input; ``n_input == len(valid) + n_rejected_rows`` always holds.
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    n_input: int
    rejected_rows: np.ndarray = field(repr=False)

    @property
    def n_rejected_rows(self) -> int:
        return int(len(self.rejected_rows))

    def summary(self) -> str:
        """One line: rows read, valid, rejected."""
        return (
            f"{self.n_input} rows read, {len(self.valid)} valid, "
            f"{self.n_rejected_rows} rejected ({len(self.rejected)} problems)"
        )


_REJECTED_COLUMNS = ["row", "vignette_id", "field", "value", "reason", "allowed"]


class _Problems:
    """Collects (mask, field, reason) problems, then builds the rejected table once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.n = len(frame)
        self.any_bad = np.zeros(self.n, dtype=bool)
        self.parts: list[tuple[np.ndarray, str, str, str, Any]] = []
        # Rows already reported for a field: one problem per field and row is enough.
        self._bad_by_field: dict[str, np.ndarray] = {}

    def add(self, mask: np.ndarray, spec_name: str, reason: str, allowed: str, values: Any = None) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.any_bad_for(spec_name)
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        self.any_bad |= mask
        self._bad_by_field.setdefault(spec_name, np.zeros(self.n, dtype=bool))[positions] = True
        self.parts.append((positions, spec_name, reason, allowed, values))

    def any_bad_for(self, name: str) -> np.ndarray:
        return self._bad_by_field.get(name, np.zeros(self.n, dtype=bool))

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else "str") for c in _REJECTED_COLUMNS})
        ids = self.frame["vignette_id"] if "vignette_id" in self.frame.columns else None
        pieces = []
        for positions, name, reason, allowed, values in self.parts:
            source = values if values is not None else self.frame[name]
            shown = pd.Series(source).iloc[positions] if values is not None else source.iloc[positions]
            pieces.append(
                pd.DataFrame(
                    {
                        "row": positions + 1,
                        "vignette_id": ids.iloc[positions].astype("str").to_numpy() if ids is not None else "",
                        "field": name,
                        "value": [_show_cell(v) for v in shown.tolist()],
                        "reason": reason,
                        "allowed": allowed,
                    }
                )
            )
        table = pd.concat(pieces, ignore_index=True)
        order = {name: i for i, name in enumerate(FIELD_NAMES)}
        table["_field_order"] = table["field"].map(order).fillna(-1)
        table = table.sort_values(["row", "_field_order"], kind="stable").drop(columns="_field_order")
        return table.reset_index(drop=True)


def _show_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN" if isinstance(value, float) else ""
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return str(value)


def _missing_mask(column: pd.Series) -> np.ndarray:
    return column.isna().to_numpy()


def _check_numeric(column: pd.Series, spec: FieldSpec, problems: _Problems) -> np.ndarray:
    missing = _missing_mask(column)
    if pd.api.types.is_bool_dtype(column.dtype):
        problems.add(
            np.ones(len(column), bool),
            spec.name,
            "wrong type: a yes/no value where a number is expected",
            spec.allowed_text(),
        )
        return np.zeros(len(column))
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        if column.dtype == object:
            # pandas would read True as 1: a yes/no value in a number column is a mistake.
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
            is_bool = np.array([isinstance(u, (bool, np.bool_)) for u in uniques] + [False])
            problems.add(
                is_bool[codes], spec.name, "wrong type: a yes/no value where a number is expected", spec.allowed_text()
            )
        values = _parse_numbers(column)
        wrong = np.isnan(values) & ~missing
        problems.add(wrong, spec.name, "wrong type: not a number", spec.allowed_text())
    problems.add(missing, spec.name, "missing value (NaN or empty)", spec.allowed_text())
    problems.add(np.isinf(values), spec.name, "not a finite number (NaN or infinity)", spec.allowed_text())
    with np.errstate(invalid="ignore"):
        if spec.kind == "int":
            fractional = np.isfinite(values) & (values != np.floor(values))
            problems.add(fractional, spec.name, "not a whole number", spec.allowed_text())
        below = values < spec.min
        above = values > spec.max
    below_reason = (
        f"out of range: {spec.below_min_reason}" if spec.below_min_reason else "out of range: below the minimum"
    )
    problems.add(below, spec.name, below_reason, spec.allowed_text())
    problems.add(above, spec.name, "out of range: above the maximum", spec.allowed_text())
    return values


def _parse_numbers(column: pd.Series) -> np.ndarray:
    """Text to float64, NaN where a cell is missing or not a number."""
    if column.dtype == _DEFAULT_STR:
        # Text read from a CSV repeats few distinct values: parse each distinct value once
        # (the same to_numeric call on fewer cells) and gather. Seconds faster per million rows.
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        parsed = pd.to_numeric(pd.Series(uniques, dtype=column.dtype), errors="coerce")
        parsed = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.where(codes < 0, np.nan, parsed[np.maximum(codes, 0)] if len(parsed) else np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _passthrough(column: pd.Series, good: np.ndarray) -> Any:
    """A metadata or extra column for the valid frame, keeping only the good rows.

    Text columns keep their array (no round trip through Python objects, which costs
    seconds per million rows); categoricals of text become text, as they would through
    ``to_numpy()``. Anything else goes through ``to_numpy()`` as before.
    """
    everything = bool(good.all())
    if not good.any():
        return column.to_numpy()[good]  # nothing kept: an empty object array, as before
    if column.dtype == _DEFAULT_STR:
        return column.array if everything else column.array[good]
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == _DEFAULT_STR:
        # Gather the category texts by code (-1, a missing value, becomes NaN).
        text = column.cat.categories.array.take(column.cat.codes.to_numpy(), allow_fill=True)
        return text if everything else text[good]
    return column.to_numpy() if everything else column.to_numpy()[good]


def _check_bool(column: pd.Series, spec: FieldSpec, problems: _Problems) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype) and not column.isna().any():
        return column.to_numpy(dtype=bool)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    parsed = np.zeros(len(uniques), dtype=np.int8)  # 0 false, 1 true, -1 invalid
    for i, value in enumerate(uniques):
        if isinstance(value, (bool, np.bool_)):
            parsed[i] = int(value)
            continue
        text = str(value).strip().lower()
        parsed[i] = 1 if text in _TRUE_TEXT else 0 if text in _FALSE_TEXT else -1
    missing = codes < 0
    result = np.where(missing, -1, parsed[np.maximum(codes, 0)] if len(parsed) else -1)
    problems.add(missing, spec.name, "missing value (NaN or empty)", spec.allowed_text())
    problems.add((result < 0) & ~missing, spec.name, "wrong type: not true or false", spec.allowed_text())
    return result == 1


def _check_category(column: pd.Series, spec: FieldSpec, problems: _Problems) -> pd.Categorical:
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    allowed = {name: i for i, name in enumerate(spec.allowed)}
    # Surrounding spaces are forgiven, as in numbers, yes/no cells and locations.
    mapped = np.array([allowed.get(u.strip(), -1) if isinstance(u, str) else -1 for u in uniques], dtype=np.int64)
    missing = codes < 0
    new_codes = np.where(missing, -1, mapped[np.maximum(codes, 0)] if len(mapped) else -1)
    problems.add(missing, spec.name, "missing value (NaN or empty)", spec.allowed_text())
    problems.add((new_codes < 0) & ~missing, spec.name, "unknown category", spec.allowed_text())
    return pd.Categorical.from_codes(np.maximum(new_codes, 0), dtype=_category_dtype(spec))


def _check_locations(column: pd.Series, spec: FieldSpec, problems: _Problems) -> pd.Categorical:
    if column.dtype == object and column.map(lambda v: isinstance(v, (list, set))).any():
        # Lists and sets are unhashable: compare them as tuples.
        column = column.map(
            lambda v: tuple(v) if isinstance(v, list) else tuple(sorted(v, key=str)) if isinstance(v, set) else v
        )
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    canonical: list[str] = []
    status = np.zeros(len(uniques), dtype=np.int8)  # 0 ok, 1 empty, 2 unknown item, 3 wrong type
    bad_item: list[str] = []
    for i, value in enumerate(uniques):
        items = _split_locations(value)
        text = ""
        if not isinstance(items, tuple):
            status[i] = 3
        elif not items:
            status[i] = 1
        elif any(not isinstance(item, str) or item not in _LOCATION_ORDER for item in items):
            status[i] = 2
        else:
            text = ";".join(items)
        canonical.append(text)
        bad_item.append("")
    missing = codes < 0
    row_status = np.where(missing, -1, status[np.maximum(codes, 0)] if len(status) else -1)
    problems.add(missing, spec.name, "missing value (NaN or empty)", spec.allowed_text())
    problems.add(row_status == 1, spec.name, "empty: at least one location is needed", spec.allowed_text())
    problems.add(row_status == 2, spec.name, "unknown location", spec.allowed_text())
    problems.add(
        row_status == 3,
        spec.name,
        "wrong type: expected a list of locations or ';'-separated text",
        spec.allowed_text(),
    )
    # Categories are the distinct canonical texts actually present, sorted for stable output.
    good = sorted({text for text, st in zip(canonical, status) if st == 0})
    position = {text: i for i, text in enumerate(good)}
    mapped = np.array([position.get(text, -1) for text in canonical], dtype=np.int64)
    new_codes = np.where(missing, -1, mapped[np.maximum(codes, 0)] if len(mapped) else -1)
    return pd.Categorical.from_codes(np.maximum(new_codes, 0) if good else np.full(len(column), -1), categories=good)


def validate_frame(frame: pd.DataFrame, *, extra: Literal["error", "keep", "drop"] = "error") -> FrameValidation:
    """Validate every row of a frame against the contract, column by column (no row loop).

    Parameters
    ----------
    frame : DataFrame
        One vignette per row. Optional contract columns that are absent take their defaults.
        ``locations`` may hold ';'-separated text or lists.
    extra : {"error", "keep", "drop"}
        What to do with columns that are neither contract fields nor metadata columns
        (``vignette_id``, ``latent_cause``, ``triage``, ``narrative``).

    Returns
    -------
    FrameValidation
        ``valid`` rows in canonical dtypes and a ``rejected`` table naming row, field, value,
        reason and what is allowed. ``n_input == len(valid) + n_rejected_rows``.

    Raises
    ------
    VignetteError
        For problems with the frame as a whole: a missing required column, or unknown
        columns when ``extra="error"``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise VignetteError([FieldError("frame", type(frame).__name__, "wrong type", "a pandas DataFrame")])
    known = set(FIELD_NAMES) | set(METADATA_COLUMNS)
    unknown = [c for c in frame.columns if c not in known]
    if unknown and extra == "error":
        raise VignetteError([_unknown_field_error(c, "(column)") for c in unknown])
    missing_columns = [f.name for f in FIELDS if f.required and f.name not in frame.columns]
    if missing_columns:
        raise VignetteError(
            [
                FieldError(name, None, "missing required column", _BY_NAME[name].allowed_text())
                for name in missing_columns
            ]
        )

    problems = _Problems(frame)
    checked: dict[str, Any] = {}
    n = len(frame)
    for spec in FIELDS:
        if spec.name not in frame.columns:
            if spec.kind == "category":
                checked[spec.name] = pd.Categorical.from_codes(
                    np.full(n, spec.allowed.index(spec.default)), dtype=_category_dtype(spec)
                )
            else:
                checked[spec.name] = np.full(n, spec.default, dtype=_NUMPY_DTYPES[spec.kind])
            continue
        column = frame[spec.name]
        if not spec.required and column.hasnans:
            # An empty cell in an optional column means "not given": it takes the default.
            column = column.astype(object).where(column.notna(), spec.default)
        if spec.is_numeric:
            checked[spec.name] = _check_numeric(column, spec, problems)
        elif spec.kind == "bool":
            checked[spec.name] = _check_bool(column, spec, problems)
        elif spec.kind == "category":
            checked[spec.name] = _check_category(column, spec, problems)
        else:
            checked[spec.name] = _check_locations(column, spec, problems)

    good = ~problems.any_bad
    columns: dict[str, Any] = {}
    for spec in FIELDS:
        values = checked[spec.name]
        if isinstance(values, pd.Categorical):
            columns[spec.name] = values[good] if not good.all() else values
        else:
            kept = values[good] if not good.all() else values
            columns[spec.name] = kept.astype(_NUMPY_DTYPES[spec.kind], copy=False)
    index = frame.index[good] if not good.all() else frame.index
    valid = pd.DataFrame(columns, index=index)
    if "locations" in valid.columns and not good.all():
        valid["locations"] = valid["locations"].cat.remove_unused_categories()
    for name in METADATA_COLUMNS:
        if name in frame.columns:
            valid[name] = _passthrough(frame[name], good)
    if extra == "keep":
        for name in unknown:
            valid[name] = _passthrough(frame[name], good)
    return FrameValidation(
        valid=valid,
        rejected=problems.table(),
        n_input=n,
        rejected_rows=np.flatnonzero(~good),
    )
