"""§3.3 Convolutional networks on handwritten digits: the course's template CNN and the report's
doubled-filter variant, trained with SGD with momentum."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.ticker import LogFormatter

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.course_digits import DigitData, load_digits
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class CNNConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=DigitData)
    """Digits and their train/test split (the test set is also the validation set, as in the course)."""
    filters: list[list[int]] = param([[12, 24], [24, 48]], ge=1)
    """Filters of the two 5x5 conv layers, one pair per network: the template and the doubled variant."""
    epochs: int = param(15, ge=1)
    """Training epochs (course: 15)."""
    lr: float = param(1e-4, gt=0)
    """SGD learning rate (course: 1e-4, for pixels in 0..255 as MATLAB feeds them)."""
    momentum: float = param(0.9, ge=0, lt=1)
    """SGD momentum (MATLAB sgdm default 0.9)."""
    batch_size: int = param(128, ge=1)
    """Mini-batch size (MATLAB default 128)."""
    l2: float = param(1e-4, ge=0)
    """L2 regularisation (weight decay; MATLAB default 1e-4)."""
    val_every: int = param(50, ge=1)
    """Iterations between validation evaluations (MATLAB's ValidationFrequency default 50)."""
    pixel_scale: float = param(255.0, gt=0)
    """Input scale: 255 feeds the centred pixels in MATLAB's 0..255 units; 1 feeds them in [0, 1]."""
    batch_norm: bool = False
    """Batch normalisation before each ReLU (the course template has none)."""
    checkpoint_every: int = param(5, ge=1)
    """Epochs between training checkpoints under checkpoints/."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device."""


@dataclasses.dataclass(frozen=True)
class CNNCell:
    """One network (``filters``) trained with the config's SGD settings on the shared digit split."""

    data: DigitData
    data_seed: int
    filters: tuple[int, int]
    epochs: int
    lr: float
    momentum: float
    batch_size: int
    l2: float
    val_every: int
    pixel_scale: float
    batch_norm: bool
    checkpoint_every: int
    device: str
    checkpoint_dir: str
    seed: int | None = None


def _train_network(cell: CNNCell) -> dict:
    """Train one CNN on the digit split of ``cell`` and measure it on the test set."""
    from anndl.nn import torchkit
    from anndl.nn.conv.cnn import DigitCNN, fit_classifier, predict_logits

    data = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    model = DigitCNN(tuple(cell.filters), batch_norm=cell.batch_norm, pixel_scale=cell.pixel_scale)
    name = "x".join(str(f) for f in cell.filters)
    start = time.perf_counter()
    history = fit_classifier(
        model, data.train_images, data.train_labels, epochs=cell.epochs, lr=cell.lr,
        momentum=cell.momentum, batch_size=cell.batch_size, seed=cell.seed, device=cell.device,
        val=(data.test_images, data.test_labels), weight_decay=cell.l2, val_every=cell.val_every,
        progress=True, checkpoint_dir=Path(cell.checkpoint_dir) / name, checkpoint_every=cell.checkpoint_every)
    seconds = time.perf_counter() - start
    model.cpu()
    torchkit.save_checkpoint(Path(cell.checkpoint_dir) / name / "final.pt", model=model.state_dict())
    predicted = predict_logits(model, data.test_images).argmax(1).numpy()
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (data.test_labels, predicted), 1)
    return {"history": history, "test_accuracy": float(np.mean(predicted == data.test_labels)),
            "confusion": confusion, "filters": model.conv1.weight.detach().numpy()[:, 0],
            "n_parameters": sum(p.numel() for p in model.parameters()), "train_seconds": seconds,
            "description": data.description, "n_test": int(len(data.test_labels))}


def check_data(cfg: CNNConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels (the split's seed is irrelevant)."""
    from anndl.data.course_digits import load_digits

    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (CourseFiles({"data.train_images": "digittrain_dataset.mat", "data.test_images": "digittest_dataset.mat"},
                           {"data.source": "course_mat", "data.train_per_class": 750}),)
"""Under ``--data DIR``: the course's synthetic digits, both files pooled, 750 per class for training and the
rest for testing, as the course splits them for its CNN."""


@experiment("cnn_digits", CNNConfig, "Template and doubled-filter CNNs on digits, SGD with momentum (§3.3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: CNNConfig, ctx) -> dict:
    ctx.checkpoint_dir.mkdir(parents=True, exist_ok=True)
    data_seed = ctx.child_seed()
    cells = [CNNCell(cfg.data, data_seed, tuple(f), epochs=cfg.epochs, lr=cfg.lr, momentum=cfg.momentum,
                     batch_size=cfg.batch_size, l2=cfg.l2, val_every=cfg.val_every, pixel_scale=cfg.pixel_scale,
                     batch_norm=cfg.batch_norm, checkpoint_every=cfg.checkpoint_every, device=cfg.device,
                     checkpoint_dir=str(ctx.checkpoint_dir))
             for f in cfg.filters]
    results = ctx.map(_train_network, cells, desc="CNNs")
    names = ["x".join(str(f) for f in pair) for pair in cfg.filters]

    _plot_curves(ctx, names, results)
    _plot_filters(ctx, names, results)
    _plot_confusions(ctx, names, results)
    ctx.write_table("cnn_test_accuracy", [
        {"filters": name, "parameters": int(r["n_parameters"]), "iterations": len(r["history"]["loss"]),
         "test accuracy": float(r["test_accuracy"]), "training time (s)": float(r["train_seconds"])}
        for name, r in zip(names, results, strict=True)])
    return {"data": results[0]["description"], "n_test": results[0]["n_test"],
            **{name: {"test_accuracy": float(r["test_accuracy"]), "n_parameters": int(r["n_parameters"]),
                      "iterations": len(r["history"]["loss"]), "train_seconds": float(r["train_seconds"]),
                      "final_train_loss": float(r["history"]["loss"][-1])}
               for name, r in zip(names, results, strict=True)}}


def _smooth(values, window: int = 10) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def _plot_curves(ctx, names: list[str], results: list[dict]) -> None:
    fig, (ax_acc, ax_loss) = plotting.subplots(1, 2, width=5, sharex=True)
    data = {}
    for i, (name, r) in enumerate(zip(names, results, strict=True)):
        h, colour = r["history"], f"C{i}"
        it = np.asarray(h["iteration"])
        smoothed_it = it[len(it) - len(_smooth(h["acc"])):]
        data |= {f"{name} iteration": it, f"{name} training accuracy (%)": 100 * np.asarray(h["acc"]),
                 f"{name} smoothed iteration": smoothed_it,
                 f"{name} training accuracy, 10-batch mean (%)": 100 * _smooth(h["acc"]),
                 f"{name} training loss, 10-batch mean (nats)": _smooth(h["loss"]),
                 f"{name} validation iteration": h["val_iteration"],
                 f"{name} validation accuracy (%)": 100 * np.asarray(h["val_acc"]),
                 f"{name} validation loss (nats)": h["val_loss"]}
        ax_acc.plot(it, 100 * np.asarray(h["acc"]), color=colour, alpha=0.25, lw=0.7,
                    label=f"{name} training (each batch)")
        ax_acc.plot(smoothed_it, 100 * _smooth(h["acc"]), color=colour,
                    label=f"{name} training (10-batch mean)")
        ax_acc.plot(h["val_iteration"], 100 * np.asarray(h["val_acc"]), "o--", color=colour, ms=3,
                    label=f"{name} validation")
        ax_loss.plot(smoothed_it, _smooth(h["loss"]), color=colour)  # styles as in the accuracy panel's legend
        ax_loss.plot(h["val_iteration"], h["val_loss"], "o--", color=colour, ms=3)
    ax_acc.set(xlabel="iteration (mini-batch)", ylabel="accuracy (%)",
               title="CNN accuracy: template vs doubled filters")
    ax_loss.set(xlabel="iteration (mini-batch)", ylabel="cross-entropy loss (nats)", yscale="log",
                title="CNN loss: template vs doubled filters")
    ax_loss.yaxis.set_major_formatter(LogFormatter())  # plain numbers (20, not 2×10¹) on a short log axis
    ax_loss.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    ax_acc.tick_params(labelbottom=True)
    fig.legend(*ax_acc.get_legend_handles_labels(), loc="outside lower center", ncols=len(names), fontsize=8)
    ctx.save_figure(fig, "cnn_accuracy_and_loss_vs_iteration", data=data)


FILTER_SEPARATOR = "#9dbfe6"
"""The gaps between filters: a colour no weight takes (black would read as −1)."""


def _plot_filters(ctx, names: list[str], results: list[dict]) -> None:
    fig, axes = plotting.subplots(1, len(names), width=4, height=2.1, squeeze=False)
    for ax, name, r in zip(axes[0], names, results, strict=True):
        filters = np.asarray(r["filters"])
        filters = filters / np.abs(filters).max(axis=(1, 2), keepdims=True)
        n = len(filters)
        ncols = min(d for d in range(1, n + 1) if n % d == 0 and d * d >= 2 * n)
        plotting.image_grid(ax, filters, ncols=ncols, cmap="gray", vmin=-1, vmax=1, separator=FILTER_SEPARATOR)
        ax.set_title(f"{name}: first-layer 5x5 filters")
    fig.supxlabel("each filter scaled by its largest |weight|: black −1, grey 0, white +1 (blue: gaps)", fontsize=8)
    ctx.save_figure(fig, "cnn_first_layer_filters")


def _plot_confusions(ctx, names: list[str], results: list[dict]) -> None:
    fig, axes = plotting.subplots(1, len(names), width=4, height=3.8, squeeze=False)
    for ax, name, r in zip(axes[0], names, results, strict=True):
        confusion = np.asarray(r["confusion"])
        ax.imshow(confusion, cmap="Blues", vmin=0)
        for (t, p), count in np.ndenumerate(confusion):  # every cell, zeros in grey so the counts stand out
            colour = "white" if count > confusion.max() / 2 else ("black" if count else "0.6")
            ax.text(p, t, str(count), ha="center", va="center", fontsize=6, color=colour)
        ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit",
               title=f"{name}: test accuracy {100 * r['test_accuracy']:.2f}%\n(test images per cell)")
        ax.grid(False)
    ctx.save_figure(fig, "cnn_confusion_matrices")
