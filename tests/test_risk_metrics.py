"""Discrimination, calibration and referral counts: against scikit-learn, a row bootstrap and hand counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score, roc_curve

from scoring.analysis.risk_metrics import (
    auc_interval,
    calibration_curve,
    cause_table,
    model_table,
    policy_table,
    referral_counts,
    roc_points,
)


def _sample(n: int, seed: int, *, distinct: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.05
    risk = 1 / (1 + np.exp(-(-3 + 1.5 * y + rng.normal(size=n))))
    return (risk if distinct else np.round(risk, 2)), y


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=60).filter(
        lambda rows: 0 < sum(y for _, y in rows) < len(rows)
    )
)
def test_the_auc_is_scikit_learns_with_ties(rows):
    risk = np.array([r for r, _ in rows], dtype=float) / 6
    y = np.array([y for _, y in rows])
    assert auc_interval(risk, y, resamples=5, seed=0).auc == pytest.approx(roc_auc_score(y, risk), abs=1e-12)


@pytest.mark.parametrize("distinct", [True, False], ids=["a risk per row", "few risks"])
def test_the_interval_contains_the_estimate_and_is_reproducible(distinct):
    risk, y = _sample(5000, 1, distinct=distinct)
    first = auc_interval(risk, y, resamples=300, seed=7)
    assert first.low < first.auc < first.high
    assert auc_interval(risk, y, resamples=300, seed=7) == first
    other = auc_interval(risk, y, resamples=300, seed=8)
    assert (other.low, other.high) != (first.low, first.high) and other.auc == first.auc


def test_drawing_cells_spreads_like_resampling_rows():
    # The per-cell multinomial is the row bootstrap's exact distribution: the spread of the
    # AUCs it gives matches the spread from resampling rows one by one.
    risk, y = _sample(3000, 2)
    cells = auc_interval(risk, y, resamples=2000, seed=3)
    rng = np.random.default_rng(4)
    rows = [roc_auc_score(y[i], risk[i]) for i in rng.integers(0, len(y), size=(400, len(y)))]
    low, high = np.percentile(rows, [2.5, 97.5])
    assert cells.high - cells.low == pytest.approx(high - low, rel=0.15)
    assert cells.low == pytest.approx(low, abs=0.01) and cells.high == pytest.approx(high, abs=0.01)


def test_an_auc_without_both_classes_or_with_missing_risks_is_refused():
    with pytest.raises(ValueError, match="no row has the outcome"):
        auc_interval([0.1, 0.2], [False, False])
    with pytest.raises(ValueError, match="every row has the outcome"):
        auc_interval([0.1, 0.2], [True, True])
    with pytest.raises(ValueError, match=r"1 missing value\(s\)"):
        auc_interval([0.1, np.nan], [True, False])
    with pytest.raises(ValueError, match="shape"):
        auc_interval([0.1, 0.2, 0.3], [True, False])
    with pytest.raises(ValueError, match="resamples"):
        auc_interval([0.1, 0.2], [True, False], resamples=0)


@pytest.mark.parametrize("distinct", [True, False], ids=["a risk per row", "few risks"])
def test_the_roc_curve_runs_corner_to_corner_on_scikit_learns_points(distinct):
    risk, y = _sample(20_000, 5, distinct=distinct)
    curve = roc_points(risk, y, resolution=100)
    fpr, tpr = curve["false_positive_rate"].to_numpy(), curve["true_positive_rate"].to_numpy()
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert len(curve) <= 2 * 100 + 2 or not distinct
    reference_fpr, reference_tpr, _ = roc_curve(y, risk, drop_intermediate=False)
    # Every kept point is one of scikit-learn's (a thinned curve keeps real cut-offs only).
    on_curve = {(round(a, 12), round(b, 12)) for a, b in zip(reference_fpr, reference_tpr)}
    assert all((round(a, 12), round(b, 12)) in on_curve for a, b in zip(fpr, tpr))


def test_calibration_bins_keep_ties_together_and_count_every_row():
    risk, y = _sample(20_000, 6, distinct=False)
    table = calibration_curve(risk, y, bins=10)
    assert table["n"].sum() == len(y) and table["n_outcome"].sum() == y.sum()
    # No risk value is split between two bins.
    assert np.all(table["risk_min"].to_numpy()[1:] > table["risk_max"].to_numpy()[:-1])
    few = np.repeat([0.01, 0.05, 0.2], [100, 50, 10])
    outcome = np.zeros(160, dtype=bool)
    outcome[[0, 100, 101, 150, 151]] = True
    by_value = calibration_curve(few, outcome, bins=10)
    assert by_value["predicted"].tolist() == pytest.approx([0.01, 0.05, 0.2])
    assert by_value["observed"].tolist() == pytest.approx([1 / 100, 2 / 50, 2 / 10])


def test_referral_counts_match_a_hand_count():
    # Eight people; "referred" means see a doctor (1) or urgent (2).
    levels = ["self_care", "see_doctor", "urgent", "self_care", "self_care", "see_doctor", "self_care", "urgent"]
    outcome = [False, True, True, True, False, False, False, False]
    causes = [
        "benign_lifestyle",
        "peripheral_neuropathy",
        "motor_neuron_like",
        "central_ms_like",
        "benign_lifestyle",
        "benign_lifestyle",
        "benign_lifestyle",
        "electrolyte_metabolic_drug",
    ]
    counts = referral_counts(levels, outcome, causes)
    # Referred with the outcome: rows 1, 2 (2 of 3); not referred without it: rows 0, 4, 6 (3 of 5).
    assert counts["sensitivity"] == 2 / 3 and counts["specificity"] == 3 / 5
    assert counts["ppv"] == 2 / 4 and counts["npv"] == 3 / 4
    assert (counts["share_self_care"], counts["share_see_doctor"], counts["share_urgent"]) == (4 / 8, 2 / 8, 2 / 8)
    assert (counts["n_referred"], counts["n_outcome_referred"], counts["n_outcome_missed"]) == (4, 2, 1)
    assert counts["central_ms_like_self_care"] == 1 and counts["motor_neuron_like_self_care"] == 0
    assert counts == referral_counts([0, 1, 2, 0, 0, 1, 0, 2], np.array(outcome, dtype=int), causes)


def test_tables_have_one_row_per_model_and_policy():
    risk, y = _sample(4000, 9)
    models = model_table({"a": risk, "b": np.sqrt(risk)}, y, labels={"a": "Model A"}, resamples=50)
    assert list(models.index) == ["a", "b"] and models.loc["a", "label"] == "Model A"
    # Only the order counts for the AUC; the calibration sees the square root as too high.
    assert models.loc["a", "auc"] == models.loc["b", "auc"]
    assert models.loc["b", "calibration_intercept"] < models.loc["a", "calibration_intercept"]
    levels = {"all": np.ones(4000, dtype=int), "none": np.zeros(4000, dtype=int)}
    policies = policy_table(levels, y)
    assert policies.loc["all", "sensitivity"] == 1 and policies.loc["none", "specificity"] == 1
    causes = np.where(y, "motor_neuron_like", "benign_lifestyle")
    by_cause = cause_table(levels, causes)
    assert by_cause.groupby("policy")["n"].sum().tolist() == [4000, 4000]
    row = by_cause[(by_cause["policy"] == "none") & (by_cause["latent_cause"] == "motor_neuron_like")].iloc[0]
    assert row["self_care"] == row["n"] == y.sum()
