"""Sparse autoencoders as MATLAB's ``trainAutoencoder``, a softmax layer, greedy stacking and
end-to-end fine-tuning, in torch (full-batch).

Samples are in ROWS: ``X`` is (N, D). One autoencoder maps D -> H -> D with logistic units on both
sides and minimises MATLAB's ``msesparse`` cost::

    E = 1/N sum_n sum_k (x_kn - xhat_kn)^2  +  l2 * 1/2 (|W_enc|^2 + |W_dec|^2)
        + sparsity * sum_i KL(proportion || rho_hat_i),   rho_hat_i = mean_n h_i(x_n)

MATLAB trains the autoencoders, the softmax layer and the fine-tuning with scaled conjugate gradient
(``trainscg``) for ``MaxEpochs`` epochs; so does anndl by default (``optimiser="scg"``: chapter 1's
:class:`~anndl.nn.feedforward.classic.scaled_conjugate_gradient.ScaledConjugateGradient` on the flattened
parameters, gradients from torch's autograd). ``optimiser="lbfgs"`` uses full-batch L-BFGS with a
strong-Wolfe line search (``torch.optim.LBFGS``) for the same number of iterations instead.
Weights start uniform in +-sqrt(6 / (fan_in + fan_out + 1)), biases at zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from anndl.nn import divergence, torchkit
from anndl.nn.feedforward.classic.scaled_conjugate_gradient import ScaledConjugateGradient

MIN_GRAD = 1e-6
"""trainscg's min_grad: scg stops when the gradient's norm falls below it, L-BFGS when its largest entry does."""
OPTIMISERS = ("scg", "lbfgs")
"""scg: MATLAB's trainscg (the default); lbfgs: torch's full-batch L-BFGS with a strong-Wolfe line search."""


def kl_sparsity_penalty(proportion: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """sum_i KL(proportion || rho_hat_i) between Bernoulli distributions; rho_hat (H,) in (0, 1)."""
    rho_hat = rho_hat.clamp(1e-12, 1 - 1e-12)
    rho = proportion
    return torch.sum(rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat)))


def minimise(params: Sequence[torch.Tensor], objective: Callable[[], torch.Tensor], iterations: int, *,
             optimiser: str = "scg", desc: str = "training", progress: bool = False) -> list[float]:
    """Minimise ``objective`` over ``params`` full-batch for at most ``iterations`` epochs.

    The tensors are updated in place; ``objective`` evaluates the loss from their current values.
    ``optimiser``: "scg" (MATLAB's trainscg, :func:`minimise_scg`) or "lbfgs" (:func:`minimise_lbfgs`).
    Returns the objective at the start and after every epoch; a diverged curve raises RunError
    (:mod:`anndl.nn.divergence`'s rule).
    """
    if optimiser not in OPTIMISERS:
        raise ValueError(f"unknown optimiser {optimiser!r}; known: {', '.join(OPTIMISERS)}")
    run = minimise_scg if optimiser == "scg" else minimise_lbfgs
    curve = run(params, objective, iterations, desc=desc, progress=progress)
    divergence.DivergenceGuard(f"{desc} loss").check_curve(curve, {"loss_per_iteration": curve})
    return curve


class _FlatObjective:
    """``loss(theta)`` and ``loss_and_grad(theta)`` over the flattened ``params`` (a float64 vector),
    as chapter 1's steppers call them; each call writes theta into the tensors (in their dtype)."""

    def __init__(self, params: list[torch.Tensor], objective: Callable[[], torch.Tensor]):
        self.params, self.objective = params, objective
        self.sizes = [p.numel() for p in params]

    def theta(self) -> np.ndarray:
        return np.concatenate([p.detach().reshape(-1).double().numpy() for p in self.params])

    def assign(self, theta: np.ndarray) -> None:
        with torch.no_grad():
            for p, chunk in zip(self.params, np.split(theta, np.cumsum(self.sizes)[:-1]), strict=True):
                p.copy_(torch.from_numpy(chunk).view_as(p))

    def loss(self, theta: np.ndarray) -> float:
        self.assign(theta)
        with torch.no_grad():
            return float(self.objective())

    def loss_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.assign(theta)
        with torch.enable_grad():
            loss = self.objective()
            grads = torch.autograd.grad(loss, self.params)
        return float(loss.detach()), np.concatenate([g.reshape(-1).double().numpy() for g in grads])


def minimise_scg(params: Sequence[torch.Tensor], objective: Callable[[], torch.Tensor], iterations: int, *,
                 desc: str = "trainscg", progress: bool = False) -> list[float]:
    """MATLAB's trainscg over ``params``: scaled conjugate gradient with its defaults (sigma 5e-5,
    lambda 5e-7) for ``iterations`` epochs, stopping early when the gradient norm is below MIN_GRAD
    (goal 0 is never met by these losses; there is no validation set, as in trainAutoencoder).
    Returns the objective at the start and after every epoch (unchanged after a rejected step)."""
    params = list(params)
    for p in params:
        p.requires_grad_(True)
    flat = _FlatObjective(params, objective)
    stepper = ScaledConjugateGradient(flat, flat.theta())
    curve = [stepper.perf]
    bar = tqdm(total=iterations, desc=desc, disable=None if progress else True, leave=False)
    for _ in range(iterations):
        if stepper.grad_norm < MIN_GRAD or stepper.stop is not None:
            break
        stepper.step()
        curve.append(stepper.perf)
        bar.update(1)
    bar.close()
    flat.assign(stepper.theta)
    for p in params:
        p.requires_grad_(False)
        p.grad = None
    return curve


def minimise_lbfgs(params: Sequence[torch.Tensor], objective: Callable[[], torch.Tensor], iterations: int, *,
                   desc: str = "L-BFGS", progress: bool = False) -> list[float]:
    """Full-batch L-BFGS with a strong-Wolfe line search (``torch.optim.LBFGS``) over ``params``.

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
    1000 epochs); the course's layers override them. :meth:`fit` sets ``loss_curve_``: the cost E
    after every L-BFGS iteration.
    """

    def __init__(self, n_in: int, n_hidden: int, *, l2: float = 0.001, sparsity: float = 1.0,
                 proportion: float = 0.05, epochs: int = 1000, seed: int = 0, dtype=torch.float32,
                 optimiser: str = "scg"):
        if not 0 < proportion < 1:
            raise ValueError(f"proportion must be in (0, 1), got {proportion}")
        self.l2, self.sparsity, self.proportion, self.epochs = l2, sparsity, proportion, epochs
        self.optimiser = optimiser
        g = torch.Generator().manual_seed(int(seed))
        self.encoder_weight_ = _uniform_weights(n_hidden, n_in, g, dtype)
        """(H, D) encoder weights; row i is hidden unit i's feature (a 28x28 image for digits)."""
        self.encoder_bias_ = torch.zeros(n_hidden, dtype=dtype)
        self.decoder_weight_ = _uniform_weights(n_in, n_hidden, g, dtype)
        """(D, H) decoder weights."""
        self.decoder_bias_ = torch.zeros(n_in, dtype=dtype)

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
        """Minimise the cost on X (N, D) in [0, 1] for ``epochs`` epochs of ``optimiser``; returns self."""
        X = _as_tensor(X, self.encoder_weight_.dtype)
        self.loss_curve_ = minimise(self.parameters, lambda: self.cost_terms(X)["total"], self.epochs,
                                    optimiser=self.optimiser, progress=progress,
                                    desc=f"autoencoder {X.shape[1]}-{len(self.encoder_bias_)}")
        return self


class SoftmaxLayer(_Checkpointable):
    """Multinomial logistic regression H -> C, trained on mean cross-entropy (``trainSoftmaxLayer``).

    :meth:`fit` sets ``loss_curve_``: the mean cross-entropy after every L-BFGS iteration.
    """

    def __init__(self, n_in: int, n_classes: int, *, epochs: int = 1000, seed: int = 0, dtype=torch.float32,
                 optimiser: str = "scg"):
        g = torch.Generator().manual_seed(int(seed))
        self.epochs, self.optimiser = epochs, optimiser
        self.weight_ = _uniform_weights(n_classes, n_in, g, dtype)
        """(C, H) class weights."""
        self.bias_ = torch.zeros(n_classes, dtype=dtype)

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
                                    self.epochs, optimiser=self.optimiser, desc="softmax layer", progress=progress)
        return self


class StackedClassifier(_Checkpointable):
    """Encoders of greedily trained autoencoders, then a softmax layer: X (N, D) -> logits (N, C).

    The parameters are copies, so fine-tuning leaves the autoencoders as they were trained.
    :meth:`fine_tune` sets ``loss_curve_``: the mean cross-entropy after every L-BFGS iteration.
    """

    def __init__(self, autoencoders: Sequence[SparseAutoencoder], softmax: SoftmaxLayer):
        self.layers_ = [(ae.encoder_weight_.clone(), ae.encoder_bias_.clone()) for ae in autoencoders]
        """[(W (H_l, H_{l-1}), b (H_l,))] logistic encoder layers, input first."""
        self.softmax_ = (softmax.weight_.clone(), softmax.bias_.clone())
        """(W (C, H_last), b (C,)) output layer."""

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

    def fine_tune(self, X, labels, *, epochs: int, optimiser: str = "scg", progress: bool = False) -> StackedClassifier:
        """Train every layer together on mean cross-entropy for ``epochs`` epochs of ``optimiser``."""
        X = _as_tensor(X, self.softmax_[0].dtype)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.loss_curve_ = minimise(self.parameters, lambda: F.cross_entropy(self.logits(X), y), epochs,
                                    optimiser=optimiser, desc="fine-tuning", progress=progress)
        return self


def layer_seed(seed: int, prefix: Sequence[int]) -> int:
    """Seed of the layer that ends the architecture prefix ``prefix`` (hidden sizes, input first)."""
    return int(np.random.SeedSequence([int(seed), *map(int, prefix)]).generate_state(1)[0])


def train_stack(X, labels, hidden_sizes: Sequence[int], layer_settings: Sequence[dict], *,
                softmax_epochs: int, n_classes: int = 10, seed: int = 0, cache: dict | None = None,
                progress: bool = False, dtype=torch.float32, optimiser: str = "scg",
                checkpoint_dir: str | Path | None = None) -> tuple[list[SparseAutoencoder], SoftmaxLayer]:
    """Greedy layer-wise training: autoencoder l learns the codes of autoencoder l-1, then a softmax
    layer learns the labels from the last code.

    X (N, D) in [0, 1], labels (N,) ints. ``layer_settings[l]`` holds the keyword arguments (l2,
    sparsity, proportion, epochs) of layer l; ``optimiser`` trains every layer and the softmax.
    ``cache`` (a dict, filled in place) maps each
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
                                   optimiser=optimiser, **settings)
            stage = torchkit.Checkpointer(checkpoint_dir, 1, name=f"ae_{_name(prefix)}")
            if not stage.resume({"layer": ae}):
                ae.fit(codes, progress=progress)
                stage.save(1, {"layer": ae})
            cache[prefix] = (ae, ae.encode(codes))
        ae, codes = cache[prefix]
        autoencoders.append(ae)
    softmax = SoftmaxLayer(codes.shape[1], n_classes, epochs=softmax_epochs,
                           seed=layer_seed(seed, [*hidden_sizes, 0]), dtype=dtype, optimiser=optimiser)
    stage = torchkit.Checkpointer(checkpoint_dir, 1, name=f"softmax_{_name(hidden_sizes)}")
    if not stage.resume({"layer": softmax}):
        softmax.fit(codes, labels, progress=progress)
        stage.save(1, {"layer": softmax})
    return autoencoders, softmax


def _name(sizes: Sequence[int]) -> str:
    return "-".join(str(int(s)) for s in sizes)

