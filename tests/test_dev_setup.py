"""The checkout's own set-up: git keeps working after `make run`, and pytest finds every test.

`make run` sets nbstripout up as a *required* git filter for notebooks; if the tool were not
installed with it, every `git status` in the checkout would fail. And the suite is run as
plain ``pytest`` as often as ``python -m pytest``: both must collect the same tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _extra(name: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["optional-dependencies"][name]


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def _installed_extra() -> str:
    """The extra `make run` installs (its ``install`` target), read from the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = re.search(r"^install:.*?\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert install, "the Makefile has no install target"
    extra = re.search(r'--editable "\.\[(\w+)\]"', install.group(1))
    assert extra, f"the install target installs no extra:\n{install.group(1)}"
    return extra.group(1)


def test_make_run_installs_the_notebook_filter_it_sets_up():
    assert "nbstripout" in _requirement_names(_extra(_installed_extra()))


def _git(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_git_works_in_a_clean_clone_after_the_notebook_filter_is_set_up(tmp_path):
    if _git(ROOT, "rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout (an unpacked sdist?)")
    clone = tmp_path / "clone"
    cloned = subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], capture_output=True, text=True)
    assert cloned.returncode == 0, cloned.stderr
    # The Makefile's own target, with this interpreter standing for the project's venv.
    made = subprocess.run(
        [
            "make",
            "-C",
            str(clone),
            "--no-print-directory",
            "notebook-filter",
            f"PYTHON={sys.executable}",
            "VENV_READY=",
        ],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert _git(clone, "config", "filter.nbstripout.required").stdout.strip() == "true"

    # A notebook saved with an output, as JupyterLab would: git has to run the filter on it.
    notebook = next((clone / "notebooks").glob("*.ipynb"))
    content = json.loads(notebook.read_text(encoding="utf-8"))
    code = next(cell for cell in content["cells"] if cell["cell_type"] == "code")
    code["execution_count"] = 1
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hello\n"]}]
    notebook.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")

    status = _git(clone, "status", "--porcelain")
    assert status.returncode == 0, status.stderr
    # The filter stripped what was added: to git, the notebook is unchanged.
    diff = _git(clone, "diff", "--quiet", "--", str(notebook.relative_to(clone)))
    assert diff.returncode == 0, diff.stderr or _git(clone, "diff").stdout


def _collected(command: list[str], environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*command, "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _node_ids(process: subprocess.Popen[str]) -> list[str]:
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output
    return [line for line in output.splitlines() if "::" in line]


def _whole_run_ids(config: pytest.Config, session: pytest.Session) -> list[str] | None:
    """The tests under tests/ this very session collected, when it collected all of them unfiltered."""
    options = config.option
    filtered = (
        options.keyword or options.markexpr or getattr(options, "deselect", None) or getattr(options, "lf", False)
    )
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS or filtered:
        return None
    return [item.nodeid for item in session.items if item.nodeid.startswith("tests/")]


def test_plain_pytest_and_python_m_pytest_collect_the_same_tests(request, tmp_path):
    pytest_script = Path(sys.executable).with_name("pytest")
    if not pytest_script.is_file():
        pytest.skip(f"no pytest script next to {sys.executable}")
    # Only the package on the path, as an install gives it (developers add the checkout with
    # PYTHONPATH=$PWD, which would hide a test that imports its helpers another way).
    installed = tmp_path / "site"
    installed.mkdir()
    (installed / "scoring").symlink_to(ROOT / "scoring", target_is_directory=True)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    environment["PYTHONPATH"] = str(installed)
    plain = _collected([str(pytest_script)], environment)
    # A whole run (make test runs `python -m pytest`) has collected every test already: compare
    # with that; a run of a few files collects again the other way.
    module_ids = _whole_run_ids(request.config, request.session)
    if module_ids is None:
        module_ids = _node_ids(_collected([sys.executable, "-m", "pytest"], environment))
    plain_ids = _node_ids(plain)
    assert plain_ids, "plain pytest collected nothing"
    assert plain_ids == module_ids
