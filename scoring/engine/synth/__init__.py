"""The synthetic vignette generator: latent cause, contract fields, triage label, narrative.

The model is kept as data in ``definitions/generator.toml`` (docs/clinical.md, section 4,
says which numbers are sourced and which assumed), and the populations it can describe in
``definitions/populations.toml`` (section 5): ``enriched``, generator.toml as it is, the mix
models learn from, and ``community``, adults who notice twitching; the label is the reference triage
ladder of :mod:`scoring.engine.ladder`. For each vignette the generator draws a latent
cause from the prior, then every contract field from that cause's distributions
(independently given the cause), rounds the values the way a person would report them,
applies the ladder to the *rounded, observable* fields, and writes a short narrative from
the same fields.

The parts: :mod:`._params` (the parameter file and its schema), :mod:`._populations` (the
population file merged over it), :mod:`._sampler` (seeded, vectorised sampling),
:mod:`._narrative` (the text).

Reproducibility
---------------
Rows are generated in fixed blocks of :data:`BLOCK_ROWS`. Every random quantity of every
block has its own stream, derived from ``numpy.random.SeedSequence(seed)`` by the block
number and the quantity's name, and each stream is read with exactly one vectorised call.
Two consequences, both tested:

* the output depends only on ``(n, seed, population, label_noise, prior)`` and the generator version,
  never on how the work is split up (``progress=True`` gives the same bytes);
* the first ``m`` rows of ``generate_vignettes(n, seed)`` are ``generate_vignettes(m, seed)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring._paths import DEFAULT_SEED
from scoring.contract.features import Features
from scoring.contract.schema import FIELD_NAMES, FIELDS, field_spec
from scoring.engine.ladder import (
    TRIAGE_FILE,
    TriageRule,
    load_triage_ladder,
    triage_categorical,
    triage_frame,
    triage_levels,
    triage_rules_fired,
)
from scoring.engine.synth._narrative import location_texts, narratives
from scoring.engine.synth._params import (
    BOOL_FIELDS,
    CAUSES,
    GENERATOR_FILE,
    GeneratorError,
    GeneratorParams,
    ParameterEntry,
    load_generator_params,
    prior_array,
    tag_kind,
)
from scoring.engine.synth._populations import (
    POPULATIONS_FILE,
    TRAINING_POPULATION,
    GeneratorPopulation,
    population_by_name,
    read_populations,
)
from scoring.engine.synth._sampler import BLOCK_ROWS, COURSES, blocks, flip_labels, sample_block
from scoring.engine.synth._targets import WORLD_TARGETS_FILE, WorldTarget, check_world_targets, read_world_targets

__all__ = [
    "GENERATOR_VERSION",
    "GENERATOR_FILE",
    "POPULATIONS_FILE",
    "TRIAGE_FILE",
    "CAUSES",
    "OUTPUT_COLUMNS",
    "HIDDEN_COLUMNS",
    "COURSES",
    "BLOCK_ROWS",
    "GeneratorError",
    "GeneratorParams",
    "GeneratorPopulation",
    "ParameterEntry",
    "TriageRule",
    "tag_kind",
    "load_generator_params",
    "load_triage_ladder",
    "generate_vignettes",
    "WORLD_TARGETS_FILE",
    "WorldTarget",
    "check_world_targets",
    "read_world_targets",
    "triage_frame",
    "triage_rules_fired",
]

#: Bump whenever a change here or in generator.toml / triage.toml changes the output.
GENERATOR_VERSION = "2.1.0"

#: Columns of a generated frame, in order.
OUTPUT_COLUMNS: tuple[str, ...] = ("vignette_id", *FIELD_NAMES, "latent_cause", "triage", "narrative")

#: Columns added by ``generate_vignettes(..., hidden=True)``: the course of the twitching, the
#: latent worry trait and the true value of every yes/no answer (the answers themselves err).
HIDDEN_COLUMNS: tuple[str, ...] = ("course", "worry", *(f"true_{name}" for name in BOOL_FIELDS))


def _block_frame_for_ladder(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The columns the ladder reads, in the dtypes :class:`Features` expects (no validation:
    the generator's values are in range by construction, and a test checks that)."""
    data: dict[str, Any] = {name: columns[name] for name in BOOL_FIELDS}
    data["age"] = columns["age"]
    data["duration_weeks"] = columns["duration_weeks"]
    for name in ("frequency", "severity"):  # the ladder may compare categories (severity == pronounced)
        data[name] = pd.Categorical.from_codes(columns[name], categories=list(field_spec(name).allowed))
    data["locations"] = pd.Categorical.from_codes(columns["location_mask"], categories=list(location_texts()))
    return pd.DataFrame(data, copy=False)


def generate_vignettes(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    population: str | GeneratorPopulation = TRAINING_POPULATION,
    label_noise: float = 0.0,
    prior: Mapping[str, float] | None = None,
    progress: bool = False,
    hidden: bool = False,
) -> pd.DataFrame:
    """Generate ``n`` synthetic vignettes with their latent cause, triage label and narrative.

    Parameters
    ----------
    n : int
        Number of vignettes (0 or more).
    seed : int, default 7
        Seed (a non-negative integer). Same ``(n, seed, population, label_noise, prior)`` and
        the same :data:`GENERATOR_VERSION` give identical data.
    population : str or Population, default "enriched"
        Who the vignettes describe: a population of ``definitions/populations.toml`` by name
        or a :class:`scoring.engine.populations.Population`. ``"enriched"`` (generator.toml as
        it is) is the learning mix, with disease causes over-represented; ``"community"`` is
        adults who notice twitching, with realistic cause shares and brief, one-place benign
        twitching. The same seed gives unrelated rows in two populations.
    label_noise : float, default 0.0
        Share of labels moved one step to an adjacent level, to mimic disagreement between
        clinicians (``self_care`` and ``urgent`` move to ``see_doctor``; ``see_doctor``
        moves up or down with equal chance). Drawn from its own stream, so the other
        columns do not depend on it. The noise-free label of any row is
        ``triage_frame(frame)``; no extra column is kept.
    prior : mapping of cause to probability, optional
        Replaces the population's latent cause prior (causes left out get 0), e.g.
        ``{"motor_neuron_like": 1.0}``; every other number stays the population's.
    progress : bool, default False
        Show a tqdm progress bar (per block of :data:`BLOCK_ROWS` rows). The output is the
        same either way.
    hidden : bool, default False
        Also return :data:`HIDDEN_COLUMNS` after the others: ``course`` (categorical of
        :data:`COURSES`), ``worry`` (the latent trait) and ``true_<field>`` for every yes/no
        field (the exact truth; the contract column holds the reported, sometimes wrong,
        answer). The other columns are the same either way.

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
    >>> community = generate_vignettes(1000, seed=1, population="community")
    >>> bool((community["latent_cause"] == "benign_lifestyle").mean() > 0.9)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number of vignettes, 0 or more (got {n!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number, 0 or more (got {seed!r})")
    if isinstance(label_noise, bool) or not isinstance(label_noise, (int, float)) or not 0.0 <= label_noise <= 1.0:
        raise ValueError(f"label_noise must be a share from 0 to 1, e.g. 0.03 (got {label_noise!r})")
    n, seed = int(n), int(seed)
    params = _population_params(population)
    prior_cdf = np.cumsum(prior_array(prior, params))
    prior_cdf[-1] = 1.0

    parts: list[dict[str, np.ndarray]] = []
    texts: list[pa.Array] = []
    with _progress_bar(n, progress) as bar:
        for block, m in blocks(n):
            columns = sample_block(params, prior_cdf, seed, block, m)
            features = Features(_block_frame_for_ladder(columns))
            levels = triage_levels(features)
            if label_noise > 0:
                levels = flip_labels(levels, float(label_noise), seed, block)
            columns["triage"] = levels
            texts.append(narratives(columns))
            parts.append(columns)
            bar.update(m)
    frame = _assemble(parts, texts, n)
    if hidden:
        frame = pd.concat([frame, _hidden_frame(parts)], axis=1)
    return frame


def _hidden_frame(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    def joined(name: str, dtype: Any) -> np.ndarray:
        return np.concatenate([p[name] for p in parts]).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    data: dict[str, Any] = {
        "course": pd.Categorical.from_codes(joined("course", np.int8), dtype=pd.CategoricalDtype(list(COURSES))),
        "worry": joined("worry", np.float64),
    }
    for name in BOOL_FIELDS:
        data[f"true_{name}"] = joined(f"true:{name}", np.bool_)
    return pd.DataFrame(data)


def _population_params(population: str | GeneratorPopulation) -> GeneratorParams:
    if isinstance(population, GeneratorPopulation):
        return population.params
    return population_by_name(population, read_populations()).params


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


def _assemble(parts: list[dict[str, np.ndarray]], texts: list[pa.Array], n: int) -> pd.DataFrame:
    def joined(name: str, dtype: Any) -> np.ndarray:
        if not parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([p[name] for p in parts]).astype(dtype, copy=False)

    ids = pc.binary_join_element_wise(
        "v", pc.utf8_lpad(pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string()), width=7, padding="0"), ""
    )
    location_table = pa.array(location_texts(), pa.string())
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
    data["triage"] = triage_categorical(joined("triage", np.int8))
    data["narrative"] = pd.Series(pa.chunked_array(texts, pa.string()), dtype="str")
    return pd.DataFrame(data)
