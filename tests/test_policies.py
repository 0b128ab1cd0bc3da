"""Recommendation policies as data: the shipped file, the threshold mapping and bad files."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine.ladder import red_flag_rules
from scoring.engine.policies import (
    DEFAULT_POLICY,
    POLICIES_FILE,
    PolicyError,
    load_floor,
    load_policies,
    load_policy,
    threshold_from_ratio,
)


def test_shipped_policies_nhs_is_the_default_and_risk_thresholds_rise():
    policies = load_policies()
    assert list(policies) == ["nhs", "ng127", "risk"]
    assert load_policy().id == DEFAULT_POLICY == "nhs"
    risk = policies["risk"]
    assert risk.outcome == "serious_cause"
    values = [t.at_least for t in risk.thresholds]
    assert values == sorted(values) and all(0 < v < 1 for v in values)
    for threshold in risk.thresholds:
        # Each threshold is what its stated harm-to-benefit ratio implies.
        assert threshold.at_least == pytest.approx(threshold_from_ratio(threshold.harm_to_benefit), abs=5e-5)
        assert threshold.reason


def test_risk_levels_take_the_highest_threshold_reached():
    risk = load_policy("risk")
    low, high = (t.at_least for t in risk.thresholds)
    levels = risk.risk_levels([0.0, low - 1e-9, low, (low + high) / 2, high, 1.0])
    assert levels.tolist() == [0, 0, 1, 1, 2, 2]


@given(st.lists(st.floats(0, 1), min_size=2, max_size=30))
def test_risk_levels_never_fall_as_the_risk_rises(risks):
    ordered = np.sort(np.asarray(risks))
    assert (np.diff(load_policy("risk").risk_levels(ordered).astype(int)) >= 0).all()


def test_unknown_policy_names_the_known_ones():
    with pytest.raises(PolicyError, match="unknown policy 'cautious'; use one of nhs, ng127, risk"):
        load_policy("cautious")


def test_the_guideline_policies_have_no_risk_thresholds():
    for name in ("nhs", "ng127"):
        with pytest.raises(PolicyError, match="guideline policy: it has no risk thresholds"):
            load_policy(name).risk_levels([0.5])


def test_the_old_guideline_id_still_works_and_says_its_new_name():
    with pytest.warns(DeprecationWarning, match="policy 'guideline' is now called 'nhs'; use 'nhs'"):
        assert load_policy("guideline") is load_policy("nhs")


def test_every_rule_cites_its_recommendation_as_docs_clinical_cites_it():
    for rule in (*load_floor().rules, *(r for p in load_policies().values() for r in p.rules)):
        assert rule.source.startswith("docs/clinical.md §2"), rule.id
        if rule.id.startswith("ng127_"):
            assert re.search(r"NG127 1\.\d+", rule.source), rule.id


def test_the_floor_holds_every_red_flag_and_ng127s_must_refers():
    floor = {rule.id for rule in load_floor().rules}
    assert {rule.id for rule in red_flag_rules()} <= floor
    assert {"ng127_weakness", "ng127_rigidity", "ng127_eyelid_over_3_months"} <= floor


def test_ng127_refers_fasciculations_only_with_weakness_wasting_or_rigidity_and_eyelids_after_3_months():
    ng127, nhs = load_policy("ng127"), load_policy("nhs")
    ids = {rule.id for rule in ng127.rules}
    assert {"over_two_weeks", "several_areas", "pronounced", "older_persistent", "numbness"}.isdisjoint(ids)
    assert {"over_two_weeks", "several_areas"} <= {rule.id for rule in nhs.rules}
    eyelid = next(rule for rule in ng127.rules if rule.id == "ng127_eyelid_over_3_months")
    assert eyelid.when == "loc_eyelid and duration_weeks > 13"


FLOOR = """
[floor]
label = "Floor"
description = "Never below."
rules = ["progressive_weakness", "atrophy", "bulbar", "tongue_twitching", "breathing_difficulty",
         "rapid_weakness", "sudden_onset"{floor_extra}]
"""

GOOD_RISK = """
{floor}
{rules}
[[policies]]
id = "guideline"
kind = "guideline"
default = true
label = "Guideline"
description = "The ladder."
rules = ["atrophy", "over_two_weeks"{policy_extra}]

[[policies]]
id = "risk"
kind = "risk"
default = false
label = "Risk"
description = "Thresholds."
outcome = "serious_cause"
{thresholds}
"""

SEE = """
[[policies.thresholds]]
recommendation = "see_doctor"
at_least = {at}
harm_to_benefit = "{ratio}"
reason = "Cheap visit."
"""

URGENT = """
[[policies.thresholds]]
recommendation = "urgent"
at_least = {at}
harm_to_benefit = "{ratio}"
timeframe = "within_2_weeks"
reason = "Scarce slot."
"""


def _file(thresholds, *, floor_extra="", rules="", policy_extra="", floor=None):
    """A policy file: the floor, extra [[rules]], a guideline policy and a risk policy."""
    floor = FLOOR.format(floor_extra=floor_extra) if floor is None else floor
    return GOOD_RISK.format(floor=floor, rules=rules, policy_extra=policy_extra, thresholds=thresholds)


def _load(tmp_path, text):
    path = tmp_path / "policies.toml"
    path.write_text(text)
    load_policies.cache_clear()
    try:
        return load_policies(path)
    finally:
        load_policies.cache_clear()


def test_a_well_formed_file_loads(tmp_path):
    text = _file(
        SEE.format(at=0.1, ratio="1:9") + URGENT.format(at=0.5, ratio="1:1"),
    )
    policies = _load(tmp_path, text)
    assert [t.at_least for t in policies["risk"].thresholds] == [0.1, 0.5]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        (SEE.format(at=1.5, ratio="1:9"), r"threshold 1: at_least = 1.5 is out of range.*a share"),
        (SEE.format(at=0, ratio="1:9"), r"threshold 1: at_least = 0.0 is out of range"),
        (
            SEE.format(at=0.5, ratio="1:1") + URGENT.format(at=0.1, ratio="1:9"),
            r"threshold 2 \(urgent\): at_least = 0.1 is not above the previous threshold \(0.5\)",
        ),
        (SEE.format(at=0.2, ratio="1:9"), r"at_least = 0.2 does not match harm_to_benefit '1:9'.*0.1000"),
        (SEE.format(at=0.1, ratio="one to nine"), r"'one to nine' is not a ratio of two positive numbers"),
        ("", r"a risk policy needs at least one \[\[policies.thresholds\]\] table"),
        (
            URGENT.format(at=0.5, ratio="1:1") + SEE.format(at=0.6, ratio="3:2"),
            r"thresholds must go from less to more cautious advice",
        ),
        (SEE.replace('reason = "Cheap visit."\n', "").format(at=0.1, ratio="1:9"), r"missing 'reason'"),
    ],
)
def test_bad_thresholds_name_the_file_the_policy_and_the_fix(tmp_path, thresholds, message):
    with pytest.raises(PolicyError, match=r"^policies.toml: policy 'risk'.*" + message):
        _load(tmp_path, _file(thresholds))


def test_an_unknown_outcome_lists_the_outcomes(tmp_path):
    text = _file(SEE.format(at=0.1, ratio="1:9")).replace("serious_cause", "death")
    with pytest.raises(PolicyError, match="unknown outcome 'death'; use one of serious_cause, any_cause"):
        _load(tmp_path, text)


def test_the_default_must_be_a_guideline_policy(tmp_path):
    text = _file(SEE.format(at=0.1, ratio="1:9"))
    text = text.replace("default = true", "default = false", 1).replace(
        'default = false\nlabel = "Risk"', 'default = true\nlabel = "Risk"'
    )
    with pytest.raises(PolicyError, match="the default policy must be a guideline policy"):
        _load(tmp_path, text)


def test_exactly_one_default(tmp_path):
    text = _file(SEE.format(at=0.1, ratio="1:9")).replace("default = true", "default = false")
    with pytest.raises(PolicyError, match=r"exactly one policy must have default = true \(found: none\)"):
        _load(tmp_path, text)


def test_an_unknown_key_lists_the_allowed_ones(tmp_path):
    text = _file(SEE.format(at=0.1, ratio="1:9")).replace('kind = "risk"', 'kind = "risk"\ncolour = "red"')
    with pytest.raises(PolicyError, match="policy 'risk': unknown key 'colour'; allowed keys are"):
        _load(tmp_path, text)


def test_the_shipped_file_is_the_one_loaded():
    assert POLICIES_FILE.name == "policies.toml" and POLICIES_FILE.is_file()


EXTRA_RULE = """
[[rules]]
id = "calf_long"
level = "{level}"
when = "{when}"
description = "Calf twitching for long."
source = "docs/clinical.md §2 (test)"
{more}
"""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"floor_extra": ', "calf_cramp"'},
            r"^policies.toml: \[floor\]: unknown rule 'calf_cramp'; use a rule id of triage.toml or of the "
            r"\[\[rules\]\] of policies.toml \(.*\), or add a \[\[rules\]\] table with id = 'calf_cramp'$",
        ),
        (
            {"policy_extra": ', "calf_cramp"'},
            r"^policies.toml: policy 'guideline': unknown rule 'calf_cramp'; use a rule id of triage.toml",
        ),
        (
            {"rules": EXTRA_RULE.format(level="see_doctor", when="calf_size > 2", more="")},
            r"^policies.toml: rule 'calf_long': .*calf_size.*; write `when` in the condition language",
        ),
        (
            {
                "rules": EXTRA_RULE.format(
                    level="urgent", when="loc_calf", more='timeframe = "next_month"\nadvice = "Go."'
                )
            },
            r"^policies.toml: rule 'calf_long': unknown timeframe 'next_month'; use one of within_2_weeks, same_day, emergency$",
        ),
        (
            {"rules": EXTRA_RULE.format(level="urgent", when="loc_calf", more="")},
            r"^policies.toml: rule 'calf_long': an urgent rule needs a time frame; add timeframe = one of",
        ),
        (
            {"rules": EXTRA_RULE.format(level="see_doctor", when="loc_calf", more="").replace("calf_long", "atrophy")},
            r"^policies.toml: rule 'atrophy': the id is used twice; give each rule its own id$",
        ),
        (
            {"floor": FLOOR.format(floor_extra="").replace('"atrophy", ', "")},
            r"^policies.toml: \[floor\]: the floor must hold every red flag of the referral ladder; add 'atrophy'",
        ),
        (
            {"floor": ""},
            r"^policies.toml: missing the \[floor\] table; add \[floor\] with label, description and rules",
        ),
        (
            {"policy_extra": ', "atrophy"'},
            r"^policies.toml: policy 'guideline': rule 'atrophy' is listed twice; list each rule once$",
        ),
    ],
    ids=[
        "unknown floor rule",
        "unknown policy rule",
        "unknown field",
        "unknown time frame",
        "urgent without time frame",
        "repeated id",
        "floor without a red flag",
        "no floor",
        "rule listed twice",
    ],
)
def test_a_file_naming_an_unknown_rule_field_or_time_frame_names_the_file_the_entry_and_the_fix(
    tmp_path, options, message
):
    with pytest.raises(PolicyError, match=message):
        _load(tmp_path, _file(SEE.format(at=0.1, ratio="1:9"), **options))


def test_a_well_formed_extra_rule_joins_the_floor(tmp_path):
    text = _file(
        SEE.format(at=0.1, ratio="1:9"),
        rules=EXTRA_RULE.format(level="see_doctor", when="loc_calf and duration_weeks > 8", more=""),
        floor_extra=', "calf_long"',
    )
    path = tmp_path / "policies.toml"
    path.write_text(text)
    load_policies.cache_clear()
    try:
        assert load_floor(path).rules[-1].when == "loc_calf and duration_weeks > 8"
    finally:
        load_policies.cache_clear()


def test_an_alias_must_point_to_a_policy(tmp_path):
    text = _file(SEE.format(at=0.1, ratio="1:9")) + '\n[aliases]\nladder = "nhs"\n'
    with pytest.raises(
        PolicyError,
        match=r"^policies.toml: \[aliases\]: 'ladder' points to unknown policy 'nhs'; use one of guideline, risk$",
    ):
        _load(tmp_path, text)
