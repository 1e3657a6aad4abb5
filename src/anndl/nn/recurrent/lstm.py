"""An LSTM forecaster on lag windows (MATLAB's sequence-regression template, with a tunable lag).

The training series becomes one sequence whose step t carries the lag window ``x[t-p:t]`` (p input
features) and the target ``x[t]``; one LSTM layer and a fully connected output read the sequence,
trained full-sequence (one mini-batch per epoch) with Adam, a piecewise learning-rate drop,
per-parameter gradient clipping and L2 on the weights, as MATLAB's ``trainingOptions`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from anndl.nn import divergence, torchkit
from anndl.nn.recurrent.forecasting import closed_loop_forecast, lag_matrix
from anndl.nn.recurrent.options import LSTMTrainingOptions  # also importable from here, as before
from anndl.seeding import seeded

CLIP_METHODS = ("l2norm", "global-l2norm")


class LagLSTM(nn.Module):
    """One LSTM layer (``hidden`` units) reading lag windows (p features per step), then a linear output."""

    def __init__(self, lag: int, hidden: int):
        super().__init__()
        self.lag, self.hidden = lag, hidden
        self.lstm = nn.LSTM(input_size=lag, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(
        self, windows: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """windows (B, T, p) -> predictions (B, T) of the value after each window, and the final state."""
        out, state = self.lstm(windows, state)
        return self.head(out).squeeze(-1), state


@dataclass
class LSTMFit:
    """A trained model and what training recorded."""

    model: LagLSTM
    loss_curve_: list[float] = field(default_factory=list)
    """Half mean squared error per epoch on the (standardised) training sequence, before the update."""


def _penalised(model: LagLSTM) -> list[torch.Tensor]:
    return [p for name, p in model.named_parameters() if "weight" in name]


def train_lstm(
    series_std: np.ndarray,
    lag: int,
    hidden: int,
    options: LSTMTrainingOptions,
    seed: int,
    device: torch.device | str = "cpu",
    checkpoint_dir: Path | None = None,
    progress: bool = True,
    desc: str = "LSTM epochs",
) -> LSTMFit:
    """Train a :class:`LagLSTM` on every lag window of ``series_std`` (n,) (standardised units).

    With ``checkpoint_dir`` set, training state goes to ``lstm_epochNNNN.pt`` there every
    ``options.checkpoint_every`` epochs and after the last, and a run that finds one resumes from it
    (:class:`torchkit.Checkpointer`).
    """
    if options.clip_method not in CLIP_METHODS:
        raise ValueError(f"unknown clip_method {options.clip_method!r}; known: {', '.join(CLIP_METHODS)}")
    device = torch.device(device)
    with seeded(seed):  # the caller's global generators are put back afterwards
        model = LagLSTM(lag, hidden).to(device)
        X, T = lag_matrix(series_std, lag)
        inputs = torch.as_tensor(X[None], dtype=torch.float32, device=device)
        targets = torch.as_tensor(T[None], dtype=torch.float32, device=device)
        optimiser = torch.optim.Adam(model.parameters(), lr=options.learning_rate, betas=(0.9, 0.999), eps=1e-8)
        scheduler = torch.optim.lr_scheduler.StepLR(
            optimiser, step_size=options.drop_period, gamma=options.drop_factor
        )
        fit = LSTMFit(model=model)
        checkpoints = torchkit.Checkpointer(checkpoint_dir, options.checkpoint_every, name="lstm")
        state = {"model": model, "optimiser": optimiser, "scheduler": scheduler, "loss_curve": fit.loss_curve_}
        start = checkpoints.resume(state)
        for epoch in torchkit.epochs(options.epochs, desc=desc, start=start, progress=progress):
            optimiser.zero_grad()
            predictions, _ = model(inputs)
            data_loss = 0.5 * torch.mean((predictions - targets) ** 2)
            penalty = 0.5 * options.l2 * sum(torch.sum(w**2) for w in _penalised(model))
            (data_loss + penalty).backward()
            _clip(model, options)
            optimiser.step()
            scheduler.step()
            fit.loss_curve_.append(data_loss.item())
            divergence.check_latest(fit.loss_curve_, epoch + 1, "LSTM training loss",
                                    {"lstm_training_loss_per_epoch": fit.loss_curve_})
            checkpoints.maybe_save(epoch + 1, state)
        checkpoints.save(options.epochs, state)
        return fit


def _clip(model: nn.Module, options: LSTMTrainingOptions) -> None:
    if options.clip_method == "global-l2norm":
        nn.utils.clip_grad_norm_(model.parameters(), options.gradient_threshold)
        return
    for p in model.parameters():
        if p.grad is not None:
            nn.utils.clip_grad_norm_([p], options.gradient_threshold)


@torch.no_grad()
def lstm_closed_loop(model: LagLSTM, history_std: np.ndarray, n_steps: int) -> np.ndarray:
    """Forecast ``n_steps`` values after ``history_std`` (n,), feeding each prediction back.

    The state is first warmed up on every lag window of the history (``predictAndUpdateState`` on
    the training sequence), then each step feeds the newest window and updates the state; only
    ``history_std`` and the model's own predictions are read.
    """
    model.eval()
    device = next(model.parameters()).device
    p = model.lag
    state = None
    if history_std.size > p:
        X, _ = lag_matrix(history_std, p)
        _, state = model(torch.as_tensor(X[None], dtype=torch.float32, device=device))

    def predict_next(window: np.ndarray) -> float:
        nonlocal state
        y, state = model(torch.as_tensor(window[None, None], dtype=torch.float32, device=device), state)
        return float(y[0, -1])

    return closed_loop_forecast(predict_next, history_std, n_steps, p)
