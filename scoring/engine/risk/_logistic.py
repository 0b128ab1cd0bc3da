"""Logistic loss on yes/no features, counted per distinct pattern, and its bounded fit.

With a handful of yes/no columns the rows collapse to at most ``2**s`` distinct patterns,
so the loss, its gradient and a fit cost microseconds whatever the number of rows: every
step of the sparse search and of the rounding works on these counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Patterns", "logistic_loss", "fit_bounded"]

#: A column subset larger than this is never collapsed into a table of 2**s patterns.
_MAX_PATTERN_BITS = 20


@dataclass(frozen=True)
class Patterns:
    """Distinct rows of some yes/no columns, with how many positive and negative rows each has.

    Attributes
    ----------
    design : ndarray of float64, shape (patterns, 1 + columns)
        A leading column of ones (the intercept), then the pattern's 0/1 values.
    positives, negatives : ndarray of float64, shape (patterns,)
        Rows with the outcome / without it that show the pattern.
    n_rows : int
        All rows counted (the loss is a mean over them).
    """

    design: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray
    n_rows: int

    @classmethod
    def from_columns(cls, columns: np.ndarray, y: np.ndarray) -> Patterns:
        """Collapse ``columns`` (rows, s) of yes/no values and the outcome ``y`` into patterns."""
        rows, width = columns.shape
        if width > _MAX_PATTERN_BITS:
            raise ValueError(f"cannot collapse {width} columns into patterns; at most {_MAX_PATTERN_BITS}")
        codes = np.zeros(rows, dtype=np.int64)
        for bit in range(width):  # a few columns, each one vectorised pass
            codes |= columns[:, bit].astype(np.int64) << bit
        total = np.bincount(codes, minlength=1 << width)
        positives = np.bincount(codes, weights=y.astype(np.float64), minlength=1 << width)
        present = np.flatnonzero(total)
        bits = (present[:, None] >> np.arange(width)) & 1
        design = np.hstack([np.ones((len(present), 1)), bits.astype(np.float64)])
        return cls(design, positives[present], (total - positives)[present], rows)


def logistic_loss(margins: np.ndarray, positives: np.ndarray, negatives: np.ndarray, n_rows: int) -> np.ndarray:
    """Mean logistic loss for margins (patterns,) or (patterns, candidates).

    A pattern with margin ``z`` costs ``log(1 + e**-z)`` per positive row and
    ``log(1 + e**z)`` per negative row; the result is the sum divided by ``n_rows`` (one
    value per column when ``margins`` is 2-D).
    """
    if margins.ndim == 2:
        positives, negatives = positives[:, None], negatives[:, None]
    cost = positives * np.logaddexp(0.0, -margins) + negatives * np.logaddexp(0.0, margins)
    return cost.sum(axis=0) / n_rows


def _loss_and_gradient(beta: np.ndarray, patterns: Patterns, ridge: float) -> tuple[float, np.ndarray]:
    margins = patterns.design @ beta
    loss = float(logistic_loss(margins, patterns.positives, patterns.negatives, patterns.n_rows))
    probability = 1.0 / (1.0 + np.exp(-margins))
    # d loss / d margin, per pattern: (all rows) * p - positives.
    residual = (patterns.positives + patterns.negatives) * probability - patterns.positives
    gradient = patterns.design.T @ residual / patterns.n_rows
    coefficients = beta[1:]
    loss += ridge * float(coefficients @ coefficients)
    gradient[1:] += 2.0 * ridge * coefficients
    return loss, gradient


def fit_bounded(
    patterns: Patterns,
    start: np.ndarray,
    bounds: tuple[float, float],
    *,
    ridge: float = 1e-8,
) -> tuple[np.ndarray, float]:
    """Logistic regression on patterns with every coefficient (not the intercept) kept in ``bounds``.

    Parameters
    ----------
    patterns : Patterns
    start : ndarray, shape (1 + columns,)
        Starting intercept and coefficients.
    bounds : (float, float)
        Lowest and highest value a coefficient may take.
    ridge : float
        A tiny L2 penalty on the coefficients, so a pattern that never shows the outcome
        does not push its coefficient off to the bound for nothing.

    Returns
    -------
    (ndarray, float)
        The fitted intercept-then-coefficients and the mean logistic loss (without the penalty).
    """
    from scipy.optimize import minimize  # only fitting needs SciPy (slow to import)

    width = patterns.design.shape[1]
    box = [(None, None)] + [bounds] * (width - 1)
    result = minimize(
        _loss_and_gradient,
        np.clip(start, [-np.inf] + [bounds[0]] * (width - 1), [np.inf] + [bounds[1]] * (width - 1)),
        args=(patterns, ridge),
        jac=True,
        method="L-BFGS-B",
        bounds=box,
        options={"maxiter": 200, "ftol": 1e-12, "gtol": 1e-9},
    )
    beta = np.asarray(result.x, dtype=np.float64)
    loss = float(logistic_loss(patterns.design @ beta, patterns.positives, patterns.negatives, patterns.n_rows))
    return beta, loss
