"""Sparse autoencoders as MATLAB's ``trainAutoencoder``, a softmax layer, greedy stacking and
end-to-end fine-tuning, in torch (full-batch).

Samples are in ROWS: ``X`` is (N, D). One autoencoder maps D -> H -> D with logistic units on both
sides and minimises MATLAB's ``msesparse`` cost::

    E = 1/N sum_n sum_k (x_kn - xhat_kn)^2  +  l2 * 1/2 (|W_enc|^2 + |W_dec|^2)
        + sparsity * sum_i KL(proportion || rho_hat_i),   rho_hat_i = mean_n h_i(x_n)

MATLAB trains with scaled conjugate gradient (``trainscg``) for ``MaxEpochs`` iterations; anndl
uses full-batch L-BFGS with a strong-Wolfe line search (``torch.optim.LBFGS``) for the same number
of iterations: another quasi-second-order full-batch method with a comparable cost per iteration.
Weights start uniform in +-sqrt(6 / (fan_in + fan_out + 1)), biases at zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from anndl.nn import torchkit

MIN_GRAD = 1e-6
"""Stop when the gradient's largest entry falls below this (trainscg's min_grad)."""


def kl_sparsity_penalty(proportion: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """sum_i KL(proportion || rho_hat_i) between Bernoulli distributions; rho_hat (H,) in (0, 1)."""
    rho_hat = rho_hat.clamp(1e-12, 1 - 1e-12)
    rho = proportion
    return torch.sum(rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat)))


def minimise(params: Sequence[torch.Tensor], objective: Callable[[], torch.Tensor], iterations: int, *,
             desc: str = "L-BFGS", progress: bool = False) -> list[float]:
    """Full-batch L-BFGS with a strong-Wolfe line search (``torch.optim.LBFGS``) over ``params``.

    The tensors are updated in place; ``objective`` evaluates the loss from their current values.
    Stops after ``iterations`` iterations or when every gradient entry is below MIN_GRAD. Returns
    the objective at the start and after every iteration (the last line-search evaluation).
    """
    params = list(params)
    for p in params:
        p.requires_grad_(True)
    optimiser = torch.optim.LBFGS(params, lr=1.0, max_iter=iterations, max_eval=int(iterations * 1.5) + 10,
                                  tolerance_grad=MIN_GRAD, tolerance_change=0.0, history_size=50,
                                  line_search_fn="strong_wolfe")
    state = optimiser.state[params[0]]
    by_iteration: dict[int, float] = {}
    bar = tqdm(total=iterations, desc=desc, disable=None if progress else True, leave=False)

    def closure():
        optimiser.zero_grad(set_to_none=True)
        loss = objective()
        loss.backward()
        iteration = int(state.get("n_iter", 0))
        by_iteration[iteration] = float(loss.detach())
        bar.update(min(iteration, iterations) - bar.n)
        return loss

    if iterations > 0:
        optimiser.step(closure)
    else:
        with torch.no_grad():
            by_iteration[0] = float(objective())
    bar.close()
    for p in params:
        p.requires_grad_(False)
        p.grad = None
    return [by_iteration[k] for k in sorted(by_iteration)]


def _uniform_weights(n_out: int, n_in: int, generator: torch.Generator, dtype) -> torch.Tensor:
    bound = float(np.sqrt(6.0 / (n_in + n_out + 1)))
    return (torch.rand(n_out, n_in, generator=generator, dtype=dtype) * 2 - 1) * bound


def _as_tensor(X, dtype) -> torch.Tensor:
    return torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X, dtype=dtype)


class _Checkpointable:
    """``state_dict``/``load_state_dict`` over a layer's ``parameters`` and ``loss_curve_`` (for
    :class:`torchkit.Checkpointer`)."""

    def state_dict(self) -> dict:
        return {"parameters": self.parameters, "loss_curve": self.loss_curve_}

    def load_state_dict(self, state: dict) -> None:
        for tensor, saved in zip(self.parameters, state["parameters"], strict=True):
            tensor.copy_(saved)
        self.loss_curve_ = list(state["loss_curve"])


class SparseAutoencoder(_Checkpointable):
    """D -> H -> D logistic autoencoder with L2 weight decay and a KL sparsity penalty.

    Defaults are MATLAB's ``trainAutoencoder`` defaults (L2 0.001, sparsity 1, proportion 0.05,
    1000 epochs); the course's layers override them.
    """

    def __init__(self, n_in: int, n_hidden: int, *, l2: float = 0.001, sparsity: float = 1.0,
                 proportion: float = 0.05, epochs: int = 1000, seed: int = 0, dtype=torch.float32):
        if not 0 < proportion < 1:
            raise ValueError(f"proportion must be in (0, 1), got {proportion}")
        self.l2, self.sparsity, self.proportion, self.epochs = l2, sparsity, proportion, epochs
        g = torch.Generator().manual_seed(int(seed))
        self.encoder_weight_ = _uniform_weights(n_hidden, n_in, g, dtype)
        """(H, D) encoder weights; row i is hidden unit i's feature (a 28x28 image for digits)."""
        self.encoder_bias_ = torch.zeros(n_hidden, dtype=dtype)
        self.decoder_weight_ = _uniform_weights(n_in, n_hidden, g, dtype)
        """(D, H) decoder weights."""
        self.decoder_bias_ = torch.zeros(n_in, dtype=dtype)
        self.loss_curve_: list[float] = []
        """Cost E after every L-BFGS iteration of :meth:`fit`."""

    @property
    def parameters(self) -> list[torch.Tensor]:
        return [self.encoder_weight_, self.encoder_bias_, self.decoder_weight_, self.decoder_bias_]

    def encode(self, X) -> torch.Tensor:
        """(N, D) -> hidden code (N, H) in (0, 1)."""
        X = _as_tensor(X, self.encoder_weight_.dtype)
        return torch.sigmoid(X @ self.encoder_weight_.T + self.encoder_bias_)

    def reconstruct(self, X) -> torch.Tensor:
        """(N, D) -> reconstruction (N, D) in (0, 1)."""
        return torch.sigmoid(self.encode(X) @ self.decoder_weight_.T + self.decoder_bias_)

    def cost_terms(self, X) -> dict[str, torch.Tensor]:
        """The three parts of the cost and their weighted sum ``total`` for data X (N, D)."""
        X = _as_tensor(X, self.encoder_weight_.dtype)
        hidden = torch.sigmoid(X @ self.encoder_weight_.T + self.encoder_bias_)
        output = torch.sigmoid(hidden @ self.decoder_weight_.T + self.decoder_bias_)
        reconstruction = torch.sum((X - output) ** 2) / X.shape[0]
        weights = 0.5 * (torch.sum(self.encoder_weight_ ** 2) + torch.sum(self.decoder_weight_ ** 2))
        sparsity = kl_sparsity_penalty(self.proportion, hidden.mean(dim=0))
        total = reconstruction + self.l2 * weights + self.sparsity * sparsity
        return {"reconstruction": reconstruction, "weights": weights, "sparsity": sparsity, "total": total}

    def fit(self, X, *, progress: bool = False) -> SparseAutoencoder:
        """Minimise the cost on X (N, D) in [0, 1] for ``epochs`` L-BFGS iterations; returns self."""
        X = _as_tensor(X, self.encoder_weight_.dtype)
        self.loss_curve_ = minimise(self.parameters, lambda: self.cost_terms(X)["total"], self.epochs,
                                    desc=f"autoencoder {X.shape[1]}-{len(self.encoder_bias_)}",
                                    progress=progress)
        return self


class SoftmaxLayer(_Checkpointable):
    """Multinomial logistic regression H -> C, trained on mean cross-entropy (``trainSoftmaxLayer``)."""

    def __init__(self, n_in: int, n_classes: int, *, epochs: int = 1000, seed: int = 0, dtype=torch.float32):
        g = torch.Generator().manual_seed(int(seed))
        self.epochs = epochs
        self.weight_ = _uniform_weights(n_classes, n_in, g, dtype)
        """(C, H) class weights."""
        self.bias_ = torch.zeros(n_classes, dtype=dtype)
        self.loss_curve_: list[float] = []
        """Mean cross-entropy after every L-BFGS iteration of :meth:`fit`."""

    @property
    def parameters(self) -> list[torch.Tensor]:
        return [self.weight_, self.bias_]

    def logits(self, Z) -> torch.Tensor:
        return _as_tensor(Z, self.weight_.dtype) @ self.weight_.T + self.bias_

    def fit(self, Z, labels, *, progress: bool = False) -> SoftmaxLayer:
        """Train on codes Z (N, H) and int labels (N,); returns self."""
        Z = _as_tensor(Z, self.weight_.dtype)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.loss_curve_ = minimise(self.parameters, lambda: F.cross_entropy(self.logits(Z), y),
                                    self.epochs, desc="softmax layer", progress=progress)
        return self


class StackedClassifier(_Checkpointable):
    """Encoders of greedily trained autoencoders, then a softmax layer: X (N, D) -> logits (N, C).

    The parameters are copies, so fine-tuning leaves the autoencoders as they were trained.
    """

    def __init__(self, autoencoders: Sequence[SparseAutoencoder], softmax: SoftmaxLayer):
        self.layers_ = [(ae.encoder_weight_.clone(), ae.encoder_bias_.clone()) for ae in autoencoders]
        """[(W (H_l, H_{l-1}), b (H_l,))] logistic encoder layers, input first."""
        self.softmax_ = (softmax.weight_.clone(), softmax.bias_.clone())
        """(W (C, H_last), b (C,)) output layer."""
        self.loss_curve_: list[float] = []
        """Mean cross-entropy after every L-BFGS iteration of :meth:`fine_tune`."""

    @property
    def parameters(self) -> list[torch.Tensor]:
        return [t for pair in [*self.layers_, self.softmax_] for t in pair]

    def logits(self, X) -> torch.Tensor:
        h = _as_tensor(X, self.softmax_[0].dtype)
        for W, b in self.layers_:
            h = torch.sigmoid(h @ W.T + b)
        return h @ self.softmax_[0].T + self.softmax_[1]

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        """Predicted classes (N,) for X (N, D)."""
        return self.logits(X).argmax(dim=1).numpy()

    def accuracy(self, X, labels) -> float:
        return float(np.mean(self.predict(X) == np.asarray(labels)))

    def fine_tune(self, X, labels, *, epochs: int, progress: bool = False) -> StackedClassifier:
        """Train every layer together on mean cross-entropy for ``epochs`` L-BFGS iterations."""
        X = _as_tensor(X, self.softmax_[0].dtype)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.loss_curve_ = minimise(self.parameters, lambda: F.cross_entropy(self.logits(X), y), epochs,
                                    desc="fine-tuning", progress=progress)
        return self


def layer_seed(seed: int, prefix: Sequence[int]) -> int:
    """Seed of the layer that ends the architecture prefix ``prefix`` (hidden sizes, input first)."""
    return int(np.random.SeedSequence([int(seed), *map(int, prefix)]).generate_state(1)[0])


def train_stack(X, labels, hidden_sizes: Sequence[int], layer_settings: Sequence[dict], *,
                softmax_epochs: int, n_classes: int = 10, seed: int = 0, cache: dict | None = None,
                progress: bool = False, dtype=torch.float32,
                checkpoint_dir: str | Path | None = None) -> tuple[list[SparseAutoencoder], SoftmaxLayer]:
    """Greedy layer-wise training: autoencoder l learns the codes of autoencoder l-1, then a softmax
    layer learns the labels from the last code.

    X (N, D) in [0, 1], labels (N,) ints. ``layer_settings[l]`` holds the keyword arguments (l2,
    sparsity, proportion, epochs) of layer l. ``cache`` (a dict, filled in place) maps each
    architecture prefix to its trained autoencoder and codes, so that architectures sharing a
    prefix, trained with the same ``seed``, reuse those layers; a layer's seed depends only on
    (seed, prefix), so the result does not depend on which architecture trained it first.
    With ``checkpoint_dir``, every finished layer is saved there (``ae_<prefix>_epoch0001.pt``,
    ``softmax_<hidden>_epoch0001.pt``) and loaded instead of trained when a restarted run finds it.
    """
    if len(layer_settings) != len(hidden_sizes):
        raise ValueError(f"{len(hidden_sizes)} hidden layers but {len(layer_settings)} layer settings")
    cache = {} if cache is None else cache
    codes = _as_tensor(X, dtype)
    autoencoders = []
    for depth, (size, settings) in enumerate(zip(hidden_sizes, layer_settings, strict=True), start=1):
        prefix = tuple(int(h) for h in hidden_sizes[:depth])
        if prefix not in cache:
            ae = SparseAutoencoder(codes.shape[1], int(size), seed=layer_seed(seed, prefix), dtype=dtype,
                                   **settings)
            stage = torchkit.Checkpointer(checkpoint_dir, 1, name=f"ae_{_name(prefix)}")
            if not stage.resume({"layer": ae}):
                ae.fit(codes, progress=progress)
                stage.save(1, {"layer": ae})
            cache[prefix] = (ae, ae.encode(codes))
        ae, codes = cache[prefix]
        autoencoders.append(ae)
    softmax = SoftmaxLayer(codes.shape[1], n_classes, epochs=softmax_epochs,
                           seed=layer_seed(seed, [*hidden_sizes, 0]), dtype=dtype)
    stage = torchkit.Checkpointer(checkpoint_dir, 1, name=f"softmax_{_name(hidden_sizes)}")
    if not stage.resume({"layer": softmax}):
        softmax.fit(codes, labels, progress=progress)
        stage.save(1, {"layer": softmax})
    return autoencoders, softmax


def _name(sizes: Sequence[int]) -> str:
    return "-".join(str(int(s)) for s in sizes)

