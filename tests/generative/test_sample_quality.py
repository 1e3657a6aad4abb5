"""Sample-quality numbers: the Fréchet distance against closed forms, entropy and confidence on
hand cases, the held-out split, and the scoring of real digits with chapter 3's CNN."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from anndl.nn.adversarial.options import held_out_split
from anndl.nn.adversarial.sample_quality import (
    class_entropy_bits,
    classifier_features,
    confident_fraction,
    frechet_distance,
    frechet_distance_of_features,
    gaussian_stats,
    sample_quality,
)
from anndl.nn.conv import cnn


def random_covariance(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_one_dimensional_gaussians():
    # W2^2 between N(m1, s1^2) and N(m2, s2^2) is (m1 - m2)^2 + (s1 - s2)^2
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)


def test_diagonal_gaussians_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    assert frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2)) == pytest.approx(expected, rel=1e-12)


def test_general_gaussians_match_the_scipy_sqrtm_formula():
    rng = np.random.default_rng(0)
    for d in (2, 5, 12):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        c1, c2 = random_covariance(rng, d), random_covariance(rng, d)
        reference = np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2 * scipy.linalg.sqrtm(c1 @ c2).real)
        assert frechet_distance(mu1, c1, mu2, c2) == pytest.approx(reference, rel=1e-8)
        assert frechet_distance(mu1, c1, mu2, c2) == pytest.approx(frechet_distance(mu2, c2, mu1, c1), rel=1e-9)
        assert frechet_distance(mu1, c1, mu1, c1) == pytest.approx(0.0, abs=1e-9)


def test_feature_distance_needs_no_covariance_when_samples_are_few():
    rng = np.random.default_rng(1)
    for n_a, n_b, d in [(30, 40, 100), (60, 50, 8)]:  # fewer rows than features, and more
        a = rng.normal(size=(n_a, d)) @ rng.normal(size=(d, d))
        b = rng.normal(size=(n_b, d)) + 0.5
        mean_a, cov_a = a.mean(0), np.cov(a, rowvar=False)
        mean_b, cov_b = b.mean(0), np.cov(b, rowvar=False)
        reference = frechet_distance(mean_a, cov_a, mean_b, cov_b)
        assert frechet_distance_of_features(a, b) == pytest.approx(reference, rel=1e-8)
    with pytest.raises(ValueError, match="same d"):
        frechet_distance_of_features(np.zeros((5, 3)), np.zeros((5, 4)))


def test_sample_estimate_approaches_the_population_value():
    rng = np.random.default_rng(2)
    mu1, mu2 = np.zeros(3), np.array([1.0, 0.0, -1.0])
    c1, c2 = np.diag([1.0, 2.0, 0.5]), random_covariance(rng, 3)
    a = rng.multivariate_normal(mu1, c1, size=40_000)
    b = rng.multivariate_normal(mu2, c2, size=40_000)
    assert frechet_distance_of_features(a, b) == pytest.approx(frechet_distance(mu1, c1, mu2, c2), rel=0.03)
    mean, cov = gaussian_stats(a)
    assert np.allclose(mean, mu1, atol=0.03) and np.allclose(cov, c1, atol=0.05)


def test_entropy_of_the_class_histogram_by_hand():
    assert class_entropy_bits([4] * 50) == 0.0
    assert class_entropy_bits(np.arange(10).repeat(7)) == pytest.approx(math.log2(10))
    assert class_entropy_bits([1, 8, 1, 8]) == pytest.approx(1.0)
    assert class_entropy_bits([0, 0, 0, 1]) == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))


def test_confident_fraction_by_hand():
    probabilities = np.array([[0.95, 0.05], [0.9, 0.1], [0.5, 0.5], [0.01, 0.99]])
    assert confident_fraction(probabilities) == pytest.approx(0.5)  # 0.9 itself is not above 0.9
    assert confident_fraction(probabilities, threshold=0.4) == pytest.approx(1.0)


def test_held_out_split_takes_the_same_number_from_every_class():
    labels = np.repeat(np.arange(4), [5, 6, 7, 8])
    train, held = held_out_split(labels, 2, np.random.default_rng(0))
    assert np.bincount(labels[held]).tolist() == [2, 2, 2, 2]
    assert np.intersect1d(train, held).size == 0 and len(train) + len(held) == len(labels)
    with pytest.raises(ValueError, match="class 0 has 5 items"):
        held_out_split(labels, 5, np.random.default_rng(0))


def test_scoring_real_digits_against_themselves():
    torch.manual_seed(0)
    model = cnn.DigitCNN()
    digits = np.random.default_rng(3).random((64, 28, 28)).astype(np.float32)
    scores = sample_quality(model, digits, digits)
    features = classifier_features(model, digits)
    total_variance = np.sum((features - features.mean(0)) ** 2) / (len(features) - 1)
    assert scores["frechet_distance"] <= 1e-9 * total_variance
    assert sum(scores["class_histogram"]) == 64 and len(scores["class_histogram"]) == 10
    assert 0.0 <= scores["confident_fraction"] <= 1.0
    assert 0.0 <= scores["class_entropy_bits"] <= math.log2(10) + 1e-12
    shifted = sample_quality(model, np.clip(digits + 0.3, 0, 1), digits)
    assert shifted["frechet_distance"] > 0.01 * total_variance
