"""The shared feature encoding and the condition language, as users import them.

The parts live in their own modules: :mod:`scoring.contract.encoding` (features of a frame
or of one vignette, thresholds in words) and :mod:`scoring.contract.conditions` (the
language card items, red flags and the ladder are written in: grammar, typed nodes,
evaluation, limits). A short reminder of the language::

    weakness                      a yes/no feature is true
    not numbness                  ... is false
    duration_weeks > 2            a number against a threshold (<, <=, >, >=, ==, !=)
    frequency == constant         a category field against one of its values
    weakness and worsening        'not' before 'and' before 'or'; parentheses group
"""

from __future__ import annotations

from scoring.contract.conditions import Condition, ConditionError, parse_condition
from scoring.contract.encoding import (
    FEATURE_NAMES,
    FEATURES,
    WARNING_FIELDS,
    Features,
    FeatureSpec,
    describe_threshold,
    encode,
    encode_vignette,
    feature_spec,
)

__all__ = [
    "FeatureSpec",
    "FEATURES",
    "FEATURE_NAMES",
    "WARNING_FIELDS",
    "Features",
    "encode",
    "encode_vignette",
    "feature_spec",
    "Condition",
    "ConditionError",
    "parse_condition",
    "describe_threshold",
]
