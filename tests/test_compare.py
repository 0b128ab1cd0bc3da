"""The risk models and policies compared on a fresh sample: the tables, what a person receives, the faces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scoring.analysis.compare import (
    DEFAULT_CARDS,
    REFERENCE_MODEL,
    TREE_MODEL,
    compare_frame,
    compare_models,
    comparison_findings,
    load_comparison,
    render_comparison_text,
)
from scoring.analysis.reference import fit_reference_model
from scoring.assessment import assess_frame
from scoring.engine.risk import outcome_labels
from scoring.engine.synth import generate_vignettes
from scoring.plots import model_calibration_figure, referral_figure, roc_figure

N, SEED = 20_000, 2026
#: Two shipped cards, so that more than one card is compared whatever else has been fitted.
CARDS = ("default", "strict")

MODEL_COLUMNS = {
    "label",
    "auc",
    "auc_low",
    "auc_high",
    "n",
    "observed",
    "predicted_mean",
    "calibration_intercept",
    "calibration_slope",
    "brier",
    "brier_reference",
}
POLICY_COLUMNS = {
    "label",
    "model",
    "reference",
    "sensitivity",
    "specificity",
    "ppv",
    "npv",
    "share_self_care",
    "share_see_doctor",
    "share_urgent",
    "share_referred",
    "n",
    "n_outcome",
    "n_referred",
    "n_outcome_referred",
    "n_outcome_missed",
    "n_motor_neuron_like",
    "motor_neuron_like_self_care",
    "n_central_ms_like",
    "central_ms_like_self_care",
}


@pytest.fixture(scope="module")
def comparison():
    return compare_models("community", N, SEED, cards=CARDS, tree=None, resamples=200)


@pytest.fixture(scope="module")
def sample():
    return generate_vignettes(N, seed=SEED, population="community")


def test_one_row_per_model_and_policy_with_the_expected_columns(comparison):
    c = comparison
    assert (c.population, c.outcome, c.n, c.seed, c.resamples) == ("community", "serious_cause", N, SEED, 200)
    assert list(c.models.index) == ["default_card", "strict_card", REFERENCE_MODEL]
    assert list(c.models["label"]) == ["Expert card", "Card 'strict'", "Gradient boosting on every answer (reference)"]
    assert set(c.models.columns) == MODEL_COLUMNS
    assert list(c.policies.index) == ["guideline", "risk_default_card", "risk_strict_card", "risk_flexible_reference"]
    assert set(c.policies.columns) == POLICY_COLUMNS
    assert c.policies["reference"].tolist() == [False, False, False, True]
    assert set(c.roc["model"]) == set(c.calibration["model"]) == set(c.models.index)
    assert set(c.by_cause["policy"]) == set(c.policies.index)
    assert c.cards.keys() == set(CARDS) and not c.tree and c.reference["population"] == "enriched"


def test_every_auc_interval_contains_its_estimate(comparison):
    m = comparison.models
    assert (m["auc_low"] < m["auc"]).all() and (m["auc"] < m["auc_high"]).all()
    assert ((m["auc"] > 0.5) & (m["auc"] <= 1)).all()


def test_the_bootstrap_is_reproducible_by_seed(comparison, sample):
    again = compare_frame(sample, cards=CARDS, tree=None, resamples=200, seed=SEED)
    pd.testing.assert_frame_equal(again.models, comparison.models)
    other = compare_frame(sample, cards=CARDS, tree=None, resamples=200, seed=SEED + 1)
    assert (other.models["auc"] == comparison.models["auc"]).all()
    assert (other.models["auc_low"] != comparison.models["auc_low"]).any()


def test_policy_counts_match_a_hand_count_of_what_people_receive(comparison, sample):
    # The policies' numbers are what assess_frame tells each person (the combined answer, never
    # below the floor or the card's band), counted by hand: the guideline row under the default
    # policy, the risk rows under the risk policy.
    told = {
        "guideline": assess_frame(sample, card="default", tree=None, population="community"),
        "risk_default_card": assess_frame(sample, card="default", tree=None, population="community", policy="risk"),
        "risk_strict_card": assess_frame(sample, card="strict", tree=None, population="community", policy="risk"),
    }
    assert told["guideline"].policy == "nhs"
    for policy, assessed in told.items():
        scored = assessed.scored
        serious = outcome_labels(scored, "serious_cause")
        referred = scored["recommendation"].astype(str).isin(["see_doctor", "urgent"]).to_numpy()
        self_care = ~referred
        row = comparison.policies.loc[policy]
        assert row["n_referred"] == referred.sum()
        assert row["n_outcome_referred"] == (referred & serious).sum()
        assert row["sensitivity"] == (referred & serious).sum() / serious.sum()
        assert row["specificity"] == (~referred & ~serious).sum() / (~serious).sum()
        assert row["ppv"] == (referred & serious).sum() / referred.sum()
        assert row["npv"] == (~referred & ~serious).sum() / (~referred).sum()
        motor = (scored["latent_cause"] == "motor_neuron_like").to_numpy()
        assert row["motor_neuron_like_self_care"] == (motor & self_care).sum()


def test_the_tables_add_up(comparison):
    p = comparison.policies
    shares = p[["share_self_care", "share_see_doctor", "share_urgent"]].sum(axis=1)
    assert np.allclose(shares, 1) and np.allclose(p["share_referred"], p["share_see_doctor"] + p["share_urgent"])
    assert (p["n_outcome_referred"] + p["n_outcome_missed"] == comparison.n_outcome).all()
    by_cause = comparison.by_cause
    assert (by_cause.groupby("policy")["n"].sum() == comparison.n).all()
    assert (by_cause[["self_care", "see_doctor", "urgent"]].sum(axis=1) == by_cause["n"]).all()
    missed = by_cause[by_cause["latent_cause"] == "motor_neuron_like"].set_index("policy")["self_care"]
    assert (missed == p["motor_neuron_like_self_care"]).all()
    for model, bins in comparison.calibration.groupby("model"):
        assert bins["n"].sum() == comparison.n, model


def test_the_guideline_refers_every_serious_cause_it_can_see(comparison, sample):
    # The guideline (the NHS page's advice, the most cautious policy) sends no motor-neuron-like
    # case to self-care, and refers more people than the risk policy on the same card or on the
    # flexible reference. (A person is never told less than the card's band, so the 'strict'
    # card, whose 'review' band starts at 1 point, refers more under any policy.)
    policies = comparison.policies
    assert policies.loc["guideline", "motor_neuron_like_self_care"] == 0
    for other in ("risk_default_card", "risk_flexible_reference"):
        assert policies.loc["guideline", "share_referred"] > policies.loc[other, "share_referred"], other
    assert policies.loc["risk_strict_card", "share_referred"] >= policies.loc["risk_default_card", "share_referred"]
    # In generator 2.1 people notice early: a serious cause asked about within days, in one area,
    # with none of the signs the guideline's rules read (definitions/triage.toml), is one it
    # cannot see. Every serious cause it sends to self-care is such a case.
    scored = assess_frame(sample, card="default", tree=None, population="community").scored
    missed = scored[outcome_labels(scored, "serious_cause") & (scored["recommendation"].astype(str) == "self_care")]
    assert len(missed) == comparison.policies.loc["guideline", "n_outcome_missed"]
    assert (missed["duration_weeks"] <= 2).all() and (missed["locations"].str.count(";") == 0).all()
    assert not missed["locations"].str.contains("tongue").any()
    for sign in ("weakness", "atrophy", "stiffness", "numbness", "bulbar", "sudden_onset"):
        assert not missed[sign].any(), sign


def test_a_red_flag_is_urgent_under_every_policy_the_reference_ones_included():
    frame = generate_vignettes(3000, seed=11, population="community").assign(bulbar=True)
    c = compare_frame(frame, cards=("default",), tree=None, resamples=20)
    assert (c.policies["share_urgent"] == 1).all()


def test_the_flexible_reference_is_reproducible_and_moved_like_every_model(sample):
    first, second = fit_reference_model(n=3000, seed=5), fit_reference_model(n=3000, seed=5)
    assert first is second  # cached: fitted once per arguments
    assert first.label == "Gradient boosting on every answer (reference)"
    from scoring.analysis.reference import _fit

    _fit.cache_clear()
    refit = fit_reference_model(n=3000, seed=5)
    assert refit.predict_risk(sample.head(500)).tobytes() == first.predict_risk(sample.head(500)).tobytes()
    assert set(refit.transport) == {"community"}
    # Moved like the cards: a recalibration within every age band.
    assert [band["band"] for band in refit.transport["community"]["age_bands"]] == ["18–39", "40–49", "50–64", "65+"]
    risk = refit.risk_in_population(sample.head(500), "community")
    assert ((risk > 0) & (risk < 1)).all()
    assert np.allclose(refit.risk_in_population(sample.head(500), "enriched"), refit.predict_risk(sample.head(500)))


def test_bad_input_names_what_is_missing(sample):
    with pytest.raises(ValueError, match="no 'latent_cause' column"):
        compare_frame(sample.drop(columns="latent_cause"), cards=("default",), tree=None)
    with pytest.raises(ValueError, match="cards is empty"):
        compare_frame(sample, cards=(), tree=None)
    with pytest.raises(ValueError, match="unknown population 'nowhere'"):
        compare_models("nowhere", 100)


def test_text_shows_the_quality_bar_tables(comparison):
    text = render_comparison_text(comparison)
    assert text.startswith(f"Risk models and policies on {N:,} fresh synthetic vignettes of the community population")
    for heading in (
        "Models: the risk of a serious cause, moved to the community population",
        "AUC (95% CI)",
        "cal. intercept",
        "cal. slope",
        "Brier",
        "Policies: referred (see a doctor or urgent) against a serious cause",
        "sensitivity",
        "specificity",
        "PPV",
        "NPV",
        "Share sent to each level",
        "What the numbers say:",
    ):
        assert heading in text, heading
    auc = comparison.models.loc["default_card"]
    assert f"Expert card {auc['auc']:.3f} ({auc['auc_low']:.3f}-{auc['auc_high']:.3f})" in " ".join(text.split())
    assert "ceiling" not in text


def test_text_shows_sensitivity_by_cause_with_wilson_intervals_and_self_care_counts(comparison):
    from scoring.analysis._compare_text import cause_sensitivity
    from scoring.evaluate import wilson_interval

    table = cause_sensitivity(comparison)
    policies = list(comparison.policies.index)
    assert list(dict.fromkeys(table["policy"])) == policies
    assert list(dict.fromkeys(table["cause_label"])) == ["motor-neuron-like", "MS-like", "neuropathy", "all serious"]
    counts = comparison.by_cause.set_index(["policy", "latent_cause"])
    for row in table[table["cause"] != "all"].itertuples():
        found = counts.loc[(row.policy, row.cause)]
        assert row.n == found["n"] and row.n_self_care == found["self_care"]
        assert row.n_referred == found["see_doctor"] + found["urgent"]
        assert (row.sensitivity_low, row.sensitivity_high) == pytest.approx(wilson_interval(row.n_referred, row.n))
        assert row.n_self_care_low <= row.n_self_care <= row.n_self_care_high
    pooled = table[table["cause"] == "all"].set_index("policy")
    serious = comparison.policies
    assert (pooled.loc[policies, "n"].to_numpy() == serious["n_outcome"].to_numpy()).all()
    assert (pooled.loc[policies, "n_referred"].to_numpy() == serious["n_outcome_referred"].to_numpy()).all()
    text = " ".join(render_comparison_text(comparison).split())
    assert "Sensitivity by cause" in text
    guideline = table[(table["policy"] == "guideline") & (table["cause"] == "central_ms_like")].iloc[0]
    assert f"self-care {int(guideline.n_self_care):,} (" in text


def test_findings_are_drawn_from_the_numbers(comparison):
    findings = comparison_findings(comparison)
    best = comparison.models.drop(index=REFERENCE_MODEL)["auc"].idxmax()
    assert findings[0].startswith(
        f"Best discrimination among the readable models: {comparison.models.loc[best, 'label']}"
    )
    guideline = comparison.policies.loc["guideline"]
    assert any(f"guideline's {guideline['share_referred']:.1%}" in finding for finding in findings)
    assert findings[-1].startswith(("Keep the guideline as the default", "Of the policies a person can receive"))


def test_zaro_compare_prints_the_table():
    from click.testing import CliRunner

    from scoring.cli import main

    args = ["compare", "--population", "enriched", "--n", "3000", "--seed", "3", "--card", "default", "--no-tree"]
    result = CliRunner().invoke(main, [*args, "--resamples", "50"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Risk models and policies on 3,000 fresh synthetic vignettes of the enriched population"
    )
    assert "Gradient boosting on every answer (reference)" in result.output and "not a medical device" in result.output
    as_json = CliRunner().invoke(main, [*args, "--resamples", "50", "--json"])
    record = json.loads(as_json.output)
    assert record["population"] == "enriched" and record["n"] == 3000 and record["resamples"] == 50
    both = CliRunner().invoke(main, [*args, "--tree", "x.skops"])
    assert both.exit_code == 2 and "give --tree or --no-tree, not both" in both.output


def test_a_saved_comparison_reads_back_to_the_same_tables(comparison, tmp_path):
    path = comparison.save(tmp_path / "comparison.json")
    json.loads(path.read_text(encoding="utf-8"))  # strict JSON: infinities are written as text
    again = load_comparison(path)
    for table in ("models", "policies", "roc", "calibration", "by_cause"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(comparison, table))
    assert render_comparison_text(again) == render_comparison_text(comparison)
    assert again.save(tmp_path / "again.json").read_bytes() == path.read_bytes()
    assert compare_models("community", N, SEED, cards=CARDS, tree=None, resamples=200, saved=path).n == N


def test_a_saved_comparison_for_other_arguments_is_refused(comparison, tmp_path):
    path = comparison.save(tmp_path / "comparison.json")
    with pytest.raises(ValueError, match=r"computed for other arguments: seed 2026 \(asked for 3\)"):
        compare_models("community", N, 3, cards=CARDS, tree=None, resamples=200, saved=path)
    with pytest.raises(ValueError, match=r"population 'community' \(asked for 'enriched'\)"):
        compare_models("enriched", N, SEED, cards=CARDS, tree=None, resamples=200, saved=path)
    with pytest.raises(ValueError, match=r"cards .*\(asked for \{'default'"):
        compare_models("community", N, SEED, cards=("default",), tree=None, resamples=200, saved=path)
    with pytest.raises(ValueError, match=r"cards \{'default'.*\(asked for \{'strict'"):
        compare_models("community", N, SEED, cards=CARDS[::-1], tree=None, resamples=200, saved=path)
    (tmp_path / "junk.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"junk\.json' is not a comparison saved by Comparison\.save"):
        load_comparison(tmp_path / "junk.json")


def test_figures_are_drawn_from_the_tables(comparison):
    roc = roc_figure(comparison.roc, models=comparison.models, operating_points=comparison.policies)
    # Each curve and point is drawn twice, whole and zoomed in, with one legend entry, its
    # name wrapped into lines that fit a phone.
    curves = [t for t in roc.data if t.mode == "lines" and t.name != "chance" and t.showlegend]
    assert [t.name.replace("<br>", " ").split(":")[0] for t in curves] == list(comparison.models["label"])
    assert all(len(line) <= 38 for t in roc.data for line in t.name.split("<br>"))
    points = [t for t in roc.data if t.mode == "markers" and t.showlegend]
    assert [t.name.replace("<br>", " ") for t in points] == list(comparison.policies["label"])
    assert [t.y[0] for t in points] == list(comparison.policies["sensitivity"])
    calibration = model_calibration_figure(comparison.calibration, models=comparison.models)
    assert calibration.layout.xaxis.type == "log" and len(calibration.data) == 1 + len(comparison.models)
    bars = referral_figure(comparison.policies)
    assert [t.name for t in bars.data] == ["Self-care", "See a doctor", "Urgent assessment"]
    assert list(bars.data[0].x) == list(comparison.policies["share_self_care"])


@pytest.mark.slow
def test_the_default_comparison_has_every_model_and_policy():
    c = compare_models("community", N, SEED, resamples=50)
    assert c.cards.keys() == set(DEFAULT_CARDS) and c.tree
    assert list(c.models.index) == ["default_card", "learned_card", TREE_MODEL, REFERENCE_MODEL]
    assert list(c.policies.index) == [
        "guideline",
        "risk_default_card",
        "risk_learned_card",
        "risk_tree",
        "risk_flexible_reference",
    ]
