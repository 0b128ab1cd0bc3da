"""User-facing wording: the one home for text that several faces show.

Faces (CLI, widgets, reports, plots) take their sentences, units and number formats from
here, so the same answer reads the same way everywhere: values with their units
(:func:`format_value`), percentages (:func:`percent`), changes and counterfactuals in words
(:func:`change_phrase`, :func:`counterfactual_lines`), and the HTML partials every page
shares (:func:`render_partial`).

This package depends on :mod:`scoring.contract` only, so the explanation code below the
faces can build its sentences here too.
"""

from __future__ import annotations

# Cheap to import: the submodules load the contract, Jinja and markupsafe only when called.
from scoring.wording._changes import (
    CounterfactualLine,
    change_phrase,
    changes_phrase,
    counterfactual_lines,
    counterfactual_sentence,
    influence_sentence,
)
from scoring.wording._html import render_partial
from scoring.wording._risk import (
    PolicyColumn,
    RiskRow,
    card_risk_source,
    card_risk_text,
    likelihood_ratio_text,
    lower_first,
    policies_differ_text,
    policy_columns,
    policy_short_name,
    red_flag_labels,
    risk_rows,
    routine_check_text,
    sentence_case,
)
from scoring.wording._values import (
    LEARNING_MIX,
    MISSING,
    axis_title_text,
    condition_words,
    display_unit,
    format_number,
    format_value,
    how_soon_text,
    leaf_risk_text,
    percent,
    probability_text,
    risk_percent,
    share_percent,
)

NOTICE = (
    "zaro is educational decision support built on synthetic data. It is not a medical "
    "device and does not diagnose. If you are worried about your symptoms, or they are "
    "getting worse, speak to a doctor; for sudden breathing or swallowing trouble, get "
    "emergency help."
)

__all__ = [
    "LEARNING_MIX",
    "MISSING",
    "NOTICE",
    "routine_check_text",
    "axis_title_text",
    "card_risk_source",
    "card_risk_text",
    "condition_words",
    "CounterfactualLine",
    "change_phrase",
    "changes_phrase",
    "counterfactual_lines",
    "counterfactual_sentence",
    "display_unit",
    "format_number",
    "format_value",
    "how_soon_text",
    "influence_sentence",
    "leaf_risk_text",
    "likelihood_ratio_text",
    "lower_first",
    "percent",
    "policies_differ_text",
    "policy_short_name",
    "policy_columns",
    "red_flag_labels",
    "PolicyColumn",
    "RiskRow",
    "risk_rows",
    "sentence_case",
    "risk_percent",
    "probability_text",
    "render_partial",
    "share_percent",
]
