"""The world-interval figure: each headline metric's sampling CI beside its range across plausible worlds.

It draws the ``worlds`` table of an evaluation (:func:`scoring.evaluate.evaluate_worlds`);
nothing here computes a metric.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["world_interval_figure"]

#: Colour-blind-safe (Okabe-Ito): the world interval sky blue and wide, the CI dark blue and narrow.
_WORLD, _CI, _POINT = "#56B4E9", "#0072B2", "#000000"
_COLUMNS = ("label", "share", "point", "ci_low", "ci_high", "shipped_world", "world_low", "world_high")


def world_interval_figure(table: pd.DataFrame, *, headline_only: bool = True, title: str | None = None) -> go.Figure:
    """One strip per metric: the world interval (wide, light), the sampling 95% CI (narrow, dark), the estimate.

    Parameters
    ----------
    table : DataFrame
        An evaluation's ``worlds`` table (:attr:`scoring.evaluate.WorldAnalysis.table`).
    headline_only : bool, default True
        Only the rows marked ``headline``.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A strip per metric, each on its own axis (a share in percent); where the evaluation has
        no estimate, the shipped world's value is the dot and no CI is drawn.

    Raises
    ------
    ValueError
        When a column is missing (naming it).
    """
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the worlds table has no column(s) {', '.join(missing)}; pass an evaluation's worlds table")
    rows = table[table["headline"]] if headline_only and "headline" in table.columns else table
    rows = rows.reset_index(drop=True)
    count = max(len(rows), 1)
    figure = make_subplots(rows=count, cols=1, subplot_titles=[str(label) for label in rows["label"]] or [""])
    for i, row in enumerate(rows.itertuples(index=False), start=1):
        scale = 100.0 if row.share else 1.0
        estimate = row.point if math.isfinite(row.point) else row.shipped_world
        shown = "%{x:.1f}%" if row.share else "%{x:.3f}"
        figure.add_trace(
            go.Scatter(
                x=[row.world_low * scale, row.world_high * scale],
                y=[0, 0],
                mode="lines",
                line=dict(color=_WORLD, width=14),
                name="world interval (95% of worlds)",
                legendgroup="world",
                showlegend=i == 1,
                hovertemplate=f"world interval: {shown}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        if math.isfinite(row.ci_low):
            figure.add_trace(
                go.Scatter(
                    x=[row.ci_low * scale, row.ci_high * scale],
                    y=[0, 0],
                    mode="lines",
                    line=dict(color=_CI, width=5),
                    name="95% CI (sampling)",
                    legendgroup="ci",
                    showlegend=i == 1,
                    hovertemplate=f"95% CI: {shown}<extra></extra>",
                ),
                row=i,
                col=1,
            )
        figure.add_trace(
            go.Scatter(
                x=[estimate * scale],
                y=[0],
                mode="markers",
                marker=dict(color=_POINT, size=9, symbol="diamond"),
                name="estimate",
                legendgroup="point",
                showlegend=i == 1,
                hovertemplate=f"estimate: {shown}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        figure.update_yaxes(visible=False, range=[-1, 1], row=i, col=1)
        figure.update_xaxes(ticksuffix="%" if row.share else "", row=i, col=1)
    figure.update_layout(
        title=title or "Headline results: sampling CI and world interval",
        height=110 + 85 * count,
        margin=dict(l=20, r=20, t=90, b=30),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0),
        template="plotly_white",
    )
    return figure
