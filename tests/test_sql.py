"""The assessment compiled to SQL gives, row for row, what assess_frame and validate_frame give."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import to_sql
from scoring._paths import CARDS_DIR
from scoring.assessment import assess, assess_frame
from scoring.contract.errors import VignetteError
from scoring.contract.features import Features
from scoring.contract.fields import FIELDS
from scoring.contract.recommendation import LEVELS
from scoring.contract.schema import validate_frame
from scoring.engine.card import load_card
from scoring.engine.ladder import load_triage_ladder
from scoring.engine.policies import PolicyError, load_policy
from scoring.engine.populations import PopulationError
from scoring.engine.risk import risk_in_population
from scoring.engine.synth import generate_vignettes
from scoring.engine.tree import default_tree
from scoring.sql import rejects_sql, scored_columns
from tests.strategies import text_frames, vignettes

TREE_RISK = "tree_risk_serious_cause"
RISKS = ["risk_serious_cause", TREE_RISK]
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


def as_text(column: pd.Series) -> list[str]:
    """A result column as text, missing values written alike (DuckDB gives None, a categorical NaN)."""
    return ["" if pd.isna(v) else str(v) for v in column]


def assert_same(frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """DuckDB and the Python path agree on every column, the risks (to 1e-9) and the rejects."""
    expected = assess_frame(frame, **options)
    scored, rejects = in_duckdb(frame, **options)
    python = expected.scored.reset_index(drop=True)
    assert list(scored.columns) == list(python.columns)
    for column in python.columns:
        if column in RISKS:
            np.testing.assert_allclose(scored[column], python[column], rtol=0, atol=1e-9, err_msg=column)
            assert scored[column].isna().tolist() == python[column].isna().tolist(), column
        elif column not in ("latent_cause", "triage", "narrative"):
            assert as_text(scored[column]) == as_text(python[column]), column
    assert (
        rejects[REJECT_KEYS].astype(str).values.tolist() == expected.rejected[REJECT_KEYS].astype(str).values.tolist()
    )
    assert len(frame) == len(scored) + rejects["row"].nunique()
    return scored


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generate_vignettes(2000, seed=11)


@pytest.mark.parametrize("card", ["default", "strict", "learned"])
@pytest.mark.parametrize("policy", ["nhs", "ng127", "risk"])
@pytest.mark.parametrize("population", ["community", "enriched"])
def test_generated_vignettes_get_the_same_answers(
    generated: pd.DataFrame, card: str, policy: str, population: str
) -> None:
    scored = assert_same(generated, card=card, policy=policy, population=population)
    chosen = "risk_policy_recommendation" if policy == "risk" else "guideline_recommendation"
    # The sources the policy counts: the tree's level (the risk policy's reading of its risk)
    # only under the risk policy.
    sources = ["policy", "floor", "card", "tree"] if policy == "risk" else ["policy", "floor", "card"]
    columns = {"policy": chosen, "floor": "floor_recommendation", "card": "card_recommendation"}
    columns["tree"] = "tree_recommendation"
    levels = np.column_stack([scored[columns[name]].map(LEVELS.index).to_numpy() for name in sources])
    # What a person is told is the most cautious level counted, and names the first source reaching it.
    told = scored["recommendation"].map(LEVELS.index).to_numpy()
    assert (told >= levels.max(axis=1)).all()
    if load_card(card).never_below is None:  # strict is also never below the default card
        assert (told == levels.max(axis=1)).all()
        first = np.argmax(levels == told[:, None], axis=1)
        assert scored["decided_by"].tolist() == [sources[i] for i in first]


def test_the_risk_policy_refers_fewer_and_red_flags_stay_urgent(generated: pd.DataFrame) -> None:
    scored = assert_same(generated, policy="risk")
    referred = {p: (scored[f"{p}_recommendation"] != "self_care").mean() for p in ("guideline", "risk_policy")}
    assert referred["risk_policy"] < referred["guideline"]
    flagged = (scored["red_flags"] != "") | scored["timeframe"].isin(["same_day", "emergency"])
    assert (scored.loc[flagged, "risk_policy_recommendation"] == "urgent").all()


def test_the_columns_are_named_for_the_outcome_and_in_assess_frames_order(generated: pd.DataFrame) -> None:
    columns = list(generated.columns)
    assert scored_columns(columns, tree=False)[-8:] == [
        "card_recommendation",
        "risk_serious_cause",
        "guideline_recommendation",
        "risk_policy_recommendation",
        "floor_recommendation",
        "recommendation",
        "decided_by",
        "timeframe",
    ]
    with_tree = scored_columns(columns, outcome="any_cause", tree_outcome="serious_cause")
    assert with_tree[-10:-6] == ["risk_any_cause", "tree_risk_serious_cause", "tree_recommendation", "agree"]


def test_how_soon_is_what_assess_says(generated: pd.DataFrame) -> None:
    rows = generated.head(400)
    for policy in ("nhs", "ng127", "risk"):
        scored = assert_same(rows, policy=policy)
        urgent = scored.index[scored["recommendation"] == "urgent"][:40]
        assert len(urgent) > 5
        for i in urgent:
            expected = assess(rows.iloc[int(i)].to_dict(), policy=policy)
            assert scored["timeframe"].iloc[int(i)] == expected.timeframe
        assert scored.loc[scored["recommendation"] != "urgent", "timeframe"].isna().all()


def test_a_policy_given_as_an_object_is_compiled_from_its_thresholds(generated: pd.DataFrame) -> None:
    policy = load_policy("risk")
    stricter = replace(
        policy,
        thresholds=(
            replace(policy.thresholds[0], at_least=0.005, harm_to_benefit="1:199"),
            replace(policy.thresholds[1], at_least=0.05, harm_to_benefit="1:19"),
        ),
    )
    scored = assert_same(generated, policy=stricter)
    default = assert_same(generated, policy="risk")
    assert (scored["recommendation"] != "self_care").sum() > (default["recommendation"] != "self_care").sum()


def test_a_card_without_calibration_has_no_risk_and_the_risk_policy_falls_back(
    generated: pd.DataFrame, tmp_path: Path
) -> None:
    shutil.copy(CARDS_DIR / "strict.toml", tmp_path / "bare.toml")
    card = load_card(tmp_path / "bare.toml")
    assert card.calibration is None
    scored = assert_same(generated.head(300), card=card, policy="risk")
    assert scored["risk_serious_cause"].isna().all()
    assert scored["risk_policy_recommendation"].tolist() == scored["guideline_recommendation"].tolist()


def test_unknown_policy_population_and_outcome_are_named() -> None:
    with pytest.raises(PolicyError, match="unknown policy 'cautious'; use one of nhs, ng127, risk"):
        to_sql(tree=None, policy="cautious")
    with pytest.raises(PopulationError, match="'clinic'.*enriched, community"):
        to_sql(tree=None, population="clinic")
    with pytest.raises(ValueError, match="unknown outcome 'death'; use one of serious_cause, any_cause"):
        to_sql(tree=None, outcome="death")
    with pytest.raises(ValueError, match="calibrated to 'serious_cause'; pass outcome='serious_cause'"):
        to_sql(tree=None, outcome="any_cause")
    assert to_sql(tree=None, outcome="serious_cause") == to_sql(tree=None)


def test_every_ladder_rule_and_both_thresholds_are_in_the_query() -> None:
    sql = to_sql(tree=None, policy="risk")
    for rule in load_triage_ladder():
        if rule.timeframe is not None:
            assert f"'{rule.timeframe}'" in sql
    for threshold in load_policy("risk").thresholds:
        assert f">= {threshold.at_least!r}e0" in sql or f">= {threshold.at_least!r}" in sql


def test_card_alone_without_a_tree(generated: pd.DataFrame) -> None:
    assert_same(generated.head(300), tree=None)
    assert "tree_recommendation" not in scored_columns(list(generated.columns), tree=False)
    assert TREE_RISK not in scored_columns(list(generated.columns), tree=False)


def test_the_tree_as_nested_case_gives_each_rows_leaf_risk_and_advice() -> None:
    # Independent of assess_frame: the SQL tree against the tree itself on fresh rows.
    frame = generate_vignettes(20_000, seed=31)
    tree = default_tree()
    scored, rejects = in_duckdb(frame, tree=tree)
    assert rejects.empty
    valid = validate_frame(frame).valid
    features = Features(valid)
    trained = tree.predict_risk(features)
    # The risk is stated for the population asked for (community by default): moved from the
    # population the tree was fitted on as the Python path moves it.
    moved = risk_in_population(
        trained,
        outcome=tree.outcome,
        population="community",
        trained_on=tree.population,
        transport=tree.transport,
        age=features["age"],
    )
    np.testing.assert_allclose(scored[TREE_RISK], moved, rtol=0, atol=1e-12)
    fitted_on, _ = in_duckdb(frame, tree=tree, population=tree.population)
    np.testing.assert_allclose(fitted_on[TREE_RISK], trained, rtol=0, atol=1e-12)
    advice = np.asarray(LEVELS, dtype=object)[tree.policy_levels(features)]
    assert scored["tree_recommendation"].astype(str).tolist() == advice.tolist()
    # Every leaf is reached by some row, so every branch of the CASE was checked.
    assert set(np.unique(tree.apply(features))) == set(np.flatnonzero(tree.tree_structure().is_leaf))
    # Under the default (a guideline) the tree's level is shown beside the answer and does not
    # raise it; under the risk policy it counts: the answer without the tree, raised only where
    # the tree's level is higher.
    alone, _ = in_duckdb(frame, tree=None)
    assert scored["recommendation"].tolist() == alone["recommendation"].tolist()
    risk, _ = in_duckdb(frame, tree=tree, policy="risk")
    risk_alone, _ = in_duckdb(frame, tree=None, policy="risk")
    with_tree = risk["recommendation"].map(LEVELS.index).to_numpy()
    without = risk_alone["recommendation"].map(LEVELS.index).to_numpy()
    tree_level = risk["tree_recommendation"].map(LEVELS.index).to_numpy()
    assert (with_tree == np.maximum(without, tree_level)).all()
    assert (risk.loc[with_tree > without, "decided_by"] == "tree").all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(vignettes(), min_size=1, max_size=20), st.sampled_from(["nhs", "ng127", "risk"]))
def test_valid_vignettes_agree(records: list[dict[str, Any]], policy: str) -> None:
    frame = pd.DataFrame(records)
    frame["locations"] = frame["locations"].map(";".join)
    assert_same(frame, policy=policy)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_frames(), st.sampled_from(["nhs", "ng127", "risk"]))
def test_text_cells_get_the_same_verdicts(frame: pd.DataFrame, policy: str) -> None:
    assert_same(frame, policy=policy)


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
    for sql in (to_sql(policy="risk", dialect=dialect), rejects_sql(dialect=dialect)):
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
