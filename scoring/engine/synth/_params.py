"""The generator's parameters: ``definitions/generator.toml`` checked by a schema, as arrays.

Every entry of the file is a small table of numbers with a ``tag`` saying where the numbers
come from (``"S: <citation>"``) or that they are a modelling choice (``"assumed ..."``).
:class:`GeneratorFile` is the schema (unknown keys, missing causes, untagged numbers and
probabilities out of range are refused); :func:`load_generator_params` turns the checked
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
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin

import numpy as np
from pydantic import AfterValidator, BaseModel, Field, StrictStr, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.schema import FIELDS, LOCATIONS, field_spec
from scoring.engine._definitions import (
    DefinitionError,
    Number,
    Strict,
    allowed_keys,
    first_error,
    problem_text,
    read_toml,
)

__all__ = [
    "CAUSES",
    "GENERATOR_FILE",
    "GeneratorError",
    "GeneratorParams",
    "ParameterEntry",
    "tag_kind",
    "load_generator_params",
    "prior_array",
]

GENERATOR_FILE = DEFINITIONS_DIR / "generator.toml"

BOOL_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "bool")
FREQUENCIES = field_spec("frequency").allowed
SEVERITIES = field_spec("severity").allowed


def field_range(name: str) -> tuple[float, float]:
    """The contract's (min, max) of a numeric field; the generator keeps every value inside it."""
    spec = field_spec(name)
    if spec.min is None or spec.max is None:
        raise ValueError(f"fields.toml: {name} needs both min and max for the generator; add them to the field")
    return spec.min, spec.max


_TAG_FIX = 'add tag = "S: <citation>" or tag = "assumed ..."'


class GeneratorError(DefinitionError):
    """``generator.toml`` cannot be used: names the entry, the problem and the fix."""


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


def _checked_tag(tag: str) -> str:
    tag_kind(tag)
    return tag


Tag = Annotated[StrictStr, AfterValidator(_checked_tag)]
Probability = Annotated[Number, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]
Positive = Annotated[Number, Field(gt=0.0)]

# --------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------

T = TypeVar("T")


class PerCause(Strict, Generic[T]):
    """One entry per latent cause, all five named (this is also the order of :data:`CAUSES`)."""

    benign_lifestyle: T
    electrolyte_metabolic_drug: T
    peripheral_neuropathy: T
    central_ms_like: T
    motor_neuron_like: T

    def values(self) -> list[T]:
        """The entries in :data:`CAUSES` order."""
        return [getattr(self, cause) for cause in CAUSES]


#: Latent causes, in the order used by every per-cause table and by the ``latent_cause`` dtype.
CAUSES: tuple[str, ...] = tuple(PerCause.model_fields)


class _Tagged(Strict):
    tag: Tag


class P(_Tagged):
    p: Probability


class Value(_Tagged):
    value: Number


class MeanSd(_Tagged):
    mean: Number
    sd: NonNegative


class DurationComponent(_Tagged):
    weight: NonNegative
    median: Positive
    sigma: NonNegative


class Regions(_Tagged):
    extra_mean: NonNegative


class Caffeine(_Tagged):
    median: Positive
    p_above: Annotated[Number, Field(gt=0.0, lt=0.5)]


# An error about a whole entry (not one of its keys), reported at the entry's path.
_ENTRY_CHECK = "entry_check"


def _sums_to_one(entry: BaseModel) -> BaseModel:
    total = sum(v for k, v in entry.model_dump().items() if k != "tag")
    if abs(total - 1.0) > 1e-6:
        raise PydanticCustomError(_ENTRY_CHECK, f"probabilities sum to {total:g}, not 1; make them add up to 1")
    return entry


def _weights_not_all_zero(entry: BaseModel) -> BaseModel:
    if sum(v for k, v in entry.model_dump().items() if k != "tag") <= 0:
        raise PydanticCustomError(_ENTRY_CHECK, "weights must not all be zero; give at least one a positive weight")
    return entry


def _share_model(name: str, keys: tuple[str, ...], check: Any) -> type[BaseModel]:
    # Keys come from the contract (the allowed categories or locations), so the schema
    # follows fields.toml instead of repeating it.
    fields: dict[str, Any] = {key: (NonNegative, ...) for key in keys}
    return create_model(
        name,
        __base__=_Tagged,
        __validators__={"check": model_validator(mode="after")(check)},  # type: ignore[dict-item]
        **fields,
    )


Frequency = _share_model("Frequency", FREQUENCIES, _sums_to_one)
Severity = _share_model("Severity", SEVERITIES, _sums_to_one)
LocationWeights = _share_model("LocationWeights", LOCATIONS, _weights_not_all_zero)
Flags = create_model(
    "Flags",
    __base__=Strict,
    **{name: (PerCause[P], ...) for name in BOOL_FIELDS},  # type: ignore[call-overload]
)


class Sex(Strict):
    unspecified: P
    p_male: PerCause[P]


class Duration(Strict):
    min: Value
    components: PerCause[Annotated[list[DurationComponent], Field(min_length=1)]]


class CaffeineTable(Strict):
    above: Value
    by_cause: PerCause[Caffeine]


class Sleep(Strict):
    deprived_hours: MeanSd
    usual_hours: MeanSd
    p_deprived: PerCause[P]


class NotModelled(Strict):
    name: StrictStr
    reason: StrictStr


class GeneratorFile(Strict):
    """The schema of ``generator.toml``."""

    causes: PerCause[StrictStr]
    prior: PerCause[P]
    age: PerCause[MeanSd]
    sex: Sex
    duration_weeks: Duration
    frequency: PerCause[Frequency]  # type: ignore[valid-type]
    severity: PerCause[Severity]  # type: ignore[valid-type]
    regions: PerCause[Regions]
    location_weights: PerCause[LocationWeights]  # type: ignore[valid-type]
    flags: Flags
    caffeine_mg_per_day: CaffeineTable
    stress_level: PerCause[MeanSd]
    sleep_hours: Sleep
    not_modelled: list[NotModelled] = []


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
# Errors in zaro's words
# --------------------------------------------------------------------------------------


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _node(raw: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _schema_message(exc: ValidationError, raw: dict[str, Any], path: Path) -> str:
    error = first_error(exc)
    kind, loc, value = error["type"], error["loc"], error.get("input")
    parent, key = loc[:-1], str(loc[-1]) if loc else ""
    table = _node(raw, parent)
    if kind in ("missing", "extra_forbidden") and isinstance(table, dict) and any(k in CAUSES for k in (key, *table)):
        missing = [c for c in CAUSES if c not in table]
        extra = [k for k in table if k not in CAUSES]
        text = (
            f"needs exactly the causes {', '.join(CAUSES)} (missing {missing}, unknown {extra}); name each cause once"
        )
        return f"{path.name}: {_dotted(parent)}: {text}"
    if (kind == "missing" and key == "tag") or (kind == "model_type" and isinstance(value, (int, float))):
        where = _dotted(parent if key == "tag" else loc)
        return f"{path.name}: {where}: a number without a tag; write the entry as {{ ..., tag = ... }} and {_TAG_FIX}"
    if kind == _ENTRY_CHECK:
        return f"{path.name}: {_dotted(loc)}: {error['msg']}"
    model = _model_at(parent)
    text = problem_text(error, key, allowed=allowed_keys(model) if model else ())
    return f"{path.name}: {_dotted(parent)}: {text}" if parent else f"{path.name}: {text}"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The schema model of the table at ``loc`` (None when it is not a table of the schema)."""
    model: Any = GeneratorFile
    for part in loc:
        if isinstance(part, int):
            args = get_args(model) if get_origin(model) is list else ()
            model = args[0] if args else None
        elif isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
            while get_origin(model) is Annotated:
                model = get_args(model)[0]
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


# --------------------------------------------------------------------------------------
# Parameters as arrays
# --------------------------------------------------------------------------------------


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


def _cdf(table: PerCause[Any], keys: tuple[str, ...]) -> np.ndarray:
    rows = []
    for entry in table.values():
        values = np.array([getattr(entry, k) for k in keys])
        rows.append(values / values.sum())
    cdf = np.cumsum(np.array(rows), axis=1)
    cdf[:, -1] = 1.0  # guard against rounding: every uniform draw falls in some category
    return cdf


def _duration_arrays(duration: Duration) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    components = duration.components.values()
    k = max(len(c) for c in components)
    weights = np.zeros((len(CAUSES), k))
    log_median = np.zeros((len(CAUSES), k))
    sigma = np.ones((len(CAUSES), k))
    for i, parts in enumerate(components):
        for j, part in enumerate(parts):
            weights[i, j], log_median[i, j], sigma[i, j] = part.weight, math.log(part.median), part.sigma
    weight_cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    weight_cdf[:, -1] = 1.0
    return weight_cdf, log_median, sigma


def _caffeine_arrays(caffeine: CaffeineTable, path: Path) -> tuple[np.ndarray, np.ndarray]:
    above = caffeine.above.value
    log_median, sigma = [], []
    for cause, entry in zip(CAUSES, caffeine.by_cause.values()):
        if entry.median >= above:
            raise GeneratorError(
                f"{path.name}: caffeine_mg_per_day.by_cause.{cause}: median {entry.median:g} must be below "
                f"{above:g} mg for p_above < 0.5; lower the median or raise `above`"
            )
        # Solve P(X > above) = p_above for the lognormal's sigma.
        log_median.append(math.log(entry.median))
        sigma.append(math.log(above / entry.median) / NormalDist().inv_cdf(1.0 - entry.p_above))
    return np.array(log_median), np.array(sigma)


def _check_ranges(checked: GeneratorFile, path: Path) -> None:
    prior = sum(e.p for e in checked.prior.values())
    if abs(prior - 1.0) > 1e-6:
        raise GeneratorError(f"{path.name}: prior: probabilities sum to {prior:g}, not 1; make them add up to 1")
    low, high = checked.duration_weeks.min.value, field_range("duration_weeks")[1]
    if not 0.0 <= low <= high:
        raise GeneratorError(
            f"{path.name}: duration_weeks.min: value = {low:g} is out of range; it must be from 0 to {high:g}"
        )
    for cause, parts in zip(CAUSES, checked.duration_weeks.components.values()):
        if sum(part.weight for part in parts) <= 0:
            raise GeneratorError(
                f"{path.name}: duration_weeks.components.{cause}: weights must not all be zero; "
                "give at least one component a positive weight"
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
    raw = read_toml(path, GeneratorError)
    try:
        checked = GeneratorFile.model_validate(raw)
    except ValidationError as exc:
        raise GeneratorError(_schema_message(exc, raw, path)) from None
    _check_ranges(checked, path)
    return _arrays(checked, raw, path)


def _arrays(checked: GeneratorFile, raw: dict[str, Any], path: Path) -> GeneratorParams:
    def per_cause(table: PerCause[Any], attribute: str) -> np.ndarray:
        return np.array([getattr(entry, attribute) for entry in table.values()])

    prior = per_cause(checked.prior, "p")
    weight_cdf, log_median, sigma = _duration_arrays(checked.duration_weeks)
    location_weights = [np.array([getattr(e, k) for k in LOCATIONS]) for e in checked.location_weights.values()]
    caffeine_log_median, caffeine_sigma = _caffeine_arrays(checked.caffeine_mg_per_day, path)
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
        duration_weight_cdf=weight_cdf,
        duration_log_median=log_median,
        duration_sigma=sigma,
        frequency_cdf=_cdf(checked.frequency, FREQUENCIES),
        severity_cdf=_cdf(checked.severity, SEVERITIES),
        regions_extra_mean=per_cause(checked.regions, "extra_mean"),
        location_weights=np.array([w / w.sum() for w in location_weights]),
        flags={name: per_cause(getattr(checked.flags, name), "p") for name in BOOL_FIELDS},
        caffeine_log_median=caffeine_log_median,
        caffeine_sigma=caffeine_sigma,
        stress_mean=per_cause(checked.stress_level, "mean"),
        stress_sd=per_cause(checked.stress_level, "sd"),
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
