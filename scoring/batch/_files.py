"""Output files: formats, the same file by any route, temporary files moved into place when complete."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scoring._outputs import (
    OutputError,
    check_file_output,
    hidden_temporary,
    output_lock,
    publish,
    write_failure,
)
from scoring.batch._errors import InputError
from scoring.batch._formulas import escape_formulas

if TYPE_CHECKING:
    import pandas as pd

Format = Literal["csv", "parquet"]

_SUFFIXES: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class BatchPaths:
    """Where :func:`assess_file` wrote the scored rows and the rejected rows."""

    out: Path
    rejects: Path


def default_rejects_path(out: str | os.PathLike[str]) -> Path:
    """Where the rejected rows go when no path is given: ``OUT`` with ``.rejects.csv``."""
    return Path(out).with_suffix(".rejects.csv")


def format_of(path: Path, given: str | None, role: str) -> Format:
    if given is not None:
        if given not in ("csv", "parquet"):
            raise InputError(f"{role} format {given!r} is not known; allowed: 'csv' or 'parquet'")
        return given  # type: ignore[return-value]
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"{path}: cannot tell the {role} format from the extension {path.suffix!r}; "
            "use .csv or .parquet (or format= in Python)"
        )
    return found


def same_file(a: Path, b: Path) -> bool:
    """True when a and b are one file by any route: the same path, a symlink or a hard link."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return a.resolve() == b.resolve()


def check_input(src: Path) -> None:
    if not src.exists():
        raise InputError(f"{src}: no such file")
    if src.is_dir():
        raise InputError(f"{src} is a folder; give a .csv or .parquet file of vignettes")
    if not os.access(src, os.R_OK):
        raise InputError(f"cannot read {src}: permission denied")


@contextmanager
def output_errors_as_input_errors() -> Iterator[None]:
    """The shared output rules' :class:`OutputError` as this layer's :class:`InputError` (same message)."""
    try:
        yield
    except OutputError as exc:
        raise InputError(str(exc)) from None


def check_output(path: Path, role: str, *, overwrite: bool) -> None:
    with output_errors_as_input_errors():
        check_file_output(path, role, overwrite=overwrite)


def check_paths(src: Path | None, out: Path, rejects: Path, *, overwrite: bool) -> None:
    if src is not None:
        check_input(src)
        for role, path in (("--out", out), ("--rejects", rejects)):
            if same_file(src, path):
                raise InputError(f"{role} {path} and the input {src} are the same file; choose another path")
    if same_file(out, rejects):
        raise InputError(f"--out and --rejects are the same file ({out}); choose another path")
    check_output(out, "--out", overwrite=overwrite)
    check_output(rejects, "--rejects", overwrite=overwrite)


def temporary_file(target: Path) -> Path:
    """A new hidden file next to ``target`` whose name ends in .tmp (never looks finished)."""
    with output_errors_as_input_errors():
        return hidden_temporary(target)


class TableWriter:
    """Appends frames to one CSV or Parquet file (the temporary file of an output)."""

    def __init__(self, path: Path, fmt: Format, *, formula_safe: bool):
        self.path, self.fmt, self.formula_safe = path, fmt, formula_safe
        self._handle: Any = None
        self._parquet: Any = None
        self._schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.formula_safe and self.fmt == "csv":
            # Spreadsheets run formulas from CSV text; Parquet keeps the values as they are.
            frame = escape_formulas(frame)
        if self.fmt == "csv":
            from scoring.batch._csv import csv_bytes

            first = self._handle is None
            if first:
                self._handle = open(self.path, "wb")
            self._handle.write(csv_bytes(frame, header=first))
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
    check_input(source)
    if same_file(source, target):
        raise InputError(f"--rejects {target} and the input {source} are the same file; choose another path")
    check_output(target, "--rejects", overwrite=overwrite)
    return target


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False, formula_safe: bool = True
) -> Path:
    """Write a frame to a .csv or .parquet file that appears only when complete.

    The frame goes to a hidden temporary file in the target's folder, which then takes the
    target's name in one step: an interrupted write leaves the target as it was. An existing
    target (a symbolic link included) is refused unless ``overwrite``; with it the name is
    replaced, never followed. Two runs writing one target cannot both succeed.
    """
    target = Path(path)
    check_output(target, "the output", overwrite=overwrite)
    fmt = format_of(target, None, "output")
    with output_errors_as_input_errors(), output_lock(target):
        partial = temporary_file(target)
        try:
            writer = TableWriter(partial, fmt, formula_safe=formula_safe)
            try:
                writer.write(frame)
            finally:
                writer.close()
            publish([(partial, target)], overwrite=overwrite, role="output")
        except OSError as exc:
            failure = write_failure(exc, target)
            if failure is None:
                raise
            raise failure from None
        finally:
            partial.unlink(missing_ok=True)
    return target
