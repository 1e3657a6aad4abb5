"""Bernoulli restricted and deep Boltzmann machines in torch, trained by (persistent) contrastive divergence.

RBM energy E(v, h) = -v·b - h·c - vᵀWh with v ∈ [0, 1]^D (grey pixels are used as Bernoulli means,
as scikit-learn's BernoulliRBM does) and h ∈ {0, 1}^H. Free energy
F(v) = -v·b - Σ_j softplus(c_j + (vW)_j), so p(v) ∝ exp(-F(v)).

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
from torch.nn.functional import logsigmoid, softplus

from anndl.nn.torchkit import Checkpointer
from anndl.nn.torchkit import epochs as epoch_progress
from anndl.seeding import seed_globals

METHODS = ("cd", "pcd")


def make_generator(seed: int, device: torch.device) -> torch.Generator:
    """Seed torch/numpy/random globally and return a torch Generator on ``device`` seeded with ``seed``."""
    seed_globals(seed)
    return torch.Generator(device=device).manual_seed(seed)


class BernoulliRBM:
    """A Bernoulli–Bernoulli RBM: ``weights_`` (D, H), ``visible_bias_`` (D,), ``hidden_bias_`` (H,).

    ``up_scale``/``down_scale`` multiply W in p(h|v) / p(v|h); both are 1 for an ordinary RBM and
    2 for the bottom / top RBM of a DBM's greedy pretraining.
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
        self.history_: dict[str, list[float]] = {}

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
        history["epoch"].append(epoch + 1)
        history["pseudo_log_likelihood"].append(float(rbm.pseudo_log_likelihood(monitor).mean()))
        history["reconstruction_error"].append(rbm.reconstruction_error(monitor))
        history["seconds"].append(time.perf_counter() - start)
        checkpoints.maybe_save(epoch + 1, state)
    checkpoints.save(epochs, state)
    return history


def _tag(name: str) -> str:
    """A checkpoint file name from a progress label: 'DBM pretrain layer 1' -> 'dbm_pretrain_layer_1'."""
    return name.lower().replace(" ", "_")


class DeepBoltzmannMachine:
    """Two-hidden-layer DBM.

    ``weights_`` = [W1 (D, H1), W2 (H1, H2)]; ``biases_`` = [b (D,), c1 (H1,), c2 (H2,)].
    """

    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor], generator: torch.Generator):
        self.weights_, self.biases_ = [w.clone() for w in weights], [b.clone() for b in biases]
        self.generator = generator
        self.history_: dict[str, list[float]] = {}

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
        history["epoch"].append(epoch + 1)
        history["reconstruction_error"].append(dbm.reconstruction_error(monitor, mean_field_steps))
        history["seconds"].append(time.perf_counter() - start)
        checkpoints.maybe_save(epoch + 1, state())
    checkpoints.save(epochs, state())
    return history
