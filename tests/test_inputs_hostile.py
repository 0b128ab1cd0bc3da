"""Hostile input: each probe of a careless or hostile user gets a clean, named refusal or the same answer.

Calibration and model files with NaN, options with a typo, integers too large for a float,
a CSV row with an extra cell, a model file without its record, a formula written with
fullwidth characters; and, over random cards' calibrations, one vignette and its CSV row
always get the same answer.
"""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
from scoring._options import OptionError, check_choice
from scoring._paths import CARDS_DIR, MODELS_DIR
from scoring.assessment import assess, assess_frame
from scoring.batch import InputError, assess_file, escape_formulas
from scoring.cli import main
from scoring.contract.errors import VignetteError
from scoring.engine.card import load_card
from scoring.engine.tree import TreeLoadError, load_tree
from scoring.engine.tree._shipped import ShippedTree

VIGNETTE = {
    "age": 66,
    "duration_weeks": 44,
    "frequency": "daily",
    "severity": "minor",
    "locations": "trunk",
    "worsening": True,
    "numbness": True,
}
HUGE = 10**400


def _copied_card(folder: Path, name: str = "copy", **calibration: Any) -> Path:
    """The default card copied under ``name``, its calibration file edited with ``calibration``."""
    card = folder / f"{name}.toml"
    shutil.copy(CARDS_DIR / "default.toml", card)
    data = json.loads((CARDS_DIR / "default.calibration.json").read_text())
    data.update(calibration)
    (folder / f"{name}.calibration.json").write_text(json.dumps(data))
    return card


# ----------------------------------------------------------------- numbers read from files


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_calibration_number_that_is_not_finite_is_refused_naming_the_file_and_entry(
    tmp_path: Path, value: float
) -> None:
    card_file = _copied_card(tmp_path, intercept=value)
    with pytest.warns(UserWarning, match=r"copy\.calibration\.json cannot be read \(intercept must be a finite"):
        card = load_card(card_file)
    assert card.calibration is None


def test_a_transport_step_that_is_not_finite_is_refused_with_its_path(tmp_path: Path) -> None:
    data = json.loads((CARDS_DIR / "default.calibration.json").read_text())
    data["transport"]["community"]["slope"] = math.nan
    card_file = _copied_card(tmp_path, transport=data["transport"])
    with pytest.warns(UserWarning, match=r"transport\.community\.slope must be a finite number"):
        assert load_card(card_file).calibration is None


def test_a_nan_calibration_gives_one_answer_for_a_vignette_and_its_csv_row(tmp_path: Path) -> None:
    card_file = _copied_card(tmp_path, "nan", intercept=math.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = assess(VIGNETTE, card=str(card_file), policy="risk", tree=None)
        frame = assess_frame(pd.DataFrame([VIGNETTE]), card=str(card_file), policy="risk", tree=None)
    assert frame.scored["recommendation"].astype(str).tolist() == [one.recommendation.value]


def test_a_tree_record_whose_transport_is_nan_is_refused(tmp_path: Path) -> None:
    record = json.loads((MODELS_DIR / "tree.json").read_text())
    record["transport"]["community"]["intercept"] = math.nan
    (tmp_path / "tree.json").write_text(json.dumps(record))
    with pytest.raises(TreeLoadError, match=r"transport\.community\.intercept must be a finite number"):
        ShippedTree.from_record(tmp_path)


def test_a_definition_number_written_as_nan_is_refused() -> None:
    from scoring.engine._definitions import Number, Strict

    class Entry(Strict):
        share: Number

    with pytest.raises(ValueError, match="must be a finite number"):
        Entry.model_validate({"share": math.nan})


_risk_tables = st.fixed_dictionaries(
    {
        "intercept": st.floats(-12, 4, allow_nan=False),
        "slope": st.floats(0, 2, allow_nan=False),
        "red_flag_probability": st.floats(0, 1, allow_nan=False),
        "community": st.tuples(st.floats(-3, 3, allow_nan=False), st.floats(0.05, 3, allow_nan=False)),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=_risk_tables, rows=st.lists(st.integers(0, 2**31), min_size=3, max_size=6))
def test_random_calibrations_give_a_vignette_and_its_csv_row_the_same_answer(
    tmp_path_factory: pytest.TempPathFactory, table: dict[str, Any], rows: list[int]
) -> None:
    from scoring.engine.synth import generate_vignettes

    folder = tmp_path_factory.mktemp("calibrated")
    data = json.loads((CARDS_DIR / "default.calibration.json").read_text())
    step = dict(data["transport"]["community"], intercept=table["community"][0], slope=table["community"][1])
    card_file = _copied_card(
        folder,
        intercept=table["intercept"],
        slope=table["slope"],
        red_flag_probability=table["red_flag_probability"],
        transport={"community": step},
    )
    card = load_card(card_file)
    assert card.calibration is not None and card.calibration.intercept == table["intercept"]
    vignettes = generate_vignettes(len(rows), seed=rows[0]).drop(columns=["latent_cause", "triage", "narrative"])
    vignettes.to_csv(folder / "in.csv", index=False)
    summary = assess_file(folder / "in.csv", folder / "out.csv", card=card_file, policy="risk", engine="pandas")
    scored = pd.read_csv(folder / "out.csv")
    assert summary.rows_scored == len(rows)
    for record, answer in zip(vignettes.to_dict("records"), scored["recommendation"]):
        record = {k: v for k, v in record.items() if k != "vignette_id"}
        assert assess(record, card=card, policy="risk").recommendation.value == answer


# ----------------------------------------------------------------- options with fixed values


def test_check_choice_names_the_option_and_what_is_allowed() -> None:
    with pytest.raises(OptionError, match=r"^extra must be 'error', 'keep' or 'drop' \(got 'Error'\)$"):
        check_choice("extra", "Error", ("error", "keep", "drop"))
    assert check_choice("engine", None, ("duckdb", "pandas", None)) is None
    with pytest.raises(OptionError):
        check_choice("engine", True, (1, "pandas"))  # True is not 1


def test_a_typo_in_extra_no_longer_switches_the_unknown_column_check_off() -> None:
    frame = pd.DataFrame([dict(VIGNETTE, breathing_dificulty=True)])
    with pytest.raises(OptionError, match=r"extra must be 'error', 'keep' or 'drop' \(got 'Error'\)"):
        assess_frame(frame, extra="Error")  # type: ignore[arg-type]
    with pytest.raises(VignetteError, match="breathing_dificulty"):
        assess_frame(frame, extra="error")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: assess(VIGNETTE, tree=123), r"tree must be 'default' or None, or the path"),  # type: ignore[arg-type]
        (lambda: assess(VIGNETTE, policy=["risk"]), r"policy must be 'guideline' or 'risk'|policy must be"),  # type: ignore[arg-type]
        (lambda: assess(VIGNETTE, population=3), r"population must be a population name"),  # type: ignore[arg-type]
        (lambda: assess_frame(pd.DataFrame([VIGNETTE]), tree=1.5), r"tree must be"),  # type: ignore[arg-type]
        (lambda: scoring.to_sql(tree=object()), r"tree must be"),
    ],
    ids=["assess-tree", "assess-policy", "assess-population", "frame-tree", "sql-tree"],
)
def test_a_wrong_option_value_is_a_clean_error_naming_what_is_allowed(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_an_unknown_engine_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"engine must be 'duckdb', 'pandas' or None \(got 'DuckDB'\)"):
        assess_file(tmp_path / "missing.csv", tmp_path / "out.csv", engine="DuckDB")  # type: ignore[arg-type]


# ----------------------------------------------------------------- huge integers


def test_a_huge_integer_is_a_field_error_in_assess_explain_and_json() -> None:
    for vignette in (dict(VIGNETTE, age=HUGE), json.dumps(dict(VIGNETTE, age=HUGE))):
        with pytest.raises(VignetteError, match=r"age: out of range: above the maximum .*allowed: a whole number"):
            assess(vignette, tree=None)
    runner = CliRunner()
    for command in ("assess", "explain"):
        result = runner.invoke(main, [command, json.dumps(dict(VIGNETTE, age=-HUGE))])
        assert result.exit_code == 2, result.output
        assert "age: out of range: zaro is for adults" in result.output and "Traceback" not in result.output


def test_a_huge_integer_in_an_object_column_rejects_its_row_and_scores_the_rest() -> None:
    frame = pd.DataFrame([dict(VIGNETTE, age=HUGE), dict(VIGNETTE, age=40), dict(VIGNETTE, age=np.uint64(2**64 - 1))])
    frame["age"] = frame["age"].astype(object)
    result = assess_frame(frame, tree=None)
    assert (result.n_input, len(result.scored), result.n_rejected) == (3, 1, 2)
    assert result.rejected["reason"].tolist() == ["out of range: above the maximum"] * 2


# ----------------------------------------------------------------- malformed CSV rows


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_a_csv_row_with_an_extra_cell_is_rejected_with_its_number(tmp_path: Path, engine: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "vignette_id,age,duration_weeks,frequency,severity,locations\n"
        "a,40,4,daily,minor,calf\n"
        "b,41,4,daily,minor,calf,EXTRA,MORE\n"
        "c,42,4,daily,minor\n"  # too few cells: the missing locations is the row's problem
        "d,43,4,daily,minor,calf\n",
        encoding="utf-8",
    )
    summary = assess_file(source, tmp_path / "out.csv", engine=engine, tree=None)
    assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (4, 2, 2)
    rejects = pd.read_csv(tmp_path / "out.rejects.csv")
    assert rejects[["row", "vignette_id", "field"]].values.tolist() == [[2, "b", "(row)"], [3, "c", "locations"]]
    assert rejects["reason"][0] == "8 cells where the header names 6 columns"
    assert rejects["value"][0] == "EXTRA,MORE"
    assert pd.read_csv(tmp_path / "out.csv")["vignette_id"].tolist() == ["a", "d"]


def test_both_engines_write_the_same_files_for_a_csv_with_uneven_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = ["age,duration_weeks,frequency,severity,locations"]
    rows += [f"{30 + i},4,daily,minor,calf" + (",x" if i % 7 == 3 else "") for i in range(40)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for engine in ("pandas", "duckdb"):
        assess_file(source, tmp_path / f"{engine}.csv", engine=engine, chunk_rows=9)
    assert (tmp_path / "pandas.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    assert (tmp_path / "pandas.rejects.csv").read_bytes() == (tmp_path / "duckdb.rejects.csv").read_bytes()
    assert pd.read_csv(tmp_path / "pandas.rejects.csv")["row"].tolist() == [4, 11, 18, 25, 32, 39]


# ----------------------------------------------------------------- model files


def test_a_tree_file_without_its_record_is_refused(tmp_path: Path) -> None:
    shutil.copy(MODELS_DIR / "tree.skops", tmp_path / "tree.skops")
    with pytest.raises(TreeLoadError, match=r"has no tree\.json next to it, so its sha256 cannot be checked"):
        load_tree(tmp_path / "tree.skops")
    result = CliRunner().invoke(main, ["assess", "--tree", str(tmp_path / "tree.skops"), json.dumps(VIGNETTE)])
    assert result.exit_code == 2 and "tree.json" in result.output and "Traceback" not in result.output


# ----------------------------------------------------------------- formula guard


@pytest.mark.parametrize("cell", ["\uff1d1+1", "\uff0bcmd", "\uff0d2+3", "\uff20SUM(A1)", "\ufe661", "\ufe62x"])
def test_a_formula_in_compatibility_characters_is_escaped(cell: str) -> None:
    assert escape_formulas(pd.DataFrame({"vignette_id": [cell]}))["vignette_id"].tolist() == ["'" + cell]


def test_the_duckdb_engine_escapes_the_same_fullwidth_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame([dict(VIGNETTE, vignette_id="\uff1d1+1"), dict(VIGNETTE, vignette_id="\uff11")])
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    for engine in ("pandas", "duckdb"):
        assess_file(source, tmp_path / f"{engine}.csv", engine=engine, tree=None)
    assert (tmp_path / "pandas.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    assert pd.read_csv(tmp_path / "pandas.csv")["vignette_id"].tolist() == ["'\uff1d1+1", "\uff11"]
