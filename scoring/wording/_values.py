"""Values as a reader sees them: numbers with their units, yes/no, areas, percentages.

One function per kind of value, so "8 out of 10" for a stress answer reads the same in the
explorer, the case pages, the CLI and the plots.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["axis_title_text", "display_unit", "format_number", "format_value", "percent", "probability_text"]

#: Units written in ``fields.toml`` that are a scale rather than a unit, and how they read
#: after a value ("8 out of 10", not "8 0-10").
_SCALE_UNITS = {"0-10": "out of 10"}


def display_unit(field_name: str) -> str:
    """The unit of a contract field as it reads after a value, or ``""`` when it has none.

    Examples
    --------
    >>> display_unit("duration_weeks"), display_unit("stress_level"), display_unit("weakness")
    ('weeks', 'out of 10', '')
    """
    from scoring.contract.schema import field_spec

    unit = field_spec(field_name).unit or ""
    return _SCALE_UNITS.get(unit, unit)


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

    spec = field_spec(field_name)
    if spec.kind == "bool":
        return "yes" if value else "no"
    if spec.kind == "multi_category":
        areas = value.split(";") if isinstance(value, str) else list(value)
        return ", ".join(areas) if areas else "(none)"
    if spec.is_numeric:
        unit = display_unit(field_name)
        return f"{format_number(value)} {unit}" if unit else format_number(value)
    return str(value)


def percent(share: float | None, decimals: int = 0) -> str:
    """A share as a percentage, ``"n/a"`` when it is missing or NaN.

    Examples
    --------
    >>> percent(0.825), percent(0.825, 1), percent(float("nan"))
    ('82%', '82.5%', 'n/a')
    """
    if share is None or math.isnan(share):
        return "n/a"
    return f"{share:.{decimals}%}"


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
