"""The small digit CNN of the course (MATLAB's template) and its SGD-with-momentum trainer.

Template (course script, report §3.3)::

    input 28x28x1 (zero-centred with the training mean image, MATLAB's imageInputLayer default,
                   in 0..255 pixel units: MATLAB feeds uint8 images, and the course's learning
                   rate 1e-4 is tuned for that scale)
    conv 5x5 x filters[0] -> ReLU -> max-pool 2/2 -> conv 5x5 x filters[1] -> ReLU -> FC n_classes

No padding, so a 28x28 digit becomes 24x24 -> 12x12 -> 8x8; with filters (12, 24) the network has
22,906 trainable parameters, the "over 22 000" of the report. Weights are Glorot-uniform and biases
zero (MATLAB's defaults). Chapter 4 reuses `DigitCNN.features` (the input of the last FC layer) for
its Fréchet distance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from anndl.nn import divergence, torchkit
from anndl.seeding import seeded


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial output size of a convolution or pooling layer, the report's formula (3.1).

    ``(size - kernel + 2 * padding) / stride + 1``, floored as every framework does when the
    division is not exact. Raises ValueError when the kernel does not fit.
    """
    if kernel < 1 or stride < 1 or padding < 0:
        raise ValueError(f"need kernel >= 1, stride >= 1, padding >= 0 (got {kernel}, {stride}, {padding})")
    span = size - kernel + 2 * padding
    if span < 0:
        raise ValueError(f"a {kernel}-wide kernel does not fit a {size}-wide input with padding {padding}")
    return span // stride + 1


class DigitCNN(nn.Module):
    """conv 5x5 -> ReLU -> max-pool 2/2 -> conv 5x5 -> ReLU -> FC, for (B, C, H, W) images in [0, 1].

    ``input_mean_`` (a buffer of shape (C, H, W), zeros until `fit_classifier` sets it to the training
    mean image) is subtracted from every input, as MATLAB's ``'zerocenter'`` normalisation does, so
    callers always pass raw [0, 1] images. ``pixel_scale`` multiplies the centred input (255 by
    default: the pixel units MATLAB trains in; pass 1.0 for unit-scale inputs). ``batch_norm`` adds
    batch normalisation before each ReLU (off by default: the course template has none).
    """

    def __init__(self, filters=(12, 24), n_classes: int = 10, in_channels: int = 1, image_size: int = 28,
                 batch_norm: bool = False, pixel_scale: float = 255.0):
        super().__init__()
        self.pixel_scale = float(pixel_scale)
        if len(filters) != 2:
            raise ValueError(f"filters must give the two conv layers' widths, got {filters!r}")
        f1, f2 = (int(f) for f in filters)
        self.filters = (f1, f2)
        self.n_classes = n_classes
        self.image_size = image_size
        side = conv_output_size(conv_output_size(conv_output_size(image_size, 5), 2, 2), 5)
        self.n_features = f2 * side * side
        self.conv1 = nn.Conv2d(in_channels, f1, kernel_size=5)
        self.conv2 = nn.Conv2d(f1, f2, kernel_size=5)
        self.bn1 = nn.BatchNorm2d(f1) if batch_norm else nn.Identity()
        self.bn2 = nn.BatchNorm2d(f2) if batch_norm else nn.Identity()
        self.fc = nn.Linear(self.n_features, n_classes)
        self.register_buffer("input_mean_", torch.zeros(in_channels, image_size, image_size))
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) images in [0, 1] -> (B, n_features): the flattened input of the last FC layer."""
        x = (x - self.input_mean_) * self.pixel_scale
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), kernel_size=2, stride=2)
        x = F.relu(self.bn2(self.conv2(x)))
        return x.flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) images in [0, 1] -> (B, n_classes) logits (softmax is in the loss)."""
        return self.fc(self.features(x))


def as_image_tensor(images, in_channels: int = 1) -> torch.Tensor:
    """(N, H, W) or (N, C, H, W) array/tensor -> float32 tensor (N, C, H, W)."""
    x = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images, dtype=torch.float32)
    if x.ndim == 3:
        x = x.unsqueeze(1)
    if x.ndim != 4 or x.shape[1] != in_channels:
        raise ValueError(f"images must be (N, H, W) or (N, {in_channels}, H, W), got {tuple(x.shape)}")
    return x


@torch.no_grad()
def predict_logits(model: DigitCNN, images, *, batch_size: int = 512, device="cpu") -> torch.Tensor:
    """Logits (N, n_classes) on the CPU for (N, H, W) or (N, C, H, W) images in [0, 1], in eval mode."""
    device = torchkit.resolve_device(device) if isinstance(device, str) else device
    x = as_image_tensor(images, model.conv1.in_channels)
    was_training = model.training
    model.eval()
    out = [model(x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out) if out else torch.empty(0, model.n_classes)


def _loss_and_accuracy(model, x, y, batch_size, device) -> tuple[float, float]:
    logits = predict_logits(model, x, batch_size=batch_size, device=device)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def fit_classifier(model: DigitCNN, images, labels, *, epochs: int, lr: float, momentum: float,
                   batch_size: int, seed: int, device="auto", val=None, progress: bool = False,
                   weight_decay: float = 1e-4, val_every: int = 50, zero_center: bool = True,
                   checkpoint_dir: str | Path | None = None, checkpoint_every: int = 5) -> dict:
    """Train `model` in place with mini-batch SGD with momentum on cross-entropy (MATLAB's ``sgdm``).

    images: (N, H, W) or (N, C, H, W) in [0, 1]; labels: (N,) ints in [0, n_classes).
    Defaults follow MATLAB's trainingOptions: L2 1e-4 (``weight_decay``), validation every 50
    iterations (``val_every``), data shuffled every epoch. ``val`` is an optional
    ``(images, labels)`` pair. With ``zero_center`` the model's ``input_mean_`` is set to the
    training mean image first. When ``checkpoint_dir`` is given, the model, optimiser, shuffling
    generator, RNG states and history go to ``checkpoint_dir/cnn_epochNNNN.pt`` every
    ``checkpoint_every`` epochs and after the last one, and a call that finds such a checkpoint
    there resumes from it, ending where an uninterrupted call with the same seed ends.

    Returns the history: ``iteration``, ``epoch``, ``loss``, ``acc`` (one entry per mini-batch,
    on that mini-batch) and ``val_iteration``, ``val_loss``, ``val_acc`` (every ``val_every``
    iterations and after the last one).
    """
    with seeded(int(seed)):  # the caller's global generators are put back afterwards
        shuffler = torch.Generator().manual_seed(int(seed))
        device = torchkit.resolve_device(device) if isinstance(device, str) else device
        n_in = model.conv1.in_channels
        x = as_image_tensor(images, n_in)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        if len(x) != len(y):
            raise ValueError(f"{len(x)} images but {len(y)} labels")
        if val is not None:
            val = (as_image_tensor(val[0], n_in), torch.as_tensor(np.asarray(val[1]), dtype=torch.long))
        if zero_center:
            model.input_mean_.copy_(x.mean(0))
        model.to(device).train()
        optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        history = {k: [] for k in ("iteration", "epoch", "loss", "acc", "val_iteration", "val_loss", "val_acc")}

        def validate(iteration):
            if val is not None:
                loss, acc = _loss_and_accuracy(model, *val, 512, device)
                history["val_iteration"].append(iteration)
                history["val_loss"].append(loss)
                history["val_acc"].append(acc)

        checkpoints = torchkit.Checkpointer(checkpoint_dir, checkpoint_every, name="cnn")
        state = {"model": model, "optimiser": optimiser, "shuffler": shuffler, "history": history}
        first_epoch = checkpoints.resume(state)
        iteration = history["iteration"][-1] if history["iteration"] else 0
        for epoch in torchkit.epochs(epochs, desc="CNN epochs", start=first_epoch, progress=progress):
            order = torch.randperm(len(x), generator=shuffler)
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                xb, yb = x[idx].to(device), y[idx].to(device)
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                iteration += 1
                history["iteration"].append(iteration)
                history["epoch"].append(epoch + 1)
                history["loss"].append(float(loss.detach()))
                divergence.check_latest(history["loss"], epoch + 1, "CNN mini-batch loss", {"cnn_history": history})
                history["acc"].append(float((logits.argmax(1) == yb).float().mean()))
                if val_every and iteration % val_every == 0:
                    validate(iteration)
            checkpoints.maybe_save(epoch + 1, state)
        checkpoints.save(epochs, state)
        if not history["val_iteration"] or history["val_iteration"][-1] != iteration:
            validate(iteration)
        model.eval()
        return history
