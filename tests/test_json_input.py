"""Strict JSON for vignettes: duplicate keys, NaN and Infinity, nesting and size limits."""

from __future__ import annotations

import json

import pytest

from scoring.contract.json_input import MAX_JSON_BYTES, MAX_JSON_DEPTH, parse_vignette_json
from scoring.contract.schema import VignetteError, validate_vignette

BASE = {"age": 34, "duration_weeks": 2, "frequency": "daily", "severity": "minor", "locations": ["eyelid"]}


# ---------------------------------------------------------------------------- strict JSON


def test_a_key_given_twice_is_refused_and_named():
    text = json.dumps(BASE)[:-1] + ', "bulbar": true, "bulbar": false}'
    with pytest.raises(VignetteError, match=r"^bulbar: duplicate key: given more than once") as info:
        validate_vignette(text)
    assert [e.field for e in info.value.errors] == ["bulbar"]
    with pytest.raises(VignetteError, match=r"^a: duplicate key"):
        parse_vignette_json('{"x": {"a": 1, "a": 2}}')


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused_even_in_optional_fields(literal):
    text = json.dumps(BASE)[:-1] + f', "sleep_hours": {literal}}}'
    with pytest.raises(VignetteError, match=rf"not valid JSON: {literal} is not a JSON number"):
        validate_vignette(text)


def test_deeply_nested_or_oversized_json_gives_a_message_not_a_traceback():
    with pytest.raises(VignetteError, match=rf"nested too deeply: 40000 levels .*more than {MAX_JSON_DEPTH}"):
        validate_vignette("[" * 40_000 + "]" * 40_000)
    with pytest.raises(VignetteError, match=rf"too large: .* bytes, more than the {MAX_JSON_BYTES:,}"):
        validate_vignette(json.dumps({**BASE, "narrative": "x" * MAX_JSON_BYTES}))
    # Brackets inside strings are text, not nesting.
    assert validate_vignette(json.dumps({**BASE, "narrative": "[" * 50})).age == 34


def test_json_that_is_not_an_object_or_not_json():
    with pytest.raises(VignetteError, match=r"wrong type: not a JSON object"):
        validate_vignette("[1, 2]")
    with pytest.raises(VignetteError, match=r"not valid JSON \(Expecting property name .* at line 1 column 2\)"):
        validate_vignette("{age: 3")


def test_bytes_are_read_as_utf8_and_the_limits_can_be_set():
    assert parse_vignette_json(json.dumps(BASE).encode()) == BASE
    with pytest.raises(VignetteError, match=r"not UTF-8 text"):
        parse_vignette_json(b"\xff{}")
    with pytest.raises(VignetteError, match=r"nested too deeply: 2 levels .*more than 1"):
        parse_vignette_json(json.dumps(BASE), max_depth=1)
    with pytest.raises(VignetteError, match=r"too large: .* more than the 10 a vignette may take"):
        parse_vignette_json(json.dumps(BASE), max_bytes=10)
