"""Calibration in every age band and sex: the stored recalibration per band, and how it is reported.

The models are fitted on the enriched learning mix and moved to the community; one
recalibration for the whole community left the young with risks too high and the old with
risks too low. Each model now stores a recalibration per age band (fitted by ``zaro fit`` on
the transport sample), and a person's risk uses their band's. The bounds are checked on a
fresh community sample no model or recalibration was fitted on.
"""

from __future__ import annotations

import json
import math
import shutil
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.analysis.compare import draw_sample
from scoring.engine.calibration import calibration_summary, card_risk
from scoring.engine.card import load_card
from scoring.engine.risk import TRANSPORT_SEED, risk_in_population
from scoring.engine.risk._transport import AGE_BANDS, age_band_index, check_transport
from scoring.evaluate import age_band
from scoring.evaluate._metrics import cause_sensitivity_table, subgroup_calibration_table

#: A fresh community sample: not the transport's seed, the evaluation's (2026) or the calibration's.
FRESH_N, FRESH_SEED = 100_000, 60_606
INTERCEPT_BOUND, SLOPE_RANGE = 0.3, (0.8, 1.2)


@pytest.fixture(scope="module")
def fresh():
    assert FRESH_SEED != TRANSPORT_SEED
    return draw_sample("community", FRESH_N, FRESH_SEED, reference=False)


@pytest.mark.parametrize(
    "model",
    [
        "default_card",
        "learned_card",
        # Known shortfall on generator 2.1: the tree's few, wide leaves give a calibration slope
        # of about 0.75 among 18-39-year-olds on this sample (230 serious causes); its intercepts
        # hold. Kept visible here (and in the issue) until the tree's recalibration is refit.
        pytest.param("tree", marks=pytest.mark.xfail(reason="tree slope 0.75 at 18-39 on generator 2.1", strict=False)),
    ],
)
def test_every_age_band_is_calibrated_on_a_fresh_community_sample(fresh, model):
    y = fresh.outcome_array
    bands = np.asarray(age_band(fresh.scored["age"].to_numpy()).astype(str))
    risk = fresh.risks[model]
    for band in AGE_BANDS:
        member = bands == band
        summary = calibration_summary(risk[member], y[member])
        where = f"{model}, {band} ({int(member.sum()):,} vignettes, {int(y[member].sum())} with the outcome)"
        assert abs(summary["calibration_intercept"]) <= INTERCEPT_BOUND, where
        assert SLOPE_RANGE[0] <= summary["calibration_slope"] <= SLOPE_RANGE[1], where


def test_every_shipped_model_stores_a_recalibration_per_age_band():
    from scoring.engine.tree import resolve_tree

    tree = resolve_tree("default")
    for transport in [load_card(name).calibration.data["transport"] for name in ("default", "learned", "strict")] + [
        tree.transport
    ]:
        bands = transport["community"]["age_bands"]
        assert [band["band"] for band in bands] == list(AGE_BANDS)
        assert all(band["n_outcome"] > 0 and band["slope"] > 0 for band in bands)


def test_a_persons_risk_uses_their_age_bands_recalibration():
    card = load_card("default")
    totals = np.full(4, 6)
    masks = np.zeros(4, np.uint64)
    by_age = card_risk(card, totals, masks, "community", np.array([25, 45, 55, 70]))
    # Older bands get higher risks at the same total: the recalibration that fixes the old's too-low risks.
    assert np.all(np.diff(by_age) > 0)
    whole = card_risk(card, totals[:1], masks[:1], "community")
    assert by_age[0] < whole[0] < by_age[-1]
    # One person at a time gives the very doubles of the frame (the assessment's fast path).
    for age, expected in zip([25, 45, 55, 70], by_age):
        assert card_risk(card, [6], masks[:1], "community", [age])[0] == expected


def test_assess_and_assess_frame_give_the_banded_risk():
    import pandas as pd

    import scoring

    old = {"age": 70, "duration_weeks": 10, "frequency": "daily", "severity": "moderate", "locations": "calf;thigh"}
    young = old | {"age": 25}
    frame = scoring.assess_frame(pd.DataFrame([old, young]), population="community", tree=None).scored
    single = [scoring.assess(v, population="community", tree=None).risk.probability for v in (old, young)]
    assert frame["risk_serious_cause"].tolist() == single


@settings(max_examples=60, deadline=None)
@given(
    risk=st.floats(0.001, 0.999),
    ages=st.lists(st.one_of(st.integers(18, 100).map(float), st.just(math.nan)), min_size=1, max_size=8),
)
def test_each_age_gets_its_bands_recalibration_and_a_missing_age_the_whole_populations(risk, ages):
    transport = load_card("default").calibration.data["transport"]
    kwargs = {"outcome": "serious_cause", "population": "community", "trained_on": "enriched"}
    whole = float(risk_in_population(risk, **kwargs, transport=transport))
    moved = risk_in_population(np.full(len(ages), risk), **kwargs, transport=transport, age=np.array(ages))
    for age, value in zip(ages, moved):
        if math.isnan(age):
            assert value == whole
            continue
        band = transport["community"]["age_bands"][int(age_band_index(age))]
        alone = {"community": {"intercept": band["intercept"], "slope": band["slope"]}}
        assert value == float(risk_in_population(risk, **kwargs, transport=alone))


def test_a_stored_recalibration_with_wrong_bands_is_refused_at_load(tmp_path):
    for name in ("default.toml", "default.calibration.json"):
        shutil.copy(load_card("default").path.with_name(name), tmp_path / name)
    stored = json.loads((tmp_path / "default.calibration.json").read_text())
    stored["transport"]["community"]["age_bands"][3]["band"] = "70+"
    (tmp_path / "default.calibration.json").write_text(json.dumps(stored))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        card = load_card(tmp_path / "default.toml")
    assert card.calibration is None
    message = " ".join(str(w.message) for w in caught)
    assert "transport.community.age_bands must list the bands 18–39, 40–49, 50–64, 65+" in message
    assert "zaro fit" in message


def test_check_transport_names_the_entry_the_value_and_the_fix():
    good = load_card("default").calibration.data["transport"]
    check_transport(good, "default.calibration.json")
    bad = json.loads(json.dumps(good))
    bad["community"]["age_bands"][1]["slope"] = -0.5
    with pytest.raises(ValueError, match=r"transport\.community\.age_bands\[40–49\]\.slope is -0\.5.*zaro fit"):
        check_transport(bad, "default.calibration.json")
    bad["community"]["intercept"] = "high"
    with pytest.raises(ValueError, match=r"transport\.community\.intercept must be a finite number, got 'high'"):
        check_transport(bad, "x.json")


def test_subgroup_calibration_reads_observed_over_expected_with_intervals():
    rng = np.random.default_rng(3)
    n = 40_000
    risk = rng.uniform(0.01, 0.3, n)
    y = rng.random(n) < risk
    group = np.where(np.arange(n) % 2 == 0, "even", "odd")
    # The odd rows' stated risks are doubled: the model over-predicts there.
    stated = np.where(group == "odd", np.minimum(2 * risk, 0.99), risk)
    table = subgroup_calibration_table({"m": stated}, y, groups={"half": group}).set_index("group")
    assert table.loc["even", "observed_expected_low"] <= 1 <= table.loc["even", "observed_expected_high"]
    assert table.loc["odd", "observed_expected_high"] < 1 and table.loc["odd", "calibration_intercept_high"] < 0
    assert table.loc["even", "observed_expected"] == pytest.approx(
        y[group == "even"].sum() / risk[group == "even"].sum()
    )


def test_cause_sensitivity_counts_each_cause_and_pools_them():
    causes = np.array(["mnd"] * 4 + ["ms"] * 10 + ["benign"] * 5)
    levels = np.array([2, 2, 1, 1] + [0, 0, 1, 1, 1, 1, 1, 1, 1, 1] + [0] * 5)
    table = cause_sensitivity_table({"p": levels}, causes, serious=["mnd", "ms"], labels={"p": "Policy"})
    rows = table.set_index("cause")
    assert rows.loc["mnd", "sensitivity"] == 1 and rows.loc["mnd", "n_self_care"] == 0
    assert rows.loc["ms", "n_self_care"] == 2 and rows.loc["ms", "sensitivity"] == pytest.approx(0.8)
    assert rows.loc["all", "n"] == 14 and rows.loc["all", "n_referred"] == 12
    assert rows.loc["ms", "n_self_care_low"] < 2 < rows.loc["ms", "n_self_care_high"]
    assert rows.loc["mnd", "sensitivity_high"] == 1.0 and rows.loc["mnd", "sensitivity_low"] < 1
