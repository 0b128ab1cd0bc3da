"""`zaro assess FILE --out OUT`: the command line over scoring.batch.assess_file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.engine.synth import generate_vignettes


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("in") / "in.csv"
    frame = generate_vignettes(120, seed=9).astype({"age": object})
    frame.loc[[3, 77], "age"] = [15, "old"]
    frame.loc[0, "vignette_id"] = '=HYPERLINK("http://x.example")'
    frame.to_csv(path, index=False)
    return path


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_file_with_rejected_rows_exits_1_and_accounts_for_every_row(tmp_path, source):
    result = run("assess", source, "--out", tmp_path / "o.csv", "--chunk-size", 50, "--no-progress")
    assert result.exit_code == 1
    assert result.stdout == "120 rows read, 118 scored, 2 rejected\n"
    assert result.stderr == f"scored rows: {tmp_path / 'o.csv'}; rejected rows: {tmp_path / 'o.rejects.csv'}\n"
    assert pd.read_csv(tmp_path / "o.rejects.csv")["row"].tolist() == [4, 78]


def test_a_clean_file_exits_0(tmp_path):
    path = tmp_path / "clean.csv"
    generate_vignettes(30, seed=1).to_csv(path, index=False)
    result = run("assess", path, "--out", tmp_path / "o.csv")
    assert result.exit_code == 0 and result.stdout == "30 rows read, 30 scored, 0 rejected\n"


def test_an_existing_output_is_kept_unless_overwrite(tmp_path, source):
    out = tmp_path / "o.csv"
    out.write_text("previous\n")
    result = run("assess", source, "--out", out)
    assert result.exit_code == 2 and "o.csv already exists" in result.stderr
    assert out.read_text() == "previous\n"
    assert run("assess", source, "--out", out, "--overwrite").exit_code == 1
    assert len(pd.read_csv(out)) == 118


def test_a_hard_link_to_the_input_is_refused_and_the_input_kept(tmp_path, source):
    link = tmp_path / "linked.csv"
    os.link(source, link)
    before = source.read_bytes()
    result = run("assess", source, "--out", link, "--overwrite")
    assert result.exit_code == 2 and "are the same file" in result.stderr
    assert source.read_bytes() == before


def test_formula_guard_is_on_by_default_and_can_be_turned_off(tmp_path, source):
    run("assess", source, "--out", tmp_path / "safe.csv")
    run("assess", source, "--out", tmp_path / "raw.csv", "--no-formula-guard")
    safe = pd.read_csv(tmp_path / "safe.csv", keep_default_na=False)
    raw = pd.read_csv(tmp_path / "raw.csv", keep_default_na=False)
    assert safe["vignette_id"].iloc[0] == '\'=HYPERLINK("http://x.example")'
    assert raw["vignette_id"].iloc[0] == '=HYPERLINK("http://x.example")'
    assert safe.drop(columns="vignette_id").equals(raw.drop(columns="vignette_id"))


def test_parquet_output_keeps_types(tmp_path, source):
    result = run("assess", source, "--out", tmp_path / "o.parquet")
    assert result.exit_code == 1
    scored = pd.read_parquet(tmp_path / "o.parquet")
    assert len(scored) == 118 and scored["points_total"].dtype.kind == "i"
    assert (tmp_path / "o.rejects.csv").is_file()


def test_header_only_file_gives_the_header_with_result_columns(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("vignette_id,age,duration_weeks,frequency,severity,locations\n")
    result = run("assess", path, "--out", tmp_path / "o.csv")
    assert result.exit_code == 0 and result.stdout == "0 rows read, 0 scored, 0 rejected\n"
    assert "recommendation" in (tmp_path / "o.csv").read_text().splitlines()[0].split(",")


# --------------------------------------------------------------------------------------
# Signals: a real process, stopped while it writes
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    generate_vignettes(10_000, seed=4).to_csv(path, index=False)
    return path


def start_assess(source: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scoring", "assess", str(source), "--out", str(out), "--overwrite"]
        + ["--chunk-size", "200", "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_partial_output(folder: Path, process: subprocess.Popen) -> None:
    """Wait until the run has written part of its output into a temporary file."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        partial = [p for p in folder.iterdir() if p.name.startswith(".o.csv.") and p.name.endswith(".tmp")]
        if any(p.stat().st_size > 0 for p in partial):  # the run's lock file (.o.csv.lock.tmp) stays empty
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    pytest.fail("the run wrote nothing within 2 minutes")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_leave_the_previous_output_and_no_temporary_file(tmp_path, big_source, how):
    out = tmp_path / "o.csv"
    out.write_text("previous good output\n")
    process = start_assess(big_source, out)
    wait_for_partial_output(tmp_path, process)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "Interrupted." and "Traceback" not in stderr
    assert out.read_text() == "previous good output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv"]


def test_sigkill_leaves_only_a_file_that_does_not_look_finished(tmp_path, big_source):
    out = tmp_path / "o.csv"
    process = start_assess(big_source, out)
    wait_for_partial_output(tmp_path, process)
    process.kill()
    process.communicate(timeout=60)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert not out.exists() and not (tmp_path / "o.rejects.csv").exists()
    assert left and all(name.startswith(".o.") and name.endswith(".tmp") for name in left), left


# --------------------------------------------------------------------------------------
# One vignette: risks for a population, both policies, the chosen one's answer
# --------------------------------------------------------------------------------------

#: Three weeks of calf and eyelid twitching at 30 and nothing else: the NHS policy refers; the
#: card's chance of a serious cause for adults who notice twitching is below the risk policy's threshold.
PERSISTENT_TWITCH = (
    '{"age": 30, "duration_weeks": 3, "frequency": "daily", "severity": "minor", "locations": "eyelid;calf"}'
)

#: How cautious each recommendation is, to check the combined answer against its parts.
_LEVEL = {"self_care": 0, "see_doctor": 1, "urgent": 2}


def _label(population: str) -> str:
    from scoring.engine.populations import load_population

    label = load_population(population).label
    return label[:1].lower() + label[1:]


def _policy_label(policy: str) -> str:
    from scoring.engine.policies import load_policy

    return load_policy(policy).label


def test_one_vignette_shows_the_risk_for_its_population_and_both_policies():
    from scoring import NOTICE

    result = run("assess", PERSISTENT_TWITCH)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    nhs = _policy_label("nhs")
    assert lines[0] == f"Recommendation: See a doctor, from the {nhs} policy"
    assert f"Chance of a serious cause, for {_label('community')}:" in lines
    assert any(line.startswith("  Default card ") and "where fitted" in line for line in lines)
    assert f"{nhs}: See a doctor   <- what you are told" in lines
    assert "Risk-based: Self-care" in lines
    short = nhs.split(" (")[0]  # the label without its gloss, as a sentence names it
    assert any(line.startswith(f"The two policies differ: {short} says See a doctor") for line in lines)
    assert "  points     LR  item" in lines  # each scored item's likelihood ratio next to its points
    assert lines[-1] == NOTICE


def test_the_policy_option_chooses_whose_answer_is_the_recommendation():
    result = run("assess", PERSISTENT_TWITCH, "--policy", "risk")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Recommendation: Self-care, from the risk-based policy"
    assert "Risk-based: Self-care   <- what you are told" in lines
    assert f"{_policy_label('nhs')}: See a doctor" in lines  # still shown


def test_the_population_option_changes_the_stated_risk():
    community = run("assess", PERSISTENT_TWITCH).stdout.splitlines()
    enriched = run("assess", PERSISTENT_TWITCH, "--population", "enriched").stdout.splitlines()
    assert f"Chance of a serious cause, for {_label('enriched')}:" in enriched
    card = [line for line in community if line.startswith("  Default card ")]
    moved = [line for line in enriched if line.startswith("  Default card ")]
    assert card and moved and card != moved


def test_json_names_the_population_and_the_policy():
    import json

    from scoring.engine.policies import load_policy

    result = run("assess", PERSISTENT_TWITCH, "--json", "--population", "enriched", "--policy", "risk")
    data = json.loads(result.stdout)
    assert data["population"] == "enriched" and data["policy"] == "risk"
    assert data["risk"]["population"] == "enriched"
    # The risk policy reads the card's risk for the learning mix, which is higher than the
    # community's: its thresholds decide the answer; the NHS policy still refers.
    level = int(load_policy("risk").risk_levels([data["risk"]["probability"]])[0])
    assert data["risk_policy"]["recommendation"] == ["self_care", "see_doctor", "urgent"][level]
    assert data["recommendation"] == data["risk_policy"]["recommendation"] and data["decided_by"] == "policy"
    assert data["guideline"]["recommendation"] == "see_doctor"
    community = json.loads(run("assess", PERSISTENT_TWITCH, "--json", "--policy", "risk").stdout)
    assert community["population"] == "community" and community["recommendation"] == "self_care"


@pytest.mark.parametrize("option, value, known", [("--population", "village", "enriched"), ("--policy", "coin", "nhs")])
def test_an_unknown_population_or_policy_is_one_line_naming_it_and_the_known_ones(option, value, known):
    result = run("assess", PERSISTENT_TWITCH, option, value)
    assert result.exit_code == 2
    assert f"{value!r}" in result.stderr and known in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _most_cautious(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per row, the most cautious recommendation among the columns."""
    levels = frame[columns].apply(lambda column: column.map(_LEVEL))
    return levels.max(axis=1).map({level: name for name, level in _LEVEL.items()})


def _assert_told_is_the_most_cautious(frame: pd.DataFrame, policy_column: str, counted: list[str]) -> None:
    """The answer is the policy's, raised only by the floor and the models it counts; the policy decides ties."""
    assert (frame["recommendation"] == _most_cautious(frame, [policy_column, *counted])).all()
    own = frame["decided_by"] == "policy"
    assert (frame.loc[own, "recommendation"] == frame.loc[own, policy_column]).all()
    raised = frame.loc[~own]
    assert (raised["recommendation"].map(_LEVEL) > raised[policy_column].map(_LEVEL)).all()


def test_a_file_is_scored_for_the_population_and_policy_asked_for(tmp_path):
    path = tmp_path / "in.csv"
    generate_vignettes(200, seed=3).to_csv(path, index=False)
    assert run("assess", path, "--out", tmp_path / "default.csv", "--engine", "pandas").exit_code == 0
    result = run("assess", path, "--out", tmp_path / "risk.csv", "--population", "enriched", "--policy", "risk")
    assert result.exit_code == 0, result.output
    default, risk = pd.read_csv(tmp_path / "default.csv"), pd.read_csv(tmp_path / "risk.csv")
    # Under the NHS policy the card and the floor may raise the answer, the tree does not.
    _assert_told_is_the_most_cautious(
        default, "guideline_recommendation", ["floor_recommendation", "card_recommendation"]
    )
    assert (default["decided_by"] == "policy").mean() > 0.9
    # Under the risk policy the tree's level counts too.
    _assert_told_is_the_most_cautious(
        risk, "risk_policy_recommendation", ["floor_recommendation", "card_recommendation", "tree_recommendation"]
    )
    assert (default["recommendation"] != risk["recommendation"]).any()
    # The same card, its risks stated for another population.
    assert (risk["risk_serious_cause"] != default["risk_serious_cause"]).any()


def test_both_engines_score_a_file_for_the_population_and_policy_asked_for(tmp_path):
    path = tmp_path / "in.csv"
    generate_vignettes(60, seed=3).to_csv(path, index=False)
    scored = {}
    for engine in ("duckdb", "pandas"):
        out = tmp_path / f"{engine}.csv"
        options = ("--engine", engine, "--population", "enriched", "--policy", "risk")
        result = run("assess", path, "--out", out, *options)
        assert result.exit_code == 0, result.output
        scored[engine] = pd.read_csv(out)
        _assert_told_is_the_most_cautious(
            scored[engine],
            "risk_policy_recommendation",
            ["floor_recommendation", "card_recommendation", "tree_recommendation"],
        )
    assert scored["duckdb"]["recommendation"].tolist() == scored["pandas"]["recommendation"].tolist()
    assert scored["duckdb"]["decided_by"].tolist() == scored["pandas"]["decided_by"].tolist()
    assert np.allclose(scored["duckdb"]["risk_serious_cause"], scored["pandas"]["risk_serious_cause"], rtol=1e-9)


# --------------------------------------------------------------------------------------
# zaro card: the card and its risk table in a stated population
# --------------------------------------------------------------------------------------


def _risk_rows(output: str) -> list[list[str]]:
    """The rows of the printed risk table, split on runs of two or more spaces."""
    import re

    lines = output.split("\n\n")
    table = next(block for block in lines if block.lstrip().startswith("total"))
    return [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()]


def test_card_learned_prints_the_card_and_its_community_risk_table():
    from scoring.engine.calibration import risk_table
    from scoring.engine.card import load_card, render_card_text
    from scoring.wording import risk_percent

    card = load_card("learned")
    result = CliRunner().invoke(main, ["card", "--card", "learned"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(render_card_text(card))
    text = " ".join(result.output.split())
    assert "Risk table: the risk of serious_cause (serious cause) for each points total without a red flag, " in text
    assert "in the community population (adults who notice twitching)" in text
    assert "moved to community by prior shift" in text
    table = risk_table(card, population="community")
    # One risk for a red flag, stated once with its source in words, matching the table's attributes.
    red_flag = f"the risk for anyone with a red flag is {risk_percent(table.attrs['red_flag_risk'])} (enriched: "
    assert f"With a red flag the points total is not used: {red_flag}" in text
    assert f"(enriched: {risk_percent(table.attrs['red_flag_risk_trained'])}); by age band: " in text
    rows = _risk_rows(result.output)
    bands = ["aged 18–39", "aged 40–49", "aged 50–64", "aged 65+"]  # each age band's own risk
    assert rows[0] == [
        "total", "band", "recommendation", "risk (community)", *bands, "risk (enriched)", "n", "with outcome",
        "observed (enriched)",
    ]  # fmt: skip
    assert len(rows) - 1 == card.max_total - card.min_total + 1
    for row, (total, entry) in zip(rows[1:], table.iterrows()):
        assert row[:4] == [str(total), entry["band"], entry["recommendation"], risk_percent(entry["risk"])]
        assert row[8] == risk_percent(entry["risk_trained"])
        assert row[9:11] == [f"{entry['n']:,}", f"{entry['n_outcome']:,}"]
    assert "Cards available: default, learned, strict" in result.output


def test_card_risk_table_in_the_enriched_population_shows_one_risk_column():
    result = CliRunner().invoke(main, ["card", "--card", "learned", "--population", "enriched"])
    assert result.exit_code == 0, result.output
    rows = _risk_rows(result.output)
    assert rows[0] == ["total", "band", "recommendation", "risk (enriched)", "n", "with outcome", "observed (enriched)"]
    assert "prior shift" not in result.output
    community = _risk_rows(CliRunner().invoke(main, ["card", "--card", "learned"]).output)
    # The enriched risks are the community table's training column.
    trained = community[0].index("risk (enriched)")
    assert [r[3] for r in rows[1:]] == [r[trained] for r in community[1:]]


def test_card_with_an_unknown_population_lists_the_known_ones():
    result = CliRunner().invoke(main, ["card", "--card", "learned", "--population", "mars"])
    assert result.exit_code == 2
    assert "unknown population 'mars'; known populations: enriched, community" in result.output
