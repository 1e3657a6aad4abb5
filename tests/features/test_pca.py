"""PCA against numpy's SVD and scikit-learn, and the dropped-eigenvalue identity."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA

from anndl.data.threes import load_threes
from anndl.nn.autoencoders.pca import PCA


@pytest.fixture(params=[(200, 12), (30, 80)], ids=["tall", "wide"])
def data(request):
    rng = np.random.default_rng(1)
    n, d = request.param
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


def test_matches_svd_and_sklearn(data):
    pca = PCA().fit(data)
    rank = min(data.shape) - 1
    centred = data - data.mean(axis=0)
    singular = np.linalg.svd(centred, compute_uv=False)
    assert np.allclose(pca.eigenvalues_[:rank], singular[:rank] ** 2 / (len(data) - 1), rtol=1e-10)
    reference = SkPCA(svd_solver="full").fit(data)
    assert np.allclose(pca.eigenvalues_[:rank], reference.explained_variance_[:rank], rtol=1e-10)
    overlap = np.abs(np.sum(pca.components_[:rank] * reference.components_[:rank], axis=1))
    assert np.allclose(overlap, 1.0, atol=1e-8)
    assert np.allclose(pca.components_ @ pca.components_.T, np.eye(data.shape[1]), atol=1e-10)


def test_rmsd_squared_equals_scaled_sum_of_dropped_eigenvalues(data):
    pca = PCA().fit(data)
    n, d = data.shape
    for q in range(1, d + 1):
        mse = np.mean((data - pca.reconstruct(data, q)) ** 2)
        assert mse == pytest.approx((n - 1) / (n * d) * pca.eigenvalues_[q:].sum(), rel=1e-8, abs=1e-20)
        assert pca.rmsd(data, q) == pytest.approx(pca.predicted_rmsd(q), rel=1e-6, abs=1e-12)


def test_explained_variance_is_monotone_and_ends_at_one(data):
    cumulative = PCA().fit(data).cumulative_explained_variance()
    assert np.all(np.diff(cumulative) >= -1e-15)
    assert cumulative[-1] == pytest.approx(1.0, abs=1e-12)


def test_components_for_a_fraction():
    pca = PCA()
    pca.explained_variance_ratio_ = np.array([0.5, 0.3, 0.15, 0.05])
    assert [pca.components_for(f) for f in (0.5, 0.8, 0.81, 0.95, 1.0)] == [1, 2, 3, 3, 4]


def test_course_threes_match_the_mnist_threes_in_layout(course_file):
    course = load_threes(course_file("threes.mat"))
    assert course.shape == (500, 256) and 0.0 <= course.min() and course.max() <= 1.0
    assert load_threes(None).shape == (500, 256)
    # MATLAB stores each image column by column; loaded rows are row-major like the MNIST threes, so the
    # mean three is more similar to the mean MNIST three than its transpose is.
    mean_course = course.mean(axis=0).reshape(16, 16)
    mean_mnist = load_threes(None).mean(axis=0).reshape(16, 16)
    assert np.sum((mean_course - mean_mnist) ** 2) < np.sum((mean_course.T - mean_mnist) ** 2)


@pytest.mark.parametrize("count", [500, 200], ids=["more threes than pixels", "fewer"])
def test_full_reconstruction_error_is_rounding_of_the_working_precision(count):
    threes = load_threes(None, count)
    q = threes.shape[1]
    double, single = PCA().fit(threes), PCA(np.float32).fit(threes)
    assert single.components_.dtype == np.float32 and double.components_.dtype == np.float64
    assert double.rmsd(threes, q) < 1e-10
    assert 10 * double.rmsd(threes, q) < single.rmsd(threes, q) < 1e-5
    assert np.allclose(single.eigenvalues_[:10], double.eigenvalues_[:10], rtol=1e-4)
