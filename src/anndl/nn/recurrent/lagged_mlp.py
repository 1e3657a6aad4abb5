"""A feed-forward net on p lagged values (the report's "RNN"): trained open loop, forecast closed loop.

Everything here sees only the part of the series it is given: a model fitted for a window that
starts at index ``stop`` is built from ``series[:stop]`` alone (lag samples, standardisation and the
trainer's own scaling), so evaluating it on ``series[stop:]`` cannot leak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anndl.data.santafe import Standardiser
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import train
from anndl.nn.recurrent.forecasting import closed_loop_forecast, lag_matrix


@dataclass
class LaggedMLP:
    """An MLP mapping the last ``lag`` standardised values to the next one."""

    net: MLP
    lag: int
    scaler: Standardiser
    """Standardisation fitted on the data the net was trained on."""
    epochs_: int
    """Epochs the trainer ran."""
    stop_reason_: str
    val_loss_: float = float("nan")
    """Validation MSE of the returned net (standardised units; nan without a validation set)."""

    def predict_next(self, window_std: np.ndarray) -> float:
        """Next standardised value from a window (lag,) of standardised values, oldest first."""
        return float(self.net.predict(np.asarray(window_std, dtype=float)[None, :])[0, 0])

    def one_step(self, series: np.ndarray, start: int, stop: int) -> np.ndarray:
        """One-step-ahead predictions of ``series[start:stop]`` from observed inputs (original units)."""
        X, _ = lag_matrix(self.scaler.transform(series), self.lag, start=start, stop=stop)
        return self.scaler.inverse(self.net.predict(X)[:, 0])

    def forecast(self, history: np.ndarray, n_steps: int) -> np.ndarray:
        """Closed-loop forecast of the ``n_steps`` values after ``history`` (both in original units)."""
        return self.scaler.inverse(
            closed_loop_forecast(self.predict_next, self.scaler.transform(history), n_steps, self.lag)
        )


def fit_lagged_mlp(
    series: np.ndarray,
    lag: int,
    hidden: int,
    stop: int,
    seed: int,
    algorithm: str = "lm",
    division: str = "random",
    epochs: int = 1000,
    max_fail: int = 6,
    validation_start: int | None = None,
) -> LaggedMLP:
    """Train a [lag, hidden, 1] tanh/linear MLP on the lag samples of ``series[:stop]`` (original units).

    ``division`` is the trainer's own split of those samples ("random": MATLAB's dividerand 70/15/15
    with early stopping; "train": all of them, no early stopping). ``validation_start`` replaces it by
    MATLAB's ``divideblock``-style split: the samples whose targets lie in ``[validation_start, stop)``
    are one contiguous validation block (early stopping on it), the earlier ones are fitted.
    """
    scaler = Standardiser.fit(series[:stop])
    X, T = lag_matrix(scaler.transform(series[:stop]), lag)
    if validation_start is not None:
        if not lag < validation_start < stop:
            raise ValueError(f"validation_start must lie in ({lag}, {stop}), got {validation_start}")
        first_val = validation_start - lag  # sample i has target index lag + i
        division = {"train": np.arange(first_val), "val": np.arange(first_val, X.shape[0])}
    rng = np.random.default_rng(seed)
    net = MLP.create([lag, hidden, 1], X, T, rng, hidden_activation="tanh", output="linear")
    net, history = train(
        net, X, T, algorithm=algorithm, division=division, epochs=epochs, max_fail=max_fail, rng=rng
    )
    return LaggedMLP(
        net=net,
        lag=lag,
        scaler=scaler,
        epochs_=history.epochs,
        stop_reason_=history.stop_reason,
        val_loss_=float(history.val_loss[history.best_epoch]),
    )
