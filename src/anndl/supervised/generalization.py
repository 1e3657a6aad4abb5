"""§1.1.2 Generalisation on sin(x²): train and test MSE against the number of hidden units.

For each size, algorithm and repetition a 1-H-1 network is trained on all of x = 0:dx:3π (no
validation set, so no early stopping) and tested on random points of [0, 3π]; with noisy
training targets the test targets carry the same noise level (the report's ỹ).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.regression import SIN_DOMAIN, noisy, sin_squared, sin_squared_grid
from anndl.nn.classic import resolve_algorithm
from anndl.nn.mlp import MLP
from anndl.nn.training import train
from anndl.registry import experiment

DATASETS = ("noiseless", "noisy")


@dataclasses.dataclass(kw_only=True)
class GeneralizationConfig(ExperimentConfig):
    algorithms: list[str] = param(["gd", "gdx", "cgf", "bfg", "lm", "br"])
    """Algorithms compared (anndl or MATLAB names), each with MATLAB's default parameters."""
    hidden_units: list[int] = param([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], ge=1)
    """Network sizes: hidden tanh units of the 1-H-1 network (report: 10…100)."""
    repetitions: int = param(10, ge=1)
    """Repetitions per size and algorithm (report: 10)."""
    epochs: int = param(500, ge=1)
    """Training epochs (the report does not say; 500 as in its §1.1.1)."""
    test_points: int = param(100, ge=1)
    """Random test inputs in [0, 3π] per repetition (report: 100)."""
    dx: float = param(0.01, gt=0, le=1)
    """Spacing of the training inputs (report: 0.01)."""
    noise_std: float = param(0.2, ge=0)
    """Noise standard deviation of the noisy train and test targets (report: 0.2)."""

    def __post_init__(self):
        for name in self.algorithms:
            try:
                resolve_algorithm(name)
            except ValueError as exc:
                raise ValueError(f"algorithms: {exc}") from None


def train_and_test(cell: dict) -> dict:
    """One (size, algorithm, repetition); data, test points and weights from ``data_seed``."""
    noise_seq, test_seq, weight_seq = np.random.SeedSequence(cell["data_seed"]).spawn(3)
    x = sin_squared_grid(cell["dx"])
    t = noisy(sin_squared(x), cell["noise_std"], np.random.default_rng(noise_seq))
    test_rng = np.random.default_rng(test_seq)
    x_test = test_rng.uniform(*SIN_DOMAIN, cell["test_points"])
    t_test = noisy(sin_squared(x_test), cell["noise_std"], test_rng)
    net = MLP.create([1, cell["hidden_units"], 1], x, t, np.random.default_rng(weight_seq))
    trained, history = train(net, x, t, algorithm=cell["algorithm"], epochs=cell["epochs"])
    y_test = trained.predict(x_test)[:, 0]
    return {"train_mse": history.loss[-1], "test_mse": float(np.mean((t_test - y_test) ** 2))}


@experiment("generalization", GeneralizationConfig, "Train and test MSE against hidden units, per algorithm (§1.1.2)")
def run(cfg: GeneralizationConfig, ctx) -> dict:
    algorithms = [resolve_algorithm(a) for a in cfg.algorithms]
    # one seed per repetition: every size and algorithm of a repetition sees the same data
    data_seeds = [ctx.child_seed() for _ in range(cfg.repetitions)]
    cells = [
        {
            "dataset": d,
            "hidden_units": h,
            "algorithm": a,
            "repetition": r,
            "data_seed": data_seeds[r],
            "epochs": cfg.epochs,
            "dx": cfg.dx,
            "test_points": cfg.test_points,
            "noise_std": cfg.noise_std if d == "noisy" else 0.0,
        }
        for d in DATASETS
        for h in cfg.hidden_units
        for r in range(cfg.repetitions)
        for a in algorithms
    ]
    results = ctx.map(train_and_test, cells, desc="size x algorithm x repetition")

    table: dict = {}  # (dataset, algorithm, size) -> arrays over repetitions
    for cell, res in zip(cells, results, strict=True):
        entry = table.setdefault((cell["dataset"], cell["algorithm"], cell["hidden_units"]), {"train": [], "test": []})
        entry["train"].append(res["train_mse"])
        entry["test"].append(res["test_mse"])
    rows, metrics = [], {d: {} for d in DATASETS}
    for d in DATASETS:
        for a in algorithms:
            train_mean = [float(np.mean(table[d, a, h]["train"])) for h in cfg.hidden_units]
            test_mean = [float(np.mean(table[d, a, h]["test"])) for h in cfg.hidden_units]
            metrics[d][a] = {
                "train_mse_mean": train_mean,
                "test_mse_mean": test_mean,
                "best_hidden_units_by_test": cfg.hidden_units[int(np.argmin(test_mean))],
            }
            for h, tr, te in zip(cfg.hidden_units, train_mean, test_mean, strict=True):
                rows.append(
                    {
                        "dataset": d,
                        "algorithm": a,
                        "hidden_units": h,
                        "train_mse_mean": tr,
                        "test_mse_mean": te,
                    }
                )
        _plot_dataset(ctx, d, metrics[d], algorithms, cfg)
    ctx.write_table("generalization_mse_by_size", rows)
    metrics["hidden_units"] = list(cfg.hidden_units)
    return metrics


def _plot_dataset(ctx, dataset: str, per_algo: dict, algorithms: list[str], cfg: GeneralizationConfig) -> None:
    fig, axes = plotting.subplots(1, 2, squeeze=False, sharey=True)
    for ax, split in zip(axes[0], ("train", "test"), strict=True):
        for i, a in enumerate(algorithms):
            ax.plot(cfg.hidden_units, per_algo[a][f"{split}_mse_mean"], "o-", ms=3, color=f"C{i}", label=a)
        target = "noisy targets ỹ" if dataset == "noisy" else "true targets y"
        ax.set(
            xlabel="hidden units",
            ylabel=f"{split} MSE (mean of {cfg.repetitions})",
            yscale="log",
            title=f"{split} MSE on {target}",
        )
    axes[0, 1].legend(ncols=2)
    ctx.save_figure(fig, f"generalization_{dataset}_train_and_test_mse_vs_hidden_units")
