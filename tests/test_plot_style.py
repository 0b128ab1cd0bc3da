"""One palette and one set of axis conventions across the figures.

Each model and policy keeps its colour and symbol in every chart, no two share both; risk axes
are log axes with 1-2-5 ticks written as distinct percentages (never above 100%); counts sit
on linear axes in round steps; tornado bars are labelled in words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from scoring.plots import risk_table_figure, subgroup_figure, threshold_figure
from scoring.plots._style import STYLES, count_axis, log_risk_axis, styles_for, tick_percent
from scoring.plots._tornado import parameter_words


def test_no_two_models_or_policies_share_colour_and_symbol():
    pairs = [(s.colour, s.symbol) for s in STYLES.values()]
    assert len(pairs) == len(set(pairs))
    assert (STYLES["guideline"].colour, STYLES["guideline"].symbol) != (
        STYLES["risk_logistic_regression"].colour,
        STYLES["risk_logistic_regression"].symbol,
    )
    assert STYLES["guideline"].colour != STYLES["risk_logistic_regression"].colour


def test_unknown_strategies_get_distinct_spare_styles():
    styles = styles_for(["guideline", *[f"model_{k}" for k in range(12)]])
    assert len({(s.colour, s.symbol) for s in styles.values()}) == 13


@given(
    known=st.lists(st.sampled_from(sorted(STYLES)), unique=True),
    unknown=st.integers(min_value=0, max_value=12),
)
def test_any_mix_of_known_and_new_models_is_drawn_in_distinct_styles(known, unknown):
    strategies = [*known, *[f"new_model_{k}" for k in range(unknown)]]
    styles = styles_for(strategies)
    assert len({(s.colour, s.symbol) for s in styles.values()}) == len(strategies)


def _threshold_table() -> pd.DataFrame:
    rows = []
    for strategy, label, kind, shares in (
        ("default_card", "Expert card", "model", (0.004, 0.05, 0.4)),
        ("guideline", "Guideline (expert card)", "policy", (0.3,)),
        ("risk_logistic_regression", "Risk thresholds, logistic regression", "policy", (0.02,)),
    ):
        for share in shares:
            sens = 0.5 + share
            rows.append(
                dict(
                    strategy=strategy,
                    label=label,
                    kind=kind,
                    positive="referred",
                    cutoff=0.05,
                    sensitivity=sens,
                    sensitivity_low=sens - 0.02,
                    sensitivity_high=sens + 0.02,
                    share_referred=share,
                    share_referred_low=share * 0.9,
                    share_referred_high=share * 1.1,
                )
            )
    return pd.DataFrame(rows)


def _subgroups() -> pd.DataFrame:
    rows = []
    for strategy, label in (("guideline", "Guideline (expert card)"), ("risk_logistic_regression", "Risk thresholds")):
        for group in ("18-39", "40+"):
            rows.append(
                dict(
                    group_by="age_band",
                    group=group,
                    strategy=strategy,
                    label=label,
                    n=100,
                    sensitivity=0.9,
                    sensitivity_low=0.8,
                    sensitivity_high=0.95,
                )
            )
    return pd.DataFrame(rows)


def _marker_styles(figure) -> dict[str, tuple[str, str]]:
    return {str(t.name): (t.marker.color, t.marker.symbol) for t in figure.data if t.marker and t.marker.color}


def test_a_policy_keeps_its_colour_and_symbol_from_chart_to_chart():
    found = _marker_styles(threshold_figure(_threshold_table()))
    subgroups = _marker_styles(subgroup_figure(_subgroups()))
    assert found["Guideline (expert card)"] == subgroups["Guideline (expert card)"]
    assert found["Guideline (expert card)"] != found["Risk thresholds, logistic regression"]


def test_found_against_referred_puts_the_share_referred_on_a_log_axis():
    figure = threshold_figure(_threshold_table())
    assert figure.layout.xaxis.type == "log"
    assert list(figure.layout.xaxis.ticktext) == ["0.5%", "1%", "5%", "10%", "50%"] or len(
        set(figure.layout.xaxis.ticktext)
    ) == len(figure.layout.xaxis.ticktext)


@given(st.floats(1e-5, 0.5), st.floats(1.5, 1e4))
def test_log_risk_ticks_are_distinct_round_percentages_never_above_100(low, ratio):
    axis = log_risk_axis(low, min(1.0, low * ratio))
    texts = axis["ticktext"]
    assert len(texts) == len(set(texts)) and len(texts) <= 7
    assert all(v <= 1.0 for v in axis["tickvals"])
    leading = "125" if ratio >= 5 else "123456789"
    assert all(t.rstrip("%").replace(".", "").lstrip("0")[:1] in leading for t in texts)
    assert "0.0%" not in texts


def test_the_risk_table_figure_reads_right():
    from scoring.engine.calibration import risk_table
    from scoring.engine.card import load_card

    table = risk_table(load_card("default"), population="community")
    figure = risk_table_figure(table)
    axis = figure.layout.yaxis
    drawn = pd.concat([table["risk"], table["risk_trained"], table["observed"]])
    lowest = float(drawn[drawn > 0].min())
    # Every risk drawn is on the axis, which starts less than a decade below the lowest one.
    assert axis.type == "log" and lowest / 10 < 10 ** axis.range[0] <= lowest and axis.range[1] == 0
    # The risks span more than three decades: a tick at each power of ten, from the first on
    # the axis to 100%.
    first = math.ceil(axis.range[0] - 1e-9)
    assert list(axis.ticktext) == [tick_percent(10.0**e) for e in range(first, 1)]
    assert len(axis.ticktext) >= 4 and axis.ticktext[-1] == "100%"
    counts = list(figure.layout.yaxis2.tickvals)
    steps = set(np.diff(counts))
    assert counts[0] == 0 and len(steps) == 1 and str(int(steps.pop())).rstrip("0") in ("1", "2", "25", "5")


def test_count_axes_step_in_round_numbers():
    assert count_axis(26_340)["tickvals"] == [0, 10_000, 20_000, 30_000]
    assert count_axis(187)["tickvals"] == [0, 50, 100, 150, 200]


def test_tornado_labels_are_words():
    assert parameter_words(
        "duration_weeks.components.peripheral_neuropathy[0].sigma", "duration sigma (neuropathy)"
    ) == ("spread of durations (neuropathy)")
    assert parameter_words("flags.bulbar.central_ms_like", "bulbar (MS-like)") == (
        "share with speech or swallowing trouble (MS-like)"
    )
