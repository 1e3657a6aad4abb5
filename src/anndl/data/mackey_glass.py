"""The Mackey-Glass series of the 2026 course's time-series notebook, generated (nothing ships).

The discrete map ``x[t+1] = x[t] + beta * x[t-tau] / (1 + x[t-tau]**n) - gamma * x[t]`` (one
Euler step of the delay differential equation per time unit) starts from a constant history
``x[t] = x0`` for t <= 0, runs ``warmup`` steps that are dropped, then ``length`` steps that are
kept. Course values: beta 0.2, gamma 0.1, n 10, tau 30, 500 warm-up steps, 1500 points (train 1200,
test 200). With tau 30 the series is chaotic; its values stay within about (0.2, 1.4).
"""

from __future__ import annotations

import numpy as np


def mackey_glass(length: int = 1500, *, beta: float = 0.2, gamma: float = 0.1, n: float = 10.0, tau: int = 30,
                 warmup: int = 500, x0: float = 1.2) -> np.ndarray:
    """``length`` values (float64, (length,)) of the discrete Mackey-Glass map after ``warmup`` steps."""
    if tau < 1 or length < 1 or warmup < 0:
        raise ValueError(f"need tau >= 1, length >= 1, warmup >= 0; got {tau}, {length}, {warmup}")
    total = warmup + length
    x = np.empty(tau + 1 + total)
    x[: tau + 1] = x0  # the history x[-tau..0]
    for t in range(tau, tau + total):
        delayed = x[t - tau]
        x[t + 1] = x[t] + beta * delayed / (1.0 + delayed**n) - gamma * x[t]
    return x[tau + 1 + warmup:].copy()
