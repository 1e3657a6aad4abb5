"""Sparse autoencoder cost, gradient, softmax layer and greedy stacking (anndl.nn.autoencoders.sparse)."""

import math

import numpy as np
import pytest
import torch

from anndl.nn.autoencoders.sparse import (
    SoftmaxLayer,
    SparseAutoencoder,
    StackedClassifier,
    kl_sparsity_penalty,
    layer_seed,
    train_stack,
)


def test_kl_sparsity_penalty_hand_worked():
    # rho = 0.1, rho_hat = (0.2, 0.05):
    #   0.1 ln(0.1/0.2) + 0.9 ln(0.9/0.8) + 0.1 ln(0.1/0.05) + 0.9 ln(0.9/0.95)
    # = 0.9 (ln 1.125 + ln 0.947368...) = 0.9 (0.1177830 - 0.0540672) = 0.0573442
    value = kl_sparsity_penalty(0.1, torch.tensor([0.2, 0.05], dtype=torch.float64))
    assert np.isclose(float(value), 0.0573442, atol=1e-7)
    at_target = kl_sparsity_penalty(0.3, torch.full((4,), 0.3, dtype=torch.float64))
    assert float(at_target) == pytest.approx(0, abs=1e-15)


def test_cost_value_hand_worked():
    # all weights zero: every hidden unit and output is sigmoid(0) = 0.5
    ae = SparseAutoencoder(2, 1, l2=0.5, sparsity=2.0, proportion=0.1, dtype=torch.float64)
    for p in ae.parameters:
        p.zero_()
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    terms = ae.cost_terms(X)
    # reconstruction: sum of 4 squared errors 0.25, over N = 2 samples = 0.5
    assert float(terms["reconstruction"]) == pytest.approx(0.5, abs=1e-12)
    assert float(terms["weights"]) == 0.0
    # KL(0.1 || 0.5) = 0.1 ln 0.2 + 0.9 ln 1.8 = 0.3680642
    assert float(terms["sparsity"]) == pytest.approx(0.3680642, abs=1e-7)
    assert float(terms["total"]) == pytest.approx(0.5 + 2.0 * 0.3680642, abs=1e-6)
    ae.encoder_weight_[0] = torch.tensor([3.0, -4.0], dtype=torch.float64)
    assert float(ae.cost_terms(X)["weights"]) == pytest.approx(0.5 * 25, abs=1e-12)


def _backprop_gradient(W1, b1, W2, b2, X, l2, beta, rho):
    """Independent numpy backpropagation of the msesparse cost (the UFLDL derivation)."""
    N = X.shape[0]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(X @ W1.T + b1)
    y = sig(h @ W2.T + b2)
    rho_hat = h.mean(axis=0)
    delta2 = -2 * (X - y) / N * y * (1 - y)
    sparsity_grad = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / N
    delta1 = (delta2 @ W2 + sparsity_grad) * h * (1 - h)
    return [delta1.T @ X + l2 * W1, delta1.sum(0), delta2.T @ h + l2 * W2, delta2.sum(0)]


def test_gradient_matches_backprop_and_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.random((7, 5))
    ae = SparseAutoencoder(5, 3, l2=0.01, sparsity=3.0, proportion=0.2, seed=1, dtype=torch.float64)
    with torch.no_grad():
        ae.encoder_bias_.copy_(torch.from_numpy(rng.normal(size=3)))
        ae.decoder_bias_.copy_(torch.from_numpy(rng.normal(size=5)))
    params = ae.parameters
    for p in params:
        p.requires_grad_(True)
    autograd = torch.autograd.grad(ae.cost_terms(X)["total"], params)
    for p in params:
        p.requires_grad_(False)
    analytic = _backprop_gradient(*(p.numpy() for p in params), X, 0.01, 3.0, 0.2)
    for a, b in zip(autograd, analytic, strict=True):
        assert np.allclose(a.numpy(), b, rtol=1e-10, atol=1e-12)

    eps = 1e-6
    for p, g in zip(params, analytic, strict=True):
        flat, numeric = p.view(-1), np.zeros(p.numel())
        for i in range(p.numel()):
            old = float(flat[i])
            flat[i] = old + eps
            up = float(ae.cost_terms(X)["total"])
            flat[i] = old - eps
            down = float(ae.cost_terms(X)["total"])
            flat[i] = old
            numeric[i] = (up - down) / (2 * eps)
        assert np.allclose(numeric, g.ravel(), rtol=1e-6, atol=1e-8)


def test_training_lowers_cost_and_sparsity_sets_mean_activation():
    rng = np.random.default_rng(1)
    X = rng.random((200, 16)) * (rng.random(16) > 0.5)
    ae = SparseAutoencoder(16, 8, l2=0.001, sparsity=4.0, proportion=0.1, epochs=200, seed=0,
                           dtype=torch.float64)
    ae.fit(X)
    assert ae.loss_curve_[-1] < 0.5 * ae.loss_curve_[0]
    assert np.all(np.diff(ae.loss_curve_) <= 1e-9)  # a line search never accepts an increase
    mean_activation = ae.encode(X).mean(0).numpy()
    assert np.allclose(mean_activation, 0.1, atol=0.05)


def test_softmax_layer_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    centres = rng.normal(size=(3, 4))
    labels = rng.integers(0, 3, 300)
    Z = centres[labels] + rng.normal(scale=1.5, size=(300, 4))  # overlapping classes: finite optimum
    ours = SoftmaxLayer(4, 3, epochs=500, dtype=torch.float64).fit(Z, labels)
    probs = torch.softmax(ours.logits(Z), dim=1).numpy()
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(Z, labels)
    assert np.allclose(probs, reference.predict_proba(Z), atol=1e-4)


def test_stack_shares_prefix_layers_and_seeds_depend_only_on_prefix():
    rng = np.random.default_rng(3)
    X = rng.random((60, 12))
    y = rng.integers(0, 3, 60)
    settings = {"l2": 0.001, "sparsity": 1.0, "proportion": 0.2, "epochs": 15}
    cache: dict = {}
    deep, _ = train_stack(X, y, [6, 4], [settings, settings], softmax_epochs=10, n_classes=3, seed=7,
                          cache=cache, dtype=torch.float64)
    shallow, _ = train_stack(X, y, [6], [settings], softmax_epochs=10, n_classes=3, seed=7, cache=cache,
                             dtype=torch.float64)
    assert shallow[0] is deep[0] and set(cache) == {(6,), (6, 4)}
    alone, _ = train_stack(X, y, [6], [settings], softmax_epochs=10, n_classes=3, seed=7, dtype=torch.float64)
    assert torch.equal(alone[0].encoder_weight_, deep[0].encoder_weight_)
    assert layer_seed(7, [6]) != layer_seed(7, [6, 4]) != layer_seed(8, [6, 4])


def test_fine_tuning_lowers_cross_entropy_and_keeps_autoencoders():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 120)
    signal = 0.3 * (2 * labels[:, None] - 1) * rng.random((120, 10))
    X = np.clip(0.5 + signal + 0.1 * rng.normal(size=(120, 10)), 0, 1)
    settings = {"l2": 0.001, "sparsity": 1.0, "proportion": 0.2, "epochs": 20}
    aes, softmax = train_stack(X, labels, [5], [settings], softmax_epochs=20, n_classes=2,
                               dtype=torch.float64)
    before = aes[0].encoder_weight_.clone()
    stack = StackedClassifier(aes, softmax)
    loss = lambda: float(torch.nn.functional.cross_entropy(stack.logits(X), torch.as_tensor(labels)))  # noqa: E731
    start = loss()
    stack.fine_tune(X, labels, epochs=50)
    assert loss() < start and math.isclose(stack.loss_curve_[-1], loss(), rel_tol=1e-9)
    assert stack.accuracy(X, labels) >= 0.95
    assert torch.equal(aes[0].encoder_weight_, before)


def test_autoencoder_trains_with_trainscg_by_default_and_lbfgs_on_request():
    """trainscg (MATLAB's optimiser for trainAutoencoder) never accepts a cost increase; both optimisers
    reach comparable costs on the same problem from the same weights."""
    rng = np.random.default_rng(1)
    X = rng.random((200, 16)) * (rng.random(16) > 0.5)
    kwargs = {"l2": 0.001, "sparsity": 4.0, "proportion": 0.1, "epochs": 300, "seed": 0, "dtype": torch.float64}
    scg = SparseAutoencoder(16, 8, **kwargs).fit(X)
    lbfgs = SparseAutoencoder(16, 8, optimiser="lbfgs", **kwargs).fit(X)
    assert scg.optimiser == "scg" and scg.loss_curve_[0] == lbfgs.loss_curve_[0]
    assert np.all(np.diff(scg.loss_curve_) <= 0)
    assert len(scg.loss_curve_) == 301  # one entry per epoch: min_grad 1e-6 is not reached here
    assert scg.loss_curve_[-1] < 0.5 * scg.loss_curve_[0]
    assert abs(scg.loss_curve_[-1] - lbfgs.loss_curve_[-1]) < 0.05 * lbfgs.loss_curve_[-1]
    with pytest.raises(ValueError, match="scg, lbfgs"):
        SparseAutoencoder(16, 8, optimiser="adam").fit(X)
