"""Line searches of traincgf (Charalambous) and trainbfg (backtracking)."""

import numpy as np

from anndl.nn.feedforward.classic.line_search import backtracking, charalambous


def quartic(theta):
    """f(x) = sum (x^2 - 1)^2 + 0.5 x'x, a non-quadratic valley."""
    return float(np.sum((theta**2 - 1) ** 2) + 0.5 * theta @ theta), 4 * theta * (theta**2 - 1) + theta


def test_charalambous_step_satisfies_sufficient_decrease_and_curvature():
    theta = np.array([0.1, -0.2, 2.0])
    f0, grad = quartic(theta)
    d = -grad
    g0 = float(grad @ d)
    for a_init in (1e-4, 0.01, 0.5, 5.0):  # too short (tripling) and too long (interpolation)
        a, f, g = charalambous(quartic, theta, d, f0, g0, a_init)
        assert a > 0
        assert f <= f0 + 1e-3 * a * g0
        assert abs(g @ d) <= 0.1 * abs(g0)
        f_ref, g_ref = quartic(theta + a * d)
        assert np.isclose(f, f_ref) and np.allclose(g, g_ref)


def test_charalambous_returns_zero_along_an_ascent_free_flat_line():
    def flat(theta):
        return 1.0, np.zeros_like(theta)

    assert charalambous(flat, np.zeros(2), np.ones(2), 1.0, -1.0, 0.01)[0] == 0.0


def test_backtracking_takes_the_full_step_when_it_decreases_enough():
    def loss(theta):
        return float(theta @ theta)

    theta = np.array([1.0, 2.0])
    a, f = backtracking(loss, theta, -theta, loss(theta), -2 * loss(theta))
    assert a == 1.0 and f == 0.0


def test_backtracking_quadratic_model_is_exact_on_a_quadratic():
    # phi(a) = f0 + g0 a + c a^2 with minimiser a* = 0.2 < 0.5: the first backtrack lands on it
    def loss(theta):
        return float(50 * theta @ theta)

    theta = np.array([0.6, -0.8])
    d = -5.0 * theta  # phi(a) = 50 (1 - 5a)^2 |theta|^2, minimiser a = 0.2
    a, f = backtracking(loss, theta, d, loss(theta), float(100 * theta @ d))
    assert np.isclose(a, 0.2) and np.isclose(f, 0.0)


def test_backtracking_gives_up_below_the_minimum_step():
    def loss(theta):
        return float(-theta[0])  # increasing along d = (-1,), but claim a negative slope

    a, f = backtracking(loss, np.zeros(1), -np.ones(1), 0.0, -1.0)
    assert a == 0.0 and f == 0.0
