"""Figures for explanations: a sensitivity sweep of one field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.plots._tree import RECOMMENDATION_COLOURS
from scoring.recommendation import LABELS, LEVELS
from scoring.schema import field_spec

__all__ = ["sweep_figure"]

_POINTS = "#333333"
_TOPIC = {"locations": "where it twitches"}


def _x_values(table: pd.DataFrame) -> tuple[list[Any], bool]:
    """x values and whether the axis is numeric (categories and area sets are shown as text)."""
    values = table["value"].tolist()
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values)
    if numeric:
        return [float(v) for v in values], True
    return ["; ".join(v) if isinstance(v, tuple) else str(v) for v in values], False


def sweep_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Draw a sweep from :func:`scoring.explain.sweep`.

    Top panel: the card's points total, with a marker per value coloured by the combined
    recommendation. Bottom panel: the tree's class probabilities at each value. The
    vignette's own value is marked.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`scoring.explain.sweep` (its ``attrs`` name the field).
    title : str, optional
        Default: "What if <field> changes?".

    Returns
    -------
    plotly.graph_objects.Figure
    """
    field = table.attrs.get("field", "value")
    try:
        label = field_spec(field).label
        unit = field_spec(field).unit
    except Exception:  # a table built by hand may name no contract field
        label, unit = str(field), None
    x, numeric = _x_values(table)
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.55, 0.45],
        subplot_titles=("Points card total and combined recommendation", "Decision tree: class probabilities"),
    )
    shape = "hv" if numeric else "linear"
    # Points between categories mean nothing: join the markers only along a number line.
    figure.add_trace(
        go.Scatter(
            x=x, y=table["points_total"], mode="lines", line=dict(color=_POINTS, shape=shape, width=1.5),
            name="points total", hoverinfo="skip", showlegend=False, visible=numeric,
        ),
        row=1, col=1,
    )
    for level in LEVELS:
        mask = (table["recommendation"] == level).to_numpy()
        if not mask.any():
            continue
        figure.add_trace(
            go.Scatter(
                x=[xi for xi, m in zip(x, mask) if m], y=table.loc[mask, "points_total"], mode="markers",
                marker=dict(color=RECOMMENDATION_COLOURS[level], size=8, symbol="circle"),
                name=f"combined: {LABELS[level]}", legendgroup="combined",
                customdata=np.stack(
                    [table.loc[mask, "card_recommendation"], table.loc[mask, "tree_recommendation"].astype(str)], axis=1
                ),
                hovertemplate="%{x}: %{y} points<br>card %{customdata[0]}, tree %{customdata[1]}<extra></extra>",
            ),
            row=1, col=1,
        )
    has_tree = not table["p_urgent"].isna().all()
    if has_tree:
        for level in LEVELS:
            figure.add_trace(
                go.Scatter(
                    x=x, y=table[f"p_{level}"], mode="lines" if numeric else "lines+markers", line=dict(color=RECOMMENDATION_COLOURS[level], shape=shape),
                    name=f"tree: P({LABELS[level]})", legendgroup="tree",
                    hovertemplate="%{x}: %{y:.0%}<extra></extra>",
                ),
                row=2, col=1,
            )
    else:
        figure.add_annotation(text="assessed without a tree", showarrow=False, xref="x2 domain", yref="y2 domain", x=0.5, y=0.5)
    if "is_current" in table and table["is_current"].any():
        here = x[int(np.flatnonzero(table["is_current"].to_numpy())[0])]
        for row in (1, 2):
            figure.add_vline(x=here, line=dict(color="#777777", dash="dot"), row=row, col=1)
        figure.add_annotation(
            text=f"this vignette: {here}", showarrow=False, x=here, y=1.0, xref="x", yref="y domain",
            yanchor="bottom", font=dict(color="#555555", size=11),
        )
    axis_title = f"{label} ({unit})" if unit and unit not in ("0-10",) else label
    figure.update_xaxes(title_text=axis_title, row=2, col=1)
    if not numeric:
        figure.update_xaxes(type="category")
    figure.update_yaxes(title_text="points", row=1, col=1)
    figure.update_yaxes(title_text="probability", range=[-0.02, 1.02], tickformat=".0%", row=2, col=1)
    figure.update_layout(
        title=title or f"What if {_TOPIC.get(field, label.lower())} changes?", height=560, plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.18), margin=dict(l=60, r=20, t=80, b=40),
    )
    figure.update_xaxes(showgrid=True, gridcolor="#EEEEEE")
    figure.update_yaxes(showgrid=True, gridcolor="#EEEEEE")
    return figure
