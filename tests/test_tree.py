"""The decision tree: a risk of a serious cause, the same as scikit-learn's, readable, shipped."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import skops.io
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from scoring._paths import MODELS_DIR
from scoring.contract.features import Features, encode_vignette
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import frame_to_vignettes, validate_frame
from scoring.engine.calibration import calibration_summary
from scoring.engine.policies import PolicyError, load_policy
from scoring.engine.populations import DEFAULT_POPULATION
from scoring.engine.risk import load_outcomes, outcome_labels, risk_in_population
from scoring.engine.synth import GENERATOR_VERSION, generate_vignettes
from scoring.engine.tree import (
    DEFAULT_FEATURES,
    DEFAULT_OUTCOME,
    TREE_N,
    TREE_SEED,
    TRUSTED_TYPES,
    RiskTree,
    ShippedTree,
    TreeLoadError,
    TreeStructure,
    check_on_fresh_sample,
    default_tree,
    load_tree,
    load_tree_metadata,
    render_rules_text,
    risk_scores,
    search_tree,
    step_text,
    tree_rules,
)
from scoring.results import TreeModel


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return validate_frame(generate_vignettes(3000, seed=11)).valid


@pytest.fixture(scope="module")
def fresh() -> pd.DataFrame:
    return validate_frame(generate_vignettes(2000, seed=12)).valid


@pytest.fixture(scope="module")
def large_fresh() -> pd.DataFrame:
    """A fresh enriched sample the shipped tree has not seen (neither its seed nor the record's check)."""
    return validate_frame(generate_vignettes(200_000, seed=4242)).valid


# ------------------------------------------------------------------------- estimator basics


def test_the_tree_gives_the_same_risk_whatever_the_sex(fresh):
    tree = default_tree()
    risks = [tree.predict_risk(Features(validate_frame(fresh.assign(sex=sex)).valid)) for sex in ("female", "male")]
    assert np.array_equal(risks[0], risks[1])
    assert not any(name.startswith("sex") for name in DEFAULT_FEATURES)


def test_is_a_scikit_learn_estimator_of_an_outcome(frame):
    tree = RiskTree(max_depth=3, min_samples_leaf=7)
    assert tree.fit(frame) is tree
    copy = clone(tree)
    assert copy.get_params() == tree.get_params()
    assert not hasattr(copy, "tree_model_")
    assert list(tree.classes_) == [False, True]
    params = RiskTree().get_params()
    assert params["max_depth"] == 4 and params["outcome"] == "serious_cause" and params["population"] == "enriched"
    assert "class_weight" not in params, "a class-weighted leaf would not be a plain share"
    assert isinstance(tree, TreeModel) and isinstance(default_tree(), TreeModel)


def test_the_default_outcome_is_the_primary_one_of_the_outcomes_file():
    primary = [o.name for o in load_outcomes().values() if o.role == "primary"]
    assert primary == [DEFAULT_OUTCOME] == [RiskTree().outcome] == [default_tree().outcome]


def test_fitting_a_frame_reads_the_outcome_from_the_hidden_cause(frame):
    by_default = RiskTree(max_depth=2).fit(frame)
    explicit = RiskTree(max_depth=2).fit(frame, outcome_labels(frame, "serious_cause"))
    assert by_default.tree_structure().same_as(explicit.tree_structure())
    broader = RiskTree(max_depth=2, outcome="any_cause").fit(frame)
    assert broader.tree_structure().risk[0] == pytest.approx(outcome_labels(frame, "any_cause").mean())


@pytest.mark.parametrize("depth", [0, 5, 2.5])
def test_depth_beyond_four_is_refused_with_a_reason(frame, depth):
    with pytest.raises(ValueError, match=r"max_depth must be a whole number from 1 to 4 .*readable"):
        RiskTree(max_depth=depth).fit(frame)


def test_unknown_feature_outcome_population_and_missing_labels_are_named(frame):
    with pytest.raises(ValueError, match=r"unknown feature\(s\) \['shoe_size'\]"):
        RiskTree(feature_names=["age", "shoe_size"]).fit(frame)
    with pytest.raises(
        ValueError, match=r"outcome 'stroke' is not an outcome; known outcomes: serious_cause, any_cause"
    ):
        RiskTree(outcome="stroke").fit(frame)
    with pytest.raises(ValueError, match=r"unknown population 'mars'"):
        RiskTree(population="mars").fit(frame)
    with pytest.raises(ValueError, match=r"latent_cause column"):
        RiskTree().fit(frame.drop(columns="latent_cause"))


# ------------------------------------------------------------------------------- the oracle


@pytest.mark.parametrize(
    "params",
    [
        {"max_depth": 1},
        {"max_depth": 3},
        {"max_depth": 4, "min_samples_leaf": 1},
        {"max_depth": 4, "min_samples_leaf": 30, "ccp_alpha": 0.002},
    ],
)
def test_risks_equal_the_wrapped_decision_tree(frame, fresh, params):
    tree = RiskTree(**params).fit(frame)
    features = Features(fresh)
    matrix = features.matrix(tree.feature_names_, dtype=np.float32)
    model = tree.tree_model_

    risk = tree.predict_risk(features)
    assert risk.dtype == np.float64 and risk.shape == (len(fresh),)
    assert np.array_equal(risk, model.predict_proba(matrix)[:, 1])
    assert np.array_equal(tree.apply(features), model.apply(matrix))
    assert np.array_equal(tree.predict(fresh), tree.classes_[model.predict(matrix)])


def test_the_walk_reads_only_the_features_the_tree_splits_on(frame, fresh):
    tree = RiskTree(max_depth=3).fit(frame)
    features = Features(fresh)
    tree.predict_risk(features)
    assert set(features._cache) == set(tree.used_features_)
    assert len(tree.used_features_) < len(tree.feature_names_)


def test_values_next_to_a_threshold_follow_scikit_learn_float32_rounding(frame):
    # sklearn casts inputs to float32 and compares them with float64 thresholds; values a
    # hair either side of each threshold (and the threshold itself) must land alike.
    tree = RiskTree(max_depth=4, min_samples_leaf=1).fit(frame)
    structure = tree.tree_model_.tree_
    internal = np.flatnonzero(structure.children_left >= 0)
    rows = []
    base = Features(frame).matrix(tree.feature_names_, dtype=np.float64)[:50]
    for node in internal:
        cut = structure.threshold[node]
        for value in (
            cut,
            np.nextafter(cut, -np.inf),
            np.nextafter(cut, np.inf),
            cut - 1e-7,
            cut + 1e-7,
            np.float64(np.float32(cut)),
            np.nextafter(np.float32(cut), np.float32(np.inf)),
        ):
            block = base.copy()
            block[:, structure.feature[node]] = value
            rows.append(block)
    X = np.vstack(rows)
    assert np.array_equal(tree.apply(X), tree.tree_model_.apply(X.astype(np.float32)))
    assert np.array_equal(tree.predict_risk(X), tree.tree_model_.predict_proba(X.astype(np.float32))[:, 1])


# ------------------------------------------------------------------- leaf risks are shares


def test_a_leafs_risk_is_the_share_of_its_training_vignettes_unless_monotonicity_bounds_it(frame):
    """Each leaf counts its training vignettes exactly; its risk is their share with the outcome,
    except where the monotone constraints (the risk never falls as an answer worsens) clip it to
    a neighbour's bound, and then it lies between the share and the root's."""
    tree = RiskTree(max_depth=4, min_samples_leaf=10).fit(frame)
    structure = tree.tree_structure()
    y = outcome_labels(frame, "serious_cause")
    leaves = tree.apply(frame)
    unclipped = 0
    for leaf in np.flatnonzero(structure.is_leaf):
        in_leaf = y[leaves == leaf]
        assert structure.samples[leaf] == len(in_leaf)
        assert structure.positives[leaf] == in_leaf.sum()
        share = in_leaf.mean()
        if structure.risk[leaf] == pytest.approx(share, abs=1e-15):
            unclipped += 1
        else:
            assert 0.0 <= structure.risk[leaf] <= 1.0
    assert unclipped >= 1
    assert structure.risk[0] == pytest.approx(y.mean(), abs=1e-15)


def test_the_tree_never_lowers_its_risk_when_a_warning_sign_is_added(frame):
    from scoring.contract.features import FEATURE_NAMES, feature_spec

    tree = RiskTree(max_depth=4, min_samples_leaf=10).fit(frame)
    before = tree.predict_risk(Features(frame))
    for name in ("weakness", "atrophy", "worsening", "bulbar", "numbness", "stiffness"):
        if name not in FEATURE_NAMES or feature_spec(name).worse != 1 or name not in frame:
            continue
        worse = frame.assign(**{name: True})
        after = tree.predict_risk(Features(worse))
        assert np.all(after >= before - 1e-12), name


def test_the_shipped_trees_leaves_add_up_to_its_training_sample():
    structure, record = default_tree().tree_structure(), load_tree_metadata()
    leaf = structure.is_leaf
    assert structure.samples[leaf].sum() == record["data"]["n"] == TREE_N
    assert structure.positives[leaf].sum() == record["data"]["n_outcome"]
    assert np.all((structure.risk >= 0) & (structure.risk <= 1))


def test_a_sample_without_the_outcome_gives_risk_zero(frame):
    benign = frame[~outcome_labels(frame, "serious_cause")]
    tree = RiskTree(max_depth=2).fit(benign)
    assert np.all(tree.predict_risk(Features(frame)) == 0) and np.all(tree.tree_structure().positives == 0)


# ------------------------------------------------------------ calibrated and discriminating


def test_the_shipped_risks_are_calibrated_on_a_fresh_enriched_sample(large_fresh):
    y = outcome_labels(large_fresh, "serious_cause")
    summary = calibration_summary(default_tree().predict_risk(Features(large_fresh)), y)
    assert 0.9 <= summary["calibration_slope"] <= 1.1, summary
    assert abs(summary["calibration_intercept"]) <= 0.1, summary
    assert summary["predicted_mean"] == pytest.approx(summary["observed"], abs=0.005)
    # Skill over the prevalence alone, and no worse than the expert card's risk on the same
    # rows. (Generator 2.1: Brier 0.054 against 0.065 for the prevalence; the old bar of 0.6 x
    # the reference held only where duration alone separated disease.)
    from scoring.engine.calibration import card_risk
    from scoring.engine.card import load_card

    card = load_card("default")
    scores = card.score_frame(Features(large_fresh))
    card_brier = brier_score_loss(y, card_risk(card, scores.totals, scores.red_flag_mask, "enriched"))
    assert summary["brier"] < 0.9 * summary["brier_reference"]
    assert summary["brier"] <= card_brier, (summary["brier"], card_brier)


def test_the_shipped_tree_tells_serious_causes_apart_on_a_fresh_sample(large_fresh):
    y = outcome_labels(large_fresh, "serious_cause")
    auc = roc_auc_score(y, default_tree().predict_risk(Features(large_fresh)))
    # Generator 2.1 (benign look-alikes, answers that err): the depth-4 tree reaches 0.80 in the
    # learning mix, the expert card 0.79, a dense logistic regression 0.93. The bar is relative:
    # the readable depth-4 tree ranks at least as well as the hand-set card on the same rows.
    from scoring.engine.calibration import card_risk
    from scoring.engine.card import load_card

    card = load_card("default")
    scores = card.score_frame(Features(large_fresh))
    card_auc = roc_auc_score(y, card_risk(card, scores.totals, scores.red_flag_mask, "enriched"))
    assert auc >= card_auc, (auc, card_auc)


def test_the_recorded_fresh_sample_check_is_reproduced():
    record = load_tree_metadata()["fresh_sample"]
    again = check_on_fresh_sample(default_tree(), n=record["n"], seed=record["seed"])
    assert again == pytest.approx(record, abs=1e-6)


def test_risk_scores_match_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.random(500) < 0.2
    p = np.clip(rng.random(500) * 0.6 + 0.2 * y, 0, 1)
    scores = risk_scores(y, p)
    assert scores["log_loss"] == pytest.approx(log_loss(y, p))
    assert scores["brier"] == pytest.approx(brier_score_loss(y, p))
    assert scores["auc"] == pytest.approx(roc_auc_score(y, p))
    assert np.isnan(risk_scores([False, False], [0.1, 0.2])["auc"])


# ------------------------------------------------------------ advice at the leaves


def test_a_leafs_advice_is_the_risk_policy_for_its_risk_in_the_default_population():
    tree = default_tree()
    structure = tree.tree_structure()
    moved = risk_in_population(
        structure.risk, outcome="serious_cause", population=DEFAULT_POPULATION, transport=tree.transport
    )
    expected = load_policy("risk").risk_levels(moved)
    assert np.array_equal(tree.node_levels(), expected)
    # The community recalibration is stored with the tree, fitted on its own sample.
    assert tree.transport["community"]["seed"] == 20241
    assert np.array_equal(tree.node_levels("enriched"), load_policy("risk").risk_levels(structure.risk))
    # A higher risk is never less cautious advice.
    order = np.argsort(structure.risk, kind="stable")
    assert np.all(np.diff(tree.node_levels()[order].astype(int)) >= 0)


def test_only_a_risk_policy_for_the_trees_outcome_reads_its_leaves():
    for guideline in ("nhs", "ng127"):
        with pytest.raises(PolicyError, match=rf"policy '{guideline}' is a guideline policy; .*use one of risk"):
            default_tree().node_levels(policy=guideline)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2000 - 1))
def test_each_path_ends_at_its_leaf_with_that_leafs_risk_and_advice(fresh, row):
    tree = default_tree()
    sample = fresh.iloc[[row]]
    (vignette,) = frame_to_vignettes(sample)
    view = tree.explain_encoded(encode_vignette(vignette))
    structure = tree.tree_structure()
    assert view.leaf_id == tree.apply(sample)[0]
    assert view.probability == tree.predict_risk(sample)[0]
    assert view.outcome == "serious_cause" and view.leaf_samples == structure.samples[view.leaf_id]
    assert view.recommendation is Recommendation.from_level(int(tree.node_levels()[view.leaf_id]))
    assert view.rules_text.endswith(tree.leaf_risk_text(view.leaf_id))
    # Each step names the branch taken: the next step's node is that child.
    nodes = [step.node_id for step in view.path] + [view.leaf_id]
    assert nodes[0] == 0
    for step, child in zip(view.path, nodes[1:]):
        side = structure.left if step.op == "<=" else structure.right
        assert side[step.node_id] == child
        assert step.feature == structure.feature_names[structure.feature[step.node_id]]


# ------------------------------------------------------------------------------- rules in words


def _toy_frame() -> pd.DataFrame:
    # A small, fully determined data set: 8 in 10 with real weakness have a serious cause,
    # 3 in 10 without weakness but with more than 4 weeks, none of the others.
    rows = []
    for weeks in (1, 2, 3, 6, 8, 12):
        for weak in (False, True):
            for _ in range(10):
                rows.append(
                    {
                        "age": 40,
                        "duration_weeks": weeks,
                        "frequency": "daily",
                        "severity": "minor",
                        "locations": "calf",
                        "weakness": weak,
                    }
                )
    frame = validate_frame(pd.DataFrame(rows)).valid
    i = np.arange(len(frame)) % 10
    serious = np.where(frame["weakness"], i < 8, (frame["duration_weeks"] > 4) & (i < 3))
    return frame.assign(latent_cause=np.where(serious, "motor_neuron_like", "benign_lifestyle"))


def test_rules_text_reads_the_whole_tree_as_risks_in_plain_words():
    tree = RiskTree(max_depth=2, min_samples_leaf=1, ccp_alpha=0.001, feature_names=["duration_weeks", "weakness"])
    tree.fit(_toy_frame())
    assert render_rules_text(tree) == (
        "if no real weakness and duration 4.5 weeks or less → P(serious cause) = 0% in the learning mix "
        "(30 training vignettes)\n"
        "if no real weakness and duration over 4.5 weeks → P(serious cause) = 30% in the learning mix "
        "(30 training vignettes)\n"
        "if real weakness → P(serious cause) = 80% in the learning mix (60 training vignettes)"
    )
    view = tree.explain(
        {"age": 40, "duration_weeks": 6, "frequency": "daily", "severity": "minor", "locations": "calf"}
    )
    assert view.rules_text == (
        "if no real weakness\nand duration over 4.5 weeks\n→ P(serious cause) = 30% in the learning mix "
        "(30 training vignettes)"
    )
    assert [step.text for step in view.path] == ["no real weakness", "duration over 4.5 weeks"]
    assert view.probability == pytest.approx(0.3)


def test_rules_cover_every_training_vignette_once(frame):
    tree = RiskTree(max_depth=4, min_samples_leaf=10).fit(frame)
    rules = tree_rules(tree)
    y = outcome_labels(frame, "serious_cause")
    assert len(rules) == tree.tree_model_.get_n_leaves()
    assert sum(rule.samples for rule in rules) == len(frame)
    leaves = tree.apply(frame)
    levels = tree.node_levels()
    for rule in rules:
        assert rule.positives == int(y[leaves == rule.leaf_id].sum())
        assert rule.recommendation is Recommendation.from_level(int(levels[rule.leaf_id]))
        assert rule.text.startswith("if ") and rule.text.endswith(f"→ {rule.risk_text}")
        assert re.fullmatch(
            r"P\(serious cause\) = [\d.]+% in the learning mix \([\d,]+ training vignettes\)", rule.risk_text
        )


@pytest.mark.parametrize(
    ("feature", "op", "threshold", "text"),
    [
        ("stress_level", ">", 5.5, "stress 6 out of 10 or more"),
        ("stress_level", "<=", 5.5, "stress 5 out of 10 or less"),
        ("age", ">", 49.5, "age 50 years or more"),
        ("n_locations", "<=", 1.5, "at most 1 area"),
        ("n_locations", ">", 1.5, "2 or more areas"),
        ("duration_weeks", ">", 2.0500000476837, "duration over 2.05 weeks"),
        ("weakness", "<=", 0.5, "no real weakness"),
        ("frequency_level", ">", 1.5, "frequency constant"),
    ],
)
def test_split_words(feature, op, threshold, text):
    assert step_text(feature, op, threshold) == text


# -------------------------------------------------------------------------------------- search


def test_search_is_repeatable_and_takes_the_simplest_tree_within_one_standard_error(frame):
    grid = {"max_depth": (2, 3, 4), "min_samples_leaf": (5, 50), "ccp_alpha": (0.0,)}
    first = search_tree(frame, param_grid=grid, n_splits=3)
    again = search_tree(frame, param_grid=grid, n_splits=3)
    pd.testing.assert_frame_equal(first.results, again.results)
    results = first.results
    assert len(results) == 6 and results["selected"].sum() == 1
    assert {"mean_log_loss", "mean_brier", "mean_auc", "mean_n_leaves"} <= set(results.columns)
    best = results.loc[results["mean_log_loss"].idxmin()]
    threshold = best["mean_log_loss"] + best["std_log_loss"] / 3**0.5
    eligible = results[results["mean_log_loss"] <= threshold]
    chosen = first.best
    assert chosen["mean_log_loss"] <= threshold
    assert chosen["mean_n_leaves"] == eligible["mean_n_leaves"].min()
    assert set(first.best_params) == set(grid)


# ------------------------------------------------------------------------------ shipped model


def test_shipped_tree_loads_with_exactly_the_listed_trusted_types():
    path = MODELS_DIR / "tree.skops"
    assert sorted(skops.io.get_untrusted_types(file=path)) == sorted(TRUSTED_TYPES)
    tree = load_tree()
    assert isinstance(tree, RiskTree) and tree.tree_model_.get_depth() <= 4


def test_shipped_record_is_deterministic_and_describes_the_model_and_its_data():
    text = (MODELS_DIR / "tree.json").read_text(encoding="utf-8")
    record = load_tree_metadata()
    assert text == json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)  # no dates or times
    assert record["model_sha256"] == hashlib.sha256((MODELS_DIR / "tree.skops").read_bytes()).hexdigest()
    tree = load_tree()
    assert record["outcome"] == tree.outcome == "serious_cause" and record["population"] == "enriched"
    assert record["feature_names"] == tree.feature_names_
    assert record["rules"] == [rule.text for rule in tree_rules(tree)]
    data = record["data"]
    assert (data["n"], data["seed"], data["population"]) == (TREE_N, TREE_SEED, "enriched")
    assert data["generator_version"] == GENERATOR_VERSION, "the generator changed: refit with `zaro fit`"
    assert "data/vignettes.csv" in data["choice"], "the record says why it does not use the shipped data"
    assert set(record["cross_validation"]["selected"]) == {"log_loss", "brier", "auc", "n_leaves"}
    assert record["fresh_sample"]["population"] == "enriched" and record["fresh_sample"]["seed"] != TREE_SEED


@pytest.mark.slow
def test_refitting_reproduces_the_shipped_model_byte_for_byte(tmp_path):
    # Through the command line, in a separate process: skops names objects after their
    # ids, which the byte-identical output must not depend on.
    done = subprocess.run(
        [sys.executable, "-m", "scoring", "fit", "--tree-only", "--out", str(tmp_path), "--no-progress"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert done.stdout.startswith("Chosen by cross-validation: max_depth=")
    assert re.search(r"CV log loss [\d.]+ ± [\d.]+; Brier [\d.]+; AUC [\d.]+", done.stdout)
    assert re.search(
        r"Fresh enriched sample \(200,000 vignettes, seed \d+\): AUC [\d.]+, calibration slope", done.stdout
    )
    assert "→ P(serious cause) = " in done.stdout
    shipped, refit = load_tree(), load_tree(tmp_path)
    assert shipped.tree_structure().same_as(refit.tree_structure())
    assert np.array_equal(shipped.node_counts_, refit.node_counts_)
    # Byte for byte when the libraries that write the file are the ones it was made with.
    if load_tree_metadata(tmp_path)["environment"] == load_tree_metadata()["environment"]:
        assert (tmp_path / "tree.skops").read_bytes() == (MODELS_DIR / "tree.skops").read_bytes()
        assert (tmp_path / "tree.json").read_text() == (MODELS_DIR / "tree.json").read_text()


# ---------------------------------------------------------------------- a scikit-learn estimator


@parametrize_with_checks([RiskTree()])
def test_passes_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_plain_numeric_arrays_fit_with_their_own_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    tree = RiskTree(max_depth=2, min_samples_leaf=5).fit(X, y)
    assert list(tree.classes_) == ["no", "yes"] and tree.n_features_in_ == 3
    assert set(tree.predict(X)) == {"no", "yes"}
    with pytest.raises(ValueError, match=r"fitted to labels \['no', 'yes'\], not to an outcome"):
        tree.predict_risk(X)
    numeric = RiskTree(max_depth=2, min_samples_leaf=5).fit(X, X[:, 0] > 0)
    assert np.array_equal(numeric.predict_risk(X), numeric.predict_proba(X)[:, 1])


# ------------------------------------------------------------------------- the tree as arrays


def test_tree_structure_is_the_wrapped_trees_arrays(frame):
    tree = RiskTree(max_depth=3).fit(frame)
    structure = tree.tree_structure()
    model = tree.tree_model_.tree_
    assert structure.feature_names == tuple(tree.feature_names_)
    assert np.array_equal(structure.left, model.children_left)
    assert np.array_equal(structure.threshold, model.threshold)
    assert np.array_equal(structure.risk, model.value[:, 0, 1])
    assert np.array_equal(structure.positives, tree.node_counts_[:, 1])
    assert structure.depth == tree.tree_model_.get_depth()
    with pytest.raises(AttributeError):
        structure.left = structure.right  # type: ignore[misc]
    assert TreeStructure.from_dict(json.loads(json.dumps(structure.to_dict()))).same_as(structure)


# ------------------------------------------------------------------- the light shipped tree


@pytest.fixture(scope="module")
def many() -> pd.DataFrame:
    return validate_frame(generate_vignettes(20_000, seed=2024)).valid


def test_the_light_shipped_tree_answers_exactly_as_the_estimator(many):
    light, estimator = default_tree(), load_tree()
    assert isinstance(light, ShippedTree) and light.tree_structure().same_as(estimator.tree_structure())
    assert (light.outcome, light.population) == (estimator.outcome, estimator.population)
    features = Features(many)
    matrix = features.matrix(estimator.feature_names_, dtype=np.float32)
    assert np.array_equal(light.predict_risk(features), estimator.predict_proba(matrix)[:, 1])
    assert np.array_equal(light.node_levels(), estimator.node_levels())
    assert render_rules_text(light) == render_rules_text(estimator)


def test_the_shipped_tree_explains_and_scores_without_importing_scikit_learn():
    code = (
        "import sys\n"
        "from scoring.engine.tree import default_tree\n"
        "from scoring.contract.features import Features\n"
        "from scoring.engine.synth import generate_vignettes\n"
        "from scoring.contract.schema import validate_frame\n"
        "tree = default_tree()\n"
        "view = tree.explain({'age': 40, 'duration_weeks': 3, 'frequency': 'daily', 'severity': 'minor',"
        " 'locations': 'calf;thigh', 'weakness': True})\n"
        "assert 0 <= view.probability <= 1\n"
        "tree.predict_risk(Features(validate_frame(generate_vignettes(50, seed=1)).valid))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------ checked on load


@pytest.fixture
def saved(tmp_path):
    for name in ("tree.skops", "tree.json"):
        (tmp_path / name).write_bytes((MODELS_DIR / name).read_bytes())
    return tmp_path


def _record_for(path) -> None:
    """A tree.json next to ``path`` whose hash is the file's (so the file's own checks are reached)."""
    record = json.loads((MODELS_DIR / "tree.json").read_text())
    record["model_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    del record["nodes"]
    path.with_name("tree.json").write_text(json.dumps(record))


def test_a_model_file_without_its_record_is_refused(saved):
    (saved / "tree.json").unlink()
    with pytest.raises(TreeLoadError, match=r"has no tree\.json next to it, so its sha256 cannot be checked") as caught:
        load_tree(saved / "tree.skops")
    assert isinstance(caught.value, FileNotFoundError)


def _pickle_bytes() -> bytes:
    import pickle

    return pickle.dumps({"not": "a tree"})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda: b"", r"empty file"),
        (lambda: (MODELS_DIR / "tree.skops").read_bytes()[:500], r"not a tree saved by zaro"),
        (_pickle_bytes, r"not a tree saved by zaro"),
    ],
    ids=["empty", "truncated", "pickle"],
)
def test_a_bad_model_file_is_refused_in_one_line(tmp_path, content, reason):
    path = tmp_path / "tree.skops"
    path.write_bytes(content())
    _record_for(path)
    with pytest.raises(TreeLoadError, match=reason) as caught:
        load_tree(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "zaro fit" in message


def test_a_model_holding_untrusted_types_is_refused(tmp_path):
    class Untrusted:
        pass

    path = tmp_path / "tree.skops"
    skops.io.dump(RiskTree(), path)  # an unfitted estimator of the trusted class is fine ...
    _record_for(path)
    assert isinstance(load_tree(path), RiskTree)
    path.write_bytes(skops.io.dumps(Untrusted()))  # ... a class of its own is not
    _record_for(path)
    with pytest.raises(TreeLoadError, match=r"holds types zaro does not trust .*Untrusted"):
        load_tree(path)


def test_a_missing_model_file_is_a_load_error_and_a_file_not_found_error(tmp_path):
    with pytest.raises(TreeLoadError, match=r"no tree file at .*zaro fit") as caught:
        load_tree(tmp_path / "nothing.skops")
    assert isinstance(caught.value, FileNotFoundError)


def test_a_model_that_does_not_match_its_record_is_refused(saved):
    record = json.loads((saved / "tree.json").read_text())
    record["model_sha256"] = "0" * 64
    (saved / "tree.json").write_text(json.dumps(record))
    with pytest.raises(TreeLoadError, match=r"^tree\.skops does not match tree\.json \(sha256 [0-9a-f]{64} found"):
        load_tree(saved)


def test_a_record_whose_arrays_were_edited_is_refused(saved):
    record = json.loads((saved / "tree.json").read_text())
    record["nodes"]["risk"][0] += 0.01
    (saved / "tree.json").write_text(json.dumps(record))
    with pytest.raises(TreeLoadError, match=r"the tree arrays do not match their hash .*zaro fit"):
        ShippedTree.from_record(saved)


def test_a_record_of_an_older_triage_tree_is_refused_with_the_fix(saved):
    record = json.loads((saved / "tree.json").read_text())
    del record["outcome"]
    (saved / "tree.json").write_text(json.dumps(record))
    with pytest.raises(TreeLoadError, match=r"does not say which outcome .*refit with `zaro fit`"):
        ShippedTree.from_record(saved)


def test_the_table_walk_equals_the_step_by_step_one(many):
    from scoring.engine.tree._walk import _walk_by_depth, columns_of, walk

    for tree in (default_tree(), RiskTree(max_depth=4, min_samples_leaf=1).fit(many)):
        structure = tree.tree_structure()
        columns = columns_of(structure, Features(many))
        assert np.array_equal(walk(structure, columns), _walk_by_depth(structure, columns))


# ----------------------------------------------------------------------------- one metrics home


def test_triage_agreement_is_the_metrics_modules_table():
    from scoring.assessment import triage_agreement
    from scoring.engine import metrics

    reference, predicted = ["urgent", "self_care", "see_doctor"], ["see_doctor", "self_care", "urgent"]
    table = triage_agreement(reference, predicted)
    pd.testing.assert_frame_equal(table, metrics.agreement_table(reference, predicted))
    summary = metrics.triage_metrics(reference, predicted)
    assert table.loc["all", "under_triage"] == summary["under_triage"] == pytest.approx(1 / 3)
    assert table.loc["urgent", "correct"] == summary["recall_urgent"] == 0.0
