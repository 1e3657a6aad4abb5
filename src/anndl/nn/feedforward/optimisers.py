"""torch optimisers chosen by name, and the mini-batch training loop the optimiser comparison uses.

An :class:`OptimiserSpec` names a torch optimiser, its learning rate and batch size (the course's
"wild jungle" table). :func:`train_minibatch` shuffles the samples every epoch with its own generator
and steps through the batches; L-BFGS gets the closure it needs. The loop does nothing else per step:
the training MSE on all samples is recorded every ``record_every`` epochs
(``benchmarks/bench_torch_loops.py`` times it against a plain loop over the same batches).
"""

from __future__ import annotations

import dataclasses
import time

import torch
from torch import nn

from anndl.nn import divergence

OPTIMISERS = ("sgd", "adam", "adadelta", "rmsprop", "adagrad", "lbfgs")


@dataclasses.dataclass(frozen=True)
class OptimiserSpec:
    """One optimiser of a comparison, as in the course's table."""

    name: str = "sgd"
    """torch optimiser: sgd, adam, adadelta, rmsprop, adagrad or lbfgs."""
    lr: float | None = None
    """Learning rate; null: torch's default (adam 1e-3, adadelta 1.0, rmsprop 1e-2, adagrad 1e-2, lbfgs 1)."""
    batch_size: int = 32
    """Samples per step (the whole set for full-batch training)."""
    momentum: float = 0.0
    """SGD / RMSprop momentum."""
    nesterov: bool = False
    """SGD with Nesterov momentum."""
    max_iter: int = 1
    """L-BFGS iterations per step (the course: 1)."""
    line_search: str | None = "strong_wolfe"
    """L-BFGS line search ("strong_wolfe" or null)."""


def make_optimiser(spec: OptimiserSpec, params) -> torch.optim.Optimizer:
    """The torch optimiser ``spec`` names, over ``params``; an unknown name is a ValueError."""
    kwargs = {} if spec.lr is None else {"lr": spec.lr}
    if spec.name == "sgd":
        return torch.optim.SGD(params, lr=spec.lr if spec.lr is not None else 0.01, momentum=spec.momentum,
                               nesterov=spec.nesterov)
    if spec.name == "adam":
        return torch.optim.Adam(params, **kwargs)
    if spec.name == "adadelta":
        return torch.optim.Adadelta(params, **kwargs)
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(params, momentum=spec.momentum, **kwargs)
    if spec.name == "adagrad":
        return torch.optim.Adagrad(params, **kwargs)
    if spec.name == "lbfgs":
        return torch.optim.LBFGS(params, max_iter=spec.max_iter, line_search_fn=spec.line_search, **kwargs)
    raise ValueError(f"unknown optimiser {spec.name!r}; known: {', '.join(OPTIMISERS)}")


@dataclasses.dataclass
class LoopHistory:
    """What :func:`train_minibatch` recorded."""

    epochs: list[int] = dataclasses.field(default_factory=list)
    """Epochs after which the training MSE was measured (0: the initial network)."""
    train_mse: list[float] = dataclasses.field(default_factory=list)
    """Training MSE on all samples after those epochs."""
    seconds: list[float] = dataclasses.field(default_factory=list)
    """Training wall time (s) up to those epochs, measurements excluded."""
    diverged: bool = False


def train_minibatch(model: nn.Module, X: torch.Tensor, T: torch.Tensor, spec: OptimiserSpec, epochs: int,
                    generator: torch.Generator, record_every: int = 10, loss_fn=None, on_epoch=None
                    ) -> LoopHistory:
    """Train ``model`` in place on X (N, n_in), T (N, n_out) for ``epochs`` shuffled passes of
    ``spec.batch_size`` samples (the last batch may be smaller); mean squared error by default.

    The shuffle order comes from ``generator`` only, so two models trained with equally seeded
    generators see the same batches. A loss that is not finite or grows past 10⁶ × its initial value
    stops training (``diverged``). ``record_every`` 0 records nothing (no extra passes over the data);
    ``on_epoch(epoch)``, when given, is called after each epoch (e.g. to validate)."""
    loss_fn = loss_fn or nn.functional.mse_loss
    optimiser = make_optimiser(spec, model.parameters())
    n, size = X.shape[0], spec.batch_size
    history, guard = LoopHistory(), divergence.DivergenceGuard("training loss")
    elapsed = 0.0

    def record(epoch: int) -> bool:
        with torch.no_grad():
            value = float(loss_fn(model(X), T))
        history.epochs.append(epoch)
        history.train_mse.append(value)
        history.seconds.append(elapsed)
        return guard.reason(value) is not None

    if record_every:
        record(0)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for i in range(0, n, size):
            index = order[i:i + size]
            xb, tb = X[index], T[index]
            if spec.name == "lbfgs":
                def closure(xb=xb, tb=tb):
                    optimiser.zero_grad()
                    loss = loss_fn(model(xb), tb)
                    loss.backward()
                    return loss
                optimiser.step(closure)
            else:
                optimiser.zero_grad()
                loss_fn(model(xb), tb).backward()
                optimiser.step()
        elapsed += time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(epoch)
        if record_every and (epoch % record_every == 0 or epoch == epochs):
            if record(epoch):
                history.diverged = True
                break
    return history
