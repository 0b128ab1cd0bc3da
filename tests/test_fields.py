"""The fields as data: fields.toml checked by a schema, the Vignette class against it, one way to write a value."""

from __future__ import annotations

import pytest

from scoring.contract.fields import FieldsFileError, load_fields
from scoring.contract.schema import FIELD_NAMES, FIELDS, Vignette, field_spec, format_field_value, json_schema

# ---------------------------------------------------------------------------- the Vignette class and fields.toml


def _annotation_matches(spec, annotation) -> bool:
    import typing

    if spec.kind in ("int", "float", "bool"):
        return annotation is {"int": int, "float": float, "bool": bool}[spec.kind]
    if spec.kind == "category":
        return typing.get_origin(annotation) is typing.Literal and typing.get_args(annotation) == spec.allowed
    (item,) = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return typing.get_origin(annotation) is tuple and typing.get_args(item) == spec.allowed


def test_the_vignette_class_has_exactly_the_fields_of_fields_toml():
    import annotated_types
    from pydantic_core import PydanticUndefined

    model_fields = Vignette.model_fields
    assert tuple(model_fields) == FIELD_NAMES
    for spec in FIELDS:
        info = model_fields[spec.name]
        assert _annotation_matches(spec, info.annotation), spec.name
        assert info.description == spec.description
        if spec.required:
            assert info.default is PydanticUndefined and info.is_required(), spec.name
        else:
            assert info.default == spec.default and type(info.default) is type(spec.default), spec.name
        bounds = {type(m): m for m in info.metadata}
        if spec.is_numeric:
            assert (bounds[annotated_types.Ge].ge, bounds[annotated_types.Le].le) == (spec.min, spec.max), spec.name
        if spec.kind == "multi_category":
            assert bounds[annotated_types.MinLen].min_length == 1


def test_json_schema_carries_ranges_and_allowed_values():
    properties = json_schema()["properties"]
    assert (properties["age"]["minimum"], properties["age"]["maximum"]) == (18, 100)
    assert properties["frequency"]["enum"] == ["occasional", "daily", "constant"]
    assert properties["locations"]["minItems"] == 1


# ---------------------------------------------------------------------------- fields.toml is checked by a schema

GOOD_ENTRY = """
[[field]]
name = "age"
kind = "int"
min = 18
max = 100
unit = "years"
display = "{value} years"
label = "Age"
description = "Age in whole years."
"""


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('unit = "years"', 'units = "years"'),
            r"entry 1 \('age'\), key 'units': unknown key .*allowed keys: name, kind",
        ),
        (('display = "{value} years"\n', ""), r"'age'\).*needs 'display', a template with '\{value\}' once"),
        (('display = "{value} years"', 'display = "{amount} years"'), r"needs 'display'"),
        (("max = 100", "max = 10"), r"'min' \(18\) must be finite and at most 'max' \(10\)"),
        (('kind = "int"', 'kind = "integer"'), r"key 'kind': Input should be 'int', 'float'"),
        (("max = 100\n", "max = 100\ndefault = 120\n"), r"the default 120 is outside min\.\.max"),
        (("max = 100\n", "max = 100\ndefault = 30.5\n"), r"the default of a int field must be a int, not 30\.5"),
        (("max = 100\n", 'max = 100\nallowed = ["x"]\n'), r"a int field takes no 'allowed' list: remove it"),
        (('label = "Age"\n', ""), r"key 'label': missing: add this key"),
    ],
)
def test_a_broken_fields_file_names_the_file_entry_key_and_fix(tmp_path, change, message):
    old, new = change
    assert old in GOOD_ENTRY
    path = tmp_path / "fields.toml"
    path.write_text(GOOD_ENTRY.replace(old, new, 1))
    with pytest.raises(FieldsFileError, match=str(path).replace(".", r"\.") + ": .*" + message):
        load_fields(path)


def test_a_fields_file_with_a_name_twice_or_bad_toml_is_refused(tmp_path):
    twice = tmp_path / "twice.toml"
    twice.write_text(GOOD_ENTRY * 2)
    with pytest.raises(FieldsFileError, match=r"field 'age' is defined twice: keep one entry"):
        load_fields(twice)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[field]\n")
    with pytest.raises(FieldsFileError, match=r"broken\.toml: cannot read the fields file .*fix the TOML syntax"):
        load_fields(broken)
    category = tmp_path / "category.toml"
    category.write_text(
        '[[field]]\nname = "sex"\nkind = "category"\nallowed = ["a"]\ndefault = "b"\nlabel = "S"\ndescription = "d"\n'
    )
    with pytest.raises(FieldsFileError, match=r"the default 'b' must be one of 'allowed': a"):
        load_fields(category)


# ---------------------------------------------------------------------------- one way to write a value


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("stress_level", 8, "8 out of 10"),
        ("age", 34, "34 years"),
        ("duration_weeks", 2.0, "2 weeks"),
        ("duration_weeks", 2.5, "2.5 weeks"),
        ("caffeine_mg_per_day", 380.0, "380 mg/day"),
        ("sleep_hours", 6.25, "6.25 hours"),
        ("weakness", True, "yes"),
        ("weakness", False, "no"),
        ("frequency", "daily", "daily"),
        ("locations", ("eyelid", "calf"), "eyelid, calf"),
        ("locations", "eyelid;calf", "eyelid, calf"),
    ],
)
def test_format_field_value_is_the_one_way_to_write_a_value(name, value, text):
    assert format_field_value(name, value) == text == field_spec(name).format_value(value)


def test_labels_carry_the_unit_of_measure_and_a_rating_has_none():
    assert field_spec("duration_weeks").label_with_unit() == "Duration (weeks)"
    assert field_spec("stress_level").label_with_unit() == "Stress"
    assert field_spec("stress_level").allowed_text() == "a whole number from 0 to 10"
    assert field_spec("caffeine_mg_per_day").allowed_text() == "a number from 0 to 2000 (mg/day)"
    assert all(spec.display for spec in FIELDS if spec.is_numeric)


def test_bounds_of_a_number_field_and_the_error_for_other_kinds():
    assert field_spec("age").bounds == (18, 100)
    with pytest.raises(ValueError, match=r"field 'weakness' is a bool field: it has no range"):
        _ = field_spec("weakness").bounds
