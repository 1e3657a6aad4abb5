"""Hopfield networks as MATLAB's ``newhop`` builds them: Li–Michel–Porod design, satlins dynamics;
the Hebb rule with sign units, asynchronous updates, and the modern (continuous) Hopfield network.

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
    transfer: str = "satlins"
    """Unit transfer: "satlins" (newhop's clip to [-1, 1]) or "sign" (the Hebb net's binary units;
    a unit whose input is exactly 0 keeps its state)."""

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


def transfer(net: HopfieldNet, z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The units' new states for net inputs ``z`` and current states ``x`` (same shapes)."""
    if net.transfer == "sign":
        return np.where(z > 0, 1.0, np.where(z < 0, -1.0, x))
    return satlins(z)


def step(net: HopfieldNet, X: np.ndarray) -> np.ndarray:
    """One synchronous update of every unit for a batch of states X (N, S) -> (N, S)."""
    return transfer(net, X @ net.W.T + net.b, X)


def sweep_async(net: HopfieldNet, X: np.ndarray, order: np.ndarray) -> np.ndarray:
    """One asynchronous sweep: units updated one at a time in ``order`` (a permutation of range(S)),
    each seeing the states already updated; X (N, S) -> new (N, S) (X is not changed)."""
    X = np.array(X, dtype=float)
    for i in order:
        X[:, i] = transfer(net, X @ net.W[i] + net.b[i], X[:, i])
    return X


def hebb(patterns: np.ndarray) -> HopfieldNet:
    """The Hebb rule: ``W = A'A / S`` with a zero diagonal, no bias, sign units; ``patterns`` (Q, S) of ±1.

    A pattern a is a fixed point when every unit's input (W a)_i has a's sign; with Q random
    patterns this holds for most of them while Q / S stays below about 0.14 (Amit, Gutfreund &
    Sompolinsky 1985).
    """
    A = np.asarray(patterns, dtype=float)
    if A.ndim != 2 or A.shape[0] < 1:
        raise ValueError(f"patterns must be a (Q, S) array with Q >= 1, got shape {A.shape}")
    W = A.T @ A / A.shape[1]
    np.fill_diagonal(W, 0.0)
    return HopfieldNet(W=W, b=np.zeros(A.shape[1]), transfer="sign")


RULES = ("lssm", "hebb")
"""Learning rules by name: newhop's Li–Michel–Porod design ("lssm") and the Hebb rule."""


def design(patterns: np.ndarray, rule: str) -> HopfieldNet:
    """A net storing ``patterns`` (Q, S) of ±1 by ``rule`` ("lssm": :func:`newhop`, "hebb": :func:`hebb`)."""
    if rule == "lssm":
        return newhop(patterns)
    if rule == "hebb":
        return hebb(patterns)
    raise ValueError(f"unknown rule {rule!r}; known: {', '.join(RULES)}")


def course_energy(net: HopfieldNet, X: np.ndarray) -> np.ndarray:
    """The course's energy ``E(x) = -1/2 x'Wx - b'x`` (its 2024 fixed version), (N, S) -> (N,).

    With symmetric W and a zero diagonal (Hebb) it never increases under asynchronous sign updates;
    under synchronous updates it can rise (a two-cycle). For newhop's satlins net the Lyapunov function
    is :func:`energy` instead.
    """
    X = np.atleast_2d(X)
    return -0.5 * np.einsum("ni,ij,nj->n", X, net.W, X) - X @ net.b


def modern_retrieve(patterns: np.ndarray, X: np.ndarray, beta: float, steps: int = 1) -> np.ndarray:
    """Modern (continuous) Hopfield retrieval (Ramsauer et al. 2020): ``xi <- A' softmax(beta A xi)``.

    ``patterns`` A (Q, S) stored rows, ``X`` (N, S) states, ``beta`` > 0 the inverse temperature;
    ``steps`` updates (one usually converges). Each new state is a convex combination of the stored
    patterns, weighted by the softmax of ``beta`` times their dot products with the state: attention
    with the state as query and the patterns as keys and values.
    """
    A = np.asarray(patterns, dtype=float)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    for _ in range(int(steps)):
        scores = beta * (X @ A.T)  # (N, Q)
        scores -= scores.max(axis=1, keepdims=True)  # stable softmax: subtract the row maximum
        weights = np.exp(scores)
        weights /= weights.sum(axis=1, keepdims=True)
        X = weights @ A
    return X


def modern_energy(patterns: np.ndarray, X: np.ndarray, beta: float) -> np.ndarray:
    """Ramsauer et al.'s energy ``-lse(beta, A xi) + 1/2 xi'xi`` (constants dropped), (N, S) -> (N,);
    :func:`modern_retrieve` never increases it (a concave-convex procedure)."""
    A = np.asarray(patterns, dtype=float)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    scores = beta * (X @ A.T)
    top = scores.max(axis=1)
    lse = (top + np.log(np.exp(scores - top[:, None]).sum(axis=1))) / beta
    return -lse + 0.5 * np.einsum("ni,ni->n", X, X)


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


SIM_STEPS = 500
"""Default horizon of :func:`simulate`: long enough for rounding error, grown by e^h = 1.1618 per step,
to carry a start off an unstable fixed point (from 1e-16 to order 1 takes about 250 steps)."""


@dataclass
class Trajectories:
    """States visited from a batch of initial conditions over a fixed number of synchronous steps."""

    states: np.ndarray
    """(K + 1, N, S): state after k = 0..K updates."""
    iterations: np.ndarray
    """(N,) int: the first k whose state equals the final state within ``tolerance`` (max norm)."""
    settled: np.ndarray
    """(N,) bool: whether the last update moved the state by at most ``tolerance``."""
    tolerance: float
    """Max-norm tolerance used for ``iterations`` and ``settled``."""

    @property
    def final(self) -> np.ndarray:
        """(N, S): the state after the last step, the trajectory's end state."""
        return self.states[-1]


def simulate(net: HopfieldNet, X0: np.ndarray, num_steps: int = SIM_STEPS, tol: float = 1e-3) -> Trajectories:
    """Run ``num_steps`` synchronous updates from every row of X0 (N, S), as MATLAB's ``sim(net, {1 K}, {}, x0)``.

    Nothing stops a trajectory early. A trajectory's iteration count is, as the course's scripts count it,
    the number of steps until its state first equals its final state within ``tol`` (max norm); a start
    that is already its end state takes 0.
    """
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    X = np.atleast_2d(np.asarray(X0, dtype=float))
    states = np.empty((num_steps + 1, *X.shape))
    states[0] = X
    for k in range(num_steps):
        states[k + 1] = step(net, states[k])
    distance = np.max(np.abs(states - states[-1]), axis=2)  # (K + 1, N)
    at_end = distance <= tol
    return Trajectories(
        states=states, iterations=np.argmax(at_end, axis=0), settled=distance[-2] <= tol, tolerance=tol
    )


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
