"""Figures of the points card: the card itself, its risk table, its calibration, one total.

Every figure is drawn from data computed elsewhere (the :class:`~scoring.engine.card.Card`,
:func:`scoring.engine.calibration.risk_table`, :func:`scoring.engine.calibration.calibration_bins` and
:func:`~scoring.engine.calibration.calibration_metrics`, a :class:`~scoring.assessment.CardView`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from scoring.plots._style import count_axis, legend_below, log_risk_axis
from scoring.plots._text import wrap, wrap_units
from scoring.plots._tree import RECOMMENDATION_COLOURS

__all__ = ["card_table_figure", "risk_table_figure", "calibration_figure", "points_waterfall_figure"]

_UP = "#999999"
_DOWN = "#009E73"
_TOTAL = "#333333"


def card_table_figure(card: Any) -> go.Figure:
    """The card as a plotly table: items (with group limits), red flags and bands.

    When the card's calibration records likelihood ratios, an "LR" column next to the points
    shows each item's ratio in the learning data, explained in a note under the table
    (:func:`scoring.engine.card.likelihood_ratio_note`).

    Parameters
    ----------
    card : Card
        From :func:`scoring.engine.card.load_card`.
    """
    from scoring.engine.card import likelihood_ratio_note, likelihood_ratio_text

    # One list per table column, filled row by row.
    points: list[str] = []
    ratios: list[str] = []
    labels: list[str] = []
    conditions: list[str] = []
    notes: list[str] = []
    fills: list[str] = []
    groups = {g.group_id: g for g in card.groups}

    def add(*row: str) -> None:
        for column, value in zip((points, ratios, labels, conditions, notes, fills), row, strict=True):
            column.append(value)

    for section in [None, *groups]:
        members = [item for item in card.items if item.group == section]
        if not members:
            continue
        if section is not None:
            group = groups[section]
            add("", "", f"<b>{group.label}</b> ({group.cap_text()})", "", group.note, "#F2F2F2")
        for item in members:
            ratio = likelihood_ratio_text(card.likelihood_ratio(item.item_id))
            add(f"{item.points:+d}", ratio, item.label, item.condition, item.evidence, "white")
    if card.red_flags:
        add("", "", "<b>Red flags: urgent whatever the total</b>", "", "", "#F2F2F2")
        for flag in card.red_flags:
            add("!", "", flag.label, flag.condition, flag.evidence, "#FBE3D6")
    add("", "", f"<b>Bands</b> (totals run from {card.min_total} to {card.max_total})", "", "", "#F2F2F2")
    for band in card.bands:
        add(f"{band.min_points} to {band.max_points}", "", band.name, band.recommendation.value, band.advice, "white")
    footnote = likelihood_ratio_note(card)
    header = ["Points", "LR", "Item", "Condition", "Source / advice"]
    values, widths = [points, ratios, labels, conditions, notes], [60, 50, 260, 200, 420]
    if not footnote:
        # Without recorded ratios the column would be empty: leave it out.
        del header[1], values[1], widths[1]
    figure = go.Figure(
        go.Table(
            columnwidth=widths,
            header=dict(values=header, align="left", fill_color="#DDDDDD"),
            cells=dict(values=values, align="left", fill_color=[fills] * len(values), height=24),
        )
    )
    figure.update_layout(
        title=f"Points card: {card.name} (version {card.version})",
        margin=dict(l=10, r=10, t=50, b=110 if footnote else 10),
    )
    if footnote:
        figure.add_annotation(
            text=wrap(footnote, 150),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yanchor="top",
            yshift=-8,
            showarrow=False,
            align="left",
            font=dict(size=11),
        )
    return figure


_RISK_TABLE_HEIGHT = 520


def _lowest_risk(table: pd.DataFrame) -> float:
    """The lowest risk the risk table's log axis shows: its smallest risk, not below 0.01%."""
    risks = pd.concat([table["risk"], table.get("risk_trained", table["risk"]), table["observed"]])
    positive = risks[risks > 0]
    return max(float(positive.min()) / 1.5, 1e-4) if len(positive) else 1e-4


def risk_table_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Risk by points total, in the stated population and the learning mix, with observed shares and counts.

    Risks of a serious cause span several orders of magnitude, so the risk axis is
    logarithmic. The observed shares are those of the fitting sample (the learning mix), so
    they sit next to the learning-mix line; the stated population's line is the one a reader
    is given.

    Parameters
    ----------
    table : DataFrame
        From :func:`scoring.engine.calibration.risk_table` (indexed by ``points_total``).
    """
    from scoring.engine.populations import load_population

    population = load_population(table.attrs.get("population"))
    trained = load_population(table.attrs.get("trained_on", "enriched"))
    totals = table.index.to_numpy()
    colours = [RECOMMENDATION_COLOURS[r] for r in table["recommendation"]]
    figure = go.Figure()
    figure.add_bar(
        x=totals,
        y=table["n"],
        name="fitting vignettes (no red flag)",
        marker_color=colours,
        opacity=0.35,
        yaxis="y2",
        hovertemplate="total %{x}: %{y} vignettes<extra></extra>",
    )
    figure.add_scatter(
        x=totals,
        y=table["risk"],
        mode="lines+markers",
        name=f"risk: {population.label}",
        line=dict(color=_TOTAL),
        hovertemplate="total %{x}: %{y:.2%}<extra></extra>",
    )
    if population.id != trained.id:
        figure.add_scatter(
            x=totals,
            y=table["risk_trained"],
            mode="lines",
            name=f"risk: {trained.label}",
            line=dict(color=_TOTAL, dash="dot"),
            hovertemplate="total %{x}: %{y:.2%} in the learning mix<extra></extra>",
        )
    observed = table["observed"].where(table["observed"] > 0)
    figure.add_scatter(
        x=totals,
        y=observed,
        mode="markers",
        name=f"observed share: {trained.label}",
        marker=dict(symbol="x", size=9, color="#CC79A7"),
        hovertemplate="total %{x}: %{y:.2%} observed<extra></extra>",
    )
    figure.update_layout(
        title=title or "Points total and the risk<br>of a serious cause",
        # Whole points, as many ticks as the width has room for (one per point crowds a phone).
        xaxis=dict(title="points total", tickformat="d"),
        # Risks from well under 0.1% to nearly 100%: a log axis with 1-2-5 ticks, never above 100%.
        yaxis=dict(title="risk (log scale)", **log_risk_axis(_lowest_risk(table), 1.0)),
        # Counts on their own linear axis, in round steps.
        yaxis2=dict(title="vignettes", overlaying="y", side="right", showgrid=False, **count_axis(table["n"].max())),
        legend=legend_below(_RISK_TABLE_HEIGHT - 100 - 60),
        height=_RISK_TABLE_HEIGHT,
        margin=dict(l=70, r=70, t=100, b=60),
    )
    return figure


def calibration_figure(bins: pd.DataFrame, metrics: Mapping[str, float] | None = None) -> go.Figure:
    """Observed against predicted, one point per bin, with calibration intercept and slope.

    Parameters
    ----------
    bins : DataFrame
        From :func:`scoring.engine.calibration.calibration_bins` (``bin``, ``n``, ``predicted``,
        ``observed``).
    metrics : mapping, optional
        From :func:`scoring.engine.calibration.calibration_metrics`; its intercept, slope and Brier
        score go in the title.
    """
    size = 8 + 22 * (bins["n"] / bins["n"].max()) ** 0.5
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration", line=dict(color=_UP, dash="dash"))
    figure.add_scatter(
        x=bins["predicted"],
        y=bins["observed"],
        # The bins crowd into two corners, where permanent labels would pile up: the
        # points total shows on hover instead.
        mode="markers",
        name="points total",
        text=bins["bin"].astype(str),
        marker=dict(size=size, color=_TOTAL, opacity=0.7),
        customdata=bins["n"],
        hovertemplate="total %{text}: predicted %{x:.1%}, observed %{y:.1%}, n=%{customdata}<extra></extra>",
    )
    title = "Calibration: observed against predicted"
    if metrics:
        title += (
            f"<br><sup>intercept {metrics['calibration_intercept']:.3f}, slope {metrics['calibration_slope']:.3f},"
            f"<br>Brier {metrics['brier']:.4f} (n = {metrics['n']:,})</sup>"
        )
    figure.update_layout(
        title=title,
        xaxis=dict(title="predicted risk", range=[-0.02, 1.02], tickformat=".0%"),
        yaxis=dict(title="observed share", range=[-0.02, 1.05], tickformat=".0%"),
        showlegend=False,
    )
    return figure


def points_waterfall_figure(card_view: Any) -> go.Figure:
    """How one vignette's items add up to its total, with red flags annotated.

    A horizontal waterfall: one bar per scored item, top to bottom in card order, and the
    total last, at the bottom. Item labels are long, so they read across on the y axis
    and the figure grows with the number of bars.

    Parameters
    ----------
    card_view : CardView
        ``Assessment.card`` (or :meth:`scoring.engine.card.Card.view`).
    """
    items = list(card_view.items)
    labels = [item.label for item in items] + ["Total"]
    values = [item.points for item in items] + [card_view.points_total]
    # With no item the total's own label says so: a note placed on the plot would sit on
    # top of the zero-width total bar and its "0".
    total_text = str(card_view.points_total) + ("" if items else " (no item scored)")
    figure = go.Figure(
        go.Waterfall(
            orientation="h",
            x=values,
            y=labels,
            measure=["relative"] * len(items) + ["total"],
            text=[f"{v:+d}" for v in values[:-1]] + [total_text],
            textposition="outside",
            cliponaxis=False,
            increasing=dict(marker=dict(color=_UP)),
            decreasing=dict(marker=dict(color=_DOWN)),
            totals=dict(marker=dict(color=RECOMMENDATION_COLOURS[card_view.band.recommendation.value])),
            connector=dict(line=dict(color="#CCCCCC")),
        )
    )
    band = card_view.band
    # Two short lines, so the title fits a phone.
    title = (
        f"{card_view.points_total} points -> {card_view.recommendation.value}"
        f"<br><sup>band '{band.name}' ({band.min_points} to {band.max_points})</sup>"
    )
    note_lines = _add_red_flag_note(figure, card_view)
    ticks = [wrap(text, 24) for text in labels]
    row_height = max(_WATERFALL_BAR_HEIGHT, 14 * max(t.count("<br>") + 1 for t in ticks) + 12)
    figure.update_layout(
        title=dict(text=title, yref="container", y=1.0, yanchor="top", pad=dict(t=28)),
        xaxis=dict(title="points", zeroline=True, zerolinecolor="#999999", range=_waterfall_range(values[:-1])),
        # Reversed, so the first item is at the top and the total at the bottom.
        # Long item labels on two or three lines: the bars keep room on a phone.
        yaxis=dict(
            autorange="reversed",
            automargin=True,
            ticksuffix="  ",
            tickvals=labels,
            ticktext=ticks,
        ),
        showlegend=False,
        margin=dict(t=_WATERFALL_TITLE_HEIGHT + _WATERFALL_NOTE_LINE * note_lines, r=40),
        height=_WATERFALL_BASE_HEIGHT + _WATERFALL_NOTE_LINE * note_lines + row_height * len(labels),
    )
    return figure


def _add_red_flag_note(figure: go.Figure, card_view: Any) -> int:
    """Name the red flags that fired above the bars; return how many lines the note takes (0: none)."""
    if not card_view.red_flags:
        return 0
    # Each flag's label stays whole on its line, so it reads as one phrase.
    flags = [flag.label.lower() for flag in card_view.red_flags]
    units = ["Red flag:", *[f"{label}," for label in flags[:-1]], f"{flags[-1]}."]
    note = wrap_units([*units, "Urgent", "whatever", "the", "total."], 30)
    # Between the title and the bars, flush with the plot's right edge: on a phone the
    # item labels leave the bars a narrow strip, and the note must stay on screen.
    figure.add_annotation(
        text=note,
        xref="paper",
        yref="paper",
        x=1.0,
        xanchor="right",
        align="left",
        y=1.0,
        yanchor="bottom",
        yshift=6,
        showarrow=False,
        font=dict(color=RECOMMENDATION_COLOURS["urgent"], size=13),
        bgcolor="#FBE3D6",
    )
    return note.count("<br>") + 1


def _waterfall_range(points: list[int]) -> list[float]:
    """The x range of a waterfall, padded so a bar's value, written past its end, stays off the item labels."""
    running = [0]
    for value in points:
        running.append(running[-1] + value)
    low, high = min(running), max(running)
    pad = max(1.0, 0.3 * (high - low))
    return [low - pad, high + pad]


# Pixels: title and x axis, a line of the red-flag note, then one row per bar (taller
# when an item's label takes more lines).
_WATERFALL_BASE_HEIGHT = 150
_WATERFALL_TITLE_HEIGHT = 84
_WATERFALL_NOTE_LINE = 18
_WATERFALL_BAR_HEIGHT = 34
