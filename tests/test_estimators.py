"""anndl's scikit-learn estimators: scikit-learn's own conformance checks, model selection tools,
and the same predictions as calling ``train`` directly.

Checks that scikit-learn itself skips here, with its reason:
- ``check_array_api_input``: SCIPY_ARRAY_API is not set (and the estimators are numpy-only).
- ``check_regressor_data_not_an_array`` / ``check_classifier_data_not_an_array``: pandas is not
  installed (anndl does not depend on it); they run where it is.
No check is expected to fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from anndl.estimators import MLPClassifier, MLPRegressor
from anndl.nn.feedforward.classic import ALGORITHMS
from anndl.nn.feedforward.mlp import MLP
from anndl.nn.feedforward.training import algorithm_defaults, train

FAST = {"hidden_layer_sizes": (5,), "epochs": 30, "random_state": 0}


@parametrize_with_checks([MLPRegressor(**FAST), MLPClassifier(**FAST)])
def test_sklearn_conformance(estimator, check):
    check(estimator)


def sine(n=80, seed=0):
    """sin(x²) on [0, 3] with a little noise: X (n, 1), y (n,)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 3.0, n)
    return x[:, None], np.sin(x**2) + 0.05 * rng.standard_normal(n)


def blobs(n=90, seed=0):
    """Three Gaussian classes in 2-D, labelled with strings: X (n, 2), y (n,)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    labels = np.repeat(np.arange(3), n // 3)
    return centres[labels] + 0.5 * rng.standard_normal((len(labels), 2)), np.array(["a", "b", "c"])[labels]


@pytest.mark.parametrize("algorithm", ["br", "cgf"])
def test_regressor_predicts_what_train_returns_for_the_same_seed(algorithm):
    X, y = sine()
    est = MLPRegressor((6,), algorithm, epochs=15, random_state=3).fit(X, y)
    rng = np.random.default_rng(3)
    net = MLP.create([1, 6, 1], X, y, rng)
    trained, history = train(net, X, y, algorithm=algorithm, division="random", epochs=15, rng=rng)
    np.testing.assert_array_equal(est.predict(X), trained.predict(X)[:, 0])
    assert est.loss_curve_ == history.loss and est.n_iter_ == history.epochs
    assert est.history_.stop_reason == history.stop_reason


def test_classifier_predicts_what_train_returns_for_the_same_seed():
    X, y = blobs()
    est = MLPClassifier((4,), "gdx", epochs=20, division="train", random_state=1).fit(X, y)
    T = np.eye(3)[np.searchsorted(["a", "b", "c"], y)]
    rng = np.random.default_rng(1)
    net = MLP.create([2, 4, 3], X, T, rng, output="softmax")
    trained, _ = train(net, X, T, algorithm="gdx", division="train", epochs=20, rng=rng)
    np.testing.assert_array_equal(est.predict_proba(X), trained.predict(X))
    np.testing.assert_array_equal(est.predict(X), est.classes_[trained.predict(X).argmax(axis=1)])


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_every_trainer_algorithm_fits_through_the_regressor(algorithm):
    X, y = sine(40)
    est = MLPRegressor((4,), algorithm, epochs=5, division="train", random_state=0).fit(X, y)
    assert est.history_.algorithm == algorithm and len(est.loss_curve_) == est.n_iter_ + 1
    assert est.algorithm_params_ == algorithm_defaults(algorithm)
    assert est.loss_curve_[-1] <= est.loss_curve_[0]


def test_classifier_refuses_jacobian_algorithms_and_names_unknown_ones():
    X, y = blobs(30)
    jacobian = [name for name, spec in ALGORITHMS.items() if spec.needs_jacobian]
    for name in jacobian:
        with pytest.raises(ValueError, match="linear output"):
            MLPClassifier(algorithm=name, epochs=2).fit(X, y)
    with pytest.raises(ValueError, match="unknown training algorithm 'newton'; known: gd"):
        MLPRegressor(algorithm="newton").fit(*sine(20))


@pytest.mark.parametrize("bad", [{"hidden_layer_sizes": (3, 0)}, {"hidden_layer_sizes": "10"},
                                 {"activation": "sigmoid"}, {"algorithm_params": {"nu": 1.0}}])
def test_bad_hyper_parameters_are_one_line_value_errors(bad):
    key = next(iter(bad))
    with pytest.raises(ValueError, match="nu" if key == "algorithm_params" else key):
        MLPRegressor(**bad, epochs=2).fit(*sine(20))


def test_br_reports_gamma_and_a_refit_with_lm_drops_it():
    X, y = sine()
    est = MLPRegressor((8,), "br", epochs=40, division="train", random_state=0,
                       algorithm_params={"mu": 0.01}).fit(X, y)
    assert est.effective_params_ == est.history_.gamma[-1]
    assert 0 < est.effective_params_ < est.net_.n_params
    assert est.algorithm_params_ == {**algorithm_defaults("br"), "mu": 0.01}
    est.set_params(algorithm="trainlm").fit(X, y)
    assert not hasattr(est, "effective_params_") and est.history_.algorithm == "lm"


def test_grid_search_over_hidden_layer_sizes_and_algorithm():
    X, y = sine()
    grid = {"hidden_layer_sizes": [(2,), (8,)], "algorithm": ["lm", "br", "cgf"]}
    search = GridSearchCV(MLPRegressor(epochs=20, division="train", random_state=0), grid,
                          cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.hidden_layer_sizes == search.best_params_["hidden_layer_sizes"]
    assert search.best_score_ > 0.5  # sin(x²) on [0, 3] is learnable in 20 lm epochs with 8 units


def test_classifier_grid_search_in_a_pipeline_with_a_scaler():
    X, y = blobs()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(epochs=30, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(3,), (6,)], "mlpclassifier__algorithm": ["gdx", "bfg"]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.best_score_ > 0.9  # the three blobs barely overlap
    assert set(search.predict(X)) <= {"a", "b", "c"}


def test_cross_val_score_of_a_scaled_regressor():
    X, y = sine()
    pipe = make_pipeline(StandardScaler(), MLPRegressor((8,), epochs=30, division="train", random_state=0))
    scores = cross_val_score(pipe, X, y, cv=KFold(4, shuffle=True, random_state=0))
    assert scores.shape == (4,) and scores.min() > 0.5


def test_regressor_keeps_the_shape_of_a_multi_output_target():
    X, y = sine()
    Y = np.column_stack([y, -2.0 * y])
    est = MLPRegressor((6,), epochs=10, division="train", random_state=0)
    assert est.fit(X, Y).predict(X).shape == (len(y), 2)
    assert est.fit(X, y).predict(X).shape == (len(y),)
