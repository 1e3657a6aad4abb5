"""GAN training loops chosen by an objective name, each returning a per-step history.

Objectives (``objective=``):

``"bce"``
    The standard (DC)GAN: the discriminator outputs a logit and minimises
    BCE(D(x), 1) + BCE(D(G(z)), 0) (real and fake in separate batches, summed, as in
    TensorFlow's DCGAN tutorial); the generator minimises the
    non-saturating BCE(D(G(z)), 1). At the equilibrium D(.) = 1/2 these are 2 ln 2 and ln 2.
``"wgan-clip"``
    WGAN (Arjovsky et al. 2017): the critic minimises mean f(G(z)) - mean f(x) and every weight is
    clipped to [-clip, clip] after each critic step; the generator minimises -mean f(G(z)).
    The paper's optimiser is RMSProp with learning rate 5e-5, 5 critic steps per generator step.
``"wgan-gp"``
    WGAN-GP (Gulrajani et al. 2017): the same losses without clipping, plus
    gp_weight * mean (||grad f(x_hat)|| - 1)^2 at random interpolates x_hat of real and fake images
    (paper: Adam 1e-4, betas (0, 0.9), lambda 10, 5 critic steps).

Each critic step uses the next mini-batch of a per-epoch shuffle of the data (the last incomplete
batch is dropped); a generator step follows every ``critic_steps`` critic steps. An *epoch* is one
pass of the critic over the data. The generator's samples for a fixed set of latent vectors are
kept at evenly spaced steps (``snapshots_``), first one before training.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from anndl.nn import torchkit

OBJECTIVES = ("bce", "wgan-clip", "wgan-gp")
OPTIMISERS = ("adam", "rmsprop")


@dataclasses.dataclass
class GanHistory:
    """What one GAN training logged. Lists hold one value per generator step unless stated.

    ``d_loss`` is the mean critic/discriminator loss over the critic steps before that generator
    step; ``d_real``/``d_fake`` the mean output of D (logit or critic score) on the last real and
    fake batch; ``d_acc_real``/``d_acc_fake`` (BCE only, else empty) the fraction of real images
    D calls real (logit > 0) and of fake images it calls fake. ``snapshots_`` holds arrays
    (n_fixed, C, H, W) in [-1, 1] taken after ``snapshot_steps`` generator steps.
    """

    objective: str
    epoch: list[int] = dataclasses.field(default_factory=list)
    d_loss: list[float] = dataclasses.field(default_factory=list)
    g_loss: list[float] = dataclasses.field(default_factory=list)
    d_real: list[float] = dataclasses.field(default_factory=list)
    d_fake: list[float] = dataclasses.field(default_factory=list)
    d_acc_real: list[float] = dataclasses.field(default_factory=list)
    d_acc_fake: list[float] = dataclasses.field(default_factory=list)
    snapshot_steps: list[int] = dataclasses.field(default_factory=list)
    snapshots_: list[np.ndarray] = dataclasses.field(default_factory=list)

    def series(self) -> dict[str, list[float]]:
        """The per-step series that are filled for this objective, by name."""
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        if self.objective == "bce":
            names += ["d_acc_real", "d_acc_fake"]
        return {name: getattr(self, name) for name in names}

    def per_epoch(self) -> dict[str, list[float]]:
        """Mean of every series over the generator steps of each epoch, plus ``epoch`` (1-based)."""
        epochs = np.asarray(self.epoch)
        labels = np.unique(epochs)
        out: dict[str, list[float]] = {"epoch": labels.tolist()}
        for name, values in self.series().items():
            values = np.asarray(values, dtype=float)
            out[name] = [float(values[epochs == e].mean()) for e in labels]
        return out

    def state(self) -> dict:
        """Everything logged, for a checkpoint (snapshots as tensors: loadable with weights_only)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "snapshots_"}
        return fields | {"snapshots_": [torch.from_numpy(s) for s in self.snapshots_]}

    @classmethod
    def from_state(cls, state: dict) -> GanHistory:
        """Inverse of :meth:`state`."""
        return cls(**{**state, "snapshots_": [s.numpy() for s in state["snapshots_"]]})

    def to_dict(self) -> dict:
        """JSON-able history: per-step series, per-epoch means, snapshot steps (not the images)."""
        return {"objective": self.objective, "epoch": list(self.epoch), **self.series(),
                "per_epoch": self.per_epoch(), "snapshot_steps": list(self.snapshot_steps)}


def make_optimiser(name: str, params, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    """``"adam"`` (with ``betas``) or ``"rmsprop"`` (PyTorch's alpha 0.99)."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(betas[0]), float(betas[1])))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimiser {name!r}; known: {', '.join(OPTIMISERS)}")


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, noise: torch.Generator) -> torch.Tensor:
    """Batch mean of (||d critic / d x_hat|| - 1)^2 at x_hat = eps*real + (1-eps)*fake, eps ~ U(0, 1)."""
    eps = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1), generator=noise).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def discriminator_loss(objective: str, out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """The critic's loss from its outputs (B,) on real and fake images, without any gradient penalty.

    ``bce``: BCE(out_real, 1) + BCE(out_fake, 0) on logits; WGAN objectives: mean out_fake - mean out_real.
    """
    if objective == "bce":
        return (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
    return out_fake.mean() - out_real.mean()


def generator_loss(objective: str, out_fake: torch.Tensor) -> torch.Tensor:
    """The generator's loss from the critic's outputs (B,) on fakes: non-saturating BCE(out_fake, 1)
    for ``bce``, -mean out_fake for the WGAN objectives."""
    if objective == "bce":
        return F.binary_cross_entropy_with_logits(out_fake, torch.ones_like(out_fake))
    return -out_fake.mean()


@torch.no_grad()
def generate(generator, z: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """Generator outputs for latent vectors z (N, latent_dim), in eval mode, as a numpy array."""
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    out = [generator(z[i:i + batch_size].to(device)).cpu() for i in range(0, len(z), batch_size)]
    generator.train(was_training)
    return torch.cat(out).numpy()


def train_gan(generator, discriminator, images, *, objective: str, epochs: int, batch_size: int,
              lr: float, optimiser: str = "adam", betas: tuple[float, float] = (0.5, 0.999),
              critic_steps: int = 1, clip: float = 0.01, gp_weight: float = 10.0, seed: int = 0,
              device="cpu", n_snapshots: int = 6, n_fixed: int = 64, checkpoint_dir: str | Path | None = None,
              checkpoint_every: int = 0, progress: bool = False, desc: str = "GAN epochs") -> GanHistory:
    """Train ``generator`` and ``discriminator`` in place on ``images`` (N, C, H, W) in [-1, 1].

    Both optimisers use ``optimiser``/``lr``/``betas``. Latent vectors are N(0, I) of the
    generator's ``latent_dim``. With a ``checkpoint_dir`` and ``checkpoint_every`` > 0, networks,
    optimisers, noise state and history go to ``checkpoint_dir/gan_epochNNNN.pt`` every that many
    epochs and after the last (:class:`torchkit.Checkpointer`), and a call that finds one there
    resumes from it, ending as the uninterrupted training would. Returns the :class:`GanHistory`.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown GAN objective {objective!r}; known: {', '.join(OBJECTIVES)}")
    device = torchkit.resolve_device(device) if isinstance(device, str) else device
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32).to(device)
    batches_per_epoch = len(x) // batch_size
    if batches_per_epoch < 1:
        raise ValueError(f"{len(x)} images are fewer than one batch of {batch_size}")
    total_g_steps = epochs * batches_per_epoch // critic_steps
    if total_g_steps < 1:
        raise ValueError(f"{epochs} epochs of {batches_per_epoch} batches give no generator step "
                         f"with {critic_steps} critic steps per generator step")
    generator.to(device).train()
    discriminator.to(device).train()
    opt_g = make_optimiser(optimiser, generator.parameters(), lr, betas)
    opt_d = make_optimiser(optimiser, discriminator.parameters(), lr, betas)
    noise = torch.Generator().manual_seed(int(seed))
    z_fixed = torch.randn(n_fixed, generator.latent_dim, generator=noise)
    snapshot_at = set(np.linspace(0, total_g_steps, max(n_snapshots, 2)).round().astype(int).tolist())
    history = GanHistory(objective)

    def latent(n):
        return torch.randn(n, generator.latent_dim, generator=noise).to(device)

    def snapshot(step):
        if step in snapshot_at:
            history.snapshot_steps.append(step)
            history.snapshots_.append(generate(generator, z_fixed))

    checkpoints = torchkit.Checkpointer(checkpoint_dir, checkpoint_every, name="gan")
    critic_count, d_losses = 0, []
    logged: dict = {}

    def state():
        logged.update(critic_count=critic_count, d_losses=d_losses, history=history.state())
        return {"generator": generator, "discriminator": discriminator, "opt_g": opt_g, "opt_d": opt_d,
                "noise": noise, "logged": logged}

    start = checkpoints.resume(state())
    if start == 0:
        snapshot(0)
    else:
        history = GanHistory.from_state(logged["history"])
        critic_count, d_losses = logged["critic_count"], list(logged["d_losses"])
    for epoch in torchkit.epochs(epochs, desc=desc, start=start, progress=progress):
        order = torch.randperm(len(x), generator=noise).to(device)
        for b in range(batches_per_epoch):
            if len(history.g_loss) == total_g_steps:
                break
            real = x[order[b * batch_size:(b + 1) * batch_size]]
            if objective == "bce":  # the generator step reuses this batch (the PyTorch DCGAN example)
                fake = generator(latent(batch_size))
            else:
                with torch.no_grad():
                    fake = generator(latent(batch_size))
            out_real, out_fake = discriminator(real), discriminator(fake.detach())
            d_loss = discriminator_loss(objective, out_real, out_fake)
            if objective == "wgan-gp":
                d_loss = d_loss + gp_weight * gradient_penalty(discriminator, real, fake.detach(), noise)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            if objective == "wgan-clip":
                with torch.no_grad():
                    for p in discriminator.parameters():
                        p.clamp_(-clip, clip)
            d_losses.append(d_loss.item())
            critic_count += 1
            if critic_count % critic_steps:
                continue
            if objective != "bce":
                fake = generator(latent(batch_size))
            g_loss = generator_loss(objective, discriminator(fake))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            _record(history, epoch + 1, d_losses, g_loss.item(), out_real.detach(), out_fake.detach())
            d_losses = []
            snapshot(len(history.g_loss))
        if history.d_loss:
            torchkit.check_finite(history.d_loss[-1] + history.g_loss[-1], epoch + 1, "D loss + G loss")
        checkpoints.maybe_save(epoch + 1, state())
    checkpoints.save(epochs, state())
    return history


def _record(history: GanHistory, epoch: int, d_losses: list[float], g_loss: float,
            out_real: torch.Tensor, out_fake: torch.Tensor) -> None:
    history.epoch.append(epoch)
    history.d_loss.append(float(np.mean(d_losses)))
    history.g_loss.append(g_loss)
    history.d_real.append(float(out_real.mean()))
    history.d_fake.append(float(out_fake.mean()))
    if history.objective == "bce":
        history.d_acc_real.append(float((out_real > 0).float().mean()))
        history.d_acc_fake.append(float((out_fake < 0).float().mean()))


# --- looking at a history (shared by the GAN experiments' figures) ---------------------------------

def display_images(images) -> np.ndarray:
    """(n, C, H, W) in [-1, 1] -> (n, H, W) (C = 1) or (n, H, W, 3) in [0, 1], for image grids."""
    images = (np.clip(np.asarray(images, dtype=np.float32), -1, 1) + 1) / 2
    return images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)


def tile(images, ncols: int, pad: int = 1) -> np.ndarray:
    """Images (n, H, W[, 3]) in [0, 1] -> one canvas, ``ncols`` per row, ``pad`` white pixels apart."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    nrows = -(-n // ncols)
    canvas = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad, *images.shape[3:]), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = image
    return canvas


def draw_snapshot_strip(ax, snapshots, steps, real, ncols: int = 6) -> None:
    """Sample grids (one per snapshot, (n, C, H, W) in [-1, 1]) and a grid of ``real`` images
    side by side on one axis, labelled with their generator step (one image: fast to save)."""
    grids = [tile(display_images(s), ncols) for s in snapshots] + [tile(display_images(real), ncols)]
    gap = np.ones((grids[0].shape[0], 6, *grids[0].shape[2:]), dtype=np.float32)
    strip = np.concatenate([part for grid in grids for part in (grid, gap)][:-1], axis=1)
    ax.imshow(strip, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    width = grids[0].shape[1] + gap.shape[1]
    ax.set_xticks([i * width + grids[0].shape[1] / 2 for i in range(len(grids))],
                  [f"step {s}" for s in steps] + ["real"])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def draw_last_losses(ax, history: dict, last: int, *, title: str, shift_generator: bool = False) -> dict:
    """D (red) and G (blue) loss over the last ``last`` generator steps of a ``GanHistory.to_dict()``,
    with dashed window means; ``shift_generator`` moves G's curve onto D's mean (report Fig. 4.6).
    Returns the window's mean and standard deviation of both losses."""
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    steps = np.arange(len(history["d_loss"]) - len(d), len(history["d_loss"])) + 1
    shift = float(d.mean() - g.mean()) if shift_generator else 0.0
    g_label = f"generator {shift:+.3g}" if shift_generator else "generator"
    for values, colour, label in ((d, "tab:red", "discriminator"), (g + shift, "tab:blue", g_label)):
        ax.plot(steps, values, color=colour, lw=0.8, label=label)
        ax.axhline(values.mean(), color=colour, ls="--", lw=1)
    ax.set(xlabel="generator step", ylabel="loss", title=title)
    ax.legend(loc="best", fontsize=8)
    return {"d_loss_mean": float(d.mean()), "d_loss_std": float(d.std()),
            "g_loss_mean": float(g.mean()), "g_loss_std": float(g.std())}


def draw_last_accuracies(ax, history: dict, last: int, *, title: str) -> dict:
    """D's accuracy on real and fake together (red) and G's share of fakes D calls real (blue)
    over the last ``last`` generator steps of a BCE history, with dashed window means."""
    real = np.asarray(history["d_acc_real"][-last:])
    fake = np.asarray(history["d_acc_fake"][-last:])
    steps = np.arange(len(history["d_acc_real"]) - len(real), len(history["d_acc_real"])) + 1
    curves = {"discriminator": ((real + fake) / 2, "tab:red"), "generator (fools D)": (1 - fake, "tab:blue")}
    for label, (values, colour) in curves.items():
        ax.plot(steps, values, color=colour, lw=0.8, label=label)
        ax.axhline(values.mean(), color=colour, ls="--", lw=1)
    ax.set(xlabel="generator step", ylabel="accuracy", title=title, ylim=(-0.02, 1.02))
    ax.legend(loc="best", fontsize=8)
    return {"d_accuracy_mean": float(((real + fake) / 2).mean()),
            "g_fool_rate_mean": float((1 - fake).mean())}
