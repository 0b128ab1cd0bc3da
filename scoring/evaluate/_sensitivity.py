"""Sensitivity to assumptions: how the measured results move when an assumed number is wrong.

Most of the generator's numbers (``definitions/generator.toml``, with a population's overrides
from ``populations.toml``) are tagged ``assumed``: modelling choices, not published figures.
:func:`sensitivity_analysis` asks, for each of them, what the evaluation would have measured if
the world the vignettes describe were different in that one respect. It moves the number down
and up (the rule for each kind of number is data, ``definitions/sensitivity.toml``, with its
reason), draws the population's sample again and scores it with the **shipped** models,
unchanged: they were fitted on the enriched learning mix and their risks are moved to the
population's *stated* prevalences, as every assessment moves them. So a variation of the prior
is a world whose cause shares are not the stated ones, and the calibration shows it.

Every variation uses the same seed (common random numbers): each random quantity of the
generator has its own stream, so moving one flag's probability changes that flag in some rows
and no other draw, and the difference from the baseline is the parameter's effect on the same
people, not the noise of drawing other people.

Speed: the community population has 219 assumed numbers that can move, so 438 variations.
Each one draws :data:`DEFAULT_SENSITIVITY_N` rows (30,000, against the evaluation's 200,000:
with common random numbers a *change* needs far fewer rows than a level does, and about 450
serious causes per sample keep a change of one in a few hundred visible), scores them with the
expert card and the two policies only (no tree, no reference model, no learned card), and
computes each metric once on all rows (an AUC without its bootstrap). A variation then costs
about 1.1 times one plain generate-and-score of the same rows, and ``jobs=2`` splits the
variations over two processes (1.6 times faster on two cores; the table is the same).
``benchmarks/bench_sensitivity.py`` measures it: about 25 s on one core, 15 s with two, on a
two-core machine shared with other work. A metric that rests on few rows (motor-neuron-like
cases sent to self-care: about 30 such cases per sample) moves in steps of one case; pass a
larger ``n`` where that matters.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import fnmatch
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from scoring._paths import DEFINITIONS_DIR
from scoring.engine._definitions import (
    DefinitionError,
    Number,
    RequiredText,
    Strict,
    first_error,
    problem_text,
    read_toml,
)

__all__ = [
    "SENSITIVITY_FILE",
    "DEFAULT_SENSITIVITY_N",
    "DEFAULT_SENSITIVITY_SEED",
    "HEADLINE_METRICS",
    "HeadlineMetric",
    "MoveRule",
    "Variation",
    "AssumedParameter",
    "SensitivityError",
    "load_move_rules",
    "assumed_parameters",
    "sensitivity_analysis",
    "tornado_table",
]

#: How each kind of assumed number is moved, with the reasons.
SENSITIVITY_FILE = DEFINITIONS_DIR / "sensitivity.toml"
#: Rows per variation (see the module notes on speed).
DEFAULT_SENSITIVITY_N = 30_000
#: A seed no model was fitted with (as the comparison's).
DEFAULT_SENSITIVITY_SEED = 2026

_CAUSE_WORDS = {
    "benign_lifestyle": "benign",
    "electrolyte_metabolic_drug": "metabolic/drug",
    "peripheral_neuropathy": "neuropathy",
    "central_ms_like": "MS-like",
    "motor_neuron_like": "MND-like",
}
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class SensitivityError(DefinitionError):
    """``sensitivity.toml`` cannot be used, or a number has no rule: names the entry and the fix."""


# --------------------------------------------------------------------------------------
# The rules, as data
# --------------------------------------------------------------------------------------


class _RuleEntry(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    tables: Annotated[list[str], Field(min_length=1)]
    keys: Annotated[list[str], Field(min_length=1)]
    move: Literal["odds", "share", "scale", "shift"]
    group: Literal["entries", "keys"] | None = None
    low: Number
    high: Number
    field: str | None = None
    min: Number | None = None
    max: Number | None = None
    at_least: str | None = None
    at_most: str | None = None
    reason: RequiredText

    @model_validator(mode="after")
    def _consistent(self) -> _RuleEntry:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.move != "shift" and self.low <= 0:
            raise ValueError(f"a {self.move} rule multiplies: low and high must be above 0 (low = {self.low:g})")
        if (self.move == "share") != (self.group is not None):
            raise ValueError('group ("entries" or "keys") is needed by a share rule, and only by it')
        return self


class _RulesFile(Strict):
    rule: Annotated[list[_RuleEntry], Field(min_length=1)]


@dataclass(frozen=True)
class MoveRule:
    """How one kind of assumed number is moved (a ``[[rule]]`` of ``sensitivity.toml``).

    Attributes
    ----------
    id : str
    tables, keys : tuple of str
        Shell-style patterns of the entry's table (its path without cause and list position)
        and of the number's key in the entry.
    move : {"odds", "share", "scale", "shift"}
    group : {"entries", "keys"} or None
        For a share: what it is a share of.
    low, high : float
        Factors (odds, share, scale) or amounts (shift).
    bounds : tuple of float
        The moved number is clipped into ``[bounds[0], bounds[1]]``.
    reason : str
    at_least, at_most : str or None
        Keys of the same entry the moved number is also kept at or above, at or below (a
        share at first notice never above the share once the course has run).
    """

    id: str
    tables: tuple[str, ...]
    keys: tuple[str, ...]
    move: str
    group: str | None
    low: float
    high: float
    bounds: tuple[float, float]
    reason: str
    at_least: str | None = None
    at_most: str | None = None

    def matches(self, table: str, key: str) -> bool:
        """True when the rule moves number ``key`` of an entry of ``table``."""
        return any(fnmatch.fnmatchcase(table, t) for t in self.tables) and any(
            fnmatch.fnmatchcase(key, k) for k in self.keys
        )


def _bounds(entry: _RuleEntry, where: str) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    if entry.move in ("odds", "share"):
        low, high = 0.0, 1.0 if entry.move == "odds" else math.inf
    if entry.field is not None:
        from scoring.engine.synth._params import field_range

        try:
            field_low, field_high = field_range(entry.field)
        except (KeyError, ValueError) as exc:
            raise SensitivityError(
                f"{where}: field {entry.field!r} has no range ({exc}); name a numeric contract field"
            ) from None
        low, high = max(low, field_low), min(high, field_high)
    low = low if entry.min is None else max(low, entry.min)
    high = high if entry.max is None else min(high, entry.max)
    if low > high:
        raise SensitivityError(f"{where}: its bounds are empty ({low:g} to {high:g}); loosen min or max")
    return low, high


def load_move_rules(path: str | Path | None = None) -> tuple[MoveRule, ...]:
    """Read and check the rules that move assumed numbers (the shipped ``sensitivity.toml`` by default).

    Raises
    ------
    SensitivityError
        Naming the file, the rule and the fix: an unknown or missing key, low not below high,
        a factor that is not positive, a share rule without a group, a field without a range.
    """
    return _shipped_rules() if path is None else _rules(Path(path))


@lru_cache(maxsize=1)
def _shipped_rules() -> tuple[MoveRule, ...]:
    # Read once per process; a file given by path is read every time (it may be edited).
    return _rules(SENSITIVITY_FILE)


def _rules(path: Path) -> tuple[MoveRule, ...]:
    if not path.is_file():
        raise SensitivityError(
            f"{path}: no such sensitivity rules file; give the path to a .toml file of [[rule]] tables"
        )
    raw = read_toml(path, SensitivityError)
    try:
        checked = _RulesFile.model_validate(raw)
    except ValidationError as exc:
        error = first_error(exc)
        loc = error["loc"]
        where = f"[[rule]] {loc[1] + 1}" if len(loc) >= 2 and loc[0] == "rule" and isinstance(loc[1], int) else "file"
        key = str(loc[2]) if len(loc) > 2 else ""
        text = (
            error["msg"]
            if error["type"] == "value_error"
            else problem_text(error, key, allowed=sorted(_RuleEntry.model_fields))
        )
        raise SensitivityError(f"{path.name}: {where}: {text}") from None
    ids = [rule.id for rule in checked.rule]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SensitivityError(
            f"{path.name}: rule id {repeated[0]!r} is used more than once; give each rule its own id"
        )
    return tuple(
        MoveRule(
            id=rule.id,
            tables=tuple(rule.tables),
            keys=tuple(rule.keys),
            move=rule.move,
            group=rule.group,
            low=rule.low,
            high=rule.high,
            bounds=_bounds(rule, f"{path.name}: rule {rule.id!r}"),
            reason=rule.reason,
            at_least=rule.at_least,
            at_most=rule.at_most,
        )
        for rule in checked.rule
    )


# --------------------------------------------------------------------------------------
# Assumed numbers and their variations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variation:
    """One setting of an assumed number: its name, the moved value, and whether it was clipped.

    Attributes
    ----------
    name : {"half", "double", "low", "high"}
        "half" and "double" for factors 0.5 and 2, otherwise "low" and "high".
    direction : {"low", "high"}
    value : float
        The number as moved (other shares of its group are rescaled to match).
    clipped : bool
        True when the move reached one of the number's bounds.
    """

    name: str
    direction: str
    value: float
    clipped: bool


@dataclass(frozen=True)
class AssumedParameter:
    """One assumed number of a population's generator parameters, and how it is moved.

    Attributes
    ----------
    id : str
        The entry's generator.toml path, with the key when the entry holds several numbers:
        ``"prior.motor_neuron_like"``, ``"flags.weakness.benign_lifestyle"``,
        ``"age.benign_lifestyle.mean"``, ``"duration_weeks.components.benign_lifestyle[1].weight"``.
    path : str
        The entry's path (``"age.benign_lifestyle"``).
    key : str
        The number's key in the entry (``"mean"``).
    label : str
        A short readable name, e.g. ``"mean age (benign)"``.
    tag : str
        The entry's tag in the population (an override's own tag when it has one).
    base : float
        The number as the population has it.
    values : Mapping of str to float
        Every number of the entry, as the population has them.
    rule : str
        The id of the :class:`MoveRule` that moves it.
    move, group : str
        The rule's move and (for a share) group, so the parameter moves itself.
    variations : tuple of Variation
        Lower setting first.
    """

    id: str
    path: str
    key: str
    label: str
    tag: str
    base: float
    values: Mapping[str, float]
    rule: str
    move: str
    group: str | None
    variations: tuple[Variation, ...]

    def setting(self, variation: Variation) -> str:
        """The setting in plain text, e.g. ``"prior.motor_neuron_like: 0.001 → 0.002"``."""
        text = f"{self.id}: {_number(self.base)} → {_number(variation.value)}"
        return text + " (clipped)" if variation.clipped else text

    def apply(self, raw: Mapping[str, Any], variation: Variation) -> dict[str, Any]:
        """A copy of generator tables ``raw`` with this number set to ``variation.value``.

        For a share, the other shares of its group are rescaled so that their total stays.
        """
        moved = copy.deepcopy(dict(raw))
        container, last = _parent(moved, self.path)
        entry = container[last]
        old = float(entry[self.key])
        entry[self.key] = variation.value
        if self.move == "share":
            siblings = _group(container, last, self.key, self.group)
            total = old + sum(float(node[key]) for node, key in siblings)
            rest = total - old
            factor = (total - variation.value) / rest if rest > 0 else 0.0
            for node, key in siblings:
                node[key] = float(node[key]) * factor
        return moved


def _number(value: float) -> str:
    return f"{value:.3g}"


def _parts(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PATH_PART.findall(path)]


def _parent(raw: Any, path: str) -> tuple[Any, str | int]:
    parts = _parts(path)
    node = raw
    for part in parts[:-1]:
        node = node[part]
    return node, parts[-1]


def _group(container: Any, last: str | int, key: str, group: str | None) -> list[tuple[Any, str]]:
    """The other (entry, key) pairs whose numbers share a whole with ``container[last][key]``."""
    if group == "keys":
        entry = container[last]
        return [(entry, k) for k, v in entry.items() if k not in (key, "tag") and isinstance(v, (int, float))]
    siblings = container.values() if isinstance(container, dict) else container
    return [(node, key) for node in siblings if node is not container[last]]


def _table(path: str) -> str:
    """The entry's table: its path without the list position and the last name."""
    return re.sub(r"\[\d+\]$", "", path).rpartition(".")[0]


def _label(path: str, key: str, several: bool) -> str:
    """A short name of one number: what it is, and in brackets for which cause (or group)."""
    parts = _parts(path)
    cause = next((_CAUSE_WORDS[p] for p in parts if isinstance(p, str) and p in _CAUSE_WORDS), None)
    if parts[0] == "bfs":
        cause = "persistent benign"
        path = path.removeprefix("bfs.")
        parts = parts[1:]
    table = _table(path)
    if table == "prior":
        what = "cause share"
    elif table.startswith("flags.") or table == "flags":
        sign = (table.removeprefix("flags.") if table != "flags" else str(parts[-1])).replace("_", " ")
        what = {"p_onset": f"{sign} at first notice", "weeks": f"{sign} weeks"}.get(key, sign)
    elif table == "sex.p_male":
        what = "male"
    elif path == "sex.unspecified":
        what = "sex unspecified"
    elif path == "duration_weeks.min":
        what = "shortest duration"
    elif table == "duration_weeks.components":
        index = next(p for p in reversed(parts) if isinstance(p, int))
        what = f"duration {key}" + (f", part {index + 1}" if several else "")
    elif path == "course.benign_persistent":
        what = "benign persistent"
    elif table in ("course", "asking"):
        what = f"{table} {str(parts[-1]).replace('_', ' ')} {key}"
    elif table == "worry.loading":
        what = f"worry loading, {str(parts[-1]).replace('_', ' ')}"
    elif table == "answer_errors":
        what = f"{str(parts[-1]).replace('_', ' ')} {key.replace('_', ' ')}"
    elif path == "regions" or table == "regions":
        what = "extra areas"
    elif path in ("frequency", "severity") or table in ("frequency", "severity"):
        what = f"{path if path in ('frequency', 'severity') else table} {key}"
    elif path == "location_weights" or table == "location_weights":
        what = f"{key} weight"
    elif table == "caffeine_mg_per_day.by_cause":
        what = "caffeine median" if key == "median" else "caffeine > 400 mg"
    elif table == "sleep_hours.p_deprived":
        what = "short sleep"
    elif table == "sleep_hours":
        what = f"{parts[-1]} {key}".replace("_", " ").replace("deprived hours", "short-sleep hours")
    elif table == "age":
        what = f"age {key}"
    elif table == "stress_level" or path == "stress_level":
        what = f"stress {key}"
    else:
        what = f"{path} {key}"
    return f"{what} ({cause})" if cause else what


def _variation(
    base: float,
    rule: MoveRule,
    factor: float,
    group_total: float,
    direction: str,
    bounds: tuple[float, float] | None = None,
) -> Variation | None:
    """``base`` moved by ``factor`` under ``rule`` (clipped to ``bounds``, the rule's by default), or None when the move cannot change it."""
    if rule.move in ("odds", "share"):
        share = base / group_total if rule.move == "share" else base
        if share <= 0.0 or share >= 1.0:
            return None  # a lone mixture weight, or a certainty: no odds to move
        odds = share / (1.0 - share) * factor
        moved = odds / (1.0 + odds) * (group_total if rule.move == "share" else 1.0)
    elif rule.move == "scale":
        if base == 0.0:
            return None
        moved = base * factor
    else:
        moved = base + factor
    low, high = rule.bounds if bounds is None else bounds
    clipped = not low <= moved <= high
    moved = min(max(moved, low), high)
    if moved == base:
        return None
    if factor == 0.5 and rule.move != "shift":
        name = "half"
    elif factor == 2.0 and rule.move != "shift":
        name = "double"
    else:
        name = direction
    return Variation(name=name, direction=direction, value=float(moved), clipped=clipped)


def _population(population: Any) -> Any:
    from scoring.engine.populations import Population, load_population

    if not isinstance(population, (str, Population)):
        from scoring.engine.populations import load_populations

        raise ValueError(
            f"population must be a population id or a Population, got {type(population).__name__}; "
            f"known populations: {', '.join(load_populations())}"
        )
    return load_population(population)


def assumed_parameters(population: Any = "community", *, rules: str | Path | None = None) -> list[AssumedParameter]:
    """Every assumed number of a population's generator parameters, with its two variations.

    Parameters
    ----------
    population : str or Population, default "community"
        Whose parameters: generator.toml with the population's overrides, whose own tags win
        (the community prior is assumed there, whatever generator.toml's tag says).
    rules : str or Path, optional
        A rules file (the shipped ``definitions/sensitivity.toml`` by default).

    Returns
    -------
    list of AssumedParameter
        In generator.toml's order, one per number of every entry tagged ``assumed``. A number
        its move cannot change is left out: a mixture weight of a cause with one duration
        component (always 1 after normalising), a share or probability of exactly 0 or 1, a
        spread of 0.

    Raises
    ------
    PopulationError
        For an unknown population, listing the known ones.
    SensitivityError
        When an assumed number matches no rule (naming it and the rules' tables).

    Examples
    --------
    >>> prior = {p.id: p for p in assumed_parameters("community")}["prior.motor_neuron_like"]
    >>> [prior.setting(v) for v in prior.variations]
    ['prior.motor_neuron_like: 0.001 → 0.0005', 'prior.motor_neuron_like: 0.001 → 0.002']
    """
    target = _population(population)
    move_rules = load_move_rules(rules)
    found: list[AssumedParameter] = []
    raw = target.params.raw
    for entry in target.params.entries():
        if entry.sourced:
            continue
        table = _table(entry.path)
        numbers = {k: float(v) for k, v in entry.values.items() if isinstance(v, (int, float))}
        for key, base in numbers.items():
            rule = next((r for r in move_rules if r.matches(table, key)), None)
            if rule is None:
                raise SensitivityError(
                    f"{SENSITIVITY_FILE.name}: no rule moves {entry.path}.{key} (table {table!r}, key {key!r}); "
                    "add a [[rule]] whose tables and keys match it"
                )
            total = base
            if rule.move == "share":
                container, last = _parent(raw, entry.path)
                total += sum(float(node[k]) for node, k in _group(container, last, key, rule.group))
            low, high = rule.bounds
            if rule.at_least in numbers:
                low = max(low, numbers[rule.at_least])
            if rule.at_most in numbers:
                high = min(high, numbers[rule.at_most])
            moves = (
                _variation(base, rule, rule.low, total, "low", (low, high)),
                _variation(base, rule, rule.high, total, "high", (low, high)),
            )
            variations = tuple(v for v in moves if v is not None)
            if not variations:
                continue
            several = len(numbers) > 1
            found.append(
                AssumedParameter(
                    id=f"{entry.path}.{key}" if several else entry.path,
                    path=entry.path,
                    key=key,
                    label=_label(entry.path, key, several and _several_components(raw, entry.path)),
                    tag=entry.tag,
                    base=base,
                    values=numbers,
                    rule=rule.id,
                    move=rule.move,
                    group=rule.group,
                    variations=variations,
                )
            )
    return found


def _several_components(raw: Mapping[str, Any], path: str) -> bool:
    if not path.startswith("duration_weeks.components."):
        return False
    container, _ = _parent(raw, path)
    return isinstance(container, list) and len(container) > 1


# --------------------------------------------------------------------------------------
# Headline metrics of one sample
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineMetric:
    """A metric recorded for every variation.

    Attributes
    ----------
    id : str
    label : str
    share : bool
        True for a share (its change is shown in percentage points).
    """

    id: str
    label: str
    share: bool


#: What each variation records: the outcome's share in the sample, the expert card's
#: discrimination and calibration, and how the risk policy and the guideline refer people.
HEADLINE_METRICS: tuple[HeadlineMetric, ...] = (
    HeadlineMetric("observed", "serious causes in the sample", True),
    HeadlineMetric("expert_auc", "AUC, expert card", False),
    HeadlineMetric("expert_calibration_intercept", "calibration intercept, expert card", False),
    HeadlineMetric("expert_calibration_slope", "calibration slope, expert card", False),
    HeadlineMetric("risk_sensitivity", "serious causes referred, risk policy", True),
    HeadlineMetric("risk_share_referred", "people referred, risk policy", True),
    HeadlineMetric("guideline_sensitivity", "serious causes referred, guideline", True),
    HeadlineMetric("guideline_share_referred", "people referred, guideline", True),
    HeadlineMetric("risk_motor_neuron_like_self_care", "MND-like cases sent to self-care, risk policy", True),
)
_METRIC_BY_ID = {metric.id: metric for metric in HEADLINE_METRICS}


@dataclass(frozen=True)
class _Scoring:
    """What every variation is scored with: the shipped models, as the evaluated population reads them."""

    population: Any  # a Population whose mappings are plain dicts, so it can go to a worker process
    card: Any
    policy: Any
    outcome: str


def _scoring(population: Any, card: Any) -> _Scoring:
    from scoring.engine.card import load_card
    from scoring.engine.policies import load_policies

    policy = next(p for p in load_policies().values() if p.kind == "risk")
    target = dataclasses.replace(population, prior=dict(population.prior), tags=dict(population.tags))
    return _Scoring(population=target, card=load_card(card), policy=policy, outcome=str(policy.outcome))


def _headline(scoring: _Scoring, params: Any, n: int, seed: int) -> dict[str, float]:
    """Generate ``n`` rows from ``params``, score them with the shipped models, measure."""
    from scoring.analysis.risk_metrics import auc_interval, referral_counts
    from scoring.assessment import assess_frame, risk_column
    from scoring.engine.calibration import calibration_summary
    from scoring.engine.risk import outcome_labels
    from scoring.engine.synth import generate_vignettes

    world = dataclasses.replace(scoring.population, params=params)
    frame = generate_vignettes(n, seed, population=world)
    scored = assess_frame(
        frame, card=scoring.card, tree=None, population=scoring.population, policy=scoring.policy, extra="keep"
    ).scored
    y = outcome_labels(scored, scoring.outcome)
    risk = scored[risk_column(scoring.outcome)].to_numpy(dtype=np.float64)
    both_classes = 0 < int(y.sum()) < len(y)
    # One resample: the AUC itself is computed on all rows; its interval is not needed here.
    auc = auc_interval(risk, y, resamples=1).auc if both_classes else math.nan
    calibration = calibration_summary(risk, y) if both_classes else {}
    risk_levels = _levels(scored["risk_policy_recommendation"])
    risk_policy = referral_counts(risk_levels, y)
    guideline = referral_counts(_levels(scored["guideline_recommendation"]), y)
    motor_neuron = (scored["latent_cause"] == "motor_neuron_like").to_numpy(dtype=bool)
    n_motor_neuron = int(motor_neuron.sum())
    return {
        "observed": float(y.mean()) if len(y) else math.nan,
        "expert_auc": float(auc),
        "expert_calibration_intercept": float(calibration.get("calibration_intercept", math.nan)),
        "expert_calibration_slope": float(calibration.get("calibration_slope", math.nan)),
        "risk_sensitivity": float(risk_policy["sensitivity"]),
        "risk_share_referred": float(risk_policy["share_referred"]),
        "guideline_sensitivity": float(guideline["sensitivity"]),
        "guideline_share_referred": float(guideline["share_referred"]),
        "risk_motor_neuron_like_self_care": (
            int((motor_neuron & (risk_levels == 0)).sum()) / n_motor_neuron if n_motor_neuron else math.nan
        ),
    }


def _levels(column: pd.Series) -> np.ndarray:
    """Recommendation levels of a categorical column, by its categories (one lookup, not one per row)."""
    from scoring.contract.recommendation import values_to_levels

    categorical = column.array
    by_category = values_to_levels(np.asarray(categorical.categories, dtype=object))
    return by_category[np.asarray(categorical.codes)].astype(np.int8)


def _measure(
    scoring: _Scoring, tasks: Sequence[tuple[AssumedParameter, Variation]], n: int, seed: int
) -> list[dict[str, float]]:
    """The headline metrics of each variation (run in a worker process when ``jobs > 1``)."""
    from scoring.engine.synth._params import params_from_raw

    results = []
    raw = scoring.population.params.raw
    for parameter, variation in tasks:
        moved = params_from_raw(
            parameter.apply(raw, variation), f"sensitivity variation {parameter.setting(variation)}"
        )
        results.append(_headline(scoring, moved, n, seed))
    return results


# --------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------


def _whole(name: str, value: Any, minimum: int, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number, {minimum} or more, e.g. {example} (got {value!r})")
    return int(value)


def _chosen(available: list[AssumedParameter], parameters: Any, population: Any) -> list[AssumedParameter]:
    if parameters is None:
        return available
    if isinstance(parameters, (str, AssumedParameter)):
        parameters = [parameters]
    by_id = {p.id: p for p in available}
    sourced = {entry.path: entry.tag for entry in population.params.entries() if entry.sourced}
    chosen: list[AssumedParameter] = []
    for item in parameters:
        if isinstance(item, AssumedParameter):
            chosen.append(item)
            continue
        if not isinstance(item, str):
            raise ValueError(f"parameters must be ids (str) or AssumedParameter objects, got {type(item).__name__}")
        if item in by_id:
            chosen.append(by_id[item])
            continue
        whole_entry = [p for p in available if p.path == item]
        if whole_entry:
            chosen += whole_entry
            continue
        entry_path = next((path for path in sourced if item == path or item.startswith(path + ".")), None)
        if entry_path is not None:
            raise ValueError(
                f"parameter {item!r} is sourced in population {population.id!r} (tag {sourced[entry_path]!r}); "
                "only assumed numbers are varied"
            )
        close = difflib.get_close_matches(item, list(by_id), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        tables = ", ".join(dict.fromkeys(str(_parts(p.path)[0]) for p in available))
        raise ValueError(
            f"unknown parameter {item!r}: population {population.id!r} has no assumed number of that id; {hint}"
            f"It has {len(available)} assumed parameters, in the tables {tables} "
            f"(assumed_parameters({population.id!r}) lists them)"
        )
    if not chosen:
        raise ValueError("parameters is empty: name at least one assumed parameter, or pass None for all of them")
    return list({parameter.id: parameter for parameter in chosen}.values())


def sensitivity_analysis(
    population: Any = "community",
    *,
    n: int = DEFAULT_SENSITIVITY_N,
    seed: int = DEFAULT_SENSITIVITY_SEED,
    jobs: int = 1,
    parameters: Iterable[str | AssumedParameter] | None = None,
    card: Any = "default",
    progress: bool = False,
) -> pd.DataFrame:
    """How the headline metrics move when each assumed generator number is moved down and up.

    Parameters
    ----------
    population : str or Population, default "community"
        The evaluated population: its sample is drawn again for every variation, and the
        shipped models read every sample as this population (its stated prevalences).
    n : int, default 30000
        Rows per variation (and of the baseline).
    seed : int, default 2026
        The same seed for the baseline and every variation (common random numbers). Same
        arguments, same table, whatever ``jobs``.
    jobs : int, default 1
        Processes to spread the variations over (2 on a two-core machine).
    parameters : iterable of str or AssumedParameter, optional
        Which to vary: ids of :func:`assumed_parameters` (an entry's path stands for all its
        numbers), or parameters made by hand; all assumed numbers by default.
    card : str or Card, default "default"
        The card whose risks the metrics read (the expert card; the guideline uses it too).
    progress : bool, default False
        Show a progress bar over the variations.

    Returns
    -------
    DataFrame
        Long, one row per (parameter, variation, metric), in the order of the parameters and of
        :data:`HEADLINE_METRICS`: ``parameter`` (the id), ``label``, ``tag``, ``rule``,
        ``variation`` ("half"/"double" or "low"/"high"), ``direction`` ("low"/"high"),
        ``setting`` (plain text, e.g. "prior.motor_neuron_like: 0.001 → 0.002"), ``assumed``
        (the number as the population has it), ``moved`` (as varied), ``clipped``, ``metric``,
        ``metric_label``, ``baseline`` (on the unmoved sample), ``value`` and ``change``
        (``value - baseline``; NaN where a metric is undefined, e.g. an AUC without outcomes).

    Raises
    ------
    PopulationError
        For an unknown population (listing the known ones).
    ValueError
        For an unknown parameter id (naming the close ones and where the others are), a
        sourced one (naming its tag), an empty list, or ``n``, ``seed`` or ``jobs`` that are not whole numbers in range.

    Examples
    --------
    >>> table = sensitivity_analysis(n=5_000, parameters=["prior.motor_neuron_like"])
    >>> sorted(set(table["variation"]))
    ['double', 'half']
    """
    n = _whole("n", n, 1, "30000")
    seed = _whole("seed", seed, 0, "2026")
    jobs = _whole("jobs", jobs, 1, "2")
    target = _population(population)
    chosen = _chosen(assumed_parameters(target), parameters, target)
    scoring = _scoring(target, card)
    tasks = [(parameter, variation) for parameter in chosen for variation in parameter.variations]

    baseline = _headline(scoring, target.params, n, seed)
    measured = _run(scoring, tasks, n, seed, jobs, progress)

    rows = []
    for (parameter, variation), values in zip(tasks, measured):
        common = {
            "parameter": parameter.id,
            "label": parameter.label,
            "tag": parameter.tag,
            "rule": parameter.rule,
            "variation": variation.name,
            "direction": variation.direction,
            "setting": parameter.setting(variation),
            "assumed": parameter.base,
            "moved": variation.value,
            "clipped": variation.clipped,
        }
        for metric in HEADLINE_METRICS:
            rows.append(
                {
                    **common,
                    "metric": metric.id,
                    "metric_label": metric.label,
                    "baseline": baseline[metric.id],
                    "value": values[metric.id],
                    "change": values[metric.id] - baseline[metric.id],
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS)


#: The columns of the analysis a tornado table reads.
_TORNADO_NEEDS = (
    "parameter",
    "label",
    "tag",
    "direction",
    "variation",
    "setting",
    "metric",
    "baseline",
    "value",
    "change",
)
_TORNADO_COLUMNS = [
    "rank",
    "parameter",
    "label",
    "tag",
    "metric",
    "metric_label",
    "share",
    "baseline",
    *(f"{side}_{what}" for side in ("low", "high") for what in ("variation", "setting", "value", "change")),
    "swing",
]

_COLUMNS = [
    "parameter",
    "label",
    "tag",
    "rule",
    "variation",
    "direction",
    "setting",
    "assumed",
    "moved",
    "clipped",
    "metric",
    "metric_label",
    "baseline",
    "value",
    "change",
]


def _run(
    scoring: _Scoring, tasks: list[tuple[AssumedParameter, Variation]], n: int, seed: int, jobs: int, progress: bool
) -> list[dict[str, float]]:
    """Every task's metrics, in task order: in this process, or in ``jobs`` worker processes."""
    bar = _progress_bar(len(tasks), progress)
    try:
        if jobs == 1 or len(tasks) < 2:
            results = []
            for task in tasks:
                results += _measure(scoring, [task], n, seed)
                bar.update(1)
            return results
        from joblib import Parallel, delayed

        # A few chunks per process: fewer, larger messages than one per variation, and still
        # balanced when some variations take longer.
        size = max(1, math.ceil(len(tasks) / (4 * jobs)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        results = []
        parallel = Parallel(n_jobs=jobs, return_as="generator")
        for part in parallel(delayed(_measure)(scoring, chunk, n, seed) for chunk in chunks):
            results += part
            bar.update(len(part))
        return results
    finally:
        bar.close()


class _NoBar:
    def update(self, _: int) -> None:
        return None

    def close(self) -> None:
        return None


def _progress_bar(total: int, progress: bool) -> Any:
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm  # imported only when asked for

    return tqdm(total=total, unit="variation", desc="sensitivity", disable=None)


# --------------------------------------------------------------------------------------
# The ten that matter most
# --------------------------------------------------------------------------------------


def tornado_table(sensitivity: pd.DataFrame, *, metric: str, top: int | None = 10) -> pd.DataFrame:
    """The parameters that move one metric most, with their low and high variations side by side.

    Parameters
    ----------
    sensitivity : DataFrame
        As returned by :func:`sensitivity_analysis`.
    metric : str
        A metric id of the table (see :data:`HEADLINE_METRICS`).
    top : int or None, default 10
        How many parameters to keep (None for all).

    Returns
    -------
    DataFrame
        One row per parameter, the largest move first: ``rank`` (1, 2, ...), ``parameter``,
        ``label``, ``tag``, ``metric``, ``metric_label``, ``share`` (True when the metric is a
        share), ``baseline``, then for each direction ``low_variation``, ``low_setting``,
        ``low_value``, ``low_change`` and the same with ``high_``, and ``swing`` (the larger
        absolute change). Parameters that did not move the metric (every change 0 or
        undefined) are left out, so the table may be shorter than ``top``, or empty. A
        parameter with one variation has NaN and "" on the other side. Ties keep the
        analysis' order.

    Raises
    ------
    ValueError
        For a metric the table does not have (listing the ones it has), missing columns, or
        ``top`` below 1.
    """
    missing = [c for c in _TORNADO_NEEDS if c not in sensitivity.columns]
    if missing:
        raise ValueError(
            f"the sensitivity table has no column(s) {', '.join(missing)}; pass the table sensitivity_analysis returns"
        )
    metrics = list(dict.fromkeys(sensitivity["metric"]))
    if metric not in metrics:
        raise ValueError(f"unknown metric {metric!r}; the table has {', '.join(metrics) or 'no metrics'}")
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"top must be a whole number, 1 or more, or None for all (got {top!r})")
    rows = sensitivity[sensitivity["metric"] == metric]
    described = _METRIC_BY_ID.get(metric)
    label = str(rows["metric_label"].iloc[0]) if "metric_label" in rows else (described.label if described else metric)
    out = []
    for parameter, group in rows.groupby("parameter", sort=False):
        record: dict[str, Any] = {
            "parameter": parameter,
            "label": group["label"].iloc[0],
            "tag": group["tag"].iloc[0],
            "metric": metric,
            "metric_label": label,
            "share": bool(described.share) if described else False,
            "baseline": float(group["baseline"].iloc[0]),
        }
        for direction in ("low", "high"):
            side = group[group["direction"] == direction]
            found = len(side) > 0
            record[f"{direction}_variation"] = side["variation"].iloc[0] if found else ""
            record[f"{direction}_setting"] = side["setting"].iloc[0] if found else ""
            record[f"{direction}_value"] = float(side["value"].iloc[0]) if found else math.nan
            record[f"{direction}_change"] = float(side["change"].iloc[0]) if found else math.nan
        changes = np.abs([record["low_change"], record["high_change"]])
        record["swing"] = float(np.nanmax(changes)) if not np.isnan(changes).all() else math.nan
        out.append(record)
    table = pd.DataFrame(out, columns=_TORNADO_COLUMNS[1:])
    table = table[table["swing"] > 0]  # NaN compares False: undefined changes go too
    # Stable sort: equal swings keep the analysis' (generator.toml's) order.
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    if top is not None:
        table = table.head(int(top))
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
