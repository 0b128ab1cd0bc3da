"""assess_file: score a file in chunks into outputs that appear only when complete."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scoring._options import check_choice
from scoring._outputs import locked_outputs, publish, write_failure
from scoring.batch._errors import InputError
from scoring.batch._files import (
    BatchPaths,
    Format,
    TableWriter,
    check_paths,
    default_rejects_path,
    format_of,
    output_errors_as_input_errors,
    temporary_file,
)
from scoring.batch._read import EXTRA_CELLS, PyarrowCannotParse, read_chunks

if TYPE_CHECKING:
    import pandas as pd

    from scoring.engine.card import Card


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


def _resolve_card(card: Card | str | os.PathLike[str] | None) -> Card:
    from scoring.engine.card import load_card

    return load_card(card)  # type: ignore[arg-type]


def _resolve_policy(population: Any, policy: Any) -> tuple[Any, Any]:
    """The population and policy, loaded (an unknown name is an error before any file is touched)."""
    from scoring.engine.policies import load_policy
    from scoring.engine.populations import load_population

    return load_population(population), load_policy(policy)


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
    card: Card | str | os.PathLike[str] = "default",
    tree: Any = "default",
    population: Any = None,
    policy: Any = None,
    chunk_rows: int = 200_000,
    overwrite: bool = False,
    formula_safe: bool = True,
    progress: Callable[[int], object] | None = None,
    format: Format | None = None,
    out_format: Format | None = None,
    csv_engine: Literal["pyarrow", "pandas"] = "pyarrow",
    engine: Literal["duckdb", "pandas"] | None = None,
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
        As for :func:`scoring.assessment.assess_frame`; ``tree`` may also be the path of a saved tree.
    population, policy : str, optional
        Whom the risks are for (``"community"`` by default) and whose answer is
        ``recommendation`` (``"guideline"`` by default, or ``"risk"``), as for
        :func:`~scoring.assessment.assess_frame`; both engines score the same columns.
    chunk_rows : int, default 200_000
        Rows read and scored at a time (bounds the memory used).
    overwrite : bool, default False
        Replace ``out`` and ``rejects`` if they exist (only at the end, in one rename each; a
        symbolic link there is replaced, never followed). Without it an existing file is
        refused, and two runs writing one output cannot both succeed.
    formula_safe : bool, default True
        In CSV outputs, prefix text cells starting with ``= + - @``, tab or carriage return
        with ``'`` (spreadsheets would run them as formulas); Parquet keeps values as they are.
    progress : callable, optional
        Called after each chunk with the number of rows it held.
    format, out_format : {"csv", "parquet"}, optional
        The input's and the output's format when the extension does not say.
    csv_engine : {"pyarrow", "pandas"}, default "pyarrow"
        Which library reads a CSV input. Both give the same cells and the same output;
        pyarrow is faster, and a file it refuses (a row with fewer cells than the header,
        which pandas reads as empty cells) is read again with pandas from the start.
    engine : {"duckdb", "pandas"}, optional
        What scores the rows. ``"pandas"`` reads chunks and scores them with
        :func:`~scoring.assessment.assess_frame`; ``"duckdb"`` runs the compiled query of
        :func:`scoring.sql.to_sql` inside DuckDB, streaming file to file in bounded memory
        (same rows, same answers, same rejects; tested). By default CSV files of
        :data:`DUCKDB_FROM_BYTES` or more and Parquet files of :data:`DUCKDB_FROM_PARQUET_BYTES`
        or more go to DuckDB, frames and smaller files to pandas, as measured by
        ``benchmarks/bench_sql.py`` on a shared 2-core machine. A 1M-row CSV of generated
        vignettes (440 MB): DuckDB 5.0 s, pandas 7.8 s (1,296 MiB peak memory against
        550 MiB). Parquet of the contract's columns: DuckDB 1.09x pandas' speed at 200,000
        rows (2.6 MB), 1.27x at 1M, 1.61x at 10M; with the generator's 267-character
        narratives pandas was faster (20.4 s against 27.8 s at 10M rows) but its memory
        grew past 1 GiB (1,178 MiB against DuckDB's 795 MiB). CSV: the two meet near 20,000
        rows (9 MB: 1.1 s each).

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
    VignetteError, CardError, PopulationError, PolicyError
        The file as a whole breaks the contract (a missing required column), a bad card, or
        an unknown population or policy (checked before anything is read or written).
    """
    import pandas as pd

    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InputError(f"chunk_rows must be a whole number of rows, at least 1 (got {chunk_rows!r})")
    check_choice("csv_engine", csv_engine, ("pyarrow", "pandas"), error=InputError)
    check_choice("engine", engine, ("duckdb", "pandas", None), error=InputError)
    source = src if isinstance(src, pd.DataFrame) else Path(src)
    out_path = Path(out)
    rejects_path = Path(rejects) if rejects is not None else default_rejects_path(out_path)
    in_format: Format = "csv" if isinstance(source, pd.DataFrame) else format_of(source, format, "input")
    written_format = format_of(out_path, out_format, "output")
    rejects_format = format_of(rejects_path, None, "rejects")
    check_paths(None if isinstance(source, pd.DataFrame) else source, out_path, rejects_path, overwrite=overwrite)
    the_card = _resolve_card(card)
    the_tree = resolve_tree_option(tree)
    the_population, the_policy = _resolve_policy(population, policy)
    if _chosen_engine(engine, source, in_format) == "duckdb":
        from scoring.batch._duckdb import UnevenCsvRows, score_with_duckdb

        def score_in_duckdb(out_partial: Path, rejects_partial: Path, _: str) -> tuple[int, int, int, int]:
            counts = score_with_duckdb(
                source,
                in_format,
                (out_partial, written_format),
                (rejects_partial, rejects_format),
                card=the_card,
                tree=the_tree,
                formula_safe=formula_safe,
                population=the_population,
                policy=the_policy,
            )
            _Progress(progress).done(counts[0])
            return counts

        try:
            counts = _write_in_place(out_path, rejects_path, score_in_duckdb, "duckdb", overwrite=overwrite)
            return BatchSummary(*counts, paths=BatchPaths(out_path, rejects_path))
        except UnevenCsvRows:
            pass  # a row with too many cells: the pandas engine rejects it and scores the rest

    def score_into(out_partial: Path, rejects_partial: Path, engine: str) -> tuple[int, int, int, int]:
        return _score_chunks(
            read_chunks(source, in_format, chunk_rows, csv_engine=engine),
            TableWriter(out_partial, written_format, formula_safe=formula_safe),
            TableWriter(rejects_partial, rejects_format, formula_safe=formula_safe),
            card=the_card,
            tree=the_tree,
            population=the_population,
            policy=the_policy,
            progress=tracker,
        )

    tracker = _Progress(progress)
    counts = _write_in_place(out_path, rejects_path, score_into, csv_engine, overwrite=overwrite)
    return BatchSummary(*counts, paths=BatchPaths(out_path, rejects_path))


#: CSV files at least this large are scored by DuckDB when no engine is named (see assess_file).
DUCKDB_FROM_BYTES = 16 << 20
#: Parquet files at least this large are scored by DuckDB when no engine is named (see assess_file).
DUCKDB_FROM_PARQUET_BYTES = 2 << 20


def _chosen_engine(engine: str | None, source: Path | pd.DataFrame, in_format: Format) -> str:
    if engine is not None:
        return engine
    if not isinstance(source, Path):
        return "pandas"
    threshold = DUCKDB_FROM_BYTES if in_format == "csv" else DUCKDB_FROM_PARQUET_BYTES
    return "duckdb" if source.stat().st_size >= threshold else "pandas"


def _write_in_place(
    out: Path,
    rejects: Path,
    score_into: Callable[[Path, Path, str], tuple[int, int, int, int]],
    csv_engine: str,
    *,
    overwrite: bool,
) -> tuple[int, int, int, int]:
    """Score into hidden temporary files next to the targets, then move them into place; nothing partial is left.

    The run holds both targets' locks throughout, so a second run writing either one stops
    at once; without ``overwrite`` the targets are taken exclusively at the end, so a file
    that appeared meanwhile is never replaced (the run fails, saying so).
    """
    with output_errors_as_input_errors(), locked_outputs([out, rejects]):
        temporary = {out: temporary_file(out)}
        try:
            temporary[rejects] = temporary_file(rejects)
            try:
                counts = score_into(temporary[out], temporary[rejects], csv_engine)
            except PyarrowCannotParse:
                counts = score_into(temporary[out], temporary[rejects], "pandas")  # the files start again
            # The rejects first: the scored rows appearing is the sign that the run finished.
            publish([(temporary[rejects], rejects), (temporary[out], out)], overwrite=overwrite, role="--out")
        except OSError as exc:
            # A full disk, a file-size limit, a folder made read-only: one line naming the output.
            ours = {None, str(out), str(rejects), *(str(p) for p in temporary.values())}
            failure = write_failure(exc, out) if getattr(exc, "filename", None) in ours else None
            if failure is None:
                raise
            raise failure from None
        finally:
            # Ctrl-C, SIGTERM (raised as KeyboardInterrupt by the CLI), a bad line: no partial output.
            for partial in temporary.values():
                partial.unlink(missing_ok=True)
    return counts


class _Progress:
    """Reports rows done to the caller's callback, never the same rows twice (a re-read starts at 0)."""

    def __init__(self, callback: Callable[[int], object] | None):
        self.callback = callback
        self.reported = 0

    def done(self, rows: int) -> None:
        if self.callback is not None and rows > self.reported:
            self.callback(rows - self.reported)
        self.reported = max(self.reported, rows)


def _without_overlong_rows(chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The chunk without the CSV rows that had more cells than the header, and their reject lines.

    Each such row gets one line (field ``(row)``, its extra cells as the value), numbered by
    its position in the chunk; None when there is none.
    """
    import numpy as np
    import pandas as pd

    extra = chunk.attrs.get(EXTRA_CELLS)
    if not extra:
        return chunk, None
    width = len(chunk.columns)
    positions = sorted(extra)
    ids = chunk["vignette_id"] if "vignette_id" in chunk.columns else None
    lines = pd.DataFrame(
        {
            "row": np.array(positions, dtype=np.int64) + 1,
            "vignette_id": ["" if ids is None or pd.isna(ids.iloc[p]) else str(ids.iloc[p]) for p in positions],
            "field": "(row)",
            "value": [",".join(extra[p]) for p in positions],
            "reason": [f"{width + len(extra[p])} cells where the header names {width} columns" for p in positions],
            "allowed": f"one cell per column of the header ({width})",
        },
        index=chunk.index[positions],
    )
    kept = chunk.drop(index=chunk.index[positions])
    kept.attrs = {}
    return kept, lines


def _score_chunks(
    chunks: Iterator[pd.DataFrame],
    out: TableWriter,
    rejects: TableWriter,
    *,
    card: Card,
    tree: Any,
    population: Any,
    policy: Any,
    progress: _Progress,
) -> tuple[int, int, int, int]:
    """Score every chunk into the two writers; returns (rows in, scored, rejected, problems)."""
    import numpy as np
    import pandas as pd

    from scoring.assessment import assess_frame

    rows_in = rows_scored = rows_rejected = problems = 0
    try:
        for chunk in chunks:
            kept, overlong = _without_overlong_rows(chunk)
            result = assess_frame(kept, card=card, tree=tree, population=population, policy=policy)
            out.write(result.scored)
            rejected = result.rejected
            if overlong is not None:
                # Rows numbered in the chunk as read, the over-long ones among them.
                positions = np.flatnonzero(~chunk.index.isin(overlong.index))
                rejected = rejected.assign(row=positions[rejected["row"].to_numpy() - 1] + 1)
                rejected = pd.concat([rejected, overlong.reset_index(drop=True)], ignore_index=True)
                rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
            # Row numbers count data rows from 1 across the whole file, not per chunk.
            rejects.write(rejected.assign(row=rejected["row"] + rows_in))
            rows_in += len(chunk)
            rows_scored += len(result.scored)
            rows_rejected += result.n_rejected + (0 if overlong is None else len(overlong))
            problems += len(rejected)
            progress.done(rows_in)
    finally:
        out.close()
        rejects.close()
    if rows_in != rows_scored + rows_rejected:
        raise RuntimeError(f"rows lost: {rows_in} read but {rows_scored} scored + {rows_rejected} rejected")
    return rows_in, rows_scored, rows_rejected, problems
