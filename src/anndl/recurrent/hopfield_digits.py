"""§2.1 Recovering the ten digits from noisy starts with a ``newhop`` Hopfield network."""

from __future__ import annotations

import dataclasses

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.digit_bitmaps import HEIGHT, WIDTH, load_hopfield_digits
from anndl.data.paths import resolve
from anndl.nn.hopfield.network import newhop, run_fixed_iterations
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class HopfieldDigitsConfig(ExperimentConfig):
    digits_path: str | None = None
    """Null for the shipped hand-drawn bitmaps; a .mat path: the course's digits.mat (rows 1, 21, ...)."""
    noise_levels: list[float] = param([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], ge=0)
    """Noise scales s: a start is pattern + s * standard normal noise, per pixel (pixel units, ±1 scale)."""
    iterations: list[int] = param([1, 2, 5, 10, 20, 50, 100, 200, 500], ge=0)
    """Numbers of synchronous updates after which recovery is checked."""
    repetitions: int = param(50, ge=1)
    """Noisy starts per digit and noise level."""
    match_tolerance: float = param(1e-3, gt=0)
    """A digit counts as recovered when every pixel is within this of the stored pattern."""
    example_noise: list[float] = param([2.0, 6.0, 10.0], ge=0)
    """Noise levels shown in the example panel (noisy input / result / target)."""


@dataclasses.dataclass(frozen=True)
class RecoveryCell:
    """Noisy starts of every stored digit at one noise level (one repetition)."""

    noise: float
    repetition: int
    patterns: tuple[tuple[int, ...], ...]
    """The stored patterns (n_digits, n_pixels) in {-1, +1}."""
    iterations: tuple[int, ...]
    tolerance: float
    keep_example: bool
    seed: int | None = None


def recover_cell(cell: RecoveryCell) -> dict:
    """Noisy starts of all ten digits at one noise level: which are recovered after each iteration count."""
    patterns = np.asarray(cell.patterns, dtype=float)
    net = newhop(patterns)
    rng = np.random.default_rng(cell.seed)
    starts = patterns + cell.noise * rng.standard_normal(patterns.shape)
    states = run_fixed_iterations(net, starts, list(cell.iterations))
    recovered = np.max(np.abs(states - patterns), axis=2) <= cell.tolerance  # (n_iterations, n_digits)
    out = {"recovered": recovered.astype(np.int8)}
    if cell.keep_example:
        out.update(start=starts, result=states[-1])
    return out


def check_data(cfg: HopfieldDigitsConfig) -> None:
    """The digit bitmaps (``digits_path`` or the shipped ones) load with the expected shape."""
    from anndl.data.digit_bitmaps import load_hopfield_digits
    from anndl.data.paths import resolve

    load_hopfield_digits(None if cfg.digits_path is None else resolve(cfg.digits_path, "digits file"))


COURSE_DATA = (CourseFiles({"digits_path": "digits.mat"}),)
"""Under ``--data DIR``: the course's digits.mat (its ten attractor digits)."""


@experiment(
    "hopfield_digits",
    HopfieldDigitsConfig,
    "Hopfield digit recovery: fraction recovered vs noise and iterations (§2.1)",
    check_data=check_data,
    course_data=COURSE_DATA,
)
def run(cfg: HopfieldDigitsConfig, ctx) -> dict:
    path = None if cfg.digits_path is None else resolve(cfg.digits_path, "digits file")
    images = load_hopfield_digits(path)
    patterns = images.reshape(images.shape[0], -1)
    net = newhop(patterns)
    fixed = (
        np.max(np.abs(run_fixed_iterations(net, patterns, [1])[0] - patterns), axis=1) <= cfg.match_tolerance
    )

    stored = tuple(map(tuple, patterns.astype(np.int8).tolist()))
    cells = [
        RecoveryCell(float(noise), r, stored, tuple(cfg.iterations), cfg.match_tolerance,
                     r == 0 and noise in cfg.example_noise)
        for noise in cfg.noise_levels
        for r in range(cfg.repetitions)
    ]
    results = ctx.map(recover_cell, cells, desc="noise x repetitions")

    recovered = np.array([res["recovered"] for res in results], dtype=float).reshape(
        len(cfg.noise_levels), cfg.repetitions, len(cfg.iterations), patterns.shape[0]
    )
    fraction = recovered.mean(axis=(1, 3))  # (noise, iterations)
    _plot_heatmap(ctx, cfg, fraction)
    examples = {cell.noise: res for cell, res in zip(cells, results, strict=True) if cell.keep_example}
    if examples:
        _plot_examples(ctx, cfg, images, examples)

    rows = [
        {
            "noise": noise,
            **{f"{k} iterations": float(f) for k, f in zip(cfg.iterations, fraction[i], strict=True)},
        }
        for i, noise in enumerate(cfg.noise_levels)
    ]
    ctx.write_table("digit_recovery_fraction", rows)
    return {
        "n_digits": int(patterns.shape[0]),
        "patterns_are_fixed_points": int(fixed.sum()),
        "recovered_fraction": {
            _key("noise", noise): {
                _key("iterations", k): float(f) for k, f in zip(cfg.iterations, fraction[i], strict=True)
            }
            for i, noise in enumerate(cfg.noise_levels)
        },
        "recovered_fraction_per_digit_at_most_iterations": {
            _key("noise", noise): recovered[i, :, -1, :].mean(axis=0).round(4).tolist()
            for i, noise in enumerate(cfg.noise_levels)
        },
    }


def _key(name: str, value: float) -> str:
    """A metric name part without dots: ``noise_2``, ``noise_2p5``."""
    return f"{name}_{value:g}".replace(".", "p")


def _plot_heatmap(ctx, cfg: HopfieldDigitsConfig, fraction: np.ndarray) -> None:
    fig, ax = plotting.subplots(1, 1, width=6.4, height=4.6)
    im = ax.imshow(fraction, vmin=0, vmax=1, cmap="viridis", aspect="auto", origin="lower")
    for (i, j), value in np.ndenumerate(fraction):
        ax.text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value < 0.6 else "black",
        )
    ax.set_xticks(range(len(cfg.iterations)), [str(k) for k in cfg.iterations])
    ax.set_yticks(range(len(cfg.noise_levels)), [f"{n:g}" for n in cfg.noise_levels])
    ax.grid(False)
    ax.set(
        xlabel="synchronous updates",
        ylabel="noise scale (std of added Gaussian noise)",
        title=f"Hopfield digits: fraction recovered exactly ({cfg.repetitions} starts per digit)",
    )
    fig.colorbar(im, ax=ax, label="fraction of digits recovered")
    cells = [(n, k) for n in cfg.noise_levels for k in cfg.iterations]  # row-major, as fraction is
    data = {"noise scale (std of added Gaussian noise)": [n for n, _ in cells],
            "synchronous updates": [k for _, k in cells],
            "fraction of digits recovered exactly": np.asarray(fraction).ravel()}
    ctx.save_figure(fig, "hopfield_digits_recovery_vs_noise_and_iterations", data=data)


def _plot_examples(ctx, cfg: HopfieldDigitsConfig, images: np.ndarray, examples: dict) -> None:
    """For each example noise level: noisy starts, states after the most iterations, and the targets."""
    fig, axes = plotting.subplots(len(examples), 1, width=7.0, height=2.4, squeeze=False)
    for ax, (noise, res) in zip(axes[:, 0], sorted(examples.items()), strict=True):
        rows = np.concatenate([np.clip(res["start"], -1, 1), res["result"], images.reshape(len(images), -1)])
        plotting.image_grid(ax, rows.reshape(-1, HEIGHT, WIDTH), ncols=len(images), vmin=-1, vmax=1)
        ax.set_title(f"noise scale {noise:g}", fontsize=9)
        row_names = ("noisy start\n(clipped to ±1)", f"after {cfg.iterations[-1]}\nupdates", "target")
        for row, row_name in enumerate(row_names):  # image rows top to bottom, at their middles
            ax.text(-0.01, 1 - (row + 0.5) / len(row_names), row_name, transform=ax.transAxes, ha="right",
                    va="center", fontsize=8)
    ctx.save_figure(fig, "hopfield_digits_examples_noisy_result_target")
