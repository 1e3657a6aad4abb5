"""§2.2 Santa Fe forecasting with a lagged MLP, tuned two ways (open loop; closed loop without leakage)."""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.paths import resolve
from anndl.data.santafe import load_joined, load_split
from anndl.errors import ConfigError
from anndl.nn.feedforward.classic import AlgorithmName
from anndl.nn.recurrent.forecasting import forecast_errors, mse
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class MLPSantaFeConfig(ExperimentConfig):
    series_path: str | None = None
    """Null: the shipped Santa Fe series (data/santafe_laser.dat); or a one-value-a-line ASCII / .npy file
    (with test_path: the training part, used whole, e.g. the course's lasertrain.dat)."""
    test_path: str | None = None
    """Null: the test points are the n_test values after n_train in series_path; or the file of the test
    points that follow series_path's values, used whole (the course's laserpred.dat)."""
    n_train: int = param(1000, ge=50)
    """Training points: the first n_train values (the course's lasertrain.dat)."""
    n_test: int = param(100, ge=1)
    """Test points forecast in closed loop: the n_test values after the training part (laserpred.dat)."""
    hidden_grid: list[int] = param([5, 10, 20, 30], ge=1)
    """Hidden-layer sizes h tried by both tunings."""
    lag_grid: list[int] = param([5, 10, 20, 30], ge=1)
    """Lags p (inputs = the p previous values) tried by both tunings."""
    repetitions: int = param(5, ge=1)
    """Trainings (different initial weights and data divisions) per grid cell and per final model."""
    open_loop_fraction: float = param(0.3, gt=0, lt=1)
    """Tuning A: the last fraction of the training lag samples, scored one step ahead."""
    tuning_a_division: Literal["block", "random"] = "block"
    """Tuning A's split: block = MATLAB's divideblock (fit on the first part, early-stop on the final block,
    which is also the score); random = fit the first part with the trainer's ``division`` inside it."""
    validation_window: list[int] = param([544, 644], ge=0)
    """Tuning B: [start, stop) of the training series forecast closed loop by a model fitted on [0, start)."""
    aggregate: Literal["mean", "median"] = "mean"
    """How the repetitions' validation MSEs are combined before choosing (h, p)."""
    small_lag: list[int] = param([20, 5], ge=1)
    """[h, p] of the small-lag reference forecast shown beside the tuned ones."""
    algorithm: AlgorithmName = "lm"
    """Chapter-1 training algorithm (lm = trainlm, MATLAB's default)."""
    division: Literal["train", "random"] = "random"
    """Trainer's split of the fitted samples: random = dividerand 70/15/15 + early stopping (MATLAB's)."""
    epochs: int = param(1000, ge=1)
    """Maximum training epochs."""
    max_fail: int = param(6, ge=0)
    """Validation failures before early stopping."""


@dataclasses.dataclass(frozen=True)
class Training:
    """The series and the chapter-1 training settings every cell shares."""

    series_path: str | None
    algorithm: str
    division: str
    epochs: int
    max_fail: int
    test_path: str | None = None


@dataclasses.dataclass(frozen=True)
class Window:
    """What a cell fits (``series[:stop]``) and scores (``series[score[0]:score[1]]``), and how;
    ``validation_start``: lag samples from there on are the early-stopping block (divideblock)."""

    mode: Literal["open_loop", "closed_loop"]
    stop: int
    score: tuple[int, int]
    validation_start: int | None = None


@dataclasses.dataclass(frozen=True)
class FitCell:
    """One lagged-MLP training: ``group`` is the tuning (A, B) or the final model it belongs to."""

    training: Training
    group: str
    h: int
    p: int
    repetition: int
    window: Window
    seed: int | None = None


def fit_cell(cell: FitCell) -> dict:
    """Train one lagged MLP on ``series[:stop]`` and score it (tuning A, tuning B or the test forecast)."""
    from anndl.nn.recurrent.lagged_mlp import fit_lagged_mlp

    t, window = cell.training, cell.window
    series = load_joined(t.series_path, t.test_path)
    fit = fit_lagged_mlp(series, cell.p, cell.h, window.stop, cell.seed, t.algorithm, t.division, t.epochs,
                         t.max_fail, window.validation_start)
    start, end = window.score
    truth = series[start:end]
    if window.mode == "open_loop":
        prediction = fit.one_step(series, start, end)
    else:  # closed loop from the values before `start` only
        prediction = fit.forecast(series[:start], end - start)
    return {"mse": mse(prediction, truth), "prediction": prediction, "epochs": fit.epochs_}


def check_data(cfg: MLPSantaFeConfig) -> None:
    """The series file (``series_path`` or the shipped one) is numeric and holds n_train + n_test points
    (with ``test_path``: the two files hold n_train and n_test points)."""
    load_split(*_paths(cfg), cfg.n_train, cfg.n_test)
    _check_config(cfg)


def _paths(cfg: MLPSantaFeConfig) -> tuple[str | None, str | None]:
    """``series_path`` and ``test_path`` resolved to absolute paths (None stays None)."""
    return tuple(str(resolve(p, "series file")) if p else None for p in (cfg.series_path, cfg.test_path))


COURSE_DATA = (CourseFiles({"series_path": "lasertrain.dat", "test_path": "laserpred.dat"}),)
"""Under ``--data DIR``: the course's training part and its 100 test points, as it ships them."""


@experiment("mlp_santafe", MLPSantaFeConfig, "Santa Fe: lagged MLP, open-loop vs closed-loop tuning (§2.2)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: MLPSantaFeConfig, ctx) -> dict:
    path, test_path = _paths(cfg)
    _, train, test = load_split(path, test_path, cfg.n_train, cfg.n_test)
    _check_config(cfg)
    training = Training(path, cfg.algorithm, cfg.division, cfg.epochs, cfg.max_fail, test_path)

    # Tuning A and B over the (h, p) grid, every cell trained on data before its own validation part
    cells = [
        FitCell(training, name, h, p, r, _validation_window(cfg, name, p))
        for name in ("A", "B")
        for h in cfg.hidden_grid
        for p in cfg.lag_grid
        for r in range(cfg.repetitions)
    ]
    results = ctx.map(fit_cell, cells, desc="tuning grid (h, p, repetition)")
    scores = {name: _grid_scores(cfg, cells, results, name) for name in ("A", "B")}
    selected = {name: _argmin_config(cfg, score) for name, score in scores.items()}
    ctx.write_table("tuning_validation_mse", [
        {"tuning": name, "h": h, "p": p, f"{cfg.aggregate}_val_mse": float(scores[name][a, b])}
        for name in ("A", "B")
        for a, h in enumerate(cfg.hidden_grid)
        for b, p in enumerate(cfg.lag_grid)
    ])  # fmt: skip

    # Retrain the small-lag reference and both tuned configurations on all training data; forecast the test
    finals = {"small_lag": tuple(cfg.small_lag), "tuned_A": selected["A"], "tuned_B": selected["B"]}
    test_window = Window("closed_loop", cfg.n_train, (cfg.n_train, cfg.n_train + cfg.n_test))
    final_cells = [
        FitCell(training, name, h, p, r, test_window)
        for name, (h, p) in finals.items()
        for r in range(cfg.repetitions)
    ]
    final_results = ctx.map(fit_cell, final_cells, desc="final models on all training data")
    paired = list(zip(final_cells, final_results, strict=True))
    forecasts = {name: np.array([res["prediction"] for cell, res in paired if cell.group == name])
                 for name in finals}  # fmt: skip

    _plot_windows(ctx, cfg, train)
    _plot_tuning(ctx, cfg, scores, selected)
    _plot_forecasts(ctx, cfg, finals, forecasts, test)
    test_metrics = {name: {"h": h, "p": p, **forecast_errors(forecasts[name], test)}
                    for name, (h, p) in finals.items()}  # fmt: skip
    ctx.write_table("test_forecast_error", [
        {"model": name, "h": m["h"], "p": m["p"], "test RMSE mean": m["test_rmse_mean"],
         "test RMSE std": m["test_rmse_std"], "test MSE mean": m["test_mse_mean"]}
        for name, m in test_metrics.items()
    ])  # fmt: skip
    return {
        "standardisation": {"train_mean": float(train.mean()), "train_std": float(train.std(ddof=1))},
        **{f"tuning_{name}": {"h": h, "p": p, "val_mse": float(scores[name].min()),
                              "grid": _grid_metrics(cfg, cells, results, name, scores[name])}
           for name, (h, p) in selected.items()},
        "test": test_metrics,
    }  # fmt: skip


def _check_config(cfg: MLPSantaFeConfig) -> None:
    if len(cfg.small_lag) != 2:
        raise ConfigError(f"key 'small_lag': expected [h, p], got {cfg.small_lag}")
    window = cfg.validation_window
    if len(window) != 2 or not (max(cfg.lag_grid) + 10 < window[0] < window[1] <= cfg.n_train):
        raise ConfigError(
            f"key 'validation_window': expected [start, stop] with max lag + 10 < start < stop "
            f"<= n_train, got {window}"
        )


def _validation_window(cfg: MLPSantaFeConfig, tuning: str, p: int) -> Window:
    """What a tuning cell fits and scores.

    A: the final fraction of the lag samples is scored one step ahead. As a block (MATLAB's divideblock)
    the model is trained on the whole training series with that final block as its early-stopping
    validation set; as random, it is fitted on the part before the block, split by ``division``.
    B: the model is fitted before the validation window and forecasts it in closed loop.
    """
    if tuning == "A":
        n_samples = cfg.n_train - p
        split = p + n_samples - int(round(cfg.open_loop_fraction * n_samples))
        if cfg.tuning_a_division == "block":
            return Window("open_loop", cfg.n_train, (split, cfg.n_train), validation_start=split)
        return Window("open_loop", split, (split, cfg.n_train))
    start, stop = cfg.validation_window
    return Window("closed_loop", start, (start, stop))


def _grid_scores(cfg: MLPSantaFeConfig, cells: list[FitCell], results: list[dict], tuning: str) -> np.ndarray:
    """(len(hidden_grid), len(lag_grid)) validation MSE of one tuning, aggregated over repetitions."""
    mses = np.array([res["mse"] for cell, res in zip(cells, results, strict=True)
                     if cell.group == tuning])  # fmt: skip
    combine = np.mean if cfg.aggregate == "mean" else np.median
    return combine(mses.reshape(len(cfg.hidden_grid), len(cfg.lag_grid), cfg.repetitions), axis=2)


def _grid_metrics(cfg: MLPSantaFeConfig, cells: list[FitCell], results: list[dict], tuning: str,
                  scores: np.ndarray) -> dict:
    """Every (h, p) of one tuning, row-major over (hidden_grid, lag_grid): its aggregated validation MSE and
    the std (ddof 0) over repetitions, for judging the chosen (h, p) against the spread."""
    mses = np.array([res["mse"] for cell, res in zip(cells, results, strict=True) if cell.group == tuning])
    std = mses.reshape(len(cfg.hidden_grid), len(cfg.lag_grid), cfg.repetitions).std(axis=2)
    return {"h": [int(h) for h in cfg.hidden_grid for _ in cfg.lag_grid],
            "p": [int(p) for _ in cfg.hidden_grid for p in cfg.lag_grid],
            "val_mse": [float(v) for v in scores.ravel()], "val_mse_std": [float(v) for v in std.ravel()]}


def _argmin_config(cfg: MLPSantaFeConfig, scores: np.ndarray) -> tuple[int, int]:
    i, j = np.unravel_index(np.argmin(scores), scores.shape)
    return cfg.hidden_grid[i], cfg.lag_grid[j]


def _plot_windows(ctx, cfg: MLPSantaFeConfig, train: np.ndarray) -> None:
    """The training series with tuning B's closed-loop validation window (the report's Figure 2.3)."""
    fig, ax = plotting.subplots(1, 1, width=8.0, height=3.0)
    t = np.arange(train.size)
    start, stop = cfg.validation_window
    ax.plot(t, train, color="k", lw=0.7, label="training series")
    ax.axvspan(
        start,
        stop,
        color="tab:orange",
        alpha=0.3,
        label=f"tuning B window [{start}, {stop}): forecast by a model fitted on [0, {start})",
    )
    ax.axvspan(
        round(cfg.n_train * (1 - cfg.open_loop_fraction)),
        cfg.n_train,
        color="tab:blue",
        alpha=0.12,
        label=f"tuning A: last {cfg.open_loop_fraction:.0%} (one block), one step ahead",
    )
    ax.set(
        xlabel="time step",
        ylabel="laser intensity (original units)",
        title="Santa Fe training series and the two validation sets",
    )
    ax.set_ylim(top=train.max() * 1.5)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    data = {
        "time step": t,
        "training series (original units)": train,
        "tuning B window start, stop (time step)": [start, stop],
        "tuning A window start, stop (time step)": [round(cfg.n_train * (1 - cfg.open_loop_fraction)), cfg.n_train],
    }
    ctx.save_figure(fig, "santafe_validation_windows", data=data)


def _plot_tuning(ctx, cfg: MLPSantaFeConfig, scores: dict, selected: dict) -> None:
    fig, axes = plotting.subplots(1, 2, width=4.4, height=3.6)
    titles = {"A": f"A: open-loop MSE, last {cfg.open_loop_fraction:.0%}", "B": "B: closed-loop MSE, validation window"}
    for ax, name in zip(axes, ("A", "B"), strict=True):
        log_scores = np.log10(scores[name])
        im = ax.imshow(log_scores, origin="lower", cmap="viridis_r")
        middle = (log_scores.min() + log_scores.max()) / 2
        for (i, j), value in np.ndenumerate(scores[name]):
            ax.text(
                j,
                i,
                f"{value:,.0f}" if value >= 100 else f"{value:.3g}",
                ha="center",
                va="center",
                fontsize=8,
                color="w" if log_scores[i, j] > middle else "k",
            )
        ax.set_xticks(range(len(cfg.lag_grid)), [str(p) for p in cfg.lag_grid])
        ax.set_yticks(range(len(cfg.hidden_grid)), [str(h) for h in cfg.hidden_grid])
        ax.grid(False)
        h, p = selected[name]
        chosen = (cfg.lag_grid.index(p) - 0.5, cfg.hidden_grid.index(h) - 0.5)
        ax.add_patch(plotting.plt.Rectangle(chosen, 1, 1, fill=False, ec="red", lw=2.5, clip_on=False))
        ax.set(
            xlabel="lag p",
            ylabel="hidden units h",
            title=f"Tuning {titles[name]}\n({cfg.aggregate} of {cfg.repetitions}; red box: chosen h={h}, p={p})",
        )
        fig.colorbar(im, ax=ax, label="log10 validation MSE (intensity²)")
    grid = [(h, p) for h in cfg.hidden_grid for p in cfg.lag_grid]  # row-major, as scores[name] is
    data = {"hidden units h": [h for h, _ in grid], "lag p": [p for _, p in grid]} | {
        f"tuning {name} validation MSE (intensity²)": np.asarray(scores[name]).ravel() for name in ("A", "B")
    }
    ctx.save_figure(fig, "santafe_mlp_tuning_grids", data=data)


def _plot_forecasts(ctx, cfg: MLPSantaFeConfig, finals: dict, forecasts: dict, test: np.ndarray) -> None:
    """Closed-loop test forecasts of every repetition against the truth, one panel per configuration."""
    fig, axes = plotting.subplots(1, len(finals), width=4.4, height=3.4, sharey=True)
    labels = {
        "small_lag": "small lag",
        "tuned_A": "tuning A (open loop)",
        "tuned_B": "tuning B (closed loop)",
    }
    t = np.arange(cfg.n_train, cfg.n_train + cfg.n_test)
    limits = plotting.forecast_limits(test)
    data = {"time step": t, "truth (original units)": test}
    for ax, (name, (h, p)) in zip(axes, finals.items(), strict=True):
        data |= {f"{name} h={h} p={p} repetition {r} forecast (original units)": f
                 for r, f in enumerate(forecasts[name])}
        rmse = plotting.forecast_panel(ax, t, test, forecasts[name], colour="C0", label="closed-loop forecast",
                                       limits=limits)
        ax.set(
            xlabel="time step",
            title=f"{labels[name]}: h={h}, p={p}\ntest RMSE {plotting.mean_spread(rmse)}",
        )
    axes[0].set_ylim(*limits)
    axes[0].set_ylabel("laser intensity (original units)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2, fontsize=8)
    ctx.save_figure(fig, "santafe_mlp_closed_loop_forecasts", data=data)
