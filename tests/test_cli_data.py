"""`zaro generate`, `zaro validate` and `zaro fit` (the learned card): the data set and the models from the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.data import read_vignettes_csv
from scoring.engine.synth import generate_vignettes


def test_generate_writes_the_same_bytes_as_the_api(tmp_path):
    out = tmp_path / "v.csv"
    result = CliRunner().invoke(main, ["generate", "--n", "200", "--seed", "11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "200 vignettes (seed 11)" in result.output
    written = pd.read_csv(out, keep_default_na=False)
    expected = generate_vignettes(200, 11)
    assert list(written.columns) == list(expected.columns)
    assert list(written["vignette_id"]) == list(expected["vignette_id"])
    assert (tmp_path / "v.meta.json").is_file() and (tmp_path / "README.md").is_file()
    again = tmp_path / "again.csv"
    CliRunner().invoke(main, ["generate", "--n", "200", "--seed", "11", "--out", str(again), "--no-readme"])
    assert again.read_bytes() == out.read_bytes()


def test_generate_a_community_data_set_records_its_population(tmp_path):
    out = tmp_path / "community.csv"
    result = CliRunner().invoke(
        main, ["generate", "--n", "300", "--seed", "4", "--population", "community", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "300 vignettes (seed 4) of the community population written to" in result.output
    written = read_vignettes_csv(out)
    expected = generate_vignettes(300, 4, population="community")
    assert written.equals(expected)
    assert not written.equals(generate_vignettes(300, 4))
    meta = json.loads((tmp_path / "community.meta.json").read_text(encoding="utf-8"))
    assert meta["population"] == "community" and meta["n"] == 300
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "from the `community` population (adults who notice twitching)" in readme
    assert "zaro generate --n 300 --seed 4 --population community --out data/community.csv" in readme
    assert "| `community` (this file) |" in readme
    # Each generator number is listed with its value as the shipped definitions give it.
    numbness = _shipped_generator()["flags"]["numbness"]["benign_lifestyle"]["p"]
    assert f"| `flags.numbness.benign_lifestyle` | p = {numbness:g} | A |" in readme


def _shipped_generator() -> dict:
    import tomllib

    from scoring._paths import DEFINITIONS_DIR

    return tomllib.loads((DEFINITIONS_DIR / "generator.toml").read_text(encoding="utf-8"))


def test_generate_defaults_to_the_enriched_population(tmp_path):
    out = tmp_path / "v.csv"
    assert CliRunner().invoke(main, ["generate", "--n", "50", "--out", str(out), "--no-readme"]).exit_code == 0
    assert json.loads((tmp_path / "v.meta.json").read_text(encoding="utf-8"))["population"] == "enriched"
    assert read_vignettes_csv(out).equals(generate_vignettes(50, 7))


def test_generate_an_unknown_population_lists_the_known_ones(tmp_path):
    out = tmp_path / "v.csv"
    result = CliRunner().invoke(main, ["generate", "--n", "10", "--population", "general", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown population 'general'; known populations: enriched, community" in result.output
    assert "Traceback" not in result.output and not out.exists()
    shown = CliRunner().invoke(main, ["generate", "--help"])
    assert "--population [enriched|community]" in shown.output


def test_validate_reports_every_rejected_row_and_exits_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "vignette_id,age,duration_weeks,frequency,severity,locations\n"
        "a,34,2,daily,minor,eyelid\n"
        "b,12,2,daily,minor,eyelid\n"
        "c,40,x,weekly,minor,knee\n"
    )
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "3 rows read, 1 valid, 2 rejected (4 problems)" in result.output
    assert "row 2: age: out of range" in result.output
    rejects = pd.read_csv(tmp_path / "bad.rejects.csv", keep_default_na=False)
    assert sorted(set(rejects["vignette_id"])) == ["b", "c"]
    assert set(rejects["field"]) == {"age", "duration_weeks", "frequency", "locations"}


def test_validate_a_clean_file_exits_0(tmp_path):
    good = tmp_path / "good.csv"
    generate_vignettes(50, 2).to_csv(good, index=False)
    result = CliRunner().invoke(main, ["validate", str(good)])
    assert result.exit_code == 0
    assert "50 rows read, 50 valid, 0 rejected" in result.output


def test_validate_unknown_column_is_one_clear_line(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("age,duration_weeks,frequency,severity,locations,colour\n34,2,daily,minor,eyelid,red\n")
    result = CliRunner().invoke(main, ["validate", str(odd)])
    assert result.exit_code == 2
    assert "colour: unknown field" in result.output
    assert CliRunner().invoke(main, ["validate", str(odd), "--keep-extra"]).exit_code == 0


def test_outputs_never_overwrite_the_input(tmp_path):
    source = tmp_path / "v.csv"
    generate_vignettes(30, 1).to_csv(source, index=False)
    before = source.read_bytes()
    for args in (
        ["assess", str(source), "--out", str(source)],
        ["assess", str(source), "--out", str(tmp_path / "o.csv"), "--rejects", str(source)],
        ["validate", str(source), "--rejects", str(source)],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and "are the same file" in result.output, args
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b'age,duration_weeks,frequency,severity,locations\n34,3,daily,minor,"eyelid\n', "is not a readable CSV file"),
        (b"age,duration_weeks\n\xff\xfe\xfa,3\n", "is not UTF-8 text"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_unreadable_csv_files_give_one_line_and_status_2(tmp_path, content, message, command):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    args = [command, str(bad)] + (["--out", str(tmp_path / "o.csv")] if command == "assess" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_validate_and_assess_read_the_same_cells_the_same_way(tmp_path):
    text = "age,duration_weeks,frequency,severity,locations,weakness\n34,3,daily,minor,eyelid,NA\n34,3,daily,minor,eyelid,no\n"
    path = tmp_path / "na.csv"
    path.write_text(text)
    validated = CliRunner().invoke(main, ["validate", str(path)])
    assessed = CliRunner().invoke(main, ["assess", str(path), "--out", str(tmp_path / "o.csv")])
    assert "2 rows read, 1 valid, 1 rejected" in validated.output
    assert "2 rows read, 1 scored, 1 rejected" in assessed.output


def test_missing_json_file_is_named(tmp_path):
    result = CliRunner().invoke(main, ["assess", str(tmp_path / "nothere.json")])
    assert result.exit_code == 2 and "nothere.json: no such file" in result.output


def test_validate_keeps_an_existing_rejects_file_unless_overwrite(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("vignette_id,age,duration_weeks,frequency,severity,locations\n=1+1,12,2,daily,minor,eyelid\n")
    assert CliRunner().invoke(main, ["validate", str(bad)]).exit_code == 1
    rejects = tmp_path / "bad.rejects.csv"
    first = rejects.read_bytes()
    assert pd.read_csv(rejects)["vignette_id"].tolist() == ["'=1+1"]  # formula-safe by default
    again = CliRunner().invoke(main, ["validate", str(bad)])
    assert again.exit_code == 2 and "bad.rejects.csv already exists" in again.stderr
    raw = CliRunner().invoke(main, ["validate", str(bad), "--overwrite", "--no-formula-guard"])
    assert raw.exit_code == 1 and rejects.read_bytes() != first
    assert pd.read_csv(rejects)["vignette_id"].tolist() == ["=1+1"]


# --------------------------------------------------------------------------------------
# zaro fit: the learned card
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_learned_only_rebuilds_the_shipped_learned_card_byte_for_byte(tmp_path):
    """The shipped recipe (about 8 s of CPU); tests/test_risk_score.py refits a small one twice."""
    from scoring.engine.card import calibration_path, load_card

    shipped = load_card("learned")
    result = CliRunner().invoke(main, ["fit", "--learned-only", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["learned.calibration.json", "learned.toml"]
    assert (tmp_path / "learned.toml").read_bytes() == shipped.path.read_bytes()
    assert (tmp_path / "learned.calibration.json").read_bytes() == calibration_path(shipped.path).read_bytes()
    # It says what it chose, item by item, with the card's own labels.
    assert f"Learned card: {len(shipped.items)} items for serious_cause" in result.output
    assert f"k = {len(shipped.items)} is the smallest size within 0.005 held-out AUC of k = 8" in result.output
    for item in shipped.items:
        assert f"  {item.points:+d}  {item.label}\n" in result.output
    assert f"Wrote {tmp_path / 'learned.toml'} and {tmp_path / 'learned.calibration.json'}" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tree-only", "--learned-only"], "give --tree-only or --learned-only, not both"),
        (["--learned-only", "--data", "{data}"], "--data is the tree's training CSV"),
    ],
)
def test_fit_options_that_contradict_each_other_are_one_line(tmp_path, arguments, message):
    data = tmp_path / "vignettes.csv"
    generate_vignettes(20, 3).to_csv(data, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["fit", *(a.format(data=data) for a in arguments), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
