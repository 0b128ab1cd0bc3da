"""The condition language: grammar, precedence, limits, errors, and the two evaluators agreeing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.contract.conditions import (
    MAX_CONDITION_LENGTH,
    MAX_NESTING,
    And,
    CategoryTest,
    Compare,
    Flag,
    Not,
    Or,
    condition_text,
)
from scoring.contract.features import (
    ConditionError,
    Features,
    describe_threshold,
    encode_vignette,
    parse_condition,
)
from scoring.contract.schema import vignettes_to_frame
from tests.strategies import condition_nodes, vignettes

BASE = {"age": 34, "duration_weeks": 2, "frequency": "daily", "severity": "minor", "locations": ["eyelid"]}


def node(text: str):
    return parse_condition(text).node


# ---------------------------------------------------------------------------- grammar


def test_a_yes_no_feature_alone_is_a_flag():
    assert node("weakness") == Flag("weakness")


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_every_comparison_operator(op):
    assert node(f"duration_weeks {op} 2") == Compare("duration_weeks", op, 2.0)


@pytest.mark.parametrize(
    "text, threshold",
    [("age >= 40", 40.0), ("sleep_hours < 5.5", 5.5), ("age > -1", -1.0), ("age>40", 40.0), ("age >= 040", 40.0)],
)
def test_number_syntax(text, threshold):
    assert node(text).threshold == threshold


def test_category_fields_compare_with_one_of_their_values():
    assert node("frequency == constant") == CategoryTest("frequency", "==", "constant")
    assert node("sex != female") == CategoryTest("sex", "!=", "female")
    assert node("frequency == constant").code == 2


def test_parentheses_group():
    assert node("(weakness or atrophy) and bulbar") == And((Or((Flag("weakness"), Flag("atrophy"))), Flag("bulbar")))


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert node("weakness or atrophy and bulbar") == Or((Flag("weakness"), And((Flag("atrophy"), Flag("bulbar")))))
    assert node("not weakness and atrophy") == And((Not(Flag("weakness")), Flag("atrophy")))
    assert node("not age > 40") == Not(Compare("age", ">", 40.0))
    assert node("not (weakness or atrophy)") == Not(Or((Flag("weakness"), Flag("atrophy"))))
    assert node("not not weakness") == Not(Not(Flag("weakness")))


def test_runs_of_and_or_are_one_n_ary_node():
    assert node("weakness or atrophy or bulbar") == Or((Flag("weakness"), Flag("atrophy"), Flag("bulbar")))
    assert node("(weakness or atrophy) or bulbar") == node("weakness or (atrophy or bulbar)")
    assert node("weakness and (atrophy and bulbar)") == And((Flag("weakness"), Flag("atrophy"), Flag("bulbar")))


def test_features_read_in_order_of_appearance_and_comparisons():
    condition = parse_condition("age > 40 and (frequency == daily or weakness) and age < 60")
    assert condition.features == ("age", "frequency", "weakness")
    assert condition.comparisons() == (Compare("age", ">", 40.0), Compare("age", "<", 60.0))


@pytest.mark.parametrize(
    "text, words",
    [
        ("duration_weeks > 2 and weakness", "duration over 2 weeks and real weakness"),
        ("not numbness", "no numbness or tingling"),
        ("weakness and (atrophy or bulbar)", "real weakness and (muscle wasting or speech or swallowing trouble)"),
        ("not (weakness and atrophy)", "not (real weakness and muscle wasting)"),
        ("stress_level >= 7", "stress 7 out of 10 or more"),
        ("sleep_hours <= 5", "sleep 5 hours or less"),
        ("caffeine_mg_per_day > 400", "caffeine over 400 mg/day"),
        ("n_locations >= 2", "2 or more areas"),
        ("frequency_level >= 1", "frequency daily or constant"),
        ("frequency != occasional", "frequency is not occasional"),
    ],
)
def test_conditions_in_plain_words(text, words):
    assert parse_condition(text).describe() == words


def test_describe_threshold_writes_numbers_as_the_field_displays_them():
    assert describe_threshold("stress_level", ">", 5) == "stress over 5 out of 10"
    assert describe_threshold("age", ">=", 65) == "age 65 years or more"
    assert describe_threshold("weakness", "<=", 0.5) == "no real weakness"


@given(condition_nodes())
def test_condition_text_reads_back_as_the_same_node(tree):
    assert parse_condition(condition_text(tree)).node == tree


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"condition '' is empty; write e\.g\. 'weakness'"),
        ("   ", r"is empty"),
        ("weaknes", r"unknown feature 'weaknes'; known features: .*weakness"),
        (
            "duration_weeks",
            r"duration_weeks is a number, not yes/no; compare it with a number, e\.g\. 'duration_weeks > 2'",
        ),
        ("frequency_level", r"frequency_level is an ordinal, not yes/no"),
        ("frequency > daily", r"frequency can only be compared with == or != to one of occasional, daily, constant"),
        ("frequency == hourly", r"got == hourly"),
        ("duration_weeks >= nan", r"duration_weeks >= needs a number \(digits, e\.g\. 2 or 2\.5\), got 'nan'"),
        ("duration_weeks >= inf", r"needs a number .*got 'inf'"),
        ("duration_weeks > 1e3", r"cannot read '1e3' at character 18; numbers are digits with an optional fraction"),
        ("duration_weeks > 2.", r"cannot read '2\.' at character 18"),
        ("duration_weeks > .5", r"cannot read '\.5'"),
        ("duration_weeks > " + "9" * 400, r"the number is too large"),
        ("duration_weeks >", r"condition 'duration_weeks >' ends too early: expected a value after duration_weeks >"),
        ("weakness and", r"ends too early: expected a feature name or '\('"),
        ("(weakness or atrophy", r"missing '\)' for the '\(' at character 1"),
        ("weakness)", r"unexpected '\)' at character 9"),
        ("weakness atrophy", r"unexpected 'atrophy' at character 10"),
        ("and weakness", r"unexpected 'and' at character 1; expected a feature name or '\('"),
        ("weakness & atrophy", r"cannot read '&' at character 10; names are letters, digits and '_'"),
        ("age > > 2", r"age > needs a number .*got '>'"),
    ],
)
def test_every_error_names_the_condition_and_the_fix(text, message):
    with pytest.raises(ConditionError, match=message):
        parse_condition(text)


def test_not_a_string_is_an_error():
    with pytest.raises(ConditionError, match="is empty"):
        parse_condition(None)  # type: ignore[arg-type]


def test_a_very_long_condition_is_refused_when_read():
    text = " or ".join(["weakness"] * 20_000)
    with pytest.raises(ConditionError, match=rf"is {len(text):,} characters long, more than {MAX_CONDITION_LENGTH:,}"):
        parse_condition(text)


@pytest.mark.parametrize("opening", ["(", "not "])
def test_deep_nesting_is_refused_with_a_message_not_a_traceback(opening):
    text = opening * 5_000 + "weakness" + (")" * 5_000 if opening == "(" else "")
    with pytest.raises(ConditionError):
        parse_condition(text)
    nested = opening * (MAX_NESTING + 1) + "weakness" + (")" * (MAX_NESTING + 1) if opening == "(" else "")
    with pytest.raises(ConditionError, match=f"nested more than {MAX_NESTING} levels deep"):
        parse_condition(nested)
    fine = opening * MAX_NESTING + "weakness" + (")" * MAX_NESTING if opening == "(" else "")
    assert "weakness" in parse_condition(fine).features


# ---------------------------------------------------------------------------- evaluation


def test_long_runs_of_clauses_evaluate_without_recursion():
    frame = vignettes_to_frame([BASE, {**BASE, "bulbar": True}])
    many = Or(tuple(Flag("weakness") for _ in range(50_000)) + (Flag("bulbar"),))
    condition = parse_condition("bulbar")
    wide = type(condition)("(built)", many)
    assert list(wide.evaluate(Features(frame))) == [False, True]
    assert wide.evaluate(encode_vignette({**BASE, "bulbar": True})) is True
    longest = " or ".join(["weakness"] * ((MAX_CONDITION_LENGTH + 4) // 12))
    assert len(longest) <= MAX_CONDITION_LENGTH
    assert not parse_condition(longest).evaluate(encode_vignette(BASE))


def test_evaluation_on_a_frame_and_on_one_vignette():
    records = [BASE, {**BASE, "duration_weeks": 10, "frequency": "constant"}, {**BASE, "weakness": True}]
    condition = parse_condition("duration_weeks > 6 and frequency == constant or weakness")
    assert condition.evaluate(Features(vignettes_to_frame(records))).tolist() == [False, True, True]
    assert [condition.evaluate(encode_vignette(r)) for r in records] == [False, True, True]


@settings(max_examples=150, deadline=None)
@given(condition_nodes(), st.lists(vignettes(), min_size=1, max_size=8))
def test_frame_and_single_vignette_evaluation_agree(tree, records):
    condition = parse_condition(condition_text(tree))
    on_frame = condition.evaluate(Features(vignettes_to_frame(records)))
    assert isinstance(on_frame, np.ndarray) and on_frame.dtype == bool
    one_by_one = [condition.evaluate(encode_vignette(record)) for record in records]
    assert all(isinstance(answer, bool) for answer in one_by_one)
    assert on_frame.tolist() == one_by_one
