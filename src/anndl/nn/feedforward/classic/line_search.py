"""One-dimensional searches along a direction d: phi(a) = loss(theta + a*d).

- :func:`charalambous` (MATLAB's ``srchcha``, used by traincgf): bracket a minimum by tripling
  the step (thirding it after a non-finite loss), then shrink the bracket by safeguarded cubic
  interpolation until the sufficient-decrease and curvature conditions hold.
- :func:`backtracking` (``srchbac``, used by trainbfg): start at a = 1, backtrack with a
  quadratic then cubic model, each new step clamped to [0.1, 0.5] times the previous one,
  until sufficient decrease holds.

Both return the accepted step length (0.0 when no decrease was found) and the loss (and, for
charalambous, the gradient) at the accepted point.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

LossGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _cubic_minimiser(a0, f0, g0, a1, f1, g1, lo, hi):
    """Minimiser of the cubic through (a0, f0, g0) and (a1, f1, g1), clamped to [lo, hi];
    the bisection of [lo, hi] when the cubic has no minimiser."""
    d1 = g0 + g1 - 3.0 * (f0 - f1) / (a0 - a1)
    disc = d1 * d1 - g0 * g1
    if disc >= 0 and a1 != a0:
        d2 = math.copysign(math.sqrt(disc), a1 - a0)
        denom = g1 - g0 + 2.0 * d2
        if denom != 0:
            a = a1 - (a1 - a0) * (g1 + d2 - d1) / denom
            if math.isfinite(a):
                return min(max(a, lo), hi)
    return 0.5 * (lo + hi)


def charalambous(
    loss_grad: LossGrad,
    theta: np.ndarray,
    d: np.ndarray,
    f0: float,
    g0: float,
    a_init: float,
    alpha: float = 1e-3,
    beta: float = 0.1,
    gama: float = 0.1,
    max_evals: int = 26,
) -> tuple[float, float, np.ndarray | None]:
    """Step a along d with f(a) <= f0 + alpha*a*g0 and |f'(a)| <= beta*|g0| (g0 = f'(0) < 0).

    ``gama`` keeps interpolated steps at least that fraction of the bracket away from its
    ends. Returns (a, f(a), gradient at theta + a*d), or (0.0, f0, None) if nothing lowered
    the loss within ``max_evals`` evaluations; when the conditions are not met in time the
    lowest point found is returned.
    """

    def evaluate(a):
        f, grad = loss_grad(theta + a * d)
        return f, grad, float(grad @ d)

    best = (0.0, f0, None)
    lo = (0.0, f0, g0)  # lowest point satisfying sufficient decrease so far
    hi = None
    a = a_init
    for _ in range(max_evals):
        f, grad, g = evaluate(a)
        if not math.isfinite(f):
            hi, a = None, lo[0] + (a - lo[0]) / 3.0
            continue
        if f < best[1]:
            best = (a, f, grad)
        decrease = f <= f0 + alpha * a * g0 and f < f0 and f <= lo[1]
        if decrease and abs(g) <= beta * abs(g0):
            return a, f, grad
        if decrease:
            if hi is None and g < 0:  # still descending: extend the step
                lo, a = (a, f, g), 3.0 * a
                continue
            if g * (a - lo[0]) >= 0:  # slope turned: the minimum lies between lo and a
                hi = (lo[0], lo[1], lo[2])
            lo = (a, f, g)
        else:
            hi = (a, f, g)
        left, right = sorted((lo[0], hi[0]))
        width = right - left
        a = _cubic_minimiser(*lo, *hi, left + gama * width, right - gama * width)
    return best


def backtracking(
    loss: Callable[[np.ndarray], float],
    theta: np.ndarray,
    d: np.ndarray,
    f0: float,
    g0: float,
    alpha: float = 1e-3,
    low_lim: float = 0.1,
    up_lim: float = 0.5,
    min_step: float = 1e-6,
    max_step: float = 100.0,
) -> tuple[float, float]:
    """Step a (starting at 1) along d with f(a) <= f0 + alpha*a*g0; g0 = f'(0) < 0.

    ``d`` longer than ``max_step`` is shortened to that norm first (the returned a refers to
    the original d). Returns (a, f(a)), or (0.0, f0) once a*|d| falls below ``min_step``.
    """
    norm_d = float(np.linalg.norm(d))
    a = min(1.0, max_step / norm_d) if norm_d > 0 else 0.0
    prev = None
    while a * norm_d >= min_step:
        f = loss(theta + a * d)
        if f <= f0 + alpha * a * g0:
            return a, f
        if not math.isfinite(f):
            a_new = low_lim * a
        elif prev is None:  # quadratic model through f0, g0, f(a)
            a_new = -g0 * a * a / (2.0 * (f - f0 - g0 * a))
        else:  # cubic model through f0, g0 and the last two trials
            a_prev, f_prev = prev
            t1, t2 = f - f0 - a * g0, f_prev - f0 - a_prev * g0
            c3 = (t1 / a**2 - t2 / a_prev**2) / (a - a_prev)
            c2 = (-a_prev * t1 / a**2 + a * t2 / a_prev**2) / (a - a_prev)
            if c3 == 0:
                a_new = -g0 / (2.0 * c2)
            else:
                a_new = (-c2 + math.sqrt(max(c2 * c2 - 3.0 * c3 * g0, 0.0))) / (3.0 * c3)
        prev = (a, f) if math.isfinite(f) else None
        a = min(max(a_new, low_lim * a), up_lim * a) if math.isfinite(a_new) else low_lim * a
    return 0.0, f0
