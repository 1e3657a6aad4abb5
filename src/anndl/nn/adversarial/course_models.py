"""The 2024 course's GANs for MNIST (session 4.2). Generators map z (B, latent) to images
(B, 1, 28, 28) in [-1, 1] (tanh); discriminators map images to logits (B,) of "real" (the course's
sigmoid is folded into the BCE-with-logits loss of :mod:`anndl.nn.adversarial.training`). Torch's default
initialisation, as in the course.

Vanilla (fully connected, leaky ReLU 0.2)::

    generator      z -> 256 -> 512 -> 1024 -> 784, tanh
    discriminator  784 -> 1024 -> 512 -> 256 -> 1, dropout after each hidden layer

CNN backbone (L = latent dim; kernel 4 on the stride-2 layers, against checkerboard artefacts)::

    generator      z (L, 1, 1) -> convT 5x5 32L (5x5) -> convT 5x5 pad 1 16L (7x7)
                   -> convT 4x4 /2 pad 1 L (14x14) -> convT 4x4 /2 pad 1 1 (28x28), tanh;
                   batch norm and ReLU after each hidden layer
    discriminator  (1, 28, 28) -> conv 4x4 /2 pad 1 L (14) -> conv 4x4 /2 pad 1 16L (7)
                   -> conv 5x5 pad 1 32L (5) -> conv 5x5 L (1); batch norm and leaky ReLU 0.2 after each
                   -> linear L -> 1
"""

from __future__ import annotations

import torch
from torch import nn

SIDE = 28


class MLPGenerator(nn.Module):
    def __init__(self, latent_dim: int = 10, widths=(256, 512, 1024), leak: float = 0.2):
        super().__init__()
        self.latent_dim = latent_dim
        layers, width = [], latent_dim
        for w in widths:
            layers += [nn.Linear(width, w), nn.LeakyReLU(leak)]
            width = w
        self.net = nn.Sequential(*layers, nn.Linear(width, SIDE * SIDE), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, SIDE, SIDE)


class MLPDiscriminator(nn.Module):
    def __init__(self, dropout: float = 0.3, widths=(1024, 512, 256), leak: float = 0.2):
        super().__init__()
        layers, width = [nn.Flatten()], SIDE * SIDE
        for w in widths:
            layers += [nn.Linear(width, w), nn.LeakyReLU(leak), nn.Dropout(dropout)]
            width = w
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class ConvGenerator(nn.Module):
    def __init__(self, latent_dim: int = 10):
        super().__init__()
        L = latent_dim
        self.latent_dim = L

        def up(c_in, c_out, kernel, stride, padding):
            return [nn.ConvTranspose2d(c_in, c_out, kernel, stride, padding), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.net = nn.Sequential(*up(L, 32 * L, 5, 1, 0), *up(32 * L, 16 * L, 5, 1, 1), *up(16 * L, L, 4, 2, 1),
                                 nn.ConvTranspose2d(L, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class ConvDiscriminator(nn.Module):
    def __init__(self, latent_dim: int = 10, leak: float = 0.2):
        super().__init__()
        L = latent_dim

        def down(c_in, c_out, kernel, stride, padding):
            return [nn.Conv2d(c_in, c_out, kernel, stride, padding), nn.BatchNorm2d(c_out), nn.LeakyReLU(leak)]

        self.net = nn.Sequential(*down(1, L, 4, 2, 1), *down(L, 16 * L, 4, 2, 1), *down(16 * L, 32 * L, 5, 1, 1),
                                 *down(32 * L, L, 5, 1, 0), nn.Flatten(), nn.Linear(L, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
