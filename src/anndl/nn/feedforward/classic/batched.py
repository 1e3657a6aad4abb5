"""traingd, traingdx, trainlm and trainbr advancing B networks of one architecture together.

Each class is the batch form of the stepper named in its docstring: the same rule, with the
state that the scalar stepper keeps as floats (perf, lr, mu, alpha, beta, gamma, grad_norm)
kept as (B,) arrays and the per-network branches (gdx's accept / reject, the Marquardt trial
loop, whose number of trials differs from network to network) written as masks over the
networks still trying. The parameters and their defaults are those of the scalar steppers
(read from their signatures). gd's and gdx's numbers equal the scalar steppers' bit for bit,
because the batch maths (:class:`~anndl.nn.feedforward.batched.NetworkBatch`) does; lm and br solve
their damped systems with one batched Cholesky call per trial (:class:`BatchDampedSystems`)
instead of one LAPACK call per network, which agrees with the scalar solve to rounding (the
trajectories agree to 1e-9 after 500 epochs, as the tests check).

Why a second class per algorithm rather than a batch dimension in the scalar steppers: the
scalar steppers' floats and Python branches are what :func:`anndl.nn.feedforward.training.train`'s epoch
loop and every stepper added to :data:`ALGORITHMS` rely on; masks and index arrays over a batch
of one would add work to the single-network path and change every stepper and that loop at once.
cgf and bfg are not batched: their line searches take a different number of
evaluations per network and epoch, so a batch would spend most of its time on stragglers;
:func:`anndl.nn.feedforward.train_many.train_many` trains them one by one.

``step(rows)`` advances the networks ``rows`` (sorted index array) by one epoch and leaves the
others as they are.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from anndl.nn.feedforward.batched import NetworkBatch, row_dots, row_norms
from anndl.nn.feedforward.classic.gradient_descent import AdaptiveMomentumDescent, GradientDescent
from anndl.nn.feedforward.classic.levenberg_marquardt import BayesianRegularization, LevenbergMarquardt


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


class BatchDampedSystems:
    """The damped Gauss–Newton systems of B networks, stacked: gram (B, P, P) = J'J, Je (B, P) =
    J'e and the scale s (B,) of J'J, as :class:`DampedGaussNewton` keeps them for one network
    (its primal form: P <= M). Factorisations and solves of the networks that need one run as
    one batched Cholesky call (``torch.linalg.cholesky_ex``, which reports each network's
    failure instead of raising), so a trial costs one call per batch instead of one per network.
    """

    def __init__(self, size: int, n_params: int):
        self.gram = np.zeros((size, n_params, n_params))
        self.Je = np.zeros((size, n_params))
        self.s = np.ones(size)
        self._eye = torch.eye(n_params, dtype=torch.float64)

    def linearise(self, rows: np.ndarray, J: np.ndarray, e: np.ndarray) -> None:
        """Form the systems of networks ``rows`` from their Jacobians J (b, M, P) and errors e (b, M)."""
        Jt = J.transpose(0, 2, 1)
        self.gram[rows] = np.matmul(Jt, J)  # per network J'J, by BLAS syrk as J.T @ J alone
        self.Je[rows] = np.matmul(Jt, e[:, :, None])[:, :, 0]

    def _factor(self, rows: np.ndarray, c: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
        """Lower Cholesky factors (b, P, P) of s*gram + c*I for ``rows``, and which succeeded (b,)."""
        A = torch.from_numpy(self.gram[rows] * self.s[rows, None, None])
        A.diagonal(dim1=1, dim2=2).add_(torch.from_numpy(np.asarray(c, dtype=float))[:, None])
        L, info = torch.linalg.cholesky_ex(A)
        return L, info.numpy() == 0

    def solve(self, rows: np.ndarray, c: np.ndarray, a: np.ndarray | None = None,
              theta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """x (b, P) with (s*J'J + c*I) x = s*J'e - a*theta per network of ``rows``, and ok (b,):
        False where the damped system is not positive definite (its x is meaningless)."""
        L, ok = self._factor(rows, c)
        rhs = self.s[rows, None] * self.Je[rows]
        if a is not None:
            rhs = rhs - a[:, None] * theta
        x = torch.cholesky_solve(torch.from_numpy(rhs)[:, :, None], L)[:, :, 0]
        return x.numpy(), ok & np.isfinite(x.numpy()).all(axis=1)

    def trace_inverse(self, rows: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """tr[(s*J'J + c*I)^{-1}] (b,) = |L^{-1}|_F^2 per network of ``rows``, and ok (b,)."""
        L, ok = self._factor(rows, c)
        Linv = torch.linalg.solve_triangular(L, self._eye.expand_as(L), upper=False)
        return (Linv * Linv).sum(dim=(1, 2)).numpy(), ok


class _BatchMarquardtDamping(BatchStepper):
    """The mu schedule of ``_MarquardtDamping`` for a batch: the networks whose trial was
    rejected try again with mu*mu_inc, all of them in one batched solve and forward pass, until
    each has accepted a step or passed mu_max."""

    def __init__(self, batch: NetworkBatch, theta: np.ndarray, **params):
        super().__init__(batch, theta, **params)
        self.mu = np.full(self.size, self.params["mu"])
        self.systems = BatchDampedSystems(self.size, self.theta.shape[1])
        self._linearise(np.arange(self.size))

    def _linearise(self, rows: np.ndarray, acts: list[np.ndarray] | None = None) -> None:
        """Errors, Jacobian and damped systems of networks ``rows`` at their current theta."""
        r = _all_or(rows, self.size)
        e, J = self.batch.errors_and_jacobian(self.theta[r], r, acts)
        m = e.shape[1]
        self.systems.linearise(rows, J, e)
        self.systems.s[rows] = 1.0 / m
        self.perf[rows] = row_dots(e, e) / m

    def _candidates(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trial weights (b, P) of networks ``rows`` at their mu, and which could be solved (b,)."""
        raise NotImplementedError  # pragma: no cover - interface

    def _accepts(self, rows: np.ndarray, perf: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - interface

    def _accepted(self, rows: np.ndarray) -> None:
        """Bookkeeping after networks ``rows`` accepted a step and were re-linearised."""

    def step(self, rows: np.ndarray) -> None:
        p = self.params
        trying = rows[self.mu[rows] <= p["mu_max"]]
        while trying.size:
            candidates, solved_mask = self._candidates(trying)
            solved, candidates = trying[solved_mask], candidates[solved_mask]
            accepted = np.array([], dtype=int)
            if solved.size:
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
        self.grad_norm[rows] = 2.0 * row_norms(self.systems.Je[rows]) / self.batch.n_errors

    def _candidates(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        step, ok = self.systems.solve(rows, self.mu[rows])
        return self.theta[rows] + step, ok

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
        self.systems.s[rows] = beta / m
        Je = self.systems.Je[rows]
        self.grad_norm[rows] = row_norms(2.0 * (alpha[:, None] * theta - beta[:, None] * Je / m))

    def _candidates(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        alpha = self.alpha[rows]
        step, ok = self.systems.solve(rows, self.mu[rows] + alpha, alpha, self.theta[rows])
        return self.theta[rows] + step, ok

    def _accepts(self, rows: np.ndarray, perf: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        value = self.beta[rows] * perf + self.alpha[rows] * row_dots(candidates, candidates)
        return value < self.objective_value[rows]

    def _accepted(self, rows: np.ndarray) -> None:
        m, n_params = self.batch.n_errors, self.theta.shape[1]
        self.systems.s[rows] = self.beta[rows] / m
        trace, ok = self.systems.trace_inverse(rows, self.alpha[rows])
        kept = rows[ok]  # elsewhere: keep the previous gamma
        self.gamma[kept] = n_params - self.alpha[kept] * trace[ok]
        self._update_hyper(rows)


BATCH_STEPPERS: dict[str, type[BatchStepper]] = {
    "gd": BatchGradientDescent,
    "gdx": BatchAdaptiveMomentumDescent,
    "lm": BatchLevenbergMarquardt,
    "br": BatchBayesianRegularization,
}
"""Batched forms by anndl's short name; algorithms not here are trained one network at a time."""
