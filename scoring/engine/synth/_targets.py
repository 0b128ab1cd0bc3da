"""The world against its sources: ``definitions/world_targets.toml`` checked on a fresh sample.

Each target is a published figure (a share or a mean, for a population and a group of its
vignettes: the persistent benign subgroup, a cause) with a tolerance. :func:`check_world_targets`
draws each population once, measures every target and says whether it holds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictStr, ValidationError, model_validator

from scoring._paths import DEFINITIONS_DIR
from scoring.engine._definitions import DefinitionError, Number, Strict, first_error, problem_text, read_toml
from scoring.engine.synth._schema import Counts, Tag

__all__ = ["WORLD_TARGETS_FILE", "WorldTarget", "WorldTargetError", "read_world_targets", "check_world_targets"]

#: The shipped targets.
WORLD_TARGETS_FILE = DEFINITIONS_DIR / "world_targets.toml"

#: A seed no test, document or fitted model uses, for a fresh check of the targets.
DEFAULT_TARGETS_SEED = 90210


class WorldTargetError(DefinitionError):
    """A targets file that cannot be used: names the target, the problem and the fix."""


class WorldTarget(Strict):
    """One published figure the world must reproduce (see ``world_targets.toml`` for the keys)."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    what: StrictStr
    population: StrictStr
    where: dict[str, list[StrictStr]] = {}
    measure: Literal["share", "mean"]
    column: StrictStr
    values: list[StrictStr] | None = None
    at_most: Number | None = None
    expected: Number
    compare: Literal["near", "at_least", "at_most"]
    tolerance: Annotated[Number, Field(ge=0.0)]
    tag: Tag
    counts: Counts = None

    @model_validator(mode="after")
    def _one_way_to_count(self) -> WorldTarget:
        if self.measure == "mean" and (self.values is not None or self.at_most is not None):
            raise ValueError("a mean is of the column itself: leave out `values` and `at_most`")
        if self.values is not None and self.at_most is not None:
            raise ValueError("count either `values` (a category) or `at_most` (a number), not both")
        return self

    def bounds(self) -> tuple[float, float]:
        """The (low, high) range the observed value must fall in."""
        low = self.expected - self.tolerance if self.compare in ("near", "at_least") else -np.inf
        high = self.expected + self.tolerance if self.compare in ("near", "at_most") else np.inf
        return float(low), float(high)

    def rows(self, frame: pd.DataFrame) -> np.ndarray:
        """The rows of ``frame`` (generated with ``hidden=True``) that the figure describes."""
        keep = np.ones(len(frame), dtype=bool)
        for column, allowed in self.where.items():
            if column not in frame.columns:
                raise WorldTargetError(
                    f"{WORLD_TARGETS_FILE.name}: target {self.id}: where names {column!r}, which is not a column "
                    f"of a generated frame; use one of {', '.join(map(str, frame.columns))}"
                )
            keep &= frame[column].astype(str).isin(allowed).to_numpy()
        return keep

    def observe(self, frame: pd.DataFrame) -> tuple[float, int]:
        """The world's value of the figure on ``frame``, and how many rows it rests on."""
        if self.column not in frame.columns:
            raise WorldTargetError(
                f"{WORLD_TARGETS_FILE.name}: target {self.id}: column {self.column!r} is not a column of a "
                f"generated frame; use one of {', '.join(map(str, frame.columns))}"
            )
        values = frame.loc[self.rows(frame), self.column]
        if values.empty:
            return float("nan"), 0
        if self.measure == "mean":
            return float(values.astype(float).mean()), len(values)
        if self.values is not None:
            hits = values.astype(str).isin(self.values)
        elif self.at_most is not None:
            hits = values.astype(float) <= self.at_most
        else:
            hits = values.astype(bool)
        return float(hits.mean()), len(values)


@lru_cache(maxsize=4)
def read_world_targets(path: Path | None = None) -> tuple[WorldTarget, ...]:
    """Read and check a targets file (``definitions/world_targets.toml`` by default).

    Raises
    ------
    WorldTargetError
        Naming the target and the key, for an unknown key, a missing one, a bad value or an
        unknown population.
    """
    from scoring.engine.synth._populations import read_populations

    path = WORLD_TARGETS_FILE if path is None else Path(path)
    raw = read_toml(path, WorldTargetError)
    entries = raw.get("target", [])
    if set(raw) - {"target"} or not isinstance(entries, list) or not entries:
        raise WorldTargetError(f"{path.name}: write the figures as [[target]] tables, one or more, and nothing else")
    known = set(read_populations())
    targets: list[WorldTarget] = []
    for i, entry in enumerate(entries):
        name = entry.get("id", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
        try:
            target = WorldTarget.model_validate(entry)
        except ValidationError as exc:
            error = first_error(exc)
            key = str(error["loc"][-1]) if error["loc"] else ""
            text = problem_text(error, key, allowed=tuple(WorldTarget.model_fields))
            raise WorldTargetError(f"{path.name}: target {name}: {text}") from None
        if target.population not in known:
            raise WorldTargetError(
                f"{path.name}: target {name}: population {target.population!r} is unknown; "
                f"use one of {', '.join(sorted(known))}"
            )
        if target.id in {t.id for t in targets}:
            raise WorldTargetError(f"{path.name}: target {name}: the id is used twice; give each target its own id")
        targets.append(target)
    return tuple(targets)


def check_world_targets(
    population: str | None = None,
    n: int = 200_000,
    seed: int = DEFAULT_TARGETS_SEED,
    *,
    targets: tuple[WorldTarget, ...] | None = None,
    frames: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Measure every published figure of the targets file on a fresh sample of its population.

    Parameters
    ----------
    population : str, optional
        Only the targets of this population (every target when None).
    n : int, default 200000
        Vignettes drawn per population.
    seed : int, default 90210
        Seed of the samples (one the shipped models and documents do not use).
    targets : tuple of WorldTarget, optional
        The targets to check (the shipped file's by default).
    frames : dict of str to DataFrame, optional
        Samples already drawn with ``hidden=True``, by population id; a population without one
        is drawn.

    Returns
    -------
    DataFrame
        One row per target: ``target``, ``what``, ``population``, ``observed``, ``expected``,
        ``compare``, ``tolerance``, ``low``, ``high``, ``n`` (rows the figure rests on),
        ``holds`` and ``tag``.

    Examples
    --------
    >>> table = check_world_targets(n=20_000)   # doctest: +SKIP
    >>> bool(table["holds"].all())   # doctest: +SKIP
    True
    """
    from scoring.engine.synth import generate_vignettes

    chosen = [t for t in (targets or read_world_targets()) if population is None or t.population == population]
    samples = dict(frames or {})
    rows = []
    for target in chosen:
        if target.population not in samples:
            samples[target.population] = generate_vignettes(n, seed=seed, population=target.population, hidden=True)
        observed, size = target.observe(samples[target.population])
        low, high = target.bounds()
        rows.append(
            {
                "target": target.id,
                "what": target.what,
                "population": target.population,
                "observed": observed,
                "expected": target.expected,
                "compare": target.compare,
                "tolerance": target.tolerance,
                "low": low,
                "high": high,
                "n": size,
                "holds": bool(size > 0 and low - 1e-12 <= observed <= high + 1e-12),
                "tag": target.tag,
            }
        )
    return pd.DataFrame(rows)

