"""The VAE's per-sample loss on a hand-computed case, the regularised autoencoders' penalties, and the
linear probe above chance on tiny data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from anndl.features.autoencoders_mnist import probe_accuracy
from anndl.nn.autoencoders.options import Variant
from anndl.nn.autoencoders.regularised import Autoencoder, build, contractive_penalty, corrupt, loss_terms
from anndl.nn.autoencoders.vae import VAE, vae_loss


def test_vae_loss_on_a_hand_computed_case():
    # two identical images of two pixels: x = (1, 0), decoder probabilities (0.8, 0.4)
    p = torch.tensor([[0.8, 0.4], [0.8, 0.4]], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    mu = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.0, math.log(2.0)], [0.0, math.log(2.0)]], dtype=torch.float64)
    terms = vae_loss(torch.logit(p), x, mu, logvar)
    reconstruction = -math.log(0.8) - math.log(0.6)  # 0.7340 nats per image, not per batch
    kl = 0.5 * ((1 + 1 - 1 - 0) + (2 + 0 - 1 - math.log(2.0)))  # 0.6534
    assert float(terms["reconstruction"]) == pytest.approx(reconstruction, rel=1e-12)
    assert float(terms["kl"]) == pytest.approx(kl, rel=1e-12)
    assert float(terms["loss"]) == pytest.approx(reconstruction + kl, rel=1e-12)
    # the same images in a batch of one give the same per-sample values (no division by the batch size twice)
    one = vae_loss(torch.logit(p[:1]), x[:1], mu[:1], logvar[:1])
    assert float(one["loss"]) == pytest.approx(float(terms["loss"]), rel=1e-12)


def test_vae_shapes_and_initialisation():
    model = VAE()
    logits, mu, logvar = model(torch.rand(3, 784))
    assert logits.shape == (3, 784) and mu.shape == logvar.shape == (3, 100)
    assert torch.all(model.encoder[0].bias == 0.01) and torch.all(model.decoder[2].bias == 0.01)
    bound = math.sqrt(6 / (784 + 128))
    assert float(model.encoder[0].weight.detach().abs().max()) <= bound


def test_contractive_penalty_matches_the_autograd_jacobian():
    torch.manual_seed(0)
    for activation in ("relu", "sigmoid"):
        model = Autoencoder(6, 4, activation).double()
        x = torch.rand(3, 6, dtype=torch.float64)
        closed = contractive_penalty(model, model.pre_activation(x))
        norms = [torch.autograd.functional.jacobian(model.encode, x[i:i + 1]).pow(2).sum() for i in range(3)]
        assert float(closed) == pytest.approx(float(torch.stack(norms).mean()), rel=1e-10)


def test_corruptions_and_penalties():
    torch.manual_seed(0)
    x = torch.full((200, 50), 0.5)
    masked = corrupt(x, Variant(name="m", kind="masking", noise=0.3))
    assert 0.25 < float((masked == 0).float().mean()) < 0.35
    salted = corrupt(x, Variant(name="s", kind="salt_pepper", noise=0.2))
    assert 0.15 < float((salted != 0.5).float().mean()) < 0.25
    noisy = corrupt(x, Variant(name="g", kind="gaussian", noise=0.3))
    assert float(noisy.min()) >= 0 and float(noisy.max()) <= 1
    assert torch.equal(corrupt(x, Variant(name="p")), x)
    for kind in ("l1", "kl", "contractive"):
        variant = Variant(name=kind, kind=kind, weight=0.1)
        terms = loss_terms(build(variant, 50, 8), x, variant)
        assert float(terms["penalty"]) > 0
        assert float(terms["loss"]) == pytest.approx(float(terms["reconstruction"] + terms["penalty"]))
    assert build(Variant(name="k", kind="kl"), 50, 8).code_activation == "sigmoid"


def test_linear_probe_is_above_chance_on_tiny_data():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 30)
    centres = rng.standard_normal((4, 8)) * 3
    codes = centres[labels] + rng.standard_normal((120, 8))
    order = rng.permutation(120)
    train, test = order[:80], order[80:]
    accuracy = probe_accuracy(codes[train], labels[train], codes[test], labels[test])
    assert accuracy > 0.5  # chance is 0.25


def test_probe_on_trained_autoencoder_codes_beats_chance():
    from anndl.data.mnist import load_mnist_subset
    from anndl.nn import minibatch

    images, labels = load_mnist_subset()
    keep = np.concatenate([np.flatnonzero(labels == c)[:40] for c in range(10)])
    x = torch.as_tensor(images[keep]).reshape(len(keep), -1)
    torch.manual_seed(0)
    variant = Variant(name="plain")
    model = build(variant, 784, 16)
    minibatch.fit(model, (x,), lambda m, xb: loss_terms(m, xb, variant), torch.optim.Adam(model.parameters(), 1e-3),
                  epochs=5, batch_size=32, seed=0)
    with torch.no_grad():
        codes = model.encode(x).numpy()
    order = np.random.default_rng(0).permutation(len(keep))
    train, test = order[:300], order[300:]
    assert probe_accuracy(codes[train], labels[keep][train], codes[test], labels[keep][test]) > 0.3  # chance 0.1
