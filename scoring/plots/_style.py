"""The one palette and the axis conventions every figure shares.

Each model and each policy has one colour and one marker symbol, the same in every chart (ROC,
calibration, decision curves, found against referred, subgroups): a reader who learns that the
expert card is a blue circle finds it as a blue circle everywhere. A risk policy drawn on a
model's risk shares the model's colour with a star, so the two read as a pair. Colours are
Okabe-Ito (distinguishable with the common colour-vision deficiencies), and no two entries
share both colour and symbol.

Axes: risks span orders of magnitude, so they go on log axes with ticks at 1, 2 and 5 per
decade written as percentages (1%, 2%, 5%, 10%, ...); counts go on linear axes with round steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Style",
    "STYLES",
    "style_for",
    "styles_for",
    "log_risk_axis",
    "count_axis",
    "nice_step",
    "legend_below",
    "tick_percent",
]


@dataclass(frozen=True)
class Style:
    """How one model or policy is drawn: a colour, a marker symbol and a line dash."""

    colour: str
    symbol: str
    dash: str = "solid"


#: Models and policies by their id in the comparison and evaluation tables. ``guideline`` is the
#: guideline policy a run used (the NHS policy unless another is chosen); ``nhs`` and ``ng127``
#: are those policies drawn by name, side by side. ``logistic_regression`` is the reference model
#: of earlier comparisons, still drawn when a saved table names it.
STYLES: dict[str, Style] = {
    "default_card": Style("#0072B2", "circle"),
    "learned_card": Style("#E69F00", "square"),
    "tree": Style("#009E73", "triangle-up"),
    # The flexible reference: a line to compare with, not a model to use, so dashed.
    "flexible_reference": Style("#555555", "x", "dash"),
    "logistic_regression": Style("#000000", "cross", "dot"),
    "guideline": Style("#CC79A7", "diamond", "dashdot"),
    "nhs": Style("#CC79A7", "diamond-open", "dashdot"),
    "ng127": Style("#D55E00", "hexagon", "dashdot"),
    "risk_default_card": Style("#0072B2", "star", "dashdot"),
    "risk_learned_card": Style("#E69F00", "star", "dashdot"),
    "risk_tree": Style("#009E73", "star", "dashdot"),
    "risk_flexible_reference": Style("#555555", "star-open", "dashdot"),
    "risk_logistic_regression": Style("#000000", "star-open", "dot"),
}

_SPARE_COLOURS = ("#56B4E9", "#F0E442", "#000000", "#999999")
_SPARE_SYMBOLS = ("hexagon", "pentagon", "cross", "triangle-down", "hourglass")
#: Spare colour and symbol pairs for ids the palette does not know, none of them a known id's.
_SPARE_STYLES = tuple(
    Style(colour, symbol)
    for symbol in _SPARE_SYMBOLS
    for colour in _SPARE_COLOURS
    if (colour, symbol) not in {(known.colour, known.symbol) for known in STYLES.values()}
)


def style_for(strategy: str, position: int = 0) -> Style:
    """The style of a model or policy id; an unknown id gets a spare colour and symbol by ``position``.

    A spare style never repeats a known id's colour and symbol, so an unknown model drawn
    beside the known ones is told apart from each of them.

    Examples
    --------
    >>> style_for("default_card").colour, style_for("guideline").symbol
    ('#0072B2', 'diamond')
    """
    known = STYLES.get(strategy)
    if known is not None:
        return known
    return _SPARE_STYLES[position % len(_SPARE_STYLES)]


def styles_for(strategies: list[str]) -> dict[str, Style]:
    """Styles for a list of ids: the fixed ones, and distinct spare ones for the others, in order.

    Examples
    --------
    >>> s = styles_for(["guideline", "risk_logistic_regression", "new_model", "other_model"])
    >>> len({(v.colour, v.symbol) for v in s.values()})
    4
    """
    unknown = [s for s in strategies if s not in STYLES]
    return {s: style_for(s, unknown.index(s) if s in unknown else 0) for s in strategies}


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` steps over ``span``.

    Examples
    --------
    >>> nice_step(26340), nice_step(0.3)
    (10000.0, 0.1)
    """
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


def log_risk_axis(low: float, high: float, *, max_ticks: int = 7) -> dict[str, Any]:
    """A log axis for risks from ``low`` to ``high``: ticks at 1, 2 and 5 per decade, as percentages.

    With more than ``max_ticks`` ticks, the 2s go, then the 5s (the powers of ten stay).
    Every tick label is distinct: none is "0.0%", none above 100%.

    Examples
    --------
    >>> log_risk_axis(0.008, 1.0)["ticktext"]
    ['1%', '2%', '5%', '10%', '20%', '50%', '100%']
    >>> log_risk_axis(0.0001, 1.0)["ticktext"]
    ['0.01%', '0.1%', '1%', '10%', '100%']
    """
    low, high = max(float(low), 1e-5), min(float(high), 1.0)
    if high <= low:
        high = min(1.0, low * 10)
    candidates = {
        mantissas: [m * 10.0**e for e in range(-5, 1) for m in mantissas if low <= m * 10.0**e <= high * (1 + 1e-9)]
        for mantissas in ((1, 2, 5), (1, 5), (1,), (1, 2, 3, 4, 5, 6, 7, 8, 9))
    }
    # A narrow range (under a 1-2-5 step) falls back to every whole mantissa: 40%, 50%, 60%, ...
    values = next(
        (v for v in candidates.values() if 2 <= len(v) <= max_ticks),
        candidates[(1, 2, 3, 4, 5, 6, 7, 8, 9)][:max_ticks] or [low, high],
    )
    values = [v for v in values if v <= 1.0]
    return dict(
        type="log",
        range=[math.log10(low), math.log10(high)],
        tickvals=values,
        ticktext=[tick_percent(v) for v in values],
    )


def tick_percent(value: float) -> str:
    """A tick's share as a percentage with no trailing zeros: 1%, 2%, 0.05%, 100%.

    Examples
    --------
    >>> [tick_percent(v) for v in (0.01, 0.0005, 0.2, 1.0)]
    ['1%', '0.05%', '20%', '100%']
    """
    return f"{round(value * 100, 6):g}%"


def count_axis(top: float, *, ticks: int = 4) -> dict[str, Any]:
    """A linear axis for counts from 0 to a little above ``top``, with round steps and thousands separators.

    Examples
    --------
    >>> count_axis(26340)["tickvals"]
    [0, 10000, 20000, 30000]
    """
    step = nice_step(max(float(top), 1.0), ticks)
    end = math.ceil(float(top) / step) * step
    values = [round(k * step, 10) for k in range(int(round(end / step)) + 1)]
    values = [int(v) if float(v).is_integer() else v for v in values]
    return dict(type="linear", range=[0, end * 1.02], tickvals=values, tickformat=",d", rangemode="tozero")


def legend_below(plot_height: float, *, gap: float = 76.0) -> dict[str, Any]:
    """A horizontal legend just under the plot's x-axis title (``gap`` pixels below the plot area).

    Pinned to the plot rather than to the bottom of the figure, so no blank band opens between
    the plot and its legend however many rows the legend wraps into.

    Parameters
    ----------
    plot_height : float
        The plot area's height in pixels (figure height minus the top and bottom margins).
    """
    return dict(orientation="h", yref="paper", y=-gap / max(plot_height, 1.0), yanchor="top", x=0, xanchor="left")
