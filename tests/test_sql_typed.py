"""The typed path of the compiled SQL: columns that already hold numbers or yes/no values are
checked on those values (no text), with the verdicts, reasons and shown values of validate_frame."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.assessment import assess_frame
from scoring.contract.fields import FIELDS, field_spec
from scoring.engine.synth import generate_vignettes
from scoring.sql import rejects_sql, to_sql
from scoring.sql._compile import type_family
from tests.strategies import vignettes

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


def typed_duckdb(frame: pd.DataFrame, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Scored rows and rejects computed by DuckDB on the frame's own column types."""
    con = duckdb.connect()
    con.register("vignettes", frame)
    types = {str(row[0]): str(row[1]) for row in con.execute("DESCRIBE SELECT * FROM vignettes").fetchall()}
    columns = list(frame.columns)
    scored = con.sql(to_sql(columns=columns, column_types=types, **options)).df()
    rejects = con.sql(rejects_sql(columns=columns, column_types=types)).df()
    con.close()
    return scored, rejects, types


def assert_same_typed(frame: pd.DataFrame, **options: Any) -> dict[str, str]:
    expected = assess_frame(frame, **options)
    scored, rejects, types = typed_duckdb(frame, **options)
    python = expected.scored.reset_index(drop=True)
    assert list(scored.columns) == list(python.columns)
    for column in [c for c in RESULTS if c in python.columns] + [f.name for f in FIELDS]:
        assert scored[column].astype(str).tolist() == python[column].astype(str).tolist(), column
    for risk in [c for c in python.columns if c.startswith(("risk_", "tree_risk_")) and python[c].dtype.kind == "f"]:
        np.testing.assert_allclose(scored[risk], python[risk], rtol=0, atol=1e-9)
    got = rejects[REJECT_KEYS].astype(str).values.tolist()
    assert got == expected.rejected[REJECT_KEYS].astype(str).values.tolist()
    assert len(frame) == len(scored) + rejects["row"].nunique()
    return types


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generate_vignettes(1500, seed=21).drop(columns=["latent_cause", "triage", "narrative"])


def test_a_generated_frame_takes_the_typed_path_and_agrees(generated: pd.DataFrame) -> None:
    types = assert_same_typed(generated)
    assert type_family(types["age"]) == "integer" and type_family(types["weakness"]) == "boolean"
    sql = to_sql(columns=list(types), column_types=types)
    # Typed columns are compared as numbers and yes/no values, never read through their text.
    assert 'CAST("age" AS VARCHAR)' not in sql and 'CAST("weakness" AS VARCHAR)' not in sql
    assert 'CAST("locations" AS VARCHAR)' in sql  # text stays text


def test_without_types_every_column_is_read_as_text(generated: pd.DataFrame) -> None:
    sql = to_sql(columns=list(generated.columns))
    assert 'CAST("age" AS VARCHAR)' in sql and 'CAST("weakness" AS VARCHAR)' in sql


def _with(generated: pd.DataFrame, field: str, values: Any) -> pd.DataFrame:
    frame = generated.head(len(values)).copy()
    frame[field] = values
    return frame


TYPED_CELLS = [
    ("age", np.array([12, 101, 40, -5], dtype="int64")),
    ("age", np.array([34.5, 40.0, np.inf, np.nan])),
    ("age", np.array([1e300, -np.inf, 18.0, 100.0])),
    ("duration_weeks", np.array([-0.5, 520.5, np.nan, 2.0])),
    ("duration_weeks", np.array([True, False, True, False])),
    ("stress_level", np.array([5.5, 11.0, np.nan, 7.0])),
    ("stress_level", pd.array([3, None, 11, 0], dtype="Int64")),
    ("caffeine_mg_per_day", np.array([2000, 2001, 0, 95], dtype="int64")),
    ("sleep_hours", np.array([np.nan, 16.0, 16.1, -0.0])),
    ("weakness", np.array([0, 1, 2, -1], dtype="int64")),
    ("weakness", np.array([0.0, 1.0, 0.5, np.nan])),
    ("bulbar", pd.array([True, None, False, None], dtype="boolean")),
    ("pain", np.array([True, False, True, False])),
]


@pytest.mark.parametrize(("field", "values"), TYPED_CELLS, ids=lambda x: x if isinstance(x, str) else str(x.dtype))
def test_typed_bad_and_edge_values_get_validate_frames_verdicts(
    generated: pd.DataFrame, field: str, values: Any
) -> None:
    frame = _with(generated, field, values)
    types = assert_same_typed(frame)
    assert type_family(types[field]) != "text"


def test_a_refused_typed_value_is_shown_as_validate_frame_shows_it(generated: pd.DataFrame) -> None:
    frame = _with(generated, "duration_weeks", np.array([np.inf, 1e-5, 600.0, np.nan]))
    _, rejects, _ = typed_duckdb(frame)
    assert rejects["value"].tolist() == ["inf", "600.0", "NaN"]
    assert rejects["reason"].tolist() == [
        "not a finite number (infinity)",
        "out of range: above the maximum",
        "missing value (NaN or empty)",
    ]


def _typed_column(spec_name: str, dtype: str, values: list[Any]) -> Any:
    if dtype == "Int64":
        return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
    if dtype == "boolean":
        return pd.array(values, dtype="boolean")
    return np.array(values, dtype=dtype)


@st.composite
def typed_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Valid vignettes whose number and yes/no columns get a type each and some odd values of that type."""
    records = draw(st.lists(vignettes(), min_size=1, max_size=10))
    frame = pd.DataFrame(records)
    frame["locations"] = frame["locations"].map(";".join)
    for spec in FIELDS:
        if spec.is_numeric:
            dtype = draw(st.sampled_from(["int64", "float64", "Int64", "bool"]))
        elif spec.kind == "bool":
            dtype = draw(st.sampled_from(["bool", "boolean", "int64", "float64"]))
        else:
            continue
        low, high = (spec.min, spec.max) if spec.is_numeric else (0, 1)
        if dtype == "bool":
            odd: st.SearchStrategy[Any] = st.booleans()
        elif dtype == "boolean":
            odd = st.sampled_from([True, False, None])
        elif dtype in ("int64", "Int64"):
            odd = st.integers(int(low) - 3, int(high) + 3) | st.integers(-(2**63), 2**63 - 1)
            # validate_frame shows pandas' own missing value as '<NA>', where a missing number
            # read from a file is NaN (what SQL shows): missing only where it is not refused.
            odd = odd | st.none() if dtype == "Int64" and not spec.required else odd
        else:
            odd = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([low, high, low - 0.5, -0.0])
        values = [draw(odd) if draw(st.booleans()) else record[spec.name] for record in records]
        if dtype in ("int64", "Int64"):
            values = [v if v is None else int(v) for v in values]
        elif dtype == "bool":
            values = [bool(v) for v in values]
        frame[spec.name] = _typed_column(spec.name, dtype, values)
    return frame.assign(vignette_id=[f"v{i}" for i in range(len(frame))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_frames())
def test_typed_columns_get_the_same_verdicts(frame: pd.DataFrame) -> None:
    assert_same_typed(frame)


def test_type_families() -> None:
    assert [type_family(t) for t in ("BIGINT", "integer", "DOUBLE", "FLOAT", "BOOLEAN", "VARCHAR", "DECIMAL(5,1)")] == [
        "integer",
        "integer",
        "float",
        "float",
        "boolean",
        "text",
        "decimal",
    ]
    assert [type_family(t) for t in ("BLOB", "VARCHAR[]", "VARCHAR[][]", "DATE", "TIMESTAMP_NS")] == [
        "binary",
        "list",
        "list",
        "temporal",
        "temporal",
    ]
    assert field_spec("age").is_numeric
