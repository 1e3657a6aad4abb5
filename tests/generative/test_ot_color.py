"""OT colour transfer: plan marginals, EMD against an assignment solver, barycentric map by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from anndl.nn.transport.color_transfer import (
    barycentric_map,
    extend_to_pixels,
    sample_pixels,
    solve_plan,
    transfer_colors,
)


@pytest.fixture
def clouds():
    rng = np.random.default_rng(0)
    return rng.random((30, 3)), rng.random((40, 3)) ** 2


@pytest.mark.parametrize("solver", ["emd", "sinkhorn"])
def test_plan_marginals_are_uniform(clouds, solver):
    xs, xt = clouds
    fit = solve_plan(xs, xt, solver, reg=0.1, max_iter=5000)
    assert fit.plan_.shape == (30, 40) and (fit.plan_ >= 0).all()
    assert np.allclose(fit.plan_.sum(axis=1), 1 / 30, atol=1e-8)
    assert np.allclose(fit.plan_.sum(axis=0), 1 / 40, atol=1e-8)
    cost = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    assert np.isclose(fit.transport_cost_, (fit.plan_ * cost).sum())
    assert np.isclose(fit.wasserstein2_, np.sqrt(fit.transport_cost_))
    assert fit.seconds_ >= 0


def test_emd_cost_equals_optimal_assignment_and_sinkhorn_is_above_it():
    """With n = m uniform points the exact plan is a permutation: scipy's Hungarian solver agrees."""
    rng = np.random.default_rng(1)
    xs, xt = rng.random((25, 3)), rng.random((25, 3))
    cost = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    exact = cost[rows, cols].mean()
    emd = solve_plan(xs, xt, "emd")
    assert np.isclose(emd.transport_cost_, exact, rtol=1e-10)
    assert np.allclose(emd.plan_[rows, cols], 1 / 25)
    assert np.isclose(emd.plan_.sum(), 1.0)
    assert solve_plan(xs, xt, "sinkhorn", reg=0.1).transport_cost_ > exact


def test_barycentric_map_on_a_hand_made_plan():
    targets = np.array([[0.0, 0.0, 0.0], [1.0, 0.5, 0.2]])
    plan = np.array([[0.25, 0.25], [0.0, 0.5]])
    mapped = barycentric_map(plan, targets)
    assert np.allclose(mapped, [[0.5, 0.25, 0.1], [1.0, 0.5, 0.2]])


def test_emd_map_of_two_points_sends_dark_to_dark():
    """Cost difference diag - anti = -2 (a0 - a1)·(b0 - b1) = 4.4 > 0: the exact plan is anti-diagonal,
    black goes to the dark target, white to the bright one, at cost ½(0.06 + 0.06) = 0.06."""
    xs = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    xt = np.array([[0.9, 0.9, 0.8], [0.1, 0.2, 0.1]])
    fit = solve_plan(xs, xt, "emd")
    assert np.allclose(fit.plan_, [[0.0, 0.5], [0.5, 0.0]])
    assert np.isclose(fit.transport_cost_, 0.06)
    assert np.allclose(barycentric_map(fit.plan_, xt), xt[::-1])
    assert np.allclose(barycentric_map(fit.plan_.T, xs), xs[::-1])


def test_extend_to_pixels_moves_each_pixel_by_its_nearest_anchor_and_clips():
    anchors = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    moved = np.array([[0.2, 0.0, 0.0], [0.5, 0.5, 0.5]])
    image = np.array([[[0.0, 0.0, 0.0], [0.1, 0.1, 0.1]], [[0.9, 0.8, 1.0], [1.0, 1.0, 1.0]]], np.float32)
    out = extend_to_pixels(image, anchors, moved)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.allclose(out[0, 0], [0.2, 0.0, 0.0])
    assert np.allclose(out[0, 1], [0.3, 0.1, 0.1])
    assert np.allclose(out[1, 0], [0.4, 0.3, 0.5])
    assert np.allclose(out[1, 1], [0.5, 0.5, 0.5])
    assert np.allclose(extend_to_pixels(image, anchors, anchors + 0.5).max(), 1.0)


def test_transfer_between_an_image_and_itself_is_the_identity():
    rng = np.random.default_rng(2)
    image = rng.random((12, 10, 3)).astype(np.float32)
    xs = sample_pixels(image, 120, np.random.default_rng(3))
    forward, backward = transfer_colors(solve_plan(xs, xs.copy(), "emd"), image, image)
    assert np.allclose(forward, image, atol=1e-6) and np.allclose(backward, image, atol=1e-6)


def test_transfer_matches_target_colour_statistics():
    """A dark-blue image recoloured with a bright-red image's pixels takes on its channel means."""
    rng = np.random.default_rng(4)
    dark = np.clip(rng.normal([0.1, 0.15, 0.4], 0.05, (30, 30, 3)), 0, 1).astype(np.float32)
    red = np.clip(rng.normal([0.8, 0.3, 0.2], 0.08, (30, 30, 3)), 0, 1).astype(np.float32)
    fit = solve_plan(sample_pixels(dark, 300, rng), sample_pixels(red, 300, rng), "emd")
    forward, backward = transfer_colors(fit, dark, red)
    assert np.allclose(forward.reshape(-1, 3).mean(0), red.reshape(-1, 3).mean(0), atol=0.02)
    assert np.allclose(backward.reshape(-1, 3).mean(0), dark.reshape(-1, 3).mean(0), atol=0.02)


def test_unknown_solver_and_oversampling_raise_value_error(clouds):
    with pytest.raises(ValueError, match="known: emd, sinkhorn"):
        solve_plan(*clouds, solver="greenkhorn")
    with pytest.raises(ValueError, match="cannot sample"):
        sample_pixels(np.zeros((2, 2, 3)), 5, np.random.default_rng(0))
