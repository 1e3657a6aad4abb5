"""Attractor analysis of a Hopfield network: where trajectories end, and which fixed points the map has.

Two different things, as the course's set-up separates them:

* **End states**: the states a fixed-horizon simulation (MATLAB's ``sim``) ends in, grouped within a
  tolerance. These are what the report calls attractors. A start on the stable manifold of an unstable
  fixed point does not end there: rounding error grows by the unstable eigenvalue each step.
* **Fixed points of the map** ``x = satlins(W x + b)``, found exactly by enumerating which units are
  saturated at +1, at -1 or linear, and classified as stable, saddle or repeller.

Each is classed as stored or spurious (is it one of the design patterns?).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from anndl.nn.hopfield.network import SIM_STEPS, HopfieldNet, Trajectories, satlins, simulate, step

MAX_ENUMERATED_UNITS = 12
"""Largest network whose fixed points :func:`fixed_points` enumerates (3^S saturation patterns)."""


def grid_states(dim: int, points_per_axis: int) -> np.ndarray:
    """A regular grid over [-1, 1]^dim, (points_per_axis^dim, dim).

    An odd ``points_per_axis`` puts grid points on every coordinate axis and plane (coordinate 0);
    the grid always includes the faces (coordinate ±1).
    """
    axis = np.linspace(-1.0, 1.0, points_per_axis)
    return np.stack(np.meshgrid(*([axis] * dim), indexing="ij"), axis=-1).reshape(-1, dim)


def random_states(dim: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` states drawn uniformly in [-1, 1]^dim, as MATLAB's ``rands(dim, 1)`` per start, (n, dim)."""
    return rng.uniform(-1.0, 1.0, size=(n, dim))


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


def fixed_points(net: HopfieldNet, tol: float = 1e-9) -> np.ndarray:
    """Every isolated fixed point of ``x = satlins(W x + b)`` in [-1, 1]^S, (G, S).

    For each split of the units into saturated at +1, saturated at -1 and linear, the linear units
    solve ``(I - W_LL) x_L = W_LS x_S + b_L``; the solution is a fixed point when it lies in [-1, 1]
    and the saturated units' inputs are beyond ±1. A singular ``I - W_LL`` (a continuum of fixed
    points or none) is skipped.
    """
    S = net.size
    if S > MAX_ENUMERATED_UNITS:
        raise ValueError(f"fixed_points enumerates 3^S cases; S = {S} exceeds {MAX_ENUMERATED_UNITS}")
    found = []
    for pattern in itertools.product((-1, 0, 1), repeat=S):
        signs = np.array(pattern, dtype=float)
        linear = signs == 0
        x = signs.copy()
        if linear.any():
            A = np.eye(int(linear.sum())) - net.W[np.ix_(linear, linear)]
            rhs = net.W[np.ix_(linear, ~linear)] @ signs[~linear] + net.b[linear]
            if abs(np.linalg.det(A)) < 1e-12:
                continue
            x[linear] = np.linalg.solve(A, rhs)
            if np.any(np.abs(x[linear]) > 1 + tol):
                continue
        if is_fixed_point(net, x, tol):
            found.append(np.clip(x, -1.0, 1.0))
    if not found:
        return np.empty((0, S))
    reps, _ = group_states(np.array(found), tol)
    return reps


def perturbation_test(
    net: HopfieldNet,
    x: np.ndarray,
    rng: np.random.Generator,
    n_perturbations: int = 50,
    radius: float = 1e-2,
    num_steps: int = SIM_STEPS,
    tol: float = 1e-3,
) -> float:
    """Fraction of small perturbations of the fixed point ``x`` (S,) whose end state is ``x`` again.

    The perturbations are ``radius`` times random unit directions plus the ± coordinate directions,
    clipped to the hypercube (the state space); 1.0 means (numerically) asymptotically stable.
    """
    S = x.shape[0]
    directions = rng.normal(size=(n_perturbations, S))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    directions = np.concatenate([directions, np.eye(S), -np.eye(S)])
    starts = satlins(x + radius * directions)
    final = simulate(net, starts, num_steps=num_steps, tol=tol).final
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


def _is_stored(x: np.ndarray, patterns: np.ndarray, tol: float) -> bool:
    return bool(np.any(np.max(np.abs(np.asarray(patterns, dtype=float) - x), axis=1) <= tol))


@dataclass
class FixedPoint:
    """One fixed point of the map, whether or not any trajectory ends there."""

    state: np.ndarray
    """(S,): the fixed point."""
    stored: bool
    """Whether the state is one of the design patterns (within the tolerance)."""
    linear_type: str
    """'stable', 'saddle' or 'repeller' from the linearised dynamics."""
    return_fraction: float
    """Fraction of the perturbation test's perturbations whose end state is this point."""

    def as_dict(self) -> dict:
        return {
            "state": [round(float(v), 6) for v in self.state],
            "class": "stored" if self.stored else "spurious",
            "linear_type": self.linear_type,
            "return_fraction": self.return_fraction,
        }


@dataclass
class Attractor:
    """One end state of the fixed-horizon simulations (the report's "attractor")."""

    state: np.ndarray
    """(S,): the end state (the first final state of its group)."""
    count: int
    """Number of initial conditions whose trajectory ends here."""
    stored: bool
    """Whether the state is one of the design patterns (within the tolerance)."""
    fixed_point: bool
    """Whether the state is a fixed point of the map (within the tolerance)."""
    stable: bool
    """Whether every perturbation of the perturbation test ended here again."""
    return_fraction: float
    """Fraction of the perturbations that ended here again."""
    linear_type: str
    """'stable', 'saddle' or 'repeller' from the linearised dynamics."""
    mean_iterations: float
    """Mean steps, over the trajectories that end here, until the state first equals the end state."""

    def as_dict(self) -> dict:
        return {
            "state": [round(float(v), 6) for v in self.state],
            "count": self.count,
            "class": "stored" if self.stored else "spurious",
            "stability": "stable" if self.stable else "unstable",
            "fixed_point": self.fixed_point,
            "return_fraction": self.return_fraction,
            "linear_type": self.linear_type,
            "mean_iterations": self.mean_iterations,
        }


def find_attractors(
    net: HopfieldNet,
    X0: np.ndarray,
    patterns: np.ndarray,
    rng: np.random.Generator,
    num_steps: int = SIM_STEPS,
    tol: float = 1e-3,
    n_perturbations: int = 50,
    radius: float = 1e-2,
) -> tuple[list[Attractor], np.ndarray, Trajectories]:
    """Simulate ``num_steps`` steps from every row of X0 (N, S) and describe the end states.

    Returns ``(attractors, labels (N,), trajectories)``; ``labels[i]`` indexes the end state of
    start i, or is -1 when its last step still moved the state by more than ``tol``.
    """
    traj = simulate(net, X0, num_steps=num_steps, tol=tol)
    labels = np.full(X0.shape[0], -1)
    reps, group = group_states(traj.final[traj.settled], tol)
    labels[traj.settled] = group
    attractors = []
    for g, x in enumerate(reps):
        members = labels == g
        fraction = perturbation_test(net, x, rng, n_perturbations, radius, num_steps, tol)
        attractors.append(
            Attractor(
                state=x,
                count=int(members.sum()),
                stored=_is_stored(x, patterns, tol),
                fixed_point=is_fixed_point(net, x, tol),
                stable=fraction == 1.0,
                return_fraction=fraction,
                linear_type=linear_type(net, x),
                mean_iterations=float(traj.iterations[members].mean()),
            )
        )
    return attractors, labels, traj


def classify_fixed_points(
    net: HopfieldNet,
    patterns: np.ndarray,
    rng: np.random.Generator,
    num_steps: int = SIM_STEPS,
    tol: float = 1e-3,
    n_perturbations: int = 50,
    radius: float = 1e-2,
) -> list[FixedPoint]:
    """Every fixed point of the map (:func:`fixed_points`), each classified as stored/spurious and by stability."""
    return [
        FixedPoint(
            state=x,
            stored=_is_stored(x, patterns, tol),
            linear_type=linear_type(net, x),
            return_fraction=perturbation_test(net, x, rng, n_perturbations, radius, num_steps, tol),
        )
        for x in fixed_points(net)
    ]
