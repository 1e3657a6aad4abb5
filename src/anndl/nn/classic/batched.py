"""traingd, traingdx, trainlm and trainbr advancing B networks of one architecture together.

Each class is the batch form of the stepper named in its docstring: the same rule, with the
state that the scalar stepper keeps as floats (perf, lr, mu, alpha, beta, gamma, grad_norm)
kept as (B,) arrays and the per-network branches (gdx's accept / reject, the Marquardt trial
loop, whose number of trials differs from network to network) written as masks over the
networks still trying. The parameters and their defaults are those of the scalar steppers
(read from their signatures), and every network's numbers equal its scalar stepper's, bit for
bit, because the batch maths (:class:`~anndl.nn.batched_mlp.NetworkBatch`) does and the damped
systems are the scalar steppers' own :class:`DampedGaussNewton`, one per network on its slice of
the stacked Jacobians (J'J, Cholesky factorisations and solves per network, as alone).

Why a second class per algorithm rather than a batch dimension in the scalar steppers: the
scalar steppers' floats and Python branches are what :func:`anndl.nn.training.train`'s epoch
loop and every stepper added to :data:`ALGORITHMS` rely on; masks and index arrays over a batch
of one would add work to the single-network path and change every stepper and that loop at once.
cgf and bfg are not batched: their line searches take a different number of
evaluations per network and epoch, so a batch would spend most of its time on stragglers;
:func:`anndl.nn.train_many.train_many` trains them one by one.

``step(rows)`` advances the networks ``rows`` (sorted index array) by one epoch and leaves the
others as they are.
"""

from __future__ import annotations

import inspect

import numpy as np

from anndl.nn.batched_mlp import NetworkBatch, row_dots, row_norms
from anndl.nn.classic.gradient_descent import AdaptiveMomentumDescent, GradientDescent
from anndl.nn.classic.levenberg_marquardt import BayesianRegularization, DampedGaussNewton, LevenbergMarquardt


def _defaults(stepper: type) -> dict:
    """The keyword defaults of a scalar stepper's constructor (MATLAB's values)."""
    params = inspect.signature(stepper.__init__).parameters
    return {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}


def _all_or(rows: np.ndarray, size: int):
    """``slice(None)`` when rows are all networks (views instead of copies), else rows."""
    return slice(None) if len(rows) == size else rows


class BatchStepper:
    """State of B networks between epochs: theta (B, P), perf (B,), grad_norm (B,), stop (one
    reason or None per network) and log {name: (B,) array}, as :class:`Stepper` for one."""

    scalar: type

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        unknown = set(params) - set(_defaults(self.scalar))
        if unknown:
            known = list(_defaults(self.scalar))
            raise ValueError(f"unknown parameters {sorted(unknown)} for {self.scalar.__name__}; known: {known}")
        self.params = {k: float(v) for k, v in (_defaults(self.scalar) | params).items()}
        self.batch, self.theta = batch, np.array(theta, dtype=float)
        self.size = len(self.theta)
        self.perf = np.full(self.size, np.nan)
        self.grad_norm = np.full(self.size, np.nan)
        self.stop: list[str | None] = [None] * self.size
        self.log: dict[str, np.ndarray] = {}

    def step(self, rows: np.ndarray) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class BatchGradientDescent(BatchStepper):
    """:class:`GradientDescent` (traingd) for a batch."""

    scalar = GradientDescent

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.lr = self.params["lr"]
        self.perf, self.grad = batch.loss_and_grad(self.theta)
        self.grad_norm = row_norms(self.grad)
        self.log = {"lr": np.full(self.size, self.lr)}

    def step(self, rows: np.ndarray) -> None:
        r = _all_or(rows, self.size)
        self.theta[r] -= self.lr * self.grad[r]
        self.perf[r], self.grad[r] = self.batch.loss_and_grad(self.theta[r], r)
        self.grad_norm[r] = row_norms(self.grad[r])


class BatchAdaptiveMomentumDescent(BatchStepper):
    """:class:`AdaptiveMomentumDescent` (traingdx) for a batch."""

    scalar = AdaptiveMomentumDescent

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.lr = np.full(self.size, self.params["lr"])
        self.perf, self.grad = batch.loss_and_grad(self.theta)
        self.grad_norm = row_norms(self.grad)
        self.prev_step = -self.lr[:, None] * self.grad
        self.rejected_ = np.zeros(self.size, dtype=int)
        """number of rejected steps so far, per network"""
        self.log = {"lr": self.lr}

    def step(self, rows: np.ndarray) -> None:
        p = self.params
        r = _all_or(rows, self.size)
        step = p["mc"] * self.prev_step[r] - ((1.0 - p["mc"]) * self.lr[r])[:, None] * self.grad[r]
        candidate = self.theta[r] + step
        perf, grad = self.batch.loss_and_grad(candidate, r)
        old = self.perf[r]
        rejected = ~(perf <= p["max_perf_inc"] * old)  # also rejects NaN
        accepted = ~rejected
        rej, acc = rows[rejected], rows[accepted]
        self.rejected_[rej] += 1
        self.lr[rej] *= p["lr_dec"]
        self.prev_step[rej] = -self.lr[rej][:, None] * self.grad[rej]
        self.lr[rows[accepted & (perf < old)]] *= p["lr_inc"]
        self.theta[acc], self.perf[acc], self.grad[acc] = candidate[accepted], perf[accepted], grad[accepted]
        self.prev_step[acc] = step[accepted]
        self.grad_norm[acc] = row_norms(grad[accepted])


class _BatchMarquardtDamping(BatchStepper):
    """The mu schedule of ``_MarquardtDamping`` for a batch: the networks whose trial was
    rejected try again with mu*mu_inc, all of them in one batched forward pass, until each has
    accepted a step or passed mu_max."""

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.mu = np.full(self.size, self.params["mu"])
        self.systems: list[DampedGaussNewton | None] = [None] * self.size
        self._linearise(np.arange(self.size))

    def _linearise(self, rows: np.ndarray, acts: list[np.ndarray] | None = None) -> None:
        """Errors, Jacobian and damped systems of networks ``rows`` at their current theta."""
        r = _all_or(rows, self.size)
        e, J = self.batch.errors_and_jacobian(self.theta[r], r, acts)
        m = e.shape[1]
        for i, b in enumerate(rows):
            self.systems[b] = DampedGaussNewton(J[i], e[i], 1.0 / m)
            self.perf[b] = float(e[i] @ e[i]) / m

    def _candidate(self, b: int) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - interface

    def _accepts(self, rows: np.ndarray, perf: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - interface

    def _accepted(self, rows: np.ndarray) -> None:
        """Bookkeeping after networks ``rows`` accepted a step and were re-linearised."""

    def step(self, rows: np.ndarray) -> None:
        p = self.params
        trying = rows[self.mu[rows] <= p["mu_max"]]
        while trying.size:
            solved, candidates = [], []
            for b in trying:
                try:
                    candidates.append(self._candidate(b))
                    solved.append(b)
                except np.linalg.LinAlgError:
                    pass
            accepted = np.array([], dtype=int)
            if solved:
                solved, candidates = np.array(solved), np.stack(candidates)
                perf, acts = self.batch.loss(candidates, _all_or(solved, self.size))
                ok = self._accepts(solved, perf, candidates)
                accepted = solved[ok]
                if accepted.size:
                    self.theta[accepted] = candidates[ok]
                    self._linearise(accepted, [a[ok] for a in acts])
                    self._accepted(accepted)
                    self.mu[accepted] = np.maximum(self.mu[accepted] * p["mu_dec"], 1e-20)
            rejected = np.setdiff1d(trying, accepted)
            self.mu[rejected] *= p["mu_inc"]
            trying = rejected[self.mu[rejected] <= p["mu_max"]]
        for b in rows[self.mu[rows] > p["mu_max"]]:
            self.stop[b] = "Maximum mu reached"


class BatchLevenbergMarquardt(_BatchMarquardtDamping):
    """:class:`LevenbergMarquardt` (trainlm) for a batch."""

    scalar = LevenbergMarquardt

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.log = {"mu": self.mu}

    def _linearise(self, rows: np.ndarray, acts: list[np.ndarray] | None = None) -> None:
        super()._linearise(rows, acts)
        for b in rows:
            system = self.systems[b]
            self.grad_norm[b] = 2.0 * float(np.linalg.norm(system.Je)) / system.e.size

    def _candidate(self, b: int) -> np.ndarray:
        return self.theta[b] + self.systems[b].solve(self.mu[b])

    def _accepts(self, rows: np.ndarray, perf: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        return perf < self.perf[rows]


class BatchBayesianRegularization(_BatchMarquardtDamping):
    """:class:`BayesianRegularization` (trainbr) for a batch."""

    scalar = BayesianRegularization

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.gamma = np.full(self.size, float(self.theta.shape[1]))
        self.alpha, self.beta, self.objective_value = (np.full(self.size, np.nan) for _ in range(3))
        self._update_hyper(np.arange(self.size))
        self.log = {"mu": self.mu, "gamma": self.gamma, "alpha": self.alpha, "beta": self.beta}

    def _update_hyper(self, rows: np.ndarray) -> None:
        m, theta, perf = self.batch.n_errors, self.theta[rows], self.perf[rows]
        weights = row_dots(theta, theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where(weights > 0, self.gamma[rows] / (2.0 * weights), 1.0)
            beta = np.where(perf > 0, (m - self.gamma[rows]) / (2.0 * perf), 1.0)
        beta = np.where(beta > 0, beta, 1.0)
        self.alpha[rows], self.beta[rows] = alpha, beta
        self.objective_value[rows] = beta * perf + alpha * weights
        for i, b in enumerate(rows):
            self.systems[b].s = beta[i] / m
        Je = np.stack([self.systems[b].Je for b in rows])
        self.grad_norm[rows] = row_norms(2.0 * (alpha[:, None] * theta - beta[:, None] * Je / m))

    def _candidate(self, b: int) -> np.ndarray:
        return self.theta[b] + self.systems[b].solve(self.mu[b] + self.alpha[b], self.alpha[b], self.theta[b])

    def _accepts(self, rows: np.ndarray, perf: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        value = self.beta[rows] * perf + self.alpha[rows] * row_dots(candidates, candidates)
        return value < self.objective_value[rows]

    def _accepted(self, rows: np.ndarray) -> None:
        m, n_params = self.batch.n_errors, self.theta.shape[1]
        for b in rows:
            system = self.systems[b]
            system.s = self.beta[b] / m
            try:
                self.gamma[b] = float(n_params - self.alpha[b] * system.trace_inverse(self.alpha[b]))
            except np.linalg.LinAlgError:
                pass  # keep the previous gamma
        self._update_hyper(rows)


BATCH_STEPPERS: dict[str, type[BatchStepper]] = {
    "gd": BatchGradientDescent,
    "gdx": BatchAdaptiveMomentumDescent,
    "lm": BatchLevenbergMarquardt,
    "br": BatchBayesianRegularization,
}
"""Batched forms by anndl's short name; algorithms not here are trained one network at a time."""
