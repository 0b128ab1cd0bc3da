"""Populations as the generator sees them: ``definitions/populations.toml`` merged over generator.toml.

Each population is generator.toml with some tagged entries replaced (its ``overrides``, deep
merged: tables key by key, a tagged entry or a list whole). This module reads and checks the
file and gives each population its merged :class:`~scoring.engine.synth._params.GeneratorParams`;
:mod:`scoring.engine.populations` adds what needs the outcomes (prevalences) on top.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import Field, StrictBool, StringConstraints, ValidationError

from scoring._paths import DEFINITIONS_DIR
from scoring.engine._definitions import DefinitionError, RequiredText, Strict, first_error, problem_text, read_toml
from scoring.engine.synth._params import (
    CAUSES,
    GENERATOR_FILE,
    GeneratorError,
    GeneratorParams,
    load_generator_params,
    params_from_raw,
)

__all__ = [
    "POPULATIONS_FILE",
    "DEFAULT_POPULATION",
    "TRAINING_POPULATION",
    "PopulationError",
    "GeneratorPopulation",
    "read_populations",
    "population_by_name",
]

#: The shipped population definitions.
POPULATIONS_FILE = DEFINITIONS_DIR / "populations.toml"
#: The population probabilities are shown for (the one marked ``default = true``).
DEFAULT_POPULATION = "community"
#: The population models are fitted on: generator.toml as it is.
TRAINING_POPULATION = "enriched"

# Tables that are the same in every population: the causes' names and labels, and the list
# of what the generator leaves out.
_FIXED_TABLES = ("causes", "not_modelled")
_PRIOR_TOLERANCE = 1e-9

_P = TypeVar("_P", bound="GeneratorPopulation")


class PopulationError(DefinitionError):
    """A population file or name that cannot be used: names the file, the population, the entry and the fix."""


@dataclass(frozen=True)
class GeneratorPopulation:
    """One population of the generator: who the people are, and the parameters to draw them from.

    Attributes
    ----------
    id : str
        The name used in code and on the command line, e.g. ``"community"``.
    label : str
        A short plain-language name.
    description : str
        Who these people are, in plain words.
    is_default : bool
        True for the one population that probabilities are shown for.
    prior : Mapping of str to float
        The latent cause prior, cause to share, in :data:`CAUSES` order (adds up to 1).
    tags : Mapping of str to str
        The tag of every entry this population sets itself, by its generator.toml path (for
        example ``"flags.numbness.benign_lifestyle"``); empty for a population that is
        generator.toml as it is.
    params : GeneratorParams
        generator.toml with the population's overrides merged in, as the sampler reads it.
    """

    id: str
    label: str
    description: str
    is_default: bool
    prior: Mapping[str, float]
    tags: Mapping[str, str]
    params: GeneratorParams


# --------------------------------------------------------------------------------------
# The file's schema
# --------------------------------------------------------------------------------------

_Id = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_]*$")]


class _PopulationEntry(Strict):
    id: _Id
    label: RequiredText
    description: RequiredText
    default: StrictBool
    overrides: dict[str, Any] = {}


class _PopulationsFile(Strict):
    population: Annotated[list[_PopulationEntry], Field(min_length=1)]


def _schema_problem(exc: ValidationError, raw: dict[str, Any], name: str) -> str:
    # An unknown key first: a misspelt key also shows up as the missing one it was meant to be.
    unknown = [e for e in exc.errors(include_url=False) if e["type"] == "extra_forbidden"]
    error = unknown[0] if unknown else first_error(exc)
    loc = error["loc"]
    if len(loc) >= 2 and loc[0] == "population" and isinstance(loc[1], int):
        entries = raw.get("population")
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        given = entry.get("id") if isinstance(entry, dict) else None
        where = f"population {given!r}" if isinstance(given, str) and given else f"[[population]] {loc[1] + 1}"
        key = str(loc[2]) if len(loc) > 2 else ""
        if error["type"] == "string_pattern_mismatch":
            text = f"id {error.get('input')!r} must be lower-case letters, digits and _, starting with a letter"
        elif error["type"] == "bool_type":
            text = f"{key} must be true or false, got {error.get('input')!r}; write {key} = true or {key} = false"
        else:
            text = problem_text(error, key, allowed=sorted(_PopulationEntry.model_fields))
        return f"{name}: {where}: {text}"
    if loc == ("population",) and error["type"] in ("missing", "too_short"):
        return f"{name}: no populations; add a [[population]] table for each one"
    return f"{name}: {problem_text(error, str(loc[-1]) if loc else '', allowed=['population'])}"


# --------------------------------------------------------------------------------------
# Overrides: checked against generator.toml, then merged into it
# --------------------------------------------------------------------------------------


def _is_entry(node: Any) -> bool:
    """A tagged entry or a list: replaced whole by an override, never merged into."""
    return not isinstance(node, dict) or "tag" in node


def _check_override(base: Any, override: Any, path: str, where: str) -> None:
    """Every key of ``override`` names something ``base`` (generator.toml) has."""
    if _is_entry(base):
        return
    if not isinstance(override, dict):
        raise PopulationError(
            f"{where}overrides.{path}: generator.toml's [{path}] is a table of entries, got "
            f"{type(override).__name__}; write [population.overrides.{path}] with one entry per key"
        )
    for key, value in override.items():
        here = f"{path}.{key}" if path else key
        if not path and key in _FIXED_TABLES:
            raise PopulationError(
                f"{where}overrides.{key}: [{key}] is the same in every population and cannot be overridden; "
                "remove this override"
            )
        if key not in base:
            known = [k for k in base if k not in _FIXED_TABLES] if not path else list(base)
            if base and set(base) == set(CAUSES):
                problem = f"unknown cause {key!r}; causes are {', '.join(CAUSES)}"
            elif path:
                problem = f"generator.toml has no {key!r} under [{path}]; it has {', '.join(known)}"
            else:
                problem = f"generator.toml has no table {key!r}; it has {', '.join(known)}"
            raise PopulationError(f"{where}overrides.{here}: {problem}; fix the name or remove the override")
        _check_override(base[key], value, here, where)


def _merged(base: Any, override: Any) -> Any:
    if _is_entry(base):
        return override
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merged(base[key], value)
    return merged


def _override_tags(node: Any, path: str = "") -> dict[str, str]:
    tags: dict[str, str] = {}
    if isinstance(node, dict):
        if "tag" in node:
            return {path: str(node["tag"])}
        for key, value in node.items():
            tags.update(_override_tags(value, f"{path}.{key}" if path else key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            tags.update(_override_tags(value, f"{path}[{i}]"))
    return tags


def _check_prior(raw: dict[str, Any], where: str) -> None:
    """The latent cause prior adds up to 1 within 1e-9 (``where`` ends with the table's name)."""
    prior = raw.get("prior", {})
    values = [entry.get("p") if isinstance(entry, dict) else None for entry in prior.values()]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return  # the schema names the entry that is not a number
    total = math.fsum(values)  # type: ignore[arg-type]
    if abs(total - 1.0) > _PRIOR_TOLERANCE:
        shares = ", ".join(f"{cause} = {entry['p']:g}" for cause, entry in prior.items())
        raise PopulationError(
            f"{where}: the cause shares add up to {total:.12g}, not 1 ({shares}); "
            "change them so that they add up to exactly 1"
        )


def _population(
    entry: _PopulationEntry, base: dict[str, Any], generator: GeneratorParams, name: str
) -> GeneratorPopulation:
    where = f"{name}: population {entry.id!r}: "
    _check_override(base, entry.overrides, "", where)
    if entry.overrides:
        raw = _merged(base, entry.overrides)
        _check_prior(raw, f"{where}overrides.prior")
        try:
            params = params_from_raw(raw, f"{name}: population {entry.id!r}", prefix="overrides.")
        except GeneratorError as exc:
            raise PopulationError(str(exc)) from None
    else:
        params = generator  # generator.toml as it is: the very same parameters, so the same data
        _check_prior(base, f"{GENERATOR_FILE.name}: prior (used as it is by population {entry.id!r})")
    return GeneratorPopulation(
        id=entry.id,
        label=entry.label,
        description=entry.description,
        is_default=entry.default,
        prior=types.MappingProxyType({cause: float(p) for cause, p in zip(CAUSES, params.prior)}),
        tags=types.MappingProxyType(_override_tags(entry.overrides)),
        params=params,
    )


def read_populations(path: str | Path | None = None) -> dict[str, GeneratorPopulation]:
    """Read and check a population file (the shipped ``populations.toml`` by default).

    Parameters
    ----------
    path : str or Path, optional
        A populations TOML file; its overrides are merged over the shipped generator.toml.

    Returns
    -------
    dict of str to GeneratorPopulation
        By id, in file order.

    Raises
    ------
    PopulationError
        Naming the file, the population, the entry and the fix (see :func:`scoring.engine.populations.load_populations`).
    """
    if path is None:
        return _shipped()
    return _read(Path(path))


@lru_cache(maxsize=1)
def _shipped() -> dict[str, GeneratorPopulation]:
    return _read(POPULATIONS_FILE)


def _read(path: Path) -> dict[str, GeneratorPopulation]:
    if not path.is_file():
        raise PopulationError(f"{path}: no such populations file; give the path to a populations .toml file")
    raw = read_toml(path, PopulationError)
    try:
        checked = _PopulationsFile.model_validate(raw)
    except ValidationError as exc:
        raise PopulationError(_schema_problem(exc, raw, path.name)) from None
    ids = [entry.id for entry in checked.population]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise PopulationError(
            f"{path.name}: population id {repeated[0]!r} is used {ids.count(repeated[0])} times; "
            "give each population its own id"
        )
    defaults = [entry.id for entry in checked.population if entry.default]
    if len(defaults) != 1:
        found = ", ".join(defaults) if defaults else "none"
        raise PopulationError(
            f"{path.name}: exactly one population needs default = true (found: {found}); "
            "mark the one probabilities are shown for, and set default = false on the others"
        )
    generator = load_generator_params()
    base = generator.raw
    return {entry.id: _population(entry, base, generator, path.name) for entry in checked.population}


def population_by_name(population: str, populations: Mapping[str, _P], file_name: str = POPULATIONS_FILE.name) -> _P:
    """``populations[population]``, or a :class:`PopulationError` that lists the known names."""
    if not isinstance(population, str):
        raise PopulationError(
            f"population must be a population name or a Population, got {type(population).__name__}; "
            f"known populations: {', '.join(populations)}"
        )
    if population not in populations:
        raise PopulationError(
            f"unknown population {population!r}; known populations: {', '.join(populations)} ({file_name} defines them)"
        )
    return populations[population]
