"""Text helpers for figures: plotly never wraps text, so long labels are broken here."""

from __future__ import annotations

__all__ = ["wrap", "wrap_units"]


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
