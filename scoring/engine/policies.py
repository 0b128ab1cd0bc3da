"""Recommendation policies as data: the guideline ladder, and thresholds on an estimated risk.

The policies live in ``scoring/definitions/policies.toml``. Each has an id, a kind and, for a
``risk`` policy, the outcome it reads and rising thresholds with the harm-to-benefit ratio
each one comes from (the threshold is ``harm / (harm + benefit)``, as in decision-curve
analysis). Every policy sends a red flag to ``urgent``; :func:`scoring.assessment.assess`
applies them. This module only reads and checks the file and maps risks to levels.

Examples
--------
>>> policy = load_policy("risk")
>>> [t.recommendation.value for t in policy.thresholds]
['see_doctor', 'urgent']
>>> policy.risk_levels([0.001, 0.05, 0.5]).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError

from scoring._options import check_choice
from scoring._paths import DEFINITIONS_DIR
from scoring.contract.recommendation import Recommendation
from scoring.engine._definitions import (
    DefinitionError,
    Number,
    RequiredText,
    Strict,
    allowed_keys,
    first_error,
    problem_text,
    read_toml,
)

__all__ = [
    "POLICIES_FILE",
    "DEFAULT_POLICY",
    "PolicyError",
    "Threshold",
    "Policy",
    "load_policies",
    "load_policy",
    "threshold_from_ratio",
]

#: The shipped policy definitions.
POLICIES_FILE = DEFINITIONS_DIR / "policies.toml"

#: The policy used when none is named (the referral ladder: the safety floor).
DEFAULT_POLICY = "guideline"

_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")


class PolicyError(DefinitionError):
    """A policy file or name that cannot be used: names the file, the policy, the problem and the fix."""


def threshold_from_ratio(ratio: str) -> float:
    """The risk threshold of a harm-to-benefit ratio ``"harm:benefit"``: ``harm / (harm + benefit)``.

    Examples
    --------
    >>> threshold_from_ratio("1:4")
    0.2
    """
    match = _RATIO.match(ratio)
    if match is None or float(match.group(1)) <= 0 or float(match.group(2)) <= 0:
        raise ValueError(f'harm_to_benefit {ratio!r} is not a ratio of two positive numbers; write it as "1:50"')
    harm, benefit = float(match.group(1)), float(match.group(2))
    return harm / (harm + benefit)


@dataclass(frozen=True)
class Threshold:
    """One step of a risk policy: at or above ``at_least`` the advice is ``recommendation``.

    Attributes
    ----------
    recommendation : Recommendation
        ``see_doctor`` or ``urgent``.
    at_least : float
        The risk threshold, strictly between 0 and 1.
    harm_to_benefit : str
        The ratio it comes from, e.g. ``"1:50"``.
    reason : str
        Why that ratio, in plain words.
    timeframe : str or None
        For ``urgent``: how soon (one of the contract's time frames).
    """

    recommendation: Recommendation
    at_least: float
    harm_to_benefit: str
    reason: str
    timeframe: str | None = None


@dataclass(frozen=True)
class Policy:
    """A way of turning answers into a recommendation (see ``definitions/policies.toml``).

    Attributes
    ----------
    id, label, description : str
    kind : {"guideline", "risk"}
    is_default : bool
    outcome : str or None
        For a risk policy, the outcome whose risk the thresholds read.
    thresholds : tuple of Threshold
        For a risk policy, rising thresholds; empty for the guideline.
    """

    id: str
    kind: str
    label: str
    description: str
    is_default: bool
    outcome: str | None = None
    thresholds: tuple[Threshold, ...] = ()

    def risk_levels(self, risk: Any) -> np.ndarray:
        """Level per risk (0 self-care, 1 see a doctor, 2 urgent): the highest threshold reached.

        ``risk`` is in the population the thresholds are meant for (the assessment's).
        NaN (no risk estimate) gives level 0: the caller decides what to do without one.
        """
        if self.kind != "risk":
            raise PolicyError(f"policy {self.id!r} is a {self.kind} policy: it has no risk thresholds")
        risk = np.asarray(risk, dtype=np.float64)
        levels = np.zeros(risk.shape, dtype=np.int8)
        for threshold in self.thresholds:
            levels = np.where(risk >= threshold.at_least, np.int8(threshold.recommendation.level), levels)
        return levels

    def threshold_for(self, recommendation: Recommendation | str) -> Threshold | None:
        """The threshold that leads to ``recommendation``, if any."""
        recommendation = Recommendation(recommendation)
        return next((t for t in self.thresholds if t.recommendation is recommendation), None)


class _ThresholdEntry(Strict):
    recommendation: Literal["see_doctor", "urgent"]
    at_least: Number = Field(gt=0, lt=1)
    harm_to_benefit: RequiredText
    reason: RequiredText
    timeframe: Literal["within_2_weeks", "same_day", "emergency"] | None = None


class _PolicyEntry(Strict):
    id: RequiredText
    kind: Literal["guideline", "risk"]
    default: bool
    label: RequiredText
    description: RequiredText
    outcome: RequiredText | None = None
    thresholds: list[_ThresholdEntry] = Field(default_factory=list)


class _PoliciesFile(Strict):
    policies: list[_PolicyEntry] = Field(min_length=1)


def _schema_message(exc: ValidationError, raw: Mapping[str, Any], path: Path) -> str:
    error = first_error(exc)
    loc = error["loc"]
    if len(loc) >= 2 and isinstance(loc[1], int):
        entry = raw["policies"][loc[1]]
        name = entry.get("id", loc[1] + 1) if isinstance(entry, dict) else loc[1] + 1
        where = f"policy {name!r}"
        if len(loc) >= 4 and loc[2] == "thresholds" and isinstance(loc[3], int):
            where += f", threshold {loc[3] + 1}"
            allowed = allowed_keys(_ThresholdEntry)
            hint = "write it as a [[policies.thresholds]] table"
        else:
            allowed, hint = allowed_keys(_PolicyEntry), "write it as a [[policies]] table"
        text = problem_text(error, str(loc[-1]), allowed=allowed, table_hint=hint)
        if loc[-1] == "at_least" and error["type"] != "missing":
            text += " (a share: 0.02 means 2%)"
    else:
        where = "file"
        text = problem_text(error, str(loc[0]) if loc else "policies", allowed=allowed_keys(_PoliciesFile))
    return f"{path.name}: {where}: {text}"


def _thresholds(entry: _PolicyEntry, path: Path, outcomes: Sequence[str]) -> tuple[Threshold, ...]:
    where = f"{path.name}: policy {entry.id!r}"
    if entry.kind == "guideline":
        if entry.thresholds or entry.outcome is not None:
            raise PolicyError(
                f"{where}: a guideline policy follows the referral ladder and takes no outcome or thresholds; "
                'remove them, or set kind = "risk"'
            )
        return ()
    if entry.outcome is None:
        raise PolicyError(f'{where}: a risk policy needs the outcome it reads; add outcome = "{outcomes[0]}"')
    if entry.outcome not in outcomes:
        raise PolicyError(f"{where}: unknown outcome {entry.outcome!r}; use one of {', '.join(outcomes)}")
    if not entry.thresholds:
        raise PolicyError(f"{where}: a risk policy needs at least one [[policies.thresholds]] table")
    thresholds: list[Threshold] = []
    for number, item in enumerate(entry.thresholds, start=1):
        at = f"{where}, threshold {number} ({item.recommendation})"
        try:
            implied = threshold_from_ratio(item.harm_to_benefit)
        except ValueError as exc:
            raise PolicyError(f"{at}: {exc}") from None
        if round(implied, 4) != round(item.at_least, 4):
            raise PolicyError(
                f"{at}: at_least = {item.at_least:g} does not match harm_to_benefit {item.harm_to_benefit!r}, "
                f"whose threshold is {implied:.4f}; change one of them so they agree"
            )
        if item.timeframe is not None and item.recommendation != "urgent":
            raise PolicyError(f"{at}: a time frame is for urgent only; remove timeframe")
        if item.recommendation == "urgent" and item.timeframe is None:
            raise PolicyError(f'{at}: an urgent threshold needs a time frame; add timeframe = "within_2_weeks"')
        if thresholds:
            previous = thresholds[-1]
            if Recommendation(item.recommendation) <= previous.recommendation:
                raise PolicyError(
                    f"{at}: thresholds must go from less to more cautious advice (see_doctor, then urgent); "
                    "reorder them"
                )
            if item.at_least <= previous.at_least:
                raise PolicyError(
                    f"{at}: at_least = {item.at_least:g} is not above the previous threshold "
                    f"({previous.at_least:g}); thresholds must increase with the advice"
                )
        thresholds.append(
            Threshold(
                Recommendation(item.recommendation), item.at_least, item.harm_to_benefit, item.reason, item.timeframe
            )
        )
    return tuple(thresholds)


@lru_cache(maxsize=4)
def load_policies(path: Path | None = None) -> dict[str, Policy]:
    """Read and check the policy file; policies by id, in file order.

    Raises
    ------
    PolicyError
        Naming the file, the policy and the fix: an unknown or missing key, an unknown
        outcome, a threshold outside 0-1, thresholds that do not increase, a threshold that
        does not match its harm-to-benefit ratio, a repeated id, or not exactly one default
        (which must be a guideline policy, the safety floor).
    """
    from scoring.engine.risk import load_outcomes

    path = POLICIES_FILE if path is None else Path(path)
    raw = read_toml(path, PolicyError)
    try:
        checked = _PoliciesFile.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_schema_message(exc, raw, path)) from None
    outcomes = list(load_outcomes())
    policies: dict[str, Policy] = {}
    for entry in checked.policies:
        if entry.id in policies:
            raise PolicyError(f"{path.name}: policy {entry.id!r}: the id is used twice; give each policy its own id")
        policies[entry.id] = Policy(
            id=entry.id,
            kind=entry.kind,
            label=entry.label,
            description=entry.description,
            is_default=entry.default,
            outcome=entry.outcome,
            thresholds=_thresholds(entry, path, outcomes),
        )
    defaults = [policy for policy in policies.values() if policy.is_default]
    if len(defaults) != 1:
        found = ", ".join(p.id for p in defaults) or "none"
        raise PolicyError(f"{path.name}: exactly one policy must have default = true (found: {found})")
    if defaults[0].kind != "guideline":
        raise PolicyError(
            f"{path.name}: policy {defaults[0].id!r}: the default policy must be a guideline policy, the safety "
            "floor; set default = true on the guideline policy instead"
        )
    return policies


def load_policy(policy: Policy | str | None = None) -> Policy:
    """A policy by id (the default policy for None); a :class:`Policy` is returned as is.

    Raises
    ------
    PolicyError
        For an unknown id, listing the known ones.
    """
    if isinstance(policy, Policy):
        return policy
    policies = load_policies()
    if policy is None:
        return next(p for p in policies.values() if p.is_default)
    if not isinstance(policy, str):
        check_choice("policy", policy, tuple(policies), error=PolicyError, also="a Policy, or None for the default")
    if policy not in policies:
        raise PolicyError(f"unknown policy {policy!r}; use one of {', '.join(policies)}")
    return policies[policy]
