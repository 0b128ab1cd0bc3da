"""Changes to answers in words: one change, a counterfactual, a group of them, an influence.

The explanation code (:mod:`scoring.analysis.explain`) finds the changes and returns them as
data; the sentences are built here, from that data, so every face says them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scoring.wording._values import format_number, format_value, risk_percent

__all__ = [
    "CounterfactualLine",
    "change_phrase",
    "changes_phrase",
    "counterfactual_sentence",
    "counterfactual_lines",
    "influence_sentence",
]

#: Short names for numbers, where the field's label would be long in a sentence.
_SHORT_NAMES = {
    "duration_weeks": "duration",
    "caffeine_mg_per_day": "caffeine",
    "stress_level": "stress",
    "sleep_hours": "sleep",
}


class _Counterfactual(Protocol):
    """What :func:`counterfactual_lines` reads from a counterfactual."""

    @property
    def changes(self) -> Mapping[str, Any]: ...
    @property
    def before(self) -> Mapping[str, Any]: ...
    @property
    def recommendation(self) -> Any: ...
    @property
    def direction(self) -> str: ...


def _label(field_name: str) -> str:
    from scoring.contract.schema import field_spec

    label = field_spec(field_name).label
    # Lower-case the first letter only: "Family history of ALS/MND" keeps its acronym.
    return label[:1].lower() + label[1:]


def _or(words: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def change_phrase(field_name: str, before: Any, after: Any) -> str:
    """One field's change in words.

    Examples
    --------
    >>> change_phrase("weakness", False, True)
    'with real weakness'
    >>> change_phrase("stress_level", 6, 8)
    'stress 8 out of 10 instead of 6'
    >>> change_phrase("locations", ("calf",), ("calf", "thigh"))
    'with thigh twitching too'
    """
    from scoring.contract.schema import field_spec

    kind = field_spec(field_name).kind
    if kind == "bool":
        return f"with {_label(field_name)}" if after else f"without {_label(field_name)}"
    if kind == "category":
        return f"{_label(field_name)} {after} instead of {before}"
    if kind == "multi_category":
        removed = [f"without {area} twitching" for area in before if area not in after]
        added = [f"with {area} twitching too" for area in after if area not in before]
        return " and ".join(removed + added)
    name = _SHORT_NAMES.get(field_name, _label(field_name))
    return f"{name} {format_value(field_name, after)} instead of {format_number(before)}"


def changes_phrase(changes: Mapping[str, Any], before: Mapping[str, Any]) -> str:
    """Several changes in words, joined with 'and', in the order given."""
    return " and ".join(change_phrase(name, before[name], value) for name, value in changes.items())


def counterfactual_sentence(changes: Mapping[str, Any], before: Mapping[str, Any], recommendation: Any) -> str:
    """A counterfactual in words: the changes, an arrow, the new recommendation's value.

    Examples
    --------
    >>> counterfactual_sentence({"weakness": False}, {"weakness": True}, "see_doctor")
    'without real weakness → see_doctor'
    """
    return f"{changes_phrase(changes, before)} → {getattr(recommendation, 'value', recommendation)}"


@dataclass(frozen=True)
class CounterfactualLine:
    """One line of "what would change it": one counterfactual, or several that read as one.

    Attributes
    ----------
    change : str
        The change(s) in words, without the new recommendation, e.g. "with twitching in any
        other area except the tongue".
    recommendation : str
        The recommendation's value after the change (``self_care``, ``see_doctor``, ``urgent``).
    direction : {"up", "down"}
    count : int
        How many counterfactuals the line stands for.
    """

    change: str
    recommendation: str
    direction: str
    count: int = 1

    @property
    def text(self) -> str:
        """The line as one sentence, e.g. 'with real weakness → see_doctor'."""
        return f"{self.change} → {self.recommendation}"


def _group_key(item: _Counterfactual) -> tuple[Any, ...] | None:
    """Counterfactuals with the same key read as one line; ``None``: the item stands alone."""
    if len(item.changes) != 1:
        return None
    ((name, after),) = item.changes.items()
    before = item.before[name]
    from scoring.contract.schema import field_spec

    kind = field_spec(name).kind
    if kind == "multi_category":
        how = "add" if len(after) > len(before) else "remove"
    elif kind == "category":
        how = "category"
    else:
        return None
    return (item.direction, str(getattr(item.recommendation, "value", item.recommendation)), name, how)


def _group_phrase(members: Sequence[_Counterfactual], how: str) -> str:
    (name,) = members[0].changes
    before = members[0].before[name]
    if how == "category":
        options = [str(member.changes[name]) for member in members]
        return f"{_label(name)} {_or(options)} instead of {before}"
    from scoring.contract.schema import field_spec

    if how == "add":
        areas = [area for member in members for area in member.changes[name] if area not in before]
        others = [area for area in field_spec(name).allowed if area not in before and area not in areas]
        if not others:
            return "with twitching in any other area"
        if len(others) <= 2 < len(areas):  # shorter to name the exceptions
            return "with twitching in any other area except the " + " and the ".join(others)
        return f"with {_or(areas)} twitching too"
    areas = [area for member in members for area in before if area not in member.changes[name]]
    return f"without {_or(areas)} twitching (any one of them)"


def counterfactual_lines(items: Iterable[_Counterfactual]) -> list[CounterfactualLine]:
    """Counterfactuals as lines to show, with one-area and one-category changes grouped.

    Adding any one of several areas (or switching a category to any of several values)
    that leads to the same new recommendation reads as one line, e.g. "with twitching in
    any other area except the tongue → see_doctor" instead of one line per area. Lines keep
    the order of the first counterfactual of each group.

    Parameters
    ----------
    items : iterable of Counterfactual
        From :func:`scoring.analysis.explain.counterfactuals`.

    Returns
    -------
    list of CounterfactualLine
    """
    groups: dict[Any, list[_Counterfactual]] = {}
    for position, item in enumerate(items):
        groups.setdefault(_group_key(item) or position, []).append(item)
    lines = []
    for key, members in groups.items():
        first = members[0]
        value = str(getattr(first.recommendation, "value", first.recommendation))
        if len(members) == 1:
            change = changes_phrase(first.changes, first.before)
        else:
            change = _group_phrase(members, key[3])
        lines.append(CounterfactualLine(change, value, first.direction, len(members)))
    return lines


def influence_sentence(
    change: str,
    level: str,
    new_level: str,
    points_change: int,
    tree_risks: tuple[float, float],
    outcome_label: str = "serious cause",
) -> str:
    """One change in words, claiming a new recommendation only when there is one.

    Parameters
    ----------
    change : str
        The change, from :func:`changes_phrase`.
    level, new_level : str
        The recommendation's value before and after the change.
    points_change : int
        The change in the card's points total.
    tree_risks : (float, float)
        The tree's risk of its outcome before and after the change (NaN without a tree).
    outcome_label : str
        The tree's outcome in words, lower case.

    Examples
    --------
    >>> influence_sentence("duration 2 weeks instead of 6", "see_doctor", "self_care", -2, (0.09, 0.02))
    'duration 2 weeks instead of 6 → self_care'
    >>> influence_sentence("without real weakness", "urgent", "urgent", -4, (0.4, 0.4))
    'without real weakness: 4 points fewer, still urgent'
    >>> influence_sentence("without numbness", "see_doctor", "see_doctor", 0, (0.12, 0.031))
    "without numbness: the tree's risk of a serious cause 3.1% instead of 12%, still see_doctor"
    """
    if new_level != level:
        return f"{change} → {new_level}"
    still = f"still {level}"
    if points_change:
        size = abs(points_change)
        more = "more" if points_change > 0 else "fewer"
        return f"{change}: {size} point{'s' if size != 1 else ''} {more}, {still}"
    before, after = (risk_percent(risk, missing="") for risk in tree_risks)
    if before != after:  # only a move that shows at the precision a risk is written with
        return f"{change}: the tree's risk of a {outcome_label} {after} instead of {before}, {still}"
    return f"{change}: same points, {still}"
