"""Session 2, 2026 additions: how many random ±1 patterns a Hopfield net stores, and its basins.

Capacity: P random patterns of D = 100 units, for P/D up to 0.3 (the course) and beyond; per rule the
fraction of stored patterns that are fixed points, and of starts with 10 % of the bits flipped that
return to their pattern exactly. Rules: Hebb (sign units), newhop's LSSM design (satlins) and a modern
Hopfield network (Ramsauer et al. 2020: softmax retrieval, inverse temperature ``beta``).
Basins: recall against the Hamming distance of the start at one load, synchronous against asynchronous.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import matplotlib.ticker
import numpy as np

from anndl import memory, plotting
from anndl.config import ExperimentConfig, param
from anndl.registry import experiment

Rule = Literal["hebb", "lssm", "modern"]
COLOURS = {"hebb": "tab:blue", "lssm": "tab:orange", "modern": "tab:green"}
NAMES = {"hebb": "Hebb", "lssm": "newhop (LSSM)", "modern": "modern (softmax)"}
HEBB_THEORY = 0.138
"""Amit, Gutfreund & Sompolinsky's load P/D beyond which the Hebb net's retrieval states vanish."""


@dataclasses.dataclass(kw_only=True)
class HopfieldCapacityConfig(ExperimentConfig):
    dimension: int = param(100, ge=2)
    """Units D (the course: 100, also 50)."""
    pattern_counts: list[int] = param([1, 2, 4, 6, 8, 10, 12, 14, 17, 20, 25, 30, 50, 100], ge=1)
    """Numbers of stored patterns P (the course goes up to 30; larger P shows the modern net's capacity)."""
    trials: int = param(30, ge=1)
    """Independent sets of random patterns per P."""
    rules: list[Rule] = param(["hebb", "lssm", "modern"])
    """Networks compared."""
    beta: float = param(0.1, gt=0)
    """Inverse temperature of the modern network (per unit of the ±1 patterns' dot products)."""
    modern_steps: int = param(1, ge=1)
    """Updates of the modern network (one usually converges)."""
    recall_steps: int = param(50, ge=1)
    """Synchronous updates (or asynchronous sweeps) of the Hebb and newhop nets before recall is read."""
    flip_fraction: float = param(0.1, ge=0, le=0.5)
    """Fraction of a pattern's bits flipped to make a recall start."""
    basin_patterns: int = param(10, ge=1)
    """P of the basin study (load P / D)."""
    basin_distances: list[int] = param([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50], ge=0)
    """Hamming distances of the starts from their pattern in the basin study."""

    def __post_init__(self):
        # newhop's design and the update steps work on a few (D, D) float64 matrices; the largest
        # recall batch is (P, D) per basin distance, with a working copy of each
        largest = max([*self.pattern_counts, self.basin_patterns])
        memory.check(8 * (6 * self.dimension**2 + 2 * largest * self.dimension * (len(self.basin_distances) + 1)),
                     "dimension, pattern_counts", f"Hopfield networks of {self.dimension} units")


@dataclasses.dataclass(frozen=True)
class CapacityCell:
    """All trials at one number of patterns: the capacity study, or (``basins``) the basin study."""

    count: int
    cfg: HopfieldCapacityConfig
    basins: bool = False
    seed: int | None = None


def flip(patterns: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Each row of ``patterns`` (N, D) with ``k`` distinct random bits flipped."""
    out = patterns.copy()
    for row in out:
        row[rng.choice(row.size, size=k, replace=False)] *= -1
    return out


def settle(rule: str, patterns: np.ndarray, X: np.ndarray, cfg: HopfieldCapacityConfig, update: str,
           rng: np.random.Generator) -> np.ndarray:
    """End states' signs (N, D) from starts X (N, D) of the net storing ``patterns`` (P, D)."""
    from anndl.nn.hopfield.network import design, modern_retrieve, run_fixed_iterations, sweep_async

    if rule == "modern":
        end = modern_retrieve(patterns, X, cfg.beta, cfg.modern_steps)
    else:
        net = design(patterns, rule)
        if update == "synchronous":
            end = run_fixed_iterations(net, X, [cfg.recall_steps])[0]
        else:
            end = X
            for _ in range(cfg.recall_steps):
                new = sweep_async(net, end, rng.permutation(X.shape[1]))
                if np.array_equal(new, end):  # a sweep that changes nothing: every state is a fixed point
                    break
                end = new
    return np.where(end > 0, 1.0, -1.0)


def capacity_cell(cell: CapacityCell) -> dict:
    """Per rule and trial: fraction of patterns that are fixed points, and recalled from flipped starts."""
    cfg = cell.cfg
    rng = np.random.default_rng(cell.seed)
    k = round(cfg.flip_fraction * cfg.dimension)
    out = {rule: {"stable": [], "recalled": [], "bits": []} for rule in cfg.rules}
    for _ in range(cfg.trials):
        patterns = rng.choice([-1.0, 1.0], size=(cell.count, cfg.dimension))
        starts = flip(patterns, k, rng)
        for rule in cfg.rules:
            one = settle(rule, patterns, patterns, dataclasses.replace(cfg, recall_steps=1, modern_steps=1),
                         "synchronous", rng)
            end = settle(rule, patterns, starts, cfg, "synchronous", rng)
            out[rule]["stable"].append(float(np.mean(np.all(one == patterns, axis=1))))
            out[rule]["recalled"].append(float(np.mean(np.all(end == patterns, axis=1))))
            out[rule]["bits"].append(float(np.mean(end == patterns)))
    return out


def basin_cell(cell: CapacityCell) -> dict:
    """Recall against the start's Hamming distance at P = ``basin_patterns``, per rule and update scheme."""
    cfg = cell.cfg
    rng = np.random.default_rng(cell.seed)
    schemes = [(r, u) for r in cfg.rules for u in (("synchronous",) if r == "modern" else
                                                    ("synchronous", "asynchronous"))]
    recalled = {f"{r} {u}": np.zeros(len(cfg.basin_distances)) for r, u in schemes}
    n = len(cfg.basin_distances)
    for _ in range(cfg.trials):
        patterns = rng.choice([-1.0, 1.0], size=(cell.count, cfg.dimension))
        starts = np.concatenate([flip(patterns, min(d, cfg.dimension), rng) for d in cfg.basin_distances])
        targets = np.tile(patterns, (n, 1))
        for rule, update in schemes:
            end = settle(rule, patterns, starts, cfg, update, rng)
            hits = np.all(end == targets, axis=1).reshape(n, cell.count)
            recalled[f"{rule} {update}"] += hits.mean(axis=1) / cfg.trials
    return {k: v.tolist() for k, v in recalled.items()}


@experiment("hopfield_capacity", HopfieldCapacityConfig,
            "Hopfield capacity and basins: Hebb vs newhop vs a modern (softmax) Hopfield net on random "
            "patterns (2024 course, session 2, 2026 additions)")
def run(cfg: HopfieldCapacityConfig, ctx) -> dict:
    counts = sorted(set(cfg.pattern_counts))
    cells = [CapacityCell(p, cfg) for p in counts]
    cells.append(CapacityCell(cfg.basin_patterns, cfg, basins=True))
    results = ctx.map(_cell, cells, desc="pattern counts")
    capacity, basins = results[:-1], results[-1]
    loads = np.array(counts) / cfg.dimension

    metrics: dict = {"dimension": cfg.dimension, "basin_load": cfg.basin_patterns / cfg.dimension}
    summary = {}
    for rule in cfg.rules:
        stable = np.array([c[rule]["stable"] for c in capacity])  # (n_counts, trials)
        recalled = np.array([c[rule]["recalled"] for c in capacity])
        bits = np.array([c[rule]["bits"] for c in capacity])
        summary[rule] = (stable, recalled)
        metrics[rule] = {
            "capacity_load_90pc": _largest_load(loads, stable.mean(axis=1), 0.9),
            "recall_load_90pc": _largest_load(loads, recalled.mean(axis=1), 0.9),
            "bits_load_99pc": _largest_load(loads, bits.mean(axis=1), 0.99),
            "stable_fraction": {f"p_{p}": float(v) for p, v in zip(counts, stable.mean(axis=1), strict=True)},
            "stable_fraction_std": {f"p_{p}": float(v) for p, v in zip(counts, stable.std(axis=1), strict=True)},
            "recall_fraction": {f"p_{p}": float(v) for p, v in zip(counts, recalled.mean(axis=1), strict=True)},
        }
    metrics["basins"] = {name.replace(" ", "_"): {f"d_{d}": float(v) for d, v in zip(cfg.basin_distances, curve,
                                                                                       strict=True)}
                         for name, curve in basins.items()}
    _plot_capacity(ctx, cfg, loads, summary)
    _plot_basins(ctx, cfg, basins)
    return metrics


def _cell(cell: CapacityCell) -> dict:
    """A capacity cell or the basin cell."""
    return basin_cell(cell) if cell.basins else capacity_cell(cell)


def _largest_load(loads: np.ndarray, fractions: np.ndarray, threshold: float) -> float:
    """The largest load P/D up to which every load reaches ``threshold`` (0: even the smallest fails)."""
    best = 0.0
    for load, fraction in zip(loads, fractions, strict=True):
        if fraction < threshold:
            break
        best = float(load)
    return best


def _plot_capacity(ctx, cfg: HopfieldCapacityConfig, loads: np.ndarray, summary: dict) -> None:
    fig, axes = plotting.subplots(1, 2, width=4.8, height=3.8)
    data = {"load P/D": loads}
    for rule, (stable, recalled) in summary.items():
        for ax, values, what in ((axes[0], stable, "stable"), (axes[1], recalled, "recalled")):
            mean, std = values.mean(axis=1), values.std(axis=1)
            ax.plot(loads, mean, "o-", ms=3, color=COLOURS[rule], label=NAMES[rule])
            ax.fill_between(loads, mean - std, mean + std, color=COLOURS[rule], alpha=0.15, lw=0)
            data[f"{rule} {what} mean"], data[f"{rule} {what} std"] = mean, std
    for ax, what in ((axes[0], "stored patterns that are fixed points"),
                     (axes[1], f"starts with {cfg.flip_fraction:.0%} bits flipped recalled exactly")):
        ax.axvline(HEBB_THEORY, color="grey", ls=":", lw=1, label="Hebb theory, P/D = 0.138")
        ax.set_xscale("log")
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5) if loads.min() <= t <= loads.max()]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set(xlabel=f"load P / D (D = {cfg.dimension})", ylabel="fraction", ylim=(-0.03, 1.03),
               title=f"{what[0].upper()}{what[1:]}" if len(what) < 40 else "Recall from noisy starts")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Capacity on random ±1 patterns: mean ± std over {cfg.trials} trials (modern: β = {cfg.beta:g})",
                 fontsize=10)
    ctx.save_figure(fig, "hopfield_capacity_stable_and_recalled_vs_load", data=data)


def _plot_basins(ctx, cfg: HopfieldCapacityConfig, basins: dict) -> None:
    fig, ax = plotting.subplots(1, 1, width=6.0, height=4.0)
    styles = {"synchronous": "-", "asynchronous": "--"}
    colours = {"hebb synchronous": "tab:blue", "hebb asynchronous": "tab:purple", "lssm synchronous": "tab:orange",
               "lssm asynchronous": "tab:brown", "modern synchronous": "tab:green"}
    for name, curve in basins.items():
        rule, update = name.split()
        label = NAMES[rule] + ("" if rule == "modern" else f", {update}")
        ax.plot(cfg.basin_distances, curve, styles[update], marker="o", ms=3, color=colours[name], label=label)
    ax.set(xlabel=f"Hamming distance of the start from its pattern (of D = {cfg.dimension} bits)",
           ylabel="fraction recalled exactly", ylim=(-0.03, 1.03),
           title=f"Basins of attraction at P = {cfg.basin_patterns} (load {cfg.basin_patterns / cfg.dimension:g}), "
                 f"{cfg.trials} trials")
    ax.legend(fontsize=8)
    ctx.save_figure(fig, "hopfield_capacity_basins_sync_vs_async",
                    data={"hamming distance": cfg.basin_distances, **basins})
