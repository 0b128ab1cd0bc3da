"""Figure layouts that keep labels apart (scoring/plots/): checked on the figure objects.

The browser test (tests/test_figures_browser.py) measures the drawn text; these tests pin
the layout decisions that make it pass, quickly and without a browser.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from scoring.analysis.explain import sweep
from scoring.contract.recommendation import LEVELS
from scoring.engine.populations import DEFAULT_POPULATION, load_population
from scoring.engine.tree import default_tree
from scoring.plots import calibration_figure, sweep_explorer_figure, sweep_figure, tree_figure
from scoring.plots._text import wrap, wrap_units
from scoring.plots._tree import RECOMMENDATION_COLOURS

VIGNETTE = {
    "age": 58,
    "duration_weeks": 12,
    "frequency": "daily",
    "severity": "moderate",
    "locations": ["hand", "arm"],
    "weakness": True,
}


def test_tree_figure_gives_every_node_its_own_row():
    tree = default_tree()
    figure = tree_figure(tree, tree.explain(VIGNETTE))
    rows = [annotation.y for annotation in figure.layout.annotations]
    assert len(rows) == tree.tree_structure().n_nodes
    assert len(set(rows)) == len(rows), "two node labels share a row"
    # The figure grows with the tree, so rows keep their height.
    assert figure.layout.height >= 38 * len(rows)


def test_tree_figure_leaves_say_their_risk_and_the_legend_says_what_the_colours_mean():
    tree = default_tree()
    figure = tree_figure(tree)
    structure = tree.tree_structure()
    leaf_texts = [a.text for a in figure.layout.annotations if " of " in a.text.split("<br>")[-1]]
    assert len(leaf_texts) == structure.n_leaves
    assert all(re.search(r"<b>[\d.]+%</b> of [\d,]+$", text) for text in leaf_texts), leaf_texts
    legend = figure.layout.legend.title.text.replace("<br>", " ")
    assert "risk policy" in legend and load_population(DEFAULT_POPULATION).label in legend
    assert "risk of a serious cause" in figure.layout.title.text
    # Each leaf's marker has the colour of the risk policy's advice for it.
    nodes = next(trace for trace in figure.data if trace.name == "nodes")
    order = [int(re.match(r"node (\d+):", text).group(1)) for text in nodes.hovertext]
    levels = tree.node_levels()
    for node, colour in zip(order, nodes.marker.color):
        if structure.is_leaf[node]:
            assert colour == RECOMMENDATION_COLOURS[LEVELS[int(levels[node])]]


def test_tree_figure_can_colour_for_another_population():
    tree = default_tree()
    enriched = tree_figure(tree, population="enriched")
    assert load_population("enriched").label in enriched.layout.legend.title.text.replace("<br>", " ")


def test_explorer_draws_duration_on_the_log_axis_and_each_menu_entry_swaps_its_axis():
    sweeps = {field: sweep(VIGNETTE, field) for field in ("duration_weeks", "age")}
    figure = sweep_explorer_figure(sweeps)
    assert figure.layout.xaxis.type == "log"
    assert figure.layout.xaxis.ticktext[0] == "0"
    duration, age = figure.layout.updatemenus[0].buttons
    assert duration.args[1]["xaxis"]["type"] == "log"
    assert age.args[1]["xaxis"]["type"] == "linear"
    assert age.args[1]["xaxis"]["tickvals"] is None, "a log axis's ticks would stay on the age axis"
    assert age.args[1]["xaxis"]["title"]["text"] == "Age (years)"


def test_explorer_hover_shows_the_value_not_its_log_position():
    figure = sweep_explorer_figure({"duration_weeks": sweep(VIGNETTE, "duration_weeks")})
    markers = [trace for trace in figure.data if trace.mode == "markers" and trace.text]
    assert markers and all("%{text}" in trace.hovertemplate for trace in markers)
    assert "0" in [text for trace in markers for text in trace.text]


def test_the_vignettes_own_value_is_named_in_the_legend_not_on_the_dots():
    figure = sweep_figure(sweep(VIGNETTE, "duration_weeks"))
    assert not [a for a in figure.layout.annotations if a.text.startswith("this vignette")]
    named = [t for t in figure.data if str(t.name).startswith("this vignette")]
    assert len(named) == 1 and named[0].line.dash == "dot"


def test_sweep_legend_starts_below_upright_category_labels():
    figure = sweep_figure(sweep(VIGNETTE, "locations"))
    assert figure.layout.xaxis2.tickangle == -90
    longest = max(len(str(v)) for v in figure.layout.xaxis.categoryarray)
    assert figure.layout.margin.b >= 7 * longest + 150


def test_calibration_points_carry_no_permanent_labels():
    import pandas as pd

    bins = pd.DataFrame({"bin": [0, 1, 2], "n": [10, 20, 30], "predicted": [0.01, 0.02, 0.9], "observed": [0, 0.05, 1]})
    points = calibration_figure(bins).data[1]
    assert points.mode == "markers"
    assert "%{text}" in points.hovertemplate


@given(st.lists(st.text(alphabet="abc ,.", min_size=1, max_size=12).map(str.strip).filter(bool), max_size=8))
def test_wrap_units_keeps_units_whole_and_lines_short(units):
    lines = wrap_units(units, 16).split("<br>") if units else []
    assert " ".join(lines) == " ".join(units)
    assert all(len(line) <= 16 or line in units for line in lines)


def test_wrap_breaks_at_spaces():
    assert wrap("no weakness that is getting worse", 20) == "no weakness that is<br>getting worse"
