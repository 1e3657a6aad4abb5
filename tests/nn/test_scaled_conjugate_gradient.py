"""trainscg (Møller's scaled conjugate gradient): reference values, invariants and MATLAB's stopping rules."""

import numpy as np
import pytest
import scipy.optimize as so

from anndl.data.regression import sin_squared, sin_squared_grid
from anndl.nn.feedforward.classic import ALGORITHMS, resolve_algorithm
from anndl.nn.feedforward.classic.base import Objective
from anndl.nn.feedforward.classic.scaled_conjugate_gradient import ScaledConjugateGradient
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import train


class Quadratic:
    """E(theta) = 1/2 theta'A theta - b'theta: gradient A theta - b, exact curvature along any p."""

    def __init__(self, A, b):
        self.A, self.b = np.asarray(A, float), np.asarray(b, float)

    def loss(self, theta):
        return float(0.5 * theta @ self.A @ theta - self.b @ theta)

    def loss_and_grad(self, theta):
        return self.loss(theta), self.A @ theta - self.b


def test_registered_as_the_seventh_algorithm_with_matlabs_defaults():
    assert resolve_algorithm("trainscg") == "scg" and list(ALGORITHMS)[-1] == "scg" and len(ALGORITHMS) == 7
    spec = ALGORITHMS["scg"]
    assert (spec.matlab_name, spec.min_grad, spec.max_fail, spec.needs_jacobian) == ("trainscg", 1e-6, 6, False)
    stepper = ScaledConjugateGradient(Quadratic(np.eye(2), [1, 0]), np.zeros(2))
    assert stepper.sigma == 5e-5 and stepper.lambda_k == 5e-7


def test_first_step_is_the_regularised_newton_step_along_minus_the_gradient():
    """On a quadratic, s = A p exactly, so alpha = |g|^2 / (g'A g + lambda |g|^2) (hand-worked)."""
    A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])
    theta0 = np.array([0.5, 0.5])
    stepper = ScaledConjugateGradient(Quadratic(A, b), theta0)
    g = A @ theta0 - b
    alpha = (g @ g) / (g @ A @ g + 5e-7 * (g @ g))
    stepper.step()
    assert np.allclose(stepper.theta, theta0 - alpha * g, rtol=1e-8, atol=1e-12)
    assert stepper.accepted_ == 1 and stepper.evaluations_ == {"loss": 1, "gradient": 3}


def test_minimises_a_quadratic_in_one_step_more_than_parameters():
    """Conjugate directions: MATLAB restarts at epoch 0 (a second steepest-descent step), then n more
    steps reach the minimiser A^-1 b of an n-dimensional quadratic."""
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    A, b = M @ M.T + 0.5 * np.eye(6), rng.normal(size=6)
    stepper = ScaledConjugateGradient(Quadratic(A, b), np.zeros(6))
    for _ in range(7):
        stepper.step()
    assert np.allclose(stepper.theta, np.linalg.solve(A, b), rtol=1e-5, atol=1e-5)


class PseudoHuber:
    """E(theta) = sum sqrt(1 + theta^2): far from 0 the curvature is tiny, so the quadratic model's
    step overshoots and the loss rises: SCG must reject it and raise lambda."""

    def loss(self, theta):
        return float(np.sum(np.sqrt(1 + theta**2)))

    def loss_and_grad(self, theta):
        return self.loss(theta), theta / np.sqrt(1 + theta**2)


def test_loss_never_increases_on_an_accepted_step_and_a_rejection_raises_lambda():
    theta0 = np.array([3.0, -2.0])
    stepper = ScaledConjugateGradient(PseudoHuber(), theta0)
    losses, accepted, lambdas = [stepper.perf], [], [stepper.lambda_k]
    for k in range(60):
        before = stepper.accepted_
        stepper.step()
        if k == 0:
            assert np.array_equal(stepper.theta, theta0)  # the overshooting first step was rejected
        accepted.append(stepper.accepted_ > before)
        losses.append(stepper.perf)
        lambdas.append(stepper.lambda_k)
    losses, accepted, lambdas = np.array(losses), np.array(accepted), np.array(lambdas)
    assert not accepted[0]
    assert np.all(np.diff(losses)[accepted] <= 0)
    assert np.all(np.diff(losses)[~accepted] == 0)  # a rejected step keeps the weights and the loss
    assert np.all(lambdas[1:][~accepted] > lambdas[:-1][~accepted])
    assert accepted.sum() > 5 and losses[-1] == pytest.approx(2.0, abs=1e-8)  # the minimum, at theta = 0


def _objective(net, x, t):
    return Objective(net, net.scale_inputs(x), np.asarray(t, float)[:, None])


@pytest.mark.parametrize("seed", [0, 1])
def test_reaches_scipys_cg_loss_on_sin_x2_within_a_factor_two_at_500_epochs(seed):
    x = sin_squared_grid(0.01)
    t = sin_squared(x)
    net = MLP.create([1, 50, 1], x, t, np.random.default_rng(seed))
    trained, history = train(net, x, t, algorithm="trainscg", epochs=500)
    objective = _objective(net, x, t)
    ref = so.minimize(objective.loss_and_grad, net.theta_, jac=True, method="CG",
                      options={"maxiter": 500, "gtol": 1e-12})
    assert history.epochs == 500 and history.stop_reason == "Maximum epoch reached"
    assert history.loss[-1] <= 2.0 * ref.fun
    assert np.all(np.diff(history.loss) <= 0)


def test_matlab_stopping_rules_min_grad_validation_and_goal():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (80, 3))
    t = X @ np.array([0.3, -0.2, 0.05]) + 0.4
    linear = MLP.create([3, 1], X, t, np.random.default_rng(1))
    _, h = train(linear, X, t, algorithm="scg", epochs=1000)
    assert h.stop_reason == "Minimum gradient reached" and h.grad_norm[-1] < 1e-6 <= min(h.grad_norm[:-1])
    assert h.epochs < 100

    x = rng.uniform(-1, 1, 60)
    y = np.sin(3 * x) + 0.3 * rng.normal(size=60)
    net = MLP.create([1, 30, 1], x, y, np.random.default_rng(0))
    division = {"train": np.arange(20), "val": np.arange(20, 60)}
    trained, h = train(net, x, y, algorithm="scg", division=division, epochs=1000)
    assert h.stop_reason == "Validation stop"
    val = np.array(h.val_loss)
    assert h.best_epoch == int(np.argmin(val)) and h.epochs - h.best_epoch >= 6

    _, h = train(net, x, y, algorithm="scg", epochs=1000, goal=0.2)
    assert h.stop_reason == "Performance goal met" and h.loss[-1] <= 0.2 < h.loss[-2]


def test_trains_a_softmax_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2)) + np.repeat(np.array([[0, 3], [3, 0], [-3, -3]]), 30, axis=0)
    T = np.eye(3)[np.repeat(np.arange(3), 30)]
    net = MLP.create([2, 5, 3], X, T, rng, output="softmax")
    trained, h = train(net, X, T, algorithm="scg", epochs=100)
    assert h.loss[-1] < 0.2 * h.loss[0]
    assert np.mean(trained.predict(X).argmax(1) == T.argmax(1)) > 0.95
