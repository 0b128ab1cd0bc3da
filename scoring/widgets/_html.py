"""What the widgets show as HTML, rendered from the shared partials (autoescaped).

Each function turns computed results (an assessment, a tree view, counterfactuals) into the
context of one partial in ``scoring/templates/partials/``; the markup lives there and the
words come from :mod:`scoring.wording`. Everything returns a ``str``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import FIELDS
from scoring.wording import (
    NOTICE,
    card_risk_text,
    counterfactual_lines,
    format_value,
    how_soon_text,
    leaf_risk_text,
    lower_first,
    policies_differ_text,
    policy_columns,
    render_partial,
    risk_rows,
    sentence_case,
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
    "policies_html",
    "recommendation_html",
    "risks_html",
    "tree_path_html",
    "vignette_html",
]

#: Dark backgrounds with white text keep a contrast ratio above 7:1 (WCAG AAA for text).
BANNER_COLOURS = {
    Recommendation.SELF_CARE: "#1b5e20",
    Recommendation.SEE_DOCTOR: "#7a4100",
    Recommendation.URGENT: "#8b0000",
}

#: Shown when no model gives a risk estimate.
NO_RISK = "No risk estimate: the card has no calibration and no decision tree is loaded."

#: Shown when no change of one or two answers moves the recommendation.
NO_COUNTERFACTUAL = "No small change to these answers moves the recommendation."


def notice_html() -> str:
    """The educational-use notice as an HTML block."""
    return str(render_partial("notice", notice=NOTICE))


def _chosen(assessment: Any) -> Any:
    """The PolicyResult whose answer the person receives (None for an assessment without one)."""
    for result in (assessment.guideline, assessment.risk_policy):
        if result is not None and result.policy == assessment.policy:
            return result
    return None


def _other(assessment: Any) -> Any:
    """The PolicyResult the person does not receive."""
    chosen = _chosen(assessment)
    others = [r for r in (assessment.guideline, assessment.risk_policy) if r is not None and r is not chosen]
    return others[0] if others else None


def recommendation_html(assessment: Any) -> str:
    """The recommendation (the chosen policy's) and its advice as a coloured banner (all text escaped)."""
    recommendation = assessment.recommendation
    chosen = _chosen(assessment)
    return str(
        render_partial(
            "recommendation",
            value=recommendation.value,
            label=recommendation.label,
            colour=BANNER_COLOURS[recommendation],
            source=f"From the {lower_first(chosen.label)} policy" if chosen is not None else "",
            red_flags=[flag.label for flag in assessment.card.red_flags],
            how_soon=_how_soon(assessment),
            risk=_card_risk(assessment),
            advice=assessment.advice,
        )
    )


def _card_risk(assessment: Any) -> str:
    """The card's risk once, with where it comes from ('' without a calibration)."""
    if assessment.risk is None:
        return ""
    from scoring.assessment import card_risk_age_band

    red_flag = bool(assessment.card.red_flags or assessment.guideline_red_flags)
    return card_risk_text(
        assessment.risk,
        points_total=assessment.points_total,
        red_flag=red_flag,
        age_band=card_risk_age_band(assessment),
    )


def _how_soon(assessment: Any) -> str:
    return how_soon_text(assessment.timeframe, assessment.timeframe_advice, assessment.advice)


def announcement(assessment: Any) -> str:
    """What the live region says when the answer changes.

    The recommendation and the policy it comes from, red flags, how soon, the advice, what
    the other policy would say when it differs, and the card's chance of a serious cause.
    """
    chosen, other = _chosen(assessment), _other(assessment)
    parts = [f"Recommendation: {assessment.recommendation.label}."]
    if chosen is not None:
        parts.append(f"Policy: {chosen.label}.")
    if assessment.card.red_flags:
        parts.append("Red flag: " + "; ".join(flag.label for flag in assessment.card.red_flags) + ".")
    if _how_soon(assessment):
        parts.append(_how_soon(assessment))
    parts.append(assessment.advice)
    if other is not None and other.recommendation is not assessment.recommendation:
        parts.append(f"The {lower_first(other.label)} policy would say {other.recommendation.label}.")
    if assessment.risk is not None:
        parts.append(sentence_case(_card_risk(assessment)) + ".")
    return " ".join(parts)


#: The policy labels' inline style in a widget: the banner's colours, white text (7:1 and more).
POLICY_STYLES = {
    recommendation.value: f"background:{colour};color:#fff;padding:0.05em 0.45em;border-radius:3px;font-weight:bold"
    for recommendation, colour in BANNER_COLOURS.items()
}


def policies_html(assessment: Any, *, styles: Mapping[str, str] | None = None) -> str:
    """The guideline's and the risk policy's answers side by side with their reasons, and why they differ.

    Parameters
    ----------
    assessment : Assessment
    styles : mapping of recommendation value to inline CSS, optional
        How each answer's label is coloured (default :data:`POLICY_STYLES`; a page with a
        stylesheet passes ``{}``).
    """
    return str(
        render_partial(
            "policies",
            columns=policy_columns([assessment.guideline, assessment.risk_policy], assessment.policy),
            styles=POLICY_STYLES if styles is None else styles,
            differ=policies_differ_text(assessment.guideline, assessment.risk_policy),
        )
    )


def population_label(population_id: str) -> str:
    """A population's label, e.g. 'Adults who notice twitching' for ``"community"``."""
    from scoring.engine.populations import load_population

    return str(load_population(population_id).label)


def risks_html(estimates: Sequence[Any]) -> str:
    """Each model's chance of a serious cause, with the population it is for, as a table.

    ``estimates`` are :class:`~scoring.results.RiskEstimate` objects (None entries, for a
    model without an estimate, are left out), in the order shown.
    """
    present = [e for e in estimates if e is not None]
    if not present:
        return str(render_partial("risks", rows=[], caption="", trained_label="", empty=NO_RISK))
    first = present[0]
    caption = f"Chance of a {first.outcome_label.lower()}, for {lower_first(first.population_label)}"
    return str(
        render_partial(
            "risks",
            rows=risk_rows(present),
            caption=caption,
            trained_label=sentence_case(population_label(first.trained_on)),
            empty=NO_RISK,
        )
    )


def error_html(message: str) -> str:
    """Answers that cannot be assessed, and what to do about it."""
    return str(render_partial("error", message=message))


def vignette_html(values: Mapping[str, Any]) -> str:
    """A vignette's answers as a two-column table of field labels and values (escaped)."""
    rows = [{"label": spec.label, "value": format_value(spec.name, values.get(spec.name))} for spec in FIELDS]
    return str(render_partial("vignette", rows=rows))


def agreement_html(assessment: Any) -> str:
    """The card's answer, and whether the card's and the tree's risks lead the risk policy to the same answer."""
    card = assessment.card
    tree = assessment.tree
    return str(
        render_partial(
            "agreement",
            card_label=card.recommendation.label,
            points=f"{card.points_total:+d}",
            band=card.band.name,
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
