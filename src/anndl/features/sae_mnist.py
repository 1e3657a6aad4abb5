"""Session 3.1 of the 2024 course: the stacked autoencoder 784-256-64 (sigmoid layers) pre-trained
greedily layer by layer (SGD 0.1, MSE, earlier layers frozen), a classifier on the last code (SGD 1,
cross-entropy), then fine-tuning of everything (SGD 1), batch 128, epochs 10 / 10 / 20; against the
same network trained from scratch for the classifier's and fine-tuning's epochs together (the 2026
question), with spread over repetitions. ``sae_digits`` stays the MATLAB-faithful 2023 version.

At the course's settings the greedy pre-training learns next to nothing: 10 epochs of SGD 0.1 on the
mean squared error leave the first layer's reconstruction error (0.158 per value on the shipped 4000
digits) above that of a decoder that outputs the mean image (0.067), and the 64-d codes vary by about
0.005 across images. A linear classifier on those frozen codes stays at chance (10 %), and fine-tuning
does all the work. The metrics carry these three numbers (``pretraining_final_mse``, ``mean_only_mse``,
``code_sd_across_images``) so the reader sees why; ``freeze_encoders: false`` (the course's code) lets
the last encoder move during the classifier stage (24 % after it).
"""

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
class SAEMnistConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=lambda: DigitData(test_fraction=0.2))
    """Digits and their split (course: 6000 training and 1000 test MNIST images; shipped: 4000 / 1000)."""
    sizes: list[int] = param([784, 256, 64], ge=1)
    """Layer widths, input first (course: 784, 256, 64)."""
    layer_epochs: int = param(10, ge=1)
    """Pre-training epochs per layer (course: 10)."""
    layer_lr: float = param(0.1, gt=0)
    """Pre-training SGD learning rate (course: 0.1)."""
    classifier_epochs: int = param(10, ge=1)
    """Epochs of the classifier on the frozen codes (course: 10)."""
    finetune_epochs: int = param(20, ge=0)
    """Fine-tuning epochs, everything trained (course: 20)."""
    lr: float = param(1.0, gt=0)
    """SGD learning rate of the classifier, the fine-tuning and the from-scratch training (course: 1)."""
    freeze_encoders: bool = True
    """Classifier stage trains only the classification layer (the course's stated intent; its code froze only
    the layers before the last, so the last encoder trained too: false gives that)."""
    batch_size: int = param(128, ge=1)
    """Mini-batch size (course: 128)."""
    repetitions: int = param(5, ge=1)
    """Trainings of each of the two schemes (the spread)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        if len(self.sizes) < 2 or self.sizes[0] != 784:
            raise ValueError(f"sizes: expected 784 followed by at least one hidden width, got {self.sizes}")


@dataclasses.dataclass(frozen=True)
class SAECell:
    """One training of the stacked network: ``pretrained`` (greedy, classifier, fine-tuning) or not."""

    data: DigitData
    data_seed: int
    pretrained: bool
    sizes: tuple[int, ...]
    layer_epochs: int
    layer_lr: float
    classifier_epochs: int
    finetune_epochs: int
    lr: float
    freeze_encoders: bool
    batch_size: int
    device: str
    seed: int | None = None


def train_cell(cell: SAECell) -> dict:
    """Test accuracy after every supervised epoch, per-layer pre-training losses, seconds."""
    import torch
    from torch.nn import functional as F

    from anndl.nn import minibatch, torchkit
    from anndl.nn.autoencoders.stacked import LayerAutoencoder, StackedAutoencoder

    device = torchkit.resolve_device(cell.device)
    split = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    x = torch.as_tensor(split.train_images).reshape(len(split.train_images), -1).to(device)
    y = torch.as_tensor(split.train_labels).to(device)
    xt = torch.as_tensor(split.test_images).reshape(len(split.test_images), -1).to(device)
    yt = torch.as_tensor(split.test_labels).to(device)
    model = StackedAutoencoder(cell.sizes).to(device)
    start, pretraining, mean_only, code_spread = time.perf_counter(), [], [], None
    seeds = np.random.SeedSequence(cell.seed).generate_state(len(cell.sizes) + 2).tolist()

    def tested(_):
        return {"test_accuracy": minibatch.accuracy(model, xt, yt)}

    def cross_entropy(m, xb, yb):
        return F.cross_entropy(m(xb), yb)

    if cell.pretrained:
        for k in range(len(cell.sizes) - 1):
            layer = LayerAutoencoder(model, k)
            codes = layer.below(x)
            optimiser = torch.optim.SGD(layer.parameters_trained(), lr=cell.layer_lr)
            history = minibatch.fit(layer, (codes,), lambda m, cb: F.mse_loss(m(cb), cb), optimiser,
                                    epochs=cell.layer_epochs, batch_size=cell.batch_size, seed=seeds[k],
                                    progress=True, desc=f"layer {k + 1} pre-training")
            pretraining.append(history["loss"])
            # what a decoder that ignores its code reaches: each input value's mean (the codes' variance)
            mean_only.append(float(codes.var(dim=0, unbiased=False).mean()))
        with torch.no_grad():
            code_spread = float(model.encode(x).std(dim=0).mean())
        head = list(model.classifier.parameters()) if cell.freeze_encoders else [
            *model.classifier.parameters(), *model.encoders[-1].parameters()]
        first = minibatch.fit(model, (x, y), cross_entropy, torch.optim.SGD(head, lr=cell.lr),
                              epochs=cell.classifier_epochs, batch_size=cell.batch_size, seed=seeds[-2],
                              after_epoch=tested, progress=True, desc="classifier")
        second = minibatch.fit(model, (x, y), cross_entropy, torch.optim.SGD(model.parameters(), lr=cell.lr),
                               epochs=cell.finetune_epochs, batch_size=cell.batch_size, seed=seeds[-1],
                               after_epoch=tested, progress=True, desc="fine-tuning") if cell.finetune_epochs else {}
        accuracy = first["test_accuracy"] + second.get("test_accuracy", [])
        after_classifier = first["test_accuracy"][-1]
    else:
        history = minibatch.fit(model, (x, y), cross_entropy, torch.optim.SGD(model.parameters(), lr=cell.lr),
                                epochs=cell.classifier_epochs + cell.finetune_epochs, batch_size=cell.batch_size,
                                seed=seeds[-1], after_epoch=tested, progress=True, desc="from scratch")
        accuracy = history["test_accuracy"]
        after_classifier = accuracy[cell.classifier_epochs - 1]
    return {"test_accuracy": accuracy, "after_classifier": after_classifier, "pretraining_loss": pretraining,
            "mean_only_mse": mean_only, "code_spread": code_spread,
            "seconds": time.perf_counter() - start, "n_train": len(x), "n_test": len(xt),
            "description": split.description}


def check_data(cfg: SAEMnistConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels."""
    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (mnist_files(("data.train_images", "data.train_labels", "data.test_images", "data.test_labels"),
                           {"data.source": "idx", "data.max_train_per_class": 600}),)
"""Full MNIST under ``--data DIR``: the course's 6000 training images (600 per class), MNIST's test set."""


@experiment("sae_mnist", SAEMnistConfig,
            "The 2024 course's stacked autoencoder (SGD): pre-trained vs from scratch, with spread (session 3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: SAEMnistConfig, ctx) -> dict:
    data_seed = ctx.child_seed()
    common = dict(sizes=tuple(cfg.sizes), layer_epochs=cfg.layer_epochs, layer_lr=cfg.layer_lr,
                  classifier_epochs=cfg.classifier_epochs, finetune_epochs=cfg.finetune_epochs, lr=cfg.lr,
                  freeze_encoders=cfg.freeze_encoders, batch_size=cfg.batch_size, device=cfg.device)
    cells = [SAECell(cfg.data, data_seed, pretrained, **common)
             for pretrained in (True, False) for _ in range(cfg.repetitions)]
    results = ctx.map(train_cell, cells, desc="stacked autoencoders")
    schemes = {"pretrained": results[:cfg.repetitions], "scratch": results[cfg.repetitions:]}
    labels = {"pretrained": "greedy pre-training, classifier, fine-tuning", "scratch": "from scratch (same epochs)"}
    epochs = np.arange(1, cfg.classifier_epochs + cfg.finetune_epochs + 1)
    fig, (ax_pre, ax_acc) = plotting.subplots(1, 2, width=4.8)
    data = {"epoch": epochs}
    for i, loss in enumerate(np.array([r["pretraining_loss"] for r in schemes["pretrained"]]).transpose(1, 0, 2)):
        plotting.mean_band(ax_pre, np.arange(1, cfg.layer_epochs + 1), loss,
                           label=f"layer {i + 1} ({cfg.sizes[i]} -> {cfg.sizes[i + 1]})", colour=f"C{i + 2}")
    for i, level in enumerate(np.mean([r["mean_only_mse"] for r in schemes["pretrained"]], axis=0)):
        ax_pre.axhline(level, color=f"C{i + 2}", ls="--", lw=0.8,
                       label=f"layer {i + 1}: its mean input (a decoder that learned nothing)")
    ax_pre.set(xlabel="pre-training epoch", ylabel="reconstruction MSE (per value)", title="Greedy pre-training",
               yscale="log")
    ax_pre.legend(fontsize=7)
    metrics: dict = {}
    for j, (name, runs) in enumerate(schemes.items()):
        accuracy = np.array([r["test_accuracy"] for r in runs])
        mean, std = plotting.mean_band(ax_acc, epochs, accuracy, label=labels[name], colour=f"C{j}", scale=100)
        data |= {f"{name} test accuracy mean (%)": mean, f"{name} test accuracy sd (%)": std}
        final = accuracy[:, -1]
        metrics[name] = {"test_accuracy_mean": float(final.mean()), "test_accuracy_per_repetition": final.tolist(),
                         "after_classifier_epochs_mean": float(np.mean([r["after_classifier"] for r in runs])),
                         "seconds_mean": float(np.mean([r["seconds"] for r in runs]))}
    ax_acc.axvline(cfg.classifier_epochs + 0.5, color="0.5", ls=":", lw=1, label="pre-trained: fine-tuning starts")
    ax_acc.set(xlabel="supervised epoch", ylabel="test accuracy (%)",
               title=f"Stacked {'-'.join(map(str, cfg.sizes))} network, SGD {cfg.lr:g}")
    for ax in (ax_pre, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax_acc.legend(fontsize=7)
    ctx.save_figure(fig, "sae_mnist_pretraining_and_test_accuracy", data=data)
    ctx.write_table("sae_mnist_test_accuracy", [
        {"scheme": labels[n], "test accuracy mean (%)": 100 * m["test_accuracy_mean"],
         "test accuracy sd (%)": 100 * float(np.std(m["test_accuracy_per_repetition"], ddof=1))
         if cfg.repetitions > 1 else 0.0,
         "after the classifier's epochs (%)": 100 * m["after_classifier_epochs_mean"]} for n, m in metrics.items()])
    pretrained = schemes["pretrained"]
    metrics["pretrained"] |= {
        "pretraining_final_mse": np.mean([[loss[-1] for loss in r["pretraining_loss"]] for r in pretrained],
                                         axis=0).tolist(),
        "mean_only_mse": np.mean([r["mean_only_mse"] for r in pretrained], axis=0).tolist(),
        "code_sd_across_images": float(np.mean([r["code_spread"] for r in pretrained]))}
    first = results[0]
    gap = np.array(metrics["pretrained"]["test_accuracy_per_repetition"]) - np.array(
        metrics["scratch"]["test_accuracy_per_repetition"])
    return {"data": first["description"], "n_train": first["n_train"], "n_test": first["n_test"],
            "repetitions": cfg.repetitions, **metrics,
            "pretrained_minus_scratch_mean": float(gap.mean())}
