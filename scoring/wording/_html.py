"""HTML partials: the shared markup of notices, banners and lists, rendered with autoescape.

The partials live in ``scoring/templates/partials/``; report pages include them
(``{% include "partials/notice.html.j2" %}``) and the widgets render them through
:func:`render_partial`. Every value passed in is text, escaped by Jinja; a rendered partial
is :class:`markupsafe.Markup`, so it can be passed into another without being escaped twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scoring._paths import PACKAGE_DIR

__all__ = ["PARTIALS_DIR", "render_partial"]

PARTIALS_DIR = PACKAGE_DIR / "templates" / "partials"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    # The same settings as the report pages' environment, so a partial renders the same
    # bytes in a widget and when a page includes it.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PARTIALS_DIR.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Partials are package data: no need to look for edits on every render.
        auto_reload=False,
    )


def render_partial(name: str, **context: Any) -> Any:
    """Render ``scoring/templates/partials/<name>.html.j2`` with ``context``.

    Parameters
    ----------
    name : str
        The partial's name without its extension, e.g. ``"notice"``.
    **context
        The names the partial's header comment lists; a missing one raises
        :class:`jinja2.UndefinedError` naming it.

    Returns
    -------
    markupsafe.Markup
        The HTML, without a trailing newline.

    Examples
    --------
    >>> str(render_partial("message", text="<b>hi</b>", css_class=""))
    "<p style='line-height:1.45;white-space:normal'>&lt;b&gt;hi&lt;/b&gt;</p>"
    """
    import jinja2
    from markupsafe import Markup

    try:
        template = _environment().get_template(f"partials/{name}.html.j2")
    except jinja2.TemplateNotFound:
        known = sorted(p.name.removesuffix(".html.j2") for p in PARTIALS_DIR.glob("*.html.j2"))
        raise ValueError(
            f"partial {name!r}: no file {PARTIALS_DIR / (name + '.html.j2')}; known partials: {', '.join(known)}"
        ) from None
    return Markup(template.render(**context).rstrip("\n"))
