"""Figures for explanations: a sensitivity sweep of one field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.analysis.explain import LOG_SCALED_FIELDS, RESOLUTION
from scoring.contract.recommendation import LABELS, LEVELS
from scoring.contract.schema import field_spec
from scoring.plots._tree import RECOMMENDATION_COLOURS
from scoring.wording import axis_title_text, format_number, risk_percent

__all__ = ["sweep_axis", "sweep_figure"]

_POINTS = "#333333"
_TOPIC = {"locations": "where it twitches"}


def _x_values(table: pd.DataFrame) -> tuple[list[Any], bool]:
    """x values and whether the axis is numeric (categories and area sets are shown as text)."""
    values = table["value"].tolist()
    numeric = all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values
    )
    if numeric:
        return [float(v) for v in values], True
    return ["; ".join(v) if isinstance(v, tuple) else str(v) for v in values], False


def _log_axis(field: str, x: list[float]) -> tuple[list[float], dict[str, Any]]:
    """Positions on a log axis for ``x`` (0 drawn half a step above it) and the axis settings.

    A log axis has no zero, so zero gets the first tick, labelled "0", half the field's
    resolution from the origin: the next value a sweep can take sits one step further on.
    """
    floor = RESOLUTION.get(field, 1.0) / 2
    positions = [max(value, floor) for value in x]
    top = max(positions)
    ticks = [floor] + [t for t in _LOG_TICKS if floor < t <= top]
    axis = dict(
        type="log",
        range=[np.log10(floor) - 0.05, np.log10(top) + 0.05],
        tickvals=ticks,
        ticktext=["0"] + [f"{t:g}" for t in ticks[1:]],
    )
    return positions, axis


def sweep_axis(field: str, x: list[float]) -> tuple[list[float], dict[str, Any]]:
    """Where to draw a number field's values on an x axis, and the axis settings.

    Every sweep figure draws :data:`~scoring.analysis.explain.LOG_SCALED_FIELDS` (duration)
    on a log axis, whose telling values (2 and 4 weeks) would otherwise crowd into the
    first pixels of a 520-week range; other numbers get a linear axis.

    Parameters
    ----------
    field : str
        The contract field swept.
    x : list of float
        Its values.

    Returns
    -------
    positions : list of float
        Where to draw each value (zero moves to the log axis's first tick, labelled "0").
    axis : dict
        Settings for ``figure.update_xaxes(**axis)``.
    """
    if field in LOG_SCALED_FIELDS:
        return _log_axis(field, x)
    return list(x), dict(type="linear")


# Ticks for log axes: weeks, months, quarters, years (spaced to stay apart on a phone).
_LOG_TICKS = (1, 2, 4, 12, 26, 52, 104, 520)


def sweep_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Draw a sweep from :func:`scoring.analysis.explain.sweep`.

    Top panel: the card's points total, with a marker per value coloured by the
    recommendation (the sweep's policy). Bottom panel: the chance of a serious cause at each
    value from the card and from the tree, in the sweep's population, on a log scale (the
    risks run from a fraction of a percent to near certainty). The vignette's own value is
    marked.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`scoring.analysis.explain.sweep` (its ``attrs`` name the field).
    title : str, optional
        Default: "What if <field> changes?".

    Returns
    -------
    plotly.graph_objects.Figure
    """
    field = table.attrs.get("field", "value")
    try:
        label = field_spec(field).label
        axis_title = axis_title_text(field)
    except Exception:  # a table built by hand may name no contract field
        label = axis_title = str(field)
    x, numeric = _x_values(table)
    shown = [format_number(v) for v in x] if numeric else x  # what hover text and notes say
    x_axis: dict[str, Any] = dict(type="linear")
    if numeric:
        x, x_axis = sweep_axis(field, x)
    else:
        # In the sweep's order (the contract's), whatever order the traces meet them.
        x_axis = dict(type="category", categoryorder="array", categoryarray=x)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.55, 0.45],
        subplot_titles=("Points total and recommendation", _risk_title(table)),
    )
    figure.update_annotations(font_size=13)  # the subplot titles, short enough for a phone
    _add_points(figure, table, x, shown, numeric)
    _add_risks(figure, table, x, shown, numeric)
    _mark_current(figure, table, x, shown, log=x_axis["type"] == "log")
    figure.update_xaxes(**x_axis)
    figure.update_xaxes(title_text=axis_title, row=2, col=1)
    bottom = _bottom_margin(shown, numeric)
    if not numeric:
        # Upright labels at a known height, so the legend can start below them at any width.
        figure.update_xaxes(tickangle=-90, automargin=False)
    figure.update_yaxes(title_text="points", row=1, col=1)
    figure.update_yaxes(title_text="chance", **_risk_axis(table), row=2, col=1)
    figure.update_layout(
        title=title or f"What if {_TOPIC.get(field, label.lower())} changes?",
        height=400 + bottom,
        plot_bgcolor="white",
        # Just below the tick labels and axis title, whatever the width (on a phone its
        # entries stack into several rows, into the room the margin keeps below).
        legend=dict(
            orientation="h", yref="paper", y=-(_tick_room(shown, numeric) + _AXIS_TITLE + 8) / 320, yanchor="top", x=0
        ),
        margin=dict(l=60, r=20, t=80, b=bottom),
    )
    figure.update_xaxes(showgrid=True, gridcolor="#EEEEEE")
    figure.update_yaxes(showgrid=True, gridcolor="#EEEEEE")
    return figure


# Pixels: a character of a tick label, the axis title, and the legend when its entries
# stack one per row on a phone.
_CHAR_WIDTH = 7
_AXIS_TITLE = 36
_LEGEND = 150


def _tick_room(shown: list[str], numeric: bool) -> int:
    """Pixels under the plot for the tick labels (upright for categories)."""
    return 22 if numeric else 10 + _CHAR_WIDTH * max((len(text) for text in shown), default=0)


def _bottom_margin(shown: list[str], numeric: bool) -> int:
    """Room under the plot for the tick labels (upright for categories), axis title and legend."""
    return _tick_room(shown, numeric) + _AXIS_TITLE + _LEGEND


def _add_points(figure: go.Figure, table: pd.DataFrame, x: list[Any], shown: list[str], numeric: bool) -> None:
    """Top panel: the points total, a marker per value coloured by the recommendation (the sweep's policy)."""
    # Points between categories mean nothing: join the markers only along a number line,
    # as steps (the card and the tree change only at thresholds).
    if numeric:
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table["points_total"],
                mode="lines",
                line=dict(color=_POINTS, shape="hv", width=1.5),
                name="points total",
                hoverinfo="skip",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
    for level in LEVELS:
        mask = (table["recommendation"] == level).to_numpy()
        if not mask.any():
            continue
        figure.add_trace(
            go.Scatter(
                x=[xi for xi, m in zip(x, mask) if m],
                y=table.loc[mask, "points_total"],
                mode="markers",
                marker=dict(color=RECOMMENDATION_COLOURS[level], size=8, symbol="circle"),
                name=f"recommendation: {LABELS[level]}",
                legendgroup="recommendation",
                text=[si for si, m in zip(shown, mask) if m],
                customdata=np.stack(
                    [
                        table.loc[mask, "guideline_recommendation"],
                        table.loc[mask, "risk_policy_recommendation"],
                    ],
                    axis=1,
                ),
                hovertemplate=(
                    "%{text}: %{y} points<br>guideline %{customdata[0]}, risk policy %{customdata[1]}<extra></extra>"
                ),
            ),
            row=1,
            col=1,
        )


#: The bottom panel's lines: column, name in the legend, colour (colour-blind safe), marker.
_RISK_LINES = (
    ("risk", "points card", "#0072B2", "circle"),
    ("tree_risk", "decision tree", "#009E73", "diamond"),
)
#: Ticks of the risk axis, from 1 in 10,000 to certainty.
_RISK_TICKS = (0.0001, 0.001, 0.01, 0.1, 1.0)


def _risk_title(table: pd.DataFrame) -> str:
    """The bottom panel's title: what the risk is of (the sweep's population is in the legend's hover)."""
    return "Chance of a serious cause" if table.attrs.get("outcome", "serious_cause") == "serious_cause" else "Risk"


def _risk_values(table: pd.DataFrame) -> np.ndarray:
    columns = [name for name, *_ in _RISK_LINES if name in table]
    return table[columns].to_numpy(dtype=float).ravel() if columns else np.array([])


def _risk_axis(table: pd.DataFrame) -> dict[str, Any]:
    """A log axis over the risks drawn, with its ticks as the rest of zaro writes risks."""
    values = _risk_values(table)
    values = values[np.isfinite(values) & (values > 0)]
    low = float(values.min()) if len(values) else 0.001
    high = float(values.max()) if len(values) else 1.0
    ticks = [t for t in _RISK_TICKS if low / 10 <= t <= max(high * 10, low * 100)]
    return dict(
        type="log",
        range=[np.log10(max(low, 1e-5)) - 0.2, np.log10(min(high, 1.0)) + 0.2],
        tickvals=ticks,
        ticktext=[risk_percent(t) for t in ticks],
    )


def _add_risks(figure: go.Figure, table: pd.DataFrame, x: list[Any], shown: list[str], numeric: bool) -> None:
    """Bottom panel: the card's and the tree's chance of a serious cause at each value."""
    population = table.attrs.get("population_label") or table.attrs.get("population")
    where = f" in {population}" if population else ""
    drawn = 0
    for column, name, colour, symbol in _RISK_LINES:
        if column not in table or table[column].isna().all():
            continue
        drawn += 1
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table[column],
                mode="lines+markers" if numeric else "markers",
                line=dict(color=colour, shape="hv"),
                marker=dict(color=colour, size=6 if numeric else 9, symbol=symbol),
                name=f"chance, {name}",
                legendgroup="risk",
                text=[risk_percent(r) for r in table[column]],
                customdata=shown,
                hovertemplate=f"%{{customdata}}: %{{text}}{where}<extra>{name}</extra>",
            ),
            row=2,
            col=1,
        )
    if not drawn:
        figure.add_annotation(
            text="no risk estimate: no calibrated card and no tree",
            showarrow=False,
            xref="x2 domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
        )


def _mark_current(figure: go.Figure, table: pd.DataFrame, x: list[Any], shown: list[str], *, log: bool) -> None:
    """A dotted line through both panels at the vignette's own value, named in the legend."""
    if "is_current" not in table or not table["is_current"].any():
        return
    i = int(np.flatnonzero(table["is_current"].to_numpy())[0])
    for row in (1, 2):
        figure.add_vline(x=x[i], line=dict(color="#777777", dash="dot"), row=row, col=1)
    # Named in the legend, not on the plot: a label on the plot sat on the dots.
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=dict(color="#777777", dash="dot"),
            name=f"this vignette: {shown[i]}",
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
