"""The page shell every report page shares, and notebook pages wrapped in it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from scoring.report import _assets
from scoring.report import _html as H
from scoring.report._provenance import Provenance


def render_page(
    template: str,
    *,
    provenance: Provenance,
    plotly_src: str | None | bool,
    index_href: str | None,
    breadcrumbs: Sequence[str] = (),
    body_has_notice: bool = False,
    **context: Any,
) -> str:
    """Render one page with the shared shell (notice, navigation, provenance footer).

    Parameters
    ----------
    plotly_src : str, None or False
        Relative address of the shared plotly.js; None inlines it; False loads none.
    body_has_notice : bool
        The page's own content already carries the not-a-medical-device notice (a
        notebook's first cell), so the shell leaves its copy out: one notice per page.
    """
    from scoring.wording import NOTICE

    script = (
        None if plotly_src is False else _assets.plotly_script_tag(plotly_src if isinstance(plotly_src, str) else None)
    )
    # Tables stack into labelled rows on a phone (report.css) instead of scrolling sideways.
    return H.label_table_cells(
        H.render_template(
            template,
            css=H.stylesheet(),
            plotly_script=script,
            provenance=provenance,
            notice=None if body_has_notice else NOTICE,
            index_href=index_href,
            breadcrumbs=list(breadcrumbs),
            **context,
        )
    )


def carries_notice(html: str) -> bool:
    """Whether the reader sees the full not-a-medical-device notice in ``html``."""
    from scoring.wording import NOTICE

    return " ".join(NOTICE.split()) in H.visible_text(html)


_EMPTY_HEADER = re.compile(r"<th(\s[^>]*)?>\s*</th>")


def blank_headers_as_cells(html: str) -> str:
    """Turn empty header cells into plain cells.

    pandas leaves the corner above a table's index (and the index-name row of grouped
    columns) as ``<th></th>``: a header that names nothing, which screen readers announce
    as an unlabelled column. An empty ``<td>`` says what it is, a blank.

    Examples
    --------
    >>> blank_headers_as_cells('<tr><th></th><th>n</th></tr>')
    '<tr><td></td><th>n</th></tr>'
    """
    return _EMPTY_HEADER.sub(lambda m: f"<td{m.group(1) or ''}></td>", html)


def notebook_page(executed: Any, *, provenance: Provenance) -> tuple[str, list[str]]:
    """Wrap one executed notebook's HTML fragment in the report shell; return page and warnings."""
    body = _assets.remove_inline_plotlyjs(executed.body_html)
    body, removed = H.strip_remote_resources(body)
    body = blank_headers_as_cells(H.label_figures(body))
    warnings = [
        f"{executed.name}: removed a network resource: {tag[:120]}" for tag in removed if "mathjax" not in tag.lower()
    ]  # plotly adds a CDN MathJax tag to every figure
    html = render_page(
        "report_notebook.html.j2",
        provenance=provenance,
        plotly_src=_assets.plotly_asset_href(),
        index_href="../index.html",
        breadcrumbs=[executed.title],
        body_has_notice=carries_notice(body),
        page_title=executed.title,
        title=executed.title,
        has_h1="<h1" in body,
        source_name=f"notebooks/{executed.source.name}",
        body=Markup(body),
    )
    return H.stabilise_ids(html), warnings


def notebook_page_name(stem: str) -> str:
    """The page file name (without ``.html``) for a notebook file stem: ``points_card`` → ``points-card``."""
    return H.slugify(stem.replace("_", "-"), fallback="notebook")
