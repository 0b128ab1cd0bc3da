"""The explorer's layout and example vignettes, read from ``definitions/explorer.toml``.

The file is checked by a pydantic model (``extra="forbid"``) on first use: a misspelt key,
a field the contract does not have, a preset whose vignette breaks the contract or a
``start`` that names no preset is an error naming the file, the entry and the fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, field_validator, model_validator

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.schema import FIELD_NAMES, FIELDS, FieldSpec, VignetteError, field_spec, validate_vignette

__all__ = [
    "EXPLORER_FILE",
    "ExplorerDefinitionsError",
    "Preset",
    "load_definitions",
    "presets",
    "start_preset",
    "sections",
    "slider_step",
]

EXPLORER_FILE = DEFINITIONS_DIR / "explorer.toml"


class ExplorerDefinitionsError(ValueError):
    """``explorer.toml`` does not follow its schema; the message names the entry and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Section(_Strict):
    title: str = Field(min_length=1)
    fields: list[str] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in FIELD_NAMES]
        if unknown:
            raise ValueError(
                f"{unknown} are not contract fields; use names from fields.toml ({', '.join(FIELD_NAMES)})"
            )
        return names


class _Preset(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    vignette: dict[str, Any]

    @field_validator("vignette")
    @classmethod
    def _valid_vignette(cls, values: dict[str, Any]) -> dict[str, Any]:
        try:
            validate_vignette(dict(values))
        except VignetteError as exc:
            raise ValueError(f"the vignette breaks the contract: {exc}") from None
        return values


class _ExplorerFile(_Strict):
    start: str
    steps: dict[str, PositiveFloat] = {}
    section: list[_Section] = Field(min_length=1)
    preset: list[_Preset] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _number_fields(cls, steps: dict[str, float]) -> dict[str, float]:
        numbers = [spec.name for spec in FIELDS if spec.is_numeric]
        wrong = [name for name in steps if name not in numbers]
        if wrong:
            raise ValueError(f"{wrong} are not number fields; steps are for {', '.join(numbers)}")
        return steps

    @model_validator(mode="after")
    def _consistent(self) -> _ExplorerFile:
        ids = [preset.id for preset in self.preset]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"preset ids {repeated} are used more than once; give each [[preset]] its own id")
        if self.start not in ids:
            raise ValueError(f"start = {self.start!r} names no preset; choose one of {ids}")
        placed = [name for section in self.section for name in section.fields]
        twice = sorted({name for name in placed if placed.count(name) > 1})
        if twice:
            raise ValueError(f"fields {twice} are in more than one [[section]]; keep each field in one panel")
        return self


def _location(loc: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    """A pydantic error location as the entry a reader finds in the file, e.g. 'preset 3 (coffee).vignette'."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and isinstance(loc[i - 1], str):
            entry = raw.get(str(loc[i - 1]), [])
            name = entry[part].get("id") or entry[part].get("title") if part < len(entry) else None
            parts[-1] = f"[[{loc[i - 1]}]] number {part + 1}" + (f" ({name})" if name else "")
        else:
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def load_definitions(path: Path = EXPLORER_FILE) -> _ExplorerFile:
    """Read and check an explorer definitions file.

    Raises
    ------
    ExplorerDefinitionsError
        Listing every problem: the entry, what is wrong, and what is allowed.
    """
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    try:
        return _ExplorerFile.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = _location(error["loc"], raw)
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key {error['loc'][-1]!r}; remove it or fix its spelling"
            problems.append(f"  {where}: {message}")
        raise ExplorerDefinitionsError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems)) from None


@lru_cache(maxsize=1)
def _definitions() -> _ExplorerFile:
    return load_definitions()


@dataclass(frozen=True)
class Preset:
    """An example vignette offered as a button.

    Attributes
    ----------
    preset_id : str
    label : str
        The button text.
    description : str
        The button's tooltip: who this person is, in one sentence.
    values : dict
        A partial vignette; fields left out take their contract defaults.
    """

    preset_id: str
    label: str
    description: str
    values: Mapping[str, Any]

    def vignette(self):
        """The preset as a validated :class:`scoring.contract.schema.Vignette`."""
        return validate_vignette(dict(self.values))


def presets() -> dict[str, Preset]:
    """The example vignettes from ``explorer.toml``, keyed by id, in file order."""
    return {
        entry.id: Preset(entry.id, entry.label, entry.description, entry.vignette) for entry in _definitions().preset
    }


def start_preset() -> Preset:
    """The preset the explorer opens with and returns to on Reset."""
    return presets()[_definitions().start]


def sections() -> list[tuple[str, tuple[FieldSpec, ...]]]:
    """Panels of fields as ``(title, specs)``; fields no panel names go into a last 'Other'."""
    result = [(entry.title, tuple(field_spec(name) for name in entry.fields)) for entry in _definitions().section]
    placed = {spec.name for _, specs in result for spec in specs}
    rest = tuple(spec for spec in FIELDS if spec.name not in placed)
    if rest:
        result.append(("Other", rest))
    return result


def slider_step(field_name: str) -> float:
    """The slider step of a number field (``[steps]`` in ``explorer.toml``; 1 when not given)."""
    return _definitions().steps.get(field_name, 1)
