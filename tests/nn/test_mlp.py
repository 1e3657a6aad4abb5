"""MLP: scaling, initialisation, forward pass, analytic gradient and Jacobian."""

import numpy as np
import pytest

from anndl.nn.feedforward import mlp
from anndl.nn.feedforward.mlp import MLP, MapMinMax, _activate, nguyen_widrow, tanh_kernel_for


def make_net(sizes, activation="tanh", output="linear", n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 5, (n, sizes[0]))
    if output == "softmax":
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    else:
        T = rng.normal(2.0, 3.0, (n, sizes[-1]))
    net = MLP.create(sizes, X, T, rng, hidden_activation=activation, output=output)
    return net, net.scale_inputs(X), T


def central_difference(f, theta, h=1e-6):
    out = []
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        out.append((f(theta + step) - f(theta - step)) / (2 * h))
    return np.array(out)


ARCHITECTURES = [
    ([1, 5, 1], "tanh", "linear"),
    ([2, 4, 3, 2], "tanh", "linear"),
    ([3, 6, 1], "logistic", "linear"),
    ([2, 5, 4, 3, 1], "logistic", "linear"),
    ([2, 7, 2], "relu", "linear"),
    ([4, 6, 3], "tanh", "softmax"),
    ([3, 5, 4, 4], "logistic", "softmax"),
]


@pytest.mark.parametrize("sizes, activation, output", ARCHITECTURES)
def test_gradient_matches_finite_differences(sizes, activation, output):
    net, Xs, T = make_net(sizes, activation, output)
    theta = net.theta_ + 0.01  # move relu kinks away from the grid of the data
    _, grad = net.loss_and_grad(theta, Xs, T)
    numeric = central_difference(lambda th: net.loss(th, Xs, T), theta)
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("sizes, activation, output", [a for a in ARCHITECTURES if a[2] == "linear"])
def test_jacobian_matches_finite_differences_and_gradient(sizes, activation, output):
    net, Xs, T = make_net(sizes, activation, output)
    theta = net.theta_ + 0.01
    e, J = net.errors_and_jacobian(theta, Xs, T)
    numeric = central_difference(lambda th: net.forward(th, Xs)[-1].T.reshape(-1), theta).T
    assert J.shape == (T.size, theta.size)
    assert np.allclose(J, numeric, rtol=1e-5, atol=1e-7)
    assert np.allclose(e, (T - net.forward(theta, Xs)[-1]).T.reshape(-1))
    # the gradient of the mse is -2 J'e / M
    _, grad = net.loss_and_grad(theta, Xs, T)
    assert np.allclose(grad, -2.0 * J.T @ e / e.size)


def test_hand_worked_1_1_1_network():
    # x in [0, 2] -> xs = x - 1; t in [0, 4] -> ys = t/2 - 1; y = 2*(ys + 1)
    X, T = np.array([[0.0], [2.0]]), np.array([[0.0], [4.0]])
    net = MLP.create([1, 1, 1], X, T, np.random.default_rng(0))
    net.theta_ = np.array([0.5, -0.2, 1.5, 0.3])  # w1, b1, w2, b2
    x = 1.5
    hidden = np.tanh(0.5 * (x - 1.0) - 0.2)
    expected = 2.0 * (1.5 * hidden + 0.3 + 1.0)
    assert np.allclose(net.predict([[x]]), expected)
    Y = net.predict(X)
    assert np.isclose(net.loss(net.theta_, net.scale_inputs(X), T), np.mean((T - Y) ** 2))


def test_mapminmax_maps_to_unit_interval_and_passes_constant_features():
    X = np.array([[1.0, 5.0, 7.0], [3.0, 5.0, -1.0], [2.0, 5.0, 3.0]])
    m = MapMinMax.fit(X)
    Y = m.apply(X)
    assert np.allclose(Y[:, 0], [-1, 1, 0])
    assert np.allclose(Y[:, 2], [1, -1, 0])
    assert np.allclose(Y[:, 1], 5.0)  # constant feature left alone
    assert np.allclose(m.reverse(Y), X)


def test_nguyen_widrow_magnitudes_and_bias_spread():
    rng = np.random.default_rng(3)
    S, R = 8, 3
    W, b = nguyen_widrow(S, R, rng, "tanh")
    magnitude = 2.0 * 0.7 * S ** (1.0 / R)  # x2: tansig's active range [-2, 2]
    assert np.allclose(np.linalg.norm(W, axis=1), magnitude)
    assert np.allclose(np.abs(b), magnitude * np.abs(np.linspace(-1, 1, S)))
    assert np.allclose(np.sign(b[b != 0]), np.sign(np.linspace(-1, 1, S) * W[:, 0])[b != 0])


def test_create_is_seeded_and_checks_shapes():
    X, T = np.linspace(0, 1, 10), np.linspace(0, 1, 10) ** 2
    a = MLP.create([1, 4, 1], X, T, np.random.default_rng(5))
    b = MLP.create([1, 4, 1], X, T, np.random.default_rng(5))
    assert np.array_equal(a.theta_, b.theta_)
    assert a.n_params == 4 + 4 + 4 + 1
    with pytest.raises(ValueError, match="do not match"):
        MLP.create([2, 4, 1], X, T, np.random.default_rng(5))
    with pytest.raises(ValueError, match="known"):
        MLP.create([1, 4, 1], X, T, np.random.default_rng(5), hidden_activation="sigmoid")


def test_softmax_outputs_are_probabilities():
    net, Xs, T = make_net([3, 5, 4], "tanh", "softmax")
    P = net.forward(net.theta_, Xs)[-1]
    assert np.allclose(P.sum(axis=1), 1.0)
    assert np.all(P > 0)
    with pytest.raises(ValueError, match="linear output"):
        net.errors_and_jacobian(net.theta_, Xs, T)


def test_jacobian_written_into_a_given_buffer_matches_a_fresh_one():
    net, Xs, T = make_net([2, 4, 3, 2])
    e, J = net.errors_and_jacobian(net.theta_, Xs, T)
    buffer = np.full(J.shape, np.nan, order="F")
    e2, J2 = net.errors_and_jacobian(net.theta_, Xs, T, out=buffer)
    assert J2 is buffer and np.array_equal(J2, J) and np.array_equal(e2, e)
    for bad in (np.empty(J.shape), np.empty((J.shape[0], J.shape[1] + 1), order="F")):
        with pytest.raises(ValueError, match="column-major float64 array of shape"):
            net.errors_and_jacobian(net.theta_, Xs, T, out=bad)


@pytest.mark.parametrize("k", [1, 3, 6])  # broadcast products in torch (k <= 4) and BLAS
def test_forward_on_read_only_and_reversed_inputs(k):
    net, Xs, T = make_net([k, 5, 1])
    expected = net.forward(net.theta_, Xs)[-1]
    frozen, theta = Xs[::-1].copy()[::-1], net.theta_.copy()  # negative strides
    theta.flags.writeable = False
    assert np.allclose(net.forward(theta, frozen)[-1], expected, rtol=0, atol=1e-14)
    frozen = Xs.copy()
    frozen.flags.writeable = False
    assert np.allclose(net.forward(theta, frozen)[-1], expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("target", ["X86_V4", "AVX512_SKX", "X86_V3", "baseline", "ASIMD", ""])
def test_each_cpus_tanh_kernel_is_within_round_off_of_numpys_tanh(order, target):
    z = np.asarray(np.random.default_rng(3).normal(0.0, 3.0, (500, 7)), order=order)
    z[0, :4] = [800.0, -800.0, 0.0, np.nan]
    out = tanh_kernel_for(target)(z.copy(order=order))
    expected = np.tanh(z)
    assert np.abs(out[1:] - expected[1:]).max() < 4e-16
    assert out[0, 0] == 1.0 and out[0, 1] == -1.0 and out[0, 2] == 0.0 and np.isnan(out[0, 3])
    mirrored = tanh_kernel_for(target)(-z.copy(order=order))
    assert np.abs(mirrored[1:] + out[1:]).max() < 4e-16


def test_numpys_tanh_only_where_it_is_simd_else_matlabs_tansig_formula_in_torch():
    z = np.linspace(-4.0, 4.0, 4001)
    tansig = 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0
    for target in ("X86_V4", "AVX512_SKX", "AVX512F"):
        assert np.array_equal(tanh_kernel_for(target)(z.copy()), np.tanh(z))
    for target in ("X86_V3", "FMA3__AVX2", "baseline(X86_V2)", "ASIMD", "NEON", ""):
        kernel_out = tanh_kernel_for(target)(z.copy())
        assert not np.array_equal(kernel_out, np.tanh(z))  # differs in some last digit somewhere
        assert np.abs(kernel_out - tansig).max() < 4e-16
    assert _activate("tanh", z.copy()).tolist() == mlp._tanh(z.copy()).tolist()
