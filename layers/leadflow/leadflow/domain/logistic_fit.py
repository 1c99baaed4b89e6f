"""Fitting an L2-regularised logistic regression in pure Python, for the scheduled trainer that runs in Lambda with
the small layer (no numpy).

Full-batch L-BFGS on the mean log-loss: deterministic (no sampling, so no seed), converges to the one optimum of a
convex problem, and needs far fewer passes over the data than gradient descent. A pass is cheap because records are
sparse (one feature per categorical column, two per numeric one) and the inner sums run in C through map()."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from operator import mul
from typing import Final, NamedTuple

__all__ = ["LogisticFit", "fit_logistic"]

#: L-BFGS keeps this many recent steps to approximate the curvature.
MEMORY: Final = 10
#: Training stops when PATIENCE steps lowered the mean log-loss by less than STALL in all.
PATIENCE: Final = 10
STALL: Final = 1e-5
#: Armijo's sufficient-decrease constant for the backtracking line search.
ARMIJO: Final = 1e-4
#: A step pair whose curvature is this small or less would make the approximation blow up, so it is not kept.
MIN_CURVATURE: Final = 1e-12
#: The line search gives up when its step has shrunk to this: no step lowers the loss.
MIN_STEP: Final = 1e-12


class LogisticFit(NamedTuple):
    intercept: float
    weights: list[float]
    iterations: int
    loss: float


class _Problem:
    """The data laid out twice: by row to compute each row's log-odds, by feature to sum each feature's gradient.
    Indicator features (value 1, most of them) are kept apart from valued ones, so their sums need no product."""

    def __init__(self, rows: Sequence[Sequence[tuple[int, float]]], labels: Sequence[int], width: int, l2: float):
        self.l2 = l2
        self.labels = [float(label) for label in labels]
        self.row_ones: list[list[int]] = []
        self.row_valued: list[tuple[list[int], list[float]]] = []
        self.feature_ones: list[list[int]] = [[] for _ in range(width)]
        self.feature_valued: list[tuple[list[int], list[float]]] = [([], []) for _ in range(width)]
        for number, row in enumerate(rows):
            ones: list[int] = []
            valued: tuple[list[int], list[float]] = ([], [])
            for index, value in row:
                if value == 1.0:
                    ones.append(index)
                    self.feature_ones[index].append(number)
                else:
                    valued[0].append(index)
                    valued[1].append(value)
                    self.feature_valued[index][0].append(number)
                    self.feature_valued[index][1].append(value)
            self.row_ones.append(ones)
            self.row_valued.append(valued)

    def evaluate(self, theta: list[float]) -> tuple[float, list[float]]:
        """Mean log-loss plus l2/2 * |w|^2 (the intercept is not penalised), and its gradient, at theta = [b, *w]."""
        intercept, weights = theta[0], theta[1:]
        weight = weights.__getitem__
        loss = 0.0
        residuals: list[float] = []
        for ones, (indices, values), label in zip(self.row_ones, self.row_valued, self.labels, strict=True):
            z = intercept + sum(map(weight, ones)) + sum(map(mul, values, map(weight, indices)))
            if z >= 0:
                tail = math.exp(-z)
                loss += math.log1p(tail) + z - label * z
                residuals.append(1.0 / (1.0 + tail) - label)
            else:
                tail = math.exp(z)
                loss += math.log1p(tail) - label * z
                residuals.append(tail / (1.0 + tail) - label)
        count = len(residuals)
        residual = residuals.__getitem__
        gradient = [sum(residuals) / count]
        for ones, (rows, values), w in zip(self.feature_ones, self.feature_valued, weights, strict=True):
            total = sum(map(residual, ones)) + sum(map(mul, values, map(residual, rows)))
            gradient.append(total / count + self.l2 * w)
        penalty = 0.5 * self.l2 * sum(w * w for w in weights)
        return loss / count + penalty, gradient


def fit_logistic(
    rows: Sequence[Sequence[tuple[int, float]]],
    labels: Sequence[int],
    width: int,
    l2: float,
    *,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> LogisticFit:
    """The intercept and `width` weights minimising the regularised mean log-loss of (rows, labels); rows are sparse
    (feature index, value) pairs. Stops when no gradient component exceeds `tolerance`, or when the last PATIENCE
    steps together lowered the loss by less than STALL: near the optimum, L-BFGS spends many steps on directions
    (the sum of a column's indicators, say) that barely change the loss and no ranking."""
    problem = _Problem(rows, labels, width, l2)
    theta = [0.0] * (width + 1)
    loss, gradient = problem.evaluate(theta)
    history: deque[tuple[list[float], list[float], float]] = deque(maxlen=MEMORY)
    recent: deque[float] = deque([loss], maxlen=PATIENCE + 1)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        direction = _direction(gradient, history)
        slope = _dot(gradient, direction)
        if slope >= 0:  # not a descent direction: the curvature estimate is off, start it again
            history.clear()
            direction = [-g for g in gradient]
            slope = -_dot(gradient, gradient)
        step = 1.0 if history else min(1.0, 1.0 / math.sqrt(-slope))
        found = _line_search(problem, theta, loss, direction, slope=slope, step=step)
        if found is None:
            break
        new_theta, new_loss, new_gradient = found
        s = [a - b for a, b in zip(new_theta, theta, strict=True)]
        y = [a - b for a, b in zip(new_gradient, gradient, strict=True)]
        sy = _dot(s, y)
        if sy > MIN_CURVATURE:
            history.append((s, y, 1.0 / sy))
        theta, loss, gradient = new_theta, new_loss, new_gradient
        recent.append(loss)
        stalled = len(recent) > PATIENCE and recent[0] - loss < STALL
        if stalled or max(abs(g) for g in gradient) < tolerance:
            break
    return LogisticFit(intercept=theta[0], weights=theta[1:], iterations=iterations, loss=loss)


def _direction(gradient: list[float], history: deque[tuple[list[float], list[float], float]]) -> list[float]:
    """-H g by the L-BFGS two-loop recursion."""
    q = list(gradient)
    alphas: list[float] = []
    for s, y, rho in reversed(history):
        alpha = rho * _dot(s, q)
        alphas.append(alpha)
        q = [qi - alpha * yi for qi, yi in zip(q, y, strict=True)]
    if history:
        s, y, _ = history[-1]
        gamma = _dot(s, y) / _dot(y, y)
        q = [gamma * qi for qi in q]
    for (s, y, rho), alpha in zip(history, reversed(alphas), strict=True):
        beta = rho * _dot(y, q)
        q = [qi + (alpha - beta) * si for qi, si in zip(q, s, strict=True)]
    return [-qi for qi in q]


def _line_search(
    problem: _Problem, theta: list[float], loss: float, direction: list[float], *, slope: float, step: float
) -> tuple[list[float], float, list[float]] | None:
    """Backtrack from `step` until the loss falls enough (Armijo); None when no step does."""
    while step > MIN_STEP:
        candidate = [t + step * d for t, d in zip(theta, direction, strict=True)]
        new_loss, new_gradient = problem.evaluate(candidate)
        if new_loss <= loss + ARMIJO * step * slope:
            return candidate, new_loss, new_gradient
        step *= 0.5
    return None


def _dot(a: list[float], b: list[float]) -> float:
    total: float = sum(map(mul, a, b))
    return total
