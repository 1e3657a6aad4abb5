"""Session 2 (2024 course) time-series notebook with the 2026 ablation: lagged MLP, SimpleRNN and
stateful LSTM on Santa Fe and Mackey-Glass, (lag, H) chosen by time-series cross-validation, then a
closed-loop forecast of the test points with spread over repetitions; an EDA panel per series.

Cross-validation: scikit-learn's ``TimeSeriesSplit(n_splits=folds, test_size=validation_size,
gap=lag)`` over the training series' lag-matrix rows. Each fold is standardised with the statistics of
its own training part only, and with gap = lag no validation window reads a training target. The
score is the one-step validation MSE in the series' raw units.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.registry import experiment

Series = Literal["santafe", "mackey_glass"]
Model = Literal["mlp", "rnn", "lstm"]
MODEL_NAMES = {"mlp": "lagged MLP", "rnn": "SimpleRNN", "lstm": "stateful LSTM"}
MODEL_COLOURS = {"mlp": "tab:blue", "rnn": "tab:green", "lstm": "tab:red"}


@dataclasses.dataclass(kw_only=True)
class ForecastingCVConfig(ExperimentConfig):
    series: list[Series] = param(["santafe", "mackey_glass"])
    """Series: Santa Fe A (shipped) and Mackey-Glass (generated, tau 30)."""
    santafe_path: str | None = None
    """A one-value-per-line series file for "santafe"; null: the shipped laser series."""
    santafe_split: list[int] = param([1000, 100], ge=1)
    """Santa Fe training and test points (the course: 1000 and the 100 that follow)."""
    mackey_glass_split: list[int] = param([1200, 200], ge=1)
    """Mackey-Glass training and test points (the course: 1200 and 200 of 1500 generated)."""
    models: list[Model] = param(["mlp", "rnn", "lstm"])
    """Forecasters compared."""
    lags: list[int] = param([10, 20], ge=1)
    """Lags p of the grid."""
    hidden: list[int] = param([20], ge=1)
    """Hidden units H of the grid."""
    default_lag: int = param(10, ge=1)
    """The course's default lag (also fitted on the test, beside the CV choice)."""
    default_hidden: int = param(20, ge=1)
    """The course's default hidden units."""
    folds: int = param(4, ge=1)
    """TimeSeriesSplit folds (the course: 4)."""
    validation_size: int = param(100, ge=1)
    """Validation targets per fold (the course: 100)."""
    mlp_epochs: int = param(200, ge=1)
    """MLP epochs (Adam, shuffled batches of 32; the course: 200)."""
    mlp_batch_size: int = param(32, ge=1)
    """MLP samples per step (Keras's default 32)."""
    mlp_lr: float = param(0.01, gt=0)
    """MLP learning rate (the course: 0.01)."""
    recurrent_epochs: int = param(10, ge=1)
    """SimpleRNN and stateful LSTM epochs, one weight update per window (the course: 150)."""
    recurrent_lr: float = param(1e-3, gt=0)
    """SimpleRNN and LSTM learning rate (Adam; the course: 1e-3)."""
    repetitions: int = param(2, ge=1)
    """Trainings (seeds) of each chosen and default model on the whole training series."""
    eda_lags: int = param(60, ge=2)
    """Lags of the ACF and PACF panels."""


@dataclasses.dataclass(frozen=True)
class FitCell:
    """One training of one model: a CV fold (fold >= 0) or a final fit on the whole training series."""

    series: str
    model: str
    lag: int
    hidden: int
    fold: int
    repetition: int
    cfg: ForecastingCVConfig
    seed: int | None = None


def load_series(cfg: ForecastingCVConfig, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(training part, test part) of series ``name`` in raw units."""
    from anndl.data import santafe
    from anndl.data.mackey_glass import mackey_glass
    from anndl.data.paths import resolve

    if name == "santafe":
        raw = santafe.load_series(None if cfg.santafe_path is None else resolve(cfg.santafe_path, "series file"))
        return santafe.train_test_split(raw, *cfg.santafe_split)
    n_train, n_test = cfg.mackey_glass_split
    raw = mackey_glass(n_train + n_test)
    return raw[:n_train].copy(), raw[n_train:].copy()


def folds(n_rows: int, cfg: ForecastingCVConfig, lag: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """TimeSeriesSplit(n_splits=folds, test_size=validation_size, gap=lag) over lag-matrix rows."""
    from sklearn.model_selection import TimeSeriesSplit

    splitter = TimeSeriesSplit(n_splits=cfg.folds, test_size=cfg.validation_size, gap=lag)
    return list(splitter.split(np.zeros((n_rows, 1))))


def _fit(model: str, X: np.ndarray, y: np.ndarray, hidden: int, cfg: ForecastingCVConfig, seed: int):
    import torch

    from anndl.nn.recurrent.lagged_torch import fit_lagged_mlp_torch
    from anndl.nn.recurrent.stateful import StatefulForecaster, train_stateful

    if model == "mlp":
        return fit_lagged_mlp_torch(X, y, hidden, cfg.mlp_epochs, cfg.mlp_lr, cfg.mlp_batch_size, seed)
    torch.manual_seed(seed)
    net = StatefulForecaster(model, hidden)
    train_stateful(net, X, y, cfg.recurrent_epochs, cfg.recurrent_lr)
    return net


def _one_step(model: str, net, X: np.ndarray) -> np.ndarray:
    """One-step predictions for every window of X (N, p), in order (stateful models carry their state)."""
    import torch

    from anndl.nn.recurrent.lagged_torch import mlp_one_step

    if model == "mlp":
        return mlp_one_step(net, X)
    with torch.no_grad():
        net.eval()
        state, out = None, np.empty(len(X))
        for i, window in enumerate(torch.as_tensor(X, dtype=torch.float32)):
            y, state = net(window[None], state)
            out[i] = float(y[0])
    return out


def fit_cell(cell: FitCell) -> dict:
    """A CV fold's validation MSE (raw units), or a final fit's closed-loop test forecast and MSE."""
    from anndl.data.santafe import Standardiser
    from anndl.nn.recurrent.forecasting import lag_matrix
    from anndl.nn.recurrent.lagged_torch import mlp_forecast
    from anndl.nn.recurrent.stateful import stateful_forecast

    cfg = cell.cfg
    train, test = load_series(cfg, cell.series)
    X, y = lag_matrix(train, cell.lag)  # raw units; row i predicts train[lag + i]
    if cell.fold >= 0:
        rows_train, rows_val = folds(len(y), cfg, cell.lag)[cell.fold]
        scaler = Standardiser.fit(train[: cell.lag + rows_train[-1] + 1])  # the fold's training part only
        Xs, ys = scaler.transform(X), scaler.transform(y)
        net = _fit(cell.model, Xs[rows_train], ys[rows_train], cell.hidden, cfg, cell.seed)
        predictions = _one_step(cell.model, net, Xs[: rows_val[-1] + 1])[rows_val]
        return {"val_mse": float(np.mean((scaler.inverse(predictions) - y[rows_val]) ** 2))}
    scaler = Standardiser.fit(train)
    net = _fit(cell.model, scaler.transform(X), scaler.transform(y), cell.hidden, cfg, cell.seed)
    history = scaler.transform(train)
    forecast_fn = mlp_forecast if cell.model == "mlp" else stateful_forecast
    forecast = scaler.inverse(forecast_fn(net, history, len(test), cell.lag))
    return {"forecast": forecast.tolist(), "test_mse": float(np.mean((forecast - test) ** 2))}


def check_data(cfg: ForecastingCVConfig) -> None:
    """The Santa Fe file (when named) loads and is long enough for the split."""
    if "santafe" in cfg.series:
        load_series(cfg, "santafe")


@experiment("forecasting_cv", ForecastingCVConfig,
            "Lagged MLP, SimpleRNN and stateful LSTM on Santa Fe and Mackey-Glass, (lag, H) by time-series CV, "
            "with EDA (2024 course, session 2)", check_data=check_data)
def run(cfg: ForecastingCVConfig, ctx) -> dict:
    grid = [(lag, h) for lag in cfg.lags for h in cfg.hidden]
    cv_cells = [FitCell(s, m, lag, h, f, 0, cfg) for s in cfg.series for m in cfg.models for lag, h in grid
                for f in range(cfg.folds)]
    cv = ctx.map(fit_cell, cv_cells, desc="CV folds")
    scores: dict = {}
    for cell, res in zip(cv_cells, cv, strict=True):
        scores.setdefault((cell.series, cell.model), {}).setdefault((cell.lag, cell.hidden), []).append(res["val_mse"])
    chosen = {key: min(by_config, key=lambda c: np.mean(by_config[c])) for key, by_config in scores.items()}
    default = (cfg.default_lag, cfg.default_hidden)
    finals = [FitCell(s, m, lag, h, -1, r, cfg) for (s, m), best in chosen.items()
              for lag, h in dict.fromkeys([best, default]) for r in range(cfg.repetitions)]
    results = ctx.map(fit_cell, finals, desc="final fits")
    fits: dict = {}
    for cell, res in zip(finals, results, strict=True):
        fits.setdefault((cell.series, cell.model, cell.lag, cell.hidden), []).append(res)

    metrics: dict = {}
    for series in cfg.series:
        train, test = load_series(cfg, series)
        metrics[series] = {"eda": _eda(train), "n_train": len(train), "n_test": len(test)}
        for model in cfg.models:
            best = chosen[(series, model)]
            entry = {"cv_mse": {f"lag_{lag}_h_{h}": float(np.mean(v)) for (lag, h), v in
                                scores[(series, model)].items()},
                     "chosen_lag": best[0], "chosen_hidden": best[1]}
            for name, config in (("chosen", best), ("default", default)):
                mses = np.array([r["test_mse"] for r in fits[(series, model, *config)]])
                entry.update({f"{name}_test_mse_mean": float(mses.mean()), f"{name}_test_mse_std": float(mses.std()),
                              f"{name}_test_mse_per_repetition": mses.tolist()})
            metrics[series][model] = entry
    _plot_eda(ctx, cfg)
    _plot_cv(ctx, cfg, scores, chosen)
    _plot_forecasts(ctx, cfg, chosen, fits)
    return metrics


def _eda(train: np.ndarray) -> dict:
    """ADF test (statsmodels, AIC lag choice), lag-1 autocorrelation and the dominant period."""
    import warnings

    from statsmodels.tsa.stattools import acf, adfuller

    with warnings.catch_warnings():  # statsmodels 0.15 announces a result object; the tuple is read here
        warnings.simplefilter("ignore", FutureWarning)
        statistic, pvalue, *_ = adfuller(train, autolag="AIC")
    frequencies, power = _spectrum(train)
    return {"adf_statistic": float(statistic), "adf_pvalue": float(pvalue),
            "acf_lag1": float(acf(train, nlags=1, fft=True)[1]),
            "dominant_period": float(1.0 / frequencies[1:][np.argmax(power[1:])])}


def _spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.signal import periodogram

    return periodogram(x - np.mean(x), detrend=False)


def _plot_eda(ctx, cfg: ForecastingCVConfig) -> None:
    from statsmodels.tsa.stattools import acf, pacf

    fig, axes = plotting.subplots(len(cfg.series), 4, width=3.4, height=2.6, squeeze=False)
    data = {}
    for row, series in zip(axes, cfg.series, strict=True):
        train, _ = load_series(cfg, series)
        eda = _eda(train)
        row[0].plot(train, color="k", lw=0.6)
        row[0].set(xlabel="time step", ylabel="value (raw units)",
                   title=f"{series}: ADF p = {eda['adf_pvalue']:.2g}")
        lags = min(cfg.eda_lags, len(train) // 2 - 1)
        band = 1.96 / np.sqrt(len(train))
        for ax, values, name in ((row[1], acf(train, nlags=lags, fft=True), "ACF"),
                                 (row[2], pacf(train, nlags=lags, method="ywm"), "PACF")):
            ax.fill_between([0, lags], -band, band, color="tab:blue", alpha=0.2, lw=0, label="±1.96/√n")
            ax.vlines(np.arange(lags + 1), 0, values, color="k", lw=1)
            ax.set(xlabel="lag (time steps)", ylabel=name, title=f"{series}: {name}")
            ax.legend(fontsize=7)
            data[f"{series} {name}"] = values
        frequencies, power = _spectrum(train)
        row[3].semilogy(frequencies[1:], power[1:], color="k", lw=0.7)
        row[3].set(xlabel="frequency (cycles per time step)", ylabel="power",
                   title=f"{series}: period {eda['dominant_period']:.1f} steps")
        data[f"{series} frequency"], data[f"{series} power"] = frequencies, power
    ctx.save_figure(fig, "forecasting_cv_eda_acf_pacf_spectrum", data=data)


def _plot_cv(ctx, cfg: ForecastingCVConfig, scores: dict, chosen: dict) -> None:
    fig, axes = plotting.subplots(1, len(cfg.series), width=4.8, height=3.6, squeeze=False)
    data: dict = {"series": [], "model": [], "lag": [], "hidden": [], "cv mse mean": [], "cv mse std": [],
                  "cv mse min": [], "cv mse max": []}
    for ax, series in zip(axes[0], cfg.series, strict=True):
        configs = [(lag, h) for lag in cfg.lags for h in cfg.hidden]
        x = np.arange(len(configs))
        for k, model in enumerate(cfg.models):
            values = [scores[(series, model)][c] for c in configs]
            mean, std = np.array([np.mean(v) for v in values]), np.array([np.std(v) for v in values])
            low, high = np.array([np.min(v) for v in values]), np.array([np.max(v) for v in values])
            ax.errorbar(x + 0.1 * (k - 1), mean, yerr=[mean - low, high - mean], fmt="o", ms=4, capsize=3,
                        color=MODEL_COLOURS[model],  # min-max: a positive interval on the log axis
                        label=f"{MODEL_NAMES[model]} (chosen: lag {chosen[(series, model)][0]}, "
                              f"H {chosen[(series, model)][1]})")
            for c, *row in zip(configs, mean, std, low, high, strict=True):
                for key, value in zip(data, (series, model, c[0], c[1], *row), strict=True):
                    data[key].append(value)
        ax.set_yscale("log")
        ax.set_xticks(x, [f"lag {lag}\nH {h}" for lag, h in configs])
        ax.set(ylabel="one-step validation MSE (raw units²)",
               title=f"{series}: {cfg.folds}-fold time-series CV (mean, min–max)")
        ax.legend(fontsize=7)
    ctx.save_figure(fig, "forecasting_cv_validation_mse_by_lag_and_hidden", data=data)


def _plot_forecasts(ctx, cfg: ForecastingCVConfig, chosen: dict, fits: dict) -> None:
    fig, axes = plotting.subplots(len(cfg.series), len(cfg.models), width=3.8, height=2.9, squeeze=False)
    data = {}
    for row, series in zip(axes, cfg.series, strict=True):
        train, test = load_series(cfg, series)
        limits = plotting.forecast_limits(test)
        t = np.arange(len(train), len(train) + len(test))
        data[f"{series} truth"] = test
        for ax, model in zip(row, cfg.models, strict=True):
            lag, h = chosen[(series, model)]
            runs = np.array([r["forecast"] for r in fits[(series, model, lag, h)]])
            plotting.forecast_panel(ax, t, test, runs, colour=MODEL_COLOURS[model], label=MODEL_NAMES[model],
                                    limits=limits)
            mse = np.mean((runs - test) ** 2, axis=1)
            ax.set_ylim(*limits)
            ax.set(xlabel="time step", ylabel="value (raw units)",
                   title=f"{series}, {MODEL_NAMES[model]}\nlag {lag}, H {h}: test MSE {mse.mean():.3g}")
            ax.legend(fontsize=7, loc="upper left")
            for r, forecast in enumerate(runs):
                data[f"{series} {model} repetition {r}"] = forecast
    ctx.save_figure(fig, "forecasting_cv_closed_loop_test_forecasts", data=data)
