"""newhop design, satlins dynamics, energy and attractor analysis against hand-worked and reference values."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from anndl.nn.hopfield.attractors import (
    classify_fixed_points,
    find_attractors,
    fixed_points,
    grid_states,
    group_states,
    is_fixed_point,
    linear_type,
    random_states,
)
from anndl.nn.hopfield.network import (
    STEP,
    TAU,
    HopfieldNet,
    energy,
    newhop,
    run_fixed_iterations,
    simulate,
    step,
)

# Check values from the reference notes (MATLAB's newhop output, 4 decimals)
REFERENCE = [
    ([[1, 1], [-1, -1], [1, -1]], [[1.1618, 0], [0, 1.1618]], [0, 0]),
    (
        [[1, 1, 1], [-1, -1, 1], [1, -1, -1]],
        [[0.8489, 0.3129, -0.3129], [0.3129, 0.8489, 0.3129], [-0.3129, 0.3129, 0.8489]],
        [0.2849, -0.2849, 0.2849],
    ),
    ([[-1, -1, 1], [1, -1, 1]], [[1.1618, 0, 0], [0, 0.2231, 0], [0, 0, 0.2231]], [0, -0.8546, 0.8546]),
]


@pytest.mark.parametrize(("patterns", "W", "b"), REFERENCE)
def test_newhop_matches_matlab_check_values(patterns, W, b):
    net = newhop(np.array(patterns))
    assert np.allclose(net.W, W, atol=6e-5)
    assert np.allclose(net.b, b, atol=6e-5)


def reference_newhop(patterns):
    """Independent construction: projector from the pseudo-inverse, W from scipy's matrix exponential."""
    A = np.asarray(patterns, dtype=float).T  # (S, Q)
    Y = A[:, :-1] - A[:, -1:]
    P = Y @ np.linalg.pinv(Y)
    P_perp = np.eye(A.shape[0]) - P
    W = scipy.linalg.expm(STEP * (P - TAU * P_perp))
    b = (1 + TAU) * (1 - np.exp(-TAU * STEP)) / TAU * P_perp @ A[:, -1]
    return W, b


OWN_PATTERNS = [[1, -1, 1, -1, 1], [1, 1, -1, -1, 1], [-1, 1, 1, 1, -1], [1, 1, 1, 1, 1]]


def test_newhop_on_own_5d_patterns_agrees_with_expm_construction_and_stores_them():
    net = newhop(np.array(OWN_PATTERNS))
    W_ref, b_ref = reference_newhop(OWN_PATTERNS)
    assert np.allclose(net.W, W_ref, atol=1e-12)
    assert np.allclose(net.b, b_ref, atol=1e-12)
    assert np.allclose(net.W, net.W.T)
    # three independent differences: eigenvalue e^h three times, e^(-tau h) on the 2-D complement
    assert np.allclose(np.linalg.eigvalsh(net.W), sorted([np.exp(-1.5)] * 2 + [np.exp(0.15)] * 3))
    for a in np.array(OWN_PATTERNS, dtype=float):
        assert is_fixed_point(net, a, 0.0)


def test_newhop_single_pattern_hand_worked():
    a = np.array([1.0, -1.0, 1.0])
    net = newhop(a[None])
    assert np.allclose(net.W, np.exp(-1.5) * np.eye(3))
    assert np.allclose(net.b, 1.1 * (1 - np.exp(-1.5)) * a)
    # W a + b = (0.2231 + 0.8546) a = 1.0777 a, clipped back to a
    assert np.allclose(net.W @ a + net.b, 1.0777 * a, atol=1e-4)
    assert np.array_equal(step(net, a[None])[0], a)


def test_newhop_rejects_non_binary_patterns():
    with pytest.raises(ValueError, match="-1 and \\+1"):
        newhop(np.array([[1, 0], [1, 1]]))


def test_simulate_counts_iterations_of_hand_worked_2d_trajectory():
    net = newhop(np.array(REFERENCE[0][0]))
    traj = simulate(net, np.array([[0.5, 0.5]]))
    # x_k = 0.5 * 1.1618^k stays below 1 for k <= 4, so the 5th update saturates at (1, 1)
    assert traj.iterations[0] == 5
    assert np.allclose(traj.states[4, 0], 0.5 * np.exp(0.15) ** 4)
    assert np.array_equal(traj.final[0], [1.0, 1.0])
    assert traj.states.shape == (501, 1, 2) and traj.settled[0]


def test_simulate_runs_every_step_and_counts_to_the_first_visit_of_the_end_state():
    """A start at 1e-12 off the origin (a repeller of W = 1.1618 I) leaves it only after ~170 steps:
    an early stop at tolerance 1e-3 would end it at the origin; the fixed horizon ends it at the corner."""
    net = newhop(np.array(REFERENCE[0][0]))
    x0 = np.array([[1e-12, 2e-12]])
    k_sat = int(np.ceil(np.log(1 / 2e-12) / np.log(net.W[0, 0])))  # second unit saturates first
    traj = simulate(net, x0, num_steps=400, tol=1e-3)
    assert np.array_equal(traj.final[0], [1.0, 1.0])
    k_end = int(np.ceil(np.log(1 / 1e-12) / np.log(net.W[0, 0])))
    assert traj.iterations[0] == k_end and k_sat < k_end
    assert np.max(np.abs(traj.states[50, 0])) < 1e-3  # would have counted as settled at the origin
    short = simulate(net, x0, num_steps=50, tol=1e-3)
    assert np.max(np.abs(short.final[0])) < 1e-3 and short.settled[0]


def test_3d_start_on_a_saddles_stable_manifold_is_carried_off_by_rounding_error():
    """The unstored corner (-1, -1, -1) runs into the saddle (-0.0605, -1, -0.0605) along its stable
    manifold; floating-point error, grown by e^0.15 a step, carries it off to (1, -1, -1) after some
    200 steps. A 50-step simulation still sits at the saddle."""
    patterns = np.array(REFERENCE[1][0], dtype=float)
    net = newhop(patterns)
    saddle = next(x for x in fixed_points(net) if linear_type(net, x) == "saddle" and x[1] == -1.0)
    x0 = -np.ones((1, 3))
    traj = simulate(net, x0, num_steps=500, tol=1e-3)
    assert np.array_equal(traj.final[0], [1.0, -1.0, -1.0])
    assert np.min(np.max(np.abs(traj.states[:, 0] - saddle), axis=1)) < 1e-9
    assert 150 < traj.iterations[0] < 400
    short = simulate(net, x0, num_steps=50, tol=1e-3)
    assert np.max(np.abs(short.final[0] - saddle)) < 1e-6


def test_fixed_iteration_states_equal_plain_stepping():
    net = newhop(np.array(OWN_PATTERNS))
    rng = np.random.default_rng(0)
    X0 = np.array(OWN_PATTERNS, dtype=float) + 2.0 * rng.standard_normal((4, 5))
    checkpoints = [0, 1, 3, 7, 40]
    states = run_fixed_iterations(net, X0, checkpoints)
    X = X0.copy()
    for k in range(41):
        if k in checkpoints:
            assert np.allclose(states[checkpoints.index(k)], X, rtol=0, atol=1e-12)
        X = step(net, X)


def _starts(dim, grid_points, n_random, rng):
    return np.concatenate([grid_states(dim, grid_points), random_states(dim, n_random, rng)])


def test_fixed_points_of_2d_network_are_the_nine_known_points():
    net = newhop(np.array(REFERENCE[0][0]))
    found = {tuple(np.round(x, 9) + 0.0) for x in fixed_points(net)}
    assert found == {(x, y) for x in (-1.0, 0.0, 1.0) for y in (-1.0, 0.0, 1.0)}


def test_fixed_points_are_fixed_and_include_every_stored_pattern():
    patterns = np.array(OWN_PATTERNS, dtype=float)
    net = newhop(patterns)
    points = fixed_points(net)
    assert all(is_fixed_point(net, x, 1e-9) for x in points)
    for a in patterns:
        assert np.min(np.max(np.abs(points - a), axis=1)) <= 1e-9


def test_3d_network_fixed_points_three_stored_stable_and_four_saddles():
    """The map's fixed points are not all end states: the four spurious ones are saddles."""
    patterns = np.array(REFERENCE[1][0], dtype=float)
    net = newhop(patterns)
    rng = np.random.default_rng(0)
    points = classify_fixed_points(net, patterns, rng, n_perturbations=10)
    assert sorted((p.stored, p.linear_type) for p in points) == [(False, "saddle")] * 4 + [(True, "stable")] * 3
    assert all(p.return_fraction == 1.0 for p in points if p.stored)
    assert all(p.return_fraction < 0.5 for p in points if not p.stored)


def test_attractors_of_2d_network_are_the_nine_known_fixed_points():
    """W = 1.1618 I, b = 0: corners stable, axis points (0, ±1), (±1, 0) saddles, origin a repeller."""
    patterns = np.array(REFERENCE[0][0], dtype=float)
    net = newhop(patterns)
    rng = np.random.default_rng(1)
    attractors, labels, _ = find_attractors(net, _starts(2, 5, 20, rng), patterns, rng)
    found = {tuple(np.round(a.state, 6)): a for a in attractors}
    assert set(found) == {(x, y) for x in (-1.0, 0.0, 1.0) for y in (-1.0, 0.0, 1.0)}
    assert (labels >= 0).all()
    for state, a in found.items():
        zeros = sum(v == 0 for v in state)
        assert a.stored == (state in {(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)})
        assert a.stable == (zeros == 0)
        assert a.linear_type == {0: "stable", 1: "saddle", 2: "repeller"}[zeros]


def test_3d_network_has_only_the_stored_corners_as_corner_fixed_points():
    patterns = np.array(REFERENCE[1][0], dtype=float)
    net = newhop(patterns)
    corners = [np.array(c, dtype=float) for c in np.ndindex(2, 2, 2)]
    fixed = {tuple(2 * c - 1) for c in corners if is_fixed_point(net, 2 * c - 1, 1e-9)}
    assert fixed == {tuple(p) for p in patterns}


def test_contracting_network_has_one_stable_attractor_at_the_origin():
    net = HopfieldNet(W=0.5 * np.eye(2), b=np.zeros(2))
    rng = np.random.default_rng(0)
    attractors, _, _ = find_attractors(net, _starts(2, 3, 5, rng), np.array([[1.0, 1.0]]), rng, tol=1e-6)
    assert len(attractors) == 1
    assert np.allclose(attractors[0].state, 0, atol=1e-6)
    assert attractors[0].stable and not attractors[0].stored
    assert linear_type(net, np.zeros(2)) == "stable"


def test_group_states_merges_within_tolerance_only():
    states = np.array([[0.0, 0.0], [0.0005, 0.0], [0.5, 0.5], [0.0, 0.002]])
    reps, labels = group_states(states, 1e-3)
    assert labels.tolist() == [0, 0, 1, 2]
    assert np.allclose(reps, [[0, 0], [0.5, 0.5], [0, 0.002]])


@st.composite
def symmetric_net(draw):
    """A random symmetric W with eigenvalues in [-1, 3] (the theorem's condition) and a bias."""
    n = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eigenvalues = rng.uniform(-1.0, 3.0, n)
    W = (Q * eigenvalues) @ Q.T
    return HopfieldNet(W=(W + W.T) / 2, b=rng.normal(scale=0.5, size=n)), rng.uniform(-1, 1, (8, n))


@settings(max_examples=60, deadline=None)
@given(symmetric_net())
def test_energy_never_increases_from_inside_the_hypercube(case):
    net, X0 = case
    states = simulate(net, X0, num_steps=60).states
    E = np.stack([energy(net, X) for X in states])  # (K+1, N)
    assert np.all(np.diff(E, axis=0) <= 1e-10)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 8), st.integers(1, 5))
def test_energy_never_increases_for_newhop_networks(seed, size, n_patterns):
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1.0, 1.0], size=(n_patterns, size))
    net = newhop(patterns)
    states = simulate(net, rng.uniform(-1, 1, (16, size)), num_steps=100).states
    E = np.stack([energy(net, X) for X in states])
    assert np.all(np.diff(E, axis=0) <= 1e-10)


def test_energy_can_increase_when_an_eigenvalue_is_below_minus_one():
    """The theorem's condition matters: W = -2 I makes x = 0.5 jump to -1 and E = 1.5 x^2 rises."""
    net = HopfieldNet(W=-2.0 * np.eye(1), b=np.zeros(1))
    states = simulate(net, np.array([[0.5]]), num_steps=5).states
    E = [energy(net, X)[0] for X in states]
    assert np.isclose(E[0], 0.375) and np.isclose(E[1], 1.5)
