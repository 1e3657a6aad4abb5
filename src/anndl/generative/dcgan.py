"""§4.3 DCGAN (the course notebook's architecture and update) on MNIST digits or one CIFAR-10 class.

MNIST digits (28×28) are scaled to [-1, 1] and *padded* with 2 background pixels (-1) on every
side to the 32×32 the architecture is built for; generated images are cropped back to the central
28×28 for the sample-quality classifier. The budget is a number of generator steps
(``budget.generator_steps``; the course notebook: 20000 at batch 32), each, by default, the
notebook's simultaneous update of both networks from one forward pass (``method.update``).
The report's Figure 4.4 shows "the final 500 training epochs"; the "last steps" figure shows the
last ``last_steps`` generator updates (one per batch): our reading, not a documented fact, is
that the course notebook's "epoch" was one batch update.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data import cifar10
from anndl.data.course import CIFAR_PY, CourseFiles
from anndl.generative._gan_figures import (
    draw_last_accuracies,
    draw_last_losses,
    draw_snapshot_strip,
    last_accuracies_series,
    last_losses_series,
)
from anndl.nn.adversarial.options import (
    CifarImages,
    DCGANNetworks,
    DigitImages,
    GanBudget,
    GanCell,
    GanMethod,
    QualityConfig,
)
from anndl.registry import experiment

PAD = 2


@dataclasses.dataclass(kw_only=True)
class DCGANConfig(ExperimentConfig):
    dataset: Literal["mnist", "cifar10"] = "mnist"
    """mnist: the shipped 5000-digit subset; cifar10: one class of the CIFAR-10 training batches."""
    cifar_path: str | None = None
    """Folder holding data_batch_1.bin ... data_batch_5.bin (cifar-10-binary.tar.gz) or the python batches
    data_batch_1 ... data_batch_5 (cifar-10-batches-py from cifar-10-python.tar.gz); cifar10 only."""
    cifar_class: Literal[cifar10.CLASSES] = "dog"  # type: ignore[valid-type]
    """CIFAR-10 class trained on (the course used dog, label 5)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training images (null: all of them)."""
    networks: DCGANNetworks = dataclasses.field(default_factory=DCGANNetworks)
    """The generator and discriminator (course widths; the generator's dense layer linear, then ReLU)."""
    method: GanMethod = dataclasses.field(default_factory=lambda: GanMethod(objective="bce", update="simultaneous"))
    """BCE with Adam 2e-4, beta1 0.5 (DCGAN paper and course); simultaneous (course) or alternating updates."""
    budget: GanBudget = dataclasses.field(
        default_factory=lambda: GanBudget(generator_steps=1800, batch_size=32, checkpoint_every=500))
    """Generator steps (course: 20000), batch size (course: 32), snapshots, checkpoints."""
    last_steps: int = param(500, ge=10)
    """Generator steps in the report's Figure 4.4 window (losses and accuracies with their means)."""
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)
    """Sample-quality scoring of the generator (MNIST only)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        if self.method.objective != "bce":
            raise ValueError(f"method: the DCGAN trains with objective bce, got {self.method.objective}")

    def data(self) -> DigitImages | CifarImages:
        """The training images (MNIST: padded to 32x32, with a held-out reference; or one CIFAR-10 class)."""
        if self.dataset == "cifar10":
            return CifarImages(self.cifar_path, self.cifar_class, self.max_train_images)
        return DigitImages(self.quality.held_out_per_class, self.max_train_images, pad=PAD)


def check_data(cfg: DCGANConfig) -> None:
    """The CIFAR-10 batches ``cifar_path`` names are whole binary records holding ``cifar_class``."""
    if cfg.dataset == "cifar10" and cfg.cifar_path is not None:
        cifar10.load_class(cfg.cifar_path, cfg.cifar_class)


COURSE_DATA = (CourseFiles({"cifar_path": CIFAR_PY}, {"dataset": "cifar10", "cifar_class": "dog"}),)
"""Under ``--data DIR``: CIFAR-10's python batches (not in the course folder: add them), class 5 (dog)."""


@experiment("dcgan", DCGANConfig, "DCGAN on MNIST or one CIFAR-10 class, with sample quality (§4.3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: DCGANConfig, ctx) -> dict:
    import torch

    from anndl.nn import torchkit
    from anndl.nn.adversarial import sample_quality
    from anndl.nn.adversarial.training import digits_from, load_generator, train_cell

    device = torchkit.resolve_device(cfg.device)
    split_seed = ctx.child_seed()
    data = cfg.data().load(split_seed)
    channels = data["gan"].shape[1]
    cell = GanCell(cfg.data(), cfg.networks, cfg.method, cfg.budget, split_seed, str(ctx.checkpoint_dir / "dcgan"),
                   cfg.device, desc="DCGAN generator steps")
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
    series = last_losses_series(history, last) | last_accuracies_series(history, last)
    ctx.save_figure(fig, "dcgan_last_steps_loss_and_accuracy", data=series)
    _plot_epochs(ctx, history["per_epoch"], label)

    metrics = {"dataset": cfg.dataset, "train_images": len(data["gan"]),
               "generator_steps": len(history["d_loss"]), "last_steps": window,
               "final_epoch": {k: v[-1] for k, v in history["per_epoch"].items()}}
    if cfg.dataset == "mnist" and cfg.quality.enabled:
        generator = load_generator(cfg.networks, channels, result["checkpoint"], device)
        noise = torch.Generator().manual_seed(split_seed)
        z = torch.randn(cfg.quality.n_samples, cfg.networks.latent_dim, generator=noise)
        samples = digits_from(generator, z, pad=PAD)
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
    ax_acc.set(xlabel="epoch", ylabel="mean accuracy (fraction of images)", ylim=(0, 1.02),
               title=f"DCGAN on {label}: D accuracy per epoch")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend()
    data = {"epoch": per_epoch["epoch"], "discriminator mean loss": per_epoch["d_loss"],
            "generator mean loss": per_epoch["g_loss"], "D accuracy on real": per_epoch["d_acc_real"],
            "D accuracy on fake": per_epoch["d_acc_fake"]}
    ctx.save_figure(fig, "dcgan_loss_and_accuracy_per_epoch", data=data)
