"""What a problem with the input looks like: one :class:`FieldError` per problem, raised together.

Both validators (one record and a whole frame) describe problems with the same four parts,
so a person sees the same words whichever way the data came in: the field, the value
received, what is wrong with it and what the field allows.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FieldError", "VignetteError", "show_value", "cell_text", "unknown_field_error"]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: which field, what came in, what is wrong, what is allowed."""

    field: str
    value: Any
    reason: str
    allowed: str

    @property
    def message(self) -> str:
        """The problem in one line, e.g. ``age: not a whole number (got 34.5; allowed: ...)``."""
        return f"{self.field}: {self.reason} (got {show_value(self.value)}; allowed: {self.allowed})"

    @property
    def value_text(self) -> str:
        """The value as a cell of the frame validator's ``rejected`` table shows it."""
        return cell_text(self.value)


class VignetteError(ValueError):
    """Raised when input does not meet the vignette contract.

    ``errors`` lists every problem found (a :class:`FieldError` each); the message names
    each field, the value received and what is allowed.
    """

    def __init__(self, errors: Sequence[FieldError]):
        self.errors = list(errors)
        if len(self.errors) == 1:
            text = self.errors[0].message
        else:
            text = f"{len(self.errors)} problems: " + "; ".join(e.message for e in self.errors)
        super().__init__(text)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def show_value(value: Any) -> str:
    """A value as an error message quotes it: ``repr``, cut to 80 characters; 'nothing' for None."""
    if value is None:
        return "nothing"
    if _is_nan(value):
        return "NaN"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def cell_text(value: Any) -> str:
    """A value as one cell of a table of problems: lists joined with ';', a missing value (None, NaN, NA) as 'NaN'."""
    if value is None or _is_nan(value) or type(value).__name__ == "NAType":
        return "NaN"  # every missing cell alike, as the compiled SQL shows it
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        # A Parquet list column arrives as arrays; each item as text, a missing one as "None".
        return ";".join(map(_item_text, value))
    return str(value)


def _item_text(item: Any) -> str:
    if isinstance(item, (list, tuple)) or (isinstance(item, np.ndarray) and item.ndim == 1):
        return "[" + ", ".join(map(_item_text, item)) + "]"
    return str(item)


def unknown_field_error(name: Any, value: Any, field_names: Sequence[str]) -> FieldError:
    """The error for a key or column that is not a contract field, suggesting the nearest name."""
    close = difflib.get_close_matches(str(name), field_names, n=1)
    if not close:
        # Short forms such as 'caffeine' for 'caffeine_mg_per_day' are common.
        close = [f for f in field_names if f.startswith(str(name).lower())][:1]
    hint = f"unknown field; did you mean {close[0]!r}?" if close else "unknown field"
    return FieldError(str(name), value, hint, "the contract fields: " + ", ".join(field_names))
