"""One mini-batch training loop for the torch models of the 2024 course (autoencoders, VAE, CNN, ViT).

``fit`` shuffles the training tensors every epoch with its own generator, calls
``loss_fn(model, *batch)`` on each mini-batch (the last one may be smaller, as a DataLoader's), steps
the optimiser (and, per epoch, an optional scheduler), and logs per-epoch means of the loss and of any
extra terms ``loss_fn`` returns. The terms are summed on the device and read back once per epoch.
``after_epoch(epoch)`` may return more values to log (test accuracy, say). With a
``checkpoint_dir`` it saves and resumes through :class:`torchkit.Checkpointer`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from anndl.nn import torchkit
from anndl.nn.divergence import DivergenceGuard

LossFn = Callable[..., "torch.Tensor | dict[str, torch.Tensor]"]


def fit(model: torch.nn.Module, tensors: Sequence[torch.Tensor], loss_fn: LossFn,
        optimiser: torch.optim.Optimizer, *, epochs: int, batch_size: int, seed: int,
        scheduler=None, after_epoch: Callable[[int], dict] | None = None,
        checkpoint_dir: str | Path | None = None, checkpoint_every: int = 0, name: str = "fit",
        progress: bool = False, desc: str = "epochs") -> dict[str, list[float]]:
    """Train ``model`` in place for ``epochs`` passes over ``tensors`` (each (N, ...), on the model's device).

    ``loss_fn(model, *batch)`` returns the loss (a scalar tensor) or a dict with ``"loss"`` and other
    scalar terms (each logged as its batch-size-weighted mean over the epoch). Returns the history:
    ``epoch`` (1-based), ``loss``, the extra terms, and whatever ``after_epoch`` returned, one value per
    epoch. A loss that is not finite or grows past 10^6 times the first epoch's stops the training
    (:class:`DivergenceGuard`).
    """
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"tensors of different lengths: {[len(t) for t in tensors]}")
    device = tensors[0].device
    shuffler = torch.Generator(device="cpu").manual_seed(int(seed))
    history: dict[str, list[float]] = {"epoch": []}
    state = {"model": model, "optimiser": optimiser, "shuffler": shuffler, "history": history}
    if scheduler is not None:
        state["scheduler"] = scheduler
    checkpoints = torchkit.Checkpointer(checkpoint_dir, checkpoint_every, name=name)
    start = checkpoints.resume(state)
    for epoch in torchkit.epochs(epochs, desc=desc, start=start, progress=progress):
        model.train()
        order = torch.randperm(n, generator=shuffler).to(device)
        sums: dict[str, torch.Tensor] = {}
        for first in range(0, n, batch_size):
            index = order[first:first + batch_size]
            out = loss_fn(model, *(t[index] for t in tensors))
            terms = out if isinstance(out, dict) else {"loss": out}
            optimiser.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimiser.step()
            for key, value in terms.items():
                weighted = value.detach() * len(index)
                sums[key] = sums[key] + weighted if key in sums else weighted
        if scheduler is not None:
            scheduler.step()
        history["epoch"].append(epoch + 1)
        for key, value in sums.items():
            history.setdefault(key, []).append(float(value) / n)
        DivergenceGuard(f"{desc} loss", reference=history["loss"][0]).check(
            history["loss"][-1], epoch + 1, {f"{name}_history": history})
        if after_epoch is not None:
            for key, value in after_epoch(epoch + 1).items():
                history.setdefault(key, []).append(value)
        checkpoints.maybe_save(epoch + 1, state)
    checkpoints.save(epochs, state)
    model.eval()
    return history


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``model(x)`` in eval mode, in batches, concatenated (on x's device)."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def accuracy(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of x (N, ...) whose arg-max logit equals labels (N,)."""
    return float((predict(model, x).argmax(1) == labels).float().mean())
