"""What every classic algorithm works on: the training loss as a function of the flat
parameter vector, and the small interface the epoch loop in :mod:`anndl.nn.feedforward.training` drives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # anndl.nn.feedforward.classic stays torch-free, so configs can name an AlgorithmName cheaply
    from anndl.nn.feedforward.mlp import MLP


@dataclass
class Objective:
    """The training loss of ``net`` on scaled inputs Xs (N, n_in) and targets T (N, n_out).

    The forward pass of the last :meth:`loss` call is kept, so that the Jacobian at a trial
    point that Levenberg–Marquardt accepts does not repeat it, and the Jacobian is written
    into one array kept for the whole run (each call overwrites the J the previous returned).
    ``evaluations`` counts the calls of the three methods (line searches included; a Jacobian
    that reuses the last forward pass still counts one).
    """

    net: MLP
    Xs: np.ndarray
    T: np.ndarray
    evaluations: int = 0
    _last: tuple[np.ndarray, list[np.ndarray]] | None = field(default=None, repr=False)
    _jacobian: np.ndarray | None = field(default=None, repr=False)

    def loss(self, theta: np.ndarray) -> float:
        self.evaluations += 1
        acts = self.net.forward(theta, self.Xs)
        self._last = (theta.copy(), acts)
        return self.net._loss_from_output(acts[-1], self.T)

    def loss_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.evaluations += 1
        return self.net.loss_and_grad(theta, self.Xs, self.T)

    def errors_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.evaluations += 1
        acts = None
        if self._last is not None and np.array_equal(self._last[0], theta):
            acts = self._last[1]
        if self._jacobian is None:
            self._jacobian = np.empty((self.T.size, theta.size), order="F")
        return self.net.errors_and_jacobian(theta, self.Xs, self.T, acts=acts, out=self._jacobian)


@dataclass
class Stepper:
    """One training algorithm's state between epochs.

    After construction and after every :meth:`step`, ``theta`` is the current parameter
    vector, ``perf`` the training loss there, ``grad_norm`` the norm of the gradient that the
    min_grad rule tests, ``stop`` a reason when the algorithm itself cannot continue (mu above
    mu_max, a zero line-search step) and ``log`` the per-epoch quantities worth recording
    (lr, mu, gamma, alpha, beta).
    """

    objective: Objective
    theta: np.ndarray
    perf: float = float("nan")
    grad_norm: float = float("nan")
    stop: str | None = None
    log: dict[str, float] = field(default_factory=dict)

    def step(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError
