"""Values as a reader sees them: numbers with their units, yes/no, areas, percentages.

One function per kind of value, so "8 out of 10" for a stress answer reads the same in the
explorer, the case pages, the CLI and the plots.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "MISSING",
    "LEARNING_MIX",
    "axis_title_text",
    "display_unit",
    "format_number",
    "format_value",
    "leaf_risk_text",
    "percent",
    "probability_text",
    "risk_percent",
    "share_percent",
]


def display_unit(field_name: str) -> str:
    """The unit of a contract field as it reads after a value, or ``""`` when it has none.

    Read off the field's ``display`` template in ``fields.toml`` (``"{value} out of 10"``
    gives ``"out of 10"``), so the unit has one home.

    Examples
    --------
    >>> display_unit("duration_weeks"), display_unit("stress_level"), display_unit("weakness")
    ('weeks', 'out of 10', '')
    """
    from scoring.contract.schema import field_spec

    display = field_spec(field_name).display
    return str(display).replace("{value}", "").strip() if display else ""


def axis_title_text(field_name: str) -> str:
    """A field's label with its unit in brackets, for an axis or a column heading.

    Examples
    --------
    >>> axis_title_text("duration_weeks"), axis_title_text("stress_level"), axis_title_text("weakness")
    ('Duration (weeks)', 'Stress (out of 10)', 'Real weakness')
    """
    from scoring.contract.schema import field_spec

    unit = display_unit(field_name)
    label = field_spec(field_name).label
    return f"{label} ({unit})" if unit else label


def format_number(value: Any) -> str:
    """A number without trailing zeros: ``2`` → ``'2'``, ``2.50`` → ``'2.5'``."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def format_value(field_name: str, value: Any) -> str:
    """One answer of a contract field in words, with its unit.

    Parameters
    ----------
    field_name : str
        A contract field (:data:`scoring.contract.schema.FIELDS`).
    value
        Its value, as a :class:`~scoring.contract.schema.Vignette` holds it (``locations``
        as a sequence of areas or as ``;``-separated text).

    Returns
    -------
    str
        ``"yes"``/``"no"`` for yes/no fields, ``"eyelid, calf"`` for areas (``"(none)"``
        when empty), ``"8 out of 10"`` or ``"650 mg/day"`` for numbers, the category
        otherwise.

    Examples
    --------
    >>> format_value("stress_level", 8), format_value("duration_weeks", 2.5)
    ('8 out of 10', '2.5 weeks')
    >>> format_value("locations", ("eyelid", "calf")), format_value("weakness", False)
    ('eyelid, calf', 'no')
    """
    from scoring.contract.schema import field_spec

    return field_spec(field_name).format_value(value)


#: Shown where a table has no number for a cell (instead of NaN).
MISSING = "—"


def percent(share: Any, decimals: int = 0, *, missing: str = "n/a") -> str:
    """A share as a percentage, ``missing`` (``"n/a"``; tables pass :data:`MISSING`) when it
    is missing or NaN.

    Examples
    --------
    >>> percent(0.825), percent(0.825, 1), percent(float("nan")), percent(None, missing=MISSING)
    ('82%', '82.5%', 'n/a', '—')
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return missing
    return f"{float(share):.{decimals}%}"


def risk_percent(risk: Any, *, missing: str = "n/a") -> str:
    """A risk as a percentage with as many decimals as a small risk needs.

    Risks of serious causes are often well under 1%, where "0%" would mislead: from 10%
    whole percents, from 1% one decimal, below that two significant figures, and below
    0.01% "under 0.01%".

    Examples
    --------
    >>> risk_percent(0.253), risk_percent(0.0412), risk_percent(0.00347), risk_percent(0.00002)
    ('25%', '4.1%', '0.35%', 'under 0.01%')
    """
    if risk is None or (isinstance(risk, float) and math.isnan(risk)):
        return missing
    value = float(risk)
    if value >= 0.1:
        return f"{value:.0%}"
    if value >= 0.01:
        return f"{value:.1%}"
    if value >= 0.0001:
        return f"{value * 100:.2g}%"
    return "under 0.01%"


#: How a leaf's text names the population the tree learnt from (the generator's enriched mix,
#: where serious causes are over-represented on purpose).
LEARNING_MIX = "the learning mix"


def share_percent(share: float) -> str:
    """A counted share of vignettes with an outcome: 0% and 100% as counted, else :func:`risk_percent`.

    A leaf with no vignette with the outcome has a share of exactly 0, which "under 0.01%"
    would overstate as an estimate.

    Examples
    --------
    >>> share_percent(0.0), share_percent(0.0035), share_percent(1.0)
    ('0%', '0.35%', '100%')
    """
    return f"{share:.0%}" if share in (0.0, 1.0) else risk_percent(share)


def leaf_risk_text(risk: float, samples: int, outcome_label: str, population: str = LEARNING_MIX) -> str:
    """A tree leaf's risk in words, saying where it holds and how many vignettes it rests on.

    The risk is a plain share of the training vignettes in the leaf, so it is a risk in the
    population the tree learnt from; ``population`` names it.

    Examples
    --------
    >>> leaf_risk_text(0.1234, 2431, "serious cause")
    'P(serious cause) = 12% in the learning mix (2,431 training vignettes)'
    >>> leaf_risk_text(0.0, 812, "serious cause")
    'P(serious cause) = 0% in the learning mix (812 training vignettes)'
    """
    return f"P({outcome_label}) = {share_percent(risk)} in {population} ({samples:,} training vignettes)"


def probability_text(probability: float | None) -> str | None:
    """The card's calibrated chance in words, or ``None`` when the card has no calibration.

    Examples
    --------
    >>> probability_text(0.12)
    '12% chance of needing review'
    """
    if probability is None or not math.isfinite(probability):
        return None
    return f"{percent(probability)} chance of needing review"


def how_soon_text(timeframe: str | None, timeframe_advice: str = "", advice: str = "") -> str:
    """How soon to get help, in words: '' when no red flag set a time frame.

    The time frame's label, then its advice unless ``advice`` (what the page already shows)
    contains it, so a reader does not see the same sentence twice.

    Examples
    --------
    >>> how_soon_text("emergency", "Call now.")
    'How soon: Emergency: call emergency services now. Call now.'
    >>> how_soon_text(None)
    ''
    """
    from scoring.contract.recommendation import TIMEFRAME_LABELS

    if timeframe is None:
        return ""
    text = f"How soon: {TIMEFRAME_LABELS[timeframe]}."
    if timeframe_advice and timeframe_advice not in advice:
        text += f" {timeframe_advice}"
    return text


def condition_words(condition: str) -> str:
    """A condition of the condition language in plain words (as written if it cannot be parsed).

    Examples
    --------
    >>> condition_words("loc_tongue"), condition_words("age >= 50 and duration_weeks > 4")
    ('tongue twitching', 'age 50 years or more and duration over 4 weeks')
    """
    from scoring.contract.features import ConditionError, parse_condition

    try:
        return str(parse_condition(condition).describe())
    except (ConditionError, ValueError, TypeError):
        return condition
