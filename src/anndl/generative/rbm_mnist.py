"""§4.1 Restricted Boltzmann machine on MNIST: training curves, Gibbs chains, clamped reconstruction."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.mnist import load_mnist_subset
from anndl.registry import experiment

if TYPE_CHECKING:
    import torch

    from anndl.nn.boltzmann.rbm import BernoulliRBM

SIDE = 28


@dataclasses.dataclass(kw_only=True)
class RBMConfig(ExperimentConfig):
    components: int = param(256, ge=1)
    """Hidden units (scikit-learn's BernoulliRBM default n_components, the course notebook's model)."""
    epochs: int = param(10, ge=1)
    """Passes over the training images (scikit-learn's default n_iter)."""
    learning_rate: float = param(0.1, gt=0)
    """Step size of the batch-averaged CD update (scikit-learn's default)."""
    batch_size: int = param(10, ge=1)
    """Images per update; also the number of persistent chains (scikit-learn's default)."""
    method: Literal["pcd", "cd"] = "pcd"
    """Persistent contrastive divergence (as scikit-learn) or plain CD-k started at the data."""
    gibbs_steps: int = param(1, ge=1)
    """Gibbs steps k per update of CD-k / PCD-k."""
    momentum: float = param(0.0, ge=0, lt=1)
    """Momentum of the update (0 as in scikit-learn)."""
    weight_decay: float = param(0.0, ge=0)
    """L2 penalty on the weights (0 as in scikit-learn)."""
    test_fraction: float = param(0.2, gt=0, lt=1)
    """Share of the 5000-digit MNIST subset held out (stratified) for monitoring and figures."""
    monitor_size: int = param(500, ge=1)
    """Held-out images whose pseudo-log-likelihood and reconstruction error are logged each epoch."""
    examples: int = param(8, ge=1, le=20)
    """Held-out digits shown in the Gibbs-chain and reconstruction figures."""
    chain_steps: list[int] = param([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], ge=0)
    """Gibbs steps at which the chains started from held-out digits are shown."""
    removed_bands: list[list[int]] = param([[0, 12], [15, 27]], ge=0, le=SIDE - 1)
    """Bands of image rows [first, last] (inclusive, 0 = top) removed before clamped reconstruction."""
    reconstruction_steps: int = param(10, ge=1)
    """Gibbs steps of the clamped reconstruction (the course used 10)."""
    components_shown: int = param(100, ge=1)
    """Hidden units whose weights are drawn as 28×28 images."""
    checkpoint_every: int = param(0, ge=0)
    """Epochs between training checkpoints under checkpoints/ (and at the end), for resume (0: never)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""


@experiment("rbm_mnist", RBMConfig,
            "Bernoulli RBM on MNIST: pseudo-likelihood, Gibbs chains, clamped reconstruction (§4.1)")
def run(cfg: RBMConfig, ctx) -> dict:
    import torch

    from anndl.nn.boltzmann.rbm import BernoulliRBM, make_generator, train_rbm
    from anndl.nn.torchkit import resolve_device

    device = resolve_device(cfg.device)
    images, labels = load_mnist_subset()
    train, test = _split(images.reshape(len(images), -1), labels, cfg.test_fraction, ctx.child_seed())
    train, test = torch.from_numpy(train).to(device), torch.from_numpy(test).to(device)
    monitor = test[: cfg.monitor_size]

    rbm = BernoulliRBM(train.shape[1], cfg.components, make_generator(ctx.child_seed(), device))
    start = time.perf_counter()
    history = train_rbm(rbm, train, epochs=cfg.epochs, learning_rate=cfg.learning_rate,
                        batch_size=cfg.batch_size, method=cfg.method, gibbs_steps=cfg.gibbs_steps,
                        momentum=cfg.momentum, weight_decay=cfg.weight_decay, monitor=monitor, desc="RBM",
                        checkpoint_dir=ctx.checkpoint_dir, checkpoint_every=cfg.checkpoint_every,
                        progress=ctx.progress_enabled)
    train_seconds = time.perf_counter() - start
    ctx.write_table("rbm_training_history", [dict(zip(history, row, strict=True))
                                              for row in zip(*history.values(), strict=True)])
    _plot_history(ctx, history)

    examples = test[: cfg.examples]
    steps = sorted(set(cfg.chain_steps))
    chains = rbm.gibbs_chain(examples, max(steps), record=steps).cpu().numpy()
    _plot_chains(ctx, chains, steps)
    band_errors = {}
    for first, last in cfg.removed_bands:
        if first > last:
            raise ValueError(f"removed band [{first}, {last}]: first row must not exceed the last")
        band_errors[f"rows_{first}_{last}"] = _clamped_reconstruction(ctx, cfg, rbm, test, first, last)
    _plot_components(ctx, rbm.components_[: cfg.components_shown].cpu().numpy(), cfg.components)

    return {
        "pseudo_log_likelihood": {
            "test_final": float(rbm.pseudo_log_likelihood(test).mean()),
            "train_final": float(rbm.pseudo_log_likelihood(train[: len(test)]).mean()),
            "per_epoch_monitor": history["pseudo_log_likelihood"],
        },
        "reconstruction_error": {"test_final": rbm.reconstruction_error(test),
                                 "per_epoch_monitor": history["reconstruction_error"]},
        "clamped_reconstruction_mse_removed_pixels": band_errors,
        "train_seconds": train_seconds,
        "n_train": len(train), "n_test": len(test), "device": str(device),
    }


def _split(x: np.ndarray, labels: np.ndarray, test_fraction: float, seed: int):
    """Stratified train/test split of images (N, D) -> (train, test) float32."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(x, test_size=test_fraction, stratify=labels, random_state=seed % 2**32)
    return np.ascontiguousarray(train, np.float32), np.ascontiguousarray(test, np.float32)


def _clamped_reconstruction(ctx, cfg: RBMConfig, rbm: BernoulliRBM, test: torch.Tensor,
                            first: int, last: int) -> float:
    """Zero rows first..last, refill them by clamped Gibbs steps; plot; MSE on the removed pixels."""
    import torch

    rows = torch.arange(SIDE, device=test.device).repeat_interleave(SIDE)
    known = (rows < first) | (rows > last)
    damaged = torch.where(known, test, torch.zeros_like(test))
    frames = rbm.reconstruct_clamped(damaged, known, cfg.reconstruction_steps)
    mse = float(((frames[-1] - test)[:, ~known] ** 2).mean())
    originals = test[: cfg.examples].cpu().numpy()[None]
    columns = np.concatenate([originals, frames[:, : cfg.examples].cpu().numpy()])
    titles = ["original", "removed", *[f"step {k}" for k in range(1, cfg.reconstruction_steps + 1)]]
    fig = _image_table(columns, titles)
    fig.suptitle(f"RBM: rows {first}–{last} removed, refilled by {cfg.reconstruction_steps} clamped Gibbs "
                 f"steps (MSE on removed pixels {mse:.4f})", fontsize=9)
    ctx.save_figure(fig, f"rbm_clamped_reconstruction_rows_{first}_{last}_removed")
    return mse


def _plot_history(ctx, history: dict) -> None:
    fig, (ax_pll, ax_rec) = plotting.subplots(1, 2)
    ax_pll.plot(history["epoch"], history["pseudo_log_likelihood"], "o-")
    ax_pll.set(xlabel="epoch", ylabel="pseudo-log-likelihood (nats per image)",
               title="RBM: held-out pseudo-log-likelihood")
    ax_rec.plot(history["epoch"], history["reconstruction_error"], "o-", color="C1")
    ax_rec.set(xlabel="epoch", ylabel="mean squared error per pixel",
               title="RBM: held-out reconstruction error")
    for ax in (ax_pll, ax_rec):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    data = {"epoch": history["epoch"],
            "held-out pseudo-log-likelihood (nats per image)": history["pseudo_log_likelihood"],
            "held-out reconstruction error (mean squared error per pixel)": history["reconstruction_error"]}
    ctx.save_figure(fig, "rbm_training_pll_and_reconstruction_error", data=data)


def _plot_chains(ctx, chains: np.ndarray, steps: list[int]) -> None:
    """chains (steps, examples, D): one row per held-out digit, one column per recorded step."""
    fig = _image_table(chains, ["start" if step == 0 else f"step {step}" for step in steps])
    fig.suptitle("RBM: Gibbs chains started from held-out digits (visible means p(v|h))", fontsize=9)
    ctx.save_figure(fig, "rbm_gibbs_chains_from_test_digits")


def _image_table(columns: np.ndarray, titles: list[str]):
    """columns (n_columns, n_rows, D) -> one picture: a digit per cell, a title over each column."""
    n_columns, n_rows = columns.shape[:2]
    cells = columns.transpose(1, 0, 2).reshape(-1, SIDE, SIDE)
    fig, ax = plotting.subplots(1, 1, width=0.75 * n_columns, height=0.75 * n_rows + 0.5)
    plotting.image_grid(ax, cells, ncols=n_columns, vmin=0, vmax=1)
    for j, title in enumerate(titles):
        ax.text((j + 0.5) * (SIDE + 1) - 1, -2, title, ha="center", va="bottom", fontsize=7)
    return fig


def _plot_components(ctx, components: np.ndarray, total: int) -> None:
    """components (n, D), each drawn with its own grey scale."""
    low, high = components.min(axis=1, keepdims=True), components.max(axis=1, keepdims=True)
    tiles = (components - low) / np.where(high > low, high - low, 1.0)
    ncols = int(np.ceil(np.sqrt(len(tiles))))
    fig, ax = plotting.subplots(1, 1, width=6, height=6)
    plotting.image_grid(ax, tiles.reshape(-1, SIDE, SIDE), ncols=ncols, vmin=0, vmax=1)
    ax.set_title(f"RBM components: weights of {len(tiles)} of {total} hidden units")
    fig.supxlabel("each unit on its own grey scale: black its smallest weight, white its largest", fontsize=8)
    ctx.save_figure(fig, "rbm_components")
