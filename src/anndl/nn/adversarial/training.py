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

The budget is a number of generator steps (:class:`GanBudget`), so objectives with different
critic steps compare at equal generator updates. Each critic step uses the next mini-batch of a
per-epoch shuffle of the data (the last incomplete batch is dropped); a generator step follows
every ``critic_steps`` critic steps. An *epoch* is one pass of the critic over the data.

Updates (``update=``, BCE only): ``"simultaneous"`` is the course notebook's (TensorFlow DCGAN
tutorial's) step: one generator sample, one forward pass of D on real and on fake, and both
networks' gradients taken from that one graph (the generator's loss sees D before its update);
``"alternating"`` is PyTorch's DCGAN example: a D step, then a G step through the updated D on the
same fakes. The generator's samples for a fixed set of latent vectors are kept at evenly spaced
steps (``snapshots_``), first one before training.

The loop keeps its logged values on the device and reads them back every ``len(images) //
batch_size`` generator steps (no synchronisation per step); latent vectors, the shuffle and the
gradient penalty's mixing weights are drawn on the training device.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from anndl.nn import divergence, torchkit
from anndl.nn.adversarial.options import (  # the option classes, also importable from here as before
    CifarImages,  # noqa: F401
    DCGANNetworks,
    DigitImages,  # noqa: F401
    GanBudget,
    GanCell,
    GanMethod,
    MLPNetworks,
)

OBJECTIVES = ("bce", "wgan-clip", "wgan-gp")
OPTIMISERS = ("adam", "rmsprop")
UPDATES = ("alternating", "simultaneous")


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


def make_optimiser(name: str, params, lr: float, betas) -> torch.optim.Optimizer:
    """``"adam"`` (with ``betas``) or ``"rmsprop"`` (PyTorch's alpha 0.99)."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(betas[0]), float(betas[1])))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimiser {name!r}; known: {', '.join(OPTIMISERS)}")


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, noise: torch.Generator) -> torch.Tensor:
    """Batch mean of (||d critic / d x_hat|| - 1)^2 at x_hat = eps*real + (1-eps)*fake, eps ~ U(0, 1)
    drawn from ``noise`` (a generator on real's device)."""
    eps = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1), generator=noise, device=real.device)
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


def _set_grads(params, grads) -> None:
    for p, g in zip(params, grads, strict=True):
        p.grad = g


def train_gan(generator, discriminator, images, method: GanMethod, budget: GanBudget, *, seed: int = 0,
              device="cpu", n_fixed: int = 64, checkpoint_dir: str | Path | None = None, progress: bool = False,
              desc: str = "GAN steps") -> GanHistory:
    """Train ``generator`` and ``discriminator`` in place on ``images`` (N, C, H, W) in [-1, 1]
    for ``budget.generator_steps`` generator steps of ``method``.

    Both optimisers use ``method``'s optimiser, lr and betas. Latent vectors are N(0, I) of the
    generator's ``latent_dim``. With a ``checkpoint_dir`` and ``budget.checkpoint_every`` > 0,
    networks, optimisers, noise, shuffle and history go to ``checkpoint_dir/gan_epochNNNN.pt``
    (NNNN: generator steps) that often and after the last step (:class:`torchkit.Checkpointer`), and
    a call that finds one there resumes from it, ending as the uninterrupted training would.
    Returns the :class:`GanHistory`.
    """
    objective, critic_steps = method.objective, method.critic_steps
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown GAN objective {objective!r}; known: {', '.join(OBJECTIVES)}")
    if method.update not in UPDATES:
        raise ValueError(f"unknown GAN update {method.update!r}; known: {', '.join(UPDATES)}")
    device = torchkit.resolve_device(device) if isinstance(device, str) else device
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32).to(device)
    batch_size, total = budget.batch_size, budget.generator_steps
    batches_per_epoch = len(x) // batch_size
    if batches_per_epoch < 1:
        raise ValueError(f"{len(x)} images are fewer than one batch of {batch_size}")
    generator.to(device).train()
    discriminator.to(device).train()
    g_params, d_params = list(generator.parameters()), list(discriminator.parameters())
    opt_g = make_optimiser(method.optimiser, g_params, method.lr, method.betas)
    opt_d = make_optimiser(method.optimiser, d_params, method.lr, method.betas)
    noise = torch.Generator(device=device).manual_seed(int(seed))
    z_fixed = torch.randn(n_fixed, generator.latent_dim, generator=torch.Generator().manual_seed(int(seed)))
    snapshot_at = set(np.linspace(0, total, max(budget.snapshots, 2)).round().astype(int).tolist())
    history = GanHistory(objective)
    # the shuffle: order of the current epoch and the next batch in it (restored on resume)
    position = {"epoch": 0, "batch": batches_per_epoch}
    order = torch.zeros(len(x), dtype=torch.long, device=device)
    pending: list[torch.Tensor] = []  # per generator step, logged values not yet read back

    def latent(n):
        return torch.randn(n, generator.latent_dim, generator=noise, device=device)

    def next_batch():
        if position["batch"] == batches_per_epoch:
            order.copy_(torch.randperm(len(x), generator=noise, device=device))
            position["epoch"], position["batch"] = position["epoch"] + 1, 0
        b = position["batch"]
        position["batch"] += 1
        return x[order[b * batch_size:(b + 1) * batch_size]]

    def flush():
        if pending:
            _record(history, torch.stack(pending).tolist())
            pending.clear()

    logged: dict = {}

    def state():
        flush()
        logged["history"] = history.state()
        return {"generator": generator, "discriminator": discriminator, "opt_g": opt_g, "opt_d": opt_d,
                "noise": noise, "order": order, "position": position, "logged": logged}

    checkpoints = torchkit.Checkpointer(checkpoint_dir, budget.checkpoint_every, name="gan")
    start = checkpoints.resume(state())
    if start:
        history = GanHistory.from_state(logged["history"])
    else:
        _snapshot(history, generator, z_fixed, 0)
    for step in torchkit.epochs(total, desc=desc, start=start, progress=progress):
        d_losses = []
        for _ in range(critic_steps):
            real = next_batch()
            if objective == "bce":  # the generator step reuses these fakes
                fake = generator(latent(batch_size))
            else:
                with torch.no_grad():
                    fake = generator(latent(batch_size))
            simultaneous = method.update == "simultaneous"
            out_real, out_fake = discriminator(real), discriminator(fake if simultaneous else fake.detach())
            d_loss = discriminator_loss(objective, out_real, out_fake)
            if objective == "wgan-gp":
                d_loss = d_loss + method.gp_weight * gradient_penalty(discriminator, real, fake, noise)
            if simultaneous:
                g_loss = generator_loss(objective, out_fake)
                _set_grads(g_params, torch.autograd.grad(g_loss, g_params, retain_graph=True))
                _set_grads(d_params, torch.autograd.grad(d_loss, d_params))
                opt_d.step()
                opt_g.step()
            else:
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
            if objective == "wgan-clip":
                with torch.no_grad():
                    for p in d_params:
                        p.clamp_(-method.clip, method.clip)
            d_losses.append(d_loss.detach())
        if method.update == "alternating":
            if objective != "bce":
                fake = generator(latent(batch_size))
            g_loss = generator_loss(objective, discriminator(fake))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
        out_real, out_fake = out_real.detach(), out_fake.detach()
        pending.append(torch.stack([torch.stack(d_losses).mean(), g_loss.detach(), out_real.mean(), out_fake.mean(),
                                    (out_real > 0).float().mean(), (out_fake < 0).float().mean()]))
        history.epoch.append(position["epoch"])
        if step + 1 in snapshot_at:
            _snapshot(history, generator, z_fixed, step + 1)
        if (step + 1) % batches_per_epoch == 0 or step + 1 == total:
            flush()
            # signed losses, the first G loss already after a D step: |D| + |G| against the first D loss, floor 1
            guard = divergence.DivergenceGuard("|D loss| + |G loss|", reference=history.d_loss[0], floor=1.0)
            guard.check(abs(history.d_loss[-1]) + abs(history.g_loss[-1]), position["epoch"],
                        {"d_loss": history.d_loss, "g_loss": history.g_loss})
        checkpoints.maybe_save(step + 1, state())
    checkpoints.save(total, state())
    return history


def _snapshot(history: GanHistory, generator, z_fixed: torch.Tensor, step: int) -> None:
    history.snapshot_steps.append(step)
    history.snapshots_.append(generate(generator, z_fixed))


def _record(history: GanHistory, rows: list[list[float]]) -> None:
    """Append logged rows (d_loss, g_loss, d_real, d_fake, acc_real, acc_fake), one per generator step."""
    for d_loss, g_loss, d_real, d_fake, acc_real, acc_fake in rows:
        history.d_loss.append(d_loss)
        history.g_loss.append(g_loss)
        history.d_real.append(d_real)
        history.d_fake.append(d_fake)
        if history.objective == "bce":
            history.d_acc_real.append(acc_real)
            history.d_acc_fake.append(acc_fake)


# --- one GAN training as an executor cell (shared by dcgan and wgan_mnist) --------------------------

def train_cell(cell: GanCell) -> dict:
    """Train one GAN (a ctx.map cell, seeded by the executor: a finished training is not redone on resume).

    Returns the history (``GanHistory.to_dict``), the snapshots (float16 (n_snapshots, 36, C, H, W))
    and the path of the final generator's weights.
    """
    images = cell.data.load(cell.split_seed)["gan"]
    generator, discriminator = cell.networks.build(images.shape[1])
    history = train_gan(generator, discriminator, images, cell.method, cell.budget, seed=cell.seed or 0,
                        device=cell.device, n_fixed=36, checkpoint_dir=cell.checkpoint_dir, progress=True,
                        desc=cell.desc)
    final = torchkit.save_checkpoint(Path(cell.checkpoint_dir) / "generator_final.pt",
                                     generator=generator.state_dict())
    return {"history": history.to_dict(), "snapshots": np.stack(history.snapshots_).astype(np.float16),
            "checkpoint": str(final)}


def load_generator(networks: DCGANNetworks | MLPNetworks, channels: int, checkpoint: str, device):
    """The generator that :func:`train_cell` saved at ``checkpoint``, on ``device``."""
    generator, _ = networks.build(channels)
    generator.load_state_dict(torchkit.load_checkpoint(checkpoint)["generator"])
    return generator.to(device)


def digits_from(generator, z: torch.Tensor, pad: int = 0) -> np.ndarray:
    """Generated digits (N, 28, 28) in [0, 1] for latent vectors z (N, latent_dim), the ``pad``
    border the generator draws cropped off."""
    images = generate(generator, z)[:, 0]
    if pad:
        images = images[:, pad:-pad, pad:-pad]
    return (images + 1) / 2
