"""train(): the classic algorithms against independent references and MATLAB's rules."""

import numpy as np
import pytest
import scipy.optimize as so
from sklearn.linear_model import BayesianRidge

from anndl.nn.feedforward.classic import ALGORITHMS
from anndl.nn.feedforward.classic.levenberg_marquardt import DampedGaussNewton
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import divide, train


def small_problem(seed=2, n=60):
    rng = np.random.default_rng(1)
    x = np.linspace(-1, 1, n)
    t = np.sin(2 * x) + 0.3 * x**2 + 0.05 * rng.normal(size=n)
    return MLP.create([1, 3, 1], x, t, np.random.default_rng(seed)), x, t


@pytest.mark.parametrize("seed", [2, 3])
def test_lm_reaches_the_loss_of_scipy_least_squares_lm(seed):
    net, x, t = small_problem(seed)
    Xs, T = net.scale_inputs(x), t[:, None]
    trained, history = train(net, x, t, algorithm="lm", epochs=1000, min_grad=1e-12)
    res = so.least_squares(
        lambda th: -net.errors_and_jacobian(th, Xs, T)[0],
        net.theta_,
        jac=lambda th: net.errors_and_jacobian(th, Xs, T)[1],
        method="lm", x_scale=1.0, xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=5000,
    )  # fmt: skip
    assert np.isclose(history.loss[-1], np.mean(res.fun**2), rtol=1e-7)
    assert np.allclose(trained.theta_, res.x, atol=1e-3)


def linear_problem(n=80):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (n, 4))
    t = X @ np.array([0.3, -0.2, 0.05, 0.0]) + 0.4 + 0.05 * rng.normal(size=n)
    return MLP.create([4, 1], X, t, np.random.default_rng(1)), X, t


def test_br_gamma_is_the_effective_number_of_parameters_of_a_linear_model():
    net, X, t = linear_problem()
    trained, h = train(net, X, t, algorithm="br", epochs=200, min_grad=0)
    # a linear model's J does not depend on the weights: gamma = sum beta*l / (beta*l + alpha)
    Xs = trained.scale_inputs(X)
    J = np.hstack([Xs, np.ones((len(t), 1))]) * trained.output_gain()[0]
    eig = np.linalg.eigvalsh(J.T @ J / len(t))
    alpha, beta = h.alpha[-1], h.beta[-1]
    assert np.isclose(h.gamma[-1], np.sum(beta * eig / (beta * eig + alpha)), rtol=1e-8)
    assert 0 < h.gamma[-1] < net.n_params
    # and MacKay's evidence fixed point agrees with scikit-learn's BayesianRidge (no hyper-priors):
    # its noise precision is 2*beta/M per error and its weight precision 2*alpha
    offset = trained.target_map_.reverse(np.zeros((1, 1)))[0, 0]
    ref = BayesianRidge(fit_intercept=False, alpha_1=0, alpha_2=0, lambda_1=0, lambda_2=0, tol=1e-14, max_iter=10000)
    ref.fit(J, t - offset)
    assert np.allclose(trained.theta_, ref.coef_, rtol=1e-7, atol=1e-10)
    assert np.isclose(alpha, ref.lambda_ / 2, rtol=1e-7)
    assert np.isclose(beta, ref.alpha_ / 2 * len(t), rtol=1e-7)


def test_br_logs_gamma_alpha_beta_every_epoch_and_returns_the_last_network():
    net, x, t = small_problem()
    _, h = train(net, x, t, algorithm="trainbr", epochs=20, division={"train": np.arange(40), "val": np.arange(40, 60)})
    assert len(h.gamma) == len(h.alpha) == len(h.beta) == h.epochs + 1
    assert h.gamma[0] == net.n_params
    assert np.all(np.isfinite(h.gamma)) and np.all(np.isfinite(h.val_loss))
    assert h.best_epoch == h.epochs  # max_fail 0: no early stopping


def test_gdx_rejects_a_step_that_raises_the_loss_by_more_than_4_percent():
    net, x, t = small_problem()
    _, h = train(net, x, t, algorithm="gdx", epochs=60, lr=5.0)  # lr far too big: steps blow up
    loss, lr = np.array(h.loss), np.array(h.lr)
    assert np.all(loss[1:] <= 1.04 * loss[:-1] + 1e-15)
    rejected = np.flatnonzero(loss[1:] == loss[:-1])
    assert rejected.size > 0
    assert np.allclose(lr[rejected + 1], 0.7 * lr[rejected])
    grown = np.flatnonzero(loss[1:] < loss[:-1])
    assert np.allclose(lr[grown + 1], 1.05 * lr[grown])


def test_gd_step_is_minus_lr_times_gradient():
    net, x, t = small_problem()
    trained, h = train(net, x, t, algorithm="traingd", epochs=1, lr=0.05)
    _, grad = net.loss_and_grad(net.theta_, net.scale_inputs(x), t[:, None])
    assert np.allclose(trained.theta_, net.theta_ - 0.05 * grad)
    assert h.stop_reason == "Maximum epoch reached" and h.epochs == 1


def test_early_stopping_returns_the_best_validation_weights():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 60)
    t = np.sin(3 * x) + 0.3 * rng.normal(size=60)
    net = MLP.create([1, 30, 1], x, t, np.random.default_rng(0))
    division = {"train": np.arange(20), "val": np.arange(20, 60)}
    trained, h = train(net, x, t, algorithm="lm", division=division, epochs=300)
    assert h.stop_reason == "Validation stop"
    val = np.array(h.val_loss)
    assert h.best_epoch == int(np.argmin(val)) and h.epochs - h.best_epoch == 6
    ref, _ = train(net, x, t, algorithm="lm", division=division, epochs=h.best_epoch)
    assert np.allclose(trained.theta_, ref.theta_)
    assert np.isclose(trained.loss(trained.theta_, trained.scale_inputs(x[20:]), t[20:, None]), val.min())


def test_train_leaves_the_callers_network_alone_and_is_deterministic():
    net, x, t = small_problem()
    before = net.theta_.copy()
    for algorithm in ALGORITHMS:
        a, ha = train(net, x, t, algorithm=algorithm, epochs=15)
        b, hb = train(net, x, t, algorithm=algorithm, epochs=15)
        assert np.array_equal(a.theta_, b.theta_) and ha.loss == hb.loss
        assert ha.loss[-1] < ha.loss[0]
        assert np.array_equal(net.theta_, before)


def test_unknown_names_are_rejected_with_the_known_ones():
    net, x, t = small_problem()
    with pytest.raises(ValueError, match="trainlm"):
        train(net, x, t, algorithm="adam")
    with pytest.raises(ValueError, match="mu_dec"):
        train(net, x, t, algorithm="lm", learning_rate=0.1)
    with pytest.raises(ValueError, match="random"):
        train(net, x, t, division="holdout")


def test_divide_random_is_70_15_15_and_disjoint():
    sets = divide(943, "random", np.random.default_rng(0))
    sizes = [sets[k].size for k in ("train", "val", "test")]
    assert sizes == [943 - 2 * 141, 141, 141]
    assert np.array_equal(np.sort(np.concatenate(list(sets.values()))), np.arange(943))


def test_softmax_network_trains_with_cgf_and_bfg_but_not_lm():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2)) + np.repeat(np.array([[0, 3], [3, 0], [-3, -3]]), 30, axis=0)
    T = np.eye(3)[np.repeat(np.arange(3), 30)]
    net = MLP.create([2, 5, 3], X, T, rng, output="softmax")
    for algorithm in ("cgf", "bfg", "gdx"):
        trained, h = train(net, X, T, algorithm=algorithm, epochs=100)
        assert h.loss[-1] < 0.2 * h.loss[0]
        assert np.mean(trained.predict(X).argmax(1) == T.argmax(1)) > 0.95
    with pytest.raises(ValueError, match="linear output"):
        train(net, X, T, algorithm="lm")


@pytest.mark.parametrize("shape", [(50, 8), (8, 50)])  # primal (P <= M) and dual (P > M) forms
def test_damped_gauss_newton_solves_and_traces_agree_with_dense_algebra(shape):
    rng = np.random.default_rng(0)
    J, e, theta = rng.normal(size=shape), rng.normal(size=shape[0]), rng.normal(size=shape[1])
    s, c, a = 0.3, 0.05, 0.02
    system = DampedGaussNewton(J, e, s)
    A = s * J.T @ J + c * np.eye(shape[1])
    assert np.allclose(system.solve(c, a, theta), np.linalg.solve(A, s * J.T @ e - a * theta))
    assert np.allclose(system.solve(c), np.linalg.solve(A, s * J.T @ e))
    assert np.isclose(system.trace_inverse(c), np.trace(np.linalg.inv(A)))


@pytest.mark.parametrize("shape", [(50, 8), (8, 50)])
def test_damped_gauss_newton_refuses_an_indefinite_system(shape):
    J, e = np.random.default_rng(1).normal(size=shape), np.ones(shape[0])
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        DampedGaussNewton(J, e, 1.0).solve(-1e6)


def test_lm_and_br_take_the_dual_form_when_parameters_outnumber_errors():
    x = np.linspace(-1, 1, 12)
    t = np.sin(3 * x)
    net = MLP.create([1, 10, 1], x, t, np.random.default_rng(0))  # 31 parameters, 12 errors
    _, h = train(net, x, t, algorithm="lm", epochs=200)
    assert h.loss[-1] < 1e-12  # interpolates
    _, h = train(net, x, t, algorithm="br", epochs=200)
    assert 0 < h.gamma[-1] < 12 and h.loss[-1] < 1e-2


def test_history_counts_one_gradient_per_gd_epoch_and_more_with_line_searches():
    net, x, t = small_problem()
    _, gd = train(net, x, t, algorithm="gd", epochs=25)
    assert gd.evaluations == list(range(1, 27))  # set-up, then one loss-and-gradient per epoch
    assert gd.evaluations_per_epoch == 1.0
    for algorithm, least in (("cgf", 2), ("bfg", 2), ("lm", 2), ("br", 2), ("scg", 2)):
        _, history = train(net, x, t, algorithm=algorithm, epochs=25)
        assert len(history.evaluations) == history.epochs + 1
        assert np.all(np.diff(history.evaluations) >= 1), algorithm
        assert history.evaluations_per_epoch >= least, algorithm
