"""The reference triage ladder: its file, its schema messages and its red flags."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import vignettes

from scoring.contract.features import Features, encode_vignette
from scoring.contract.schema import vignettes_to_frame
from scoring.engine import ladder
from scoring.engine.ladder import LadderError, load_triage_ladder, red_flag_rules, red_flags_fired, triage_levels

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
