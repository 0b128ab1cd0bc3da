"""The tornado figure of the sensitivity analysis: which assumed numbers move a metric most.

It draws :func:`scoring.evaluate.tornado_table` (or any table with its columns); nothing here
computes a metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["tornado_figure"]

#: Colour-blind-safe (Okabe-Ito): the lower setting blue, the higher one vermilion.
_SIDE_COLOURS = {"low": "#0072B2", "high": "#D55E00"}
_SIDE_NAMES = {"low": "lower setting", "high": "higher setting"}
_COLUMNS = ("label", "metric_label", "share", "baseline", "low_setting", "low_change", "high_setting", "high_change")


def _two_lines(label: str) -> str:
    # "weakness (MND-like)" -> "weakness<br>(MND-like)": half as wide, so the bars keep the
    # phone's width.
    head, sep, cause = label.rpartition(" (")
    return f"{head}<br>({cause}" if sep else label


def _baseline_text(value: float, share: bool) -> str:
    if not np.isfinite(value):
        return "undefined"
    return f"{value:.1%}" if share else f"{value:.3f}"


def tornado_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Horizontal bars of each parameter's change from the baseline, lower and higher setting.

    Parameters
    ----------
    table : DataFrame
        :func:`scoring.evaluate.tornado_table` for one metric: one row per parameter, largest
        move first, with ``label``, ``metric_label``, ``share``, ``baseline``,
        ``low_setting``, ``low_change``, ``high_setting`` and ``high_change``.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (lower and higher setting), the parameters top-down in the table's
        order; a share's change is drawn in percentage points. An empty table gives a figure
        that says no assumed number moved the metric.

    Raises
    ------
    ValueError
        When a column is missing (naming it) or the table holds more than one metric.
    """
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the tornado table has no column(s) {', '.join(missing)}; pass tornado_table(...)'s result")
    metrics = list(dict.fromkeys(table["metric_label"]))
    if len(metrics) > 1:
        raise ValueError(
            f"the tornado table holds {len(metrics)} metrics ({', '.join(metrics)}); pass one metric's rows"
        )
    metric = metrics[0] if metrics else "the metric"
    share = bool(table["share"].iloc[0]) if len(table) else False
    scale = 100.0 if share else 1.0  # a share's change in percentage points
    unit = ", percentage points" if share else ""
    labels = [_two_lines(str(label)) for label in table["label"]]
    figure = go.Figure()
    for side in ("low", "high"):
        change = table[f"{side}_change"].to_numpy(dtype=float) * scale
        figure.add_bar(
            x=change,
            y=labels,
            orientation="h",
            name=_SIDE_NAMES[side],
            marker_color=_SIDE_COLOURS[side],
            customdata=table[f"{side}_setting"].to_numpy(dtype=object),
            hovertemplate="%{customdata}<br>change %{x:+.3g}" + unit.replace(",", "") + "<extra></extra>",
        )
    baseline = _baseline_text(float(table["baseline"].iloc[0]), share) if len(table) else ""
    figure.update_layout(
        barmode="group",
        # Short lines: the title must fit a phone's width.
        title=title
        or (
            "Sensitivity to assumptions<br>"
            f"<sup>{metric}{': ' + baseline if baseline else ''}<br>"
            "change when one assumed number<br>is set lower or higher</sup>"
        ),
        xaxis=dict(
            title=f"change{unit}",
            tickformat="+~g",
            zeroline=True,
            zerolinecolor="#444444",
            showgrid=True,
            gridcolor="#EEEEEE",
        ),
        yaxis=dict(autorange="reversed", automargin=True),
        plot_bgcolor="white",
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
        height=230 + 52 * max(len(table), 2),
        margin=dict(l=10, r=20, t=130, b=90),
    )
    if not len(table):
        figure.add_annotation(
            text="No assumed number moved this metric<br>at this sample size",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    return figure
