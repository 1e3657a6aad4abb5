"""Session 4.2 of the 2024 course: the vanilla (fully connected) GAN and the CNN-backbone GAN on MNIST,
latent 10, Adam 1e-3 with betas (0.5, 0.999) for both networks, batch 512, alternating D and G steps.

Both train through anndl's one GAN training cell (:func:`anndl.nn.adversarial.training.train_cell`, the
``bce`` objective) and are scored by the same sample-quality code as every generator of anndl
(:func:`anndl.nn.adversarial.sample_quality.quality_table`: a digit classifier's Fréchet distance to held-out
digits, with the real-vs-real floor, confident fraction and class entropy); ``vae_mnist`` scores its
samples the same way, on the same split for the same seed. The course logs the discriminator's loss
as (BCE real + BCE fake) / 2; anndl's is the sum, so the metrics give both.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.generative._gan_figures import draw_interpolations, draw_snapshot_strip, latent_path
from anndl.nn.adversarial.options import CourseGanNetworks, DigitImages, GanBudget, GanCell, GanMethod, QualityConfig
from anndl.registry import experiment

SHORT = {"mlp": "vanilla GAN", "cnn": "CNN GAN"}
TITLES = {"mlp": "vanilla GAN (fully connected)", "cnn": "CNN-backbone GAN"}
COURSE_METHOD = GanMethod(objective="bce", optimiser="adam", lr=1e-3, betas=[0.5, 0.999])


@dataclasses.dataclass(kw_only=True)
class CourseGan:
    """One of the course's GANs: networks, budget (a config section)."""

    networks: CourseGanNetworks = dataclasses.field(default_factory=CourseGanNetworks)
    """The architecture (kind mlp or cnn) and latent size."""
    budget: GanBudget = dataclasses.field(default_factory=lambda: GanBudget(generator_steps=120, batch_size=512))
    """Generator steps and batch size (course: 50 epochs of full MNIST at batch 512, about 5900 steps)."""


@dataclasses.dataclass(kw_only=True)
class GanMnistConfig(ExperimentConfig):
    variants: list[Literal["mlp", "cnn"]] = param(["mlp", "cnn"])
    """GANs to train: mlp (the vanilla GAN), cnn (the CNN backbone)."""
    mlp: CourseGan = dataclasses.field(default_factory=lambda: CourseGan(
        networks=CourseGanNetworks(kind="mlp"), budget=GanBudget(generator_steps=120, batch_size=512)))
    """The vanilla GAN."""
    cnn: CourseGan = dataclasses.field(default_factory=lambda: CourseGan(
        networks=CourseGanNetworks(kind="cnn"), budget=GanBudget(generator_steps=30, batch_size=64)))
    """The CNN-backbone GAN."""
    method: GanMethod = COURSE_METHOD
    """Objective and optimiser of both (course: BCE, Adam 1e-3, betas (0.5, 0.999), D step then G step)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training digits (null: all but the held-out ones)."""
    interpolations: int = param(4, ge=1)
    """Latent paths drawn in the interpolation figure."""
    interpolation_steps: int = param(7, ge=2)
    """Images along each latent path."""
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)
    """Sample-quality scoring (shared with vae_mnist, dcgan and wgan_mnist)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        if not self.variants or len(set(self.variants)) != len(self.variants):
            raise ValueError(f"variants: expected distinct names from mlp, cnn, got {self.variants}")
        for name in ("mlp", "cnn"):
            if getattr(self, name).networks.kind != name:
                raise ValueError(f"{name}: networks.kind must be {name}")

    def data(self) -> DigitImages:
        return DigitImages(self.quality.held_out_per_class, self.max_train_images)


@experiment("gan_mnist", GanMnistConfig,
            "The 2024 course's vanilla and CNN-backbone GANs on MNIST, with sample quality (session 4)")
def run(cfg: GanMnistConfig, ctx) -> dict:
    import torch

    from anndl.nn import torchkit
    from anndl.nn.adversarial import sample_quality
    from anndl.nn.adversarial.training import digits_from, load_generator, train_cell

    device = torchkit.resolve_device(cfg.device)
    split_seed = ctx.child_seed()
    quality_seed = ctx.child_seed()  # drawn second, as in vae_mnist: the same classifier for the same seed
    data = cfg.data().load(split_seed)
    cells = [GanCell(cfg.data(), getattr(cfg, v).networks, cfg.method, getattr(cfg, v).budget, split_seed,
                     str(ctx.checkpoint_dir / v), cfg.device, desc=f"{v} GAN generator steps") for v in cfg.variants]
    results = dict(zip(cfg.variants, ctx.map(train_cell, cells, desc="GANs"), strict=True))
    ctx.write_json("gan_mnist_histories", {v: r["history"] for v, r in results.items()})
    generators = {v: load_generator(getattr(cfg, v).networks, 1, r["checkpoint"], device) for v, r in results.items()}

    _plot_losses(ctx, cfg, results)
    _plot_samples(ctx, results, data["gan"])
    noise = torch.Generator().manual_seed(split_seed)
    latent = {v: cfg_v.networks.latent_dim for v, cfg_v in ((v, getattr(cfg, v)) for v in cfg.variants)}
    rows = {}
    for v in cfg.variants:
        ends = torch.randn(cfg.interpolations, 2, latent[v], generator=noise).numpy()
        path = np.concatenate([latent_path(a, b, cfg.interpolation_steps) for a, b in ends])
        rows[v] = digits_from(generators[v], torch.as_tensor(path)).reshape(cfg.interpolations, cfg.interpolation_steps,
                                                                          28, 28)
    fig, axes = plotting.subplots(1, len(rows), width=4.2, height=2.8, squeeze=False)
    for ax, (v, images) in zip(axes[0], rows.items(), strict=True):
        draw_interpolations(ax, images, title=f"{TITLES[v]}: straight latent paths (one per row)")
    ctx.save_figure(fig, "gan_mnist_latent_interpolation")

    metrics: dict = {"train_images": len(data["gan"])}
    for v, r in results.items():
        h = r["history"]
        per_epoch = h["per_epoch"]
        metrics[v] = {"generator_steps": len(h["d_loss"]), "epochs_of_training_digits": per_epoch["epoch"][-1],
                      "n_parameters_generator": sum(p.numel() for p in generators[v].parameters()),
                      "final_epoch_g_loss": per_epoch["g_loss"][-1], "final_epoch_d_loss": per_epoch["d_loss"][-1],
                      "final_epoch_d_loss_course_scale": per_epoch["d_loss"][-1] / 2}
    if cfg.quality.enabled:
        z = {v: torch.randn(cfg.quality.n_samples, latent[v], generator=torch.Generator().manual_seed(quality_seed))
             for v in cfg.variants}
        samples = {TITLES[v]: digits_from(generators[v], z[v]) for v in cfg.variants}
        table, info = sample_quality.quality_table(samples, data["digits"], data["labels"], data["reference"],
                                                   data["reference_labels"], cfg.quality, seed=quality_seed,
                                                   device=device)
        ctx.write_table("gan_mnist_sample_quality", table)
        by_name = {row["generator"]: row for row in table}
        metrics["quality"] = {"real": _scores(by_name["real (floor)"]), **info,
                              **{v: _scores(by_name[TITLES[v]]) for v in cfg.variants}}
    return metrics


def _scores(row: dict) -> dict:
    return {k: row[k] for k in ("frechet_distance", "confident_fraction", "class_entropy_bits")}


def _plot_losses(ctx, cfg, results: dict) -> None:
    fig, axes = plotting.subplots(1, len(results), width=4.6, squeeze=False)
    data = {}
    for ax, (v, r) in zip(axes[0], results.items(), strict=True):
        h = r["history"]
        steps = np.arange(1, len(h["d_loss"]) + 1)
        ax.plot(steps, h["g_loss"], color="C0", lw=0.8, label="generator: BCE(D(G(z)), real)")
        ax.plot(steps, np.asarray(h["d_loss"]) / 2, color="C3", lw=0.8,
                label="discriminator: (BCE real + BCE fake) / 2")
        ax.axhline(np.log(2), color="0.5", ls=":", lw=1, label="ln 2 (D(.) = 1/2 everywhere)")
        ax.set(xlabel=f"generator step of the {SHORT[v]}", ylabel="loss (nats per image)", title=TITLES[v])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend(fontsize=7)
        data |= {f"{v} generator step": steps, f"{v} generator loss": h["g_loss"],
                 f"{v} discriminator loss, course scale": np.asarray(h["d_loss"]) / 2}
    fig.suptitle(f"GAN losses per generator step (course: {cfg.method.optimiser} {cfg.method.lr:g}, "
                 f"latent {cfg.mlp.networks.latent_dim})")
    ctx.save_figure(fig, "gan_mnist_losses_per_step", data=data)


def _plot_samples(ctx, results: dict, real: np.ndarray) -> None:
    fig, axes = plotting.subplots(len(results), 1, width=13.0, height=2.6, squeeze=False)
    for ax, (v, r) in zip(axes[:, 0], results.items(), strict=True):
        snapshots = r["snapshots"]
        draw_snapshot_strip(ax, snapshots, r["history"]["snapshot_steps"], real[: snapshots.shape[1]])
        ax.set_ylabel(TITLES[v], fontsize=8)
    fig.suptitle("Generator samples for fixed latent vectors during training")
    ctx.save_figure(fig, "gan_mnist_samples_over_training")
