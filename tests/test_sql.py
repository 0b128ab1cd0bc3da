"""The assessment compiled to SQL gives, row for row, what assess_frame and validate_frame give."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import to_sql
from scoring.assessment import assess_frame
from scoring.contract.errors import VignetteError, cell_text
from scoring.contract.features import Features
from scoring.contract.fields import FIELDS
from scoring.contract.recommendation import LEVELS
from scoring.contract.schema import validate_frame
from scoring.engine.card import load_card
from scoring.engine.synth import generate_vignettes
from scoring.engine.tree import default_tree
from scoring.sql import rejects_sql, scored_columns
from tests.strategies import field_inputs, vignettes

RESULTS = ["points_total", "band", "red_flags", "card_recommendation", "tree_recommendation", "agree", "recommendation"]
TREE_RISK = "tree_risk_serious_cause"
REJECT_KEYS = ["row", "field", "value", "reason", "allowed"]


def in_duckdb(frame: pd.DataFrame, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored rows and the rejects of ``frame`` computed by DuckDB."""
    con = duckdb.connect()
    con.register("vignettes", frame)
    columns = list(frame.columns)
    scored = con.sql(to_sql(columns=columns, **options)).df()
    rejects = con.sql(rejects_sql(columns=columns)).df()
    con.close()
    return scored, rejects


def assert_same(frame: pd.DataFrame, **options: Any) -> None:
    """DuckDB and the Python path agree on every result column, the probability and the rejects."""
    expected = assess_frame(frame, **options)
    scored, rejects = in_duckdb(frame, **options)
    python = expected.scored.reset_index(drop=True)
    assert list(scored.columns) == list(python.columns)
    for column in [c for c in RESULTS if c in python.columns] + ["locations"]:
        assert scored[column].astype(str).tolist() == python[column].astype(str).tolist(), column
    np.testing.assert_allclose(scored["probability"], python["probability"], rtol=0, atol=1e-9)
    if TREE_RISK in python.columns:
        np.testing.assert_allclose(scored[TREE_RISK], python[TREE_RISK], rtol=0, atol=1e-12)
    assert (
        rejects[REJECT_KEYS].astype(str).values.tolist() == expected.rejected[REJECT_KEYS].astype(str).values.tolist()
    )
    assert len(frame) == len(scored) + rejects["row"].nunique()


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generate_vignettes(2000, seed=11)


@pytest.mark.parametrize("card", ["default", "strict"])
def test_generated_vignettes_get_the_same_answers(generated: pd.DataFrame, card: str) -> None:
    assert_same(generated, card=card)


def test_card_alone_without_a_tree(generated: pd.DataFrame) -> None:
    assert_same(generated.head(300), tree=None)
    assert "tree_recommendation" not in scored_columns(list(generated.columns), tree=False)
    assert TREE_RISK not in scored_columns(list(generated.columns), tree=False)


def test_the_tree_as_nested_case_gives_each_rows_leaf_risk_and_advice() -> None:
    # Independent of assess_frame: the SQL tree against the tree itself on fresh rows.
    frame = generate_vignettes(20_000, seed=31)
    tree = default_tree()
    scored, rejects = in_duckdb(frame)
    assert rejects.empty
    valid = validate_frame(frame).valid
    features = Features(valid)
    np.testing.assert_allclose(scored[TREE_RISK], tree.predict_risk(features), rtol=0, atol=1e-12)
    advice = np.asarray(LEVELS, dtype=object)[tree.policy_levels(features)]
    assert scored["tree_recommendation"].astype(str).tolist() == advice.tolist()
    # Every leaf is reached by some row, so every branch of the CASE was checked.
    assert set(np.unique(tree.apply(features))) == set(np.flatnonzero(tree.tree_structure().is_leaf))
    # The tree is a second opinion: the combined answer is the card's and the ladder's floor alone.
    alone, _ = in_duckdb(frame, tree=None)
    assert scored["recommendation"].astype(str).tolist() == alone["recommendation"].astype(str).tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(vignettes(), min_size=1, max_size=20))
def test_valid_vignettes_agree(records: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(records)
    frame["locations"] = frame["locations"].map(";".join)
    assert_same(frame)


def _as_cell(value: Any) -> str | None:
    """A value as a CSV reader gives it: text, or None for an empty cell."""
    text = cell_text(value)
    return text if text not in ("", "NaN", "<NA>") else None


@st.composite
def text_frames(draw: st.DrawFn) -> pd.DataFrame:
    """An all-text frame, as read from a CSV: valid rows with some cells replaced by bad or tricky text."""
    records = draw(st.lists(vignettes(), min_size=1, max_size=12))
    rows = []
    for record in records:
        row = {name: _as_cell(value) for name, value in record.items()}
        for spec in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique_by=lambda f: f.name)):
            row[spec.name] = _as_cell(draw(field_inputs(spec)))
        rows.append(row)
    frame = pd.DataFrame(rows, dtype="str")
    optional = [f.name for f in FIELDS if not f.required]
    dropped = draw(st.lists(st.sampled_from(optional), max_size=3, unique=True))
    return frame.drop(columns=dropped).assign(vignette_id=[f"v{i}" for i in range(len(frame))])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_frames())
def test_text_cells_get_the_same_verdicts(frame: pd.DataFrame) -> None:
    assert_same(frame)


BAD_CELLS = [
    ("age", "17"),
    ("age", "34.5"),
    ("age", "thirty"),
    ("age", None),
    ("age", "1e400"),
    ("age", "-" + "9" * 400),
    ("duration_weeks", "521"),
    ("duration_weeks", "-0.5"),
    ("duration_weeks", " 2.5 "),
    ("duration_weeks", "inf"),
    ("sex", "Female"),
    ("sex", None),
    ("frequency", "hourly"),
    ("severity", " minor "),
    ("locations", "eyelid;knee"),
    ("locations", ";;"),
    ("locations", "calf ; eyelid;calf"),
    ("locations", None),
    ("weakness", "maybe"),
    ("weakness", " YES "),
    ("weakness", None),
    ("stress_level", "11"),
    ("stress_level", "5.0"),
    ("caffeine_mg_per_day", "1_0"),
    ("sleep_hours", "\t7"),
]


@pytest.mark.parametrize(("field", "cell"), BAD_CELLS)
def test_bad_and_tricky_cells(generated: pd.DataFrame, field: str, cell: str | None) -> None:
    frame = generated.head(3).astype("str").copy()
    frame["locations"] = generated.head(3)["locations"].astype("str")
    frame.loc[frame.index[1], field] = cell
    assert_same(frame)


def test_rows_are_numbered_in_table_order() -> None:
    frame = generate_vignettes(5, seed=2).astype("str")
    frame.loc[frame.index[[1, 3]], "age"] = "12"
    _, rejects = in_duckdb(frame)
    assert rejects["row"].tolist() == [2, 4]
    assert rejects["reason"].iloc[0].startswith("out of range")
    assert rejects["allowed"].iloc[0] == "a whole number from 18 to 100 (years)"


def test_absent_optional_columns_take_their_defaults(generated: pd.DataFrame) -> None:
    required = [f.name for f in FIELDS if f.required]
    assert_same(generated[required].head(50))


def test_unknown_and_missing_columns_are_refused_as_validate_frame_refuses_them() -> None:
    with pytest.raises(VignetteError, match="caffeine"):
        to_sql(columns=[f.name for f in FIELDS] + ["caffeine"])
    with pytest.raises(VignetteError, match="age"):
        to_sql(columns=[f.name for f in FIELDS if f.name != "age"])


@pytest.mark.parametrize("dialect", ["spark", "postgres"])
def test_other_dialects_are_valid_sql_of_that_dialect(dialect: str) -> None:
    for sql in (to_sql(dialect=dialect), rejects_sql(dialect=dialect)):
        assert sqlglot.parse_one(sql, read=dialect) is not None
        assert "REGEXP_FULL_MATCH" not in sql.upper()


def test_unknown_dialect_names_the_choices() -> None:
    with pytest.raises(ValueError, match="duckdb, spark, postgres"):
        to_sql(dialect="oracle")


def test_every_card_item_and_flag_is_in_the_query() -> None:
    card = load_card("default")
    sql = to_sql(card=card)
    for flag in card.red_flags:
        assert f"'{flag.flag_id}'" in sql
    assert sql.count("THEN") >= len(card.items)
