"""Figures of the evaluation: decision curves, smoothed calibration, thresholds, subgroups.

Each takes a tidy table of :mod:`scoring.evaluate` (or any table with the same columns) and
only draws it. Every figure fits a phone's width: short title lines, the legend below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from scoring.plots._compare import _DIAGONAL, _colours, _dash, _legend_below, _log_ticks
from scoring.plots._style import log_risk_axis, style_for
from scoring.plots._text import legend_name

__all__ = ["decision_curve_figure", "calibration_smooth_figure", "threshold_figure", "subgroup_figure"]

_GRID = "#EEEEEE"
_TREAT_ALL_COLOUR = "#999999"
_TREAT_NONE_COLOUR = "#222222"
#: The metrics a subgroup figure can show (each has ``_low`` and ``_high`` columns).
_METRICS = {
    "auc": "AUC",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "ppv": "PPV",
    "npv": "NPV",
    "share_referred": "Share referred",
}
_GROUPINGS = {"age_band": "Age", "sex": "Sex"}


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


#: The lowest risk a log axis shows: below it risks are written "under 0.01%".
_LOWEST_RISK = 1e-4


def _sparse_log_ticks(low: float, high: float) -> dict[str, Any]:
    """Log-axis ticks at 1, 3, 10, 30... per ten-thousand, or only the powers of ten when that
    would crowd a phone's width (more than six ticks)."""
    axis = _log_ticks(low, high)
    if len(axis["tickvals"]) > 6:
        keep = [k for k, value in enumerate(axis["tickvals"]) if abs(np.log10(value) - round(np.log10(value))) < 1e-9]
        axis["tickvals"] = [axis["tickvals"][k] for k in keep]
        axis["ticktext"] = [axis["ticktext"][k] for k in keep]
    return axis


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {', '.join(missing)}; the table has {', '.join(map(str, table.columns))}"
        )


def decision_curve_figure(curve: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Net benefit against threshold probability: one line per model and policy, and the references.

    A strategy is worth using at a threshold where its line lies above both "refer everyone"
    and "refer no one" (0). The threshold axis is logarithmic: for a rare outcome the
    thresholds that matter are well under 10%.

    Parameters
    ----------
    curve : DataFrame
        Long: ``strategy``, ``label``, ``kind``, ``threshold``, ``net_benefit`` and
        ``referred_share`` (:func:`scoring.evaluate.decision_curve`).
    title : str, optional
    """
    _require(curve, ("strategy", "label", "kind", "threshold", "net_benefit", "referred_share"), "a decision curve")
    order = list(dict.fromkeys(curve["strategy"]))
    colours = _colours([s for s in order if s not in ("treat_all", "treat_none")])
    figure = go.Figure()
    for strategy in order:
        line = curve[curve["strategy"] == strategy].sort_values("threshold")
        kind, name = str(line["kind"].iloc[0]), str(line["label"].iloc[0])
        style: dict[str, Any]
        if kind == "treat_all":
            style = dict(color=_TREAT_ALL_COLOUR, width=3)
        elif kind == "treat_none":
            style = dict(color=_TREAT_NONE_COLOUR, width=1.5, dash="dot")
        elif kind == "policy":
            style = dict(color=colours[strategy], dash=_dash(strategy), width=2)
        else:
            style = dict(color=colours[strategy], dash=_dash(strategy), width=2.5)
        figure.add_scatter(
            x=line["threshold"],
            y=line["net_benefit"],
            mode="lines",
            name=legend_name(name),
            line=style,
            customdata=line["referred_share"],
            hovertemplate="threshold %{x:.2%}<br>net benefit %{y:.3%}<br>referred %{customdata:.1%}<extra>"
            + name
            + "</extra>",
        )
    thresholds = curve["threshold"].to_numpy(dtype=float)
    low_t, high_t = float(thresholds.min()), float(thresholds.max())
    x_axis = _log_ticks(low_t, high_t)
    # Room left of the first tick, so its label never sits in the corner with the y axis's.
    x_axis["range"] = [np.log10(low_t) - 0.12, np.log10(high_t) + 0.05]
    top = float(max(curve["net_benefit"].max(), 1e-6))
    low_y, high_y = -0.35 * top, 1.12 * top
    step = _nice_step(high_y - low_y)
    y_ticks = [v for v in np.arange(np.ceil(low_y / step) * step, high_y, step) if v > low_y + 0.08 * (high_y - low_y)]
    figure.update_layout(
        title=title
        or "Decision curves<br><sup>net benefit of referring, against<br>the risk that makes it worth it</sup>",
        xaxis=dict(title="threshold probability", type="log", **x_axis),
        yaxis=dict(
            title="net benefit (share of everyone)",
            range=[low_y, high_y],
            tickvals=[round(v, 12) for v in y_ticks],
            tickformat=".1%" if step < 0.01 else ".0%",
            zeroline=True,
            zerolinecolor="#CCCCCC",
        ),
        plot_bgcolor="white",
        legend=_legend_below(620, 120, 60),
        height=620,
        margin=dict(l=70, r=20, t=120, b=60),
    )
    figure.update_xaxes(showgrid=True, gridcolor=_GRID)
    figure.update_yaxes(showgrid=True, gridcolor=_GRID)
    return figure


def calibration_smooth_figure(
    smoothed: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    models: pd.DataFrame | None = None,
    title: str | None = None,
) -> go.Figure:
    """Smoothed calibration curves with their bands, and binned points with Wilson bars, on log scales.

    Parameters
    ----------
    smoothed : DataFrame
        Long: ``model``, ``label``, ``predicted``, ``observed``, ``observed_low``,
        ``observed_high`` (:func:`scoring.evaluate.smoothed_calibration`).
    bins : DataFrame, optional
        Long: ``model``, ``predicted``, ``observed``, ``observed_low``, ``observed_high``, ``n``
        (:func:`scoring.evaluate.calibration_bins`); a bin where nobody had the outcome cannot
        sit on a log axis and is left out of the drawing.
    models : DataFrame, optional
        With ``model``, ``calibration_intercept`` and ``calibration_slope``
        (:func:`scoring.evaluate.calibration_table`): the legend shows them.
    title : str, optional
    """
    _require(smoothed, ("model", "label", "predicted", "observed", "observed_low", "observed_high"), "a smoothed curve")
    if bins is not None:
        _require(bins, ("model", "predicted", "observed", "observed_low", "observed_high", "n"), "calibration bins")
    order = list(dict.fromkeys(smoothed["model"]))
    colours = _colours(order)
    curve = smoothed[(smoothed["predicted"] > 0) & smoothed["observed"].notna()]
    shown_bins = bins[(bins["observed"] > 0) & (bins["predicted"] > 0)] if bins is not None else None
    # The axes span the bins when there are some (where the outcomes are), else the curves; the
    # smoothed curve's tail among the lowest risks, where nobody has the outcome, runs off-axis.
    if shown_bins is not None and len(shown_bins):
        values = pd.concat([shown_bins["predicted"], shown_bins["observed"]])
    else:
        values = curve["predicted"] if len(curve) else pd.Series([1e-3, 1.0])
    low = max(float(values.min()) / 1.5, _LOWEST_RISK)
    high = min(float(values.max()) * 1.5, 1.0)
    summary = models.set_index("model") if models is not None and "model" in models.columns else models
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
        line = curve[curve["model"] == model]
        if line.empty:
            continue
        name = str(line["label"].iloc[0])
        if summary is not None and model in summary.index:
            row = summary.loc[model]
            name += f":<br>slope {row['calibration_slope']:.2f}, intercept {row['calibration_intercept']:+.2f}"
        band_low = np.maximum(line["observed_low"].to_numpy(dtype=float), low / 10)
        band_high = np.minimum(line["observed_high"].to_numpy(dtype=float), 1.0)
        x = line["predicted"].to_numpy(dtype=float)
        figure.add_scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([band_high, band_low[::-1]]),
            fill="toself",
            fillcolor=_rgba(colours[model], 0.15),
            line=dict(width=0),
            mode="lines",
            name=f"{name} band",
            legendgroup=model,
            showlegend=False,
            hoverinfo="skip",
        )
        figure.add_scatter(
            x=x,
            y=line["observed"],
            mode="lines",
            name=legend_name(name),
            legendgroup=model,
            line=dict(color=colours[model], dash=_dash(model), width=2.5),
            hovertemplate="predicted %{x:.2%}, observed %{y:.2%}<extra>" + str(line["label"].iloc[0]) + "</extra>",
        )
        if shown_bins is not None:
            points = shown_bins[shown_bins["model"] == model]
            if len(points):
                figure.add_scatter(
                    x=points["predicted"],
                    y=points["observed"],
                    mode="markers",
                    name=f"{line['label'].iloc[0]}, bins",
                    legendgroup=model,
                    showlegend=False,
                    marker=dict(
                        size=7, color=colours[model], symbol=style_for(model).symbol, line=dict(color="white", width=1)
                    ),
                    error_y=dict(
                        type="data",
                        symmetric=False,
                        array=points["observed_high"] - points["observed"],
                        arrayminus=points["observed"] - points["observed_low"],
                        color=colours[model],
                        thickness=1.2,
                        width=3,
                    ),
                    customdata=points["n"],
                    hovertemplate="bin: predicted %{x:.2%}, observed %{y:.2%}, n=%{customdata:,}<extra></extra>",
                )
    x_axis, y_axis = _sparse_log_ticks(low, high), _sparse_log_ticks(low, high)
    # Both axes share their range: the lowest tick would label the same corner twice.
    first = y_axis["tickvals"][0]
    if np.log10(first) - np.log10(low) < 0.3 and len(x_axis["tickvals"]) > 2:
        x_axis["tickvals"], x_axis["ticktext"] = x_axis["tickvals"][1:], x_axis["ticktext"][1:]
    figure.update_layout(
        title=title or "Calibration, smoothed<br><sup>observed share against predicted risk;<br>dots: bins</sup>",
        xaxis=dict(title="predicted risk", type="log", **x_axis),
        yaxis=dict(title="observed share with the outcome", type="log", **y_axis),
        plot_bgcolor="white",
        legend=_legend_below(600, 120, 60),
        height=600,
        margin=dict(l=70, r=20, t=120, b=60),
    )
    figure.update_xaxes(showgrid=True, gridcolor=_GRID)
    figure.update_yaxes(showgrid=True, gridcolor=_GRID)
    return figure


def threshold_figure(table: pd.DataFrame, *, positive: str = "referred", title: str | None = None) -> go.Figure:
    """Outcomes found against people referred, with Wilson bars: each model's cut-offs and each policy.

    Parameters
    ----------
    table : DataFrame
        :func:`scoring.evaluate.threshold_table`: ``strategy``, ``label``, ``kind``,
        ``positive``, ``cutoff``, ``sensitivity``, ``share_referred`` and their ``_low`` and
        ``_high`` bounds.
    positive : {"referred", "urgent"}, default "referred"
        Which of a policy's rows to draw (a model's rows are drawn at every cut-off).
    title : str, optional
    """
    needed = ("strategy", "label", "kind", "positive", "cutoff")
    _require(
        table,
        needed + tuple(f"{m}{e}" for m in ("sensitivity", "share_referred") for e in ("", "_low", "_high")),
        "a threshold figure",
    )
    if positive not in ("referred", "urgent"):
        raise ValueError(f'positive must be "referred" or "urgent" (got {positive!r})')
    shown = table[(table["kind"] == "model") | (table["positive"] == positive)]
    order = list(dict.fromkeys(shown["strategy"]))
    colours = _colours(order)
    figure = go.Figure()
    for strategy in order:
        rows = shown[shown["strategy"] == strategy].sort_values("share_referred")
        is_model = rows["kind"].iloc[0] == "model"
        cut = [f"risk ≥ {c:.2%}" if is_model else str(positive).replace("_", " ") for c in rows["cutoff"]]
        figure.add_scatter(
            x=rows["share_referred"],
            y=rows["sensitivity"],
            mode="lines+markers" if is_model and len(rows) > 1 else "markers",
            name=legend_name(str(rows["label"].iloc[0])),
            line=dict(color=colours[strategy], dash="dot", width=1),
            marker=dict(size=10 if is_model else 13, symbol=style_for(strategy).symbol, color=colours[strategy]),
            error_x=dict(
                type="data",
                symmetric=False,
                array=rows["share_referred_high"] - rows["share_referred"],
                arrayminus=rows["share_referred"] - rows["share_referred_low"],
                thickness=1,
                width=3,
            ),
            error_y=dict(
                type="data",
                symmetric=False,
                array=rows["sensitivity_high"] - rows["sensitivity"],
                arrayminus=rows["sensitivity"] - rows["sensitivity_low"],
                thickness=1,
                width=3,
            ),
            customdata=cut,
            hovertemplate="%{customdata}<br>finds %{y:.1%} of outcomes<br>refers %{x:.1%} of everyone<extra>"
            + str(rows["label"].iloc[0])
            + "</extra>",
        )
    # The share referred spans orders of magnitude (a policy that refers 1% beside cut-offs that
    # refer half), so it goes on a log axis: on a linear one the points crowd the left edge.
    positive_shares = shown["share_referred_low"][shown["share_referred_low"] > 0]
    lowest = (
        float(min(positive_shares.min(), shown["share_referred"][shown["share_referred"] > 0].min()))
        if len(positive_shares)
        else 0.001
    )
    right = float(min(1.0, 1.3 * shown["share_referred_high"].max())) if len(shown) else 1.0
    x_axis = log_risk_axis(max(lowest / 1.3, 1e-4), right)
    bottom = float(max(0.0, shown["sensitivity_low"].min() - 0.05)) if len(shown) else 0.0
    figure.update_layout(
        title=title
        or "Found against referred<br><sup>outcomes found (sensitivity) against<br>the share referred (log scale)</sup>",
        xaxis=dict(title="share referred (log scale)", **x_axis),
        yaxis=dict(title="sensitivity", tickformat=".0%", range=[bottom, 1.02]),
        plot_bgcolor="white",
        legend=_legend_below(560, 120, 60),
        height=560,
        margin=dict(l=70, r=20, t=120, b=60),
    )
    figure.update_xaxes(showgrid=True, gridcolor=_GRID)
    figure.update_yaxes(showgrid=True, gridcolor=_GRID)
    return figure


def subgroup_figure(
    subgroups: pd.DataFrame,
    metric: str = "sensitivity",
    *,
    strategies: list[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """A forest plot: one row per subgroup, one marker with its interval per strategy.

    Parameters
    ----------
    subgroups : DataFrame
        :func:`scoring.evaluate.subgroup_table`: ``group_by``, ``group``, ``strategy``,
        ``label``, ``n``, the metric and its ``_low`` and ``_high`` bounds.
    metric : str, default "sensitivity"
        One of ``auc``, ``sensitivity``, ``specificity``, ``ppv``, ``npv``, ``share_referred``.
    strategies : list of str, optional
        Which strategies to draw (default: every one with a value of the metric).
    title : str, optional

    Raises
    ------
    ValueError
        For an unknown metric or strategy, naming the ones there are.
    """
    if metric not in _METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(_METRICS)}")
    _require(
        subgroups,
        ("group_by", "group", "strategy", "label", "n", metric, f"{metric}_low", f"{metric}_high"),
        "a subgroup figure",
    )
    present = list(dict.fromkeys(subgroups["strategy"]))
    if strategies is None:
        with_values = subgroups[subgroups[metric].notna()]
        strategies = [s for s in present if s in set(with_values["strategy"])]
    unknown = [s for s in strategies if s not in present]
    if unknown:
        raise ValueError(
            f"unknown strategy {', '.join(map(repr, unknown))}; the table has {', '.join(map(repr, present))}"
        )
    groups = list(dict.fromkeys(zip(subgroups["group_by"], subgroups["group"])))
    position = {group: k for k, group in enumerate(groups)}
    names = [f"{_GROUPINGS.get(by, str(by).replace('_', ' ').capitalize())} {group}" for by, group in groups]
    colours = _colours(strategies)
    spacing = min(0.2, 0.7 / max(len(strategies), 1))
    percent = metric != "auc"
    figure = go.Figure()
    for k, strategy in enumerate(strategies):
        rows = subgroups[(subgroups["strategy"] == strategy) & subgroups[metric].notna()]
        offset = (k - (len(strategies) - 1) / 2) * spacing
        y = [position[(by, group)] + offset for by, group in zip(rows["group_by"], rows["group"])]
        value = "%{x:.1%}" if percent else "%{x:.3f}"
        figure.add_scatter(
            x=rows[metric],
            y=y,
            mode="markers",
            name=legend_name(str(rows["label"].iloc[0])) if len(rows) else strategy,
            marker=dict(size=9, color=colours[strategy], symbol=style_for(strategy).symbol),
            error_x=dict(
                type="data",
                symmetric=False,
                array=rows[f"{metric}_high"] - rows[metric],
                arrayminus=rows[metric] - rows[f"{metric}_low"],
                color=colours[strategy],
                thickness=1.5,
                width=4,
            ),
            customdata=[
                [names[position[(by, group)]], int(n)]
                for by, group, n in zip(rows["group_by"], rows["group"], rows["n"])
            ],
            hovertemplate="%{customdata[0]} (n=%{customdata[1]:,})<br>"
            + _METRICS[metric]
            + " "
            + value
            + "<extra>"
            + (str(rows["label"].iloc[0]) if len(rows) else strategy)
            + "</extra>",
        )
    height = 160 + len(groups) * max(36, 12 * len(strategies))
    figure.update_layout(
        title=title or f"{_METRICS[metric]} by subgroup<br><sup>dots: estimates; bars: intervals</sup>",
        xaxis=dict(title=_METRICS[metric], tickformat=".0%" if percent else ".2f"),
        yaxis=dict(
            tickvals=list(range(len(groups))),
            ticktext=names,
            range=[len(groups) - 0.5, -0.5],
            showgrid=False,
            automargin=True,
        ),
        plot_bgcolor="white",
        legend=_legend_below(height, 90, 60),
        height=height,
        margin=dict(l=10, r=20, t=90, b=60),
    )
    figure.update_xaxes(showgrid=True, gridcolor=_GRID)
    return figure
