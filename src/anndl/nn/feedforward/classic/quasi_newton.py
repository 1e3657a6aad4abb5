"""trainbfg: BFGS quasi-Newton with the backtracking line search."""

from __future__ import annotations

import numpy as np

from anndl.nn.feedforward.classic.base import Objective, Stepper
from anndl.nn.feedforward.classic.line_search import backtracking

MAX_PARAMS = 20_000
"""Largest network bfg accepts: its P x P matrix then takes 3.2 GB."""


class BFGS(Stepper):
    """d = -H^{-1} grad with the BFGS update of the Hessian approximation H (start: I).

    The inverse ``inv_hessian_`` is updated directly (Sherman–Morrison form of the same BFGS
    update), which costs O(P^2) per epoch instead of a P x P solve. The update is skipped when
    the curvature y's is not positive (it would lose positive definiteness). When d is not a
    descent direction, or the line search finds no decrease along it, H is reset to I and d to
    -grad; a zero step along -grad stops training.
    """

    def __init__(
        self,
        objective: Objective,
        theta: np.ndarray,
        alpha: float = 1e-3,
        low_lim: float = 0.1,
        up_lim: float = 0.5,
        minstep: float = 1e-6,
        maxstep: float = 100.0,
    ):
        if theta.size > MAX_PARAMS:
            raise ValueError(
                f"bfg keeps a dense {theta.size} x {theta.size} Hessian approximation; above {MAX_PARAMS} "
                "parameters use cgf"
            )
        super().__init__(objective, theta.copy())
        self.search = {
            "alpha": alpha,
            "low_lim": low_lim,
            "up_lim": up_lim,
            "min_step": minstep,
            "max_step": maxstep,
        }
        self.perf, self.grad = objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self.inv_hessian_ = np.eye(self.theta.size)
        self.resets_ = 0
        """number of resets of H to the identity"""
        self.log = {"lr": float("nan")}

    def _search(self, d: np.ndarray) -> tuple[float, float]:
        slope = float(self.grad @ d)
        if not slope < 0:
            return 0.0, self.perf
        return backtracking(self.objective.loss, self.theta, d, self.perf, slope, **self.search)

    def step(self) -> None:
        d = -(self.inv_hessian_ @ self.grad)
        a, perf = self._search(d)
        if a == 0.0:
            self.resets_ += 1
            self.inv_hessian_ = np.eye(self.theta.size)
            d = -self.grad
            a, perf = self._search(d)
            if a == 0.0:
                self.stop = "Zero step (line search found no decrease)"
                return
        s = a * d
        self.theta = self.theta + s
        old_grad = self.grad
        self.perf, self.grad = self.objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self._update(s, self.grad - old_grad)
        self.log = {"lr": a}

    def _update(self, s: np.ndarray, y: np.ndarray) -> None:
        sy = float(s @ y)
        if not sy > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            return
        Hy = self.inv_hessian_ @ y
        H = self.inv_hessian_
        H += ((sy + float(y @ Hy)) / sy**2) * np.outer(s, s)
        H -= np.outer(Hy, s / sy)
        H -= np.outer(s / sy, Hy)
