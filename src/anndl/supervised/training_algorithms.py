"""§1.1.1 The six MATLAB training algorithms on sin(x²): training time and train MSE.

A 1-H-1 tanh network is trained on x = 0:dx:3π with noiseless and with noisy targets. Within a
repetition every algorithm starts from the same Nguyen–Widrow weights and sees the same noise.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.regression import SIN_DATASETS, SinSquaredData, noisy, sin_squared, sin_squared_grid
from anndl.nn.feedforward.classic import REPORT_ALGORITHMS, AlgorithmName, check_algorithms, resolve_algorithm
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class TrainingAlgorithmsConfig(ExperimentConfig):
    algorithms: list[AlgorithmName] = param(list(REPORT_ALGORITHMS))
    """Algorithms compared (anndl or MATLAB names), each with MATLAB's default parameters."""
    hidden_units: int = param(50, ge=1)
    """Hidden tanh units of the 1-H-1 network (report: 50)."""
    epochs: int = param(500, ge=1)
    """Training epochs per run (report: 500)."""
    repetitions: int = param(20, ge=1)
    """Repetitions, each from new initial weights and noise (report: 20)."""
    dx: float = param(0.01, gt=0, le=1)
    """Spacing of the training inputs on [0, 3π] (report: 0.01, i.e. 943 points)."""
    noise_std: float = param(0.2, ge=0)
    """Standard deviation of the noise added to the noisy targets (report: 0.2)."""
    batch_repetitions: bool = False
    """Train the repetitions of gd, gdx, lm and br together (train_many; same MSEs). Their times
    are then the batch's wall time per network, not comparable with one-by-one cgf and bfg, so
    false (one network at a time, as the report timed them) where the times are the point."""

    def __post_init__(self):
        check_algorithms(self.algorithms)


def sin_squared_data(dx: float, noise_std: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """Training inputs x (N,), targets (N,) with noise drawn from ``seed``, and a generator
    for the initial weights that does not depend on the noise level."""
    noise_seq, weight_seq = np.random.SeedSequence(seed).spawn(2)
    x = sin_squared_grid(dx)
    return (
        x,
        noisy(sin_squared(x), noise_std, np.random.default_rng(noise_seq)),
        np.random.default_rng(weight_seq),
    )


@dataclasses.dataclass(frozen=True)
class Training:
    """One algorithm training a 1-H-1 tanh network for ``epochs`` epochs."""

    algorithm: str
    hidden_units: int
    epochs: int


@dataclasses.dataclass(frozen=True)
class RunCell:
    """One algorithm on one repetition's data; the weights and noise come from ``init_seed``."""

    training: Training
    data: SinSquaredData
    repetition: int
    init_seed: int
    seed: int | None = None


@dataclasses.dataclass(frozen=True)
class RepetitionsCell:
    """One algorithm on every repetition's data (one ``init_seeds`` entry each), trained together."""

    training: Training
    data: SinSquaredData
    init_seeds: tuple[int, ...]
    seed: int | None = None


def train_one(cell: RunCell) -> dict:
    """One algorithm on one repetition's data; the weights and noise come from ``init_seed``."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.training import train

    training = cell.training
    x, t, weight_rng = sin_squared_data(cell.data.dx, cell.data.noise_std, cell.init_seed)
    net = MLP.create([1, training.hidden_units, 1], x, t, weight_rng)
    start = time.perf_counter()
    _, history = train(net, x, t, algorithm=training.algorithm, epochs=training.epochs)
    return _result(history, time.perf_counter() - start)


def train_repetitions(cell: RepetitionsCell) -> dict:
    """One algorithm on the repetitions of ``init_seeds``, trained together; {"runs": [one
    train_one result per repetition]}, each with the batch's wall time per network."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.train_many import train_many

    training = cell.training
    data = [sin_squared_data(cell.data.dx, cell.data.noise_std, seed) for seed in cell.init_seeds]
    nets = [MLP.create([1, training.hidden_units, 1], x, t, rng) for x, t, rng in data]
    start = time.perf_counter()
    trained = train_many(nets, data[0][0], [t for _, t, _ in data], algorithm=training.algorithm,
                         epochs=training.epochs)  # fmt: skip
    seconds = (time.perf_counter() - start) / len(nets)
    return {"runs": [_result(history, seconds) for _, history in trained]}


def _result(history, seconds: float) -> dict:
    return {
        "train_mse": history.loss[-1],
        "seconds": seconds,
        "epochs": history.epochs,
        "evaluations_per_epoch": history.evaluations_per_epoch,
        "loss_curve": np.asarray(history.loss),
        "stop_reason": history.stop_reason,
        "gamma": history.gamma[-1],
        "diverged": history.diverged,
    }


@experiment(
    "training_algorithms",
    TrainingAlgorithmsConfig,
    "Six MATLAB training algorithms on sin(x²): time and MSE (§1.1.1)",
)
def run(cfg: TrainingAlgorithmsConfig, ctx) -> dict:
    algorithms = [resolve_algorithm(a) for a in cfg.algorithms]
    init_seeds = tuple(ctx.child_seed() for _ in range(cfg.repetitions))
    data = {d: SinSquaredData.of(d, cfg.dx, cfg.noise_std) for d in SIN_DATASETS}
    trainings = {a: Training(a, cfg.hidden_units, cfg.epochs) for a in algorithms}
    grouped: dict[tuple[str, str], list[dict]] = {}
    if cfg.batch_repetitions:
        cells = [RepetitionsCell(trainings[a], data[d], init_seeds) for d in SIN_DATASETS for a in algorithms]
        results = ctx.map(train_repetitions, cells, desc="training runs (repetitions batched)")
        for cell, res in zip(cells, results, strict=True):
            grouped[cell.data.dataset, cell.training.algorithm] = res["runs"]
    else:
        cells = [
            RunCell(trainings[a], data[d], r, init_seeds[r])
            for r in range(cfg.repetitions) for d in SIN_DATASETS for a in algorithms
        ]  # fmt: skip
        results = ctx.map(train_one, cells, desc="training runs")
        for cell, res in zip(cells, results, strict=True):
            grouped.setdefault((cell.data.dataset, cell.training.algorithm), []).append(res)
    summary = {d: {a: _summarise(grouped[d, a]) for a in algorithms} for d in SIN_DATASETS}
    curves = {d: {a: [res["loss_curve"] for res in grouped[d, a] if not res["diverged"]] for a in algorithms}
              for d in SIN_DATASETS}
    rows = [
        {"dataset": d, "algorithm": a, **summary[d][a],
         "stop_reasons": "; ".join(sorted({res["stop_reason"] for res in grouped[d, a]}))}
        for d in SIN_DATASETS for a in algorithms
    ]  # fmt: skip
    ctx.write_table("training_algorithms_summary", rows)
    _plot_bars(ctx, summary, grouped, algorithms, cfg)
    _plot_curves(ctx, curves, algorithms, cfg)
    return {**summary, "ordering": _ordering(summary, algorithms)}


def _summarise(runs: list[dict]) -> dict:
    """Mean ± std of the train MSE and training time of one algorithm's repetitions that did not
    diverge (NaN when all did), how many did, the median time per epoch and the mean network
    evaluations per epoch (line searches included) over all of them."""
    kept = [res for res in runs if not res["diverged"]]
    mse = np.array([res["train_mse"] for res in kept])
    seconds = np.array([res["seconds"] for res in kept])
    per_epoch = np.array([res["seconds"] for res in runs]) / np.maximum([res["epochs"] for res in runs], 1)
    if not kept:
        mse = seconds = np.full(1, np.nan)
    return {
        "train_mse_mean": float(mse.mean()),
        "train_mse_std": float(mse.std()),
        "train_mse_median": float(np.median(mse)),
        "seconds_mean": float(seconds.mean()),
        "seconds_std": float(seconds.std()),
        "ms_per_epoch": float(1e3 * np.median(per_epoch)),  # median: robust to a busy machine
        "function_evaluations_per_epoch": float(np.nanmean([res["evaluations_per_epoch"] for res in runs])),
        "diverged_runs": len(runs) - len(kept),
    }


def _ordering(summary: dict, algorithms: list[str]) -> dict:
    """The report's claims as numbers: how far lm/br are below gd/gdx, and the fastest per epoch."""
    out = {}
    for d, per_algo in summary.items():
        fastest = min(algorithms, key=lambda a: per_algo[a]["ms_per_epoch"])
        out[f"{d}_fastest_per_epoch"] = fastest
        if "gd" in per_algo:  # gd and gdx do the same work per epoch: a ratio near 1 is a tie
            out[f"{d}_gd_time_per_epoch_over_fastest"] = (
                per_algo["gd"]["ms_per_epoch"] / per_algo[fastest]["ms_per_epoch"]
            )
        second_order = [per_algo[a]["train_mse_mean"] for a in ("lm", "br") if a in per_algo]
        first_order = [per_algo[a]["train_mse_mean"] for a in ("gd", "gdx") if a in per_algo]
        if second_order and first_order:
            out[f"{d}_log10_gap_lm_br_below_gd_gdx"] = float(np.log10(min(first_order) / max(second_order)))
    return out


def _plot_bars(ctx, summary: dict, grouped: dict, algorithms: list[str], cfg: TrainingAlgorithmsConfig) -> None:
    """Dot plots of training time and final train MSE: each repetition a small grey dot, the median a large
    dot with a line over the interquartile range (on a log axis for the MSE: an interval that stays positive,
    unlike mean ± std when std > mean)."""
    fig, axes = plotting.subplots(2, 2, squeeze=False)
    pos = np.arange(len(algorithms))
    data: dict[str, list] = {"algorithm": list(algorithms)}
    for row, d in enumerate(SIN_DATASETS):
        ax_time, ax_mse = axes[row]
        for ax, key in ((ax_time, "seconds"), (ax_mse, "train_mse")):
            kept = [np.array([r[key] for r in grouped[d, a] if not r["diverged"]], dtype=float) for a in algorithms]
            quartiles = np.array([np.percentile(v, [25, 50, 75]) if v.size else [np.nan] * 3 for v in kept])
            for p, values in zip(pos, kept, strict=True):
                jitter = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(values.size)
                ax.plot(p + jitter, values, "o", ms=2.5, color="0.6", zorder=1,
                        label="one repetition" if p == 0 else "_")
            spread = [quartiles[:, 1] - quartiles[:, 0], quartiles[:, 2] - quartiles[:, 1]]
            ax.errorbar(pos, quartiles[:, 1], yerr=spread,
                        fmt="o", ms=6, color="C0", capsize=4, lw=1.5, zorder=2, label="median, IQR")
            name = "training time (s)" if key == "seconds" else "train MSE"
            data |= {f"{d} {name} 25th percentile": quartiles[:, 0].tolist(),
                     f"{d} {name} median": quartiles[:, 1].tolist(),
                     f"{d} {name} 75th percentile": quartiles[:, 2].tolist()}
        data[f"{d} diverged runs"] = [summary[d][a]["diverged_runs"] for a in algorithms]
        ax_time.set(ylabel=f"training time for {cfg.epochs} epochs (s)", title=f"{d} targets: training time")
        ax_time.set_ylim(bottom=0)
        ax_mse.set_title(f"{d} targets: train MSE")
        plotting.log_y_if_positive(ax_mse, [summary[d][a]["train_mse_median"] for a in algorithms])
        ax_mse.set_ylabel("train MSE (log scale)" if ax_mse.get_yscale() == "log" else "train MSE")
        for p, a in zip(pos, algorithms, strict=True):
            plotting.mark_diverged(ax_mse, p, summary[d][a]["train_mse_median"], summary[d][a]["diverged_runs"],
                                  statistic="median")
        plotting.dense_log_ticks(ax_mse)
        for ax in (ax_time, ax_mse):
            ax.set_xticks(pos, algorithms)
            ax.set_xlabel("training algorithm")
            ax.set_xlim(-0.5, len(algorithms) - 0.5)
    axes[0, 1].legend(loc="upper right", fontsize=8)
    fig.suptitle(f"1-{cfg.hidden_units}-1 tanh net on sin(x²): median and IQR over {cfg.repetitions} repetitions "
                 "(diverged runs left out)", fontsize=10)
    ctx.save_figure(fig, "training_time_and_train_mse_by_algorithm", data=data)


CURVE_STYLE = {"lm": {"linestyle": "--", "lw": 2.0}, "br": {"linestyle": ":", "lw": 2.2}}
"""lm and br end on the same curve on noisy targets: a dash pattern tells them apart where colours overlap."""


def _plot_curves(ctx, curves: dict, algorithms: list[str], cfg: TrainingAlgorithmsConfig) -> None:
    """Median and IQR of the loss curves of the runs that did not diverge (``curves`` holds only those)."""
    fig, axes = plotting.subplots(1, 2, squeeze=False)
    data: dict[str, np.ndarray] = {}
    for ax, d in zip(axes[0], SIN_DATASETS, strict=True):
        for i, a in enumerate(algorithms):
            if not curves[d][a]:
                continue
            length = max(len(c) for c in curves[d][a])
            padded = np.array([np.pad(c, (0, length - len(c)), mode="edge") for c in curves[d][a]])
            median = np.median(padded, axis=0)
            lo, hi = np.percentile(padded, [25, 75], axis=0)
            epochs = np.arange(length)
            ax.plot(epochs, median, color=f"C{i}", label=a, **CURVE_STYLE.get(a, {}))
            ax.fill_between(epochs, lo, hi, color=f"C{i}", alpha=0.2, lw=0)
            if len(epochs) > len(data.get("epoch", ())):
                data["epoch"] = epochs
            data |= {f"{d} {a} train MSE median": median, f"{d} {a} train MSE 25th percentile": lo,
                     f"{d} {a} train MSE 75th percentile": hi}
        ax.set(
            xlabel="epoch",
            ylabel="train MSE",
            title=f"{d} targets: train MSE per epoch",
        )
        plotting.log_y_if_positive(ax, [c for a in algorithms for curve in curves[d][a] for c in curve])
    if axes[0, 0].lines:  # one legend for both panels, outside them: inside it covered the gd/gdx curves
        fig.legend(handles=axes[0, 0].get_lines(), loc="outside right center", title="algorithm")
    fig.suptitle(f"median and interquartile range over {cfg.repetitions} repetitions (diverged runs left out)",
                 fontsize=10)
    ctx.save_figure(fig, "train_mse_vs_epoch_by_algorithm", data={"epoch": data.pop("epoch", []), **data})
