"""Hypothesis strategies for vignettes, generated from the contract in scoring.contract.schema.FIELDS.

Every field's strategy is derived from its kind, range and allowed values, so a change to
``fields.toml`` changes what the property tests explore without touching them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from scoring.contract.schema import FIELDS, FieldSpec


def field_values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Valid values of one contract field."""
    if spec.kind == "int":
        return st.integers(int(spec.min), int(spec.max))
    if spec.kind == "float":
        # Whole and one-decimal values hit the card's thresholds (e.g. exactly 2 weeks) far
        # more often than arbitrary floats would; arbitrary floats cover everything between.
        tenths = st.integers(int(spec.min * 10), int(spec.max * 10)).map(lambda x: x / 10)
        return st.one_of(tenths, st.floats(spec.min, spec.max, allow_nan=False, allow_infinity=False))
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "category":
        return st.sampled_from(spec.allowed)
    return st.lists(st.sampled_from(spec.allowed), min_size=1, max_size=len(spec.allowed), unique=True)


@st.composite
def vignettes(draw: st.DrawFn, **fixed: Any) -> dict[str, Any]:
    """A valid vignette as a dict; keyword arguments fix fields (values or strategies)."""
    out: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name in fixed:
            value = fixed[spec.name]
            out[spec.name] = draw(value) if isinstance(value, st.SearchStrategy) else value
        else:
            out[spec.name] = draw(field_values(spec))
    return out


# Text that sits on the edges of the number rule: what one path might read and the other not.
_TRICKY_NUMBER_TEXT = [
    "34",
    " 34 ",
    "+34",
    "-1",
    "34.0",
    "34.5",
    "34.",
    ".5",
    "1e2",
    "1E2",
    "1_0",
    "0x22",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "Infinity",
    "",
    " ",
    "3 4",
    "٣٤",
    "34\n",
    "\t7",
    "1" * 400,
    "-" + "9" * 400,
    "twenty",
]
_TRICKY_YES_NO_TEXT = ["yes", " Yes ", "NO", "t", "F", "on", "off", "1", "0", "1.0", "0.0", "2", "maybe", "", "none"]


def _number_inputs(spec: FieldSpec) -> st.SearchStrategy[Any]:
    low, high = spec.min, spec.max
    return st.one_of(
        field_values(spec),
        st.integers(int(low) - 50, int(high) + 50),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(_TRICKY_NUMBER_TEXT),
        st.integers(int(low) - 5, int(high) + 5).map(str),
        st.booleans(),
        st.text(max_size=4),
    )


def _yes_no_inputs() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.booleans(),
        st.integers(-1, 2),
        st.sampled_from([0.0, 1.0, 0.5, float("nan")]),
        st.sampled_from(_TRICKY_YES_NO_TEXT),
        st.text(max_size=4),
    )


def _category_inputs(spec: FieldSpec) -> st.SearchStrategy[Any]:
    allowed = st.sampled_from(spec.allowed)
    return st.one_of(
        allowed,
        allowed.map(lambda a: f" {a} "),
        allowed.map(str.capitalize),
        st.text(max_size=6),
        st.integers(0, 3),
    )


def _locations_inputs(spec: FieldSpec) -> st.SearchStrategy[Any]:
    names = st.sampled_from([*spec.allowed, "knee", "Eyelid", ""])
    return st.one_of(
        field_values(spec),
        st.lists(names, max_size=4),
        st.lists(names, max_size=4).map(";".join),
        st.lists(st.sampled_from(spec.allowed), min_size=1, max_size=3).map(lambda xs: " ; ".join(xs)),
        st.sets(st.sampled_from(spec.allowed), max_size=3),
        st.integers(0, 3),
    )


def field_inputs(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Valid and invalid inputs for one field: wrong types, edges of ranges, tricky text, missing values."""
    missing = st.sampled_from([None, float("nan"), pd.NA])
    if spec.is_numeric:
        return st.one_of(_number_inputs(spec), missing)
    if spec.kind == "bool":
        return st.one_of(_yes_no_inputs(), missing)
    if spec.kind == "category":
        return st.one_of(_category_inputs(spec), missing)
    return st.one_of(_locations_inputs(spec), missing)


@st.composite
def vignette_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A vignette-like dict: a valid vignette with some fields replaced by arbitrary inputs or left out."""
    record = draw(vignettes())
    names = draw(st.lists(st.sampled_from([f.name for f in FIELDS]), max_size=4, unique=True))
    for name in names:
        spec = next(f for f in FIELDS if f.name == name)
        if draw(st.booleans()) and not spec.required:
            del record[name]
        else:
            record[name] = draw(field_inputs(spec))
    return record


def _number_threshold() -> st.SearchStrategy[float]:
    return st.integers(-100, 20_000).map(lambda x: x / 10)


def condition_nodes(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Random condition nodes over the real features, in the canonical (flattened) form."""
    from scoring.contract.conditions import CATEGORY_FIELDS, And, CategoryTest, Compare, Flag, Not, Or
    from scoring.contract.features import FEATURES

    flags = st.sampled_from([f.name for f in FEATURES if f.kind == "bool"]).map(Flag)
    compares = st.builds(
        Compare,
        st.sampled_from([f.name for f in FEATURES]),
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        _number_threshold(),
    )
    categories = st.sampled_from(sorted(CATEGORY_FIELDS)).flatmap(
        lambda name: st.builds(
            CategoryTest, st.just(name), st.sampled_from(["==", "!="]), st.sampled_from(CATEGORY_FIELDS[name])
        )
    )

    def joined(kind: Any, children: list[Any]) -> Any:
        flat: list[Any] = []
        for child in children:
            flat.extend(child.operands if isinstance(child, kind) else [child])
        return kind(tuple(flat))

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            inner.map(Not),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: joined(And, xs)),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: joined(Or, xs)),
        )

    return st.recursive(st.one_of(flags, compares, categories), extend, max_leaves=max_leaves)


#: Contract fields added after the first release (optional; a vignette written before
#: them leaves them out).
NEWER_FIELDS: tuple[str, ...] = ("sudden_onset", "fluid_loss_illness", "stiffness", "feels_weak")


@st.composite
def old_vignettes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid vignette as written before :data:`NEWER_FIELDS` existed: it leaves them out."""
    vignette = draw(vignettes())
    return {name: value for name, value in vignette.items() if name not in NEWER_FIELDS}


def _as_cell(value: Any) -> str | None:
    """A value as a CSV reader gives it: text, or None for an empty cell."""
    from scoring.contract.errors import cell_text

    text = cell_text(value)
    return text if text not in ("", "NaN", "<NA>") else None


@st.composite
def text_frames(draw: st.DrawFn, min_rows: int = 1, max_rows: int = 12) -> pd.DataFrame:
    """An all-text frame, as read from a CSV: valid rows with some cells replaced by bad or tricky text.

    Some optional columns are left out (they take their defaults) and every row has a
    ``vignette_id`` (``v0``, ``v1``, ...).
    """
    records = draw(st.lists(vignettes(), min_size=min_rows, max_size=max_rows))
    rows = []
    for record in records:
        row = {name: _as_cell(value) for name, value in record.items()}
        for spec in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique_by=lambda f: f.name)):
            row[spec.name] = _as_cell(draw(field_inputs(spec)))
        rows.append(row)
    frame = pd.DataFrame(rows, dtype="str")
    optional = [f.name for f in FIELDS if not f.required]
    dropped = draw(st.lists(st.sampled_from(optional), max_size=3, unique=True))
    return frame.drop(columns=dropped).assign(vignette_id=[f"v{i}" for i in range(len(frame))])
