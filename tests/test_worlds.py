"""Uncertainty about the synthetic world: every generator number's distribution, drawn worlds,
scenarios, the headline metrics across worlds, and `zaro evaluate --worlds`."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.cli import main
from scoring.engine.populations import load_population
from scoring.engine.synth._params import tag_kind
from scoring.evaluate import (
    WORLD_TABLES,
    WorldsError,
    draw_world,
    evaluate_population,
    evaluate_worlds,
    load_evaluation,
    load_scenarios,
    load_world_rules,
    scenario_world,
    shipped_world,
    world_distributions,
    world_parameters,
)

RULES_HEAD = '[counts]\nreason = "k of n"\n\n'


def _rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "worlds.toml"
    path.write_text(RULES_HEAD + text)
    return path


# --------------------------------------------------------------------------------------
# Every number and its distribution
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("population", ["community", "enriched"])
def test_every_generator_number_has_a_distribution_with_its_reason(population):
    parameters = world_parameters(population)
    entries = load_population(population).params.entries()
    numbers = sum(
        1 for e in entries for v in e.values.values() if isinstance(v, (int, float)) and not isinstance(v, bool)
    )
    assert len(parameters) == numbers
    assert all(p.reason.strip() for p in parameters)
    rules = {r.id: r for r in load_world_rules()}
    for parameter in parameters:
        assert parameter.sourced == (tag_kind(parameter.tag) == "sourced")
        if parameter.draw in ("logit_normal", "log_share", "lognormal", "normal"):
            rule = rules[parameter.rule]
            # A sourced number is drawn tighter than an assumed one of the same kind.
            expected = rule.sourced_spread if parameter.sourced else rule.assumed_spread
            assert parameter.spread == expected and rule.sourced_spread < rule.assumed_spread


def test_a_number_with_its_sources_counts_is_drawn_from_their_beta():
    with_counts = [p for p in world_parameters("community") if p.counts is not None]
    assert with_counts, "generator.toml stores counts beside some sourced numbers"
    for parameter in with_counts:
        k, n = parameter.counts
        a, b = parameter.beta_parameters()
        assert (a, b) == (k + 1, n - k + 1)
        assert parameter.draw == "beta" and parameter.rule == "counts"
        # Centred on the Beta's mean, the draws are the Beta's: their mean is (k + 1) / (n + 2).
        at_mean = dataclasses.replace(parameter, base=a / (a + b))
        rng = np.random.default_rng(5)
        draws = np.array([at_mean.draw_value(rng) for _ in range(4000)])
        assert draws.mean() == pytest.approx((k + 1) / (n + 2), abs=0.005)
        assert draws.std() == pytest.approx(math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))), rel=0.08)
        # As shipped (perhaps set apart from k / n on purpose), the draws centre on the number.
        rng = np.random.default_rng(6)
        shipped = np.array([parameter.draw_value(rng) for _ in range(4000)])
        assert np.median(shipped) == pytest.approx(parameter.base, abs=0.01)


def test_an_assumed_probability_is_drawn_wider_than_a_sourced_one():
    table = world_distributions("community").set_index("parameter")
    odds = lambda p: p / (1 - p)  # noqa: E731
    assumed = table.loc["flags.weakness.motor_neuron_like.p"]
    sourced = table.loc["bfs.flags.feels_weak"]
    assert not assumed["sourced"] and sourced["sourced"]
    # 95% of an assumed probability's draws lie between half and double its odds.
    assert odds(assumed["high"]) / odds(assumed["value"]) == pytest.approx(2.0, rel=0.01)
    assert odds(sourced["high"]) / odds(sourced["value"]) < 1.6


def test_rules_file_errors_name_the_file_the_rule_and_the_fix(tmp_path):
    bad_key = _rules_file(
        tmp_path,
        '[[rule]]\nid = "p"\ntables = ["*"]\nkeys = ["p"]\ndraw = "logit_normal"\nassumed_spread = 0.3\n'
        'sourced_spread = 0.2\nreason = "r"\nspred = 1\n',
    )
    with pytest.raises(WorldsError, match=r"worlds\.toml: \[\[rule\]\] 1: unknown key 'spred'; allowed keys are"):
        load_world_rules(bad_key)
    fixed_with_spread = _rules_file(
        tmp_path,
        '[[rule]]\nid = "p"\ntables = ["*"]\nkeys = ["p"]\ndraw = "fixed"\nassumed_spread = 0.3\nreason = "r"\n',
    )
    with pytest.raises(WorldsError, match="a fixed rule draws nothing: remove assumed_spread"):
        load_world_rules(fixed_with_spread)
    share_without_group = _rules_file(
        tmp_path,
        '[[rule]]\nid = "p"\ntables = ["*"]\nkeys = ["p"]\ndraw = "log_share"\nassumed_spread = 0.3\n'
        'sourced_spread = 0.2\nreason = "r"\n',
    )
    with pytest.raises(WorldsError, match="group .* is needed by a log_share rule"):
        load_world_rules(share_without_group)


def test_a_number_no_rule_draws_is_named_with_the_fix(tmp_path):
    only_probabilities = _rules_file(
        tmp_path,
        '[[rule]]\nid = "p"\ntables = ["*"]\nkeys = ["p"]\ndraw = "logit_normal"\nassumed_spread = 0.3\n'
        'sourced_spread = 0.2\nreason = "r"\n',
    )
    with pytest.raises(WorldsError, match=r"no rule draws age\.benign_lifestyle\.mean .*add a \[\[rule\]\]"):
        world_parameters("community", rules=only_probabilities)


# --------------------------------------------------------------------------------------
# Drawing a world
# --------------------------------------------------------------------------------------


def test_a_world_is_the_same_for_the_same_seed_and_index_and_another_for_another():
    first = draw_world("community", seed=11, index=2)
    again = draw_world("community", seed=11, index=2)
    other = draw_world("community", seed=11, index=3)
    assert first.values == again.values
    assert first.values != other.values
    assert first.population.prior == again.population.prior


def test_each_number_has_its_own_stream_so_leaving_one_out_keeps_the_others():
    parameters = world_parameters("community")
    kept = [p for p in parameters if p.id != "flags.pain.central_ms_like"]
    every = draw_world("community", seed=3, index=0, parameters=parameters)
    fewer = draw_world("community", seed=3, index=0, parameters=kept)
    assert "flags.pain.central_ms_like" not in fewer.values
    assert fewer.raw["flags"]["pain"]["central_ms_like"]["p"] == next(
        p.base for p in parameters if p.id == "flags.pain.central_ms_like"
    )
    for parameter in kept:
        if parameter.group is None:  # a share moves with its group; every other number is its own draw
            assert fewer.values[parameter.id] == every.values[parameter.id]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10_000))
def test_every_drawn_world_is_a_valid_generator_world(seed, index):
    world = draw_world("community", seed=seed, index=index)
    assert sum(world.population.prior.values()) == pytest.approx(1.0, abs=1e-9)
    for parameter in world_parameters("community"):
        value = world.values[parameter.id]
        low, high = parameter.bounds
        assert low <= value <= high, parameter.id
        if parameter.key == "p_onset":
            entry = parameter.path
            assert value <= world.values[f"{entry}.p"] + 1e-12, parameter.id


def test_scenarios_change_the_numbers_they_name_and_nothing_else():
    shipped = shipped_world("community").values
    scenarios = load_scenarios()
    assert {"early_askers", "benign_symptoms_at_cohort_rates", "no_answer_errors", "worry_trait_off"} <= {
        s.id for s in scenarios
    }
    for scenario in scenarios:
        world = scenario_world("community", scenario)
        changed = {k for k in shipped if world.values[k] != shipped[k]}
        assert changed, scenario.id
        for name in changed:
            # Every changed number is one the scenario sets (ids drop the key of a one-number entry).
            assert any(
                __import__("fnmatch").fnmatchcase(full, pattern)
                for pattern, _ in scenario.settings
                for full in (name, f"{name}.p", f"{name}.value")
            ), (scenario.id, name)
    no_errors = scenario_world("community", "no_answer_errors")
    assert all(v == 0.0 for k, v in no_errors.values.items() if k.startswith("answer_errors."))


def test_a_scenario_naming_no_number_is_refused_with_close_names():
    from scoring.evaluate import Scenario

    typo = Scenario("typo", "Typo", "a typo", (("asking.week.median", 1.0),))
    with pytest.raises(
        WorldsError, match=r"'asking\.week\.median' names no value .*did you mean 'asking\.weeks\.median'"
    ):
        scenario_world("community", typo)
    with pytest.raises(WorldsError, match="unknown scenario 'nope'; the worlds file has early_askers"):
        scenario_world("community", "nope")


# --------------------------------------------------------------------------------------
# The headline metrics across worlds
# --------------------------------------------------------------------------------------

SMALL = {"worlds": 8, "n": 20_000, "transport_n": 20_000, "seed": 41}


@pytest.fixture(scope="module")
def analysis():
    return evaluate_worlds("community", scenarios=False, **SMALL)


def test_world_intervals_contain_the_shipped_worlds_value(analysis):
    table = analysis.table.set_index("metric")
    for metric in ("auc:default_card", "share_referred:guideline", "sensitivity:risk_default_card"):
        row = table.loc[metric]
        assert row["worlds_defined"] == SMALL["worlds"]
        assert row["world_low"] <= row["world_median"] <= row["world_high"]
        # Worlds drawn around the shipped numbers: the shipped world lies inside their range.
        runs = analysis.runs[(analysis.runs["metric"] == metric) & (analysis.runs["run_kind"] == "world")]
        assert runs["value"].min() <= row["shipped_world"] <= runs["value"].max(), metric
    assert len(analysis.runs) == (1 + SMALL["worlds"]) * len(analysis.table)


def test_the_tornado_ranks_the_cause_shares_first_for_the_outcomes_share(analysis):
    top = analysis.tornado[(analysis.tornado["metric"] == "observed") & (analysis.tornado["rank"] == 1)]
    assert top["parameter"].iloc[0].startswith("prior.")
    assert abs(top["rank_correlation"].iloc[0]) > 0.5


def test_the_same_seed_and_version_give_the_same_bytes(analysis):
    again = evaluate_worlds("community", scenarios=False, **SMALL)
    for name, table in analysis.tables().items():
        assert table.to_csv(index=False) == again.tables()[name].to_csv(index=False), name


def test_the_tables_are_the_same_whatever_jobs():
    tiny = {"worlds": 3, "n": 5000, "transport_n": 5000, "seed": 9, "scenarios": False}
    one, two = evaluate_worlds("community", jobs=1, **tiny), evaluate_worlds("community", jobs=2, **tiny)
    for name, table in one.tables().items():
        assert table.to_csv(index=False) == two.tables()[name].to_csv(index=False), name


def test_a_scenario_is_measured_as_a_world_of_its_own():
    small = evaluate_worlds("community", worlds=1, n=10_000, transport_n=10_000, seed=3)
    wide = small.scenario_table()
    assert list(wide.columns[:3]) == ["metric", "label", "shipped_world"]
    assert {s.id for s in load_scenarios()} <= set(wide.columns)
    auc = wide.set_index("metric").loc["auc:default_card"]
    # Without answer errors the answers are exact, so the card separates at least as well.
    assert auc["no_answer_errors"] > auc["shipped_world"]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_a_bad_count_of_worlds_is_refused(bad):
    with pytest.raises(ValueError, match="worlds must be a whole number, 1 or more"):
        evaluate_worlds(worlds=bad, n=1000)
    if bad != 0:
        with pytest.raises(ValueError, match=r"worlds must be a whole number, 0 \(no worlds\) or more"):
            evaluate_population(n=1000, worlds=bad, sensitivity=False)


def test_an_evaluation_saved_without_worlds_reads_back_with_empty_world_tables(tmp_path):
    evaluation = evaluate_population(n=3000, resamples=5, subgroup_resamples=5, sensitivity=False, reference=False)
    evaluation.save(tmp_path, documents=False)
    for name in WORLD_TABLES:
        (tmp_path / f"{name}.json").unlink()
    read = load_evaluation(tmp_path)
    assert all(read.table(name).empty for name in WORLD_TABLES)
    assert list(read.worlds.columns) == list(evaluation.worlds.columns)


def test_the_world_interval_figure_draws_each_headline_with_its_ci_and_world_interval(analysis):
    from scoring.plots import world_interval_figure

    table = analysis.table.assign(point=0.5, ci_low=0.4, ci_high=0.6)
    figure = world_interval_figure(table)
    headlines = int(table["headline"].sum())
    # Per headline: the world interval, the CI and the estimate.
    assert len(figure.data) == 3 * headlines
    assert [a.text for a in figure.layout.annotations] == list(table.loc[table["headline"], "label"])
    with pytest.raises(ValueError, match="no column.*world_low"):
        world_interval_figure(table.drop(columns="world_low"))


# --------------------------------------------------------------------------------------
# zaro evaluate --worlds
# --------------------------------------------------------------------------------------


def _evaluate(out: Path, *extra: str) -> object:
    arguments = ["evaluate", "--n", "5000", "--resamples", "10", "--subgroup-resamples", "10", "--no-sensitivity"]
    return CliRunner().invoke(main, [*arguments, "--out", str(out), "--no-progress", *extra])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--worlds", "-1"], "0<=x<=10000"),
        (["--worlds", "many"], "'many' is not a valid integer range"),
        (["--worlds-n", "5000"], "--worlds-n needs --worlds N (1 or more)"),
        (["--worlds", "2", "--worlds-n", "10"], "10 is not in the range x>=1000"),
    ],
)
def test_cli_refuses_a_bad_worlds_option_naming_the_allowed_range(tmp_path, extra, message):
    result = _evaluate(tmp_path / "out", *extra)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_cli_worlds_end_to_end(tmp_path, monkeypatch):
    import scoring.engine.risk as risk

    monkeypatch.setattr(risk, "TRANSPORT_N", 5000)  # a small recalibration sample per world
    out = tmp_path / "out"
    result = _evaluate(out, "--worlds", "3", "--worlds-n", "5000")
    assert result.exit_code == 0, result.output
    assert "Across 3 worlds drawn from the generator numbers' distributions" in result.output
    assert "AUC, Expert card:" in result.output and "worlds " in result.output
    assert "Scenarios (each a world of its own)" in result.output
    saved = load_evaluation(out)
    assert saved.worlds_settings["worlds"] == 3
    assert len(saved.worlds) and len(saved.world_scenarios) and len(saved.world_parameters)
    assert (out / "figures" / "world_intervals.html").is_file()
    card = (out / "model_card.md").read_text()
    assert "## Uncertainty about the synthetic world" in card and "### Structural scenarios" in card
