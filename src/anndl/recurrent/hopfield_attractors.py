"""§2.1 Attractors of the 2-D and 3-D Hopfield networks that ``newhop`` designs for three patterns."""

from __future__ import annotations

import dataclasses
import itertools
from typing import ClassVar

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.recurrent.attractors import find_attractors, initial_grid, is_fixed_point
from anndl.recurrent.hopfield import HopfieldNet, energy, newhop
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class Hopfield2DConfig(ExperimentConfig):
    dimension: ClassVar[int] = 2
    patterns: list[list[int]] = param([[1, 1], [-1, -1], [1, -1]])
    """Stored ±1 patterns, one per row (2 values each)."""
    grid_points: int = param(11, ge=2)
    """Initial states per axis of the regular grid over [-1, 1]^S (odd: includes the axes and faces)."""
    random_points: int = param(50, ge=0)
    """Extra initial states drawn uniformly in [-1, 1]^S."""
    max_iterations: int = param(1000, ge=1)
    """Most synchronous updates simulated from each initial state."""
    tolerance: float = param(1e-3, gt=0)
    """Max-norm distance under which two final states are the same fixed point (and match a pattern)."""
    perturbations: int = param(50, ge=1)
    """Random perturbations per fixed point in the stability test (plus the ± coordinate directions)."""
    perturbation_radius: float = param(1e-2, gt=0)
    """Size of each perturbation (max-norm units of the state)."""

    def __post_init__(self):
        rows, dim = self.patterns, self.dimension
        if not rows or any(len(row) != dim or set(row) - {-1, 1} for row in rows):
            raise ValueError(f"patterns: expected rows of {dim} values, each -1 or 1, got {rows}")


@dataclasses.dataclass(kw_only=True)
class Hopfield3DConfig(Hopfield2DConfig):
    dimension: ClassVar[int] = 3
    patterns: list[list[int]] = param([[1, 1, 1], [-1, -1, 1], [1, -1, -1]])
    """Stored ±1 patterns, one per row (3 values each)."""
    grid_points: int = param(7, ge=2)
    """Initial states per axis of the regular grid over [-1, 1]^S (odd: includes the axes and faces)."""
    random_points: int = param(100, ge=0)
    """Extra initial states drawn uniformly in [-1, 1]^S."""


def _patterns(cfg: Hopfield2DConfig, dim: int) -> np.ndarray:
    return np.array(cfg.patterns, dtype=float)


@experiment(
    "hopfield_2d", Hopfield2DConfig, "2-D Hopfield net: fixed points, spurious states, stability (§2.1)"
)
def run_2d(cfg: Hopfield2DConfig, ctx) -> dict:
    return _attractor_study(cfg, ctx, dim=2)


@experiment(
    "hopfield_3d", Hopfield3DConfig, "3-D Hopfield net: fixed points, spurious states, stability (§2.1)"
)
def run_3d(cfg: Hopfield3DConfig, ctx) -> dict:
    return _attractor_study(cfg, ctx, dim=3)


def _attractor_study(cfg: Hopfield2DConfig, ctx, dim: int) -> dict:
    patterns = _patterns(cfg, dim)
    net = newhop(patterns)
    rng = ctx.rng()
    starts = initial_grid(dim, cfg.grid_points, cfg.random_points, rng)
    attractors, labels, traj = find_attractors(
        net,
        starts,
        patterns,
        rng,
        max_iter=cfg.max_iterations,
        tol=cfg.tolerance,
        n_perturbations=cfg.perturbations,
        radius=cfg.perturbation_radius,
    )

    rows = [
        {"attractor": i, **a.as_dict(), "state": str(a.as_dict()["state"])} for i, a in enumerate(attractors)
    ]
    ctx.write_table(f"hopfield_{dim}d_attractors", rows)
    _plot_trajectories(ctx, dim, traj.states, labels, attractors, patterns)
    _plot_energy(ctx, dim, net, traj.states, labels)

    corners = np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))
    converged = labels >= 0
    spurious = [a for a in attractors if not a.stored]
    return {
        "W": np.round(net.W, 6).tolist(),
        "b": np.round(net.b, 6).tolist(),
        "n_initial_states": int(starts.shape[0]),
        "n_not_converged": int((~converged).sum()),
        "n_attractors": len(attractors),
        "n_stored_found": sum(a.stored for a in attractors),
        "n_spurious": len(spurious),
        "n_spurious_stable": sum(a.stable for a in spurious),
        "n_unstable": sum(not a.stable for a in attractors),
        "mean_iterations": float(traj.iterations[converged].mean()) if converged.any() else float("nan"),
        "corner_fixed_points": [
            c.astype(int).tolist() for c in corners if is_fixed_point(net, c, cfg.tolerance)
        ],
        "attractors": {f"a{i}": a.as_dict() for i, a in enumerate(attractors)},
    }


def _colours(n: int) -> list:
    cmap = plotting.plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(n)]


def _plot_trajectories(ctx, dim: int, states: np.ndarray, labels: np.ndarray, attractors, patterns) -> None:
    """Every trajectory, coloured by the attractor it ends at; crosses mark stable, circles unstable."""
    colours = _colours(len(attractors))
    if dim == 2:
        fig, ax = plotting.subplots(1, 1, width=5.2, height=4.6)
    else:
        fig = plotting.plt.figure(figsize=(9.0, 5.6))
        ax = fig.add_subplot(projection="3d", position=[0.0, 0.05, 0.6, 0.85])
    for i in range(states.shape[1]):
        colour = colours[labels[i]] if labels[i] >= 0 else "black"
        ax.plot(*states[:, i, :].T, color=colour, lw=0.6, alpha=0.6)
        ax.plot(*states[0, i, :, None], ".", color=colour, ms=2)
    for i, a in enumerate(attractors):
        marker = "x" if a.stable else "o"
        kind = f"{'stored' if a.stored else 'spurious'}, {'stable' if a.stable else 'unstable'}"
        ax.plot(
            *a.state[:, None],
            marker,
            color=colours[i],
            ms=10,
            mew=2.5,
            mfc="none",
            label=f"{np.round(a.state, 2).tolist()}: {kind}",
        )
    axis_names = ["$x_1$", "$x_2$", "$x_3$"][:dim]
    ax.set(**{f"{n}label": name for n, name in zip("xyz", axis_names, strict=False)})
    ax.set_title(
        f"{dim}-D Hopfield net: trajectories coloured by final attractor\n"
        f"(patterns {patterns.astype(int).tolist()})",
        fontsize=9,
    )
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, fontsize=7, loc="upper left", bbox_to_anchor=(0.62 if dim == 3 else 1.0, 0.95))
    ctx.save_figure(fig, f"hopfield_{dim}d_trajectories_by_attractor")


def _plot_energy(ctx, dim: int, net: HopfieldNet, states: np.ndarray, labels: np.ndarray) -> None:
    """Lyapunov energy along every trajectory: it never increases."""
    fig, ax = plotting.subplots(1, 1)
    colours = _colours(max(labels.max() + 1, 1))
    K = min(states.shape[0], 60)
    for i in range(states.shape[1]):
        ax.plot(
            np.arange(K),
            energy(net, states[:K, i, :]),
            color=colours[labels[i]] if labels[i] >= 0 else "k",
            lw=0.5,
            alpha=0.5,
        )
    ax.set(
        xlabel="synchronous update k",
        ylabel=r"energy $\frac{1}{2}x^T(I-W)x - b^Tx$",
        title=f"{dim}-D Hopfield net: energy along each trajectory",
    )
    ctx.save_figure(fig, f"hopfield_{dim}d_energy_along_trajectories")
