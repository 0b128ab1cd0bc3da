"""The notebooks in notebooks/ (a link to scoring/notebooks/): thin, committed clean, running top to bottom.

Each notebook runs in a fresh python3 kernel twice: as people open it (``interactive =
True``: live widgets, here) and as the reports run it (``interactive = False``: static
figures, in the report site the suite builds once, ``site`` in conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from scoring import NOTICE
from scoring._paths import PACKAGE_DIR
from scoring.app import PACKAGED_EXPLORER
from scoring.report._notebooks import kernel_environment

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"explorer", "points_card", "decision_tree", "risk_models", "card_vs_tree", "what_if"}
CELL_TIMEOUT = 600


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _ids(paths):
    return [path.stem for path in paths]


def test_every_notebook_is_present():
    assert EXPECTED <= {path.stem for path in NOTEBOOKS}


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True)


def _committed(path: Path) -> bytes:
    """The notebook as committed (HEAD), or as staged when it is new; skip outside a git checkout."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot read the committed notebooks")
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout (an unpacked sdist?): nothing committed to check")
    relative = path.resolve().relative_to(ROOT).as_posix()
    for revision in (f"HEAD:{relative}", f":{relative}"):
        shown = _git("show", revision)
        if shown.returncode == 0:
            return shown.stdout
    pytest.fail(f"{relative} is neither committed nor staged: git add it", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs_or_execution_counts(path):
    # What git holds, not the working copy: JupyterLab saves outputs into an open notebook,
    # and the nbstripout filter (set up by make) strips them on the way into a commit.
    nb = nbformat.reads(_committed(path).decode("utf-8"), as_version=4)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} were committed with outputs or execution counts; "
        "run 'make' once (it sets up the nbstripout git filter), then 'git add' the notebook again"
    )


def test_git_strips_notebook_outputs_on_commit():
    attributes = (ROOT / ".gitattributes").read_text("utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in attributes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_opens_with_its_purpose_and_the_notice(path):
    first = _read(path).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith("# "), "the first cell starts with the notebook's title"
    assert NOTICE in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_first_code_cell_holds_the_parameters(path):
    first_code = _code_cells(_read(path))[0]
    assert "parameters" in first_code.metadata.get("tags", [])
    assert "interactive = True" in first_code.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_is_thin(path):
    # Logic belongs in the package: no definitions, loops or path hacks in cells.
    for cell in _code_cells(_read(path)):
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("#"))
        for forbidden in ("sys.path", "def ", "class ", "for ", "while ", "lambda"):
            assert forbidden not in code, f"{path.name}: {forbidden!r} in a cell"


def test_one_copy_of_the_notebooks_ships_in_the_package():
    # notebooks/ is a link to scoring/notebooks/: the files people open are the files the
    # wheel ships and `zaro app` and `zaro report` run.
    assert NOTEBOOK_DIR.is_symlink() and NOTEBOOK_DIR.resolve() == PACKAGE_DIR / "notebooks"


def test_the_python3_kernel_runs_this_python():
    # In a virtualenv the kernels must import the venv's packages, not the base interpreter's.
    from jupyter_client.manager import start_new_kernel

    printed: list[str] = []

    def keep_stdout(message) -> None:
        if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
            printed.append(message["content"]["text"])

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive("import sys; print(sys.prefix)", output_hook=keep_stdout, timeout=120)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert "".join(printed).strip() == sys.prefix


def test_the_app_serves_the_explorer():
    assert PACKAGED_EXPLORER == PACKAGE_DIR / "notebooks" / "explorer.ipynb"


def _inject(nb: nbformat.NotebookNode, parameters: dict) -> None:
    """Papermill's convention: a cell with the new values right after the ``parameters`` cell."""
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in parameters.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    position = next(i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(position, cell)


@pytest.mark.slow
@pytest.mark.xdist_group("notebook-kernels")  # not with the report site's tests: they have enough on one worker
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_executes_top_to_bottom_in_a_fresh_kernel(path, record_property):
    from nbclient import NotebookClient

    nb = _read(path)
    _inject(nb, {"interactive": True})
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    started = time.perf_counter()
    # The reports' kernel environment: this package first on PYTHONPATH, plotly inlined.
    client.execute(env=kernel_environment())  # raises CellExecutionError naming the cell
    seconds = time.perf_counter() - started
    record_property("seconds", round(seconds, 2))
    errors = [output for cell in _code_cells(nb) for output in cell.outputs if output.output_type == "error"]
    assert not errors
    assert any(cell.outputs for cell in _code_cells(nb)), f"{path.name} showed nothing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_executes_top_to_bottom_as_the_reports_run_it(path, site):
    # The site build ran every notebook with interactive = False in a fresh kernel and stops
    # at the first cell that raises; what is left to see is that each one showed something.
    from scoring.report._pages import notebook_page_name

    page = site.out_dir / "notebooks" / f"{notebook_page_name(path.stem)}.html"
    assert page in site.notebook_pages, f"{path.name} has no page in the report site"
    text = page.read_text(encoding="utf-8")
    assert "output_error" not in text, f"{path.name} shows an error"
    assert 'class="output_area"' in text, f"{path.name} showed nothing"
