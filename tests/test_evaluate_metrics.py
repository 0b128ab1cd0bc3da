"""Evaluation metrics and their figures: hand-computed examples, published values, scikit-learn,
invariants, and a coverage simulation of the bootstrap interval."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from scoring.engine.calibration import calibration_summary
from scoring.evaluate import (
    AGE_BANDS,
    age_band,
    calibration_bins,
    calibration_table,
    decision_curve,
    discrimination_table,
    net_benefit,
    smoothed_calibration,
    subgroup_table,
    threshold_table,
    wilson_interval,
)
from scoring.plots import calibration_smooth_figure, decision_curve_figure, subgroup_figure, threshold_figure

#: Eight people: risk, outcome, and a policy's level (0 self-care, 1 see a doctor, 2 urgent).
TINY_RISK = np.array([0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.60, 0.90])
TINY_OUTCOME = np.array([False, False, True, False, False, True, False, True])
TINY_LEVELS = np.array([0, 0, 1, 0, 1, 1, 2, 2])


def _calibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Risks spread over a few orders of magnitude, and outcomes drawn from exactly those risks."""
    rng = np.random.default_rng(seed)
    risk = 1 / (1 + np.exp(-rng.normal(-3.5, 1.2, n)))
    return risk, rng.random(n) < risk


# --------------------------------------------------------------------------------------
# Wilson intervals and age bands
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (Stat Med 1998), table I, method 3 (Wilson score), and 0/10, 5/10 by hand.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
    ],
)
def test_wilson_interval_matches_published_values(successes, trials, low, high):
    got = wilson_interval(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-5)
    assert isinstance(got[0], float)


def test_wilson_interval_is_vectorised_and_exact_at_the_ends():
    low, high = wilson_interval([0, 10, 0], [10, 10, 0])
    assert low[0] == 0.0 and high[1] == 1.0
    assert low[1] == pytest.approx(1 - 0.2775, abs=5e-5)
    assert np.isnan(low[2]) and np.isnan(high[2])
    narrower = wilson_interval(81, 263, level=0.9)
    assert narrower[0] > 0.2553 and narrower[1] < 0.3662


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError, match=r"0 <= successes <= trials \(got 11 successes of 10 trials\)"):
        wilson_interval([1, 11], [10, 10])
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        wilson_interval(1, 10, level=95)


def test_age_bands_split_at_40_50_and_65():
    bands = age_band([18, 39, 39.9, 40, 49, 50, 64, 65, 100, np.nan])
    assert list(bands.categories) == list(AGE_BANDS)
    assert list(bands.astype(object)[:-1]) == ["18–39"] * 3 + ["40–49"] * 2 + ["50–64"] * 2 + ["65+"] * 2
    assert pd.isna(bands[-1])
    with pytest.raises(ValueError, match=r"1 age\(s\) below 18 \(e.g. 17\)"):
        age_band([30, 17])


# --------------------------------------------------------------------------------------
# Net benefit and decision curves
# --------------------------------------------------------------------------------------


def test_net_benefit_by_hand():
    # At 20%, referring the top five: 2 true positives (0.3, 0.9), 3 false ones (0.2, 0.6 and
    # 0.1 is below); 2/8 - 3/8 * 0.2/0.8 = 0.25 - 0.09375.
    referred = TINY_RISK >= 0.2
    assert net_benefit(referred, TINY_OUTCOME, [0.2]).tolist() == pytest.approx([2 / 8 - 2 / 8 * 0.25])
    per_threshold = np.vstack([TINY_RISK >= t for t in (0.05, 0.5)])
    assert net_benefit(per_threshold, TINY_OUTCOME, [0.05, 0.5]) == pytest.approx(
        [3 / 8 - 3 / 8 * 0.05 / 0.95, 1 / 8 - 1 / 8 * 1.0]
    )


def test_treat_all_is_prevalence_minus_the_odds_of_the_rest():
    curve = decision_curve({"model": TINY_RISK}, TINY_OUTCOME, thresholds=[0.01, 0.1, 0.25, 0.5])
    treat_all = curve[curve["strategy"] == "treat_all"]
    prevalence = 3 / 8
    expected = prevalence - (1 - prevalence) * treat_all["threshold"] / (1 - treat_all["threshold"])
    assert treat_all["net_benefit"].to_numpy() == pytest.approx(expected.to_numpy())
    assert (treat_all["referred_share"] == 1).all()
    treat_none = curve[curve["strategy"] == "treat_none"]
    assert (treat_none["net_benefit"] == 0).all() and (treat_none["referred_share"] == 0).all()
    assert set(curve["kind"]) == {"model", "treat_all", "treat_none"}


def test_a_perfect_model_has_net_benefit_equal_to_prevalence_at_every_threshold():
    risk = TINY_OUTCOME.astype(float)
    curve = decision_curve({"perfect": risk}, TINY_OUTCOME)
    perfect = curve[curve["strategy"] == "perfect"]
    assert len(perfect) > 50
    assert perfect["net_benefit"].to_numpy() == pytest.approx(np.full(len(perfect), 3 / 8))
    assert perfect["referred_share"].to_numpy() == pytest.approx(np.full(len(perfect), 3 / 8))


def test_decision_curve_models_match_net_benefit_and_policies_are_fixed_decisions():
    thresholds = [0.02, 0.1, 0.3]
    curve = decision_curve(
        {"model": TINY_RISK}, TINY_OUTCOME, policies={"policy": TINY_LEVELS}, thresholds=thresholds,
        labels={"policy": "The policy"},
    )  # fmt: skip
    model = curve[curve["strategy"] == "model"]
    per_threshold = np.vstack([TINY_RISK >= t for t in thresholds])
    assert model["net_benefit"].to_numpy() == pytest.approx(net_benefit(per_threshold, TINY_OUTCOME, thresholds))
    policy = curve[curve["strategy"] == "policy"]
    assert policy["label"].unique().tolist() == ["The policy"]
    assert (policy["referred_share"] == 5 / 8).all()
    assert policy["net_benefit"].to_numpy() == pytest.approx(net_benefit(TINY_LEVELS >= 1, TINY_OUTCOME, thresholds))


def test_the_default_thresholds_are_dense_at_low_risks_and_hold_the_risk_policys():
    from scoring.engine.policies import load_policy

    points = decision_curve({"model": TINY_RISK}, TINY_OUTCOME)["threshold"].unique()
    assert points.min() == pytest.approx(0.001) and points.max() == pytest.approx(0.5)
    assert (points < 0.05).sum() > (points >= 0.05).sum()
    for threshold in load_policy("risk").thresholds:
        assert threshold.at_least in points


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=40).filter(
        lambda rows: 0 < sum(y for _, y in rows) < len(rows)
    ),
    st.lists(st.floats(0.001, 0.999), min_size=1, max_size=5),
)
def test_no_model_has_a_net_benefit_above_prevalence(rows, thresholds):
    risk = np.array([r for r, _ in rows])
    y = np.array([y for _, y in rows])
    curve = decision_curve({"model": risk}, y, thresholds=thresholds)
    assert (curve["net_benefit"] <= y.mean() + 1e-12).all()


# --------------------------------------------------------------------------------------
# Threshold table
# --------------------------------------------------------------------------------------


def test_threshold_table_counts_on_a_tiny_frame():
    table = threshold_table(
        {"model": TINY_RISK}, TINY_OUTCOME, cutoffs={"model": [0.05, 0.5]}, policies={"policy": TINY_LEVELS}
    )
    assert table[["strategy", "kind", "positive"]].values.tolist() == [
        ["model", "model", "risk_at_least_cutoff"],
        ["model", "model", "risk_at_least_cutoff"],
        ["policy", "policy", "referred"],
        ["policy", "policy", "urgent"],
    ]
    # risk >= 0.05: 0.05 (yes), 0.1, 0.2, 0.3 (yes), 0.6, 0.9 (yes). risk >= 0.5: 0.6, 0.9 (yes).
    # Referred (levels 1, 2): rows 3 (yes), 5, 6 (yes), 7, 8 (yes). Urgent: rows 7, 8 (yes).
    assert table[["tp", "fp", "tn", "fn"]].values.tolist() == [[3, 3, 2, 0], [1, 1, 4, 2], [3, 2, 3, 0], [1, 1, 4, 2]]
    first = table.iloc[0]
    assert first["n"] == 8 and np.isnan(table["cutoff"].iloc[2])
    assert (first["sensitivity"], first["specificity"], first["ppv"], first["npv"], first["share_referred"]) == (
        1.0,
        0.4,
        0.5,
        1.0,
        0.75,
    )
    assert (first["sensitivity_low"], first["sensitivity_high"]) == pytest.approx(wilson_interval(3, 3))
    assert (first["share_referred_low"], first["share_referred_high"]) == pytest.approx(wilson_interval(6, 8))


def test_threshold_table_defaults_to_the_risk_policys_thresholds():
    from scoring.engine.policies import load_policy

    table = threshold_table({"a": TINY_RISK, "b": TINY_RISK / 2}, TINY_OUTCOME, cutoffs={"a": [0.3]})
    assert table.loc[table["strategy"] == "a", "cutoff"].tolist() == [0.3]
    assert table.loc[table["strategy"] == "b", "cutoff"].tolist() == [
        t.at_least for t in load_policy("risk").thresholds
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=2, max_size=50).filter(
        lambda rows: 0 < sum(y for _, y in rows) < len(rows)
    )
)
def test_every_rate_lies_inside_its_wilson_interval(rows):
    levels = np.array([level for level, _ in rows])
    y = np.array([y for _, y in rows])
    table = threshold_table(None, y, policies={"policy": levels})
    for rate in ("sensitivity", "specificity", "ppv", "npv", "share_referred"):
        defined = table[rate].notna()
        assert (table.loc[defined, f"{rate}_low"] <= table.loc[defined, rate] + 1e-12).all()
        assert (table.loc[defined, rate] <= table.loc[defined, f"{rate}_high"] + 1e-12).all()
        assert ((table[f"{rate}_low"] >= 0) & (table[f"{rate}_high"] <= 1))[defined].all()


# --------------------------------------------------------------------------------------
# Subgroups
# --------------------------------------------------------------------------------------


def test_subgroup_rows_per_group_and_strategy():
    ages = [20, 30, 45, 45, 55, 60, 25, 58]
    sex = pd.Categorical(["female", "male"] * 4, categories=["female", "male", "unspecified"])
    table = subgroup_table(
        {"model": TINY_RISK},
        TINY_OUTCOME,
        groups={"age_band": age_band(ages), "sex": sex},
        policies={"policy": TINY_LEVELS},
        resamples=50,
        seed=3,
    )
    groups = [("age_band", band) for band in AGE_BANDS] + [("sex", s) for s in ("female", "male", "unspecified")]
    assert list(dict.fromkeys(zip(table["group_by"], table["group"]))) == groups
    assert len(table) == len(groups) * 2
    by_group = table[table["strategy"] == "policy"].set_index(["group_by", "group"])
    # 18–39: rows 1, 2, 7 (ages 20, 30, 25; levels 0, 0, 2), none with the outcome.
    young = by_group.loc[("age_band", "18–39")]
    assert (young["n"], young["n_outcome"], young["tp"], young["fp"], young["tn"]) == (3, 0, 0, 1, 2)
    assert np.isnan(young["sensitivity"]) and young["specificity"] == pytest.approx(2 / 3)
    assert by_group.loc[("age_band", "65+"), "n"] == 0 and by_group.loc[("sex", "unspecified"), "n"] == 0
    model = table[table["strategy"] == "model"].set_index(["group_by", "group"])
    assert np.isnan(model.loc[("age_band", "18–39"), "auc"])  # no outcome in the group
    female = np.arange(8) % 2 == 0
    assert model.loc[("sex", "female"), "auc"] == pytest.approx(roc_auc_score(TINY_OUTCOME[female], TINY_RISK[female]))
    # Without a cut-off a model has its AUC but no referral metrics.
    assert model["sensitivity"].isna().all() and model["tp"].isna().all()


def test_a_model_with_a_cutoff_gets_referral_metrics_in_each_subgroup():
    sex = np.array(["female", "male"] * 4)
    table = subgroup_table({"model": TINY_RISK}, TINY_OUTCOME, groups={"sex": sex}, cutoffs={"model": 0.2})
    female = table[table["group"] == "female"].iloc[0]
    # Women: risks 0.01, 0.05 (yes), 0.2, 0.6; at risk >= 0.2: 0.2 and 0.6, neither with the outcome.
    assert (female["tp"], female["fp"], female["tn"], female["fn"], female["cutoff"]) == (0, 2, 1, 1, 0.2)
    assert female["sensitivity"] == 0.0 and female["share_referred"] == 0.5


# --------------------------------------------------------------------------------------
# Discrimination
# --------------------------------------------------------------------------------------


def test_the_auc_and_its_interval_agree_with_scikit_learn_and_a_row_bootstrap():
    rng = np.random.default_rng(5)
    y = rng.random(300) < 0.3
    risk = np.round(1 / (1 + np.exp(-(y + rng.normal(size=300)))), 2)  # ties, as a card has
    table = discrimination_table({"model": risk}, y, resamples=2000, seed=1)
    row = table.iloc[0]
    assert row["auc"] == pytest.approx(roc_auc_score(y, risk), abs=1e-12)
    slow_rng = np.random.default_rng(2)
    slow = [roc_auc_score(y[i], risk[i]) for i in (slow_rng.integers(0, 300, 300) for _ in range(1000))]
    assert (row["auc_low"], row["auc_high"]) == pytest.approx(tuple(np.percentile(slow, [2.5, 97.5])), abs=0.01)
    assert (row["n"], row["n_outcome"], row["resamples"], row["seed"]) == (300, y.sum(), 2000, 1)


def test_same_seed_same_tables():
    risk, y = _calibrated(3000, 1)
    first = discrimination_table({"m": risk}, y, resamples=200, seed=9)
    assert first.equals(discrimination_table({"m": risk}, y, resamples=200, seed=9))
    assert not first.equals(discrimination_table({"m": risk}, y, resamples=200, seed=10))
    groups = {"sex": np.array(["female", "male"])[np.arange(3000) % 2]}
    one = subgroup_table({"m": risk}, y, groups=groups, resamples=50, seed=4)
    assert one.equals(subgroup_table({"m": risk}, y, groups=groups, resamples=50, seed=4))


def test_the_bootstrap_interval_covers_the_true_auc_about_95_percent_of_the_time():
    # Binormal: scores N(0, 1) without the outcome, N(1, 1) with it, so the true AUC is
    # Phi(1 / sqrt(2)) = 0.760. 200 data sets of 200 rows (30% with the outcome), the default
    # 1,000 resamples each.
    true_auc = norm.cdf(1 / np.sqrt(2))
    rng = np.random.default_rng(2026)
    covered = 0
    for k in range(200):
        y = rng.random(200) < 0.3
        score = rng.normal(size=200) + y
        row = discrimination_table({"m": score}, y, seed=k).iloc[0]
        covered += row["auc_low"] <= true_auc <= row["auc_high"]
    assert 0.90 <= covered / 200 <= 0.99, covered / 200


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


def test_calibration_table_estimates_are_calibration_summarys_with_intervals():
    risk, y = _calibrated(20_000, 2)
    row = calibration_table({"m": risk}, y).iloc[0]
    summary = calibration_summary(risk, y)
    for key in ("calibration_intercept", "calibration_slope", "brier", "brier_reference", "predicted_mean"):
        assert row[key] == pytest.approx(summary[key], abs=1e-12)
    # Outcomes drawn from the risks themselves: the intervals hold the ideal 0 and 1.
    assert row["calibration_intercept_low"] < 0 < row["calibration_intercept_high"]
    assert row["calibration_slope_low"] < 1 < row["calibration_slope_high"]
    assert row["brier_low"] < row["brier"] < row["brier_high"]
    assert (row["observed_low"], row["observed_high"]) == pytest.approx(wilson_interval(int(y.sum()), len(y)))


def test_calibration_intervals_by_hand_for_one_risk_for_everyone():
    # Everyone at 20%, 200 of 1,000 with the outcome: the intercept is 0 with standard error
    # 1 / sqrt(n p (1 - p)); a slope needs two different risks.
    y = np.arange(1000) < 200
    row = calibration_table({"flat": np.full(1000, 0.2)}, y).iloc[0]
    z = norm.ppf(0.975)
    assert row["calibration_intercept"] == pytest.approx(0, abs=1e-9)
    assert row["calibration_intercept_high"] == pytest.approx(z / np.sqrt(1000 * 0.2 * 0.8))
    assert np.isnan(row["calibration_slope"]) and np.isnan(row["calibration_slope_low"])
    # Brier terms: 0.64 for 200 rows, 0.04 for 800; their standard deviation is 0.24 * sqrt(1000/999).
    assert row["brier"] == pytest.approx(0.16)
    assert row["brier_high"] - row["brier"] == pytest.approx(z * 0.24 * np.sqrt(1000 / 999) / np.sqrt(1000))


def test_calibration_bins_carry_wilson_bounds():
    risk, y = _calibrated(5000, 3)
    bins = calibration_bins({"m": risk}, y, bins=5, labels={"m": "Model", "policy": "Another table's"})
    assert len(bins) == 5 and (bins["label"] == "Model").all()
    low, high = wilson_interval(bins["n_outcome"].to_numpy(), bins["n"].to_numpy())
    assert bins["observed_low"].to_numpy() == pytest.approx(low)
    assert bins["observed_high"].to_numpy() == pytest.approx(high)


def test_the_smoothed_curve_of_a_calibrated_model_follows_the_diagonal():
    risk, y = _calibrated(50_000, 4)
    curve = smoothed_calibration({"m": risk}, y, points=50)
    assert len(curve) == 50 and curve["predicted"].is_monotonic_increasing
    middle = curve[(curve["predicted"] > 0.01) & (curve["predicted"] < 0.2)]
    assert np.abs(np.log(middle["observed"] / middle["predicted"])).max() < 0.25
    assert (
        (middle["observed_low"] <= middle["predicted"]) & (middle["predicted"] <= middle["observed_high"])
    ).mean() > 0.9
    assert curve.equals(smoothed_calibration({"m": risk}, y, points=50))


def test_a_coarse_card_gets_a_straight_line_on_the_logit_scale():
    risk, y = _calibrated(20_000, 5)
    coarse = np.where(risk < 0.03, 0.02, 0.1)  # two distinct risks
    curve = smoothed_calibration({"card": coarse}, y, points=20)
    logit = np.log(curve["observed"] / (1 - curve["observed"]))
    x = np.log(curve["predicted"] / (1 - curve["predicted"]))
    assert np.diff(logit) / np.diff(x) == pytest.approx(
        np.full(19, (logit.iloc[-1] - logit.iloc[0]) / (x.iloc[-1] - x.iloc[0]))
    )


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: decision_curve({"a": TINY_RISK[:5]}, TINY_OUTCOME), r"model 'a' has 5 rows, the outcome 8"),
        (lambda: threshold_table({"a": TINY_RISK}, np.zeros(8, bool)), r"no row has it \(8 rows\)"),
        (lambda: discrimination_table({"a": TINY_RISK}, np.ones(8, bool)), r"every row has it \(8 rows\)"),
        (
            lambda: threshold_table({"a": TINY_RISK}, TINY_OUTCOME, cutoffs={"tree": [0.1]}),
            r"cutoffs name unknown model 'tree'; the models are 'a'",
        ),
        (
            lambda: decision_curve({"a": np.where(TINY_OUTCOME, np.nan, 0.1)}, TINY_OUTCOME),
            r"model 'a': risk has 3 missing value",
        ),
        (
            lambda: threshold_table(None, TINY_OUTCOME, policies={"p": TINY_LEVELS + 1}),
            r"policy 'p' has levels outside 0, 1, 2 \(e.g. 3\)",
        ),
        (lambda: decision_curve({"a": TINY_RISK}, TINY_OUTCOME, policies={"a": TINY_LEVELS}), "'a' names both"),
        (lambda: decision_curve({"treat_all": TINY_RISK}, TINY_OUTCOME), "'treat_all' is kept"),
        (lambda: discrimination_table({}, TINY_OUTCOME), "risks is empty"),
        (lambda: threshold_table(None, TINY_OUTCOME), "nothing to evaluate"),
        (lambda: decision_curve({"a": TINY_RISK}, TINY_OUTCOME, thresholds=[0.1, 1.0]), r"\(e.g. 1\)"),
        (
            lambda: subgroup_table({"a": TINY_RISK}, TINY_OUTCOME, groups={"sex": ["female"] * 3}),
            r"groups\['sex'\] has 3 rows, the outcome 8",
        ),
        (lambda: subgroup_table({"a": TINY_RISK}, TINY_OUTCOME, groups={}), "groups is empty"),
        (
            lambda: subgroup_table(
                {"a": TINY_RISK}, TINY_OUTCOME, groups={"s": TINY_LEVELS}, cutoffs={"a": [0.1, 0.2]}
            ),
            r"cutoffs\['a'\] must be one risk \(got 2 values\)",
        ),
        (lambda: smoothed_calibration({"a": TINY_RISK}, TINY_OUTCOME, points=1), "points must be a whole number"),
    ],
)
def test_bad_input_names_what_is_wrong_and_what_exists(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _title_lines(figure) -> list[str]:
    return [re.sub(r"<[^>]+>", "", line) for line in figure.layout.title.text.split("<br>")]


def _fits_a_phone(figure) -> None:
    lines = _title_lines(figure)
    assert len(lines[0]) <= 30 and all(len(line) <= 40 for line in lines), lines
    assert figure.layout.legend.orientation == "h"


@pytest.fixture(scope="module")
def scored():
    risk, y = _calibrated(20_000, 6)
    card = np.round(risk * 50) / 50 + 0.001
    levels = np.where(risk >= 0.2, 2, np.where(risk >= 0.0196, 1, 0))
    rng = np.random.default_rng(7)
    groups = {
        "age_band": age_band(rng.integers(18, 90, len(y))),
        "sex": pd.Categorical(rng.choice(["female", "male", "unspecified"], len(y))),
    }
    return {"model": risk, "card": card}, y, {"policy": levels}, groups


def test_decision_curve_figure_has_the_references_and_free_corners(scored):
    risks, y, policies, _ = scored
    curve = decision_curve(risks, y, policies=policies, labels={"model": "Model"})
    figure = decision_curve_figure(curve)
    names = [trace.name for trace in figure.data]
    assert names == ["Model", "card", "policy", "Refer everyone", "Refer no one"]
    _fits_a_phone(figure)
    # The lowest y tick sits above the bottom edge and the first x tick right of the left one.
    y_range, x_range = figure.layout.yaxis.range, figure.layout.xaxis.range
    assert min(figure.layout.yaxis.tickvals) > y_range[0] + 0.05 * (y_range[1] - y_range[0])
    assert np.log10(min(figure.layout.xaxis.tickvals)) > x_range[0] + 0.1


def test_calibration_smooth_figure_draws_curves_bands_and_bins(scored):
    risks, y, _, _ = scored
    figure = calibration_smooth_figure(
        smoothed_calibration(risks, y), calibration_bins(risks, y), models=calibration_table(risks, y)
    )
    assert [trace.name.split(":")[0] for trace in figure.data if trace.showlegend is not False] == [
        "perfect calibration",
        "model",
        "card",
    ]
    assert sum(trace.error_y.array is not None for trace in figure.data) == 2  # a bin series per model
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    _fits_a_phone(figure)
    # Both axes share their range: the lowest tick labels only one of them at the corner.
    x_ticks, y_ticks = figure.layout.xaxis.tickvals, figure.layout.yaxis.tickvals
    corner = figure.layout.xaxis.range[0]
    assert not (np.log10(x_ticks[0]) - corner < 0.3 and np.log10(y_ticks[0]) - corner < 0.3)
    assert len(x_ticks) <= 6 and "under 0.01%" not in figure.layout.xaxis.ticktext


def test_threshold_figure_has_a_series_per_strategy(scored):
    risks, y, policies, _ = scored
    figure = threshold_figure(threshold_table(risks, y, policies=policies))
    assert [trace.name for trace in figure.data] == ["model", "card", "policy"]
    assert len(figure.data[0].x) == 2 and len(figure.data[2].x) == 1  # two cut-offs; the policy's referrals
    _fits_a_phone(figure)
    assert min(figure.layout.xaxis.tickvals) > figure.layout.xaxis.range[0]  # no 0% in the corner


def test_subgroup_figure_has_one_forest_row_per_group(scored):
    risks, y, policies, groups = scored
    table = subgroup_table(risks, y, groups=groups, policies=policies, resamples=50)
    figure = subgroup_figure(table, "sensitivity")
    assert list(figure.layout.yaxis.ticktext) == [f"Age {band}" for band in AGE_BANDS] + [
        "Sex female",
        "Sex male",
        "Sex unspecified",
    ]
    assert [trace.name for trace in figure.data] == ["policy"]  # models have no cut-off here
    assert len(figure.data[0].x) == 7
    _fits_a_phone(figure)
    by_auc = subgroup_figure(table, "auc")
    assert [trace.name for trace in by_auc.data] == ["model", "card"]
    with pytest.raises(ValueError, match="unknown metric 'recall'; use one of auc, sensitivity"):
        subgroup_figure(table, "recall")
    with pytest.raises(ValueError, match="unknown strategy 'tree'; the table has 'model', 'card', 'policy'"):
        subgroup_figure(table, "auc", strategies=["tree"])
