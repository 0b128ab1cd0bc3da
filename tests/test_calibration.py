"""Calibration: a card's total as the risk of an outcome, its risk table, its evidence and its checks."""

from __future__ import annotations

import json
import math
import shutil
import warnings

import numpy as np
import pytest

from scoring.contract.recommendation import Recommendation
from scoring.engine.calibration import (
    calibration_bins,
    calibration_metrics,
    calibration_summary,
    card_risk,
    fit_calibration,
    risk_table,
)
from scoring.engine.card import calibration_path, list_cards, load_card
from scoring.engine.populations import load_population
from scoring.engine.risk import outcome_labels
from scoring.engine.synth import generate_vignettes


@pytest.fixture(scope="module")
def fresh_enriched():
    # A seed never used for fitting (the stored calibrations use seed 20240).
    return generate_vignettes(60_000, seed=777)


@pytest.mark.slow
@pytest.mark.parametrize("name", list_cards())
def test_refitting_reproduces_the_stored_calibration(name):
    card = load_card(name)
    stored = json.loads(calibration_path(card.path).read_text())
    data = stored["data"]
    assert data["population"] == "enriched"
    refit = fit_calibration(card, n=data["n"], seed=data["seed"])
    assert refit == stored


@pytest.mark.parametrize("name", list_cards())
def test_every_card_estimates_the_serious_cause_risk_in_the_learning_mix(name):
    calibration = load_card(name).calibration
    assert calibration is not None
    assert (calibration.outcome, calibration.population) == ("serious_cause", "enriched")
    assert calibration.prevalence == pytest.approx(0.07)


@pytest.mark.parametrize("name", list_cards())
def test_risk_table_covers_every_total_and_never_falls(name):
    card = load_card(name)
    table = risk_table(card, population="enriched")
    assert table.index.tolist() == list(range(card.min_total, card.max_total + 1))
    assert (np.diff(table["risk"].to_numpy()) >= 0).all()
    assert table["risk"].between(0, 1).all()
    # In the population it was fitted on, the risk is the calibration's own.
    assert np.allclose(table["risk"], table["risk_trained"])
    stored = {row["points_total"]: row for row in card.calibration.data["table"]}
    for total, row in table.iterrows():
        expected_n = stored[total]["n"] if total in stored else 0
        assert row["n"] == expected_n
        if expected_n:
            assert row["observed"] == pytest.approx(stored[total]["n_outcome"] / expected_n)
        else:
            assert np.isnan(row["observed"])
    assert table["recommendation"].tolist() == [card.band_for_total(t).recommendation.value for t in table.index]


def test_the_community_risk_is_lower_and_keeps_the_order():
    enriched = risk_table("default", population="enriched")
    community = risk_table("default", population="community")
    assert community.attrs["population"] == "community" and community.attrs["trained_on"] == "enriched"
    # Lower wherever the learning-mix risk is above the community's prevalence; at the lowest
    # totals the community recalibration (slope below 1) may lift a tiny risk a little.
    above = enriched["risk"] > load_population("community").prevalence("serious_cause")
    assert above.sum() >= 10
    assert (community["risk"][above] < enriched["risk"][above]).all()
    assert (
        np.argsort(community["risk"].to_numpy(), kind="stable")
        == np.argsort(enriched["risk"].to_numpy(), kind="stable")
    ).all()
    assert community.attrs["red_flag_risk"] < community.attrs["red_flag_risk_trained"]


def test_more_points_mean_a_higher_risk_for_the_default_card():
    table = risk_table("default")
    # A real slope: the total now grades the risk of a serious cause.
    assert table["risk"].iloc[-1] > 10 * table["risk"].iloc[0]
    assert load_card("default").calibration.slope > 0


def test_the_expert_card_doc_says_what_one_point_is_worth():
    # The points were set by the rule of one point per doubling of the odds; in the world of
    # generator 2.1 (answers err, benign twitching can look like disease) the fitted slope per
    # point is well below ln 2, so docs/expert_card.md must say what a point is worth as fitted,
    # not claim the doubling. A reader compares the stated slope with the stored one.
    import re
    from pathlib import Path

    slope = load_card("default").calibration.slope
    assert 0 < slope
    text = " ".join((Path(__file__).resolve().parents[1] / "docs" / "expert_card.md").read_text().split())
    stated = re.search(r"its slope is ([0-9.]+) per point \(one point multiplies the odds by ([0-9.]+)\)", text)
    assert stated, "docs/expert_card.md no longer states the fitted slope per point"
    assert float(stated.group(1)) == pytest.approx(slope, abs=0.005)
    assert float(stated.group(2)) == pytest.approx(math.exp(slope), abs=0.005)
    if abs(slope - math.log(2)) > 0.05:
        assert 'keeps to "one point doubles the odds"' not in text


def test_the_default_cards_bands_never_ask_more_than_the_risk_policy_and_share_its_urgent_cut_off():
    # The bands were set at the risk policy's thresholds on the first world. On today's world the
    # urgent cut-off still falls at the same total; the 2% see-a-doctor threshold comes earlier
    # than the 'raised risk' band, which stays where it is so that the card shown beside the NHS
    # ladder does not raise its held-out self-care cases (getting worse without weakness is one).
    from scoring.engine.policies import load_policy

    table = risk_table("default", population="community")
    policy = np.asarray(load_policy("risk").risk_levels(table["risk"].to_numpy()), dtype=int)
    band = np.array([Recommendation(value).level for value in table["recommendation"]])
    urgent = Recommendation.URGENT.level
    assert (band <= policy).all(), table
    assert ((band == urgent) == (policy == urgent)).all(), table


def test_the_default_card_ranks_serious_causes_well_on_a_fresh_sample(fresh_enriched):
    from sklearn.metrics import roc_auc_score

    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    valid = validate_frame(fresh_enriched, extra="keep").valid
    serious = np.asarray(outcome_labels(valid, "serious_cause"), dtype=bool)
    auc = {}
    for name in ("default", "strict"):
        card = load_card(name)
        scores = card.score_frame(Features(valid))
        auc[name] = roc_auc_score(serious, card_risk(card, scores.totals, scores.red_flag_mask, "enriched"))
    # In the learning mix (clinic-stage benign look-alikes, answers that err) the expert card
    # reaches about 0.79 (generator 2.1): no absolute target from the old, too-easy world. What a
    # reader relies on: it ranks better than the card that counts every reason for concern, and
    # better than any single answer does on the same sample.
    assert auc["default"] > auc["strict"] + 0.03
    from scoring.contract.features import FEATURE_NAMES

    single = [roc_auc_score(serious, column) for column in Features(valid).matrix(FEATURE_NAMES, dtype=np.float64).T]
    best_single = max(max(a, 1 - a) for a in single)
    assert auc["default"] > best_single, (auc, best_single)


@pytest.mark.parametrize("name", list_cards())
def test_calibration_holds_on_a_fresh_enriched_sample(name, fresh_enriched):
    metrics = calibration_metrics(name, fresh_enriched, population="enriched")
    assert metrics["n"] == len(fresh_enriched) and metrics["population"] == "enriched"
    assert abs(metrics["calibration_intercept"]) < 0.15
    assert abs(metrics["calibration_slope"] - 1) < 0.15
    assert metrics["brier"] < metrics["brier_reference"]
    assert metrics["predicted_mean"] == pytest.approx(metrics["observed"], abs=0.01)


def test_calibration_bins_count_every_row_and_put_red_flags_last(fresh_enriched):
    bins = calibration_bins("default", fresh_enriched, population="enriched")
    assert bins["n"].sum() == len(fresh_enriched)
    assert bins["bin"].iloc[-1] == "red flag"
    card = load_card("default")
    assert bins.loc[bins["bin"] == "red flag", "predicted"].iloc[0] == pytest.approx(
        card.calibration.red_flag_probability
    )


def test_item_evidence_is_the_likelihood_ratio_in_the_fitting_data(fresh_enriched):
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    card = load_card("default")
    result = fit_calibration(card, frame=fresh_enriched)
    valid = validate_frame(fresh_enriched, extra="keep").valid
    features = Features(valid)
    serious = np.asarray(outcome_labels(valid, "serious_cause"), dtype=bool)
    for entry, item in zip(result["items"], card.items):
        holds = np.asarray(item.parsed.evaluate(features), dtype=bool)
        expected = holds[serious].mean() / holds[~serious].mean()
        assert entry["id"] == item.item_id
        assert entry["n_present"] == int(holds.sum())
        assert entry["lr_present"] == pytest.approx(expected, rel=1e-3)
    # The view of a vignette shows the stored ratio next to the points.
    assert (
        card.likelihood_ratio(card.items[0].item_id)
        == card.calibration.item_evidence(card.items[0].item_id)["lr_present"]
    )


def test_calibration_summary_of_a_perfect_and_a_flat_prediction():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.5, 50_000)
    y = rng.uniform(size=p.size) < p
    good = calibration_summary(p, y)
    assert abs(good["calibration_intercept"]) < 0.05 and abs(good["calibration_slope"] - 1) < 0.05
    too_extreme = calibration_summary(1 / (1 + np.exp(-2 * np.log(p / (1 - p)))), y)
    assert too_extreme["calibration_slope"] < 0.6


def test_a_frame_without_the_hidden_cause_cannot_be_fitted():
    frame = generate_vignettes(2_000, seed=1).drop(columns=["latent_cause"])
    with pytest.raises(ValueError, match="needs a 'latent_cause' column"):
        fit_calibration("default", frame=frame)


def test_an_unknown_outcome_lists_the_outcomes():
    with pytest.raises(ValueError, match="unknown outcome 'death'; use one of serious_cause, any_cause"):
        fit_calibration("default", outcome="death", frame=generate_vignettes(500, seed=1))


def test_a_frame_with_one_outcome_cannot_be_fitted():
    frame = generate_vignettes(3_000, seed=1)
    benign = frame[frame["latent_cause"] == "benign_lifestyle"]
    with pytest.raises(ValueError, match="every vignette has the same outcome"):
        fit_calibration("default", frame=benign)


def test_a_stale_calibration_is_not_used(tmp_path):
    card = load_card("default")
    item = card.items[0]
    text = card.path.read_text().replace(f"points = {item.points}", f"points = {item.points + 1}", 1)
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
    assert np.isnan(card_risk(edited, [1], np.array([0], dtype=np.uint64), "community")).all()
    # Saving a new fit next to the edited card makes it usable again.
    fit_calibration(edited, n=20_000, seed=3, save=True)
    assert load_card(target).calibration is not None


def test_figures_show_metrics_and_tables(fresh_enriched):
    from scoring.plots import calibration_figure, risk_table_figure

    metrics = calibration_metrics("default", fresh_enriched, population="enriched")
    figure = calibration_figure(calibration_bins("default", fresh_enriched, population="enriched"), metrics)
    assert f"intercept {metrics['calibration_intercept']:.3f}" in figure.layout.title.text
    assert f"slope {metrics['calibration_slope']:.3f}" in figure.layout.title.text
    table = risk_table("default", population="community")
    figure = risk_table_figure(table)
    assert list(figure.data[1].x) == table.index.tolist()
    assert "Adults" in figure.data[1].name or "adults" in figure.data[1].name
    assert figure.layout.yaxis.type == "log"
