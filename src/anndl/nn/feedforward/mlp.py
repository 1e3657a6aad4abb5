"""Small fully connected networks in the style of MATLAB's ``feedforwardnet`` / ``patternnet``.

Samples are in ROWS: inputs ``X`` have shape (N, n_in), targets ``T`` (N, n_out).
Inputs (and, for a linear output, targets) are scaled per feature to [-1, 1] with
:class:`MapMinMax`; the output is mapped back, so every error and loss is measured in the
target's own units, as MATLAB does.

All weights and biases live in one flat float64 vector ``theta_`` (layer by layer: the
weight matrix of shape (out, in) in row-major order, then the bias), so that the classic
optimisers in :mod:`anndl.nn.feedforward.classic` can treat the network as a function of one vector.
The maths (forward pass, analytic gradient and Jacobian) is vectorised numpy float64: for
these sizes (hundreds to a few thousand parameters, about a thousand samples) direct BLAS
calls beat torch's per-op and autograd overhead (``benchmarks/bench_trainers.py`` measures
it); only the elementwise logistic (and tanh on CPUs without AVX-512) and the products with at
most four inputs borrow torch's vectorised kernels, on the same memory. Per-layer arrays of the N samples are
column-major (N, units).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from anndl import deferred_torch

deferred_torch.apply(torch)  # the thread count (and seed) set before torch was imported

HIDDEN_ACTIVATIONS = ("tanh", "logistic", "relu")
OUTPUTS = ("linear", "softmax")


@dataclass
class MapMinMax:
    """Per-feature affine map of [x_min, x_max] onto [-1, 1] (MATLAB's ``mapminmax``).

    A constant feature (x_min == x_max) is passed through unchanged.
    """

    x_min: np.ndarray
    """(n_features,) smallest value of each feature in the data the map was fitted on."""
    gain: np.ndarray
    """(n_features,) 2 / (x_max - x_min), or 1 for a constant feature."""
    offset: np.ndarray
    """(n_features,) value mapped to -1: x_min, or -1 for a constant feature (identity)."""

    @classmethod
    def fit(cls, X: np.ndarray) -> MapMinMax:
        X = np.asarray(X, dtype=float)
        x_min, x_max = X.min(axis=0), X.max(axis=0)
        span = x_max - x_min
        constant = ~(span > 0)
        gain = np.where(constant, 1.0, 2.0 / np.where(constant, 1.0, span))
        offset = np.where(constant, -1.0, x_min)
        return cls(x_min=x_min, gain=gain, offset=offset)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Original units -> [-1, 1]; X (N, n_features)."""
        return (np.asarray(X, dtype=float) - self.offset) * self.gain - 1.0

    def reverse(self, Y: np.ndarray) -> np.ndarray:
        """[-1, 1] -> original units; Y (N, n_features)."""
        return (Y + 1.0) / self.gain + self.offset


def _tansig_in_torch(z: np.ndarray) -> np.ndarray:
    """MATLAB's tansig formula 2 / (1 + e^(-2z)) - 1 in place in z, in torch's vectorised kernels on the
    same memory; within 4e-16 of ``np.tanh``."""
    torch.from_numpy(z).mul_(-2.0).exp_().add_(1.0).reciprocal_().mul_(2.0).sub_(1.0)
    return z


def _numpy_tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def tanh_kernel_for(numpy_target: str):
    """The faster float64 tanh where numpy's tanh loop runs ``numpy_target`` (numpy's name for the CPU
    level it dispatched to, e.g. "X86_V4" or "AVX512_SKX" with AVX-512, "X86_V3" with AVX2): numpy's own
    with AVX-512, where it is SIMD (0.9 ns a value on an AVX-512 EPYC, against 3.0 for the formula);
    otherwise the tansig formula in torch (5.3 against 14.6 ns a value on an AVX2 EPYC, where numpy
    calls the C library once per value). ``benchmarks/bench_activation.py`` measures both."""
    return _numpy_tanh if numpy_target.startswith(("X86_V4", "AVX512")) else _tansig_in_torch


def _numpy_tanh_target() -> str:
    """The CPU level numpy's float64 tanh dispatches to on this machine ("" where numpy cannot say)."""
    try:
        from numpy.lib.introspect import opt_func_info

        return opt_func_info(func_name="^tanh$", signature="float64")["tanh"]["dd"]["current"]
    except (ImportError, KeyError):
        return ""


_tanh = tanh_kernel_for(_numpy_tanh_target())


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    """f(z), computed in place in z (float64, C- or column-major).

    tanh is the faster of numpy's and MATLAB's tansig formula in torch on this CPU
    (:func:`tanh_kernel_for`; they agree within 4e-16, so only the last digits of a run depend on the
    CPU, as they do through BLAS anyway); logistic runs torch's sigmoid kernel on the same memory.
    """
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "tanh":
        return _tanh(z)
    torch.from_numpy(z).sigmoid_()
    return z


def _matmul(A: np.ndarray, B: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """A @ B (+ bias) for A (N, k), B (k, m), bias (m,), as a new column-major (N, m) array.

    Per-layer arrays of N samples are kept column-major, so that a unit's values over the
    samples are contiguous: the Jacobian's columns are built from them with contiguous
    vectorised products. With k <= 4 (one or two network inputs, one output) the product is
    a few broadcast multiply-adds in torch's kernels, on the same memory: BLAS dgemm is
    several times slower at k = 1, and numpy's broadcasting about three times.
    """
    if A.shape[1] > 4:
        out = (B.T @ A.T).T
        if bias is not None:
            out += bias
        return out
    out = np.empty((A.shape[0], B.shape[1]), order="F")
    t_out, t_A, t_B = _shared_tensor(out), _shared_tensor(A), _shared_tensor(B)
    if bias is None:
        torch.mul(t_A[:, :1], t_B[:1], out=t_out)
    else:
        torch.addcmul(_shared_tensor(bias), t_A[:, :1], t_B[:1], out=t_out)
    for j in range(1, A.shape[1]):
        t_out.addcmul_(t_A[:, j : j + 1], t_B[j : j + 1])
    return out


def _shared_tensor(a: np.ndarray) -> torch.Tensor:
    """A torch view of a's memory; of a copy where torch cannot view it (read-only or
    negative strides)."""
    if not a.flags.writeable or min(a.strides, default=0) < 0:
        a = np.array(a)
    return torch.from_numpy(a)


def _derivative(name: str, a: np.ndarray) -> np.ndarray:
    """d activation / d z, expressed through the activation a = f(z); a new array."""
    if name == "tanh":
        d = np.multiply(a, a)
        return np.subtract(1.0, d, out=d)
    if name == "logistic":
        d = np.subtract(1.0, a)
        return np.multiply(d, a, out=d)
    return (a > 0).astype(a.dtype)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def nguyen_widrow(n_out: int, n_in: int, rng: np.random.Generator, activation: str):
    """Nguyen–Widrow initial weights (n_out, n_in) and biases (n_out,) for a layer whose
    inputs lie in [-1, 1] (as MATLAB's ``initnw``, including the rescaling to the
    activation's active input range and, for logistic inputs, to their [0, 1] range).

    ReLU has no finite active range, so (as ``initnw`` does) it falls back to uniform
    [-1, 1] weights and biases.
    """
    if activation == "relu":
        return rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out)
    magnitude = 0.7 * n_out ** (1.0 / n_in)
    direction = rng.uniform(-1, 1, (n_out, n_in))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    W = magnitude * direction
    b = np.zeros(n_out) if n_out == 1 else magnitude * np.linspace(-1, 1, n_out) * np.sign(W[:, 0])
    half_range = 2.0 if activation == "tanh" else 4.0  # active input range [-2, 2] / [-4, 4]
    return half_range * W, half_range * b


@dataclass
class MLP:
    """A fully connected network: hidden layers with one activation, a linear or softmax output.

    Build one with :meth:`MLP.create`; :func:`anndl.nn.feedforward.training.train` returns trained copies.
    """

    layer_sizes: list[int]
    """[n_in, h1, ..., n_out]."""
    hidden_activation: str
    """"tanh" (MATLAB tansig), "logistic" (logsig) or "relu" (poslin)."""
    output: str
    """"linear" (loss: mse in target units) or "softmax" (loss: mean cross-entropy, T one-hot)."""
    input_map_: MapMinMax
    """Input scaling fitted on the X given to :meth:`create`."""
    target_map_: MapMinMax | None
    """Target scaling (linear output only), fitted on the T given to :meth:`create`."""
    theta_: np.ndarray
    """(n_params,) all weights and biases, float64."""

    @classmethod
    def create(
        cls,
        layer_sizes: list[int],
        X: np.ndarray,
        T: np.ndarray,
        rng: np.random.Generator,
        hidden_activation: str = "tanh",
        output: str = "linear",
    ) -> MLP:
        """Configure the scalings on (X, T) and draw Nguyen–Widrow initial weights.

        X (N, n_in), T (N, n_out) or (N,) for one output. The output layer is drawn uniform in
        [-1, 1], as MATLAB does for a layer without a finite active input range.
        """
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"unknown hidden_activation {hidden_activation!r}; known: {HIDDEN_ACTIVATIONS}")
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; known: {OUTPUTS}")
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes must be [n_in, ..., n_out] of positive ints, got {layer_sizes}")
        X, T = as_2d(X), as_2d(T)
        if X.shape[1] != sizes[0] or T.shape[1] != sizes[-1]:
            raise ValueError(f"layer_sizes {sizes} do not match X {X.shape} and T {T.shape}")
        parts = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if i < len(sizes) - 2:
                W, b = nguyen_widrow(n_out, n_in, rng, hidden_activation)
                if i > 0 and hidden_activation == "logistic":  # inputs in [0, 1], not [-1, 1]
                    b = b - W.sum(axis=1)
                    W = 2.0 * W
            else:
                W, b = rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out)
            parts += [W.ravel(), b]
        return cls(
            layer_sizes=sizes,
            hidden_activation=hidden_activation,
            output=output,
            input_map_=MapMinMax.fit(X),
            target_map_=MapMinMax.fit(T) if output == "linear" else None,
            theta_=np.concatenate(parts).astype(float),
        )

    # ---- structure -------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return int(self.theta_.size)

    def layers(self, theta: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Views (W (out, in), b (out,)) into ``theta`` (default: ``theta_``), layer by layer."""
        theta = self.theta_ if theta is None else theta
        out, start = [], 0
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            W = theta[start : start + n_out * n_in].reshape(n_out, n_in)
            start += n_out * n_in
            out.append((W, theta[start : start + n_out]))
            start += n_out
        return out

    def copy(self) -> MLP:
        return copy.deepcopy(self)

    def with_theta(self, theta: np.ndarray) -> MLP:
        """A copy of this network with the parameters ``theta``."""
        new = self.copy()
        new.theta_ = np.array(theta, dtype=float)
        return new

    # ---- evaluation -----------------------------------------------------------------------
    def scale_inputs(self, X: np.ndarray) -> np.ndarray:
        return self.input_map_.apply(as_2d(X))

    def output_gain(self) -> np.ndarray:
        """(n_out,) d(output in target units) / d(network output): 1 / mapminmax gain."""
        if self.target_map_ is None:
            return np.ones(self.layer_sizes[-1])
        return 1.0 / self.target_map_.gain

    def forward(self, theta: np.ndarray, Xs: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer for scaled inputs Xs (N, n_in); the last entry is the
        output in TARGET units (N, n_out) (probabilities for softmax)."""
        acts = [Xs]
        layers = self.layers(theta)
        for W, b in layers[:-1]:
            acts.append(_activate(self.hidden_activation, _matmul(acts[-1], W.T, b)))
        W, b = layers[-1]
        z = _matmul(acts[-1], W.T, b)
        acts.append(_softmax(z) if self.output == "softmax" else self.target_map_.reverse(z))
        return acts

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output (N, n_out) in the target's units for inputs X (N, n_in)."""
        return self.forward(self.theta_, self.scale_inputs(X))[-1]

    def loss(self, theta: np.ndarray, Xs: np.ndarray, T: np.ndarray) -> float:
        """Training performance: mse over all N*n_out errors (linear) or mean cross-entropy
        per sample (softmax). Xs scaled inputs (N, n_in), T targets (N, n_out)."""
        return self._loss_from_output(self.forward(theta, Xs)[-1], T)

    def _loss_from_output(self, Y: np.ndarray, T: np.ndarray) -> float:
        if self.output == "softmax":
            return float(-np.sum(T * np.log(np.maximum(Y, 1e-300))) / T.shape[0])
        e = T - Y
        return float(np.mean(e * e))

    def loss_and_grad(self, theta: np.ndarray, Xs: np.ndarray, T: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss (see :meth:`loss`) and its analytic gradient (n_params,) by backpropagation."""
        acts = self.forward(theta, Xs)
        Y = acts[-1]
        if self.output == "softmax":
            delta = (Y - T) / T.shape[0]
        else:
            delta = (-2.0 / T.size) * (T - Y) * self.output_gain()
        grad = np.empty_like(theta)
        grad_layers = self.layers(grad)
        layers = self.layers(theta)
        for i in range(len(layers) - 1, -1, -1):
            gW, gb = grad_layers[i]
            np.matmul(delta.T, acts[i], out=gW)
            np.sum(delta, axis=0, out=gb)
            if i > 0:
                delta = _matmul(delta, layers[i][0]) * _derivative(self.hidden_activation, acts[i])
        return self._loss_from_output(Y, T), grad

    def errors_and_jacobian(
        self,
        theta: np.ndarray,
        Xs: np.ndarray,
        T: np.ndarray,
        acts: list[np.ndarray] | None = None,
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Errors e = T - Y and Jacobian J = dY/dtheta, for a linear output.

        Rows are ordered output-major: row k*N + n is output k of sample n. Returns
        e (N*n_out,) and J (N*n_out, n_params), both in the target's units. ``acts``: the
        result of ``forward(theta, Xs)`` when already computed. ``out``: a column-major
        (N*n_out, n_params) float64 array to write J into (the trainers reuse one per run).
        """
        if self.output != "linear":
            raise ValueError("the Jacobian (for lm / br) is defined for a linear output only")
        if acts is None:
            acts = self.forward(theta, Xs)
        n, k_out = T.shape
        e = (T - acts[-1]).T.reshape(-1)
        # column-major J: each column is contiguous, so every block below is one fast
        # vectorised product, and J.T @ J is still a single BLAS syrk call
        shape = (k_out * n, theta.size)
        if out is None:
            out = np.empty(shape, order="F")
        elif out.shape != shape or out.dtype != np.float64 or not out.flags.f_contiguous:
            raise ValueError(f"out must be a column-major float64 array of shape {shape}")
        J = out
        layers = self.layers(theta)
        weight_cols, bias_cols, start = [], [], 0
        for W, b in layers:
            weight_cols.append(slice(start, start + W.size))
            bias_cols.append(slice(start + W.size, start + W.size + b.size))
            start += W.size + b.size
        # the bias columns of a layer hold D[k*N + n, i]: d output k of sample n / d
        # pre-activation i of that layer; the weight columns are D times the layer's inputs
        D = J[:, bias_cols[-1]]
        D.fill(0.0)
        for k, g in enumerate(self.output_gain()):
            D[k * n : (k + 1) * n, k] = g
        for i in range(len(layers) - 1, -1, -1):
            W, _ = layers[i]
            s_out, s_in = W.shape
            A = acts[i] if k_out == 1 else np.tile(acts[i], (k_out, 1))  # (N*n_out, s_in)
            block = J[:, weight_cols[i]].reshape(k_out * n, s_out, s_in)
            np.multiply(D[:, :, None], A[:, None, :], out=block)
            if i > 0:
                below = J[:, bias_cols[i - 1]]
                np.multiply(_matmul(D, W), _derivative(self.hidden_activation, A), out=below)
                D = below
        return e, J


def as_2d(A: np.ndarray) -> np.ndarray:
    """float64 samples in rows: a vector (N,) becomes (N, 1)."""
    A = np.asarray(A, dtype=float)
    return A[:, None] if A.ndim == 1 else A
