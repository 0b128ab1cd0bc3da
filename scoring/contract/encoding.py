"""One documented encoding of vignettes into numeric features, shared by the card and the tree.

Every model in zaro sees vignettes through the features below. Each feature has a name
(used in card conditions, tree splits and plots), a plain-language label, and a kind that
says how to put a threshold on it into words. Features are computed column by column from
a validated frame (see :func:`scoring.contract.schema.validate_frame`), lazily, so scoring a million
rows only materialises the columns a model actually uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.fields import FIELDS, LOCATIONS, field_spec, number_text
from scoring.contract.vignette import validate_vignette

__all__ = [
    "FeatureSpec",
    "FEATURES",
    "FEATURE_NAMES",
    "COMPARISONS",
    "Features",
    "encode",
    "encode_vignette",
    "feature_spec",
    "describe_threshold",
    "in_sentence",
]

#: The comparison operators of the condition language, as NumPy functions.
COMPARISONS: dict[str, Callable[[Any, float], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_OP_WORDS = {"<": "under", "<=": "at most", ">": "over", ">=": "at least", "==": "exactly", "!=": "not"}


@dataclass(frozen=True)
class FeatureSpec:
    """One model feature: how it is named, labelled and put into words.

    kind is ``"bool"`` (0/1), ``"number"`` (a measurement with a unit), ``"count"`` or
    ``"ordinal"`` (levels named in ``levels``).

    worse says how the feature moves when the vignette gets more worrying (a warning field
    turns true, a location is added, the twitching lasts longer, is stronger or more
    frequent): ``+1`` up, ``-1`` down (``eyelid_only`` stops being true), ``0`` when the
    feature has no such order (age, caffeine, stress, sleep, reassuring pointers).
    """

    name: str
    label: str
    kind: str
    description: str
    unit: str | None = None
    levels: tuple[str, ...] = ()
    source_field: str | None = None
    worse: int = 0


#: Yes/no fields whose turning true makes a vignette more worrying (``worse=+1``); the other
#: yes/no fields (recent exercise, dehydration) are reassuring explanations, not warnings.
WARNING_FIELDS: tuple[str, ...] = tuple(
    "weakness worsening atrophy numbness pain cramps bulbar breathing_difficulty family_history_als "
    "stimulant_medication diuretic_use sudden_onset fluid_loss_illness stiffness feels_weak".split()
)

#: Numeric fields where more is more worrying.
_WORSE_WHEN_HIGHER = ("duration_weeks",)


def in_sentence(label: str) -> str:
    """'Real weakness' -> 'real weakness', but keep acronyms: 'ALS/MND' stays as it is."""
    return " ".join(word if word[1:2].isupper() else word.lower() for word in label.split(" "))


def _bool_fields() -> list[FeatureSpec]:
    return [
        FeatureSpec(
            f.name,
            in_sentence(f.label),
            "bool",
            f.description,
            source_field=f.name,
            worse=int(f.name in WARNING_FIELDS),
        )
        for f in FIELDS
        if f.kind == "bool"
    ]


def _number_fields() -> list[FeatureSpec]:
    # The unit a number feature is written with comes from the field's display template:
    # "{value} weeks" gives "weeks", "{value} out of 10" gives "out of 10".
    return [
        FeatureSpec(
            f.name,
            in_sentence(f.label),
            "number",
            f.description,
            unit=str(f.display).replace("{value}", "").strip() or None,
            source_field=f.name,
            worse=int(f.name in _WORSE_WHEN_HIGHER),
        )
        for f in FIELDS
        if f.is_numeric
    ]


def _build_features() -> tuple[FeatureSpec, ...]:
    frequency = field_spec("frequency")
    severity = field_spec("severity")
    specs = _number_fields()
    specs += [
        FeatureSpec(
            "frequency_level",
            "frequency",
            "ordinal",
            "How often: 0 occasional, 1 daily, 2 constant.",
            levels=frequency.allowed,
            source_field="frequency",
            worse=1,
        ),
        FeatureSpec(
            "severity_level",
            "severity",
            "ordinal",
            "How strong: 0 minor, 1 moderate, 2 pronounced.",
            levels=severity.allowed,
            source_field="severity",
            worse=1,
        ),
        FeatureSpec(
            "n_locations",
            "number of areas",
            "count",
            "How many of the body areas twitch.",
            unit="areas",
            source_field="locations",
            worse=1,
        ),
    ]
    specs += [
        FeatureSpec(
            f"loc_{name}", f"{name} twitching", "bool", f"Twitching in the {name}.", source_field="locations", worse=1
        )
        for name in LOCATIONS
    ]
    specs.append(
        FeatureSpec(
            "eyelid_only",
            "eyelid twitching only",
            "bool",
            "The eyelid is the only area that twitches (the most common benign pattern).",
            source_field="locations",
            worse=-1,
        )
    )
    specs += _bool_fields()
    specs.append(
        FeatureSpec(
            "progressive_weakness",
            "weakness that is getting worse",
            "bool",
            "Real weakness that is steadily getting worse (weakness and worsening).",
            source_field="weakness",
            worse=1,
        )
    )
    return tuple(specs)


#: Every feature, in a fixed order (the tree's column order).
FEATURES: tuple[FeatureSpec, ...] = _build_features()
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
_FEATURE_BY_NAME = {f.name: f for f in FEATURES}
_CATEGORY_FIELDS = {f.name: f.allowed for f in FIELDS if f.kind == "category"}


def feature_spec(name: str) -> FeatureSpec:
    """Return the :class:`FeatureSpec` called ``name`` (KeyError naming the choices if unknown)."""
    try:
        return _FEATURE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown feature {name!r}; features are: {', '.join(FEATURE_NAMES)}") from None


@lru_cache(maxsize=4096)
def _location_flags(text: str) -> tuple[bool, ...]:
    present = set(text.split(";")) if text else set()
    return tuple(name in present for name in LOCATIONS)


class Features:
    """Feature columns of a validated frame, computed on first use and cached.

    Examples
    --------
    >>> feats = Features(frame)          # doctest: +SKIP
    >>> feats["n_locations"][:3]         # doctest: +SKIP
    array([1, 2, 1], dtype=int8)
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._cache: dict[str, np.ndarray] = {}
        self._location_table: np.ndarray | None = None
        self._location_codes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frame)

    def _locations(self) -> tuple[np.ndarray, np.ndarray]:
        # Flags per distinct location text, then gathered by category code: the distinct
        # texts are few (at most 511), the rows many.
        if self._location_table is None:
            column = self.frame["locations"]
            if isinstance(column.dtype, pd.CategoricalDtype):
                categories, codes = column.cat.categories, column.cat.codes.to_numpy()
            else:
                codes, categories = pd.factorize(column)
            table = np.array([_location_flags(str(c)) for c in categories], dtype=bool).reshape(-1, len(LOCATIONS))
            self._location_table, self._location_codes = table, np.asarray(codes, dtype=np.intp)
        return self._location_table, self._location_codes  # type: ignore[return-value]

    def _compute(self, name: str) -> np.ndarray:
        # Each feature in the narrowest exact dtype: yes/no features as bool (the validated
        # frame's own column, not a copy), levels and counts as int8, whole-number fields as
        # they are. A million rows then cost a few MB of features, not 21 float64 columns;
        # comparisons against thresholds give the same answers in any of these dtypes.
        frame = self.frame
        spec = feature_spec(name)
        if spec.kind == "number":
            column = frame[name]
            if column.dtype == np.float64 or (isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu"):
                return column.to_numpy()
            return column.to_numpy(dtype=np.float64)
        if spec.kind == "ordinal":
            column = frame[spec.source_field]
            if isinstance(column.dtype, pd.CategoricalDtype) and tuple(column.cat.categories) == spec.levels:
                return column.cat.codes.to_numpy().astype(np.int8, copy=False)
            return pd.Categorical(column, categories=list(spec.levels)).codes.astype(np.int8, copy=False)
        if name == "n_locations":
            table, codes = self._locations()
            return table.sum(axis=1).astype(np.int8)[codes]
        if name.startswith("loc_"):
            table, codes = self._locations()
            return table[:, LOCATIONS.index(name[4:])][codes]
        if name == "eyelid_only":
            table, codes = self._locations()
            only = table[:, LOCATIONS.index("eyelid")] & (table.sum(axis=1) == 1)
            return only[codes]
        if name == "progressive_weakness":
            return frame["weakness"].to_numpy(dtype=bool) & frame["worsening"].to_numpy(dtype=bool)
        column = frame[name]
        # A frame that did not pass validation may hold 0/1 numbers: read as before, as floats.
        return column.to_numpy() if column.dtype == np.bool_ else column.to_numpy(dtype=np.float64)

    def __getitem__(self, name: str) -> np.ndarray:
        """The feature ``name`` as an array: bool for yes/no features, int8 for levels and
        counts, the field's own numbers (float64 or whole numbers) for number features.

        :meth:`matrix` gives them as one float array.
        """
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._compute(name)
        return cached

    def category_codes(self, field: str) -> np.ndarray:
        """Integer codes of a category field, in the order of its allowed values."""
        column = self.frame[field]
        allowed = _CATEGORY_FIELDS[field]
        if isinstance(column.dtype, pd.CategoricalDtype) and tuple(column.cat.categories) == allowed:
            return column.cat.codes.to_numpy()
        return pd.Categorical(column, categories=list(allowed)).codes

    def matrix(self, names: Iterable[str] = FEATURE_NAMES, dtype: Any = np.float32) -> np.ndarray:
        """A (rows, features) array of the named features, in the order given."""
        names = list(names)
        out = np.empty((len(self), len(names)), dtype=dtype)
        for j, name in enumerate(names):
            out[:, j] = self[name]
        return out


def encode(frame: pd.DataFrame, names: Iterable[str] = FEATURE_NAMES) -> pd.DataFrame:
    """Encode a validated frame as a DataFrame of features (one float64 column per feature)."""
    feats = Features(frame)
    return pd.DataFrame({name: feats[name].astype(np.float64) for name in names}, index=frame.index)


def encode_vignette(vignette: Any) -> dict[str, float]:
    """Encode one vignette without building a frame: the fast path for interactive use.

    Gives exactly the same values as :func:`encode` on a one-row frame (tested).
    """
    v = validate_vignette(vignette)
    data = v.model_dump()
    flags = _location_flags(";".join(data["locations"]))
    out: dict[str, float] = {}
    for spec in FEATURES:
        name = spec.name
        if spec.kind == "number":
            out[name] = float(data[name])
        elif spec.kind == "ordinal":
            out[name] = float(spec.levels.index(data[str(spec.source_field)]))
        elif name == "n_locations":
            out[name] = float(sum(flags))
        elif name.startswith("loc_"):
            out[name] = float(flags[LOCATIONS.index(name[4:])])
        elif name == "eyelid_only":
            out[name] = float(flags[LOCATIONS.index("eyelid")] and sum(flags) == 1)
        elif name == "progressive_weakness":
            out[name] = float(data["weakness"] and data["worsening"])
        else:
            out[name] = float(data[name])
    # Category codes (also for fields that are not features, such as sex) for conditions.
    for fld, allowed in _CATEGORY_FIELDS.items():
        out.setdefault(f"{fld}_level", float(allowed.index(data[fld])))
    return out


def describe_threshold(name: str, op: str, threshold: float) -> str:
    """Put ``feature op threshold`` into plain words using the feature's kind and unit.

    Examples
    --------
    >>> describe_threshold("duration_weeks", ">", 6)
    'duration over 6 weeks'
    >>> describe_threshold("weakness", "<=", 0.5)
    'no real weakness'
    """
    spec = feature_spec(name)
    if spec.kind == "bool":
        true_side = (
            (op in (">", ">=") and threshold < 1)
            or (op in ("==",) and threshold == 1)
            or (op == "!=" and threshold == 0)
        )
        return spec.label if true_side else f"no {spec.label}"
    if spec.kind == "ordinal":
        levels = np.arange(len(spec.levels))
        chosen = [spec.levels[i] for i in levels if COMPARISONS[op](np.float64(i), threshold)]
        if len(chosen) == 1:
            return f"{spec.label} {chosen[0]}"
        return f"{spec.label} {' or '.join(chosen)}" if chosen else f"{spec.label} (none)"
    value = number_text(threshold)
    if spec.kind == "count":
        words = {"<": "fewer than", "<=": "at most", ">": "more than", ">=": "", "==": "exactly", "!=": "not"}
        if op == ">=":
            return f"{value} or more {spec.unit}"
        return f"{words[op]} {value} {spec.unit}"
    # A number feature is written as its field writes a value: '2 weeks', '6/10'.
    shown = field_spec(str(spec.source_field)).format_value(threshold)
    if op == "<=":
        return f"{spec.label} {shown} or less"
    if op == ">=":
        return f"{spec.label} {shown} or more"
    return f"{spec.label} {_OP_WORDS[op]} {shown}"
