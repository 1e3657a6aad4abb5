"""RBM / DBM: free energy by hand, pseudo-likelihood against scikit-learn, gradients, invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.neural_network import BernoulliRBM as SklearnRBM

from anndl.data.mnist import load_mnist_subset
from anndl.nn.boltzmann.dbm import DeepBoltzmannMachine, pretrain_dbm, train_dbm
from anndl.nn.boltzmann.rbm import BernoulliRBM, train_rbm


def _rbm(weights, visible_bias, hidden_bias, seed: int = 0, dtype=torch.float64) -> BernoulliRBM:
    rbm = BernoulliRBM(len(visible_bias), len(hidden_bias), torch.Generator().manual_seed(seed), dtype=dtype)
    rbm.weights_ = torch.as_tensor(np.asarray(weights), dtype=dtype)
    rbm.visible_bias_ = torch.as_tensor(np.asarray(visible_bias), dtype=dtype)
    rbm.hidden_bias_ = torch.as_tensor(np.asarray(hidden_bias), dtype=dtype)
    return rbm


@pytest.fixture(scope="module")
def mnist_rows() -> np.ndarray:
    """1000 shuffled MNIST-subset digits as float64 rows (the subset is stored sorted by class)."""
    images, _ = load_mnist_subset()
    rows = images.reshape(len(images), -1).astype(np.float64)
    return rows[np.random.default_rng(0).permutation(len(rows))[:1000]]


def test_free_energy_of_two_visible_one_hidden_rbm_matches_hand_computation():
    # W = [[1], [-2]], b = (0.5, -1), c = 0.3:  F(v) = -v·b - log(1 + exp(c + v·W)).
    rbm = _rbm([[1.0], [-2.0]], [0.5, -1.0], [0.3])
    v = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    by_hand = [
        -math.log(1 + math.exp(0.3)),               # -0.854355
        -0.5 - math.log(1 + math.exp(1.3)),         # -2.041008
        1.0 - math.log(1 + math.exp(-1.7)),         # +0.832214
        0.5 - math.log(1 + math.exp(-0.7)),         # +0.096814
    ]
    assert np.allclose(rbm.free_energy(v).numpy(), by_hand, atol=1e-12)
    assert np.allclose(by_hand, [-0.854355, -2.041008, 0.832214, 0.096814], atol=1e-6)
    # exp(-F(v)) = Σ_h exp(-E(v, h)) with E = -v·b - h·c - v W h.
    for row in v.numpy():
        energies = [-(row @ [0.5, -1.0]) - h * 0.3 - h * (row @ [1.0, -2.0]) for h in (0.0, 1.0)]
        assert np.isclose(-math.log(sum(math.exp(-e) for e in energies)),
                          rbm.free_energy(torch.tensor(row[None])).item(), atol=1e-12)


def test_exact_pseudo_log_likelihood_equals_explicit_pixel_flips():
    g = torch.Generator().manual_seed(1)
    f64 = {"generator": g, "dtype": torch.float64}
    rbm = _rbm(0.5 * torch.randn(12, 5, **f64), torch.randn(12, **f64), torch.randn(5, **f64))
    v = torch.rand(6, 12, generator=g, dtype=torch.float64)
    explicit = torch.zeros(6, dtype=torch.float64)
    for i in range(12):
        flipped = v.clone()
        flipped[:, i] = 1 - flipped[:, i]
        explicit += torch.nn.functional.logsigmoid(rbm.free_energy(flipped) - rbm.free_energy(v))
    assert np.allclose(rbm.pseudo_log_likelihood(v).numpy(), explicit.numpy(), atol=1e-10)


def test_pseudo_likelihood_of_sklearn_weights_matches_sklearn_estimator(mnist_rows):
    """Same weights, same data: our exact PLL vs the mean of scikit-learn's one-flip estimator."""
    sk = SklearnRBM(n_components=32, learning_rate=0.05, batch_size=10, n_iter=2, random_state=0)
    sk.fit(mnist_rows)
    ours = _rbm(sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_)
    assert np.allclose(ours.free_energy(torch.tensor(mnist_rows[:50])).numpy(),
                       sk._free_energy(mnist_rows[:50]), atol=1e-9)
    estimates = []
    for draw in range(40):
        sk.random_state = 100 + draw
        estimates.append(sk.score_samples(mnist_rows).mean())
    exact = ours.pseudo_log_likelihood(torch.tensor(mnist_rows)).mean().item()
    # 40 draws x 1000 images: the estimator's standard error is about 0.3% of the value.
    assert exact == pytest.approx(np.mean(estimates), rel=0.02)


def test_trained_pseudo_likelihood_within_ten_percent_of_sklearn(mnist_rows):
    """Persistent CD-1, 64 units, lr 0.05, batch 10, 5 epochs on the same 1000 digits: the exact PLL of
    our trained RBM lies within 10 % of scikit-learn's trained BernoulliRBM (measured: 2-5 %)."""
    sk = SklearnRBM(n_components=64, learning_rate=0.05, batch_size=10, n_iter=5, random_state=0)
    sk.fit(mnist_rows)
    data = torch.tensor(mnist_rows, dtype=torch.float32)
    reference = _rbm(sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_, dtype=torch.float32)
    ours = BernoulliRBM(784, 64, torch.Generator().manual_seed(0))
    initial = ours.pseudo_log_likelihood(data).mean().item()
    train_rbm(ours, data, epochs=5, learning_rate=0.05, batch_size=10, method="pcd", monitor=data[:50],
              progress=False)
    pll_sk = reference.pseudo_log_likelihood(data).mean().item()
    pll_ours = ours.pseudo_log_likelihood(data).mean().item()
    assert initial < 1.5 * pll_sk  # training moved a long way (from about 784·log σ(0) = -543)
    assert pll_ours == pytest.approx(pll_sk, rel=0.10)
    assert len(ours.history_["pseudo_log_likelihood"]) == 5


def test_positive_phase_is_the_free_energy_gradient():
    """The data term v·p(h|v)ᵀ of the CD update equals -dF/dW (checked with autograd)."""
    g = torch.Generator().manual_seed(2)
    rbm = _rbm(0.3 * torch.randn(7, 4, generator=g, dtype=torch.float64), torch.zeros(7, dtype=torch.float64),
               torch.randn(4, generator=g, dtype=torch.float64))
    v = torch.rand(5, 7, generator=g, dtype=torch.float64)
    weights = rbm.weights_.clone().requires_grad_(True)
    rbm.weights_ = weights
    (-rbm.free_energy(v).sum()).backward()
    with torch.no_grad():
        assert np.allclose(weights.grad.numpy(), (v.T @ rbm.hidden_probs(v)).numpy(), atol=1e-12)


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_tiny_rbm_learns_two_patterns(method):
    """4 pixels, data = 1100 or 0011: after training, the exact model p(v) puts most mass on them."""
    patterns = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    data = patterns[torch.arange(200) % 2]
    rbm = BernoulliRBM(4, 4, torch.Generator().manual_seed(3), init_std=0.1)
    train_rbm(rbm, data, epochs=60, learning_rate=0.1, batch_size=10, method=method, gibbs_steps=1,
              progress=False)
    states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))
    log_p = -rbm.free_energy(states)
    p = torch.softmax(log_p, dim=0)
    mass = p[(states == patterns[0]).all(1) | (states == patterns[1]).all(1)].sum().item()
    assert mass > 0.8


def test_clamped_reconstruction_keeps_known_pixels():
    rbm = BernoulliRBM(20, 6, torch.Generator().manual_seed(4), init_std=0.5)
    v = torch.rand(3, 20, generator=torch.Generator().manual_seed(5))
    known = torch.arange(20) >= 8
    frames = rbm.reconstruct_clamped(torch.where(known, v, torch.zeros_like(v)), known, steps=4)
    assert frames.shape == (5, 3, 20)
    assert torch.equal(frames[:, :, known], v[:, known].expand(5, -1, -1))
    assert not torch.equal(frames[-1, :, ~known], torch.zeros(3, 8))


def test_unknown_names_raise_value_error_listing_known_ones():
    rbm = BernoulliRBM(4, 2, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="known: cd, pcd"):
        train_rbm(rbm, torch.rand(10, 4), epochs=1, learning_rate=0.1, batch_size=5, method="cd1")
    with pytest.raises(ValueError, match="known: all, one"):
        rbm.pseudo_log_likelihood(torch.rand(2, 4), flips="some")


def test_dbm_mean_field_reaches_its_fixed_point_and_training_runs():
    g = torch.Generator().manual_seed(6)
    data = (torch.rand(60, 16, generator=g) < 0.3).float()
    dbm, bottom, top = pretrain_dbm(data, [8, 6], g, epochs=2, learning_rate=0.05, batch_size=10,
                                    progress=False)
    assert bottom.up_scale == 2.0 and top.down_scale == 2.0
    assert torch.equal(dbm.weights_[0], bottom.weights_) and torch.equal(dbm.weights_[1], top.weights_)
    assert torch.allclose(dbm.biases_[1], (bottom.hidden_bias_ + top.visible_bias_) / 2)
    mu1, mu2 = dbm.mean_field(data, steps=50)
    assert torch.allclose(mu1, dbm.middle_probs(data, mu2), atol=1e-5)
    assert torch.allclose(mu2, dbm.top_probs(mu1), atol=1e-6)
    history = train_dbm(dbm, data, epochs=2, learning_rate=0.01, batch_size=20, n_chains=10, gibbs_steps=2,
                        mean_field_steps=5, progress=False)
    assert history["epoch"] == [1, 2] and all(np.isfinite(history["reconstruction_error"]))
    frames = dbm.gibbs_chain(data[:4], steps=3, record=[0, 3])
    assert frames.shape == (2, 4, 16) and torch.equal(frames[0], data[:4])
    assert isinstance(DeepBoltzmannMachine.from_rbms(bottom, top), DeepBoltzmannMachine)
