"""The 2024 course's stacked autoencoder: sigmoid autoencoder layers trained greedily, a linear
classifier on the last code, then fine-tuning of the whole stack.

    x (B, 784) -> [linear 784 -> 256, sigmoid] -> [linear 256 -> 64, sigmoid] -> linear 64 -> 10 (logits)

Pre-training: layer k is an autoencoder (its encoder, and a sigmoid decoder back to its input) fitted
with SGD and the mean squared error on the codes of the frozen layers before it. Classifier: SGD on
cross-entropy with the encoders frozen (``freeze_encoders``); fine-tuning: everything unfrozen.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class StackedAutoencoder(nn.Module):
    """Encoders ``sizes[0] -> sizes[1] -> ...`` (sigmoid), each with its pre-training decoder, and a
    linear classification layer on the last code: x (B, sizes[0]) -> logits (B, n_classes)."""

    def __init__(self, sizes: Sequence[int] = (784, 256, 64), n_classes: int = 10):
        super().__init__()
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        self.encoders = nn.ModuleList(nn.Sequential(nn.Linear(a, b), nn.Sigmoid()) for a, b in pairs)
        self.decoders = nn.ModuleList(nn.Sequential(nn.Linear(b, a), nn.Sigmoid()) for a, b in pairs)
        self.classifier = nn.Linear(sizes[-1], n_classes)

    def encode(self, x: torch.Tensor, layers: int | None = None) -> torch.Tensor:
        """Codes of the first ``layers`` encoders (all when None)."""
        for encoder in self.encoders[:layers]:
            x = encoder(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encode(x))


class LayerAutoencoder(nn.Module):
    """Layer ``k`` of a stack as an autoencoder of the frozen codes below it: x -> reconstruction of
    ``stack.encode(x, k)`` (what pre-training fits); only layer k's encoder and decoder are trained."""

    def __init__(self, stack: StackedAutoencoder, k: int):
        super().__init__()
        self.stack, self.k = stack, k

    def below(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.stack.encode(x, self.k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stack.decoders[self.k](self.stack.encoders[self.k](x))

    def parameters_trained(self) -> list[torch.Tensor]:
        return [*self.stack.encoders[self.k].parameters(), *self.stack.decoders[self.k].parameters()]
