"""Scoring a file of vignettes: chunked, nothing lost, nothing half-written.

:func:`assess_file` reads a CSV or Parquet file in chunks, scores every valid row with
:func:`scoring.assess.assess_frame` and writes two tables: the scored rows and the rejected
rows (one line per problem, row numbers counted across the whole file). Rows in = rows
scored + rows rejected, always.

Both tables are written to temporary files in their target folder and moved into place
(``os.replace``) only when the whole input has been read, so an interrupted run, or a bad
line late in the file, never leaves a partial output that looks finished, and an earlier
good output survives. A run killed outright (SIGKILL) can leave only a hidden ``.tmp`` file.

Text cells that a spreadsheet would run as a formula (OWASP "CSV injection") are prefixed
with a single quote unless ``formula_safe=False``.

:func:`read_vignette_json` is the one reader of a single vignette as JSON (text or file):
duplicate keys, NaN/Infinity, deep nesting and oversized files are errors.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pandas and the engine load only when a file is scored.
    import pandas as pd

    from scoring.engine.card import Card

__all__ = [
    "BatchPaths",
    "BatchSummary",
    "InputError",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "assess_file",
    "check_columns",
    "check_rejects_target",
    "default_rejects_path",
    "escape_formulas",
    "read_csv_header",
    "read_vignette_json",
    "resolve_tree_option",
    "write_table",
]

Format = Literal["csv", "parquet"]

_SUFFIXES: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: Largest JSON file or text accepted for one vignette (a vignette is well under 2 KB).
MAX_JSON_BYTES = 1 << 20

#: Deepest nesting accepted in a vignette's JSON (a vignette needs 2: an object holding a list).
MAX_JSON_DEPTH = 20


class InputError(ValueError):
    """A file or an option that cannot be used; the message names it, says what is wrong and how to fix it."""


# --------------------------------------------------------------------------------------
# One vignette as JSON
# --------------------------------------------------------------------------------------


def _vignette_error(field: str, value: Any, reason: str, allowed: str) -> Exception:
    from scoring.contract.schema import FieldError, VignetteError

    return VignetteError([FieldError(field, value, reason, allowed)])


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _vignette_error(key, value, "given twice in the JSON object", "each field once")
        data[key] = value
    return data


def _reject_constant(name: str) -> Any:
    raise _vignette_error("vignette", name, f"{name} is not a number in JSON", "finite numbers only")


# A string (with its escapes) or a bracket: brackets inside strings do not nest.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_depth(text: str, source: str) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _vignette_error(
                    source, f"more than {MAX_JSON_DEPTH} levels", "nested too deeply", "one flat JSON object"
                )
        elif token in "]}":
            depth -= 1


def _read_json_file(path: Path) -> str:
    """The text of a vignette's .json file, or an error naming the file."""
    if not path.exists():
        raise InputError(f"{path}: no such file; give the path of a .json file or the JSON itself")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the path of a .json file with one vignette")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise InputError(
            f"{path} is {size:,} bytes; one vignette's JSON may be at most {MAX_JSON_BYTES:,} bytes "
            "(for many vignettes, score a CSV or Parquet file)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save it as UTF-8 JSON") from None


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def read_vignette_json(path_or_text: str | os.PathLike[str]) -> Any:
    """Parse one vignette from JSON text or from the path of a .json file, strictly.

    Parameters
    ----------
    path_or_text : str or path
        JSON text (starting with ``{``) or the path of a file holding it. A string that is
        not JSON and names no existing file is parsed as JSON text (and fails as such),
        unless it ends in ``.json``.

    Returns
    -------
    object
        The parsed value (a dict for a well-formed vignette); validate it with
        :func:`scoring.contract.schema.validate_vignette`.

    Raises
    ------
    VignetteError
        Not valid JSON, a key given twice (the error names the key), NaN or Infinity, or
        nesting deeper than :data:`MAX_JSON_DEPTH`.
    InputError
        A missing, unreadable, empty, non-UTF-8 or oversized (over :data:`MAX_JSON_BYTES`) file.

    Examples
    --------
    >>> read_vignette_json('{"age": 30, "bulbar": true}')
    {'age': 30, 'bulbar': True}
    """
    if isinstance(path_or_text, os.PathLike):
        path: Path | None = Path(path_or_text)
    elif _looks_like_json(path_or_text):
        path = None
    elif os.path.exists(path_or_text) or path_or_text.lower().endswith(".json"):
        path = Path(path_or_text)
    else:
        path = None
    source = str(path) if path is not None else "vignette"
    text = _read_json_file(path) if path is not None else str(path_or_text)
    if path is None and len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise InputError(f"the vignette's JSON is over {MAX_JSON_BYTES:,} bytes; one vignette is well under 2 KB")
    if not text.strip():
        raise InputError(f"{source} is empty; expected one JSON object with the vignette's fields")
    _check_depth(text, source)
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _vignette_error(
            source, text, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", "a JSON object"
        ) from None


# --------------------------------------------------------------------------------------
# Formula-safe cells
# --------------------------------------------------------------------------------------

# OWASP: a cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = r"^[=+\-@\t\r]"
# ...but a plain number such as -1.5 or +3 is a number, not a formula, and stays as it is.
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _risky(text: pd.Series) -> pd.Series:
    """Which text cells a spreadsheet would run as a formula (missing cells never)."""
    return text.str.contains(_FORMULA_START, regex=True, na=False) & ~text.str.fullmatch(_NUMBER, na=False)


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


# --------------------------------------------------------------------------------------
# Paths: formats, the same file by any route, temporary files
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchPaths:
    """Where :func:`assess_file` wrote the scored rows and the rejected rows."""

    out: Path
    rejects: Path


@dataclass(frozen=True)
class BatchSummary:
    """The outcome of :func:`assess_file`.

    Attributes
    ----------
    rows_in, rows_scored, rows_rejected : int
        Rows read, scored and rejected: ``rows_in == rows_scored + rows_rejected``.
    problems : int
        Lines in the rejects file (a row with two problems has two lines).
    paths : BatchPaths
        The files written.
    """

    rows_in: int
    rows_scored: int
    rows_rejected: int
    problems: int
    paths: BatchPaths

    def summary(self) -> str:
        """One line: rows read, scored, rejected."""
        return f"{self.rows_in} rows read, {self.rows_scored} scored, {self.rows_rejected} rejected"


def default_rejects_path(out: str | os.PathLike[str]) -> Path:
    """Where the rejected rows go when no path is given: ``OUT`` with ``.rejects.csv``."""
    return Path(out).with_suffix(".rejects.csv")


def _format_of(path: Path, given: str | None, role: str) -> Format:
    if given is not None:
        if given not in ("csv", "parquet"):
            raise InputError(f"{role} format {given!r} is not known; allowed: 'csv' or 'parquet'")
        return given  # type: ignore[return-value]
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"{path}: cannot tell the {role} format from the extension {path.suffix!r}; "
            "use .csv or .parquet (or pass the format)"
        )
    return found


def _same_file(a: Path, b: Path) -> bool:
    """True when a and b are one file by any route: the same path, a symlink or a hard link."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return a.resolve() == b.resolve()


def _check_input(src: Path) -> None:
    if not src.exists():
        raise InputError(f"{src}: no such file")
    if src.is_dir():
        raise InputError(f"{src} is a folder; give a .csv or .parquet file of vignettes")
    if not os.access(src, os.R_OK):
        raise InputError(f"cannot read {src}: permission denied")


def _check_output(path: Path, role: str, *, overwrite: bool) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: the folder {folder} does not exist; create it or choose another {role}")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name for {role}")
    if path.exists() and not overwrite:
        raise InputError(
            f"{path} already exists; choose another {role}, or pass --overwrite (overwrite=True) to replace it"
        )


def _check_paths(src: Path | None, out: Path, rejects: Path, *, overwrite: bool) -> None:
    if src is not None:
        _check_input(src)
        for role, path in (("--out", out), ("--rejects", rejects)):
            if _same_file(src, path):
                raise InputError(f"{role} {path} and the input {src} are the same file; choose another path")
    if _same_file(out, rejects):
        raise InputError(f"--out and --rejects are the same file ({out}); choose another path")
    _check_output(out, "--out", overwrite=overwrite)
    _check_output(rejects, "--rejects", overwrite=overwrite)


def _temporary_file(target: Path) -> Path:
    """A new hidden file next to ``target`` whose name ends in .tmp (never looks finished)."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror or exc} in the folder {target.parent}; choose another folder"
        ) from None
    os.close(handle)
    # mkstemp makes the file private (0600); the finished output gets the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


# --------------------------------------------------------------------------------------
# Reading in chunks
# --------------------------------------------------------------------------------------


def check_columns(columns: Any, source: str) -> None:
    """Refuse a table whose header names a column twice (the rows would be ambiguous)."""
    seen: dict[str, int] = {}
    for name in columns:
        seen[str(name)] = seen.get(str(name), 0) + 1
    twice = [f"{name!r} ({count} times)" for name, count in seen.items() if count > 1]
    if twice:
        raise InputError(f"{source}: column names must be unique; found {', '.join(twice)}; rename or remove them")


def read_csv_header(src: str | os.PathLike[str]) -> list[str]:
    """The header row of a CSV file, checked: present, UTF-8, no column named twice.

    Raises
    ------
    InputError
        An empty or non-UTF-8 file, or a column name given twice, naming the file.
    """
    header = _csv_header(Path(src))
    check_columns(header, str(src))
    return header


def _csv_header(src: Path) -> list[str]:
    try:
        with open(src, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise InputError(f"{src} is not UTF-8 text; save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise InputError(f"{src} is not a readable CSV file: {exc}") from None
    if not header:
        raise InputError(f"{src} is empty: expected a header row of field names, then one vignette per row")
    return header


def _read_chunks(src: Path | pd.DataFrame, fmt: Format, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The input in chunks of ``chunk_rows`` rows (at least one chunk, possibly empty)."""
    import pandas as pd

    if isinstance(src, pd.DataFrame):
        check_columns(src.columns, "the frame")
        for start in range(0, max(len(src), 1), chunk_rows):
            yield src.iloc[start : start + chunk_rows]
        return
    if fmt == "parquet":
        yield from _read_parquet_chunks(src, chunk_rows)
        return
    from scoring.data import CSV_READ_OPTIONS

    read_csv_header(src)
    try:
        # Cells are read exactly as `zaro validate` reads them: text, only empty cells missing.
        with pd.read_csv(src, chunksize=chunk_rows, **CSV_READ_OPTIONS) as reader:
            yield from reader
    except pd.errors.ParserError as exc:
        raise InputError(f"{src} is not a readable CSV file: {str(exc).splitlines()[-1]}") from None
    except UnicodeDecodeError:
        raise InputError(f"{src} is not UTF-8 text; save it as UTF-8 CSV") from None


def _read_parquet_chunks(src: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(src)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{src} is not a readable Parquet file: {exc}") from None
    check_columns(parquet.schema_arrow.names, str(src))
    batches = parquet.iter_batches(batch_size=chunk_rows)
    first = True
    for batch in batches:
        first = False
        yield batch.to_pandas()
    if first:
        yield parquet.schema_arrow.empty_table().to_pandas()


# --------------------------------------------------------------------------------------
# Writing tables
# --------------------------------------------------------------------------------------


class _TableWriter:
    """Appends frames to one CSV or Parquet file (the temporary file of an output)."""

    def __init__(self, path: Path, fmt: Format, *, formula_safe: bool):
        self.path, self.fmt, self.formula_safe = path, fmt, formula_safe
        self._handle: Any = None
        self._parquet: Any = None
        self._schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.formula_safe:
            frame = escape_formulas(frame)
        if self.fmt == "csv":
            first = self._handle is None
            if first:
                self._handle = open(self.path, "w", encoding="utf-8", newline="")
            frame.to_csv(self._handle, header=first, index=False)
        else:
            self._write_parquet(frame)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._parquet is None:
            # Categorical columns: one dictionary index type for every chunk, whatever its size.
            self._schema = pa.schema(
                [
                    pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type))
                    if pa.types.is_dictionary(f.type)
                    else f
                    for f in table.schema
                ],
                metadata=table.schema.metadata,
            )
            self._parquet = pq.ParquetWriter(self.path, self._schema)
        self._parquet.write_table(table.cast(self._schema))

    def close(self) -> None:
        """Flush and close; the data is on disk when this returns."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None


def check_rejects_target(
    src: str | os.PathLike[str], rejects: str | os.PathLike[str] | None, *, overwrite: bool = False
) -> Path:
    """Where ``zaro validate`` writes rejected rows (default: SRC with .rejects.csv), checked.

    Raises
    ------
    InputError
        The target is the input by any route, exists without ``overwrite``, or its folder is missing.
    """
    source = Path(src)
    target = Path(rejects) if rejects is not None else default_rejects_path(source)
    _check_input(source)
    if _same_file(source, target):
        raise InputError(f"--rejects {target} and the input {source} are the same file; choose another path")
    _check_output(target, "--rejects", overwrite=overwrite)
    return target


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False, formula_safe: bool = True
) -> Path:
    """Write a frame to a .csv or .parquet file that appears only when complete.

    The frame goes to a temporary file in the target's folder, which then replaces the
    target in one step: an interrupted write leaves the target as it was.
    """
    target = Path(path)
    _check_output(target, "the output", overwrite=overwrite)
    fmt = _format_of(target, None, "output")
    partial = _temporary_file(target)
    try:
        writer = _TableWriter(partial, fmt, formula_safe=formula_safe)
        try:
            writer.write(frame)
        finally:
            writer.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------------------
# assess_file
# --------------------------------------------------------------------------------------


def _resolve_card(card: Card | str | os.PathLike[str] | None) -> Card:
    from scoring.engine.card import load_card

    return load_card() if card is None else load_card(card)  # type: ignore[arg-type]


def resolve_tree_option(tree: Any) -> Any:
    """``"default"`` and None pass through; a path loads a saved tree, or an error naming the file."""
    if tree is None or (isinstance(tree, str) and tree == "default") or not isinstance(tree, (str, os.PathLike)):
        return tree
    path = Path(tree)
    if not path.exists():
        raise InputError(f"{path}: no such tree file; fit one with `zaro fit --out FOLDER` (tree.skops)")
    from scoring.engine.tree import resolve_tree

    try:
        return resolve_tree(path)
    # skops raises many kinds of error for a file that is not a saved tree (zip, type, value).
    except Exception as exc:
        raise InputError(
            f"{path} is not a tree saved by `zaro fit` ({type(exc).__name__}: {exc}); "
            "give the tree.skops that `zaro fit` wrote"
        ) from None


def assess_file(
    src: str | os.PathLike[str] | pd.DataFrame,
    out: str | os.PathLike[str],
    *,
    rejects: str | os.PathLike[str] | None = None,
    card: Card | str | os.PathLike[str] | None = None,
    tree: Any = "default",
    chunk_rows: int = 200_000,
    overwrite: bool = False,
    formula_safe: bool = True,
    progress: Callable[[int], object] | None = None,
    format: Format | None = None,
    out_format: Format | None = None,
) -> BatchSummary:
    """Score a CSV or Parquet file of vignettes in chunks; write scored rows and rejected rows.

    Parameters
    ----------
    src : path or DataFrame
        The vignettes: a ``.csv`` (cells read as text, as ``zaro validate`` reads them) or
        ``.parquet`` file, or a DataFrame.
    out : path
        Where the scored rows go (``.csv`` or ``.parquet``; Parquet keeps the column types).
    rejects : path, optional
        Where the rejected rows go, one line per problem (default: ``OUT`` with ``.rejects.csv``).
    card, tree
        As for :func:`scoring.assess.assess_frame`; ``tree`` may also be the path of a saved tree.
    chunk_rows : int, default 200_000
        Rows read and scored at a time (bounds the memory used).
    overwrite : bool, default False
        Replace ``out`` and ``rejects`` if they exist (they are replaced only at the end).
    formula_safe : bool, default True
        Prefix text cells starting with ``= + - @``, tab or carriage return with ``'``.
    progress : callable, optional
        Called after each chunk with the number of rows it held.
    format, out_format : {"csv", "parquet"}, optional
        The input's and the output's format when the extension does not say.

    Returns
    -------
    BatchSummary
        Row counts (``rows_in == rows_scored + rows_rejected``) and the paths written.

    Raises
    ------
    InputError
        A missing or unreadable input, an output that is the input by any route (hard link,
        symlink), an output that exists without ``overwrite``, a missing output folder,
        duplicated column names. Nothing is written.
    VignetteError, CardError
        The file as a whole breaks the contract (a missing required column), or a bad card.
    """
    import pandas as pd

    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InputError(f"chunk_rows must be a whole number of rows, at least 1 (got {chunk_rows!r})")
    source = src if isinstance(src, pd.DataFrame) else Path(src)
    out_path = Path(out)
    rejects_path = Path(rejects) if rejects is not None else default_rejects_path(out_path)
    in_format: Format = "csv" if isinstance(source, pd.DataFrame) else _format_of(source, format, "input")
    written_format = _format_of(out_path, out_format, "output")
    rejects_format = _format_of(rejects_path, None, "rejects")
    _check_paths(None if isinstance(source, pd.DataFrame) else source, out_path, rejects_path, overwrite=overwrite)
    the_card = _resolve_card(card)
    the_tree = resolve_tree_option(tree)
    temporary = {out_path: _temporary_file(out_path)}
    try:
        temporary[rejects_path] = _temporary_file(rejects_path)
        counts = _score_chunks(
            _read_chunks(source, in_format, chunk_rows),
            _TableWriter(temporary[out_path], written_format, formula_safe=formula_safe),
            _TableWriter(temporary[rejects_path], rejects_format, formula_safe=formula_safe),
            card=the_card,
            tree=the_tree,
            progress=progress,
        )
        for target, partial in temporary.items():
            os.replace(partial, target)
    except BaseException:
        # Ctrl-C, SIGTERM (raised as KeyboardInterrupt by the CLI), a bad line: no partial output.
        for partial in temporary.values():
            partial.unlink(missing_ok=True)
        raise
    rows_in, rows_scored, rows_rejected, problems = counts
    return BatchSummary(rows_in, rows_scored, rows_rejected, problems, BatchPaths(out_path, rejects_path))


def _score_chunks(
    chunks: Iterator[pd.DataFrame],
    out: _TableWriter,
    rejects: _TableWriter,
    *,
    card: Card,
    tree: Any,
    progress: Callable[[int], object] | None,
) -> tuple[int, int, int, int]:
    """Score every chunk into the two writers; returns (rows in, scored, rejected, problems)."""
    from scoring.assess import assess_frame

    rows_in = rows_scored = rows_rejected = problems = 0
    try:
        for chunk in chunks:
            result = assess_frame(chunk, card=card, tree=tree)
            out.write(result.scored)
            # Row numbers count data rows from 1 across the whole file, not per chunk.
            rejects.write(result.rejected.assign(row=result.rejected["row"] + rows_in))
            rows_in += result.n_input
            rows_scored += len(result.scored)
            rows_rejected += result.n_rejected
            problems += len(result.rejected)
            if progress is not None:
                progress(result.n_input)
    finally:
        out.close()
        rejects.close()
    if rows_in != rows_scored + rows_rejected:
        raise RuntimeError(f"rows lost: {rows_in} read but {rows_scored} scored + {rows_rejected} rejected")
    return rows_in, rows_scored, rows_rejected, problems
