"""The evaluation (scoring/evaluate/_evaluation.py), its documents and its faces.

The metrics themselves are tested against hand-computed examples in test_evaluate_metrics.py
and the sensitivity analysis in test_sensitivity.py; here: what an evaluation holds, what it
refuses, that it reads back as it was saved, the model card and checklist, and the command.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scoring import NOTICE
from scoring.analysis.compare import draw_sample
from scoring.assessment import assess_frame
from scoring.cli import main
from scoring.engine.synth import generate_vignettes
from scoring.evaluate import (
    AGE_BANDS,
    TABLES,
    evaluate_frame,
    evaluate_population,
    evaluate_sample,
    load_evaluation,
    model_card_markdown,
    sensitivity_analysis,
    tripod_checklist,
    wilson_interval,
)
from scoring.evaluate._readable import number_interval

N, SEED = 20_000, 2026
#: A few assumptions, so the sensitivity part of the card has something to rank in seconds.
PARAMETERS = ["prior.benign_lifestyle", "prior.motor_neuron_like", "regions.benign_lifestyle"]
#: Every item of the TRIPOD+AI checklist (Collins et al. 2024), in its order.
TRIPOD_ITEMS = (
    "1 2 3a 3b 3c 4 5a 5b 6a 6b 6c 7 8a 8b 8c 9a 9b 9c 10 11 12a 12b 12c 12d 12e 12f 12g 13 14 15 16 17 "
    "18a 18b 18c 18d 18e 18f 19 20a 20b 20c 21 22 23a 23b 24 25 26 27a 27b 27c"
).split()


@pytest.fixture(scope="module")
def sample():
    return draw_sample("community", N, SEED)


@pytest.fixture(scope="module")
def sensitivity():
    return sensitivity_analysis("community", n=5_000, seed=SEED, parameters=PARAMETERS)


@pytest.fixture(scope="module")
def evaluation(sample, sensitivity):
    return evaluate_sample(
        sample,
        resamples=100,
        subgroup_resamples=50,
        sensitivity=sensitivity,
        sensitivity_settings={"n": 5_000, "seed": SEED},
    )


@pytest.fixture(scope="module")
def scored():
    """A small frame as assess_frame writes it: the card's and tree's risks, both policies."""
    frame = generate_vignettes(4_000, seed=11, population="community")
    return assess_frame(frame, population="community", extra="keep").scored


# --------------------------------------------------------------------------------------
# What an evaluation holds
# --------------------------------------------------------------------------------------


def test_every_table_has_a_row_for_every_model_and_policy(evaluation, sample):
    models, policies = list(sample.risks), list(sample.levels)
    assert list(evaluation.discrimination["model"]) == models
    assert list(evaluation.calibration["model"]) == models
    assert list(evaluation.policies["policy"]) == policies
    assert set(evaluation.decision_curve["strategy"]) == {*models, *policies, "treat_all", "treat_none"}
    thresholds = evaluation.thresholds
    for policy in policies:
        rows = thresholds[thresholds["strategy"] == policy]
        assert set(rows["positive"]) == {"referred", "urgent"}
    for model in models:
        assert (thresholds[thresholds["strategy"] == model]["cutoff"] > 0).all()
    # A card's band edges are cut-offs too, named after the band.
    assert thresholds["cutoff_label"].str.contains("band 'high risk'").any()
    groups = evaluation.subgroups.groupby("group_by")["group"].unique()
    assert list(groups["age_band"]) == list(AGE_BANDS)
    assert set(groups["sex"]) == {"female", "male", "unspecified"}


def test_the_policy_rows_are_the_referral_counts_with_wilson_intervals(evaluation, sample):
    y = sample.outcome_array
    referred = sample.levels["risk_default_card"] >= 1
    row = evaluation.thresholds.query("strategy == 'risk_default_card' and positive == 'referred'").iloc[0]
    assert (row.tp, row.fn, row.fp) == ((referred & y).sum(), (~referred & y).sum(), (referred & ~y).sum())
    low, high = wilson_interval(int(row.tp), int(y.sum()))
    assert (row.sensitivity_low, row.sensitivity_high) == pytest.approx((low, high))
    assert row.sensitivity_low < row.sensitivity <= row.sensitivity_high


def test_evaluate_frame_finds_the_columns_assess_frame_writes(scored):
    evaluation = evaluate_frame(scored, resamples=50, subgroup_resamples=20)
    assert list(evaluation.discrimination["model"]) == ["card", "tree"]
    assert list(evaluation.policies["policy"]) == ["guideline", "risk_policy"]
    guideline = evaluation.thresholds.query("strategy == 'guideline' and positive == 'referred'").iloc[0]
    referred = scored["guideline_recommendation"].astype(str) != "self_care"
    assert guideline.n == len(scored) and guideline.tp + guideline.fp == referred.sum()
    assert evaluation.sensitivity.empty and evaluation.population == "community"


def test_evaluate_frame_reads_named_columns(scored):
    frame = scored.assign(my_risk=scored["risk_serious_cause"] / 2, my_policy=np.where(scored["agree"], 1, 0))
    evaluation = evaluate_frame(
        frame,
        models={"half": "my_risk"},
        policies={"mine": "my_policy"},
        labels={"half": "Half the card"},
        cutoffs={"half": [0.01]},
        resamples=20,
        subgroup_resamples=20,
    )
    assert evaluation.models == {"half": "Half the card"}
    cutoffs = evaluation.thresholds.query("strategy == 'half'")["cutoff"].tolist()
    assert 0.01 in cutoffs


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_an_unknown_outcome_names_the_known_ones(scored):
    with pytest.raises(ValueError, match=r"unknown outcome 'stroke'; known outcomes .*serious_cause, any_cause"):
        evaluate_frame(scored, "stroke")


def test_an_unknown_model_names_the_frames_models(scored):
    with pytest.raises(
        ValueError,
        match=r"unknown model 'forest'; the frame has these models: card \(column 'risk_serious_cause'\), tree",
    ):
        evaluate_frame(scored, models=["forest"])


def test_a_missing_column_names_what_it_is_for_and_what_exists(scored):
    with pytest.raises(ValueError, match=r"no 'age' \(the age_band subgroups\)\. Its columns: sex, duration_weeks"):
        evaluate_frame(scored.drop(columns="age"))
    with pytest.raises(ValueError, match=r"no 'nowhere' \(the model 'x'\)"):
        evaluate_frame(scored, models={"x": "nowhere"})


def test_a_frame_without_the_outcome_is_refused_naming_the_causes_present(scored):
    benign = scored[scored["latent_cause"] == "benign_lifestyle"]
    with pytest.raises(
        ValueError, match=r"no vignette has the outcome 'serious_cause' .*causes present: benign_lifestyle"
    ):
        evaluate_frame(benign)


def test_a_risk_that_is_not_a_probability_is_refused(scored):
    with pytest.raises(ValueError, match=r"model 'card': column 'risk_serious_cause' has 1 value"):
        evaluate_frame(scored.assign(risk_serious_cause=scored["risk_serious_cause"].where(scored.index != 3, 1.5)))


# --------------------------------------------------------------------------------------
# Saving and reading back
# --------------------------------------------------------------------------------------


def test_save_and_load_give_the_same_tables_and_bytes(evaluation, tmp_path):
    written = evaluation.save(tmp_path / "a")
    names = {path.name for path in written}
    assert {f"{name}.{ext}" for name in TABLES for ext in ("csv", "json")} <= names
    assert {"evaluation.json", "model_card.md", "data_sheet.md", "tripod_checklist.csv"} <= names
    again = load_evaluation(tmp_path / "a")
    for name in TABLES:
        pd.testing.assert_frame_equal(again.table(name), evaluation.table(name), check_exact=True)
    assert again.record() == evaluation.record()
    again.save(tmp_path / "b")
    for path in written:
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes(), path.name
    assert json.loads((tmp_path / "a" / "evaluation.json").read_text())["n"] == N


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"evaluation\.json' is not part of an evaluation saved by Evaluation\.save"):
        load_evaluation(tmp_path)


def test_a_saved_evaluation_for_other_arguments_is_refused(evaluation, tmp_path):
    evaluation.save(tmp_path)
    with pytest.raises(ValueError, match=r"computed for other arguments: n 20000 \(asked for 5000\)"):
        evaluate_population(n=5_000, resamples=100, subgroup_resamples=50, saved=tmp_path)


# --------------------------------------------------------------------------------------
# The model card and the checklist
# --------------------------------------------------------------------------------------


def test_the_model_card_is_the_same_bytes_from_a_rebuild(evaluation, sensitivity):
    rebuilt = evaluate_sample(
        draw_sample("community", N, SEED),
        resamples=100,
        subgroup_resamples=50,
        sensitivity=sensitivity.copy(),
        sensitivity_settings={"n": 5_000, "seed": SEED},
    )
    assert model_card_markdown(rebuilt) == model_card_markdown(evaluation)


def test_the_model_card_states_the_notice_every_auc_with_its_interval_and_the_top_assumptions(evaluation):
    card = model_card_markdown(evaluation)
    assert card.startswith("# Model card")
    assert NOTICE in card
    for row in evaluation.discrimination.to_dict(orient="records"):
        assert f"| {row['label']} | {number_interval(row, 'auc', 3)} |" in card
    assert "## Sensitivity to assumptions" in card
    assert "cause share (benign)" in card  # moves the share the risk policy refers most
    for section in ("## Intended use", "## Out-of-scope use", "## Subgroups", "## Limitations", "TRIPOD+AI"):
        assert section in card


def test_the_checklist_covers_every_tripod_ai_item_once_in_order():
    checklist = tripod_checklist()
    assert list(checklist["item"]) == TRIPOD_ITEMS
    assert set(checklist["status"]) <= {"answered", "partly", "cannot"}
    assert checklist["where"].str.len().gt(10).all()
    # Those zaro cannot answer say why (most: the data are synthetic).
    cannot = checklist[checklist["status"] == "cannot"]
    assert cannot["where"].str.contains("synthetic|Not recorded|None recorded|no clusters|no treatment").all()


# --------------------------------------------------------------------------------------
# The faces: zaro evaluate, zaro compare
# --------------------------------------------------------------------------------------


def _evaluate(out: Path, *extra: str) -> object:
    arguments = ["evaluate", "--n", "5000", "--resamples", "20", "--subgroup-resamples", "20", "--no-sensitivity"]
    return CliRunner().invoke(main, [*arguments, "--out", str(out), "--no-progress", *extra])


def test_cli_writes_tables_figures_and_documents(tmp_path):
    result = _evaluate(tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    for name in TABLES:
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.json").is_file()
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert "decision_curve.html" in figures and "plotly.min.js" in figures
    assert (out / "model_card.md").read_text().startswith("# Model card")
    assert "Risk policy, expert card:" in result.output and NOTICE in result.output


def test_cli_refuses_a_folder_with_files_and_overwrite_replaces_only_its_own(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    refused = _evaluate(out)
    assert refused.exit_code == 2
    assert "exists and is not empty; pass --overwrite" in refused.output
    still_refused = _evaluate(out, "--overwrite")  # keep.txt was not written by zaro evaluate
    assert still_refused.exit_code == 2 and "holds files zaro did not write (keep.txt;" in still_refused.output
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    first = _evaluate(out)
    assert first.exit_code == 0, first.output
    listed = json.loads((out / "manifest.json").read_text())["files"]
    assert "discrimination.csv" in listed and "figures/decision_curve.html" in listed
    replaced = _evaluate(out, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    again = json.loads((out / "manifest.json").read_text())["files"]
    assert again == listed  # the same arguments give the same files, byte for byte


def test_compare_text_shows_wilson_intervals(sample):
    from scoring.analysis.compare import compare_sample, render_comparison_text

    comparison = compare_sample(sample, resamples=50)
    text = render_comparison_text(comparison)
    row = comparison.policies.loc["guideline"]
    low, high = wilson_interval(int(row["n_outcome_referred"]), int(row["n_outcome"]))
    assert "sensitivity (95% CI)" in text
    assert f"({100 * low:.1f}%-{100 * high:.1f}%)" in text
