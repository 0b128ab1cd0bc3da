"""The three recommendations, ordered from least to most cautious."""

from __future__ import annotations

from enum import Enum

import numpy as np


class Recommendation(str, Enum):
    """A triage recommendation. Comparisons follow caution: ``SELF_CARE < SEE_DOCTOR < URGENT``.

    Examples
    --------
    >>> Recommendation("urgent") > Recommendation.SEE_DOCTOR
    True
    >>> max(Recommendation.SELF_CARE, Recommendation.SEE_DOCTOR).value
    'see_doctor'
    """

    SELF_CARE = "self_care"
    SEE_DOCTOR = "see_doctor"
    URGENT = "urgent"

    @property
    def level(self) -> int:
        """0 for self-care, 1 for see a doctor, 2 for urgent."""
        return LEVELS.index(self.value)

    @property
    def label(self) -> str:
        """A short human label, e.g. 'See a doctor'."""
        return LABELS[self.value]

    @classmethod
    def from_level(cls, level: int) -> Recommendation:
        return cls(LEVELS[level])

    def _cmp(self, other: object) -> int:
        if not isinstance(other, Recommendation):
            other = Recommendation(other)
        return self.level - other.level

    def __lt__(self, other: object) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: object) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: object) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: object) -> bool:
        return self._cmp(other) >= 0

    def __str__(self) -> str:
        return self.value


#: Recommendation values in order of caution; a value's index is its level.
LEVELS: tuple[str, ...] = ("self_care", "see_doctor", "urgent")

LABELS = {
    "self_care": "Self-care",
    "see_doctor": "See a doctor",
    "urgent": "Urgent assessment",
}


def levels_to_values(levels: np.ndarray) -> np.ndarray:
    """Map an integer array of levels (0, 1, 2) to recommendation strings."""
    return np.asarray(LEVELS, dtype=object)[np.asarray(levels, dtype=np.int64)]


def level_codes(values) -> np.ndarray:
    """Levels (0, 1, 2) of recommendation values, ``Recommendation`` members or levels.

    Vectorised: no Python loop over the values. Anything that is not a recommendation
    gets -1, so callers can report it in their own words.
    """
    import pandas as pd

    array = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if array.dtype.kind in "iuf":
        levels = np.full(array.shape, -1, dtype=np.int64)
        ok = np.isin(array, np.arange(len(LEVELS)))
        levels[ok] = array[ok].astype(np.int64)
        return levels
    # str() of a Recommendation member is its value.
    text = pd.Series(array.reshape(-1), dtype=object).astype(str).to_numpy()
    codes = pd.Index(LEVELS).get_indexer(text).astype(np.int64)
    return codes.reshape(array.shape)


def values_to_levels(values) -> np.ndarray:
    """Map recommendation values (or levels) to an int8 array of levels (0, 1, 2).

    Raises ValueError naming the first value that is not a recommendation.
    """
    codes = level_codes(values)
    if (codes < 0).any():
        bad = np.asarray(values, dtype=object).reshape(-1)[np.flatnonzero(codes.reshape(-1) < 0)[0]]
        raise ValueError(f"unknown recommendation {bad!r}; allowed: {', '.join(LEVELS)}")
    return codes.astype(np.int8)


def more_cautious(*levels):
    """The most cautious of several levels: the one rule for combining recommendations.

    Works element-wise on ints or integer arrays (levels as in :data:`LEVELS`) and on
    :class:`Recommendation` values. Every place that combines two answers calls this, so
    "never less cautious than any of them" has one definition.

    Examples
    --------
    >>> more_cautious(0, 2, 1)
    2
    >>> more_cautious(Recommendation.SELF_CARE, Recommendation.SEE_DOCTOR).value
    'see_doctor'
    """
    if not levels:
        raise ValueError("more_cautious needs at least one level")
    if all(isinstance(level, Recommendation) for level in levels):
        return max(levels)
    result = levels[0]
    for level in levels[1:]:
        result = np.maximum(result, level)
    if isinstance(result, np.generic):
        return result.item()
    return result


#: How soon a red flag needs care, from least to most urgent; a value's index is its urgency.
#: ``within_2_weeks`` is an urgent referral, ``same_day`` an assessment today, ``emergency``
#: a call to emergency services now. Every ``urgent`` rule carries one; the recommendation
#: values stay the three above.
TIMEFRAMES: tuple[str, ...] = ("within_2_weeks", "same_day", "emergency")

TIMEFRAME_LABELS = {
    "within_2_weeks": "Urgent referral: see a doctor within 2 weeks",
    "same_day": "Same day: be seen by a doctor today",
    "emergency": "Emergency: call emergency services now",
}


def most_urgent_timeframe(timeframes) -> str | None:
    """The most urgent of several time frames, or None when there are none.

    Raises ValueError naming a value that is not a time frame.

    Examples
    --------
    >>> most_urgent_timeframe(["within_2_weeks", "emergency"])
    'emergency'
    >>> most_urgent_timeframe([]) is None
    True
    """
    frames = list(timeframes)
    unknown = [frame for frame in frames if frame not in TIMEFRAMES]
    if unknown:
        raise ValueError(f"unknown time frame {unknown[0]!r}; allowed: {', '.join(TIMEFRAMES)}")
    return max(frames, key=TIMEFRAMES.index) if frames else None
