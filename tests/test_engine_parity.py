"""One reader contract for both engines: random typed Parquet and CSV files, scored row for row.

Each example draws a schema (a column type per field: integers, floats with NaN and
infinities, unsigned 64-bit integers up to their maximum, decimals, yes/no, text, binary,
lists of text, lists of lists, all-null columns) and writes a group of tiny files of that
schema holding valid and hostile values. The pandas engine reads each file with zaro's own
reader and scores the rows with ``assess_frame``; DuckDB reads the same files (one scan of
the group) and runs the compiled queries of ``to_sql`` and ``rejects_sql``. Both must reject
the same rows for the same reasons, show the same values, and give the same answers to the
rows they score. One DuckDB connection serves every example (planning the compiled query
costs about a second; the files of one schema share it).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scoring.assessment import assess_frame
from scoring.batch._duckdb import _source
from scoring.batch._read import read_chunks
from scoring.contract.fields import FIELDS, FieldSpec
from scoring.sql import rejects_sql, to_sql
from scoring.sql._compile import literal

RESULTS = [
    "points_total",
    "band",
    "red_flags",
    "card_recommendation",
    "tree_recommendation",
    "agree",
    "guideline_recommendation",
    "risk_policy_recommendation",
    "timeframe",
    "recommendation",
]
REJECT_KEYS = ["row", "vignette_id", "field", "value", "reason", "allowed"]
#: Schemas per run and files per schema: 8 x 25 = 200 Parquet files and as many CSV files.
SCHEMAS = 8
FILES_PER_SCHEMA = 25

#: Column types per field kind: the usual ones often, the hostile ones now and then.
_USUAL = {
    "int": ["int64", "float64", "uint64", "decimal", "string"],
    "float": ["float64", "int64", "decimal", "string"],
    "bool": ["bool", "int64", "float64", "string"],
    "category": ["string"],
    "multi_category": ["string", "list"],
}
_HOSTILE = ["binary", "list", "nested", "null", "bool", "int64", "decimal", "uint64"]


def _valid(spec: FieldSpec, rng: np.random.Generator) -> Any:
    """A valid value of the field as Python (a number, a yes/no, a name, a list of names)."""
    if spec.kind == "int":
        return int(rng.integers(int(spec.min), int(spec.max) + 1))
    if spec.kind == "float":
        return round(float(rng.uniform(spec.min, spec.max)), 1)
    if spec.kind == "bool":
        return bool(rng.integers(2))
    if spec.kind == "category":
        return str(rng.choice(spec.allowed))
    count = int(rng.integers(1, 4))
    return [str(name) for name in rng.choice(spec.allowed, size=count, replace=False)]


def _hostile(spec: FieldSpec, kind: str, rng: np.random.Generator) -> Any:
    """A value of column type ``kind`` that a field may well refuse (or an edge it accepts)."""
    choices: dict[str, list[Any]] = {
        "int64": [-1, 0, 1, 2, 10**6, 2**62, int(spec.min) if spec.is_numeric else 3],
        "float64": [float("nan"), float("inf"), float("-inf"), 1e300, -0.5, 2.5, 0.0, 1.0, 1e16],
        "uint64": [2**64 - 1, 2**63, 0, 1, 101],
        "decimal": [Decimal("99999999999999999.999"), Decimal("2.500"), Decimal("0.000"), Decimal("1.000")],
        "bool": [True, False],
        "string": ["", " ", "abc", "1e400", "34.", " 40 ", "NaN", "inf", "yes", "Minor", "calf;knee", "=1+1", "knee"],
        "binary": [b"calf", b"40", b"true", b"minor"],
        "list": [[], ["knee"], ["calf", None], ["Calf"], ["calf", "calf"], ["eyelid", "foot"]],
        "nested": [[["calf"]], [], [["eyelid", "foot"], ["calf"]]],
    }
    options = choices[kind]
    return options[int(rng.integers(len(options)))]


def _as_kind(value: Any, kind: str) -> Any:
    """A valid value written in a column type (None where that type cannot hold it; yes/no as 0 and 1)."""
    if kind == "string":
        return ";".join(value) if isinstance(value, list) else str(value)
    if kind == "list":
        return value if isinstance(value, list) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, (list, str)):
        return None
    number = float(value)
    if kind in ("int64", "uint64"):
        return int(number) if number.is_integer() else None
    if kind == "float64":
        return number
    if kind == "decimal":
        return Decimal(f"{number:.3f}")
    return None


_ARROW = {
    "int64": pa.int64(),
    "float64": pa.float64(),
    "uint64": pa.uint64(),
    "decimal": pa.decimal128(20, 3),
    "bool": pa.bool_(),
    "string": pa.string(),
    "binary": pa.binary(),
    "list": pa.list_(pa.string()),
    "nested": pa.list_(pa.list_(pa.string())),
    "null": pa.null(),
}


def _cells(spec: FieldSpec, kind: str, rows: int, rng: np.random.Generator) -> list[Any]:
    cells = []
    for _ in range(rows):
        draw = rng.random()
        if kind == "null" or draw < 0.05:
            cells.append(None)
        elif draw < 0.8:
            cells.append(_as_kind(_valid(spec, rng), kind))
        else:
            cells.append(_hostile(spec, kind, rng))
    return cells


def _fitting(kind: str, values: list[Any]) -> list[Any]:
    """The values a column of ``kind`` can hold (others missing), so one schema holds hostile ones too."""
    checks = {
        "int64": lambda v: isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63,
        "uint64": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**64,
        "float64": lambda v: isinstance(v, float),
        "decimal": lambda v: isinstance(v, Decimal),
        "bool": lambda v: isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "binary": lambda v: isinstance(v, bytes),
        "list": lambda v: isinstance(v, list) and all(i is None or isinstance(i, str) for i in v),
        "nested": lambda v: isinstance(v, list) and all(isinstance(i, list) for i in v),
        "null": lambda v: False,
    }
    return [v if v is not None and checks[kind](v) else None for v in values]


@st.composite
def schemas(draw: st.DrawFn) -> dict[str, str]:
    """A column type per field present: required fields always, optional ones now and then."""
    out = {}
    for spec in FIELDS:
        if not spec.required and not draw(st.booleans()):
            continue
        hostile = draw(st.integers(0, 19)) == 0
        kinds = _HOSTILE if hostile else _USUAL[spec.kind]
        out[spec.name] = draw(st.sampled_from(kinds))
    return out


def _text(value: Any) -> str:
    """A cell of a CSV file: what a person or a program would write for the value."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join("" if v is None else str(v) for v in value)
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def _write_files(folder: Path, schema: dict[str, str], seed: int) -> tuple[list[Path], list[Path]]:
    """FILES_PER_SCHEMA Parquet files of ``schema`` and a CSV file of each (its cells as text)."""
    rng = np.random.default_rng(seed)
    parquet, text = [], []
    for index in range(FILES_PER_SCHEMA):
        rows = int(rng.integers(1, 6))
        columns = {"vignette_id": pa.array([f"f{index}r{i}" for i in range(rows)], pa.string())}
        raw = {}
        for spec in FIELDS:
            if spec.name in schema:
                kind = schema[spec.name]
                raw[spec.name] = _fitting(kind, _cells(spec, kind, rows, rng))
                columns[spec.name] = pa.array(raw[spec.name], _ARROW[kind])
        path = folder / f"s{seed}_{index}.parquet"
        pq.write_table(pa.table(columns), path)
        parquet.append(path)
        csv_path = path.with_suffix(".csv")
        with open(csv_path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(list(columns))
            ids = columns["vignette_id"].to_pylist()
            writer.writerows([ids[i], *(_text(raw[name][i]) for name in raw)] for i in range(rows))
        text.append(csv_path)
    return parquet, text


@pytest.fixture(scope="module")
def connection() -> Any:
    """One DuckDB connection for every example, on one thread (rows numbered in file order)."""
    con = duckdb.connect(config={"threads": 1, "preserve_insertion_order": True})
    yield con
    con.close()


def _duckdb_results(con: Any, files: list[Path], fmt: str, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored rows and rejects of the files read as the DuckDB engine reads one file (the same options)."""
    table, types = _source(con, files[0], fmt, parallel=False)  # type: ignore[arg-type]
    every = "[" + ", ".join(literal(str(path)) for path in files) + "]"
    table = table.replace(literal(str(files[0])), every, 1)
    columns = list(types)
    scored = con.sql(to_sql(table=table, columns=columns, column_types=types, **options)).df()
    rejects = con.sql(rejects_sql(table=table, columns=columns, column_types=types)).df()
    return scored, rejects


def _pandas_results(files: list[Path], fmt: str, **options: Any) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Each file read by zaro's reader (as the pandas engine reads it), the rows scored by assess_frame."""
    frames = [chunk for path in files for chunk in read_chunks(path, fmt, 10**6)]  # type: ignore[arg-type]
    frame = pd.concat(frames, ignore_index=True)
    result = assess_frame(frame, **options)
    return len(frame), result.scored.reset_index(drop=True), result.rejected


def _assert_same(con: Any, files: list[Path], fmt: str, **options: Any) -> None:
    rows, python, expected = _pandas_results(files, fmt, **options)
    scored, rejects = _duckdb_results(con, files, fmt, **options)
    got = rejects[REJECT_KEYS].astype(str).values.tolist()
    assert got == expected[REJECT_KEYS].astype(str).values.tolist()
    assert rows == len(scored) + rejects["row"].nunique() == len(python) + expected["row"].nunique()
    assert list(scored.columns) == list(python.columns)
    for column in [c for c in RESULTS if c in python.columns] + ["vignette_id"]:
        assert scored[column].astype(str).tolist() == python[column].astype(str).tolist(), column
    for risk in [c for c in python.columns if c.startswith(("risk_", "tree_risk_")) and python[c].dtype.kind == "f"]:
        np.testing.assert_allclose(scored[risk], python[risk], rtol=0, atol=1e-9)


_FILES_CHECKED = []


# No shrinking: a failing example is reported at once with its schema and seed (shrinking
# files of 25 x 5 rows through two engines would take minutes).
@settings(
    max_examples=SCHEMAS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(schema=schemas(), seed=st.integers(0, 2**31 - 1))
def test_random_typed_files_get_the_same_verdicts_and_answers_from_both_engines(
    connection: Any, tmp_path_factory: pytest.TempPathFactory, schema: dict[str, str], seed: int
) -> None:
    folder = tmp_path_factory.mktemp("parity")
    parquet, text = _write_files(folder, schema, seed)
    _assert_same(connection, parquet, "parquet", policy="risk")
    _assert_same(connection, text, "csv", tree=None)
    _FILES_CHECKED.append(len(parquet) + len(text))


def test_at_least_200_random_files_were_compared() -> None:
    # Runs after the property test in file order; alone, it checks nothing.
    if _FILES_CHECKED:
        assert sum(_FILES_CHECKED) >= 2 * SCHEMAS * FILES_PER_SCHEMA >= 400


@pytest.mark.parametrize(
    ("name", "column", "scored", "reason"),
    [
        ("list<string> locations", pa.array([["calf"], ["eyelid", "calf"]], pa.list_(pa.string())), 2, None),
        ("binary locations", pa.array([b"calf", b"eyelid"], pa.binary()), 0, "wrong type: expected a list"),
        ("nested lists", pa.array([[["calf"]], [["eyelid"]]], pa.list_(pa.list_(pa.string()))), 0, "wrong type"),
    ],
)
def test_each_engine_reads_locations_of_every_arrow_type_alike(
    tmp_path: Path, name: str, column: Any, scored: int, reason: str | None
) -> None:
    from scoring.batch import assess_file

    table = pa.table(
        {
            "age": [40, 50],
            "duration_weeks": [4.0, 5.0],
            "frequency": ["daily", "daily"],
            "severity": ["minor", "minor"],
            "locations": column,
        }
    )
    source = tmp_path / "in.parquet"
    pq.write_table(table, source)
    for engine in ("pandas", "duckdb"):
        summary = assess_file(source, tmp_path / f"{engine}.csv", engine=engine, tree=None)
        assert (summary.rows_scored, summary.rows_rejected) == (scored, 2 - scored), (name, engine)
        if reason:
            assert reason in (tmp_path / f"{engine}.rejects.csv").read_text()
    assert (tmp_path / "pandas.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    assert (tmp_path / "pandas.rejects.csv").read_bytes() == (tmp_path / "duckdb.rejects.csv").read_bytes()


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("age", pa.array([2**64 - 1, 40], pa.uint64())),
        ("age", pa.array([float("nan"), float("inf")])),
        ("duration_weeks", pa.array([Decimal("4.50"), Decimal("99999999.99")], pa.decimal128(10, 2))),
    ],
    ids=["uint64-max", "float-nan-inf", "decimal"],
)
def test_a_bad_typed_value_rejects_its_row_in_both_engines(tmp_path: Path, field: str, column: Any) -> None:
    from scoring.batch import assess_file

    columns = {
        "age": pa.array([40, 50]),
        "duration_weeks": pa.array([4.0, 5.0]),
        "frequency": pa.array(["daily", "daily"]),
        "severity": pa.array(["minor", "minor"]),
        "locations": pa.array(["calf", "eyelid"]),
    }
    columns[field] = column
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(columns), source)
    for engine in ("pandas", "duckdb"):
        summary = assess_file(source, tmp_path / f"{engine}.csv", engine=engine, tree=None)
        assert summary.rows_in == 2 and summary.rows_scored + summary.rows_rejected == 2
    assert (tmp_path / "pandas.rejects.csv").read_bytes() == (tmp_path / "duckdb.rejects.csv").read_bytes()
    assert (tmp_path / "pandas.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
