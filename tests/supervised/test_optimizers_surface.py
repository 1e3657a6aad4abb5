"""The optimiser comparison: one start shared by every optimiser and trainer, the loop's batches."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from anndl.data.regression import damped_sinc_surface
from anndl.nn.feedforward.optimisers import OptimiserSpec, train_minibatch
from anndl.nn.feedforward.torch_mlp import to_classic, torch_mlp
from anndl.supervised.optimizers_surface import OptimizersSurfaceConfig, RepetitionCell, run_repetition


def test_surface_formula_grid_and_origin():
    X, z = damped_sinc_surface(40, 3.0)
    assert X.shape == (1600, 2) and z.shape == (1600,)
    r2 = X[7, 0] ** 2 + X[7, 1] ** 2
    assert z[7] == pytest.approx(np.sin(0.8 * r2) / r2**0.9)
    assert X[:, 0].min() == -3 and X[:, 1].max() == 3
    _, z_odd = damped_sinc_surface(5, 1.0)
    assert z_odd[12] == 0 and np.all(np.isfinite(z_odd))  # the origin: the limit 0


def test_the_numpy_copy_computes_what_the_torch_net_computes():
    torch.manual_seed(0)
    model = torch_mlp([2, 6, 5, 1], "relu").double()
    X = np.random.default_rng(0).uniform(-3, 3, (30, 2))
    with torch.no_grad():
        expected = model(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(to_classic(model).predict(X), expected, rtol=1e-12, atol=1e-12)


def test_every_optimiser_and_trainer_starts_from_the_same_network():
    cfg = OptimizersSurfaceConfig(grid_points=6, hidden=[4, 3], epochs=2, classic_epochs=2, repetitions=1,
                                  record_every=1)
    out = run_repetition(RepetitionCell(0, cfg, seed=5))
    labels = [o.label for o in cfg.optimizers] + cfg.classic
    starts = [out[label]["train_mse"][0] for label in labels]
    np.testing.assert_allclose(starts, out["initial_train_mse"], rtol=1e-5)  # float32 torch vs float64 numpy
    finals = {label: out[label]["train_mse"][-1] for label in labels}
    assert len(set(np.round(list(finals.values()), 12))) == len(labels), "each optimiser moved differently"


def test_the_loop_takes_the_plain_loops_steps_over_the_same_batches():
    torch.manual_seed(1)
    X = torch.randn(50, 2)
    T = torch.randn(50, 1)
    model = torch_mlp([2, 8, 1])
    plain = copy.deepcopy(model)
    spec = OptimiserSpec(name="sgd", lr=0.05, momentum=0.9, nesterov=True, batch_size=16)
    train_minibatch(model, X, T, spec, 3, torch.Generator().manual_seed(9), record_every=100)
    optimiser = torch.optim.SGD(plain.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    generator = torch.Generator().manual_seed(9)
    for _ in range(3):
        order = torch.randperm(50, generator=generator)
        for i in range(0, 50, 16):
            optimiser.zero_grad()
            torch.nn.functional.mse_loss(plain(X[order[i:i + 16]]), T[order[i:i + 16]]).backward()
            optimiser.step()
    for a, b in zip(model.parameters(), plain.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_keras_convnet_has_the_examples_34826_parameters_and_shapes():
    from anndl.nn.conv.keras_mnist import keras_mnist_convnet

    model = keras_mnist_convnet()
    assert sum(p.numel() for p in model.parameters()) == 34826
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
