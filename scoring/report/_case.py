"""What a case page shows, computed from one vignette (rendered by :mod:`scoring.report`).

Everything here returns plain dicts of text and figure HTML for the ``report_case``
template: the inputs, the risks of a serious cause with their population, the guideline's and
the risk policy's answers side by side, the card's items (points and likelihood ratios) and
red flags, the tree's path and leaf risk, card versus tree, counterfactuals, and sweeps. Figures are built by :mod:`scoring.plots`; this module only
embeds them. Text stays text: the template escapes it.
"""

from __future__ import annotations

from typing import Any

from scoring.contract.schema import FIELDS
from scoring.report import _html as H
from scoring.wording import (
    MISSING,
    card_risk_source,
    card_risk_text,
    condition_words,
    format_value,
    how_soon_text,
    likelihood_ratio_text,
    lower_first,
    policies_differ_text,
    policy_columns,
    risk_percent,
    risk_rows,
    sentence_case,
)

#: The card whose risk a case page shows next to the main card's and the tree's, when shipped.
LEARNED_CARD = "learned"


def _inputs(vignette: Any) -> list[dict[str, Any]]:
    rows = []
    for spec in FIELDS:
        value = getattr(vignette, spec.name)
        # Yes/no answers that are "yes" stand out: they are what the card and tree react to.
        rows.append(
            {
                "label": spec.label,
                "value": format_value(spec.name, value),
                "flagged": spec.kind == "bool" and bool(value),
            }
        )
    return rows


def recommendation_text(value: Any) -> tuple[str, str]:
    """A recommendation's value and its human label, e.g. ('see_doctor', 'See a doctor')."""
    from scoring.contract.recommendation import Recommendation

    recommendation = Recommendation(str(value))
    return recommendation.value, recommendation.label


def _card_context(assessment: Any, card: Any) -> dict[str, Any]:
    view = assessment.card
    fired = {flag.flag_id for flag in view.red_flags}
    band_value, band_label = recommendation_text(view.band.recommendation)
    rec_value, rec_label = recommendation_text(view.recommendation)
    return {
        "name": view.card_name,
        "version": view.card_version,
        "item_rows": [
            {
                "label": i.label,
                "condition": condition_words(i.condition),
                "points": f"{i.points:+d}",
                "likelihood_ratio": likelihood_ratio_text(i.likelihood_ratio),
                "evidence": i.evidence,
            }
            for i in view.items
        ],
        "total": view.points_total,
        "band": {
            "name": view.band.name,
            "range": f"{view.band.min_points} to {view.band.max_points}",
            "value": band_value,
            "label": band_label,
        },
        "risk": (
            "not available: this card has no calibration"
            if assessment.risk is None
            else sentence_case(
                card_risk_source(
                    assessment.risk, points_total=view.points_total, red_flag=_red_flag_present(assessment)
                )
            )
        ),
        "band_used": not _red_flag_present(assessment),
        "recommendation_value": rec_value,
        "recommendation_label": rec_label,
        "red_flags": [
            {
                "label": f.label,
                "condition": condition_words(f.condition),
                "evidence": f.evidence,
                "fired": f.flag_id in fired,
            }
            for f in card.red_flags
        ],
        "red_flags_fired": bool(fired),
    }


def _red_flag_present(assessment: Any) -> bool:
    """Whether a red flag (the card's or the ladder's) is present: then the points total is not used."""
    return bool(assessment.card.red_flags or assessment.guideline_red_flags)


def _population_label(population: str) -> str:
    from scoring.engine.populations import load_population

    return str(load_population(population).label)


def _tree_context(assessment: Any, tree: Any) -> dict[str, Any]:
    from scoring.engine.tree import outcome_words

    view = assessment.tree
    value, label = recommendation_text(view.recommendation)
    return {
        "recommendation_value": value,
        "recommendation_label": label,
        "path": [step.text for step in view.path] or ["(the tree is a single leaf)"],
        "leaf_id": view.leaf_id,
        "leaf_risk": tree.leaf_risk_text(view.leaf_id),
        "outcome": outcome_words(view.outcome),
        # The leaf's risk moved to the population the page states chances for.
        "risk": assessment.tree_risk.text(),
    }


def _comparison(assessment: Any) -> dict[str, str]:
    """Card against tree: whether their risks lead the risk policy to the same answer."""
    tree_label = recommendation_text(assessment.tree.recommendation)[1]
    if assessment.agree:
        text = (
            f"The card's risk and the tree's lead the risk policy to the same answer ({tree_label} for the tree's "
            "risk, and the same for the card's)."
        )
        return {"short": "Card and tree agree on the risk.", "text": text}
    text = f"The card's risk and the tree's lead the risk policy to different answers: {assessment.disagreement}."
    return {"short": "Card and tree differ on the risk.", "text": text}


def _chosen_policy(assessment: Any) -> Any:
    """The PolicyResult whose answer the person receives."""
    return next(r for r in (assessment.guideline, assessment.risk_policy) if r.policy == assessment.policy)


def learned_risk(vignette: Any, card: Any, *, population: Any = None) -> Any:
    """The learned card's risk for a vignette, when that card is shipped and is not ``card`` itself (else None)."""
    from scoring.assessment import assess
    from scoring.engine.card import list_cards

    if LEARNED_CARD not in list_cards() or card.name == LEARNED_CARD:
        return None
    return assess(vignette, card=LEARNED_CARD, tree=None, population=population).risk


def risks_context(estimates: list[Any]) -> dict[str, Any]:
    """The risk table's rows, caption and column heading (``partials/risks.html.j2``)."""
    present = [e for e in estimates if e is not None]
    if not present:
        return {"rows": [], "caption": "", "trained_label": "", "empty": "No model gives a risk estimate."}
    first = present[0]
    return {
        "rows": risk_rows(present),
        "caption": f"Chance of a {first.outcome_label.lower()}, for {lower_first(first.population_label)}",
        "trained_label": sentence_case(_population_label(first.trained_on)),
        "empty": "No model gives a risk estimate.",
    }


def policies_context(assessment: Any) -> dict[str, Any]:
    """Both policies' answers side by side, and why they differ (``partials/policies.html.j2``)."""
    return {
        "columns": policy_columns([assessment.guideline, assessment.risk_policy], assessment.policy),
        "differ": policies_differ_text(assessment.guideline, assessment.risk_policy),
    }


#: Numeric fields in a case page's what-if menu, each swept at build time. Age is not
#: something a person can change (counterfactuals never touch it), but a sweep over it
#: still shows how sensitive the assessment is to it.
EXPLORER_FIELDS = ("duration_weeks", "caffeine_mg_per_day", "stress_level", "sleep_hours", "age")


def _sweep_context(case: Any, slug: str, card: Any, tree: Any) -> dict[str, Any]:
    """The most influential field's sweep: figure, text table, and the what-if menu figure."""
    from scoring.analysis.explain import most_influential_field, sweep
    from scoring.contract.schema import field_spec
    from scoring.plots import sweep_explorer_figure, sweep_figure

    influence = most_influential_field(case.vignette, card=card, tree=tree)
    frame = sweep(case.vignette, influence.field, card=card, tree=tree)
    spec = field_spec(influence.field)
    figure = H.figure_html(sweep_figure(frame), f"fig-{slug}-sweep", height=560)
    rows = [
        [
            format_value(influence.field, row.value) + (" (this vignette)" if row.is_current else ""),
            str(int(row.points_total)),
            risk_percent(row.risk, missing=MISSING),
            recommendation_text(row.recommendation)[1],
        ]
        for row in frame.itertuples(index=False)
    ]
    # Each sweep is drawn once: the menu holds the other numeric inputs, not the one above.
    sweeps = {
        name: sweep(case.vignette, name, card=card, tree=tree) for name in EXPLORER_FIELDS if name != influence.field
    }
    explorer = H.figure_html(sweep_explorer_figure(sweeps), f"fig-{slug}-what-if", height=460) if sweeps else ""
    return {
        "field": influence.field,
        "field_label": spec.label,
        "intro": (
            f"{spec.label} is the input whose change moves this assessment most "
            f"({influence.text}). The chart runs it over its range with everything else held fixed."
        ),
        "figure": {
            "html": figure,
            "caption": (
                f"Top: points total and recommendation as {spec.label.lower()} varies; bottom: the chance of a "
                "serious cause from the card and from the tree (log scale). The vignette's own value is marked."
            ),
        },
        "explorer": {
            "html": explorer,
            "caption": (
                f"What-if menu: points total and recommendation as each other numeric input varies on its own "
                f"({spec.label.lower()} is drawn above; precomputed; a table of the main sweep follows)."
            ),
        }
        if explorer
        else None,
        "columns": [spec.label, "Points total", "Chance of a serious cause (card)", "Recommendation"],
        "rows": rows,
    }


def _counterfactual_context(case: Any, card: Any, tree: Any) -> list[dict[str, str]]:
    from scoring.analysis.explain import counterfactuals
    from scoring.wording import counterfactual_lines

    rows = []
    # One row per line: adding any one of several areas with the same result reads as one.
    for line in counterfactual_lines(counterfactuals(case.vignette, card=card, tree=tree)):
        value, label = recommendation_text(line.recommendation)
        rows.append({"change": line.change, "value": value, "label": label})
    return rows


def case_context(case: Any, *, slug: str, card: Any, tree: Any) -> tuple[dict[str, Any], Any]:
    """Everything the case template shows for ``case``, and the assessment it came from.

    ``slug`` makes the figure div ids (``fig-<slug>-points`` ...) fixed and unique per page.
    """
    from scoring.assessment import assess, card_risk_age_band
    from scoring.plots import tree_figure

    assessment = assess(case.vignette, card=card, tree=tree)
    value, label = recommendation_text(assessment.recommendation)
    risks = [assessment.risk, learned_risk(case.vignette, card), assessment.tree_risk]
    figures = {
        "waterfall": _waterfall(assessment, slug),
        "tree": {
            "html": H.figure_html(tree_figure(tree, assessment.tree), f"fig-{slug}-tree", height=520),
            "caption": "The decision tree; this vignette's path is drawn in bold and its leaf is outlined.",
        },
    }
    context = {
        "case": {
            "title": case.title,
            "case_id": case.case_id,
            "narrative": case.narrative,
            "why": case.why,
            "source_name": case.source_name,
        },
        "headline": {
            "value": value,
            "label": label,
            "advice": assessment.advice,
            "how_soon": how_soon_text(assessment.timeframe, assessment.timeframe_advice, assessment.advice),
            "policy": lower_first(_chosen_policy(assessment).label),
            "risk": ""
            if assessment.risk is None
            else sentence_case(
                card_risk_text(
                    assessment.risk,
                    points_total=assessment.points_total,
                    red_flag=_red_flag_present(assessment),
                    age_band=card_risk_age_band(assessment, card),
                )
            ),
        },
        "inputs": _inputs(case.vignette),
        "risks": risks_context(risks),
        "policies": policies_context(assessment),
        "card": _card_context(assessment, card),
        "tree": _tree_context(assessment, tree),
        "comparison": _comparison(assessment),
        "counterfactuals": _counterfactual_context(case, card, tree),
        "sweep": _sweep_context(case, slug, card, tree),
        "figures": figures,
    }
    return context, assessment


def _waterfall(assessment: Any, slug: str) -> dict[str, Any]:
    from scoring.plots import points_waterfall_figure

    return {
        "html": H.figure_html(points_waterfall_figure(assessment.card), f"fig-{slug}-points"),
        "caption": "How the points add up: each item that scored, from zero to the total, and the band it lands in.",
    }
