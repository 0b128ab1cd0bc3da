"""Printing a card: a plain-text table for a terminal and an HTML fragment.

Both are derived from the card data only and return strings; the caller decides where
they go.
"""

from __future__ import annotations

import html
import textwrap

from scoring.engine.card._model import Card, CardItem
from scoring.results import Band

__all__ = ["render_card_text", "render_card_html"]


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

    def row(points: str, label: str, condition: str) -> list[str]:
        wrapped = textwrap.wrap(label, label_width) or [""]
        out = [f"{points:>6}  {wrapped[0]:<{label_width}}  {condition}".rstrip()]
        out += [f"{'':>6}  {part}" for part in wrapped[1:]]
        return out

    lines.append("")
    lines.append(f"{'Points':>6}  {'Item':<{label_width}}  Condition")
    lines.append(f"{'-' * 6}  {'-' * label_width}  {'-' * 9}")
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            lines.append(f"{'':>6}  {group.label} ({group.cap_text()}):")
        for item in members:
            lines += row(f"{item.points:+d}", item.label, item.condition)
    lines.append("")
    lines.append(f"Totals run from {card.min_total} to {card.max_total}.")
    if card.red_flags:
        lines.append("")
        lines.append("Red flags (urgent whatever the total):")
        for flag in card.red_flags:
            lines += row("!", flag.label, flag.condition)
    lines.append("")
    lines.append("Bands:")
    range_width = max(len(_band_range(b)) for b in card.bands)
    name_width = max(len(b.name) for b in card.bands)
    for band in card.bands:
        lines.append(f"  {_band_range(band):<{range_width}}  {band.name:<{name_width}}  {band.recommendation.value}")
    return "\n".join(lines) + "\n"


def render_card_html(card: Card) -> str:
    """The card as an HTML fragment (a captioned table, every text escaped).

    Derived from the card data only; the caller decides where it goes.
    """
    e = html.escape
    groups = {g.group_id: g for g in card.groups}
    parts = [
        '<table class="zaro-card">',
        f"<caption>Points card: {e(card.name)} (version {e(card.version)})</caption>",
        "<thead><tr><th>Points</th><th>Item</th><th>Condition</th><th>Source</th></tr></thead>",
        "<tbody>",
    ]
    for group_id, members in _item_rows(card):
        if group_id is not None:
            group = groups[group_id]
            parts.append(f'<tr class="group"><th colspan="4">{e(group.label)} ({e(group.cap_text())})</th></tr>')
        for item in members:
            parts.append(
                f"<tr><td>{item.points:+d}</td><td>{e(item.label)}</td>"
                f"<td><code>{e(item.condition)}</code></td><td>{e(item.evidence)}</td></tr>"
            )
    parts.append(f'<tr class="range"><td colspan="4">Totals run from {card.min_total} to {card.max_total}.</td></tr>')
    parts.append("</tbody>")
    if card.red_flags:
        parts.append('<tbody class="red-flags"><tr><th colspan="4">Red flags (urgent whatever the total)</th></tr>')
        for flag in card.red_flags:
            parts.append(
                f"<tr><td>!</td><td>{e(flag.label)}</td><td><code>{e(flag.condition)}</code></td>"
                f"<td>{e(flag.evidence)}</td></tr>"
            )
        parts.append("</tbody>")
    parts.append('<tbody class="bands"><tr><th colspan="4">Bands</th></tr>')
    for band in card.bands:
        parts.append(
            f"<tr><td>{e(_band_range(band))}</td><td>{e(band.name)}</td>"
            f"<td>{e(band.recommendation.value)}</td><td>{e(band.advice)}</td></tr>"
        )
    parts.append("</tbody></table>")
    return "\n".join(parts) + "\n"
