"""Risks for a stated population: prior shift, recalibration on a community sample, and the check on a fresh one."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.engine.calibration import calibration_metrics, calibration_summary, card_risk
from scoring.engine.card import list_cards, load_card
from scoring.engine.populations import load_population
from scoring.engine.risk import fit_transport, risk_in_population, shift_probability
from scoring.engine.synth import generate_vignettes


@pytest.fixture(scope="module")
def fresh_community():
    # Neither the calibration sample (enriched, seed 20240) nor the transport sample
    # (community, seed 20241).
    return generate_vignettes(200_000, seed=31337, population="community")


@pytest.mark.slow
@pytest.mark.parametrize("name", list_cards())
def test_card_risks_are_calibrated_on_a_fresh_community_sample(name, fresh_community):
    metrics = calibration_metrics(name, fresh_community, population="community")
    assert 0.9 <= metrics["calibration_slope"] <= 1.1
    assert abs(metrics["calibration_intercept"]) < 0.15
    assert metrics["predicted_mean"] == pytest.approx(metrics["observed"], rel=0.15)
    assert metrics["brier"] < metrics["brier_reference"]


def test_the_prior_shift_alone_underestimates_the_community_risk_and_the_file_says_so():
    # Benign twitching in the community is brief and in one place, so the answers that
    # remain unexplained there are riskier than in the learning mix: shifted risks are low.
    transport = load_card("default").calibration.data["transport"]["community"]
    assert transport["prior_shift_intercept"] > 0.3
    assert transport["seed"] == 20241 and transport["n"] == 200_000


def test_no_transport_means_the_prior_shift_and_the_same_population_means_no_change():
    p = np.array([0.001, 0.07, 0.5, 0.99])
    enriched = load_population("enriched").prevalence("serious_cause")
    community = load_population("community").prevalence("serious_cause")
    assert np.array_equal(risk_in_population(p, outcome="serious_cause", population="enriched"), p)
    assert np.allclose(
        risk_in_population(p, outcome="serious_cause", population="community"),
        shift_probability(p, enriched, community),
    )
    step = {"community": {"intercept": 0.5, "slope": 1.0}}
    moved = risk_in_population(p, outcome="serious_cause", population="community", transport=step)
    shifted = shift_probability(p, enriched, community)
    assert np.allclose(np.log(moved / (1 - moved)), np.log(shifted / (1 - shifted)) + 0.5)
    assert np.isnan(risk_in_population([np.nan], outcome="serious_cause", population="community")).all()


def test_fit_transport_recovers_a_known_miscalibration():
    rng = np.random.default_rng(4)
    trained = rng.uniform(0.01, 0.6, 100_000)
    enriched = load_population("enriched").prevalence("serious_cause")
    community = load_population("community").prevalence("serious_cause")
    shifted = shift_probability(trained, enriched, community)
    truth = 1 / (1 + np.exp(-(0.8 + 0.9 * np.log(shifted / (1 - shifted)))))
    y = rng.uniform(size=truth.size) < truth
    fitted = fit_transport(trained, y, outcome="serious_cause", population="community")
    assert fitted["intercept"] == pytest.approx(0.8, abs=0.15)
    assert fitted["slope"] == pytest.approx(0.9, abs=0.05)
    moved = risk_in_population(
        trained, outcome="serious_cause", population="community", transport={"community": fitted}
    )
    summary = calibration_summary(moved, y)
    assert abs(summary["calibration_slope"] - 1) < 0.03


def test_card_risk_orders_totals_alike_in_every_population():
    card = load_card("default")
    totals = np.arange(card.min_total, card.max_total + 1)
    none = np.zeros(len(totals), dtype=np.uint64)
    for population in ("enriched", "community"):
        assert (np.diff(card_risk(card, totals, none, population)) >= 0).all()
