"""Formula-safe cells (OWASP "CSV injection"): text a spreadsheet would run gets a leading quote."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

# OWASP: a cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START = r"^[=+\-@\t\r]"
# ...but a plain number such as -1.5 or +3 is a number, not a formula, and stays as it is.
PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


@lru_cache(maxsize=1)
def formula_lookalikes() -> str:
    """The characters beyond ASCII whose NFKC form starts with a formula character.

    Fullwidth ``＝ ＋ － ＠``, the small forms ``﹦ ﹢ ﹣ ﹫``, super- and subscript ``⁺ ⁼ ₊ ₌``
    and a few more: a program that normalises text (NFKC) before reading a cell turns them
    into ``= + - @``. All of them lie in the Basic Multilingual Plane (checked over the whole
    of Unicode in the tests), which is the range searched here.
    """
    return "".join(
        char for char in map(chr, range(0x80, 0x10000)) if unicodedata.normalize("NFKC", char)[:1] in FORMULA_CHARACTERS
    )


def lookalike_start() -> str:
    """A pattern for text starting with one of :func:`formula_lookalikes` (such a cell is always escaped)."""
    return "^[" + formula_lookalikes() + "]"  # none of them is special inside a character class


def _risky(text: pd.Series) -> pd.Series:
    """Which text cells a spreadsheet would run as a formula (missing cells never).

    A cell starting with ``= + - @``, a tab or a carriage return that is not a plain number,
    or starting with a character whose NFKC form is one of them (``＝1``).
    """
    ascii_formula = text.str.contains(FORMULA_START, regex=True, na=False) & ~text.str.fullmatch(PLAIN_NUMBER, na=False)
    return ascii_formula | text.str.contains(lookalike_start(), regex=True, na=False)


def _escaped_column(column: pd.Series) -> pd.Series | None:
    """The column with risky text cells prefixed by ``'``, or None when nothing changes."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pd.Series(column.cat.categories)
        if not pd.api.types.is_string_dtype(categories.dtype):
            return None
        risky = _risky(categories.astype("str"))
        if not risky.any():
            return None
        return column.cat.rename_categories(categories.where(~risky, "'" + categories.astype("str")).tolist())
    if column.dtype == object:
        # Object columns may mix text and numbers: only the text cells can be formulas.
        is_text = column.map(lambda value: isinstance(value, str)).astype(bool)
        risky = is_text & _risky(column.where(is_text).astype("str"))
    elif pd.api.types.is_string_dtype(column.dtype):
        risky = _risky(column)
    else:
        return None
    if not risky.any():
        return None
    return column.where(~risky, "'" + column[risky].astype("str"))


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (the
    OWASP CSV-injection list) becomes ``'=...``; numbers, including text cells that hold a
    plain number such as ``-1.5``, stay as they are. Categorical columns are escaped in
    their categories. Returns a new frame; the input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> escape_formulas(pd.DataFrame({"id": ["=1+1", "-2", "ok"], "x": [-1.5, 2.0, 3.0]}))["id"].tolist()
    ["'=1+1", '-2', 'ok']
    """
    changed: dict[str, Any] = {}
    for position, name in enumerate(frame.columns):
        escaped = _escaped_column(frame.iloc[:, position])
        if escaped is not None:
            changed[name] = escaped
    return frame.assign(**changed) if changed else frame
