"""train_many and the batch maths: every network of a batch as if trained alone."""

import numpy as np
import pytest

from anndl.nn.feedforward.batched import NetworkBatch
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.train_many import train_many
from anndl.nn.feedforward.training import divide, train

FIELDS = ("loss", "val_loss", "test_loss", "grad_norm", "lr", "mu", "gamma", "alpha", "beta", "evaluations")


def noisy_sines(count=3, n=120, hidden=8):
    """count networks of one architecture, each with its own noisy targets and initial weights."""
    x = np.linspace(0, 3, n)
    targets = [np.sin(x**2) + 0.1 * np.random.default_rng(i).normal(size=n) for i in range(count)]
    nets = [MLP.create([1, hidden, 1], x, t, np.random.default_rng(10 + i)) for i, t in enumerate(targets)]
    return nets, x, targets


def assert_same_run(batched, alone):
    (net_b, h_b), (net_a, h_a) = batched, alone
    assert h_b.stop_reason == h_a.stop_reason and h_b.best_epoch == h_a.best_epoch
    assert h_b.epochs == h_a.epochs
    assert np.isclose(h_b.loss[-1], h_a.loss[-1], rtol=1e-9, atol=0)
    for key in FIELDS:
        assert np.allclose(getattr(h_b, key), getattr(h_a, key), rtol=1e-9, atol=0, equal_nan=True), key
    assert np.allclose(net_b.theta_, net_a.theta_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("algorithm", ["gd", "gdx", "lm", "br"])
def test_every_network_follows_its_unbatched_trajectory_for_500_epochs(algorithm):
    nets, x, targets = noisy_sines()
    batched = train_many(nets, x, targets, algorithm=algorithm, epochs=500)
    for net, t, run in zip(nets, targets, batched, strict=True):
        assert_same_run(run, train(net, x, t, algorithm=algorithm, epochs=500))
    assert not np.allclose(batched[0][1].loss[-1], batched[1][1].loss[-1])  # the networks differ


@pytest.mark.parametrize("algorithm", ["gdx", "lm"])
def test_early_stopping_keeps_each_networks_best_validation_weights(algorithm):
    nets, x, targets = noisy_sines(count=4)
    batched = train_many(nets, x, targets, algorithm=algorithm, division="random", epochs=300,
                         rng=np.random.default_rng(3))  # fmt: skip
    sets = divide(len(x), "random", np.random.default_rng(3))
    for net, t, run in zip(nets, targets, batched, strict=True):
        assert_same_run(run, train(net, x, t, algorithm=algorithm, division=sets, epochs=300))
    assert any(h.stop_reason == "Validation stop" for _, h in batched)
    assert len({h.epochs for _, h in batched}) > 1  # networks stop at different epochs


def test_batch_size_does_not_change_the_results():
    nets, x, targets = noisy_sines(count=5)
    whole = train_many(nets, x, targets, algorithm="br", epochs=60)
    in_ones_and_twos = train_many(nets, x, targets, algorithm="br", epochs=60, chunk_values=2 * 120 * 8)
    for a, b in zip(whole, in_ones_and_twos, strict=True):
        assert a[1].loss == b[1].loss and np.array_equal(a[0].theta_, b[0].theta_)


def test_line_search_algorithms_are_trained_one_by_one_with_the_same_results():
    nets, x, targets = noisy_sines(count=2)
    for net, t, run in zip(nets, targets, train_many(nets, x, targets, algorithm="cgf", epochs=40), strict=True):
        assert_same_run(run, train(net, x, t, algorithm="cgf", epochs=40))


@pytest.mark.parametrize(("sizes", "output"), [([3, 6, 2], "linear"), ([2, 5, 4, 3], "softmax")])
def test_batch_maths_equal_the_single_network_maths(sizes, output):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (50, sizes[0]))
    if output == "softmax":
        Ts = [np.eye(sizes[-1])[rng.integers(0, sizes[-1], 50)] for _ in range(3)]
    else:
        Ts = [rng.normal(size=(50, sizes[-1])) for _ in range(3)]
    nets = [MLP.create(sizes, X, T, np.random.default_rng(i), output=output) for i, T in enumerate(Ts)]
    Xs = [net.scale_inputs(X) for net in nets]
    batch = NetworkBatch(nets, Xs, Ts)
    theta = np.stack([net.theta_ for net in nets])
    loss, grad = batch.loss_and_grad(theta)
    rows = np.array([0, 2])
    loss_rows, _ = batch.loss(theta[rows], rows)
    for b, net in enumerate(nets):
        single_loss, single_grad = net.loss_and_grad(net.theta_, Xs[b], Ts[b])
        assert loss[b] == single_loss and np.array_equal(grad[b], single_grad)
    assert np.array_equal(loss_rows, loss[rows])
    if output == "linear":
        e, J = batch.errors_and_jacobian(theta)
        for b, net in enumerate(nets):
            e1, J1 = net.errors_and_jacobian(net.theta_, Xs[b], Ts[b])
            assert np.array_equal(e[b], e1) and np.array_equal(J[b], J1) and J[b].flags.f_contiguous


def test_bad_batches_are_refused_with_the_reason():
    nets, x, targets = noisy_sines(count=2)
    other = MLP.create([1, 3, 1], x, targets[0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="one architecture"):
        train_many([nets[0], other], x, targets, algorithm="gd", epochs=2)
    with pytest.raises(ValueError, match=r"unknown parameters \['mu'\]"):
        train_many(nets, x, targets, algorithm="gd", epochs=2, mu=1.0)
    with pytest.raises(ValueError, match="3 arrays for 2 networks"):
        train_many(nets, x, targets + targets[:1], algorithm="gd", epochs=2)
