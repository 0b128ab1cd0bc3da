"""Calibration: the stored points-to-probability mapping, its risk table and its checks."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from scoring.engine.calibration import (
    calibration_bins,
    calibration_metrics,
    fit_calibration,
    needs_review,
    risk_table,
)
from scoring.engine.card import calibration_path, list_cards, load_card
from scoring.engine.synth import generate_vignettes


@pytest.fixture(scope="module")
def fresh_sample():
    # A seed never used for fitting (the stored calibrations use seed 20240).
    return generate_vignettes(40_000, seed=777, label_noise=0.03)


@pytest.mark.parametrize("name", list_cards())
def test_refitting_reproduces_the_stored_calibration(name):
    card = load_card(name)
    stored = json.loads(calibration_path(card.path).read_text())
    data = stored["data"]
    refit = fit_calibration(card, n=data["n"], seed=data["seed"], label_noise=data["label_noise"])
    assert refit == stored


@pytest.mark.parametrize("name", list_cards())
def test_risk_table_covers_every_total_and_never_falls(name):
    card = load_card(name)
    table = risk_table(card)
    assert table.index.tolist() == list(range(card.min_total, card.max_total + 1))
    assert (np.diff(table["probability"].to_numpy()) >= 0).all()
    assert table["probability"].between(0, 1).all()
    stored = {row["points_total"]: row for row in card.calibration.data["table"]}
    for total, row in table.iterrows():
        expected_n = stored[total]["n"] if total in stored else 0
        assert row["n"] == expected_n
        if expected_n:
            assert row["observed"] == pytest.approx(stored[total]["n_review"] / expected_n)
        else:
            assert np.isnan(row["observed"])
    assert table["recommendation"].tolist() == [card.band_for_total(t).recommendation.value for t in table.index]


def test_default_probabilities_follow_the_bands():
    table = risk_table("default")
    # The reference label follows the ladder, which the card reproduces: the probability
    # jumps where the bands change and is flat within them (the fitted slope is 0).
    low = table.loc[table["recommendation"] == "self_care", "probability"]
    high = table.loc[table["recommendation"] == "see_doctor", "probability"]
    assert low.max() < 0.1 < 0.9 < high.min()


def test_risk_table_on_a_given_frame(fresh_sample):
    table = risk_table("default", fresh_sample)
    assert table["n"].sum() == (assess_masks(fresh_sample) == 0).sum()


def assess_masks(frame):
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    return load_card().score_frame(Features(validate_frame(frame).valid)).red_flag_mask


@pytest.mark.parametrize("name", list_cards())
def test_calibration_holds_on_a_fresh_sample(name, fresh_sample):
    metrics = calibration_metrics(name, fresh_sample)
    assert metrics["n"] == len(fresh_sample)
    assert abs(metrics["calibration_intercept"]) < 0.1
    assert abs(metrics["calibration_slope"] - 1) < 0.1
    assert metrics["brier"] < metrics["brier_reference"]
    assert metrics["predicted_mean"] == pytest.approx(metrics["observed"], abs=0.01)


def test_calibration_bins(fresh_sample):
    bins = calibration_bins("default", fresh_sample)
    assert bins["n"].sum() == len(fresh_sample)
    assert bins["bin"].iloc[-1] == "red flag"
    assert bins.loc[bins["bin"] == "red flag", "predicted"].iloc[0] == 1.0


def test_needs_review():
    assert needs_review(["self_care", "see_doctor", "urgent"]).tolist() == [False, True, True]


def test_a_frame_with_one_outcome_cannot_be_fitted():
    frame = generate_vignettes(2_000, seed=1, label_noise=0.0)
    only_review = frame[frame["triage"] != "self_care"]
    with pytest.raises(ValueError, match="every vignette has the same outcome"):
        fit_calibration("default", frame=only_review)


def test_a_stale_calibration_is_not_used(tmp_path):
    card = load_card("default")
    text = card.path.read_text().replace("points = 4", "points = 5", 1)
    top = card.bands[-1].max_points
    text = text.replace(f"max_points = {top}", f"max_points = {top + 1}")
    target = tmp_path / "edited.toml"
    target.write_text(text)
    shutil.copy(calibration_path(card.path), calibration_path(target))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        edited = load_card(target)
    assert edited.calibration is None
    assert any("fitted for different points" in str(w.message) for w in caught)
    assert np.isnan(edited.probability(np.array([1]), np.array([0], dtype=np.uint64))).all()
    # Saving a new fit next to the edited card makes it usable again.
    fit_calibration(edited, n=20_000, seed=3, save=True)
    assert load_card(target).calibration is not None


def test_figures_show_metrics_and_tables(fresh_sample):
    from scoring.plots import calibration_figure, risk_table_figure

    metrics = calibration_metrics("default", fresh_sample)
    figure = calibration_figure(calibration_bins("default", fresh_sample), metrics)
    assert f"intercept {metrics['calibration_intercept']:.3f}" in figure.layout.title.text
    assert f"slope {metrics['calibration_slope']:.3f}" in figure.layout.title.text
    table = risk_table("default")
    figure = risk_table_figure(table)
    assert list(figure.data[1].x) == table.index.tolist()
