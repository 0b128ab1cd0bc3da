"""Reproducible HTML reports: the analysis notebooks executed to pages, plus case reports.

:func:`build_reports` writes a small static site that opens from disk, offline::

    reports/
      index.html                  summary: data set, card, tree, comparison, links
      notebooks/<name>.html       each analysis notebook, executed with interactive=False
      cases/<id>.html             one page per example vignette (see render_case)
      assets/plotly-<v>.min.js    the one copy of plotly.js every page loads
      manifest.json               every file with its size and SHA-256

Design choices:

* **plotly.js once, locally.** The bundle that ships inside the plotly package is written
  to ``assets/`` and referenced by a relative path from every page (nbconvert pages are
  post-processed to drop their inlined copy and plotly's CDN MathJax tag). Pages stay
  offline-capable at a fraction of the size. :func:`render_case` on its own inlines the
  bundle instead, so a single saved case page still works anywhere.
* **Code hidden.** Notebook pages show outputs and Markdown only; each names its notebook,
  which is where the code lives. No code also means no syntax-highlighting colours to keep
  above contrast limits.
* **Byte-identical rebuilds.** Figure divs get fixed ids; random ids nbconvert, plotly and
  widgets put into notebook output are renumbered in order of first appearance; kernels run
  with ``PYTHONHASHSEED=0``; nothing records a time. Each page states the zaro version,
  data seed and card/tree versions it was built from.
* **Escaping.** Templates are Jinja with autoescape on; nothing from input (vignette ids,
  narratives, file names, card labels) is marked safe.

Notebooks come from ``notebooks_dir``, else the source checkout's ``notebooks/``, else a
copy shipped inside the package (``scoring/notebooks``). An install with neither builds the
index and case pages only, and the index says why the notebook pages are missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from scoring._paths import DEFINITIONS_DIR, PACKAGE_DIR, project_root
from scoring._version import __version__
from scoring.contract.schema import validate_vignette
from scoring.report import _html as H
from scoring.report._case import case_context, condition_words, recommendation_text

__all__ = [
    "BuildResult",
    "ReportCase",
    "ReportError",
    "build_reports",
    "example_cases",
    "find_notebooks",
    "load_case",
    "render_case",
    "write_case_report",
]

#: Notebooks in reading order; any others found follow alphabetically.
NOTEBOOK_ORDER = ("points_card", "decision_tree", "card_vs_tree", "what_if", "explorer")
#: Parameters injected into every notebook: static output, no live widgets.
NOTEBOOK_PARAMETERS = {"interactive": False}
CASES_FILE = DEFINITIONS_DIR / "report_cases.toml"
MANIFEST_NAME = "manifest.json"


class ReportError(RuntimeError):
    """The reports could not be built; the message says what failed and how to fix it."""


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCase:
    """One vignette to report on, with what a page shows about where it came from.

    Attributes
    ----------
    vignette : Vignette
        The validated contract fields.
    case_id : str
        The vignette's id as given (any text; it is escaped, and slugified for file names).
    title : str
        Page heading.
    narrative : str or None
        Free text describing the person, if given.
    why : str or None
        Why this example is in the report.
    source_name : str or None
        The file the case was read from, if any (file name only).
    """

    vignette: Any
    case_id: str
    title: str
    narrative: str | None = None
    why: str | None = None
    source_name: str | None = None

    @property
    def slug(self) -> str:
        """The file-name-safe form of ``case_id``."""
        return H.slugify(self.case_id)


def _case_from_mapping(data: Mapping[str, Any], *, source_name: str | None = None) -> ReportCase:
    extra = {"title", "why", "id"}
    fields = {k: v for k, v in data.items() if k not in extra}
    vignette = validate_vignette(fields)  # drops vignette_id/narrative/... metadata columns
    given_id = data.get("vignette_id") or data.get("id")
    case_id = str(given_id or (Path(source_name).stem if source_name else "vignette"))
    narrative = data.get("narrative")
    title = str(data.get("title") or (f"Vignette {case_id}" if given_id or source_name else "Vignette report"))
    return ReportCase(
        vignette=vignette,
        case_id=case_id,
        title=title,
        narrative=str(narrative) if narrative not in (None, "") else None,
        why=str(data["why"]) if data.get("why") else None,
        source_name=source_name,
    )


def load_case(path: str | Path) -> ReportCase:
    """Read one vignette from a JSON file for a case report.

    The file holds one JSON object with the contract fields; ``vignette_id``, ``narrative``
    and ``title`` are optional extras shown on the page.

    Raises
    ------
    ReportError
        If the file is missing or not a JSON object.
    VignetteError
        If the fields break the vignette contract (every problem is named).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"case file {str(path)!r} not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"case file {str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"case file {str(path)!r} must hold one JSON object, got {type(data).__name__}")
    return _case_from_mapping(data, source_name=path.name)


def as_case(item: Any) -> ReportCase:
    """A :class:`ReportCase` from a case, a path to a JSON file, a dict, or a Vignette."""
    if isinstance(item, ReportCase):
        return item
    if isinstance(item, Path) or (
        isinstance(item, str) and item.endswith(".json") and not item.lstrip().startswith("{")
    ):
        return load_case(item)
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except json.JSONDecodeError as exc:
            raise ReportError(f"not a JSON object or a path to a .json file: {exc}") from None
        if not isinstance(item, dict):
            raise ReportError(f"a vignette must be a JSON object, got {type(item).__name__}")
    if isinstance(item, Mapping):
        return _case_from_mapping(item)
    vignette = validate_vignette(item)
    return ReportCase(vignette=vignette, case_id="vignette", title="Vignette report")


def example_cases() -> list[ReportCase]:
    """The example vignettes of ``definitions/report_cases.toml``, in file order."""
    with open(CASES_FILE, "rb") as handle:
        table = tomllib.load(handle)
    return [_case_from_mapping(entry) for entry in table["case"]]


# --------------------------------------------------------------------------------------
# Provenance: what a page was built from
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """The versions and seed a page was built from (shown in every page's footer)."""

    zaro_version: str = __version__
    data_n: int | None = None
    data_seed: int | None = None
    generator_version: str | None = None
    data_sha256: str | None = None
    card_name: str | None = None
    card_version: str | None = None
    tree_version: str | None = None
    plotlyjs_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _data_metadata() -> dict[str, Any]:
    """The generator's record of the default data set.

    In a checkout that is ``data/vignettes.meta.json``; without one (a wheel install) the
    data are regenerated in memory from the default ``(n, seed)`` by the installed
    generator, so that is what the record says.
    """
    from scoring._paths import DEFAULT_N_VIGNETTES, DEFAULT_SEED
    from scoring.data import default_dataset_path, meta_path_for
    from scoring.engine.synth import GENERATOR_VERSION

    path = default_dataset_path()
    if path is not None and meta_path_for(path).is_file():
        try:
            return dict(json.loads(meta_path_for(path).read_text(encoding="utf-8")))
        except (json.JSONDecodeError, OSError, TypeError, ValueError):
            pass
    return {"n": DEFAULT_N_VIGNETTES, "seed": DEFAULT_SEED, "generator_version": GENERATOR_VERSION, "file": None}


def _tree_metadata() -> dict[str, Any]:
    try:
        from scoring.engine.tree import load_tree_metadata

        return load_tree_metadata()
    except (ImportError, FileNotFoundError, OSError, ValueError):
        return {}


def _tree_version(record: Mapping[str, Any]) -> str | None:
    """A short name for the shipped tree: the zaro version that fitted it and its data hash."""
    if not record:
        return None
    sha = (record.get("data") or {}).get("sha256")
    fitted = record.get("zaro_version", "?")
    return f"fitted by zaro {fitted}" + (f" on data {sha[:12]}" if sha else "")


def collect_provenance(card: Any = None) -> Provenance:
    """Gather the zaro version, data seed and card/tree versions for page footers."""
    meta = _data_metadata()
    if card is None:
        from scoring.engine.card import load_card

        card = load_card()
    return Provenance(
        data_n=meta.get("n"),
        data_seed=meta.get("seed"),
        generator_version=meta.get("generator_version"),
        data_sha256=meta.get("sha256"),
        card_name=card.name,
        card_version=str(card.version),
        tree_version=_tree_version(_tree_metadata()),
        plotlyjs_version=H.plotlyjs_version(),
    )


def _page(
    template: str,
    *,
    provenance: Provenance,
    plotly_src: str | None | bool,
    index_href: str | None,
    breadcrumbs: Sequence[str] = (),
    **context: Any,
) -> str:
    """Render one page with the shared shell (notice, navigation, provenance footer)."""
    from scoring.wording import NOTICE

    if plotly_src is False:
        script = None
    else:
        script = H.plotly_script_tag(plotly_src if isinstance(plotly_src, str) else None)
    html = H.render_template(
        template,
        css=H.stylesheet(),
        plotly_script=script,
        provenance=provenance,
        notice=NOTICE,
        index_href=index_href,
        breadcrumbs=list(breadcrumbs),
        **context,
    )
    return html


# --------------------------------------------------------------------------------------
# Notebook pages
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


def _page_name(stem: str) -> str:
    return H.slugify(stem.replace("_", "-"), fallback="notebook")


def _notebook_page(executed: Any, *, provenance: Provenance) -> tuple[str, list[str]]:
    """Wrap one executed notebook's HTML fragment in the report shell; return page and warnings."""
    body = H.remove_inline_plotlyjs(executed.body_html)
    body, removed = H.strip_remote_resources(body)
    body = H.label_figures(body)
    warnings = [
        f"{executed.name}: removed a network resource: {tag[:120]}" for tag in removed if "mathjax" not in tag.lower()
    ]  # plotly adds a CDN MathJax tag to every figure
    html = _page(
        "report_notebook.html.j2",
        provenance=provenance,
        plotly_src=f"../assets/{H.plotly_asset_name()}",
        index_href="../index.html",
        breadcrumbs=[executed.title],
        page_title=executed.title,
        title=executed.title,
        has_h1="<h1" in body,
        source_name=f"notebooks/{executed.source.name}",
        body=Markup(body),
    )
    return H.stabilise_ids(html), warnings


# --------------------------------------------------------------------------------------
# Writing the site
# --------------------------------------------------------------------------------------


def _manifest(files: Mapping[str, bytes], provenance: Provenance) -> bytes:
    """A listing of every file with size and SHA-256: a rebuild can be checked at a glance."""
    listing = {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in sorted(files.items())
    }
    record = {"built_with": provenance.to_dict(), "files": listing}
    return (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _write_site(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` under ``out``; remove files an earlier build wrote that are gone now.

    Only files listed in the previous build's manifest are ever deleted, so pointing
    ``--out`` at a folder with other content never loses that content. Unchanged files are
    not rewritten.
    """
    out.mkdir(parents=True, exist_ok=True)
    previous: set[str] = set()
    manifest_path = out / MANIFEST_NAME
    if manifest_path.is_file():
        try:
            previous = set(json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {}))
        except (json.JSONDecodeError, AttributeError):
            previous = set()
    written = []
    for name, data in sorted(files.items()):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not (target.is_file() and target.read_bytes() == data):
            # Write then rename, so a page is never seen half-written.
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, target)
        written.append(target)
    for name in sorted(previous - set(files) - {MANIFEST_NAME}):
        stale = out / name
        if stale.is_file() and out.resolve() in stale.resolve().parents:
            stale.unlink()
            try:
                stale.parent.rmdir()  # only succeeds when the folder is now empty
            except OSError:
                pass
    return written


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


def _unique_slugs(cases: Sequence[ReportCase]) -> list[str]:
    seen: dict[str, int] = {}
    slugs = []
    for case in cases:
        slug = case.slug
        seen[slug] = seen.get(slug, 0) + 1
        slugs.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return slugs


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
        files. Default: the examples in ``definitions/report_cases.toml``.
    notebooks_dir : str or Path, optional
        Folder of notebooks to execute. Default: the checkout's ``notebooks/`` (or the copy
        shipped in the package); without either, only the index and case pages are built.

    Returns
    -------
    BuildResult

    Raises
    ------
    ReportError
        If the shipped tree is missing, or a notebook fails (naming it and the error).
    VignetteError
        If a case breaks the vignette contract.

    Examples
    --------
    >>> result = build_reports("reports", progress=False)   # doctest: +SKIP
    >>> print(result.summary())                             # doctest: +SKIP
    """
    import concurrent.futures

    from tqdm.auto import tqdm

    from scoring.engine.card import load_card

    started = time.perf_counter()
    out = Path(out_dir)
    notebook_paths = find_notebooks(notebooks_dir)
    try:
        from scoring.report._notebooks import NotebookRunError, execute_notebooks
    except ImportError as exc:
        raise ReportError(
            f"executing the notebooks needs the notebook tools ({exc.name} is missing): pip install 'zaro[notebooks]'"
        ) from None
    case_list = [as_case(c) for c in (example_cases() if cases is None else cases)]
    slugs = _unique_slugs(case_list)
    card = load_card()
    tree = _load_tree()
    provenance = collect_provenance(card)
    warnings: list[str] = []
    if not notebook_paths:
        warnings.append(
            "no notebooks found (a wheel install without a checkout): only the index and case pages were built"
        )

    asset = H.plotly_asset_name()
    files: dict[str, bytes] = {f"assets/{asset}": H.plotlyjs_source().encode("utf-8")}
    bar = tqdm(
        total=len(notebook_paths) + len(case_list) + 1,
        desc="zaro report",
        unit="page",
        # None: tqdm shows the bar only on a terminal, so CI logs stay free of redraws.
        disable=None if progress else True,
        leave=True,
    )
    try:
        # Kernels run in their own processes; render the case pages while they work.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(
                execute_notebooks,
                notebook_paths,
                NOTEBOOK_PARAMETERS,
                on_done=lambda executed: bar.update(1),
            )
            case_entries = []
            for case, slug in zip(case_list, slugs):
                html, entry = _case_page(case, slug=slug, card=card, tree=tree, provenance=provenance)
                files[f"cases/{slug}.html"] = html.encode("utf-8")
                case_entries.append(entry)
                bar.update(1)
            # The comparison on the index is the other slow piece: also while kernels run.
            metrics = _metrics_summary(card, tree)
            try:
                executed = running.result()
            except NotebookRunError as exc:
                raise ReportError(str(exc)) from None
        notebook_entries = []
        for nb in executed:
            html, nb_warnings = _notebook_page(nb, provenance=provenance)
            name = _page_name(nb.name)
            files[f"notebooks/{name}.html"] = html.encode("utf-8")
            warnings.extend(nb.warnings + nb_warnings)
            notebook_entries.append({"href": f"notebooks/{name}.html", "title": nb.title, "source": nb.source.name})
        index_html = _index_page(
            card=card,
            metrics=metrics,
            provenance=provenance,
            notebooks=notebook_entries,
            cases=case_entries,
            notebooks_missing=not notebook_paths,
        )
        files["index.html"] = index_html.encode("utf-8")
        files[MANIFEST_NAME] = _manifest(files, provenance)
        written = _write_site(out, files)
        bar.update(1)
    finally:
        bar.close()
    return BuildResult(
        out_dir=out,
        index=out / "index.html",
        notebook_pages=tuple(out / "notebooks" / f"{_page_name(p.stem)}.html" for p in notebook_paths),
        case_pages=tuple(out / "cases" / f"{slug}.html" for slug in slugs),
        files=tuple(written),
        warnings=tuple(warnings),
        seconds=time.perf_counter() - started,
    )


def _load_tree() -> Any:
    from scoring.engine.tree import default_tree

    try:
        return default_tree()
    except FileNotFoundError as exc:
        raise ReportError(f"{exc}. Run `zaro run` (or `zaro fit`) first.") from None


# --------------------------------------------------------------------------------------
# Case pages
# --------------------------------------------------------------------------------------


def _case_page(
    case: ReportCase,
    *,
    slug: str,
    card: Any,
    tree: Any,
    provenance: Provenance,
    plotly_src: str | None = None,
    index_href: str | None = "../index.html",
) -> tuple[str, dict[str, Any]]:
    context, assessment = case_context(case, slug=slug, card=card, tree=tree)
    html = _page(
        "report_case.html.j2",
        provenance=provenance,
        plotly_src=f"../assets/{H.plotly_asset_name()}" if plotly_src is None and index_href else plotly_src,
        index_href=index_href,
        breadcrumbs=[case.title] if index_href else [],
        page_title=f"Case: {case.title}",
        **context,
    )
    value, label = recommendation_text(assessment.recommendation)
    entry = {"href": f"cases/{slug}.html", "title": case.title, "why": case.why, "value": value, "label": label}
    return html, entry


def render_case(
    vignette: Any,
    *,
    card: Any = None,
    tree: Any = "default",
    plotlyjs: str | None = None,
    index_href: str | None = None,
) -> str:
    """A single-vignette report as one HTML page, in the spirit of a clinical calculator.

    The page shows the inputs (and narrative, if given), each card item with its points and
    evidence, the red flags checked, the total and band, the calibrated probability, the
    tree's path, card versus tree, the smallest changes that would move the recommendation,
    a sweep of the most influential field (with a menu over the other numeric fields),
    the advice, and the not-a-medical-device notice. All text is escaped.

    Parameters
    ----------
    vignette : ReportCase, dict, Vignette, JSON text, or path to a ``.json`` file
        A dict may carry ``vignette_id``, ``narrative`` and ``title`` besides the fields.
    card : Card or str, optional
        Default: the default card.
    tree : TreeModel or "default"
        Default: the shipped tree.
    plotlyjs : str, optional
        Relative URL of a local plotly.js copy. By default the bundle is inlined (~5 MB),
        so the page works on its own, offline.
    index_href : str, optional
        Link back to a reports index, when the page is part of a built site.

    Returns
    -------
    str
        The page's HTML.

    Examples
    --------
    >>> html = render_case({"age": 34, "duration_weeks": 2, "frequency": "daily",
    ...                     "severity": "minor", "locations": "eyelid"})   # doctest: +SKIP
    """
    from scoring.engine.card import load_card
    from scoring.engine.tree import resolve_tree

    case = as_case(vignette)
    the_card = load_card() if card is None else load_card(card)
    the_tree = resolve_tree(tree)
    if the_tree is None:
        raise ReportError("a case report needs a tree (tree=None was given); pass tree='default'")
    provenance = collect_provenance(the_card)
    html, _ = _case_page(
        case,
        slug=case.slug,
        card=the_card,
        tree=the_tree,
        provenance=provenance,
        plotly_src=plotlyjs,
        index_href=index_href,
    )
    return html


def write_case_report(vignette: Any, out_dir: str | Path = "reports") -> Path:
    """Write one case page to ``<out_dir>/cases/<id>.html`` with the shared plotly.js asset.

    Used by ``zaro report --case vignette.json``. Returns the page's path.
    """
    case = as_case(vignette)
    out = Path(out_dir)
    asset = H.plotly_asset_name()
    # Link back to an index only when a built site is there to go back to.
    index_href = "../index.html" if (out / "index.html").is_file() else None
    page = render_case(case, plotlyjs=f"../assets/{asset}", index_href=index_href)
    target = out / "cases" / f"{case.slug}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    asset_path = out / "assets" / asset
    if not asset_path.is_file():
        asset_path.write_text(H.plotlyjs_source(), encoding="utf-8")
    target.write_text(page, encoding="utf-8")
    return target


# --------------------------------------------------------------------------------------
# The index page
# --------------------------------------------------------------------------------------


def _card_summary(card: Any) -> dict[str, Any]:
    bands = []
    for band in card.bands:
        value, label = recommendation_text(band.recommendation)
        bands.append(
            {"name": band.name, "range": f"{band.min_points} to {band.max_points}", "value": value, "label": label}
        )
    low, high = getattr(card, "min_total", None), getattr(card, "max_total", None)
    if low is None or high is None:
        low, high = card.bands[0].min_points, card.bands[-1].max_points
    return {
        "name": card.name,
        "version": card.version,
        "n_items": len(card.items),
        "min_total": low,
        "max_total": high,
        "bands": bands,
        "red_flags": [{"label": f.label, "condition": condition_words(f.condition)} for f in card.red_flags],
    }


def _tree_summary(record: Mapping[str, Any]) -> dict[str, Any] | None:
    if not record:
        return None
    structure = record.get("structure", {})
    return {
        "depth": structure.get("depth", "?"),
        "n_leaves": structure.get("n_leaves", "?"),
        "version": _tree_version(record),
        "rules": list(record.get("rules", [])),
    }


def _data_summary(provenance: Provenance) -> dict[str, Any] | None:
    if provenance.data_seed is None and provenance.data_n is None:
        return None
    return {
        "n": provenance.data_n,
        "seed": provenance.data_seed,
        "generator_version": provenance.generator_version,
        "sha256": provenance.data_sha256,
    }


_COMPARISONS: dict[tuple, Any] = {}


def _metrics_summary(card: Any, tree: Any) -> dict[str, Any]:
    """Key figures of card, tree and combined against the reference triage (scoring.analysis.compare).

    Computed on compare's fresh synthetic sample (its default size and seed), so the tree
    is judged on vignettes it was not fitted to.
    """
    from scoring.analysis.compare import MODELS, compare_models

    # The comparison depends only on the card and the tree; a process that builds several
    # times (tests, benchmarks) computes it once per pair.
    key = (card.name, card.version, card.fingerprint, id(tree))
    cached = _COMPARISONS.get(key)
    if cached is None or cached[0] is not tree:  # keeping the tree makes a reused id harmless
        cached = _COMPARISONS[key] = (tree, compare_models(card=card, tree=tree))
    comparison = cached[1]
    table = comparison.metrics

    def percent(x: float) -> str:
        return "n/a" if x != x else f"{x:.1%}"

    rows = [
        ("Accuracy", "accuracy", percent),
        ("Balanced accuracy", "balanced_accuracy", percent),
        ("Recall, urgent", "recall_urgent", percent),
        ("Under-triage (less cautious than the reference)", "under_triage", percent),
        ("Over-triage (more cautious than the reference)", "over_triage", percent),
        ("Motor-neuron-like or MS-like cases sent to self-care", "serious_to_self_care", lambda x: str(int(x))),
    ]
    names = {"card": "Points card", "tree": "Decision tree", "combined": "Combined"}
    return {
        "caption": (
            f"Against the reference triage on {comparison.n} fresh synthetic vignettes "
            f"(seed {comparison.seed}, not used to fit the tree)"
        ),
        "models": [names.get(model, model) for model in MODELS],
        "rows": [
            {"name": label, "values": [fmt(table.loc[model, column]) for model in MODELS]}
            for label, column, fmt in rows
        ],
        "note": (
            f"Card and tree agree on {percent(comparison.agreement)} of these vignettes. "
            "The combined recommendation is the more cautious of the two; the target for "
            "serious causes sent to self-care is zero."
        ),
    }


def _index_page(
    *,
    card: Any,
    metrics: dict[str, Any],
    provenance: Provenance,
    notebooks: list[dict[str, Any]],
    cases: list[dict[str, Any]],
    notebooks_missing: bool,
) -> str:
    return _page(
        "report_index.html.j2",
        provenance=provenance,
        plotly_src=False,  # no figures on the index: it loads fast and needs no script
        index_href=None,
        page_title="Reports",
        data=_data_summary(provenance),
        card=_card_summary(card),
        tree=_tree_summary(_tree_metadata()),
        metrics=metrics,
        notebooks=notebooks,
        cases=cases,
        notebooks_missing=notebooks_missing,
    )


# --------------------------------------------------------------------------------------
# The main job (`zaro run`)
# --------------------------------------------------------------------------------------


def ensure_defaults(*, progress: bool = True) -> list[str]:
    """Make sure the default data, tree and card calibration exist; rebuild what is missing.

    Nothing that exists is touched. Returns one line per artefact saying where it is and
    whether it was made now.
    """
    from scoring._paths import MODELS_DIR
    from scoring.data import default_dataset_path, load_default_vignettes, write_dataset
    from scoring.engine.card import load_card
    from scoring.engine.tree import TREE_FILE, fit_default_tree

    lines = []
    data_path = default_dataset_path()
    if data_path is None:
        lines.append("data: no source checkout; the default vignettes (seed 7) are regenerated in memory when needed")
    elif data_path.is_file():
        lines.append(f"data: {data_path} (present)")
    else:
        files = write_dataset(data_path, progress=progress)
        lines.append(f"data: wrote {files.csv} and {files.meta.name} (n={files.n}, seed={files.seed})")
    tree_path = MODELS_DIR / TREE_FILE
    if tree_path.is_file():
        lines.append(f"tree: {tree_path} (present)")
    else:
        data = None if data_path is not None and data_path.is_file() else load_default_vignettes()
        skops_path, record_path = fit_default_tree(data, progress=progress).save()
        lines.append(f"tree: fitted and wrote {skops_path} and {record_path}")
    card = load_card()
    if card.calibration is None:
        from scoring.engine.calibration import fit_calibration

        fit_calibration(card, save=True)
        lines.append(f"calibration: fitted for card '{card.name}' and saved next to its card file")
    else:
        lines.append(f"calibration: card '{card.name}' {card.version} (present)")
    return lines
