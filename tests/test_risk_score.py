"""The sparse integer risk score (FasterRisk method) and the shipped learned card: recovery, integrity,
determinism, accuracy, and a refit that gives the shipped bytes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from scoring.contract.features import Features
from scoring.engine.calibration import CALIBRATION_SEED
from scoring.engine.card import list_cards, load_card
from scoring.engine.risk import (
    BINARY_FEATURES,
    LEARNED_CARD,
    LearnedCardRecipe,
    binarize,
    binary_feature,
    fit_integer_score,
    fit_integer_scores,
    fit_learned_card,
    outcome_labels,
    write_learned_card,
)
from scoring.engine.risk._logistic import Patterns, logistic_loss
from scoring.engine.risk._search import _multipliers, _round_sequentially
from scoring.engine.synth import generate_vignettes

NAMES = [f.name for f in BINARY_FEATURES]


def _planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """12 yes/no columns; the outcome depends on columns 0, 3 and 7 only, with whole points."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 12)) < 0.35
    logit = (-4 + 3 * x[:, 0] + 2 * x[:, 3] - 2 * x[:, 7]) / 1.0
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return x, y


@pytest.fixture(scope="module")
def planted():
    return _planted(30_000, seed=5)


@pytest.fixture(scope="module")
def enriched():
    train = generate_vignettes(30_000, seed=4101)
    test = generate_vignettes(30_000, seed=4102)
    return (
        (binarize(train), outcome_labels(train, "serious_cause")),
        (binarize(test), outcome_labels(test, "serious_cause")),
        test,
    )


@pytest.fixture(scope="module")
def enriched_score(enriched):
    (x, y), _, _ = enriched
    return fit_integer_score(x, y, k=8, feature_names=NAMES, outcome="serious_cause")


def test_recovers_a_planted_sparse_integer_score(planted):
    x, y = planted
    score = fit_integer_score(x, y, k=3, coef_bounds=(-5, 5), beam_size=5)
    assert score.feature_indices == (0, 3, 7)
    assert np.sign(score.points).tolist() == [1, 1, -1]
    assert score.feature_names == ("x0", "x3", "x7")
    # The planted points are 3, 2, -2 at multiplier 1: the fit finds a multiple of them.
    ratio = np.array(score.points) / np.array([3, 2, -2])
    assert ratio.max() / ratio.min() < 1.6


@pytest.mark.parametrize(("k", "bounds"), [(1, (-5, 5)), (2, (-3, 3)), (4, (-2, 2)), (6, (-10, 10))])
def test_points_are_whole_numbers_within_bounds_and_at_most_k_items(planted, k, bounds):
    x, y = planted
    score = fit_integer_score(x, y, k=k, coef_bounds=bounds, beam_size=3)
    assert 1 <= len(score.points) <= k
    assert all(isinstance(p, int) and p != 0 and bounds[0] <= p <= bounds[1] for p in score.points)
    assert isinstance(score.intercept, int) and score.multiplier > 0


def test_probability_rises_with_the_total(planted):
    x, y = planted
    score = fit_integer_score(x, y, k=4, beam_size=3)
    table = score.probability_table()
    assert (np.diff(table["total"]) > 0).all() and (np.diff(table["probability"]) > 0).all()
    assert table["total"].iloc[0] == score.min_total and table["total"].iloc[-1] == score.max_total
    totals = score.total(x)
    np.testing.assert_allclose(score.predict_proba(x), score.probability_of_total(totals))
    expected = 1 / (1 + np.exp(-(score.intercept + totals) / score.multiplier))
    np.testing.assert_allclose(score.predict_proba(x), expected, rtol=1e-12)


def test_same_inputs_give_the_same_score(planted):
    x, y = planted
    assert fit_integer_score(x, y, k=3, beam_size=4) == fit_integer_score(x.copy(), y.copy(), k=3, beam_size=4)


def test_ties_go_to_the_earlier_feature():
    x, y = _planted(5000, seed=9)
    twin = np.column_stack([x[:, 0], x])  # columns 0 and 1 are the same, and the best, feature
    score = fit_integer_score(twin, y, k=1, beam_size=2)
    assert score.feature_indices == (0,)


def test_logistic_loss_by_hand():
    # Rows (x, y): (1, yes), (1, no), (0, no), (0, no).
    patterns = Patterns.from_columns(np.array([[1], [1], [0], [0]], dtype=bool), np.array([1, 0, 0, 0]))
    np.testing.assert_array_equal(patterns.design, [[1, 0], [1, 1]])
    np.testing.assert_array_equal(patterns.positives, [0, 1])
    np.testing.assert_array_equal(patterns.negatives, [2, 1])
    loss = logistic_loss(patterns.design @ np.array([0.0, 0.0]), patterns.positives, patterns.negatives, 4)
    assert loss == pytest.approx(np.log(2))
    # Intercept -1, coefficient 1: the x=1 rows have margin 0 (log 2 each), x=0 rows log(1 + e^-1).
    loss = logistic_loss(patterns.design @ np.array([-1.0, 1.0]), patterns.positives, patterns.negatives, 4)
    assert loss == pytest.approx((2 * np.log(2) + 2 * np.log1p(np.exp(-1))) / 4)


def test_star_ray_multipliers_and_rounding_by_hand():
    # Coefficients 1 and -2.5 within (-5, 5): the scale can grow to 2 before -2.5 hits -5.
    np.testing.assert_allclose(_multipliers(np.array([1.0, -2.5]), (-5, 5), 5), [1.0, 1.25, 1.5, 1.75, 2.0])
    np.testing.assert_allclose(_multipliers(np.array([5.0]), (-5, 5), 3), [1.0, 0.75, 0.5])
    # With every row alike and no signal, rounding the coefficient to 0 fits best.
    patterns = Patterns.from_columns(np.array([[1], [0], [1], [0]], dtype=bool), np.array([1, 1, 0, 0]))
    np.testing.assert_array_equal(_round_sequentially(np.array([0.0, 0.4]), patterns, 1.0), [0.0, 0.0])
    np.testing.assert_array_equal(_round_sequentially(np.array([0.0, -0.6]), patterns, 1.0), [0.0, 0.0])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_any_fit_keeps_its_promises(seed, k):
    x, y = _planted(600, seed=seed)
    score = fit_integer_score(x, y, k=k, coef_bounds=(-3, 3), beam_size=2)
    assert len(score.points) <= k and all(-3 <= p <= 3 and p != 0 for p in score.points)
    assert len(set(score.feature_indices)) == len(score.feature_indices)
    assert (np.diff(score.probability_table()["probability"]) > 0).all()
    assert score.train_prevalence == pytest.approx(y.mean())


def test_bad_inputs_say_what_is_allowed(planted):
    x, y = planted
    with pytest.raises(ValueError, match=r"X must hold only yes/no values .*threshold numbers first"):
        fit_integer_score(x * 2.5, y)
    with pytest.raises(ValueError, match=r"y must contain both outcomes; it has 0 positive rows out of 30000"):
        fit_integer_score(x, np.zeros(len(y), dtype=bool))
    with pytest.raises(ValueError, match=r"y must be 1-D with one entry per row of X \(30000\)"):
        fit_integer_score(x, y[:10])
    with pytest.raises(ValueError, match=r"k must be a whole number from 1 to the number of features \(12\), got 13"):
        fit_integer_score(x, y, k=13)
    with pytest.raises(ValueError, match=r"coef_bounds must be whole numbers \(low < 0 < high\)"):
        fit_integer_score(x, y, coef_bounds=(1, 5))
    with pytest.raises(ValueError, match=r"feature_names has 2 names for 12 columns"):
        fit_integer_score(x, y, feature_names=["a", "b"])
    score = fit_integer_score(x, y, k=1, beam_size=1)
    with pytest.raises(ValueError, match=r"X must have shape \(rows, 12\) like the fitting matrix, got \(3, 2\)"):
        score.predict_proba(np.zeros((3, 2), dtype=bool))


def _logistic_reference_auc(train, test) -> float:
    """Held-out AUC of a logistic regression on every contract feature: what a dense model reaches."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from scoring.contract.features import FEATURE_NAMES

    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    reference.fit(Features(train).matrix(FEATURE_NAMES, dtype=np.float64), outcome_labels(train, "serious_cause"))
    return roc_auc_score(
        outcome_labels(test, "serious_cause"),
        reference.predict_proba(Features(test).matrix(FEATURE_NAMES, dtype=np.float64))[:, 1],
    )


@pytest.mark.slow
def test_enriched_serious_cause_auc_holds_up_out_of_sample(enriched, enriched_score):
    (_, y_train), (x_test, y_test), test_frame = enriched
    auc = roc_auc_score(y_test, enriched_score.predict_proba(x_test))
    assert len(enriched_score.points) <= 8
    # Held out, an 8-item whole-point score stays close to a dense logistic regression fitted on
    # the same rows (generator 2.1: 0.889 against 0.936). The bar is relative, not the 0.94 of a
    # world where duration alone separated disease: at most 0.06 below the dense model.
    train_frame = generate_vignettes(30_000, seed=4101)
    reference = _logistic_reference_auc(train_frame, test_frame)
    assert auc >= reference - 0.06, f"held-out AUC {auc:.4f}, logistic regression {reference:.4f}"


@pytest.mark.slow
def test_learned_card_scores_held_out_vignettes_as_the_score_does(tmp_path, enriched, enriched_score):
    _, (x_test, _), test_frame = enriched
    card = load_card(write_learned_card(enriched_score, tmp_path / "learned.toml"))
    np.testing.assert_array_equal(card.score_frame(Features(test_frame)).totals, enriched_score.total(x_test))


def test_the_documented_example_runs(tmp_path):
    text = (Path(__file__).resolve().parents[1] / "docs" / "learned_card.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    code = code.replace("50_000", "5_000").replace('"learned.toml"', repr(str(tmp_path / "learned.toml")))
    namespace: dict = {}
    exec(code, namespace)
    card = load_card(tmp_path / "learned.toml")
    assert [i.points for i in card.items] == list(namespace["score"].points)


def test_every_size_from_one_search_is_the_size_fitted_alone(planted):
    x, y = planted
    together = fit_integer_scores(x, y, sizes=(4, 1, 3), beam_size=3)
    assert list(together) == [1, 3, 4]
    for k, score in together.items():
        assert score == fit_integer_score(x, y, k=k, beam_size=3)
    with pytest.raises(ValueError, match=r"sizes is empty; give at least one k"):
        fit_integer_scores(x, y, sizes=())
    with pytest.raises(ValueError, match=r"k must be a whole number from 1 to the number of features \(12\), got 0"):
        fit_integer_scores(x, y, sizes=(0, 2))


# --------------------------------------------------------------------------------------
# The shipped learned card
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def learned():
    return load_card(LEARNED_CARD)


@pytest.fixture(scope="module")
def fresh_enriched():
    """Fresh enriched vignettes (seeds the card never saw): one half fits the reference, one is held out."""
    return generate_vignettes(20_000, seed=8801, population="enriched"), generate_vignettes(
        20_000, seed=8802, population="enriched"
    )


def test_the_shipped_learned_card_is_a_small_integer_card_for_serious_cause(learned):
    assert learned.name == "learned" and LEARNED_CARD in list_cards()
    assert 1 <= len(learned.items) <= 8
    assert all(isinstance(i.points, int) and i.points != 0 and -5 <= i.points <= 5 for i in learned.items)
    assert {i.item_id for i in learned.items} <= {f.name for f in BINARY_FEATURES}
    assert all(i.condition == binary_feature(i.item_id).condition for i in learned.items)
    calibration = learned.calibration
    assert calibration is not None, "learned.calibration.json is missing or was fitted for other points"
    assert (calibration.outcome, calibration.population) == ("serious_cause", "enriched")
    assert calibration.data["data"]["population"] == "enriched"
    assert calibration.slope > 0


def test_its_red_flags_and_advice_are_the_default_cards(learned):
    default = load_card("default")
    assert learned.red_flags == default.red_flags
    assert learned.red_flag_advice == default.red_flag_advice
    assert learned.urgent_advice == default.urgent_advice


def test_its_header_says_how_it_was_made(learned):
    recipe = LearnedCardRecipe()
    header = "".join(line for line in learned.path.read_text().splitlines(keepends=True) if line.startswith("#"))
    header = " ".join(line.lstrip("# ") for line in header.splitlines())
    for words in (
        "Made by `zaro fit` (scoring.engine.risk.fit_learned_card)",
        "FasterRisk method (Liu et al., NeurIPS 2022)",
        "whole points from -5 to +5",
        f"Outcome: {recipe.outcome}.",
        f"{recipe.n:,} synthetic vignettes of the enriched population",
        f"seed {recipe.seed}",
        f"k = {len(learned.items)} is the smallest k within {recipe.tolerance:g} of k = {recipe.max_items}",
        "Red flags: the default card's rules",
        "stay outside the sum",
    ):
        assert words in header, words
    assert not re.search(r"20\d\d-\d\d-\d\d", header), "the header must not carry a date"


def test_its_bands_are_the_risk_policys_thresholds_on_the_community_risk(learned):
    from scoring.engine.calibration import risk_table
    from scoring.engine.policies import load_policy

    see_doctor, soon = (t.at_least for t in load_policy("risk").thresholds)
    table = risk_table(learned, population="community")
    expected = np.where(
        table["risk"] >= soon, "high risk", np.where(table["risk"] >= see_doctor, "raised risk", "lower risk")
    )
    assert table["band"].tolist() == expected.tolist()
    assert set(table["band"]) == {"lower risk", "raised risk", "high risk"}
    assert (table.loc[table["band"] == "lower risk", "recommendation"] == "self_care").all()
    assert (table.loc[table["band"] != "lower risk", "recommendation"] == "see_doctor").all()


def test_it_discriminates_near_a_logistic_regression_and_above_the_expert_card(learned, fresh_enriched):
    from scoring.engine.calibration import card_risk

    train, test = fresh_enriched
    reference_auc = _logistic_reference_auc(train, test)
    y = outcome_labels(test, "serious_cause")

    def auc_of(card):
        scores = card.score_frame(Features(test))
        return roc_auc_score(y, card_risk(card, scores.totals, scores.red_flag_mask, "enriched"))

    card_auc, expert_auc = auc_of(learned), auc_of(load_card("default"))
    # Generator 2.1 (answers err, benign look-alikes): the sign-constrained whole-point card
    # reaches 0.844 against a dense logistic regression's 0.934 on these rows, and the expert
    # card 0.781. What it must keep: within 0.10 of the dense model (a readable card pays for
    # its 8 items and its signs), and clearly above the hand-set expert card it was learned
    # to improve on.
    assert card_auc >= reference_auc - 0.10, f"learned card AUC {card_auc:.4f}, logistic regression {reference_auc:.4f}"
    assert card_auc >= expert_auc + 0.03, f"learned card AUC {card_auc:.4f}, expert card {expert_auc:.4f}"


SMALL = LearnedCardRecipe(n=6000, check_n=6000, max_items=3, calibration_n=20_000, seed=5, check_seed=6)


def test_a_refit_twice_is_byte_identical_and_sized_by_the_held_out_rule(tmp_path):
    # The shipped recipe itself is refitted byte for byte in tests/test_cli_data.py (zaro fit).
    first, second = fit_learned_card(tmp_path / "a", SMALL), fit_learned_card(tmp_path / "b", SMALL)
    assert first.card_path.read_bytes() == second.card_path.read_bytes()
    assert first.calibration_path.read_bytes() == second.calibration_path.read_bytes()
    card = load_card(first.card_path)
    assert card.calibration is not None and len(card.items) == len(first.score.points) <= 3
    aucs = first.sizes.set_index("k")["held_out_auc"]
    assert list(aucs.index) == [1, 2, 3] and first.sizes["chosen"].sum() == 1
    assert first.k == min(k for k, auc in aucs.items() if auc >= aucs[3] - SMALL.tolerance)
    assert card.calibration.data["data"] == {
        "generator": "scoring.engine.synth.generate_vignettes",
        "generator_version": card.calibration.data["data"]["generator_version"],
        "population": "enriched",
        "n": 20_000,
        "seed": CALIBRATION_SEED,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"n": 0}, r"LearnedCardRecipe\.n must be a whole number of 1 or more, got 0"),
        ({"seed": -1}, r"LearnedCardRecipe\.seed must be a whole number of 0 or more, got -1"),
        ({"max_items": 2.5}, r"LearnedCardRecipe\.max_items must be a whole number of 1 or more, got 2\.5"),
        ({"tolerance": 1.5}, r"LearnedCardRecipe\.tolerance must be an AUC difference from 0 to 1, got 1\.5"),
        ({"name": "../x"}, r"LearnedCardRecipe\.name must be a file stem such as 'learned'"),
    ],
)
def test_a_bad_recipe_says_what_is_allowed(change, message):
    with pytest.raises(ValueError, match=message):
        LearnedCardRecipe(**change)
