"""The vignette contract: fields as data, one-record validation and vectorised frame validation.

This module is the public face of the contract; the parts live in their own modules:

- :mod:`scoring.contract.fields`: the fields, read from ``definitions/fields.toml`` and
  checked by a schema (:class:`FieldSpec`, :data:`FIELDS`, :func:`format_field_value`);
- :mod:`scoring.contract.readers`: how one value is read (the one rule both validators use);
- :mod:`scoring.contract.vignette`: the :class:`Vignette` model and :func:`validate_vignette`;
- :mod:`scoring.contract.frame`: :func:`validate_frame`, column by column;
- :mod:`scoring.contract.json_input`: strict JSON (:func:`parse_vignette_json`);
- :mod:`scoring.contract.errors`: :class:`FieldError` and :class:`VignetteError`.
"""

from __future__ import annotations

from scoring.contract.errors import FieldError, VignetteError
from scoring.contract.fields import (
    FIELD_NAMES,
    FIELDS,
    LOCATIONS,
    METADATA_COLUMNS,
    FieldsFileError,
    FieldSpec,
    field_spec,
    format_field_value,
)
from scoring.contract.frame import FrameValidation, validate_frame
from scoring.contract.json_input import parse_vignette_json
from scoring.contract.vignette import Vignette, frame_to_vignettes, json_schema, validate_vignette, vignettes_to_frame

__all__ = [
    "FieldSpec",
    "FieldError",
    "FieldsFileError",
    "VignetteError",
    "Vignette",
    "FrameValidation",
    "FIELDS",
    "FIELD_NAMES",
    "METADATA_COLUMNS",
    "LOCATIONS",
    "field_spec",
    "format_field_value",
    "parse_vignette_json",
    "validate_vignette",
    "validate_frame",
    "vignettes_to_frame",
    "frame_to_vignettes",
    "json_schema",
]
