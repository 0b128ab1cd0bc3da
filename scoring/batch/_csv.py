"""A frame as CSV bytes, exactly as ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes them.

pandas formats every cell in Python; this module formats each column once with Arrow
kernels instead: numbers and yes/no through their distinct values (a column of a million
ages has under a hundred), text with vectorised quoting, and the rows are joined by Arrow,
so the GIL is mostly released and chunks can be formatted on several threads. The bytes are
pandas' bytes (tested cell kind by cell kind, and against pandas on generated data), so
files written before keep their hashes.

Columns this module does not format the same way pandas does (objects that mix text with
other values, categories that are not text) are formatted by pandas itself, column by
column, so the result is the same whatever the frame holds.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["csv_bytes"]


@lru_cache(maxsize=1)
def _quoted_characters() -> str:
    """The characters that make Python's csv module (which pandas uses) quote a field.

    Asked of the csv module itself: with ``lineterminator="\\n"`` a lone carriage return is
    quoted by some Python versions and not by others.
    """
    found = []
    for char in (",", '"', "\n", "\r"):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(["a" + char + "b", "x"])
        if out.getvalue().startswith('"'):
            found.append(char)
    return "".join(found)


def _quote(text: str) -> str:
    """One field as the csv module writes it (QUOTE_MINIMAL, doubled quotes)."""
    if any(char in text for char in _quoted_characters()):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text(value: str) -> pa.Scalar:
    import pyarrow as pa

    return pa.scalar(value, type=pa.string())


def _quoted_pieces(values: pa.Array) -> list[Any]:
    """Text cells quoted where the csv module quotes them, as pieces to join: [mark, text, mark] or [text].

    A field with a quote is always quoted, so doubling the quotes in every cell is right. The
    quote marks are one-character cells joined around the text together with the rest of
    the row (one copy of the text, not three).
    """
    import pyarrow.compute as pc

    pattern = "[" + "".join("\\n" if c == "\n" else "\\r" if c == "\r" else c for c in _quoted_characters()) + "]"
    needs = pc.match_substring_regex(values, pattern)
    if not pc.any(needs).as_py():
        return [values]
    if pc.any(pc.match_substring_regex(values, '"')).as_py():
        values = pc.replace_substring(values, '"', '""')
    mark = pc.if_else(needs, _text('"'), _text(""))
    return [mark, values, mark]


class _Coded:
    """A column as a code per row and the (quoted) text of each code; the last text is for missing cells."""

    def __init__(self, codes: np.ndarray, texts: list[str]):
        self.codes, self.texts = codes, texts


def _distinct(column: pd.Series, text_of: Any) -> _Coded:
    """A column through its distinct values: each is formatted once."""
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = [_quote(text_of(value)) for value in uniques] + [""]
    return _Coded(np.where(codes < 0, len(texts) - 1, codes), texts)


def _float_text(float_format: str | None) -> Any:
    # pandas writes a float with float_format when one is given, else as repr writes it.
    if float_format is None:
        return lambda value: repr(float(value))
    return lambda value: float_format % value


def _by_pandas(column: pd.Series, float_format: str | None) -> pa.Array:
    """The column formatted by pandas itself (the fallback for cells this module does not format)."""
    import pyarrow as pa

    text = column.to_frame().to_csv(index=False, header=False, float_format=float_format, lineterminator="\n")
    lines = text.split("\n")[:-1] if text else []
    if len(lines) != len(column):  # a quoted cell holds a line end: split by the csv module instead
        lines = [_quote(row[0]) if row else "" for row in csv.reader(io.StringIO(text))]
    # Alone in a row, an empty cell is written as "" (beside others it is written as nothing).
    return pa.array(["" if line == '""' else line for line in lines], type=pa.string())


def _column(column: pd.Series, float_format: str | None) -> _Coded | list[Any]:
    """One column as CSV text: coded (few distinct values), or pieces of text to join (one string a row each)."""
    import pandas as pd
    import pyarrow as pa

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not pd.api.types.is_string_dtype(dtype.categories.dtype):
            return [_by_pandas(column, float_format)]
        texts = [_quote(str(c)) for c in dtype.categories] + [""]
        codes = column.cat.codes.to_numpy()
        return _Coded(np.where(codes < 0, len(texts) - 1, codes), texts)
    if dtype == np.bool_:
        return _Coded(column.to_numpy().astype(np.int64), ["False", "True", ""])
    if pd.api.types.is_float_dtype(dtype):
        return _distinct(column, _float_text(float_format))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return [pa.array(column.to_numpy()).cast(pa.string())]  # Arrow writes whole numbers as str does
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return _distinct(column, str)  # nullable integers and yes/no: pandas' missing value is an empty cell
    if pd.api.types.is_string_dtype(dtype):
        try:
            text = pa.array(column, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return [_by_pandas(column, float_format)]  # an object column that holds more than text
        if isinstance(text, pa.ChunkedArray):  # pandas' Arrow-backed text
            text = text.combine_chunks()
        if not (
            pa.types.is_string(text.type) or pa.types.is_large_string(text.type) or pa.types.is_string_view(text.type)
        ):
            return [_by_pandas(column, float_format)]
        return _quoted_pieces(text.cast(pa.string()).fill_null(""))
    return [_by_pandas(column, float_format)]


#: Neighbouring coded columns are written together while their codes combine into at most
#: this many keys: one text per key present, gathered once (fewer, longer pieces to join).
_MAX_KEYS = 1 << 16


def _joined(group: list[tuple[_Coded, str]]) -> pa.Array:
    """Neighbouring coded columns (each with the separator after it) as one text a row."""
    import pyarrow as pa

    keys = np.zeros(len(group[0][0].codes), dtype=np.int64)
    for coded, _ in group:
        keys = keys * len(coded.texts) + coded.codes
    present = np.flatnonzero(np.bincount(keys))
    position = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int64)
    position[present] = np.arange(len(present))
    # Each present key back into its columns' codes, last column first.
    parts: list[list[str]] = []
    rest = present.copy()
    for coded, separator in reversed(group):
        rest, code = np.divmod(rest, len(coded.texts))
        parts.append([coded.texts[c] + separator for c in code.tolist()])
    texts = ["".join(cells) for cells in zip(*reversed(parts))]
    return pa.array(texts, type=pa.string()).take(pa.array(position[keys]))


def _pieces(frame: pd.DataFrame, float_format: str | None) -> list[Any]:
    """Every row's text as pieces to join end to end: cells, commas and the line end."""
    columns = [_column(frame.iloc[:, i], float_format) for i in range(frame.shape[1])]
    separators = [","] * (len(columns) - 1) + ["\n"]
    pieces: list[Any] = []
    group: list[tuple[_Coded, str]] = []
    keys = 1
    for column, separator in zip(columns, separators):
        if isinstance(column, _Coded) and keys * len(column.texts) <= _MAX_KEYS:
            group.append((column, separator))
            keys *= len(column.texts)
            continue
        if group:
            pieces.append(_joined(group))
        group, keys = [], 1
        if isinstance(column, _Coded):
            group, keys = [(column, separator)], len(column.texts)
        else:
            pieces += [*column, _text(separator)]
    if group:
        pieces.append(_joined(group))
    return pieces


def csv_bytes(frame: pd.DataFrame, *, header: bool = True, float_format: str | None = None) -> pa.Buffer:
    """The frame as UTF-8 CSV bytes, as ``frame.to_csv(index=False, lineterminator="\\n")`` writes them.

    Parameters
    ----------
    frame : DataFrame
        Any frame; its index is not written.
    header : bool, default True
        Start with a line of column names.
    float_format : str, optional
        A ``%`` format for float cells (pandas' ``float_format``); floats are written as
        ``repr`` writes them when not given.

    Returns
    -------
    pyarrow.Buffer
        The bytes (a buffer: write it to a file or hash it without copying).

    Examples
    --------
    >>> import pandas as pd
    >>> bytes(csv_bytes(pd.DataFrame({"a": [1, 2], "b": ["x,y", None]})))
    b'a,b\\n1,"x,y"\\n2,\\n'
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    head = (",".join(_quote(str(name)) for name in frame.columns) + "\n") if header else ""
    if frame.shape[1] == 0 or len(frame) == 0 or frame.shape[1] == 1:
        # No cells, or one column (where the csv module writes an empty cell as ""): pandas' own bytes.
        text = frame.to_csv(index=False, header=header, float_format=float_format, lineterminator="\n")
        return pa.py_buffer(text.encode("utf-8"))
    # One join makes every row; the values buffer of the joined array is then the file's
    # body, taken as it is.
    rows = pc.binary_join_element_wise(*_pieces(frame, float_format), _text(""))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + len(rows) + 1]
    body = rows.buffers()[2][int(offsets[0]) : int(offsets[-1])]
    if not head:
        return body
    return pa.py_buffer(head.encode("utf-8") + body.to_pybytes())
