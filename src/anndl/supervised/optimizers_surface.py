"""Session 1 (2024 course), "in the wild jungle of training algorithms": five torch optimisers, and
MATLAB's trainers of chapter 1, fit a 2-50-50-1 ReLU net to a damped sinc surface from one start.

Every repetition draws one initial network (torch's default initialisation) and every optimiser and
trainer starts from a copy of it. Training targets may carry Gaussian noise; the test target is the
noiseless surface at the same grid points, as in the course.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.nn.feedforward.classic import AlgorithmName
from anndl.nn.feedforward.options import NamedOptimiser
from anndl.registry import experiment

COURSE_TABLE = [
    {"label": "sgd_full_batch", "name": "sgd", "lr": 0.05, "batch_size": 1600},
    {"label": "sgd_batch40", "name": "sgd", "lr": 0.1, "batch_size": 40},
    {"label": "nesterov", "name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "batch_size": 400},
    {"label": "adam", "name": "adam", "batch_size": 400},
    {"label": "lbfgs", "name": "lbfgs", "lr": 1.0, "batch_size": 1600, "max_iter": 1},
]


@dataclasses.dataclass(kw_only=True)
class OptimizersSurfaceConfig(ExperimentConfig):
    grid_points: int = param(40, ge=2)
    """Grid points per axis of [-extent, extent]² (40: 1600 samples)."""
    extent: float = param(3.0, gt=0)
    """Half-width of the square grid."""
    noise_level: float = param(0.0, ge=0)
    """Standard deviation of the Gaussian noise on the training targets (the test targets are noiseless)."""
    hidden: list[int] = param([50, 50], ge=1)
    """Hidden layer sizes (ReLU)."""
    epochs: int = param(2500, ge=1)
    """Epochs of every torch optimiser (the course: 2500)."""
    optimizers: list[NamedOptimiser] = dataclasses.field(
        default_factory=lambda: [NamedOptimiser(**row) for row in COURSE_TABLE])
    """The torch optimisers compared (default: the course's table)."""
    classic: list[AlgorithmName] = param(["lm", "br", "scg", "bfg"])
    """MATLAB trainers of chapter 1 run on the same net and data (empty list: none)."""
    classic_epochs: int = param(100, ge=1)
    """Epochs of each MATLAB trainer (each of lm's and br's epochs solves a P × P system, P = 2751)."""
    repetitions: int = param(3, ge=1)
    """Initial networks (each shared by every optimiser and trainer)."""
    record_every: int = param(10, ge=1)
    """Epochs between measurements of the training MSE on all samples."""


@dataclasses.dataclass(frozen=True)
class RepetitionCell:
    """One initial network trained by every optimiser and trainer."""

    repetition: int
    cfg: OptimizersSurfaceConfig
    seed: int | None = None


def run_repetition(cell: RepetitionCell) -> dict:
    """Train copies of one initial network with each optimiser and trainer: curves, final MSEs, times."""
    import torch

    from anndl.data.regression import damped_sinc_surface
    from anndl.nn.feedforward.optimisers import OptimiserSpec, train_minibatch
    from anndl.nn.feedforward.torch_mlp import mse, to_classic, torch_mlp
    from anndl.nn.feedforward.training import train

    cfg = cell.cfg
    X, z = damped_sinc_surface(cfg.grid_points, cfg.extent)
    rng = np.random.default_rng(cell.seed)
    t_train = z + cfg.noise_level * rng.standard_normal(z.shape)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    Tt, Zt = (torch.as_tensor(v[:, None], dtype=torch.float32) for v in (t_train, z))
    torch.manual_seed(cell.seed)
    initial = torch_mlp([2, *cfg.hidden, 1], "relu")
    out = {"initial_train_mse": mse(initial, Xt, Tt)}
    shuffle_seed = int(rng.integers(2**62))
    for choice in cfg.optimizers:
        model = copy.deepcopy(initial)
        spec = OptimiserSpec(**{f.name: getattr(choice, f.name) for f in dataclasses.fields(OptimiserSpec)
                                if hasattr(choice, f.name)})
        history = train_minibatch(model, Xt, Tt, spec, cfg.epochs, torch.Generator().manual_seed(shuffle_seed),
                                  record_every=cfg.record_every)
        out[choice.label] = {"epochs": history.epochs, "train_mse": history.train_mse, "seconds": history.seconds,
                             "test_mse": mse(model, Xt, Zt), "diverged": history.diverged,
                             "ms_per_epoch": 1e3 * history.seconds[-1] / max(history.epochs[-1], 1)}
    for algorithm in cfg.classic:
        net, history = train(to_classic(initial), X, t_train, algorithm=algorithm, division="train",
                             epochs=cfg.classic_epochs)
        test = float(np.mean((net.predict(X)[:, 0] - z) ** 2))
        out[algorithm] = {"epochs": list(range(len(history.loss))), "train_mse": history.loss,
                          "seconds": history.time, "test_mse": test, "diverged": history.diverged,
                          "ms_per_epoch": 1e3 * history.time[-1] / max(history.epochs, 1),
                          "stop_reason": history.stop_reason}
    return out


@experiment("optimizers_surface", OptimizersSurfaceConfig,
            "Five torch optimisers and MATLAB's trainers on a 2-50-50-1 ReLU net, damped sinc surface "
            "(2024 course, session 1)")
def run(cfg: OptimizersSurfaceConfig, ctx) -> dict:
    labels = [o.label for o in cfg.optimizers] + list(cfg.classic)
    if len(set(labels)) != len(labels):
        from anndl.errors import ConfigError

        raise ConfigError(f"key 'optimizers': labels must be unique and differ from 'classic', got {labels}")
    results = ctx.map(run_repetition, [RepetitionCell(r, cfg) for r in range(cfg.repetitions)],
                      desc="repetitions")
    metrics: dict = {"initial_train_mse_mean": float(np.mean([r["initial_train_mse"] for r in results])),
                     "optimizers": {}}
    for label in labels:
        runs = [r[label] for r in results]
        train_final = np.array([run["train_mse"][-1] for run in runs])
        test = np.array([run["test_mse"] for run in runs])
        metrics["optimizers"][label] = {
            "train_mse_mean": float(train_final.mean()), "train_mse_std": float(train_final.std()),
            "test_mse_mean": float(test.mean()), "test_mse_std": float(test.std()),
            "test_mse_per_repetition": test.tolist(), "epochs": int(runs[0]["epochs"][-1]),
            "ms_per_epoch": float(np.mean([run["ms_per_epoch"] for run in runs])),
            "diverged_runs": int(sum(run["diverged"] for run in runs))}
    _plot_curves(ctx, cfg, labels, results)
    _plot_final(ctx, cfg, labels, metrics["optimizers"])
    ctx.write_table("optimizers_surface_final_mse", [
        {"optimiser": label, **{k: v for k, v in m.items() if k != "test_mse_per_repetition"}}
        for label, m in metrics["optimizers"].items()])
    return metrics


def _colour(i: int) -> str:
    return f"C{i % 10}"


def _plot_curves(ctx, cfg: OptimizersSurfaceConfig, labels: list[str], results: list[dict]) -> None:
    """Training MSE against epoch and against wall time, each repetition a thin line, the mean thick."""
    fig, axes = plotting.subplots(1, 2, width=5.0, height=3.9)
    data = {}
    for i, label in enumerate(labels):
        runs = [r[label] for r in results]
        length = min(len(run["train_mse"]) for run in runs)
        epochs = np.asarray(runs[0]["epochs"][:length])
        curves = np.array([run["train_mse"][:length] for run in runs])
        seconds = np.array([run["seconds"][:length] for run in runs]).mean(axis=0)
        mean = curves.mean(axis=0)
        axes[0].plot(np.maximum(epochs, 0.5), mean, color=_colour(i), lw=1.5, label=label)
        axes[1].plot(np.maximum(seconds, 1e-3), mean, color=_colour(i), lw=1.5, label=label)
        data[f"{label} epoch"], data[f"{label} seconds"], data[f"{label} train mse"] = epochs, seconds, mean
    for ax, xlabel in ((axes[0], "epoch (0 plotted at 0.5)"), (axes[1], "training wall time (s, one core)")):
        ax.set_xscale("log")
        plotting.log_y_if_positive(ax, [v for k, v in data.items() if k.endswith("mse")][0])
        ax.set(xlabel=xlabel, ylabel="training MSE (mean over repetitions)")
    axes[0].set_title(f"Training MSE, {cfg.repetitions} starts shared by all")
    axes[1].set_title("The same against wall time")
    axes[1].legend(fontsize=7, loc="lower left")
    ctx.save_figure(fig, "optimizers_surface_train_mse_vs_epoch_and_time", data=data)


def _plot_final(ctx, cfg: OptimizersSurfaceConfig, labels: list[str], final: dict) -> None:
    """Final train and test MSE per optimiser with their spread, and time per epoch."""
    fig, axes = plotting.subplots(1, 2, width=5.0, height=3.6)
    x = np.arange(len(labels))
    for offset, key, colour, name in ((-0.12, "train", "tab:blue", "train (noisy targets)" if cfg.noise_level
                                       else "train"), (0.12, "test", "tab:orange", "test (noiseless)")):
        mean = np.array([final[label][f"{key}_mse_mean"] for label in labels])
        std = np.array([final[label][f"{key}_mse_std"] for label in labels])
        axes[0].errorbar(x + offset, mean, yerr=std, fmt="o", ms=4, color=colour, capsize=3, label=name)
    axes[0].set_yscale("log")
    axes[0].set_xticks(x, labels, rotation=45, ha="right")
    axes[0].set(ylabel="final MSE (mean ± std)", title=f"Final MSE, n = {cfg.repetitions} starts")
    axes[0].legend(fontsize=8)
    times = [final[label]["ms_per_epoch"] for label in labels]
    axes[1].plot(x, times, "o", ms=6, color="tab:grey")  # dots: bars on a log axis start from nothing
    axes[1].set_yscale("log")
    axes[1].set_xticks(x, labels, rotation=45, ha="right")
    axes[1].set(ylabel="ms per epoch (one core)", title="Time per epoch")
    ctx.save_figure(fig, "optimizers_surface_final_mse_and_time_per_epoch",
                    data={"optimiser": labels, **{f"{k}": [final[label][k] for label in labels]
                                                   for k in ("train_mse_mean", "train_mse_std", "test_mse_mean",
                                                             "test_mse_std", "ms_per_epoch")}})
