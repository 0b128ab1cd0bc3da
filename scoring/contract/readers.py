"""How one input value is read: the single rule both validators apply.

:func:`scoring.contract.schema.validate_vignette` reads one value at a time;
:func:`scoring.contract.schema.validate_frame` reads each *distinct* value of a column once
with the same functions (numbers of a numeric column are checked as arrays by the same
:func:`number_reason_codes`). So a value gets the same verdict and the same reason whichever
way it arrives.

The rules
---------
Missing
    ``None``, ``NaN``, ``pd.NA`` and ``pd.NaT`` (what pandas calls missing). In an optional
    field a missing value means "not given" and takes the default; in a required field it
    is the problem "missing value".
Numbers
    A Python or NumPy int or float (not ``True``/``False``: a yes/no answer in a number field
    is a mistake), or text matching :data:`NUMBER_PATTERN`: an optional sign, digits, an
    optional fraction of one or more digits and an optional exponent, with spaces around
    allowed: ``34``, ``-1``, ``2.5``, ``1e-05``. The exponent is allowed because Python and
    pandas write small and large floats that way (``repr(0.00001) == '1e-05'``), so every
    value zaro writes to a CSV reads back. Not allowed: a trailing or leading point (``34.``,
    ``.5``), digit separators (``1_0``), hexadecimal, ``inf`` and ``nan`` text. Infinity is
    refused; a whole-number field takes a value only if it is whole (``34.0`` and ``1e2`` are
    whole, ``34.5`` is refused).
Yes/no
    ``True``/``False``, the numbers 0 and 1, or the words in :data:`TRUE_TEXT` and
    :data:`FALSE_TEXT` (case and surrounding spaces ignored).
Categories
    Text equal to an allowed value after removing surrounding spaces (case matters).
Locations
    A list, tuple or set of allowed names (each one text: a list holding a number, a list or
    a missing item is the wrong type), or ``;``-separated text; repeats are dropped and the
    names put in contract order.
Decimals
    A ``decimal.Decimal`` (what a Parquet ``decimal`` column holds) is a number like any
    other; binary cells (``bytes``) are never text, whatever they hold.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.fields import FieldSpec

__all__ = [
    "NUMBER_PATTERN",
    "TRUE_TEXT",
    "FALSE_TEXT",
    "Reasons",
    "is_missing",
    "read_number",
    "number_checks",
    "number_reason_code",
    "number_reason_codes",
    "read_yes_no",
    "read_category",
    "read_locations",
    "read_value",
]

#: Number text both validators accept (a regular expression for a whole cell).
NUMBER_PATTERN = r"[ \t\r\n]*[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?[ \t\r\n]*"
_NUMBER = re.compile(NUMBER_PATTERN)

#: Yes/no text both validators accept (compared after stripping and lower-casing).
TRUE_TEXT = frozenset({"true", "t", "yes", "y", "on", "1", "1.0"})
FALSE_TEXT = frozenset({"false", "f", "no", "n", "off", "0", "0.0"})

# A number written out in full that overflows a float is still a finite number, far out of
# range: keep it finite so it is reported as out of range, not as infinity.
_HUGE = np.finfo(np.float64).max


class Reasons:
    """The reasons a value is refused, worded once for both validators."""

    MISSING = "missing value (NaN or empty)"
    NOT_A_NUMBER = "wrong type: not a number"
    YES_NO_FOR_NUMBER = "wrong type: a yes/no value where a number is expected"
    NOT_FINITE = "not a finite number (infinity)"
    NOT_WHOLE = "not a whole number"
    BELOW = "out of range: below the minimum"
    ABOVE = "out of range: above the maximum"
    NOT_YES_NO = "wrong type: not true or false"
    UNKNOWN_CATEGORY = "unknown category"
    NO_LOCATIONS = "empty: at least one location is needed"
    LOCATIONS_TYPE = "wrong type: expected a list of locations or ';'-separated text"

    @staticmethod
    def unknown_location(item: Any) -> str:
        shown = repr(str(item)) if isinstance(item, str) else repr(item)
        return f"unknown location {shown}"

    @staticmethod
    def below(spec: FieldSpec) -> str:
        return f"out of range: {spec.below_min_reason}" if spec.below_min_reason else Reasons.BELOW


#: What a reader returns: the value read (or None) and the reason it was refused (or None).
Read = tuple[Any, "str | None"]


def is_missing(value: Any) -> bool:
    """True for what pandas counts as a missing scalar: None, NaN, ``pd.NA``, ``pd.NaT``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, Decimal):
        return value.is_nan()
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _finite_or_huge(number: float) -> float:
    return math.copysign(_HUGE, number) if math.isinf(number) else number


def read_number(value: Any) -> Read:
    """The type stage of a number: a float, or why the value is not a number at all.

    Range, whole-ness and infinity are checked after, by :func:`number_reason_codes`.
    """
    if isinstance(value, (bool, np.bool_)):
        return None, Reasons.YES_NO_FOR_NUMBER
    if isinstance(value, (int, np.integer)):
        try:
            return float(value), None
        except OverflowError:
            # Too large for a float (e.g. 10**400): finite and far out of range, never an error.
            return (_HUGE if value > 0 else -_HUGE), None
    if isinstance(value, Decimal):
        return _read_decimal(value)
    if isinstance(value, (float, np.floating)):
        return (None, Reasons.MISSING) if math.isnan(value) else (float(value), None)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return _finite_or_huge(float(value)), None
    if is_missing(value):
        return None, Reasons.MISSING
    return None, Reasons.NOT_A_NUMBER


def _read_decimal(value: Decimal) -> Read:
    """A decimal (as a Parquet ``decimal`` column gives it) read as the number it holds."""
    if value.is_nan():
        return None, Reasons.MISSING
    if value.is_infinite():
        return math.copysign(math.inf, value), None
    return _finite_or_huge(float(value)), None


def number_checks(spec: FieldSpec) -> tuple[str, ...]:
    """The reasons :func:`number_reason_codes` refers to by position (0 is "fine")."""
    return ("", Reasons.NOT_FINITE, Reasons.NOT_WHOLE, Reasons.below(spec), Reasons.ABOVE)


def _number_problems(spec: FieldSpec, values: Any) -> list[tuple[Any, int]]:
    """(is refused, position in :func:`number_checks`), in reporting order: element-wise on
    one float or on an array, so both validators apply the very same checks."""
    finite = np.isfinite(values)
    fractional = finite & (values != np.floor(values)) if spec.kind == "int" else np.zeros_like(finite)
    return [
        (np.isinf(values), 1),
        (fractional, 2),
        (values < spec.min, 3),
        (values > spec.max, 4),
    ]


def number_reason_code(spec: FieldSpec, number: float) -> int:
    """Why one number is refused, as a position in :func:`number_checks` (0 when it is fine)."""
    return next((code for refused, code in _number_problems(spec, number) if refused), 0)


def number_reason_codes(spec: FieldSpec, values: np.ndarray) -> np.ndarray:
    """:func:`number_reason_code` for each of a float64 array (NaN: already refused by its type)."""
    codes = np.zeros(values.shape, dtype=np.int8)
    # The first problem found is the one reported: set them last to first.
    for refused, code in reversed(_number_problems(spec, values)):
        codes[refused] = code
    return codes


def _number(spec: FieldSpec, value: Any) -> Read:
    number, reason = read_number(value)
    if reason is not None:
        return None, reason
    code = number_reason_code(spec, number)
    if code:
        return None, number_checks(spec)[code]
    return (int(number) if spec.kind == "int" else number), None


def read_yes_no(value: Any) -> Read:
    """True or False, or why the value is not a yes/no answer."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    if isinstance(value, (int, np.integer, float, np.floating, Decimal)):
        if is_missing(value):
            return None, Reasons.MISSING
        return (bool(value), None) if value in (0, 1) else (None, Reasons.NOT_YES_NO)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXT:
            return True, None
        if text in FALSE_TEXT:
            return False, None
    if is_missing(value):
        return None, Reasons.MISSING
    return None, Reasons.NOT_YES_NO


def read_category(spec: FieldSpec, value: Any) -> Read:
    """One of the field's allowed values, or why the value is not one."""
    if isinstance(value, str) and value.strip() in spec.allowed:
        return str(value.strip()), None
    if is_missing(value):
        return None, Reasons.MISSING
    return None, Reasons.UNKNOWN_CATEGORY


@lru_cache(maxsize=8)
def _positions(allowed: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(allowed)}


def read_locations(spec: FieldSpec, value: Any) -> Read:
    """A tuple of locations in contract order without repeats, or why the value is refused."""
    if isinstance(value, str):
        items: list[Any] = [part.strip() for part in value.split(";") if part.strip()]
    elif isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = list(value)
    elif is_missing(value):
        return None, Reasons.MISSING
    else:
        return None, Reasons.LOCATIONS_TYPE
    if not items:
        return None, Reasons.NO_LOCATIONS
    if not all(isinstance(item, str) for item in items):
        # A list of numbers, of lists (a Parquet list<list<string>>) or with a missing item.
        return None, Reasons.LOCATIONS_TYPE
    order = _positions(spec.allowed)
    for item in items:
        if item not in order:
            return None, Reasons.unknown_location(item)
    return tuple(sorted({str(item) for item in items}, key=order.__getitem__)), None


def read_value(spec: FieldSpec, value: Any) -> Read:
    """Read one value of the field ``spec``: the value in its contract type, or the reason it is refused."""
    if spec.is_numeric:
        return _number(spec, value)
    if spec.kind == "bool":
        return read_yes_no(value)
    if spec.kind == "category":
        return read_category(spec, value)
    return read_locations(spec, value)
