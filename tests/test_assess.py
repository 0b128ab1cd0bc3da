"""assess() and assess_frame(): the ladder, red flags, the combination with a tree, frames, CLI."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import NOTICE
from scoring.assessment import (
    Assessment,
    TreeModel,
    TreeStep,
    TreeView,
    assess,
    assess_frame,
    triage_agreement,
)
from scoring.cli import main
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.contract.schema import VignetteError, vignettes_to_frame
from scoring.engine.card import CardError, list_cards, load_card
from scoring.engine.policies import load_policy
from scoring.wording import risk_percent
from tests.strategies import vignettes

SELF_CARE, SEE_DOCTOR, URGENT = Recommendation.SELF_CARE, Recommendation.SEE_DOCTOR, Recommendation.URGENT

# A vignette with nothing to score: 45 (neither under 40 nor 50+), one place that is not the
# eyelid, one week, no symptoms beyond the twitching.
PLAIN = {"age": 45, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "calf"}


def card_only(vignette, **kwargs) -> Assessment:
    return assess(vignette, tree=None, **kwargs)


class ConstantTree:
    """A stand-in tree that always estimates the same risk (in the learning mix)."""

    outcome = "serious_cause"
    population = "enriched"

    def __init__(self, risk: float):
        self.risk = risk

    def explain_encoded(self, encoded):
        step = TreeStep(0, "duration_weeks", "<=", 2.0, "duration 2 weeks or less")
        return TreeView(SELF_CARE, self.risk, self.outcome, (step,), 1, 100, "duration 2 weeks or less")

    def predict_risk(self, features):
        return np.full(len(features), self.risk)


#: Constant risks whose community risk lands in each level of the risk policy.
TREE_RISK = {0: 0.001, 1: 0.3, 2: 0.9}


def shipped_tree():
    try:
        from scoring.engine.tree import default_tree

        return default_tree()
    except (ImportError, FileNotFoundError):  # pragma: no cover - tree not shipped yet
        pytest.skip("no shipped tree")


# --------------------------------------------------------------------------------------
# The ladder of docs/clinical.md section 2, one case per rule
# --------------------------------------------------------------------------------------

LADDER = [
    pytest.param(
        dict(PLAIN, age=25, locations="eyelid", duration_weeks=1, caffeine_mg_per_day=500),
        SELF_CARE,
        id="young-eyelid-coffee",
    ),
    pytest.param(dict(PLAIN), SELF_CARE, id="nothing-else"),
    pytest.param(dict(PLAIN, duration_weeks=3), SEE_DOCTOR, id="over-2-weeks"),
    pytest.param(dict(PLAIN, duration_weeks=2), SELF_CARE, id="exactly-2-weeks"),
    pytest.param(dict(PLAIN, locations="eyelid;calf"), SEE_DOCTOR, id="two-places"),
    pytest.param(dict(PLAIN, weakness=True), SEE_DOCTOR, id="weakness-not-worsening"),
    pytest.param(dict(PLAIN, feels_weak=True), SEE_DOCTOR, id="area-feels-weak"),
    pytest.param(dict(PLAIN, stimulant_medication=True), SEE_DOCTOR, id="stimulant-medicine"),
    pytest.param(dict(PLAIN, diuretic_use=True), SEE_DOCTOR, id="diuretic"),
    pytest.param(dict(PLAIN, numbness=True, duration_weeks=3), SEE_DOCTOR, id="persistent-numbness"),
    pytest.param(dict(PLAIN, numbness=True), SEE_DOCTOR, id="numbness-one-week"),
    pytest.param(dict(PLAIN, family_history_als=True), SEE_DOCTOR, id="family-history"),
    pytest.param(dict(PLAIN, age=55, duration_weeks=6), SEE_DOCTOR, id="age-55-six-weeks"),
    pytest.param(dict(PLAIN, age=55), SELF_CARE, id="age-55-one-week"),
    pytest.param(dict(PLAIN, dehydration=True), SELF_CARE, id="dehydration-alone"),
    pytest.param(dict(PLAIN, pain=True, cramps=True), SELF_CARE, id="pain-and-cramps-one-week"),
    pytest.param(dict(PLAIN, worsening=True), SELF_CARE, id="worsening-without-weakness"),
    pytest.param(
        dict(
            PLAIN,
            age=22,
            duration_weeks=3,
            locations="eyelid",
            recent_exercise=True,
            caffeine_mg_per_day=900,
            stress_level=9,
            sleep_hours=4,
            dehydration=True,
        ),
        SEE_DOCTOR,
        id="trigger-with-every-reassuring-pointer",
    ),
    pytest.param(dict(PLAIN, locations="tongue"), URGENT, id="tongue"),
    pytest.param(dict(PLAIN, weakness=True, worsening=True, duration_weeks=10), URGENT, id="progressive-weakness"),
    pytest.param(dict(PLAIN, weakness=True, worsening=True, duration_weeks=2), URGENT, id="rapid-weakness"),
    pytest.param(dict(PLAIN, atrophy=True), URGENT, id="wasting"),
    pytest.param(dict(PLAIN, bulbar=True), URGENT, id="speech-or-swallowing"),
    pytest.param(dict(PLAIN, breathing_difficulty=True), URGENT, id="breathing"),
    pytest.param(dict(PLAIN, severity="pronounced"), SEE_DOCTOR, id="pronounced-severity"),
    pytest.param(dict(PLAIN, frequency="constant"), SELF_CARE, id="constant-but-brief-and-mild"),
    pytest.param(dict(PLAIN, stiffness=True), SEE_DOCTOR, id="stiffness"),
    pytest.param(dict(PLAIN, sudden_onset=True), URGENT, id="sudden-onset"),
    pytest.param(
        dict(PLAIN, age=70, duration_weeks=0.7, locations="calf", cramps=True, fluid_loss_illness=True),
        SEE_DOCTOR,
        id="five-days-vomiting-and-diarrhoea-cramps-at-70",
    ),
    pytest.param(dict(PLAIN, age=30, fluid_loss_illness=True), SELF_CARE, id="fluid-loss-alone-at-30"),
    pytest.param(dict(PLAIN, age=66, fluid_loss_illness=True), SEE_DOCTOR, id="fluid-loss-at-66"),
    pytest.param(dict(PLAIN, fluid_loss_illness=True, diuretic_use=True), SEE_DOCTOR, id="fluid-loss-with-diuretic"),
    pytest.param(
        dict(PLAIN, age=70, locations="calf", cramps=True, dehydration=True), SELF_CARE, id="hot-day-cramps-at-70"
    ),
    pytest.param(
        dict(PLAIN, age=24, locations="eyelid", recent_exercise=True, breathing_difficulty=True),
        URGENT,
        id="red-flag-beats-reassurance",
    ),
]


@pytest.mark.parametrize(("vignette", "expected"), LADDER)
def test_the_default_answer_follows_the_ladder(vignette, expected):
    # The held-out guideline cases: the default policy is the referral ladder.
    assert card_only(vignette).recommendation is expected
    assert assess(vignette).recommendation is expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(vignettes(), min_size=1, max_size=20))
def test_the_default_answer_is_the_reference_ladder_raised_only_by_the_card_shown_beside_it(data):
    # The reference triage of the synthetic data is the ladder of docs/clinical.md section 2
    # (definitions/triage.toml); the default (nhs) policy's own answer is it exactly, and what a
    # person is told is never below it nor below the card's level shown beside it.
    from scoring.engine.synth import triage_frame

    frame = vignettes_to_frame(data)
    scored = assess_frame(frame, tree=None).scored
    ladder = triage_frame(frame).cat.codes.to_numpy()
    assert (scored["guideline_recommendation"].cat.codes.to_numpy() == ladder).all()
    card = scored["card_recommendation"].cat.codes.to_numpy()
    told = scored["recommendation"].cat.codes.to_numpy()
    assert (told == np.maximum(ladder, card)).all()
    assert (scored.loc[told > ladder, "decided_by"] == "card").all()


# --------------------------------------------------------------------------------------
# Red flags
# --------------------------------------------------------------------------------------

RED_FLAG_CHANGES = {
    "progressive_weakness": {"weakness": True, "worsening": True},
    "wasting": {"atrophy": True},
    "speech_swallowing": {"bulbar": True},
    "tongue_twitching": {"locations": "tongue"},
    "breathing": {"breathing_difficulty": True},
    "rapid_weakness": {"weakness": True, "worsening": True, "duration_weeks": 1.0},
    "sudden_onset": {"sudden_onset": True},
}


def with_red_flag(vignette: dict, flag_id: str) -> dict:
    change = dict(RED_FLAG_CHANGES[flag_id])
    if "locations" in change:
        current = vignette["locations"]
        current = current.split(";") if isinstance(current, str) else list(current)
        change["locations"] = sorted(set(current) | {"tongue"})
    return {**vignette, **change}


def test_every_red_flag_of_the_card_is_exercised():
    assert {flag.flag_id for flag in load_card().red_flags} == set(RED_FLAG_CHANGES)


@pytest.mark.parametrize("flag_id", sorted(RED_FLAG_CHANGES))
def test_each_red_flag_makes_it_urgent(flag_id):
    result = card_only(with_red_flag(PLAIN, flag_id))
    assert result.recommendation is URGENT
    # Progressive weakness in a vignette of under 4 weeks is rapid too; PLAIN is shorter.
    also = {"progressive_weakness": ["rapid_weakness"], "rapid_weakness": ["progressive_weakness"]}.get(flag_id, [])
    assert sorted(flag.flag_id for flag in result.red_flags) == sorted([flag_id, *also])
    assert result.advice.startswith(load_card().urgent_advice)


@settings(max_examples=200, deadline=None)
@given(
    vignette=vignettes(), flag_id=st.sampled_from(sorted(RED_FLAG_CHANGES)), tree_level=st.sampled_from([None, 0, 1])
)
def test_any_red_flag_means_urgent_whatever_the_tree(vignette, flag_id, tree_level):
    tree = None if tree_level is None else ConstantTree(TREE_RISK[tree_level])
    flagged = with_red_flag(vignette, flag_id)
    result = assess(flagged, tree=tree)
    assert result.card.recommendation is URGENT
    assert result.recommendation is URGENT
    assert flag_id in {flag.flag_id for flag in result.red_flags}


@settings(max_examples=150, deadline=None)
@given(vignette=vignettes(), flag_id=st.sampled_from(sorted(RED_FLAG_CHANGES)))
def test_adding_a_red_flag_never_lowers_the_recommendation_with_the_shipped_tree(vignette, flag_id):
    tree = shipped_tree()
    before = assess(vignette, tree=tree).recommendation
    after = assess(with_red_flag(vignette, flag_id), tree=tree).recommendation
    assert after >= before and after is URGENT


# --------------------------------------------------------------------------------------
# Adding a risk item never lowers the card's recommendation
# --------------------------------------------------------------------------------------


def add_risk_item(vignette: dict, item_id: str) -> dict:
    """Change a vignette so that one positive-points item of the default card fires."""
    v = dict(vignette)
    locations = v["locations"].split(";") if isinstance(v["locations"], str) else list(v["locations"])
    if item_id == "duration_over_2_weeks":
        v["duration_weeks"] = max(v["duration_weeks"], 3.0)
    elif item_id == "more_than_one_place":
        extra = next(place for place in ("calf", "thigh") if place not in locations or len(locations) > 1)
        v["locations"] = sorted(set(locations) | {extra})
    elif item_id == "age_50_persistent":
        v.update(age=max(v["age"], 50), duration_weeks=max(v["duration_weeks"], 5.0))
    elif item_id == "persistent_pain":
        v.update(pain=True, duration_weeks=max(v["duration_weeks"], 3.0))
    elif item_id == "pronounced":
        v["severity"] = "pronounced"
    elif item_id == "fluid_loss":
        v.update(fluid_loss_illness=True, cramps=True)
    elif item_id == "spreading":
        v.update(worsening=True, locations=sorted(set(locations) | {"calf", "thigh"}))
    else:
        field = {
            "weakness": "weakness",
            "stimulant_medication": "stimulant_medication",
            "diuretic": "diuretic_use",
            "family_history": "family_history_als",
            "numbness": "numbness",
            "stiffness": "stiffness",
            "worsening": "worsening",
        }[item_id]
        v[field] = True
    return v


RISK_ITEMS = [item.item_id for item in load_card().items if item.points > 0]


def test_risk_item_helper_covers_every_positive_item():
    for item_id in RISK_ITEMS:
        changed = add_risk_item(PLAIN, item_id)
        assert item_id in {i.item_id for i in card_only(changed).card.items}


@settings(max_examples=300, deadline=None)
@given(vignette=vignettes(), item_id=st.sampled_from(RISK_ITEMS))
def test_adding_a_risk_item_never_lowers_the_cards_recommendation(vignette, item_id):
    before = card_only(vignette)
    after = card_only(add_risk_item(vignette, item_id))
    assert after.recommendation >= before.recommendation
    # Getting worse without weakness raises the card's risk but is not a reason to see a GP on
    # the ladder (the held-out case "worsening-without-weakness"); every other item is one.
    if item_id != "worsening":
        assert after.recommendation >= SEE_DOCTOR


@settings(max_examples=200, deadline=None)
@given(vignette=vignettes())
def test_total_within_the_cards_range(vignette):
    card = load_card()
    assert card.min_total <= card_only(vignette).points_total <= card.max_total


# --------------------------------------------------------------------------------------
# The combination with a tree
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("tree_level", [0, 1, 2])
@pytest.mark.parametrize("case", ["self", "doctor", "urgent"])
def test_under_the_risk_policy_the_answer_is_never_below_the_trees_level_and_says_when_it_follows_it(case, tree_level):
    vignette = {"self": PLAIN, "doctor": dict(PLAIN, duration_weeks=3), "urgent": dict(PLAIN, atrophy=True)}[case]
    result = assess(vignette, tree=ConstantTree(TREE_RISK[tree_level]), policy="risk")
    without = card_only(vignette, policy="risk").recommendation
    assert result.recommendation.level == max(without.level, tree_level)
    if tree_level > without.level:
        assert result.decided_by == "tree"
        assert any(
            line.endswith(
                f"follows the decision tree: its risk {risk_percent(result.tree_risk.probability)} in adults who notice twitching."
            )
            for line in result.not_followed
        )
    elif tree_level < result.recommendation.level:
        assert any(
            line.startswith(
                f"The decision tree says {LEVELS[tree_level]}; the answer ({result.recommendation.value}) follows"
            )
            for line in result.not_followed
        )
    assert result.tree.recommendation.level == tree_level  # the risk policy on the tree's risk
    assert result.tree_risk.probability_trained == TREE_RISK[tree_level]
    assert result.tree_risk.population == "community" and result.tree_risk.model == "tree"
    card_level = int(load_policy("risk").risk_levels(result.risk.probability))
    assert result.agree == (card_level == tree_level)
    if result.agree:
        assert result.disagreement is None
    else:
        assert result.disagreement.startswith("the card's risk ")
        assert "duration 2 weeks or less" in result.disagreement


def test_disagreement_gives_both_risks_and_where_they_lead():
    result = assess(dict(PLAIN, weakness=True, duration_weeks=30, age=62), tree=ConstantTree(TREE_RISK[0]))
    assert not result.agree
    assert result.disagreement == (
        f"the card's risk {risk_percent(result.risk.probability)} leads to "
        f"{result.risk_policy.recommendation.value}; the tree's risk {risk_percent(result.tree_risk.probability)} "
        "leads to self_care (duration 2 weeks or less)"
    )


def test_no_tree_means_card_only():
    result = card_only(PLAIN)
    assert result.tree is None and result.tree_risk is None and result.agree and result.disagreement is None


def test_shipped_tree_follows_the_protocol_assess_relies_on():
    assert isinstance(shipped_tree(), TreeModel)


@pytest.mark.parametrize("population", ["community", "enriched"])
def test_the_risk_is_stated_for_a_population(population):
    result = assess(dict(PLAIN, duration_weeks=3), population=population, tree=None)
    assert result.risk.population == result.population == population
    assert result.risk.outcome == "serious_cause" and result.risk.model == "card:default"
    assert result.risk.trained_on == "enriched"
    if population == "enriched":
        assert result.risk.probability == result.risk.probability_trained == result.card.probability
    else:
        # Serious causes are rarer in the community: the same answers mean a lower risk.
        assert result.risk.probability < result.risk.probability_trained
    assert population_label(population) in result.risk.text()


def population_label(population):
    from scoring.engine.populations import load_population

    return load_population(population).label


def test_the_two_policies_can_differ_and_both_are_reported():
    # Three weeks of calf and eyelid twitching at 30 and nothing else: a reason to see a GP
    # on the ladder, but a low risk of a serious cause.
    vignette = dict(PLAIN, age=30, duration_weeks=3, locations="calf;eyelid")
    guideline = assess(vignette, tree=None)
    risk = assess(vignette, tree=None, policy="risk")
    assert guideline.recommendation is SEE_DOCTOR and guideline.policy == "nhs"
    assert risk.recommendation is SELF_CARE and risk.policy == "risk"
    assert guideline.guideline == risk.guideline and guideline.risk_policy == risk.risk_policy
    assert guideline.policies_differ
    assert "is below 2.0%" in risk.risk_policy.reasons[0]
    assert "Twitching for more than 2 weeks (see_doctor)" in guideline.guideline.reasons


def test_a_high_risk_without_a_red_flag_is_urgent_on_the_risk_policy_with_its_time_frame():
    vignette = dict(PLAIN, age=65, duration_weeks=40, locations="hand;arm;thigh", weakness=True, numbness=True)
    result = assess(vignette, tree=None, policy="risk", population="enriched")
    threshold = load_policy("risk").threshold_for(URGENT)
    if result.risk.probability >= threshold.at_least:
        assert result.recommendation is URGENT and result.timeframe == threshold.timeframe
        assert not result.red_flags
        # The card's own top band says urgent at that risk too, in its words; a card without
        # such a band would give the no-warning-sign wording.
        assert result.advice in {result.card.band.advice, load_card().tree_urgent_advice}
        assert "A warning sign is present" not in result.advice


def test_unknown_population_and_policy_are_clear_errors():
    from scoring.engine.policies import PolicyError
    from scoring.engine.populations import PopulationError

    with pytest.raises(PopulationError, match="unknown population 'mars'"):
        assess(PLAIN, population="mars")
    with pytest.raises(PolicyError, match="unknown policy 'cautious'; use one of nhs, ng127, risk"):
        assess(PLAIN, policy="cautious")


# --------------------------------------------------------------------------------------
# One vignette and the same vignette in a frame
# --------------------------------------------------------------------------------------


def compare_one_and_frame(data, tree):
    result = assess_frame(pd.DataFrame(data), tree=tree)
    assert result.n_rejected == 0
    for (_, row), vignette in zip(result.scored.iterrows(), data):
        one = assess(vignette, tree=tree)
        assert row["points_total"] == one.points_total
        assert row["band"] == one.card.band.name
        assert row["card_recommendation"] == one.card.recommendation.value
        assert row["recommendation"] == one.recommendation.value
        assert row["red_flags"] == ";".join(flag.flag_id for flag in one.red_flags)
        assert row["risk_serious_cause"] == one.probability == one.risk.probability
        assert row["guideline_recommendation"] == one.guideline.recommendation.value
        assert row["risk_policy_recommendation"] == one.risk_policy.recommendation.value
        if tree is not None:
            assert row["tree_risk_serious_cause"] == one.tree_risk.probability
            assert row["tree_recommendation"] == one.tree.recommendation.value
            assert row["agree"] == one.agree


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(vignettes(), min_size=1, max_size=6), tree_level=st.sampled_from([None, 0, 1, 2]))
def test_one_vignette_equals_the_same_vignette_in_a_frame(data, tree_level):
    compare_one_and_frame(data, None if tree_level is None else ConstantTree(TREE_RISK[tree_level]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(vignettes(), min_size=1, max_size=6))
def test_one_vignette_equals_the_frame_with_the_shipped_tree(data):
    compare_one_and_frame(data, shipped_tree())


@pytest.mark.parametrize("population", ["community", "enriched"])
def test_one_vignette_gets_the_risks_it_gets_in_a_large_frame(population):
    # A large frame takes other array code paths than one row: the risks are moved to the
    # population once per total and per leaf, so they are the same doubles either way.
    from scoring.contract.fields import FIELD_NAMES
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(20_000, seed=11)
    scored = assess_frame(frame, tree=shipped_tree(), population=population).scored
    urgent = np.flatnonzero(scored["recommendation"].astype(str).to_numpy() == "urgent")
    for i in (0, 1, 7_777, 19_999, *urgent[:3]):
        one = assess({name: frame[name].iloc[i] for name in FIELD_NAMES}, tree=shipped_tree(), population=population)
        assert scored["risk_serious_cause"].iloc[i] == one.risk.probability
        assert scored["tree_risk_serious_cause"].iloc[i] == one.tree_risk.probability
        timeframe = scored["timeframe"].iloc[i]
        assert (None if pd.isna(timeframe) else timeframe) == one.timeframe


@pytest.mark.parametrize("name", list_cards())
def test_other_cards_work_through_assess(name):
    result = assess(dict(PLAIN, duration_weeks=3), card=name, tree=None)
    assert result.card.card_name == name
    frame = assess_frame(pd.DataFrame([dict(PLAIN, duration_weeks=3)]), card=name, tree=None)
    assert frame.scored["points_total"].iloc[0] == result.points_total


# --------------------------------------------------------------------------------------
# Frames: bad rows are rejected, nothing is lost
# --------------------------------------------------------------------------------------


def test_bad_rows_are_rejected_and_nothing_is_lost():
    frame = pd.DataFrame(
        [
            dict(PLAIN, vignette_id="a"),
            dict(PLAIN, vignette_id="b", age=16),
            dict(PLAIN, vignette_id="c", frequency="sometimes", stress_level=11),
            dict(PLAIN, vignette_id="d", locations="tongue"),
        ]
    )
    result = assess_frame(frame, tree=None)
    assert result.summary() == "4 rows read, 2 scored, 2 rejected"
    assert result.n_input == len(result.scored) + result.n_rejected
    assert result.scored["vignette_id"].tolist() == ["a", "d"]
    assert result.scored.index.tolist() == [0, 3]
    assert result.rejected[["row", "vignette_id", "field"]].values.tolist() == [
        [2, "b", "age"],
        [3, "c", "frequency"],
        [3, "c", "stress_level"],
    ]
    assert result.scored["red_flags"].tolist() == ["", "tongue_twitching"]
    assert result.scored["recommendation"].tolist() == ["self_care", "urgent"]


def test_result_columns_and_dtypes():
    result = assess_frame(pd.DataFrame([PLAIN, dict(PLAIN, atrophy=True, weakness=True, worsening=True)]), tree=None)
    scored = result.scored
    for column in ("band", "red_flags", "card_recommendation", "recommendation"):
        assert isinstance(scored[column].dtype, pd.CategoricalDtype), column
    assert list(scored["recommendation"].cat.categories) == list(LEVELS)
    assert scored["recommendation"].cat.ordered
    # One week of weakness that is getting worse is rapid as well as progressive.
    assert scored["red_flags"].tolist() == ["", "progressive_weakness;wasting;rapid_weakness"]
    assert scored["risk_serious_cause"].between(0, 1).all()
    assert scored["risk_serious_cause"].iloc[1] > scored["risk_serious_cause"].iloc[0]
    assert "tree_recommendation" not in scored and "tree_risk_serious_cause" not in scored


@pytest.mark.parametrize("policy", ["nhs", "ng127"])
@pytest.mark.parametrize("tree_level", [0, 1, 2])
@pytest.mark.parametrize("case", ["self", "doctor", "urgent"])
def test_under_a_guideline_policy_the_trees_risk_is_shown_but_does_not_raise_the_answer(case, tree_level, policy):
    # The tree's level is the risk policy's reading of its risk: a guideline's answer (the held-out
    # guideline cases) is not raised by a threshold the guideline does not use.
    vignette = {"self": PLAIN, "doctor": dict(PLAIN, duration_weeks=3), "urgent": dict(PLAIN, atrophy=True)}[case]
    result = assess(vignette, tree=ConstantTree(TREE_RISK[tree_level]), policy=policy)
    assert result.tree.recommendation.level == tree_level
    assert result.recommendation is card_only(vignette, policy=policy).recommendation
    assert result.decided_by != "tree"
    assert not any(line.startswith("The decision tree") for line in result.not_followed)


def test_frame_with_a_tree_has_tree_columns():
    frame = pd.DataFrame([PLAIN, dict(PLAIN, duration_weeks=3, numbness=True)])
    result = assess_frame(frame, tree=ConstantTree(TREE_RISK[1]), policy="risk")
    assert result.scored["tree_recommendation"].tolist() == ["see_doctor", "see_doctor"]
    assert result.scored["agree"].tolist() == [False, True]
    # Under the risk policy the tree's level counts: the answer is never below it.
    assert result.scored["recommendation"].tolist() == ["see_doctor", "see_doctor"]
    assert result.scored["decided_by"].tolist() == ["tree", "policy"]
    # Under the default (a guideline) the tree's reading is shown and the ladder's answer stands.
    default = assess_frame(frame, tree=ConstantTree(TREE_RISK[1])).scored
    assert default["tree_recommendation"].tolist() == ["see_doctor", "see_doctor"]
    assert default["recommendation"].tolist() == ["self_care", "see_doctor"]
    assert default["decided_by"].tolist() == ["policy", "policy"]


def test_empty_frame():
    result = assess_frame(pd.DataFrame([PLAIN]).iloc[:0], tree=None)
    assert result.summary() == "0 rows read, 0 scored, 0 rejected"
    assert len(result.scored) == 0


def test_frame_level_problems_raise():
    with pytest.raises(VignetteError, match="missing required column"):
        assess_frame(pd.DataFrame([{"age": 30}]), tree=None)


def test_synthetic_frame_keeps_metadata():
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(300, seed=3)
    result = assess_frame(frame, tree=None)
    assert result.summary() == "300 rows read, 300 scored, 0 rejected"
    assert {"vignette_id", "latent_cause", "triage", "narrative"} <= set(result.scored.columns)


# --------------------------------------------------------------------------------------
# One assessment: JSON, text, bad input
# --------------------------------------------------------------------------------------


def test_assessment_to_dict_is_json():
    result = assess(dict(PLAIN, duration_weeks=3, locations="tongue;calf"), tree=ConstantTree(TREE_RISK[1]))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["recommendation"] == "urgent"
    assert data["card"]["red_flags"][0]["flag_id"] == "tongue_twitching"
    assert data["tree"]["recommendation"] == "see_doctor"
    assert data["vignette"]["locations"] == ["tongue", "calf"]
    assert data["notice"] == NOTICE


def test_summary_text_lists_items_flags_advice_and_notice():
    result = card_only(dict(PLAIN, duration_weeks=3, breathing_difficulty=True))
    text = result.summary()
    assert text.splitlines()[0] == "Recommendation: Urgent assessment (urgent; nhs policy)"
    assert "Risk (card): " in text and "chance of a serious cause (Adults who notice twitching" in text
    assert "  +4  Twitching for more than 2 weeks" in text
    assert "  !  Shortness of breath not explained by exertion" in text
    assert "call emergency services now" in text
    assert text.endswith(NOTICE)


def test_items_add_up_to_the_total():
    result = card_only(dict(PLAIN, age=25, locations="eyelid", recent_exercise=True, stress_level=9, sleep_hours=4))
    assert sum(item.points for item in result.card.items) == result.points_total == -5


def test_the_risk_follows_the_stored_calibration_and_the_prior_shift():
    # logit P(serious cause) = intercept + slope * total in the learning mix (the numbers of
    # scoring/cards/default.calibration.json), then the odds times the ratio of the prior odds,
    # then the community recalibration of the person's age band stored in the same file.
    calibration = load_card().calibration
    from scoring.engine.populations import load_population

    enriched = load_population("enriched").prevalence("serious_cause")
    community = load_population("community").prevalence("serious_cause")
    factor = (community / (1 - community)) / (enriched / (1 - enriched))
    for vignette in (PLAIN, dict(PLAIN, duration_weeks=3), dict(PLAIN, duration_weeks=3, weakness=True)):
        result = card_only(vignette)
        trained = 1 / (1 + math.exp(-(calibration.intercept + calibration.slope * result.points_total)))
        assert result.risk.probability_trained == pytest.approx(trained, rel=1e-12)
        odds = factor * trained / (1 - trained)
        # Then the stored community recalibration of the person's age band, on the log-odds.
        from scoring.engine.risk._transport import age_band_index

        step = calibration.data["transport"]["community"]["age_bands"][int(age_band_index(vignette["age"]))]
        logit = step["intercept"] + step["slope"] * math.log(odds)
        assert result.risk.probability == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-9)
    flagged = card_only(dict(PLAIN, atrophy=True))
    assert flagged.risk.probability_trained == calibration.red_flag_probability


def test_bad_vignette_raises_with_field_value_and_allowed():
    with pytest.raises(VignetteError, match=r"age: out of range.*got 12.*allowed: a whole number from 18 to 100"):
        card_only(dict(PLAIN, age=12))


def test_points_waterfall_figure():
    from scoring.plots import points_waterfall_figure

    view = card_only(dict(PLAIN, duration_weeks=3, locations="eyelid", age=25, atrophy=True)).card
    figure = points_waterfall_figure(view)
    trace = figure.data[0]
    assert list(trace.measure) == ["relative"] * len(view.items) + ["total"]
    assert sum(trace.x[:-1]) == trace.x[-1] == view.points_total
    assert "Visible muscle wasting".lower() in figure.layout.annotations[0].text


# --------------------------------------------------------------------------------------
# Agreement with a reference triage
# --------------------------------------------------------------------------------------


def test_triage_agreement_counts_under_and_over_triage():
    reference = ["self_care", "see_doctor", "see_doctor", "urgent", "urgent"]
    predicted = ["see_doctor", "see_doctor", "self_care", "urgent", "see_doctor"]
    table = triage_agreement(reference, predicted)
    assert table.index.tolist() == ["self_care", "see_doctor", "urgent", "all"]
    assert table.loc["all", ["n", "n_correct", "n_under", "n_over"]].tolist() == [5, 2, 2, 1]
    assert table.loc["see_doctor", "under_triage"] == 0.5
    assert table.loc["self_care", "over_triage"] == 1.0
    assert triage_agreement([0, 2], [0, 2]).loc["all", "correct"] == 1.0


def test_triage_agreement_rejects_unknown_labels():
    with pytest.raises(ValueError, match="unknown recommendation 'gp'"):
        triage_agreement(["gp"], ["self_care"])


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------

PLAIN_JSON = json.dumps(dict(PLAIN, duration_weeks=3))


def test_cli_assess_one_vignette_text():
    result = CliRunner().invoke(main, ["assess", "--vignette", PLAIN_JSON])
    assert result.exit_code == 0, result.output
    assert "Recommendation: See a doctor, from the NHS advice (referral ladder) policy" in result.output
    assert "Chance of a serious cause, for adults who notice twitching:" in result.output
    # The risk policy's line reads its own threshold on the card's risk, whichever side it falls.
    risk = card_only(dict(PLAIN, duration_weeks=3))
    assert f"Risk-based: {risk.risk_policy.recommendation.label}" in result.output
    # The item's points and its likelihood ratio in the learning data (refit with the world).
    assert re.search(r"^ +\+4 +\d+\.\d  Twitching for more than 2 weeks$", result.output, re.MULTILINE)
    assert NOTICE in result.output


def test_cli_assess_json_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(PLAIN_JSON)
    result = CliRunner().invoke(main, ["assess", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["card"]["points_total"] == 4 and data["notice"] == NOTICE


@pytest.mark.parametrize(
    ("vignette", "message"),
    [
        (dict(PLAIN, age=12), "Error: age: out of range"),
        (
            dict(PLAIN, frequency="often"),
            "Error: frequency: unknown category (got 'often'; allowed: one of 'occasional', 'daily', 'constant')",
        ),
        (dict(PLAIN, colour="red"), "Error: colour: unknown field"),
    ],
)
def test_cli_bad_vignette_is_one_line_exit_2(vignette, message):
    result = CliRunner().invoke(main, ["assess", "--vignette", json.dumps(vignette)])
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_cli_bad_json_and_bad_card():
    runner = CliRunner()
    result = runner.invoke(main, ["assess", "--vignette", "{'age': 30"])
    assert result.exit_code == 2 and result.output.startswith("Error: vignette: not valid JSON")
    result = runner.invoke(main, ["assess", "--vignette", PLAIN_JSON, "--card", "nope"])
    assert result.exit_code == 2 and result.output.startswith("Error: unknown card 'nope'")
    result = runner.invoke(main, ["assess"])
    assert result.exit_code == 2 and "give exactly one of: a vignette as JSON" in result.output


def test_cli_assess_and_explain_take_a_vignette_the_same_ways(tmp_path):
    runner = CliRunner()
    case = tmp_path / "case.json"
    case.write_text(PLAIN_JSON)
    outputs = set()
    for command in ("assess", "explain"):
        for args in ([PLAIN_JSON], ["--vignette", PLAIN_JSON], [str(case)]):
            result = runner.invoke(main, [command, *args, "--json"])
            assert result.exit_code == 0, (command, args, result.output)
            data = json.loads(result.output)
            outputs.add((command, (data.get("assessment") or data)["recommendation"]))
    assert outputs == {("assess", "see_doctor"), ("explain", "see_doctor")}
    result = runner.invoke(main, ["explain", PLAIN_JSON, "--vignette", PLAIN_JSON])
    assert result.exit_code == 2 and "give the vignette once" in result.output


def test_cli_assess_csv_in_chunks_keeps_every_row(tmp_path):
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(250, seed=5)
    frame["age"] = frame["age"].astype(object)
    frame.loc[[10, 200], "age"] = [15, "old"]
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    result = CliRunner().invoke(
        main,
        ["assess", str(source), "--out", str(out), "--rejects", str(rejects), "--chunk-size", "100", "--no-progress"],
    )
    assert result.exit_code == 1, result.output
    assert "250 rows read, 248 scored, 2 rejected" in result.output
    scored = pd.read_csv(out)
    rejected = pd.read_csv(rejects)
    assert len(scored) == 248
    assert rejected["row"].tolist() == [11, 201]
    assert rejected["vignette_id"].tolist() == ["v0000011", "v0000201"]
    assert set(scored["vignette_id"]) | set(rejected["vignette_id"]) == set(frame["vignette_id"])
    expected = assess_frame(frame.drop(index=[10, 200]).astype({"age": "int64"}))
    assert scored["recommendation"].tolist() == expected.scored["recommendation"].astype(str).tolist()


def test_cli_csv_with_a_missing_column_is_one_line(tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame([{"age": 30}]).to_csv(source, index=False)
    result = CliRunner().invoke(main, ["assess", str(source), "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "missing required column" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_card_prints_card_and_risk_table():
    result = CliRunner().invoke(main, ["card"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(render_default_card_text())
    assert "Risk table" in result.output and "risk (community)" in result.output
    html = CliRunner().invoke(main, ["card", "--card", "strict", "--html"])
    assert html.exit_code == 0 and html.output.startswith('<table class="zaro-card">')


def render_default_card_text() -> str:
    from scoring.engine.card import render_card_text

    return render_card_text(load_card())


# --------------------------------------------------------------------------------------
# How soon: the time frame of the red flags that fired
# --------------------------------------------------------------------------------------

HOW_SOON = [
    pytest.param(dict(PLAIN, age=25, locations="tongue"), "within_2_weeks", id="tongue-alone-at-25"),
    pytest.param(dict(PLAIN, breathing_difficulty=True), "emergency", id="breathless-at-rest"),
    pytest.param(dict(PLAIN, sudden_onset=True), "emergency", id="sudden-onset"),
    pytest.param(dict(PLAIN, weakness=True, worsening=True, duration_weeks=2), "same_day", id="rapid-weakness"),
    pytest.param(dict(PLAIN, weakness=True, worsening=True, duration_weeks=10), "within_2_weeks", id="slow-weakness"),
    pytest.param(dict(PLAIN, bulbar=True), "same_day", id="speech-or-swallowing"),
    pytest.param(dict(PLAIN, locations="tongue", breathing_difficulty=True), "emergency", id="most-urgent-wins"),
]


@pytest.mark.parametrize(("vignette", "timeframe"), HOW_SOON)
@pytest.mark.parametrize("card", ["default", "strict"])
def test_how_soon_follows_the_most_urgent_red_flag(vignette, timeframe, card):
    result = assess(vignette, card=card)
    assert result.recommendation is URGENT
    assert result.timeframe == timeframe
    assert result.timeframe_advice
    assert result.to_dict()["timeframe"] == timeframe
    assert f"({timeframe})" not in result.summary()  # the summary says it in words
    assert "How soon: " in result.summary().splitlines()[1]


def test_tongue_twitching_alone_is_not_told_to_call_emergency_services():
    result = assess(dict(PLAIN, age=25, locations="tongue"))
    assert "within 2 weeks" in result.timeframe_advice
    assert "emergency services" not in result.advice and "doctor today" not in result.advice
    assert result.summary().splitlines()[1] == (
        "How soon: Urgent referral: see a doctor within 2 weeks. Twitching of the tongue is a sign a doctor "
        "should check soon. Ask your GP for an urgent appointment within 2 weeks. If speech or swallowing change, "
        "or breathing is hard, get help today."
    )


def test_sudden_onset_advice_names_stroke_and_fast():
    result = assess(dict(PLAIN, sudden_onset=True))
    assert "stroke" in result.timeframe_advice and "FAST" in result.timeframe_advice
    assert "Call emergency services now" in result.advice


def test_no_red_flag_no_time_frame():
    result = assess(dict(PLAIN, duration_weeks=3))
    assert result.timeframe is None and result.timeframe_advice == ""
    assert "How soon" not in result.summary()
    assert result.to_dict()["timeframe"] is None


@settings(max_examples=150, deadline=None)
@given(vignette=vignettes(sudden_onset=True))
def test_sudden_onset_is_always_an_emergency(vignette):
    result = assess(vignette)
    assert result.recommendation is URGENT and result.timeframe == "emergency"


def test_advice_is_plain_words_for_a_lay_reader():
    texts = []
    for name in list_cards():
        card = load_card(name)
        texts += [card.urgent_advice, card.tree_urgent_advice, *(b.advice for b in card.bands)]
        texts += [flag.advice for flag in card.red_flags]
    for text in texts:
        for jargon in ("decision tree", "model", "calibrat", "leaf", "envelope"):
            assert jargon not in text.lower(), (jargon, text)
    # Every band says when to come back and names the signs of low blood salts and worry.
    for name in list_cards():
        for band in load_card(name).bands:
            if band.recommendation is not URGENT:
                assert "spasm" in band.advice and "heart races" in band.advice, band.name
                assert "Worry can make twitching worse" in band.advice, band.name
                assert "emergency services" in band.advice, band.name


def test_an_old_csv_without_the_newer_columns_is_valid_and_scores_the_same(tmp_path):
    from scoring.contract.schema import validate_frame
    from scoring.engine.synth import generate_vignettes

    newer = ["sudden_onset", "fluid_loss_illness", "stiffness"]
    frame = generate_vignettes(300, seed=3).drop(columns=[*newer, "latent_cause", "triage", "narrative"])
    frame = frame.drop(columns=["vignette_id"])
    path = tmp_path / "old.csv"
    frame.to_csv(path, index=False)
    old = pd.read_csv(path)
    assert not set(newer) & set(old.columns)
    checked = validate_frame(old)
    assert checked.n_rejected_rows == 0 and (checked.valid[newer] == False).all().all()  # noqa: E712
    without = assess_frame(old).scored["recommendation"]
    explicit = assess_frame(old.assign(**{name: False for name in newer})).scored["recommendation"]
    assert without.tolist() == explicit.tolist()


def test_card_none_is_an_error_that_says_what_to_pass():
    # tree=None switches the tree off; a card is always used, so card=None is not "the default".
    with pytest.raises(CardError, match=r"card=None: a card is always used; pass a card name such as 'default'"):
        assess(PLAIN, card=None, tree=None)
    assert assess(PLAIN, tree=None).card.card_name == "default"
