"""Scoring a file inside DuckDB: the query of :func:`scoring.sql.to_sql`, streamed from file to file.

DuckDB reads the CSV (every cell as text, empty cells missing, as the pandas engine reads
it) or the Parquet file, runs the compiled assessment and writes the result with
``COPY (SELECT ...) TO ...``: rows stream through in vectors, so memory stays bounded
(``memory_limit`` below) whatever the file's size, and no Python runs per row. The rejects
are a second ``COPY`` of :func:`scoring.sql.rejects_sql`. The caller writes both to
temporary files and moves them into place (see :mod:`scoring.batch._assess`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring._outputs import hidden_temporary
from scoring.batch._errors import InputError
from scoring.batch._files import Format
from scoring.batch._formulas import FORMULA_CHARACTERS, PLAIN_NUMBER, formula_lookalikes
from scoring.batch._read import check_columns, read_csv_header
from scoring.contract.fields import FIELDS, METADATA_COLUMNS
from scoring.sql import REJECT_COLUMNS, rejects_sql, scored_columns, to_sql
from scoring.sql._compile import literal, quote
from scoring.sql._scores import card_outcome

if TYPE_CHECKING:
    import pandas as pd

    from scoring.engine.card import Card

#: DuckDB's memory limit for one file: the query streams, so this bounds the whole run.
MEMORY_LIMIT = "768MB"
#: DuckDB optimizers left out for the compiled query (measured: the checks of a CSV cost
#: 1.7 times as much with filter pushdown, which copies them into the filter).
DISABLED_OPTIMIZERS = "filter_pushdown"


def _describe(con: Any, table: str, source: str) -> dict[str, str]:
    """Each column of a table expression with its DuckDB type, in order; a column named twice is refused."""
    described = [(str(row[0]), str(row[1])) for row in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    check_columns([name for name, _ in described], source)
    return dict(described)


def _source(con: Any, src: Path | pd.DataFrame, fmt: Format, *, parallel: bool = True) -> tuple[str, dict[str, str]]:
    """The table expression the query reads, and its columns with their types (checked as the pandas engine checks them)."""
    import pandas as pd

    if isinstance(src, pd.DataFrame):
        check_columns(src.columns, "the frame")
        con.register("zaro_input", src)
        return "zaro_input", _describe(con, "zaro_input", "the frame")
    path = literal(str(src))
    if fmt == "parquet":
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()
        except Exception as exc:  # duckdb raises several error types for a file that is not Parquet
            raise InputError(f"{src} is not a readable Parquet file: {exc}") from None
        check_columns([str(row[0]) for row in described], str(src))
        return f"read_parquet({path})", {str(row[0]): str(row[1]) for row in described}
    header = read_csv_header(src)
    types = "{" + ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header) + "}"
    # Every cell as text and only empty cells missing, as the pandas engine reads a CSV; rows
    # with fewer cells than the header get empty (missing) cells, as pandas gives them.
    table = (
        f"read_csv({path}, header = true, delim = ',', quote = '\"', escape = '\"', columns = {types}, "
        "null_padding = true, auto_detect = false, encoding = 'utf-8'"
        + ("" if parallel else ", parallel = false")
        + ")"
    )
    return table, dict.fromkeys(header, "VARCHAR")


def _needs_serial_reader(exc: Exception) -> bool:
    """True for the parallel CSV reader's refusal of quoted line breaks (the serial one reads them)."""
    message = str(exc)
    return "parallel" in message and "quoted new lines" in message


def _formula_safe(column: str) -> str:
    """A text column with cells a spreadsheet would run as a formula prefixed by a quote."""
    text = f"CAST({quote(column)} AS VARCHAR)"
    # Prefix tests are cheap: only the few cells that start like a formula are matched
    # against the number pattern.
    starts = " OR ".join(f"{text} LIKE {literal(char + '%')}" for char in FORMULA_CHARACTERS)
    lookalike = " OR ".join(f"{text} LIKE {literal(char + '%')}" for char in formula_lookalikes())
    risky = f"(({starts}) AND NOT REGEXP_FULL_MATCH({text}, {literal(PLAIN_NUMBER)})) OR {lookalike}"
    return f"CASE WHEN {risky} THEN '''' || {text} ELSE {_unquoted_empty(column)} END AS {quote(column)}"


def _unquoted_empty(column: str) -> str:
    # DuckDB quotes an empty text ("") to tell it from a missing one; pandas writes nothing.
    return f"NULLIF(CAST({quote(column)} AS VARCHAR), '')"


#: Result columns that are text and may be empty.
_TEXT_RESULTS = ("red_flags", "vignette_id", "value")


def _as_pandas_writes(column: str) -> str:
    """A yes/no column written as pandas writes it to a CSV (True/False), so both engines write the same bytes."""
    return f"CASE WHEN {quote(column)} THEN 'True' WHEN NOT {quote(column)} THEN 'False' END AS {quote(column)}"


def _csv_columns(query: str, columns: list[str], text_columns: set[str], yes_no: set[str]) -> str:
    """The query's columns for a CSV: formula-safe text columns, yes/no as True/False."""
    parts = []
    for c in columns:
        if c in text_columns:
            parts.append(_formula_safe(c))
        elif c in yes_no:
            parts.append(_as_pandas_writes(c))
        else:
            parts.append(f"{_unquoted_empty(c)} AS {quote(c)}" if c in _TEXT_RESULTS else quote(c))
    return f"SELECT {', '.join(parts)} FROM ({query}) AS _zaro_out"


def _copy(con: Any, query: str, target: Path, fmt: Format) -> int:
    # The target is already a hidden temporary: DuckDB's own temporary copy (tmp_<name>,
    # which does not look hidden) would be a second one, left behind by a killed run.
    options = ("FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true") + ", USE_TMP_FILE false"
    try:
        return int(con.execute(f"COPY ({query}) TO {literal(str(target))} ({options})").fetchall()[0][0])
    except Exception as exc:  # duckdb's errors for a malformed CSV or a failed write
        if type(exc).__name__ in ("InvalidInputException", "ConversionException"):
            if "Expected Number of Columns" in str(exc):
                raise UnevenCsvRows(str(exc).splitlines()[0]) from None
            raise InputError(f"the input is not a readable table: {str(exc).splitlines()[0]}") from None
        raise


class UnevenCsvRows(InputError):
    """A CSV row with more cells than the header: DuckDB's reader stops there, zaro's row reader
    rejects that row with its number and scores the rest (the pandas engine reads the file)."""


def _rows_in_rejects(con: Any, rejects: tuple[Path, Format]) -> int:
    """How many rows the rejects file names (a row with two problems has two lines)."""
    path, fmt = rejects
    reader = (
        f"read_parquet({literal(str(path))})"
        if fmt == "parquet"
        else (f"read_csv({literal(str(path))}, header = true, all_varchar = true)")
    )
    return int(con.execute(f"SELECT COUNT(DISTINCT row) FROM {reader}").fetchall()[0][0])


def score_with_duckdb(
    src: Path | pd.DataFrame,
    fmt: Format,
    out: tuple[Path, Format],
    rejects: tuple[Path, Format],
    *,
    card: Card,
    tree: Any,
    formula_safe: bool,
    population: Any = None,
    policy: Any = None,
) -> tuple[int, int, int, int]:
    """Score ``src`` into ``out`` and ``rejects`` (path, format); returns (rows in, scored, rejected, problems).

    ``card``, ``tree``, ``population`` and ``policy`` are as for :func:`scoring.sql.to_sql`.

    Raises
    ------
    InputError
        An unreadable input, naming it; RuntimeError if any row were lost.
    """
    import duckdb

    from scoring.engine.tree import resolve_tree

    tree = None if tree is None else resolve_tree(tree)
    # What DuckDB spills to disk goes to a hidden folder next to the output, removed at the end
    # (its default, .tmp in the current folder, would outlive a killed run elsewhere).
    spill = hidden_temporary(out[0].parent / (out[0].name.lstrip(".") + ".duckdb"), folder=True)
    try:
        return _score(duckdb, src, fmt, out, rejects, spill, card, tree, formula_safe, population, policy)
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None  # Ctrl-C or SIGTERM (raised as an interrupt by the CLI)
    except duckdb.IOException as exc:
        # A full disk, a file-size limit, a folder made read-only: an OSError, told as one line by the caller.
        raise OSError(str(exc).splitlines()[0]) from None
    except RuntimeError as exc:
        if "interrupted" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _score(
    duckdb: Any,
    src: Path | pd.DataFrame,
    fmt: Format,
    out: tuple[Path, Format],
    rejects: tuple[Path, Format],
    spill: Path,
    card: Card,
    tree: Any,
    formula_safe: bool,
    population: Any,
    policy: Any,
) -> tuple[int, int, int, int]:
    # DuckDB's parallel CSV reader refuses a quoted cell holding a line break; such a file is
    # read again by the serial reader rather than refused (pandas reads it).
    for parallel in (True, False):
        con = duckdb.connect(
            config={
                "memory_limit": MEMORY_LIMIT,
                "preserve_insertion_order": True,
                "temp_directory": str(spill),
            }
        )
        # Pushing the "row is valid" filter below the checks would copy each field's reason (and
        # the number or word it reads) into the filter, computing every piece several times a row.
        con.execute(f"SET disabled_optimizers = {literal(DISABLED_OPTIMIZERS)}")
        try:
            table, types = _source(con, src, fmt, parallel=parallel)
            columns = list(types)
            scored = to_sql(
                card=card,
                tree=tree,
                population=population,
                policy=policy,
                table=table,
                columns=columns,
                column_types=types,
            )
            problems_sql = rejects_sql(table=table, columns=columns, column_types=types)
            if out[1] == "csv":
                kept = scored_columns(
                    columns,
                    tree=tree is not None,
                    outcome=card_outcome(card),
                    tree_outcome=None if tree is None else tree.outcome,
                )
                text = {c for c in METADATA_COLUMNS if c in columns} if formula_safe else set()
                yes_no = {f.name for f in FIELDS if f.kind == "bool"} | {"agree"}
                scored = _csv_columns(scored, kept, text, yes_no)
            if formula_safe and rejects[1] == "csv":
                problems_sql = _csv_columns(problems_sql, list(REJECT_COLUMNS), {"vignette_id", "value"}, set())
            rows_scored = _copy(con, scored, out[0], out[1])
            # Counting the rows is cheap (Parquet files and frames know it; a CSV is only split
            # into rows, measured at a quarter of the rejects query's time on 1M rows), so the
            # rejects query, which checks every cell again, runs only when some row was rejected.
            rows_known = int(con.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0])
            if rows_known == rows_scored:
                # Every row was scored: no row needs checking again, the rejects file gets its header
                # only. The optimizer that finds the query empty is the one left out above.
                con.execute("RESET disabled_optimizers")
                problems_sql = f"SELECT * FROM ({problems_sql}) AS _zaro_none LIMIT 0"
            problems = _copy(con, problems_sql, rejects[0], rejects[1])
            rows_rejected = _rows_in_rejects(con, rejects) if problems else 0
            rows_in = rows_known
            break
        except duckdb.Error as exc:
            if parallel and _needs_serial_reader(exc):
                continue  # read the CSV again, on one thread
            raise
        finally:
            con.close()
    if rows_in != rows_scored + rows_rejected:
        raise RuntimeError(f"rows lost: {rows_in} read but {rows_scored} scored + {rows_rejected} rejected")
    return rows_in, rows_scored, rows_rejected, problems
