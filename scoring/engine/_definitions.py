"""Reading definition files: TOML checked by a pydantic schema, errors in zaro's own words.

Every definition file (a points card, ``generator.toml``, ``triage.toml``) has a pydantic
model with ``extra="forbid"``. Pydantic finds the structural problems (unknown or missing
keys, wrong types, values out of range); :func:`problem_text` turns the first one into one
line that says what is wrong and how to fix it. Checks that need more than one entry (for
example duplicate ids or gaps between bands) stay with the loader of each file.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "DefinitionError",
    "Strict",
    "Number",
    "CleanText",
    "RequiredText",
    "clean_text",
    "read_toml",
    "first_error",
    "problem_text",
    "allowed_keys",
    "TransportStep",
    "error_location",
]


class DefinitionError(ValueError):
    """A definition file that cannot be used: names the file, the entry, the problem and the fix."""


class Strict(BaseModel):
    """Base of every definition schema: unknown keys are refused, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _number(value: Any) -> float:
    # TOML booleans are Python bools, which are ints: refuse them explicitly.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}; write a number such as 0.5")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        # TOML writes nan and inf; JSON files written by hand may hold NaN or Infinity.
        raise ValueError(f"must be a finite number, got {value!r}; write a number such as 0.5")
    return number


#: A TOML or JSON integer or float, read as a finite float (never a boolean, text, NaN or infinity).
Number = Annotated[float, BeforeValidator(_number)]


def clean_text(value: str) -> str:
    """Join the lines of a text wrapped for reading in a TOML file into one paragraph."""
    return " ".join(value.split())


#: Text, with its line breaks and runs of spaces joined into one paragraph.
CleanText = Annotated[StrictStr, AfterValidator(clean_text)]


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty; write it in plain words")
    return value


#: Text that must say something (after joining its lines).
RequiredText = Annotated[StrictStr, AfterValidator(clean_text), AfterValidator(_non_empty)]


def read_toml(path: Path, error: type[DefinitionError] = DefinitionError) -> dict[str, Any]:
    """Read a TOML file, or raise ``error`` naming the file and the line of the syntax error."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path.name}: not valid TOML ({exc}); fix the syntax at the line given") from None


class TransportStep(BaseModel):
    """One population's recalibration of a model's risks: ``logit(risk) -> intercept + slope * logit``.

    Stored in a card's calibration file and in a tree's record under ``transport``; the
    other keys (how it was fitted, the sample's size and seed) are kept as they are.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    intercept: float
    slope: float = Field(gt=0.0)


def error_location(error: ErrorDetails) -> str:
    """Where in a nested file an error is, as ``transport.community.slope`` (``file`` at the top)."""
    return ".".join(str(part) for part in error["loc"]) or "file"


def first_error(exc: ValidationError) -> ErrorDetails:
    """The first problem pydantic found (the one a reader fixes first)."""
    return exc.errors(include_url=False)[0]


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a schema accepts, sorted (for 'allowed keys are ...' hints)."""
    return sorted(field.alias or name for name, field in model.model_fields.items())


def _example_integer(value: Any) -> int:
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return 2


def _bound_words(ctx: dict[str, Any]) -> str:
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    return " and ".join(f"{words[k]} {ctx[k]}" for k in ("ge", "gt", "le", "lt") if k in ctx)


def _choices(expected: str) -> str:
    # pydantic writes Literal choices as "'a', 'b' or 'c'".
    return ", ".join(re.findall(r"'([^']*)'", expected))


def problem_text(error: ErrorDetails, key: str, *, allowed: Sequence[str] = (), table_hint: str = "") -> str:
    """One pydantic error as '<problem>; <fix>' in zaro's wording.

    Parameters
    ----------
    error : ErrorDetails
        From :func:`first_error`.
    key : str
        The key the error is about (the last name in the error's location).
    allowed : sequence of str
        Keys the entry accepts, for an unknown key.
    table_hint : str
        How to write the entry as a table, for an entry that is not one.
    """
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == "missing":
        return f"missing {key!r}; add {key} = ..."
    if kind == "extra_forbidden":
        return f"unknown key {key!r}; allowed keys are {', '.join(allowed)}"
    if kind.startswith("int_"):
        return f"{key} must be a whole number, got {value!r}; write e.g. {key} = {_example_integer(value)}"
    if kind.startswith("string_"):
        return f'{key} must be text, got {value!r}; write {key} = "..."'
    if kind == "literal_error":
        return f"unknown {key} {value!r}; use one of {_choices(ctx.get('expected', ''))}"
    if kind == "finite_number":
        return f"{key} must be a finite number, got {value!r}; write a finite number (not NaN or infinity)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{key} = {value!r} is out of range; it must be {_bound_words(ctx)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            f"expected a table, got {type(value).__name__}; {table_hint or 'write it as a table of key = value lines'}"
        )
    if kind == "list_type":
        return f"{key} must be a list, got {type(value).__name__}; write it as [[{key}]] tables"
    if kind in ("too_short", "string_too_short") and isinstance(value, str):
        return f"{key} is empty; write the {key} in plain words"
    if kind == "too_long":
        return f"{len(value)} {key} entries; at most {ctx.get('max_length')} are allowed, so remove some"
    if kind == "too_short":
        return f"no {key}; add at least one [[{key}]] table"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        return f"{key} {text}" if text.startswith("must ") else text
    return f"{key}: {error['msg']}"
