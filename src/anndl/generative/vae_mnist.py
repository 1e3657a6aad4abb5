"""Session 4.3 of the 2024 course: a variational autoencoder on MNIST (784 -> 128 -> 100-d latent and
back), Adam 1e-3 with betas (0.5, 0.999), batch 3000; loss curves, samples from the prior,
reconstructions, latent interpolation, and the GANs' sample-quality measures.

The loss is the per-sample negative ELBO (:func:`anndl.nn.autoencoders.vae.vae_loss`). The course
trained on the same per-sample loss but logged, per epoch, the sum of the batches' losses divided by
the batch size: its printed 0.696 (reconstruction 0.518, KL 0.178) after 50 epochs of 20 batches of
3000 are the per-sample values times 20 / 3000, i.e. 104.4 (77.7 + 26.7) nats per image.
anndl logs nats per image. The samples are scored by the code that scores the GANs
(:func:`anndl.nn.adversarial.sample_quality.quality_table`) on the same training/held-out split as ``gan_mnist``
for the same seed, so the course's "GANs usually generate higher-quality results than VAEs" is measured.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.generative._gan_figures import draw_interpolations, latent_path
from anndl.nn.adversarial.options import DigitImages, QualityConfig
from anndl.registry import experiment

COURSE_LOG_FACTOR = 20 / 3000
"""The course's printed losses are the per-sample ones times (batches per epoch) / (batch size): 20 / 3000."""


@dataclasses.dataclass(kw_only=True)
class VAEMnistConfig(ExperimentConfig):
    hidden: int = param(128, ge=1)
    """Hidden width of encoder and decoder (course: 128)."""
    latent: int = param(100, ge=1)
    """Latent dimension (course: 100)."""
    epochs: int = param(100, ge=1)
    """Passes over the training digits (course: 50 of full MNIST, 20 batches each; shipped: 100 of the 4000
    subset digits, 2 batches each, 200 steps)."""
    batch_size: int = param(3000, ge=1)
    """Mini-batch size (course: 3000)."""
    lr: float = param(1e-3, gt=0)
    """Adam learning rate (course: 1e-3)."""
    betas: list[float] = param([0.5, 0.999], ge=0, lt=1)
    """Adam betas (course: 0.5, 0.999)."""
    max_train_images: int | None = param(None, ge=1)
    """Use only this many training digits (null: all but the held-out ones)."""
    samples_shown: int = param(64, ge=1)
    """Samples from the prior in the samples figure."""
    reconstructions: int = param(10, ge=1)
    """Held-out digits shown with their reconstructions."""
    interpolations: int = param(4, ge=1)
    """Latent paths in the interpolation figure."""
    interpolation_steps: int = param(7, ge=2)
    """Images along each latent path."""
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)
    """Sample-quality scoring, as in gan_mnist (same split and classifier for the same seed)."""
    checkpoint_every: int = param(0, ge=0)
    """Epochs between checkpoints under checkpoints/ (0: none)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        if len(self.betas) != 2:
            raise ValueError(f"betas: expected two numbers, got {self.betas}")

    def data(self) -> DigitImages:
        return DigitImages(self.quality.held_out_per_class, self.max_train_images)


@experiment("vae_mnist", VAEMnistConfig,
            "The 2024 course's variational autoencoder on MNIST, scored like the GANs (session 4)")
def run(cfg: VAEMnistConfig, ctx) -> dict:
    import torch

    from anndl.nn import minibatch, torchkit
    from anndl.nn.adversarial import sample_quality
    from anndl.nn.autoencoders.vae import VAE, vae_loss

    device = torchkit.resolve_device(cfg.device)
    split_seed = ctx.child_seed()
    quality_seed = ctx.child_seed()  # drawn second, as in gan_mnist: the same classifier for the same seed
    train_seed = ctx.child_seed()
    data = cfg.data().load(split_seed)
    x = torch.as_tensor(data["digits"]).reshape(len(data["digits"]), -1).to(device)
    torch.manual_seed(train_seed)
    model = VAE(x.shape[1], cfg.hidden, cfg.latent).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    start = time.perf_counter()
    history = minibatch.fit(model, (x,), _loss, optimiser,
                            epochs=cfg.epochs, batch_size=cfg.batch_size, seed=train_seed,
                            checkpoint_dir=ctx.checkpoint_dir / "vae", checkpoint_every=cfg.checkpoint_every,
                            name="vae", progress=ctx.progress_enabled, desc="VAE epochs")
    seconds = time.perf_counter() - start

    reference = torch.as_tensor(data["reference"]).reshape(len(data["reference"]), -1).to(device)
    with torch.no_grad():
        model.eval()
        held = vae_loss(*_split(model(reference), reference))
        labels = np.asarray(data["reference_labels"])
        picked = np.resize([np.flatnonzero(labels == c)[0] for c in np.unique(labels)], cfg.reconstructions)
        shown = reference[torch.as_tensor(picked)]  # one digit of each class first (the split is sorted by class)
        reconstructions = model.decode(model.encode(shown)[0]).reshape(-1, 28, 28).cpu().numpy()
        noise = torch.Generator().manual_seed(split_seed)
        prior = model.decode(torch.randn(cfg.samples_shown, cfg.latent, generator=noise).to(device))
        ends = torch.randn(cfg.interpolations, 2, cfg.latent, generator=noise).numpy()
        path = np.concatenate([latent_path(a, b, cfg.interpolation_steps) for a, b in ends])
        between = model.decode(torch.as_tensor(path).to(device)).reshape(
            cfg.interpolations, cfg.interpolation_steps, 28, 28).cpu().numpy()
    _plot_losses(ctx, history)
    _plot_pictures(ctx, shown.reshape(-1, 28, 28).cpu().numpy(), reconstructions,
                   prior.reshape(-1, 28, 28).cpu().numpy(), between)

    last = {k: float(history[k][-1]) for k in ("loss", "reconstruction", "kl")}
    metrics: dict = {
        "train_images": len(x), "epochs": cfg.epochs, "steps": cfg.epochs * -(-len(x) // cfg.batch_size),
        "n_parameters": sum(p.numel() for p in model.parameters()), "train_seconds": seconds,
        "final_epoch_nats_per_image": last,
        "final_epoch_course_printed_scale": {k: v * COURSE_LOG_FACTOR for k, v in last.items()},
        "held_out_nats_per_image": {k: float(v) for k, v in held.items()}}
    if cfg.quality.enabled:
        z = torch.randn(cfg.quality.n_samples, cfg.latent, generator=torch.Generator().manual_seed(quality_seed))
        with torch.no_grad():
            samples = model.decode(z.to(device)).reshape(-1, 28, 28).cpu().numpy()
        table, info = sample_quality.quality_table({"VAE": samples}, data["digits"], data["labels"], data["reference"],
                                                   data["reference_labels"], cfg.quality, seed=quality_seed,
                                                   device=device)
        ctx.write_table("vae_mnist_sample_quality", table)
        by_name = {row["generator"]: row for row in table}
        keys = ("frechet_distance", "confident_fraction", "class_entropy_bits")
        metrics["quality"] = {"real": {k: by_name["real (floor)"][k] for k in keys}, **info,
                              "vae": {k: by_name["VAE"][k] for k in keys}}
    return metrics


def _loss(model, xb):
    """Per-sample negative ELBO terms of a batch xb (B, 784)."""
    from anndl.nn.autoencoders.vae import vae_loss

    logits, mu, logvar = model(xb)
    return vae_loss(logits, xb, mu, logvar)


def _split(out, x):
    logits, mu, logvar = out
    return logits, x, mu, logvar


def _plot_losses(ctx, history: dict) -> None:
    fig, ax = plotting.subplots(1, 1, width=5.5)
    epochs = history["epoch"]
    for key, label in (("loss", "total (negative ELBO)"), ("kl", "KL(q(z|x) || N(0, I))"),
                       ("reconstruction", "reconstruction (Bernoulli cross-entropy)")):
        ax.plot(epochs, history[key], label=label)
    ax.set(xlabel="epoch", ylabel="nats per image", yscale="log", title="VAE training loss per epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.legend(fontsize=8)
    ctx.save_figure(fig, "vae_mnist_loss_curves",
                    data={k: history[k] for k in ("epoch", "loss", "reconstruction", "kl")})


def _plot_pictures(ctx, originals, reconstructions, prior, between) -> None:
    fig, axes = plotting.subplots(1, 3, width=4.2, height=4.2)
    plotting.image_grid(axes[0], np.concatenate([originals, reconstructions]), ncols=len(originals) // 2 or 1,
                        vmin=0, vmax=1)
    axes[0].set_title("held-out digits (top half) and\ntheir reconstructions from mu (bottom half)", fontsize=9)
    side = int(np.ceil(np.sqrt(len(prior))))
    plotting.image_grid(axes[1], prior, ncols=side, vmin=0, vmax=1)
    axes[1].set_title("decoded samples z ~ N(0, I)\n(pixel probabilities)", fontsize=9)
    draw_interpolations(axes[2], between, title="straight latent paths between\nprior samples (one per row)")
    ctx.save_figure(fig, "vae_mnist_reconstructions_samples_interpolation")
