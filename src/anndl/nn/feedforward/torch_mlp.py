"""A torch MLP (``Linear`` layers with one hidden activation) and its bridge to anndl's numpy MLP.

Inputs are (N, n_in) float32 tensors, outputs (N, n_out). :func:`to_classic` copies the weights into
:class:`anndl.nn.feedforward.mlp.MLP` with identity input and target scaling, so that MATLAB's trainers (lm, br,
scg, bfg) start from exactly the network the torch optimisers start from.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from anndl.nn import torchkit  # noqa: F401  (applies the deferred seed and thread settings)
from anndl.nn.feedforward.mlp import MLP, MapMinMax

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def torch_mlp(sizes: list[int], activation: str = "relu") -> nn.Sequential:
    """``Linear(sizes[0], sizes[1])``, activation, …, ``Linear(sizes[-2], sizes[-1])`` (linear output),
    torch's default initialisation (Kaiming-uniform weights, uniform biases) from its global generator."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def _identity_map(n: int) -> MapMinMax:
    """A MapMinMax that maps every value to itself ((x + 1) * 1 - 1)."""
    return MapMinMax(x_min=-np.ones(n), gain=np.ones(n), offset=-np.ones(n))


def to_classic(model: nn.Sequential, activation: str = "relu") -> MLP:
    """The numpy :class:`MLP` computing exactly what ``model`` computes (float64 copies of its weights,
    no input or target scaling); ``activation`` "relu", "tanh" or "logistic"."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    sizes = [linears[0].in_features] + [m.out_features for m in linears]
    theta = np.concatenate([p for m in linears for p in (m.weight.detach().double().numpy().ravel(),
                                                         m.bias.detach().double().numpy())])
    return MLP(layer_sizes=sizes, hidden_activation="logistic" if activation == "sigmoid" else activation,
               output="linear", input_map_=_identity_map(sizes[0]), target_map_=_identity_map(sizes[-1]),
               theta_=theta)


@torch.no_grad()
def mse(model: nn.Module, X: torch.Tensor, T: torch.Tensor) -> float:
    """Mean squared error of ``model`` on X (N, n_in), T (N, n_out)."""
    return float(torch.mean((model(X) - T) ** 2))
