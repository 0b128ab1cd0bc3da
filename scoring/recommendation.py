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
    def from_level(cls, level: int) -> "Recommendation":
        return cls(LEVELS[level])

    def _cmp(self, other: object) -> int:
        if not isinstance(other, Recommendation):
            other = Recommendation(other)
        return self.level - other.level

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        return self._cmp(other) < 0

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        return self._cmp(other) <= 0

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        return self._cmp(other) > 0

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
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


def values_to_levels(values) -> np.ndarray:
    """Map an array-like of recommendation strings to integer levels (0, 1, 2).

    Raises ValueError naming the first value that is not a recommendation.
    """
    import pandas as pd

    codes = pd.Categorical(np.asarray(values, dtype=object), categories=list(LEVELS)).codes
    if (codes < 0).any():
        bad = np.asarray(values, dtype=object)[np.flatnonzero(codes < 0)[0]]
        raise ValueError(f"{bad!r} is not a recommendation; allowed: {', '.join(LEVELS)}")
    return codes.astype(np.int8)
