"""Session 3.1 of the 2024 course and its 2026 additions: the undercomplete autoencoder (784 -> 32 -> 784,
ReLU then sigmoid, MSE, Adam 1e-3, batch 32, 20 epochs) and its denoising (Gaussian, masking,
salt-and-pepper), L1-sparse, KL-sparse and contractive variants, each judged by its test
reconstruction error and by a linear probe (scikit-learn's logistic regression) on its frozen codes,
over repetitions.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import mnist_files
from anndl.data.course_digits import DigitData, load_digits
from anndl.nn.autoencoders.options import Variant
from anndl.registry import experiment

DEFAULT_VARIANTS = [
    Variant(name="plain"), Variant(name="gaussian noise 0.3", kind="gaussian", noise=0.3),
    Variant(name="masking 0.3", kind="masking", noise=0.3),
    Variant(name="salt-and-pepper 0.2", kind="salt_pepper", noise=0.2),
    Variant(name="L1-sparse 1e-4", kind="l1", weight=1e-4),
    Variant(name="KL-sparse 1e-3", kind="kl", weight=1e-3, sparsity=0.05),
    Variant(name="contractive 1e-3", kind="contractive", weight=1e-3)]


@dataclasses.dataclass(kw_only=True)
class AutoencodersConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=lambda: DigitData(test_fraction=0.2))
    """Digits and their split (course: 10000 training and 1000 test MNIST images; shipped: 4000 / 1000)."""
    code: int = param(32, ge=1)
    """Code width, the course's encoding_dim."""
    epochs: int = param(20, ge=1)
    """Training epochs (course: 20)."""
    batch_size: int = param(32, ge=1)
    """Mini-batch size (course: 32)."""
    lr: float = param(1e-3, gt=0)
    """Adam learning rate (course: 1e-3)."""
    variants: list[Variant] = param(DEFAULT_VARIANTS)
    """The autoencoders: name, kind (plain, gaussian, masking, salt_pepper, l1, kl, contractive), noise, weight."""
    repetitions: int = param(3, ge=1)
    """Trainings per variant (different initialisations, shuffles and noise): the probe's spread."""
    probe_max_iter: int = param(1000, ge=1)
    """Iterations of the logistic-regression probe (scikit-learn's lbfgs)."""
    shown: int = param(10, ge=1)
    """Test digits drawn with their reconstructions."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""

    def __post_init__(self):
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants: names must be distinct, got {names}")


@dataclasses.dataclass(frozen=True)
class AECell:
    """One autoencoder training and its probe."""

    data: DigitData
    data_seed: int
    variant: Variant
    code: int
    epochs: int
    batch_size: int
    lr: float
    probe_max_iter: int
    shown: int
    device: str
    seed: int | None = None


def probe_accuracy(train_codes, train_labels, test_codes, test_labels, *, max_iter: int = 1000) -> float:
    """Test accuracy of a logistic regression fitted to standardised frozen codes (N, d) (a linear probe)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    probe.fit(np.asarray(train_codes), np.asarray(train_labels))
    return float(probe.score(np.asarray(test_codes), np.asarray(test_labels)))


def train_cell(cell: AECell) -> dict:
    """Train one autoencoder variant; its test reconstruction MSE, probe accuracy, codes and pictures."""
    import torch

    from anndl.nn import minibatch, torchkit
    from anndl.nn.autoencoders.regularised import build, loss_terms

    device = torchkit.resolve_device(cell.device)
    split = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    x = torch.as_tensor(split.train_images).reshape(len(split.train_images), -1).to(device)
    xt = torch.as_tensor(split.test_images).reshape(len(split.test_images), -1).to(device)
    model = build(cell.variant, x.shape[1], cell.code).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=cell.lr)
    start = time.perf_counter()
    history = minibatch.fit(model, (x,), lambda m, xb: loss_terms(m, xb, cell.variant), optimiser,
                            epochs=cell.epochs, batch_size=cell.batch_size, seed=cell.seed, progress=True,
                            desc=f"{cell.variant.name} epochs")
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        test_mse = float(((model(xt) - xt) ** 2).mean())
        codes, test_codes = model.encode(x).cpu().numpy(), model.encode(xt).cpu().numpy()
        shown = np.array([np.flatnonzero(split.test_labels == c)[0] for c in np.unique(split.test_labels)])
        shown = np.resize(shown, cell.shown)
        pictures = model(xt[torch.as_tensor(shown)]).reshape(-1, 28, 28).cpu().numpy()
    active = float(np.mean(test_codes > (0.05 if cell.variant.kind == "kl" else 0.0)))
    return {"history": history, "seconds": seconds, "test_mse": test_mse,
            "probe_accuracy": probe_accuracy(codes, split.train_labels, test_codes, split.test_labels,
                                             max_iter=cell.probe_max_iter),
            "active_fraction": active, "test_codes": test_codes.astype(np.float32), "test_labels": split.test_labels,
            "reconstructions": pictures, "originals": split.test_images[shown],
            "n_train": len(x), "n_test": len(xt), "description": split.description}


def check_data(cfg: AutoencodersConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels."""
    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (mnist_files(("data.train_images", "data.train_labels", "data.test_images", "data.test_labels"),
                           {"data.source": "idx", "data.max_train_per_class": 1000}),)
"""Full MNIST under ``--data DIR``: the course's 10,000-image subset (1000 per class), MNIST's test set."""


@experiment("autoencoders_mnist", AutoencodersConfig,
            "Undercomplete, denoising, sparse and contractive autoencoders with linear probes (session 3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: AutoencodersConfig, ctx) -> dict:
    data_seed = ctx.child_seed()
    cells = [AECell(cfg.data, data_seed, v, cfg.code, cfg.epochs, cfg.batch_size, cfg.lr, cfg.probe_max_iter,
                    cfg.shown, cfg.device) for v in cfg.variants for _ in range(cfg.repetitions)]
    results = ctx.map(train_cell, cells, desc="autoencoders")
    by_variant = {v.name: results[i * cfg.repetitions:(i + 1) * cfg.repetitions] for i, v in enumerate(cfg.variants)}
    split = load_digits(cfg.data, np.random.default_rng(data_seed))
    pixels = probe_accuracy(split.train_images.reshape(len(split.train_images), -1), split.train_labels,
                            split.test_images.reshape(len(split.test_images), -1), split.test_labels,
                            max_iter=cfg.probe_max_iter)
    rows, metrics = [], {}
    for v in cfg.variants:
        runs = by_variant[v.name]
        probe = np.array([r["probe_accuracy"] for r in runs])
        mse = np.array([r["test_mse"] for r in runs])
        rows.append({"variant": v.name, "kind": v.kind, "probe accuracy mean (%)": 100 * float(probe.mean()),
                     "probe accuracy sd (%)": 100 * _sd(probe), "test reconstruction MSE mean": float(mse.mean()),
                     "test reconstruction MSE sd": _sd(mse),
                     "active code units (%)": 100 * float(np.mean([r["active_fraction"] for r in runs]))})
        metrics[_key(v.name)] = {"probe_accuracy_mean": float(probe.mean()),
                                 "probe_accuracy_per_repetition": probe.tolist(),
                                 "test_mse_mean": float(mse.mean()), "test_mse_per_repetition": mse.tolist(),
                                 "active_fraction": float(np.mean([r["active_fraction"] for r in runs]))}
    rows.append({"variant": "raw pixels (no autoencoder)", "kind": "-", "probe accuracy mean (%)": 100 * pixels,
                 "probe accuracy sd (%)": 0.0, "test reconstruction MSE mean": 0.0, "test reconstruction MSE sd": 0.0,
                 "active code units (%)": 100.0})
    ctx.write_table("autoencoders_probe_accuracy", rows)
    _plot_scores(ctx, cfg, rows[:-1], pixels)
    _plot_reconstructions(ctx, cfg, by_variant)
    _plot_codes(ctx, cfg, by_variant)
    first = results[0]
    return {"data": first["description"], "n_train": first["n_train"], "n_test": first["n_test"],
            "repetitions": cfg.repetitions, "pixels_probe_accuracy": pixels, **metrics}


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation (0 for one value)."""
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def _key(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.split()[0].lower())


def _plot_scores(ctx, cfg, rows: list[dict], pixels: float) -> None:
    fig, (ax_probe, ax_mse) = plotting.subplots(1, 2, width=5.0, height=3.8)
    names = [r["variant"] for r in rows]
    y = np.arange(len(rows))
    ax_probe.barh(y, [r["probe accuracy mean (%)"] for r in rows], xerr=[r["probe accuracy sd (%)"] for r in rows],
                  color="C0", capsize=3)
    ax_probe.axvline(100 * pixels, color="k", ls="--", lw=1, label=f"probe on raw pixels: {100 * pixels:.1f}%")
    ax_probe.set(yticks=y, yticklabels=names, xlim=(0, 100), xlabel="linear-probe test accuracy (%)",
                 title=f"Probe on the frozen {cfg.code}-d codes (± sd, n = {cfg.repetitions})")
    ax_probe.invert_yaxis()
    ax_probe.legend(fontsize=8, loc="lower left")
    ax_mse.barh(y, [r["test reconstruction MSE mean"] for r in rows],
                xerr=[r["test reconstruction MSE sd"] for r in rows], color="C1", capsize=3)
    ax_mse.set(yticks=y, yticklabels=[], xlabel="test reconstruction MSE (per pixel, clean input)",
               title="Reconstruction error of clean test digits")
    ax_mse.invert_yaxis()
    ctx.save_figure(fig, "autoencoders_probe_accuracy_and_reconstruction_error",
                    data={"variant": names, "probe accuracy mean (%)": [r["probe accuracy mean (%)"] for r in rows],
                          "probe accuracy sd (%)": [r["probe accuracy sd (%)"] for r in rows],
                          "test MSE mean": [r["test reconstruction MSE mean"] for r in rows]})


def _plot_reconstructions(ctx, cfg, by_variant: dict) -> None:
    first = next(iter(by_variant.values()))[0]
    stack = [first["originals"]] + [runs[0]["reconstructions"] for runs in by_variant.values()]
    fig, ax = plotting.subplots(1, 1, width=0.9 * cfg.shown, height=0.9 * len(stack) + 0.6)
    plotting.image_grid(ax, np.concatenate(stack), ncols=cfg.shown, vmin=0, vmax=1)
    for i, name in enumerate(["test digit", *by_variant]):
        ax.text(-2, (i + 0.5) * 29, name, ha="right", va="center", fontsize=8)
    ax.set_title("Test digits (top row) and each autoencoder's reconstruction (first repetition)")
    ctx.save_figure(fig, "autoencoders_reconstructions")


def _plot_codes(ctx, cfg, by_variant: dict) -> None:
    from sklearn.decomposition import PCA

    n = len(by_variant)
    ncols = min(n, 4)
    fig, axes = plotting.subplots(-(-n // ncols), ncols, width=3.2, height=3.0, squeeze=False)
    for ax, (name, runs) in zip(axes.ravel(), by_variant.items(), strict=False):
        codes, labels = runs[0]["test_codes"], runs[0]["test_labels"]
        xy = PCA(n_components=2, random_state=0).fit_transform(codes) if codes.shape[1] > 1 else np.c_[codes, codes]
        scatter = ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=3, vmin=-0.5, vmax=9.5)
        ax.set(xlabel="code PC 1", ylabel="code PC 2", title=name)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
    fig.suptitle("Test codes projected on their first two principal components (scikit-learn PCA), by digit")
    ctx.save_figure(fig, "autoencoders_codes_pca")
