"""The notebooks in notebooks/: thin, committed clean, and running top to bottom.

Each notebook runs in a fresh python3 kernel twice: as people open it (``interactive =
True``: live widgets) and as the reports run it (``interactive = False``: static figures).
"""

from __future__ import annotations

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
EXPECTED = {"explorer", "points_card", "decision_tree", "card_vs_tree", "what_if"}
CELL_TIMEOUT = 600


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _ids(paths):
    return [path.stem for path in paths]


def test_every_notebook_is_present():
    assert EXPECTED <= {path.stem for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs_or_execution_counts(path):
    nb = _read(path)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts; clear them"


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_packaged_copy_is_identical(path):
    # Wheels have no notebooks/ folder: `zaro app` and `zaro report` use the copies shipped
    # in scoring/notebooks/, which must be the very files reviewed and tested here.
    packaged = PACKAGE_DIR / "notebooks" / path.name
    assert packaged.is_file(), f"scoring/notebooks/{path.name} is missing: copy {path.name} there"
    assert packaged.read_bytes() == path.read_bytes(), (
        f"scoring/notebooks/{path.name} differs from notebooks/{path.name}: copy it over"
    )


def test_no_packaged_notebook_without_a_source():
    shipped = {path.name for path in (PACKAGE_DIR / "notebooks").glob("*.ipynb")}
    assert shipped == {path.name for path in NOTEBOOKS}


def test_the_app_serves_the_explorer():
    assert PACKAGED_EXPLORER == PACKAGE_DIR / "notebooks" / "explorer.ipynb"


def _inject(nb: nbformat.NotebookNode, parameters: dict) -> None:
    """Papermill's convention: a cell with the new values right after the ``parameters`` cell."""
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in parameters.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    position = next(i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(position, cell)


@pytest.mark.slow
@pytest.mark.parametrize("interactive", [True, False], ids=["interactive", "static"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_executes_top_to_bottom_in_a_fresh_kernel(path, interactive, record_property):
    from nbclient import NotebookClient

    nb = _read(path)
    _inject(nb, {"interactive": interactive})
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
