"""Populations as data: who the vignettes describe, and how common each outcome is among them.

The populations live in ``scoring/definitions/populations.toml`` (docs/clinical.md §5). Each
one is the generator's parameters (``generator.toml``) with some entries replaced:

* ``enriched`` (:data:`TRAINING_POPULATION`) is generator.toml as it is: the learning mix,
  with rare causes over-represented so that models see enough of them;
* ``community`` (:data:`DEFAULT_POPULATION`) is adults in the general population who notice
  twitching: realistic cause shares and brief, one-place benign twitching. Probabilities shown
  to a reader are for this population.

Only the benign cause's answers differ between the two, so a model fitted on ``enriched``
moves to ``community`` by prior shift (:func:`scoring.engine.risk.shift_probability` with
:meth:`Population.prevalence` of both) nearly, but not exactly: the benign profile differs,
so the moved probabilities must be checked on a community sample.

Examples
--------
>>> community = load_population("community")
>>> community.is_default, round(community.prevalence("serious_cause"), 3)
(True, 0.015)
>>> round(load_population(TRAINING_POPULATION).prevalence("serious_cause"), 3)
0.07
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from scoring.engine.risk import Outcome, OutcomeError, load_outcomes
from scoring.engine.synth._populations import (
    DEFAULT_POPULATION,
    POPULATIONS_FILE,
    TRAINING_POPULATION,
    GeneratorPopulation,
    PopulationError,
    population_by_name,
    read_populations,
)

__all__ = [
    "POPULATIONS_FILE",
    "DEFAULT_POPULATION",
    "TRAINING_POPULATION",
    "Population",
    "PopulationError",
    "load_populations",
    "load_population",
]


@dataclass(frozen=True)
class Population(GeneratorPopulation):
    """A population: who the people are, their cause prior, and the generator parameters to draw them.

    Attributes
    ----------
    id, label, description : str
        Its name in code and files, a short plain name, and who these people are.
    is_default : bool
        True for the population that probabilities are shown for (``community``).
    prior : Mapping of str to float
        Share of each latent cause (adds up to 1).
    tags : Mapping of str to str
        The source or ``assumed`` tag of every entry the population sets itself, by its
        generator.toml path; empty for ``enriched``.
    params : GeneratorParams
        generator.toml with the population's entries merged in (what the generator samples from).

    Pass a Population (or its id) to :func:`scoring.engine.synth.generate_vignettes`.
    """

    def prevalence(self, outcome: Outcome | str) -> float:
        """The share of this population whose hidden cause counts as ``outcome``.

        Parameters
        ----------
        outcome : Outcome or str
            An :class:`~scoring.engine.risk.Outcome` or an outcome id of
            :func:`~scoring.engine.risk.load_outcomes` (e.g. ``"serious_cause"``).

        Returns
        -------
        float
            The sum of the prior over the outcome's causes.

        Raises
        ------
        OutcomeError
            For an unknown outcome id (the known ones are listed).

        Examples
        --------
        >>> round(load_population("community").prevalence("any_cause"), 3)
        0.045
        """
        if isinstance(outcome, str):
            outcomes = load_outcomes()
            if outcome not in outcomes:
                raise OutcomeError(f"unknown outcome {outcome!r}; known outcomes: {', '.join(outcomes)}")
            outcome = outcomes[outcome]
        if not isinstance(outcome, Outcome):
            raise OutcomeError(
                f"outcome must be an outcome id or an Outcome, got {type(outcome).__name__}; "
                f"known outcomes: {', '.join(load_outcomes())}"
            )
        return sum(self.prior[cause] for cause in outcome.causes)


def load_populations(path: str | Path | None = None) -> dict[str, Population]:
    """Read and check the population definitions.

    Parameters
    ----------
    path : str or Path, optional
        A populations TOML file; the shipped ``scoring/definitions/populations.toml`` by
        default. Its overrides are merged over the shipped generator.toml.

    Returns
    -------
    dict of str to Population
        By id, in file order.

    Raises
    ------
    PopulationError
        Naming the file, the population, the entry and the fix: unreadable TOML, an unknown
        key, an override of a table, key or cause that generator.toml does not have (or of
        the causes' names), a missing or untagged number, a share outside 0 to 1, a prior that
        does not add up to 1 (within 1e-9), not exactly one default, a repeated id.

    Examples
    --------
    >>> list(load_populations())
    ['enriched', 'community']
    """
    if path is None:
        return dict(_shipped_populations())
    return _read(path)


def _read(path: str | Path | None) -> dict[str, Population]:
    return {
        name: Population(**{f.name: getattr(spec, f.name) for f in fields(spec)})
        for name, spec in read_populations(path).items()
    }


@lru_cache(maxsize=1)
def _shipped_populations() -> dict[str, Population]:
    # Read once per process: every assessment looks its population up.
    return _read(None)


def load_population(population: str | Population | None = None, path: str | Path | None = None) -> Population:
    """One population by id (a Population is returned as it is; None gives the default one).

    Parameters
    ----------
    population : str, Population or None
        A population id, e.g. ``"community"``; None for :data:`DEFAULT_POPULATION`.
    path : str or Path, optional
        The populations file to look in (the shipped one by default).

    Raises
    ------
    PopulationError
        For an unknown id, listing the known ones.
    """
    if isinstance(population, Population):
        return population
    if population is None:
        population = DEFAULT_POPULATION
    file_name = POPULATIONS_FILE.name if path is None else Path(path).name
    return population_by_name(population, load_populations(path), file_name)
