"""§2.3 Santa Fe laser forecasting with an LSTM, compared with the lagged MLP over repetitions."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.paths import resolve
from anndl.data.santafe import Standardiser, load_split
from anndl.nn.feedforward.classic import AlgorithmName
from anndl.nn.recurrent.forecasting import forecast_errors, mse
from anndl.nn.recurrent.options import LSTMTrainingOptions
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class LSTMSantaFeConfig(ExperimentConfig):
    series_path: str | None = None
    """Null: the shipped Santa Fe series (data/santafe_laser.dat); or a one-value-a-line ASCII / .npy file
    (with test_path: the training part, used whole, e.g. the course's lasertrain.dat)."""
    test_path: str | None = None
    """Null: the test points are the n_test values after n_train in series_path; or the file of the test
    points that follow series_path's values, used whole (the course's laserpred.dat)."""
    n_train: int = param(1000, ge=50)
    """Training points: the first n_train values (the course's lasertrain.dat)."""
    n_test: int = param(100, ge=1)
    """Test points forecast in closed loop after the training part (laserpred.dat)."""
    hidden: int = param(30, ge=1)
    """LSTM hidden units."""
    lag: int = param(30, ge=1)
    """Lag p: each sequence step carries the p previous values as its input features."""
    training: LSTMTrainingOptions = dataclasses.field(default_factory=LSTMTrainingOptions)
    """The LSTM's MATLAB-style training options (epochs, Adam's learning rate and its drops, clipping, L2,
    checkpoints)."""
    repetitions: int = param(5, ge=1)
    """Independent trainings (initial weights) of each model for the mean ± std comparison."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device for the LSTM."""
    mlp_hidden: int = param(30, ge=1)
    """Hidden units of the lagged MLP in the comparison (the report's tuned h)."""
    mlp_lag: int = param(30, ge=1)
    """Lag of the lagged MLP in the comparison (the report's tuned p)."""
    mlp_algorithm: AlgorithmName = "lm"
    """Chapter-1 training algorithm of the comparison MLP."""
    mlp_division: Literal["train", "random"] = "random"
    """Trainer's split of the MLP's samples: random = dividerand 70/15/15 with early stopping."""
    mlp_epochs: int = param(1000, ge=1)
    """Maximum training epochs of the comparison MLP."""


@dataclasses.dataclass(frozen=True)
class SeriesSplit:
    """Which series, and how many training and test points of it."""

    series_path: str | None
    n_train: int
    n_test: int
    test_path: str | None = None


@dataclasses.dataclass(frozen=True)
class LSTMCell:
    """One LSTM training (one repetition)."""

    data: SeriesSplit
    repetition: int
    hidden: int
    lag: int
    options: LSTMTrainingOptions
    device: str
    checkpoint_dir: str | None
    seed: int | None = None


@dataclasses.dataclass(frozen=True)
class MLPCell:
    """One comparison-MLP training (one repetition)."""

    data: SeriesSplit
    repetition: int
    hidden: int
    lag: int
    algorithm: str
    division: str
    epochs: int
    seed: int | None = None


def lstm_cell(cell: LSTMCell) -> dict:
    """Train one LSTM on the training part and forecast the test part in closed loop (original units)."""
    from anndl.nn.recurrent.lstm import lstm_closed_loop, train_lstm

    _, train, test = load_split(cell.data.series_path, cell.data.test_path, cell.data.n_train, cell.data.n_test)
    scaler = Standardiser.fit(train)
    fit = train_lstm(
        scaler.transform(train),
        cell.lag,
        cell.hidden,
        cell.options,
        cell.seed,
        device=cell.device,
        checkpoint_dir=Path(cell.checkpoint_dir) if cell.checkpoint_dir else None,
        desc=f"LSTM repetition {cell.repetition}",
    )
    forecast = scaler.inverse(lstm_closed_loop(fit.model, scaler.transform(train), cell.data.n_test))
    return {"loss_curve": np.array(fit.loss_curve_), "forecast": forecast, "mse": mse(forecast, test)}


def mlp_cell(cell: MLPCell) -> dict:
    """Train one lagged MLP on the training part; forecast the test part in closed loop (original units)."""
    from anndl.nn.recurrent.lagged_mlp import fit_lagged_mlp

    series, train, test = load_split(cell.data.series_path, cell.data.test_path, cell.data.n_train,
                                     cell.data.n_test)
    fit = fit_lagged_mlp(series, cell.lag, cell.hidden, cell.data.n_train, cell.seed, cell.algorithm,
                         cell.division, cell.epochs)
    forecast = fit.forecast(train, cell.data.n_test)
    return {"forecast": forecast, "mse": mse(forecast, test)}


def check_data(cfg: LSTMSantaFeConfig) -> None:
    """The series file (``series_path`` or the shipped one) is numeric and holds n_train + n_test points
    (with ``test_path``: the two files hold n_train and n_test points)."""
    load_split(*_paths(cfg), cfg.n_train, cfg.n_test)


def _paths(cfg: LSTMSantaFeConfig) -> tuple[str | None, str | None]:
    """``series_path`` and ``test_path`` resolved to absolute paths (None stays None)."""
    return tuple(str(resolve(p, "series file")) if p else None for p in (cfg.series_path, cfg.test_path))


COURSE_DATA = (CourseFiles({"series_path": "lasertrain.dat", "test_path": "laserpred.dat"}),)
"""Under ``--data DIR``: the course's training part and its 100 test points, as it ships them."""


@experiment("lstm_santafe", LSTMSantaFeConfig, "Santa Fe: LSTM closed-loop forecast vs lagged MLP (§2.3)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: LSTMSantaFeConfig, ctx) -> dict:
    from anndl.nn.torchkit import resolve_device

    path, test_path = _paths(cfg)
    _, train, test = load_split(path, test_path, cfg.n_train, cfg.n_test)
    device = str(resolve_device(cfg.device))
    data = SeriesSplit(path, cfg.n_train, cfg.n_test, test_path)
    checkpoints = cfg.training.checkpoint_every > 0
    lstm_cells = [
        LSTMCell(data, r, cfg.hidden, cfg.lag, cfg.training, device,
                 str(ctx.checkpoint_dir / f"lstm_rep{r}") if checkpoints else None)
        for r in range(cfg.repetitions)
    ]
    lstm = ctx.map(lstm_cell, lstm_cells, desc="LSTM repetitions")
    mlp_cells = [
        MLPCell(data, r, cfg.mlp_hidden, cfg.mlp_lag, cfg.mlp_algorithm, cfg.mlp_division, cfg.mlp_epochs)
        for r in range(cfg.repetitions)
    ]
    mlp = ctx.map(mlp_cell, mlp_cells, desc="MLP repetitions")

    _plot_loss(ctx, cfg, np.array([res["loss_curve"] for res in lstm]))
    forecasts = {
        "LSTM": np.array([res["forecast"] for res in lstm]),
        "MLP": np.array([res["forecast"] for res in mlp]),
    }
    _plot_forecasts(ctx, cfg, forecasts, test)
    configs = {"LSTM": (cfg.hidden, cfg.lag), "MLP": (cfg.mlp_hidden, cfg.mlp_lag)}
    metrics = {name.lower(): forecast_errors(forecasts[name], test) for name in configs}
    spread = cfg.repetitions > 1  # one repetition has no spread to show
    rows = [
        {
            "model": f"{name} (h={h}, p={p})",
            "repetitions": cfg.repetitions,
            "test RMSE": f"{m['test_rmse_mean']:.2f} ± " + (f"{m['test_rmse_std']:.2f}" if spread else "n/a"),
            "test MSE": f"{m['test_mse_mean']:.1f} ± " + (f"{m['test_mse_std']:.1f}" if spread else "n/a"),
            "best RMSE": min(m["test_rmse_per_repetition"]),
        }
        for (name, (h, p)), m in zip(configs.items(), metrics.values(), strict=True)
    ]
    ctx.write_table("lstm_vs_mlp_test_error", rows)
    metrics["lstm"]["final_training_loss_mean"] = float(np.mean([res["loss_curve"][-1] for res in lstm]))
    metrics["device"] = device
    return metrics


def _plot_loss(ctx, cfg: LSTMSantaFeConfig, curves: np.ndarray) -> None:
    fig, ax = plotting.subplots(1, 1, width=5.0, height=3.6)
    epochs = np.arange(1, curves.shape[1] + 1)
    for r, curve in enumerate(curves):
        ax.semilogy(epochs, curve, lw=0.9, label=f"repetition {r}")
    drop = f"learning-rate drop (×{cfg.training.drop_factor:g})"
    for epoch in range(cfg.training.drop_period, cfg.training.epochs, cfg.training.drop_period):
        ax.axvline(epoch, color="grey", ls=":", lw=0.8, label=drop)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set(
        xlabel="epoch",
        ylabel="training loss (half MSE, standardised units²)",
        title=f"LSTM (h={cfg.hidden}, p={cfg.lag}): training loss per epoch",
    )
    entries = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))  # each learning-rate drop once
    if len(curves) > 10:  # the repetitions' colours repeat: name only the drops
        entries = {drop: entries[drop]} if drop in entries else {}
    if entries:
        ax.legend(entries.values(), entries.keys(), fontsize=7)
    data = {"epoch": epochs} | {
        f"repetition {r} training loss (half MSE, standardised units²)": curve for r, curve in enumerate(curves)
    }
    ctx.save_figure(fig, "santafe_lstm_training_loss", data=data)


def _plot_forecasts(ctx, cfg: LSTMSantaFeConfig, forecasts: dict, test: np.ndarray) -> None:
    """Closed-loop test forecasts of every repetition against the truth: the LSTM's, then the MLP's;
    each model's repetitions in one colour, a shade per repetition (the report's Figure 2.5)."""
    fig, axes = plotting.subplots(1, 2, width=5.2, height=3.6, sharey=True)
    t = np.arange(cfg.n_train, cfg.n_train + cfg.n_test)
    names = {
        "LSTM": f"LSTM h={cfg.hidden}, p={cfg.lag}",
        "MLP": f"lagged MLP h={cfg.mlp_hidden}, p={cfg.mlp_lag}",
    }
    colours = {"LSTM": "C0", "MLP": "C1"}
    limits = plotting.forecast_limits(test)
    data = {"time step": t, "truth (original units)": test}
    for ax, (name, runs) in zip(axes, forecasts.items(), strict=True):
        data |= {f"{name} repetition {r} forecast (original units)": f for r, f in enumerate(runs)}
        rmse = plotting.forecast_panel(ax, t, test, runs, colour=colours[name], label=f"{name} closed-loop forecast",
                                       limits=limits)
        ax.set(xlabel="time step", title=f"{names[name]}\ntest RMSE {plotting.mean_spread(rmse)}")
    axes[0].set_ylim(*limits)
    axes[0].set_ylabel("laser intensity (original units)")
    handles, labels = axes[0].get_legend_handles_labels()
    handles_mlp, labels_mlp = axes[1].get_legend_handles_labels()
    fig.legend(handles + handles_mlp[1:], labels + labels_mlp[1:], loc="outside upper center", ncols=3, fontsize=8)
    ctx.save_figure(fig, "santafe_lstm_vs_mlp_forecasts", data=data)
