"""Sensitivity sweeps: one vignette assessed with one field run over its values.

Public through :mod:`scoring.analysis.explain` (``from scoring.analysis.explain import sweep``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.analysis.explain import (
    LOG_SCALED_FIELDS,
    RESOLUTION,
    _candidates,
    _numeric_thresholds,
    _snap,
    _the_card,
    field_range,
)
from scoring.contract.schema import field_spec, validate_vignette

if TYPE_CHECKING:
    from scoring.assessment import AssessedFrame

__all__ = ["sweep"]


def _default_sweep_values(v: Any, field: str, card: Any, tree: Any) -> list[Any]:
    spec = field_spec(field)
    current = getattr(v, field)
    if spec.kind == "bool":
        return [False, True]
    if spec.kind == "category":
        return list(spec.allowed)
    if spec.kind == "multi_category":
        return [current, *_candidates(v, field, _numeric_thresholds(card, tree))]
    low, high = field_range(field)
    if spec.kind == "int":
        return list(range(int(low), int(high) + 1))
    step = RESOLUTION.get(field, 1.0)
    if field in LOG_SCALED_FIELDS:
        spaced = np.geomspace(max(low, step), high, 101)
    else:
        spaced = np.linspace(low, high, 101)
    grid = {_snap(x, step) for x in spaced} | {low}
    grid.update(_candidates(v, field, _numeric_thresholds(card, tree)))
    grid.add(float(current))
    return sorted(x for x in grid if low <= x <= high)


def sweep(
    vignette: Any,
    field: str,
    values: Iterable[Any] | None = None,
    *,
    card: Any = "default",
    tree: Any = "default",
    population: Any = None,
    policy: Any = None,
) -> pd.DataFrame:
    """Assess a vignette with one field set to each of several values.

    Parameters
    ----------
    vignette : Vignette, dict or JSON text
    field : str
        Any contract field (age and sex included: a sweep shows sensitivity, not advice).
    values : iterable, optional
        Default: for numbers 101 evenly spaced values over the range (geometrically
        spaced for :data:`~scoring.analysis.explain.LOG_SCALED_FIELDS`, plus the minimum)
        plus both sides of every card and tree threshold and the vignette's own value
        (whole numbers: every value); for categories and yes/no fields every value; for
        ``locations`` the vignette's areas and each one-area change.
    card, tree, population, policy
        As for :func:`scoring.assessment.assess_frame`.

    Returns
    -------
    DataFrame
        One row per value, in the order given: ``value``, ``points_total``, ``risk`` (the
        card's risk of its outcome in the population; NaN without calibration),
        ``tree_risk`` (the tree's; NaN without a tree), ``card_recommendation``,
        ``tree_recommendation`` (the risk policy on the tree's risk; None without a tree),
        ``guideline_recommendation``, ``risk_policy_recommendation``, ``recommendation``
        (the chosen policy's), ``red_flags`` and ``is_current``. The frame's ``attrs`` hold
        the field, the vignette, the outcome, the population (id and label), the policy, and
        the tree's ``tree_outcome`` and ``tree_population`` (where it was fitted; None without a tree).

    Raises
    ------
    VignetteError
        When a value is outside the field's contract.
    """
    from scoring.engine.populations import load_population
    from scoring.engine.tree import resolve_tree

    the_card, the_tree = _the_card(card), resolve_tree(tree)
    v = validate_vignette(vignette)
    field_spec(field)
    chosen = list(_default_sweep_values(v, field, the_card, the_tree) if values is None else values)
    assessed = _assess_values(v, field, chosen, the_card, the_tree, population, policy)
    result = _sweep_table(v, field, chosen, assessed.scored, the_card, the_tree)
    result.attrs["field"] = field
    result.attrs["vignette"] = v.to_dict()
    result.attrs["outcome"] = _outcome(the_card)
    result.attrs["population"] = assessed.population
    result.attrs["population_label"] = load_population(assessed.population).label
    result.attrs["policy"] = assessed.policy
    result.attrs["tree_outcome"] = None if the_tree is None else the_tree.outcome
    result.attrs["tree_population"] = None if the_tree is None else the_tree.population
    return result


def _outcome(card: Any) -> str:
    return "serious_cause" if card.calibration is None else card.calibration.outcome


def _assess_values(
    v: Any, field: str, chosen: list[Any], card: Any, tree: Any, population: Any, policy: Any
) -> AssessedFrame:
    """The vignette with ``field`` set to each value, assessed as one frame (every row valid)."""
    from scoring.assessment import assess_frame

    rows = v.to_dict()
    records = []
    for value in chosen:
        record = dict(rows)
        record[field] = ";".join(value) if field == "locations" and not isinstance(value, str) else value
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(rows))
    assessed = assess_frame(frame, card=card, tree=tree, population=population, policy=policy)
    if assessed.n_rejected:
        from scoring.contract.schema import FieldError, VignetteError

        problems = assessed.rejected.head(5)
        raise VignetteError(
            [FieldError(r.field, r.value, f"sweep value {r.row}: {r.reason}", r.allowed) for r in problems.itertuples()]
        )
    return assessed


def _sweep_table(v: Any, field: str, chosen: list[Any], scored: pd.DataFrame, card: Any, tree: Any) -> pd.DataFrame:
    from scoring.assessment import risk_column

    if tree is None:
        tree_risk = np.full(len(scored), np.nan)
        tree_recommendation = pd.Series([None] * len(scored), dtype=object)
    else:
        tree_risk = scored[f"tree_{risk_column(tree.outcome)}"].to_numpy()
        tree_recommendation = scored["tree_recommendation"].astype(str).to_numpy()
    current = getattr(v, field)
    shown = [
        tuple(x.split(";"))
        if field == "locations" and isinstance(x, str)
        else (tuple(x) if field == "locations" else x)
        for x in chosen
    ]
    return pd.DataFrame(
        {
            "value": pd.Series(shown, dtype=object) if field == "locations" else shown,
            "points_total": scored["points_total"].to_numpy(),
            "risk": scored[risk_column(_outcome(card))].to_numpy(),
            "tree_risk": tree_risk,
            "card_recommendation": scored["card_recommendation"].astype(str).to_numpy(),
            "tree_recommendation": tree_recommendation,
            "guideline_recommendation": scored["guideline_recommendation"].astype(str).to_numpy(),
            "risk_policy_recommendation": scored["risk_policy_recommendation"].astype(str).to_numpy(),
            "recommendation": scored["recommendation"].astype(str).to_numpy(),
            "red_flags": scored["red_flags"].astype(str).to_numpy(),
            "is_current": [x == current for x in shown],
        }
    )
