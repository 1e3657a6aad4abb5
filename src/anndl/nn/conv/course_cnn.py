"""The 2024 course's MNIST CNN (session 3.2)::

    (B, 1, 28, 28) -> conv 3x3 /2 pad 1, 16 -> BN -> ReLU      (B, 16, 14, 14)
                   -> conv 3x3 /2 pad 1, 32 -> BN -> ReLU      (B, 32, 7, 7)
                   -> conv 3x3 /2 pad 1, 32 -> BN -> ReLU      (B, 32, 4, 4)
                   -> conv 2x2 /2, 64 -> BN -> ReLU             (B, 64, 2, 2)
                   -> flatten 256 -> linear 100 -> linear 10    (B, 10) logits

The course's two dense layers have no activation between them (their product is one linear map of
rank at most 100); ``dense_activation="relu"`` puts a ReLU there.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class CourseCNN(nn.Module):
    """Images (B, 1, 28, 28) (or (B, 28, 28)) in [0, 1] -> logits (B, n_classes)."""

    def __init__(self, channels: Sequence[int] = (16, 32, 32, 64), hidden: int = 100, n_classes: int = 10,
                 dense_activation: str = "none"):
        super().__init__()
        if len(channels) != 4:
            raise ValueError(f"channels must give the 4 conv widths, got {channels!r}")
        if dense_activation not in ("none", "relu"):
            raise ValueError(f"dense_activation: expected none or relu, got {dense_activation!r}")
        layers, c_in = [], 1
        for i, c in enumerate(channels):
            kernel, padding = (2, 0) if i == 3 else (3, 1)
            layers += [nn.Conv2d(c_in, int(c), kernel, stride=2, padding=padding), nn.BatchNorm2d(int(c)), nn.ReLU()]
            c_in = int(c)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.dense = nn.Sequential(nn.Linear(4 * c_in, hidden),
                                   nn.ReLU() if dense_activation == "relu" else nn.Identity(),
                                   nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3:
            x = x.unsqueeze(1)
        return self.dense(self.features(x))
