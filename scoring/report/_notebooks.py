"""Executing the analysis notebooks for the HTML reports.

Notebooks are run headless with nbclient, several at once (each in its own kernel
process), after a papermill-style parameter cell has been injected. The executed
notebook is then exported to an HTML *fragment* with nbconvert's ``basic`` template and
input cells hidden; :mod:`scoring.report` wraps that fragment in zaro's own page.

Why not papermill itself: papermill records start/end timestamps and durations in every
cell's metadata and adds its own banner cells, all of which would have to be stripped
again for byte-identical output. Injecting one cell after the cell tagged ``parameters``
is all that is needed here, and the injected cell carries papermill's tag
(``injected-parameters``) so the convention stays the same.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from scoring._paths import PACKAGE_DIR

#: Display types a static page cannot show usefully; dropped before export (see _clean_outputs).
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: Seconds one cell may run before the build gives up on the notebook.
CELL_TIMEOUT = 300


class NotebookRunError(RuntimeError):
    """A notebook failed to run; the message names the notebook, the cell and the error."""


@dataclass
class ExecutedNotebook:
    """One notebook after execution, exported to an HTML fragment."""

    name: str  # file stem, e.g. "points_card"
    source: Path
    title: str
    body_html: str
    warnings: list[str] = field(default_factory=list)


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
    """Insert a cell assigning ``parameters`` after the cell tagged ``parameters``.

    Like papermill: the new cell is tagged ``injected-parameters`` and, when no cell is
    tagged ``parameters``, goes first. The notebook is changed in place and returned.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("interactive = True")])
    >>> nb.cells[0].metadata["tags"] = ["parameters"]
    >>> inject_parameters(nb, {"interactive": False}).cells[1].source
    '# Parameters\\ninteractive = False'
    """
    lines = ["# Parameters"] + [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    # A fixed id: nbformat would pick a random one, which ends up in the HTML anchors.
    cell.id = "injected-parameters"
    position = 0
    for index, existing in enumerate(nb.cells):
        if "parameters" in existing.get("metadata", {}).get("tags", []):
            position = index + 1
            break
    nb.cells.insert(position, cell)
    return nb


def declared_parameters(path: Path) -> set[str]:
    """The names a notebook's ``parameters`` cell assigns (empty when it has none).

    Read with :mod:`ast`, as papermill's parameter inspection does, so a comment or a
    string that mentions a name does not count.

    Examples
    --------
    >>> import tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 5  # size\\nseed = 1")])
    >>> nb.cells[0].metadata["tags"] = ["parameters"]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     nbformat.write(nb, Path(folder) / "x.ipynb")
    ...     sorted(declared_parameters(Path(folder) / "x.ipynb"))
    ['n', 'seed']
    """
    import ast

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                return set()
            return {
                target.id
                for node in tree.body
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)
            }
    return set()


def kernel_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the notebook kernels run in.

    * ``PLOTLY_RENDERER=notebook``: a headless kernel would otherwise emit only plotly's JSON
      mime type, which nbconvert drops (no plots in the page);
    * ``PYTHONHASHSEED=0``: set and dict-of-set orderings printed by a notebook stay the same
      from build to build;
    * ``PYTHONPATH`` starts with the directory holding *this* ``scoring`` package, so the
      kernel imports the same code as the builder even from an uninstalled checkout;
    * progress bars and debugger chatter are switched off: they only produce stderr noise.
    """
    env = dict(os.environ)
    package_parent = str(PACKAGE_DIR.parent)
    existing = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = package_parent + (os.pathsep + existing if existing else "")
    env.update(
        {
            "PLOTLY_RENDERER": "notebook",
            "PYTHONHASHSEED": "0",
            "TQDM_DISABLE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            "MPLBACKEND": "Agg",
        }
    )
    env.update(extra or {})
    return env


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first level-1 Markdown heading, else ``metadata.title``, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        match = re.search(r"^#\s+(.+?)\s*#*\s*$", cell.source, flags=re.MULTILINE)
        if match:
            # Drop inline Markdown emphasis/code marks: the title goes into <title> as text.
            return re.sub(r"[*_`]", "", match.group(1)).strip()
    return str(nb.metadata.get("title") or fallback)


def _clean_outputs(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Remove what must not reach a static, reproducible page; return warnings about it.

    stderr streams (library warnings, often carrying temporary paths) are noise for a reader
    and would make rebuilds differ; live widgets cannot work without a kernel. Neither is
    dropped silently: each becomes a build warning.
    """
    warnings: list[str] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                first = output.get("text", "").strip().splitlines()[:1]
                warnings.append(f"{name}: cell {index} wrote to stderr: {first[0] if first else ''}")
                continue
            data = output.get("data")
            if data is not None and _WIDGET_MIME in data:
                warnings.append(
                    f"{name}: cell {index} displayed a live widget, which a static page cannot show "
                    "(was the notebook run with interactive=False?)"
                )
                continue
            kept.append(output)
        cell.outputs = kept
        # Execution metadata (timings, papermill fields) never reaches HTML, but clear it so
        # an executed notebook written out for debugging is reproducible too.
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return warnings


def _export_fragment(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    # 'basic' renders cells only (no <head>, no JupyterLab CSS, no CDN scripts): zaro's
    # page template supplies the rest. Code is hidden: the pages are for reviewers reading
    # results; the code is the notebook file itself, named on every page.
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


async def _execute_one(
    path: Path, parameters: Mapping[str, Any], env: Mapping[str, str], kernel_name: str
) -> tuple[nbformat.NotebookNode, list[str]]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, parameters)
    # A fresh temporary working directory: a notebook that writes files cannot litter the
    # checkout, and one that reads cwd-relative paths fails here rather than in CI.
    with tempfile.TemporaryDirectory(prefix="zaro-nb-") as cwd:
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            startup_timeout=120,
            kernel_name=kernel_name,
            record_timing=False,
            store_widget_state=False,
            allow_errors=False,
            resources={"metadata": {"path": cwd}},
        )
        # The kernel process's own stderr (start-up banners, transport warnings) would
        # interleave with the progress bar; keep it in a log that a failure message quotes.
        log_path = Path(cwd) / "kernel.log"
        with open(log_path, "wb") as kernel_log:
            try:
                await client.async_execute(env=dict(env), cwd=cwd, stderr=kernel_log)
            except (CellExecutionError, CellTimeoutError) as exc:
                raise NotebookRunError(_failure_message(path, str(exc))) from None
            except Exception as exc:  # a dead kernel, a start-up failure
                log = log_path.read_text(encoding="utf-8", errors="replace")
                raise NotebookRunError(
                    _failure_message(path, f"{type(exc).__name__}: {exc}\nkernel log:\n{log}")
                ) from exc
    return nb, _clean_outputs(nb, path.stem)


def _failure_message(path: Path, text: str) -> str:
    # A cell error's text holds the whole traceback; keep its last, telling lines.
    tail = "\n".join(text.strip().splitlines()[-8:])
    return f"notebook {path.name} failed:\n{tail}"


def execute_notebooks(
    paths: Iterable[Path],
    parameters: Mapping[str, Any],
    *,
    concurrency: int | None = None,
    kernel_name: str = "python3",
    on_done: Callable[[ExecutedNotebook], None] | None = None,
) -> list[ExecutedNotebook]:
    """Execute notebooks concurrently and export each to an HTML fragment.

    Parameters
    ----------
    paths : iterable of Path
        Notebook files.
    parameters : mapping
        Values injected after each notebook's ``parameters`` cell.
    concurrency : int, optional
        Kernels running at once; by default twice the number of CPUs, at least 4 (a
        kernel spends much of its start-up waiting on imports and handshakes, so running
        more kernels than CPUs still shortens the build: 5 notebooks on 2 CPUs took about
        20 s all at once against 25 s two at a time).
    kernel_name : str
        Jupyter kernel to use; jupyter_client runs a ``python`` kernel spec with this very
        interpreter.
    on_done : callable, optional
        Called with each notebook as it finishes (the progress bar hooks in here).

    Returns
    -------
    list of ExecutedNotebook
        In the order of ``paths``, whatever order they finished in.

    Raises
    ------
    NotebookRunError
        If any notebook fails; every failure is named, not only the first.
    """
    paths = list(paths)
    if not paths:
        return []
    env = kernel_environment()
    limit = concurrency or max(4, 2 * (os.cpu_count() or 1))

    async def run_all() -> list[ExecutedNotebook | BaseException]:
        gate = asyncio.Semaphore(limit)

        async def one(path: Path) -> ExecutedNotebook:
            async with gate:
                nb, warnings = await _execute_one(path, parameters, env, kernel_name)
            result = ExecutedNotebook(
                name=path.stem,
                source=path,
                title=notebook_title(nb, path.stem.replace("_", " ").capitalize()),
                body_html=_export_fragment(nb),
                warnings=warnings,
            )
            if on_done is not None:
                on_done(result)
            return result

        return await asyncio.gather(*(one(p) for p in paths), return_exceptions=True)

    outcomes = _run_coroutine(run_all())
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        for failure in failures:
            if not isinstance(failure, Exception):
                raise failure
        raise NotebookRunError("\n\n".join(str(f) for f in failures))
    return outcomes


def _run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to completion, also from inside a running event loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from a notebook or another async program: run in a private thread and loop.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
