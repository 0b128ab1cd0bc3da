"""The one rule for what a person is told: the most cautious of the floor, the policy and the models shown.

Every assessment shows, side by side, the chosen policy's answer, the floor's (NG127's
must-refers and the red flags, ``[floor]`` of ``definitions/policies.toml``), the points card's
level (its band, or urgent on a card red flag) and the tree's level (the risk policy's
thresholds on the tree's risk). What a person is told is never less cautious than any of them
that the policy counts (:func:`counted_sources`):

    told = max(policy, floor, card, tree)

The tree has no bands of its own: its level is the risk policy's reading of its risk, so it
counts under a risk policy. Under a guideline policy (``nhs``, ``ng127``) it is shown the way the
card's risk is, as what the risk policy would read from it, beside the risk policy's own answer;
a guideline's answer is not raised by a risk threshold it does not use.

and the answer is *decided by* the first of :data:`SOURCES` that reaches it, so an answer the
policy gives itself is the policy's, and the floor, the card or the tree show where they raised
it. :func:`combine_levels` applies the rule to level arrays (``assess`` calls it on one row,
``assess_frame`` on every row); :func:`combined_level_sql` and :func:`decided_by_sql` compile
the same description for SQL, which DuckDB runs and Spark reads through sqlglot.

Examples
--------
>>> import numpy as np
>>> told, decided = combine_levels({"policy": [SELF_CARE, SEE_DOCTOR], "floor": [SEE_DOCTOR, SELF_CARE],
...                                 "card": [SELF_CARE, URGENT], "tree": None})
>>> told.tolist(), [SOURCES[i] for i in decided]
([1, 2], ['floor', 'card'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoring.contract.recommendation import LEVELS, Recommendation, more_cautious

__all__ = [
    "SELF_CARE",
    "SEE_DOCTOR",
    "URGENT",
    "SOURCES",
    "SOURCE_LABELS",
    "combine_levels",
    "counted_sources",
    "combined_level_sql",
    "decided_by_sql",
    "not_followed_text",
]

#: The levels, named: what ``Recommendation.level`` gives for each recommendation.
SELF_CARE: int = Recommendation.SELF_CARE.level
SEE_DOCTOR: int = Recommendation.SEE_DOCTOR.level
URGENT: int = Recommendation.URGENT.level

#: The levels combined, in the order that names who decided an answer several reach.
SOURCES: tuple[str, ...] = ("policy", "floor", "card", "tree")

#: How each source reads inside a sentence.
SOURCE_LABELS: dict[str, str] = {
    "policy": "the policy",
    "floor": "the floor",
    "card": "the points card",
    "tree": "the decision tree",
}


def counted_sources(policy_kind: str) -> tuple[str, ...]:
    """The sources whose levels the answer follows under a policy of this kind (``guideline`` or ``risk``).

    Examples
    --------
    >>> counted_sources("guideline"), counted_sources("risk")
    (('policy', 'floor', 'card'), ('policy', 'floor', 'card', 'tree'))
    """
    if policy_kind not in ("guideline", "risk"):
        raise ValueError(f"unknown policy kind {policy_kind!r}; use 'guideline' or 'risk'")
    return SOURCES if policy_kind == "risk" else tuple(name for name in SOURCES if name != "tree")


def combine_levels(levels: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """What a person is told, and which source decided it, from every source's levels.

    Parameters
    ----------
    levels : mapping of str to array-like or None
        For each name of :data:`SOURCES`, its level per row (0-2); a source that is not shown
        (no tree) is None or left out. ``policy`` and ``floor`` are required.

    Returns
    -------
    told : ndarray of int8
        The most cautious level per row.
    decided_by : ndarray of int8
        Per row, the position in :data:`SOURCES` of the first source whose level is ``told``.
    """
    missing = [name for name in ("policy", "floor") if levels.get(name) is None]
    if missing:
        raise ValueError(f"combine_levels needs the {' and '.join(missing)} levels; pass them by name")
    unknown = sorted(set(levels) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown level source {unknown[0]!r}; use one of {', '.join(SOURCES)}")
    shown = [
        (SOURCES.index(name), np.asarray(levels[name], dtype=np.int8))
        for name in SOURCES
        if levels.get(name) is not None
    ]
    told = np.asarray(more_cautious(*(array for _, array in shown)), dtype=np.int8)
    decided = np.zeros(told.shape, dtype=np.int8)
    for position, array in reversed(shown):  # the first source in SOURCES order wins a tie
        decided = np.where(array == told, np.int8(position), decided)
    return told, decided.astype(np.int8)


def combined_level_sql(columns: Mapping[str, str | None]) -> str:
    """:func:`combine_levels`'s level as SQL over columns holding each source's level.

    ``columns`` maps each name of :data:`SOURCES` to a column name (None where not shown).
    """
    shown = [columns[name] for name in SOURCES if columns.get(name) is not None]
    return f"GREATEST({', '.join(str(column) for column in shown)})" if len(shown) > 1 else str(shown[0])


def decided_by_sql(columns: Mapping[str, str | None], told: str) -> str:
    """:func:`combine_levels`'s ``decided_by`` as SQL text (the source's name), given the combined column."""
    cases = " ".join(
        f"WHEN {columns[name]} = {told} THEN '{name}'" for name in SOURCES if columns.get(name) is not None
    )
    return f"CASE {cases} END"


def not_followed_text(
    name: str, level: int, told: int, decided_by: str, why: str, labels: Mapping[str, str] | None = None
) -> str:
    """One line saying a shown level was not followed and what the answer follows instead.

    ``labels`` overrides :data:`SOURCE_LABELS` (e.g. the policy's own name).

    Examples
    --------
    >>> not_followed_text("tree", SEE_DOCTOR, URGENT, "floor", "visible muscle wasting")
    'The decision tree says see_doctor; the answer (urgent) follows the floor: visible muscle wasting.'
    """
    if level >= told:
        raise ValueError(f"{name} says {LEVELS[level]}, which the answer {LEVELS[told]} follows")
    names = {**SOURCE_LABELS, **(labels or {})}
    who = names[name]
    return f"{who[:1].upper()}{who[1:]} says {LEVELS[level]}; the answer ({LEVELS[told]}) follows {names[decided_by]}: {why.rstrip('.')}."
