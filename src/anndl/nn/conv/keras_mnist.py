"""The Keras MNIST convnet example that the 2024 course's session 1 uses, written in torch.

conv 32 3×3 ReLU -> max-pool 2 -> conv 64 3×3 ReLU -> max-pool 2 -> flatten -> dropout 0.5 ->
dense 10 (softmax in the loss): 34,826 parameters for 28×28 inputs (N, 1, 28, 28) in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from anndl.nn import torchkit  # noqa: F401  (applies the deferred seed and thread settings)


def keras_mnist_convnet(n_classes: int = 10) -> nn.Sequential:
    """The network, torch's default initialisation; outputs logits (N, n_classes)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, n_classes),
    )


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` in eval mode on images X (N, 1, 28, 28), labels y (N,)."""
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        logits = model(X[i:i + batch_size])
        loss += float(nn.functional.cross_entropy(logits, y[i:i + batch_size], reduction="sum"))
        correct += int((logits.argmax(1) == y[i:i + batch_size]).sum())
    model.train()
    return loss / len(y), correct / len(y)
