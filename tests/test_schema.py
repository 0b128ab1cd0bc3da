"""The vignette contract: one record and whole frames, good and bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import vignette_inputs

from scoring.contract.readers import Reasons
from scoring.contract.schema import (
    FIELD_NAMES,
    FIELDS,
    LOCATIONS,
    Vignette,
    VignetteError,
    field_spec,
    json_schema,
    validate_frame,
    validate_vignette,
    vignettes_to_frame,
)

BASE = {
    "age": 34,
    "duration_weeks": 2,
    "frequency": "daily",
    "severity": "minor",
    "locations": ["eyelid"],
}


def only_error(exc: VignetteError):
    assert len(exc.errors) == 1, exc.errors
    return exc.errors[0]


# ---------------------------------------------------------------------------- contract data


def test_contract_fields_are_exactly_the_documented_ones():
    assert FIELD_NAMES == (
        "age",
        "sex",
        "duration_weeks",
        "frequency",
        "severity",
        "locations",
        "weakness",
        "worsening",
        "atrophy",
        "numbness",
        "pain",
        "cramps",
        "bulbar",
        "breathing_difficulty",
        "recent_exercise",
        "caffeine_mg_per_day",
        "stress_level",
        "sleep_hours",
        "dehydration",
        "stimulant_medication",
        "diuretic_use",
        "family_history_als",
        "sudden_onset",
        "fluid_loss_illness",
        "stiffness",
        "feels_weak",
    )
    assert LOCATIONS == ("eyelid", "face", "tongue", "arm", "hand", "trunk", "thigh", "calf", "foot")
    ranges = {f.name: (f.min, f.max) for f in FIELDS if f.is_numeric}
    assert ranges == {
        "age": (18, 100),
        "duration_weeks": (0, 520),
        "caffeine_mg_per_day": (0, 2000),
        "stress_level": (0, 10),
        "sleep_hours": (0, 16),
    }
    required = [f.name for f in FIELDS if f.required]
    assert required == ["age", "duration_weeks", "frequency", "severity", "locations"]


def test_defaults_fill_optional_fields():
    v = validate_vignette(BASE)
    assert v.sex == "unspecified"
    assert v.sleep_hours == 7.5
    assert v.caffeine_mg_per_day == 0.0 and v.stress_level == 0
    assert v.weakness is False and v.family_history_als is False


def test_every_field_has_a_label_and_description():
    for spec in FIELDS:
        assert spec.label and spec.description, spec.name


# ---------------------------------------------------------------------------- one record: good


def test_locations_accept_text_or_list_and_are_put_in_contract_order():
    a = validate_vignette({**BASE, "locations": "calf; eyelid"})
    b = validate_vignette({**BASE, "locations": ["eyelid", "calf", "calf"]})
    assert a.locations == b.locations == ("eyelid", "calf")
    assert a.locations_text == "eyelid;calf"


def test_vignette_from_json_keywords_and_model():
    from_json = validate_vignette(json.dumps(BASE))
    from_kwargs = validate_vignette(**BASE)
    assert from_json == from_kwargs == Vignette(**BASE)
    assert validate_vignette(from_json) is from_json


def test_to_dict_round_trips_through_json():
    v = validate_vignette({**BASE, "weakness": True, "caffeine_mg_per_day": 380})
    assert validate_vignette(json.loads(v.to_json())) == v
    assert v.to_dict()["locations"] == ["eyelid"]


def test_replace_validates_the_change():
    v = validate_vignette(BASE)
    assert v.replace(weakness=True).weakness is True
    with pytest.raises(VignetteError, match="stress_level"):
        v.replace(stress_level=11)


def test_metadata_keys_are_ignored_for_one_record():
    v = validate_vignette({**BASE, "vignette_id": "v1", "narrative": "text"})
    assert v.age == 34


def test_json_schema_names_every_field():
    schema = json_schema()
    assert set(schema["properties"]) == set(FIELD_NAMES)
    assert set(schema["required"]) == {"age", "duration_weeks", "frequency", "severity", "locations"}


# ---------------------------------------------------------------------------- one record: bad


def test_unknown_field_names_it_and_suggests_the_nearest():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "caffeine": 200})
    error = only_error(info.value)
    assert error.field == "caffeine"
    assert "unknown field" in error.reason and "caffeine_mg_per_day" in error.reason
    assert "got 200" in str(info.value)


def test_missing_required_field():
    data = dict(BASE)
    del data["duration_weeks"]
    with pytest.raises(VignetteError) as info:
        validate_vignette(data)
    error = only_error(info.value)
    assert error.field == "duration_weeks" and error.reason == "missing required field"
    assert "a number from 0 to 520 (weeks)" in str(info.value)


def test_wrong_type_number():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "age": "thirty"})
    assert str(info.value) == (
        "age: wrong type: not a number (got 'thirty'; allowed: a whole number from 18 to 100 (years))"
    )


def test_yes_no_in_a_number_field_is_a_wrong_type():
    with pytest.raises(VignetteError, match="yes/no value where a number is expected"):
        validate_vignette({**BASE, "stress_level": True})


def test_wrong_type_bool():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "weakness": "sometimes"})
    error = only_error(info.value)
    assert (error.field, error.value, error.allowed) == ("weakness", "sometimes", "true or false")


def test_fractional_age_is_not_a_whole_number():
    with pytest.raises(VignetteError, match=r"age: not a whole number \(got 34.5"):
        validate_vignette({**BASE, "age": 34.5})


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("duration_weeks", 521, "out of range: above the maximum"),
        ("duration_weeks", -1, "out of range: below the minimum"),
        ("caffeine_mg_per_day", 2500, "out of range: above the maximum"),
        ("stress_level", 11, "out of range: above the maximum"),
        ("sleep_hours", 17, "out of range: above the maximum"),
        ("age", 101, "out of range: above the maximum"),
    ],
)
def test_out_of_range(field, value, reason):
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, field: value})
    error = only_error(info.value)
    assert (error.field, error.value, error.reason) == (field, value, reason)
    assert error.allowed == field_spec(field).allowed_text()


def test_nan_is_reported_as_a_missing_value():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "duration_weeks": math.nan})
    error = only_error(info.value)
    assert error.field == "duration_weeks" and error.reason == "missing value (NaN or empty)"
    assert "got NaN" in str(info.value)


def test_unknown_category_lists_the_allowed_values():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "frequency": "hourly"})
    assert str(info.value) == (
        "frequency: unknown category (got 'hourly'; allowed: one of 'occasional', 'daily', 'constant')"
    )


def test_unknown_location_is_named():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "locations": "eyelid;knee"})
    error = only_error(info.value)
    assert error.field == "locations" and "'knee'" in error.reason
    assert error.value == "eyelid;knee"


@pytest.mark.parametrize("empty", [[], "", " ; "])
def test_empty_locations(empty):
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "locations": empty})
    assert only_error(info.value).reason == "empty: at least one location is needed"


def test_under_18_says_out_of_scope():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "age": 16})
    error = only_error(info.value)
    assert error.field == "age" and error.value == 16
    assert "out of scope" in error.reason and "under 18" in error.reason


def test_every_problem_is_reported_at_once():
    with pytest.raises(VignetteError) as info:
        validate_vignette(
            {
                "age": 12,
                "duration_weeks": "long",
                "frequency": "daily",
                "severity": "big",
                "locations": "eyelid",
                "colour": "red",
            }
        )
    assert {e.field for e in info.value.errors} == {"age", "duration_weeks", "severity", "colour"}
    assert str(info.value).startswith("4 problems: ")


def test_vignette_error_is_a_value_error_and_not_json_is_clear():
    with pytest.raises(ValueError, match="not valid JSON"):
        validate_vignette("{age: 3")
    with pytest.raises(VignetteError, match="a dict, a JSON object or keyword arguments"):
        validate_vignette([1, 2])


# ---------------------------------------------------------------------------- frames


def test_frame_of_good_rows_keeps_everything_in_canonical_dtypes():
    frame = pd.DataFrame([BASE, {**BASE, "locations": "calf;eyelid", "weakness": True, "age": 61}])
    result = validate_frame(frame)
    assert result.n_rejected_rows == 0 and len(result.valid) == 2
    valid = result.valid
    assert list(valid.columns) == list(FIELD_NAMES)
    assert valid["age"].dtype == np.int64 and valid["weakness"].dtype == bool
    assert isinstance(valid["frequency"].dtype, pd.CategoricalDtype)
    assert list(valid["locations"].astype(str)) == ["eyelid", "eyelid;calf"]
    assert list(valid["sex"].astype(str)) == ["unspecified", "unspecified"]


def test_frame_matches_one_record_path():
    records = [BASE, {**BASE, "locations": ["hand", "arm"], "stress_level": 7, "sex": "female"}]
    from_validation = validate_frame(pd.DataFrame(records)).valid.reset_index(drop=True)
    from_records = vignettes_to_frame(records)
    pd.testing.assert_frame_equal(from_validation, from_records, check_categorical=False)
    assert list(from_validation["locations"].astype(str)) == list(from_records["locations"].astype(str))


def test_mixed_frame_splits_into_valid_and_rejected_with_nothing_lost():
    frame = pd.DataFrame(
        {
            "vignette_id": ["a", "b", "c", "d", "e", "f"],
            "age": [34, 12, "x", 50, 40, 70],
            "duration_weeks": [2.0, 3.0, np.nan, 600.0, 1.0, 1.0],
            "frequency": ["daily", "daily", "weird", "occasional", "daily", "constant"],
            "severity": ["minor"] * 6,
            "locations": ["eyelid", "calf;eyelid", "", "arm;knee", "eyelid", "tongue"],
            "weakness": ["yes", True, "no", "perhaps", "false", 1],
        }
    )
    result = validate_frame(frame)
    assert result.n_input == 6
    assert result.n_input == len(result.valid) + result.n_rejected_rows
    assert list(result.valid["vignette_id"]) == ["a", "e", "f"]
    assert list(result.valid["weakness"]) == [True, False, True]
    rejected = result.rejected
    assert set(rejected["vignette_id"]) == {"b", "c", "d"}
    by_row = {(r.row, r.field): r.reason for r in rejected.itertuples()}
    assert "out of scope" in by_row[(2, "age")]
    assert by_row[(3, "age")] == "wrong type: not a number"
    assert by_row[(3, "duration_weeks")] == "missing value (NaN or empty)"
    assert by_row[(3, "frequency")] == "unknown category"
    assert by_row[(3, "locations")] == "empty: at least one location is needed"
    assert by_row[(4, "duration_weeks")] == "out of range: above the maximum"
    assert by_row[(4, "locations")] == "unknown location 'knee'"
    assert by_row[(4, "weakness")] == "wrong type: not true or false"
    assert set(rejected.columns) == {"row", "vignette_id", "field", "value", "reason", "allowed"}
    assert result.summary() == "6 rows read, 3 valid, 3 rejected (8 problems)"


def test_editing_the_valid_frame_leaves_the_input_alone_and_back():
    # Typed columns that pass as they are are shared with the input, not copied: an edit
    # on either side must still never show on the other.
    frame = pd.DataFrame([BASE, {**BASE, "weakness": True, "duration_weeks": 5.5}])
    frame["weakness"] = frame["weakness"].fillna(False).astype(bool)
    frame["duration_weeks"] = frame["duration_weeks"].astype(float)
    before = frame.copy(deep=True)
    valid = validate_frame(frame).valid
    valid.loc[0, "weakness"] = True
    valid.loc[1, "duration_weeks"] = 9.0
    pd.testing.assert_frame_equal(frame, before)
    again = validate_frame(frame).valid
    frame.loc[0, "duration_weeks"] = 7.0
    assert again["duration_weeks"].tolist() == [2.0, 5.5]
    assert again["weakness"].tolist() == [False, True]


def test_frame_keeps_the_original_index_of_valid_rows():
    frame = pd.DataFrame([BASE, {**BASE, "age": 5}, BASE], index=[10, 20, 30])
    assert list(validate_frame(frame).valid.index) == [10, 30]


def test_frame_with_unknown_column_is_an_error_unless_kept():
    frame = pd.DataFrame([{**BASE, "clinic": "north"}])
    with pytest.raises(VignetteError, match="clinic: unknown field"):
        validate_frame(frame)
    kept = validate_frame(frame, extra="keep").valid
    assert list(kept["clinic"]) == ["north"]
    assert "clinic" not in validate_frame(frame, extra="drop").valid.columns


def test_frame_missing_a_required_column_is_an_error():
    frame = pd.DataFrame([BASE]).drop(columns="severity")
    with pytest.raises(VignetteError, match="severity: missing required column"):
        validate_frame(frame)


def test_frame_read_from_csv_text():
    import io

    text = "age,duration_weeks,frequency,severity,locations,weakness\n34,2,daily,minor,eyelid;calf,false\n17,2,daily,minor,calf,true\n"
    result = validate_frame(pd.read_csv(io.StringIO(text)))
    assert len(result.valid) == 1 and result.n_rejected_rows == 1
    assert result.rejected.iloc[0]["row"] == 2


def test_frame_accepts_lists_in_the_locations_column():
    frame = pd.DataFrame([{**BASE, "locations": ["calf", "eyelid"]}, {**BASE, "locations": []}])
    result = validate_frame(frame)
    assert list(result.valid["locations"].astype(str)) == ["eyelid;calf"]
    assert result.rejected.iloc[0]["reason"] == "empty: at least one location is needed"


def test_empty_frame_is_fine():
    result = validate_frame(pd.DataFrame(columns=list(BASE)))
    assert len(result.valid) == 0 and result.n_rejected_rows == 0


def test_a_missing_optional_value_takes_the_default_in_both_paths():
    one = validate_vignette({**BASE, "sleep_hours": None, "sex": math.nan})
    assert one.sleep_hours == 7.5 and one.sex == "unspecified"
    frame = pd.DataFrame([BASE, {**BASE, "sleep_hours": 5.0, "sex": "male"}])
    frame.loc[0, ["sleep_hours", "sex"]] = [np.nan, np.nan]
    valid = validate_frame(frame).valid
    assert list(valid["sleep_hours"]) == [7.5, 5.0]
    assert list(valid["sex"].astype(str)) == ["unspecified", "male"]


@pytest.mark.parametrize(
    "changes",
    [
        {"weakness": "on"},
        {"weakness": " Yes "},
        {"weakness": "1.0"},
        {"weakness": "off"},
        {"frequency": " daily "},
        {"locations": {"tongue", "calf"}},
        {"locations": " calf ; eyelid "},
        {"locations": "Eyelid"},
        {"weakness": "maybe"},
        {"duration_weeks": math.inf},
        {"stress_level": True},
        {"frequency": "Daily"},
    ],
)
def test_one_record_and_frame_accept_and_reject_the_same_values(changes):
    record = {**BASE, **changes}
    try:
        one = validate_vignette(record).to_frame()
    except VignetteError as exc:
        one = {e.field for e in exc.errors}
    result = validate_frame(pd.DataFrame([record]))
    if isinstance(one, set):
        assert set(result.rejected["field"]) == one
        assert len(result.valid) == 0
    else:
        assert result.n_rejected_rows == 0
        pd.testing.assert_frame_equal(result.valid.reset_index(drop=True), one, check_categorical=False)


def test_unknown_location_is_not_also_reported_as_empty():
    with pytest.raises(VignetteError) as info:
        validate_vignette({**BASE, "locations": "Eyelid"})
    assert [e.reason for e in info.value.errors] == ["unknown location 'Eyelid'"]


def test_a_yes_no_value_in_a_number_column_is_rejected_in_frames_too():
    frame = pd.DataFrame([{**BASE, "stress_level": 5}, {**BASE, "stress_level": True}])
    result = validate_frame(frame)
    assert list(result.valid["stress_level"]) == [5]
    assert result.rejected.iloc[0]["reason"] == "wrong type: a yes/no value where a number is expected"


# ---------------------------------------------------------------------------- one verdict, one message


def _one_record_errors(record):
    try:
        validate_vignette(record)
    except VignetteError as exc:
        return sorted((e.field, e.value_text, e.reason, e.allowed) for e in exc.errors)
    return []


def _frame_errors(record):
    rejected = validate_frame(pd.DataFrame([record])).rejected
    return sorted(zip(rejected["field"], rejected["value"], rejected["reason"], rejected["allowed"]))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("34", None),
        (" 34 ", None),
        ("+34", None),
        ("34.0", None),
        ("34.5", "not a whole number"),
        ("34.", "wrong type: not a number"),
        (".5", "wrong type: not a number"),
        ("1e2", None),
        ("4.5e1", None),
        ("1e3", "out of range: above the maximum"),
        ("1e-05", "not a whole number"),
        ("-1e1", Reasons.below(field_spec("age"))),
        ("1e", "wrong type: not a number"),
        ("1_0", "wrong type: not a number"),
        ("0x22", "wrong type: not a number"),
        ("inf", "wrong type: not a number"),
        ("nan", "wrong type: not a number"),
        ("٣٤", "wrong type: not a number"),
        ("9" * 400, "out of range: above the maximum"),
    ],
)
def test_number_text_follows_one_rule_in_both_paths(text, reason):
    record = {**BASE, "age": text}
    expected = [] if reason is None else [("age", text, reason, field_spec("age").allowed_text())]
    assert _one_record_errors(record) == _frame_errors(record) == expected


def test_unknown_location_reads_the_same_in_both_paths():
    record = {**BASE, "locations": "eyelid;knee"}
    assert _one_record_errors(record) == _frame_errors(record)
    assert _frame_errors(record)[0][2] == "unknown location 'knee'"


def test_pd_na_is_a_missing_value_in_both_paths():
    optional = {**BASE, "stress_level": pd.NA, "weakness": pd.NA}
    assert validate_vignette(optional).stress_level == 0
    assert list(validate_frame(pd.DataFrame([optional])).valid["stress_level"]) == [0]
    required = {**BASE, "age": pd.NA}
    assert _one_record_errors(required) == _frame_errors(required)
    assert _frame_errors(required)[0][2] == "missing value (NaN or empty)"


def test_infinity_is_not_a_finite_number_in_both_paths():
    record = {**BASE, "duration_weeks": math.inf}
    assert _one_record_errors(record) == _frame_errors(record)
    assert _frame_errors(record)[0][2] == "not a finite number (infinity)"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vignette_inputs())
def test_one_record_and_frame_give_the_same_verdict_and_the_same_errors(record):
    one = _one_record_errors(record)
    assert one == _frame_errors(record)
    if not one:
        valid = validate_frame(pd.DataFrame([record])).valid.reset_index(drop=True)
        pd.testing.assert_frame_equal(valid, validate_vignette(record).to_frame(), check_categorical=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(vignette_inputs(), min_size=2, max_size=5))
def test_in_a_frame_of_many_rows_each_row_gets_its_own_record_verdict(records):
    # Columns mixing types (an int here, text there) still give each row the verdict and
    # the reasons it gets alone; only how a value is shown may follow the column's dtype.
    keys = set().union(*records)
    rows = [{k: r[k] for k in keys if k in r} for r in records]
    result = validate_frame(pd.DataFrame(rows))
    expected = []
    for i, row in enumerate(rows, start=1):
        expected += [(i, field, reason, allowed) for field, _, reason, allowed in _one_record_errors(row)]
    rejected = result.rejected
    assert sorted(zip(rejected["row"], rejected["field"], rejected["reason"], rejected["allowed"])) == sorted(expected)
    assert result.n_input == len(result.valid) + result.n_rejected_rows


def test_a_frame_that_names_a_column_twice_is_refused_naming_it():
    frame = pd.DataFrame([[30, 31, 1.0, "daily", "minor", "calf"]])
    frame.columns = ["age", "age", "duration_weeks", "frequency", "severity", "locations"]
    with pytest.raises(VignetteError, match=r"^age: column name given more than once"):
        validate_frame(frame)


def test_a_yes_no_in_a_number_column_is_wrong_even_beside_a_zero():
    # True/False compare equal to 1/0: each still gets the verdict it gets alone.
    base = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "calf"}
    result = validate_frame(pd.DataFrame([dict(base, stress_level=0), dict(base, stress_level=False)]))
    assert result.rejected[["row", "field"]].values.tolist() == [[2, "stress_level"]]
    assert result.rejected["reason"].iloc[0].startswith("wrong type: a yes/no value")
