"""§4.2 Deep Boltzmann machine on MNIST: components of both layers and samples, against an RBM's."""

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

SIDE = 28


@dataclasses.dataclass(kw_only=True)
class DBMConfig(ExperimentConfig):
    hidden: list[int] = param([500, 1000], ge=1)
    """Sizes of the two hidden layers (Salakhutdinov & Hinton's 784-500-1000; the course used 512-1024)."""
    pretrain_epochs: int = param(10, ge=1)
    """Epochs of each greedy RBM pretraining stage."""
    pretrain_learning_rate: float = param(0.05, gt=0)
    """Learning rate of the pretraining RBMs (persistent CD-1)."""
    pretrain_batch_size: int = param(20, ge=1)
    """Batch size (and persistent chains) of the pretraining RBMs."""
    epochs: int = param(20, ge=1)
    """Epochs of joint training."""
    learning_rate: float = param(0.01, gt=0)
    """Initial joint-training learning rate; decays linearly to a tenth of it."""
    batch_size: int = param(100, ge=1)
    """Images per joint-training update."""
    chains: int = param(100, ge=1)
    """Persistent Gibbs chains of joint training (the course: 100)."""
    gibbs_steps: int = param(5, ge=1)
    """Gibbs sweeps of the persistent chains per update (the course: 5)."""
    mean_field_steps: int = param(10, ge=0)
    """Mean-field fixed-point iterations for the data-dependent statistics."""
    weight_decay: float = param(2e-4, ge=0)
    """L2 penalty on the weights during joint training."""
    rbm_components: int = param(256, ge=1)
    """Hidden units of the comparison RBM (rbm_mnist's default)."""
    rbm_epochs: int = param(10, ge=1)
    """Epochs of the comparison RBM (persistent CD-1, learning rate 0.1, batch 10, as rbm_mnist)."""
    test_fraction: float = param(0.2, gt=0, lt=1)
    """Share of the 5000-digit MNIST subset held out (stratified) for monitoring."""
    sample_chains: int = param(64, ge=1)
    """Chains drawn in the sample figures, each started from uniform random pixels."""
    sample_steps: int = param(1000, ge=1)
    """Gibbs sweeps before the samples are shown."""
    components_shown: int = param(100, ge=1)
    """Units per layer whose weights are drawn as 28×28 images."""
    checkpoint_every: int = param(0, ge=0)
    """Epochs between checkpoints of every training stage (and at its end), for resume (0: never)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""


@experiment("dbm_mnist", DBMConfig, "Two-layer deep Boltzmann machine on MNIST vs an RBM (§4.2)")
def run(cfg: DBMConfig, ctx) -> dict:
    import torch
    from sklearn.model_selection import train_test_split

    from anndl.nn.boltzmann.dbm import pretrain_dbm, train_dbm
    from anndl.nn.boltzmann.rbm import BernoulliRBM, make_generator, train_rbm
    from anndl.nn.torchkit import resolve_device

    device = resolve_device(cfg.device)
    images, labels = load_mnist_subset()
    train, test = train_test_split(images.reshape(len(images), -1), test_size=cfg.test_fraction,
                                   stratify=labels, random_state=ctx.child_seed() % 2**32)
    train, test = torch.from_numpy(train).to(device), torch.from_numpy(test).to(device)
    monitor = test[:500]
    generator = make_generator(ctx.child_seed(), device)
    common = {"progress": ctx.progress_enabled, "checkpoint_dir": ctx.checkpoint_dir,
              "checkpoint_every": cfg.checkpoint_every}

    start = time.perf_counter()
    rbm = BernoulliRBM(train.shape[1], cfg.rbm_components, generator)
    train_rbm(rbm, train, epochs=cfg.rbm_epochs, learning_rate=0.1, batch_size=10, monitor=monitor,
              desc="comparison RBM", **common)
    rbm_seconds = time.perf_counter() - start

    start = time.perf_counter()
    dbm, bottom, top = pretrain_dbm(train, cfg.hidden, generator, epochs=cfg.pretrain_epochs,
                                    learning_rate=cfg.pretrain_learning_rate,
                                    batch_size=cfg.pretrain_batch_size, monitor=monitor, **common)
    pretrain_seconds = time.perf_counter() - start
    pretrained_error = dbm.reconstruction_error(monitor, cfg.mean_field_steps)
    pretrained_test_error = dbm.reconstruction_error(test, cfg.mean_field_steps)
    start = time.perf_counter()
    history = train_dbm(dbm, train, epochs=cfg.epochs, learning_rate=cfg.learning_rate,
                        batch_size=cfg.batch_size, n_chains=cfg.chains, gibbs_steps=cfg.gibbs_steps,
                        mean_field_steps=cfg.mean_field_steps, weight_decay=cfg.weight_decay, monitor=monitor,
                        **common)
    joint_seconds = time.perf_counter() - start
    ctx.write_table("dbm_joint_training_history", [dict(zip(history, row, strict=True))
                                                    for row in zip(*history.values(), strict=True)])
    _plot_history(ctx, bottom.history_, history, pretrained_error)

    n = cfg.components_shown
    layer1, layer2 = dbm.weights_
    _plot_components(ctx, [rbm.components_[:n], layer1.T[:n], (layer1 @ layer2).T[:n]],
                     [f"RBM ({cfg.rbm_components} units)", f"DBM layer 1 ({cfg.hidden[0]})",
                      f"DBM layer 2 via W1·W2 ({cfg.hidden[1]})"])

    noise = torch.rand(cfg.sample_chains, train.shape[1], generator=generator, device=generator.device)
    start_state = torch.bernoulli(noise, generator=generator).to(device)
    record = [cfg.sample_steps]
    samples = {"RBM": rbm.gibbs_chain(start_state, cfg.sample_steps, record)[-1],
               "DBM": dbm.gibbs_chain(start_state, cfg.sample_steps, record)[-1]}
    _plot_samples(ctx, samples, cfg.sample_steps)

    return {
        "reconstruction_error_test": {
            "rbm": rbm.reconstruction_error(test),
            "dbm_after_pretraining": pretrained_test_error,
            "dbm": dbm.reconstruction_error(test, cfg.mean_field_steps),
        },
        "rbm_pseudo_log_likelihood_test": float(rbm.pseudo_log_likelihood(test).mean()),
        "sample_nearest_train_distance": {k: v for name, s in samples.items()
                                          for k, v in _nearest_distance(name, s, train).items()},
        "seconds": {"rbm": rbm_seconds, "pretraining": pretrain_seconds, "joint": joint_seconds},
        "architecture": [train.shape[1], *cfg.hidden], "device": str(device),
    }


def _nearest_distance(name: str, samples: torch.Tensor, train: torch.Tensor) -> dict[str, float]:
    """``{name}``: mean over samples (n, D) of the RMS pixel distance to the closest training image (lower:
    more digit-like); ``{name}_se``: its standard error over the samples (sample std / sqrt(n))."""
    import torch

    with torch.no_grad():
        distances = (torch.cdist(samples, train).min(dim=1).values / np.sqrt(train.shape[1])).double().cpu().numpy()
    se = distances.std(ddof=1) / np.sqrt(len(distances)) if len(distances) > 1 else np.nan
    return {name: float(distances.mean()), f"{name}_se": float(se)}


def _tiles(weights: torch.Tensor) -> np.ndarray:
    """(n, D) weight rows -> (n, 28, 28), each scaled to [0, 1] on its own."""
    w = weights.detach().cpu().numpy()
    low, high = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
    return ((w - low) / np.where(high > low, high - low, 1.0)).reshape(-1, SIDE, SIDE)


def _plot_components(ctx, weight_sets: list[torch.Tensor], titles: list[str]) -> None:
    fig, axes = plotting.subplots(1, len(weight_sets), width=4.5, height=4.8)
    for ax, weights, title in zip(axes, weight_sets, titles, strict=True):
        ncols = int(np.ceil(np.sqrt(len(weights))))
        plotting.image_grid(ax, _tiles(weights), ncols=ncols, vmin=0, vmax=1)
        ax.set_title(title)
    fig.suptitle("Components: RBM vs the DBM's first and second hidden layer "
                 "(each unit on its own grey scale)")
    ctx.save_figure(fig, "dbm_components_rbm_vs_layer1_vs_layer2")


def _plot_samples(ctx, samples: dict[str, torch.Tensor], steps: int) -> None:
    fig, axes = plotting.subplots(1, len(samples), width=4.5, height=4.8)
    for ax, (name, images) in zip(axes, samples.items(), strict=True):
        images = images.cpu().numpy().reshape(-1, SIDE, SIDE)
        plotting.image_grid(ax, images, ncols=int(np.ceil(np.sqrt(len(images)))), vmin=0, vmax=1)
        ax.set_title(f"{name}: p(v|h) after {steps} Gibbs sweeps")
    fig.suptitle("Samples from the same random start: RBM vs DBM")
    ctx.save_figure(fig, "dbm_samples_vs_rbm_samples")


def _plot_history(ctx, pretrain: dict, joint: dict, pretrained_error: float) -> None:
    fig, (ax_pre, ax_joint) = plotting.subplots(1, 2)
    ax_pre.plot(pretrain["epoch"], pretrain["reconstruction_error"], "o-")
    ax_pre.set(xlabel="epoch", ylabel="mean squared error per pixel",
               title="Pretraining: layer-1 RBM reconstruction")
    ax_joint.plot([0, *joint["epoch"]], [pretrained_error, *joint["reconstruction_error"]], "o-", color="C1")
    ax_joint.set(xlabel="epoch (0 = after pretraining)", ylabel="mean squared error per pixel",
                 title="Joint training: mean-field reconstruction")
    for ax in (ax_pre, ax_joint):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    data = {"pretraining epoch": pretrain["epoch"],
            "layer-1 RBM reconstruction error (mean squared error per pixel)": pretrain["reconstruction_error"],
            "joint training epoch (0 = after pretraining)": [0, *joint["epoch"]],
            "mean-field reconstruction error (mean squared error per pixel)":
                [pretrained_error, *joint["reconstruction_error"]]}
    ctx.save_figure(fig, "dbm_training_reconstruction_error", data=data)
