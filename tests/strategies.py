"""Hypothesis strategies for vignettes, generated from the contract in scoring.contract.schema.FIELDS.

Every field's strategy is derived from its kind, range and allowed values, so a change to
``fields.toml`` changes what the property tests explore without touching them.
"""

from __future__ import annotations

from typing import Any

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
