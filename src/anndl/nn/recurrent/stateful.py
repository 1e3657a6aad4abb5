"""Stateful one-layer recurrent forecasters trained one window at a time (the course's Keras set-up).

A sample is a lag window ``x[t-p:t]`` read as a sequence of p steps of one feature, its target
``x[t]``. As Keras's ``stateful=True`` with batch size 1 and ``shuffle=False``: the windows are read
in time order, each one's final state is the next one's initial state (detached: truncated
back-propagation through one window), the weights are updated after every window, and the state is
reset after each epoch. Keras 3 dropped ``reset_states()``; here the reset is explicit.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from anndl.nn import torchkit  # noqa: F401  (applies the deferred seed and thread settings)
from anndl.nn.divergence import DivergenceGuard
from anndl.nn.recurrent.forecasting import closed_loop_forecast

CELLS = {"lstm": nn.LSTM, "rnn": nn.RNN}


class StatefulForecaster(nn.Module):
    """``LSTM(hidden)`` or ``SimpleRNN(hidden)`` (tanh) over one-feature sequences, then ``Linear(hidden, 1)``."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        if kind not in CELLS:
            raise ValueError(f"unknown recurrent cell {kind!r}; known: {', '.join(CELLS)}")
        self.kind = kind
        self.cell = CELLS[kind](input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, windows: torch.Tensor, state=None):
        """windows (B, p) -> predictions (B,) of the value after each window, and the final state."""
        out, state = self.cell(windows[:, :, None], state)
        return self.head(out[:, -1]).squeeze(-1), state


def _detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_stateful(model: StatefulForecaster, X: np.ndarray, y: np.ndarray, epochs: int, lr: float = 1e-3
                   ) -> list[float]:
    """Train on windows X (N, p) and targets y (N,) in time order, batch 1, Adam(lr), MSE; returns the
    mean training loss of each epoch. A diverging loss stops training early (see DivergenceGuard)."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    guard, curve = DivergenceGuard("training loss"), []
    for _ in range(epochs):
        state, total = None, torch.zeros(())
        for i in range(Xt.shape[0]):
            optimiser.zero_grad()
            prediction, state = model(Xt[i:i + 1], state)
            loss = (prediction[0] - yt[i]) ** 2
            loss.backward()
            optimiser.step()
            state = _detach(state)
            total += loss.detach()
        curve.append(float(total) / Xt.shape[0])
        if guard.reason(curve[-1]) is not None:
            break
    return curve


@torch.no_grad()
def stateful_forecast(model: StatefulForecaster, history: np.ndarray, n_steps: int, p: int) -> np.ndarray:
    """Closed-loop forecast of ``n_steps`` values after ``history`` (n,): the state is rebuilt by reading
    every lag window of the history in order (as in training), then each forecast joins the window."""
    model.eval()
    state = None
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(history, dtype=float)[:-1], p)
    # windows ending before the last value (the forecast reads the last one), copied: torch warns on a
    # read-only view
    for window in windows.copy():
        _, state = model(torch.as_tensor(window[None], dtype=torch.float32), state)

    def predict_next(window: np.ndarray) -> float:
        nonlocal state
        y, state = model(torch.as_tensor(window[None], dtype=torch.float32), state)
        return float(y[0])

    return closed_loop_forecast(predict_next, history, n_steps, p)
