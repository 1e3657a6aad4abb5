"""scikit-learn estimators over anndl's MATLAB trainers: ``feedforwardnet`` / ``patternnet`` in a Pipeline.

:class:`MLPRegressor` is MATLAB's ``feedforwardnet(hidden, 'trainlm')`` (tanh hidden layers, a
linear output, mse in the target's units) and :class:`MLPClassifier` its ``patternnet`` (a softmax
output, mean cross-entropy over one-hot targets). Both build an :class:`~anndl.nn.feedforward.mlp.MLP` and
train it with :func:`anndl.nn.feedforward.training.train`, the one trainer the experiments use, so every
algorithm, stopping rule and default is MATLAB's and the same as in ``anndl run``.

The names are scikit-learn's on purpose: the constructor shares ``hidden_layer_sizes`` and
``activation`` with ``sklearn.neural_network.MLPRegressor`` / ``MLPClassifier``, and swapping
one import swaps the trainer. Where both are in one namespace, import anndl's under another name
(``from anndl import MLPRegressor as MatlabMLPRegressor``): both print as ``MLPRegressor(...)``.

Shapes: X (n_samples, n_features); y (n_samples,) or (n_samples, n_outputs) for the regressor,
(n_samples,) class labels of any type for the classifier.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from anndl.nn.feedforward.classic import resolve_algorithm
from anndl.nn.feedforward.mlp import HIDDEN_ACTIVATIONS, MLP
from anndl.nn.feedforward.training import History, algorithm_defaults, train

PATTERNNET_ALGORITHM = "scg"
"""patternnet's trainer: trainscg."""


_PARAMETERS_DOC = """
    Parameters (defaults are MATLAB's; all but the first two keyword-only):

    hidden_layer_sizes : tuple of int, default (10,)
        Units per hidden layer (feedforwardnet's ``hiddenSizes``); an int for one layer, () for none.
    algorithm : str, default "lm" (regressor), PATTERNNET_ALGORITHM (classifier)
        Training algorithm by anndl's short name or MATLAB's (``"lm"`` or ``"trainlm"``); the known
        ones are ``anndl.nn.feedforward.classic.ALGORITHMS``. lm and br need the regressor's linear output.
    epochs : int, default 1000
        Most epochs (updates) to run (``trainParam.epochs``).
    goal : float, default 0.0
        Stop when the training loss reaches this (``trainParam.goal``), in the loss's units.
    max_fail : int or None, default None
        Validation failures before early stopping; None: the algorithm's own (6; 0 for br, no
        validation stop).
    min_grad : float or None, default None
        Stop when the gradient norm falls below this; None: the algorithm's own (1e-7 for lm/br).
    max_time : float, default inf
        Stop after this many seconds of training.
    division : {"random", "train"} or dict, default "random"
        Data division: ``"random"`` is dividerand (70/15/15 train/validation/test drawn with
        ``random_state``; fit trains on 70 %), ``"train"`` is dividetrain (all samples train), a
        dict holds explicit index arrays under "train", "val", "test".
    activation : {"tanh", "logistic", "relu"}, default "tanh"
        Hidden-layer transfer function (MATLAB's tansig, logsig, poslin).
    algorithm_params : dict or None, default None
        The algorithm's own parameters (lr, mu, ...), passed to ``train``; those not given keep
        MATLAB's defaults, which ``algorithm_params_`` shows after fit.
    random_state : int, numpy Generator or None, default None
        Seed of ``numpy.random.default_rng``: it draws the Nguyen–Widrow initial weights, then
        the random division. An int makes fit deterministic.
    verbose : bool, default False
        Show a progress bar over the epochs.

    Fitted attributes (set by fit only): ``net_`` (the trained :class:`~anndl.nn.feedforward.mlp.MLP`),
    ``history_`` (:class:`~anndl.nn.feedforward.training.History`, one entry per epoch), ``loss_curve_``
    (training loss after 0, 1, ... ``n_iter_`` epochs), ``n_iter_`` (epochs run),
    ``algorithm_params_`` (the algorithm's parameters used, defaults filled in),
    ``effective_params_`` (br only: γ, the effective number of parameters of ``net_``),
    ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame X)."""


class _MatlabNet(BaseEstimator):
    """What both estimators share: the constructor's hyper-parameters and one ``_train`` call."""

    _output = "linear"

    def __init__(
        self,
        hidden_layer_sizes=(10,),
        algorithm="lm",
        *,
        epochs=1000,
        goal=0.0,
        max_fail=None,
        min_grad=None,
        max_time=math.inf,
        division="random",
        activation="tanh",
        algorithm_params=None,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.algorithm = algorithm
        self.epochs = epochs
        self.goal = goal
        self.max_fail = max_fail
        self.min_grad = min_grad
        self.max_time = max_time
        self.division = division
        self.activation = activation
        self.algorithm_params = algorithm_params
        self.random_state = random_state
        self.verbose = verbose

    def _train(self, X: np.ndarray, T: np.ndarray) -> None:
        """Create the net on X (N, n_in), T (N, n_out), train it and set the fitted attributes."""
        hidden = self._hidden_sizes()
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation={self.activation!r}; known: {', '.join(HIDDEN_ACTIVATIONS)}")
        algorithm = resolve_algorithm(self.algorithm)
        params = dict(self.algorithm_params or {})
        rng = np.random.default_rng(self.random_state)
        net = MLP.create([X.shape[1], *hidden, T.shape[1]], X, T, rng, hidden_activation=self.activation,
                         output=self._output)
        net, history = train(net, X, T, algorithm=algorithm, division=self.division, epochs=self.epochs,
                             goal=self.goal, max_fail=self.max_fail, min_grad=self.min_grad,
                             max_time=self.max_time, progress=self.verbose, rng=rng, **params)
        self.net_: MLP = net
        self.history_: History = history
        self.loss_curve_: list[float] = list(history.loss)
        self.n_iter_: int = history.epochs
        self.algorithm_params_: dict[str, float] = {**algorithm_defaults(algorithm), **params}
        self.__dict__.pop("effective_params_", None)
        if algorithm == "br":
            self.effective_params_: float = float(history.gamma[history.best_epoch])

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, int | np.integer) else list(sizes)
        if not all(isinstance(s, int | np.integer) and s >= 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes={self.hidden_layer_sizes!r}: expected a tuple of positive ints")
        return [int(s) for s in sizes]


class MLPRegressor(RegressorMixin, _MatlabNet):
    """MATLAB's ``feedforwardnet(hidden_layer_sizes, algorithm)`` as a scikit-learn regressor.

    Tanh hidden layers, a linear output; inputs and targets scaled to [-1, 1] per feature
    (mapminmax) inside the net, so ``loss_curve_`` is the mse in y's units. Default algorithm
    ``"lm"`` (trainlm); ``"br"`` is trainbr, Bayesian regularisation, whose γ lands in
    ``effective_params_``. ``predict`` returns (n_samples,) for a 1-d y, else (n_samples,
    n_outputs); ``score`` is R².
    """

    __doc__ += _PARAMETERS_DOC

    def fit(self, X, y) -> MLPRegressor:
        """Train on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs)."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        self._one_output = y.ndim == 1
        self._train(X, y.reshape(len(y), -1))
        return self

    def predict(self, X) -> np.ndarray:
        """Network outputs in y's units: (n_samples,) for a 1-d y, else (n_samples, n_outputs)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Y = self.net_.predict(X)
        return Y[:, 0] if self._one_output else Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class MLPClassifier(ClassifierMixin, _MatlabNet):
    """MATLAB's ``patternnet(hidden_layer_sizes, algorithm)`` as a scikit-learn classifier.

    Tanh hidden layers, a softmax output over one unit per class, trained on one-hot targets
    with the mean cross-entropy (so ``loss_curve_`` is in nats per sample). The default
    algorithm is patternnet's trainscg (``"scg"``; ``"cgf"`` where anndl has no scg); lm and br
    need an mse output and are refused. ``classes_`` holds the labels; ``score`` is accuracy.
    """

    __doc__ += _PARAMETERS_DOC
    _output = "softmax"

    def __init__(
        self,
        hidden_layer_sizes=(10,),
        algorithm=PATTERNNET_ALGORITHM,
        *,
        epochs=1000,
        goal=0.0,
        max_fail=None,
        min_grad=None,
        max_time=math.inf,
        division="random",
        activation="tanh",
        algorithm_params=None,
        random_state=None,
        verbose=False,
    ):
        super().__init__(hidden_layer_sizes, algorithm, epochs=epochs, goal=goal, max_fail=max_fail,
                         min_grad=min_grad, max_time=max_time, division=division, activation=activation,
                         algorithm_params=algorithm_params, random_state=random_state, verbose=verbose)

    def fit(self, X, y) -> MLPClassifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"MLPClassifier needs at least 2 classes; y holds 1 class ({encoder.classes_[0]})")
        self.classes_ = encoder.classes_
        self._train(X, np.eye(len(self.classes_))[encoder.transform(y)])
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Softmax outputs (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.net_.predict(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (n_samples,)."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


__all__ = ["MLPClassifier", "MLPRegressor"]
