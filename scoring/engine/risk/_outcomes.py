"""Outcomes as data: which hidden causes count as the event a risk score predicts.

The outcomes live in ``scoring/definitions/outcomes.toml``. Each one is a set of the
generator's latent causes (:data:`scoring.engine.synth.CAUSES`); :func:`outcome_labels`
turns a generated frame's ``latent_cause`` column into the yes/no answer for one outcome.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pydantic
from pydantic import ConfigDict, field_validator, model_validator

from scoring._paths import DEFINITIONS_DIR
from scoring.engine.synth import CAUSES

__all__ = ["OUTCOMES_FILE", "Outcome", "OutcomeError", "load_outcomes", "outcome_labels"]

#: The shipped outcome definitions.
OUTCOMES_FILE = DEFINITIONS_DIR / "outcomes.toml"


class OutcomeError(ValueError):
    """An outcome file or name that cannot be used: names the file or outcome, the problem and the fix."""


@dataclass(frozen=True)
class Outcome:
    """One outcome: the event is "the hidden cause is one of ``causes``".

    Attributes
    ----------
    name : str
        Identifier used in code and files, e.g. ``"serious_cause"``.
    role : str
        ``"primary"`` (what a learned card predicts by default) or ``"secondary"``.
    label : str
        A short plain-language name.
    description : str
        What the outcome means, in plain words.
    causes : tuple of str
        Latent causes that count as the event, in :data:`scoring.engine.synth.CAUSES` order.
    """

    name: str
    role: str
    label: str
    description: str
    causes: tuple[str, ...]


class _OutcomeEntry(pydantic.BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    role: Literal["primary", "secondary"]
    label: str
    description: str
    causes: list[str]

    @field_validator("id", "label", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("is empty; write it in plain words")
        return text

    @field_validator("causes")
    @classmethod
    def _known_causes(cls, causes: list[str]) -> list[str]:
        if not causes:
            raise ValueError(f"is empty; list one or more of {', '.join(CAUSES)}")
        unknown = [c for c in causes if c not in CAUSES]
        if unknown:
            raise ValueError(f"unknown cause(s) {', '.join(unknown)}; causes are {', '.join(CAUSES)}")
        repeated = sorted({c for c in causes if causes.count(c) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once; keep one of each")
        return causes


class _OutcomesFile(pydantic.BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: list[_OutcomeEntry]

    @model_validator(mode="after")
    def _one_primary_and_distinct_ids(self) -> _OutcomesFile:
        ids = [entry.id for entry in self.outcomes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"outcome id {repeated[0]!r} is used more than once; give each outcome its own id")
        primary = [entry.id for entry in self.outcomes if entry.role == "primary"]
        if len(primary) != 1:
            found = ", ".join(primary) or "none"
            raise ValueError(
                f'exactly one outcome needs role = "primary" (found: {found}); mark one, the rest "secondary"'
            )
        return self


def _describe_errors(error: pydantic.ValidationError, data: Mapping[str, object]) -> str:
    """One line per problem: which [[outcomes]] entry (by id when it has one) and which key."""
    entries = data.get("outcomes")
    lines = []
    for problem in error.errors():
        where = list(problem["loc"])
        if len(where) >= 2 and where[0] == "outcomes" and isinstance(where[1], int):
            entry = entries[where[1]] if isinstance(entries, list) and where[1] < len(entries) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            place = f"outcome {name!r}" if name else f"[[outcomes]] entry {where[1] + 1}"
            key = ".".join(str(part) for part in where[2:])
            where_text = f"{place}: {key}" if key else place
        else:
            where_text = ".".join(str(part) for part in where)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key; allowed keys are id, role, label, description, causes"
        lines.append(f"{where_text}: {message}" if where_text else message)
    return "; ".join(lines)


def load_outcomes(path: str | Path | None = None) -> dict[str, Outcome]:
    """Read and check the outcome definitions.

    Parameters
    ----------
    path : str or Path, optional
        An outcomes TOML file; the shipped ``scoring/definitions/outcomes.toml`` by default.

    Returns
    -------
    dict of str to Outcome
        In file order; the primary outcome is the one with ``role == "primary"``.

    Raises
    ------
    OutcomeError
        Naming the file, the entry and the fix: unreadable TOML, unknown keys, unknown or
        repeated causes, an empty cause list, repeated ids, not exactly one primary outcome.

    Examples
    --------
    >>> list(load_outcomes())
    ['serious_cause', 'any_cause']
    """
    file = Path(path) if path is not None else OUTCOMES_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutcomeError(f"{file}: no such outcomes file; give the path to an outcomes .toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise OutcomeError(f"{file.name}: not valid TOML ({exc}); fix the syntax at the line given") from None
    try:
        parsed = _OutcomesFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise OutcomeError(f"{file.name}: {_describe_errors(exc, data)}") from None
    return {
        entry.id: Outcome(
            name=entry.id,
            role=entry.role,
            label=entry.label,
            description=entry.description,
            causes=tuple(c for c in CAUSES if c in entry.causes),
        )
        for entry in parsed.outcomes
    }


def outcome_labels(frame: pd.DataFrame, outcome: str | Outcome) -> np.ndarray:
    """Whether each row's hidden cause counts as ``outcome``.

    Parameters
    ----------
    frame : DataFrame
        Generated vignettes with a ``latent_cause`` column
        (:func:`scoring.engine.synth.generate_vignettes`).
    outcome : str or Outcome
        An outcome name from :func:`load_outcomes` (e.g. ``"serious_cause"``) or an
        :class:`Outcome`.

    Returns
    -------
    ndarray of bool
        One entry per row.

    Raises
    ------
    OutcomeError
        When the outcome is unknown (listing the known ones) or the frame has no
        ``latent_cause`` column.
    """
    if isinstance(outcome, str):
        outcomes = load_outcomes()
        if outcome not in outcomes:
            raise OutcomeError(f"unknown outcome {outcome!r}; known outcomes: {', '.join(outcomes)}")
        outcome = outcomes[outcome]
    if "latent_cause" not in frame.columns:
        raise OutcomeError(
            f"outcome {outcome.name!r} needs the frame's latent_cause column, which this frame does not have; "
            "outcomes are known only for generated vignettes (scoring.engine.synth.generate_vignettes)"
        )
    return frame["latent_cause"].isin(outcome.causes).to_numpy(dtype=bool)
