"""Lagged regression samples of a series, and closed-loop (auto-regressive) forecasting.

Shared by the lagged-MLP and the LSTM Santa Fe experiments. Time runs along the last axis of a
series (n,); a lag-p sample's inputs are the p values before its target.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def lag_matrix(
    series: np.ndarray, p: int, start: int | None = None, stop: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, p) and targets (N,) for predicting ``series[t]`` from ``series[t-p:t]``.

    Targets are ``series[t]`` for t in ``[max(start, p), stop)`` (defaults: every t >= p), so no
    sample reads a value at or after ``stop``. Row i of X holds ``series[t-p], ..., series[t-1]``,
    oldest first.
    """
    series = np.asarray(series, dtype=float)
    if p < 1:
        raise ValueError(f"lag p must be >= 1, got {p}")
    first = max(p, 0 if start is None else start)
    last = series.size if stop is None else stop
    if last - first < 1:
        raise ValueError(f"no targets in [{first}, {last}) for lag {p} and a series of {series.size}")
    windows = np.lib.stride_tricks.sliding_window_view(series[: last - 1], p)  # windows[j] = series[j:j+p]
    targets = np.arange(first, last)
    return windows[targets - p].copy(), series[targets].copy()


def closed_loop_forecast(
    predict_next: Callable[[np.ndarray], float], history: np.ndarray, n_steps: int, p: int
) -> np.ndarray:
    """Forecast ``n_steps`` values auto-regressively from the last ``p`` values of ``history``.

    ``predict_next(window)`` maps the window (p,) of the p most recent values (oldest first) to the
    next value; after the first step the window holds the forecast's own predictions, never
    observed values, so only ``history`` (the past) is ever read. Stateful predictors (an LSTM
    that updates its state with every input) work the same way.
    """
    history = np.asarray(history, dtype=float)
    if history.size < p:
        raise ValueError(f"need at least p={p} values of history, got {history.size}")
    window = history[history.size - p :].copy()
    forecast = np.empty(n_steps)
    for k in range(n_steps):
        forecast[k] = float(predict_next(window))
        window = np.append(window[1:], forecast[k])
    return forecast


def mse(y: np.ndarray, t: np.ndarray) -> float:
    """Mean squared error between two equal-length arrays."""
    y, t = np.asarray(y, dtype=float).ravel(), np.asarray(t, dtype=float).ravel()
    if y.shape != t.shape:
        raise ValueError(f"shapes differ: {y.shape} vs {t.shape}")
    return float(np.mean((y - t) ** 2))


def forecast_errors(forecasts: np.ndarray, truth: np.ndarray) -> dict:
    """Test MSE and RMSE, in the truth's units, over repeated forecasts (R, n) of ``truth`` (n,)."""
    mses = np.mean((np.atleast_2d(forecasts) - truth) ** 2, axis=1)
    rmses = np.sqrt(mses)
    return {
        "test_mse_mean": float(mses.mean()),
        "test_mse_std": float(mses.std()),
        "test_rmse_mean": float(rmses.mean()),
        "test_rmse_std": float(rmses.std()),
        "test_rmse_per_repetition": rmses.round(3).tolist(),
    }
