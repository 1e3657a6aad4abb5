"""The course's undercomplete autoencoder (784 -> code -> 784, ReLU then sigmoid) and its 2026
regularised variants, each a loss on the same network (or, for ``kl``, a sigmoid code layer).

Variants (``kind``), all with the mean squared reconstruction error (per pixel) of the clean input:

``plain``           the course's autoencoder;
``gaussian``        denoising: the input gets N(0, noise^2) noise, clipped to [0, 1];
``masking``         denoising: each pixel is set to 0 with probability ``noise``;
``salt_pepper``     denoising: each pixel is set to 0 or 1 (equally likely) with probability ``noise``;
``l1``              + weight * mean over the batch of sum_j |h_j| (sparse codes);
``kl``              sigmoid codes, + weight * sum_j KL(rho || rho_hat_j), rho_hat_j the batch mean of h_j
                    (the classic sparse autoencoder; :func:`anndl.nn.autoencoder.kl_sparsity_penalty`);
``contractive``     + weight * mean over the batch of ||dh/dx||_F^2, in closed form for one layer:
                    sum_j act'(a_j)^2 sum_i W_ji^2.

Corruption noise comes from torch's global generator (seeded per cell; restored by checkpoints).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from anndl.nn.autoencoders.options import KINDS, Variant  # noqa: F401 (re-exported)
from anndl.nn.autoencoders.sparse import kl_sparsity_penalty


class Autoencoder(nn.Module):
    """x (B, n_in) in [0, 1] -> reconstruction (B, n_in) in (0, 1) through codes (B, code).

    ``code_activation``: relu (the course) or sigmoid (the KL-sparse variant needs codes in (0, 1)).
    """

    def __init__(self, n_in: int = 784, code: int = 32, code_activation: str = "relu"):
        super().__init__()
        if code_activation not in ("relu", "sigmoid"):
            raise ValueError(f"code_activation: expected relu or sigmoid, got {code_activation!r}")
        self.encoder, self.decoder = nn.Linear(n_in, code), nn.Linear(code, n_in)
        self.code_activation = code_activation

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def activate(self, a: torch.Tensor) -> torch.Tensor:
        return torch.relu(a) if self.code_activation == "relu" else torch.sigmoid(a)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes (B, code)."""
        return self.activate(self.encoder(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self.encode(x)))


def build(variant: Variant, n_in: int = 784, code: int = 32) -> Autoencoder:
    """The network a variant trains: sigmoid codes for ``kl``, ReLU codes otherwise."""
    return Autoencoder(n_in, code, "sigmoid" if variant.kind == "kl" else "relu")


def corrupt(x: torch.Tensor, variant: Variant) -> torch.Tensor:
    """The denoising variants' corrupted copy of x (B, n_in) in [0, 1]; x itself for the others."""
    if variant.kind == "gaussian":
        return (x + variant.noise * torch.randn_like(x)).clamp(0, 1)
    if variant.kind == "masking":
        return x * (torch.rand_like(x) >= variant.noise)
    if variant.kind == "salt_pepper":
        hit = torch.rand_like(x) < variant.noise
        return torch.where(hit, (torch.rand_like(x) < 0.5).to(x.dtype), x)
    return x


def contractive_penalty(model: Autoencoder, a: torch.Tensor) -> torch.Tensor:
    """Batch mean of ||dh/dx||_F^2 for codes h = act(a), a = W x + b (a: (B, code))."""
    if model.code_activation == "relu":
        slope = (a > 0).to(a.dtype)
    else:
        s = torch.sigmoid(a)
        slope = s * (1 - s)
    return ((slope ** 2) @ (model.encoder.weight ** 2).sum(dim=1)).mean()


def loss_terms(model: Autoencoder, x: torch.Tensor, variant: Variant) -> dict[str, torch.Tensor]:
    """``loss`` (reconstruction + penalty), ``reconstruction`` (MSE per pixel against the clean x) and
    ``penalty`` (the weighted regulariser, 0 for plain and denoising) of a batch x (B, n_in)."""
    a = model.pre_activation(corrupt(x, variant))
    h = model.activate(a)
    reconstruction = F.mse_loss(torch.sigmoid(model.decoder(h)), x)
    if variant.kind == "l1":
        penalty = variant.weight * h.abs().sum(dim=1).mean()
    elif variant.kind == "kl":
        penalty = variant.weight * kl_sparsity_penalty(variant.sparsity, h.mean(dim=0))
    elif variant.kind == "contractive":
        penalty = variant.weight * contractive_penalty(model, a)
    else:
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
    return {"loss": reconstruction + penalty, "reconstruction": reconstruction, "penalty": penalty}
