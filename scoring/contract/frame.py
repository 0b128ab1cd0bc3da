"""Whole frames: :func:`validate_frame` checks every row column by column, without a row loop.

Each column is factorised and each *distinct* value read once with the readers of
:mod:`scoring.contract.readers` (the ones :func:`validate_vignette` uses), then the verdicts
are gathered back to the rows; numbers are range-checked as arrays. So a row is refused
exactly when the same values as one record would be, with the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from scoring._options import check_choice
from scoring.contract.errors import FieldError, VignetteError, cell_text, unknown_field_error
from scoring.contract.fields import FIELD_NAMES, FIELDS, METADATA_COLUMNS, FieldSpec, field_spec
from scoring.contract.readers import (
    NUMBER_PATTERN,
    Reasons,
    number_checks,
    number_reason_codes,
    read_category,
    read_locations,
    read_number,
    read_yes_no,
)
from scoring.contract.vignette import NUMPY_DTYPES

__all__ = ["FrameValidation", "validate_frame"]

# pandas' default text dtype ("str"): what a CSV read as text gives.
_DEFAULT_STR = pd.api.types.pandas_dtype("str")
#: What ``extra=`` may say about columns that are neither fields nor metadata.
EXTRA_CHOICES = ("error", "keep", "drop")
_REJECTED_COLUMNS = ["row", "vignette_id", "field", "value", "reason", "allowed"]


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


class _Problems:
    """Collects each column's reasons per row, then builds the rejected table once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.n = len(frame)
        self.any_bad = np.zeros(self.n, dtype=bool)
        self.parts: list[tuple[np.ndarray, str, str]] = []

    def add(self, name: str, codes: np.ndarray, reasons: list[str]) -> None:
        """Record the problems of column ``name``: ``codes`` per row index ``reasons`` (0 is fine)."""
        bad = codes > 0
        if not bad.any():
            return
        self.any_bad |= bad
        positions = np.flatnonzero(bad)
        for code in np.unique(codes[bad]):
            self.parts.append((positions[codes[bad] == code], name, reasons[code]))

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else "str") for c in _REJECTED_COLUMNS})
        ids = self.frame["vignette_id"] if "vignette_id" in self.frame.columns else None
        pieces = []
        for positions, name, reason in self.parts:
            pieces.append(
                pd.DataFrame(
                    {
                        "row": positions + 1,
                        "vignette_id": ids.iloc[positions].astype("str").to_numpy() if ids is not None else "",
                        "field": name,
                        "value": [cell_text(v) for v in self.frame[name].iloc[positions].tolist()],
                        "reason": reason,
                        "allowed": field_spec(name).allowed_text(),
                    }
                )
            )
        table = pd.concat(pieces, ignore_index=True)
        order = {name: i for i, name in enumerate(FIELD_NAMES)}
        table["_field_order"] = table["field"].map(order).fillna(-1)
        table = table.sort_values(["row", "_field_order"], kind="stable").drop(columns="_field_order")
        return table.reset_index(drop=True)


def _gather(codes: np.ndarray, per_unique: np.ndarray, missing: Any) -> np.ndarray:
    """Per-row values from per-distinct-value ones (``missing`` where the code is -1)."""
    if not len(per_unique):
        return np.full(len(codes), missing, dtype=per_unique.dtype)
    absent = codes < 0
    if not absent.any():
        return per_unique.take(codes)
    out = per_unique.take(np.maximum(codes, 0))
    out[absent] = missing
    return out


class _Reasons:
    """Reasons numbered as they are first seen, 0 being "fine" and 1 "missing"."""

    def __init__(self) -> None:
        self.texts = ["", Reasons.MISSING]
        self._code = {text: i for i, text in enumerate(self.texts)}

    def code(self, reason: str | None) -> int:
        if reason is None:
            return 0
        if reason not in self._code:
            self._code[reason] = len(self.texts)
            self.texts.append(reason)
        return self._code[reason]

    def per_row(self, codes: np.ndarray, reads: list[tuple[Any, str | None]]) -> np.ndarray:
        """Reason codes per row from the reads of the distinct values (missing rows are 1)."""
        per_unique = np.array([self.code(reason) for _, reason in reads], dtype=np.int16)
        if not per_unique.any() and codes.min(initial=0) >= 0:
            return np.zeros(len(codes), dtype=np.int16)  # the common case: every value fine
        return _gather(codes, per_unique, 1)


def _number_uniques(uniques: Any, dtype: Any) -> list[tuple[Any, str | None]]:
    """The type-stage read of each distinct value (see :func:`read_number`)."""
    if dtype == _DEFAULT_STR:
        # Text read from a CSV: match the number pattern on all distinct texts at once.
        text = pd.Series(uniques, dtype=dtype)
        matched = text.str.fullmatch(NUMBER_PATTERN).to_numpy(dtype=bool, na_value=False)
        reads: list[tuple[Any, str | None]] = [(None, Reasons.NOT_A_NUMBER)] * len(text)
        for i, value in zip(np.flatnonzero(matched), text[matched].tolist()):
            reads[i] = read_number(value)
        return reads
    return [read_number(u) for u in uniques]


def _factorize(column: pd.Series) -> tuple[np.ndarray, Any]:
    """:func:`pandas.factorize`, except that in a column of mixed Python objects ``True`` and
    ``False`` never share a code with ``1`` and ``0`` (they compare equal, but a yes/no in a
    number column is wrong where the number is fine, so each needs its own verdict)."""
    if column.dtype != object:
        return pd.factorize(column, use_na_sentinel=True)
    keys = column.map(lambda v: ("yes/no", bool(v)) if isinstance(v, (bool, np.bool_)) else v)
    codes, _ = pd.factorize(keys, use_na_sentinel=True)
    seen, first_rows = np.unique(codes, return_index=True)
    return codes, column.to_numpy()[first_rows[seen >= 0]]


def _check_numeric(column: pd.Series, spec: FieldSpec, problems: _Problems) -> np.ndarray:
    reasons = _Reasons()
    missing = column.isna().to_numpy()
    if pd.api.types.is_bool_dtype(column.dtype):
        codes = np.where(missing, 1, reasons.code(Reasons.YES_NO_FOR_NUMBER)).astype(np.int16)
        values = np.full(len(column), np.nan)
    elif pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        codes = missing.astype(np.int16)
    else:
        factor, uniques = _factorize(column)
        reads = _number_uniques(uniques, column.dtype)
        codes = reasons.per_row(factor, reads)
        values = _gather(factor, np.array([np.nan if v is None else v for v, _ in reads], dtype=np.float64), np.nan)
    # Then the range checks, numbered after the type-stage reasons.
    range_codes = number_reason_codes(spec, values).astype(np.int16)
    offset = len(reasons.texts) - 1
    codes = np.where(codes > 0, codes, np.where(range_codes > 0, range_codes + offset, 0))
    problems.add(spec.name, codes, reasons.texts + list(number_checks(spec)[1:]))
    return values


def _check_bool(column: pd.Series, spec: FieldSpec, problems: _Problems) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype) and not column.isna().any():
        return column.to_numpy(dtype=bool)
    factor, uniques = _factorize(column)
    reads = [read_yes_no(u) for u in uniques]
    reasons = _Reasons()
    problems.add(spec.name, reasons.per_row(factor, reads), reasons.texts)
    return _gather(factor, np.array([bool(v) for v, _ in reads], dtype=bool), False)


def _check_category(column: pd.Series, spec: FieldSpec, problems: _Problems) -> pd.Categorical:
    factor, uniques = _factorize(column)
    reads = [read_category(spec, u) for u in uniques]
    reasons = _Reasons()
    problems.add(spec.name, reasons.per_row(factor, reads), reasons.texts)
    mapped = np.array([-1 if v is None else spec.allowed.index(v) for v, _ in reads], dtype=np.int64)
    new_codes = _gather(factor, mapped, -1)
    return pd.Categorical.from_codes(np.maximum(new_codes, 0), dtype=pd.CategoricalDtype(list(spec.allowed)))


class _Opaque:
    """An unhashable cell (a dict, say) made hashable by identity: no reader accepts it."""

    def __init__(self, value: Any):
        self.value = value


def _hashable(value: Any) -> Any:
    """A cell that :func:`pandas.factorize` can take: lists and sets become tuples (nested ones too)."""
    if isinstance(value, (list, np.ndarray, pd.Series)):
        value = tuple(_hashable(item) for item in value)
    elif isinstance(value, (set, frozenset)):
        value = tuple(sorted((_hashable(item) for item in value), key=str))
    try:
        hash(value)
    except TypeError:
        return _Opaque(value)
    return value


def _check_locations(column: pd.Series, spec: FieldSpec, problems: _Problems) -> pd.Categorical:
    codes, uniques = _factorize(column)
    reads = [read_locations(spec, u) for u in uniques]
    canonical = np.array(["" if v is None else ";".join(v) for v, _ in reads], dtype=object)
    reasons = _Reasons()
    problems.add(spec.name, reasons.per_row(codes, reads), reasons.texts)
    # Categories are the distinct canonical texts actually present, sorted for stable output.
    good = sorted({text for text, (_, reason) in zip(canonical, reads) if reason is None})
    position = {text: i for i, text in enumerate(good)}
    mapped = np.array([position.get(text, -1) for text in canonical], dtype=np.int64)
    new_codes = _gather(codes, mapped, -1)
    return pd.Categorical.from_codes(np.maximum(new_codes, 0) if good else np.full(len(column), -1), categories=good)


def _passthrough(column: pd.Series, good: np.ndarray) -> Any:
    """A metadata or extra column for the valid frame, keeping only the good rows.

    Text columns keep their array (no round trip through Python objects, which costs
    seconds per million rows); categoricals of text become text, as they would through
    ``to_numpy()``. Anything else goes through ``to_numpy()``.
    """
    everything = bool(good.all())
    if not good.any():
        return column.to_numpy()[good]  # nothing kept: an empty object array
    if column.dtype == _DEFAULT_STR:
        return column.array if everything else column.array[good]
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == _DEFAULT_STR:
        # Gather the category texts by code (-1, a missing value, becomes NaN).
        text = column.cat.categories.array.take(column.cat.codes.to_numpy(), allow_fill=True)
        return text if everything else text[good]
    return column.to_numpy() if everything else column.to_numpy()[good]


def _check_columns(frame: pd.DataFrame, extra: str) -> list[str]:
    """Problems with the frame as a whole; returns the unknown columns."""
    if not isinstance(frame, pd.DataFrame):
        raise VignetteError([FieldError("frame", type(frame).__name__, "wrong type", "a pandas DataFrame")])
    repeated = frame.columns[frame.columns.duplicated()].unique()
    if len(repeated):
        raise VignetteError(
            [FieldError(str(c), "(column)", "column name given more than once", "each column once") for c in repeated]
        )
    known = set(FIELD_NAMES) | set(METADATA_COLUMNS)
    unknown = [c for c in frame.columns if c not in known]
    if unknown and extra == "error":
        raise VignetteError([unknown_field_error(c, "(column)", FIELD_NAMES) for c in unknown])
    missing = [f for f in FIELDS if f.required and f.name not in frame.columns]
    if missing:
        raise VignetteError([FieldError(f.name, None, "missing required column", f.allowed_text()) for f in missing])
    return unknown


def _check_field(frame: pd.DataFrame, spec: FieldSpec, problems: _Problems) -> Any:
    n = len(frame)
    if spec.name not in frame.columns:
        if spec.kind == "category":
            codes = np.full(n, spec.allowed.index(str(spec.default)))
            return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(spec.allowed)))
        return np.full(n, spec.default, dtype=NUMPY_DTYPES[spec.kind])
    column = frame[spec.name]
    if column.dtype == object:
        column = column.map(_hashable)  # lists, sets and dicts cannot be factorised
    if not spec.required and column.hasnans:
        # An empty cell in an optional column means "not given": it takes the default.
        column = column.astype(object).where(column.notna(), spec.default)
    if spec.is_numeric:
        return _check_numeric(column, spec, problems)
    if spec.kind == "bool":
        return _check_bool(column, spec, problems)
    if spec.kind == "category":
        return _check_category(column, spec, problems)
    return _check_locations(column, spec, problems)


def _unchanged_column(frame: pd.DataFrame, name: str, values: Any) -> Any:
    """The input's own Series when ``values`` is a view of it (a typed column that passed as
    it is), so the valid frame shares it under copy-on-write; else ``values``."""
    if isinstance(values, pd.Categorical) or name not in frame.columns:
        return values
    column = frame[name]
    if column.dtype != values.dtype or not np.may_share_memory(values, column.to_numpy()):
        return values
    return column


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
    check_choice("extra", extra, EXTRA_CHOICES)
    unknown = _check_columns(frame, extra)
    problems = _Problems(frame)
    checked = {spec.name: _check_field(frame, spec, problems) for spec in FIELDS}
    good = ~problems.any_bad
    everything = bool(good.all())
    columns: dict[str, Any] = {}
    for spec in FIELDS:
        values = checked[spec.name] if everything else checked[spec.name][good]
        if not isinstance(values, pd.Categorical):
            values = values.astype(NUMPY_DTYPES[spec.kind], copy=False)
        columns[spec.name] = _unchanged_column(frame, spec.name, values) if everything else values
    # The columns are new arrays or the input's own Series: handed over as they are, not
    # copied again into blocks (that copy was the largest allocation of assess_frame on a
    # typed frame). Copy-on-write tracks the shared Series: editing one frame copies it first.
    valid = pd.DataFrame(columns, index=frame.index if everything else frame.index[good], copy=False)
    if not everything:
        valid["locations"] = valid["locations"].cat.remove_unused_categories()
    for name in [*METADATA_COLUMNS, *(unknown if extra == "keep" else [])]:
        if name in frame.columns:
            valid[name] = _passthrough(frame[name], good)
    return FrameValidation(
        valid=valid, rejected=problems.table(), n_input=len(frame), rejected_rows=np.flatnonzero(~good)
    )
