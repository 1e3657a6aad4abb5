"""§4.3 DCGAN (the course notebook's architecture) on MNIST digits or one CIFAR-10 class.

MNIST digits (28×28) are scaled to [-1, 1] and *padded* with 2 background pixels (-1) on every
side to the 32×32 the architecture is built for; generated images are cropped back to the central
28×28 for the sample-quality classifier. An "epoch" here is one pass over the training images.
The report's Figure 4.4 shows "the final 500 training epochs"; the "last steps" figure shows the
last ``last_steps`` generator updates (one per batch): our reading, not a documented fact, is
that the course notebook's "epoch" was one batch update.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data import cifar10
from anndl.data.mnist import load_mnist_subset
from anndl.errors import ConfigError
from anndl.nn import sample_quality, torchkit
from anndl.nn.gan_models import DCGANDiscriminator, DCGANGenerator
from anndl.nn.gan_training import (
    draw_last_accuracies,
    draw_last_losses,
    draw_snapshot_strip,
    generate,
    train_gan,
)
from anndl.registry import experiment

PAD = 2


@dataclasses.dataclass(kw_only=True)
class DCGANConfig(ExperimentConfig):
    dataset: Literal["mnist", "cifar10"] = "mnist"
    """mnist: the shipped 5000-digit subset; cifar10: one class of the CIFAR-10 binary batches."""
    cifar_path: str | None = None
    """Folder holding data_batch_1.bin ... data_batch_5.bin (from cifar-10-binary.tar.gz); cifar10 only."""
    cifar_class: Literal[cifar10.CLASSES] = "dog"  # type: ignore[valid-type]
    """CIFAR-10 class trained on (the course used dog, label 5)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training images (null: all of them)."""
    latent_dim: int = param(100, ge=1)
    """Dimension of the generator's N(0, I) input."""
    generator_widths: list[int] = param([256, 256, 128], ge=1)
    """Channels of the generator's dense map and its two hidden transposed convs (course: 256, 256, 128)."""
    discriminator_widths: list[int] = param([32, 64, 128], ge=1)
    """Channels of the discriminator's three convolutions (course: 32, 64, 128)."""
    epochs: int = param(10, ge=1)
    """Passes over the training images."""
    batch_size: int = param(32, ge=2)
    """Real images per step (and as many fakes); the course notebook's 32."""
    lr: float = param(2e-4, gt=0)
    """Adam learning rate of both networks (DCGAN paper and course: 2e-4)."""
    beta1: float = param(0.5, ge=0, lt=1)
    """Adam beta1 (DCGAN paper and course: 0.5; beta2 stays 0.999)."""
    last_steps: int = param(500, ge=10)
    """Generator steps in the report's Figure 4.4 window (losses and accuracies with their means)."""
    snapshots: int = param(6, ge=2)
    """Sample grids kept over training (the first before any update)."""
    checkpoint_every: int = param(5, ge=0)
    """Save both networks to checkpoints/ every this many epochs (0: only at the end)."""
    quality: sample_quality.QualityConfig = dataclasses.field(default_factory=sample_quality.QualityConfig)
    """Sample-quality scoring of the generator (MNIST only)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""


def load_data(cfg: dict, split_seed: int) -> dict:
    """Training images (N, C, 32, 32) in [-1, 1] as ``gan``; for MNIST also the classifier's digits
    (``digits``, ``labels``, (N, 28, 28) in [0, 1]) and the held-out ``reference``/``reference_labels``."""
    if cfg["dataset"] == "cifar10":
        if cfg["cifar_path"] is None:
            raise ConfigError("key 'cifar_path': dataset cifar10 needs the folder of the binary batches, "
                              "e.g. cifar_path=~/data/cifar-10-batches-bin")
        images = cifar10.load_class(cfg["cifar_path"], cfg["cifar_class"])[: cfg["max_train_images"]]
        return {"gan": images * 2 - 1}
    digits, labels = load_mnist_subset()
    rng = np.random.default_rng(split_seed)
    train, held = sample_quality.held_out_split(labels, cfg["held_out_per_class"], rng)
    train = rng.permutation(train)[: cfg["max_train_images"]]  # the subset is sorted by class
    padded = np.pad(digits[train] * 2 - 1, ((0, 0), (PAD, PAD), (PAD, PAD)), constant_values=-1)
    return {"gan": padded[:, None], "digits": digits[train], "labels": labels[train],
            "reference": digits[held], "reference_labels": labels[held]}


def training_settings(cfg: DCGANConfig) -> dict:
    """The fields that determine the GAN training (a cell's key: scoring and plotting options
    can change without retraining on resume), plus the held-out count that shapes the data."""
    settings = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("quality", "last_steps", "quick")}
    return settings | {"held_out_per_class": cfg.quality.held_out_per_class}


def build_networks(cfg: dict, channels: int) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    return (DCGANGenerator(cfg["latent_dim"], channels, cfg["generator_widths"]),
            DCGANDiscriminator(channels, cfg["discriminator_widths"]))


def train_cell(cell: dict) -> dict:
    """One DCGAN training (a ctx.map cell, so a finished training is not redone on resume)."""
    cfg = cell["cfg"]
    images = load_data(cfg, cell["split_seed"])["gan"]
    torchkit.seed_everything(cell["seed"])
    generator, discriminator = build_networks(cfg, images.shape[1])
    history = train_gan(generator, discriminator, images, objective="bce", epochs=cfg["epochs"],
                        batch_size=cfg["batch_size"], lr=cfg["lr"], betas=(cfg["beta1"], 0.999),
                        seed=cell["seed"], device=cfg["device"], n_snapshots=cfg["snapshots"], n_fixed=36,
                        checkpoint_dir=cell["checkpoint_dir"], checkpoint_every=cfg["checkpoint_every"],
                        progress=True, desc="DCGAN epochs")
    final = torchkit.save_checkpoint(Path(cell["checkpoint_dir"]) / "generator_final.pt",
                                     generator=generator.state_dict())
    return {"history": history.to_dict(), "snapshots": np.stack(history.snapshots_).astype(np.float16),
            "checkpoint": str(final)}


@experiment("dcgan", DCGANConfig, "DCGAN on MNIST or one CIFAR-10 class, with sample quality (§4.3)")
def run(cfg: DCGANConfig, ctx) -> dict:
    device = torchkit.resolve_device(cfg.device)
    settings = training_settings(cfg)
    split_seed = ctx.child_seed()
    data = load_data(settings, split_seed)
    cell = {"cfg": settings, "split_seed": split_seed, "checkpoint_dir": str(ctx.checkpoint_dir / "dcgan")}
    (result,) = ctx.map(train_cell, [cell], desc="DCGAN")
    history = result["history"]
    ctx.write_json("dcgan_history", history)
    per_epoch = history["per_epoch"]
    ctx.write_table("dcgan_per_epoch", [dict(zip(per_epoch, row, strict=True))
                                        for row in zip(*per_epoch.values(), strict=True)])

    label = "MNIST" if cfg.dataset == "mnist" else f"CIFAR-10 {cfg.cifar_class}s"
    _plot_snapshots(ctx, history["snapshot_steps"], result["snapshots"], data["gan"], label)
    last = min(cfg.last_steps, len(history["d_loss"]))
    fig, (ax_loss, ax_acc) = plotting.subplots(1, 2, width=5.0)
    title = f"DCGAN on {label}, last {last} steps"
    window = draw_last_losses(ax_loss, history, last, title=f"{title}: loss")
    window |= draw_last_accuracies(ax_acc, history, last, title=f"{title}: accuracy")
    ctx.save_figure(fig, "dcgan_last_steps_loss_and_accuracy")
    _plot_epochs(ctx, history["per_epoch"], label)

    metrics = {"dataset": cfg.dataset, "train_images": len(data["gan"]),
               "generator_steps": len(history["d_loss"]), "last_steps": window,
               "final_epoch": {k: v[-1] for k, v in history["per_epoch"].items()}}
    if cfg.dataset == "mnist" and cfg.quality.enabled:
        generator, _ = build_networks(settings, 1)
        generator.load_state_dict(torchkit.load_checkpoint(result["checkpoint"])["generator"])
        noise = torch.Generator().manual_seed(split_seed)
        z = torch.randn(cfg.quality.n_samples, cfg.latent_dim, generator=noise)
        samples = (generate(generator.to(device), z)[:, 0, PAD:-PAD, PAD:-PAD] + 1) / 2
        rows, info = sample_quality.quality_table({"dcgan": samples}, data["digits"], data["labels"],
                                                  data["reference"], data["reference_labels"], cfg.quality,
                                                  seed=ctx.child_seed(), device=device)
        ctx.write_table("dcgan_sample_quality", rows)
        metrics["quality"] = sample_quality.rows_as_metrics(rows) | info
    return metrics


def _plot_snapshots(ctx, steps, snapshots, real, label: str) -> None:
    fig, ax = plotting.subplots(1, 1, width=13.0, height=2.8)
    draw_snapshot_strip(ax, snapshots, steps, real[: snapshots.shape[1]])
    ax.set_title(f"DCGAN samples for fixed latent vectors during training on {label}")
    ctx.save_figure(fig, "dcgan_samples_over_training")


def _plot_epochs(ctx, per_epoch: dict, label: str) -> None:
    fig, (ax_loss, ax_acc) = plotting.subplots(1, 2)
    ax_loss.plot(per_epoch["epoch"], per_epoch["d_loss"], "o-", color="tab:red", label="discriminator")
    ax_loss.plot(per_epoch["epoch"], per_epoch["g_loss"], "o-", color="tab:blue", label="generator")
    ax_loss.set(xlabel="epoch", ylabel="mean loss", title=f"DCGAN on {label}: loss per epoch")
    ax_acc.plot(per_epoch["epoch"], per_epoch["d_acc_real"], "o-", color="tab:red", label="D on real")
    ax_acc.plot(per_epoch["epoch"], per_epoch["d_acc_fake"], "s--", color="tab:red", label="D on fake")
    ax_acc.set(xlabel="epoch", ylabel="mean accuracy", ylim=(0, 1.02),
               title=f"DCGAN on {label}: discriminator accuracy per epoch")
    for ax in (ax_loss, ax_acc):
        ax.legend()
    ctx.save_figure(fig, "dcgan_loss_and_accuracy_per_epoch")
