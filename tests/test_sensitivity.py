"""Sensitivity to assumptions: which numbers are varied, how they move, what the analysis measures, the tornado."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine.populations import PopulationError, load_population
from scoring.engine.synth._params import field_range, params_from_raw
from scoring.evaluate import (
    HEADLINE_METRICS,
    AssumedParameter,
    SensitivityError,
    Variation,
    assumed_parameters,
    load_move_rules,
    sensitivity_analysis,
    tornado_table,
)
from scoring.plots import tornado_figure
from tests.test_populations import HEAD as POPULATIONS_HEAD

#: Small samples: the tests check behaviour, not the size of effects.
N = 4_000


@pytest.fixture(scope="module")
def community() -> dict[str, AssumedParameter]:
    return {parameter.id: parameter for parameter in assumed_parameters("community")}


# --------------------------------------------------------------------------------------
# Which numbers are varied
# --------------------------------------------------------------------------------------


def test_every_assumed_entry_is_varied_and_no_sourced_one(community):
    entries = load_population("community").params.entries()
    assumed = {entry.path for entry in entries if not entry.sourced}
    sourced = {entry.path for entry in entries if entry.sourced}
    varied = {parameter.path for parameter in community.values()}
    assert varied <= assumed
    assert not varied & sourced
    assert "flags.family_history_als.motor_neuron_like" in sourced  # "S: Red Whale / BMJ 2022"
    # An assumed entry is left out only when no move can change it: it holds no number
    # (asking.prompting lists the signs that prompt asking), or only probabilities of exactly
    # 0 (a sign the cause never has: a reported yes is an answer error, whose rates are varied).
    left_out = {entry.path: entry.values for entry in entries if entry.path in assumed - varied}
    assert "asking.prompting" in left_out and "flags.weakness.benign_lifestyle" in left_out
    for path, values in left_out.items():
        numbers = [v for v in values.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        assert all(v == 0.0 for v in numbers), f"{path} is assumed and movable but not varied: {values}"


def test_the_new_world_tables_and_the_community_overrides_are_varied(community):
    # Every table of the world's course, asking, worry, answer errors and persistent benign
    # twitching has its assumed numbers varied ...
    tables = {parameter.path.split(".")[0] for parameter in community.values()}
    assert {"course", "asking", "worry", "answer_errors", "bfs", "duration_weeks"} <= tables
    for entry in ("answer_errors.weakness", "worry.loading.asking", "bfs.flags.stiffness", "bfs.location_weights"):
        assert any(parameter.path == entry for parameter in community.values()), entry
    # ... and each community override is varied from the community's value, not generator.toml's.
    overrides = {
        "course.benign_persistent": 0.08,
        "asking.weeks.median": 1.5,
        "age.benign_lifestyle.mean": 40.0,
        "flags.recent_exercise.benign_lifestyle": 0.22,
        "caffeine_mg_per_day.by_cause.benign_lifestyle.median": 190.0,
        "sleep_hours.p_deprived.benign_lifestyle": 0.30,
        "stress_level.benign_lifestyle.mean": 5.1,
        "prior.motor_neuron_like": 0.001,
    }
    assert {parameter_id: community[parameter_id].base for parameter_id in overrides} == overrides
    # A sign that appears with time has three numbers, each varied under its own name.
    assert {community[f"flags.weakness.motor_neuron_like.{key}"].label for key in ("p", "p_onset", "weeks")} == {
        "weakness (MND-like)",
        "weakness at first notice (MND-like)",
        "weakness weeks (MND-like)",
    }


def test_every_assumed_number_is_varied_but_a_certainty_or_a_list(community):
    missing = []
    cannot_move = []
    for entry in load_population("community").params.entries():
        if entry.sourced:
            continue
        for key, value in entry.values.items():
            several = len(entry.values) > 1
            if (f"{entry.path}.{key}" if several else entry.path) not in community:
                missing.append(f"{entry.path}.{key}")
            # A probability of exactly 0 has no odds to move; a list of field names is no number.
            if isinstance(value, list) or (key == "p" and value == 0.0):
                cannot_move.append(f"{entry.path}.{key}")
    assert sorted(missing) == sorted(cannot_move)
    assert "asking.prompting.fields" in missing and "flags.bulbar.peripheral_neuropathy.p" in missing


def test_a_population_s_own_tags_decide_what_is_assumed(tmp_path):
    path = tmp_path / "populations.toml"
    path.write_text(
        POPULATIONS_HEAD
        + """
[population.overrides.flags.worsening]
benign_lifestyle = { p = 0.04, tag = "assumed (sourced in generator.toml, assumed here)" }

[population.overrides.flags.weakness]
benign_lifestyle = { p = 0.01, tag = "S: a source for a test" }
""",
        encoding="utf-8",
    )
    ids = {parameter.id for parameter in assumed_parameters(load_population("community", path))}
    assert "flags.worsening.benign_lifestyle" in ids
    assert "flags.weakness.benign_lifestyle" not in ids
    assert "flags.worsening.benign_lifestyle" not in {p.id for p in assumed_parameters("enriched")}


# --------------------------------------------------------------------------------------
# How they move
# --------------------------------------------------------------------------------------


def test_a_rare_cause_s_share_is_halved_and_doubled_on_the_odds_scale(community):
    prior = community["prior.motor_neuron_like"]
    half, double = prior.variations
    odds = 0.001 / 0.999
    assert (half.name, double.name) == ("half", "double")
    assert half.value == pytest.approx(odds / 2 / (1 + odds / 2))
    assert double.value == pytest.approx(odds * 2 / (1 + odds * 2))
    assert prior.setting(double) == "prior.motor_neuron_like: 0.001 → 0.002"
    moved = prior.apply(load_population("community").params.raw, double)["prior"]
    shares = {cause: entry["p"] for cause, entry in moved.items()}
    assert math.fsum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    # The four other causes shrink in proportion: 0.955 keeps its ratio to 0.03.
    assert shares["benign_lifestyle"] / shares["electrolyte_metabolic_drug"] == pytest.approx(0.955 / 0.03)


def test_a_probability_near_one_moves_on_the_odds_scale_and_stays_inside_0_and_1(community):
    worsening = community["flags.worsening.motor_neuron_like.p"]  # 0.9: odds 9
    assert [v.value for v in worsening.variations] == pytest.approx([4.5 / 5.5, 18 / 19])
    assert not any(v.clipped for v in worsening.variations)


def test_moved_numbers_are_clipped_to_their_bounds(community):
    # The learning mix's benign share above 400 mg is 0.3: doubled odds would be 0.46.
    enriched = {parameter.id: parameter for parameter in assumed_parameters("enriched")}
    caffeine = enriched["caffeine_mg_per_day.by_cause.benign_lifestyle.p_above"]
    high = caffeine.variations[1]
    assert (high.value, high.clipped) == (0.4, True)
    assert caffeine.setting(high) == "caffeine_mg_per_day.by_cause.benign_lifestyle.p_above: 0.3 → 0.4 (clipped)"
    median = enriched["caffeine_mg_per_day.by_cause.benign_lifestyle.median"]  # 250 mg
    assert [(v.value, v.clipped) for v in median.variations] == [(125.0, False), (375.0, False)]
    assert [v.value for v in community["caffeine_mg_per_day.by_cause.benign_lifestyle.median"].variations] == [
        95.0,
        285.0,
    ]  # the community's 190 mg
    age = community["age.benign_lifestyle.mean"]  # the community's 40 years
    assert [(v.name, v.value) for v in age.variations] == [("low", 30.0), ("high", 50.0)]
    loading = community["worry.loading.feels_weak"]  # 0.5, doubled 1.0: kept at 0.9
    assert [(v.value, v.clipped) for v in loading.variations] == [(0.25, False), (0.9, True)]
    for parameter in community.values():
        for variation in parameter.variations:
            if parameter.rule in ("probability", "cause_share", "category_share", "mixture_weight"):
                assert (
                    0 < variation.value < (1 if parameter.rule != "category_share" else sum(parameter.values.values()))
                )
            if parameter.rule in ("age_mean", "stress_mean", "sleep_mean", "duration_median"):
                field = {"age_mean": "age", "stress_mean": "stress_level", "sleep_mean": "sleep_hours"}
                low, high = field_range(field.get(parameter.rule, "duration_weeks"))
                assert low <= variation.value <= high


def test_every_variation_gives_parameters_the_generator_accepts(community):
    raw = load_population("community").params.raw
    for parameter in community.values():
        for variation in parameter.variations:
            params_from_raw(parameter.apply(raw, variation), parameter.setting(variation))


@settings(max_examples=40, deadline=None)
@given(
    share=st.floats(min_value=0.0, max_value=0.999), cause=st.sampled_from(["benign_lifestyle", "motor_neuron_like"])
)
def test_a_moved_share_keeps_its_group_s_total(community, share, cause):
    parameter = community[f"prior.{cause}"]
    moved = parameter.apply(load_population("community").params.raw, Variation("high", "high", share, False))
    values = [entry["p"] for entry in moved["prior"].values()]
    assert moved["prior"][cause]["p"] == share
    assert math.fsum(values) == pytest.approx(1.0, abs=1e-9) and min(values) >= 0


def test_the_shipped_rules_have_reasons_and_bounds():
    rules = load_move_rules()
    assert [r.id for r in rules][:2] == ["cause_share", "category_share"]
    assert all(r.reason and r.bounds[0] <= r.bounds[1] for r in rules)
    assert {r.id: r.bounds for r in rules}["age_mean"] == field_range("age")


# --------------------------------------------------------------------------------------
# What the analysis measures
# --------------------------------------------------------------------------------------


def test_a_variation_that_changes_nothing_changes_no_metric(tmp_path):
    # A sign present from the start (p_onset left out) never waits for its `weeks`: moving them
    # moves no answer, and with common random numbers every other draw stays as it was.
    path = tmp_path / "populations.toml"
    path.write_text(
        POPULATIONS_HEAD
        + """
[population.overrides.flags.numbness]
motor_neuron_like = { p = 0.10, weeks = 8, tag = "assumed (weeks that no one waits for, for a test)" }
""",
        encoding="utf-8",
    )
    population = load_population("community", path)
    table = sensitivity_analysis(population, n=N, parameters=["flags.numbness.motor_neuron_like.weeks"])
    assert set(table["variation"]) == {"half", "double"}
    assert len(table) == 2 * len(HEADLINE_METRICS)
    defined = table["baseline"].notna()
    assert (table.loc[defined, "change"] == 0).all()
    assert table.loc[~defined, "value"].isna().all()


def test_more_motor_neuron_like_cases_raise_the_serious_cause_share():
    table = sensitivity_analysis(n=20_000, parameters=["prior.motor_neuron_like"])
    observed = table[table["metric"] == "observed"].set_index("variation")
    assert observed.loc["double", "change"] > 0 > observed.loc["half", "change"]
    assert observed.loc["double", "setting"] == "prior.motor_neuron_like: 0.001 → 0.002"


def test_the_table_is_long_with_every_headline_metric_per_variation(community):
    table = sensitivity_analysis(n=N, parameters=["age.benign_lifestyle"])  # an entry: its mean and its sd
    assert list(dict.fromkeys(table["parameter"])) == ["age.benign_lifestyle.mean", "age.benign_lifestyle.sd"]
    assert len(table) == 2 * 2 * len(HEADLINE_METRICS)
    assert list(table["metric"].iloc[: len(HEADLINE_METRICS)]) == [m.id for m in HEADLINE_METRICS]
    assert (table["change"] == table["value"] - table["baseline"]).all()
    assert set(table["label"]) == {"age mean (benign)", "age sd (benign)"}
    assert table["baseline"].nunique() == len(HEADLINE_METRICS)  # one baseline per metric


def test_same_seed_same_table_and_jobs_do_not_change_it():
    parameters = ["flags.weakness.motor_neuron_like", "regions.benign_lifestyle", "answer_errors.feels_weak"]
    first = sensitivity_analysis(n=N, seed=11, parameters=parameters)
    pd.testing.assert_frame_equal(first, sensitivity_analysis(n=N, seed=11, parameters=parameters))
    pd.testing.assert_frame_equal(first, sensitivity_analysis(n=N, seed=11, parameters=parameters, jobs=2))
    assert not first.equals(sensitivity_analysis(n=N, seed=12, parameters=parameters))


def test_bad_arguments_are_refused_naming_what_exists():
    with pytest.raises(PopulationError, match=r"unknown population 'nowhere'; known populations: enriched, community"):
        sensitivity_analysis("nowhere", parameters=["prior.motor_neuron_like"])
    with pytest.raises(
        ValueError, match=r"unknown parameter 'prior\.motor_neuron'.*did you mean 'prior\.motor_neuron_like'"
    ):
        sensitivity_analysis(parameters=["prior.motor_neuron"])
    with pytest.raises(
        ValueError,
        match=r"parameter 'flags\.family_history_als\.motor_neuron_like' is sourced in population 'community' "
        r"\(tag 'S: Red Whale / BMJ 2022 \(10-15% of ALS is genetic\)'\); only assumed numbers are varied",
    ):
        sensitivity_analysis(parameters=["flags.family_history_als.motor_neuron_like"])
    with pytest.raises(ValueError, match=r"parameters is empty"):
        sensitivity_analysis(parameters=[])
    with pytest.raises(ValueError, match=r"n must be a whole number, 1 or more.*got 0"):
        sensitivity_analysis(n=0)
    with pytest.raises(ValueError, match=r"jobs must be a whole number, 1 or more.*got 0"):
        sensitivity_analysis(jobs=0)


def test_a_bad_rules_file_is_refused_naming_the_rule(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nid = "p"\ntables = ["flags.*"]\nkeys = ["p"]\nmove = "odds"\nlow = 2.0\nhigh = 0.5\nreason = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(SensitivityError, match=r"rules\.toml: \[\[rule\]\] 1: .*low \(2\) must be below high \(0\.5\)"):
        load_move_rules(path)
    path.write_text(
        '[[rule]]\nid = "p"\ntables = ["flags.*"]\nkeys = ["p"]\nmove = "odds"\nlow = 0.5\nhigh = 2.0\nreason = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(SensitivityError, match=r"no rule moves prior\.benign_lifestyle\.p \(table 'prior', key 'p'\)"):
        assumed_parameters("community", rules=path)


# --------------------------------------------------------------------------------------
# The tornado
# --------------------------------------------------------------------------------------


def _sensitivity_rows() -> pd.DataFrame:
    """A hand-made analysis of one share metric: b moves most, a next, c not at all."""
    rows = []
    for parameter, low, high in (("a", -0.01, 0.02), ("b", 0.05, -0.01), ("c", 0.0, 0.0)):
        for direction, change in (("low", low), ("high", high)):
            rows.append(
                {
                    "parameter": parameter,
                    "label": f"{parameter} weight (benign)",
                    "tag": "assumed",
                    "direction": direction,
                    "variation": "half" if direction == "low" else "double",
                    "setting": f"{parameter}: 1 → {'0.5' if direction == 'low' else '2'}",
                    "metric": "risk_share_referred",
                    "metric_label": "people referred, risk policy",
                    "baseline": 0.3,
                    "value": 0.3 + change,
                    "change": change,
                }
            )
    return pd.DataFrame(rows)


def test_the_tornado_table_ranks_by_the_larger_change_and_drops_what_did_not_move():
    table = tornado_table(_sensitivity_rows(), metric="risk_share_referred")
    assert list(table["parameter"]) == ["b", "a"]
    assert list(table["rank"]) == [1, 2]
    assert list(table["swing"]) == pytest.approx([0.05, 0.02])
    assert table.loc[0, "low_setting"] == "b: 1 → 0.5" and table.loc[0, "high_change"] == pytest.approx(-0.01)
    assert bool(table.loc[0, "share"])
    assert len(tornado_table(_sensitivity_rows(), metric="risk_share_referred", top=1)) == 1
    with pytest.raises(ValueError, match=r"unknown metric 'auc'; the table has risk_share_referred"):
        tornado_table(_sensitivity_rows(), metric="auc")


def test_the_tornado_figure_draws_both_settings_in_percentage_points_for_a_phone():
    figure = tornado_figure(tornado_table(_sensitivity_rows(), metric="risk_share_referred"))
    low, high = figure.data
    assert (low.name, high.name) == ("lower setting", "higher setting")
    # Labels in lines of at most 22 characters, so the bars keep a phone's width.
    assert list(low.y) == ["b weight (benign)", "a weight (benign)"]
    named = tornado_table(_sensitivity_rows(), metric="risk_share_referred").assign(
        parameter=["flags.weakness.motor_neuron_like.p_onset", "answer_errors.atrophy.false_no"],
        label=["weakness at first notice (MND-like)", "atrophy false no"],
    )
    long = tornado_figure(named)
    assert [label.replace("<br>", " ") for label in long.data[0].y] == [
        "share with real weakness at first notice (MND-like)",
        "wrong 'no' to muscle wasting",
    ]
    assert all(len(line) <= 22 for label in long.data[0].y for line in label.split("<br>"))
    assert list(low.x) == pytest.approx([5.0, -1.0]) and list(high.x) == pytest.approx([-1.0, 2.0])
    assert list(high.customdata) == ["b: 1 → 2", "a: 1 → 2"]
    layout = figure.layout
    assert layout.legend.orientation == "h" and layout.yaxis.autorange == "reversed"
    assert layout.xaxis.title.text == "change, percentage points"
    assert all(len(line) <= 40 for line in layout.title.text.replace("<sup>", "").replace("</sup>", "").split("<br>"))


def test_a_tornado_of_nothing_says_so():
    empty = tornado_table(_sensitivity_rows().assign(change=0.0), metric="risk_share_referred")
    assert empty.empty
    figure = tornado_figure(empty)
    assert "No assumed number moved" in figure.layout.annotations[0].text
    with pytest.raises(ValueError, match=r"no column\(s\) share"):
        tornado_figure(empty.drop(columns="share"))


def test_the_analysis_feeds_the_tornado():
    table = sensitivity_analysis(n=N, parameters=["prior.benign_lifestyle", "flags.numbness.benign_lifestyle"])
    tornado = tornado_table(table, metric="guideline_share_referred")
    assert set(tornado["parameter"]) <= {"prior.benign_lifestyle", "flags.numbness.benign_lifestyle"}
    assert np.isfinite(tornado["swing"]).all()
    assert len(tornado_figure(tornado).data) == 2


@pytest.mark.parametrize("population", ["community", "enriched"])
def test_every_variation_is_a_world_the_generator_accepts(population):
    # A share at first notice is kept at or below its share once the course has run (and that
    # share at or above it), so no variation is refused by the generator's own check.
    raw = load_population(population).params.raw
    for parameter in assumed_parameters(population):
        for variation in parameter.variations:
            params_from_raw(parameter.apply(raw, variation), f"{parameter.id} {variation.name}")
        if parameter.key == "p_onset":
            assert all(v.value <= parameter.values["p"] for v in parameter.variations), parameter.id
        if parameter.key == "p" and "p_onset" in parameter.values:
            assert all(v.value >= parameter.values["p_onset"] for v in parameter.variations), parameter.id


def test_a_share_at_first_notice_is_kept_at_or_below_the_share_once_the_course_has_run(tmp_path):
    path = tmp_path / "populations.toml"
    path.write_text(
        POPULATIONS_HEAD
        + """
[population.overrides.flags.weakness]
motor_neuron_like = { p = 0.5, p_onset = 0.45, weeks = 8, tag = "assumed (close shares, for a test)" }
""",
        encoding="utf-8",
    )
    moved = {p.id: p for p in assumed_parameters(load_population("community", path))}
    p, p_onset = moved["flags.weakness.motor_neuron_like.p"], moved["flags.weakness.motor_neuron_like.p_onset"]
    # Halving p's odds (0.333) would fall below p_onset; doubling p_onset's (0.621) would pass p.
    assert [(v.value, v.clipped) for v in p.variations] == [(0.45, True), (pytest.approx(2 / 3), False)]
    assert [(v.value, v.clipped) for v in p_onset.variations] == [(pytest.approx(0.45 / 1.55), False), (0.5, True)]
