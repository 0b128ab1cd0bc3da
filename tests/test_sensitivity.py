"""Sensitivity to assumptions: which numbers are varied, how they move, what the analysis measures, the tornado."""

from __future__ import annotations

import dataclasses
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
    assert varied == assumed
    assert not varied & sourced
    assert "flags.family_history_als.motor_neuron_like" in sourced  # "S: Red Whale / BMJ 2022"


def test_every_assumed_number_is_varied_but_a_lone_mixture_weight(community):
    missing = []
    raw = load_population("community").params.raw
    for entry in load_population("community").params.entries():
        if entry.sourced:
            continue
        for key in entry.values:
            several = len(entry.values) > 1
            if (f"{entry.path}.{key}" if several else entry.path) not in community:
                missing.append(f"{entry.path}.{key}")
    # Only the weights of causes whose duration is one lognormal: always 1 after normalising.
    lone = [
        f"duration_weeks.components.{cause}[0].weight"
        for cause, parts in raw["duration_weeks"]["components"].items()
        if len(parts) == 1
    ]
    assert sorted(missing) == sorted(lone) and len(lone) == 4


def test_a_population_s_own_tags_decide_what_is_assumed(tmp_path):
    path = tmp_path / "populations.toml"
    path.write_text(
        """
[[population]]
id = "enriched"
label = "Learning mix"
description = "The generator as it is."
default = false

[[population]]
id = "community"
label = "Community"
description = "Adults who notice twitching."
default = true

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
    worsening = community["flags.worsening.motor_neuron_like"]  # 0.9: odds 9
    assert [v.value for v in worsening.variations] == pytest.approx([4.5 / 5.5, 18 / 19])
    assert not any(v.clipped for v in worsening.variations)


def test_moved_numbers_are_clipped_to_their_bounds(community):
    caffeine = community["caffeine_mg_per_day.by_cause.benign_lifestyle.p_above"]  # 0.3, doubled odds 0.46
    high = caffeine.variations[1]
    assert (high.value, high.clipped) == (0.4, True)
    assert caffeine.setting(high) == "caffeine_mg_per_day.by_cause.benign_lifestyle.p_above: 0.3 → 0.4 (clipped)"
    median = community["caffeine_mg_per_day.by_cause.benign_lifestyle.median"]  # 250 mg
    assert [v.value for v in median.variations] == [125.0, 375.0]
    age = community["age.benign_lifestyle.mean"]
    assert [(v.name, v.value) for v in age.variations] == [("low", 25.0), ("high", 45.0)]
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


def test_a_variation_that_changes_nothing_changes_no_metric(community):
    # A lone duration component's weight is normalised to 1 whatever it is: the same data.
    median = community["duration_weeks.components.peripheral_neuropathy[0].median"]
    weight = dataclasses.replace(
        median,
        id="duration_weeks.components.peripheral_neuropathy[0].weight",
        key="weight",
        base=1.0,
        variations=(Variation("double", "high", 2.0, False),),
    )
    table = sensitivity_analysis(n=N, parameters=[weight])
    assert len(table) == len(HEADLINE_METRICS)
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
    parameters = ["flags.weakness.benign_lifestyle", "regions.benign_lifestyle"]
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
    assert list(low.y) == ["b weight<br>(benign)", "a weight<br>(benign)"]
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
