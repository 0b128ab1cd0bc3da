"""What the widgets show as HTML, rendered from the shared partials (autoescaped).

Each function turns computed results (an assessment, a tree view, counterfactuals) into the
context of one partial in ``scoring/templates/partials/``; the markup lives there and the
words come from :mod:`scoring.wording`. Everything returns a ``str``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import FIELDS
from scoring.wording import (
    NOTICE,
    counterfactual_lines,
    format_value,
    how_soon_text,
    leaf_risk_text,
    probability_text,
    render_partial,
)

__all__ = [
    "BANNER_COLOURS",
    "agreement_html",
    "announcement",
    "counterfactuals_html",
    "error_html",
    "heading_html",
    "message_html",
    "notice_html",
    "recommendation_html",
    "tree_path_html",
    "vignette_html",
]

#: Dark backgrounds with white text keep a contrast ratio above 7:1 (WCAG AAA for text).
BANNER_COLOURS = {
    Recommendation.SELF_CARE: "#1b5e20",
    Recommendation.SEE_DOCTOR: "#7a4100",
    Recommendation.URGENT: "#8b0000",
}

#: Shown when no change of one or two answers moves the recommendation.
NO_COUNTERFACTUAL = "No small change to these answers moves the recommendation."


def notice_html() -> str:
    """The educational-use notice as an HTML block."""
    return str(render_partial("notice", notice=NOTICE))


def recommendation_html(assessment: Any) -> str:
    """The combined recommendation and its advice as a coloured banner (all text escaped)."""
    recommendation = assessment.recommendation
    return str(
        render_partial(
            "recommendation",
            value=recommendation.value,
            label=recommendation.label,
            colour=BANNER_COLOURS[recommendation],
            red_flags=[flag.label for flag in assessment.card.red_flags],
            how_soon=_how_soon(assessment),
            advice=assessment.advice,
        )
    )


def _how_soon(assessment: Any) -> str:
    return how_soon_text(assessment.timeframe, assessment.timeframe_advice, assessment.advice)


def announcement(assessment: Any) -> str:
    """What the live region says when the recommendation changes: the label, red flags, advice."""
    parts = [f"Recommendation: {assessment.recommendation.label}."]
    if assessment.card.red_flags:
        parts.append("Red flag: " + "; ".join(flag.label for flag in assessment.card.red_flags) + ".")
    if _how_soon(assessment):
        parts.append(_how_soon(assessment))
    parts.append(assessment.advice)
    return " ".join(parts)


def error_html(message: str) -> str:
    """Answers that cannot be assessed, and what to do about it."""
    return str(render_partial("error", message=message))


def vignette_html(values: Mapping[str, Any]) -> str:
    """A vignette's answers as a two-column table of field labels and values (escaped)."""
    rows = [{"label": spec.label, "value": format_value(spec.name, values.get(spec.name))} for spec in FIELDS]
    return str(render_partial("vignette", rows=rows))


def agreement_html(assessment: Any) -> str:
    """Whether the points card and the tree agree, and if not, why (escaped HTML)."""
    card = assessment.card
    tree = assessment.tree
    return str(
        render_partial(
            "agreement",
            card_label=card.recommendation.label,
            points=f"{card.points_total:+d}",
            band=card.band.name,
            chance=probability_text(card.probability),
            tree_label=None if tree is None else tree.recommendation.label,
            agree=assessment.agree,
            disagreement=assessment.disagreement or "",
        )
    )


def tree_path_html(tree_view: Any, problem: str | None = None) -> str:
    """The tree's path for one vignette as an ordered list, ending at the leaf and its risk."""
    if tree_view is None:
        return str(render_partial("tree_path", steps=None, problem=problem or ""))
    from scoring.engine.tree import outcome_words

    return str(
        render_partial(
            "tree_path",
            steps=[step.text for step in tree_view.path],
            leaf_id=tree_view.leaf_id,
            risk=leaf_risk_text(tree_view.probability, tree_view.leaf_samples, outcome_words(tree_view.outcome)),
            label=tree_view.recommendation.label,
        )
    )


def counterfactuals_html(items: Any) -> str:
    """Counterfactuals as a list, one-area and one-category changes grouped into one line each."""
    lines = [line.text for line in counterfactual_lines(items)]
    return str(
        render_partial("items", items=lines, css_class="zaro-counterfactuals", ordered=False, empty=NO_COUNTERFACTUAL)
    )


def heading_html(text: str, level: int = 2) -> str:
    """A section heading; level 2 sits under the notebook's level-1 title."""
    return str(render_partial("heading", text=text, level=level))


def message_html(text: str, css_class: str = "") -> str:
    """A short paragraph of text."""
    return str(render_partial("message", text=text, css_class=css_class))
