"""Shared pieces of the tree package: constants and input checks (no scikit-learn here)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.features import FEATURE_NAMES, Features
from scoring.contract.schema import FieldError, VignetteError, validate_frame

#: Features the tree may split on: every shared feature. Sex is not among them (the generator
#: uses it as a covariate only), so no tree fitted on these gives a different risk for the same
#: answers and another sex.
DEFAULT_FEATURES: tuple[str, ...] = FEATURE_NAMES

#: What the shipped tree predicts (the primary outcome of ``definitions/outcomes.toml``).
DEFAULT_OUTCOME = "serious_cause"

#: The deepest tree zaro accepts: deeper trees stop reading as a handful of rules.
MAX_DEPTH_LIMIT = 4

TREE_FILE = "tree.skops"
TREE_RECORD = "tree.json"


def is_vignette_frame(X: Any) -> bool:
    """Whether ``X`` is a frame of vignettes (contract fields) rather than a feature matrix."""
    return isinstance(X, pd.DataFrame) and "locations" in X.columns and "age" in X.columns


def vignette_features(X: Any) -> Features | None:
    """Features for vignettes (a contract frame or Features), None for anything else.

    A vignette frame is validated first unless it already has the canonical dtypes that
    :func:`scoring.contract.schema.validate_frame` gives (a categorical ``locations`` column).
    """
    if isinstance(X, Features):
        return X
    if is_vignette_frame(X):
        return Features(X if isinstance(X["locations"].dtype, pd.CategoricalDtype) else valid_frame(X))
    return None


def as_features(X: Any) -> Features | np.ndarray:
    """Features for vignettes, or the matrix itself for an already encoded 2-D array."""
    features = vignette_features(X)
    if features is not None:
        return features
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"X must be a vignette DataFrame, scoring.contract.features.Features, or a 2-D array of encoded "
            f"features; got an array with {array.ndim} dimension(s). Reshape your data to one row per vignette"
        )
    return array


def valid_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The validated vignettes of ``frame``; a :class:`VignetteError` naming the first bad rows."""
    checked = validate_frame(frame, extra="drop")
    if checked.n_rejected_rows:
        raise VignetteError(
            [
                FieldError(row.field, row.value, f"row {row.row}: {row.reason}", row.allowed)
                for row in checked.rejected.head(5).itertuples(index=False)
            ]
        )
    return checked.valid


def plain_param(value: Any) -> Any:
    """A parameter value as a plain Python value (NaN → None, numpy scalars → Python)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
