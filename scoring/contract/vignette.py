"""One vignette: the :class:`Vignette` model and :func:`validate_vignette`.

``Vignette`` is written out field by field so that type checkers and readers see the
contract; a test checks that its fields (names, types, defaults, ranges, allowed values)
are exactly those of ``definitions/fields.toml``, so the two cannot drift. Every value goes
through :func:`scoring.contract.readers.read_value`, the rule the frame validator applies
too, so a record and a frame row get the same verdict and the same words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from pydantic import ConfigDict, Field
from pydantic_core import PydanticCustomError

from scoring.contract.errors import FieldError, VignetteError, unknown_field_error
from scoring.contract.fields import FIELD_NAMES, FIELDS, METADATA_COLUMNS, field_spec
from scoring.contract.json_input import parse_vignette_json
from scoring.contract.readers import is_missing, read_value

__all__ = ["Vignette", "validate_vignette", "json_schema", "vignettes_to_frame", "frame_to_vignettes", "NUMPY_DTYPES"]

#: The NumPy dtype of each scalar kind in a validated frame.
NUMPY_DTYPES: dict[str, Any] = {"int": np.int64, "float": np.float64, "bool": np.bool_}

_OPTIONAL = frozenset(f.name for f in FIELDS if not f.required)
_Location = Literal["eyelid", "face", "tongue", "arm", "hand", "trunk", "thigh", "calf", "foot"]


def _doc(name: str) -> str:
    return field_spec(name).description


class Vignette(pydantic.BaseModel):
    """One person's twitching, validated against the vignette contract.

    Build it from keyword arguments, a dict, or JSON text with :func:`validate_vignette`.
    ``locations`` accepts a list or ';'-separated text.

    Examples
    --------
    >>> v = validate_vignette({'age': 34, 'duration_weeks': 2, 'frequency': 'daily',
    ...                        'severity': 'minor', 'locations': 'eyelid'})
    >>> v.locations
    ('eyelid',)
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    age: int = Field(ge=18, le=100, description=_doc("age"))
    sex: Literal["female", "male", "unspecified"] = Field("unspecified", description=_doc("sex"))
    duration_weeks: float = Field(ge=0, le=520, description=_doc("duration_weeks"))
    frequency: Literal["occasional", "daily", "constant"] = Field(description=_doc("frequency"))
    severity: Literal["minor", "moderate", "pronounced"] = Field(description=_doc("severity"))
    locations: tuple[_Location, ...] = Field(min_length=1, description=_doc("locations"))
    weakness: bool = Field(False, description=_doc("weakness"))
    worsening: bool = Field(False, description=_doc("worsening"))
    atrophy: bool = Field(False, description=_doc("atrophy"))
    numbness: bool = Field(False, description=_doc("numbness"))
    pain: bool = Field(False, description=_doc("pain"))
    cramps: bool = Field(False, description=_doc("cramps"))
    bulbar: bool = Field(False, description=_doc("bulbar"))
    breathing_difficulty: bool = Field(False, description=_doc("breathing_difficulty"))
    recent_exercise: bool = Field(False, description=_doc("recent_exercise"))
    caffeine_mg_per_day: float = Field(0.0, ge=0, le=2000, description=_doc("caffeine_mg_per_day"))
    stress_level: int = Field(0, ge=0, le=10, description=_doc("stress_level"))
    sleep_hours: float = Field(7.5, ge=0, le=16, description=_doc("sleep_hours"))
    dehydration: bool = Field(False, description=_doc("dehydration"))
    stimulant_medication: bool = Field(False, description=_doc("stimulant_medication"))
    diuretic_use: bool = Field(False, description=_doc("diuretic_use"))
    family_history_als: bool = Field(False, description=_doc("family_history_als"))
    sudden_onset: bool = Field(False, description=_doc("sudden_onset"))
    fluid_loss_illness: bool = Field(False, description=_doc("fluid_loss_illness"))
    stiffness: bool = Field(False, description=_doc("stiffness"))
    feels_weak: bool = Field(False, description=_doc("feels_weak"))

    @pydantic.model_validator(mode="before")
    @classmethod
    def _missing_optional_values_take_defaults(cls, data: Any) -> Any:
        # A missing value (None, NaN, pd.NA) in an optional field means "not given", exactly
        # as an empty CSV cell does in validate_frame.
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (k in _OPTIONAL and is_missing(v))}
        return data

    @pydantic.field_validator(*FIELD_NAMES, mode="before")
    @classmethod
    def _read(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        read, reason = read_value(field_spec(str(info.field_name)), value)
        if reason is not None:
            raise PydanticCustomError("contract", "{reason}", {"reason": reason})
        return read

    # -- conveniences ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The vignette as a plain dict (``locations`` as a list), ready for JSON."""
        data = self.model_dump()
        data["locations"] = list(data["locations"])
        return data

    def to_json(self, **kwargs: Any) -> str:
        """The vignette as a JSON object."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """A one-row frame with the same dtypes as :func:`validate_frame` produces."""
        return vignettes_to_frame([self])

    def replace(self, **changes: Any) -> Vignette:
        """A new, validated vignette with some fields changed."""
        return validate_vignette({**self.to_dict(), **changes})

    @property
    def locations_text(self) -> str:
        """``locations`` as ';'-separated text, in contract order."""
        return ";".join(self.locations)


def _field_error(error: Mapping[str, Any], raw: Mapping[str, Any]) -> FieldError:
    loc = error["loc"]
    name = str(loc[0]) if loc else "vignette"
    if error["type"] == "extra_forbidden":
        return unknown_field_error(name, error.get("input"), FIELD_NAMES)
    allowed = field_spec(name).allowed_text()
    if error["type"] == "missing":
        return FieldError(name, None, "missing required field", allowed)
    reason = error.get("ctx", {}).get("reason") if error["type"] == "contract" else error.get("msg", "invalid value")
    return FieldError(name, raw.get(name), str(reason), allowed)


def validate_vignette(data: Any = None, /, **fields: Any) -> Vignette:
    """Validate one vignette and return it as a :class:`Vignette`.

    Parameters
    ----------
    data : dict, Vignette, JSON text, or a pandas Series, optional
        The vignette. Keyword arguments are merged on top. JSON text is read strictly by
        :func:`scoring.contract.json_input.parse_vignette_json`. Metadata keys
        (``vignette_id``, ``latent_cause``, ``triage``, ``narrative``) are ignored.

    Raises
    ------
    VignetteError
        Listing every problem: unknown or missing fields, wrong types, NaN, values out of
        range, unknown categories, empty ``locations``, age under 18.
    """
    if isinstance(data, Vignette):
        if not fields:
            return data
        data = data.to_dict()
    elif isinstance(data, str):
        data = parse_vignette_json(data)
    elif isinstance(data, pd.Series):
        data = data.to_dict()
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise VignetteError([FieldError("vignette", data, "wrong type", "a dict, a JSON object or keyword arguments")])
    raw = {**{k: v for k, v in data.items() if k not in METADATA_COLUMNS}, **fields}
    try:
        return Vignette(**{str(k): v for k, v in raw.items()})
    except pydantic.ValidationError as exc:
        raise VignetteError([_field_error(e, raw) for e in exc.errors()]) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one vignette (from the pydantic model)."""
    return Vignette.model_json_schema()


def vignettes_to_frame(vignettes: Iterable[Any]) -> pd.DataFrame:
    """Build a canonical frame (the dtypes :func:`validate_frame` returns) from vignettes.

    Each item may be a :class:`Vignette` or anything :func:`validate_vignette` accepts.
    """
    records = [validate_vignette(v).to_dict() for v in vignettes]
    columns: dict[str, Any] = {}
    for spec in FIELDS:
        values = [r[spec.name] for r in records]
        if spec.kind == "multi_category":
            columns[spec.name] = pd.Categorical([";".join(v) for v in values])
        elif spec.kind == "category":
            columns[spec.name] = pd.Categorical(values, dtype=pd.CategoricalDtype(list(spec.allowed)))
        else:
            columns[spec.name] = np.asarray(values, dtype=NUMPY_DTYPES[spec.kind])
    return pd.DataFrame(columns)


def frame_to_vignettes(frame: pd.DataFrame) -> list[Vignette]:
    """Validate each row of a frame into a :class:`Vignette` (raises on the first bad row)."""
    return [validate_vignette(row) for row in frame[list(FIELD_NAMES)].to_dict("records")]
