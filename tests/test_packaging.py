"""A plain (non-editable) install works: the wheel carries the package data zaro needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        check=True,
    )
    (path,) = out.glob("zaro-*.whl")
    return path


def test_wheel_carries_definitions_cards_model_and_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in [
        "scoring/definitions/fields.toml",
        "scoring/definitions/generator.toml",
        "scoring/definitions/triage.toml",
        "scoring/cards/default.toml",
        "scoring/cards/default.calibration.json",
        "scoring/models/tree.skops",
        "scoring/models/tree.json",
        "scoring/notebooks/explorer.ipynb",
    ]:
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert any(name.endswith("entry_points.txt") for name in names)


def test_installed_wheel_assesses_outside_the_checkout(wheel, tmp_path):
    # A fresh environment that sees the shared dependencies but imports zaro only from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], check=True
    )
    script = (
        "import scoring, json; "
        "a = scoring.assess({'age': 30, 'duration_weeks': 1, 'frequency': 'daily', 'severity': 'minor', 'locations': 'tongue'}); "
        "print(json.dumps({'file': scoring.__file__, 'rec': a.recommendation.value, 'tree': a.tree is not None, "
        "'probability': a.probability, "
        "'n': len(scoring.load_default_vignettes())}))"
    )
    result = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    import json

    info = json.loads(result.stdout)
    assert str(ROOT) not in info["file"]
    assert info == {**info, "rec": "urgent", "tree": True, "n": 5000}
    assert info["probability"] == 1.0  # the card's calibration ships with it
    cli = subprocess.run([str(venv / "bin" / "zaro"), "--version"], capture_output=True, text=True, check=True)
    assert cli.stdout.strip().startswith("zaro, version ")
