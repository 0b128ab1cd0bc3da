"""One explanation as plain text, for `zaro explain`: short by default, everything with --full.

The default view fits a terminal screen (under 20 lines at 80 columns): the answer, one
line saying which policy decided and why the other answers differ, the card's risk once
with where it comes from, the points, the tree's path once, the smallest changes that
would move the answer, the first sentence of the advice and the notice. Every paragraph is
wrapped to the terminal's width; arrows are always "→".
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

from scoring.engine.combine import counted_sources
from scoring.wording import card_risk_text, counterfactual_lines, lower_first, red_flag_labels, risk_percent

__all__ = ["ARROW", "DEFAULT_CHANGES", "explain_text", "terminal_width"]

#: The one arrow the explanation uses ("leads to").
ARROW = "→"
#: How many lines of "what would change it" the default view shows.
DEFAULT_CHANGES = 2
#: Narrowest and widest text the explanation wraps to, whatever the terminal says.
_MIN_WIDTH, _MAX_WIDTH = 40, 120


def terminal_width() -> int:
    """The width to wrap to: the terminal's columns (``COLUMNS`` wins), 80 when unknown, kept in 40..120."""
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(_MIN_WIDTH, min(_MAX_WIDTH, columns))


def _wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    """A paragraph wrapped to ``width``, its follow-on lines indented (never a word broken)."""
    return textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [""]


def _first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has only one)."""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def _red_flags(assessment: Any) -> list[str]:
    """The red flags present, each once: the card's labels, then the ladder's rules not already named."""
    from scoring.engine.ladder import red_flag_rules

    ladder = {rule.id: rule.description for rule in red_flag_rules()}
    labels = [flag.label for flag in assessment.card.red_flags]
    labels += [ladder[rule_id] for rule_id in assessment.guideline_red_flags if rule_id in ladder]
    return red_flag_labels(labels)


def _level(recommendation: Any) -> str:
    return str(getattr(recommendation, "value", recommendation))


#: How each policy reads inside a sentence.
_POLICY_NAMES = {"nhs": "the NHS policy", "ng127": "the NG127 policy", "risk": "the risk policy"}


def _policy_name(policy: Any) -> str:
    """'the NHS policy', 'the risk policy', …: a policy id as it reads inside a sentence."""
    return _POLICY_NAMES.get(str(policy), f"the {policy} policy")


def _and(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _rank(level: str) -> int:
    from scoring.contract.recommendation import Recommendation

    return Recommendation(level).level


def _why_line(assessment: Any, flags: list[str]) -> str:
    """One paragraph: what decided the answer, and why the other answers shown beside it differ.

    The answer is the most cautious of the chosen policy, the floor, the card's band and, under
    the risk policy, the tree (one rule, :mod:`scoring.engine.combine`): those are at or below
    it. The other policy, and the tree under a guideline, are shown beside it and may differ.
    """
    decided = _level(assessment.recommendation)
    card, tree = assessment.card, assessment.tree
    if flags:
        flag_text = "; ".join(lower_first(f) for f in flags)
        text = f"Why: a red flag ({flag_text}) makes every policy say urgent"
        others = []
        if _level(card.band.recommendation) != "urgent":
            others.append(f"the card's band alone would say {_level(card.band.recommendation)}")
        if tree is not None and _level(tree.recommendation) != "urgent":
            others.append(f"the tree's risk alone would say {_level(tree.recommendation)}")
        return text + ("; " + " and ".join(others) if others else "") + "."
    policy = str(assessment.policy)
    chosen = assessment.risk_policy if policy == "risk" else assessment.guideline
    other = assessment.guideline if policy == "risk" else assessment.risk_policy
    by = assessment.decided_by
    if by == "floor":
        text = "Why: the floor (NICE NG127's must-refers and the red flags) set it"
    elif by in ("card", "tree"):
        raiser = "the card's band" if by == "card" else "the tree"
        text = f"Why: {raiser} raised it to {decided}"
    else:
        # A ladder rule's reason ends with its level ("... (see_doctor)"): the line says the level once.
        reasons = "; ".join(
            lower_first(re.sub(r" \((self_care|see_doctor|urgent)\)$", "", str(r)))
            for r in (chosen.reasons if chosen else ())
        )
        text = f"Why: {_policy_name(policy)} decided" + (f" ({reasons})" if reasons else "")
    counted = counted_sources("risk" if policy == "risk" else "guideline")
    # Shown beside and counted: at or below the answer. Shown beside but not used by this
    # policy (the other policy; the tree's risk under a guideline): either side of it.
    lower: list[tuple[str, str]] = []
    beside: list[tuple[str, str]] = []
    if by != "card" and _level(card.band.recommendation) != decided:
        lower.append(("the card's band", _level(card.band.recommendation)))
    if tree is not None and by != "tree" and _level(tree.recommendation) != decided:
        (lower if "tree" in counted else beside).append(("the tree's risk", _level(tree.recommendation)))
    if other is not None and _level(other.recommendation) != decided:
        beside.append((_policy_name(other.policy), _level(other.recommendation)))
    if not lower and not beside:
        return text + "; the other answers agree."
    sentences = [text]
    if lower:
        sentences.append(_says(lower))
    if beside:
        sentences.append(f"{_says(beside)} (not used by {_policy_name(policy)})")
    return "; ".join(sentences) + "."


def _says(answers: list[tuple[str, str]]) -> str:
    """'a says x, b and c say y' from (name, level) pairs, grouped by level in order of appearance."""
    says: dict[str, list[str]] = {}
    for name, level in answers:
        says.setdefault(level, []).append(name)
    return ", ".join(f"{_and(names)} say{'s' if len(names) == 1 else ''} {level}" for level, names in says.items())


def _risk_line(assessment: Any, flags: list[str], card: Any = None) -> str:
    from scoring.assessment import card_risk_age_band

    text = card_risk_text(
        assessment.risk,
        points_total=assessment.points_total,
        red_flag=bool(flags),
        with_model=False,
        age_band=card_risk_age_band(assessment, card),
    )
    return f"Risk: {text}."


def _points_lines(assessment: Any, width: int, full: bool, the_card: Any) -> list[str]:
    """The points total and band, then the items: one per line with --full, else as one paragraph."""
    from scoring.wording import MISSING, likelihood_ratio_text

    card = assessment.card
    band = f"band '{card.band.name}' {ARROW} {_level(card.band.recommendation)}"
    head = f"Points ({card.card_name} card {card.card_version}): {card.points_total}, {band}"
    if full:
        lines = _wrap(head, width)
        for item in card.items:
            ratio = likelihood_ratio_text(item.likelihood_ratio)
            aside = "" if ratio == MISSING else f" (LR {ratio})"
            lines += _wrap(f"  {item.points:+d}  {item.label}{aside}", width, "      ")
        return lines
    items = "; ".join(f"{points:+d} {lower_first(label)}" for points, label in _item_summary(card.items, the_card))
    return _wrap(f"{head}: {items}" if items else head, width)


def _item_summary(items: Sequence[Any], card: Any) -> list[tuple[int, str]]:
    """(points, label) per item; a group of the card with more than one item (or its limit) as one entry.

    A group entry reads e.g. "likely explanations of harmless twitching (3, together at most
    2 points off)"; labels lose their closing aside.
    """
    group_of = {}
    for group in getattr(card, "groups", ()):
        group_of[f"{group.group_id}_limit"] = group
        group_of.update({i.item_id: group for i in card.items if i.group == group.group_id})
    members: dict[str, list[Any]] = {}
    order: list[Any] = []
    for item in items:
        group = group_of.get(item.item_id)
        if group is None:
            order.append(item)
        else:
            if group.group_id not in members:
                order.append(group)
            members.setdefault(group.group_id, []).append(item)
    out: list[tuple[int, str]] = []
    for entry in order:
        found = members.get(getattr(entry, "group_id", ""), None)
        if found is None:
            out.append((entry.points, _short(entry.label)))
        elif len(found) == 1:
            out.append((found[0].points, _short(found[0].label)))
        else:
            counted = sum(1 for item in found if item.item_id != f"{entry.group_id}_limit")
            out.append((sum(item.points for item in found), f"{entry.label} ({counted}, {entry.cap_text()})"))
    return out


def _short(label: str) -> str:
    """A label without its closing aside: 'Real weakness (dropping things, ...)' → 'Real weakness'."""
    return re.sub(r"\s*\([^()]*\)$", "", label) or label


def _tree_lines(assessment: Any, width: int) -> list[str]:
    tree = assessment.tree
    if tree is None:
        return []
    path = ", ".join(step.text for step in tree.path) or "a single leaf"
    risk = "" if assessment.tree_risk is None else f" (its risk: {risk_percent(assessment.tree_risk.probability)})"
    return _wrap(f"Tree{risk} {ARROW} {_level(tree.recommendation)}: {path}", width)


def _change_lines(found: Sequence[Any], influence: Any, width: int, full: bool) -> list[str]:
    shown = counterfactual_lines(found or [])
    limit = len(shown) if full else DEFAULT_CHANGES
    more = f"; {len(shown) - limit} more with --full" if len(shown) > limit else ""
    lines = [f"What would change it (age and sex are never changed{more}):"]
    for line in shown[:limit]:
        lines += _wrap(f"  {line.direction:>4}: {line.change} {ARROW} {line.recommendation}", width, "        ")
    if not shown:
        lines.append("  no change of one or two answers moves it")
    # The answer with the biggest move is worth a line only when the smallest changes do not
    # already name it (a bigger change to the same answer would read as a contradiction).
    # The answer with the biggest move, only in the full view: its biggest change (say, 0
    # weeks) next to the smallest change that suffices (2 weeks) reads as a contradiction.
    if full and influence is not None:
        from scoring.contract.schema import FIELDS

        labels = {spec.name: spec.label for spec in FIELDS}
        label = lower_first(labels.get(influence.field, influence.field))
        lines += _wrap(f"The biggest move one answer can make: {label} ({influence.text})", width)
    return lines


def explain_text(
    assessment: Any,
    found: Sequence[Any],
    influence: Any,
    *,
    full: bool = False,
    width: int | None = None,
    card: Any = None,
) -> str:
    """An explanation as the lines `zaro explain` prints.

    Parameters
    ----------
    assessment : Assessment
        From :func:`scoring.assessment.assess`.
    found : sequence of Counterfactual
        From :func:`scoring.analysis.explain.counterfactuals`.
    influence : FieldInfluence or None
        From :func:`scoring.analysis.explain.most_influential_field`.
    full : bool
        Everything (every change, the whole advice, likelihood ratios) instead of the short view.
    width : int, optional
        Wrap to this many characters; the terminal's width (:func:`terminal_width`) by default.
    card : Card, optional
        The card assessed with: the short view adds each group's items into one entry.

    Returns
    -------
    str
        The lines, joined by newlines (no final newline).
    """
    width = width or terminal_width()
    flags = _red_flags(assessment)
    lines = _wrap(
        f"Recommendation: {assessment.recommendation.label} ({_level(assessment.recommendation)}), "
        f"under {_policy_name(assessment.policy)}",
        width,
    )
    lines += _wrap(_why_line(assessment, flags), width)
    lines += _wrap(_risk_line(assessment, flags, card), width)
    lines += _points_lines(assessment, width, full, card)
    lines += _tree_lines(assessment, width)
    lines += _change_lines(found, influence, width, full)
    how_soon = ""
    if assessment.timeframe is not None:
        from scoring.contract.recommendation import TIMEFRAME_LABELS

        how_soon = f"{TIMEFRAME_LABELS[assessment.timeframe]}. "
    if full:
        if assessment.timeframe_advice and assessment.timeframe_advice not in assessment.advice:
            how_soon += assessment.timeframe_advice + " "
        lines += _wrap(f"Advice: {how_soon}{assessment.advice}", width)
    else:
        lines += _wrap(f"Advice: {how_soon}{_first_sentence(assessment.advice)} (more: --full)", width)
    lines += textwrap.wrap(assessment.notice, width, break_long_words=False)
    return "\n".join(lines)
