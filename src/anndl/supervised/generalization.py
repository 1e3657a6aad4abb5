"""§1.1.2 Generalisation on sin(x²): train and test MSE against the number of hidden units.

For each size, algorithm and repetition a 1-H-1 network is trained on all of x = 0:dx:3π (no
validation set, so no early stopping) and tested on random points of [0, 3π]; with noisy
training targets the test targets carry the same noise level (the report's ỹ). The repetitions
of one size and algorithm are one cell, trained together by :func:`~anndl.nn.feedforward.train_many.train_many`
(each network as it would be trained alone).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.regression import SIN_DATASETS, SIN_DOMAIN, SinSquaredData, noisy, sin_squared, sin_squared_grid
from anndl.nn.feedforward.classic import REPORT_ALGORITHMS, AlgorithmName, check_algorithms, resolve_algorithm
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class GeneralizationConfig(ExperimentConfig):
    algorithms: list[AlgorithmName] = param(list(REPORT_ALGORITHMS))
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
        check_algorithms(self.algorithms)


@dataclasses.dataclass(frozen=True)
class SizeCell:
    """The repetitions (one per ``data_seeds`` entry) of one size and algorithm on one data set,
    each tested on ``test_points`` random inputs with the training set's noise level."""

    data: SinSquaredData
    hidden_units: int
    algorithm: str
    epochs: int
    test_points: int
    data_seeds: tuple[int, ...]
    seed: int | None = None


def repetition_data(cell: SizeCell, data_seed: int):
    """Training inputs and targets, test inputs and targets and the initial network of one
    repetition, all drawn from ``data_seed``."""
    from anndl.nn.feedforward.mlp import MLP

    noise_seq, test_seq, weight_seq = np.random.SeedSequence(data_seed).spawn(3)
    x = sin_squared_grid(cell.data.dx)
    t = noisy(sin_squared(x), cell.data.noise_std, np.random.default_rng(noise_seq))
    test_rng = np.random.default_rng(test_seq)
    x_test = test_rng.uniform(*SIN_DOMAIN, cell.test_points)
    t_test = noisy(sin_squared(x_test), cell.data.noise_std, test_rng)
    net = MLP.create([1, cell.hidden_units, 1], x, t, np.random.default_rng(weight_seq))
    return x, t, x_test, t_test, net


def train_and_test(cell: SizeCell) -> dict:
    """The repetitions (one per ``data_seeds`` entry) of one size and algorithm, trained together;
    {"runs": [{"train_mse", "test_mse"} per repetition]}."""
    from anndl.nn.feedforward.train_many import train_many

    data = [repetition_data(cell, seed) for seed in cell.data_seeds]
    x = data[0][0]
    trained = train_many([d[4] for d in data], x, [d[1] for d in data], algorithm=cell.algorithm,
                         epochs=cell.epochs)  # fmt: skip
    runs = []
    for (_, _, x_test, t_test, _), (net, history) in zip(data, trained, strict=True):
        y_test = net.predict(x_test)[:, 0]
        runs.append({"train_mse": history.loss[-1], "test_mse": float(np.mean((t_test - y_test) ** 2)),
                     "diverged": history.diverged})
    return {"runs": runs}


@experiment("generalization", GeneralizationConfig, "Train and test MSE against hidden units, per algorithm (§1.1.2)")
def run(cfg: GeneralizationConfig, ctx) -> dict:
    algorithms = [resolve_algorithm(a) for a in cfg.algorithms]
    # one seed per repetition: every size and algorithm of a repetition sees the same data
    data_seeds = tuple(ctx.child_seed() for _ in range(cfg.repetitions))
    cells = [
        SizeCell(SinSquaredData.of(d, cfg.dx, cfg.noise_std), h, a, cfg.epochs, cfg.test_points, data_seeds)
        for d in SIN_DATASETS
        for h in cfg.hidden_units
        for a in algorithms
    ]
    results = ctx.map(train_and_test, cells, desc="size x algorithm (repetitions batched)")
    table = {  # (dataset, algorithm, size) -> results over repetitions
        (c.data.dataset, c.algorithm, c.hidden_units): res["runs"] for c, res in zip(cells, results, strict=True)
    }
    rows, metrics = [], {d: {} for d in SIN_DATASETS}
    for d in SIN_DATASETS:
        for a in algorithms:
            stats = [_finite_means(table[d, a, h]) for h in cfg.hidden_units]
            metrics[d][a] = {
                "train_mse_mean": [s["train_mse_mean"] for s in stats],
                "test_mse_mean": [s["test_mse_mean"] for s in stats],
                "train_mse_std": [s["train_mse_std"] for s in stats],
                "test_mse_std": [s["test_mse_std"] for s in stats],
                "diverged_runs": [s["diverged_runs"] for s in stats],
                "best_hidden_units_by_test": _best_size(cfg.hidden_units, [s["test_mse_mean"] for s in stats]),
            }
            rows += [
                {"dataset": d, "algorithm": a, "hidden_units": h, **s}
                for h, s in zip(cfg.hidden_units, stats, strict=True)
            ]
        _plot_dataset(ctx, d, metrics[d], algorithms, cfg)
    ctx.write_table("generalization_mse_by_size", rows)
    metrics["hidden_units"] = list(cfg.hidden_units)
    return metrics


def _finite_means(runs: list[dict]) -> dict:
    """Mean and std (numpy's ddof=0) of the train and test MSE over the runs that did not diverge
    (gd's fixed learning rate can blow up on big nets, as MATLAB's traingd does), and how many did
    (the trainer's divergence rule, or a non-finite test MSE)."""
    finite = [r for r in runs if not r["diverged"] and np.isfinite(r["train_mse"]) and np.isfinite(r["test_mse"])]
    values = {k: np.array([r[k] for r in finite], dtype=float) for k in ("train_mse", "test_mse")}
    stats = {f"{k}_{f.__name__}": float(f(v)) if finite else float("nan") for f in (np.mean, np.std)
             for k, v in values.items()}
    return {**stats, "diverged_runs": len(runs) - len(finite)}


def _best_size(sizes: list[int], test_mse: list[float]) -> int | None:
    """The size with the least mean test MSE (None when every size's runs diverged)."""
    finite = [(mse, h) for h, mse in zip(sizes, test_mse, strict=True) if np.isfinite(mse)]
    return min(finite, key=lambda pair: pair[0])[1] if finite else None


def _plot_dataset(ctx, dataset: str, per_algo: dict, algorithms: list[str], cfg: GeneralizationConfig) -> None:
    fig, axes = plotting.subplots(1, 2, squeeze=False, sharey=True)
    data: dict[str, list] = {"hidden units": list(cfg.hidden_units)}
    for ax, split in zip(axes[0], ("train", "test"), strict=True):
        for i, a in enumerate(algorithms):
            mse = per_algo[a][f"{split}_mse_mean"]
            data[f"{a} {split} MSE mean"] = list(mse)
            ax.plot(cfg.hidden_units, mse, "o-", ms=3, color=f"C{i}", label=a)
            for h, value, diverged in zip(cfg.hidden_units, mse, per_algo[a]["diverged_runs"], strict=True):
                plotting.mark_diverged(ax, h, value, diverged, color=f"C{i}")
        plotting.log_y_if_positive(ax, [per_algo[a][f"{split}_mse_mean"] for a in algorithms])
        plotting.dense_log_ticks(ax)
        target = "noisy targets ỹ" if dataset == "noisy" else "true targets y"
        ax.set(xlabel="hidden units", title=f"{split} MSE on {target}")
    runs = plotting.plural(cfg.repetitions, "run")
    axes[0, 0].set_ylabel("MSE (log scale)" if axes[0, 0].get_yscale() == "log" else "MSE")  # shared y axis
    fig.suptitle(f"1-H-1 tanh nets: mean of {runs} per algorithm and H (diverged runs left out)", fontsize=10)
    fig.legend(*axes[0, 1].get_legend_handles_labels(), title="algorithm", loc="outside right upper")
    data |= {f"{a} diverged runs": list(per_algo[a]["diverged_runs"]) for a in algorithms}
    ctx.save_figure(fig, f"generalization_{dataset}_train_and_test_mse_vs_hidden_units", data=data)
