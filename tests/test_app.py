"""`zaro app` without a browser: which notebook it serves and how it starts Voilà."""

from __future__ import annotations

import os
import sys

import pytest
from click.testing import CliRunner

import scoring.app as app
from scoring._paths import PACKAGE_DIR, project_root
from scoring.cli import main


def test_serves_the_checkout_notebook_in_a_checkout():
    assert project_root() is not None
    assert app.explorer_notebook() == project_root() / "notebooks" / "explorer.ipynb"


def test_serves_the_packaged_copy_without_a_checkout(monkeypatch):
    monkeypatch.setattr(app, "project_root", lambda: None)
    assert app.explorer_notebook() == PACKAGE_DIR / "notebooks" / "explorer.ipynb"


def test_says_where_it_looked_when_no_notebook_exists(monkeypatch, tmp_path):
    monkeypatch.setattr(app, "project_root", lambda: tmp_path)
    monkeypatch.setattr(app, "PACKAGED_EXPLORER", tmp_path / "missing.ipynb")
    with pytest.raises(FileNotFoundError, match="zaro\\[notebooks\\]") as caught:
        app.explorer_notebook()
    assert str(tmp_path / "notebooks" / "explorer.ipynb") in str(caught.value)


def test_voila_listens_on_localhost_with_code_hidden():
    command = app.voila_command(port=9123, open_browser=False)
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert command[3].endswith("explorer.ipynb")
    for flag in ("--port=9123", "--Voila.ip=127.0.0.1", "--strip_sources=True", "--no-browser"):
        assert flag in command
    assert "--no-browser" not in app.voila_command(open_browser=True)


def test_kernels_import_this_zaro():
    path = app.kernel_environment()["PYTHONPATH"].split(os.pathsep)
    assert path[0] == str(PACKAGE_DIR.parent)


def test_cli_help_names_the_options():
    result = CliRunner().invoke(main, ["app", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--no-browser" in result.output and "8866" in result.output


def test_cli_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["app", "--port", "0"])
    assert result.exit_code != 0 and "--port" in result.output
