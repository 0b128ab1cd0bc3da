"""The synthetic vignette generator: latent cause, contract fields, triage label, narrative.

The model is CLINICAL.md section 4, kept as data in ``definitions/generator.toml``; the
reference triage ladder (the label) is ``definitions/triage.toml``. For each vignette the
generator draws a latent cause from the prior, then every contract field from that cause's
distributions (independently given the cause), rounds the values the way a person would
report them, applies the ladder to the *rounded, observable* fields, and writes a short
narrative from the same fields.

Reproducibility
---------------
Rows are generated in fixed blocks of :data:`BLOCK_ROWS`. Every random quantity of every
block has its own stream, derived from ``numpy.random.SeedSequence(seed)`` by the block
number and the quantity's name, and each stream is read with exactly one vectorised call.
Two consequences, both tested:

* the output depends only on ``(n, seed, label_noise, prior)`` and the generator version,
  never on how the work is split up (``progress=True`` gives the same bytes);
* the first ``m`` rows of ``generate_vignettes(n, seed)`` are ``generate_vignettes(m, seed)``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring._paths import DEFAULT_SEED, DEFINITIONS_DIR
from scoring.contract.features import Condition, Features, parse_condition
from scoring.contract.recommendation import LEVELS
from scoring.contract.schema import (
    FIELD_NAMES,
    FIELDS,
    LOCATIONS,
    FieldError,
    VignetteError,
    field_spec,
    validate_frame,
)

__all__ = [
    "GENERATOR_VERSION",
    "CAUSES",
    "OUTPUT_COLUMNS",
    "BLOCK_ROWS",
    "GeneratorParams",
    "ParameterEntry",
    "TriageRule",
    "load_generator_params",
    "load_triage_ladder",
    "generate_vignettes",
    "triage_frame",
    "triage_rules_fired",
]

#: Bump whenever a change here or in generator.toml / triage.toml changes the output.
GENERATOR_VERSION = "1.1.0"

#: Latent causes, in the order used by every per-cause table and by the ``latent_cause`` dtype.
CAUSES: tuple[str, ...] = (
    "benign_lifestyle",
    "electrolyte_metabolic_drug",
    "peripheral_neuropathy",
    "central_ms_like",
    "motor_neuron_like",
)

#: Columns of a generated frame, in order.
OUTPUT_COLUMNS: tuple[str, ...] = ("vignette_id", *FIELD_NAMES, "latent_cause", "triage", "narrative")

#: Rows per block. Part of the generator's definition: changing it changes the data.
BLOCK_ROWS = 65_536

GENERATOR_FILE = DEFINITIONS_DIR / "generator.toml"
TRIAGE_FILE = DEFINITIONS_DIR / "triage.toml"

_BOOL_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "bool")
_FREQUENCIES = field_spec("frequency").allowed
_SEVERITIES = field_spec("severity").allowed
_SEXES = field_spec("sex").allowed
_SEX_CODE = {name: i for i, name in enumerate(_SEXES)}

# One stream per random quantity; the index of a name is part of its seed, so only ever
# append to this tuple.
_STREAMS: tuple[str, ...] = (
    "cause",
    "age",
    "sex",
    "duration_component",
    "duration",
    "frequency",
    "severity",
    "regions",
    "locations",
    *(f"flag:{name}" for name in _BOOL_FIELDS),
    "caffeine",
    "stress",
    "sleep_deprived",
    "sleep_hours",
    "label_noise",
)
_STREAM_INDEX = {name: i for i, name in enumerate(_STREAMS)}

# Candidate normal draws per row for the truncated age distribution: the first one inside
# the contract range is used. With at most ~8% of draws outside, six candidates all miss
# for about one row in five million; those rows are clipped.
_AGE_CANDIDATES = 6


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterEntry:
    """One tagged entry of generator.toml: where it is, its numbers and its tag."""

    path: str
    values: dict[str, float]
    tag: str

    @property
    def sourced(self) -> bool:
        """True when the tag cites a source ("S: ..."), False when it is assumed."""
        return tag_kind(self.tag) == "sourced"


def tag_kind(tag: str) -> str:
    """Classify a parameter tag as ``"sourced"`` (``"S: ..."``) or ``"assumed"`` (``"assumed ..."``).

    Raises
    ------
    ValueError
        For any other text, so a typo cannot silently count as sourced.
    """
    text = str(tag).strip()
    if text.startswith("S:"):
        return "sourced"
    if text.startswith("assumed"):
        return "assumed"
    raise ValueError(f"parameter tag {tag!r} must start with 'S: <citation>' or 'assumed'")


@dataclass(frozen=True)
class GeneratorParams:
    """The generator's parameters: the TOML as read, plus per-cause arrays used for sampling.

    Per-cause arrays have one row per cause, in :data:`CAUSES` order.
    """

    raw: dict[str, Any]
    cause_labels: dict[str, str]
    prior: np.ndarray  # (5,)
    age_mean: np.ndarray
    age_sd: np.ndarray
    p_unspecified: float
    p_male: np.ndarray
    duration_min: float
    duration_weight_cdf: np.ndarray  # (5, K); component k where u < cdf[k]
    duration_log_median: np.ndarray  # (5, K)
    duration_sigma: np.ndarray  # (5, K)
    frequency_cdf: np.ndarray  # (5, 3)
    severity_cdf: np.ndarray  # (5, 3)
    regions_extra_mean: np.ndarray
    location_weights: np.ndarray  # (5, 9), each row sums to 1
    flags: dict[str, np.ndarray]  # bool field -> (5,) probability of true
    caffeine_log_median: np.ndarray
    caffeine_sigma: np.ndarray
    stress_mean: np.ndarray
    stress_sd: np.ndarray
    p_sleep_deprived: np.ndarray
    sleep_deprived: tuple[float, float]  # mean, sd
    sleep_usual: tuple[float, float]

    def entries(self) -> list[ParameterEntry]:
        """Every tagged entry of generator.toml, in file order (for the data README)."""
        return _entries(self.raw)


def _entries(node: Any, path: str = "") -> list[ParameterEntry]:
    found: list[ParameterEntry] = []
    if isinstance(node, dict):
        if "tag" in node:
            values = {k: v for k, v in node.items() if k != "tag"}
            found.append(ParameterEntry(path, values, node["tag"]))
            return found
        for key, value in node.items():
            found += _entries(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _entries(value, f"{path}[{i}]")
    return found


def _untagged_numbers(node: Any, path: str = "") -> list[str]:
    """Paths of numbers in the TOML that no tag covers (should be none)."""
    if isinstance(node, bool):
        return []
    if isinstance(node, (int, float)):
        return [path]
    if isinstance(node, dict):
        if "tag" in node:
            return []
        return [p for k, v in node.items() for p in _untagged_numbers(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _untagged_numbers(v, f"{path}[{i}]")]
    return []


class _Reader:
    """Reads per-cause tables from generator.toml, raising errors that name the entry."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw

    def fail(self, path: str, problem: str) -> None:
        raise ValueError(f"{GENERATOR_FILE.name}: {path}: {problem}")

    def table(self, path: str) -> dict[str, Any]:
        node: Any = self.raw
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                self.fail(path, "missing table")
            node = node[key]
        return node

    def per_cause(self, path: str) -> list[Any]:
        table = self.table(path)
        missing = [c for c in CAUSES if c not in table]
        extra = [k for k in table if k not in CAUSES]
        if missing or extra:
            self.fail(path, f"needs exactly the causes {', '.join(CAUSES)} (missing {missing}, unknown {extra})")
        return [table[c] for c in CAUSES]

    def number(
        self, entry: Mapping[str, Any], key: str, path: str, low: float = -math.inf, high: float = math.inf
    ) -> float:
        value = entry.get(key) if isinstance(entry, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"{key!r} must be a number (got {value!r})")
        if not low <= value <= high:
            self.fail(path, f"{key!r} = {value} is outside {low}..{high}")
        return float(value)

    def probability(self, entry: Mapping[str, Any], path: str) -> float:
        return self.number(entry, "p", path, 0.0, 1.0)

    def distribution(self, entry: Mapping[str, Any], keys: tuple[str, ...], path: str) -> np.ndarray:
        extra = [k for k in entry if k not in keys and k != "tag"]
        if extra:
            self.fail(path, f"unknown keys {extra}; expected {', '.join(keys)}")
        values = np.array([self.number(entry, k, path, 0.0, math.inf) for k in keys])
        if values.sum() <= 0:
            self.fail(path, "weights must not all be zero")
        return values / values.sum()

    def cdf(self, path: str, keys: tuple[str, ...]) -> np.ndarray:
        rows = []
        for cause, entry in zip(CAUSES, self.per_cause(path)):
            probs = self.distribution(entry, keys, f"{path}.{cause}")
            total = sum(float(entry[k]) for k in keys)
            if abs(total - 1.0) > 1e-6:
                self.fail(f"{path}.{cause}", f"probabilities sum to {total:g}, not 1")
            rows.append(probs)
        cdf = np.cumsum(np.array(rows), axis=1)
        cdf[:, -1] = 1.0  # guard against rounding: every uniform draw falls in some category
        return cdf


@lru_cache(maxsize=1)
def load_generator_params() -> GeneratorParams:
    """Read and check ``definitions/generator.toml``.

    Returns
    -------
    GeneratorParams
        The TOML as read (``raw``) and the per-cause arrays the sampler uses.

    Raises
    ------
    ValueError
        Naming the entry, for a missing cause, a probability outside 0..1, probabilities
        that do not sum to 1, an untagged number or a tag that is neither sourced nor assumed.
    """
    with open(GENERATOR_FILE, "rb") as handle:
        raw = tomllib.load(handle)
    read = _Reader(raw)

    untagged = _untagged_numbers(raw)
    if untagged:
        read.fail(untagged[0], 'a number without a tag (add tag = "S: ..." or tag = "assumed")')
    for entry in _entries(raw):
        try:
            tag_kind(entry.tag)
        except ValueError as exc:
            read.fail(entry.path, str(exc))

    labels = read.per_cause("causes")
    prior_entries = read.per_cause("prior")
    prior = np.array([read.probability(e, f"prior.{c}") for c, e in zip(CAUSES, prior_entries)])
    if abs(prior.sum() - 1.0) > 1e-6:
        read.fail("prior", f"probabilities sum to {prior.sum():g}, not 1")

    age = read.per_cause("age")
    age_mean = np.array([read.number(e, "mean", f"age.{c}") for c, e in zip(CAUSES, age)])
    age_sd = np.array([read.number(e, "sd", f"age.{c}", 1e-9) for c, e in zip(CAUSES, age)])

    p_unspecified = read.probability(read.table("sex.unspecified"), "sex.unspecified")
    p_male = np.array([read.probability(e, f"sex.p_male.{c}") for c, e in zip(CAUSES, read.per_cause("sex.p_male"))])

    duration_min = read.number(
        read.table("duration_weeks.min"), "value", "duration_weeks.min", 0.0, field_spec("duration_weeks").max
    )
    components = read.per_cause("duration_weeks.components")
    k = max(len(c) for c in components)
    weights = np.zeros((len(CAUSES), k))
    log_median = np.zeros((len(CAUSES), k))
    sigma = np.ones((len(CAUSES), k))
    for i, (cause, parts) in enumerate(zip(CAUSES, components)):
        if not isinstance(parts, list) or not parts:
            read.fail(f"duration_weeks.components.{cause}", "needs a list of one or more components")
        for j, part in enumerate(parts):
            where = f"duration_weeks.components.{cause}[{j}]"
            weights[i, j] = read.number(part, "weight", where, 0.0)
            log_median[i, j] = math.log(read.number(part, "median", where, 1e-9))
            sigma[i, j] = read.number(part, "sigma", where, 0.0)
        if weights[i].sum() <= 0:
            read.fail(f"duration_weeks.components.{cause}", "weights must not all be zero")
    weight_cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    weight_cdf[:, -1] = 1.0

    frequency_cdf = read.cdf("frequency", _FREQUENCIES)
    severity_cdf = read.cdf("severity", _SEVERITIES)
    regions = np.array(
        [read.number(e, "extra_mean", f"regions.{c}", 0.0) for c, e in zip(CAUSES, read.per_cause("regions"))]
    )
    location_weights = np.array(
        [
            read.distribution(e, LOCATIONS, f"location_weights.{c}")
            for c, e in zip(CAUSES, read.per_cause("location_weights"))
        ]
    )

    flag_tables = read.table("flags")
    missing_flags = [name for name in _BOOL_FIELDS if name not in flag_tables]
    unknown_flags = [name for name in flag_tables if name not in _BOOL_FIELDS]
    if missing_flags or unknown_flags:
        read.fail("flags", f"needs one table per yes/no field (missing {missing_flags}, unknown {unknown_flags})")
    flags = {
        name: np.array(
            [read.probability(e, f"flags.{name}.{c}") for c, e in zip(CAUSES, read.per_cause(f"flags.{name}"))]
        )
        for name in _BOOL_FIELDS
    }

    above = read.number(read.table("caffeine_mg_per_day.above"), "value", "caffeine_mg_per_day.above", 1e-9)
    caffeine_log_median = []
    caffeine_sigma = []
    for cause, entry in zip(CAUSES, read.per_cause("caffeine_mg_per_day.by_cause")):
        where = f"caffeine_mg_per_day.by_cause.{cause}"
        median = read.number(entry, "median", where, 1e-9)
        p_above = read.number(entry, "p_above", where, 1e-9, 0.5 - 1e-9)
        if median >= above:
            read.fail(where, f"median {median:g} must be below {above:g} mg for p_above < 0.5")
        # Solve P(X > above) = p_above for the lognormal's sigma.
        caffeine_log_median.append(math.log(median))
        caffeine_sigma.append(math.log(above / median) / NormalDist().inv_cdf(1.0 - p_above))

    stress = read.per_cause("stress_level")
    deprived = read.table("sleep_hours.deprived_hours")
    usual = read.table("sleep_hours.usual_hours")
    return GeneratorParams(
        raw=raw,
        cause_labels=dict(zip(CAUSES, (str(label) for label in labels))),
        prior=prior / prior.sum(),
        age_mean=age_mean,
        age_sd=age_sd,
        p_unspecified=p_unspecified,
        p_male=p_male,
        duration_min=duration_min,
        duration_weight_cdf=weight_cdf,
        duration_log_median=log_median,
        duration_sigma=sigma,
        frequency_cdf=frequency_cdf,
        severity_cdf=severity_cdf,
        regions_extra_mean=regions,
        location_weights=location_weights,
        flags=flags,
        caffeine_log_median=np.array(caffeine_log_median),
        caffeine_sigma=np.array(caffeine_sigma),
        stress_mean=np.array([read.number(e, "mean", f"stress_level.{c}") for c, e in zip(CAUSES, stress)]),
        stress_sd=np.array([read.number(e, "sd", f"stress_level.{c}", 0.0) for c, e in zip(CAUSES, stress)]),
        p_sleep_deprived=np.array(
            [
                read.probability(e, f"sleep_hours.p_deprived.{c}")
                for c, e in zip(CAUSES, read.per_cause("sleep_hours.p_deprived"))
            ]
        ),
        sleep_deprived=(
            read.number(deprived, "mean", "sleep_hours.deprived_hours"),
            read.number(deprived, "sd", "sleep_hours.deprived_hours", 0.0),
        ),
        sleep_usual=(
            read.number(usual, "mean", "sleep_hours.usual_hours"),
            read.number(usual, "sd", "sleep_hours.usual_hours", 0.0),
        ),
    )


def _prior_array(prior: Mapping[str, float] | None, params: GeneratorParams) -> np.ndarray:
    if prior is None:
        return params.prior
    if not isinstance(prior, Mapping):
        raise TypeError(f"prior must be a mapping of cause to probability, got {type(prior).__name__}")
    unknown = [c for c in prior if c not in CAUSES]
    if unknown:
        raise ValueError(f"prior: unknown cause(s) {unknown}; causes are {', '.join(CAUSES)}")
    values = np.array([float(prior.get(c, 0.0)) for c in CAUSES])
    if np.any(~np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"prior: probabilities must be finite and not negative (got {dict(prior)})")
    if abs(values.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"prior: probabilities sum to {values.sum():g}, not 1; causes left out count as 0 (got {dict(prior)})"
        )
    return values / values.sum()


# --------------------------------------------------------------------------------------
# The triage ladder
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageRule:
    """One rung of the reference triage ladder (see ``definitions/triage.toml``)."""

    id: str
    level: str  # "urgent" or "see_doctor"
    when: str
    description: str
    source: str
    condition: Condition

    def describe(self) -> str:
        """The rule's condition in plain words, e.g. 'real weakness and getting worse'."""
        return self.condition.describe()


@lru_cache(maxsize=1)
def load_triage_ladder() -> tuple[TriageRule, ...]:
    """Read and check ``definitions/triage.toml``; rules in file order.

    Raises
    ------
    ValueError
        For a repeated id, a level other than ``urgent``/``see_doctor``, a missing key, or a
        condition that does not parse (the message names the rule).
    """
    with open(TRIAGE_FILE, "rb") as handle:
        raw = tomllib.load(handle)
    rules: list[TriageRule] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("rule", [])):
        rule_id = entry.get("id", f"rule #{i + 1}")
        missing = [k for k in ("id", "level", "when", "description", "source") if k not in entry]
        if missing:
            raise ValueError(f"{TRIAGE_FILE.name}: rule {rule_id!r} is missing {', '.join(missing)}")
        if rule_id in seen:
            raise ValueError(f"{TRIAGE_FILE.name}: rule id {rule_id!r} is used twice")
        seen.add(rule_id)
        if entry["level"] not in ("urgent", "see_doctor"):
            raise ValueError(
                f"{TRIAGE_FILE.name}: rule {rule_id!r} has level {entry['level']!r}; allowed: 'urgent', 'see_doctor' "
                "(self_care is what remains when no rule fires)"
            )
        try:
            condition = parse_condition(entry["when"])
        except ValueError as exc:
            raise ValueError(f"{TRIAGE_FILE.name}: rule {rule_id!r}: {exc}") from None
        rules.append(
            TriageRule(rule_id, entry["level"], entry["when"], entry["description"], entry["source"], condition)
        )
    if not rules:
        raise ValueError(f"{TRIAGE_FILE.name}: no [[rule]] entries")
    return tuple(rules)


def _fired(features: Features) -> dict[str, np.ndarray]:
    return {rule.id: np.asarray(rule.condition.evaluate(features), dtype=bool) for rule in load_triage_ladder()}


def _levels_from_fired(fired: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    levels = np.zeros(n, dtype=np.int8)
    for rule in load_triage_ladder():
        rank = LEVELS.index(rule.level)
        levels = np.where(fired[rule.id] & (levels < rank), np.int8(rank), levels)
    return levels


def _valid_features(frame: pd.DataFrame) -> Features:
    checked = validate_frame(frame, extra="drop")
    if checked.n_rejected_rows:
        first = checked.rejected.head(5)
        errors = [
            FieldError(f"row {row} {name}", value, reason, allowed)
            for row, name, value, reason, allowed in zip(
                first["row"], first["field"], first["value"], first["reason"], first["allowed"]
            )
        ]
        raise VignetteError(errors) from None
    return Features(checked.valid)


def triage_rules_fired(frame: pd.DataFrame) -> pd.DataFrame:
    """Which ladder rules fire for each vignette.

    Parameters
    ----------
    frame : DataFrame
        Vignettes meeting the contract (a generated frame, a CSV read back, or the ``valid``
        frame of :func:`scoring.contract.schema.validate_frame`). Extra columns are ignored.

    Returns
    -------
    DataFrame
        One boolean column per rule id, in ladder order, on the frame's index.

    Raises
    ------
    VignetteError
        If any row breaks the contract (the first few problems are named).
    """
    features = _valid_features(frame)
    return pd.DataFrame(_fired(features), index=frame.index)


def triage_frame(frame: pd.DataFrame) -> pd.Series:
    """Apply the reference triage ladder to every vignette of a frame.

    Parameters
    ----------
    frame : DataFrame
        Vignettes meeting the contract; see :func:`triage_rules_fired`.

    Returns
    -------
    Series
        ``self_care``, ``see_doctor`` or ``urgent`` per row (an ordered categorical named
        ``triage``, on the frame's index). For a generated frame with ``label_noise=0`` it
        equals the ``triage`` column; with noise, the rows that differ are the flipped ones.

    Examples
    --------
    >>> frame = generate_vignettes(200, seed=1)
    >>> bool((triage_frame(frame) == frame["triage"]).all())
    True
    """
    features = _valid_features(frame)
    levels = _levels_from_fired(_fired(features), len(frame))
    return pd.Series(_triage_categorical(levels), index=frame.index, name="triage")


# --------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------


def _stream(seed: int, block: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, _STREAM_INDEX[name])))


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category index per row: the first column of the row's cdf that exceeds u."""
    return (u[:, None] >= cdf[:, :-1]).sum(axis=1).astype(np.int8)


def _sample_block(
    params: GeneratorParams, prior_cdf: np.ndarray, seed: int, block: int, m: int
) -> dict[str, np.ndarray]:
    def rng(name: str) -> np.random.Generator:
        return _stream(seed, block, name)

    out: dict[str, np.ndarray] = {}

    cause = np.searchsorted(prior_cdf, rng("cause").random(m), side="right").astype(np.int8)
    cause = np.minimum(cause, len(CAUSES) - 1)  # u is below 1, but keep rounding from escaping
    out["cause"] = cause

    # Age: the first candidate inside the contract range (a truncated normal).
    age_spec = field_spec("age")
    candidates = params.age_mean[cause, None] + params.age_sd[cause, None] * rng("age").standard_normal(
        (m, _AGE_CANDIDATES)
    )
    inside = (candidates >= age_spec.min - 0.5) & (candidates < age_spec.max + 0.5)
    first = inside.argmax(axis=1)
    age = candidates[np.arange(m), first]
    age = np.clip(np.rint(age), age_spec.min, age_spec.max)
    out["age"] = age.astype(np.int64)

    u = rng("sex").random(m)
    male_cut = params.p_unspecified + (1.0 - params.p_unspecified) * params.p_male[cause]
    sex = np.where(u < male_cut, _SEX_CODE["male"], _SEX_CODE["female"])
    out["sex"] = np.where(u < params.p_unspecified, _SEX_CODE["unspecified"], sex).astype(np.int8)

    component = _pick(params.duration_weight_cdf[cause], rng("duration_component").random(m))
    log_weeks = params.duration_log_median[cause, component] + params.duration_sigma[cause, component] * rng(
        "duration"
    ).standard_normal(m)
    weeks = np.clip(np.exp(log_weeks), params.duration_min, field_spec("duration_weeks").max)
    out["duration_weeks"] = np.round(weeks, 1)

    out["frequency"] = _pick(params.frequency_cdf[cause], rng("frequency").random(m))
    out["severity"] = _pick(params.severity_cdf[cause], rng("severity").random(m))

    # Locations: 1 + Poisson areas, drawn without replacement in proportion to the weights
    # (exponential race: the k smallest of E_i / w_i are a weighted sample of size k).
    weights = params.location_weights[cause]
    possible = (weights > 0).sum(axis=1)
    k = np.minimum(1 + rng("regions").poisson(params.regions_extra_mean[cause]), possible)
    with np.errstate(divide="ignore"):
        keys = rng("locations").standard_exponential((m, len(LOCATIONS))) / weights
    kth = np.sort(keys, axis=1)[np.arange(m), k - 1]
    chosen = keys <= kth[:, None]
    out["location_mask"] = (chosen.astype(np.int16) << np.arange(len(LOCATIONS), dtype=np.int16)).sum(axis=1)

    for name in _BOOL_FIELDS:
        out[name] = rng(f"flag:{name}").random(m) < params.flags[name][cause]

    caffeine = np.exp(
        params.caffeine_log_median[cause] + params.caffeine_sigma[cause] * rng("caffeine").standard_normal(m)
    )
    out["caffeine_mg_per_day"] = np.rint(np.clip(caffeine, 0.0, field_spec("caffeine_mg_per_day").max))

    stress = params.stress_mean[cause] + params.stress_sd[cause] * rng("stress").standard_normal(m)
    stress_spec = field_spec("stress_level")
    out["stress_level"] = np.clip(np.rint(stress), stress_spec.min, stress_spec.max).astype(np.int64)

    deprived = rng("sleep_deprived").random(m) < params.p_sleep_deprived[cause]
    mean = np.where(deprived, params.sleep_deprived[0], params.sleep_usual[0])
    sd = np.where(deprived, params.sleep_deprived[1], params.sleep_usual[1])
    hours = mean + sd * rng("sleep_hours").standard_normal(m)
    sleep_spec = field_spec("sleep_hours")
    out["sleep_hours"] = np.clip(np.rint(hours * 2.0) / 2.0, sleep_spec.min, sleep_spec.max)
    return out


def _flip_labels(levels: np.ndarray, rate: float, seed: int, block: int) -> np.ndarray:
    """Move a share ``rate`` of labels one step to an adjacent level (clinician disagreement)."""
    u = _stream(seed, block, "label_noise").random((len(levels), 2))
    flip = u[:, 0] < rate
    up = np.where(levels == 0, True, np.where(levels == 2, False, u[:, 1] < 0.5))
    step = np.where(up, 1, -1).astype(np.int8)
    return np.where(flip, levels + step, levels).astype(np.int8)


# --------------------------------------------------------------------------------------
# Location text and narrative
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _location_texts() -> tuple[str, ...]:
    """';'-joined location text for each 9-bit mask, in contract order ('' for mask 0)."""
    return tuple(
        ";".join(name for bit, name in enumerate(LOCATIONS) if mask >> bit & 1) for mask in range(1 << len(LOCATIONS))
    )


def _words_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_PERSON = {  # noun, subject, possessive, 'has', verb ending
    "female": ("woman", "She", "her", "has", "s"),
    "male": ("man", "He", "his", "has", "s"),
    "unspecified": ("person", "They", "their", "have", ""),
}
_FREQUENCY_WORDS = {"occasional": "occasional", "daily": "daily", "constant": "constant"}
_SEVERITY_WORDS = {"minor": "barely noticeable", "moderate": "noticeable", "pronounced": "visible"}
# Symptom bits, in this order, for the symptom phrase.
_SYMPTOMS = (
    ("weakness", "real weakness"),
    ("atrophy", "visible muscle wasting"),
    ("bulbar", "slurred speech or trouble swallowing"),
    ("breathing_difficulty", "shortness of breath at rest"),
    ("numbness", "numbness or tingling"),
    ("pain", "pain"),
    ("cramps", "cramps"),
    ("worsening", None),  # said separately
)
_CONTEXT = (
    ("recent_exercise", "hard exercise in the last two days"),
    ("dehydration", "dehydration"),
    ("stimulant_medication", "a stimulating medicine"),
    ("diuretic_use", "water tablets (a diuretic)"),
    ("family_history_als", "a close relative with ALS/MND"),
)
_SLEEP_STEPS = int(field_spec("sleep_hours").max * 2) + 1
_STRESS_STEPS = 11
_CAFFEINE_STEPS = int(field_spec("caffeine_mg_per_day").max) + 1
_DURATION_STEPS = int(field_spec("duration_weeks").max * 10) + 1
_AGE_MIN, _AGE_MAX = int(field_spec("age").min), int(field_spec("age").max)


def _duration_phrase(tenths: int) -> str:
    weeks = tenths / 10
    if weeks < 3:
        days = max(1, int(weeks * 7 + 0.5))
        return f"{days} day" if days == 1 else f"{days} days"
    if weeks < 13:
        return f"about {int(weeks + 0.5)} weeks"
    if weeks < 104:
        return f"about {int(weeks / (365.25 / 12 / 7) + 0.5)} months"
    return f"about {int(weeks / (365.25 / 7) + 0.5)} years"


def _hours_text(half_hours: int) -> str:
    return f"{half_hours // 2}" if half_hours % 2 == 0 else f"{half_hours / 2:.1f}"


@lru_cache(maxsize=1)
def _narrative_tables() -> dict[str, pa.Array]:
    """Every distinct piece of narrative text, as arrow arrays to gather from by code.

    A narrative is seven pieces; each piece depends on a few fields only, so each has a
    small table (at most a few tens of thousands of entries) built once in Python. Writing
    a million narratives is then seven vectorised gathers and one join.
    """
    opening = []  # age, sex, frequency, severity
    for age in range(_AGE_MIN, _AGE_MAX + 1):
        article = "An" if age == 18 or 80 <= age <= 89 else "A"
        for sex in _SEXES:
            for frequency in _FREQUENCIES:
                for severity in _SEVERITIES:
                    opening.append(
                        f"{article} {age}-year-old {_PERSON[sex][0]} has had {_FREQUENCY_WORDS[frequency]}, "
                        f"{_SEVERITY_WORDS[severity]} twitching in the "
                    )
    places = [_words_list(text.split(";")) if text else "" for text in _location_texts()]
    durations = [f" for {_duration_phrase(t)}" for t in range(_DURATION_STEPS)]
    symptoms = []
    for bits in range(1 << len(_SYMPTOMS)):
        present = [words for i, (_, words) in enumerate(_SYMPTOMS) if bits >> i & 1 and words]
        if bits & 1:
            text = f", with {_words_list(present)}"
        elif present:
            text = f", with {_words_list(present)} but no real weakness"
        else:
            text = ", with no weakness or other symptoms"
        if bits >> (len(_SYMPTOMS) - 1) & 1:
            text += ", and it is getting steadily worse"
        symptoms.append(text + ".")
    caffeine = []
    for sex in _SEXES:
        _, subject, _, has, _ = _PERSON[sex]
        caffeine += [f" {subject} {has} about {mg} mg of caffeine a day, " for mg in range(_CAFFEINE_STEPS)]
    habits = []  # sex, sleep, stress, context flags
    for sex in _SEXES:
        _, subject, possessive, _, s = _PERSON[sex]
        for half_hours in range(_SLEEP_STEPS):
            for stress in range(_STRESS_STEPS):
                start = f"sleep{s} about {_hours_text(half_hours)} hours a night and rate{s} {possessive} stress {stress}/10"
                for bits in range(1 << len(_CONTEXT)):
                    extra = [words for i, (_, words) in enumerate(_CONTEXT) if bits >> i & 1]
                    tail = f"; also noted: {_words_list(extra)}." if extra else "."
                    habits.append(start + tail)
    return {
        "opening": pa.array(opening, pa.string()),
        "places": pa.array(places, pa.string()),
        "durations": pa.array(durations, pa.string()),
        "symptoms": pa.array(symptoms, pa.string()),
        "caffeine": pa.array(caffeine, pa.string()),
        "habits": pa.array(habits, pa.string()),
    }


def _bits(columns: Mapping[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    code = np.zeros(len(columns[names[0]]), dtype=np.int32)
    for i, name in enumerate(names):
        code |= columns[name].astype(np.int32) << i
    return code


def _narratives(columns: Mapping[str, np.ndarray]) -> pa.Array:
    tables = _narrative_tables()
    sex = columns["sex"].astype(np.int32)
    age = columns["age"].astype(np.int32) - _AGE_MIN
    opening = ((age * 3 + sex) * 3 + columns["frequency"]) * 3 + columns["severity"]
    symptoms = _bits(columns, tuple(name for name, _ in _SYMPTOMS))
    context = _bits(columns, tuple(name for name, _ in _CONTEXT))
    sleep = np.rint(columns["sleep_hours"] * 2).astype(np.int32)
    habits = ((sex * _SLEEP_STEPS + sleep) * _STRESS_STEPS + columns["stress_level"]) * (1 << len(_CONTEXT)) + context
    pieces = [
        tables["opening"].take(pa.array(opening.astype(np.int32))),
        tables["places"].take(pa.array(columns["location_mask"].astype(np.int32))),
        tables["durations"].take(pa.array(np.rint(columns["duration_weeks"] * 10).astype(np.int32))),
        tables["symptoms"].take(pa.array(symptoms)),
        tables["caffeine"].take(pa.array(sex * _CAFFEINE_STEPS + columns["caffeine_mg_per_day"].astype(np.int32))),
        tables["habits"].take(pa.array(habits.astype(np.int32))),
    ]
    return pc.binary_join_element_wise(*pieces, "")


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


def _triage_categorical(levels: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(levels, dtype=pd.CategoricalDtype(list(LEVELS), ordered=True))


def _block_frame_for_ladder(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The columns the ladder reads, in the dtypes :class:`Features` expects (no validation:
    the generator's values are in range by construction, and a test checks that)."""
    data: dict[str, Any] = {name: columns[name] for name in _BOOL_FIELDS}
    data["age"] = columns["age"]
    data["duration_weeks"] = columns["duration_weeks"]
    data["locations"] = pd.Categorical.from_codes(columns["location_mask"], categories=list(_location_texts()))
    return pd.DataFrame(data, copy=False)


def _blocks(n: int) -> Iterator[tuple[int, int]]:
    for block, start in enumerate(range(0, n, BLOCK_ROWS)):
        yield block, min(BLOCK_ROWS, n - start)


def generate_vignettes(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    label_noise: float = 0.0,
    prior: Mapping[str, float] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Generate ``n`` synthetic vignettes with their latent cause, triage label and narrative.

    Parameters
    ----------
    n : int
        Number of vignettes (0 or more).
    seed : int, default 7
        Seed (a non-negative integer). Same ``(n, seed, label_noise, prior)`` and the same
        :data:`GENERATOR_VERSION` give identical data.
    label_noise : float, default 0.0
        Share of labels moved one step to an adjacent level, to mimic disagreement between
        clinicians (``self_care`` and ``urgent`` move to ``see_doctor``; ``see_doctor``
        moves up or down with equal chance). Drawn from its own stream, so the other
        columns do not depend on it. The noise-free label of any row is
        ``triage_frame(frame)``; no extra column is kept.
    prior : mapping of cause to probability, optional
        Replaces the latent cause prior of generator.toml (causes left out get 0), e.g. a
        natural-prevalence prior for evaluation, or ``{"motor_neuron_like": 1.0}``.
    progress : bool, default False
        Show a tqdm progress bar (per block of :data:`BLOCK_ROWS` rows). The output is the
        same either way.

    Returns
    -------
    DataFrame
        Columns :data:`OUTPUT_COLUMNS`: ``vignette_id`` (``v0000001``, ... by row number),
        the 22 contract fields in contract order (``locations`` as ';'-separated text in
        contract order; ``sex``, ``frequency`` and ``severity`` as categoricals of the
        allowed values), ``latent_cause`` (categorical of :data:`CAUSES`), ``triage``
        (ordered categorical) and ``narrative``. Every row passes
        :func:`scoring.contract.schema.validate_frame`.

    Examples
    --------
    >>> frame = generate_vignettes(3, seed=1)
    >>> list(frame["vignette_id"])
    ['v0000001', 'v0000002', 'v0000003']
    >>> generate_vignettes(3, seed=1).equals(frame)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number of vignettes, 0 or more (got {n!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number, 0 or more (got {seed!r})")
    if isinstance(label_noise, bool) or not isinstance(label_noise, (int, float)) or not 0.0 <= label_noise <= 1.0:
        raise ValueError(f"label_noise must be a share from 0 to 1, e.g. 0.03 (got {label_noise!r})")
    n, seed = int(n), int(seed)
    params = load_generator_params()
    prior_cdf = np.cumsum(_prior_array(prior, params))
    prior_cdf[-1] = 1.0

    parts: list[dict[str, np.ndarray]] = []
    narratives: list[pa.Array] = []
    with _progress_bar(n, progress) as bar:
        for block, m in _blocks(n):
            columns = _sample_block(params, prior_cdf, seed, block, m)
            features = Features(_block_frame_for_ladder(columns))
            levels = _levels_from_fired(_fired(features), m)
            if label_noise > 0:
                levels = _flip_labels(levels, float(label_noise), seed, block)
            columns["triage"] = levels
            narratives.append(_narratives(columns))
            parts.append(columns)
            bar.update(m)
    return _assemble(parts, narratives, n)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def update(self, _: int) -> None:
        return None


def _progress_bar(n: int, progress: bool) -> Any:
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm  # imported only when asked for

    return tqdm(total=n, unit="vignette", unit_scale=True, desc="generating", disable=None)


def _assemble(parts: list[dict[str, np.ndarray]], narratives: list[pa.Array], n: int) -> pd.DataFrame:
    def joined(name: str, dtype: Any) -> np.ndarray:
        if not parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([p[name] for p in parts]).astype(dtype, copy=False)

    ids = pc.binary_join_element_wise(
        "v", pc.utf8_lpad(pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string()), width=7, padding="0"), ""
    )
    location_table = pa.array(_location_texts(), pa.string())
    locations = location_table.take(pa.array(joined("location_mask", np.int32)))

    data: dict[str, Any] = {"vignette_id": pd.Series(ids, dtype="str")}
    for spec in FIELDS:
        name = spec.name
        if name == "locations":
            data[name] = pd.Series(locations, dtype="str")
        elif spec.kind == "category":
            data[name] = pd.Categorical.from_codes(joined(name, np.int8), dtype=pd.CategoricalDtype(list(spec.allowed)))
        elif spec.kind == "bool":
            data[name] = joined(name, np.bool_)
        elif spec.kind == "int":
            data[name] = joined(name, np.int64)
        else:
            data[name] = joined(name, np.float64)
    data["latent_cause"] = pd.Categorical.from_codes(joined("cause", np.int8), dtype=pd.CategoricalDtype(list(CAUSES)))
    data["triage"] = _triage_categorical(joined("triage", np.int8))
    data["narrative"] = pd.Series(pa.chunked_array(narratives, pa.string()), dtype="str")
    return pd.DataFrame(data)
