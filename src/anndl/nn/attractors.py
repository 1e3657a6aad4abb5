"""Attractor analysis of a Hopfield network: which fixed points the dynamics reach, and what they are.

Fixed points are found by simulating from many initial conditions and grouping the final states
within a tolerance; each one is then classified as stored or spurious (is it one of the design
patterns?) and as stable or unstable (do small perturbations return to it?).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anndl.nn.hopfield import HopfieldNet, Trajectories, satlins, simulate, step


def initial_grid(dim: int, points_per_axis: int, n_random: int, rng: np.random.Generator) -> np.ndarray:
    """Initial states (N, dim): a regular grid over [-1, 1]^dim plus ``n_random`` uniform points.

    An odd ``points_per_axis`` puts grid points on every coordinate axis and plane (coordinate 0);
    the grid always includes the faces (coordinate ±1).
    """
    axis = np.linspace(-1.0, 1.0, points_per_axis)
    grid = np.stack(np.meshgrid(*([axis] * dim), indexing="ij"), axis=-1).reshape(-1, dim)
    random = rng.uniform(-1.0, 1.0, size=(n_random, dim))
    return np.concatenate([grid, random])


def group_states(states: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Group rows of ``states`` (N, S) that lie within ``tol`` (max norm) of a group's first member.

    Returns ``(representatives (G, S), labels (N,))`` with groups in order of first appearance.
    """
    reps: list[np.ndarray] = []
    labels = np.empty(states.shape[0], dtype=int)
    for i, x in enumerate(states):
        for g, r in enumerate(reps):
            if np.max(np.abs(x - r)) <= tol:
                labels[i] = g
                break
        else:
            labels[i] = len(reps)
            reps.append(x)
    return np.array(reps).reshape(-1, states.shape[1]), labels


def is_fixed_point(net: HopfieldNet, x: np.ndarray, tol: float) -> bool:
    """Whether ``satlins(W x + b)`` equals ``x`` within ``tol`` (max norm)."""
    return bool(np.max(np.abs(step(net, x[None, :])[0] - x)) <= tol)


def perturbation_test(
    net: HopfieldNet,
    x: np.ndarray,
    rng: np.random.Generator,
    n_perturbations: int = 50,
    radius: float = 1e-2,
    max_iter: int = 2000,
    tol: float = 1e-3,
) -> float:
    """Fraction of small perturbations of the fixed point ``x`` (S,) from which the dynamics return to it.

    The perturbations are ``radius`` times random unit directions plus the ± coordinate directions,
    clipped to the hypercube (the state space); 1.0 means (numerically) asymptotically stable.
    """
    S = x.shape[0]
    directions = rng.normal(size=(n_perturbations, S))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    directions = np.concatenate([directions, np.eye(S), -np.eye(S)])
    starts = satlins(x + radius * directions)
    final = simulate(net, starts, max_iter=max_iter).final
    return float(np.mean(np.max(np.abs(final - x), axis=1) <= tol))


def linear_type(net: HopfieldNet, x: np.ndarray, margin: float = 1e-9) -> str:
    """Type of the fixed point from the dynamics linearised at ``x``: 'stable', 'saddle' or 'repeller'.

    Units whose input ``W x + b`` is saturated (|.| > 1) have zero derivative, the others pass it on,
    so the Jacobian is ``D W`` with D the 0/1 diagonal of unsaturated units.
    """
    z = net.W @ x + net.b
    D = (np.abs(z) < 1 - margin).astype(float)
    moduli = np.abs(np.linalg.eigvals(D[:, None] * net.W))
    if np.all(moduli < 1):
        return "stable"
    if np.all(moduli > 1):
        return "repeller"
    return "saddle"


@dataclass
class Attractor:
    """One fixed point reached by the simulations."""

    state: np.ndarray
    """(S,): the fixed point (the first final state of its group)."""
    count: int
    """Number of initial conditions whose trajectory ends here."""
    stored: bool
    """Whether the state is one of the design patterns (within the tolerance)."""
    stable: bool
    """Whether every perturbation of the perturbation test returned here."""
    return_fraction: float
    """Fraction of the perturbations that returned here."""
    linear_type: str
    """'stable', 'saddle' or 'repeller' from the linearised dynamics."""
    mean_iterations: float
    """Mean number of updates taken by the trajectories that end here."""

    def as_dict(self) -> dict:
        return {
            "state": [round(float(v), 6) for v in self.state],
            "count": self.count,
            "class": "stored" if self.stored else "spurious",
            "stability": "stable" if self.stable else "unstable",
            "return_fraction": self.return_fraction,
            "linear_type": self.linear_type,
            "mean_iterations": self.mean_iterations,
        }


def find_attractors(
    net: HopfieldNet,
    X0: np.ndarray,
    patterns: np.ndarray,
    rng: np.random.Generator,
    max_iter: int = 1000,
    tol: float = 1e-3,
    n_perturbations: int = 50,
    radius: float = 1e-2,
) -> tuple[list[Attractor], np.ndarray, Trajectories]:
    """Simulate from every row of X0 (N, S) and describe the fixed points reached.

    Returns ``(attractors, labels (N,), trajectories)``; ``labels[i]`` indexes the
    attractor that start i ends at, or is -1 when it did not converge within ``max_iter``.
    """
    traj = simulate(net, X0, max_iter=max_iter)
    labels = np.full(X0.shape[0], -1)
    reps, group = group_states(traj.final[traj.converged], tol)
    labels[traj.converged] = group
    patterns = np.asarray(patterns, dtype=float)
    attractors = []
    for g, x in enumerate(reps):
        members = labels == g
        fraction = perturbation_test(net, x, rng, n_perturbations, radius, max_iter, tol)
        stored = bool(np.any(np.max(np.abs(patterns - x), axis=1) <= tol))
        attractors.append(
            Attractor(
                state=x,
                count=int(members.sum()),
                stored=stored,
                stable=fraction == 1.0,
                return_fraction=fraction,
                linear_type=linear_type(net, x),
                mean_iterations=float(traj.iterations[members].mean()),
            )
        )
    return attractors, labels, traj
