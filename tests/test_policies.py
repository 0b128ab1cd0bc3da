"""Recommendation policies as data: the shipped file, the threshold mapping and bad files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine.policies import (
    DEFAULT_POLICY,
    POLICIES_FILE,
    PolicyError,
    load_policies,
    load_policy,
    threshold_from_ratio,
)


def test_shipped_policies_guideline_is_the_default_and_risk_thresholds_rise():
    policies = load_policies()
    assert list(policies) == ["guideline", "risk"]
    assert load_policy().id == DEFAULT_POLICY == "guideline"
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
    with pytest.raises(PolicyError, match="unknown policy 'cautious'; use one of guideline, risk"):
        load_policy("cautious")


def test_the_guideline_policy_has_no_risk_thresholds():
    with pytest.raises(PolicyError, match="guideline policy: it has no risk thresholds"):
        load_policy("guideline").risk_levels([0.5])


GOOD_RISK = """
[[policies]]
id = "guideline"
kind = "guideline"
default = true
label = "Guideline"
description = "The ladder."

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


def _load(tmp_path, text):
    path = tmp_path / "policies.toml"
    path.write_text(text)
    load_policies.cache_clear()
    try:
        return load_policies(path)
    finally:
        load_policies.cache_clear()


def test_a_well_formed_file_loads(tmp_path):
    text = GOOD_RISK.format(
        thresholds=SEE.format(at=0.1, ratio="1:9") + URGENT.format(at=0.5, ratio="1:1"),
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
        _load(tmp_path, GOOD_RISK.format(thresholds=thresholds))


def test_an_unknown_outcome_lists_the_outcomes(tmp_path):
    text = GOOD_RISK.format(thresholds=SEE.format(at=0.1, ratio="1:9")).replace("serious_cause", "death")
    with pytest.raises(PolicyError, match="unknown outcome 'death'; use one of serious_cause, any_cause"):
        _load(tmp_path, text)


def test_the_default_must_be_a_guideline_policy(tmp_path):
    text = GOOD_RISK.format(thresholds=SEE.format(at=0.1, ratio="1:9"))
    text = text.replace("default = true", "default = false", 1).replace(
        'default = false\nlabel = "Risk"', 'default = true\nlabel = "Risk"'
    )
    with pytest.raises(PolicyError, match="the default policy must be a guideline policy"):
        _load(tmp_path, text)


def test_exactly_one_default(tmp_path):
    text = GOOD_RISK.format(thresholds=SEE.format(at=0.1, ratio="1:9")).replace("default = true", "default = false")
    with pytest.raises(PolicyError, match=r"exactly one policy must have default = true \(found: none\)"):
        _load(tmp_path, text)


def test_an_unknown_key_lists_the_allowed_ones(tmp_path):
    text = GOOD_RISK.format(thresholds=SEE.format(at=0.1, ratio="1:9")).replace(
        'kind = "risk"', 'kind = "risk"\ncolour = "red"'
    )
    with pytest.raises(PolicyError, match="policy 'risk': unknown key 'colour'; allowed keys are"):
        _load(tmp_path, text)


def test_the_shipped_file_is_the_one_loaded():
    assert POLICIES_FILE.name == "policies.toml" and POLICIES_FILE.is_file()
