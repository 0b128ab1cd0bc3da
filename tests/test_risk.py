"""Risk scores: outcomes as data, binary features, prior shift and learned card files."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.contract.features import Features, parse_condition
from scoring.engine.card import load_card
from scoring.engine.risk import (
    BINARY_FEATURES,
    IntegerScore,
    OutcomeError,
    binarize,
    binary_feature,
    learned_card_text,
    load_outcomes,
    outcome_labels,
    shift_probability,
    write_learned_card,
)
from scoring.engine.synth import CAUSES, generate_vignettes

SERIOUS = ("peripheral_neuropathy", "central_ms_like", "motor_neuron_like")


@pytest.fixture(scope="module")
def frame():
    return generate_vignettes(4000, seed=31)


# --------------------------------------------------------------------------------------
# Outcomes
# --------------------------------------------------------------------------------------


def test_shipped_outcomes_name_the_serious_causes_and_one_primary():
    outcomes = load_outcomes()
    assert list(outcomes) == ["serious_cause", "any_cause"]
    assert outcomes["serious_cause"].causes == SERIOUS
    assert outcomes["serious_cause"].role == "primary"
    assert outcomes["any_cause"].causes == ("electrolyte_metabolic_drug", *SERIOUS)
    assert outcomes["any_cause"].role == "secondary"
    assert all(o.description and o.label for o in outcomes.values())
    assert set(outcomes["any_cause"].causes) <= set(CAUSES)


def test_outcome_labels_follow_the_hidden_cause(frame):
    serious = outcome_labels(frame, "serious_cause")
    any_cause = outcome_labels(frame, "any_cause")
    assert serious.dtype == bool and serious.shape == (len(frame),)
    np.testing.assert_array_equal(serious, frame["latent_cause"].isin(SERIOUS).to_numpy())
    assert (any_cause >= serious).all() and any_cause.sum() > serious.sum() > 0
    np.testing.assert_array_equal(any_cause, frame["latent_cause"].to_numpy() != "benign_lifestyle")


def test_unknown_outcome_lists_the_known_ones(frame):
    with pytest.raises(OutcomeError, match=r"unknown outcome 'serious'; known outcomes: serious_cause, any_cause"):
        outcome_labels(frame, "serious")


def test_frame_without_hidden_cause_is_refused(frame):
    with pytest.raises(OutcomeError, match=r"'serious_cause' needs the frame's latent_cause column"):
        outcome_labels(frame.drop(columns="latent_cause"), "serious_cause")


_GOOD = """
[[outcomes]]
id = "serious_cause"
role = "primary"
label = "Serious cause"
description = "A serious cause."
causes = {causes}
{extra}
"""


@pytest.mark.parametrize(
    ("causes", "extra", "message"),
    [
        (
            '["motor_neuron_like", "stroke"]',
            "",
            r"outcome 'serious_cause': causes: unknown cause\(s\) stroke; causes are",
        ),
        ("[]", "", r"outcome 'serious_cause': causes: is empty; list one or more of benign_lifestyle"),
        (
            '["central_ms_like", "central_ms_like"]',
            "",
            r"outcome 'serious_cause': causes: lists central_ms_like more than once; keep one",
        ),
        ('["central_ms_like"]', 'colour = "red"', r"outcome 'serious_cause': colour: unknown key; allowed keys are"),
    ],
)
def test_bad_outcome_files_name_the_file_the_entry_and_the_fix(tmp_path, causes, extra, message):
    path = tmp_path / "mine.toml"
    path.write_text(_GOOD.format(causes=causes, extra=extra))
    with pytest.raises(OutcomeError, match=r"^mine\.toml: " + message):
        load_outcomes(path)


def test_repeated_ids_and_missing_primary_are_errors(tmp_path):
    entry = _GOOD.format(causes='["central_ms_like"]', extra="")
    path = tmp_path / "twice.toml"
    path.write_text(entry + entry)
    with pytest.raises(
        OutcomeError,
        match=r"^twice\.toml: outcome id 'serious_cause' is used more than once; give each outcome its own id$",
    ):
        load_outcomes(path)
    path.write_text(entry.replace('"primary"', '"secondary"'))
    with pytest.raises(OutcomeError, match=r'exactly one outcome needs role = "primary" \(found: none\)'):
        load_outcomes(path)


def test_missing_and_unreadable_outcome_files(tmp_path):
    with pytest.raises(OutcomeError, match=r"no such outcomes file"):
        load_outcomes(tmp_path / "absent.toml")
    (tmp_path / "broken.toml").write_text("[[outcomes]\n")
    with pytest.raises(OutcomeError, match=r"broken\.toml: not valid TOML"):
        load_outcomes(tmp_path / "broken.toml")


# --------------------------------------------------------------------------------------
# Binary features
# --------------------------------------------------------------------------------------


def test_binary_features_are_unique_card_conditions_with_labels():
    names = [f.name for f in BINARY_FEATURES]
    assert len(names) == len(set(names)) and 35 <= len(names) <= 60
    assert len({f.condition for f in BINARY_FEATURES}) == len(names)
    for feature in BINARY_FEATURES:
        parse_condition(feature.condition)
        assert feature.label[0].isupper()
    assert binary_feature("duration_weeks_gt_2").condition == "duration_weeks > 2"
    assert binary_feature("age_ge_50").label == "Age 50 years or more"
    with pytest.raises(KeyError, match=r"unknown binary feature 'age_ge_55'; binary features are: age_ge_40"):
        binary_feature("age_ge_55")


def test_binarize_evaluates_each_condition(frame):
    matrix = binarize(frame)
    assert matrix.dtype == bool and matrix.shape == (len(frame), len(BINARY_FEATURES))
    features = Features(frame)
    for j, feature in enumerate(BINARY_FEATURES):
        np.testing.assert_array_equal(matrix[:, j], parse_condition(feature.condition).evaluate(features))
    j = [f.name for f in BINARY_FEATURES].index("duration_weeks_gt_4")
    np.testing.assert_array_equal(matrix[:, j], frame["duration_weeks"].to_numpy() > 4)
    np.testing.assert_array_equal(binarize(features), matrix)


# --------------------------------------------------------------------------------------
# Prior shift
# --------------------------------------------------------------------------------------


def test_prior_shift_hand_computed_values():
    # odds 0.25 * (0.3 / 0.7) / (0.1 / 0.9) = 27/28, so p = 27/55.
    assert shift_probability(0.2, 0.1, 0.3) == pytest.approx(27 / 55, abs=1e-15)
    assert shift_probability(0.5, 0.5, 0.2) == pytest.approx(0.2, abs=1e-15)
    np.testing.assert_array_equal(shift_probability(np.array([0.0, 1.0]), 0.4, 0.01), [0.0, 1.0])


def test_prior_shift_is_vectorised_and_keeps_the_shape():
    p = np.linspace(0.0, 1.0, 12).reshape(3, 4)
    shifted = shift_probability(p, 0.07, 0.002)
    assert shifted.shape == (3, 4)
    np.testing.assert_allclose(shifted.reshape(-1), [shift_probability(v, 0.07, 0.002) for v in p.reshape(-1)])


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
    st.floats(0.001, 0.999),
    st.floats(0.001, 0.999),
)
def test_prior_shift_identity_order_and_round_trip(values, train, target):
    p = np.array(values)
    np.testing.assert_array_equal(shift_probability(p, train, train), p)
    shifted = shift_probability(p, train, target)
    assert ((shifted >= 0) & (shifted <= 1)).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(shifted[order]) >= -1e-12).all()
    np.testing.assert_allclose(shift_probability(shifted, target, train), p, atol=1e-9)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_prior_shift_refuses_prevalences_outside_zero_one(bad):
    with pytest.raises(ValueError, match=r"train_prevalence must be strictly between 0 and 1"):
        shift_probability(0.5, bad, 0.1)
    with pytest.raises(ValueError, match=r"target_prevalence must be strictly between 0 and 1"):
        shift_probability(0.5, 0.1, bad)


def test_prior_shift_refuses_probabilities_outside_zero_one():
    with pytest.raises(ValueError, match=r"probabilities must be between 0 and 1, got 1\.2"):
        shift_probability([0.5, 1.2], 0.1, 0.2)


# --------------------------------------------------------------------------------------
# Learned card files
# --------------------------------------------------------------------------------------


def _score(**changes) -> IntegerScore:
    names = ("age_ge_50", "duration_weeks_gt_4", "loc_eyelid", "weakness", "numbness")
    index = {f.name: j for j, f in enumerate(BINARY_FEATURES)}
    fields = dict(
        feature_indices=tuple(index[n] for n in names),
        feature_names=names,
        points=(2, 4, -3, 5, 3),
        intercept=-10,
        multiplier=1.4,
        n_features=len(BINARY_FEATURES),
        train_prevalence=0.07,
        outcome="serious_cause",
    )
    return IntegerScore(**{**fields, **changes})


def test_written_card_loads_and_scores_what_the_score_scores(tmp_path, frame):
    score = _score()
    card = load_card(write_learned_card(score, tmp_path / "learned.toml"))
    assert card.name == "learned" and card.calibration is None
    assert [i.item_id for i in card.items] == list(score.feature_names)
    assert [i.points for i in card.items] == list(score.points)
    assert (card.min_total, card.max_total) == (score.min_total, score.max_total) == (-3, 14)
    totals = card.score_frame(Features(frame)).totals
    np.testing.assert_array_equal(totals, score.total(binarize(frame)))
    default = load_card("default")
    assert card.red_flags == default.red_flags
    assert card.red_flag_advice == default.red_flag_advice
    assert card.urgent_advice == default.urgent_advice


def _bands(card) -> list[tuple[str, int, int, str]]:
    return [(b.name, b.min_points, b.max_points, b.recommendation.value) for b in card.bands]


def test_card_bands_follow_the_risk_policy_thresholds_in_the_stated_population(tmp_path):
    from scoring.engine.policies import load_policy
    from scoring.engine.risk import risk_in_population

    score = _score()
    see_doctor, soon = (t.at_least for t in load_policy("risk").thresholds)
    totals = np.arange(score.min_total, score.max_total + 1)
    community = risk_in_population(score.probability_of_total(totals), outcome="serious_cause", population="community")
    first, second = (int(totals[np.argmax(community >= cut)]) for cut in (see_doctor, soon))
    assert community[totals == first - 1] < see_doctor <= community[totals == first]
    card = load_card(write_learned_card(score, tmp_path / "learned.toml"))
    assert _bands(card) == [
        ("lower risk", -3, first - 1, "self_care"),
        ("raised risk", first, second - 1, "see_doctor"),
        ("high risk", second, 14, "see_doctor"),
    ]
    default = {b.name: b.advice for b in load_card("default").bands}
    assert [b.advice for b in card.bands] == [default["low risk"], default["raised risk"], default["raised risk"]]
    assert f"totals {first} to {second - 1} (risk 1.96% to under 20%): see_doctor;" in card.description
    # The same score judged in the enriched population, where serious causes are commoner,
    # sends lower totals to a doctor.
    enriched = load_card(write_learned_card(score, tmp_path / "enriched.toml", population="enriched"))
    assert enriched.bands[1].min_points < first


def test_card_bands_can_follow_a_given_risk_per_total(tmp_path):
    def risk(totals):
        return np.where(totals >= 10, 0.5, np.where(totals >= 2, 0.05, 0.001))

    card = load_card(write_learned_card(_score(), tmp_path / "given.toml", risk_of_total=risk))
    assert _bands(card) == [
        ("lower risk", -3, 1, "self_care"),
        ("raised risk", 2, 9, "see_doctor"),
        ("high risk", 10, 14, "see_doctor"),
    ]
    # A level no total reaches gets no band.
    card = load_card(write_learned_card(_score(), tmp_path / "two.toml", risk_of_total=lambda t: np.full(len(t), 0.3)))
    assert _bands(card) == [("high risk", -3, 14, "see_doctor")]


def test_card_file_bytes_are_reproducible(tmp_path):
    first = write_learned_card(_score(), tmp_path / "a.toml").read_bytes()
    second = write_learned_card(_score(), tmp_path / "b.toml").read_bytes()
    assert first == second
    assert first.decode() == learned_card_text(_score())
    data = tomllib.loads(first.decode())
    assert data["items"][0] == {
        "id": "age_ge_50",
        "label": "Age 50 years or more",
        "condition": "age >= 50",
        "points": 2,
        "evidence": data["items"][0]["evidence"],
    }


def test_card_writer_errors_say_what_to_change(tmp_path):
    with pytest.raises(ValueError, match=r"fitted for outcome 'serious_cause', not 'any_cause'; pass outcome="):
        learned_card_text(_score(), outcome="any_cause")
    with pytest.raises(ValueError, match=r"unknown outcome 'death'; known outcomes: serious_cause, any_cause"):
        learned_card_text(_score(), outcome="death")
    for guideline in ("nhs", "ng127"):
        with pytest.raises(ValueError, match=rf"policy '{guideline}' is a guideline policy without risk thresholds"):
            learned_card_text(_score(), policy=guideline)
    # The old id still works as an alias of nhs, with a warning naming the new id.
    with (
        pytest.warns(DeprecationWarning, match=r"'guideline' is now called 'nhs'"),
        pytest.raises(ValueError, match=r"policy 'nhs' is a guideline policy without risk thresholds"),
    ):
        learned_card_text(_score(), policy="guideline")
    with pytest.raises(ValueError, match=r"unknown policy 'cheap'; use one of nhs, ng127, risk"):
        learned_card_text(_score(), policy="cheap")
    with pytest.raises(ValueError, match=r"unknown population 'mars'"):
        learned_card_text(_score(), population="mars")
    with pytest.raises(ValueError, match=r"the risk must not fall as the total rises"):
        learned_card_text(_score(), risk_of_total=lambda t: np.where(t > 3, 0.001, 0.5))
    with pytest.raises(ValueError, match=r"every total needs a risk from 0 to 1 .*got NaN"):
        learned_card_text(_score(), risk_of_total=lambda t: np.full(len(t), np.nan))
    with pytest.raises(KeyError, match=r"unknown binary feature 'x0'"):
        learned_card_text(_score(feature_names=("x0", "x1", "x2", "x3", "x4")))


def test_probability_table_lists_reachable_totals_and_shifts_them():
    score = _score()
    table = score.probability_table()
    # Points 2, 4, -3, 5, 3: every sum of a subset, e.g. 1 = 4 - 3, but never 13 (14 needs all).
    assert 1 in set(table["total"]) and 13 not in set(table["total"])
    assert table["total"].tolist() == sorted(table["total"]) and table["total"].is_unique
    moved = score.probability_table(target_prevalence=0.01)
    np.testing.assert_array_equal(moved["total"], table["total"])
    np.testing.assert_allclose(moved["probability"], shift_probability(table["probability"].to_numpy(), 0.07, 0.01))
    assert (moved["probability"] < table["probability"]).all()
