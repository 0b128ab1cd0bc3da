"""Uncertainty about the synthetic world: a distribution for every generator number, and worlds drawn from them.

Every number of a population's generator parameters (``definitions/generator.toml`` with the
population's overrides) is a point in a range of values the world could have had. How wide
that range is depends on where the number comes from, and the rules are data,
``definitions/worlds.toml``, each with its reason:

* a sourced entry that stores its source's counts (``counts = [k, n]``) has its probability
  drawn from Beta(k + 1, n - k + 1);
* any other number is drawn by the first rule matching its table and key: on the log-odds
  scale (probabilities), the log scale (spreads, medians, Poisson means, the parts of a whole,
  rescaled to keep their total), or its own scale (means), with a tighter spread for a sourced
  number than for an assumed one; a definition (a threshold a share is counted at) is fixed.

:func:`world_parameters` lists every number with its distribution; :func:`draw_world` draws
one world, reproducibly: world ``index`` of seed ``seed`` draws each number from its own random
stream (keyed by the seed, the index and the number's id), so a world does not change when a
number is added to or removed from the file. ``[[scenario]]`` tables name structural
assumptions (the shipped numbers with some replaced): :func:`scenario_world` builds one.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import fnmatch
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, StrictStr, ValidationError, model_validator

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
    "WORLDS_FILE",
    "WorldsError",
    "DrawRule",
    "Scenario",
    "WorldParameter",
    "World",
    "load_world_rules",
    "load_scenarios",
    "world_parameters",
    "world_distributions",
    "draw_world",
    "scenario_world",
    "shipped_world",
]

#: The distributions' rules and the structural scenarios.
WORLDS_FILE = DEFINITIONS_DIR / "worlds.toml"

_Z95 = 1.959963984540054


class WorldsError(DefinitionError):
    """``worlds.toml`` cannot be used, or a number has no rule: names the file, the entry and the fix."""


# --------------------------------------------------------------------------------------
# The rules, as data
# --------------------------------------------------------------------------------------


class _RuleEntry(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    tables: Annotated[list[str], Field(min_length=1)]
    keys: Annotated[list[str], Field(min_length=1)]
    draw: Literal["logit_normal", "log_share", "lognormal", "normal", "fixed"]
    group: Literal["entries", "keys"] | None = None
    share_of: str | None = None
    assumed_spread: Annotated[float, Field(gt=0)] | None = None
    sourced_spread: Annotated[float, Field(gt=0)] | None = None
    field: str | None = None
    min: Number | None = None
    max: Number | None = None
    reason: RequiredText

    @model_validator(mode="after")
    def _consistent(self) -> _RuleEntry:
        spreads = (self.assumed_spread, self.sourced_spread)
        if self.draw == "fixed" and any(s is not None for s in spreads):
            raise ValueError("a fixed rule draws nothing: remove assumed_spread and sourced_spread")
        if self.draw != "fixed" and any(s is None for s in spreads):
            raise ValueError(
                f"a {self.draw} rule needs both assumed_spread and sourced_spread (e.g. assumed_spread = 0.35, "
                "sourced_spread = 0.2)"
            )
        if (self.draw == "log_share") != (self.group is not None):
            raise ValueError('group ("entries" or "keys") is needed by a log_share rule, and only by it')
        if self.share_of is not None and self.draw != "logit_normal":
            raise ValueError("share_of is for a logit_normal rule (a share of another probability of the entry)")
        return self


class _CountsEntry(Strict):
    reason: RequiredText


SetValue = Annotated[float, Field(allow_inf_nan=False)] | StrictBool | StrictStr


class _ScenarioEntry(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: RequiredText
    description: RequiredText
    set: Annotated[dict[str, SetValue], Field(min_length=1)]


class _WorldsFile(Strict):
    counts: _CountsEntry
    rule: Annotated[list[_RuleEntry], Field(min_length=1)]
    scenario: list[_ScenarioEntry] = []


@dataclass(frozen=True)
class DrawRule:
    """How one kind of generator number is drawn (a ``[[rule]]`` of ``worlds.toml``).

    Attributes
    ----------
    id : str
    tables, keys : tuple of str
        Shell-style patterns of the entry's table and of the number's key.
    draw : {"logit_normal", "log_share", "lognormal", "normal", "fixed"}
    group : {"entries", "keys"} or None
        For a share: what it is a part of.
    share_of : str or None
        The key of the entry's number this one is drawn as a share of.
    assumed_spread, sourced_spread : float
        The error's sd for an assumed and for a sourced number (NaN for a fixed rule).
    bounds : tuple of float
        A drawn number is clipped into ``[bounds[0], bounds[1]]``.
    reason : str
    """

    id: str
    tables: tuple[str, ...]
    keys: tuple[str, ...]
    draw: str
    group: str | None
    share_of: str | None
    assumed_spread: float
    sourced_spread: float
    bounds: tuple[float, float]
    reason: str

    def matches(self, table: str, key: str) -> bool:
        """True when the rule draws number ``key`` of an entry of ``table``."""
        return any(fnmatch.fnmatchcase(table, t) for t in self.tables) and any(
            fnmatch.fnmatchcase(key, k) for k in self.keys
        )


@dataclass(frozen=True)
class Scenario:
    """A structural assumption evaluated as its own world (a ``[[scenario]]`` of ``worlds.toml``).

    Attributes
    ----------
    id, label, description : str
    settings : tuple of (str, value)
        Number ids (``"<entry path>.<key>"``, shell-style patterns allowed) and the value each
        takes in the scenario, in file order.
    """

    id: str
    label: str
    description: str
    settings: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class _Definitions:
    counts_reason: str
    rules: tuple[DrawRule, ...]
    scenarios: tuple[Scenario, ...]


def _bounds(entry: _RuleEntry, where: str) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    if entry.draw == "logit_normal":
        low, high = 0.0, 1.0
    elif entry.draw in ("log_share", "lognormal"):
        low = 0.0
    if entry.field is not None:
        from scoring.engine.synth._params import field_range

        try:
            field_low, field_high = field_range(entry.field)
        except (KeyError, ValueError) as exc:
            raise WorldsError(
                f"{where}: field {entry.field!r} has no range ({exc}); name a numeric contract field"
            ) from None
        low, high = max(low, field_low), min(high, field_high)
    low = low if entry.min is None else max(low, entry.min)
    high = high if entry.max is None else min(high, entry.max)
    if low > high:
        raise WorldsError(f"{where}: its bounds are empty ({low:g} to {high:g}); loosen min or max")
    return low, high


def _definitions(path: str | Path | None) -> _Definitions:
    return _shipped_definitions() if path is None else _read(Path(path))


@lru_cache(maxsize=1)
def _shipped_definitions() -> _Definitions:
    return _read(WORLDS_FILE)


def _read(path: Path) -> _Definitions:
    if not path.is_file():
        raise WorldsError(
            f"{path}: no such worlds file; give the path to a .toml file with [counts] and [[rule]] tables"
        )
    raw = read_toml(path, WorldsError)
    try:
        checked = _WorldsFile.model_validate(raw)
    except ValidationError as exc:
        raise WorldsError(f"{path.name}: {_schema_text(exc)}") from None
    for kind, ids in (("rule", [r.id for r in checked.rule]), ("scenario", [s.id for s in checked.scenario])):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise WorldsError(f"{path.name}: {kind} id {repeated[0]!r} is used more than once; give each its own id")
    rules = tuple(
        DrawRule(
            id=rule.id,
            tables=tuple(rule.tables),
            keys=tuple(rule.keys),
            draw=rule.draw,
            group=rule.group,
            share_of=rule.share_of,
            assumed_spread=math.nan if rule.assumed_spread is None else float(rule.assumed_spread),
            sourced_spread=math.nan if rule.sourced_spread is None else float(rule.sourced_spread),
            bounds=_bounds(rule, f"{path.name}: rule {rule.id!r}"),
            reason=rule.reason,
        )
        for rule in checked.rule
    )
    scenarios = tuple(
        Scenario(id=s.id, label=s.label, description=s.description, settings=tuple(s.set.items()))
        for s in checked.scenario
    )
    return _Definitions(counts_reason=checked.counts.reason, rules=rules, scenarios=scenarios)


def _schema_text(exc: ValidationError) -> str:
    error = first_error(exc)
    loc = error["loc"]
    if len(loc) >= 2 and loc[0] in ("rule", "scenario") and isinstance(loc[1], int):
        where = f"[[{loc[0]}]] {loc[1] + 1}"
        key = str(loc[2]) if len(loc) > 2 else ""
        model: type[Strict] = _RuleEntry if loc[0] == "rule" else _ScenarioEntry
    elif loc and loc[0] == "counts":
        where, key, model = "[counts]", str(loc[1]) if len(loc) > 1 else "counts", _CountsEntry
    else:
        where, key, model = "file", str(loc[0]) if loc else "", _WorldsFile
    if error["type"] == "value_error":
        text = error["msg"].removeprefix("Value error, ")
    else:
        text = problem_text(error, key, allowed=sorted(model.model_fields))
    return f"{where}: {text}"


def load_world_rules(path: str | Path | None = None) -> tuple[DrawRule, ...]:
    """Read and check the rules that give each generator number its distribution.

    Parameters
    ----------
    path : str or Path, optional
        A worlds file (the shipped ``definitions/worlds.toml`` by default).

    Raises
    ------
    WorldsError
        Naming the file, the rule and the fix: an unknown or missing key, a spread that is not
        above 0, a fixed rule with a spread, a share rule without a group, a field without a
        range, a repeated id.
    """
    return _definitions(path).rules


def load_scenarios(path: str | Path | None = None) -> tuple[Scenario, ...]:
    """The structural scenarios of a worlds file (the shipped one by default), in file order.

    Raises
    ------
    WorldsError
        As :func:`load_world_rules`.
    """
    return _definitions(path).scenarios


# --------------------------------------------------------------------------------------
# Every number and its distribution
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldParameter:
    """One number of a population's generator parameters, and the distribution it is drawn from.

    Attributes
    ----------
    id : str
        The entry's path, with ``.<key>`` when the entry holds several numbers (as the
        sensitivity analysis names it): ``"prior.motor_neuron_like"``, ``"age.benign_lifestyle.mean"``.
    path, key : str
        The entry's path and the number's key in it.
    label : str
        A short readable name.
    tag : str
        The entry's tag.
    sourced : bool
        True for a tag citing a source.
    base : float
        The number as the population has it.
    rule : str
        The id of the rule that draws it (``"counts"`` for a Beta from the source's counts).
    draw : str
        ``"beta"``, ``"logit_normal"``, ``"log_share"``, ``"lognormal"``, ``"normal"``, ``"rest"``
        (the largest part of a group of shares: what the others, drawn against it, leave) or
        ``"fixed"``.
    spread : float
        The error's sd (NaN for beta and fixed).
    counts : tuple of int or None
        ``(k, n)`` for a Beta(k + 1, n - k + 1).
    group : str or None
        For a share: ``"entries"`` or ``"keys"``.
    share_of : str or None
        The key of the entry this number is a share of (``"p"`` for ``p_onset``): it is drawn
        as that share, on the log-odds scale, and multiplied by the other number as drawn, so
        it never exceeds it.
    bounds : tuple of float
    reason : str
        Why it is drawn this way (the rule's reason).
    """

    id: str
    path: str
    key: str
    label: str
    tag: str
    sourced: bool
    base: float
    rule: str
    draw: str
    spread: float
    counts: tuple[int, int] | None
    group: str | None
    bounds: tuple[float, float]
    reason: str
    share_of: str | None = None
    of_base: float = math.nan

    @property
    def varies(self) -> bool:
        """False for a number that is not drawn (fixed, or one its scale cannot move)."""
        return self.draw != "fixed"

    @property
    def centre(self) -> float:
        """What the draw is centred on: the number, or for ``share_of`` its share of the other number."""
        return self.base / self.of_base if self.share_of is not None else self.base

    def beta_parameters(self) -> tuple[float, float]:
        """``(k + 1, n - k + 1)`` of a number drawn from its source's counts."""
        if self.counts is None:
            raise ValueError(f"{self.id} has no counts; only a sourced number with counts is drawn from a Beta")
        k, n = self.counts
        return float(k + 1), float(n - k + 1)

    def describe(self) -> str:
        """The distribution in plain text, e.g. ``"Beta(25, 11) from 24 of 34"`` or ``"log-odds + normal(0, 0.35)"``."""
        if self.draw == "beta" and self.counts is not None:
            k, n = self.counts
            a, b = self.beta_parameters()
            text = f"Beta({a:g}, {b:g}) from {k} of {n}"
            if not math.isclose(self.base, a / (a + b), abs_tol=5e-3):
                text += f", moved to {self.base:g} on the log-odds scale"
            return text
        if self.draw == "rest":
            return "the rest of its group (its largest part; the others are drawn against it)"
        scale = {
            "logit_normal": "log-odds",
            "log_share": "log share (rescaled)",
            "lognormal": "log",
            "normal": "value",
        }.get(self.draw)
        if scale is None:
            return "fixed"
        text = f"{scale} + normal(0, {self.spread:g})"
        return f"share of {self.share_of}: {text}" if self.share_of is not None else text

    def _from_unit(self, unit: float) -> float:
        """The number at the ``unit`` quantile of its own draw (before rescaling or multiplying)."""
        from statistics import NormalDist

        if self.draw == "beta":
            from scipy.stats import beta

            a, b = self.beta_parameters()
            return self._moved_beta(float(beta.ppf(unit, a, b)))
        z = NormalDist().inv_cdf(unit)
        centre = self.centre
        if self.draw == "logit_normal":
            return 1.0 / (1.0 + math.exp(-(math.log(centre / (1.0 - centre)) + self.spread * z)))
        if self.draw in ("log_share", "lognormal"):
            return centre * math.exp(self.spread * z)
        if self.draw == "normal":
            return centre + self.spread * z
        return centre

    def _moved_beta(self, share: float) -> float:
        """A Beta draw of the source's share, moved by the log-odds that the number differs from the Beta's mean.

        A number can differ from its source's share on purpose (a true share set so that the
        reported share, after answer errors, lands on the source's): the counts give the
        spread, the number the centre. Where the number is the Beta's mean, this is the draw.
        """
        a, b = self.beta_parameters()
        mean = a / (a + b)
        share = min(max(share, 1e-12), 1.0 - 1e-12)
        if not 0.0 < self.base < 1.0:
            return self.base
        logit = math.log(share / (1 - share)) - math.log(mean / (1 - mean)) + math.log(self.base / (1 - self.base))
        return 1.0 / (1.0 + math.exp(-logit))

    def interval(self) -> tuple[float, float]:
        """The 2.5th and 97.5th percentiles of the number's own draw.

        A share before its group is rescaled; for ``share_of``, its share of the other number
        times that number as shipped; NaN for the rest of a group.
        """
        if self.draw == "rest":
            return math.nan, math.nan
        if self.draw == "fixed":
            return self.base, self.base
        low, high = self.bounds
        factor = self.of_base if self.share_of is not None else 1.0
        ends = [self._from_unit(u) * factor for u in (0.025, 0.975)]
        return float(min(max(ends[0], low), high)), float(min(max(ends[1], low), high))

    def draw_value(self, rng: np.random.Generator) -> float:
        """One draw (a share before its group is rescaled; for ``share_of``, the share), clipped to its bounds.

        Reads the stream once: a Beta variate for a number with counts, a standard normal
        otherwise (nothing for a fixed number).
        """
        if self.draw in ("fixed", "rest"):
            return self.centre
        if self.draw == "beta":
            a, b = self.beta_parameters()
            value = self._moved_beta(float(rng.beta(a, b)))
        else:
            z = float(rng.standard_normal())
            centre = self.centre
            if self.draw == "logit_normal":
                value = 1.0 / (1.0 + math.exp(-(math.log(centre / (1.0 - centre)) + self.spread * z)))
            elif self.draw in ("log_share", "lognormal"):
                value = centre * math.exp(self.spread * z)
            else:
                value = centre + self.spread * z
        if self.share_of is not None:
            return float(min(max(value, 0.0), 1.0))
        low, high = self.bounds
        return float(min(max(value, low), high))


def _population(population: Any) -> Any:
    from scoring.evaluate._sensitivity import _population as population_of

    return population_of(population)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _counts(entry: Any, key: str, numbers: Mapping[str, float]) -> tuple[int, int] | None:
    """The entry's ``counts`` for number ``key``: ``[k, n]`` for its only probability, or ``{key = [k, n]}``."""
    stored = entry.values.get("counts")
    if stored is None:
        return None
    if isinstance(stored, Mapping):
        pair = stored.get(key)
        if pair is None:
            return None
    else:
        probabilities = [k for k in numbers if k == "p" or k.startswith("p_")]
        if len(probabilities) != 1 and len(numbers) != 1:
            raise WorldsError(
                f"{entry.path}: counts = {stored!r} does not say which of its numbers ({', '.join(numbers)}) it "
                "counts; write counts = { <key> = [k, n] }"
            )
        if key not in (probabilities if len(probabilities) == 1 else list(numbers)):
            return None
        pair = stored
    if (
        not isinstance(pair, (list, tuple))
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        or not 0 <= pair[0] <= pair[1]
        or pair[1] < 1
    ):
        raise WorldsError(
            f"{entry.path}: counts {pair!r} must be [k, n], whole numbers with 0 <= k <= n and n >= 1 "
            "(k of n people in the source)"
        )
    return int(pair[0]), int(pair[1])


def world_parameters(population: Any = "community", *, rules: str | Path | None = None) -> list[WorldParameter]:
    """Every number of a population's generator parameters, with the distribution it is drawn from.

    Parameters
    ----------
    population : str or Population, default "community"
        Whose numbers: generator.toml with the population's overrides (whose tags win).
    rules : str or Path, optional
        A worlds file (the shipped ``definitions/worlds.toml`` by default).

    Returns
    -------
    list of WorldParameter
        In generator.toml's order, sourced and assumed. A number its scale cannot move (a
        probability or share of exactly 0 or 1, a log-scale number of 0, the weight of a
        cause's only duration component) is listed as ``fixed``.

    Raises
    ------
    WorldsError
        When a number matches no rule (naming it, its table and key), or stored counts that
        are not ``[k, n]``.

    Examples
    --------
    >>> mnd = {p.id: p for p in world_parameters("community")}["prior.motor_neuron_like"]
    >>> mnd.draw, mnd.describe()
    ('log_share', 'log share (rescaled) + normal(0, 0.5)')
    """
    from scoring.engine.synth._params import tag_kind
    from scoring.evaluate._sensitivity import _group, _label, _parent, _several_components, _table

    target = _population(population)
    definitions = _definitions(rules)
    raw = target.params.raw
    found: list[WorldParameter] = []
    for entry in target.params.entries():
        sourced = tag_kind(entry.tag) == "sourced"
        table = _table(entry.path)
        numbers = {k: float(v) for k, v in entry.values.items() if _is_number(v)}
        several = len(numbers) > 1
        for key, base in numbers.items():
            rule = next((r for r in definitions.rules if r.matches(table, key)), None)
            if rule is None:
                name = WORLDS_FILE.name if rules is None else Path(rules).name
                raise WorldsError(
                    f"{name}: no rule draws {entry.path}.{key} (table {table!r}, key {key!r}); "
                    "add a [[rule]] whose tables and keys match it"
                )
            counts = _counts(entry, key, numbers) if sourced else None
            draw, spread, reason, rule_id = (
                rule.draw,
                rule.sourced_spread if sourced else rule.assumed_spread,
                rule.reason,
                rule.id,
            )
            if counts is not None:
                if rule.draw != "logit_normal":
                    raise WorldsError(
                        f"{entry.path}.{key}: counts are for a probability, but rule {rule.id!r} draws it as "
                        f"{rule.draw}; store counts only beside a probability"
                    )
                draw, spread, reason, rule_id = "beta", math.nan, definitions.counts_reason, "counts"
            of_base = numbers.get(rule.share_of, math.nan) if rule.share_of is not None else math.nan
            share_of = rule.share_of if counts is None and of_base > 0 else None
            if counts is None and rule.share_of is not None and share_of is None:
                draw, spread = "fixed", math.nan  # the other number is 0 or missing: nothing to be a share of
            elif share_of is not None and not 0.0 < base / of_base < 1.0:
                draw, spread, share_of = "fixed", math.nan, None
            elif not _movable(rule, base, raw, entry.path, key):
                draw, spread = "fixed", math.nan
            elif rule.draw == "log_share" and _largest_part(raw, entry.path, key, rule.group):
                draw, spread = "rest", math.nan
            found.append(
                WorldParameter(
                    id=f"{entry.path}.{key}" if several else entry.path,
                    path=entry.path,
                    key=key,
                    label=_label(entry.path, key, several and _several_components(raw, entry.path)),
                    tag=entry.tag,
                    sourced=sourced,
                    base=base,
                    rule=rule_id,
                    draw=draw,
                    spread=spread,
                    counts=counts,
                    group=rule.group if draw in ("log_share", "rest") else None,
                    bounds=rule.bounds,
                    reason=reason,
                    share_of=share_of,
                    of_base=of_base if share_of is not None else math.nan,
                )
            )
    # The group lookups need the raw tables; check them once here so a draw cannot fail later.
    for parameter in found:
        if parameter.group is not None:
            container, last = _parent(raw, parameter.path)
            _group(container, last, parameter.key, parameter.group)
    return found


def _movable(rule: DrawRule, base: float, raw: Mapping[str, Any], path: str, key: str) -> bool:
    from scoring.evaluate._sensitivity import _group, _parent

    if rule.draw == "fixed":
        return False
    if rule.draw == "logit_normal":
        return 0.0 < base < 1.0
    if rule.draw == "lognormal":
        return base > 0.0
    if rule.draw == "log_share":
        container, last = _parent(raw, path)
        others = _group(container, last, key, rule.group)
        return base > 0.0 and any(float(node[k]) > 0.0 for node, k in others)
    return True


def _largest_part(raw: Mapping[str, Any], path: str, key: str, group: str | None) -> bool:
    """True when the number is its group's largest part (the first such in file order): the reference."""
    from scoring.evaluate._sensitivity import _parent

    container, last = _parent(raw, path)
    if group == "keys":
        entry = container[last]
        names = [k for k, v in entry.items() if k != "tag" and _is_number(v)]
        values = [float(entry[k]) for k in names]
        position = names.index(key)
    else:
        nodes = list(container.values()) if isinstance(container, Mapping) else list(container)
        values = [float(node[key]) for node in nodes]
        position = next(i for i, node in enumerate(nodes) if node is container[last])
    return position == int(np.argmax(values))


def world_distributions(population: Any = "community", *, rules: str | Path | None = None) -> pd.DataFrame:
    """Every generator number with its distribution, as a table (one row per number).

    Returns
    -------
    DataFrame
        ``parameter``, ``label``, ``tag``, ``sourced``, ``value`` (as shipped), ``rule``,
        ``distribution`` (plain text), ``low`` and ``high`` (the 2.5th and 97.5th
        percentiles of the number's own draw; a share before its group is rescaled) and
        ``reason``.
    """
    rows = []
    for parameter in world_parameters(population, rules=rules):
        low, high = parameter.interval()
        rows.append(
            {
                "parameter": parameter.id,
                "label": parameter.label,
                "tag": parameter.tag,
                "sourced": parameter.sourced,
                "value": parameter.base,
                "rule": parameter.rule,
                "distribution": parameter.describe(),
                "low": low,
                "high": high,
                "reason": " ".join(parameter.reason.split()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["parameter", "label", "tag", "sourced", "value", "rule", "distribution", "low", "high", "reason"],
    )


# --------------------------------------------------------------------------------------
# One world
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """One drawn (or named) world: every number's value, and the population to draw vignettes from.

    Attributes
    ----------
    name : str
        ``"world 3"``, ``"shipped"`` or a scenario's id.
    values : dict of str to float
        Each parameter id to its value in this world (shares after rescaling).
    raw : dict
        The generator tables with these values.
    population : Population
        The evaluated population with these parameters (and the prior they give).
    """

    name: str
    values: dict[str, float]
    raw: dict[str, Any]
    population: Any


def _stream(seed: int, index: int, parameter_id: str) -> np.random.Generator:
    # One stream per (seed, world, number): adding a number to the file leaves the others' draws.
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, zlib.crc32(parameter_id.encode()))))


def _with_values(population: Any, raw: dict[str, Any], name: str) -> Any:
    """``population`` with generator tables ``raw`` (checked as any generator file is)."""
    from scoring.engine.synth._params import CAUSES, params_from_raw

    params = params_from_raw(raw, f"{population.id} world {name}")
    prior = dict(zip(CAUSES, (float(p) for p in params.prior)))
    return dataclasses.replace(population, params=params, prior=prior, tags=dict(population.tags))


def _set(raw: dict[str, Any], parameter: WorldParameter, value: Any) -> None:
    from scoring.evaluate._sensitivity import _parent

    container, last = _parent(raw, parameter.path)
    container[last][parameter.key] = value


def draw_world(
    population: Any = "community",
    seed: int = 2026,
    index: int = 0,
    *,
    parameters: Sequence[WorldParameter] | None = None,
) -> World:
    """Draw one world: a value for every generator number, from its distribution.

    Parameters
    ----------
    population : str or Population, default "community"
    seed : int, default 2026
    index : int, default 0
        Which world of the seed: world ``index`` of ``seed`` is always the same.
    parameters : sequence of WorldParameter, optional
        The numbers and distributions (:func:`world_parameters` of ``population`` by default).

    Returns
    -------
    World

    Raises
    ------
    ValueError
        For a seed or index that is not a whole number, 0 or more.

    Examples
    --------
    >>> one = draw_world("community", seed=1, index=0)
    >>> one.values == draw_world("community", seed=1, index=0).values
    True
    >>> round(sum(one.population.prior.values()), 9)
    1.0
    """
    from scoring.evaluate._sensitivity import _group, _parent, _whole

    seed = _whole("seed", seed, 0, "2026")
    index = _whole("index", index, 0, "0")
    target = _population(population)
    chosen = list(world_parameters(target) if parameters is None else parameters)
    raw = copy.deepcopy(dict(target.params.raw))
    drawn = {p.id: p.draw_value(_stream(seed, index, p.id)) for p in chosen}
    for parameter in chosen:
        _set(raw, parameter, drawn[parameter.id])
    # Shares: every part of a group was drawn on the log scale; rescale the group to its total.
    done: set[tuple[int, str]] = set()
    for parameter in chosen:
        if parameter.group is None:
            continue
        container, last = _parent(raw, parameter.path)
        base_container, _ = _parent(target.params.raw, parameter.path)
        key = (id(container) if parameter.group == "entries" else id(container[last]), parameter.key)
        if key in done:
            continue
        done.add(key)
        members = [(container[last], parameter.key), *_group(container, last, parameter.key, parameter.group)]
        base_members = [
            (base_container[last], parameter.key),
            *_group(base_container, last, parameter.key, parameter.group),
        ]
        bases = [float(node[k]) for node, k in base_members]
        # The group's largest part is the reference: it is not drawn, the others' ratios to it are.
        reference = int(np.argmax(bases))
        members[reference][0][members[reference][1]] = bases[reference]
        total = sum(bases)
        now = sum(float(node[k]) for node, k in members)
        for node, k in members:
            node[k] = float(node[k]) * total / now
    # A share of another number of its entry: its drawn share times that number as drawn.
    for parameter in chosen:
        if parameter.share_of is not None and parameter.varies:
            container, last = _parent(raw, parameter.path)
            low, high = parameter.bounds
            value = drawn[parameter.id] * float(container[last][parameter.share_of])
            container[last][parameter.key] = float(min(max(value, low), high))
    values = {}
    for parameter in chosen:
        container, last = _parent(raw, parameter.path)
        values[parameter.id] = float(container[last][parameter.key])
    return World(
        name=f"world {index + 1}", values=values, raw=raw, population=_with_values(target, raw, str(index + 1))
    )


def shipped_world(population: Any = "community") -> World:
    """The world as shipped: every number as the population has it."""
    target = _population(population)
    values = {p.id: p.base for p in world_parameters(target)}
    return World(name="shipped", values=values, raw=copy.deepcopy(dict(target.params.raw)), population=target)


def scenario_world(population: Any, scenario: Scenario | str, *, path: str | Path | None = None) -> World:
    """The shipped world with a scenario's numbers replaced.

    Parameters
    ----------
    population : str or Population
    scenario : Scenario or str
        A scenario or the id of one in the worlds file.
    path : str or Path, optional
        The worlds file to look the id up in (the shipped one by default).

    Raises
    ------
    WorldsError
        For an unknown scenario id (listing the known ones), or a setting that names no number
        of the population (naming the close ones).
    """
    target = _population(population)
    if isinstance(scenario, str):
        known = {s.id: s for s in load_scenarios(path)}
        if scenario not in known:
            raise WorldsError(f"unknown scenario {scenario!r}; the worlds file has {', '.join(known) or 'none'}")
        scenario = known[scenario]
    raw = copy.deepcopy(dict(target.params.raw))
    every = _every_value(target.params.entries())
    for pattern, value in scenario.settings:
        matched = [name for name in every if fnmatch.fnmatchcase(name, pattern)]
        if not matched:
            close = difflib.get_close_matches(pattern, list(every), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise WorldsError(
                f"scenario {scenario.id!r}: {pattern!r} names no value of population {target.id!r} "
                f"(write <entry path>.<key>, e.g. 'flags.numbness.benign_lifestyle.p'){hint}"
            )
        for name in matched:
            entry_path, key = every[name]
            _set_raw(raw, entry_path, key, value)
    world_population = _with_values(target, raw, scenario.id)
    values = {}
    for parameter in world_parameters(target):
        values[parameter.id] = float(_get_raw(raw, parameter.path, parameter.key))
    return World(name=scenario.id, values=values, raw=raw, population=world_population)


def _every_value(entries: Sequence[Any]) -> dict[str, tuple[str, str]]:
    """Every settable value of the entries: ``"<path>.<key>"`` to ``(path, key)`` (tags and counts left out)."""
    return {
        f"{entry.path}.{key}": (entry.path, key)
        for entry in entries
        for key, value in entry.values.items()
        if key != "counts" and isinstance(value, (int, float, bool, str))
    }


def _set_raw(raw: dict[str, Any], path: str, key: str, value: Any) -> None:
    from scoring.evaluate._sensitivity import _parent

    container, last = _parent(raw, path)
    container[last][key] = value


def _get_raw(raw: Mapping[str, Any], path: str, key: str) -> Any:
    from scoring.evaluate._sensitivity import _parent

    container, last = _parent(raw, path)
    return container[last][key]
