"""The two searches of the FasterRisk method, on yes/no features.

1. :func:`sparse_beam_search` finds a few good sets of ``k`` features with real-valued,
   bounded logistic coefficients: it grows supports one feature at a time, keeping the
   ``beam_size`` best supports at each size.
2. :func:`star_ray_round` turns one such solution into whole points: it scales the
   coefficients by a range of multipliers (rays from the origin through the solution),
   rounds each scaled solution one coordinate at a time, always taking the rounding that
   costs the least logistic loss, and keeps the multiplier whose integer solution, divided
   back by it, fits best.

Reference: J. Liu, C. Zhong, B. Li, M. Seltzer, C. Rudin. FasterRisk: Fast and Accurate
Interpretable Risk Scores. NeurIPS 2022.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.engine.risk._logistic import Patterns, fit_bounded, logistic_loss

__all__ = ["Solution", "sparse_beam_path", "sparse_beam_search", "star_ray_round"]


@dataclass(frozen=True)
class Solution:
    """A support (feature indices, ascending) with an intercept-then-coefficients vector and its loss."""

    support: tuple[int, ...]
    beta: np.ndarray
    loss: float


def _screen(x: np.ndarray, y: np.ndarray, solution: Solution, bounds: tuple[float, float], width: int) -> np.ndarray:
    """Features not in the support, best first, by the loss a single Newton step on each would save."""
    margins = x[:, list(solution.support)] @ solution.beta[1:] + solution.beta[0]
    probability = 1.0 / (1.0 + np.exp(-margins))
    # Gradient and curvature of every feature in one pass over x.
    gradient, curvature = np.stack([probability - y, probability * (1.0 - probability)]) @ x / len(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.clip(np.where(curvature > 0, -gradient / curvature, 0.0), bounds[0], bounds[1])
    saving = -(gradient * step + 0.5 * curvature * step * step)
    saving[list(solution.support)] = -np.inf
    order = np.argsort(-saving, kind="stable")  # ties: the earlier feature first
    return order[: min(width, x.shape[1] - len(solution.support))]


def _fit_support(
    bits: np.ndarray, y: np.ndarray, support: tuple[int, ...], start: np.ndarray, bounds: tuple[float, float]
) -> Solution:
    patterns = Patterns.from_columns(bits[:, list(support)], y)
    beta, loss = fit_bounded(patterns, start, bounds)
    return Solution(support, beta, loss)


def sparse_beam_path(
    x: np.ndarray, y: np.ndarray, k: int, bounds: tuple[float, float], beam_size: int
) -> list[list[Solution]]:
    """The beam at every size from 1 to ``k`` features, each best (lowest loss) first.

    Parameters
    ----------
    x : ndarray of float64, shape (rows, features)
        0/1 features.
    y : ndarray of float64, shape (rows,)
        0/1 outcome.
    k : int
        Features per support at the last size.
    bounds : (float, float)
        Bounds on every coefficient.
    beam_size : int
        Supports kept at each size, and new features tried per support.

    Returns
    -------
    list of list of Solution
        Entry ``j`` holds up to ``beam_size`` supports of ``j + 1`` features; equal losses are
        ordered by support. The beam at a size does not depend on ``k``, so one search gives
        the candidates of every smaller size too.
    """
    prevalence = float(y.mean())
    start = np.array([np.log(prevalence / (1.0 - prevalence))])
    bits = np.asfortranarray(x != 0)  # column by column: cheap to gather a support's columns
    beam = [_fit_support(bits, y, (), start, bounds)]
    path: list[list[Solution]] = []
    for _ in range(k):
        grown: dict[tuple[int, ...], Solution] = {}
        for solution in beam:
            for j in _screen(x, y, solution, bounds, beam_size):
                support = tuple(sorted((*solution.support, int(j))))
                if support in grown:
                    continue
                # Start from the parent's fit, the new feature at 0.
                coefficients = dict(zip(solution.support, solution.beta[1:]))
                guess = np.array([solution.beta[0], *(coefficients.get(i, 0.0) for i in support)])
                grown[support] = _fit_support(bits, y, support, guess, bounds)
        beam = sorted(grown.values(), key=lambda s: (s.loss, s.support))[:beam_size]
        path.append(beam)
    return path


def sparse_beam_search(
    x: np.ndarray, y: np.ndarray, k: int, bounds: tuple[float, float], beam_size: int
) -> list[Solution]:
    """Supports of ``k`` features with bounded logistic coefficients, best (lowest loss) first.

    The last beam of :func:`sparse_beam_path` (same parameters): up to ``beam_size``
    supports of size ``k``; equal losses are ordered by support.
    """
    return sparse_beam_path(x, y, k, bounds, beam_size)[-1]


def _round_sequentially(beta: np.ndarray, patterns: Patterns, multiplier: float) -> np.ndarray:
    """Round ``beta`` (already scaled by ``multiplier``) to integers, one coordinate at a time.

    At each step every coordinate still to round is tried at its floor and its ceiling,
    with the others as they stand; the one change with the least loss of
    ``beta / multiplier`` is made (ties: the intercept, then the earlier feature, floor first).
    """
    beta = beta.copy()
    todo = [j for j in range(len(beta)) if np.floor(beta[j]) != np.ceil(beta[j])]
    while todo:
        margins = patterns.design @ beta
        targets = np.array([[np.floor(beta[j]), np.ceil(beta[j])] for j in todo]).reshape(-1)
        columns = np.repeat(np.array(todo), 2)
        trial = margins[:, None] + patterns.design[:, columns] * (targets - beta[columns])
        losses = logistic_loss(trial / multiplier, patterns.positives, patterns.negatives, patterns.n_rows)
        best = int(np.argmin(losses))
        beta[columns[best]] = targets[best]
        todo.remove(int(columns[best]))
    return np.round(beta)


def _multipliers(coefficients: np.ndarray, bounds: tuple[float, float], rays: int) -> np.ndarray:
    """Scales to try: from 1 up to the largest that keeps every coefficient inside the bounds."""
    limits = [bounds[1] / c for c in coefficients if c > 1e-8] + [bounds[0] / c for c in coefficients if c < -1e-8]
    largest = min(limits) if limits else 1.0
    return np.linspace(1.0, largest, rays) if largest > 1.0 else np.linspace(1.0, 0.5, rays)


def _best_scale(beta: np.ndarray, patterns: Patterns) -> float:
    """The multiplier that fits integer ``beta`` best: a 1-D convex problem in its inverse."""
    margins = patterns.design @ beta

    def loss(inverse: float) -> float:
        return float(logistic_loss(margins * inverse, patterns.positives, patterns.negatives, patterns.n_rows))

    from scipy.optimize import minimize_scalar  # only fitting needs SciPy (slow to import)

    result = minimize_scalar(loss, bounds=(1e-4, 1e2), method="bounded", options={"xatol": 1e-10})
    return float(1.0 / result.x)


def star_ray_round(
    x: np.ndarray, y: np.ndarray, solution: Solution, bounds: tuple[int, int], rays: int = 20
) -> tuple[np.ndarray, float, float]:
    """Whole points for one continuous solution.

    Parameters
    ----------
    x, y : ndarray
        As for :func:`sparse_beam_search`.
    solution : Solution
        A continuous solution from :func:`sparse_beam_search`.
    bounds : (int, int)
        Lowest and highest points a feature may get.
    rays : int
        Multipliers tried between 1 and the largest allowed by ``bounds``.

    Returns
    -------
    (ndarray, float, float)
        Integer intercept-then-points (on ``solution.support``), the multiplier that fits
        them best, and the mean logistic loss of ``(intercept + points @ x) / multiplier``.
    """
    patterns = Patterns.from_columns(x[:, solution.support], y)
    best: tuple[float, np.ndarray, float] | None = None
    for multiplier in _multipliers(solution.beta[1:], bounds, rays):
        integer = _round_sequentially(solution.beta * multiplier, patterns, float(multiplier))
        integer[1:] = np.clip(integer[1:], bounds[0], bounds[1])
        loss = float(
            logistic_loss(patterns.design @ integer / multiplier, patterns.positives, patterns.negatives, len(y))
        )
        if best is None or loss < best[0]:
            best = (loss, integer, float(multiplier))
    if best is None:
        raise ValueError(f"rays must be at least 1, got {rays}")
    _, integer, _ = best
    scale = _best_scale(integer, patterns)
    loss = float(logistic_loss(patterns.design @ integer / scale, patterns.positives, patterns.negatives, len(y)))
    return integer, scale, loss
