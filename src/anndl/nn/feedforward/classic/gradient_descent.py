"""traingd and traingdx: first-order steps with a fixed / adaptive learning rate."""

from __future__ import annotations

import numpy as np

from anndl.nn.feedforward.classic.base import Objective, Stepper


class GradientDescent(Stepper):
    """traingd: theta <- theta - lr * grad."""

    def __init__(self, objective: Objective, theta: np.ndarray, lr: float = 0.01):
        super().__init__(objective, theta.copy())
        self.lr = float(lr)
        self.perf, self.grad = objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self.log = {"lr": self.lr}

    def step(self) -> None:
        self.theta -= self.lr * self.grad
        self.perf, self.grad = self.objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))


class AdaptiveMomentumDescent(Stepper):
    """traingdx: momentum step mc*step_prev - (1-mc)*lr*grad with an adaptive learning rate.

    A step that raises the loss by more than ``max_perf_inc`` (4 %) is rejected: the weights
    stay, lr is multiplied by ``lr_dec`` and the momentum is reset (the previous step becomes
    a plain gradient step -lr*grad). An accepted step that lowers the loss multiplies lr by
    ``lr_inc``.
    """

    def __init__(
        self,
        objective: Objective,
        theta: np.ndarray,
        lr: float = 0.01,
        lr_inc: float = 1.05,
        lr_dec: float = 0.7,
        max_perf_inc: float = 1.04,
        mc: float = 0.9,
    ):
        super().__init__(objective, theta.copy())
        self.lr, self.lr_inc, self.lr_dec = float(lr), float(lr_inc), float(lr_dec)
        self.max_perf_inc, self.mc = float(max_perf_inc), float(mc)
        self.perf, self.grad = objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self.prev_step = -self.lr * self.grad
        self.rejected_ = 0
        """number of rejected steps so far"""
        self.log = {"lr": self.lr}

    def step(self) -> None:
        step = self.mc * self.prev_step - (1.0 - self.mc) * self.lr * self.grad
        candidate = self.theta + step
        perf, grad = self.objective.loss_and_grad(candidate)
        if not perf <= self.max_perf_inc * self.perf:  # also rejects NaN
            self.rejected_ += 1
            self.lr *= self.lr_dec
            self.prev_step = -self.lr * self.grad
        else:
            if perf < self.perf:
                self.lr *= self.lr_inc
            self.theta, self.perf, self.grad, self.prev_step = candidate, perf, grad, step
            self.grad_norm = float(np.linalg.norm(grad))
        self.log = {"lr": self.lr}
