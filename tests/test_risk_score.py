"""The sparse integer risk score (FasterRisk method): recovery, integrity, determinism, accuracy."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from scoring.contract.features import Features
from scoring.engine.card import load_card
from scoring.engine.risk import BINARY_FEATURES, binarize, fit_integer_score, outcome_labels, write_learned_card
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


@pytest.mark.slow
def test_enriched_serious_cause_auc_holds_up_out_of_sample(enriched, enriched_score):
    _, (x_test, y_test), _ = enriched
    auc = roc_auc_score(y_test, enriched_score.predict_proba(x_test))
    assert len(enriched_score.points) <= 8
    assert auc >= 0.94, f"held-out AUC {auc:.4f}"


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
