"""§4.4 Wasserstein GANs on MNIST: weight clipping and gradient penalty, against a standard GAN.

MLP generator 100 -> 256 -> 256 -> 784 (tanh) and critic 784 -> 256 -> 256 -> 1 on the shipped
MNIST subset scaled to [-1, 1] (28×28, flattened by the networks). Variants (``variants``):

- ``clip``: WGAN with weight clipping, RMSProp 5e-5, clip 0.01, 5 critic steps (Arjovsky et al.);
- ``gp``: WGAN-GP, Adam 1e-4 with betas (0, 0.9), lambda 10, 5 critic steps (Gulrajani et al.);
- ``bce``: a standard GAN (the DCGAN's BCE losses and Adam 2e-4, beta1 0.5) on the same MLPs,
  one discriminator step per generator step: the baseline that differs only in the objective.

Every variant sees the data for the same number of epochs (critic passes). When ``dcgan_run`` names
a run directory of the ``dcgan`` experiment, its last steps are drawn beside the WGANs' (report:
"compare with Figure 4.4").
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.mnist import load_mnist_subset
from anndl.errors import DataError
from anndl.nn import sample_quality, torchkit
from anndl.nn.gan_models import MLPCritic, MLPGenerator
from anndl.nn.gan_training import draw_last_losses, draw_snapshot_strip, generate, train_gan
from anndl.registry import experiment

VARIANTS = {"clip": "wgan-clip", "gp": "wgan-gp", "bce": "bce"}
TITLES = {"clip": "WGAN (weight clipping)", "gp": "WGAN-GP", "bce": "standard GAN (BCE), same MLPs"}


@dataclasses.dataclass(kw_only=True)
class WGANConfig(ExperimentConfig):
    variants: list[str] = param(["clip", "gp", "bce"])
    """Trainings to run: clip (WGAN), gp (WGAN-GP), bce (standard GAN baseline on the same networks)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training digits (null: all but the held-out ones)."""
    latent_dim: int = param(100, ge=1)
    """Dimension of the generator's N(0, I) input."""
    generator_hidden: list[int] = param([256, 256], ge=1)
    """Hidden widths of the MLP generator (course: 256, 256)."""
    critic_hidden: list[int] = param([256, 256], ge=1)
    """Hidden widths of the MLP critic / discriminator (course: 256, 256)."""
    epochs: int = param(150, ge=1)
    """Passes of the critic over the training digits (the same for every variant)."""
    batch_size: int = param(64, ge=2)
    """Real digits per critic step (WGAN paper: 64)."""
    critic_steps: int = param(5, ge=1)
    """Critic steps per generator step for clip and gp (papers: 5); bce alternates 1:1."""
    clip_lr: float = param(5e-5, gt=0)
    """RMSProp learning rate of the clipped WGAN (paper: 5e-5)."""
    clip_value: float = param(0.01, gt=0)
    """Critic weights are clipped to [-clip_value, clip_value] (paper: 0.01)."""
    gp_lr: float = param(1e-4, gt=0)
    """Adam learning rate of WGAN-GP (paper: 1e-4)."""
    gp_betas: list[float] = param([0.0, 0.9], ge=0, lt=1)
    """Adam (beta1, beta2) of WGAN-GP (paper: 0, 0.9)."""
    gp_weight: float = param(10.0, ge=0)
    """Gradient-penalty weight lambda (paper: 10)."""
    bce_lr: float = param(2e-4, gt=0)
    """Adam learning rate of the standard-GAN baseline (DCGAN: 2e-4)."""
    bce_beta1: float = param(0.5, ge=0, lt=1)
    """Adam beta1 of the standard-GAN baseline (DCGAN: 0.5)."""
    last_steps: int = param(500, ge=10)
    """Generator steps in the "final training steps" figures (report Figure 4.6)."""
    snapshots: int = param(6, ge=2)
    """Sample grids kept over training (the first before any update)."""
    checkpoint_every: int = param(50, ge=0)
    """Save both networks to checkpoints/ every this many epochs (0: only at the end)."""
    dcgan_run: str | None = None
    """A run directory of the dcgan experiment whose last steps are drawn beside the WGANs' (optional)."""
    quality: sample_quality.QualityConfig = dataclasses.field(default_factory=sample_quality.QualityConfig)
    """Sample-quality scoring of each generator."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants or len(set(self.variants)) != len(self.variants):
            known = ", ".join(VARIANTS)
            raise ValueError(f"variants: expected distinct names from {known}, got {self.variants}")
        if len(self.gp_betas) != 2:
            raise ValueError(f"gp_betas: expected two numbers (beta1, beta2), got {self.gp_betas}")


def load_digits(cfg: dict, split_seed: int) -> dict:
    """Training digits (N, 1, 28, 28) in [-1, 1] as ``gan``, the same digits in [0, 1] with labels
    (``digits``, ``labels``) and the held-out ``reference``/``reference_labels``."""
    digits, labels = load_mnist_subset()
    rng = np.random.default_rng(split_seed)
    train, held = sample_quality.held_out_split(labels, cfg["held_out_per_class"], rng)
    train = rng.permutation(train)[: cfg["max_train_images"]]  # the subset is sorted by class
    return {"gan": digits[train][:, None] * 2 - 1, "digits": digits[train], "labels": labels[train],
            "reference": digits[held], "reference_labels": labels[held]}


def training_settings(cfg: WGANConfig) -> dict:
    """The fields that determine the trainings (the cells' keys: scoring and plotting options can
    change without retraining on resume), plus the held-out count that shapes the data."""
    skip = ("quality", "last_steps", "quick", "dcgan_run", "variants")
    settings = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in skip}
    return settings | {"held_out_per_class": cfg.quality.held_out_per_class}


def build_networks(cfg: dict) -> tuple[MLPGenerator, MLPCritic]:
    return MLPGenerator(cfg["latent_dim"], cfg["generator_hidden"]), MLPCritic(cfg["critic_hidden"])


def optimiser_settings(cfg: dict, variant: str) -> dict:
    """The train_gan keywords of one variant."""
    if variant == "clip":
        return {"optimiser": "rmsprop", "lr": cfg["clip_lr"], "clip": cfg["clip_value"],
                "critic_steps": cfg["critic_steps"]}
    if variant == "gp":
        return {"optimiser": "adam", "lr": cfg["gp_lr"], "betas": tuple(cfg["gp_betas"]),
                "gp_weight": cfg["gp_weight"], "critic_steps": cfg["critic_steps"]}
    return {"optimiser": "adam", "lr": cfg["bce_lr"], "betas": (cfg["bce_beta1"], 0.999), "critic_steps": 1}


def train_cell(cell: dict) -> dict:
    """One variant's training (a ctx.map cell: variants can run in parallel and resume)."""
    cfg, variant = cell["cfg"], cell["variant"]
    images = load_digits(cfg, cell["split_seed"])["gan"]
    torchkit.seed_everything(cell["seed"])
    generator, critic = build_networks(cfg)
    history = train_gan(generator, critic, images, objective=VARIANTS[variant], epochs=cfg["epochs"],
                        batch_size=cfg["batch_size"], seed=cell["seed"], device=cfg["device"],
                        n_snapshots=cfg["snapshots"], n_fixed=36, checkpoint_dir=cell["checkpoint_dir"],
                        checkpoint_every=cfg["checkpoint_every"], progress=True, desc=f"{variant} epochs",
                        **optimiser_settings(cfg, variant))
    final = torchkit.save_checkpoint(Path(cell["checkpoint_dir"]) / "generator_final.pt",
                                     generator=generator.state_dict())
    return {"history": history.to_dict(), "snapshots": np.stack(history.snapshots_).astype(np.float16),
            "checkpoint": str(final)}


def read_dcgan_history(run_dir: str) -> dict:
    path = Path(run_dir).expanduser() / "dcgan_history.json"
    if not path.is_file():
        raise DataError(f"{path}: not found; dcgan_run must name a finished run directory of the dcgan "
                        f"experiment (e.g. runs/dcgan/<timestamp>_s0)")
    return json.loads(path.read_text())


@experiment("wgan_mnist", WGANConfig, "WGAN (clipping, gradient penalty) vs standard GAN on MNIST (§4.4)")
def run(cfg: WGANConfig, ctx) -> dict:
    device = torchkit.resolve_device(cfg.device)
    settings = training_settings(cfg)
    split_seed = ctx.child_seed()
    data = load_digits(settings, split_seed)
    dcgan = read_dcgan_history(cfg.dcgan_run) if cfg.dcgan_run else None
    cells = [{"cfg": settings, "variant": v, "split_seed": split_seed,
              "checkpoint_dir": str(ctx.checkpoint_dir / v)} for v in cfg.variants]
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
        z = torch.randn(cfg.quality.n_samples, cfg.latent_dim, generator=noise)
        samples = {VARIANTS[v]: _digits_from(_load_generator(settings, r["checkpoint"], device), z)
                   for v, r in results.items()}
        rows, info = sample_quality.quality_table(
            samples, data["digits"], data["labels"], data["reference"], data["reference_labels"], cfg.quality,
            seed=ctx.child_seed(), device=device)
        ctx.write_table("wgan_sample_quality", rows)
        metrics["quality"] = sample_quality.rows_as_metrics(rows) | info
    return metrics


def _digits_from(generator: MLPGenerator, z: torch.Tensor) -> np.ndarray:
    """Generated digits (N, 28, 28) in [0, 1] for latent vectors z (N, latent_dim)."""
    return (generate(generator, z)[:, 0] + 1) / 2


def _load_generator(cfg: dict, checkpoint: str, device) -> MLPGenerator:
    generator, _ = build_networks(cfg)
    generator.load_state_dict(torchkit.load_checkpoint(checkpoint)["generator"])
    return generator.to(device)


def _plot_wgan_last_steps(ctx, histories: dict, last: int) -> None:
    """Report Figure 4.6: critic and (shifted) generator loss over the last steps, per WGAN."""
    wgans = [v for v in histories if v != "bce"]
    if not wgans:
        return
    fig, axes = plotting.subplots(1, len(wgans), width=5.0, squeeze=False)
    for ax, v in zip(axes[0], wgans, strict=True):
        title = f"{TITLES[v]}: last {last} steps"
        draw_last_losses(ax, histories[v], last, title=title, shift_generator=True)
        ax.set_ylabel("loss (generator shifted onto the critic's mean)")
    ctx.save_figure(fig, "wgan_last_steps_critic_and_generator_loss")


def _plot_side_by_side(ctx, histories: dict, dcgan: dict | None, last: int) -> dict:
    """The last steps of the DCGAN run (when given) and of every variant, unshifted, side by side."""
    panels = ({"DCGAN (dcgan_run)": dcgan} if dcgan else {}) | {TITLES[v]: h for v, h in histories.items()}
    fig, axes = plotting.subplots(1, len(panels), width=4.6, squeeze=False)
    dcgan_window = {}
    for ax, (title, history) in zip(axes[0], panels.items(), strict=True):
        window = draw_last_losses(ax, history, min(last, len(history["d_loss"])), title=title)
        if history is dcgan:
            dcgan_window = window
    fig.suptitle(f"Discriminator / critic and generator losses over the last {last} generator steps")
    ctx.save_figure(fig, "wgan_vs_standard_gan_last_steps")
    return dcgan_window


def _variant_metrics(history: dict, last: int) -> dict:
    """Step count, last-epoch means and the last-steps window's loss means and spreads."""
    per_epoch = history["per_epoch"]
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    return {"generator_steps": len(history["d_loss"]),
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
    for v, history in histories.items():
        per_epoch = history["per_epoch"]
        gap = np.asarray(per_epoch["d_real"]) - np.asarray(per_epoch["d_fake"])
        ax_w.plot(per_epoch["epoch"], gap, label=TITLES[v])
        ax_g.plot(per_epoch["epoch"], per_epoch["g_loss"], label=TITLES[v])
    ax_w.set(xlabel="epoch", ylabel="mean D(real) - mean D(fake)",
             title="critic gap (WGAN: Wasserstein estimate) per epoch")
    ax_g.set(xlabel="epoch", ylabel="mean generator loss", title="generator loss per epoch")
    for ax in (ax_w, ax_g):
        ax.legend(fontsize=8)
    ctx.save_figure(fig, "wgan_critic_gap_and_generator_loss_per_epoch")
