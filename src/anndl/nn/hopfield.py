"""Hopfield networks as MATLAB's ``newhop`` builds them: Li–Michel–Porod design, satlins dynamics.

States are vectors in the hypercube [-1, 1]^S. A batch of states is an array (N, S), one state per
row; ``W`` is (S, S) and ``b`` is (S,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAU = 10.0
"""newhop's time-constant ratio tau between the pattern subspace and its complement."""
STEP = 0.15
"""newhop's step h: the weight eigenvalues are exp(h) on the patterns' span, exp(-tau*h) elsewhere."""


@dataclass(frozen=True)
class HopfieldNet:
    """A designed Hopfield network: ``x(k+1) = satlins(W x(k) + b)``."""

    W: np.ndarray
    """Symmetric weight matrix (S, S)."""
    b: np.ndarray
    """Bias vector (S,)."""

    @property
    def size(self) -> int:
        return self.b.shape[0]


def newhop(patterns: np.ndarray, tau: float = TAU, h: float = STEP) -> HopfieldNet:
    """Design a Hopfield net whose fixed points include ``patterns`` (Li, Michel & Porod 1989).

    ``patterns``: (Q, S) array of ±1 rows. With the differences ``Y = [a_1 - a_Q, ..., a_{Q-1} - a_Q]``
    and ``P`` the orthogonal projector on their span, ``W = e^h P + e^(-tau h) (I - P)`` and
    ``b = ((1 + tau)(1 - e^(-tau h)) / tau) (I - P) a_Q``, as MATLAB's ``newhop``.
    """
    A = np.asarray(patterns, dtype=float)
    if A.ndim != 2 or A.shape[0] < 1:
        raise ValueError(f"patterns must be a (Q, S) array with Q >= 1, got shape {A.shape}")
    if not np.all(np.abs(A) == 1):
        raise ValueError("patterns must hold only -1 and +1")
    S = A.shape[1]
    last = A[-1]
    Y = (A[:-1] - last).T  # (S, Q-1): one difference per column
    if Y.shape[1] == 0:
        P = np.zeros((S, S))
    else:
        U, sigma, _ = np.linalg.svd(Y, full_matrices=False)
        rank = int(np.sum(sigma > max(Y.shape) * np.finfo(float).eps * (sigma[0] if sigma.size else 0)))
        Uk = U[:, :rank]
        P = Uk @ Uk.T
    P_perp = np.eye(S) - P
    W = np.exp(h) * P + np.exp(-tau * h) * P_perp
    b = (1 + tau) * (1 - np.exp(-tau * h)) / tau * (P_perp @ last)
    return HopfieldNet(W=(W + W.T) / 2, b=b)


def satlins(z: np.ndarray) -> np.ndarray:
    """Symmetric saturating linear transfer function: clip to [-1, 1]."""
    return np.clip(z, -1.0, 1.0)


def step(net: HopfieldNet, X: np.ndarray) -> np.ndarray:
    """One synchronous update of every unit for a batch of states X (N, S) -> (N, S)."""
    return satlins(X @ net.W.T + net.b)


def energy(net: HopfieldNet, X: np.ndarray) -> np.ndarray:
    """Lyapunov energy ``E(x) = 1/2 x'(I - W)x - b'x`` of the synchronous satlins dynamics, (N, S) -> (N,).

    For symmetric W with every eigenvalue >= -1 (newhop's are e^h and e^(-tau h), both positive),
    E never increases along a trajectory that starts inside the hypercube:
    with z = Wx + b, x' = satlins(z) and d = x' - x, the projection property of the clip gives
    (z - x)'d >= |d|^2, hence E(x') - E(x) <= -1/2 d'(I + W)d <= 0.
    """
    X = np.atleast_2d(X)
    quadratic = 0.5 * np.einsum("ni,ni->n", X, X) - 0.5 * np.einsum("ni,ij,nj->n", X, net.W, X)
    return quadratic - X @ net.b


@dataclass
class Trajectories:
    """States visited from a batch of initial conditions, and when each one stopped moving."""

    states: np.ndarray
    """(K + 1, N, S): state after k = 0..K updates; rows past convergence repeat the final state."""
    iterations: np.ndarray
    """(N,) int: number of updates until the state changed by at most ``tol`` (K+1 if it never did)."""
    converged: np.ndarray
    """(N,) bool: whether the state stopped moving within ``max_iter`` updates."""

    @property
    def final(self) -> np.ndarray:
        """(N, S): the last state of each trajectory."""
        return self.states[-1]


def simulate(net: HopfieldNet, X0: np.ndarray, max_iter: int = 1000, tol: float = 1e-9) -> Trajectories:
    """Iterate the synchronous dynamics from X0 (N, S) until every state moves by <= ``tol`` (max norm).

    A trajectory's iteration count is the number of updates that changed it by more than ``tol``;
    a start that is already a fixed point takes 0 iterations.
    """
    X = np.atleast_2d(np.asarray(X0, dtype=float))
    states = [X]
    iterations = np.full(X.shape[0], max_iter + 1)
    moving = np.ones(X.shape[0], dtype=bool)
    for k in range(max_iter):
        X_next = step(net, X)
        still = np.max(np.abs(X_next - X), axis=1) <= tol
        newly = moving & still
        iterations[newly] = k
        moving &= ~still
        X = np.where(moving[:, None], X_next, X)
        states.append(X)
        if not moving.any():
            break
    return Trajectories(states=np.stack(states), iterations=iterations, converged=~moving)


def run_fixed_iterations(net: HopfieldNet, X0: np.ndarray, checkpoints: list[int]) -> np.ndarray:
    """States after each number of updates in ``checkpoints`` (ints >= 0), (len(checkpoints), N, S).

    A row whose update leaves it bitwise unchanged is an exact fixed point and is not updated again
    (the result is the same; only the work is saved).
    """
    X = np.array(np.atleast_2d(X0), dtype=float)
    counts = [int(c) for c in checkpoints]
    if any(c < 0 for c in counts):
        raise ValueError(f"iteration counts must be >= 0, got {min(counts)}")
    saved = {}
    moving = np.arange(X.shape[0])
    last = max(counts, default=0)
    for k in range(last + 1):
        if k in counts:
            saved[k] = X.copy()
        if k == last:
            break
        if moving.size:
            X_next = step(net, X[moving])
            changed = np.any(X_next != X[moving], axis=1)
            X[moving] = X_next
            moving = moving[changed]
    return np.stack([saved[c] for c in counts])
