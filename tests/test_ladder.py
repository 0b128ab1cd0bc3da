"""The reference triage ladder: its file, its schema messages and its red flags."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.contract.features import Features, encode_vignette
from scoring.contract.schema import vignettes_to_frame
from scoring.engine import ladder
from scoring.engine.ladder import LadderError, load_triage_ladder, red_flag_rules, red_flags_fired, triage_levels
from tests.strategies import old_vignettes, vignettes

LADDER_TEXT = ladder.TRIAGE_FILE.read_text(encoding="utf-8")
CALM = {"age": 30, "duration_weeks": 1.0, "frequency": "daily", "severity": "minor", "locations": "eyelid"}


def test_red_flag_rules_are_the_urgent_rules_in_file_order():
    rules = red_flag_rules()
    assert [r.id for r in rules] == [r.id for r in load_triage_ladder() if r.level == "urgent"]
    assert "tongue_twitching" in {r.id for r in rules}


def test_red_flags_fired_on_a_frame_and_on_one_vignette_agree():
    rows = [CALM, {**CALM, "locations": "tongue"}, {**CALM, "weakness": True, "worsening": True}]
    frame = vignettes_to_frame(rows)
    fired = red_flags_fired(Features(frame))
    assert fired.tolist() == [False, True, True]
    assert [bool(red_flags_fired(encode_vignette(row))) for row in rows] == fired.tolist()
    assert (triage_levels(Features(frame))[fired] == 2).all()


BROKEN_LADDERS = [
    pytest.param(
        ('level = "see_doctor"\nwhen = "duration_weeks > 2"', 'level = "self_care"\nwhen = "duration_weeks > 2"'),
        r"triage\.toml: rule 'over_two_weeks': unknown level 'self_care'; use one of urgent, see_doctor "
        r"\(self_care is what remains when no rule fires\)",
        id="self-care-rule",
    ),
    pytest.param(
        ('when = "loc_tongue"', 'when = "loc_tung"'),
        r"triage\.toml: rule 'tongue_twitching': condition 'loc_tung': unknown feature 'loc_tung'",
        id="unknown-feature",
    ),
    pytest.param(
        ('id = "atrophy"', 'id = "bulbar"'),
        r"triage\.toml: rule 'bulbar': the id is used twice; give each rule its own id",
        id="duplicate-id",
    ),
    pytest.param(
        ('description = "Visible muscle wasting."\n', 'description = "Visible muscle wasting."\npoints = 3\n'),
        r"triage\.toml: rule 'atrophy': unknown key 'points'; allowed keys are advice, description, id, level, source, timeframe, when",
        id="unknown-key",
    ),
    pytest.param(
        ('description = "Visible muscle wasting."\n', ""),
        r"triage\.toml: rule 'atrophy': missing 'description'; add description = \.\.\.",
        id="missing-key",
    ),
    pytest.param(
        ('timeframe = "emergency"\nadvice = "This could be a stroke.', 'advice = "This could be a stroke.'),
        r"triage\.toml: rule 'sudden_onset': an urgent rule needs a time frame; add timeframe = one of "
        r"within_2_weeks, same_day, emergency",
        id="urgent-without-timeframe",
    ),
    pytest.param(
        (
            'timeframe = "emergency"\nadvice = "This could be a stroke.',
            'timeframe = "soon"\nadvice = "This could be a stroke.',
        ),
        r"triage\.toml: rule 'sudden_onset': unknown timeframe 'soon'; use one of within_2_weeks, same_day, "
        r"emergency$",
        id="unknown-timeframe",
    ),
    pytest.param(
        ('when = "stiffness"\n', 'when = "stiffness"\ntimeframe = "same_day"\n'),
        r"triage\.toml: rule 'stiffness': timeframe 'same_day' is for urgent rules only; remove it or set "
        r'level = "urgent"',
        id="timeframe-on-a-routine-rule",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN_LADDERS)
def test_a_broken_ladder_is_reported_by_rule(tmp_path, change, message):
    old, new = change
    assert old in LADDER_TEXT
    path = tmp_path / "triage.toml"
    path.write_text(LADDER_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LadderError, match=message):
        load_triage_ladder(path)


def test_an_empty_ladder_is_refused(tmp_path):
    path = tmp_path / "triage.toml"
    path.write_text("# no rules\n", encoding="utf-8")
    with pytest.raises(LadderError, match=r"triage\.toml: ladder: missing 'rule'"):
        load_triage_ladder(path)


def test_levels_are_int8_codes():
    levels = triage_levels(Features(vignettes_to_frame([CALM, {**CALM, "duration_weeks": 3.0}])))
    assert levels.dtype == np.int8 and levels.tolist() == [0, 1]


@settings(max_examples=100, deadline=None)
@given(data=st.lists(vignettes(), min_size=1, max_size=6))
def test_a_red_flag_always_means_urgent_and_only_red_flags_do(data):
    features = Features(vignettes_to_frame(data))
    fired = red_flags_fired(features)
    levels = triage_levels(features)
    assert ((levels == 2) == fired).all()
    assert [bool(red_flags_fired(encode_vignette(v))) for v in data] == fired.tolist()


# The ladder as it was before the three newer fields and the severity clause, as an oracle:
# a vignette written without the newer fields gets the same label unless a rule listed in
# CHANGED_RULES fires for it.
PREVIOUS_LADDER = {
    "progressive_weakness": ("urgent", "weakness and worsening"),
    "atrophy": ("urgent", "atrophy"),
    "bulbar": ("urgent", "bulbar"),
    "tongue_twitching": ("urgent", "loc_tongue"),
    "breathing_difficulty": ("urgent", "breathing_difficulty"),
    "rapid_weakness": ("urgent", "weakness and worsening and duration_weeks < 4"),
    "over_two_weeks": ("see_doctor", "duration_weeks > 2"),
    "several_areas": ("see_doctor", "n_locations >= 2"),
    "weakness": ("see_doctor", "weakness"),
    "numbness": ("see_doctor", "numbness"),
    "medication_review": ("see_doctor", "stimulant_medication"),
    "diuretic": ("see_doctor", "diuretic_use"),
    "family_history": ("see_doctor", "family_history_als"),
    "older_persistent": ("see_doctor", "age >= 50 and duration_weeks > 4"),
}

#: Rules that can change the label of a vignette without the newer fields (the others need them).
CHANGED_RULES = ("pronounced",)


def test_previous_rules_are_kept_unchanged():
    now = {rule.id: (rule.level, rule.when) for rule in load_triage_ladder()}
    assert {rule_id: now[rule_id] for rule_id in PREVIOUS_LADDER} == PREVIOUS_LADDER
    added = set(now) - set(PREVIOUS_LADDER)
    assert added == {"sudden_onset", "pronounced", "stiffness", "fluid_loss", "feels_weak"}


@settings(max_examples=300, deadline=None)
@given(vignette=old_vignettes())
def test_an_old_vignette_keeps_its_label_unless_a_changed_rule_fires(vignette):
    from scoring.contract.features import parse_condition
    from scoring.contract.recommendation import LEVELS

    encoded = encode_vignette(vignette)
    before = max(
        (LEVELS.index(level) for level, when in PREVIOUS_LADDER.values() if parse_condition(when).evaluate(encoded)),
        default=0,
    )
    after = int(triage_levels(Features(vignettes_to_frame([vignette])))[0])
    fired = {rule.id for rule in load_triage_ladder() if rule.condition.evaluate(encoded)}
    if not fired & set(CHANGED_RULES):
        assert after == before
    else:
        assert after >= before


def test_every_urgent_rule_says_how_soon_and_what_to_do():
    for rule in red_flag_rules():
        assert rule.timeframe in ("within_2_weeks", "same_day", "emergency"), rule.id
        assert rule.advice, rule.id
    assert all(rule.timeframe is None for rule in load_triage_ladder() if rule.level == "see_doctor")


@pytest.mark.parametrize(
    ("changes", "timeframe"),
    [
        pytest.param({"breathing_difficulty": True}, "emergency", id="breathless-at-rest"),
        pytest.param({"sudden_onset": True}, "emergency", id="sudden-onset"),
        pytest.param({"bulbar": True}, "same_day", id="speech-or-swallowing"),
        pytest.param({"weakness": True, "worsening": True, "duration_weeks": 2.0}, "same_day", id="rapid-weakness"),
        pytest.param(
            {"weakness": True, "worsening": True, "duration_weeks": 10.0}, "within_2_weeks", id="slow-weakness"
        ),
        pytest.param({"atrophy": True}, "within_2_weeks", id="wasting"),
        pytest.param({"locations": "tongue"}, "within_2_weeks", id="tongue-alone"),
    ],
)
def test_time_frame_of_each_red_flag(changes, timeframe):
    from scoring.contract.recommendation import most_urgent_timeframe

    fired = ladder.timeframes_fired(encode_vignette({**CALM, **changes}))
    assert most_urgent_timeframe(fired.values()) == timeframe
