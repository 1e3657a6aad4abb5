"""The Hebb rule, asynchronous sweeps, the course's energy and the modern Hopfield update on tiny data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import hadamard

from anndl.nn.hopfield.network import (
    course_energy,
    design,
    hebb,
    modern_energy,
    modern_retrieve,
    step,
    sweep_async,
)


def test_hebb_weights_by_hand_and_orthogonal_patterns_are_fixed_points():
    patterns = hadamard(8)[1:4].astype(float)  # three mutually orthogonal ±1 rows
    net = hebb(patterns)
    expected = sum(np.outer(p, p) for p in patterns) / 8
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.W, expected)
    assert np.all(net.b == 0) and net.transfer == "sign"
    np.testing.assert_array_equal(step(net, patterns), patterns)
    np.testing.assert_array_equal(sweep_async(net, patterns, np.arange(8)), patterns)
    one = hebb(patterns[:1])
    flipped = patterns[:1].copy()
    flipped[0, 0] *= -1  # one stored pattern: a wrong bit is corrected in one synchronous step
    np.testing.assert_array_equal(step(one, flipped), patterns[:1])


def test_sign_units_keep_their_state_at_zero_input():
    net = hebb(np.array([[1.0, 1.0], [1.0, -1.0]]))  # W = 0: every input is exactly 0
    x = np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_array_equal(step(net, x), x)


@pytest.mark.parametrize("rule", ["lssm", "hebb"])
def test_both_rules_store_a_few_random_patterns_as_fixed_points(rule):
    rng = np.random.default_rng(0)
    patterns = rng.choice([-1.0, 1.0], size=(3, 64))
    net = design(patterns, rule)
    np.testing.assert_array_equal(np.where(step(net, patterns) > 0, 1, -1), patterns)


def test_hebb_energy_never_increases_under_asynchronous_sweeps():
    rng = np.random.default_rng(1)
    net = hebb(rng.choice([-1.0, 1.0], size=(12, 40)))  # overloaded: many moves
    X = rng.choice([-1.0, 1.0], size=(20, 40))
    energies = [course_energy(net, X)]
    for _ in range(5):
        X = sweep_async(net, X, rng.permutation(40))
        energies.append(course_energy(net, X))
    assert np.all(np.diff(np.array(energies), axis=0) <= 1e-12)


def test_synchronous_hebb_updates_can_two_cycle():
    net = hebb(np.array([[1.0, -1.0]]))  # W = [[0, -1], [-1, 0]]
    x = np.array([[1.0, 1.0]])
    np.testing.assert_array_equal(step(net, x), -x)
    np.testing.assert_array_equal(step(net, step(net, x)), x)


def test_modern_update_is_softmax_attention_over_the_patterns():
    rng = np.random.default_rng(2)
    patterns = rng.choice([-1.0, 1.0], size=(5, 16))
    query = patterns[2] + 0.3 * rng.standard_normal(16)
    beta = 0.7
    weights = np.exp(beta * patterns @ query)
    weights /= weights.sum()
    np.testing.assert_allclose(modern_retrieve(patterns, query, beta)[0], weights @ patterns)
    # beta -> 0: the mean of the patterns; large beta: the nearest pattern, no overflow at huge beta
    np.testing.assert_allclose(modern_retrieve(patterns, query, 1e-12)[0], patterns.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(modern_retrieve(patterns, query, 1e6)[0], patterns[2])
    # the update never raises Ramsauer et al.'s energy
    X = rng.standard_normal((10, 16))
    for _ in range(3):
        new = modern_retrieve(patterns, X, beta)
        assert np.all(modern_energy(patterns, new, beta) <= modern_energy(patterns, X, beta) + 1e-12)
        X = new


def test_modern_network_stores_more_patterns_than_dimensions():
    rng = np.random.default_rng(3)
    patterns = rng.choice([-1.0, 1.0], size=(200, 32))  # P = 6.25 D, far past any classical capacity
    retrieved = np.sign(modern_retrieve(patterns, patterns, beta=1.0))
    assert np.mean(np.all(retrieved == patterns, axis=1)) > 0.95
