"""Printing a card: a plain-text table for a terminal and an HTML fragment.

Both are derived from the card data only and return strings; the caller decides where
they go.
"""

from __future__ import annotations

import html
import math
import textwrap

from scoring.engine.card._model import Card, CardItem
from scoring.results import Band
from scoring.wording import condition_words

__all__ = [
    "render_card_text",
    "render_card_html",
    "likelihood_ratio_text",
    "likelihood_ratio_note",
    "doubling_note",
    "bands_note",
]


def likelihood_ratio_text(value: float) -> str:
    """A likelihood ratio as printed next to an item's points: whole above 10, else two figures.

    Examples
    --------
    >>> [likelihood_ratio_text(v) for v in (24.2021, 2.0484, 0.2993, 0.0558, float("nan"))]
    ['24', '2.0', '0.30', '0.056', '-']
    """
    if math.isnan(value):
        return "-"
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def _has_likelihood_ratios(card: Card) -> bool:
    return any(not math.isnan(card.likelihood_ratio(item.item_id)) for item in card.items)


def likelihood_ratio_note(card: Card) -> str:
    """The footnote that explains the LR column of a card table ("" when the card has no ratios).

    The ratios come from the data the card's calibration was fitted on, so the note says
    which outcome, how many vignettes and that they are synthetic.
    """
    if card.calibration is None or not _has_likelihood_ratios(card):
        return ""
    from scoring.engine.risk import load_outcomes

    calibration = card.calibration
    outcomes = load_outcomes()
    outcome = outcomes[calibration.outcome].label.lower() if calibration.outcome in outcomes else calibration.outcome
    data = calibration.data.get("data", {})
    n = data.get("n")
    sample = f"the {n:,} synthetic vignettes" if isinstance(n, int) else "the synthetic vignettes"
    return (
        f"LR: the likelihood ratio in the learning data. How many times more often the item holds in "
        f"vignettes with a {outcome} than in those without: above 1 it points towards a {outcome}, below 1 "
        f"away from it. Measured on {sample} ({calibration.population} population) the card's risk was "
        "fitted on. The data are synthetic, so the ratios reflect the generator's assumptions "
        "(scoring/definitions/generator.toml); docs/expert_card.md says how the points follow them."
    )


def _rule_points(card: Card, item: CardItem) -> int | None:
    """The points one-per-doubling gives an item: log2 of LR+ / LR- rounded (None without both ratios)."""
    evidence = None if card.calibration is None else card.calibration.item_evidence(item.item_id)
    if not evidence:
        return None
    present, absent = evidence.get("lr_present"), evidence.get("lr_absent")
    if not present or not absent or present <= 0 or absent <= 0:
        return None
    return round(math.log2(float(present) / float(absent)))


def doubling_note(card: Card) -> str:
    """How 'one point for each doubling of the odds' reads against the LR column ("" without ratios).

    The rule weighs an item holding against it not holding: log2(LR+ / LR-). An item common
    with and without a serious cause (a small LR+) can still earn several points when its
    absence is rare with one (a small LR-). The note names the card's item whose points look
    furthest from its LR+ and says what explains them: its LR- where the rule with it comes
    within a point of the card, otherwise the card's own reasons (points moved towards caution
    on an expert card, points fitted together on a learned one).
    """
    if not _has_likelihood_ratios(card):
        return ""
    candidates = []
    for item in card.items:
        rule, ratio = _rule_points(card, item), card.likelihood_ratio(item.item_id)
        if rule is None or math.isnan(ratio) or item.points <= 0:
            continue
        alone = round(math.log2(ratio)) if ratio > 0 else 0
        candidates.append((item.points - alone, rule - alone, item, rule, ratio))
    text = (
        "One point for each doubling of the odds weighs an item holding against it not holding: "
        "log2(LR+ / LR-), where LR- is the ratio when the item does not hold."
    )
    if not candidates:
        return text
    gap, _, item, rule, ratio = max(candidates, key=lambda c: (c[0], c[1]))
    if gap <= 1:
        return text
    evidence = card.calibration.item_evidence(item.item_id) if card.calibration is not None else None
    absent = float((evidence or {}).get("lr_absent") or math.nan)
    explained = rule >= item.points - 1 and not math.isnan(absent) and absent < 1
    text += (
        f" So '{item.label}' has LR {likelihood_ratio_text(ratio)} {'but' if explained else 'and'} "
        f"LR- {likelihood_ratio_text(absent)}"
    )
    if explained:
        # The item's absence explains the points: say how much it weighs against its presence.
        tells = "is what tells" if -math.log2(absent) > math.log2(ratio) else "tells too"
        text += f": its absence {tells}, and the rule gives {rule:+d}"
        if rule != item.points:
            text += f" ({item.points:+d} on the card; {_points_reason(card)})"
        return text + "."
    return text + f": the rule gives {rule:+d} and the card {item.points:+d}; {_points_reason(card)}."


def _points_reason(card: Card) -> str:
    """Where a reader finds why a card's points differ from the doubling rule."""
    if card.items and all(item.evidence.startswith("Learned:") for item in card.items):
        return "a learned card's points are fitted together, not item by item: docs/learned_card.md"
    if card.name == "default":
        return "its points are moved towards caution where the sources say so: docs/expert_card.md gives each item's reason"
    where = f"scoring/cards/{card.path.name}" if card.path is not None else "the card's file"
    return f"{where} says why this card's points are what they are"


def bands_note(card: Card) -> str:
    """Why the top band says what it says, in words ("" for a card whose top band says urgent).

    A card whose top band says see_doctor keeps urgent for the red flags: the sentence says
    so, so that a "high risk" band that does not say urgent is not read as a mistake.
    """
    from scoring.contract.recommendation import Recommendation

    top = max(card.bands, key=lambda band: band.max_points)
    if top.recommendation is Recommendation.URGENT:
        return (
            f"The '{top.name}' band says urgent (a doctor within 2 weeks): its risk reaches the risk policy's "
            "threshold for an urgent appointment."
        )
    return (
        f"No band of this card says urgent: urgent stays with the red flags, so the '{top.name}' band "
        f"({_band_range(top)}) says {top.recommendation.value}, with advice to be seen soon. The risk policy, "
        "when chosen, still answers urgent for a risk at its urgent threshold."
    )


def _item_rows(card: Card) -> list[tuple[str | None, list[CardItem]]]:
    """Items in sections: ungrouped items first, then each group (card order within)."""
    sections: list[tuple[str | None, list[CardItem]]] = [(None, [i for i in card.items if i.group is None])]
    for group in card.groups:
        sections.append((group.group_id, [i for i in card.items if i.group == group.group_id]))
    return [(gid, rows) for gid, rows in sections if rows]


def _band_range(band: Band) -> str:
    return f"{band.min_points} to {band.max_points}"


def render_card_text(card: Card, *, width: int = 100) -> str:
    """The card as a plain-text table for a terminal, derived from the card data only.

    Parameters
    ----------
    card : Card
    width : int
        Wrap long labels and the description to this many characters.
    """
    lines = [f"Points card: {card.name} (version {card.version})"]
    if card.description:
        lines += textwrap.wrap(card.description, width)
    label_width = max([len(i.label) for i in card.items] + [len(f.label) for f in card.red_flags] + [4])
    label_width = min(label_width, 56, width - 30)
    groups = {g.group_id: g for g in card.groups}
    # The LR column (likelihood ratio in the learning data) only when the calibration has one.
    note = likelihood_ratio_note(card)
    lead = 6 + (7 if note else 0)

    condition_width = max(20, width - lead - label_width - 4)

    def row(points: str, label: str, condition: str, ratio: str | None = None) -> list[str]:
        wrapped = textwrap.wrap(label, label_width) or [""]
        conditions = textwrap.wrap(condition, condition_width, break_long_words=False) or [""]
        first = f"{points:>6}" + (f"  {ratio or '':>5}" if note else "")
        out = []
        for i in range(max(len(wrapped), len(conditions))):
            head = first if i == 0 else f"{'':>{lead}}"
            part = wrapped[i] if i < len(wrapped) else ""
            cond = conditions[i] if i < len(conditions) else ""
            out.append(f"{head}  {part:<{label_width}}  {cond}".rstrip())
        return out

    lines.append("")
    header = f"{'Points':>6}" + (f"  {'LR':>5}" if note else "")
    rule = "-" * 6 + ("  " + "-" * 5 if note else "")
    lines.append(f"{header}  {'Item':<{label_width}}  Condition")
    lines.append(f"{rule}  {'-' * label_width}  {'-' * 9}")
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            lines.append(f"{'':>{lead}}  {group.label} ({group.cap_text()}):")
        for item in members:
            ratio = likelihood_ratio_text(card.likelihood_ratio(item.item_id))
            lines += row(f"{item.points:+d}", item.label, condition_words(item.condition), ratio)
    lines.append("")
    lines.append(f"Totals run from {card.min_total} to {card.max_total}.")
    if note:
        lines += textwrap.wrap(note, width)
        lines += textwrap.wrap(doubling_note(card), width)
    if card.red_flags:
        lines.append("")
        lines.append("Red flags (urgent whatever the total):")
        for flag in card.red_flags:
            lines += row("!", flag.label, condition_words(flag.condition))
    lines.append("")
    lines.append("Bands:")
    range_width = max(len(_band_range(b)) for b in card.bands)
    name_width = max(len(b.name) for b in card.bands)
    for band in card.bands:
        lines.append(f"  {_band_range(band):<{range_width}}  {band.name:<{name_width}}  {band.recommendation.value}")
    lines += textwrap.wrap(bands_note(card), width)
    return "\n".join(lines) + "\n"


def render_card_html(card: Card) -> str:
    """The card as an HTML fragment (a captioned table, every text escaped).

    Derived from the card data only; the caller decides where it goes.
    """
    e = html.escape
    groups = {g.group_id: g for g in card.groups}
    note = likelihood_ratio_note(card)
    # With likelihood ratios, each row gets an LR cell after its points (empty for flags and bands).
    lr_head = '<th title="likelihood ratio in the learning data">LR</th>' if note else ""
    lr_gap = "<td></td>" if note else ""
    span = 5 if note else 4
    parts = [
        '<table class="zaro-card">',
        f"<caption>Points card: {e(card.name)} (version {e(card.version)})</caption>",
        f"<thead><tr><th>Points</th>{lr_head}<th>Item</th><th>Condition</th><th>Source</th></tr></thead>",
        "<tbody>",
    ]
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            parts.append(f'<tr class="group"><th colspan="{span}">{e(group.label)} ({e(group.cap_text())})</th></tr>')
        for item in members:
            ratio = f"<td>{likelihood_ratio_text(card.likelihood_ratio(item.item_id))}</td>" if note else ""
            parts.append(
                f"<tr><td>{item.points:+d}</td>{ratio}<td>{e(item.label)}</td>"
                f"<td>{e(condition_words(item.condition))}</td><td>{e(item.evidence)}</td></tr>"
            )
    parts.append(
        f'<tr class="range"><td colspan="{span}">Totals run from {card.min_total} to {card.max_total}.</td></tr>'
    )
    parts.append("</tbody>")
    if card.red_flags:
        parts.append(
            f'<tbody class="red-flags"><tr><th colspan="{span}">Red flags (urgent whatever the total)</th></tr>'
        )
        for flag in card.red_flags:
            parts.append(
                f"<tr><td>!</td>{lr_gap}<td>{e(flag.label)}</td><td>{e(condition_words(flag.condition))}</td>"
                f"<td>{e(flag.evidence)}</td></tr>"
            )
        parts.append("</tbody>")
    parts.append(f'<tbody class="bands"><tr><th colspan="{span}">Bands</th></tr>')
    for band in card.bands:
        parts.append(
            f"<tr><td>{e(_band_range(band))}</td>{lr_gap}<td>{e(band.name)}</td>"
            f"<td>{e(band.recommendation.value)}</td><td>{e(band.advice)}</td></tr>"
        )
    parts.append("</tbody>")
    if note:
        parts.append(f'<tfoot><tr><td colspan="{span}">{e(note)}</td></tr></tfoot>')
    parts.append("</table>")
    return "\n".join(parts) + "\n"
