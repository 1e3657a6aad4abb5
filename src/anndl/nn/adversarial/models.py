"""GAN networks of chapter 4: the course's DCGAN (convolutional) and the WGAN's MLPs.

DCGAN (course notebook, CIFAR-10, one class; report §4.3)::

    generator      z (B, 100) -> dense 8*8*256 (linear) -> BN -> ReLU -> (256, 8, 8)
                   -> convT 3x3 /1 256 -> BN -> LeakyReLU          (256, 8, 8)
                   -> convT 3x3 /2 128 -> BN -> LeakyReLU          (128, 16, 16)
                   -> convT 3x3 /2 C   -> tanh                     (C, 32, 32) in [-1, 1]
    discriminator  (C, 32, 32) -> conv 3x3 /2 32 -> LeakyReLU(0.2)  (32, 16, 16)
                   -> conv 3x3 /2 64 -> BN -> LeakyReLU(0.2)       (64, 8, 8)
                   -> conv 3x3 /1 128 -> BN -> LeakyReLU(0.2)      (128, 8, 8)
                   -> dense 1 (a logit: BCE-with-logits is the loss)

The widths are arguments (``widths``), so a smaller copy of the same architecture fits a CPU
budget. Weights are Glorot-uniform and biases zero, Keras's defaults (the course notebook's
framework). The generator's dense layer is linear and followed by ReLU as in the course notebook
(``dense_activation="leaky_relu"`` gives LeakyReLU(0.2) there, anndl's earlier choice); its
transposed convs use LeakyReLU(0.2).

WGAN (MNIST flattened to 784 values in [-1, 1]; report §4.4)::

    generator  z (B, 100) -> 256 -> 256 -> 784 (tanh)      hidden LeakyReLU(0.2)
    critic     (B, 784)   -> 256 -> 256 -> 1 (a real score, no sigmoid)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

DENSE_ACTIVATIONS = ("relu", "leaky_relu")


def _glorot_init(module: nn.Module) -> None:
    for layer in module.modules():
        if isinstance(layer, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) -> images (B, channels, image_size, image_size) in [-1, 1].

    ``widths`` = (dense channels, first convT channels, second convT channels); the course
    uses (256, 256, 128). ``image_size`` must be divisible by 4 (the dense layer makes a
    (image_size/4)-wide map that two stride-2 convTs double twice).
    """

    def __init__(self, latent_dim: int = 100, channels: int = 3, widths: Sequence[int] = (256, 256, 128),
                 image_size: int = 32, leak: float = 0.2, dense_activation: str = "relu"):
        super().__init__()
        if len(widths) != 3:
            raise ValueError(f"widths must give 3 channel counts (dense, convT1, convT2), got {widths!r}")
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {image_size}")
        if dense_activation not in DENSE_ACTIVATIONS:
            raise ValueError(f"dense_activation: expected one of {', '.join(DENSE_ACTIVATIONS)}, "
                             f"got {dense_activation!r}")
        w0, w1, w2 = (int(w) for w in widths)
        self.latent_dim, self.channels, self.image_size = latent_dim, channels, image_size
        self.seed_shape = (w0, image_size // 4, image_size // 4)
        self.project = nn.Sequential(
            nn.Linear(latent_dim, w0 * (image_size // 4) ** 2, bias=False),
            nn.BatchNorm1d(w0 * (image_size // 4) ** 2),
            nn.ReLU() if dense_activation == "relu" else nn.LeakyReLU(leak))
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(w0, w1, 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(w1), nn.LeakyReLU(leak),
            nn.ConvTranspose2d(w1, w2, 3, stride=2, padding=1, output_padding=1, bias=False),
            nn.BatchNorm2d(w2), nn.LeakyReLU(leak),
            nn.ConvTranspose2d(w2, channels, 3, stride=2, padding=1, output_padding=1), nn.Tanh())
        _glorot_init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, *self.seed_shape))


class DCGANDiscriminator(nn.Module):
    """Images (B, channels, image_size, image_size) in [-1, 1] -> logits (B,) of "real".

    ``widths`` = the three conv layers' channel counts; the course uses (32, 64, 128).
    """

    def __init__(self, channels: int = 3, widths: Sequence[int] = (32, 64, 128), image_size: int = 32,
                 leak: float = 0.2):
        super().__init__()
        if len(widths) != 3:
            raise ValueError(f"widths must give 3 channel counts, got {widths!r}")
        w0, w1, w2 = (int(w) for w in widths)
        self.features = nn.Sequential(
            nn.Conv2d(channels, w0, 3, stride=2, padding=1), nn.LeakyReLU(leak),
            nn.Conv2d(w0, w1, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w1), nn.LeakyReLU(leak),
            nn.Conv2d(w1, w2, 3, stride=1, padding=1, bias=False), nn.BatchNorm2d(w2), nn.LeakyReLU(leak),
            nn.Flatten())
        self.classify = nn.Linear(w2 * (image_size // 4) ** 2, 1)
        _glorot_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x)).squeeze(1)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> images (B, 1, side, side) in [-1, 1] through a tanh MLP.

    ``hidden`` lists the hidden widths (course: 256, 256); the output has side*side units.
    """

    def __init__(self, latent_dim: int = 100, hidden: Sequence[int] = (256, 256), side: int = 28,
                 leak: float = 0.2):
        super().__init__()
        self.latent_dim, self.side = latent_dim, side
        layers, width = [], latent_dim
        for h in hidden:
            layers += [nn.Linear(width, int(h)), nn.LeakyReLU(leak)]
            width = int(h)
        layers += [nn.Linear(width, side * side), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        _glorot_init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, self.side, self.side)


class MLPCritic(nn.Module):
    """Images (B, 1, side, side) -> real-valued scores (B,) (a WGAN critic or, with BCE, a logit)."""

    def __init__(self, hidden: Sequence[int] = (256, 256), side: int = 28, leak: float = 0.2):
        super().__init__()
        layers, width = [nn.Flatten()], side * side
        for h in hidden:
            layers += [nn.Linear(width, int(h)), nn.LeakyReLU(leak)]
            width = int(h)
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        _glorot_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
