"""Figures for a case page: several precomputed sweeps in one chart, switched with a menu."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from scoring.contract.recommendation import LABELS, LEVELS
from scoring.contract.schema import field_spec
from scoring.plots._explain import _x_values, sweep_axis
from scoring.plots._tree import RECOMMENDATION_COLOURS
from scoring.wording import axis_title_text, format_number

__all__ = ["sweep_explorer_figure"]


def _x_axis(name: str, frame: pd.DataFrame) -> tuple[list[Any], list[str], dict[str, Any]]:
    """Where one sweep's values go on the x axis, how they read, and the axis settings."""
    x, numeric = _x_values(frame)
    if not numeric:
        return x, x, {"type": "category", "categoryorder": "array", "categoryarray": x}
    shown = [format_number(v) for v in x]
    # Duration on a log axis, as in every sweep figure: 2 and 4 weeks stay apart.
    positions, axis = sweep_axis(name, x)
    if axis["type"] == "linear":
        # The menu swaps the whole axis: drop a log axis's range and ticks.
        axis = {**axis, "autorange": True, "range": None, "tickvals": None, "ticktext": None}
    return positions, shown, axis


def _sweep_traces(name: str, frame: pd.DataFrame, *, visible: bool) -> tuple[list[go.Scatter], dict[str, Any]]:
    """Traces for one sweep (points line, a marker trace per recommendation, 'you are here') and its x axis."""
    # Numbers on a numeric axis; yes/no, categories and location sets as labelled categories.
    x, shown, axis = _x_axis(name, frame)
    numeric = axis["type"] != "category"
    traces = []
    if numeric:
        # Points change in steps at the card's thresholds: draw them as steps, not slopes.
        traces.append(
            go.Scatter(
                x=x,
                y=list(frame["points_total"]),
                mode="lines",
                name="Points total",
                line={"color": "#555555", "width": 1.5, "shape": "hv"},
                hoverinfo="skip",
                visible=visible,
                legendgroup="points",
            )
        )
    for level in LEVELS:
        mask = (frame["recommendation"] == level).to_numpy()
        if not mask.any():
            continue
        traces.append(
            go.Scatter(
                x=[v for v, m in zip(x, mask) if m],
                y=list(frame["points_total"][mask]),
                text=[v for v, m in zip(shown, mask) if m],
                mode="markers",
                name=LABELS[level],
                marker={"color": RECOMMENDATION_COLOURS[level], "size": 7 if numeric else 14},
                hovertemplate="%{text}: %{y} points, " + LABELS[level] + "<extra></extra>",
                visible=visible,
                legendgroup=level,
            )
        )
    current = frame["is_current"].to_numpy()
    if current.any():
        traces.append(
            go.Scatter(
                x=[v for v, m in zip(x, current) if m],
                y=list(frame["points_total"][current]),
                text=[v for v, m in zip(shown, current) if m],
                mode="markers",
                name="This vignette",
                marker={"color": "#000000", "size": 16, "symbol": "star", "line": {"color": "#ffffff", "width": 1}},
                hovertemplate="this vignette: %{text}, %{y} points<extra></extra>",
                visible=visible,
                legendgroup="current",
            )
        )
    return traces, {"title": {"text": axis_title_text(name)}, **axis}


def _menu_button(name: str, start: int, stop: int, total: int, axis: dict[str, Any]) -> dict[str, Any]:
    """A menu entry showing only the traces ``start:stop``, with that sweep's x axis and title."""
    spec = field_spec(name)
    return {
        "label": spec.label,
        "method": "update",
        "args": [
            {"visible": [start <= i < stop for i in range(total)]},
            {"xaxis": axis, "title": {"text": f"What if {spec.label.lower()} were different?"}},
        ],
    }


def sweep_explorer_figure(sweeps: Mapping[str, pd.DataFrame]) -> go.Figure:
    """One figure holding several precomputed sweeps, switched with a dropdown menu.

    A static page cannot call back into Python, so every field's sweep is computed at
    build time and the menu only toggles which traces are visible.

    Parameters
    ----------
    sweeps : mapping of field name to DataFrame
        Tables from :func:`scoring.analysis.explain.sweep`, in menu order; the first is shown.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure()
    spans = []
    for index, (name, frame) in enumerate(sweeps.items()):
        traces, axis = _sweep_traces(name, frame, visible=index == 0)
        start = len(fig.data)
        fig.add_traces(traces)
        spans.append((name, start, start + len(traces), axis))
    buttons = [_menu_button(name, start, stop, len(fig.data), axis) for name, start, stop, axis in spans]
    first = field_spec(spans[0][0]) if spans else None
    if spans:
        fig.update_xaxes(**spans[0][3])
    fig.update_layout(
        # The title on top and the menu on its own line below it, so they never meet on a phone.
        title={
            "text": f"What if {first.label.lower()} were different?" if first else "What if",
            "x": 0,
            "xref": "paper",
            "y": 0.97,
            "yref": "container",
            "yanchor": "top",
        },
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0,
                "xanchor": "left",
                "y": 1.03,
                "yanchor": "bottom",
                "showactive": True,
            }
        ],
        yaxis_title="Points total",
        template="plotly_white",
        height=460,
        margin={"l": 60, "r": 20, "t": 100, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
