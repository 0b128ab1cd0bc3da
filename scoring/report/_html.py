"""HTML plumbing for the reports: templates, offline pages, stable ids, figure labels.

Everything here works on strings; :mod:`scoring.report` decides what goes where.
"""

from __future__ import annotations

import hashlib
import html as html_text
import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from scoring._paths import PACKAGE_DIR

TEMPLATES_DIR = PACKAGE_DIR / "templates"


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment for report pages.

    Autoescaping is on for every template, so any text that came from input (vignette ids,
    narratives, file names, card labels) is inert unless code wraps it in ``Markup`` on
    purpose; undefined names raise instead of rendering as empty text.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render_template(name: str, **context: Any) -> str:
    """Render ``scoring/templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The shared report CSS (small, so every page carries its own copy and stands alone)."""
    return Markup((TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"))


# Script and link tags pointing off the machine: a CDN copy of MathJax that plotly's
# notebook renderer adds to every figure, require.js, fonts. Offline pages cannot use them
# and reports must not phone home, so they are removed (and reported by the caller).
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)
_REMOTE_MODULE = re.compile(r"<script\b[^>]*>\s*import\s+[\"'](?:https?:)?//[^\"']*[\"'];?\s*</script>", re.IGNORECASE)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)


def strip_remote_resources(html: str) -> tuple[str, list[str]]:
    """Remove ``<script src>``, module imports and ``<link>`` tags that load from the network.

    Returns the cleaned HTML and the removed tags (without duplicates, in order).
    """
    removed: list[str] = []
    for pattern in (_REMOTE_SCRIPT, _REMOTE_MODULE, _REMOTE_LINK):
        for match in pattern.finditer(html):
            if match.group(0) not in removed:
                removed.append(match.group(0))
        html = pattern.sub("", html)
    return html, removed


# --------------------------------------------------------------------------------------
# Stable ids
# --------------------------------------------------------------------------------------

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# Widget model ids are 32 hex digits; only take them where they are certainly model ids.
_MODEL_ID_CONTEXTS = (
    re.compile(r"IPY_MODEL_([0-9a-f]{32})"),
    re.compile(r"\"model_id\"\s*:\s*\"([0-9a-f]{32})\""),
    re.compile(r"\"([0-9a-f]{32})\"\s*:\s*\{\s*\"model_name\""),
)


def stabilise_ids(html: str) -> str:
    """Replace random ids with counters, numbered in order of first appearance.

    Handles UUIDs (plotly figure divs, nbconvert output divs) and Jupyter widget model ids
    (bare and inside ``IPY_MODEL_…``). Each distinct id maps to one replacement everywhere
    it occurs, so references between elements still match; the replacements keep the
    original shape (a UUID stays UUID-shaped), so code that parses them still works.

    Examples
    --------
    >>> stabilise_ids('<div id="9f1c2b7e-0d4a-4c1b-9a3e-2f6b7c8d9e0f"></div>')
    '<div id="00000000-0000-4000-8000-000000000001"></div>'
    """
    mapping: dict[str, str] = {}
    for match in _UUID.finditer(html):
        if match.group(0) not in mapping:
            mapping[match.group(0)] = f"00000000-0000-4000-8000-{len(mapping) + 1:012x}"
    found: dict[str, int] = {}
    for pattern in _MODEL_ID_CONTEXTS:
        for match in pattern.finditer(html):
            found.setdefault(match.group(1), match.start(1))
    for number, model_id in enumerate(sorted(found, key=found.__getitem__), start=1):
        mapping[model_id] = f"{number:032x}"
    if not mapping:
        return html
    # One pass over the text: a replacement can never be re-replaced.
    pattern = re.compile("|".join(re.escape(key) for key in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], html)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------

_GRAPH_DIV = re.compile(r'<div id="(?P<id>[^"]+)" class="plotly-graph-div"')
_TAG = re.compile(r"<[^>]+>")


def _plot_layout(html: str, div_id: str) -> dict[str, Any]:
    """The layout dict passed to ``Plotly.newPlot`` for ``div_id`` ({} if not found)."""
    call = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(div_id) + r'"\s*,\s*', html)
    if not call:
        return {}
    decoder = json.JSONDecoder()
    try:
        _, end = decoder.raw_decode(html, call.end())  # the data list
        rest = re.match(r"\s*,\s*", html[end:])
        layout, _ = decoder.raw_decode(html, end + (rest.end() if rest else 0))
    except (json.JSONDecodeError, ValueError):
        return {}
    return layout if isinstance(layout, dict) else {}


def figure_title(layout: dict[str, Any]) -> str:
    """A figure's title as plain text ('' if it has none)."""
    title = layout.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if not isinstance(title, str):
        return ""
    text = _TAG.sub(" ", title.replace("<br>", " "))
    return re.sub(r"\s+", " ", text).strip()


def label_figures(html: str) -> str:
    """Give every plotly figure an accessible name.

    Each ``plotly-graph-div`` gets ``role="figure"`` and an ``aria-label`` made from the
    figure's own title (or a generic one), so a screen reader announces a chart, not an
    anonymous block of SVG.
    """

    def add_label(match: re.Match[str]) -> str:
        title = figure_title(_plot_layout(html, match.group("id")))
        label = f"Interactive chart: {title}" if title else "Interactive chart"
        return match.group(0) + f' role="figure" aria-label="{jinja2.filters.escape(label)}"'

    return _GRAPH_DIV.sub(add_label, html)


def figure_html(fig: Any, div_id: str, *, height: int | None = None) -> Markup:
    """One plotly figure as an HTML fragment with a fixed ``div_id`` and no plotly.js.

    The page supplies plotly.js once; a fixed id keeps rebuilds byte-identical.
    """
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        default_height=height or "100%",
        config={"displaylogo": False, "responsive": True},
    )
    return Markup(label_figures(html))


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------


def slugify(text: str, *, fallback: str = "case", max_length: int = 60) -> str:
    """A safe file-name/id fragment: lowercase ASCII letters, digits and single hyphens.

    Input text (a vignette id, a file name) may hold anything, including markup and path
    separators; none of it survives.

    Examples
    --------
    >>> slugify('<script>alert(1)</script>')
    'script-alert-1-script'
    >>> slugify('../../etc/passwd')
    'etc-passwd'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or fallback


def file_stem(text: str, *, fallback: str = "case") -> str:
    """A file name (without extension) that only ``text`` maps to.

    Text that is already a slug is its own name. Any other text loses something in
    :func:`slugify` ("Case 1" and "case-1", or two ids in another script that both fall back
    to "case"), so its slug is followed by eight hex digits of the text's SHA-256: the same
    text always gives the same name, and two different texts never share one.

    Examples
    --------
    >>> file_stem("red-flag-weakness")
    'red-flag-weakness'
    >>> file_stem("Case 1")
    'case-1-07ac744f'
    """
    slug = slugify(text, fallback=fallback)
    if slug == text:
        return slug
    return f"{slug}-{hashlib.sha256(str(text).encode('utf-8')).hexdigest()[:8]}"


def visible_text(html: str) -> str:
    """The text a reader sees in ``html``: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html_text.unescape(_TAG.sub(" ", html))).strip()


_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S | re.I)
_HEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S | re.I)
_BODY = re.compile(r"<tbody\b[^>]*>(.*?)</tbody>", re.S | re.I)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_CELL = re.compile(r"<(td|th)\b([^>]*)>", re.I)
_COLSPAN = re.compile(r"colspan\s*=\s*['\"]?(\d+)", re.I)


def _header_labels(head: str) -> list[str]:
    """The column names of a table head's last row, one per column (a colspan repeats its name)."""
    rows = _ROW.findall(head)
    if not rows:
        return []
    labels: list[str] = []
    for match in re.finditer(r"<th\b([^>]*)>(.*?)</th>", rows[-1], re.S | re.I):
        span = _COLSPAN.search(match.group(1))
        labels += [visible_text(match.group(2))] * (int(span.group(1)) if span else 1)
    return labels


def _label_row(row: str, labels: list[str]) -> str:
    """Each cell of one body row with ``data-label`` = its column's name (cells that have one keep it)."""
    column = 0
    out, last = [], 0
    for match in _CELL.finditer(row):
        tag, attrs = match.group(1), match.group(2)
        span = _COLSPAN.search(attrs)
        name = labels[column] if column < len(labels) else ""
        out.append(row[last : match.start()])
        if name and "data-label" not in attrs and not span:
            out.append(f'<{tag}{attrs} data-label="{html_text.escape(name, quote=True)}">')
        else:
            out.append(match.group(0))
        last = match.end()
        column += int(span.group(1)) if span else 1
    out.append(row[last:])
    return "".join(out)


def label_table_cells(html: str) -> str:
    """Tables with a head get ``class="stack"`` and each body cell its column's name in ``data-label``.

    On a phone's width the stylesheet shows such a table as stacked rows, each cell under its
    column's name (``td::before { content: attr(data-label) }``), instead of a table that
    scrolls sideways. Tables without a head are left as they are.

    Examples
    --------
    >>> label_table_cells("<table><thead><tr><th>A</th><th>B</th></tr></thead>"
    ...                   "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>")
    '<table class="stack"><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td data-label="A">1</td><td data-label="B">2</td></tr></tbody></table>'
    """

    def one_table(match: re.Match[str]) -> str:
        attrs, inner = match.group(1), match.group(2)
        head = _HEAD.search(inner)
        labels = _header_labels(head.group(1)) if head else []
        if not labels or "<table" in inner.lower():
            return match.group(0)
        inner = _BODY.sub(
            lambda body: body.group(0).replace(
                body.group(1),
                _ROW.sub(lambda r: r.group(0).replace(r.group(1), _label_row(r.group(1), labels)), body.group(1)),
            ),
            inner,
        )
        if re.search(r"\bclass\s*=", attrs, re.I):
            attrs = re.sub(r"""\bclass\s*=\s*(['"])""", r"class=\1stack ", attrs, count=1, flags=re.I)
        else:
            attrs += ' class="stack"'
        return f"<table{attrs}>{inner}</table>"

    return _TABLE.sub(one_table, html)
