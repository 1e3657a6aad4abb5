"""§1.2 The personal regression problem: grid search over architectures with trainlm and early
stopping, then the chosen architecture retrained with trainbr.

The target Tnew mixes T1…T5 with the digits of a student number. The data are the course's
``Data_Problem1_regression.mat`` when ``data_path`` points at it, otherwise the built-in
stand-in of :func:`anndl.data.regression.standin_regression` (a problem of the same kind, not
the course's data). Train, validation and test sets are three disjoint random samples. The
repetitions of one architecture are one cell, trained together by
:func:`~anndl.nn.feedforward.train_many.train_many` (each network as it would be trained alone; their
``seconds`` are the batch's wall time divided by the repetitions).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.regression import load_course_regression, personal_target, standin_regression, three_samples
from anndl.nn.feedforward.classic import AlgorithmName, resolve_algorithm
from anndl.registry import experiment

if TYPE_CHECKING:
    from anndl.nn.feedforward.mlp import MLP

SPLITS = ("train", "val", "test")


@dataclasses.dataclass(kw_only=True)
class PersonalRegressionConfig(ExperimentConfig):
    data_path: str | None = None
    """The course's Data_Problem1_regression.mat (2023) or data.csv (2024); null for the built-in stand-in
    (not the course data)."""
    digits: list[int] = param([8, 8, 7, 5, 1], ge=0, le=9)
    """The five largest digits of the student number, largest first (report: 8, 8, 7, 5, 1)."""
    samples: int = param(1000, ge=10)
    """Points in each of the train, validation and test samples (report: 1000; split three_samples)."""
    split: Literal["three_samples", "course_2024"] = "three_samples"
    """three_samples: the report's three disjoint random samples of ``samples`` points; course_2024: the
    2024 course's 2000 training points (the last 10 %, 200, held out for validation and early stopping,
    as Keras's validation_split 0.1) and 1000 test points, drawn at random."""
    hidden_layers: list[int] = param([1, 2, 3], ge=1, le=5)
    """Numbers of equal hidden layers searched (report: 1-3)."""
    max_units: int = param(30, ge=1)
    """Largest number of units per hidden layer searched (report: 30)."""
    units_step: int = param(5, ge=1)
    """Grid step of the units per layer: step, 2*step, ..., max_units (1 searches 1...30)."""
    repetitions: int = param(5, ge=1)
    """Trainings per architecture; the grid compares mean validation MSE (report: 5)."""
    epochs: int = param(1000, ge=1)
    """Maximum trainlm epochs in the grid search (report: 1000)."""
    max_fail: int = param(10, ge=1)
    """Validation checks before early stopping (report: 10)."""
    final_algorithm: AlgorithmName = "br"
    """Algorithm that retrains the chosen architecture from scratch (report: trainbr)."""
    final_epochs: int = param(1000, ge=1)
    """Epochs of the final training."""
    standin_seed: int = param(1, ge=0)
    """Seed that fixes the stand-in's points (like a data file); unused with data_path."""

    def __post_init__(self):
        if len(self.digits) != 5 or any(np.diff(self.digits) > 0):
            raise ValueError(f"digits: need five digits in non-increasing order, got {self.digits}")
        try:
            resolve_algorithm(self.final_algorithm)
        except ValueError as exc:
            raise ValueError(f"final_algorithm: {exc}") from None
        if self.units_step > self.max_units:
            raise ValueError(f"units_step: {self.units_step} is larger than max_units {self.max_units}")

    def units(self) -> list[int]:
        return list(range(self.units_step, self.max_units + 1, self.units_step))


@dataclasses.dataclass(frozen=True)
class Problem:
    """The data of every cell: the course file ``data_path`` (None: the stand-in of ``standin_seed``),
    Tnew's ``digits`` and three disjoint samples of ``samples`` points drawn from ``sample_seed``."""

    data_path: str | None
    standin_seed: int
    digits: tuple[int, ...]
    samples: int
    sample_seed: int
    split: str = "three_samples"

    def sizes(self) -> tuple[int, int, int]:
        """Points in the train, validation and test samples."""
        return COURSE_2024_SIZES if self.split == "course_2024" else (self.samples,) * 3


COURSE_2024_SIZES = (1800, 200, 1000)
"""The 2024 course's split: 2000 training points (1800 fitted, 200 validation) and 1000 test points."""


@dataclasses.dataclass(frozen=True)
class Training:
    """How an architecture is trained: ``max_fail`` validation checks before early stopping (0: none)."""

    algorithm: str
    epochs: int
    max_fail: int


@dataclasses.dataclass(frozen=True)
class ArchitectureCell:
    """``layers`` hidden tanh layers of ``units`` each, trained ``repetitions`` times (train_repetitions)
    or once (train_architecture); ``keep_predictions`` adds the test predictions and trainbr's gamma."""

    problem: Problem
    layers: int
    units: int
    training: Training
    repetitions: int = 1
    keep_predictions: bool = False
    seed: int | None = None


def load_problem(problem: Problem) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Inputs X (3n, 2) and Tnew (3n,) of the three samples stacked, and their index sets."""
    if problem.data_path:
        X, T = load_course_regression(problem.data_path)
    else:
        X, T = standin_regression(seed=problem.standin_seed)
    sizes = problem.sizes()
    picked = three_samples(len(X), sizes, np.random.default_rng(problem.sample_seed))
    order = np.concatenate([picked[k] for k in SPLITS])
    bounds = np.cumsum((0, *sizes))
    sets = {k: np.arange(bounds[i], bounds[i + 1]) for i, k in enumerate(SPLITS)}
    return X[order], personal_target(T[order], problem.digits), sets


def train_repetitions(cell: ArchitectureCell) -> dict:
    """Train one architecture ``repetitions`` times, from the weights of the children of
    SeedSequence(seed), all together; {"runs": [one train_architecture result per repetition]}."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.train_many import train_many

    X, t, sets = load_problem(cell.problem)
    training = cell.training
    sizes = [2, *[cell.units] * cell.layers, 1]
    seeds = np.random.SeedSequence(cell.seed).spawn(cell.repetitions)
    nets = [MLP.create(sizes, X, t, np.random.default_rng(seed)) for seed in seeds]
    start = time.perf_counter()
    trained = train_many(nets, X, t, algorithm=training.algorithm, division=sets, epochs=training.epochs,
                         max_fail=training.max_fail)  # fmt: skip
    seconds = (time.perf_counter() - start) / len(nets)
    return {"runs": [_measure(cell, X, t, sets, *pair, seconds) for pair in trained]}


def train_architecture(cell: ArchitectureCell) -> dict:
    """Train one architecture once, from the weights of default_rng(seed); the MSEs are those
    of the returned network."""
    from anndl.nn.feedforward.mlp import MLP
    from anndl.nn.feedforward.training import train

    X, t, sets = load_problem(cell.problem)
    training = cell.training
    sizes = [2, *[cell.units] * cell.layers, 1]
    net = MLP.create(sizes, X, t, np.random.default_rng(cell.seed))
    start = time.perf_counter()
    trained, history = train(
        net,
        X,
        t,
        algorithm=training.algorithm,
        division=sets,
        epochs=training.epochs,
        max_fail=training.max_fail,
    )
    return _measure(cell, X, t, sets, trained, history, time.perf_counter() - start)


def _measure(cell: ArchitectureCell, X, t, sets, trained: MLP, history, seconds: float) -> dict:
    """Epochs, stop reason and the train / validation / test MSE of one trained network."""
    out = {
        "seconds": seconds,
        "epochs": history.epochs,
        "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
        "n_params": trained.n_params,
    }
    for split in SPLITS:
        y = trained.predict(X[sets[split]])[:, 0]
        out[f"{split}_mse"] = float(np.mean((t[sets[split]] - y) ** 2))
    if cell.keep_predictions:
        out["test_prediction"] = trained.predict(X[sets["test"]])[:, 0]
        out["gamma"] = np.asarray(history.gamma)
    return out


def check_data(cfg: PersonalRegressionConfig) -> None:
    """The course .mat file ``data_path`` names holds X1, X2, T1..T5 of one length (the stand-in needs none)."""
    from anndl.data.regression import load_course_regression

    if cfg.data_path:
        load_course_regression(cfg.data_path)


COURSE_DATA = (CourseFiles({"data_path": "Data_Problem1_regression.mat"}),)
"""Under ``--data DIR``: the course's personal regression data (X1, X2, T1 ... T5)."""


@experiment(
    "personal_regression",
    PersonalRegressionConfig,
    "Personal regression: architecture grid search with trainlm, then trainbr (§1.2)",
    check_data=check_data,
    course_data=COURSE_DATA,
)
def run(cfg: PersonalRegressionConfig, ctx) -> dict:
    problem = Problem(cfg.data_path, cfg.standin_seed, tuple(cfg.digits), cfg.samples, ctx.child_seed(), cfg.split)
    units = cfg.units()
    search = Training("lm", cfg.epochs, cfg.max_fail)
    grid = [ArchitectureCell(problem, L, h, search, cfg.repetitions) for L in cfg.hidden_layers for h in units]
    results = ctx.map(train_repetitions, grid, desc="architecture grid (repetitions batched)")
    val, val_std, rows = _summarise_grid(grid, results, cfg.hidden_layers, units)
    ctx.write_table("personal_regression_grid_validation_mse", rows)
    best_i, best_j = np.unravel_index(np.argmin(val), val.shape)
    layers, width = cfg.hidden_layers[best_i], units[best_j]
    _plot_grid(ctx, val, cfg.hidden_layers, units, (best_i, best_j))

    final_cell = ArchitectureCell(problem, layers, width, Training(cfg.final_algorithm, cfg.final_epochs, 0),
                                  keep_predictions=True)  # fmt: skip
    (final,) = ctx.map(train_architecture, [final_cell], desc=f"final {cfg.final_algorithm}")
    X, t, sets = load_problem(problem)
    _plot_surfaces(ctx, X, t, sets, final["test_prediction"], f"{layers}x{width} tanh, {cfg.final_algorithm}")
    return {
        "data": "course file" if cfg.data_path else "built-in stand-in",
        "chosen": {
            "hidden_layers": int(layers),
            "units": int(width),
            "grid_val_mse_mean": float(val[best_i, best_j]),
        },
        "grid": {  # every architecture searched, row-major over (hidden_layers, units), for the choice's spread
            "hidden_layers": [int(L) for L in cfg.hidden_layers for _ in units],
            "units": [int(h) for _ in cfg.hidden_layers for h in units],
            "val_mse_mean": [float(v) for v in val.ravel()],
            "val_mse_std": [float(v) for v in val_std.ravel()],
        },
        "final": {k: final[k] for k in ("train_mse", "val_mse", "test_mse", "epochs", "stop_reason", "n_params")}
        | {"gamma": float(final["gamma"][-1]), "algorithm": cfg.final_algorithm},
    }


def _summarise_grid(grid: list[ArchitectureCell], results: list[dict], layers: list[int], units: list[int]):
    """Mean and std (ddof 0) of the validation MSE (len(layers), len(units)) over repetitions, and one table
    row per architecture."""
    grouped = {(cell.layers, cell.units): res["runs"] for cell, res in zip(grid, results, strict=True)}
    val = np.array([[np.mean([res["val_mse"] for res in grouped[L, h]]) for h in units] for L in layers])
    val_std = np.array([[np.std([res["val_mse"] for res in grouped[L, h]]) for h in units] for L in layers])
    rows = [
        {"hidden_layers": L, "units": h, "n_params": grouped[L, h][0]["n_params"], "val_mse_mean": float(val[i, j]),
         **{f"{k}_mean": float(np.mean([res[k] for res in grouped[L, h]])) for k in ("train_mse", "epochs", "seconds")}}
        for i, L in enumerate(layers) for j, h in enumerate(units)
    ]  # fmt: skip
    return val, val_std, rows


def _plot_grid(ctx, val: np.ndarray, layers: list[int], units: list[int], best: tuple[int, int]) -> None:
    fig, ax = plotting.subplots(1, 1, width=max(4.0, 0.75 * len(units) + 1.8), height=0.6 * len(layers) + 1.6)
    log_val = np.log10(val)
    image = ax.imshow(log_val, aspect="auto", cmap="viridis_r", origin="lower")
    ax.set_xticks(range(len(units)), units)
    ax.set_yticks(range(len(layers)), layers)
    for (i, j), value in np.ndenumerate(val):  # viridis_r cells are dark in the upper half of the scale
        colour = "w" if image.norm(log_val[i, j]) > 0.5 else "k"
        number = f"{value:.1e}".replace("e-0", "e-").replace("e+0", "e")  # 6.1e-5: one format for every cell
        ax.text(j, i, number, ha="center", va="center", fontsize=8, color=colour)
    ax.add_patch(plotting.plt.Rectangle((best[1] - 0.5, best[0] - 0.5), 1, 1, fill=False, ec="red", lw=2.5,
                                        clip_on=False))
    ax.grid(False)
    chosen = f"{layers[best[0]]} x {units[best[1]]}"
    ax.set(xlabel="units per hidden layer", ylabel="hidden layers",
           title=f"trainlm grid: mean validation MSE\n(red box: chosen {chosen})")  # fmt: skip
    fig.colorbar(image, ax=ax, label="log10 validation MSE")
    data = {"hidden layers": [L for L in layers for _ in units], "units per hidden layer": list(units) * len(layers),
            "mean validation MSE": val.ravel(), "chosen hidden layers, units": [layers[best[0]], units[best[1]]]}
    ctx.save_figure(fig, "personal_regression_grid_search_validation_mse", data=data)


def _plot_surfaces(ctx, X, t, sets, prediction, label: str) -> None:
    """Training and test surfaces of the target t over (x1, x2), coloured by t (one colour bar), the
    network's test predictions as dots, and a map of the absolute test errors with its own colour bar."""
    fig = plotting.figure(width=16.5, height=5.4)
    grid = fig.add_gridspec(1, 3, width_ratios=(1.1, 1.1, 1.0))
    axes = [fig.add_subplot(grid[0, i], projection="3d") for i in range(2)] + [fig.add_subplot(grid[0, 2])]
    tr, te = sets["train"], sets["test"]
    limits = {"vmin": float(t.min()), "vmax": float(t.max())}
    surface = axes[0].plot_trisurf(X[tr, 0], X[tr, 1], t[tr], cmap="viridis", lw=0, **limits)
    axes[0].set_title("training data: target surface")
    axes[1].plot_trisurf(X[te, 0], X[te, 1], t[te], cmap="viridis", lw=0, alpha=0.6, **limits)
    axes[1].scatter(X[te, 0], X[te, 1], prediction, s=2, color="k", label=f"network ({label})")
    axes[1].set_title("test data (surface) and predictions (dots)")
    axes[1].legend(loc="upper right", fontsize=8)
    for ax in axes[:2]:
        ax.set_xlabel("input x₁", labelpad=14)
        ax.set_ylabel("input x₂", labelpad=14)
        ax.set_zlabel("target t", labelpad=8)
        ax.set_box_aspect(None, zoom=0.86)  # room inside the axes for the z label beside the next panel
    fig.colorbar(surface, ax=axes[:2], shrink=0.6, pad=0.08, label="target t (surface colour)")
    errors = np.abs(t[te] - prediction)
    dots = axes[2].scatter(X[te, 0], X[te, 1], c=errors, s=10, cmap="magma_r", edgecolors="none")
    axes[2].set(xlabel="input x₁", ylabel="input x₂", title="absolute test error |t − network|", aspect="equal")
    fig.colorbar(dots, ax=axes[2], shrink=0.8, label="|t − network|")
    data = {"training X1": X[tr, 0], "training X2": X[tr, 1], "training Tnew": t[tr],
            "test X1": X[te, 0], "test X2": X[te, 1], "test Tnew": t[te], f"test network ({label})": prediction,
            "test absolute error |Tnew − network|": errors}
    ctx.save_figure(fig, "personal_regression_surfaces_and_test_errors", data=data)
