"""trainscg: Møller's (1993) scaled conjugate gradient, in the order of MATLAB's trainscg.

No line search: each epoch estimates the curvature along the direction p from two gradients a
small step ``sigma / |p|`` apart, regularises it with a Levenberg–Marquardt-like scale lambda, and
takes the step that minimises the resulting quadratic model. The step is accepted when the loss
does not increase; lambda shrinks when the model predicted the decrease well and grows when not.
"""

from __future__ import annotations

import numpy as np

from anndl.nn.feedforward.classic.base import Objective, Stepper


class ScaledConjugateGradient(Stepper):
    """Møller's SCG with MATLAB's defaults (sigma 5e-5, lambda 5e-7).

    Per epoch, with g the gradient and p the direction (p_0 = -g):

    * when the last step succeeded: ``s = (g(theta + sigma_k p) - g) / sigma_k`` with
      ``sigma_k = sigma / |p|``, and ``delta = p's`` (curvature along p);
    * ``delta += (lambda - lambda_bar) |p|^2``; if ``delta <= 0`` the Hessian estimate is made
      positive definite: ``lambda_bar = 2 (lambda - delta / |p|^2)``, ``delta = -delta + lambda |p|^2``,
      ``lambda = lambda_bar``;
    * step ``alpha = mu / delta`` with ``mu = -p'g``; comparison parameter
      ``Delta = 2 delta (E(theta) - E(theta + alpha p)) / mu^2``;
    * ``Delta >= 0``: accept; the direction restarts as ``-g`` every ``n_params`` epochs, otherwise
      ``p = -g + beta p`` with ``beta = (|g|^2 - g'g_old) / mu`` (Polak–Ribière form); lambda_bar = 0;
    * else reject (lambda_bar = lambda; the curvature is reused next epoch);
    * ``Delta >= 0.75``: ``lambda /= 4``; ``Delta < 0.25``: ``lambda += delta (1 - Delta) / |p|^2``.

    Each epoch costs one loss and, after a success, two gradient evaluations (``evaluations_``
    counts them). ``objective`` needs only ``loss(theta)`` and ``loss_and_grad(theta)``.
    """

    def __init__(self, objective: Objective, theta: np.ndarray, sigma: float = 5e-5, lambda_: float = 5e-7):
        super().__init__(objective, np.array(theta, dtype=float))
        if sigma <= 0 or lambda_ <= 0:
            raise ValueError(f"sigma and lambda_ must be > 0, got {sigma}, {lambda_}")
        self.sigma = float(sigma)
        self.perf, self.grad = objective.loss_and_grad(self.theta)
        self.grad_norm = float(np.linalg.norm(self.grad))
        self.direction = -self.grad
        self.lambda_k, self.lambda_bar = float(lambda_), 0.0
        self.success, self.delta = True, 0.0
        self.epoch = 0
        self.evaluations_ = {"loss": 0, "gradient": 1}
        """Objective calls made so far (loss only, loss and gradient)."""
        self.accepted_ = 0
        """Epochs whose step was accepted."""
        self.log = {"lr": float("nan"), "mu": self.lambda_k}

    def step(self) -> None:
        p, g = self.direction, self.grad
        p_sq = float(p @ p)
        if p_sq == 0.0 or not np.isfinite(p_sq):
            self.stop = "Zero search direction"
            return
        if self.success:
            sigma_k = self.sigma / np.sqrt(p_sq)
            _, g_probe = self.objective.loss_and_grad(self.theta + sigma_k * p)
            self.evaluations_["gradient"] += 1
            self.delta = float(p @ (g_probe - g)) / sigma_k
        delta = self.delta + (self.lambda_k - self.lambda_bar) * p_sq
        if delta <= 0:  # make the Hessian estimate positive definite
            self.lambda_bar = 2 * (self.lambda_k - delta / p_sq)
            delta = -delta + self.lambda_k * p_sq
            self.lambda_k = self.lambda_bar
        mu = -float(p @ g)
        if mu == 0.0:
            self.stop = "Zero step (direction orthogonal to the gradient)"
            return
        alpha = mu / delta
        trial = self.theta + alpha * p
        perf_trial = self.objective.loss(trial)
        self.evaluations_["loss"] += 1
        # a non-finite trial loss counts as a poor model (Delta = -1): lambda grows, the next step shrinks
        comparison = 2 * delta * (self.perf - perf_trial) / mu**2 if np.isfinite(perf_trial) else -1.0
        if comparison >= 0:  # the loss did not increase: accept
            self.perf, g_new = self.objective.loss_and_grad(trial)
            self.evaluations_["gradient"] += 1
            self.theta, self.grad = trial, g_new
            self.grad_norm = float(np.linalg.norm(g_new))
            if self.epoch % self.theta.size == 0:
                self.direction = -g_new
            else:
                beta = (float(g_new @ g_new) - float(g_new @ g)) / mu
                self.direction = -g_new + beta * p
            p_sq = float(self.direction @ self.direction)
            self.lambda_bar, self.success = 0.0, True
            self.accepted_ += 1
        else:
            self.lambda_bar, self.success = self.lambda_k, False
        if comparison >= 0.75:
            self.lambda_k *= 0.25
        if comparison < 0.25 and p_sq > 0:
            self.lambda_k += delta * (1 - comparison) / p_sq
        self.delta = delta  # reused, rescaled by the new lambda, after a rejected step
        self.epoch += 1
        self.log = {"lr": alpha, "mu": self.lambda_k}
