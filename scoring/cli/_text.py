"""One assessment as plain text, for `zaro assess` on one vignette."""

from __future__ import annotations

from typing import Any

from scoring.wording import (
    how_soon_text,
    likelihood_ratio_text,
    lower_first,
    policies_differ_text,
    policy_columns,
    policy_short_name,
    risk_rows,
)

__all__ = ["assessment_text"]


def _risk_lines(assessment: Any) -> list[str]:
    rows = risk_rows([assessment.risk, assessment.tree_risk])
    if not rows:
        return ["Chance of a serious cause: no estimate (the card has no calibration and no tree was used)."]
    first = assessment.risk or assessment.tree_risk
    lines = [f"Chance of a {first.outcome_label.lower()}, for {lower_first(first.population_label)}:"]
    width = max(len(row.model) for row in rows)
    for row in rows:
        lines.append(f"  {row.model:<{width}}  {row.chance:>11}   ({row.trained} where fitted)")
    return lines


def _policy_lines(assessment: Any) -> list[str]:
    lines = []
    for column in policy_columns([assessment.guideline, assessment.risk_policy], assessment.policy):
        told = "   <- what you are told" if column.chosen else ""
        lines.append(f"{column.label}: {column.recommendation}{told}")
        lines.extend(f"  - {reason}" for reason in column.reasons)
    differ = policies_differ_text(assessment.guideline, assessment.risk_policy)
    if not differ and assessment.guideline is not None:
        differ = f"{policy_short_name(assessment.guideline.label)} and the risk policy agree."
    lines.append(differ or "The policies agree.")
    floor = getattr(assessment, "floor", None)
    if floor is not None:
        lines.append(f"{floor.label}: {floor.recommendation.value}")
        lines.extend(f"  - {reason}" for reason in floor.reasons)
    return lines


def _card_lines(assessment: Any) -> list[str]:
    card = assessment.card
    lines = [
        f"Points card ({card.card_name} {card.card_version}): {card.points_total} points, "
        f"band '{card.band.name}' -> {card.recommendation.value}"
    ]
    if card.items:
        lines.append("  points     LR  item")
        lines.extend(
            f"  {item.points:>+6d} {likelihood_ratio_text(item.likelihood_ratio):>6}  {item.label}"
            for item in card.items
        )
    if card.red_flags:
        lines.append("Red flags (urgent whatever the total):")
        lines.extend(f"  !  {flag.label}" for flag in card.red_flags)
    return lines


def _tree_lines(assessment: Any) -> list[str]:
    tree = assessment.tree
    if tree is None:
        return ["Decision tree: not used."]
    lines = [f"Decision tree (a second opinion on the risk): the risk policy would say {tree.recommendation.value}"]
    lines.extend(f"  {step.text}" for step in tree.path)
    lines.append(f"  leaf {tree.leaf_id}: {tree.leaf_samples} training vignettes")
    if assessment.disagreement:
        lines.append(f"Card and tree differ: {assessment.disagreement}")
    else:
        lines.append("Card and tree: their risks lead the risk policy to the same answer.")
    return lines


def assessment_text(assessment: Any) -> str:
    """An assessment as the lines `zaro assess` prints for one vignette.

    The recommendation (and the policy it comes from), how soon and the advice; each
    model's chance of a serious cause for the population; both policies' answers with their
    reasons and why they differ; the card's items with points and likelihood ratios; the
    tree's path; and the not-a-medical-device notice.
    """
    recommendation = assessment.recommendation
    chosen = next(
        (r for r in (assessment.guideline, assessment.risk_policy) if r is not None and r.policy == assessment.policy),
        None,
    )
    label = "" if chosen is None else chosen.label if chosen.label[1:2].isupper() else lower_first(chosen.label)
    source = f", from the {label} policy" if chosen is not None else ""
    decided_by = getattr(assessment, "decided_by", "policy")
    if decided_by == "floor":
        source = ", set by the floor (NG127's must-refers and the red flags)"
    elif decided_by in ("card", "tree"):
        source += f", raised by the {'points card' if decided_by == 'card' else 'decision tree'} shown beside it"
    lines = [f"Recommendation: {recommendation.label}{source}"]
    lines += list(getattr(assessment, "not_followed", ()))
    how_soon = how_soon_text(assessment.timeframe, assessment.timeframe_advice, assessment.advice)
    if how_soon:
        lines.append(how_soon)
    lines += [f"Advice: {assessment.advice}", ""]
    lines += _risk_lines(assessment) + [""]
    lines += _policy_lines(assessment) + [""]
    lines += _card_lines(assessment) + [""]
    lines += _tree_lines(assessment) + [""]
    lines.append(assessment.notice)
    return "\n".join(lines)
