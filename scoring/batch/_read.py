"""Reading a table of vignettes in chunks: CSV (pyarrow, or pandas) and Parquet."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring.batch._errors import InputError
from scoring.batch._files import Format

if TYPE_CHECKING:
    import pandas as pd


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


class PyarrowCannotParse(Exception):
    """pyarrow refused the CSV (e.g. a row with too few cells): read it again with pandas."""


def read_chunks(
    src: Path | pd.DataFrame, fmt: Format, chunk_rows: int, *, csv_engine: str = "pyarrow"
) -> Iterator[pd.DataFrame]:
    """The input in chunks of ``chunk_rows`` rows (at least one chunk, possibly empty).

    Both CSV engines give the same cells: text, only empty cells missing, as ``zaro
    validate`` reads them. pyarrow is faster but refuses some files pandas reads (a row with
    fewer cells than the header: pandas leaves them empty); it raises :class:`PyarrowCannotParse`
    and the caller reads the file again with pandas.
    """
    import pandas as pd

    if isinstance(src, pd.DataFrame):
        check_columns(src.columns, "the frame")
        for start in range(0, max(len(src), 1), chunk_rows):
            yield src.iloc[start : start + chunk_rows]
        return
    if fmt == "parquet":
        yield from read_parquet_chunks(src, chunk_rows)
        return
    header = read_csv_header(src)
    if csv_engine == "pyarrow":
        yield from _read_csv_pyarrow(src, header, chunk_rows)
        return
    from scoring.data import CSV_READ_OPTIONS

    done = 0
    try:
        with pd.read_csv(src, chunksize=chunk_rows, **CSV_READ_OPTIONS) as reader:
            for chunk in reader:
                yield chunk
                done += len(chunk)
    except pd.errors.ParserError as exc:
        if _odd_quote_count(src):
            raise InputError(f"{src} is not a readable CSV file: {str(exc).splitlines()[-1]}") from None
        # A row with more cells than the header: the rest of the file is read row by row, and
        # such rows are marked (the caller rejects them with their row number).
        yield from _read_csv_rows(src, header, chunk_rows, skip=done)
    except UnicodeDecodeError:
        raise InputError(f"{src} is not UTF-8 text; save it as UTF-8 CSV") from None


#: Frame attribute of a CSV chunk read row by row: {position in the chunk: the cells beyond
#: the header's columns} for each row that had more cells than the header.
EXTRA_CELLS = "zaro_extra_cells"


def _read_csv_rows(src: Path, header: list[str], chunk_rows: int, *, skip: int) -> Iterator[pd.DataFrame]:
    """The data rows after the first ``skip``, read with the csv module as pandas reads them.

    Empty cells are missing, blank lines skipped, a row with fewer cells gets missing ones;
    a row with more keeps its first cells and is listed in the chunk's :data:`EXTRA_CELLS`.
    """
    import pandas as pd

    width = len(header)

    def frame(rows: list[list[str]], extra: dict[int, list[str]]) -> pd.DataFrame:
        cells = [[cell if cell != "" else None for cell in row[:width]] + [None] * (width - len(row)) for row in rows]
        chunk = pd.DataFrame(cells, columns=header, dtype="str")
        if extra:
            chunk.attrs[EXTRA_CELLS] = extra
        return chunk

    rows: list[list[str]] = []
    extra: dict[int, list[str]] = {}
    yielded = False
    try:
        with open(src, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)  # the header
            seen = 0
            for row in reader:
                if not row:
                    continue
                seen += 1
                if seen <= skip:
                    continue
                if len(row) > width:
                    extra[len(rows)] = row[width:]
                rows.append(row)
                if len(rows) == chunk_rows:
                    yield frame(rows, extra)
                    yielded = True
                    rows, extra = [], {}
    except csv.Error as exc:
        raise InputError(f"{src} is not a readable CSV file: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{src} is not UTF-8 text; save it as UTF-8 CSV") from None
    if rows or not yielded:
        yield frame(rows, extra)


def _odd_quote_count(src: Path) -> bool:
    """Whether the file holds an odd number of double quotes (so a quoted cell is left open)."""
    count = 0
    with open(src, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            count += block.count(b'"')
    return count % 2 == 1


def _read_csv_pyarrow(src: Path, header: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if _odd_quote_count(src):
        # pyarrow accepts a quote left open at the end of the file; pandas refuses the file.
        raise PyarrowCannotParse(f"{src}: a quoted cell is not closed")
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(
            src,
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=convert,
        )
        pending: list[Any] = []
        n_pending = 0
        yielded = False
        for batch in reader:
            pending.append(batch)
            n_pending += batch.num_rows
            while n_pending >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield table.slice(0, chunk_rows).to_pandas()
                yielded = True
                rest = table.slice(chunk_rows)
                pending, n_pending = rest.to_batches(), rest.num_rows
        if n_pending or not yielded:
            yield pa.Table.from_batches(pending, schema=reader.schema).to_pandas()
    except pa.ArrowInvalid as exc:
        raise PyarrowCannotParse(str(exc)) from None


def read_parquet_chunks(src: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
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
        yield _batch_frame(batch)
    if first:
        yield parquet.schema_arrow.empty_table().to_pandas()


def _batch_frame(batch: Any) -> pd.DataFrame:
    """A record batch as a frame; integer columns with missing cells stay integers.

    By default Arrow turns them into floats, so ``2**64 - 1`` would read as ``1.8e19`` and a
    refused ``3`` be shown as ``3.0``; DuckDB reads the integers themselves.
    """
    import pandas as pd
    import pyarrow as pa

    integer_with_gaps = any(
        pa.types.is_integer(field.type) and batch.column(i).null_count for i, field in enumerate(batch.schema)
    )
    if not integer_with_gaps:
        return batch.to_pandas()
    nullable = {
        getattr(pa, name)(): pd.api.types.pandas_dtype(name.capitalize().replace("Uint", "UInt"))
        for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
    }
    return batch.to_pandas(types_mapper=nullable.get)
