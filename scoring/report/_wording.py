"""Numbers and leaf statistics as report pages word them (one place, so every page agrees)."""

from __future__ import annotations

import math
from typing import Any

#: Shown where a table has no number for a cell (instead of NaN).
MISSING = "—"

#: How a page names the tree's leaf probabilities: they are not plain shares.
WEIGHTED_PROBABILITY = "the tree's class-weighted probability"


def percent(value: Any, *, digits: int = 0) -> str:
    """A share as a percentage, or :data:`MISSING` when there is none.

    Examples
    --------
    >>> percent(0.985249), percent(0.985249, digits=1), percent(float("nan"))
    ('99%', '98.5%', '—')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{float(value):.{digits}%}"


def leaf_share_text(samples: int, count: int, label: str) -> str:
    """A leaf's training counts in words, saying that the number is a plain share.

    Examples
    --------
    >>> leaf_share_text(252, 232, "Self-care")
    '252 training vignettes, 92% of them labelled Self-care (share of training vignettes)'
    """
    share = percent(count / samples) if samples else MISSING
    return f"{samples} training vignettes, {share} of them labelled {label} (share of training vignettes)"
