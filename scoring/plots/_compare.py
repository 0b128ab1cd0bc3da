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
    figure = make_subplots(
        rows=1,
        cols=len(models),
        subplot_titles=[_MODEL_NAMES.get(m, m) for m in models],
        horizontal_spacing=0.06,
        shared_yaxes=True,
    )
    labels = [LABELS[level] for level in LEVELS]
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
                colorbar=dict(title="share of row", tickformat=".0%"),
                text=[[f"{c:,}<br>{s:.0%}" for c, s in zip(row_c, row_s)] for row_c, row_s in zip(counts, share)],
                hovertemplate="reference %{y}<br>" + model + " %{x}<br>%{text}<extra></extra>",
            ),
            row=1,
            col=k,
        )
        _label_cells(figure, counts, share, labels, axis="" if k == 1 else str(k))
        figure.update_xaxes(title_text="recommended", row=1, col=k)
    figure.update_yaxes(title_text="reference triage", autorange="reversed", row=1, col=1)
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(
        title=title or f"Confusion matrices on {comparison.n:,} fresh vignettes",
        height=420,
        margin=dict(l=80, r=20, t=80, b=60),
    )
    return figure


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
            x=names,
            y=values,
            name=_MODEL_NAMES.get(model, model),
            marker_color=_MODEL_COLOURS.get(model),
            text=[f"{v:.1%}" for v in values],
            textposition="outside",
            hovertemplate="%{x}: %{y:.2%}<extra>" + _MODEL_NAMES.get(model, model) + "</extra>",
        )
    figure.update_layout(
        barmode="group",
        title=title or f"Card, tree and combined on {comparison.n:,} fresh vignettes",
        yaxis=dict(tickformat=".0%", range=[0, 1.12], title="share"),
        plot_bgcolor="white",
        height=440,
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
        margin=dict(l=60, r=20, t=80, b=60),
    )
    figure.update_yaxes(showgrid=True, gridcolor="#EEEEEE")
    return figure
