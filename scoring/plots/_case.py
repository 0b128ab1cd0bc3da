"""Figures for a case page: several precomputed sweeps in one chart, switched with a menu."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from scoring.contract.recommendation import LABELS, LEVELS
from scoring.contract.schema import field_spec
from scoring.plots._explain import _x_values
from scoring.plots._tree import RECOMMENDATION_COLOURS
from scoring.wording import axis_title_text

__all__ = ["sweep_explorer_figure"]


def _sweep_traces(frame: pd.DataFrame, *, visible: bool) -> list[go.Scatter]:
    """Traces for one sweep: the points line, one marker trace per recommendation, 'you are here'."""
    # Numbers on a numeric axis; yes/no, categories and location sets as labelled categories.
    x, numeric = _x_values(frame)
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
                mode="markers",
                name=LABELS[level],
                marker={"color": RECOMMENDATION_COLOURS[level], "size": 7 if numeric else 14},
                hovertemplate="%{x}: %{y} points, " + LABELS[level] + "<extra></extra>",
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
                mode="markers",
                name="This vignette",
                marker={"color": "#000000", "size": 16, "symbol": "star", "line": {"color": "#ffffff", "width": 1}},
                hovertemplate="this vignette: %{x}, %{y} points<extra></extra>",
                visible=visible,
                legendgroup="current",
            )
        )
    return traces


def _menu_button(name: str, start: int, stop: int, total: int) -> dict[str, Any]:
    """A menu entry showing only the traces ``start:stop`` and retitling the axes."""
    spec = field_spec(name)
    return {
        "label": spec.label,
        "method": "update",
        "args": [
            {"visible": [start <= i < stop for i in range(total)]},
            {
                "xaxis": {"title": {"text": axis_title_text(name)}},
                "title": {"text": f"What if {spec.label.lower()} were different?"},
            },
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
        traces = _sweep_traces(frame, visible=index == 0)
        start = len(fig.data)
        fig.add_traces(traces)
        spans.append((name, start, start + len(traces)))
    buttons = [_menu_button(name, start, stop, len(fig.data)) for name, start, stop in spans]
    first = field_spec(spans[0][0]) if spans else None
    fig.update_layout(
        title={"text": f"What if {first.label.lower()} were different?" if first else "What if"},
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.18,
                "yanchor": "top",
                "showactive": True,
            }
        ],
        xaxis_title=(first.label if first else ""),
        yaxis_title="Points total",
        template="plotly_white",
        height=460,
        margin={"l": 60, "r": 20, "t": 90, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
