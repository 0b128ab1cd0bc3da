"""The shared feature encoding: one vignette and a frame give the same numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.contract.features import FEATURE_NAMES, Features, encode, encode_vignette, feature_spec
from scoring.contract.schema import validate_frame, vignettes_to_frame
from tests.strategies import vignettes

BASE = {"age": 34, "duration_weeks": 2, "frequency": "daily", "severity": "minor", "locations": ["eyelid"]}


def test_location_ordinal_and_combined_features():
    encoded = encode_vignette({**BASE, "locations": "calf;eyelid", "frequency": "constant", "weakness": True})
    assert (encoded["n_locations"], encoded["loc_calf"], encoded["loc_eyelid"], encoded["loc_arm"]) == (2, 1, 1, 0)
    assert encoded["eyelid_only"] == 0 and encode_vignette(BASE)["eyelid_only"] == 1
    assert (encoded["frequency_level"], encoded["severity_level"]) == (2, 0)
    assert encoded["progressive_weakness"] == 0
    assert encode_vignette({**BASE, "weakness": True, "worsening": True})["progressive_weakness"] == 1
    assert encoded["sex_level"] == 2  # category codes for conditions, also for fields that are not features


def test_number_features_take_label_and_unit_from_the_field():
    assert (feature_spec("duration_weeks").label, feature_spec("duration_weeks").unit) == ("duration", "weeks")
    assert (feature_spec("stress_level").label, feature_spec("stress_level").unit) == ("stress", "out of 10")
    assert feature_spec("caffeine_mg_per_day").unit == "mg/day"


def test_an_unknown_feature_names_the_choices():
    with pytest.raises(KeyError, match=r"unknown feature 'shoe_size'; features are: age, duration_weeks"):
        feature_spec("shoe_size")


@settings(max_examples=40, deadline=None)
@given(st.lists(vignettes(), min_size=1, max_size=4))
def test_one_vignette_and_a_frame_encode_to_the_same_numbers(records):
    frame = vignettes_to_frame(records)
    table = encode(frame)
    assert list(table.columns) == list(FEATURE_NAMES)
    for i, record in enumerate(records):
        encoded = encode_vignette(record)
        assert table.iloc[i].to_dict() == {name: encoded[name] for name in FEATURE_NAMES}


@settings(max_examples=40, deadline=None)
@given(st.lists(vignettes(), min_size=1, max_size=4))
def test_a_frame_read_as_text_encodes_like_the_typed_frame(records):
    typed = vignettes_to_frame(records)
    text = typed.astype(str).assign(locations=typed["locations"].astype(str))
    from_text = validate_frame(text.astype("str")).valid
    assert (Features(from_text).matrix() == Features(typed).matrix()).all()
