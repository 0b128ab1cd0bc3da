"""Sampling the contract fields of one block of vignettes, vectorised and seeded.

Rows are generated in fixed blocks of :data:`BLOCK_ROWS`. Every random quantity of every
block has its own stream, derived from ``numpy.random.SeedSequence(seed)`` by the block
number and the quantity's name, and each stream is read with exactly one vectorised call,
so the output never depends on how the work is split up.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from scoring.contract.schema import LOCATIONS, field_spec
from scoring.engine.synth._params import BOOL_FIELDS, CAUSES, PERSISTENT_BENIGN, GeneratorParams, field_range

__all__ = ["BLOCK_ROWS", "COURSES", "SEX_CODE", "blocks", "sample_block", "flip_labels"]

#: The course of a vignette's twitching (the hidden ``course`` column): benign twitching that
#: stops, benign twitching that persists (benign fasciculation), or a disease cause's course.
COURSES: tuple[str, ...] = ("transient_benign", "persistent_benign", "disease")

#: Rows per block. Part of the generator's definition: changing it changes the data.
BLOCK_ROWS = 65_536

SEX_CODE = {name: i for i, name in enumerate(field_spec("sex").allowed)}

# One stream per random quantity; the index of a name is part of its seed, so only ever
# append to this tuple.
_STREAMS: tuple[str, ...] = (
    "cause",
    "age",
    "sex",
    "worry",
    "course",
    "transient_weeks",
    "asking",
    "frequency",
    "severity",
    "regions",
    "locations",
    *(f"flag:{name}" for name in BOOL_FIELDS),
    *(f"onset:{name}" for name in BOOL_FIELDS),
    *(f"prompt:{name}" for name in BOOL_FIELDS),
    *(f"error:{name}" for name in BOOL_FIELDS),
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


def _correlated(loading: float, worry: np.ndarray, own: np.ndarray) -> np.ndarray:
    """A standard normal per row that correlates ``loading`` with the worry trait."""
    return loading * worry + math.sqrt(1.0 - loading * loading) * own


def _asking_weeks(
    params: GeneratorParams, cause: np.ndarray, transient: np.ndarray, worry: np.ndarray, rng: _Streams
) -> np.ndarray:
    # log(weeks to asking) = mu + sigma * x, x standard normal with correlation -r with worry
    # (worried people ask sooner). A transient episode is asked about only while it lasts, so
    # for it x is drawn below the episode's end (an inverse-cdf draw from the truncated normal).
    m = len(cause)
    r = params.worry_loading["asking"]
    spread = math.sqrt(1.0 - r * r)
    centre = -r * worry
    stop = params.transient_log_median + params.transient_sigma * rng("transient_weeks").standard_normal(m)
    limit = (stop - params.asking_log_median) / params.asking_sigma
    upper = np.where(transient, ndtr((limit - centre) / spread), 1.0)
    u = np.clip(rng("asking").random(m) * upper, 1e-12, 1.0 - 1e-12)
    x = centre + spread * ndtri(u)
    return np.exp(params.asking_log_median + params.asking_sigma * x)


def _sign_weeks(
    params: GeneratorParams, profile: np.ndarray, worry: np.ndarray, rng: _Streams
) -> dict[str, np.ndarray]:
    """Weeks from onset until each yes/no sign is true: 0 at onset, inf when it never is.

    A Gaussian copula with the worry trait: the row's uniform is low (more likely yes) when worry
    is high, and its share of yes stays exactly the profile's.
    """
    m = len(profile)
    out: dict[str, np.ndarray] = {}
    for name in BOOL_FIELDS:
        loading = params.worry_loading.get(name, 0.0)
        u = ndtr(-_correlated(loading, worry, rng(f"flag:{name}").standard_normal(m)))
        p, p_onset = params.flags[name][profile], params.flags_onset[name][profile]
        later = rng(f"onset:{name}").standard_exponential(m) * params.flags_weeks[name][profile] / math.log(2.0)
        out[name] = np.where(u < p_onset, 0.0, np.where(u < p, later, np.inf))
    return out


def _reported(params: GeneratorParams, truth: np.ndarray, name: str, rng: _Streams) -> np.ndarray:
    """The answer given: the truth, flipped at the field's false-yes and false-no rates."""
    u = rng(f"error:{name}").random(len(truth))
    return np.where(truth, u >= params.false_no[name], u < params.false_yes[name])


def _poisson_quantile(u: np.ndarray, mean: np.ndarray, most: int) -> np.ndarray:
    """The Poisson(mean) quantile of u per row, counted up to ``most`` (enough for the areas)."""
    k = np.arange(most)
    log_pmf = -mean[:, None] + k * np.log(np.maximum(mean, 1e-300))[:, None] - gammaln(k + 1.0)
    cdf = np.cumsum(np.exp(log_pmf), axis=1)
    return (u[:, None] > cdf).sum(axis=1)


def _location_mask(params: GeneratorParams, profile: np.ndarray, worry: np.ndarray, rng: _Streams) -> np.ndarray:
    # 1 + Poisson areas (more when worried, through a Gaussian copula), drawn without
    # replacement in proportion to the weights (exponential race: the k smallest of E_i / w_i
    # are a weighted sample of size k).
    m = len(profile)
    weights = params.location_weights[profile]
    possible = (weights > 0).sum(axis=1)
    u = ndtr(_correlated(params.worry_loading["regions"], worry, rng("regions").standard_normal(m)))
    k = np.minimum(1 + _poisson_quantile(u, params.regions_extra_mean[profile], len(LOCATIONS)), possible)
    with np.errstate(divide="ignore"):
        keys = rng("locations").standard_exponential((m, len(LOCATIONS))) / weights
    kth = np.sort(keys, axis=1)[np.arange(m), k - 1]
    chosen = keys <= kth[:, None]
    return (chosen.astype(np.int16) << np.arange(len(LOCATIONS), dtype=np.int16)).sum(axis=1)


def _habits(
    params: GeneratorParams, cause: np.ndarray, profile: np.ndarray, worry: np.ndarray, rng: _Streams
) -> dict[str, np.ndarray]:
    m = len(cause)
    out: dict[str, np.ndarray] = {}
    caffeine = np.exp(
        params.caffeine_log_median[cause] + params.caffeine_sigma[cause] * rng("caffeine").standard_normal(m)
    )
    out["caffeine_mg_per_day"] = np.rint(np.clip(caffeine, 0.0, field_range("caffeine_mg_per_day")[1]))

    own = rng("stress").standard_normal(m)
    stress = params.stress_mean[profile] + params.stress_sd[profile] * _correlated(
        params.worry_loading["stress_level"], worry, own
    )
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
    """Draw ``m`` rows of block ``block``: cause, worry and course, the moment of asking, then
    every field given the cause, the course and the time since onset, then the answers' errors.

    Returns the columns as arrays: ``cause`` (code in :data:`CAUSES` order), categories as
    codes, ``location_mask`` as a 9-bit mask in contract order, the rest as values (yes/no
    fields as *reported*). Hidden columns: ``course`` (code in :data:`COURSES` order),
    ``worry`` (the latent trait, standard normal) and ``true:<field>`` for every yes/no field.
    """
    rng = _Streams(seed, block)
    cause = np.searchsorted(prior_cdf, rng("cause").random(m), side="right").astype(np.int8)
    cause = np.minimum(cause, len(CAUSES) - 1)  # u is below 1, but keep rounding from escaping
    worry = rng("worry").standard_normal(m)
    benign = cause == 0
    persistent = benign & (rng("course").random(m) < params.p_benign_persistent)
    profile = np.where(persistent, PERSISTENT_BENIGN, cause).astype(np.int8)
    out: dict[str, np.ndarray] = {"cause": cause}
    out["age"] = _age(params, cause, rng)
    out["sex"] = _sex(params, cause, rng)

    asked = _asking_weeks(params, cause, benign & ~persistent, worry, rng)
    sign_weeks = _sign_weeks(params, profile, worry, rng)
    for name in params.prompting:  # a sign that appears makes the person ask soon after
        delay = np.exp(params.prompt_log_median + params.prompt_sigma * rng(f"prompt:{name}").standard_normal(m))
        asked = np.minimum(asked, sign_weeks[name] + delay)
    out["duration_weeks"] = np.round(np.clip(asked, params.duration_min, field_range("duration_weeks")[1]), 1)

    out["frequency"] = _pick(params.frequency_cdf[profile], rng("frequency").random(m))
    out["severity"] = _pick(params.severity_cdf[profile], rng("severity").random(m))
    out["location_mask"] = _location_mask(params, profile, worry, rng)
    for name in BOOL_FIELDS:
        truth = sign_weeks[name] <= asked
        out[f"true:{name}"] = truth
        out[name] = _reported(params, truth, name, rng)
    out.update(_habits(params, cause, profile, worry, rng))
    out["course"] = np.where(benign, np.where(persistent, 1, 0), 2).astype(np.int8)
    out["worry"] = worry
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
