"""The generator's parameters: ``definitions/generator.toml`` checked by a schema, as arrays.

Every entry of the file is a small table of numbers with a ``tag`` saying where the numbers
come from (``"S: <citation>"``) or that they are a modelling choice (``"assumed ..."``).
:class:`~scoring.engine.synth._schema.GeneratorFile` is the schema (unknown keys, missing
causes, untagged numbers and probabilities out of range are refused);
:func:`load_generator_params` turns the checked
file into the per-cause arrays the sampler reads. docs/clinical.md (section 4) says which
numbers are sourced and which are assumed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
from pydantic import ValidationError

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.schema import LOCATIONS, field_spec
from scoring.engine._definitions import DefinitionError, read_toml
from scoring.engine.synth._schema import (
    BOOL_FIELDS,
    CAUSES,
    FREQUENCIES,
    SEVERITIES,
    WORRY_ANSWERS,
    CaffeineTable,
    GeneratorFile,
    PerCause,
    schema_message,
    tag_kind,
)

__all__ = [
    "BOOL_FIELDS",
    "CAUSES",
    "PROFILES",
    "PERSISTENT_BENIGN",
    "WORRY_ANSWERS",
    "GENERATOR_FILE",
    "GeneratorError",
    "GeneratorParams",
    "ParameterEntry",
    "field_range",
    "tag_kind",
    "load_generator_params",
    "params_from_raw",
    "prior_array",
]

GENERATOR_FILE = DEFINITIONS_DIR / "generator.toml"

#: The answer profiles the sampler draws from: the five causes (the benign row is transient
#: benign twitching) and persistent benign fasciculation, which answers as the ``bfs`` table says.
PROFILES: tuple[str, ...] = (*CAUSES, "benign_persistent")
#: The profile index of persistent benign fasciculation.
PERSISTENT_BENIGN = len(CAUSES)


def field_range(name: str) -> tuple[float, float]:
    """The contract's (min, max) of a numeric field; the generator keeps every value inside it."""
    spec = field_spec(name)
    if spec.min is None or spec.max is None:
        raise ValueError(f"fields.toml: {name} needs both min and max for the generator; add them to the field")
    return spec.min, spec.max


class GeneratorError(DefinitionError):
    """``generator.toml`` cannot be used: names the entry, the problem and the fix."""


# --------------------------------------------------------------------------------------
# Tagged entries (for the data README)
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


# --------------------------------------------------------------------------------------
# Parameters as arrays
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorParams:
    """The generator's parameters: the TOML as read, plus per-cause arrays used for sampling.

    Per-cause arrays have one row per cause, in :data:`CAUSES` order; per-profile arrays one
    row per entry of :data:`PROFILES` (the causes, then persistent benign fasciculation).
    """

    raw: dict[str, Any]
    cause_labels: dict[str, str]
    prior: np.ndarray  # (5,)
    age_mean: np.ndarray
    age_sd: np.ndarray
    p_unspecified: float
    p_male: np.ndarray
    duration_min: float
    p_benign_persistent: float
    transient_log_median: float
    transient_sigma: float
    asking_log_median: float
    asking_sigma: float
    prompt_log_median: float
    prompt_sigma: float
    prompting: tuple[str, ...]
    worry_loading: dict[str, float]  # answer of WORRY_ANSWERS -> correlation with the worry trait
    false_yes: dict[str, float]  # bool field -> P(reported yes | truly no)
    false_no: dict[str, float]  # bool field -> P(reported no | truly yes)
    # Per-profile arrays: one row per entry of PROFILES (the five causes, then persistent benign).
    frequency_cdf: np.ndarray  # (6, 3)
    severity_cdf: np.ndarray  # (6, 3)
    regions_extra_mean: np.ndarray  # (6,)
    location_weights: np.ndarray  # (6, 9), each row sums to 1
    flags: dict[str, np.ndarray]  # bool field -> (6,) true share once the course has run
    flags_onset: dict[str, np.ndarray]  # bool field -> (6,) true share at first notice
    flags_weeks: dict[str, np.ndarray]  # bool field -> (6,) median weeks for the rest to appear
    caffeine_log_median: np.ndarray
    caffeine_sigma: np.ndarray
    stress_mean: np.ndarray  # (6,)
    stress_sd: np.ndarray  # (6,)
    p_sleep_deprived: np.ndarray
    sleep_deprived: tuple[float, float]  # mean, sd
    sleep_usual: tuple[float, float]

    def entries(self) -> list[ParameterEntry]:
        """Every tagged entry of generator.toml, in file order (for the data README)."""
        return _entries(self.raw)


def _cdf(entries: list[Any], keys: tuple[str, ...]) -> np.ndarray:
    rows = []
    for entry in entries:
        values = np.array([getattr(entry, k) for k in keys])
        rows.append(values / values.sum())
    cdf = np.cumsum(np.array(rows), axis=1)
    cdf[:, -1] = 1.0  # guard against rounding: every uniform draw falls in some category
    return cdf


def _caffeine_arrays(caffeine: CaffeineTable, where: str) -> tuple[np.ndarray, np.ndarray]:
    above = caffeine.above.value
    log_median, sigma = [], []
    for cause, entry in zip(CAUSES, caffeine.by_cause.values()):
        if entry.median >= above:
            raise GeneratorError(
                f"{where}caffeine_mg_per_day.by_cause.{cause}: median {entry.median:g} must be below "
                f"{above:g} mg for p_above < 0.5; lower the median or raise `above`"
            )
        # Solve P(X > above) = p_above for the lognormal's sigma.
        log_median.append(math.log(entry.median))
        sigma.append(math.log(above / entry.median) / NormalDist().inv_cdf(1.0 - entry.p_above))
    return np.array(log_median), np.array(sigma)


def _check_ranges(checked: GeneratorFile, where: str) -> None:
    prior = sum(e.p for e in checked.prior.values())
    if abs(prior - 1.0) > 1e-6:
        raise GeneratorError(f"{where}prior: probabilities sum to {prior:g}, not 1; make them add up to 1")
    low, high = checked.duration_weeks.min.value, field_range("duration_weeks")[1]
    if not 0.0 <= low <= high:
        raise GeneratorError(
            f"{where}duration_weeks.min: value = {low:g} is out of range; it must be from 0 to {high:g}"
        )


@lru_cache(maxsize=4)
def load_generator_params(path: Path | None = None) -> GeneratorParams:
    """Read and check the generator's parameters.

    Parameters
    ----------
    path : Path, optional
        A parameter file; ``definitions/generator.toml`` by default.

    Returns
    -------
    GeneratorParams
        The TOML as read (``raw``) and the per-cause arrays the sampler uses.

    Raises
    ------
    GeneratorError
        Naming the entry, for a missing or unknown cause or key, a probability outside 0..1,
        probabilities that do not sum to 1, an untagged number or a tag that is neither
        sourced nor assumed.
    """
    path = GENERATOR_FILE if path is None else Path(path)
    return params_from_raw(read_toml(path, GeneratorError), path.name)


def params_from_raw(raw: dict[str, Any], name: str, *, prefix: str = "") -> GeneratorParams:
    """Check a generator table (as read from TOML) and turn it into the sampler's arrays.

    Parameters
    ----------
    raw : dict
        The tables of a generator file (for a population: generator.toml with its overrides merged in).
    name : str
        What to call the source in an error, e.g. ``"generator.toml"``.
    prefix : str
        Put before every entry path in an error (``"overrides."`` for a population).

    Raises
    ------
    GeneratorError
        As :func:`load_generator_params`.
    """
    try:
        checked = GeneratorFile.model_validate(raw)
    except ValidationError as exc:
        raise GeneratorError(schema_message(exc, raw, name, prefix=prefix)) from None
    where = f"{name}: {prefix}"
    _check_ranges(checked, where)
    return _arrays(checked, raw, where)


def _with_bfs(rows: list[Any], bfs_entry: Any) -> list[Any]:
    """Per-cause rows plus the persistent benign row: the ``bfs`` entry, or the benign row."""
    return [*rows, rows[0] if bfs_entry is None else bfs_entry]


def _arrays(checked: GeneratorFile, raw: dict[str, Any], where: str) -> GeneratorParams:
    def per_cause(table: PerCause[Any], attribute: str) -> np.ndarray:
        return np.array([getattr(entry, attribute) for entry in table.values()])

    bfs = checked.bfs
    prior = per_cause(checked.prior, "p")
    location_rows = _with_bfs(checked.location_weights.values(), bfs.location_weights)
    location_weights = [np.array([getattr(e, k) for k in LOCATIONS]) for e in location_rows]
    caffeine_log_median, caffeine_sigma = _caffeine_arrays(checked.caffeine_mg_per_day, where)
    stress_rows = _with_bfs(checked.stress_level.values(), bfs.stress_level)
    flags, flags_onset, flags_weeks = {}, {}, {}
    for name in BOOL_FIELDS:
        rows = list(getattr(checked.flags, name).values())
        bfs_flag = getattr(bfs.flags, name)
        p = np.array([row.p for row in rows] + [rows[0].p if bfs_flag is None else bfs_flag.p])
        onset = np.array([row.p if row.p_onset is None else row.p_onset for row in rows] + [p[-1]])
        weeks = np.array([1.0 if row.weeks is None else row.weeks for row in rows] + [1.0])
        flags[name], flags_onset[name], flags_weeks[name] = p, onset, weeks
    errors = checked.answer_errors
    course, asking = checked.course, checked.asking
    sleep = checked.sleep_hours
    return GeneratorParams(
        raw=raw,
        cause_labels=dict(zip(CAUSES, checked.causes.values())),
        prior=prior / prior.sum(),
        age_mean=per_cause(checked.age, "mean"),
        age_sd=per_cause(checked.age, "sd"),
        p_unspecified=checked.sex.unspecified.p,
        p_male=per_cause(checked.sex.p_male, "p"),
        duration_min=checked.duration_weeks.min.value,
        p_benign_persistent=course.benign_persistent.p,
        transient_log_median=math.log(course.transient_weeks.median),
        transient_sigma=course.transient_weeks.sigma,
        asking_log_median=math.log(asking.weeks.median),
        asking_sigma=asking.weeks.sigma,
        prompt_log_median=math.log(asking.prompt_delay_weeks.median),
        prompt_sigma=asking.prompt_delay_weeks.sigma,
        prompting=tuple(asking.prompting.fields),
        worry_loading={
            name: 0.0 if entry is None else entry.value
            for name in WORRY_ANSWERS
            for entry in [getattr(checked.worry.loading, name)]
        },
        false_yes={name: getattr(errors, name).false_yes for name in BOOL_FIELDS},
        false_no={name: getattr(errors, name).false_no for name in BOOL_FIELDS},
        frequency_cdf=_cdf(_with_bfs(checked.frequency.values(), bfs.frequency), FREQUENCIES),
        severity_cdf=_cdf(_with_bfs(checked.severity.values(), bfs.severity), SEVERITIES),
        regions_extra_mean=np.array([e.extra_mean for e in _with_bfs(checked.regions.values(), bfs.regions)]),
        location_weights=np.array([w / w.sum() for w in location_weights]),
        flags=flags,
        flags_onset=flags_onset,
        flags_weeks=flags_weeks,
        caffeine_log_median=caffeine_log_median,
        caffeine_sigma=caffeine_sigma,
        stress_mean=np.array([e.mean for e in stress_rows]),
        stress_sd=np.array([e.sd for e in stress_rows]),
        p_sleep_deprived=per_cause(sleep.p_deprived, "p"),
        sleep_deprived=(sleep.deprived_hours.mean, sleep.deprived_hours.sd),
        sleep_usual=(sleep.usual_hours.mean, sleep.usual_hours.sd),
    )


def prior_array(prior: Mapping[str, float] | None, params: GeneratorParams) -> np.ndarray:
    """The latent cause prior as an array in :data:`CAUSES` order (generator.toml's by default)."""
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
