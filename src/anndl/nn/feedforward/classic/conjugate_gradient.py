"""traincgf: Fletcher–Reeves conjugate gradient with the Charalambous line search."""

from __future__ import annotations

import numpy as np

from anndl.nn.feedforward.classic.base import Objective, Stepper
from anndl.nn.feedforward.classic.line_search import charalambous


class FletcherReeves(Stepper):
    """d_0 = -grad/|grad|, then d = -grad + Z*d_prev with Z = |grad_k|^2 / |grad_{k-1}|^2.

    The direction restarts as steepest descent every ``n_params`` epochs and whenever it is
    not a descent direction. The first line search starts at step ``delta``; later ones at
    the previous step times the ratio of the previous to the current directional derivative
    (so the first trial predicts the same decrease as last time). A zero step stops training.
    """

    def __init__(
        self,
        objective: Objective,
        theta: np.ndarray,
        delta: float = 0.01,
        alpha: float = 1e-3,
        beta: float = 0.1,
        gama: float = 0.1,
        bmax: int = 26,
    ):
        super().__init__(objective, theta.copy())
        self.alpha, self.beta, self.gama, self.bmax = float(alpha), float(beta), float(gama), int(bmax)
        self.perf, self.grad = objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self.direction = -self.grad / max(self.grad_norm, 1e-300)
        self.step_length = float(delta)
        self.prev_slope = None
        self.since_restart = 0
        self.restarts_ = 0
        """number of restarts to steepest descent after the first epoch"""
        self.log = {"lr": self.step_length}

    def step(self) -> None:
        slope = float(self.grad @ self.direction)
        if slope >= 0:  # not a descent direction: restart
            self.restarts_ += 1
            self.direction, slope, self.since_restart = -self.grad, -(self.grad_norm**2), 0
        a0 = self.step_length if self.prev_slope is None else self.step_length * self.prev_slope / slope
        a, perf, grad = charalambous(
            self.objective.loss_and_grad,
            self.theta,
            self.direction,
            self.perf,
            slope,
            a0,
            self.alpha,
            self.beta,
            self.gama,
            self.bmax,
        )
        if a == 0.0:
            self.stop = "Zero step (line search found no decrease)"
            return
        self.theta = self.theta + a * self.direction
        self.step_length, self.prev_slope = a, slope
        old_sq = self.grad_norm**2
        self.perf, self.grad = perf, grad
        self.grad_norm = float(np.linalg.norm(grad))
        self.since_restart += 1
        if self.since_restart >= self.theta.size:
            self.restarts_ += 1
            self.direction, self.since_restart = -grad, 0
        else:
            self.direction = -grad + (self.grad_norm**2 / old_sq) * self.direction
        self.log = {"lr": a}
