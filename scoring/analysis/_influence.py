"""Which field matters most: the largest move one change to each field makes.

Public through :mod:`scoring.analysis.explain` (``from scoring.analysis.explain import
field_influence, most_influential_field``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.analysis.explain import CHANGEABLE_FIELDS, _score_variants, _single_changes, _the_card
from scoring.contract.recommendation import LEVELS
from scoring.contract.schema import validate_vignette
from scoring.wording._changes import changes_phrase, influence_sentence

__all__ = ["FieldInfluence", "field_influence", "most_influential_field"]


@dataclass(frozen=True)
class FieldInfluence:
    """How much one change to one field can move a vignette's assessment.

    Attributes
    ----------
    field : str
        The contract field.
    level_change : int
        The largest change in the combined recommendation level (signed: +2 means two
        levels more cautious) over the field's meaningful values.
    points_change : int
        The largest change in the card's points total (signed) over the same values.
    value : Any
        The value giving ``level_change`` (when no value changes the level, the one taking
        away the most red flags, then the one giving ``points_change``, then the biggest change in
        the tree's risk).
    text : str
        That change in words, e.g. "duration 2 weeks instead of 6 → self_care". A change
        that leaves the recommendation as it is says what it does move instead, e.g.
        "without real weakness: 4 points fewer, still urgent".
    red_flag_change : int
        How many red flags that change adds (positive) or takes away (negative).
    """

    field: str
    level_change: int
    points_change: int
    value: Any
    text: str
    red_flag_change: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "level_change": self.level_change,
            "points_change": self.points_change,
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "text": self.text,
            "red_flag_change": self.red_flag_change,
        }


def field_influence(
    vignette: Any,
    *,
    card: Any = "default",
    tree: Any = "default",
    fields: Iterable[str] | None = None,
    population: Any = None,
    policy: Any = None,
) -> list[FieldInfluence]:
    """For each changeable field, the largest move one change to it makes (see :class:`FieldInfluence`).

    Sorted from most to least influential: by the size of the recommendation change (the
    recommendation ``policy`` gives, as in :func:`scoring.assessment.assess`), then how many
    red flags the change takes away (while a red flag stands the points total is not used),
    then the size of the points change, then contract order.
    """
    from scoring.engine.tree import DEFAULT_OUTCOME, outcome_words, resolve_tree

    the_card, the_tree = _the_card(card), resolve_tree(tree)
    v = validate_vignette(vignette)
    names = list(CHANGEABLE_FIELDS if fields is None else fields)
    singles = _single_changes(v, the_card, the_tree, names)
    everything = _score_variants(v, [{}, *singles], the_card, the_tree, population, policy)
    base = {key: value[0] for key, value in everything.items()}
    scores = {key: value[1:] for key, value in everything.items()}
    # Without a tree no risk moves, so the label is never shown; the default outcome's will do.
    outcome_label = outcome_words(DEFAULT_OUTCOME if the_tree is None else the_tree.outcome)
    out = []
    for name in names:
        rows = [i for i, change in enumerate(singles) if name in change]
        if not rows:
            out.append(FieldInfluence(name, 0, 0, getattr(v, name), "no other value to try"))
            continue
        chosen = {k: s[rows] for k, s in scores.items()}
        out.append(_strongest_change(v, name, [singles[i] for i in rows], base, chosen, outcome_label))
    order = {name: i for i, name in enumerate(names)}
    out.sort(key=lambda f: (-abs(f.level_change), min(f.red_flag_change, 0), -abs(f.points_change), order[f.field]))
    return out


def _strongest_change(
    v: Any,
    name: str,
    changes: list[dict[str, Any]],
    base: dict[str, Any],
    scores: dict[str, np.ndarray],
    outcome_label: str,
) -> FieldInfluence:
    """Of one field's single changes (scored in ``scores``), the one that moves the assessment most."""
    base_level, base_points = int(base["combined"]), int(base["points"])
    base_risk = float(base["tree_risk"])
    level_moves = scores["combined"].astype(int) - base_level
    point_moves = scores["points"].astype(int) - base_points
    # The tree's risk of its outcome: no move without a tree (NaN).
    risk_moves = np.nan_to_num(scores["tree_risk"] - base_risk)
    # Red flags taken away: while one stands the points total decides neither the risk nor
    # the answer, so among equal level moves taking red flags away comes before any move in
    # the points (adding one to an answer it already holds at urgent moves nothing).
    flag_moves = scores["red_flags"].astype(int) - int(base["red_flags"])
    flags_removed = np.maximum(-flag_moves, 0)
    # Biggest level move first; among equals the most red flags taken away, then the biggest
    # points move, then the biggest move in the tree's risk, then the first value.
    key = np.lexsort(
        (
            np.arange(len(changes)),
            -np.abs(risk_moves),
            -np.abs(point_moves),
            -flags_removed,
            -np.abs(level_moves),
        )
    )
    pick = int(key[0])
    change = changes[pick]
    text = influence_sentence(
        changes_phrase(change, {field: getattr(v, field) for field in change}),
        LEVELS[base_level],
        LEVELS[int(scores["combined"][pick])],
        int(point_moves[pick]),
        (base_risk, float(scores["tree_risk"][pick])),
        outcome_label,
    )
    return FieldInfluence(
        name, int(level_moves[pick]), int(point_moves[pick]), change[name], text, int(flag_moves[pick])
    )


def most_influential_field(
    vignette: Any, *, card: Any = "default", tree: Any = "default", population: Any = None, policy: Any = None
) -> FieldInfluence:
    """The changeable field whose single change moves this vignette's assessment most.

    Examples
    --------
    >>> most_influential_field(v).field          # doctest: +SKIP
    'weakness'
    """
    return field_influence(vignette, card=card, tree=tree, population=population, policy=policy)[0]
