"""The two-layer deep Boltzmann machine in torch, pretrained from two RBMs (:mod:`.rbm`).

The two-hidden-layer DBM (Salakhutdinov & Hinton 2009) has
E(v, h1, h2) = -v·b - h1·c1 - h2·c2 - vᵀW1h1 - h1ᵀW2h2. It is pretrained greedily with two RBMs
whose inputs into the middle layer are doubled (so that a layer sees both of its neighbours), then
trained jointly: mean-field posteriors for the data term, persistent Gibbs chains for the model term.

All randomness comes from the ``torch.Generator`` passed in, so a run is reproducible from its seed.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from anndl.nn.boltzmann.rbm import BernoulliRBM, train_rbm
from anndl.nn.torchkit import Checkpointer, check_finite
from anndl.nn.torchkit import epochs as epoch_progress


class DeepBoltzmannMachine:
    """Two-hidden-layer DBM.

    ``weights_`` = [W1 (D, H1), W2 (H1, H2)]; ``biases_`` = [b (D,), c1 (H1,), c2 (H2,)].
    :func:`train_dbm` sets ``history_``.
    """

    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor], generator: torch.Generator):
        self.weights_, self.biases_ = [w.clone() for w in weights], [b.clone() for b in biases]
        self.generator = generator

    @classmethod
    def from_rbms(cls, bottom: BernoulliRBM, top: BernoulliRBM) -> DeepBoltzmannMachine:
        """Stack two pretrained RBMs; the middle layer's bias is the mean of the two biases it had."""
        middle = (bottom.hidden_bias_ + top.visible_bias_) / 2
        return cls([bottom.weights_, top.weights_], [bottom.visible_bias_, middle, top.hidden_bias_],
                   bottom.generator)

    def sample(self, probs: torch.Tensor) -> torch.Tensor:
        """Bernoulli draws with the given means."""
        return torch.bernoulli(probs, generator=self.generator)

    def visible_probs(self, h1: torch.Tensor) -> torch.Tensor:
        """p(v = 1 | h1), (B, H1) -> (B, D)."""
        return torch.sigmoid(h1 @ self.weights_[0].T + self.biases_[0])

    def middle_probs(self, v: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
        """p(h1 = 1 | v, h2), (B, D), (B, H2) -> (B, H1)."""
        return torch.sigmoid(v @ self.weights_[0] + h2 @ self.weights_[1].T + self.biases_[1])

    def top_probs(self, h1: torch.Tensor) -> torch.Tensor:
        """p(h2 = 1 | h1), (B, H1) -> (B, H2)."""
        return torch.sigmoid(h1 @ self.weights_[1] + self.biases_[2])

    @torch.no_grad()
    def mean_field(self, v: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Fixed-point mean-field posteriors (mu1 (B, H1), mu2 (B, H2)) given v (B, D).

        Started bottom-up with doubled input weights (the pretraining's recognition pass).
        """
        mu1 = torch.sigmoid(2 * v @ self.weights_[0] + self.biases_[1])
        mu2 = self.top_probs(mu1)
        for _ in range(steps):
            mu1 = self.middle_probs(v, mu2)
            mu2 = self.top_probs(mu1)
        return mu1, mu2

    @torch.no_grad()
    def gibbs_sweep(self, v: torch.Tensor, h2: torch.Tensor):
        """One blocked sweep: h1 ~ p(h1|v, h2), then v ~ p(v|h1) and h2 ~ p(h2|h1) together.

        Returns (v, v_means, h1_means, h2_means, h2).
        """
        h1_means = self.middle_probs(v, h2)
        h1 = self.sample(h1_means)
        v_means, h2_means = self.visible_probs(h1), self.top_probs(h1)
        return self.sample(v_means), v_means, h1_means, h2_means, self.sample(h2_means)

    @torch.no_grad()
    def gibbs_chain(self, v: torch.Tensor, steps: int, record: list[int]) -> torch.Tensor:
        """Gibbs chains from visible states v (B, D); the visible means at the ``record`` steps."""
        h2 = self.sample(self.mean_field(v, 0)[1])
        frames = [v.clone()] if 0 in record else []
        for step in range(1, steps + 1):
            v, v_means, _, _, h2 = self.gibbs_sweep(v, h2)
            if step in record:
                frames.append(v_means)
        return torch.stack(frames)

    @torch.no_grad()
    def reconstruction_error(self, v: torch.Tensor, mean_field_steps: int = 10) -> float:
        """Mean squared error per pixel between v and p(v | h1 = mean-field mu1)."""
        mu1, _ = self.mean_field(v, mean_field_steps)
        return float(((v - self.visible_probs(mu1)) ** 2).mean())


def pretrain_dbm(data: torch.Tensor, hidden: list[int], generator: torch.Generator,
                 monitor: torch.Tensor | None = None, **train_kwargs):
    """Greedy pretraining: bottom RBM with doubled bottom-up weights on v, then a top RBM with
    doubled top-down weights on the bottom RBM's p(h1|v). ``train_kwargs`` go to :func:`train_rbm`
    for both stages. Returns (dbm, bottom, top)."""
    if len(hidden) != 2:
        raise ValueError(f"the DBM has exactly two hidden layers, got sizes {hidden}")
    monitor = data[:500] if monitor is None else monitor
    bottom = BernoulliRBM(data.shape[1], hidden[0], generator, up_scale=2.0)
    train_rbm(bottom, data, monitor=monitor, desc="DBM pretrain layer 1", **train_kwargs)
    with torch.no_grad():
        middle, middle_monitor = bottom.hidden_probs(data), bottom.hidden_probs(monitor[:200])
    top = BernoulliRBM(hidden[0], hidden[1], generator, down_scale=2.0)
    train_rbm(top, middle, monitor=middle_monitor, desc="DBM pretrain layer 2", **train_kwargs)
    return DeepBoltzmannMachine.from_rbms(bottom, top), bottom, top


@torch.no_grad()
def train_dbm(dbm: DeepBoltzmannMachine, data: torch.Tensor, *, epochs: int, learning_rate: float,
              batch_size: int, n_chains: int = 100, gibbs_steps: int = 5, mean_field_steps: int = 10,
              weight_decay: float = 0.0, monitor: torch.Tensor | None = None,
              checkpoint_dir: Path | None = None, checkpoint_every: int = 0,
              progress: bool = True) -> dict[str, list[float]]:
    """Joint DBM training: mean-field data statistics, ``n_chains`` persistent chains with
    ``gibbs_steps`` sweeps per update for the model statistics (Salakhutdinov & Hinton 2009).

    The chains start from uniform random pixels, so that they explore (and training suppresses)
    spurious modes that chains started at the data never visit. The learning rate decays linearly
    to a tenth of ``learning_rate`` over the epochs. The history holds the mean-field
    reconstruction error of ``monitor`` (default: first 500 rows) per epoch.
    """
    g = dbm.generator
    monitor = data[:500] if monitor is None else monitor
    v_chain = dbm.sample(torch.full((n_chains, data.shape[1]), 0.5, dtype=data.dtype, device=data.device))
    h2_chain = dbm.sample(dbm.mean_field(v_chain, 0)[1])
    history = dbm.history_ = {"epoch": [], "reconstruction_error": [], "seconds": []}
    checkpoints = Checkpointer(checkpoint_dir, checkpoint_every, name="dbm")

    def state():  # the Gibbs sweeps rebind the chains
        return {"tensors": [*dbm.weights_, *dbm.biases_, v_chain, h2_chain], "history": history, "generator": g}

    first_epoch = checkpoints.resume(state())
    for epoch in epoch_progress(epochs, desc="DBM joint training", start=first_epoch, progress=progress):
        start = time.perf_counter()
        lr = learning_rate * (1.0 - 0.9 * epoch / max(epochs - 1, 1))
        order = torch.randperm(len(data), generator=g, device=g.device).to(data.device)
        for first in range(0, len(data), batch_size):
            v = data[order[first:first + batch_size]]
            mu1, mu2 = dbm.mean_field(v, mean_field_steps)
            for _ in range(gibbs_steps):
                v_chain, _, _, _, h2_chain = dbm.gibbs_sweep(v_chain, h2_chain)
            h1_chain = dbm.middle_probs(v_chain, h2_chain)  # E[h1 | v, h2]: Rao-Blackwellised statistics
            n, m = len(v), n_chains
            W1, W2 = dbm.weights_
            W1 += lr * ((v.T @ mu1) / n - (v_chain.T @ h1_chain) / m - weight_decay * W1)
            W2 += lr * ((mu1.T @ mu2) / n - (h1_chain.T @ h2_chain) / m - weight_decay * W2)
            for bias, pos, neg in zip(dbm.biases_, (v, mu1, mu2), (v_chain, h1_chain, h2_chain), strict=True):
                bias += lr * (pos.mean(dim=0) - neg.mean(dim=0))
            check_finite(float(W1.sum() + W2.sum()), epoch + 1, "sum of the DBM weights",
                         {"dbm_joint_training": history})
        history["epoch"].append(epoch + 1)
        history["reconstruction_error"].append(dbm.reconstruction_error(monitor, mean_field_steps))
        check_finite(history["reconstruction_error"][-1], epoch + 1, "DBM reconstruction error",
                     {"dbm_joint_training": history})
        history["seconds"].append(time.perf_counter() - start)
        checkpoints.maybe_save(epoch + 1, state())
    checkpoints.save(epochs, state())
    return history
