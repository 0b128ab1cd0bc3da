"""The shipped data set: byte-for-byte regeneration, provenance, README, CSV round trips."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import scoring
from scoring import data
from scoring._paths import DEFAULT_N_VIGNETTES, DEFAULT_SEED
from scoring.contract.schema import FIELDS
from scoring.data import (
    load_default_vignettes,
    read_vignettes_csv,
    validate_csv,
    write_dataset,
    write_vignettes_csv,
)
from scoring.engine.synth import GENERATOR_VERSION, generate_vignettes, load_triage_ladder

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    write_dataset(folder / "vignettes.csv", n=DEFAULT_N_VIGNETTES, seed=DEFAULT_SEED)
    return folder


@pytest.mark.parametrize("name", ["vignettes.csv", "vignettes.meta.json", "README.md"])
def test_shipped_files_equal_a_fresh_regeneration(regenerated, name):
    assert (SHIPPED / name).read_bytes() == (regenerated / name).read_bytes(), (
        f"data/{name} is stale: run {data.regenerate_command()}"
    )


def test_meta_records_provenance_and_the_csv_hash():
    meta = json.loads((SHIPPED / "vignettes.meta.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256((SHIPPED / "vignettes.csv").read_bytes()).hexdigest()
    assert meta == {
        "file": "vignettes.csv",
        "generator_version": GENERATOR_VERSION,
        "label_noise": 0.0,
        "n": DEFAULT_N_VIGNETTES,
        "population": "enriched",
        "seed": DEFAULT_SEED,
        "sha256": meta["sha256"],
        "zaro_version": scoring.__version__,
    }


def test_readme_documents_fields_ladder_assumptions_and_notice():
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    assert scoring.NOTICE in text
    assert "zaro generate --n 5000 --seed 7 --out data/vignettes.csv" in text
    for spec in FIELDS:
        assert f"| `{spec.name}` |" in text
    for rule in load_triage_ladder():
        assert f"| `{rule.id}` | `{rule.level}` |" in text
    assert "## Sourced and assumed numbers" in text and "S: Mattiuzzi 2024" in text


def test_shipped_csv_reads_back_to_the_generated_frame():
    frame = read_vignettes_csv(SHIPPED / "vignettes.csv")
    expected = generate_vignettes(DEFAULT_N_VIGNETTES, DEFAULT_SEED)
    assert frame.dtypes.equals(expected.dtypes)
    assert frame.equals(expected)


def test_shipped_csv_passes_validation_as_text():
    checked = validate_csv(SHIPPED / "vignettes.csv")
    assert checked.n_input == DEFAULT_N_VIGNETTES and checked.n_rejected_rows == 0


def test_validate_csv_reports_bad_cells_by_row(tmp_path):
    frame = generate_vignettes(5, seed=1)
    frame["age"] = frame["age"].astype("str")
    frame.loc[1, "age"] = "twelve"
    frame.loc[3, "locations"] = "eyelid;elbow"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    checked = validate_csv(path)
    assert checked.n_input == 5 and len(checked.valid) == 3
    assert checked.rejected[["row", "field"]].values.tolist() == [[2, "age"], [4, "locations"]]


def test_validate_csv_rejects_a_row_with_extra_cells_by_its_number_and_checks_the_rest(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "age,duration_weeks,frequency,severity,locations\n"
        "30,1,daily,minor,calf\n"
        "40,2,daily,minor,calf,EXTRA,MORE\n"
        "300,1,daily,minor,calf\n"
        "50,1,daily,minor,eyelid\n",
        encoding="utf-8",
    )
    checked = validate_csv(path)
    assert checked.n_input == 4 == len(checked.valid) + checked.n_rejected_rows
    assert checked.valid["age"].tolist() == [30, 50] and checked.valid.index.tolist() == [0, 3]
    assert checked.rejected[["row", "field", "value"]].values.tolist() == [
        [2, "(row)", "EXTRA,MORE"],
        [3, "age", "300"],
    ]


def test_chunked_csv_writing_gives_the_same_bytes(tmp_path, monkeypatch):
    frame = generate_vignettes(2000, seed=3)
    whole = write_vignettes_csv(frame, tmp_path / "whole.csv")
    monkeypatch.setattr(data, "_WRITE_CHUNK_ROWS", 333)
    chunked = write_vignettes_csv(frame, tmp_path / "chunked.csv", progress=True)
    assert whole == chunked
    assert (tmp_path / "whole.csv").read_bytes() == (tmp_path / "chunked.csv").read_bytes()
    assert (tmp_path / "whole.csv").read_bytes() == frame.to_csv(
        index=False, float_format=data.CSV_FLOAT_FORMAT, lineterminator="\n"
    ).encode()


def test_load_default_vignettes_from_the_checkout_and_without_it(monkeypatch):
    expected = generate_vignettes(DEFAULT_N_VIGNETTES, DEFAULT_SEED)
    from_file = load_default_vignettes()
    assert from_file.dtypes.equals(expected.dtypes) and from_file.equals(expected)
    monkeypatch.setattr(data, "project_root", lambda: None)  # as from an installed wheel
    assert data.default_dataset_path() is None
    regenerated = load_default_vignettes()
    assert regenerated.dtypes.equals(expected.dtypes) and regenerated.equals(expected)


def test_a_foreign_readme_is_not_overwritten(tmp_path):
    (tmp_path / "README.md").write_text("my notes\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="not generated by zaro"):
        files = write_dataset(tmp_path / "v.csv", n=50, seed=1)
    assert files.readme is None
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my notes\n"
    assert files.meta == tmp_path / "v.meta.json"
    assert json.loads(files.meta.read_text(encoding="utf-8"))["n"] == 50


def test_regenerated_frame_with_noise_round_trips(tmp_path):
    frame = generate_vignettes(1000, seed=2, label_noise=0.03)
    path = tmp_path / "noisy.csv"
    write_vignettes_csv(frame, path)
    back = read_vignettes_csv(path)
    assert back.equals(frame)
    assert not pd.isna(back).any().any()
