"""What would change a recommendation: counterfactuals and sensitivity sweeps.

* :func:`counterfactuals` finds the smallest sets of input changes (one field, then two)
  that move the combined recommendation up (more cautious) or down (less cautious).
* :func:`sweep` shows how the points, the tree's probabilities and the recommendations move
  as one field runs over its range.
* :func:`field_influence` / :func:`most_influential_field` rank the fields by how far a
  single change moves the recommendation and the points.

The search is deterministic and exhaustive over a small set of *meaningful* values per
field: for yes/no and category fields every other value; for ``locations`` adding or
removing one area; for numbers the two sides of every threshold the card's conditions and
the tree's splits use on that field (rounded to the precision a person would report), plus
the ends of the field's range. Age and sex are never changed: a person cannot change them,
and a different answer there would not be advice. All candidates are scored together in
one vectorised pass (card and tree on a frame), so the same vignette gives the same answer
every run.

Everything here returns data (dataclasses and DataFrames); :mod:`scoring.plots` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from scoring.assess import combine_frame
from scoring.contract.features import Features, feature_spec, parse_condition
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.contract.schema import FIELDS, LOCATIONS, field_spec, validate_vignette

__all__ = [
    "Counterfactual",
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
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counterfactual:
    """A set of input changes and the combined recommendation it leads to.

    Attributes
    ----------
    changes : dict
        New values by field (``locations`` as a tuple of areas).
    before : dict
        The vignette's values for the same fields.
    recommendation : Recommendation
        The combined recommendation after the changes.
    direction : {"up", "down"}
        ``up`` when the result is more cautious than the vignette's, ``down`` when less.
    text : str
        The change in words, e.g. "without real weakness → see_doctor".
    """

    changes: dict[str, Any]
    before: dict[str, Any]
    recommendation: Recommendation
    direction: str
    text: str

    @property
    def n_changes(self) -> int:
        return len(self.changes)

    def apply(self, vignette: Any) -> Any:
        """The vignette with these changes (validated)."""
        return validate_vignette(vignette).replace(
            **{k: list(v) if k == "locations" else v for k, v in self.changes.items()}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": {k: list(v) if isinstance(v, tuple) else v for k, v in self.changes.items()},
            "before": {k: list(v) if isinstance(v, tuple) else v for k, v in self.before.items()},
            "recommendation": self.recommendation.value,
            "direction": self.direction,
            "text": self.text,
        }


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
        The value giving ``level_change`` (when no value changes the level, the one giving
        ``points_change``, then the biggest change in the tree's probability).
    text : str
        That change in words, e.g. "duration 2 weeks instead of 6 → self_care". A change
        that leaves the recommendation as it is says what it does move instead, e.g.
        "without real weakness: 4 points fewer, still urgent".
    """

    field: str
    level_change: int
    points_change: int
    value: Any
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "level_change": self.level_change,
            "points_change": self.points_change,
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "text": self.text,
        }


# --------------------------------------------------------------------------------------
# Meaningful values per field
# --------------------------------------------------------------------------------------


def _condition_thresholds(condition: str) -> list[tuple[str, str, float]]:
    """(feature, op, threshold) for every comparison in a card condition."""
    found: list[tuple[str, str, float]] = []

    def walk(node: tuple) -> None:
        if node[0] in ("and", "or"):
            walk(node[1]), walk(node[2])
        elif node[0] == "not":
            walk(node[1])
        elif node[0] == "compare":
            found.append((node[1], node[2], float(node[3])))

    walk(parse_condition(condition).tree)
    return found


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
    found: dict[str, set[tuple[str, float]]] = {}
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


def _the_card(card: Any) -> Any:
    from scoring.engine.card import load_card

    return load_card() if card is None else load_card(card)


def candidate_values(vignette: Any, field: str, *, card: Any = None, tree: Any = "default") -> list[Any]:
    """The meaningful values of ``field`` other than the vignette's own, in a fixed order.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
    field : str
        A contract field.
    card, tree
        As for :func:`scoring.assess.assess`; their thresholds decide the numeric values.

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
    values = {float(spec.min), float(spec.max)}
    for op, threshold in thresholds:
        values.update(_sides(op, threshold, step))
    cast = int if spec.kind == "int" else float
    kept = sorted(x for x in values if spec.min <= x <= spec.max and x != current)
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
            values = np.full(n, base[name], dtype=_ARRAY_DTYPES[spec.kind])
            for i, value in touched:
                values[i] = value
            columns[name] = values
    return pd.DataFrame(columns, copy=False)


def _score_variants(v: Any, changes: Sequence[dict[str, Any]], card: Any, tree: Any) -> dict[str, np.ndarray]:
    frame = _variants_frame(v, changes)
    features = Features(frame)
    scores = card.score_frame(features)
    card_levels = np.asarray(scores.level, dtype=np.int8)
    # The combination of assess_frame, so every counterfactual's claim is what assess gives.
    combined = combine_frame(features, card_levels, tree)
    return {
        "points": np.asarray(scores.totals),
        "card": card_levels,
        "tree": card_levels if combined["tree"] is None else combined["tree"],
        "combined": combined["combined"],
        "proba": np.full((len(frame), len(LEVELS)), np.nan) if combined["proba"] is None else combined["proba"],
    }


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def _number(x: Any) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _change_text(field: str, old: Any, new: Any) -> str:
    spec = field_spec(field)
    # Lower-case the first letter only: "Family history of ALS/MND" keeps its acronym.
    label = spec.label[:1].lower() + spec.label[1:]
    if spec.kind == "bool":
        return f"with {label}" if new else f"without {label}"
    if spec.kind == "category":
        return f"{label} {new} instead of {old}"
    if spec.kind == "multi_category":
        removed = [a for a in old if a not in new]
        added = [a for a in new if a not in old]
        parts = [f"without {a} twitching" for a in removed] + [f"with {a} twitching too" for a in added]
        return " and ".join(parts)
    unit = spec.unit or ""
    unit_text = unit if unit in ("", "0-10") else f" {unit}"
    if field == "stress_level":
        unit_text = "/10"
    name = {
        "duration_weeks": "duration",
        "caffeine_mg_per_day": "caffeine",
        "stress_level": "stress",
        "sleep_hours": "sleep",
    }.get(field, label)
    return f"{name} {_number(new)}{unit_text} instead of {_number(old)}"


def describe_changes(vignette: Any, changes: dict[str, Any]) -> str:
    """A set of changes in words, e.g. 'without real weakness and duration 2 weeks instead of 6'."""
    v = validate_vignette(vignette)
    return " and ".join(_change_text(name, getattr(v, name), value) for name, value in changes.items())


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
        spec = field_spec(name)
        if spec.is_numeric:
            total += abs(float(value) - float(getattr(v, name))) / (spec.max - spec.min)
    return total


def counterfactuals(
    vignette: Any,
    *,
    card: Any = None,
    tree: Any = "default",
    fields: Iterable[str] | None = None,
    max_changes: int = 2,
) -> list[Counterfactual]:
    """The smallest sets of changes that move the combined recommendation up or down.

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
    allowed = list(CHANGEABLE_FIELDS if fields is None else fields)
    bad = [f for f in allowed if f not in CHANGEABLE_FIELDS]
    if bad:
        raise ValueError(
            f"fields: {bad} cannot be changed in a counterfactual; changeable fields: {', '.join(CHANGEABLE_FIELDS)}"
        )
    singles = _single_changes(v, the_card, the_tree, allowed)
    # Row 0 is the vignette itself: one vectorised pass scores it and every single change.
    scores = _score_variants(v, [{}, *singles], the_card, the_tree)
    base_level = int(scores["combined"][0])
    single_scores = {key: value[1:] for key, value in scores.items()} if singles else None
    out: list[Counterfactual] = []
    for direction, sign in (("up", 1), ("down", -1)):
        if (sign > 0 and base_level == len(LEVELS) - 1) or (sign < 0 and base_level == 0):
            continue
        found: list[tuple[dict[str, Any], int]] = []
        if single_scores is not None:
            moved = np.sign(single_scores["combined"].astype(int) - base_level) == sign
            found = [(singles[i], int(single_scores["combined"][i])) for i in np.flatnonzero(moved)]
        if not found and max_changes >= 2 and single_scores is not None:
            found = _pairs(v, singles, single_scores, base_level, sign, the_card, the_tree)
        out += [_make(v, change, level, direction) for change, level in _keep_closest(v, found)]
    return out


def _pairs(v, singles, single_scores, base_level, sign, card, tree) -> list[tuple[dict[str, Any], int]]:
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
    scores = _score_variants(v, pairs, card, tree)
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
    text = f"{describe_changes(v, change)} → {recommendation.value}"
    return Counterfactual(dict(change), before, recommendation, direction, text)


# --------------------------------------------------------------------------------------
# Sensitivity sweeps
# --------------------------------------------------------------------------------------


def _default_sweep_values(v: Any, field: str, card: Any, tree: Any) -> list[Any]:
    spec = field_spec(field)
    current = getattr(v, field)
    if spec.kind == "bool":
        return [False, True]
    if spec.kind == "category":
        return list(spec.allowed)
    if spec.kind == "multi_category":
        return [current, *_candidates(v, field, _numeric_thresholds(card, tree))]
    if spec.kind == "int":
        return list(range(int(spec.min), int(spec.max) + 1))
    step = RESOLUTION.get(field, 1.0)
    if field in LOG_SCALED_FIELDS:
        spaced = np.geomspace(max(float(spec.min), step), spec.max, 101)
    else:
        spaced = np.linspace(spec.min, spec.max, 101)
    grid = {_snap(x, step) for x in spaced} | {float(spec.min)}
    grid.update(_candidates(v, field, _numeric_thresholds(card, tree)))
    grid.add(float(current))
    return sorted(x for x in grid if spec.min <= x <= spec.max)


def sweep(
    vignette: Any, field: str, values: Iterable[Any] | None = None, *, card: Any = None, tree: Any = "default"
) -> pd.DataFrame:
    """Assess a vignette with one field set to each of several values.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
    field : str
        Any contract field (age and sex included: a sweep shows sensitivity, not advice).
    values : iterable, optional
        Default: for numbers 101 evenly spaced values over the range (geometrically
        spaced for :data:`LOG_SCALED_FIELDS`, plus the minimum) plus both sides of every
        card and tree threshold and the vignette's own value (whole numbers: every
        value); for categories and yes/no fields every value; for ``locations`` the
        vignette's areas and each one-area change.
    card, tree
        As for :func:`scoring.assess.assess_frame`.

    Returns
    -------
    DataFrame
        One row per value, in the order given: ``value``, ``points_total``,
        ``p_self_care``, ``p_see_doctor``, ``p_urgent`` (the tree's leaf probabilities; NaN
        without a tree), ``card_recommendation``, ``tree_recommendation``,
        ``recommendation`` (combined), ``red_flags`` and ``is_current``. The frame's
        ``attrs`` hold the field and the vignette.

    Raises
    ------
    VignetteError
        When a value is outside the field's contract.
    """
    from scoring.assess import assess_frame
    from scoring.engine.tree import resolve_tree

    the_card, the_tree = _the_card(card), resolve_tree(tree)
    v = validate_vignette(vignette)
    field_spec(field)
    chosen = list(_default_sweep_values(v, field, the_card, the_tree) if values is None else values)
    rows = v.to_dict()
    records = []
    for value in chosen:
        record = dict(rows)
        record[field] = ";".join(value) if field == "locations" and not isinstance(value, str) else value
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(rows))
    assessed = assess_frame(frame, card=the_card, tree=the_tree)
    if assessed.n_rejected:
        from scoring.contract.schema import FieldError, VignetteError

        problems = assessed.rejected.head(5)
        raise VignetteError(
            [FieldError(r.field, r.value, f"sweep value {r.row}: {r.reason}", r.allowed) for r in problems.itertuples()]
        )
    scored = assessed.scored
    if the_tree is None:
        proba = np.full((len(scored), len(LEVELS)), np.nan)
        tree_recommendation = pd.Series([None] * len(scored), dtype=object)
    else:
        _, proba = the_tree.predict_levels(Features(scored))
        tree_recommendation = scored["tree_recommendation"].astype(str).to_numpy()
    current = getattr(v, field)
    shown = [
        tuple(x.split(";"))
        if field == "locations" and isinstance(x, str)
        else (tuple(x) if field == "locations" else x)
        for x in chosen
    ]
    result = pd.DataFrame(
        {
            "value": pd.Series(shown, dtype=object) if field == "locations" else shown,
            "points_total": scored["points_total"].to_numpy(),
            **{f"p_{level}": proba[:, i] for i, level in enumerate(LEVELS)},
            "card_recommendation": scored["card_recommendation"].astype(str).to_numpy(),
            "tree_recommendation": tree_recommendation,
            "recommendation": scored["recommendation"].astype(str).to_numpy(),
            "red_flags": scored["red_flags"].astype(str).to_numpy(),
            "is_current": [x == current for x in shown],
        }
    )
    result.attrs["field"] = field
    result.attrs["vignette"] = v.to_dict()
    return result


# --------------------------------------------------------------------------------------
# Which field matters most
# --------------------------------------------------------------------------------------


def field_influence(
    vignette: Any, *, card: Any = None, tree: Any = "default", fields: Iterable[str] | None = None
) -> list[FieldInfluence]:
    """For each changeable field, the largest move one change to it makes (see :class:`FieldInfluence`).

    Sorted from most to least influential: by the size of the recommendation change, then
    the size of the points change, then contract order.
    """
    from scoring.engine.tree import resolve_tree

    the_card, the_tree = _the_card(card), resolve_tree(tree)
    v = validate_vignette(vignette)
    names = list(CHANGEABLE_FIELDS if fields is None else fields)
    singles = _single_changes(v, the_card, the_tree, names)
    everything = _score_variants(v, [{}, *singles], the_card, the_tree)
    base_level, base_points = int(everything["combined"][0]), int(everything["points"][0])
    base_probability = everything["proba"][0, base_level]
    scores = {key: value[1:] for key, value in everything.items()} if singles else None
    out = []
    for name in names:
        rows = [i for i, change in enumerate(singles) if name in change]
        if not rows or scores is None:
            out.append(FieldInfluence(name, 0, 0, getattr(v, name), "no other value to try"))
            continue
        level_moves = scores["combined"][rows].astype(int) - base_level
        point_moves = scores["points"][rows].astype(int) - base_points
        # The tree's probability of the recommendation given: 0 without a tree.
        probability_moves = np.nan_to_num(scores["proba"][rows, base_level] - base_probability)
        # Biggest level move first; among equals the biggest points move, then the biggest
        # move in the tree's probability, then the first value.
        key = np.lexsort((np.arange(len(rows)), -np.abs(probability_moves), -np.abs(point_moves), -np.abs(level_moves)))
        pick = int(key[0])
        change = singles[rows[pick]]
        out.append(
            FieldInfluence(
                field=name,
                level_change=int(level_moves[pick]),
                points_change=int(point_moves[pick]),
                value=change[name],
                text=_influence_text(
                    describe_changes(v, change),
                    base_level,
                    int(scores["combined"][rows[pick]]),
                    int(point_moves[pick]),
                    (float(base_probability), float(scores["proba"][rows[pick], base_level])),
                ),
            )
        )
    order = {name: i for i, name in enumerate(names)}
    out.sort(key=lambda f: (-abs(f.level_change), -abs(f.points_change), order[f.field]))
    return out


def _influence_text(
    change: str, level: int, new_level: int, points_change: int, probabilities: tuple[float, float]
) -> str:
    """One change in words, claiming a new recommendation only when there is one.

    E.g. "duration 2 weeks instead of 6 → self_care"; when the recommendation holds,
    what does move: "without real weakness: 4 points fewer, still urgent", "...: the
    tree's P(see_doctor) 80% instead of 95%, still see_doctor" or "...: same points, still
    urgent".
    """
    if new_level != level:
        return f"{change} → {LEVELS[new_level]}"
    still = f"still {LEVELS[level]}"
    if points_change:
        size = abs(points_change)
        more = "more" if points_change > 0 else "fewer"
        return f"{change}: {size} point{'s' if size != 1 else ''} {more}, {still}"
    before, after = probabilities
    if f"{before:.0%}" != f"{after:.0%}":  # only a move that shows in whole percentages
        return f"{change}: the tree's P({LEVELS[level]}) {after:.0%} instead of {before:.0%}, {still}"
    return f"{change}: same points, {still}"


def most_influential_field(vignette: Any, *, card: Any = None, tree: Any = "default") -> FieldInfluence:
    """The changeable field whose single change moves this vignette's assessment most.

    Examples
    --------
    >>> most_influential_field(v).field          # doctest: +SKIP
    'weakness'
    """
    return field_influence(vignette, card=card, tree=tree)[0]
