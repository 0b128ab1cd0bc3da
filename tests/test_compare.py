"""Card against tree against combined: the tables add up and the safety targets are checked."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analysis.compare import (
    MODELS,
    SERIOUS_CAUSES,
    compare_frame,
    compare_models,
    load_comparison,
    render_comparison_text,
)
from scoring.assessment import assess_frame
from scoring.contract.recommendation import LEVELS
from scoring.engine.synth import generate_vignettes
from scoring.plots import confusion_figure, metrics_figure, sweep_figure, tree_figure


@pytest.fixture(scope="module")
def comparison():
    return compare_models(4000, seed=2026)


def test_tables_add_up(comparison):
    c = comparison
    assert c.n == 4000 and c.seed == 2026
    assert list(c.metrics.index) == list(MODELS)
    for model in MODELS:
        table = c.confusion[model]
        assert table.to_numpy().sum() == c.n
        counts = table.to_numpy()
        # Under-triage is below the diagonal (recommended less cautious than the reference).
        assert np.tril(counts, -1).sum() == c.metrics.loc[model, "n_under"]
        assert np.triu(counts, 1).sum() == c.metrics.loc[model, "n_over"]
        assert c.metrics.loc[model, "accuracy"] == pytest.approx(np.trace(counts) / c.n)
        for i, level in enumerate(LEVELS):
            assert c.metrics.loc[model, f"recall_{level}"] == pytest.approx(counts[i, i] / counts[i].sum())
    assert c.card_vs_tree.to_numpy().sum() == c.n
    assert c.agreement == pytest.approx(np.trace(c.card_vs_tree.to_numpy()) / c.n)
    assert c.by_cause["n"].sum() == c.n


def test_combined_is_never_less_cautious_than_the_card_on_the_sample():
    frame = generate_vignettes(3000, seed=2026)
    scored = assess_frame(frame).scored
    card = scored["card_recommendation"].cat.codes.to_numpy()
    combined = scored["recommendation"].cat.codes.to_numpy()
    tree = scored["tree_recommendation"].cat.codes.to_numpy()
    # The combination may go above both (the tree's monotone envelope, the guideline's red
    # flags), never below either.
    assert np.all(combined >= card) and np.all(combined >= np.maximum(card, tree))


def test_combined_under_triages_no_more_than_either_model(comparison):
    under = comparison.metrics["n_under"]
    assert under["combined"] <= min(under["card"], under["tree"])
    assert comparison.metrics.loc["combined", "recall_urgent"] >= comparison.metrics.loc["card", "recall_urgent"]


def test_safety_counts_match_the_cause_table(comparison):
    c = comparison
    for model in MODELS:
        from_table = sum(int(c.by_cause.loc[cause, f"{model}_self_care"]) for cause in SERIOUS_CAUSES)
        assert c.serious_to_self_care[model] == from_table
    assert c.serious_to_self_care["combined"] <= c.serious_to_self_care["card"]


def test_a_frame_of_only_motor_neuron_like_cases():
    frame = generate_vignettes(500, seed=5, prior={"motor_neuron_like": 1.0})
    c = compare_frame(frame)
    assert c.by_cause.loc["motor_neuron_like", "n"] == 500
    assert c.serious_to_self_care["combined"] == c.by_cause.loc["motor_neuron_like", "combined_self_care"]


def test_text_names_every_table(comparison):
    text = render_comparison_text(comparison)
    assert text.startswith("Card, tree and combined on 4000 fresh synthetic vignettes (seed 2026).")
    for heading in (
        "Agreement with the reference triage",
        "Card (rows) against tree (columns):",
        "Confusion matrix, tree",
        "By latent cause",
        "Motor-neuron-like or central (MS-like)",
    ):
        assert heading in text


def test_needs_a_tree_and_labels():
    frame = generate_vignettes(10, seed=1)
    with pytest.raises(ValueError, match="needs a tree"):
        compare_frame(frame, tree=None)
    with pytest.raises(ValueError, match="'triage'"):
        compare_frame(frame.drop(columns="triage"))


def test_figures_are_built_from_the_tables(comparison):
    confusion = confusion_figure(comparison)
    assert len([t for t in confusion.data if t.type == "heatmap"]) == 3
    bars = metrics_figure(comparison)
    assert [t.name for t in bars.data] == ["Points card", "Decision tree", "Combined"]
    assert list(bars.data[2].x[:3]) == [comparison.metrics.loc["combined", f"recall_{level}"] for level in LEVELS]


def test_tree_and_sweep_figures_highlight_the_vignette():
    from scoring.analysis.explain import sweep
    from scoring.engine.tree import default_tree

    vignette = {
        "age": 58,
        "duration_weeks": 12,
        "frequency": "daily",
        "severity": "moderate",
        "locations": ["hand", "arm"],
        "weakness": True,
    }
    view = default_tree().explain(vignette)
    figure = tree_figure(default_tree(), view)
    path = [t for t in figure.data if t.name == "this vignette's path"]
    assert len(path) == 1 and len([x for x in path[0].x if x is None]) == len(view.path)
    table = sweep(vignette, "duration_weeks", values=[1, 2, 3, 12])
    sweep_figure(table)  # builds without error
    assert table["is_current"].tolist() == [False, False, False, True]


def test_zaro_compare_prints_the_tables():
    from click.testing import CliRunner

    from scoring.cli import main

    result = CliRunner().invoke(main, ["compare", "--n", "800", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Card, tree and combined on 800 fresh synthetic vignettes (seed 3).")
    assert "not a medical device" in result.output


def test_a_saved_comparison_reads_back_to_the_same_tables(comparison, tmp_path):
    import pandas as pd

    path = comparison.save(tmp_path / "comparison.json")
    again = load_comparison(path)
    pd.testing.assert_frame_equal(again.metrics, comparison.metrics)
    pd.testing.assert_frame_equal(again.by_cause, comparison.by_cause)
    pd.testing.assert_frame_equal(again.card_vs_tree, comparison.card_vs_tree)
    for model in MODELS:
        pd.testing.assert_frame_equal(again.confusion[model], comparison.confusion[model])
    assert (again.n, again.seed, again.agreement) == (comparison.n, comparison.seed, comparison.agreement)
    assert render_comparison_text(again) == render_comparison_text(comparison)
    assert render_comparison_text(compare_models(4000, seed=2026, saved=path)) == render_comparison_text(comparison)


def test_a_saved_comparison_for_other_arguments_is_refused(comparison, tmp_path):
    path = comparison.save(tmp_path / "comparison.json")
    with pytest.raises(ValueError, match=r"computed for another sample or card: seed 2026 \(asked for 3\)"):
        compare_models(4000, seed=3, saved=path)
    with pytest.raises(ValueError, match=r"n 4000 \(asked for 500\)"):
        compare_models(500, seed=2026, saved=path)
    (tmp_path / "junk.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"junk\.json' is not a comparison saved by Comparison\.save"):
        load_comparison(tmp_path / "junk.json")


def test_counts_agree_with_the_triage_metrics(comparison):
    # Rates come from triage_metrics, counts from the confusion tables: they must agree.
    for model in MODELS:
        row = comparison.metrics.loc[model]
        assert row["n_under"] == pytest.approx(row["under_triage"] * comparison.n)
        assert row["n_over"] == pytest.approx(row["over_triage"] * comparison.n)
