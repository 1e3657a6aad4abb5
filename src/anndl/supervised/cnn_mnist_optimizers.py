"""Session 1 (2024 course): the Keras MNIST convnet trained with Adam (the notebook's) and with other
optimisers, from one shared start per repetition; does another optimiser keep Adam's accuracy?

Data: the MNIST images of ``mnist_images`` (default: the shipped 5000-image subset), put in one
random order (``split_seed``; the subset's file is sorted by class). The last ``test_size`` images are
the test set; of the rest, Keras's ``validation_split=0.1`` holds out the last 10 % for validation;
the training batches are shuffled every epoch.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import mnist_files
from anndl.nn.feedforward.options import NamedOptimiser
from anndl.registry import experiment

KERAS_DEFAULTS = [  # Keras 3's default learning rates, so that "SGD" means what the notebook's "sgd" means
    {"label": "adam", "name": "adam", "lr": 0.001, "batch_size": 128},
    {"label": "sgd", "name": "sgd", "lr": 0.01, "batch_size": 128},
    {"label": "adadelta", "name": "adadelta", "lr": 0.001, "batch_size": 128},
]


@dataclasses.dataclass(kw_only=True)
class CNNMnistOptimizersConfig(ExperimentConfig):
    mnist_images: str | None = None
    """MNIST images (IDX, gzipped or not); null: the shipped 5000-image subset."""
    mnist_labels: str | None = None
    """The labels that go with ``mnist_images``."""
    test_size: int = param(1000, ge=1)
    """The last images of the file, kept for testing (full MNIST: use its t10k files' 10000)."""
    train_size: int | None = param(None, ge=2)
    """Images before the test set used for training and validation (null: all of them)."""
    split_seed: int = param(0, ge=0)
    """Seed of the one random order of the images before the split (fixed across runs and seeds)."""
    validation_split: float = param(0.1, gt=0, lt=1)
    """Keras's validation_split: the last fraction of the training images, not trained on."""
    epochs: int = param(15, ge=1)
    """Epochs per optimiser (the course: 15)."""
    optimizers: list[NamedOptimiser] = dataclasses.field(
        default_factory=lambda: [NamedOptimiser(**row) for row in KERAS_DEFAULTS])
    """Optimisers compared (default: Adam, SGD and Adadelta at Keras's default rates, batch 128)."""
    repetitions: int = param(2, ge=1)
    """Initial networks, each shared by every optimiser."""


@dataclasses.dataclass(frozen=True)
class StartCell:
    """One initial network trained by every optimiser."""

    repetition: int
    cfg: CNNMnistOptimizersConfig
    seed: int | None = None


def _load(cfg: CNNMnistOptimizersConfig):
    from anndl.data.mnist import load_mnist, load_mnist_subset
    from anndl.data.paths import resolve
    from anndl.errors import DataError

    if cfg.mnist_images is None:
        images, labels = load_mnist_subset()
    else:
        images, labels = load_mnist(resolve(cfg.mnist_images, "MNIST images"),
                                    resolve(cfg.mnist_labels or "", "MNIST labels"))
    if cfg.test_size + 2 > len(labels):
        raise DataError(f"test_size {cfg.test_size} leaves fewer than 2 of {len(labels)} images to train on")
    return images, labels


def run_start(cell: StartCell) -> dict:
    """Every optimiser from copies of one initial network: validation curves, test loss and accuracy."""
    import torch

    from anndl.nn.conv.keras_mnist import evaluate, keras_mnist_convnet
    from anndl.nn.feedforward.optimisers import OptimiserSpec, train_minibatch

    cfg = cell.cfg
    images, labels = _load(cfg)
    order = np.random.default_rng(cfg.split_seed).permutation(len(labels))
    X = torch.as_tensor(images[order, None], dtype=torch.float32)
    y = torch.as_tensor(labels[order])
    n_fit = len(y) - cfg.test_size if cfg.train_size is None else min(cfg.train_size, len(y) - cfg.test_size)
    n_train = n_fit - max(1, round(cfg.validation_split * n_fit))
    train, val, test = slice(0, n_train), slice(n_train, n_fit), slice(len(y) - cfg.test_size, len(y))
    torch.manual_seed(cell.seed)
    initial = keras_mnist_convnet()
    out = {"n_train": n_train, "n_val": n_fit - n_train, "n_test": cfg.test_size}
    for choice in cfg.optimizers:
        model = copy.deepcopy(initial)
        spec = OptimiserSpec(name=choice.name, lr=choice.lr, batch_size=choice.batch_size, momentum=choice.momentum,
                             nesterov=choice.nesterov, max_iter=choice.max_iter)
        curve = {"val_loss": [], "val_accuracy": []}

        def validate(epoch, model=model, curve=curve):
            loss, accuracy = evaluate(model, X[val], y[val])
            curve["val_loss"].append(loss)
            curve["val_accuracy"].append(accuracy)

        validate(0)
        train_minibatch(model, X[train], y[train], spec, cfg.epochs, torch.Generator().manual_seed(cell.seed + 1),
                        record_every=0, loss_fn=torch.nn.functional.cross_entropy, on_epoch=validate)
        test_loss, test_accuracy = evaluate(model, X[test], y[test])
        out[choice.label] = {**curve, "test_loss": test_loss, "test_accuracy": test_accuracy}
    return out


def check_data(cfg: CNNMnistOptimizersConfig) -> None:
    """The MNIST files load and leave images to train on."""
    _load(cfg)


COURSE_DATA = (mnist_files(("mnist_images", "mnist_labels"), {"train_size": 10000}),)
"""Full MNIST under ``--data DIR``: 10,000 training images (the course's notebook took all 60,000 on a
GPU: ``train_size=null``) and the config's held-out test images, from MNIST's training file."""


@experiment("cnn_mnist_optimizers", CNNMnistOptimizersConfig,
            "The Keras MNIST convnet with Adam vs SGD vs Adadelta from shared starts (2024 course, session 1)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: CNNMnistOptimizersConfig, ctx) -> dict:
    from anndl.errors import ConfigError

    labels = [o.label for o in cfg.optimizers]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"key 'optimizers': labels must be unique, got {labels}")
    results = ctx.map(run_start, [StartCell(r, cfg) for r in range(cfg.repetitions)], desc="starts")
    metrics: dict = {k: results[0][k] for k in ("n_train", "n_val", "n_test")}
    for label in labels:
        accuracy = np.array([r[label]["test_accuracy"] for r in results])
        loss = np.array([r[label]["test_loss"] for r in results])
        metrics[label] = {"test_accuracy_mean": float(accuracy.mean()), "test_accuracy_std": float(accuracy.std()),
                          "test_accuracy_per_repetition": accuracy.tolist(),
                          "test_loss_mean": float(loss.mean()), "test_loss_std": float(loss.std()),
                          "val_accuracy_final_mean": float(np.mean([r[label]["val_accuracy"][-1] for r in results]))}
    _plot(ctx, cfg, labels, results, metrics)
    return metrics


def _plot(ctx, cfg: CNNMnistOptimizersConfig, labels: list[str], results: list[dict], metrics: dict) -> None:
    from matplotlib.ticker import MaxNLocator

    fig, axes = plotting.subplots(1, 3, width=3.9, height=3.4)
    epochs = np.arange(cfg.epochs + 1)
    data: dict = {"epoch": epochs}
    for i, label in enumerate(labels):
        colour = f"C{i}"
        for ax, key in ((axes[0], "val_loss"), (axes[1], "val_accuracy")):
            curves = np.array([r[label][key] for r in results])
            mean = curves.mean(axis=0)
            ax.plot(epochs, mean, color=colour, label=label)
            ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.2, lw=0)
            data[f"{label} {key} mean"] = mean
        m = metrics[label]
        axes[2].errorbar([i], [100 * m["test_accuracy_mean"]], yerr=[100 * m["test_accuracy_std"]], fmt="o",
                         color=colour, capsize=4, label=label)
    axes[0].set(xlabel="epoch", ylabel="validation cross-entropy", title="Validation loss (band: min–max)")
    axes[1].set(xlabel="epoch", ylabel="validation accuracy", title="Validation accuracy")
    axes[2].set_xticks(range(len(labels)), labels)
    starts = plotting.plural(cfg.repetitions, "start")
    axes[2].set(ylabel="test accuracy (%, mean ± std)", title=f"Test accuracy, n = {starts}")
    for ax in axes[:2]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes:
        ax.legend(fontsize=7)
    ctx.save_figure(fig, "cnn_mnist_optimizers_validation_curves_and_test_accuracy", data=data)
