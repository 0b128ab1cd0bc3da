"""The package's layers, checked from the source: an import never points up.

From the bottom: the contract (fields, validation, features, conditions, the recommendation
scale) ← wording (user-facing text that every layer may show) ← results (the types the engine
produces) ← engine (cards, calibration, tree, ladder, generator, metrics) ← assess ← analysis
(explain, compare, evaluate) ← faces (plots, widgets, report, data, batch, cli, app). Imports inside
functions and under ``TYPE_CHECKING`` count too: a cycle hidden in a function is still a
cycle. The package root re-exports names from every layer and stands above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scoring"

#: Layers from the bottom; a module belongs to the first layer whose prefix matches.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contract", ("scoring._version", "scoring._paths", "scoring._outputs", "scoring._options", "scoring.contract")),
    ("wording", ("scoring.wording",)),
    ("results", ("scoring.results",)),
    ("engine", ("scoring.engine",)),
    ("assess", ("scoring.assessment",)),
    ("analysis", ("scoring.analysis", "scoring.evaluate")),
    (
        "faces",
        (
            "scoring.plots",
            "scoring.widgets",
            "scoring.report",
            "scoring.data",
            "scoring.batch",
            "scoring.sql",
            "scoring.spark",
            "scoring.cli",
            "scoring.app",
            "scoring.__main__",
            "scoring.refit",
        ),
    ),
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str | None:
    for name, prefixes in LAYERS:
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return name
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every ``scoring`` module a file imports, with its line number (relative imports resolved)."""
    return scoring_imports(path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py")


def scoring_imports(source: str, here: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    package = here if is_package else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from scoring import wording`` imports the submodule, not just the package.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names if target == "scoring"]
    return [(line, name) for line, name in found if name == "scoring" or name.startswith("scoring.")]


SOURCES = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py" or path.parent != PACKAGE)


def test_every_module_has_a_layer():
    unplaced = [module_name(path) for path in SOURCES if layer_of(module_name(path)) is None]
    assert not unplaced, f"add these modules to a layer in tests/test_layers.py: {unplaced}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: module_name(path))
def test_imports_never_point_up(path):
    here = module_name(path)
    own = layer_of(here)
    assert own is not None
    upward = []
    for line, target in imported_modules(path):
        if target == "scoring":
            upward.append(f"line {line}: the package root (import the module that defines the name instead)")
            continue
        theirs = layer_of(target)
        if theirs is not None and RANK[theirs] > RANK[own]:
            upward.append(f"line {line}: {target} ({theirs})")
    assert not upward, f"{here} ({own}) imports from a higher layer: " + "; ".join(upward)


def test_the_checker_sees_imports_inside_functions_and_relative_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from scoring.analysis import explain\n"
        "def f():\n    from scoring.assessment import assess\n    from ...report import build_reports\n"
    )
    found = [name for _, name in scoring_imports(source, "scoring.engine.card._model")]
    assert found == ["scoring.analysis", "scoring.assessment", "scoring.report"]
    assert all(RANK[layer_of(name)] > RANK["engine"] for name in found)


def test_root_names_stay_functions_after_their_modules_are_imported():
    # A submodule named like a root function would replace it on import (``scoring.assess``
    # once was both): importing every module must leave the root's names as they are.
    import importlib
    import inspect

    import scoring

    for path in SOURCES:
        name = module_name(path)
        if name.startswith(("scoring.spark", "scoring.widgets", "scoring.app", "scoring.__main__")):
            continue  # optional extras, or the command line itself; they hold no root name
        importlib.import_module(name)
    for name in ("assess", "assess_frame", "assess_file", "load_card", "generate_vignettes", "to_sql"):
        assert inspect.isfunction(getattr(scoring, name)), f"scoring.{name} is {getattr(scoring, name)!r}"
