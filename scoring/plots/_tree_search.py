"""Figures about how the decision tree was chosen and what it uses.

Drawn from data computed elsewhere: the cross-validation record saved with the tree
(:func:`scoring.engine.tree.load_tree_metadata`, ``tree.json``) and the fitted tree's
importances (``tree.tree_structure().importances``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from scoring.contract.features import FEATURES

__all__ = ["tree_search_figure", "feature_importance_figure"]

# Okabe & Ito colours, one per depth; the chosen tree is drawn in black on top.
_DEPTH_COLOURS = ("#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#E69F00")
_CHOSEN = "#000000"
_FEATURE_LABELS = {spec.name: spec.label for spec in FEATURES}


def tree_search_figure(record: Mapping[str, Any], *, title: str | None = None) -> go.Figure:
    """Every tree tried in cross-validation: log loss against size, chosen one marked.

    Each point is one parameter combination (x: mean number of leaves, y: mean log loss of
    the risk over the held-out folds, lower is better; bar: one standard deviation), coloured
    by maximum depth. The dashed line is one standard error above the best loss: the
    selection rule takes the simplest tree below it (see
    ``record["cross_validation"]["selection_rule"]``).

    Parameters
    ----------
    record : dict
        What :func:`scoring.engine.tree.load_tree_metadata` returns.
    title : str, optional
    """
    cv = record["cross_validation"]
    results = pd.DataFrame(cv["results"])
    figure = go.Figure()
    hover = (
        "depth %{customdata[0]}, min leaf %{customdata[1]}, ccp_alpha %{customdata[2]}"
        "<br>%{x:.1f} leaves, log loss %{y:.4f}, AUC %{customdata[3]:.3f}<extra></extra>"
    )
    for index, depth in enumerate(sorted(results["max_depth"].unique())):
        rows = results[results["max_depth"] == depth]
        figure.add_trace(
            go.Scatter(
                x=rows["mean_n_leaves"],
                y=rows["mean_log_loss"],
                error_y=dict(array=rows["std_log_loss"], thickness=1, width=0),
                mode="markers",
                marker=dict(color=_DEPTH_COLOURS[index % len(_DEPTH_COLOURS)], size=7, opacity=0.75),
                name=f"max depth {depth}",
                customdata=np.stack(
                    [rows["max_depth"], rows["min_samples_leaf"], rows["ccp_alpha"], rows["mean_auc"]], axis=1
                ),
                hovertemplate=hover,
            )
        )
    best = results.loc[results["mean_log_loss"].idxmin()]
    threshold = best["mean_log_loss"] + best["std_log_loss"] / math.sqrt(cv["n_splits"])
    figure.add_hline(
        y=threshold,
        line=dict(color="#555555", dash="dash", width=1),
        annotation_text="one standard error above the best",
        annotation_position="top right",
    )
    chosen = results[results["selected"]]
    figure.add_trace(
        go.Scatter(
            x=chosen["mean_n_leaves"],
            y=chosen["mean_log_loss"],
            mode="markers",
            marker=dict(color=_CHOSEN, size=14, symbol="star"),
            name="chosen tree",
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        title=title
        or f"How the tree was chosen<br><sup>{len(results)} settings, {cv['n_splits']}-fold cross-validation</sup>",
        xaxis_title="leaves (mean over folds)",
        yaxis_title="log loss of the risk (mean over folds; lower is better)",
        legend=dict(orientation="h", y=-0.2),
    )
    return figure


def feature_importance_figure(tree: Any, *, title: str | None = None) -> go.Figure:
    """How much each feature the tree splits on reduces impurity (scikit-learn's importances).

    Only features with a non-zero importance are drawn, largest at the top.

    Parameters
    ----------
    tree : scoring.engine.tree.RiskTree or ShippedTree
        A fitted tree or the shipped one (anything with ``tree_structure()``).
    title : str, optional
    """
    structure = tree.tree_structure()
    importances = pd.Series(structure.importances, index=list(structure.feature_names))
    importances = importances[importances > 0].sort_values()
    labels = [_FEATURE_LABELS.get(name, name) for name in importances.index]
    labels = [label[:1].upper() + label[1:] for label in labels]
    figure = go.Figure(
        go.Bar(
            x=importances.to_numpy(),
            y=labels,
            orientation="h",
            marker_color="#0072B2",
            text=[f"{value:.0%}" for value in importances],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1%} of the impurity reduction<extra></extra>",
        )
    )
    figure.update_layout(
        title=title or "What the tree uses<br><sup>share of impurity reduction per feature</sup>",
        xaxis=dict(title="importance", tickformat=".0%", range=[0, min(1.0, importances.max() * 1.2 + 0.05)]),
        margin=dict(l=10),
        height=max(260, 60 + 38 * len(importances)),
    )
    return figure
