"""The course's lagged MLP in torch: Dense(H, tanh) -> Dense(1) on lag windows, Adam, mini-batches."""

from __future__ import annotations

import numpy as np
import torch

from anndl.nn.feedforward.optimisers import OptimiserSpec, train_minibatch
from anndl.nn.feedforward.torch_mlp import torch_mlp
from anndl.nn.recurrent.forecasting import closed_loop_forecast


def fit_lagged_mlp_torch(X: np.ndarray, y: np.ndarray, hidden: int, epochs: int, lr: float = 0.01,
                         batch_size: int = 32, seed: int = 0) -> torch.nn.Sequential:
    """A p-H-1 tanh MLP (torch's default initialisation, seeded by ``seed``) trained on windows X (N, p)
    and targets y (N,) with shuffled mini-batches and Adam(lr), MSE, as Keras's ``fit``."""
    torch.manual_seed(seed)
    model = torch_mlp([X.shape[1], hidden, 1], "tanh")
    spec = OptimiserSpec(name="adam", lr=lr, batch_size=batch_size)
    train_minibatch(model, torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y[:, None], dtype=torch.float32),
                    spec, epochs, torch.Generator().manual_seed(seed + 1), record_every=max(epochs, 1))
    return model


@torch.no_grad()
def mlp_forecast(model: torch.nn.Module, history: np.ndarray, n_steps: int, p: int) -> np.ndarray:
    """Closed-loop forecast of ``n_steps`` values after ``history`` (n,) by the lagged MLP."""
    return closed_loop_forecast(lambda w: float(model(torch.as_tensor(w[None], dtype=torch.float32))[0, 0]),
                                history, n_steps, p)


@torch.no_grad()
def mlp_one_step(model: torch.nn.Module, X: np.ndarray) -> np.ndarray:
    """One-step predictions (N,) for windows X (N, p)."""
    return model(torch.as_tensor(X, dtype=torch.float32))[:, 0].numpy().astype(float)
