"""Figures of the risk-model comparison: ROC curves, calibration curves, and where policies send people.

Each takes the tidy tables of :class:`scoring.analysis.compare.Comparison` (or any tables with
the same columns, e.g. from :mod:`scoring.analysis.risk_metrics`), so a figure can be drawn
for any set of models or policies; nothing here computes a metric.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from scoring.contract.recommendation import LABELS, LEVELS
from scoring.plots._style import legend_below, log_risk_axis, style_for, styles_for
from scoring.plots._text import legend_name, wrap
from scoring.plots._tree import RECOMMENDATION_COLOURS

__all__ = ["roc_figure", "model_calibration_figure", "referral_figure"]

_DIAGONAL = "#AAAAAA"


def _colours(models: list[str]) -> dict[str, str]:
    """Each model's or policy's colour, from the one palette (:data:`scoring.plots._style.STYLES`)."""
    return {model: style.colour for model, style in styles_for(models).items()}


def _dash(model: str) -> str:
    """A model's or policy's line dash, from the one palette."""
    return style_for(model).dash


#: The ROC figure's height in pixels (see :func:`roc_figure`).
_ROC_HEIGHT = 840


def _legend_below(height: float, top: float, bottom: float) -> dict[str, Any]:
    """The legend just under the x-axis title of a figure ``height`` px tall with these margins."""
    return legend_below(height - top - bottom)


def _log_ticks(low: float, high: float) -> dict[str, Any]:
    """Log-axis ticks between ``low`` and ``high`` (1-2-5 per decade, fewer when crowded), as percentages (no ``type``)."""
    # At most five ticks: 0.5% beside 1% collides on a phone's width.
    axis = log_risk_axis(low, high, max_ticks=5)
    axis.pop("type")
    return axis


def _zoom(operating_points: pd.DataFrame | None) -> tuple[list[float], list[float]]:
    """Axis ranges around the policies that refer few people, where the curves differ most."""
    if operating_points is None or not len(operating_points):
        return [0.0, 0.25], [0.75, 1.0]
    few = (
        operating_points[operating_points["share_referred"] <= 0.5]
        if "share_referred" in operating_points
        else operating_points
    )
    few = few if len(few) else operating_points
    right = float(min(1.0, max(0.2, 1.5 * (1 - few["specificity"]).max())))
    bottom = float(max(0.0, min(0.8, few["sensitivity"].min() - 0.1)))
    return [0.0, right], [bottom, 1.0]


def roc_figure(
    roc: pd.DataFrame,
    *,
    models: pd.DataFrame | None = None,
    operating_points: pd.DataFrame | None = None,
    title: str | None = None,
) -> go.Figure:
    """One ROC curve per model, with each policy's operating point on it: whole, and zoomed in.

    The left panel shows the whole curves; the right one the corner where the policies that
    refer few people sit (a few percent of people without a serious cause referred, most
    serious causes found), where the models differ.

    Parameters
    ----------
    roc : DataFrame
        Long: ``model``, ``label``, ``false_positive_rate``, ``true_positive_rate``
        (:attr:`Comparison.roc`).
    models : DataFrame, optional
        Indexed by model with ``auc`` (and ``auc_low``, ``auc_high``): the legend shows them.
    operating_points : DataFrame, optional
        Indexed by policy with ``label``, ``model``, ``sensitivity`` and ``specificity``
        (:attr:`Comparison.policies`): a marker where each one refers people, in the colour
        of the model whose risk it reads (a diamond for the guideline).
    title : str, optional
    """
    from plotly.subplots import make_subplots

    order = list(dict.fromkeys(roc["model"]))
    colours = _colours(order)
    figure = make_subplots(rows=1, cols=2, subplot_titles=["Whole curve", "Zoomed in"], horizontal_spacing=0.12)
    for col in (1, 2):
        figure.add_scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="chance",
            line=dict(color=_DIAGONAL, dash="dot"),
            hoverinfo="skip",
            showlegend=col == 1,
            row=1,
            col=col,
        )
    for model in order:
        curve = roc[roc["model"] == model]
        name = str(curve["label"].iloc[0])
        if models is not None and model in models.index:
            row = models.loc[model]
            name += f": AUC {row['auc']:.3f}"
            if "auc_low" in row:
                name += f" ({row['auc_low']:.3f}-{row['auc_high']:.3f})"
        for col in (1, 2):
            figure.add_scatter(
                x=curve["false_positive_rate"],
                y=curve["true_positive_rate"],
                mode="lines",
                name=legend_name(name),
                legendgroup=model,
                showlegend=col == 1,
                line=dict(color=colours[model], dash=_dash(model), shape="hv"),
                hovertemplate="1 - specificity %{x:.1%}<br>sensitivity %{y:.1%}<extra>" + name + "</extra>",
                row=1,
                col=col,
            )
    if operating_points is not None:
        for policy, point in operating_points.iterrows():
            for col in (1, 2):
                figure.add_scatter(
                    x=[1 - point["specificity"]],
                    y=[point["sensitivity"]],
                    mode="markers",
                    name=legend_name(str(point["label"])),
                    legendgroup=str(policy),
                    showlegend=col == 1,
                    marker=dict(
                        size=12,
                        symbol=style_for(str(policy)).symbol,
                        color=style_for(str(policy)).colour,
                        line=dict(color="white", width=1.5),
                    ),
                    hovertemplate=f"{point['label']}<br>refers %{{y:.1%}} of serious causes<br>"
                    "and %{x:.1%} of the rest<extra></extra>",
                    row=1,
                    col=col,
                )
    x_zoom, y_zoom = _zoom(operating_points)
    figure.update_xaxes(title_text="1 - specificity", tickformat=".0%", showgrid=True, gridcolor="#EEEEEE")
    figure.update_yaxes(tickformat=".0%", showgrid=True, gridcolor="#EEEEEE")
    # No 0% tick on the whole curve's x axis: it would sit on the y axis's 0%.
    figure.update_xaxes(range=[0, 1], tickvals=[0.25, 0.5, 0.75], row=1, col=1)
    figure.update_yaxes(range=[0, 1.02], title_text="sensitivity", row=1, col=1)
    figure.update_xaxes(range=x_zoom, tickformat=".0%" if x_zoom[1] >= 0.2 else ".1%", row=1, col=2)
    figure.update_yaxes(range=[y_zoom[0], y_zoom[1] + 0.01], row=1, col=2)
    figure.update_layout(
        # Short lines: the title must fit a phone's width.
        title=title
        or "ROC curves<br><sup>serious causes found (sensitivity)<br>against others referred (1 - specificity)</sup>",
        plot_bgcolor="white",
        # Tall enough that on a phone, where the legend takes one row per entry (about 300 px)
        # and the plot shrinks to make room, the legend still starts below the x-axis titles;
        # on a desktop the panels are about square.
        legend=legend_below(_ROC_HEIGHT - 135 - 60, gap=100),
        height=_ROC_HEIGHT,
        margin=dict(l=70, r=20, t=135, b=60),
    )
    return figure


def model_calibration_figure(
    calibration: pd.DataFrame, *, models: pd.DataFrame | None = None, title: str | None = None
) -> go.Figure:
    """Observed share against mean predicted risk, per bin and per model, on log scales.

    Risks of a rare outcome span several orders of magnitude (from well under 1% to tens of
    percent), so both axes are logarithmic; a bin where nobody had the outcome cannot sit on a
    log axis and is left out of the drawing (its row stays in the table).

    Parameters
    ----------
    calibration : DataFrame
        Long: ``model``, ``label``, ``n``, ``predicted``, ``observed``
        (:attr:`Comparison.calibration`).
    models : DataFrame, optional
        Indexed by model with ``calibration_intercept`` and ``calibration_slope``: the legend
        shows them.
    title : str, optional
    """
    order = list(dict.fromkeys(calibration["model"]))
    colours = _colours(order)
    shown = calibration[(calibration["observed"] > 0) & (calibration["predicted"] > 0)]
    low = float(min(shown["predicted"].min(), shown["observed"].min())) if len(shown) else 1e-4
    high = float(max(shown["predicted"].max(), shown["observed"].max())) if len(shown) else 1.0
    low, high = max(low / 1.5, 1e-5), min(high * 1.5, 1.0)
    figure = go.Figure()
    figure.add_scatter(
        x=[low, high],
        y=[low, high],
        mode="lines",
        name="perfect calibration",
        line=dict(color=_DIAGONAL, dash="dot"),
        hoverinfo="skip",
    )
    for model in order:
        bins = shown[shown["model"] == model]
        if bins.empty:
            continue
        name = str(bins["label"].iloc[0])
        if models is not None and model in models.index:
            row = models.loc[model]
            name += f": slope {row['calibration_slope']:.2f}, intercept {row['calibration_intercept']:+.2f}"
        figure.add_scatter(
            x=bins["predicted"],
            y=bins["observed"],
            mode="lines+markers",
            name=legend_name(name),
            line=dict(color=colours[model], dash=_dash(model)),
            marker=dict(size=7, symbol=style_for(model).symbol),
            customdata=bins["n"],
            hovertemplate="predicted %{x:.2%}, observed %{y:.2%}, n=%{customdata:,}<extra>" + name + "</extra>",
        )
    figure.update_layout(
        title=title or "Calibration<br><sup>observed share against predicted risk</sup>",
        xaxis=dict(title="mean predicted risk in the bin", type="log", **_log_ticks(low, high)),
        yaxis=dict(title="observed share with the outcome", type="log", **_log_ticks(low, high)),
        plot_bgcolor="white",
        legend=_legend_below(560, 90, 60),
        height=560,
        margin=dict(l=70, r=20, t=90, b=60),
    )
    figure.update_xaxes(showgrid=True, gridcolor="#EEEEEE")
    figure.update_yaxes(showgrid=True, gridcolor="#EEEEEE")
    return figure


def referral_figure(policies: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Stacked bars per policy: the share told self-care, to see a doctor, and urgent.

    Each bar's label also gives the share of serious causes the policy refers, so the cost
    (people referred) and the benefit (serious causes found) read side by side.

    Parameters
    ----------
    policies : DataFrame
        One row per policy with ``label``, ``share_<level>`` for each level and
        ``sensitivity`` (:attr:`Comparison.policies`).
    title : str, optional
    """
    names = [
        # Wrapped: a policy's name beside its bar must leave the bar room on a phone.
        f"{wrap(str(label), 26)}<br><sup>finds {s:.1%} of serious causes</sup>"
        for label, s in zip(policies["label"], policies["sensitivity"])
    ]
    figure = go.Figure()
    for level in LEVELS:
        shares = policies[f"share_{level}"].to_numpy(dtype=float)
        figure.add_bar(
            x=shares,
            y=names,
            orientation="h",
            name=LABELS[level],
            marker_color=RECOMMENDATION_COLOURS[level],
            # Short bars get no label: it would not fit across them.
            text=[f"{v:.1%}" if v >= 0.08 else "" for v in shares],
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
            hovertemplate="%{y}<br>" + LABELS[level] + ": %{x:.2%}<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        title=title or "Where each policy sends people",
        xaxis=dict(title="share of everyone", tickformat=".0%", range=[0, 1]),
        yaxis=dict(autorange="reversed", automargin=True),
        plot_bgcolor="white",
        legend=_legend_below(160 + 70 * len(policies), 60, 60) | dict(traceorder="normal"),
        height=160 + 70 * len(policies),
        margin=dict(l=10, r=20, t=60, b=60),
    )
    return figure
