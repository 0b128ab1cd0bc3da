"""Sampling the contract fields of one block of vignettes, vectorised and seeded.

Rows are generated in fixed blocks of :data:`BLOCK_ROWS`. Every random quantity of every
block has its own stream, derived from ``numpy.random.SeedSequence(seed)`` by the block
number and the quantity's name, and each stream is read with exactly one vectorised call,
so the output never depends on how the work is split up.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scoring.contract.schema import LOCATIONS, field_spec
from scoring.engine.synth._params import BOOL_FIELDS, CAUSES, GeneratorParams, field_range

__all__ = ["BLOCK_ROWS", "SEX_CODE", "blocks", "sample_block", "flip_labels"]

#: Rows per block. Part of the generator's definition: changing it changes the data.
BLOCK_ROWS = 65_536

SEX_CODE = {name: i for i, name in enumerate(field_spec("sex").allowed)}

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
    *(f"flag:{name}" for name in BOOL_FIELDS),
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


def _stream(seed: int, block: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, _STREAM_INDEX[name])))


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category index per row: the first column of the row's cdf that exceeds u."""
    return (u[:, None] >= cdf[:, :-1]).sum(axis=1).astype(np.int8)


class _Streams:
    """The random streams of one block: ``rng("age")`` is the age stream of this block."""

    def __init__(self, seed: int, block: int):
        self.seed, self.block = seed, block

    def __call__(self, name: str) -> np.random.Generator:
        return _stream(self.seed, self.block, name)


def _age(params: GeneratorParams, cause: np.ndarray, rng: _Streams) -> np.ndarray:
    # The first candidate inside the contract range (a truncated normal).
    m = len(cause)
    age_min, age_max = field_range("age")
    candidates = params.age_mean[cause, None] + params.age_sd[cause, None] * rng("age").standard_normal(
        (m, _AGE_CANDIDATES)
    )
    inside = (candidates >= age_min - 0.5) & (candidates < age_max + 0.5)
    first = inside.argmax(axis=1)
    age = candidates[np.arange(m), first]
    return np.clip(np.rint(age), age_min, age_max).astype(np.int64)


def _sex(params: GeneratorParams, cause: np.ndarray, rng: _Streams) -> np.ndarray:
    u = rng("sex").random(len(cause))
    male_cut = params.p_unspecified + (1.0 - params.p_unspecified) * params.p_male[cause]
    sex = np.where(u < male_cut, SEX_CODE["male"], SEX_CODE["female"])
    return np.where(u < params.p_unspecified, SEX_CODE["unspecified"], sex).astype(np.int8)


def _duration(params: GeneratorParams, cause: np.ndarray, rng: _Streams) -> np.ndarray:
    m = len(cause)
    component = _pick(params.duration_weight_cdf[cause], rng("duration_component").random(m))
    log_weeks = params.duration_log_median[cause, component] + params.duration_sigma[cause, component] * rng(
        "duration"
    ).standard_normal(m)
    weeks = np.clip(np.exp(log_weeks), params.duration_min, field_range("duration_weeks")[1])
    return np.round(weeks, 1)


def _location_mask(params: GeneratorParams, cause: np.ndarray, rng: _Streams) -> np.ndarray:
    # 1 + Poisson areas, drawn without replacement in proportion to the weights
    # (exponential race: the k smallest of E_i / w_i are a weighted sample of size k).
    m = len(cause)
    weights = params.location_weights[cause]
    possible = (weights > 0).sum(axis=1)
    k = np.minimum(1 + rng("regions").poisson(params.regions_extra_mean[cause]), possible)
    with np.errstate(divide="ignore"):
        keys = rng("locations").standard_exponential((m, len(LOCATIONS))) / weights
    kth = np.sort(keys, axis=1)[np.arange(m), k - 1]
    chosen = keys <= kth[:, None]
    return (chosen.astype(np.int16) << np.arange(len(LOCATIONS), dtype=np.int16)).sum(axis=1)


def _habits(params: GeneratorParams, cause: np.ndarray, rng: _Streams) -> dict[str, np.ndarray]:
    m = len(cause)
    out: dict[str, np.ndarray] = {}
    caffeine = np.exp(
        params.caffeine_log_median[cause] + params.caffeine_sigma[cause] * rng("caffeine").standard_normal(m)
    )
    out["caffeine_mg_per_day"] = np.rint(np.clip(caffeine, 0.0, field_range("caffeine_mg_per_day")[1]))

    stress = params.stress_mean[cause] + params.stress_sd[cause] * rng("stress").standard_normal(m)
    out["stress_level"] = np.clip(np.rint(stress), *field_range("stress_level")).astype(np.int64)

    deprived = rng("sleep_deprived").random(m) < params.p_sleep_deprived[cause]
    mean = np.where(deprived, params.sleep_deprived[0], params.sleep_usual[0])
    sd = np.where(deprived, params.sleep_deprived[1], params.sleep_usual[1])
    hours = mean + sd * rng("sleep_hours").standard_normal(m)
    out["sleep_hours"] = np.clip(np.rint(hours * 2.0) / 2.0, *field_range("sleep_hours"))
    return out


def sample_block(
    params: GeneratorParams, prior_cdf: np.ndarray, seed: int, block: int, m: int
) -> dict[str, np.ndarray]:
    """Draw ``m`` rows of block ``block``: latent cause, then every field given the cause.

    Returns the columns as arrays: ``cause`` (code in :data:`CAUSES` order), categories as
    codes, ``location_mask`` as a 9-bit mask in contract order, the rest as values.
    """
    rng = _Streams(seed, block)
    cause = np.searchsorted(prior_cdf, rng("cause").random(m), side="right").astype(np.int8)
    cause = np.minimum(cause, len(CAUSES) - 1)  # u is below 1, but keep rounding from escaping
    out: dict[str, np.ndarray] = {"cause": cause}
    out["age"] = _age(params, cause, rng)
    out["sex"] = _sex(params, cause, rng)
    out["duration_weeks"] = _duration(params, cause, rng)
    out["frequency"] = _pick(params.frequency_cdf[cause], rng("frequency").random(m))
    out["severity"] = _pick(params.severity_cdf[cause], rng("severity").random(m))
    out["location_mask"] = _location_mask(params, cause, rng)
    for name in BOOL_FIELDS:
        out[name] = rng(f"flag:{name}").random(m) < params.flags[name][cause]
    out.update(_habits(params, cause, rng))
    return out


def flip_labels(levels: np.ndarray, rate: float, seed: int, block: int) -> np.ndarray:
    """Move a share ``rate`` of labels one step to an adjacent level (clinician disagreement)."""
    u = _stream(seed, block, "label_noise").random((len(levels), 2))
    flip = u[:, 0] < rate
    up = np.where(levels == 0, True, np.where(levels == 2, False, u[:, 1] < 0.5))
    step = np.where(up, 1, -1).astype(np.int8)
    return np.where(flip, levels + step, levels).astype(np.int8)


def blocks(n: int) -> Iterator[tuple[int, int]]:
    """(block number, rows in the block) for ``n`` rows."""
    for block, start in enumerate(range(0, n, BLOCK_ROWS)):
        yield block, min(BLOCK_ROWS, n - start)
