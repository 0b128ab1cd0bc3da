"""Figures for the card–tree comparison: confusion matrices and a metrics bar chart."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.contract.recommendation import LABELS, LEVELS

__all__ = ["confusion_figure", "metrics_figure"]

_MODEL_COLOURS = {"card": "#0072B2", "tree": "#009E73", "combined": "#CC79A7"}
_MODEL_NAMES = {"card": "Points card", "tree": "Decision tree", "combined": "Combined"}


def confusion_figure(comparison, *, title: str | None = None) -> go.Figure:
    """One heatmap per model: reference triage (rows) against the model's recommendation.

    Cells show counts and, in colour, the share of the reference row, so the rare urgent
    row is as readable as the common ones. Cells below the diagonal are under-triage.

    Parameters
    ----------
    comparison : scoring.analysis.compare.Comparison
    title : str, optional
    """
    models = list(comparison.confusion)
    # One matrix per row: three side by side leave a phone no room for their cells' labels.
    figure = make_subplots(
        rows=len(models),
        cols=1,
        subplot_titles=[_MODEL_NAMES.get(m, m) for m in models],
        vertical_spacing=0.12,
        shared_xaxes=True,
    )
    labels = [LABELS[level] for level in LEVELS]
    ticks = [_two_lines(label) for label in labels]
    for k, model in enumerate(models, start=1):
        counts = comparison.confusion[model].to_numpy()
        totals = counts.sum(axis=1, keepdims=True)
        share = np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float), where=totals > 0)
        figure.add_trace(
            go.Heatmap(
                z=share,
                x=labels,
                y=labels,
                zmin=0,
                zmax=1,
                colorscale="Blues",
                showscale=k == len(models),
                colorbar=dict(title=dict(text="share of row", side="right"), tickformat=".0%", thickness=14),
                text=[[f"{c:,}<br>{s:.0%}" for c, s in zip(row_c, row_s)] for row_c, row_s in zip(counts, share)],
                hovertemplate="reference %{y}<br>" + model + " %{x}<br>%{text}<extra></extra>",
            ),
            row=k,
            col=1,
        )
        _label_cells(figure, counts, share, labels, axis="" if k == 1 else str(k))
        figure.update_yaxes(title_text="reference", row=k, col=1)
    figure.update_xaxes(tickvals=labels, ticktext=ticks, tickfont_size=11)
    figure.update_xaxes(title_text="recommended", row=len(models), col=1)
    figure.update_yaxes(autorange="reversed", tickvals=labels, ticktext=ticks)
    figure.update_layout(
        title=title or f"Confusion matrices<br>on {comparison.n:,} fresh vignettes",
        height=120 + 260 * len(models),
        margin=dict(l=80, r=20, t=110, b=70),  # a two-line title above the first matrix's own
    )
    return figure


def _two_lines(label: str) -> str:
    """A level's name on two lines when it has two words or more ("Urgent<br>assessment")."""
    first, _, rest = label.partition(" ")
    return f"{first}<br>{rest}" if rest else label


def _label_cells(figure: go.Figure, counts: np.ndarray, share: np.ndarray, labels: list[str], *, axis: str) -> None:
    """Cell labels as annotations: dark text on pale cells, white on dark ones."""
    for i, row_label in enumerate(labels):
        for j, column_label in enumerate(labels):
            figure.add_annotation(
                x=column_label,
                y=row_label,
                xref=f"x{axis}",
                yref=f"y{axis}",
                showarrow=False,
                text=f"{counts[i, j]:,}<br>{share[i, j]:.0%}",
                font=dict(color="white" if share[i, j] > 0.55 else "#222222", size=12),
            )


def metrics_figure(comparison, *, title: str | None = None) -> go.Figure:
    """Grouped bars per model: recall for each level, balanced accuracy, under- and over-triage.

    The bars run across, one measure per row, so the measures' names and each bar's value
    have room to be read on a phone as well as on a wide screen.

    Parameters
    ----------
    comparison : scoring.analysis.compare.Comparison
    title : str, optional
    """
    metrics = comparison.metrics
    columns = [f"recall_{level}" for level in LEVELS] + ["balanced_accuracy", "under_triage", "over_triage"]
    names = [f"recall: {LABELS[level]}" for level in LEVELS] + ["balanced accuracy", "under-triage", "over-triage"]
    figure = go.Figure()
    for model in metrics.index:
        values = metrics.loc[model, columns].to_numpy(dtype=float)
        figure.add_bar(
            x=values,
            y=names,
            orientation="h",
            name=_MODEL_NAMES.get(model, model),
            marker_color=_MODEL_COLOURS.get(model),
            text=[f"{v:.1%}" for v in values],
            textposition="outside",
            textfont=dict(size=11),
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2%}<extra>" + _MODEL_NAMES.get(model, model) + "</extra>",
        )
    bar_rows = len(names) * len(metrics.index)
    figure.update_layout(
        barmode="group",
        title=title or f"Card, tree and combined<br>on {comparison.n:,} fresh vignettes",
        # Room past 100% for the values written after the bars.
        xaxis=dict(tickformat=".0%", range=[0, 1.25], tickvals=[0, 0.25, 0.5, 0.75, 1], title="share"),
        # The first measure at the top, read down.
        yaxis=dict(autorange="reversed", automargin=True),
        plot_bgcolor="white",
        height=_BAR_HEIGHT * bar_rows + 220,
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
        margin=dict(l=10, r=20, t=60, b=110),
        bargap=0.25,
    )
    figure.update_xaxes(showgrid=True, gridcolor="#EEEEEE")
    return figure


#: Pixels per bar in the metrics figure: a value's text (11 px) and a little air.
_BAR_HEIGHT = 16
