"""What the risk policy advises at a tree's leaves: the leaf's risk moved to a population.

The tree estimates a risk in the population it was fitted on (the enriched learning mix). The
advice a reader sees is for another population (``community`` by default), so each node's
risk is moved there (prior shift and the tree's stored recalibration,
:func:`scoring.engine.risk.risk_in_population`) and read
against the thresholds of the risk policy for the tree's outcome
(``definitions/policies.toml``). A tree has a handful of nodes, so this is done once per
tree, population and policy and kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["node_levels", "risk_policy"]


def risk_policy(policy: Any, outcome: str) -> Any:
    """The risk policy to read a tree's risk with, checked against the tree's outcome.

    Parameters
    ----------
    policy : Policy, str or None
        A risk policy or its id; None picks the first risk policy for ``outcome``.
    outcome : str
        What the tree predicts.

    Raises
    ------
    PolicyError
        When the policy is not a risk policy, reads another outcome, or no risk policy reads
        ``outcome``; the message names the policies that would do.
    """
    from scoring.engine.policies import PolicyError, load_policies, load_policy

    policies = load_policies()
    fitting = [p.id for p in policies.values() if p.kind == "risk" and p.outcome == outcome]
    if policy is None:
        if not fitting:
            raise PolicyError(
                f"no risk policy in policies.toml reads the risk of {outcome!r}, so the tree's leaves have no advice; "
                f"add one with outcome = {outcome!r}, or fit the tree to an outcome a risk policy reads"
            )
        return policies[fitting[0]]
    chosen = load_policy(policy)
    if chosen.kind != "risk" or chosen.outcome != outcome:
        what = "a guideline policy" if chosen.kind != "risk" else f"a risk policy for {chosen.outcome!r}"
        raise PolicyError(
            f"policy {chosen.id!r} is {what}; the tree estimates the risk of {outcome!r}, so use "
            + (f"one of {', '.join(fitting)}" if fitting else f"a risk policy with outcome = {outcome!r}")
        )
    return chosen


def node_levels(
    risk: np.ndarray,
    *,
    outcome: str,
    trained_on: str,
    population: Any,
    policy: Any = None,
    transport: Mapping[str, Mapping[str, Any]] | None = None,
    age: float | None = None,
) -> np.ndarray:
    """The risk policy's level (0 self-care, 1 see a doctor, 2 urgent) for each node's risk.

    Parameters
    ----------
    risk : ndarray of float
        Each node's risk in ``trained_on`` (:attr:`TreeStructure.risk`).
    outcome, trained_on : str
        The tree's outcome and training population.
    population : str, Population or None
        Where the advice is for; None means :data:`scoring.engine.populations.DEFAULT_POPULATION`.
    policy : Policy, str or None
        See :func:`risk_policy`.
    transport : mapping, optional
        The tree's recalibrations by population (see
        :func:`scoring.engine.risk.risk_in_population`).
    age : float, optional
        A person's age: their age band's recalibration is used (the whole population's
        without one).

    Returns
    -------
    ndarray of int8, one level per node.
    """
    from scoring.engine.populations import DEFAULT_POPULATION

    chosen = risk_policy(policy, outcome)
    target = DEFAULT_POPULATION if population is None else population
    steps = json.dumps(transport or {}, sort_keys=True)
    if isinstance(target, str):
        # Populations named by id are read from the shipped file: the answer can be kept.
        key = tuple(float(r) for r in risk)
        return np.asarray(_levels(key, outcome, trained_on, target, chosen, steps, age), dtype=np.int8)
    return _compute(np.asarray(risk, dtype=np.float64), outcome, trained_on, target, chosen, steps, age)


def _compute(
    risk: np.ndarray, outcome: str, trained_on: str, population: Any, policy: Any, steps: str, age: float | None
) -> np.ndarray:
    from scoring.engine.risk import risk_in_population

    moved = risk_in_population(
        risk, outcome=outcome, population=population, trained_on=trained_on, transport=json.loads(steps), age=age
    )
    return np.asarray(policy.risk_levels(moved), dtype=np.int8)


@lru_cache(maxsize=64)
def _levels(
    risk: tuple[float, ...], outcome: str, trained_on: str, population: str, policy: Any, steps: str, age: float | None
) -> tuple[int, ...]:
    levels = _compute(np.asarray(risk), outcome, trained_on, population, policy, steps, age)
    return tuple(int(level) for level in levels)
