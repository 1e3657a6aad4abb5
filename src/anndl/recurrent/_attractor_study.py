"""§2.1 The attractor study of ``hopfield_2d`` and ``hopfield_3d``, on the net ``newhop`` designs for 3 patterns."""

from __future__ import annotations

import dataclasses
import itertools
from typing import ClassVar, Literal

import numpy as np

from anndl import memory, plotting
from anndl.config import ExperimentConfig, param, shown
from anndl.nn.hopfield.attractors import (
    classify_fixed_points,
    find_attractors,
    grid_states,
    is_fixed_point,
    random_states,
)
from anndl.nn.hopfield.network import SIM_STEPS, HopfieldNet, energy, newhop


@dataclasses.dataclass(kw_only=True)
class AttractorStudyConfig(ExperimentConfig):
    dimension: ClassVar[int] = 2
    """The state's dimension S, which every pattern row must have."""
    patterns: list[list[int]] = param([[1, 1], [-1, -1], [1, -1]])
    """Stored ±1 patterns, one per row (2 values each)."""
    starts: Literal["grid", "random", "both"] = "both"
    """Initial states: the course's regular grid, uniform random points (``rands``), or both (grid first)."""
    grid_points: int = param(11, ge=2)
    """Initial states per axis of the regular grid over [-1, 1]^S (odd: includes the axes and faces)."""
    random_points: int = param(50, ge=0)
    """Initial states drawn uniformly in [-1, 1]^S (used when ``starts`` is random or both)."""
    num_steps: int = param(SIM_STEPS, ge=1)
    """Synchronous steps simulated from every start, as MATLAB's ``sim(net, {1 num_steps}, {}, x0)``; no early stop."""
    tolerance: float = param(1e-3, gt=0)
    """Max-norm distance under which two states are equal: end states grouped, matched to patterns and to the
    final state when counting iterations."""
    perturbations: int = param(50, ge=1)
    """Random perturbations per fixed point in the stability test (plus the ± coordinate directions)."""
    perturbation_radius: float = param(1e-2, gt=0)
    """Size of each perturbation (max-norm units of the state)."""

    def __post_init__(self):
        rows, dim = self.patterns, self.dimension
        if not rows or any(len(row) != dim or set(row) - {-1, 1} for row in rows):
            raise ValueError(f"patterns: expected rows of {dim} values, each -1 or 1, got {shown(rows)}")
        if self.starts == "random" and self.random_points == 0:
            raise ValueError("starts=random needs random_points >= 1 (no initial states otherwise)")
        starts = (self.grid_points ** dim if self.starts != "random" else 0) \
            + (self.random_points if self.starts != "grid" else 0)
        # the simulated trajectories, (num_steps + 1, starts, S) float64, and a working copy
        memory.check(2 * 8 * (self.num_steps + 1) * starts * dim, "grid_points, random_points, num_steps",
                     f"simulating {starts} starts for {self.num_steps} steps")


def _patterns(cfg: AttractorStudyConfig, dim: int) -> np.ndarray:
    return np.array(cfg.patterns, dtype=float)


def attractor_study(cfg: AttractorStudyConfig, ctx, dim: int) -> dict:
    patterns = _patterns(cfg, dim)
    net = newhop(patterns)
    rng = ctx.rng()
    on_grid = grid_states(dim, cfg.grid_points) if cfg.starts != "random" else np.empty((0, dim))
    at_random = random_states(dim, cfg.random_points if cfg.starts != "grid" else 0, rng)
    starts = np.concatenate([on_grid, at_random])
    from_grid = np.arange(starts.shape[0]) < on_grid.shape[0]
    settings = dict(num_steps=cfg.num_steps, tol=cfg.tolerance, n_perturbations=cfg.perturbations,
                    radius=cfg.perturbation_radius)
    attractors, labels, traj = find_attractors(net, starts, patterns, rng, **settings)
    fixed = classify_fixed_points(net, patterns, rng, **settings)

    rows = [
        {"attractor": i, **a.as_dict(), "state": str(a.as_dict()["state"])} for i, a in enumerate(attractors)
    ]
    ctx.write_table(f"hopfield_{dim}d_attractors", rows)
    ctx.write_table(
        f"hopfield_{dim}d_fixed_points",
        [{"fixed_point": i, **p.as_dict(), "state": str(p.as_dict()["state"])} for i, p in enumerate(fixed)],
    )
    _plot_trajectories(ctx, dim, traj.states, labels, attractors, fixed, patterns)
    _plot_energy(ctx, dim, net, traj.states, labels, attractors)

    corners = np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))
    converged = labels >= 0
    spurious = [a for a in attractors if not a.stored]

    def mean_iterations(subset: np.ndarray) -> float:
        chosen = subset & converged
        return float(traj.iterations[chosen].mean()) if chosen.any() else float("nan")

    return {
        "W": np.round(net.W, 6).tolist(),
        "b": np.round(net.b, 6).tolist(),
        "n_initial_states": int(starts.shape[0]),
        "n_grid_starts": int(from_grid.sum()),
        "n_random_starts": int((~from_grid).sum()),
        "n_not_converged": int((~converged).sum()),
        "n_attractors": len(attractors),
        "n_stored_found": sum(a.stored for a in attractors),
        "n_spurious": len(spurious),
        "n_spurious_stable": sum(a.stable for a in spurious),
        "n_unstable": sum(not a.stable for a in attractors),
        "n_attractors_grid": len(set(labels[from_grid & converged].tolist())),
        "n_spurious_grid": len({g for g in labels[from_grid & converged].tolist() if not attractors[g].stored}),
        "mean_iterations": mean_iterations(np.ones_like(from_grid)),
        "mean_iterations_grid": mean_iterations(from_grid),
        "mean_iterations_random": mean_iterations(~from_grid),
        "n_fixed_points": len(fixed),
        "n_fixed_points_spurious": sum(not p.stored for p in fixed),
        "n_fixed_points_stable": sum(p.linear_type == "stable" for p in fixed),
        "n_fixed_points_saddle": sum(p.linear_type == "saddle" for p in fixed),
        "n_fixed_points_repeller": sum(p.linear_type == "repeller" for p in fixed),
        "fixed_points": {f"f{i}": p.as_dict() for i, p in enumerate(fixed)},
        "corner_fixed_points": [
            c.astype(int).tolist() for c in corners if is_fixed_point(net, c, cfg.tolerance)
        ],
        "attractors": {f"a{i}": a.as_dict() for i, a in enumerate(attractors)},
    }


def _colours(n: int) -> list:
    cmap = plotting.plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(n)]


def _point(state) -> str:
    """A state as a reader writes a point: (1, −1, −0.06), coordinates rounded to 2 decimals."""
    return "(" + ", ".join(f"{v:g}".replace("-", "−") for v in np.round(np.asarray(state, float), 2) + 0.0) + ")"


def _attractor_name(attractor) -> str:
    """An end state as the legends name it: its coordinates, stored or spurious, stable or not."""
    kind = f"{'stored' if attractor.stored else 'spurious'}, {'stable' if attractor.stable else 'unstable'}"
    return f"{_point(attractor.state)}: {kind}"


NOT_CONVERGED = "no end state within the simulated steps"


def _legend_entries(ax, attractors) -> tuple[list, list[str]]:
    """``ax``'s legend handles and names, one per name: the attractors in their order, then the other
    entries as drawn, the not-converged trajectories last."""
    first: dict[str, object] = {}
    for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
        first.setdefault(name, handle)
    rank = {_attractor_name(a): i for i, a in enumerate(attractors)}
    names = sorted(first, key=lambda name: (name == NOT_CONVERGED, rank.get(name, len(rank))))
    return [first[name] for name in names], names


def _plot_trajectories(ctx, dim: int, states: np.ndarray, labels: np.ndarray, attractors, fixed, patterns) -> None:
    """Every trajectory, coloured by the end state it reaches; crosses mark stable end states, circles
    unstable ones, grey diamonds the map's unstable fixed points that no trajectory ends in."""
    colours = _colours(len(attractors))
    if dim == 2:
        fig, ax = plotting.subplots(1, 1, width=5.2, height=4.6)
    else:
        fig = plotting.plt.figure(figsize=(9.0, 5.6))
        ax = fig.add_subplot(projection="3d", position=[0.0, 0.05, 0.6, 0.85])
    for i in range(states.shape[1]):
        colour = colours[labels[i]] if labels[i] >= 0 else "black"
        ax.plot(*states[:, i, :].T, color=colour, lw=0.6, alpha=0.6, ls="-" if labels[i] >= 0 else "--",
                label=NOT_CONVERGED if labels[i] < 0 else None)
        ax.plot(*states[0, i, :, None], ".", color=colour, ms=2)
    for i, a in enumerate(attractors):
        marker = "x" if a.stable else "o"
        ax.plot(*a.state[:, None], marker, color=colours[i], ms=10, mew=2.5, mfc="none", label=_attractor_name(a))
    ends = np.array([a.state for a in attractors]).reshape(-1, dim)
    for p in fixed:
        if p.linear_type != "stable" and not np.any(np.max(np.abs(ends - p.state), axis=1) <= 1e-6):
            ax.plot(*p.state[:, None], "D", color="grey", ms=6, mfc="none",
                    label=f"{_point(p.state)}: fixed point ({p.linear_type}), no end state")
    axis_names = ["$x_1$", "$x_2$", "$x_3$"][:dim]
    ax.set(**{f"{n}label": name for n, name in zip("xyz", axis_names, strict=False)})
    if dim == 3:  # five ticks an axis: the default nine overlap on the foreshortened x₁ axis
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_ticks([-1.0, -0.5, 0.0, 0.5, 1.0])
            axis.labelpad = 10
    ax.set_title(
        f"{dim}-D Hopfield net: trajectories coloured by end state\n"
        f"(stored patterns {', '.join(_point(p) for p in patterns)}; dots: initial states)",
        fontsize=9,
    )
    handles, names = _legend_entries(ax, attractors)
    stable = [(h, n) for h, n in zip(handles, names, strict=True) if n.endswith(", stable")]
    others = [(h, n) for h, n in zip(handles, names, strict=True) if not n.endswith(", stable")]
    anchor_x = 0.62 if dim == 3 else 1.0
    first = fig.legend(*zip(*stable, strict=True), fontsize=7, loc="upper left", bbox_to_anchor=(anchor_x, 0.95),
                       title="attractors (×, stable end states)", title_fontsize=8, alignment="left")
    if others:
        kinds = [text for text, present in (
            ("○ end states of some starts", any(n.endswith(", unstable") for _, n in others)),
            ("◇ fixed points that no start ends in", any(n.endswith("no end state") for _, n in others))) if present]
        fig.legend(*zip(*others, strict=True), fontsize=7, loc="upper left", title_fontsize=8, alignment="left",
                   title="not attractors (unstable):\n" + ",\n".join(kinds),
                   bbox_to_anchor=(anchor_x, 0.93 - 0.045 * (len(stable) + 1)))
    fig.add_artist(first)
    ctx.save_figure(fig, f"hopfield_{dim}d_trajectories_by_attractor")


def _plot_energy(ctx, dim: int, net: HopfieldNet, states: np.ndarray, labels: np.ndarray, attractors) -> None:
    """Lyapunov energy along every trajectory, coloured by the end state it reaches: it never increases."""
    fig, ax = plotting.subplots(1, 1, width=6.4)
    colours = _colours(max(labels.max() + 1, 1))
    K = min(states.shape[0], 60)
    data = {"synchronous update k": np.arange(K)}
    for i in range(states.shape[1]):
        end = f"attractor {labels[i]}" if labels[i] >= 0 else "no attractor"
        data[f"trajectory {i} ({end}) energy"] = energy(net, states[:K, i, :])
        ax.plot(
            np.arange(K),
            data[f"trajectory {i} ({end}) energy"],
            color=colours[labels[i]] if labels[i] >= 0 else "k",
            ls="-" if labels[i] >= 0 else "--",  # black dashes: apart from tab10's grey
            lw=0.5,
            alpha=0.5,
            label=_attractor_name(attractors[labels[i]]) if labels[i] >= 0 else NOT_CONVERGED,
        )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set(
        xlabel="synchronous update k",
        ylabel=r"energy $\frac{1}{2}x^T(I-W)x - b^Tx$",
        title=f"{dim}-D Hopfield net: energy along each trajectory",
    )
    legend = fig.legend(*_legend_entries(ax, attractors), title="end state (line colour)", fontsize=7,
                        title_fontsize=8, loc="outside right upper")
    for line in legend.get_lines():
        line.set(alpha=1.0, lw=1.5)
    ctx.save_figure(fig, f"hopfield_{dim}d_energy_along_trajectories", data=data)
