"""Safety of what a person receives: more warning signs never lower it, whatever the card.

Under every shipped card (and a card without red flags), every policy and both populations:
every single-step worsening of a vignette (a warning field turning true, a location added,
more weeks, severity or frequency one step up) leaves what the person is told the same or more
cautious; it is never below the floor, the policy's own answer, nor the card's or the tree's
level shown beside it; the red flags make it urgent; the strict card is never less cautious
than the default. Under the default policy (nhs) it is never below the referral ladder.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.assessment import assess, assess_frame
from scoring.contract.features import WARNING_FIELDS
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import FIELDS, LOCATIONS, field_spec, validate_frame
from scoring.engine.card import list_cards, load_card
from scoring.engine.policies import load_policies
from scoring.engine.synth import generate_vignettes, triage_frame
from tests.strategies import vignettes

NO_RED_FLAGS_CARD = """
name = "no_red_flags"
version = "0"
description = "One item and no red flags: the guideline's red flags must still make answers urgent."
urgent_advice = "Get seen today."

[[items]]
id = "long"
label = "Twitching for more than 2 weeks"
condition = "duration_weeks > 2"
points = 1
evidence = "test card [A]"

[[bands]]
name = "low"
min_points = 0
max_points = 0
recommendation = "self_care"
advice = "Rest."

[[bands]]
name = "high"
min_points = 1
max_points = 1
recommendation = "see_doctor"
advice = "See a doctor."
"""

#: The warning fields of the contract (the yes/no fields whose turning true is more worrying).
WARNINGS = tuple(f.name for f in FIELDS if f.kind == "bool" and f.name in WARNING_FIELDS)
SEVERITY = field_spec("severity").allowed
FREQUENCY = field_spec("frequency").allowed


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("cards") / "no_red_flags.toml"
    path.write_text(NO_RED_FLAGS_CARD, encoding="utf-8")
    # The default card is "shipped"; every other card that ships joins it by name.
    others = {f"shipped {name}": load_card(name) for name in list_cards() if name != "default"}
    return {"shipped": load_card(), **others, "no red flags": load_card(path)}


def worsenings(vignette: dict[str, Any], more_weeks: float) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every single-step worsening of a vignette, named."""
    for name in WARNINGS:
        if not vignette[name]:
            yield name, {**vignette, name: True}
    for area in LOCATIONS:
        if area not in vignette["locations"]:
            yield f"+{area}", {**vignette, "locations": [*vignette["locations"], area]}
    longer = min(field_spec("duration_weeks").max, vignette["duration_weeks"] + more_weeks)
    if longer > vignette["duration_weeks"]:
        yield "longer", {**vignette, "duration_weeks": longer}
    for field, order in (("severity", SEVERITY), ("frequency", FREQUENCY)):
        step = order.index(vignette[field]) + 1
        if step < len(order):
            yield f"{field} up", {**vignette, field: order[step]}


#: Every shipped policy and both populations: the safety properties hold under each.
POLICIES = tuple(load_policies())
POPULATIONS = ("community", "enriched")


def _levels(records: list[dict[str, Any]], card: Any, policy: str, population: str) -> np.ndarray:
    """What each vignette's person is told (0-2), scored together as one frame (with the tree)."""
    frame = pd.DataFrame([{**r, "locations": ";".join(r["locations"])} for r in records])
    scored = assess_frame(frame, card=card, policy=policy, population=population).scored
    return scored["recommendation"].cat.codes.to_numpy()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vignette=vignettes(), more_weeks=st.floats(0.01, 200, allow_nan=False))
def test_no_single_worsening_lowers_the_combined_recommendation_under_any_card_policy_or_population(
    cards, vignette, more_weeks
):
    steps = list(worsenings(vignette, more_weeks))
    records = [vignette, *(worse for _, worse in steps)]
    for card_name, card in cards.items():
        for policy in POLICIES:
            for population in POPULATIONS:
                levels = _levels(records, card, policy, population)
                for (step, _), after in zip(steps, levels[1:]):
                    assert after >= levels[0], f"{card_name} card, {policy}, {population}, {step}: {vignette}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vignette=vignettes())
def test_the_answer_is_never_below_the_floor_the_policy_or_a_model_shown_beside_it(cards, vignette):
    from scoring.contract.features import encode_vignette
    from scoring.contract.schema import validate_vignette
    from scoring.engine.ladder import load_triage_ladder

    encoded = encode_vignette(validate_vignette(vignette))
    ladder = max(
        (Recommendation(rule.level) for rule in load_triage_ladder() if rule.condition.evaluate(encoded)),
        default=Recommendation.SELF_CARE,
    )
    for card in cards.values():
        for policy in POLICIES:
            a = assess(vignette, card=card, policy=policy)
            chosen = a.risk_policy if policy == "risk" else a.guideline
            shown = [chosen.recommendation, a.floor.recommendation, a.card.recommendation]
            # The tree's level is the risk policy's reading of its risk: it counts under that policy.
            if policy == "risk":
                shown.append(a.tree.recommendation)
            assert a.recommendation == max(shown)
            assert all(a.recommendation >= level for level in shown)
            for name, level in zip(("policy", "card", "tree"), (shown[0], *shown[2:])):
                said = [
                    line
                    for line in a.not_followed
                    if line.startswith(
                        "The " + {"policy": f"{policy} policy", "card": "points card", "tree": "decision tree"}[name]
                    )
                ]
                assert bool(said) == (level < a.recommendation), (name, a.not_followed)
            if policy == "nhs":
                assert a.recommendation >= ladder
                assert a.guideline.recommendation >= ladder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vignette=vignettes())
def test_every_policy_is_urgent_on_a_red_flag_and_reports_both_answers(cards, vignette):
    for card in cards.values():
        for policy in POLICIES:
            assessment = assess(vignette, card=card, policy=policy, tree=None)
            assert assessment.guideline is not None and assessment.risk_policy is not None
            if assessment.card.red_flags or assessment.guideline_red_flags:
                assert assessment.recommendation is Recommendation.URGENT
                assert assessment.risk_policy.recommendation is Recommendation.URGENT
                assert assessment.timeframe is not None
            chosen = assessment.risk_policy if policy == "risk" else assessment.guideline
            assert chosen.policy == policy
            assert assessment.recommendation >= chosen.recommendation
            assert assessment.recommendation is max(
                chosen.recommendation, assessment.floor.recommendation, assessment.card.recommendation
            )


@settings(max_examples=40, deadline=None)
@given(vignette=vignettes())
def test_the_strict_card_is_never_less_cautious_than_the_default_under_any_policy(vignette):
    for policy in POLICIES:
        for population in POPULATIONS:
            default = assess(vignette, policy=policy, population=population).recommendation
            strict = assess(vignette, card="strict", policy=policy, population=population).recommendation
            assert strict >= default, (policy, population)


@pytest.mark.parametrize("policy", POLICIES)
def test_the_strict_card_is_never_less_cautious_than_the_default_on_generated_vignettes(policy):
    frame = validate_frame(generate_vignettes(20_000, seed=77).drop(columns=["narrative"]), extra="keep").valid
    default = assess_frame(frame, policy=policy, extra="keep").scored["recommendation"].cat.codes.to_numpy()
    strict = assess_frame(frame, card="strict", policy=policy, extra="keep").scored["recommendation"].cat.codes
    assert (strict.to_numpy() >= default).all()


def test_the_floor_sets_the_answer_where_the_risk_policy_would_say_self_care():
    # A young person with stiff calf muscles: a low risk, but NG127 refers fasciculations with
    # rigidity, so the floor sends them to a doctor and says so.
    vignette = {
        "age": 25,
        "duration_weeks": 1,
        "frequency": "daily",
        "severity": "minor",
        "locations": "calf",
        "stiffness": True,
    }
    a = assess(vignette, policy="risk")
    assert a.risk_policy.recommendation is Recommendation.SELF_CARE
    assert a.recommendation is Recommendation.SEE_DOCTOR and a.set_by_floor
    assert a.floor.reasons == ("Stiff or rigid muscles with the twitching",)
    assert (
        "The risk policy says self_care; the answer (see_doctor) follows the floor: Stiff or rigid" in a.not_followed[0]
    )
    scored = assess_frame(pd.DataFrame([vignette]), policy="risk").scored
    assert scored["decided_by"].tolist() == ["floor"] and scored["floor_recommendation"].tolist() == ["see_doctor"]


def test_self_care_advice_never_lists_a_reason_to_see_a_doctor_the_person_has():
    # Three weeks of calf twitching: the NHS page would send them to a GP; the risk policy
    # advises self-care, and its text must not list "twitching for more than 2 weeks".
    vignette = {"age": 25, "duration_weeks": 3, "frequency": "daily", "severity": "minor", "locations": "calf"}
    a = assess(vignette, policy="risk")
    assert a.recommendation is Recommendation.SELF_CARE
    assert "twitching for more than 2 weeks" not in a.advice.lower()
    assert "some things are worth a routine check with a GP: twitching in more than one place" in a.advice
    short = assess({**vignette, "duration_weeks": 1}, policy="risk")
    assert "twitching for more than 2 weeks" in short.advice


EXAMPLE = {
    "age": 23,
    "duration_weeks": 0.5,
    "frequency": "daily",
    "severity": "pronounced",
    "locations": ["thigh"],
    "worsening": True,
    "numbness": True,
}


def test_the_reported_example_never_gets_less_cautious_as_it_worsens():
    # Once reported because a second place lowered the answer (the tree's leaves were not
    # monotone); the tree no longer decides, and the ladder sends all three to a doctor.
    answers = [
        assess({**EXAMPLE, **change}).recommendation
        for change in ({}, {"locations": ["thigh", "calf"]}, {"duration_weeks": 3})
    ]
    assert answers[0] is Recommendation.SEE_DOCTOR
    assert all(answer >= answers[0] for answer in answers)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("tree", [None, "default"], ids=["card only", "with the tree"])
def test_guideline_red_flags_are_a_floor_no_card_removes(cards, tree, policy):
    vignette = {
        "age": 40,
        "duration_weeks": 1,
        "frequency": "daily",
        "severity": "minor",
        "locations": ["tongue"],
        "bulbar": True,
        "breathing_difficulty": True,
        "atrophy": True,
    }
    assessment = assess(vignette, card=cards["no red flags"], tree=tree, policy=policy)
    assert assessment.card.recommendation is Recommendation.SELF_CARE
    assert assessment.recommendation is Recommendation.URGENT
    assert set(assessment.guideline_red_flags) == {"atrophy", "bulbar", "tongue_twitching", "breathing_difficulty"}
    assert assessment.advice == "Get seen today."
    scored = assess_frame(pd.DataFrame([vignette]), card=cards["no red flags"], tree=tree, policy=policy).scored
    assert list(scored["recommendation"]) == ["urgent"]


# ---------------------------------------------------------------------- 200k generated vignettes


def _with_location(locations: pd.Series, area: str) -> pd.Series:
    text = locations.astype(str)
    categories = pd.unique(text)
    added = {c: c if area in c.split(";") else f"{c};{area}" for c in categories}
    return text.map(added)


def frame_worsenings(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame, np.ndarray]]:
    """Each single-step worsening applied to every row; the mask marks the rows it changes."""
    for name in WARNINGS:
        yield name, frame.assign(**{name: True}), ~frame[name].to_numpy(dtype=bool)
    for area in LOCATIONS:
        changed = _with_location(frame["locations"], area)
        yield f"+{area}", frame.assign(locations=changed), (changed != frame["locations"].astype(str)).to_numpy()
    weeks = frame["duration_weeks"].to_numpy()
    maximum = field_spec("duration_weeks").max
    for factor, extra in ((1.0, 0.5), (1.0, 2.0), (2.0, 1.0)):
        longer = np.minimum(weeks * factor + extra, maximum)
        yield f"duration x{factor}+{extra}", frame.assign(duration_weeks=longer), longer > weeks
    for field, order in (("severity", SEVERITY), ("frequency", FREQUENCY)):
        codes = pd.Categorical(frame[field].astype(str), categories=list(order)).codes
        up = np.minimum(codes + 1, len(order) - 1)
        values = pd.Categorical.from_codes(up, categories=list(order))
        yield f"{field} up", frame.assign(**{field: values}), up > codes


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("card_name", ["shipped", "shipped learned", "no red flags"])
def test_no_worsening_lowers_the_recommendation_of_200k_generated_vignettes(cards, card_name, policy):
    started = time.perf_counter()
    frame = validate_frame(generate_vignettes(200_000, seed=7).drop(columns=["narrative"]), extra="keep").valid
    card = cards[card_name]
    before = assess_frame(frame, card=card, policy=policy).scored["recommendation"].cat.codes.to_numpy()
    decreases = {}
    for step, worse, changed in frame_worsenings(frame):
        after = (
            assess_frame(worse, card=card, policy=policy, extra="keep").scored["recommendation"].cat.codes.to_numpy()
        )
        decreases[step] = int(((after < before) & changed).sum())
    assert decreases == dict.fromkeys(decreases, 0)
    assert time.perf_counter() - started < 300


@pytest.mark.parametrize("policy", POLICIES)
def test_the_frame_and_the_single_vignette_combine_alike(policy):
    frame = validate_frame(generate_vignettes(300, seed=5).drop(columns=["narrative"]), extra="keep").valid
    scored = assess_frame(frame, extra="keep", policy=policy).scored
    records = frame.drop(columns=["vignette_id", "latent_cause", "triage"]).to_dict("records")
    single = [assess({**r, "locations": r["locations"].split(";")}, policy=policy) for r in records]
    assert list(scored["recommendation"].cat.codes) == [a.recommendation.level for a in single]
    assert list(scored["guideline_recommendation"].astype(str)) == [a.guideline.recommendation.value for a in single]
    assert list(scored["risk_policy_recommendation"].astype(str)) == [
        a.risk_policy.recommendation.value for a in single
    ]
    assert np.array_equal(scored["risk_serious_cause"].to_numpy(), [a.risk.probability for a in single])
    assert np.array_equal(scored["tree_risk_serious_cause"].to_numpy(), [a.tree_risk.probability for a in single])
    assert list(scored["tree_recommendation"].astype(str)) == [a.tree.recommendation.value for a in single]
    assert list(scored["agree"]) == [a.agree for a in single]
    assert list(scored["floor_recommendation"].astype(str)) == [a.floor.recommendation.value for a in single]
    assert list(scored["decided_by"].astype(str)) == [a.decided_by for a in single]
    assert list(scored["timeframe"].astype(object).where(scored["timeframe"].notna(), None)) == [
        a.timeframe for a in single
    ]
    if policy == "nhs":
        ladder = triage_frame(frame).cat.codes.to_numpy()
        assert (scored["guideline_recommendation"].cat.codes.to_numpy() == ladder).all()
        assert (scored["recommendation"].cat.codes.to_numpy() >= ladder).all()


# --------------------------------------------------------------------------------------
# The newer warning fields and the time frame
# --------------------------------------------------------------------------------------

NEWER_WARNINGS = ("sudden_onset", "fluid_loss_illness", "stiffness")


def test_the_newer_fields_count_as_warning_fields():
    # The worsening steps above read WARNING_FIELDS.
    assert set(NEWER_WARNINGS) <= set(WARNINGS)
    from scoring.contract.features import feature_spec

    assert all(feature_spec(name).worse == 1 for name in NEWER_WARNINGS)


def _urgency(timeframe: str | None) -> int:
    from scoring.contract.recommendation import TIMEFRAMES

    return -1 if timeframe is None else TIMEFRAMES.index(timeframe)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vignette=vignettes(), field=st.sampled_from(WARNINGS))
def test_adding_a_warning_field_never_lowers_the_answer_or_makes_it_less_urgent(cards, vignette, field):
    for card_name, card in cards.items():
        before = assess(vignette, card=card)
        after = assess({**vignette, field: True}, card=card)
        assert after.recommendation >= before.recommendation, f"{card_name} card, {field}"
        assert _urgency(after.timeframe) >= _urgency(before.timeframe), f"{card_name} card, {field}"


#: The rules whose time frame the guidance relaxes when the course is longer (NG127, as in
#: docs/clinical.md "How soon"): weakness getting worse within about 4 weeks is same-day
#: assessment; getting worse over a longer course, an urgent referral within 2 weeks.
RELAXED_BY_A_LONGER_COURSE = ("rapid_weakness",)


def test_weakness_getting_worse_is_same_day_within_4_weeks_and_urgent_referral_after():
    worsening = {
        "age": 45,
        "frequency": "daily",
        "severity": "minor",
        "locations": "calf",
        "weakness": True,
        "worsening": True,
    }
    assert assess({**worsening, "duration_weeks": 2}).timeframe == "same_day"
    assert assess({**worsening, "duration_weeks": 8}).timeframe == "within_2_weeks"


@settings(max_examples=150, deadline=None)
@given(vignette=vignettes(), extra_weeks=st.sampled_from([0.5, 2, 4, 26]))
def test_more_weeks_relax_the_time_frame_only_through_the_listed_rules(vignette, extra_weeks):
    before = assess(vignette)
    longer = min(520.0, float(vignette["duration_weeks"]) + extra_weeks)
    after = assess({**vignette, "duration_weeks": longer})
    assert after.recommendation >= before.recommendation
    if _urgency(after.timeframe) < _urgency(before.timeframe):
        assert set(before.guideline_red_flags) & set(RELAXED_BY_A_LONGER_COURSE), (before.timeframe, after.timeframe)
