"""Counterfactuals, sweeps and field influence: every claim is checked by assessing again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.analysis.explain import (
    CHANGEABLE_FIELDS,
    Counterfactual,
    candidate_values,
    counterfactuals,
    field_influence,
    most_influential_field,
    sweep,
)
from scoring.assessment import assess
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.contract.schema import field_spec, frame_to_vignettes, validate_vignette
from scoring.engine.synth import generate_vignettes
from tests.strategies import vignettes

EYELID = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": ["eyelid"]}
WORSENING_WEAKNESS = {
    "age": 58,
    "duration_weeks": 12,
    "frequency": "daily",
    "severity": "moderate",
    "locations": ["hand", "arm"],
    "weakness": True,
    "worsening": True,
}
#: The same complaint at 45 after 6 weeks: the card's points without the red flag fall below
#: its 'high risk' band, so the red flag alone holds the answer at urgent.
YOUNGER_WORSENING_WEAKNESS = {**WORSENING_WEAKNESS, "age": 45, "duration_weeks": 6}


@pytest.fixture(scope="module")
def sample() -> list:
    # A spread of generated vignettes, with every triage level represented.
    frame = generate_vignettes(3000, seed=21)
    picks = pd.concat([frame[frame["triage"] == level].head(8) for level in LEVELS])
    return frame_to_vignettes(picks)


def check(vignette, found: list[Counterfactual], **kwargs) -> None:
    """Every counterfactual gives what it claims, moves the way it says, and is small."""
    base = assess(vignette, **kwargs).recommendation
    for cf in found:
        assert 1 <= cf.n_changes <= 2
        assert not {"age", "sex"} & set(cf.changes)
        changed = cf.apply(vignette)
        got = assess(changed, **kwargs).recommendation
        assert got == cf.recommendation, cf.text
        assert (got > base) if cf.direction == "up" else (got < base), cf.text
        assert cf.text.endswith(f"→ {cf.recommendation.value}")
        for name, value in cf.changes.items():
            assert getattr(changed, name) == (tuple(value) if name == "locations" else value)


# -------------------------------------------------------------------------- counterfactuals


def test_counterfactuals_of_generated_vignettes_hold_when_reassessed(sample):
    for vignette in sample:
        check(vignette, counterfactuals(vignette))


@pytest.mark.parametrize("policy", ["nhs", "ng127", "risk"])
@pytest.mark.parametrize("population", ["community", "enriched"])
def test_counterfactuals_move_the_chosen_policys_answer(sample, policy, population):
    for vignette in sample[::3]:
        options = {"tree": None, "policy": policy, "population": population}
        check(vignette, counterfactuals(vignette, **options), **options)


def test_card_only_counterfactuals_in_words():
    found = counterfactuals(EYELID, tree=None)
    texts = [cf.text for cf in found]
    assert all(cf.direction == "up" for cf in found)  # self-care cannot go lower
    assert "duration 2.1 weeks instead of 1 → see_doctor" in texts
    assert "with real weakness → see_doctor" in texts
    assert "with tongue twitching too → urgent" in texts
    assert "with breathing difficulty → urgent" in texts
    check(EYELID, found, tree=None)


def test_a_red_flag_comes_off_in_one_change_and_two_red_flags_need_two():
    # Progressive weakness is one red flag (weakness and worsening): taking away either half
    # removes it, and the guideline still refers (weakness alone, or lasting widespread
    # twitching, is a reason to see a doctor). The tree is a second opinion and does not
    # hold the answer up under the guideline.
    one_flag = counterfactuals(YOUNGER_WORSENING_WEAKNESS)
    down = [cf for cf in one_flag if cf.direction == "down"]
    assert sorted(cf.text for cf in down) == [
        "without getting worse → see_doctor",
        "without real weakness → see_doctor",
    ]
    check(YOUNGER_WORSENING_WEAKNESS, one_flag)

    two_flags = {**YOUNGER_WORSENING_WEAKNESS, "atrophy": True}
    found = counterfactuals(two_flags)
    down = [cf for cf in found if cf.direction == "down"]
    assert down and all(cf.n_changes == 2 for cf in down)
    assert any(cf.changes == {"weakness": False, "atrophy": False} for cf in down)
    assert not [cf for cf in counterfactuals(two_flags, max_changes=1) if cf.direction == "down"]
    check(two_flags, found)


def test_a_red_flag_the_cards_band_backs_up_needs_a_second_change():
    # At 58 after 12 weeks the card's points put the case in its 'high risk' band (urgent) with
    # or without the red flag, so the answer never drops in one change: every way down takes
    # the red flag away and lowers the points below the band.
    assessed = assess(WORSENING_WEAKNESS)
    assert (
        assessed.recommendation is Recommendation.URGENT and assessed.card.band.recommendation is Recommendation.URGENT
    )
    found = counterfactuals(WORSENING_WEAKNESS)
    down = [cf for cf in found if cf.direction == "down"]
    assert down and all(cf.n_changes == 2 for cf in down)
    assert all(cf.changes.get("weakness") is False or cf.changes.get("worsening") is False for cf in down)
    assert "without real weakness and without getting worse → see_doctor" in [cf.text for cf in down]
    assert not [cf for cf in counterfactuals(WORSENING_WEAKNESS, max_changes=1) if cf.direction == "down"]
    check(WORSENING_WEAKNESS, found)


def test_pairs_are_minimal(sample):
    for vignette in sample:
        for cf in counterfactuals(vignette):
            if cf.n_changes == 2:
                base = assess(vignette).recommendation
                for name, value in cf.changes.items():
                    alone = assess(validate_vignette(vignette).replace(**{name: value})).recommendation
                    assert not ((alone > base) if cf.direction == "up" else (alone < base))


def test_same_answer_every_run(sample):
    for vignette in sample[:6]:
        assert counterfactuals(vignette) == counterfactuals(vignette)


def test_age_and_sex_are_never_changed():
    with pytest.raises(ValueError, match=r"\['age'\] cannot be changed"):
        counterfactuals(EYELID, fields=["age", "weakness"])
    assert "age" not in CHANGEABLE_FIELDS and "sex" not in CHANGEABLE_FIELDS


def test_numeric_candidates_sit_either_side_of_card_thresholds_and_at_the_range_ends():
    values = candidate_values(EYELID, "duration_weeks", tree=None)
    spec = field_spec("duration_weeks")
    assert values[0] == spec.min and values[-1] == spec.max
    assert {2.0, 2.1} <= set(values)  # card: duration_weeks > 2
    assert 1 not in values  # the vignette's own value
    assert candidate_values(EYELID, "stress_level", tree=None) == [6, 7, 10]  # stress_level >= 7; own value 0
    locations = candidate_values({**EYELID, "locations": ["eyelid", "calf"]}, "locations", tree=None)
    assert locations[:2] == [("calf",), ("eyelid",)]
    assert ("eyelid", "tongue", "calf") in locations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vignettes())
def test_single_change_counterfactuals_hold_for_any_vignette(vignette):
    check(vignette, counterfactuals(vignette, max_changes=1))


# -------------------------------------------------------------------------- safety properties


@settings(max_examples=200, deadline=None)
@given(vignettes())
def test_the_recommendation_is_the_guidelines_raised_by_the_floor_and_card_whatever_the_tree(vignette):
    result = assess(vignette)
    assert result.tree is not None
    # The guideline (the default policy): the referral ladder, urgent on any red flag (the
    # ladder's or the card's), raised to the floor's or the card's level where either is more
    # cautious. The tree is a second opinion on the risk and does not enter it.
    red_flag = (
        Recommendation.URGENT if result.guideline_red_flags or result.card.red_flags else Recommendation.SELF_CARE
    )
    parts = (result.guideline.recommendation, result.floor.recommendation, result.card.recommendation)
    assert result.recommendation is max(parts, key=lambda r: r.level) and result.recommendation >= red_flag
    if result.decided_by == "policy":
        assert result.recommendation is result.guideline.recommendation
    else:  # a raised answer says, in one line, what the guideline said and what it follows
        assert any(line.startswith("The nhs policy says") for line in result.not_followed)
    assert result.recommendation == assess(vignette, tree=None).recommendation
    # Card and tree agree when the risk policy gives the same answer for both risks.
    if not (result.card.red_flags or result.guideline_red_flags):
        assert result.agree == (result.risk_policy.recommendation == result.tree.recommendation)


@settings(max_examples=200, deadline=None)
@given(
    vignettes(),
    st.sampled_from(
        [
            {"weakness": True, "worsening": True},
            {"atrophy": True},
            {"bulbar": True},
            {"breathing_difficulty": True},
            "tongue",
        ]
    ),
)
def test_any_red_flag_means_urgent(vignette, flag):
    if flag == "tongue":
        vignette = {**vignette, "locations": sorted(set(vignette["locations"]) | {"tongue"})}
    else:
        vignette = {**vignette, **flag}
    result = assess(vignette)
    assert result.card.red_flags
    assert result.recommendation is Recommendation.URGENT


# ----------------------------------------------------------------------------------- sweeps


def test_sweep_over_duration_matches_assessing_each_value():
    table = sweep(WORSENING_WEAKNESS, "duration_weeks", values=[0, 1, 2, 2.1, 6, 52, 520])
    assert list(table.columns) == [
        "value",
        "points_total",
        "risk",
        "tree_risk",
        "card_recommendation",
        "tree_recommendation",
        "guideline_recommendation",
        "risk_policy_recommendation",
        "recommendation",
        "red_flags",
        "is_current",
    ]
    assert table.attrs["population"] == "community" and table.attrs["policy"] == "nhs"
    assert table["value"].tolist() == [0, 1, 2, 2.1, 6, 52, 520]
    assert not table["is_current"].any()
    assert (table.attrs["tree_outcome"], table.attrs["tree_population"]) == ("serious_cause", "enriched")
    for row in table.itertuples():
        changed = {**WORSENING_WEAKNESS, "duration_weeks": row.value}
        result = assess(changed)
        assert row.points_total == result.points_total
        assert row.recommendation == result.recommendation.value
        assert row.card_recommendation == result.card.recommendation.value
        assert row.tree_recommendation == result.tree.recommendation.value
        assert row.risk == pytest.approx(result.risk.probability, rel=1e-12)
        assert row.tree_risk == pytest.approx(result.tree_risk.probability, rel=1e-12)
        assert row.risk_policy_recommendation == result.risk_policy.recommendation.value
    assert ((table["risk"] > 0) & (table["risk"] < 1)).all()


def test_sweep_states_risks_for_the_population_and_follows_the_policy():
    community = sweep(WORSENING_WEAKNESS, "stress_level", tree=None)
    enriched = sweep(WORSENING_WEAKNESS, "stress_level", tree=None, population="enriched")
    # Serious causes are rarer in the community than in the learning mix the card was fitted on.
    assert (community["risk"] < enriched["risk"]).all()
    by_risk = sweep(WORSENING_WEAKNESS, "stress_level", tree=None, policy="risk")
    assert by_risk["recommendation"].tolist() == by_risk["risk_policy_recommendation"].tolist()
    assert community["recommendation"].tolist() == community["guideline_recommendation"].tolist()


def test_default_sweeps_cover_the_range_and_mark_the_vignettes_value():
    table = sweep(EYELID, "duration_weeks")
    values = table["value"].to_numpy()
    assert values[0] == 0 and values[-1] == 520 and np.all(np.diff(values) > 0)
    assert table["is_current"].sum() == 1 and table.loc[table["is_current"], "value"].item() == 1
    assert {2.0, 2.1} <= set(values)
    assert len(sweep(EYELID, "stress_level")) == 11
    assert sweep(EYELID, "frequency")["value"].tolist() == ["occasional", "daily", "constant"]
    locations = sweep(EYELID, "locations", tree=None)
    assert locations["value"].iloc[0] == ("eyelid",) and locations["is_current"].iloc[0]
    assert locations["tree_risk"].isna().all() and locations["tree_recommendation"].isna().all()
    assert locations.loc[locations["value"] == ("eyelid", "tongue"), "recommendation"].item() == "urgent"


def test_default_duration_sweep_is_dense_in_the_first_weeks():
    values = sweep(EYELID, "duration_weeks")["value"].to_numpy()
    assert (values <= 12).sum() >= 30  # an even grid over 0-520 weeks would give 3
    assert values[0] == 0 and values[-1] == 520


def test_sweep_figure_shows_categories_as_markers_in_contract_order():
    from scoring.plots import sweep_figure

    for field in ("frequency", "pain", "locations"):
        figure = sweep_figure(sweep(EYELID, field))
        drawn = [trace for trace in figure.data if any(x is not None for x in trace.x)]
        # Every value is a marker: no line joins one category to the next.
        assert {trace.mode for trace in drawn} == {"markers"}, field
        # The only other trace names the dotted line at the vignette's own value in the legend.
        legend_only = [trace for trace in figure.data if trace not in drawn]
        assert [trace.name.split(":")[0] for trace in legend_only] == ["this vignette"], field
    frequency = sweep_figure(sweep(EYELID, "frequency"))
    assert list(frequency.layout.xaxis2.categoryarray) == ["occasional", "daily", "constant"]
    assert list(sweep_figure(sweep(EYELID, "pain")).layout.xaxis2.categoryarray) == ["False", "True"]


def test_sweep_figure_draws_duration_on_a_log_axis_with_zero_on_its_first_tick():
    from scoring.plots import sweep_figure

    table = sweep(EYELID, "duration_weeks")
    figure = sweep_figure(table)
    axis = figure.layout.xaxis2
    assert axis.type == "log" and figure.layout.xaxis.type == "log"
    assert axis.ticktext[0] == "0" and axis.tickvals[0] == 0.05
    line = figure.data[0]
    assert line.mode == "lines" and line.line.shape == "hv"
    assert line.x[0] == 0.05 and list(line.x[1:]) == table["value"].tolist()[1:]
    # Hover text gives the value swept, not where the log axis had to draw it.
    assert figure.data[1].text[0] == "0"
    assert sweep_figure(sweep(EYELID, "sleep_hours")).layout.xaxis2.type == "linear"


def test_sweep_axes_say_units_the_way_the_rest_of_zaro_does():
    from scoring.plots import sweep_axis, sweep_figure

    assert sweep_figure(sweep(EYELID, "stress_level")).layout.xaxis2.title.text == "Stress (out of 10)"
    assert sweep_figure(sweep(EYELID, "duration_weeks")).layout.xaxis2.title.text == "Duration (weeks)"
    # One rule for every sweep figure (the case pages' what-if menu too): duration on a log axis.
    positions, axis = sweep_axis("duration_weeks", [0.0, 2.0, 520.0])
    assert axis["type"] == "log" and positions == [0.05, 2.0, 520.0]
    assert sweep_axis("sleep_hours", [0.0, 7.5]) == ([0.0, 7.5], {"type": "linear"})


def test_sweep_rejects_values_outside_the_contract():
    from scoring.contract.schema import VignetteError

    with pytest.raises(VignetteError, match="duration_weeks"):
        sweep(EYELID, "duration_weeks", values=[1, 600])


# ------------------------------------------------------------------------------ influence


def test_most_influential_field_is_the_biggest_single_move(sample):
    for vignette in sample[:10]:
        ranking = field_influence(vignette)
        top = most_influential_field(vignette)
        assert top == ranking[0]
        assert {f.field for f in ranking} == set(CHANGEABLE_FIELDS)
        assert all(abs(top.level_change) >= abs(f.level_change) for f in ranking)
        # The claimed move holds when assessed.
        before = assess(vignette)
        after = assess(
            validate_vignette(vignette).replace(
                **{top.field: list(top.value) if top.field == "locations" else top.value}
            )
        )
        assert after.recommendation.level - before.recommendation.level == top.level_change
        assert after.points_total - before.points_total == top.points_change


def test_influence_for_progressive_weakness_names_a_red_flag_field():
    # Taking the red flag away lowers the answer: a red-flag field is the biggest move.
    top = most_influential_field(YOUNGER_WORSENING_WEAKNESS)
    assert top.field in ("weakness", "worsening")
    assert top.level_change < 0 and top.red_flag_change < 0
    # At 58 the card's band holds the answer whatever one answer changes; while the red flag
    # stands the points total is not used, so the field named is still one that takes it
    # away, not the one that moves the most points (duration).
    held = most_influential_field(WORSENING_WEAKNESS)
    assert held.field in ("weakness", "worsening") and held.level_change == 0 and held.red_flag_change < 0
    assert held.text.endswith(", still urgent")
    by_points = max(field_influence(WORSENING_WEAKNESS), key=lambda f: abs(f.points_change))
    assert by_points.field == "duration_weeks" and abs(by_points.points_change) > abs(held.points_change)


def test_influence_on_a_red_flag_case_claims_no_move_it_does_not_make():
    # The explorer's red-flag example: weakness, getting worse and tongue twitching.
    red_flag = {
        "age": 61,
        "duration_weeks": 12,
        "frequency": "constant",
        "severity": "moderate",
        "locations": ["tongue", "hand", "arm"],
        "weakness": True,
        "worsening": True,
        "bulbar": True,
    }
    assert assess(red_flag).recommendation is Recommendation.URGENT
    top = most_influential_field(red_flag)
    assert top.level_change == 0
    for influence in field_influence(red_flag):
        assert "→" not in influence.text, influence.text
        assert influence.text.endswith(", still urgent"), influence.text
    texts = {f.field: f.text for f in field_influence(red_flag)}
    total = assess(red_flag, tree=None).points_total

    def moved(**change) -> str:
        # The points change as the card gives it, in the words the influence uses.
        size = assess({**red_flag, **change}, tree=None).points_total - total
        if size == 0:
            return "same points"
        return f"{abs(size)} point{'s' if abs(size) != 1 else ''} {'more' if size > 0 else 'fewer'}"

    assert top.red_flag_change < 0  # taking one of the three red flags away, not moving points
    assert texts["duration_weeks"] == f"duration 0 weeks instead of 12: {moved(duration_weeks=0)}, still urgent"
    assert texts["numbness"] == f"with numbness or tingling: {moved(numbness=True)}, still urgent"
    assert texts["worsening"] == f"without getting worse: {moved(worsening=False)}, still urgent"
    assert texts["bulbar"].startswith("without speech or swallowing trouble: ")


def test_influence_text_names_the_new_recommendation_only_when_it_moves():
    from scoring.wording import influence_sentence

    change = "duration 2 weeks instead of 6"
    assert influence_sentence(change, "see_doctor", "self_care", -2, (0.09, 0.02)) == (
        "duration 2 weeks instead of 6 → self_care"
    )
    assert influence_sentence(change, "see_doctor", "see_doctor", 0, (0.41, 0.063)) == (
        "duration 2 weeks instead of 6: the tree's risk of a serious cause 6.3% instead of 41%, still see_doctor"
    )
    # A move too small to show at the precision of a risk, or no tree at all: nothing to say.
    assert influence_sentence(change, "urgent", "urgent", 0, (0.93, 0.934)) == (
        "duration 2 weeks instead of 6: same points, still urgent"
    )
    assert influence_sentence(change, "urgent", "urgent", 0, (float("nan"), float("nan"))).endswith(
        "same points, still urgent"
    )


# ------------------------------------------------------------------------------ command line


def test_zaro_explain_prints_points_path_and_changes(tmp_path):
    import json

    from click.testing import CliRunner

    from scoring.cli import main

    case = tmp_path / "case.json"
    case.write_text(json.dumps(YOUNGER_WORSENING_WEAKNESS))
    result = CliRunner().invoke(main, ["explain", str(case)])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) <= 20
    assert "Why: a red flag (weakness that is getting worse) makes every policy say urgent" in result.output
    assert "Tree (its risk:" in result.output
    assert "  down: without real weakness → see_doctor" in result.output
    # Where the card's band holds the answer up, the biggest single move named is the red
    # flag's, not the points' (duration), and every way down takes two changes.
    held = CliRunner().invoke(main, ["explain", "--full", json.dumps(WORSENING_WEAKNESS)])
    assert held.exit_code == 0, held.output
    text = " ".join(held.output.split())
    assert "The biggest move one answer can make: real weakness (without real weakness:" in text
    assert "down: without real weakness and without getting worse → see_doctor" in text

    as_json = CliRunner().invoke(main, ["explain", "--json", json.dumps(EYELID)])
    payload = json.loads(as_json.output)
    assert payload["assessment"]["recommendation"] == "self_care"
    assert {
        "changes": {"duration_weeks": 2.1},
        "before": {"duration_weeks": 1.0},
        "recommendation": "see_doctor",
        "direction": "up",
        "text": "duration 2.1 weeks instead of 1 → see_doctor",
    } in payload["counterfactuals"]

    bad = CliRunner().invoke(main, ["explain", '{"age": 17}'])
    assert bad.exit_code == 2 and "age: out of range" in bad.output
