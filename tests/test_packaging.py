"""A plain (non-editable) install works: the wheel carries the package data zaro needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``command``; on failure, fail the test with the command and its output."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited with code {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}",
            pytrace=False,
        )
    return result


def _site_dirs() -> list[str]:
    """The folders the running interpreter imports installed packages from (a venv's and the system's)."""
    # The project's .venv lives inside the checkout: its site-packages counts like any other.
    return [
        entry for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages") and Path(entry).is_dir()
    ]


def _clean_environment() -> dict[str, str]:
    # PYTHONPATH would put the checkout back on the path (developers run with PYTHONPATH=$PWD).
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)])
    (path,) = out.glob("zaro-*.whl")
    return path


def test_wheel_carries_definitions_cards_model_notebooks_and_app_template(wheel):
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
        "scoring/app/template/voila/templates/zaro/index.html.j2",
        "scoring/app/template/voila/templates/zaro/conf.json",
        "scoring/py.typed",
    ]:
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert any(name.endswith("entry_points.txt") for name in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv that imports zaro only from the wheel and its dependencies from this environment.

    Whatever runs the tests (a system Python, a virtualenv, CI), the new venv sees the running
    interpreter's site-packages through a ``.pth`` file: ``--system-site-packages`` would show it
    the base interpreter's instead, which lacks the dependencies when the tests run in a venv.
    A ``.pth`` file adds those folders to the path without running the ``.pth`` files inside
    them, so an editable install of zaro there stays invisible.
    """
    venv = tmp_path_factory.mktemp("installed") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    Path(purelib, "zaro-test-dependencies.pth").write_text("\n".join(_site_dirs()) + "\n", encoding="utf-8")
    # Without the checkout on PYTHONPATH: pip would take its zaro.egg-info for an installed zaro.
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)]
    _run(install, env=_clean_environment())
    return venv


def test_installed_wheel_assesses_outside_the_checkout(installed, tmp_path):
    script = (
        "import scoring, json; "
        "a = scoring.assess({'age': 30, 'duration_weeks': 1, 'frequency': 'daily', 'severity': 'minor', 'locations': 'tongue'}); "
        "print(json.dumps({'file': scoring.__file__, 'rec': a.recommendation.value, 'tree': a.tree is not None, "
        "'probability': a.probability, "
        "'n': len(scoring.load_default_vignettes())}))"
    )
    result = _run([str(installed / "bin" / "python"), "-c", script], cwd=tmp_path, env=_clean_environment())
    info = json.loads(result.stdout)
    assert str(ROOT) not in info["file"] and str(installed) in info["file"]
    assert info == {**info, "rec": "urgent", "tree": True, "n": 5000}
    # The card's calibration ships with it: a red flag's risk of a serious cause, for the community.
    assert 0.0 < info["probability"] < 1.0
    cli = _run([str(installed / "bin" / "zaro"), "--version"], cwd=tmp_path, env=_clean_environment())
    assert cli.stdout.strip().startswith("zaro, version ")


def test_installed_wheel_finds_the_app_template_and_notebook(installed, tmp_path):
    script = (
        "import json, scoring.app as app; "
        "print(json.dumps({'notebook': str(app.explorer_notebook()), 'template': str(app.TEMPLATE_DIR)}))"
    )
    result = _run([str(installed / "bin" / "python"), "-c", script], cwd=tmp_path, env=_clean_environment())
    info = json.loads(result.stdout)
    assert info["notebook"].startswith(str(installed)) and info["notebook"].endswith("explorer.ipynb")
    assert Path(info["template"], "voila", "templates", "zaro", "index.html.j2").is_file()
