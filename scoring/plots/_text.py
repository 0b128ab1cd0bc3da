"""Text helpers for figures: plotly never wraps text, so long labels are broken here."""

from __future__ import annotations

__all__ = ["LEGEND_WIDTH", "legend_name", "wrap", "wrap_units"]

#: Characters per line of a legend entry: at a phone's width (390 px) a figure is about 360 px
#: wide, and a line of 38 characters with its marker fits inside it.
LEGEND_WIDTH = 38


def wrap(text: str, width: int = 18) -> str:
    """Break ``text`` into lines of at most ``width`` characters (a longer word keeps its own line).

    Examples
    --------
    >>> wrap("speech or swallowing trouble", 12)
    'speech or<br>swallowing<br>trouble'
    """
    return wrap_units(text.split(), width)


def wrap_units(units: list[str], width: int) -> str:
    """Join ``units`` with spaces into lines of at most ``width`` characters, never breaking a unit.

    Examples
    --------
    >>> wrap_units(["Red flag:", "muscle wasting.", "Urgent."], 16)
    'Red flag:<br>muscle wasting.<br>Urgent.'
    """
    lines: list[str] = []
    for unit in units:
        if lines and len(lines[-1]) + 1 + len(unit) <= width:
            lines[-1] += " " + unit
        else:
            lines.append(unit)
    return "<br>".join(lines)


def legend_name(text: str) -> str:
    """A model's or policy's name for a legend, in lines that fit a phone's width (:data:`LEGEND_WIDTH`).

    Examples
    --------
    >>> legend_name("Gradient boosting on every answer (reference): AUC 0.929 (0.925-0.934)")
    'Gradient boosting on every answer<br>(reference): AUC 0.929 (0.925-0.934)'
    """
    return wrap(text, LEGEND_WIDTH)
