"""What would change a recommendation: counterfactuals and sensitivity sweeps.

* :func:`counterfactuals` finds the smallest sets of input changes (one field, then two)
  that move the recommendation (the chosen policy's) up (more cautious) or down (less cautious).
* :func:`sweep` shows how the points, the risks and the recommendations move
  as one field runs over its range (in :mod:`scoring.analysis._sweep`).
* :func:`field_influence` / :func:`most_influential_field` rank the fields by how far a
  single change moves the recommendation and the points (in :mod:`scoring.analysis._influence`).

The search is deterministic and exhaustive over a small set of *meaningful* values per
field: for yes/no and category fields every other value; for ``locations`` adding or
removing one area; for numbers the two sides of every threshold the card's conditions and
the tree's splits use on that field (rounded to the precision a person would report), plus
the ends of the field's range. Age and sex are never changed: a person cannot change them,
and a different answer there would not be advice. All candidates are scored together in
one vectorised pass (card and tree on a frame), so the same vignette gives the same answer
every run.

Everything here returns data (dataclasses and DataFrames); :mod:`scoring.plots` draws it and
:mod:`scoring.wording` puts it into words.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.analysis._counterfactual import Counterfactual, FieldChange
from scoring.assessment import combine_frame
from scoring.contract.features import Features, feature_spec, parse_condition
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.contract.schema import FIELDS, LOCATIONS, field_spec, validate_vignette
from scoring.wording._changes import changes_phrase

if TYPE_CHECKING:  # defined in sibling modules, loaded on first use (see __getattr__)
    from scoring.analysis._influence import FieldInfluence, field_influence, most_influential_field
    from scoring.analysis._sweep import sweep

__all__ = [
    "Counterfactual",
    "FieldChange",
    "FieldInfluence",
    "CHANGEABLE_FIELDS",
    "candidate_values",
    "counterfactuals",
    "describe_changes",
    "sweep",
    "field_influence",
    "most_influential_field",
]

#: Fields a person could change or report differently (not age, not sex), in contract order.
CHANGEABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.name not in ("age", "sex"))

#: The precision a person reports each number with (also the generator's rounding).
RESOLUTION = {"duration_weeks": 0.1, "caffeine_mg_per_day": 1.0, "stress_level": 1.0, "sleep_hours": 0.5, "age": 1.0}

#: Fields whose telling values bunch at the start of a long range (duration runs to 520
#: weeks, its thresholds sit at 2 and 4): default sweeps space them geometrically and
#: :func:`scoring.plots.sweep_figure` draws them on a log axis.
LOG_SCALED_FIELDS = frozenset({"duration_weeks"})


# --------------------------------------------------------------------------------------
# Meaningful values per field
# --------------------------------------------------------------------------------------


def _condition_thresholds(condition: str) -> list[tuple[str, str, float]]:
    """(feature, op, threshold) for every comparison in a card condition."""
    return [(c.feature, c.op, float(c.threshold)) for c in parse_condition(condition).comparisons()]


def _snap(value: float, step: float) -> float:
    # Round to the reporting precision without float noise (0.30000000000000004).
    return float(round(round(value / step) * step, 6))


def _sides(op: str, threshold: float, step: float) -> tuple[float, ...]:
    """Two reportable values, one each side of ``x op threshold``."""
    if op in (">", "<="):
        low = _snap(math.floor(threshold / step + 1e-9) * step, step)  # largest value <= threshold
        return (low, _snap(low + step, step))
    if op in ("<", ">="):
        high = _snap(math.ceil(threshold / step - 1e-9) * step, step)  # smallest value >= threshold
        return (_snap(high - step, step), high)
    return (_snap(threshold - step, step), _snap(threshold, step), _snap(threshold + step, step))


# The last (card, tree, thresholds) computed: explanations of many vignettes reuse one card
# and one tree, and identity is the only safe key (cards and trees are not all hashable).
_LAST_THRESHOLDS: list[Any] = [None, None, None]


def _numeric_thresholds(card: Any, tree: Any) -> dict[str, list[tuple[str, float]]]:
    """Per numeric field, every (op, threshold) the card's conditions and the tree's splits use."""
    last_card, last_tree, last = _LAST_THRESHOLDS
    if last is not None and last_card is card and last_tree is tree:
        return last
    result = _collect_thresholds(card, tree)
    _LAST_THRESHOLDS[:] = [card, tree, result]
    return result


def _collect_thresholds(card: Any, tree: Any) -> dict[str, list[tuple[str, float]]]:
    # Keyed by the number's source field (FeatureSpec types it optional; numbers always have one).
    found: dict[Any, set[tuple[str, float]]] = {}
    texts = [item.condition for item in card.items] + [flag.condition for flag in card.red_flags]
    for text in texts:
        for feature, op, threshold in _condition_thresholds(text):
            spec = feature_spec(feature)
            if spec.kind == "number":
                found.setdefault(spec.source_field, set()).add((op, threshold))
    if tree is not None and hasattr(tree, "tree_structure"):
        structure = tree.tree_structure()
        for node in np.flatnonzero(~structure.is_leaf):
            spec = feature_spec(structure.feature_names[int(structure.feature[node])])
            if spec.kind == "number":
                found.setdefault(spec.source_field, set()).add(("<=", float(structure.threshold[node])))
    return {name: sorted(pairs) for name, pairs in found.items()}


def field_range(field: str) -> tuple[float, float]:
    """The lowest and highest value a number field allows, as floats.

    Raises
    ------
    ValueError
        When ``field`` is not a number field with a range in ``fields.toml``.
    """
    spec = field_spec(field)
    if spec.min is None or spec.max is None:
        raise ValueError(
            f"{field}: a range is needed here, and fields.toml gives this {spec.kind} field none; "
            "give it min and max there, or sweep a number field"
        )
    return float(spec.min), float(spec.max)


def _the_card(card: Any) -> Any:
    from scoring.engine.card import load_card

    return load_card(card)


def candidate_values(vignette: Any, field: str, *, card: Any = "default", tree: Any = "default") -> list[Any]:
    """The meaningful values of ``field`` other than the vignette's own, in a fixed order.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
    field : str
        A contract field.
    card, tree
        As for :func:`scoring.assessment.assess`; their thresholds decide the numeric values.

    Returns
    -------
    list
        For yes/no fields the other value; for categories the other categories; for
        ``locations`` each one-area change (removals first, then additions, in contract
        order) as a tuple; for numbers both sides of each card and tree threshold on the
        field, and the range ends, ascending.
    """
    from scoring.engine.tree import resolve_tree

    v = validate_vignette(vignette)
    return _candidates(v, field, _numeric_thresholds(_the_card(card), resolve_tree(tree)))


def _candidates(v: Any, field: str, thresholds_by_field: dict[str, list[tuple[str, float]]]) -> list[Any]:
    spec = field_spec(field)
    current = getattr(v, field)
    if spec.kind == "bool":
        return [not current]
    if spec.kind == "category":
        return [value for value in spec.allowed if value != current]
    if spec.kind == "multi_category":
        removals = [tuple(a for a in current if a != area) for area in current] if len(current) > 1 else []
        additions = [
            tuple(a for a in LOCATIONS if a in current or a == area) for area in LOCATIONS if area not in current
        ]
        return removals + additions
    step = RESOLUTION.get(field, 1.0)
    thresholds = thresholds_by_field.get(field, [])
    low, high = field_range(field)
    values = {low, high}
    for op, threshold in thresholds:
        values.update(_sides(op, threshold, step))
    cast = int if spec.kind == "int" else float
    kept = sorted(x for x in values if low <= x <= high and x != current)
    return [cast(x) for x in kept]


# --------------------------------------------------------------------------------------
# Scoring many variants of one vignette at once
# --------------------------------------------------------------------------------------


@cache
def _category_dtype(field: str) -> pd.CategoricalDtype:
    # Built once: validating categories costs far more than the few rows scored here.
    return pd.CategoricalDtype(list(field_spec(field).allowed))


_ARRAY_DTYPES = {"int": np.int64, "float": np.float64, "bool": np.bool_}


def _variants_frame(v: Any, changes: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A frame with one row per set of changes applied to ``v``, in the dtypes
    :func:`scoring.contract.schema.validate_frame` gives, built straight from arrays (no
    re-validation: every value comes from the field's allowed values or range)."""
    base = v.to_dict()
    n = len(changes)
    columns: dict[str, Any] = {}
    for spec in FIELDS:
        name = spec.name
        touched = [(i, c[name]) for i, c in enumerate(changes) if name in c]
        if spec.kind == "multi_category":
            texts = np.full(n, ";".join(base[name]), dtype=object)
            for i, value in touched:
                texts[i] = ";".join(value)
            columns[name] = texts
        elif spec.kind == "category":
            allowed = spec.allowed
            codes = np.full(n, allowed.index(base[name]), dtype=np.int8)
            for i, value in touched:
                codes[i] = allowed.index(value)
            columns[name] = pd.Categorical.from_codes(codes, dtype=_category_dtype(name))
        else:
            numbers: np.ndarray = np.full(n, base[name], dtype=_ARRAY_DTYPES[spec.kind])
            for i, value in touched:
                numbers[i] = value
            columns[name] = numbers
    return pd.DataFrame(columns, copy=False)


def _red_flag_counts(card_mask: Any, any_red_flag: Any) -> np.ndarray:
    """How many red flags each row has: the card's (one bit each), or one for a floor's red flag alone."""
    as_bytes = np.ascontiguousarray(np.asarray(card_mask, dtype=np.uint64)).view(np.uint8).reshape(-1, 8)
    card_counts = np.unpackbits(as_bytes, axis=1).sum(axis=1).astype(np.int64)
    return np.maximum(card_counts, np.asarray(any_red_flag, dtype=np.int64))


def _score_variants(
    v: Any,
    changes: Sequence[dict[str, Any]],
    card: Any,
    tree: Any,
    population: Any = None,
    policy: Any = None,
) -> dict[str, np.ndarray]:
    """Points, card level, red flags, the chosen policy's level and the tree's risk (in the population) per set of changes."""
    frame = _variants_frame(v, changes)
    features = Features(frame)
    scores = card.score_frame(features)
    # The combination of assess_frame, so every counterfactual's claim is what assess gives.
    combined = combine_frame(features, scores, card, tree, population=population, policy=policy)
    card_levels = combined["card"]
    return {
        "points": np.asarray(scores.totals),
        "card": card_levels,
        "combined": combined["combined"],
        "red_flags": _red_flag_counts(scores.red_flag_mask, combined["red_flag"]),
        # The tree's risk in the population: NaN without a tree.
        "tree_risk": np.full(len(frame), np.nan) if combined["tree_risk"] is None else combined["tree_risk"],
    }


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def describe_changes(vignette: Any, changes: dict[str, Any]) -> str:
    """A set of changes in words, e.g. 'without real weakness and duration 2 weeks instead of 6'."""
    v = validate_vignette(vignette)
    return changes_phrase(changes, {name: getattr(v, name) for name in changes})


# --------------------------------------------------------------------------------------
# Counterfactuals
# --------------------------------------------------------------------------------------


def _single_changes(v: Any, card: Any, tree: Any, fields: Sequence[str]) -> list[dict[str, Any]]:
    thresholds = _numeric_thresholds(card, tree)
    return [{name: value} for name in fields for value in _candidates(v, name, thresholds)]


def _closeness(v: Any, change: dict[str, Any]) -> float:
    """How far a change moves its fields, in units of each field's range (0 for categories)."""
    total = 0.0
    for name, value in change.items():
        if field_spec(name).is_numeric:
            low, high = field_range(name)
            total += abs(float(value) - float(getattr(v, name))) / (high - low)
    return total


def counterfactuals(
    vignette: Any,
    *,
    card: Any = "default",
    tree: Any = "default",
    fields: Iterable[str] | None = None,
    max_changes: int = 2,
    population: Any = None,
    policy: Any = None,
) -> list[Counterfactual]:
    """The smallest sets of changes that move the recommendation up or down.

    For each direction, single-field changes are tried first; only when none moves the
    recommendation that way are pairs of fields tried (up to ``max_changes``). Within a
    field only the closest value that works is kept for numbers; each one-area change of
    ``locations`` counts on its own (they are different advice). A pair is kept only when
    neither of its changes works alone.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
    card : Card or str, optional
        Default: the default card.
    tree : TreeModel, "default" or None
        ``"default"`` (the shipped tree) or None for the card alone.
    fields : iterable of str, optional
        Fields that may change; default :data:`CHANGEABLE_FIELDS` (never age or sex).
    max_changes : {1, 2}
    population, policy : str, optional
        As for :func:`scoring.assessment.assess`: the recommendation that moves is the one
        ``policy`` gives (the guideline's by default), with risks stated for ``population``.

    Returns
    -------
    list of Counterfactual
        Up first, then down; within a direction fewer changes first, then by contract
        field order and closeness. Applying any of them with :meth:`Counterfactual.apply`
        and assessing gives its ``recommendation`` (tested).

    Examples
    --------
    >>> [c.text for c in counterfactuals(v)][:1]      # doctest: +SKIP
    ['without real weakness → see_doctor']
    """
    from scoring.engine.tree import resolve_tree

    if max_changes not in (1, 2):
        raise ValueError(f"max_changes must be 1 or 2 (got {max_changes!r})")
    the_card, the_tree = _the_card(card), resolve_tree(tree)
    v = validate_vignette(vignette)
    allowed = _changeable(fields)
    singles = _single_changes(v, the_card, the_tree, allowed)
    if not singles:
        return []
    # Row 0 is the vignette itself: one vectorised pass scores it and every single change.
    context = (the_card, the_tree, population, policy)
    scores = _score_variants(v, [{}, *singles], *context)
    base_level = int(scores["combined"][0])
    single_scores = {key: value[1:] for key, value in scores.items()}
    out: list[Counterfactual] = []
    for direction, sign in (("up", 1), ("down", -1)):
        if (sign > 0 and base_level == len(LEVELS) - 1) or (sign < 0 and base_level == 0):
            continue
        moved = np.sign(single_scores["combined"].astype(int) - base_level) == sign
        found = [(singles[i], int(single_scores["combined"][i])) for i in np.flatnonzero(moved)]
        if not found and max_changes >= 2:
            found = _pairs(v, singles, single_scores, base_level, sign, context)
        out += [_make(v, change, level, direction) for change, level in _keep_closest(v, found)]
    return out


def _changeable(fields: Iterable[str] | None) -> list[str]:
    """The fields a counterfactual may change, checked against :data:`CHANGEABLE_FIELDS`."""
    allowed = list(CHANGEABLE_FIELDS if fields is None else fields)
    bad = [f for f in allowed if f not in CHANGEABLE_FIELDS]
    if bad:
        raise ValueError(
            f"fields: {bad} cannot be changed in a counterfactual; changeable fields: {', '.join(CHANGEABLE_FIELDS)}"
        )
    return allowed


def _pairs(v, singles, single_scores, base_level, sign, context) -> list[tuple[dict[str, Any], int]]:
    # Only changes that do not already move the recommendation that way can be half of a
    # minimal pair (a pair containing a working single change is not minimal).
    useful = [i for i in range(len(singles)) if np.sign(int(single_scores["combined"][i]) - base_level) != sign]
    pairs = [
        {**singles[i], **singles[j]}
        for a, i in enumerate(useful)
        for j in useful[a + 1 :]
        if next(iter(singles[i])) != next(iter(singles[j]))
    ]
    if not pairs:
        return []
    scores = _score_variants(v, pairs, *context)
    moved = np.sign(scores["combined"].astype(int) - base_level) == sign
    return [(pairs[i], int(scores["combined"][i])) for i in np.flatnonzero(moved)]


def _keep_closest(v: Any, found: list[tuple[dict[str, Any], int]]) -> list[tuple[dict[str, Any], int]]:
    """One change per field (or field pair) for numbers: the closest; every location change."""
    order = {name: i for i, name in enumerate(CHANGEABLE_FIELDS)}
    best: dict[tuple, tuple[float, int, dict[str, Any], int]] = {}
    for position, (change, level) in enumerate(found):
        key = tuple(
            (name, value if field_spec(name).kind in ("multi_category", "bool", "category") else None)
            for name, value in change.items()
        )
        rank = (_closeness(v, change), position)
        if key not in best or rank < best[key][:2]:
            best[key] = (*rank, change, level)
    chosen = sorted(best.values(), key=lambda item: ([order[n] for n in item[2]], item[0], item[1]))
    return [(change, level) for _, _, change, level in chosen]


def _make(v: Any, change: dict[str, Any], level: int, direction: str) -> Counterfactual:
    recommendation = Recommendation.from_level(level)
    before = {name: getattr(v, name) for name in change}
    return Counterfactual(dict(change), before, recommendation, direction)


# Sweeps and field influence live in their own modules; they are part of this module's API.
_SIBLINGS = {
    "FieldInfluence": "scoring.analysis._influence",
    "field_influence": "scoring.analysis._influence",
    "most_influential_field": "scoring.analysis._influence",
    "sweep": "scoring.analysis._sweep",
}


def __getattr__(name: str) -> Any:
    module = _SIBLINGS.get(name)
    if module is None:
        raise AttributeError(f"module 'scoring.analysis.explain' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
