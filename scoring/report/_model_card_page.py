"""The model card page: the model card, the data sheet and the TRIPOD+AI checklist of one evaluation.

The Markdown of :func:`scoring.evaluate.model_card_markdown` and
:func:`scoring.evaluate.data_sheet_markdown` is the one source: the page renders it (raw HTML
in it escaped, so a label from a card file stays text), puts every table in a box that
scrolls sideways on a phone, and turns the data sheet's headings one level down so the page
has one title.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from scoring.report import _html as H
from scoring.report._pages import carries_notice, render_page
from scoring.report._provenance import Provenance

__all__ = ["MODEL_CARD_PAGE", "EVALUATION_FOLDER", "model_card_page", "evaluation_files"]

#: Where the page and the evaluation's files go in the site.
MODEL_CARD_PAGE = "model-card.html"
EVALUATION_FOLDER = "evaluation"
_HEADING = re.compile(r"^(#{1,5}) ", flags=re.MULTILINE)


def _markdown_html(text: str) -> str:
    import mistune

    render = mistune.create_markdown(escape=True, plugins=["table"])
    html = str(render(text))
    return html.replace("<table>", '<div class="table-scroll"><table>').replace("</table>", "</table></div>")


def model_card_page(evaluation: Any, *, provenance: Provenance) -> str:
    """The model card page's HTML: the card, then the data sheet (its headings one level down)."""
    from scoring.evaluate import data_sheet_markdown, model_card_markdown

    sheet = _HEADING.sub(lambda m: "#" + m.group(1) + " ", data_sheet_markdown(evaluation))
    # The data sheet repeats the notice the card opens with: once per page is enough.
    sheet = "\n".join(line for line in sheet.splitlines() if not line.startswith("> **Not a medical device.**"))
    body = _markdown_html(model_card_markdown(evaluation)) + "\n" + _markdown_html(sheet)
    html = render_page(
        "report_model_card.html.j2",
        provenance=provenance,
        plotly_src=False,
        index_href="index.html",
        breadcrumbs=["Model card"],
        body_has_notice=carries_notice(body),
        page_title="Model card",
        body=Markup(body),
    )
    return H.stabilise_ids(html)


def evaluation_files(evaluation: Any) -> dict[str, bytes]:
    """The evaluation's tables, documents and record, as the site's ``evaluation/`` files."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="zaro-evaluation-") as folder:
        written = evaluation.save(folder)
        return {f"{EVALUATION_FOLDER}/{Path(path).name}": Path(path).read_bytes() for path in written}
