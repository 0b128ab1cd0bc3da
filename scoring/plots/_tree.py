"""The decision tree drawn as a plotly figure, optionally with one vignette's path highlighted.

Each leaf says its risk of the tree's outcome where the tree learnt it (the learning mix) and
how many training vignettes it rests on; its colour is what the risk policy advises for that
risk moved to the population the figure is drawn for (the default population unless told),
and the legend says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from scoring.contract.recommendation import LABELS, LEVELS
from scoring.plots._text import wrap
from scoring.wording import share_percent

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


def _rows(left: np.ndarray, right: np.ndarray) -> tuple[list[int], dict[int, int], dict[int, int]]:
    """Nodes in reading order (each node, then its left and right branches), row and depth per node.

    The tree is drawn as an indented outline, one row per node: however many leaves it has,
    the labels never share a row, so they cannot collide at any width.
    """
    order: list[int] = []
    depth: dict[int, int] = {}
    stack = [(0, 0)]
    while stack:
        node, level = stack.pop()
        order.append(node)
        depth[node] = level
        if left[node] >= 0:
            stack += [(int(right[node]), level + 1), (int(left[node]), level + 1)]
    return order, {node: row for row, node in enumerate(order)}, depth


def _node_labels(structure: Any, order: list[int], parents: dict[int, tuple[int, str]]) -> list[str]:
    """Two lines per node: the answer that leads there, then its vignettes (and a leaf's risk)."""
    from scoring.engine.tree import step_text

    labels = []
    for node in order:
        total = int(structure.samples[node])
        if node in parents:
            parent, op = parents[node]
            name = structure.feature_names[int(structure.feature[parent])]
            first = wrap(step_text(name, op, float(structure.threshold[parent])), width=30)
        else:
            first = "<b>All training vignettes</b>"
        if structure.left[node] < 0:
            second = f"<b>{share_percent(float(structure.risk[node]))}</b> of {total:,}"
        else:
            second = f"{total:,} vignettes"
        labels.append(f"{first}<br>{second}")
    return labels


def _edge_traces(order: list[int], parents: dict, row: dict, depth: dict, path_edges: set) -> list[go.Scatter]:
    """Elbow lines from each node down to its branches; the vignette's path in bold."""
    xs: dict[bool, list] = {False: [], True: []}
    ys: dict[bool, list] = {False: [], True: []}
    for node in order:
        if node not in parents:
            continue
        parent = parents[node][0]
        highlighted = (parent, node) in path_edges
        xs[highlighted] += [depth[parent], depth[parent], depth[node], None]
        ys[highlighted] += [-row[parent], -row[node], -row[node], None]
    return [
        go.Scatter(
            x=xs[highlighted],
            y=ys[highlighted],
            mode="lines",
            hoverinfo="skip",
            line=dict(color=_PATH if highlighted else _EDGE, width=4 if highlighted else 1.5),
            name="this vignette's path" if highlighted else "branches",
            showlegend=highlighted,
        )
        for highlighted in (False, True)
        if xs[highlighted]
    ]


def _node_trace(
    structure: Any, levels: np.ndarray, outcome: str, order: list[int], row: dict, depth: dict, on_path: set
) -> go.Scatter:
    """One marker per node (leaves coloured by the risk policy's advice); hover shows the counts."""
    leaf = structure.left < 0
    hover = [
        f"node {n}: {int(structure.samples[n]):,} training vignettes<br>"
        f"{int(structure.positives[n]):,} with a {outcome} ({share_percent(float(structure.risk[n]))})"
        for n in order
    ]
    return go.Scatter(
        x=[depth[n] for n in order],
        y=[-row[n] for n in order],
        mode="markers",
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="nodes",
        marker=dict(
            size=[16 if leaf[n] else 10 for n in order],
            color=[RECOMMENDATION_COLOURS[LEVELS[int(levels[n])]] if leaf[n] else "#FFFFFF" for n in order],
            symbol=["square" if leaf[n] else "circle" for n in order],
            line=dict(
                color=[_PATH if n in on_path else "#777777" for n in order],
                width=[4 if n in on_path else 1 for n in order],
            ),
        ),
    )


def tree_figure(tree: Any, path: Any = None, *, population: Any = None, title: str | None = None) -> go.Figure:
    """Draw a fitted risk tree as an outline, each branch in plain words.

    One row per node, read top to bottom: a node's two branches sit below it, indented, each
    labelled with the answer that leads there. One row per node keeps every label apart,
    on a wide screen or a phone.

    Parameters
    ----------
    tree : RiskTree or ShippedTree
        A fitted tree (e.g. :func:`scoring.engine.tree.default_tree`).
    path : TreeView, sequence of TreeStep or of node ids, optional
        A vignette's path (``assessment.tree`` or ``tree.explain(v)``) to highlight.
    population : str or Population, optional
        Whose advice colours the leaves; default
        :data:`scoring.engine.populations.DEFAULT_POPULATION`.
    title : str, optional
        Figure title; by default it says the outcome, the depth and the number of leaves.

    Returns
    -------
    plotly.graph_objects.Figure
        Leaves say their risk of the outcome in the learning mix (the share of their training
        vignettes with it) and are coloured by what the risk policy advises for that risk in
        ``population``; hovering a node shows its vignettes and how many had the outcome.
    """
    from scoring.engine.populations import DEFAULT_POPULATION, load_population
    from scoring.engine.tree import outcome_words

    structure = tree.tree_structure()
    target = load_population(DEFAULT_POPULATION if population is None else population)
    levels = tree.node_levels(target)
    outcome = outcome_words(tree.outcome)
    left, right = structure.left, structure.right
    order, row, depth = _rows(left, right)
    parents = {int(left[n]): (n, "<=") for n in order if left[n] >= 0}
    parents.update({int(right[n]): (n, ">") for n in order if left[n] >= 0})
    nodes = _path_nodes(path)
    path_edges = set(zip(nodes, nodes[1:]))

    figure = go.Figure(_edge_traces(order, parents, row, depth, path_edges))
    figure.add_trace(_node_trace(structure, levels, outcome, order, row, depth, set(nodes)))
    for level in LEVELS:
        # Legend entries for the leaf colours (no points of their own).
        figure.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=LABELS[level],
            marker=dict(size=12, symbol="square", color=RECOMMENDATION_COLOURS[level]),
        )
    annotations = [
        dict(
            x=depth[n],
            y=-row[n],
            xshift=12,
            xanchor="left",
            align="left",
            text=text,
            showarrow=False,
            font=dict(size=11, color=_PATH if n in nodes else "#444444"),
        )
        for n, text in zip(order, _node_labels(structure, order, parents))
    ]
    max_depth = max(depth.values())
    n_leaves = int((left < 0).sum())
    legend_title = wrap(f"Leaf colour: the risk policy's advice for the leaf's risk in {target.label}", width=60)
    figure.update_layout(
        title=title
        # Short lines: the title must fit a phone's width.
        or f"Decision tree: risk of a {outcome}<br><sup>depth {max_depth}, {n_leaves} leaves; each leaf:<br>"
        "its share of training vignettes with the outcome</sup>",
        annotations=annotations,
        # Room to the right of the deepest row for its two lines of text.
        xaxis=dict(visible=False, range=[-0.3, max_depth + 4.5], fixedrange=True),
        yaxis=dict(visible=False, range=[-len(order) + 0.4, 0.6], fixedrange=True),
        plot_bgcolor="white",
        height=_ROW_HEIGHT * len(order) + 160,
        margin=dict(l=10, r=10, t=115, b=10),
        legend=dict(orientation="h", y=0, yanchor="top", x=0, title=dict(text=legend_title, side="top")),
    )
    return figure


#: Pixels per node row: two lines of 11 px text and a gap.
_ROW_HEIGHT = 38
