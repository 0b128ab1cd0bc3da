"""The index page: data set, card, policies, tree, how they compare, and links to every page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.report._case import condition_words, recommendation_text
from scoring.report._pages import render_page
from scoring.report._provenance import Provenance, tree_metadata, tree_version
from scoring.report._tables import tree_advice_heading, tree_leaves
from scoring.wording import likelihood_ratio_text, risk_percent


def _calibration_text(card: Any) -> str:
    """What the card's total is calibrated to, and for whom the pages state risks."""
    from scoring.engine.populations import DEFAULT_POPULATION, load_population
    from scoring.engine.risk import load_outcomes

    calibration = card.calibration
    if calibration is None:
        return "This card has no calibration: its pages give no chance of a serious cause."
    outcome = load_outcomes()[calibration.outcome].label.lower()
    fitted, shown = load_population(calibration.population), load_population(DEFAULT_POPULATION)
    return (
        f"Its total is calibrated to the chance of a {outcome}. It was fitted on vignettes of one population "
        f"({fitted.label}: {risk_percent(fitted.prevalence(calibration.outcome))} have a {outcome}); the case pages "
        f"state each chance for another ({shown.label}: {risk_percent(shown.prevalence(calibration.outcome))}), "
        "moved there from the population it was fitted on."
    )


def card_summary(card: Any) -> dict[str, Any]:
    """The card's name, size, items (points and likelihood ratio), bands, red flags and calibration."""
    bands = []
    for band in card.bands:
        value, label = recommendation_text(band.recommendation)
        bands.append(
            {"name": band.name, "range": f"{band.min_points} to {band.max_points}", "value": value, "label": label}
        )
    low, high = getattr(card, "min_total", None), getattr(card, "max_total", None)
    if low is None or high is None:
        low, high = card.bands[0].min_points, card.bands[-1].max_points
    return {
        "name": card.name,
        "version": card.version,
        "n_items": len(card.items),
        "min_total": low,
        "max_total": high,
        "bands": bands,
        "items": [
            {
                "label": item.label,
                "points": f"{item.points:+d}",
                "likelihood_ratio": likelihood_ratio_text(card.likelihood_ratio(item.item_id)),
            }
            for item in card.items
        ],
        "calibration": _calibration_text(card),
        "red_flags": [{"label": f.label, "condition": condition_words(f.condition)} for f in card.red_flags],
    }


def policies_summary() -> list[dict[str, Any]]:
    """Each recommendation policy of ``policies.toml``: its name, what it does, and its thresholds."""
    from scoring.engine.policies import load_policies

    summaries = []
    for policy in load_policies().values():
        thresholds = []
        for threshold in policy.thresholds:
            value, label = recommendation_text(threshold.recommendation)
            thresholds.append(
                {
                    "value": value,
                    "label": label,
                    "at_least": risk_percent(threshold.at_least),
                    "harm_to_benefit": threshold.harm_to_benefit,
                    "reason": " ".join(threshold.reason.split()),
                }
            )
        summaries.append(
            {
                "label": policy.label,
                "default": policy.is_default,
                "description": " ".join(policy.description.split()),
                "thresholds": thresholds,
            }
        )
    return summaries


def tree_summary(tree: Any, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The tree's size and one row per leaf: its conditions, its risk, and the risk policy's advice."""
    if not record:
        return None
    from scoring.engine.populations import DEFAULT_POPULATION, load_population
    from scoring.engine.tree import outcome_words

    structure = record.get("structure", {})
    return {
        "depth": structure.get("depth", "?"),
        "n_leaves": structure.get("n_leaves", "?"),
        "version": tree_version(record),
        "outcome": outcome_words(tree.outcome),
        "advice_heading": tree_advice_heading(),
        "population_label": load_population(DEFAULT_POPULATION).label,
        "leaves": tree_leaves(tree),
    }


def data_summary(provenance: Provenance) -> dict[str, Any] | None:
    """The data set's size, seed, generator and hash (None when nothing is known)."""
    if provenance.data_seed is None and provenance.data_n is None:
        return None
    return {
        "n": provenance.data_n,
        "seed": provenance.data_seed,
        "generator_version": provenance.generator_version,
        "sha256": provenance.data_sha256,
    }


def metrics_summary(comparison: Any) -> dict[str, Any]:
    """The risk models and the policies, as the index shows them (the notebooks' tables, in cells).

    ``comparison`` is a :class:`scoring.analysis.compare.Comparison` on a fresh synthetic
    sample of a population (no model was fitted on it); the build computes it once and shares
    it with the notebooks that declare ``comparison_file``.
    """
    from scoring.analysis.compare import comparison_findings
    from scoring.report._comparison_tables import comparison_caption, readable_model_table, readable_policy_table

    tables = []
    for readable in (readable_model_table(comparison), readable_policy_table(comparison)):
        frame = readable.frame
        tables.append(
            {
                "caption": readable.caption,
                "corner": frame.columns[0],
                "columns": list(frame.columns[1:]),
                "rows": [{"name": row[0], "values": list(row[1:])} for row in frame.itertuples(index=False)],
                "note": readable.footnote,
            }
        )
    return {"caption": comparison_caption(comparison), "tables": tables, "findings": comparison_findings(comparison)}


def evaluation_summary(evaluation: Any, notebooks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Links to the model card and the evaluation page, and what they hold, in a sentence or two."""
    if evaluation is None:
        return None
    from scoring.evaluate._readable import received_policies, share_interval
    from scoring.report._model_card_page import MODEL_CARD_PAGE

    page = next((nb for nb in notebooks if nb["source"] == "evaluation.ipynb"), None)
    table = evaluation.thresholds
    referred = table[(table["kind"] == "policy") & (table["positive"] == "referred")].set_index("strategy")
    lines = [
        f"{row['label']}: refers {share_interval(row, 'share_referred')} of people and "
        f"{share_interval(row, 'sensitivity')} of serious causes"
        for policy in received_policies(evaluation)
        if policy in referred.index
        for row in [referred.loc[policy]]
    ]
    return {
        "model_card": MODEL_CARD_PAGE,
        "page": page["href"] if page else None,
        "n": evaluation.n,
        "population": evaluation.population,
        "seed": evaluation.seed,
        "policies": lines,
    }


def index_page(
    *,
    card: Any,
    tree: Any,
    comparison: Any,
    provenance: Provenance,
    notebooks: list[dict[str, Any]],
    cases: list[dict[str, Any]],
    notebooks_missing: bool,
    evaluation: Any = None,
) -> str:
    """The index page's HTML."""
    return render_page(
        "report_index.html.j2",
        provenance=provenance,
        plotly_src=False,  # no figures on the index: it loads fast and needs no script
        index_href=None,
        page_title="Reports",
        data=data_summary(provenance),
        card=card_summary(card),
        policies=policies_summary(),
        tree=tree_summary(tree, tree_metadata()),
        metrics=metrics_summary(comparison),
        evaluation=evaluation_summary(evaluation, notebooks),
        notebooks=notebooks,
        cases=cases,
        notebooks_missing=notebooks_missing,
    )
