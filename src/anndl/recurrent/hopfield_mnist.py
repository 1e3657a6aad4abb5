"""Session 2 (2024 course): one MNIST digit per class stored in a Hopfield net, recovered from noise.

The ten patterns are the first image of each class, rescaled to [-1, 1] and thresholded at 0 to ±1
(newhop's design and the Hebb rule store ±1 vectors). A start is the pattern plus Gaussian noise of
standard deviation ``noise``, clipped to [-1, 1]; recovery is read after each number of updates.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import mnist_files
from anndl.registry import experiment

Rule = Literal["lssm", "hebb"]
Update = Literal["synchronous", "asynchronous"]


@dataclasses.dataclass(kw_only=True)
class HopfieldMnistConfig(ExperimentConfig):
    mnist_images: str | None = None
    """MNIST images (IDX, gzipped or not); null: the shipped 5000-image subset."""
    mnist_labels: str | None = None
    """MNIST labels (IDX) that go with ``mnist_images``; null: the shipped subset's."""
    rules: list[Rule] = param(["lssm", "hebb"])
    """Learning rules compared: newhop's Li–Michel–Porod design (tau 10, h 0.15) and the Hebb rule."""
    update: Update = "synchronous"
    """Synchronous (every unit at once, MATLAB's sim) or asynchronous (one sweep of units in random order
    per iteration) updates for the recovery grid."""
    noise_levels: list[float] = param([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], ge=0)
    """Standard deviations of the Gaussian noise added to a pattern (pixel units, ±1 scale), then clipped."""
    iterations: list[int] = param([1, 2, 5, 10, 20, 40, 100], ge=0)
    """Numbers of updates (synchronous steps or asynchronous sweeps) after which recovery is read."""
    repetitions: int = param(10, ge=1)
    """Noisy starts per digit and noise level."""
    energy_noise: float = param(3.0, ge=0)
    """Noise level of the starts whose energy is traced."""
    energy_starts: int = param(3, ge=1)
    """Noisy starts (of digits 0, 1, ...) whose energy is traced under both update schemes."""
    energy_iterations: int = param(20, ge=1)
    """Updates (steps or sweeps) along which the energy is traced."""


@dataclasses.dataclass(frozen=True)
class NoiseCell:
    """Every digit's noisy starts at one noise level, for one rule."""

    rule: str
    update: str
    noise: float
    repetitions: int
    patterns: tuple[tuple[int, ...], ...]
    iterations: tuple[int, ...]
    seed: int | None = None


def run_iterations(net, X0: np.ndarray, counts: list[int], update: str, rng: np.random.Generator) -> np.ndarray:
    """States after each of ``counts`` updates, (len(counts), N, S); asynchronous sweeps take a fresh
    random unit order each."""
    from anndl.nn.hopfield.network import run_fixed_iterations, sweep_async

    if update == "synchronous":
        return run_fixed_iterations(net, X0, counts)
    X, saved = np.array(X0, dtype=float), {}
    for k in range(max(counts) + 1):
        if k in counts:
            saved[k] = X.copy()
        if k < max(counts):
            X = sweep_async(net, X, rng.permutation(X.shape[1]))
    return np.stack([saved[c] for c in counts])


def recover_cell(cell: NoiseCell) -> dict:
    """Exact recovery, Hamming distance to the own pattern and nearest-pattern identity after each
    iteration count, over ``repetitions`` noisy starts of each digit."""
    from anndl.nn.hopfield.network import design

    patterns = np.asarray(cell.patterns, dtype=float)  # (10, S)
    net = design(patterns, cell.rule)
    rng = np.random.default_rng(cell.seed)
    own = np.tile(np.arange(len(patterns)), cell.repetitions)
    starts = np.clip(patterns[own] + cell.noise * rng.standard_normal((len(own), patterns.shape[1])), -1, 1)
    states = run_iterations(net, starts, list(cell.iterations), cell.update, rng)
    signs = np.where(states > 0, 1.0, -1.0)  # (K, N, S)
    hamming_own = np.sum(signs != patterns[own], axis=2)  # (K, N)
    hamming_all = np.sum(signs[:, :, None, :] != patterns[None, None], axis=3)  # (K, N, 10)
    return {"recovered": (hamming_own == 0).mean(axis=1), "hamming": hamming_own.mean(axis=1),
            "nearest_is_own": (np.argmin(hamming_all, axis=2) == own).mean(axis=1),
            "nearest_hamming": hamming_all.min(axis=2).mean(axis=1)}


def load_patterns(cfg: HopfieldMnistConfig) -> np.ndarray:
    """The ten ±1 patterns (10, 784): the first image of each class, 2x - 1 thresholded at 0."""
    from anndl.data.mnist import first_of_each_class, load_mnist, load_mnist_subset
    from anndl.data.paths import resolve

    if cfg.mnist_images is None:
        images, labels = load_mnist_subset()
    else:
        images, labels = load_mnist(resolve(cfg.mnist_images, "MNIST images"),
                                    resolve(cfg.mnist_labels or "", "MNIST labels"))
    firsts = first_of_each_class(images, labels)
    return np.where(2.0 * firsts.reshape(10, -1) - 1.0 > 0, 1.0, -1.0)


def check_data(cfg: HopfieldMnistConfig) -> None:
    """The MNIST files load and hold every digit."""
    load_patterns(cfg)


COURSE_DATA = (mnist_files(("mnist_images", "mnist_labels")),)
"""Full MNIST under ``--data DIR``: the first training image of each digit, as the course takes them."""


@experiment("hopfield_mnist", HopfieldMnistConfig,
            "Hopfield nets (newhop vs Hebb) storing ten MNIST digits: recovery vs noise and iterations "
            "(2024 course, session 2)", check_data=check_data, course_data=COURSE_DATA)
def run(cfg: HopfieldMnistConfig, ctx) -> dict:
    from anndl.nn.hopfield.network import course_energy, design

    patterns = load_patterns(cfg)
    stored = tuple(map(tuple, patterns.astype(np.int8).tolist()))
    cells = [NoiseCell(rule, cfg.update, float(noise), cfg.repetitions, stored, tuple(cfg.iterations))
             for rule in cfg.rules for noise in cfg.noise_levels]
    results = ctx.map(recover_cell, cells, desc="rule x noise")
    shape = (len(cfg.rules), len(cfg.noise_levels), len(cfg.iterations))
    table = {k: np.array([r[k] for r in results]).reshape(shape)
             for k in ("recovered", "hamming", "nearest_is_own", "nearest_hamming")}

    metrics: dict = {"n_patterns": len(patterns), "pattern_size": int(patterns.shape[1])}
    for i, rule in enumerate(cfg.rules):
        net = design(patterns, rule)
        one_step = np.where(run_iterations(net, patterns, [1], "synchronous", ctx.rng())[0] > 0, 1.0, -1.0)
        metrics[rule] = {
            "patterns_fixed": int(np.all(one_step == patterns, axis=1).sum()),
            "max_noise_recovered_90pc": _max_noise(cfg.noise_levels, table["recovered"][i, :, -1]),
            **{name: {_key("noise", n): {_key("iterations", k): float(v) for k, v in zip(cfg.iterations, row,
                                                                                           strict=True)}
                      for n, row in zip(cfg.noise_levels, table[name][i], strict=True)}
               for name in ("recovered", "hamming", "nearest_is_own")},
        }
    _plot_recovery(ctx, cfg, table["recovered"])
    metrics["energy"] = _plot_energy(ctx, cfg, patterns, course_energy, design)
    _plot_examples(ctx, cfg, patterns)
    ctx.write_table("hopfield_mnist_recovery", [
        {"rule": rule, "noise": n, **{f"{k} updates": float(v) for k, v in zip(cfg.iterations, row, strict=True)}}
        for i, rule in enumerate(cfg.rules) for n, row in zip(cfg.noise_levels, table["recovered"][i], strict=True)])
    return metrics


def _max_noise(levels: list[float], fractions: np.ndarray, threshold: float = 0.9) -> float:
    """The largest noise level up to which every level recovers at least ``threshold`` (-1: none does)."""
    best = -1.0
    for level, fraction in sorted(zip(levels, fractions, strict=True)):
        if fraction < threshold:
            break
        best = float(level)
    return best


def _key(name: str, value: float) -> str:
    """A metric name part without dots: ``noise_2``, ``noise_2p5``."""
    return f"{name}_{value:g}".replace(".", "p")


def _plot_recovery(ctx, cfg: HopfieldMnistConfig, recovered: np.ndarray) -> None:
    fig, axes = plotting.subplots(1, len(cfg.rules), width=5.2, height=4.4, squeeze=False)
    for ax, rule, fraction in zip(axes[0], cfg.rules, recovered, strict=True):
        im = ax.imshow(fraction, vmin=0, vmax=1, cmap="viridis", aspect="auto", origin="lower")
        for (i, j), value in np.ndenumerate(fraction):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if value < 0.6 else "black")
        ax.set_xticks(range(len(cfg.iterations)), [str(k) for k in cfg.iterations])
        ax.set_yticks(range(len(cfg.noise_levels)), [f"{n:g}" for n in cfg.noise_levels])
        ax.grid(False)
        ax.set(xlabel=f"{cfg.update} updates", ylabel="noise std (pixel units, ±1 scale)",
               title=f"{'newhop (LSSM)' if rule == 'lssm' else 'Hebb'}: digits recovered exactly")
    fig.colorbar(im, ax=axes[0, -1], label="fraction of noisy starts recovered")
    cells = [(r, n, k) for r in cfg.rules for n in cfg.noise_levels for k in cfg.iterations]
    ctx.save_figure(fig, "hopfield_mnist_recovery_vs_noise_and_iterations", data={
        "rule": [c[0] for c in cells], "noise std": [c[1] for c in cells], "updates": [c[2] for c in cells],
        "fraction recovered exactly": recovered.ravel()})


def _plot_energy(ctx, cfg: HopfieldMnistConfig, patterns: np.ndarray, course_energy, design) -> dict:
    """The course's energy along noisy starts' trajectories, synchronous against asynchronous."""
    rng = ctx.rng()
    count = min(cfg.energy_starts, len(patterns))
    starts = np.clip(patterns[:count] + cfg.energy_noise * rng.standard_normal((count, patterns.shape[1])), -1, 1)
    steps = list(range(cfg.energy_iterations + 1))
    fig, axes = plotting.subplots(1, len(cfg.rules), width=4.6, height=3.6, squeeze=False)
    out, data = {}, {"update": steps}
    for ax, rule in zip(axes[0], cfg.rules, strict=True):
        net = design(patterns, rule)
        out[rule] = {}
        for update, colour in (("synchronous", "tab:blue"), ("asynchronous", "tab:orange")):
            states = run_iterations(net, starts, steps, update, np.random.default_rng(rng.integers(2**32)))
            energy = np.array([course_energy(net, s) for s in states])  # (K + 1, count)
            rises = int(np.sum(np.diff(energy, axis=0) > 1e-9 * np.abs(energy[:-1]).max()))
            out[rule][f"{update}_energy_rises"] = rises
            for j in range(count):
                ax.plot(steps, energy[:, j], color=colour, lw=1, alpha=0.8,
                        label=f"{update} ({rises} rises)" if j == 0 else None)
                data[f"{rule} {update} start {j}"] = energy[:, j]
        ax.set(xlabel="updates (synchronous steps or asynchronous sweeps)", ylabel="energy −½xᵀWx − bᵀx",
               title=f"{'newhop (LSSM)' if rule == 'lssm' else 'Hebb'}, noise std {cfg.energy_noise:g}")
        ax.legend(fontsize=8)
    ctx.save_figure(fig, "hopfield_mnist_energy_sync_vs_async", data=data)
    return out


def _plot_examples(ctx, cfg: HopfieldMnistConfig, patterns: np.ndarray) -> None:
    """Targets, one noisy start per digit at the energy noise level, and each rule's end state."""
    from anndl.nn.hopfield.network import design

    rng = ctx.rng()
    starts = np.clip(patterns + cfg.energy_noise * rng.standard_normal(patterns.shape), -1, 1)
    rows = [patterns, starts] + [run_iterations(design(patterns, rule), starts, [max(cfg.iterations)], cfg.update,
                                                rng)[0] for rule in cfg.rules]
    names = ["target", f"noisy start\n(std {cfg.energy_noise:g})"] + [
        f"{'newhop' if rule == 'lssm' else 'Hebb'} after\n{max(cfg.iterations)} updates" for rule in cfg.rules]
    fig, ax = plotting.subplots(1, 1, width=7.0, height=0.75 * len(rows))
    plotting.image_grid(ax, np.concatenate(rows).reshape(-1, 28, 28), ncols=len(patterns), vmin=-1, vmax=1)
    for row, name in enumerate(names):
        ax.text(-0.01, 1 - (row + 0.5) / len(names), name, transform=ax.transAxes, ha="right", va="center",
                fontsize=8)
    ax.set_title("Stored digits, a noisy start of each, and where each rule takes it", fontsize=9)
    ctx.save_figure(fig, "hopfield_mnist_examples")
