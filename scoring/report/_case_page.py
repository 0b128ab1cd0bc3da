"""Case pages: one vignette's report, on its own or as part of a built site."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scoring._outputs import OutputError, real_folder
from scoring.report import _assets
from scoring.report._case import case_context, recommendation_text
from scoring.report._cases import ReportCase, as_case
from scoring.report._errors import ReportError, unwritable
from scoring.report._pages import render_page
from scoring.report._provenance import Provenance, collect_provenance
from scoring.report._site import refuse_to_replace_site_page, write_file
from scoring.wording import MISSING, policy_short_name, risk_percent, sentence_case


def case_page(
    case: ReportCase,
    *,
    slug: str,
    card: Any,
    tree: Any,
    provenance: Provenance,
    plotly_src: str | None = None,
    index_href: str | None = "../index.html",
) -> tuple[str, dict[str, Any]]:
    """A case page's HTML and its entry for the index.

    The entry holds the link, title and why, the recommendation, both policies' answers
    (``guideline``, ``risk_policy``: value and label each, ``differ``) and the card's chance
    of a serious cause (``risk``) with the population it is for (``population``).
    """
    context, assessment = case_context(case, slug=slug, card=card, tree=tree)
    html = render_page(
        "report_case.html.j2",
        provenance=provenance,
        plotly_src=_assets.plotly_asset_href() if plotly_src is None and index_href else plotly_src,
        index_href=index_href,
        breadcrumbs=[case.title] if index_href else [],
        page_title=f"Case: {case.title}",
        **context,
    )
    value, label = recommendation_text(assessment.recommendation)
    entry = {
        "href": f"cases/{slug}.html",
        "title": case.title,
        "why": case.why,
        "value": value,
        "label": label,
        "guideline": _answer(assessment.guideline),
        "risk_policy": _answer(assessment.risk_policy),
        "differ": assessment.policies_differ,
        "risk": MISSING if assessment.risk is None else risk_percent(assessment.risk.probability, missing=MISSING),
        "population": "" if assessment.risk is None else _risk_for(assessment, card),
        "guideline_name": policy_short_name(assessment.guideline.label) if assessment.guideline else "Guideline",
    }
    return html, entry


def _risk_for(assessment: Any, card: Any) -> str:
    """Whom the card's risk is for: the population, and the age band whose risk the person got."""
    from scoring.assessment import card_risk_age_band

    band = card_risk_age_band(assessment, card)
    label = sentence_case(assessment.risk.population_label)
    return f"{label}, aged {band}" if band else label


def _answer(result: Any) -> dict[str, str]:
    value, label = recommendation_text(result.recommendation)
    return {"value": value, "label": label}


def render_case(
    vignette: Any,
    *,
    card: Any = "default",
    tree: Any = "default",
    plotlyjs: str | None = None,
    index_href: str | None = None,
) -> str:
    """A single-vignette report as one HTML page, in the spirit of a clinical calculator.

    The page shows the inputs (and narrative, if given), each model's chance of a serious
    cause with the population it is for, the guideline's and the risk policy's answers side
    by side, each card item with its points, likelihood ratio and evidence, the red flags
    checked, the total and band, the tree's path and leaf risk, card versus tree, the
    smallest changes that would move the recommendation,
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
    the_card = load_card(card)
    the_tree = resolve_tree(tree)
    if the_tree is None:
        raise ReportError("a case report needs a tree (tree=None was given); pass tree='default'")
    html, _ = case_page(
        case,
        slug=case.slug,
        card=the_card,
        tree=the_tree,
        provenance=collect_provenance(the_card),
        plotly_src=plotlyjs,
        index_href=index_href,
    )
    return html


def write_case_report(vignette: Any, out_dir: str | Path = "reports", *, overwrite: bool = False) -> Path:
    """Write one case page to ``<out_dir>/cases/<name>.html`` with the shared plotly.js asset.

    Used by ``zaro report --case vignette.json``. A page is added next to a built site (it
    links back to the index), never over one of the site's own pages: the site's index and
    ``manifest.json`` would then describe a page that is gone. The manifest describes the
    build, so an added page is not listed in it (and a rebuild leaves it alone).

    An existing page of that name is refused unless ``overwrite``; with it the page is
    replaced in one step (a symbolic link there is replaced, never written through). A
    linked ``cases/`` or ``assets/`` folder is refused.

    Returns
    -------
    Path
        The page's path.

    Raises
    ------
    ReportError
        If the page would replace one of a built site's pages, exists without ``overwrite``,
        or ``out_dir`` cannot be written to.
    """
    case = as_case(vignette)
    out = Path(out_dir)
    name = f"cases/{case.slug}.html"
    refuse_to_replace_site_page(out, name)
    if os.path.lexists(out / name) and not overwrite:
        raise ReportError(
            f"{str(out / name)!r} already exists; pass --overwrite (overwrite=True) to replace it, "
            "or write the case elsewhere (--out OTHER)"
        )
    # Link back to an index only when a built site is there to go back to.
    index_href = "../index.html" if (out / "index.html").is_file() else None
    page = render_case(case, plotlyjs=_assets.plotly_asset_href(), index_href=index_href)
    asset = out / "assets" / _assets.plotly_asset_name()
    try:
        out.mkdir(parents=True, exist_ok=True)
        real_folder(out, Path("assets"))
        real_folder(out, Path("cases"))
        if asset.is_symlink() or not asset.is_file():
            write_file(asset, _assets.plotlyjs_source().encode("utf-8"))
        write_file(out / name, page.encode("utf-8"), overwrite=overwrite)
    except OutputError as exc:
        if isinstance(exc.__cause__, OSError):  # the folder refused a new file
            raise unwritable(out, exc.__cause__) from None
        raise ReportError(str(exc).replace("--overwrite (overwrite=True)", "--overwrite")) from None
    except OSError as exc:
        raise unwritable(out, exc) from None
    return out / name
