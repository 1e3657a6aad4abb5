"""§4.4 Wasserstein GANs on MNIST: weight clipping and gradient penalty, against a standard GAN.

MLP generator 100 -> 256 -> 256 -> 784 (tanh) and critic 784 -> 256 -> 256 -> 1 on the shipped
MNIST subset scaled to [-1, 1] (28×28, flattened by the networks). Variants (``variants``), each
a :class:`GanMethod` section of the config:

- ``clip``: WGAN with weight clipping, RMSProp 5e-5, clip 0.01, 5 critic steps (Arjovsky et al.);
- ``gp``: WGAN-GP, Adam 1e-4 with betas (0, 0.9), lambda 10, 5 critic steps (Gulrajani et al.);
- ``bce``: a standard GAN (the DCGAN's BCE losses and Adam 2e-4, beta1 0.5) on the same MLPs,
  one discriminator step per generator step: the baseline that differs only in the objective.

Every variant gets the same number of generator steps (``budget.generator_steps``), as in the
course notebook: a WGAN with 5 critic steps sees the data 5 times as often as the baseline.
When ``dcgan_run`` names a run directory of the ``dcgan`` experiment, its last steps are drawn
beside the WGANs' (report: "compare with Figure 4.4").
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.errors import DataError
from anndl.generative._gan_figures import (
    draw_last_losses,
    draw_smoothed,
    draw_snapshot_strip,
    last_losses_series,
    smoothing_title,
    smoothing_window,
)
from anndl.nn.adversarial.options import DigitImages, GanBudget, GanCell, GanMethod, MLPNetworks, QualityConfig
from anndl.registry import experiment

VARIANTS = {"clip": "wgan-clip", "gp": "wgan-gp", "bce": "bce"}
TITLES = {"clip": "WGAN (weight clipping)", "gp": "WGAN-GP", "bce": "standard GAN (BCE), same MLPs"}


@dataclasses.dataclass(kw_only=True)
class WGANConfig(ExperimentConfig):
    variants: list[str] = param(["clip", "gp", "bce"])
    """Trainings to run: clip (WGAN), gp (WGAN-GP), bce (standard GAN baseline on the same networks)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training digits (null: all but the held-out ones)."""
    networks: MLPNetworks = dataclasses.field(default_factory=MLPNetworks)
    """The generator and critic MLPs (the same for every variant)."""
    budget: GanBudget = dataclasses.field(
        default_factory=lambda: GanBudget(generator_steps=4000, batch_size=64, checkpoint_every=1000))
    """Generator steps (the same for every variant), batch size (WGAN paper: 64), snapshots, checkpoints."""
    clip: GanMethod = dataclasses.field(default_factory=lambda: GanMethod(
        objective="wgan-clip", optimiser="rmsprop", lr=5e-5, critic_steps=5, clip=0.01))
    """The clip variant (Arjovsky et al.: RMSProp 5e-5, clip 0.01, 5 critic steps)."""
    gp: GanMethod = dataclasses.field(default_factory=lambda: GanMethod(
        objective="wgan-gp", optimiser="adam", lr=1e-4, betas=[0.0, 0.9], critic_steps=5, gp_weight=10.0))
    """The gp variant (Gulrajani et al.: Adam 1e-4, betas (0, 0.9), lambda 10, 5 critic steps)."""
    bce: GanMethod = dataclasses.field(default_factory=lambda: GanMethod(
        objective="bce", optimiser="adam", lr=2e-4, betas=[0.5, 0.999]))
    """The standard-GAN baseline (DCGAN's Adam 2e-4, beta1 0.5, one D step per G step)."""
    last_steps: int = param(500, ge=10)
    """Generator steps in the "final training steps" figures (report Figure 4.6)."""
    dcgan_run: str | None = None
    """A run directory of the dcgan experiment whose last steps are drawn beside the WGANs' (optional)."""
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)
    """Sample-quality scoring of each generator."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants or len(set(self.variants)) != len(self.variants):
            known = ", ".join(VARIANTS)
            raise ValueError(f"variants: expected distinct names from {known}, got {self.variants}")
        for variant, objective in VARIANTS.items():
            if getattr(self, variant).objective != objective:
                raise ValueError(f"{variant}: expected objective {objective}, got {getattr(self, variant).objective}")

    def data(self) -> DigitImages:
        """The digit split every variant trains on (held-out count from ``quality``)."""
        return DigitImages(self.quality.held_out_per_class, self.max_train_images)

    def cell(self, variant: str, *, split_seed: int, checkpoint_dir: str) -> GanCell:
        """The training cell of one variant."""
        return GanCell(self.data(), self.networks, getattr(self, variant), self.budget, split_seed,
                       checkpoint_dir, self.device, desc=f"{variant} generator steps")


def read_dcgan_history(run_dir: str) -> dict:
    path = Path(run_dir).expanduser() / "dcgan_history.json"
    if not path.is_file():
        raise DataError(f"{path}: not found; dcgan_run must name a finished run directory of the dcgan "
                        f"experiment (e.g. runs/dcgan/<timestamp>_s0)")
    return json.loads(path.read_text())


def check_data(cfg: WGANConfig) -> None:
    """The dcgan run directory ``dcgan_run`` names holds its dcgan_history.json."""
    if cfg.dcgan_run:
        read_dcgan_history(cfg.dcgan_run)


@experiment("wgan_mnist", WGANConfig, "WGAN (clipping, gradient penalty) vs standard GAN on MNIST (§4.4)",
            check_data=check_data)
def run(cfg: WGANConfig, ctx) -> dict:
    import torch

    from anndl.nn import torchkit
    from anndl.nn.adversarial import sample_quality
    from anndl.nn.adversarial.training import digits_from, load_generator, train_cell

    device = torchkit.resolve_device(cfg.device)
    split_seed = ctx.child_seed()
    data = cfg.data().load(split_seed)
    dcgan = read_dcgan_history(cfg.dcgan_run) if cfg.dcgan_run else None
    cells = [cfg.cell(v, split_seed=split_seed, checkpoint_dir=str(ctx.checkpoint_dir / v)) for v in cfg.variants]
    results = dict(zip(cfg.variants, ctx.map(train_cell, cells, desc="GAN variants"), strict=True))
    histories = {v: r["history"] for v, r in results.items()}
    ctx.write_json("wgan_histories", histories)
    columns = ("epoch", "d_loss", "g_loss", "d_real", "d_fake")  # the series every objective logs
    ctx.write_table("wgan_per_epoch", [{"variant": v, **dict(zip(columns, row, strict=True))}
                                       for v, h in histories.items()
                                       for row in zip(*(h["per_epoch"][c] for c in columns), strict=True)])

    _plot_snapshots(ctx, results, data["gan"])
    last = min([cfg.last_steps] + [len(h["d_loss"]) for h in histories.values()])
    _plot_wgan_last_steps(ctx, histories, last)
    dcgan_window = _plot_side_by_side(ctx, histories, dcgan, last)
    _plot_epochs(ctx, histories)

    metrics: dict = {"train_images": len(data["gan"]), "last_steps": last}
    metrics |= {v: _variant_metrics(history, last) for v, history in histories.items()}
    if dcgan_window:
        metrics["dcgan_run_last_steps"] = dcgan_window
    if cfg.quality.enabled:
        noise = torch.Generator().manual_seed(split_seed)
        z = torch.randn(cfg.quality.n_samples, cfg.networks.latent_dim, generator=noise)
        samples = {VARIANTS[v]: digits_from(load_generator(cfg.networks, 1, r["checkpoint"], device), z)
                   for v, r in results.items()}
        rows, info = sample_quality.quality_table(
            samples, data["digits"], data["labels"], data["reference"], data["reference_labels"], cfg.quality,
            seed=ctx.child_seed(), device=device)
        ctx.write_table("wgan_sample_quality", rows)
        metrics["quality"] = sample_quality.rows_as_metrics(rows) | info
    return metrics


def _plot_wgan_last_steps(ctx, histories: dict, last: int) -> None:
    """Report Figure 4.6: critic (top) and generator (bottom) loss over the last steps, per WGAN, as trained."""
    wgans = [v for v in histories if v != "bce"]
    if not wgans:
        return
    fig, axes = plotting.subplots(2, len(wgans), width=5.0, height=2.6, squeeze=False, sharex="col")
    data = {}
    for column, v in enumerate(wgans):  # critic above, generator below: each on its own scale, no offset
        series = last_losses_series(histories[v], last)
        steps, window = series["generator step"], smoothing_window(len(series["generator step"]))
        for row, (key, colour, name) in enumerate((("discriminator loss", "tab:red", "critic"),
                                                    ("generator loss", "tab:blue", "generator"))):
            ax = axes[row, column]
            draw_smoothed(ax, steps, series[key], colour, name, window)
            ax.set_ylabel(f"{name} loss")
        axes[0, column].set_title(f"{TITLES[v]}: last {last} steps")
        axes[1, column].set_xlabel("generator step")
        data |= {f"{TITLES[v]} {k}": c for k, c in series.items()}
    for row, where in ((0, "upper"), (1, "lower")):
        handles, labels = axes[row, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc=f"outside right {where}", fontsize=8, title_fontsize=8,
                   title=smoothing_title(smoothing_window(last)).replace("; ", "\n"))
    ctx.save_figure(fig, "wgan_last_steps_critic_and_generator_loss", data=data)


def _plot_side_by_side(ctx, histories: dict, dcgan: dict | None, last: int) -> dict:
    """The last steps of the DCGAN run (when given) and of every variant, unshifted, side by side."""
    panels = ({"DCGAN (dcgan_run)": dcgan} if dcgan else {}) | {TITLES[v]: h for v, h in histories.items()}
    fig, axes = plotting.subplots(1, len(panels), width=4.6, squeeze=False)
    dcgan_window, data = {}, {}
    for ax, (title, history) in zip(axes[0], panels.items(), strict=True):
        d_name = "critic" if title in (TITLES["clip"], TITLES["gp"]) else "discriminator"
        window = draw_last_losses(ax, history, min(last, len(history["d_loss"])), title=title, d_name=d_name)
        if history is dcgan:
            dcgan_window = window
            ax.set_xlabel("generator step of the DCGAN run")  # its own step count: not the variants' axis
        series = last_losses_series(history, min(last, len(history["d_loss"])))
        data |= {f"{title} {k}": c for k, c in series.items()}
    fig.suptitle(f"Discriminator / critic and generator losses over the last {last} generator steps")
    ctx.save_figure(fig, "wgan_vs_standard_gan_last_steps", data=data)
    return dcgan_window


def _variant_metrics(history: dict, last: int) -> dict:
    """Step count, epochs seen, last-epoch means and the last-steps window's loss means and spreads."""
    per_epoch = history["per_epoch"]
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    return {"generator_steps": len(history["d_loss"]), "epochs": per_epoch["epoch"][-1],
            "final_epoch": {"d_loss": per_epoch["d_loss"][-1], "g_loss": per_epoch["g_loss"][-1],
                            "d_real_minus_fake": per_epoch["d_real"][-1] - per_epoch["d_fake"][-1]},
            "last_steps": {"d_loss_mean": float(d.mean()), "d_loss_std": float(d.std()),
                           "g_loss_mean": float(g.mean()), "g_loss_std": float(g.std())}}


def _plot_snapshots(ctx, results: dict, real: np.ndarray) -> None:
    fig, axes = plotting.subplots(len(results), 1, width=13.0, height=2.6, squeeze=False)
    for ax, (v, result) in zip(axes[:, 0], results.items(), strict=True):
        snapshots = result["snapshots"]
        draw_snapshot_strip(ax, snapshots, result["history"]["snapshot_steps"], real[: snapshots.shape[1]])
        ax.set_ylabel(TITLES[v], fontsize=9)
    fig.suptitle("MLP generator samples for fixed latent vectors during training, per objective")
    ctx.save_figure(fig, "wgan_samples_over_training")


def _plot_epochs(ctx, histories: dict) -> None:
    fig, (ax_w, ax_g) = plotting.subplots(1, 2, width=5.0)
    data = {}
    for v, history in histories.items():
        per_epoch = history["per_epoch"]
        gap = np.asarray(per_epoch["d_real"]) - np.asarray(per_epoch["d_fake"])
        ax_w.plot(per_epoch["epoch"], gap, label=TITLES[v])
        ax_g.plot(per_epoch["epoch"], per_epoch["g_loss"], label=TITLES[v])
        data |= {f"{TITLES[v]} epoch": per_epoch["epoch"], f"{TITLES[v]} mean D(real) - mean D(fake)": gap,
                 f"{TITLES[v]} mean generator loss": per_epoch["g_loss"]}
    ax_w.set(xlabel="epoch", ylabel="mean D(real) - mean D(fake)",
             title="critic gap (WGAN: Wasserstein estimate) per epoch")
    ax_g.set(xlabel="epoch", ylabel="mean generator loss", title="generator loss per epoch")
    for ax in (ax_w, ax_g):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend(fontsize=8)
    ctx.save_figure(fig, "wgan_critic_gap_and_generator_loss_per_epoch", data=data)
