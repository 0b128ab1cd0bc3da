"""The decision tree drawn as a plotly figure, optionally with one vignette's path highlighted."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from scoring.contract.recommendation import LABELS, LEVELS

__all__ = ["tree_figure", "RECOMMENDATION_COLOURS"]

#: One colour per recommendation (colour-blind-safe blue / orange / vermilion of Okabe & Ito).
RECOMMENDATION_COLOURS = {"self_care": "#0072B2", "see_doctor": "#E69F00", "urgent": "#D55E00"}
_EDGE = "#B0B0B0"
_PATH = "#222222"


def _path_nodes(path: Any) -> list[int]:
    """Node ids on a highlighted path, from a TreeView, a sequence of TreeSteps or of ids."""
    if path is None:
        return []
    if hasattr(path, "path") and hasattr(path, "leaf_id"):
        return [step.node_id for step in path.path] + [int(path.leaf_id)]
    nodes: list[int] = []
    for item in path:
        nodes.append(int(item.node_id) if hasattr(item, "node_id") else int(item))
    return nodes


def _wrap(text: str, width: int = 18) -> str:
    """Break a branch label into short lines (plotly does not wrap annotation text)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _layout(left: np.ndarray, right: np.ndarray) -> tuple[dict[int, float], dict[int, int]]:
    """x (leaves evenly spaced left to right, parents centred over children) and depth per node."""
    x: dict[int, float] = {}
    depth: dict[int, int] = {}
    next_leaf = [0]

    def place(node: int, level: int) -> float:
        depth[node] = level
        if left[node] < 0:
            x[node] = float(next_leaf[0])
            next_leaf[0] += 1
        else:
            x[node] = (place(int(left[node]), level + 1) + place(int(right[node]), level + 1)) / 2
        return x[node]

    place(0, 0)
    return x, depth


def tree_figure(tree: Any, path: Any = None, *, title: str | None = None) -> go.Figure:
    """Draw a fitted :class:`scoring.engine.tree.TriageTree`, each branch labelled in plain words.

    Parameters
    ----------
    tree : TriageTree
        A fitted tree (e.g. :func:`scoring.engine.tree.load_tree`).
    path : TreeView, sequence of TreeStep or of node ids, optional
        A vignette's path (``assessment.tree`` or ``tree.explain(v)``) to highlight.
    title : str, optional
        Figure title; by default it says the depth and number of leaves.

    Returns
    -------
    plotly.graph_objects.Figure
        Leaves are coloured by recommendation and show the training vignettes they hold;
        hovering a node shows its counts per reference level.
    """
    from scoring.engine.tree import step_text

    structure = tree.tree_structure()
    left, right, feature, threshold = structure.left, structure.right, structure.feature, structure.threshold
    x, depth = _layout(left, right)
    on_path = set(_path_nodes(path))
    path_edges = {(a, b) for a, b in zip(_path_nodes(path), _path_nodes(path)[1:])}

    edge_x: dict[bool, list] = {False: [], True: []}
    edge_y: dict[bool, list] = {False: [], True: []}
    annotations = []
    for node in range(len(left)):
        if left[node] < 0:
            continue
        name = structure.feature_names[int(feature[node])]
        cut = float(threshold[node])
        for child, op in ((int(left[node]), "<="), (int(right[node]), ">")):
            highlighted = (node, child) in path_edges
            edge_x[highlighted] += [x[node], x[child], None]
            edge_y[highlighted] += [-depth[node], -depth[child], None]
            annotations.append(
                dict(
                    # Nearer the child than the parent, so sibling labels do not collide.
                    x=0.35 * x[node] + 0.65 * x[child],
                    y=-(0.35 * depth[node] + 0.65 * depth[child]),
                    text=_wrap(step_text(name, op, cut)),
                    showarrow=False,
                    font=dict(size=11, color=_PATH if highlighted else "#555555"),
                    bgcolor="rgba(255,255,255,0.85)",
                )
            )

    figure = go.Figure()
    for highlighted in (False, True):
        if edge_x[highlighted]:
            figure.add_trace(
                go.Scatter(
                    x=edge_x[highlighted],
                    y=edge_y[highlighted],
                    mode="lines",
                    hoverinfo="skip",
                    line=dict(color=_PATH if highlighted else _EDGE, width=4 if highlighted else 1.5),
                    name="this vignette's path" if highlighted else "branches",
                    showlegend=highlighted,
                )
            )

    nodes = list(range(len(left)))
    counts = structure.counts
    hover = [
        "<br>".join(
            [f"node {n}: {int(counts[n].sum())} training vignettes"]
            + [f"{LABELS[level]}: {int(c)}" for level, c in zip(LEVELS, counts[n])]
        )
        for n in nodes
    ]
    leaf = left < 0
    text = []
    for n in nodes:
        level = LEVELS[int(structure.level[n])]
        if leaf[n]:
            share = counts[n][int(structure.level[n])] / max(int(counts[n].sum()), 1)
            text.append(f"<b>{LABELS[level]}</b><br>{int(counts[n].sum())} vignettes, {share:.0%}")
        else:
            text.append(f"{int(counts[n].sum())} vignettes")
    colours = [RECOMMENDATION_COLOURS[LEVELS[int(structure.level[n])]] if leaf[n] else "#FFFFFF" for n in nodes]
    figure.add_trace(
        go.Scatter(
            x=[x[n] for n in nodes],
            y=[-depth[n] for n in nodes],
            mode="markers+text",
            text=text,
            textposition=["bottom center" if leaf[n] else "top center" for n in nodes],
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="nodes",
            marker=dict(
                size=[22 if leaf[n] else 14 for n in nodes],
                color=colours,
                symbol="square",
                line=dict(
                    color=[_PATH if n in on_path else "#777777" for n in nodes],
                    width=[4 if n in on_path else 1 for n in nodes],
                ),
            ),
        )
    )
    for level in LEVELS:
        # Legend entries for the leaf colours (no points of their own).
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=LABELS[level],
                marker=dict(size=12, symbol="square", color=RECOMMENDATION_COLOURS[level]),
            )
        )
    n_leaves = int(leaf.sum())
    max_depth = max(depth.values())
    figure.update_layout(
        title=title or f"Decision tree: depth {max_depth}, {n_leaves} leaves",
        annotations=annotations,
        xaxis=dict(visible=False, range=[-0.8, n_leaves - 0.2]),
        yaxis=dict(visible=False, range=[-max_depth - 0.8, 0.5]),
        plot_bgcolor="white",
        height=180 + 130 * max_depth,
        margin=dict(l=20, r=20, t=60, b=20),
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
    )
    return figure
