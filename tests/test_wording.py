"""The one home of user-facing wording: values with units, percentages, changes, partials."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.analysis.explain import Counterfactual, counterfactuals
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import FIELDS, field_spec
from scoring.wording import (
    axis_title_text,
    change_phrase,
    counterfactual_lines,
    display_unit,
    format_value,
    percent,
    probability_text,
    render_partial,
)
from tests.strategies import field_values, vignettes

EYELID = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": ["eyelid"]}


# ------------------------------------------------------------------------------ values


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("stress_level", 8, "8 out of 10"),
        ("stress_level", 0, "0 out of 10"),
        ("duration_weeks", 2.5, "2.5 weeks"),
        ("duration_weeks", 12.0, "12 weeks"),
        ("caffeine_mg_per_day", 650.0, "650 mg/day"),
        ("sleep_hours", 7.5, "7.5 hours"),
        ("age", 61, "61 years"),
        ("weakness", True, "yes"),
        ("weakness", False, "no"),
        ("frequency", "daily", "daily"),
        ("locations", ("eyelid", "calf"), "eyelid, calf"),
        ("locations", "eyelid;calf", "eyelid, calf"),
        ("locations", (), "(none)"),
    ],
)
def test_values_read_with_their_units(field, value, expected):
    assert format_value(field, value) == expected


def test_a_scale_reads_as_out_of_ten_not_as_its_range():
    assert display_unit("stress_level") == "out of 10"
    assert axis_title_text("stress_level") == "Stress (out of 10)"
    assert axis_title_text("duration_weeks") == "Duration (weeks)"
    assert display_unit("weakness") == ""


@given(
    st.sampled_from([spec for spec in FIELDS if spec.is_numeric]).flatmap(
        lambda s: st.tuples(st.just(s), field_values(s))
    )
)
def test_every_number_reads_as_a_number_then_its_unit(spec_and_value):
    spec, value = spec_and_value
    text = format_value(spec.name, value)
    number, _, unit = text.partition(" ")
    assert float(number) == pytest.approx(float(value), rel=1e-5)
    assert unit == display_unit(spec.name)
    assert "0-10" not in text


def test_unknown_field_is_named():
    with pytest.raises(Exception, match="heart_rate"):
        format_value("heart_rate", 80)


def test_percentages_and_probabilities():
    assert percent(0.825) == "82%"
    assert percent(0.825, 1) == "82.5%"
    assert percent(float("nan")) == percent(None) == "n/a"
    assert probability_text(0.12) == "12% chance of needing review"
    assert probability_text(float("nan")) is None


# ------------------------------------------------------------------------------ changes


def test_change_phrases():
    assert change_phrase("weakness", False, True) == "with real weakness"
    assert change_phrase("family_history_als", True, False) == "without family history of ALS/MND"
    assert change_phrase("frequency", "daily", "constant") == "frequency constant instead of daily"
    assert change_phrase("stress_level", 6, 8) == "stress 8 out of 10 instead of 6"
    assert change_phrase("duration_weeks", 1.0, 2.1) == "duration 2.1 weeks instead of 1"
    assert change_phrase("locations", ("calf", "arm"), ("calf",)) == "without arm twitching"


def _cf(changes, before, recommendation, direction="up"):
    return Counterfactual(changes, before, Recommendation(recommendation), direction)


def test_one_area_changes_with_the_same_result_read_as_one_line():
    before = {"locations": ("eyelid",)}
    others = [area for area in field_spec("locations").allowed if area != "eyelid"]
    items = [_cf({"weakness": True}, {"weakness": False}, "see_doctor")]
    items += [
        _cf({"locations": ("eyelid", area)}, before, "urgent" if area == "tongue" else "see_doctor") for area in others
    ]
    lines = counterfactual_lines(items)
    assert [line.text for line in lines] == [
        "with real weakness → see_doctor",
        "with twitching in any other area except the tongue → see_doctor",
        "with tongue twitching too → urgent",
    ]
    assert [line.count for line in lines] == [1, len(others) - 1, 1]


def test_every_other_area_and_a_few_areas():
    before = {"locations": ("eyelid",)}
    others = [area for area in field_spec("locations").allowed if area != "eyelid"]
    every = [_cf({"locations": ("eyelid", area)}, before, "see_doctor") for area in others]
    assert [line.text for line in counterfactual_lines(every)] == ["with twitching in any other area → see_doctor"]
    few = every[:2]
    assert [line.text for line in counterfactual_lines(few)] == [
        f"with {others[0]} or {others[1]} twitching too → see_doctor"
    ]


def test_category_changes_group_and_pairs_stand_alone():
    items = [
        _cf({"frequency": "daily"}, {"frequency": "occasional"}, "see_doctor"),
        _cf({"frequency": "constant"}, {"frequency": "occasional"}, "see_doctor"),
        _cf({"weakness": False, "atrophy": False}, {"weakness": True, "atrophy": True}, "see_doctor", "down"),
    ]
    assert [line.text for line in counterfactual_lines(items)] == [
        "frequency daily or constant instead of occasional → see_doctor",
        "without real weakness and without muscle wasting → see_doctor",
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vignettes())
def test_grouped_lines_account_for_every_counterfactual(vignette):
    found = counterfactuals(vignette)
    lines = counterfactual_lines(found)
    assert sum(line.count for line in lines) == len(found)
    # A line stands for counterfactuals of one direction and one new recommendation.
    assert {(cf.direction, cf.recommendation.value) for cf in found} == {
        (line.direction, line.recommendation) for line in lines
    }
    singles = {cf.text for cf in found}
    assert all(line.text in singles for line in lines if line.count == 1)


def test_counterfactual_text_is_built_from_its_structured_changes():
    found = counterfactuals(EYELID, tree=None)
    duration = next(cf for cf in found if "duration_weeks" in cf.changes)
    (step,) = duration.steps
    assert (step.field, step.before, step.after) == ("duration_weeks", 1.0, 2.1)
    assert duration.change_text == step.text == "duration 2.1 weeks instead of 1"
    assert duration.text == "duration 2.1 weeks instead of 1 → see_doctor"
    tongue = next(cf for cf in found if cf.changes.get("locations") == ("eyelid", "tongue"))
    assert tongue.steps[0].added == ("tongue",) and tongue.steps[0].removed == ()


# ------------------------------------------------------------------------------ partials


def test_partials_escape_what_they_are_given():
    html = str(render_partial("notice", notice="<script>alert(1)</script>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    listed = str(render_partial("items", items=["a & b"], css_class="x", ordered=True, empty=""))
    assert "<li>a &amp; b</li>" in listed and listed.startswith("<ol class='x'")


def test_an_empty_list_says_so():
    html = str(render_partial("items", items=[], css_class="zaro-x", ordered=False, empty="Nothing here."))
    assert re.fullmatch(r"<p class='zaro-x'[^>]*>Nothing here\.</p>", html)


def test_a_missing_partial_or_value_is_named():
    with pytest.raises(ValueError, match="partial 'banner'.*known partials: .*notice"):
        render_partial("banner")
    with pytest.raises(Exception, match="notice"):
        render_partial("notice")


def test_report_pages_can_include_the_same_partials():
    from scoring.report._html import environment

    page = environment().from_string("{% include 'partials/notice.html.j2' %}")
    assert page.render(notice="a < b").rstrip("\n") == str(render_partial("notice", notice="a < b"))
