"""§1.1.2, Figure 1.4: a 1-45-1 network trained with trainlm on noiseless and on noisy sin(x²)."""

from __future__ import annotations

import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.regression import SIN_DATASETS, SIN_DOMAIN, SinSquaredData, noisy, sin_squared, sin_squared_grid
from anndl.errors import RunError
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class FitTrainlmConfig(ExperimentConfig):
    hidden_units: int = param(45, ge=1)
    """Hidden tanh units (report: 45)."""
    epochs: int = param(1000, ge=1)
    """Maximum trainlm epochs (MATLAB's default 1000; all data are training data)."""
    dx: float = param(0.01, gt=0, le=1)
    """Spacing of the training inputs on [0, 3π] (report: 0.01)."""
    noise_std: float = param(0.2, ge=0)
    """Noise standard deviation of the noisy targets (report: 0.2)."""
    test_points: int = param(100, ge=1)
    """Random test inputs in [0, 3π] (report: 100)."""


@dataclasses.dataclass(frozen=True)
class FitCell:
    """One trainlm fit of a 1-H-1 network on one data set, tested on ``test_points`` random inputs."""

    data: SinSquaredData
    hidden_units: int
    epochs: int
    test_points: int
    seed: int | None = None


def fit(cell: FitCell) -> dict:
    """Train on one data set; return the fit on the training grid and on the test points."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.training import train

    noise_seq, test_seq, weight_seq = np.random.SeedSequence(cell.seed).spawn(3)
    x = sin_squared_grid(cell.data.dx)
    t = noisy(sin_squared(x), cell.data.noise_std, np.random.default_rng(noise_seq))
    test_rng = np.random.default_rng(test_seq)
    x_test = np.sort(test_rng.uniform(*SIN_DOMAIN, cell.test_points))
    t_test = noisy(sin_squared(x_test), cell.data.noise_std, test_rng)
    net = MLP.create([1, cell.hidden_units, 1], x, t, np.random.default_rng(weight_seq))
    trained, history = train(net, x, t, algorithm="lm", epochs=cell.epochs)
    y, y_test = trained.predict(x)[:, 0], trained.predict(x_test)[:, 0]
    return {
        "x": x,
        "t": t,
        "y": y,
        "x_test": x_test,
        "t_test": t_test,
        "y_test": y_test,
        "train_mse": history.loss[-1],
        "test_mse": float(np.mean((t_test - y_test) ** 2)),
        "test_mse_vs_true_function": float(np.mean((sin_squared(x_test) - y_test) ** 2)),
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "diverged": history.diverged,
    }


@experiment(
    "fit_trainlm",
    FitTrainlmConfig,
    "A 1-45-1 network trained with trainlm on noiseless and noisy sin(x²) (Fig. 1.4)",
)
def run(cfg: FitTrainlmConfig, ctx) -> dict:
    cells = [
        FitCell(SinSquaredData.of(d, cfg.dx, cfg.noise_std), cfg.hidden_units, cfg.epochs, cfg.test_points)
        for d in SIN_DATASETS
    ]
    results = dict(zip(SIN_DATASETS, ctx.map(fit, cells, desc="trainlm fits"), strict=True))
    keys = ("train_mse", "test_mse", "test_mse_vs_true_function", "epochs", "stop_reason", "diverged")
    metrics = {d: {k: results[d][k] for k in keys} for d in SIN_DATASETS}
    diverged = [f"{d} targets: {results[d]['stop_reason']}" for d in SIN_DATASETS if results[d]["diverged"]]
    if diverged:  # one fit per data set: nothing to average over, so the run fails with what it measured
        raise RunError("; ".join(diverged) + "; lower noise_std", partial_metrics=metrics)

    fig, axes = plotting.subplots(2, 2, squeeze=False, width=5.0, height=3.0)
    data: dict[str, np.ndarray] = {}
    for col, d in enumerate(SIN_DATASETS):
        res = results[d]
        data |= {f"{d} x": res["x"], f"{d} training target": res["t"], f"{d} sin(x²)": sin_squared(res["x"]),
                 f"{d} network output": res["y"], f"{d} network − sin(x²)": res["y"] - sin_squared(res["x"])}
        ax_fit, ax_err = axes[0, col], axes[1, col]
        ax_fit.plot(res["x"], res["t"], ".", ms=1.5, color="0.6", label="training targets")
        ax_fit.plot(res["x"], sin_squared(res["x"]), color="k", lw=0.8, label="sin(x²)")
        ax_fit.plot(res["x"], res["y"], color="C3", lw=1.0, label=f"1-{cfg.hidden_units}-1 net (trainlm)")
        ax_fit.set(xlabel="x", ylabel="y", title=f"{d} targets: fit, train MSE {res['train_mse']:.2e}")
        ax_err.plot(res["x"], res["y"] - sin_squared(res["x"]), color="C3", lw=0.8)
        ax_err.set(xlabel="x", ylabel="network − sin(x²)", title=f"{d} targets: error against the true function")
    handles, labels = axes[0, 0].get_legend_handles_labels()  # one legend above the curves, not over them
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), markerscale=6)
    ctx.save_figure(fig, f"fit_trainlm_{cfg.hidden_units}_hidden_fit_and_error", data=data)
    return metrics
