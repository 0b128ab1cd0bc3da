"""Recommendation policies as data: rule lists (``nhs``, ``ng127``), thresholds on a risk, and the floor.

The policies live in ``scoring/definitions/policies.toml``. Each has an id and a kind: a
``guideline`` policy lists the rules it follows (ids of the referral ladder, ``triage.toml``,
or of the file's own ``[[rules]]``); a ``risk`` policy names the outcome it reads and rising
thresholds with the harm-to-benefit ratio each one comes from (the threshold is
``harm / (harm + benefit)``, as in decision-curve analysis). The ``[floor]`` lists the rules no
policy, card or threshold answers below (NG127's must-refers and every red flag).
:func:`scoring.assessment.assess` applies them; this module reads and checks the file and maps
risks to levels.

Examples
--------
>>> [rule.id for rule in load_floor().rules][-3:]
['ng127_weakness', 'ng127_rigidity', 'ng127_eyelid_over_3_months']
>>> policy = load_policy("risk")
>>> [t.recommendation.value for t in policy.thresholds]
['see_doctor', 'urgent']
>>> policy.risk_levels([0.001, 0.05, 0.5]).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import re
import warnings
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
from scoring.engine.ladder import RuleEntry, TriageRule, load_triage_ladder, rules_from_entries

__all__ = [
    "POLICIES_FILE",
    "DEFAULT_POLICY",
    "PolicyError",
    "Threshold",
    "Policy",
    "Floor",
    "load_policies",
    "load_floor",
    "policy_rules",
    "load_policy",
    "threshold_from_ratio",
]

#: The shipped policy definitions.
POLICIES_FILE = DEFINITIONS_DIR / "policies.toml"

#: The policy used when none is named: the NHS page's advice, the most cautious (docs/policies.md).
DEFAULT_POLICY = "nhs"

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
        For a risk policy, rising thresholds; empty for a guideline policy.
    rules : tuple of TriageRule
        For a guideline policy, the rules it follows (in file order); empty for a risk policy.
    """

    id: str
    kind: str
    label: str
    description: str
    is_default: bool
    outcome: str | None = None
    thresholds: tuple[Threshold, ...] = ()
    rules: tuple[TriageRule, ...] = ()

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


@dataclass(frozen=True)
class Floor:
    """The rules no policy, card or threshold answers below (``[floor]`` of ``policies.toml``).

    Attributes
    ----------
    label, description : str
    rules : tuple of TriageRule
        NG127's must-refers and every red flag of the referral ladder, in file order.
    """

    label: str
    description: str
    rules: tuple[TriageRule, ...]


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
    rules: list[RequiredText] = Field(default_factory=list)


class _FloorEntry(Strict):
    label: RequiredText
    description: RequiredText
    rules: list[RequiredText] = Field(min_length=1)


class _PoliciesFile(Strict):
    floor: _FloorEntry
    rules: list[RuleEntry] = Field(default_factory=list)
    policies: list[_PolicyEntry] = Field(min_length=1)
    aliases: dict[str, RequiredText] = Field(default_factory=dict)


def _schema_message(exc: ValidationError, raw: Mapping[str, Any], path: Path) -> str:
    error = first_error(exc)
    loc = error["loc"]
    if loc == ("floor",) and error["type"] == "missing":
        return (
            f"{path.name}: missing the [floor] table; add [floor] with label, description and rules "
            "(every red flag of triage.toml at least)"
        )
    if loc and loc[0] == "floor":
        where = "[floor]"
        text = problem_text(
            error, str(loc[-1]), allowed=allowed_keys(_FloorEntry), table_hint="write it as a [floor] table"
        )
    elif loc and loc[0] == "rules" and len(loc) >= 2 and isinstance(loc[1], int):
        entry = raw["rules"][loc[1]]
        name = entry.get("id", loc[1] + 1) if isinstance(entry, dict) else loc[1] + 1
        where = f"rule {name!r}"
        text = problem_text(
            error, str(loc[-1]), allowed=allowed_keys(RuleEntry), table_hint="write it as a [[rules]] table"
        )
    elif len(loc) >= 2 and loc[0] == "policies" and isinstance(loc[1], int):
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


def _named_rules(
    names: Sequence[str], known: Mapping[str, TriageRule], where: str, path: Path
) -> tuple[TriageRule, ...]:
    """The rules named, in order; an unknown or repeated id is an error naming the fix."""
    rules: list[TriageRule] = []
    for name in names:
        if name not in known:
            raise PolicyError(
                f"{where}: unknown rule {name!r}; use a rule id of triage.toml or of the [[rules]] of "
                f"{path.name} ({', '.join(known)}), or add a [[rules]] table with id = {name!r}"
            )
        if any(rule.id == name for rule in rules):
            raise PolicyError(f"{where}: rule {name!r} is listed twice; list each rule once")
        rules.append(known[name])
    return tuple(rules)


def _thresholds(entry: _PolicyEntry, path: Path, outcomes: Sequence[str]) -> tuple[Threshold, ...]:
    where = f"{path.name}: policy {entry.id!r}"
    if entry.kind == "guideline":
        if entry.thresholds or entry.outcome is not None:
            raise PolicyError(
                f"{where}: a guideline policy follows its rules and takes no outcome or thresholds; "
                'remove them, or set kind = "risk"'
            )
        if not entry.rules:
            raise PolicyError(f'{where}: a guideline policy needs the rules it follows; add rules = ["atrophy", ...]')
        return ()
    if entry.rules:
        raise PolicyError(
            f"{where}: a risk policy reads thresholds on a risk and takes no rules (the floor and the red flags "
            'apply to it anyway); remove rules, or set kind = "guideline"'
        )
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
def _load(path: Path | None = None) -> tuple[dict[str, Policy], Floor, dict[str, str]]:
    """The policies by id, the floor and the aliases of one policy file, checked."""
    from scoring.engine.risk import load_outcomes

    path = POLICIES_FILE if path is None else Path(path)
    raw = read_toml(path, PolicyError)
    try:
        checked = _PoliciesFile.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_schema_message(exc, raw, path)) from None
    ladder = load_triage_ladder()
    extra = rules_from_entries(checked.rules, path, PolicyError, taken=tuple(rule.id for rule in ladder))
    known = {rule.id: rule for rule in (*ladder, *extra)}
    floor_rules = _named_rules(checked.floor.rules, known, f"{path.name}: [floor]", path)
    missing = [rule.id for rule in ladder if rule.level == "urgent" and rule not in floor_rules]
    if missing:
        raise PolicyError(
            f"{path.name}: [floor]: the floor must hold every red flag of the referral ladder; "
            f"add {', '.join(repr(m) for m in missing)} to its rules"
        )
    floor = Floor(checked.floor.label, checked.floor.description, floor_rules)
    outcomes = list(load_outcomes())
    policies: dict[str, Policy] = {}
    for entry in checked.policies:
        if entry.id in policies:
            raise PolicyError(f"{path.name}: policy {entry.id!r}: the id is used twice; give each policy its own id")
        thresholds = _thresholds(entry, path, outcomes)
        policies[entry.id] = Policy(
            id=entry.id,
            kind=entry.kind,
            label=entry.label,
            description=entry.description,
            is_default=entry.default,
            outcome=entry.outcome,
            thresholds=thresholds,
            rules=_named_rules(entry.rules, known, f"{path.name}: policy {entry.id!r}", path),
        )
    defaults = [policy for policy in policies.values() if policy.is_default]
    if len(defaults) != 1:
        found = ", ".join(p.id for p in defaults) or "none"
        raise PolicyError(f"{path.name}: exactly one policy must have default = true (found: {found})")
    if defaults[0].kind != "guideline":
        raise PolicyError(
            f"{path.name}: policy {defaults[0].id!r}: the default policy must be a guideline policy (rules a "
            "clinician reads, at least as cautious as the floor); set default = true on a guideline policy instead"
        )
    if not any(policy.kind == "risk" for policy in policies.values()):
        raise PolicyError(f'{path.name}: every assessment also reports a risk policy; add one with kind = "risk"')
    for old, new in checked.aliases.items():
        if old in policies:
            raise PolicyError(f"{path.name}: [aliases]: {old!r} is a policy id; remove the alias")
        if new not in policies:
            raise PolicyError(
                f"{path.name}: [aliases]: {old!r} points to unknown policy {new!r}; use one of {', '.join(policies)}"
            )
    return policies, floor, dict(checked.aliases)


def load_policies(path: Path | None = None) -> dict[str, Policy]:
    """Read and check the policy file; policies by id, in file order.

    Raises
    ------
    PolicyError
        Naming the file, the entry and the fix: an unknown or missing key, an unknown rule
        (of a policy or the floor), an unknown field in a rule's condition, an unknown time
        frame, an unknown outcome, a threshold outside 0-1, thresholds that do not increase, a
        threshold that does not match its harm-to-benefit ratio, a repeated id, a floor without
        every red flag, or not exactly one default (which must be a guideline policy).
    """
    return _load(path)[0]


load_policies.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


def load_floor(path: Path | None = None) -> Floor:
    """The floor of the policy file: the rules no policy, card or threshold answers below."""
    return _load(path)[1]


def policy_rules(policy: Policy) -> tuple[TriageRule, ...]:
    """The rules a policy's answer reads: a guideline policy's own; the red flags for a risk policy."""
    if policy.kind == "guideline":
        return policy.rules
    return tuple(rule for rule in load_triage_ladder() if rule.level == "urgent")


def load_policy(policy: Policy | str | None = None) -> Policy:
    """A policy by id (the default policy for None); a :class:`Policy` is returned as is.

    An old id listed under ``[aliases]`` (``"guideline"``, now ``"nhs"``) still works, with a
    :class:`DeprecationWarning` naming the new id.

    Raises
    ------
    PolicyError
        For an unknown id, listing the known ones.
    """
    if isinstance(policy, Policy):
        return policy
    policies, _, aliases = _load()
    if policy is None:
        return next(p for p in policies.values() if p.is_default)
    if not isinstance(policy, str):
        check_choice("policy", policy, tuple(policies), error=PolicyError, also="a Policy, or None for the default")
    if policy in aliases:
        warnings.warn(
            f"policy {policy!r} is now called {aliases[policy]!r}; use {aliases[policy]!r}",
            DeprecationWarning,
            stacklevel=2,
        )
        return policies[aliases[policy]]
    if policy not in policies:
        raise PolicyError(f"unknown policy {policy!r}; use one of {', '.join(policies)}")
    return policies[policy]
