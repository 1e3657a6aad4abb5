"""The 2024 course's variational autoencoder (session 4.3)::

    encoder  x (B, 784) -> linear 128, ReLU -> mu (B, 100), log sigma^2 (B, 100)
    decoder  z (B, 100) -> linear 128, ReLU -> linear 784 -> sigmoid: pixel probabilities

Weights Xavier-uniform, biases 0.01 (the course's initialisation).

The loss is the negative evidence lower bound **per sample**: the Bernoulli reconstruction
cross-entropy summed over the 784 pixels plus KL(q(z|x) || N(0, I)) summed over the latent
dimensions, both averaged over the batch (nats per image)::

    reconstruction = mean_b sum_i BCE(p_bi, x_bi),   kl = mean_b -1/2 sum_j (1 + log s2_bj - mu_bj^2 - s2_bj)

The course notebook summed over the batch, divided by the batch size, and divided its logged averages
by the batch size again, so its printed "losses" (0.696 = 0.518 + 0.178) are these values over
3000; anndl logs the per-sample values. The cross-entropy is computed from the decoder's logits
(``binary_cross_entropy_with_logits``), the same function without the clamping that
``binary_cross_entropy`` on sigmoid outputs needs.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class VAE(nn.Module):
    """x (B, n_in) in [0, 1] -> (logits (B, n_in), mu (B, latent), logvar (B, latent))."""

    def __init__(self, n_in: int = 784, hidden: int = 128, latent: int = 100):
        super().__init__()
        self.latent_dim = latent
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, n_in))
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.constant_(layer.bias, 0.01)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities (B, n_in) for latent vectors z (B, latent)."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        return self.decoder(z), mu, logvar


def vae_loss(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-sample negative ELBO terms (nats per image): ``loss`` = ``reconstruction`` + ``kl``."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp()) / len(x)
    return {"loss": reconstruction + kl, "reconstruction": reconstruction, "kl": kl}
