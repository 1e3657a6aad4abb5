"""The Bernoulli restricted Boltzmann machine in torch, trained by (persistent) contrastive divergence.

RBM energy E(v, h) = -v·b - h·c - vᵀWh with v ∈ [0, 1]^D (grey pixels are used as Bernoulli means,
as scikit-learn's BernoulliRBM does) and h ∈ {0, 1}^H. Free energy
F(v) = -v·b - Σ_j softplus(c_j + (vW)_j), so p(v) ∝ exp(-F(v)).

All randomness comes from the ``torch.Generator`` passed in, so a run is reproducible from its seed.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
from torch.nn.functional import logsigmoid, softplus

from anndl.nn import divergence
from anndl.nn.torchkit import Checkpointer, check_finite
from anndl.nn.torchkit import epochs as epoch_progress

METHODS = ("cd", "pcd")


def make_generator(seed: int, device: torch.device) -> torch.Generator:
    """A torch Generator on ``device`` seeded with ``seed`` (the RBM and DBM draw from it alone)."""
    return torch.Generator(device=device).manual_seed(seed)


class BernoulliRBM:
    """A Bernoulli–Bernoulli RBM: ``weights_`` (D, H), ``visible_bias_`` (D,), ``hidden_bias_`` (H,).

    ``up_scale``/``down_scale`` multiply W in p(h|v) / p(v|h); both are 1 for an ordinary RBM and
    2 for the bottom / top RBM of a DBM's greedy pretraining. :func:`train_rbm` sets ``history_``.
    """

    def __init__(self, n_visible: int, n_hidden: int, generator: torch.Generator,
                 init_std: float = 0.01, up_scale: float = 1.0, down_scale: float = 1.0,
                 dtype: torch.dtype = torch.float32):
        like = {"device": generator.device, "dtype": dtype}
        self.generator = generator
        self.weights_ = init_std * torch.randn(n_visible, n_hidden, generator=generator, **like)
        self.visible_bias_ = torch.zeros(n_visible, **like)
        self.hidden_bias_ = torch.zeros(n_hidden, **like)
        self.up_scale, self.down_scale = up_scale, down_scale

    @property
    def components_(self) -> torch.Tensor:
        """(H, D): one row of weights per hidden unit (scikit-learn's ``components_``)."""
        return self.weights_.T

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """p(h_j = 1 | v) for a batch v (B, D) -> (B, H)."""
        return torch.sigmoid(self.up_scale * v @ self.weights_ + self.hidden_bias_)

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """p(v_i = 1 | h) for a batch h (B, H) -> (B, D)."""
        return torch.sigmoid(self.down_scale * h @ self.weights_.T + self.visible_bias_)

    def sample(self, probs: torch.Tensor) -> torch.Tensor:
        """Bernoulli draws with the given means."""
        return torch.bernoulli(probs, generator=self.generator)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = -v·b - Σ_j softplus(c_j + (vW)_j) for v (B, D) -> (B,)."""
        return -v @ self.visible_bias_ - softplus(v @ self.weights_ + self.hidden_bias_).sum(dim=1)

    @torch.no_grad()
    def pseudo_log_likelihood(self, v: torch.Tensor, flips: str = "all") -> torch.Tensor:
        """Pseudo-log-likelihood Σ_i log σ(F(v with v_i flipped) - F(v)) per sample, (B, D) -> (B,).

        ``flips="all"`` sums over every pixel (exact); ``"one"`` is scikit-learn's estimator:
        D times the term of one uniformly drawn pixel per sample (unbiased, noisy). Flipping a grey
        value means v_i -> 1 - v_i, as scikit-learn does.
        """
        if flips not in ("all", "one"):
            raise ValueError(f"unknown flips {flips!r}; known: all, one")
        activation = v @ self.weights_ + self.hidden_bias_
        base = softplus(activation)
        delta = 1.0 - 2.0 * v
        if flips == "one":
            index = torch.randint(v.shape[1], (v.shape[0],), generator=self.generator, device=v.device)
            d = delta.gather(1, index[:, None])
            gap = (-d[:, 0] * self.visible_bias_[index]
                   - (softplus(activation + d * self.weights_[index]) - base).sum(dim=1))
            return v.shape[1] * logsigmoid(gap)
        total = torch.zeros(v.shape[0], dtype=v.dtype, device=v.device)
        chunk = max(1, 4_000_000 // (v.shape[0] * self.weights_.shape[1]))
        for start in range(0, v.shape[1], chunk):
            d = delta[:, start:start + chunk]
            moved = activation[:, None, :] + d[:, :, None] * self.weights_[None, start:start + chunk]
            gap = (-d * self.visible_bias_[start:start + chunk]
                   - (softplus(moved) - base[:, None, :]).sum(dim=2))
            total += logsigmoid(gap).sum(dim=1)
        return total

    @torch.no_grad()
    def reconstruction_error(self, v: torch.Tensor) -> float:
        """Mean squared error per pixel between v and p(v | h = p(h|v)) (deterministic)."""
        return float(((v - self.visible_probs(self.hidden_probs(v))) ** 2).mean())

    @torch.no_grad()
    def gibbs_chain(self, v: torch.Tensor, steps: int, record: list[int] | None = None) -> torch.Tensor:
        """Run ``steps`` Gibbs sweeps v -> h -> v from a batch v (B, D).

        Returns the visible means p(v|h) after each recorded step (step 0 = the start), shape
        (len(record), B, D); ``record`` defaults to every step.
        """
        record = list(range(steps + 1)) if record is None else record
        frames = [v.clone()] if 0 in record else []
        for step in range(1, steps + 1):
            means = self.visible_probs(self.sample(self.hidden_probs(v)))
            v = self.sample(means)
            if step in record:
                frames.append(means)
        return torch.stack(frames)

    @torch.no_grad()
    def reconstruct_clamped(self, v: torch.Tensor, known: torch.Tensor, steps: int) -> torch.Tensor:
        """Fill in the unknown pixels of v (B, D) by Gibbs steps that keep the known pixels clamped.

        ``known`` is a boolean (D,) mask. Each step samples h ~ p(h|v) and sets the unknown pixels
        to their means p(v|h). Returns (steps + 1, B, D), the input first.
        """
        frames = [v.clone()]
        for _ in range(steps):
            means = self.visible_probs(self.sample(self.hidden_probs(v)))
            v = torch.where(known, v, means)
            frames.append(v)
        return torch.stack(frames)


def train_rbm(rbm: BernoulliRBM, data: torch.Tensor, *, epochs: int, learning_rate: float,
              batch_size: int, method: str = "pcd", gibbs_steps: int = 1, momentum: float = 0.0,
              weight_decay: float = 0.0, monitor: torch.Tensor | None = None, desc: str = "RBM",
              checkpoint_dir: Path | None = None, checkpoint_every: int = 0,
              progress: bool = True) -> dict[str, list[float]]:
    """Train ``rbm`` on ``data`` (N, D) in [0, 1] by CD-k or persistent CD-k; returns ``rbm.history_``.

    The update is lr·(<v hᵀ>_data - <v hᵀ>_model) averaged over the batch (scikit-learn's rule),
    plus momentum and L2 weight decay on W. PCD keeps ``batch_size`` persistent hidden chains, as
    scikit-learn does. After each epoch the history gets the mean exact pseudo-log-likelihood and
    reconstruction error of ``monitor`` (default: the first 500 training rows) and the epoch's time.
    With ``checkpoint_dir`` and ``checkpoint_every`` > 0, the whole training state (parameters,
    velocities, persistent chains, the generator, history) goes to ``<desc>_epochNNNN.pt`` there
    every ``checkpoint_every`` epochs and after the last one, and a call that finds one resumes from it.
    """
    if method not in METHODS:
        raise ValueError(f"unknown RBM training method {method!r}; known: {', '.join(METHODS)}")
    g = rbm.generator
    monitor = data[:500] if monitor is None else monitor
    velocity = [torch.zeros_like(p) for p in (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_)]
    chains = torch.zeros(batch_size, rbm.weights_.shape[1], dtype=data.dtype, device=data.device)
    history = rbm.history_ = {"epoch": [], "pseudo_log_likelihood": [], "reconstruction_error": [],
                              "seconds": []}
    params = (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_)
    checkpoints = Checkpointer(checkpoint_dir, checkpoint_every, name=_tag(desc))
    state = {"tensors": [*params, *velocity, chains], "history": history, "generator": g}
    for epoch in epoch_progress(epochs, desc=desc, start=checkpoints.resume(state), progress=progress):
        start = time.perf_counter()
        order = torch.randperm(len(data), generator=g, device=g.device).to(data.device)
        for first in range(0, len(data), batch_size):
            v_pos = data[order[first:first + batch_size]]
            h_pos = rbm.hidden_probs(v_pos)
            h = chains[:len(v_pos)] if method == "pcd" else rbm.sample(h_pos)
            for _ in range(gibbs_steps):
                v_neg = rbm.sample(rbm.visible_probs(h))
                h_neg = rbm.hidden_probs(v_neg)
                h = rbm.sample(h_neg)
            if method == "pcd":
                chains[:len(v_pos)] = h
            n = len(v_pos)
            grads = ((v_pos.T @ h_pos - v_neg.T @ h_neg) / n - weight_decay * rbm.weights_,
                     (v_pos - v_neg).mean(dim=0), (h_pos - h_neg).mean(dim=0))
            for param, vel, grad in zip((rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_),
                                        velocity, grads, strict=True):
                vel.mul_(momentum).add_(learning_rate * grad)
                param.add_(vel)
            check_finite(float(sum(p.sum() for p in params)), epoch + 1, f"sum of the {desc} parameters",
                         {_tag(desc): history})
        history["epoch"].append(epoch + 1)
        history["pseudo_log_likelihood"].append(float(rbm.pseudo_log_likelihood(monitor).mean()))
        history["reconstruction_error"].append(rbm.reconstruction_error(monitor))
        nll = divergence.DivergenceGuard(f"{desc} negative pseudo-log-likelihood (nats per image)",
                                         factor=divergence.LIKELIHOOD_LIMIT, reference=monitor.shape[1] * math.log(2))
        nll.check(-history["pseudo_log_likelihood"][-1], epoch + 1, {_tag(desc): history})
        history["seconds"].append(time.perf_counter() - start)
        checkpoints.maybe_save(epoch + 1, state)
    checkpoints.save(epochs, state)
    return history


def _tag(name: str) -> str:
    """A checkpoint file name from a progress label: 'DBM pretrain layer 1' -> 'dbm_pretrain_layer_1'."""
    return name.lower().replace(" ", "_")
