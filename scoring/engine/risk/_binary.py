"""Yes/no features for an integer risk score, each one a card condition.

An integer score adds whole points for conditions that hold, so it needs yes/no features.
The yes/no features of the shared encoding (:data:`scoring.contract.features.FEATURES`) are
used as they are; every measurement, level or count is cut at a few fixed, clinically
readable values (:data:`CUT_POINTS`). Each binary feature carries its condition in zaro's
condition language, and its column is computed by evaluating that very condition, so a
learned item written to a card file scores exactly the rows it was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.contract.features import FEATURES, Features, parse_condition

__all__ = ["CUT_POINTS", "BinaryFeature", "BINARY_FEATURES", "binary_feature", "binarize"]

#: Cut points per non-yes/no feature: (operator, value) pairs, in the order the features
#: appear. Readable values a clinician would use, not data-driven quantiles, so the same
#: card items come out whatever sample is drawn. ``sex == male`` is added after these.
CUT_POINTS: dict[str, tuple[tuple[str, float], ...]] = {
    "age": ((">=", 40), (">=", 50), (">=", 60), (">=", 70)),
    "duration_weeks": ((">", 2), (">", 4), (">", 8), (">", 12), (">", 26), (">", 52)),
    "caffeine_mg_per_day": ((">", 200), (">", 400)),
    "stress_level": ((">=", 4), (">=", 7)),
    "sleep_hours": (("<", 6),),
    "frequency_level": ((">=", 1), (">=", 2)),
    "severity_level": ((">=", 1), (">=", 2)),
    "n_locations": ((">=", 2), (">=", 3), (">=", 4)),
}

_OP_NAMES = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}


@dataclass(frozen=True)
class BinaryFeature:
    """One yes/no feature of an integer score.

    Attributes
    ----------
    name : str
        Identifier, usable as a card item id (e.g. ``"duration_weeks_gt_2"``).
    condition : str
        When it is true, in the condition language (e.g. ``"duration_weeks > 2"``).
    label : str
        Plain words for a card item (e.g. ``"Duration over 2 weeks"``).
    """

    name: str
    condition: str
    label: str


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _build() -> tuple[BinaryFeature, ...]:
    out: list[BinaryFeature] = []
    for spec in FEATURES:
        if spec.kind == "bool":
            out.append(BinaryFeature(spec.name, spec.name, _sentence(spec.label)))
            continue
        if spec.name not in CUT_POINTS:
            raise KeyError(
                f"feature {spec.name!r} ({spec.kind}) has no cut points; add an entry for it to CUT_POINTS "
                'in scoring/engine/risk/_binary.py, e.g. ((">=", 2),)'
            )
        for op, value in CUT_POINTS[spec.name]:
            number = f"{value:g}"
            condition = f"{spec.name} {op} {number}"
            name = f"{spec.name}_{_OP_NAMES[op]}_{number.replace('.', '_')}"
            words = parse_condition(condition).describe()
            # A count reads '2 or more areas'; say what is counted.
            label = f"Twitching in {words}" if spec.kind == "count" else _sentence(words)
            out.append(BinaryFeature(name, condition, label))
    condition = "sex == male"
    out.append(BinaryFeature("sex_male", condition, _sentence(parse_condition(condition).describe())))
    return tuple(out)


#: Every binary feature, in a fixed order (the columns of :func:`binarize`).
BINARY_FEATURES: tuple[BinaryFeature, ...] = _build()
_BY_NAME = {feature.name: feature for feature in BINARY_FEATURES}


def binary_feature(name: str) -> BinaryFeature:
    """The :class:`BinaryFeature` called ``name``.

    Raises
    ------
    KeyError
        Naming the unknown feature and listing the known ones.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise KeyError(f"unknown binary feature {name!r}; binary features are: {known}") from None


def binarize(data: pd.DataFrame | Features) -> np.ndarray:
    """The binary features of validated vignettes as a (rows, features) bool array.

    Parameters
    ----------
    data : DataFrame or Features
        A validated frame (e.g. from :func:`scoring.engine.synth.generate_vignettes`) or its
        :class:`~scoring.contract.features.Features`.

    Returns
    -------
    ndarray of bool
        Columns in :data:`BINARY_FEATURES` order; column ``j`` is
        ``parse_condition(BINARY_FEATURES[j].condition).evaluate(features)``.
    """
    features = data if isinstance(data, Features) else Features(data)
    out = np.empty((len(features), len(BINARY_FEATURES)), dtype=bool)
    for j, feature in enumerate(BINARY_FEATURES):
        out[:, j] = np.asarray(parse_condition(feature.condition).evaluate(features), dtype=bool)
    return out
