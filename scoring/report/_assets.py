"""plotly.js for report pages: one local copy instead of a CDN or ~5 MB inlined per figure."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup


def plotlyjs_version() -> str:
    """The version of the plotly.js bundled with the installed plotly package."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def plotly_asset_name() -> str:
    """File name of the local plotly.js copy, e.g. ``plotly-4.1.1.min.js``."""
    return f"plotly-{plotlyjs_version()}.min.js"


def plotly_asset_href() -> str:
    """The asset's address relative to a page one folder below the site root."""
    return f"../assets/{plotly_asset_name()}"


@lru_cache(maxsize=1)
def plotlyjs_source() -> str:
    """The plotly.js bundle shipped inside the plotly Python package (no download)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def plotly_script_tag(src: str | None) -> Markup:
    """A ``<script>`` loading plotly.js from ``src`` (a relative path), or inlining it.

    ``src=None`` inlines the whole bundle: a single page that works anywhere offline, at
    ~5 MB. Report builds pass the relative path of ``assets/plotly-<version>.min.js``.
    ``window.PlotlyConfig`` tells plotly.js not to look for MathJax on a CDN.
    """
    config = "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
    if src is None:
        return Markup(config + "<script>" + plotlyjs_source() + "</script>")
    return Markup(config + f'<script charset="utf-8" src="{jinja2.filters.escape(src)}"></script>')


def remove_inline_plotlyjs(html: str) -> str:
    """Drop every inlined copy of plotly.js (from plotly's ``notebook`` renderer).

    The page loads the shared local copy in its ``<head>`` instead, before any figure runs.
    """
    return html.replace("<script>" + plotlyjs_source() + "</script>", "")
