"""The site build (`zaro report`): notebooks, case pages and the index, written in one go."""

from __future__ import annotations

import concurrent.futures
import functools
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring._paths import CARDS_DIR, DEFINITIONS_DIR, PACKAGE_DIR, project_root
from scoring.report import _assets
from scoring.report._case_page import case_page
from scoring.report._cases import ReportCase, as_case, check_distinct_pages, example_cases
from scoring.report._errors import ReportError, unwritable
from scoring.report._index import index_page
from scoring.report._model_card_page import MODEL_CARD_PAGE, evaluation_files, model_card_page
from scoring.report._pages import notebook_page, notebook_page_name
from scoring.report._provenance import Provenance, collect_provenance
from scoring.report._site import MANIFEST_NAME, manifest, write_site

#: Notebooks in reading order; any others found follow alphabetically.
NOTEBOOK_ORDER = ("points_card", "decision_tree", "risk_models", "evaluation", "card_vs_tree", "what_if", "explorer")
#: Parameters injected into every notebook: static output, no live widgets. A notebook
#: whose parameters cell declares ``comparison_file`` also gets the comparison the build
#: computed for the index, and one that declares ``evaluation_dir`` the evaluation the model
#: card page shows, so it shows the same numbers without computing them again.
NOTEBOOK_PARAMETERS = {"interactive": False}


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_reports` wrote.

    Attributes
    ----------
    out_dir : Path
    index : Path
        The page to open first.
    notebook_pages, case_pages : tuple of Path
    files : tuple of Path
        Every file written, sorted (pages, the plotly.js asset, the manifest).
    warnings : tuple of str
        Things a reader of the build log should know (a notebook wrote to stderr, no
        notebooks were found, ...).
    seconds : float
        Wall-clock time of the build.
    """

    out_dir: Path
    index: Path
    notebook_pages: tuple[Path, ...]
    case_pages: tuple[Path, ...]
    files: tuple[Path, ...]
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def summary(self) -> str:
        """A few lines saying where things went."""
        lines = [
            f"Reports written to {self.out_dir}/ in {self.seconds:.1f} s",
            f"  open {self.index}",
            f"  {len(self.notebook_pages)} notebook pages, {len(self.case_pages)} case pages",
        ]
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _notebooks_dir(notebooks_dir: str | Path | None) -> Path | None:
    if notebooks_dir is not None:
        path = Path(notebooks_dir)
        if not path.is_dir():
            raise ReportError(f"notebooks directory {str(path)!r} not found")
        return path
    root = project_root()
    if root is not None and (root / "notebooks").is_dir():
        return root / "notebooks"
    shipped = PACKAGE_DIR / "notebooks"
    return shipped if shipped.is_dir() else None


def find_notebooks(notebooks_dir: str | Path | None = None) -> list[Path]:
    """The analysis notebooks a build executes, in reading order.

    Looks in ``notebooks_dir``, else the checkout's ``notebooks/``, else the copy shipped in
    the package; returns ``[]`` when there is none (a wheel install without notebooks).
    Checkpoint copies (``.ipynb_checkpoints``) are ignored.
    """
    folder = _notebooks_dir(notebooks_dir)
    if folder is None:
        return []
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    rank = {name: i for i, name in enumerate(NOTEBOOK_ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def _load_tree() -> Any:
    from scoring.engine.tree import default_tree

    try:
        return default_tree()
    except FileNotFoundError as exc:
        raise ReportError(f"{exc}. Run `zaro run` (or `zaro fit`) first.") from None


def _notebook_runner() -> tuple[Callable[..., list[Any]], type[Exception]]:
    try:
        from scoring.report._notebooks import NotebookRunError, execute_notebooks
    except ImportError as exc:
        raise ReportError(
            f"executing the notebooks needs the notebook tools ({exc.name} is missing): pip install 'zaro[notebooks]'"
        ) from None
    return execute_notebooks, NotebookRunError


def _check_writable(out: Path) -> None:
    """Fail before the slow part when ``out`` cannot take files (naming the folder)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".zaro-write-check-"):
            pass
    except OSError as exc:
        raise unwritable(out, exc) from None


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


@dataclass
class _Pages:
    """What the build has rendered so far (file name to bytes) and what the index links."""

    files: dict[str, bytes]
    warnings: list[str] = field(default_factory=list)
    notebooks: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)


def _render_cases(
    pages: _Pages, cases: Sequence[ReportCase], slugs: Sequence[str], models: tuple[Any, Any, Provenance], tick: Any
) -> None:
    card, tree, provenance = models
    for case, slug in zip(cases, slugs):
        html, entry = case_page(case, slug=slug, card=card, tree=tree, provenance=provenance)
        pages.files[f"cases/{slug}.html"] = html.encode("utf-8")
        pages.cases.append(entry)
        tick()


def _results(runs: Sequence[concurrent.futures.Future[list[Any]]], notebook_error: type[Exception]) -> list[Any]:
    """Every run's executed notebooks; a ReportError naming every failed notebook if any failed."""
    executed, failures = [], []
    for run in runs:
        try:
            executed.extend(run.result())
        except notebook_error as exc:
            failures.append(str(exc))
    if failures:
        raise ReportError("\n\n".join(failures))
    return executed


#: The report's sensitivity analysis: fewer vignettes per setting than ``zaro evaluate`` (a
#: build stays quick; the model card states the size), the same seed.
REPORT_SENSITIVITY_N = 10_000

#: Files whose contents decide a sensitivity analysis: the definitions and the cards.
_SENSITIVITY_INPUTS = (DEFINITIONS_DIR, CARDS_DIR)


def _inputs_key() -> str:
    """A hash of every definition and card file: a sensitivity analysis depends on nothing else."""
    import hashlib

    digest = hashlib.sha256()
    for folder in _SENSITIVITY_INPUTS:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=2)
def _sensitivity(population: str, n: int, seed: int, inputs_key: str) -> Any:
    """The report's sensitivity analysis, computed once per process for the same definitions.

    It is the slow part of an evaluation and the same for every build from the same files
    (``inputs_key``), so rebuilding a site in one process (tests, a long session) reuses it.
    """
    from scoring.evaluate import sensitivity_analysis

    return sensitivity_analysis(population, n=n, seed=seed)


def _evaluate(sample: Any) -> Any:
    """The build's evaluation of the comparison's own scored sample, with the report's sensitivity analysis."""
    from scoring.evaluate import DEFAULT_SENSITIVITY_SEED, evaluate_sample

    table = _sensitivity(sample.population, REPORT_SENSITIVITY_N, DEFAULT_SENSITIVITY_SEED, _inputs_key())
    settings = {"n": REPORT_SENSITIVITY_N, "seed": DEFAULT_SENSITIVITY_SEED}
    return evaluate_sample(sample, sensitivity=table.copy(), sensitivity_settings=settings)


def _execute_and_compare(
    pages: _Pages,
    *,
    notebook_paths: Sequence[Path],
    cases: Sequence[ReportCase],
    slugs: Sequence[str],
    models: tuple[Any, Any, Provenance],
    tick: Callable[[], Any],
) -> tuple[Any, Any, list[Any]]:
    """Run the notebooks, compute the comparison and the evaluation once, render the case pages: overlapped.

    Kernels run in their own processes. Notebooks that declare neither ``comparison_file`` nor
    ``evaluation_dir`` start at once; those that declare ``comparison_file`` start when the
    comparison is saved, and those that declare ``evaluation_dir`` when the evaluation is
    (both from one scored sample), and read them back.
    """
    from scoring.analysis.compare import compare_sample, draw_sample
    from scoring.report._notebooks import declared_parameters

    execute_notebooks, notebook_error = _notebook_runner()
    declared = {path: declared_parameters(path) for path in notebook_paths}
    wanting_evaluation = [path for path in notebook_paths if "evaluation_dir" in declared[path]]
    wanting = [
        path for path in notebook_paths if "comparison_file" in declared[path] and path not in wanting_evaluation
    ]
    others = [path for path in notebook_paths if path not in wanting and path not in wanting_evaluation]

    def run(paths: list[Path], parameters: dict[str, Any]) -> Any:
        return pool.submit(execute_notebooks, paths, NOTEBOOK_PARAMETERS | parameters, on_done=lambda nb: tick())

    with tempfile.TemporaryDirectory(prefix="zaro-report-") as scratch:
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            runs = [run(others, {})]
            sample = draw_sample(tree=models[1])
            comparison = compare_sample(sample)
            saved: dict[str, Any] = {"comparison_file": str(comparison.save(Path(scratch) / "comparison.json"))}
            runs.append(run(wanting, saved))
            evaluation = _evaluate(sample)
            evaluation.save(Path(scratch) / "evaluation")
            runs.append(run(wanting_evaluation, saved | {"evaluation_dir": str(Path(scratch) / "evaluation")}))
            _render_cases(pages, cases, slugs, models, tick)
            executed = _results(runs, notebook_error)
    order = {path: rank for rank, path in enumerate(notebook_paths)}
    return comparison, evaluation, sorted(executed, key=lambda nb: order[nb.source])


def _render_site(
    pages: _Pages,
    *,
    notebook_paths: Sequence[Path],
    cases: Sequence[ReportCase],
    slugs: Sequence[str],
    models: tuple[Any, Any, Provenance],
    tick: Callable[[], Any],
) -> None:
    """Every page, the index and the manifest into ``pages.files`` (nothing written yet)."""
    card, tree, provenance = models
    comparison, evaluation, executed = _execute_and_compare(
        pages, notebook_paths=notebook_paths, cases=cases, slugs=slugs, models=models, tick=tick
    )
    pages.files[MODEL_CARD_PAGE] = model_card_page(evaluation, provenance=provenance).encode("utf-8")
    pages.files.update(evaluation_files(evaluation))
    for nb in executed:
        html, nb_warnings = notebook_page(nb, provenance=provenance)
        name = notebook_page_name(nb.name)
        pages.files[f"notebooks/{name}.html"] = html.encode("utf-8")
        pages.warnings.extend(nb.warnings + nb_warnings)
        pages.notebooks.append({"href": f"notebooks/{name}.html", "title": nb.title, "source": nb.source.name})
    pages.files["index.html"] = index_page(
        card=card,
        tree=tree,
        comparison=comparison,
        provenance=provenance,
        notebooks=pages.notebooks,
        cases=pages.cases,
        notebooks_missing=not notebook_paths,
        evaluation=evaluation,
    ).encode("utf-8")
    pages.files[MANIFEST_NAME] = manifest(pages.files, provenance)


# --------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------


def build_reports(
    out_dir: str | Path = "reports",
    *,
    progress: bool = True,
    cases: Iterable[Any] | None = None,
    notebooks_dir: str | Path | None = None,
) -> BuildResult:
    """Execute the analysis notebooks and write the HTML reports.

    Parameters
    ----------
    out_dir : str or Path, default "reports"
        Where the site goes (created if needed). Files a previous build wrote and this one
        does not are removed; nothing else in the folder is touched.
    progress : bool, default True
        Show a progress bar (tqdm, on stderr).
    cases : iterable, optional
        Vignettes for case pages: :class:`ReportCase`, dicts, Vignettes or paths to JSON
        files. Default: the examples in ``definitions/report_cases.toml``. Each case's page
        is named after its id (see :attr:`ReportCase.slug`); two cases with the same id are
        refused.
    notebooks_dir : str or Path, optional
        Folder of notebooks to execute. Default: the checkout's ``notebooks/`` (or the copy
        shipped in the package); without either, only the index and case pages are built.

    Returns
    -------
    BuildResult

    Raises
    ------
    ReportError
        If the shipped tree is missing, a notebook fails (naming it and the error), two
        cases would share a page, or ``out_dir`` cannot be written to (naming it).
    VignetteError
        If a case breaks the vignette contract.

    Examples
    --------
    >>> result = build_reports("reports", progress=False)   # doctest: +SKIP
    >>> print(result.summary())                             # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    from scoring.engine.card import load_card

    started = time.perf_counter()
    out = Path(out_dir)
    notebook_paths = find_notebooks(notebooks_dir)
    _notebook_runner()  # a missing notebook tool is reported before any work
    case_list = [as_case(c) for c in (example_cases() if cases is None else cases)]
    slugs = check_distinct_pages(case_list)
    _check_writable(out)
    card, tree = load_card(), _load_tree()
    provenance = collect_provenance(card)
    pages = _Pages(files={f"assets/{_assets.plotly_asset_name()}": _assets.plotlyjs_source().encode("utf-8")})
    if not notebook_paths:
        pages.warnings.append(
            "no notebooks found (a wheel install without a checkout): only the index and case pages were built"
        )
    # None: tqdm shows the bar only on a terminal, so CI logs stay free of redraws.
    bar = tqdm(
        total=len(notebook_paths) + len(case_list) + 1,
        desc="zaro report",
        unit="page",
        disable=None if progress else True,
        leave=True,
    )
    try:
        _render_site(
            pages,
            notebook_paths=notebook_paths,
            cases=case_list,
            slugs=slugs,
            models=(card, tree, provenance),
            tick=lambda: bar.update(1),
        )
        written = write_site(out, pages.files)
        bar.update(1)
    finally:
        bar.close()
    return BuildResult(
        out_dir=out,
        index=out / "index.html",
        notebook_pages=tuple(out / "notebooks" / f"{notebook_page_name(p.stem)}.html" for p in notebook_paths),
        case_pages=tuple(out / "cases" / f"{slug}.html" for slug in slugs),
        files=tuple(written),
        warnings=tuple(pages.warnings),
        seconds=time.perf_counter() - started,
    )
