"""Session 3.2 of the 2024 course: its MNIST CNN (four conv layers with batch norm, two dense layers),
Adam 1e-3, batch 100, 20 epochs; test accuracy after every epoch, over repetitions."""

from __future__ import annotations

import dataclasses
import time
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import mnist_files
from anndl.data.course_digits import DigitData, load_digits
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class CNNMnistConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=lambda: DigitData(test_fraction=0.2))
    """Digits and their split (course: 10000 training and 2000 test MNIST images; shipped: the 5000-digit
    subset, 4000 training / 1000 test)."""
    channels: list[int] = param([16, 32, 32, 64], ge=1)
    """Channels of the four conv layers (course: 16, 32, 32, 64)."""
    hidden: int = param(100, ge=1)
    """Width of the first dense layer (course: 100)."""
    dense_activation: Literal["none", "relu"] = "none"
    """Between the two dense layers: none (the course) or relu."""
    epochs: int = param(20, ge=1)
    """Training epochs (course: 20)."""
    batch_size: int = param(100, ge=1)
    """Mini-batch size (course: 100)."""
    lr: float = param(1e-3, gt=0)
    """Adam learning rate (course: 1e-3)."""
    repetitions: int = param(3, ge=1)
    """Trainings from independent initialisations and shuffles (the spread of the accuracy curve)."""
    checkpoint_every: int = param(0, ge=0)
    """Epochs between checkpoints under checkpoints/ (0: none)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""


@dataclasses.dataclass(frozen=True)
class CNNMnistCell:
    """One training of the course CNN (its seed: the initialisation and the shuffles)."""

    data: DigitData
    data_seed: int
    channels: tuple[int, ...]
    hidden: int
    dense_activation: str
    epochs: int
    batch_size: int
    lr: float
    checkpoint_every: int
    device: str
    checkpoint_dir: str
    seed: int | None = None


def train_cell(cell: CNNMnistCell) -> dict:
    """Train one CNN; test accuracy after every epoch, the final training loss and the wall time."""
    import torch
    from torch.nn import functional as F

    from anndl.nn import minibatch, torchkit
    from anndl.nn.conv.course_cnn import CourseCNN

    device = torchkit.resolve_device(cell.device)
    split = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    x, y = (torch.as_tensor(split.train_images)[:, None].to(device),
            torch.as_tensor(split.train_labels).to(device))
    xt, yt = torch.as_tensor(split.test_images)[:, None].to(device), torch.as_tensor(split.test_labels).to(device)
    model = CourseCNN(cell.channels, cell.hidden, dense_activation=cell.dense_activation).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=cell.lr)
    start = time.perf_counter()
    history = minibatch.fit(
        model, (x, y), lambda m, xb, yb: F.cross_entropy(m(xb), yb), optimiser, epochs=cell.epochs,
        batch_size=cell.batch_size, seed=cell.seed,
        after_epoch=lambda _: {"test_accuracy": minibatch.accuracy(model, xt, yt)},
        checkpoint_dir=f"{cell.checkpoint_dir}/cnn_{cell.seed}", checkpoint_every=cell.checkpoint_every,
        name="cnn", progress=True, desc="CNN epochs")
    return {"history": history, "seconds": time.perf_counter() - start, "description": split.description,
            "n_parameters": sum(p.numel() for p in model.parameters()), "n_train": len(x), "n_test": len(xt)}


def check_data(cfg: CNNMnistConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels."""
    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (mnist_files(("data.train_images", "data.train_labels", "data.test_images", "data.test_labels"),
                           {"data.source": "idx", "data.max_train_per_class": 1000}),)
"""Full MNIST under ``--data DIR``: the course's 10,000 training images (1000 per class), MNIST's test set."""


@experiment("cnn_mnist", CNNMnistConfig, "The 2024 course's MNIST CNN: test accuracy per epoch with spread (session 3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: CNNMnistConfig, ctx) -> dict:
    data_seed = ctx.child_seed()
    cell = CNNMnistCell(cfg.data, data_seed, tuple(cfg.channels), cfg.hidden, cfg.dense_activation, cfg.epochs,
                        cfg.batch_size, cfg.lr, cfg.checkpoint_every, cfg.device, str(ctx.checkpoint_dir))
    results = ctx.map(train_cell, [cell] * cfg.repetitions, desc="CNN repetitions")
    accuracy = np.array([r["history"]["test_accuracy"] for r in results])
    loss = np.array([r["history"]["loss"] for r in results])
    epochs = np.arange(1, cfg.epochs + 1)

    fig, (ax_acc, ax_loss) = plotting.subplots(1, 2, width=4.6)
    mean, std = plotting.mean_band(ax_acc, epochs, accuracy, label="test accuracy", scale=100)
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)",
               title=f"Course CNN on {results[0]['n_test']} test digits")
    loss_mean, _ = plotting.mean_band(ax_loss, epochs, loss, label="training loss", colour="C1")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (nats per image)", title="Training loss per epoch")
    plotting.log_y_if_positive(ax_loss, loss_mean)
    for ax in (ax_acc, ax_loss):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend(fontsize=8)
    ctx.save_figure(fig, "cnn_mnist_test_accuracy_per_epoch",
                    data={"epoch": epochs, "test accuracy mean (%)": mean, "test accuracy sd (%)": std,
                          "training loss mean (nats)": loss_mean})
    ctx.write_table("cnn_mnist_per_epoch", [
        {"epoch": int(e), "test accuracy mean (%)": float(m), "test accuracy sd (%)": float(s)}
        for e, m, s in zip(epochs, mean, std, strict=True)])
    final = accuracy[:, -1]
    return {"data": results[0]["description"], "n_train": results[0]["n_train"], "n_test": results[0]["n_test"],
            "n_parameters": results[0]["n_parameters"], "repetitions": cfg.repetitions,
            "test_accuracy_mean": float(final.mean()), "test_accuracy_per_repetition": final.tolist(),
            "best_epoch_accuracy_mean": float(accuracy.max(axis=1).mean()),
            "final_train_loss_mean": float(loss[:, -1].mean()),
            "train_seconds_mean": float(np.mean([r["seconds"] for r in results]))}
