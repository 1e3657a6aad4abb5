"""The maths of :class:`~anndl.nn.feedforward.mlp.MLP` for B networks of one architecture at once.

Each network keeps its own weights, input and target scalings and data; the B forward passes,
gradients and Jacobians run as stacked arrays, so that the per-call overhead that dominates a
small network is paid once per batch instead of once per network.

Every array holds each network's values in the memory layout :class:`MLP` uses for one network
(per-layer arrays column-major over the samples, the Jacobian column-major), and every value is
computed by the same elementwise operations and the same per-slice BLAS calls, so network b of a
batch gets the numbers that ``MLP`` computes for it alone. Per-layer arrays are stored transposed,
shape (B, units, N): slice b is the column-major (N, units) array of network b.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from anndl.nn.feedforward.mlp import MLP, _activate, _derivative, _shared_tensor

Rows = slice | np.ndarray
"""Which networks of a batch: ``slice(None)`` (all) or an index array."""


def _product(Xt: np.ndarray, Wm: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """(X @ Wm + bias) per network, transposed: Xt (B, k, N), Wm (B, k, m), bias (B, m) ->
    (B, m, N). The same operations as :func:`anndl.nn.feedforward.mlp._matmul` for each network: a
    per-slice BLAS product for k > 4, torch multiply-adds for k <= 4."""
    b, k, n = Xt.shape
    if k > 4:
        out = np.matmul(Wm.transpose(0, 2, 1), Xt)
        if bias is not None:
            out += bias[:, :, None]
        return out
    out = np.empty((b, Wm.shape[2], n))
    t_out, t_X, t_W = _shared_tensor(out), _shared_tensor(Xt), _shared_tensor(Wm)
    if bias is None:
        torch.mul(t_X[:, :1], t_W[:, 0, :, None], out=t_out)
    else:
        torch.addcmul(_shared_tensor(bias)[:, :, None], t_X[:, :1], t_W[:, 0, :, None], out=t_out)
    for j in range(1, k):
        t_out.addcmul_(t_X[:, j : j + 1], t_W[:, j, :, None])
    return out


def row_dots(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(n,) dot products of the rows of A and B (n, P), each by the same BLAS dot as ``a @ b``."""
    return np.matmul(A[:, None, :], B[:, :, None])[:, 0, 0]


def row_norms(A: np.ndarray) -> np.ndarray:
    """(n,) Euclidean norms of the rows of A (n, P), as ``np.linalg.norm`` of each row."""
    return np.sqrt(row_dots(A, A))


class NetworkBatch:
    """B networks with the layer sizes, activation and output of ``nets[0]``, each on its own
    scaled inputs Xs[b] (N, n_in) and targets T[b] (N, n_out) (samples in rows, as in MLP).

    Methods take stacked parameter vectors theta (b, P) for the networks ``rows`` of the batch
    (b of them) and return stacked results; ``rows`` defaults to all B.
    """

    def __init__(self, nets: Sequence[MLP], Xs: Sequence[np.ndarray], T: Sequence[np.ndarray]):
        first = nets[0]
        for net in nets:
            if (net.layer_sizes, net.hidden_activation, net.output) != (
                first.layer_sizes, first.hidden_activation, first.output
            ):  # fmt: skip
                raise ValueError(
                    f"networks of one batch need one architecture: {net.layer_sizes} {net.hidden_activation} "
                    f"{net.output} differs from {first.layer_sizes} {first.hidden_activation} {first.output}"
                )
        self.sizes, self.activation, self.output = first.layer_sizes, first.hidden_activation, first.output
        self.n_params = first.n_params
        self.Xs = np.stack(Xs)  # (B, N, n_in), C order as MLP's callers give it
        self.T = np.stack(T)  # (B, N, n_out), C order as MLP's as_2d gives
        self.gain = np.stack([net.output_gain() for net in nets])  # (B, n_out)
        if self.output == "linear":
            self.map_gain = np.stack([net.target_map_.gain for net in nets])
            self.map_offset = np.stack([net.target_map_.offset for net in nets])
        self.evaluations = np.zeros(len(nets), dtype=int)
        """(B,) calls of loss, loss_and_grad and errors_and_jacobian that included each network."""

    def select(self, rows: np.ndarray) -> NetworkBatch:
        """The batch of networks ``rows`` only (their data copied)."""
        part = object.__new__(NetworkBatch)
        part.__dict__ = {k: v[rows] if isinstance(v, np.ndarray) else v for k, v in self.__dict__.items()}
        return part

    @property
    def n_errors(self) -> int:
        """N * n_out: the errors (rows of the Jacobian) of one network."""
        return self.T.shape[1] * self.T.shape[2]

    def layers(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Views (W (b, out, in), bias (b, out)) into theta (b, P), layer by layer."""
        out, start = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            W = theta[:, start : start + n_out * n_in].reshape(-1, n_out, n_in)
            start += n_out * n_in
            out.append((W, theta[:, start : start + n_out]))
            start += n_out
        return out

    def forward(self, theta: np.ndarray, rows: Rows = slice(None)) -> list[np.ndarray]:
        """Per-layer activations (b, units, N); the last is the output in target units."""
        acts = [self.Xs[rows].transpose(0, 2, 1)]
        layers = self.layers(theta)
        for W, bias in layers[:-1]:
            acts.append(_activate(self.activation, _product(acts[-1], W.transpose(0, 2, 1), bias)))
        W, bias = layers[-1]
        z = _product(acts[-1], W.transpose(0, 2, 1), bias)
        if self.output == "softmax":
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            acts.append(z)
        else:
            acts.append((z + 1.0) / self.map_gain[rows][:, :, None] + self.map_offset[rows][:, :, None])
        return acts

    def _loss_from_output(self, Yt: np.ndarray, rows: Rows) -> np.ndarray:
        T, Y = self.T[rows], Yt.transpose(0, 2, 1)
        if self.output == "softmax":
            return -np.sum(T * np.log(np.maximum(Y, 1e-300)), axis=(1, 2)) / T.shape[1]
        e = T - Y
        return np.mean((e * e).reshape(len(e), -1), axis=1)

    def loss(self, theta: np.ndarray, rows: Rows = slice(None)) -> tuple[np.ndarray, list[np.ndarray]]:
        """(b,) training losses (as :meth:`MLP.loss`) and the forward pass they came from."""
        self.evaluations[rows] += 1
        acts = self.forward(theta, rows)
        return self._loss_from_output(acts[-1], rows), acts

    def loss_and_grad(self, theta: np.ndarray, rows: Rows = slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """(b,) losses and (b, P) gradients, as :meth:`MLP.loss_and_grad` per network."""
        self.evaluations[rows] += 1
        acts = self.forward(theta, rows)
        Yt, T = acts[-1], self.T[rows]
        Y = Yt.transpose(0, 2, 1)  # (b, N, n_out), each slice laid out as MLP's output
        if self.output == "softmax":
            delta = (Y - T) / T.shape[1]
        else:
            delta = (-2.0 / (T.shape[1] * T.shape[2])) * (T - Y) * self.gain[rows][:, None, :]
        delta = delta.transpose(0, 2, 1)
        grad = np.empty_like(theta)
        grad_layers, layers = self.layers(grad), self.layers(theta)
        for i in range(len(layers) - 1, -1, -1):
            gW, gb = grad_layers[i]
            np.matmul(delta, acts[i].transpose(0, 2, 1), out=gW)
            np.sum(delta, axis=2, out=gb)
            if i > 0:
                delta = _product(delta, layers[i][0]) * _derivative(self.activation, acts[i])
        return self._loss_from_output(Yt, rows), grad

    def errors_and_jacobian(
        self, theta: np.ndarray, rows: Rows = slice(None), acts: list[np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Errors e (b, M) and Jacobians J (b, M, P), M = N*n_out, as
        :meth:`MLP.errors_and_jacobian` per network (each J[i] column-major: a view of a
        (b, P, M) C-order array). ``acts``: this theta's :meth:`forward`, when known."""
        self.evaluations[rows] += 1
        if self.output != "linear":
            raise ValueError("the Jacobian (for lm / br) is defined for a linear output only")
        if acts is None:
            acts = self.forward(theta, rows)
        b, n, k_out = len(theta), self.T.shape[1], self.T.shape[2]
        e = (self.T[rows].transpose(0, 2, 1) - acts[-1]).reshape(b, -1)
        Jt = np.empty((b, theta.shape[1], k_out * n))
        layers = self.layers(theta)
        weight_rows, bias_rows, start = [], [], 0
        for W, bias in layers:
            size = W.shape[1] * W.shape[2]
            weight_rows.append(slice(start, start + size))
            bias_rows.append(slice(start + size, start + size + bias.shape[1]))
            start += size + bias.shape[1]
        D = Jt[:, bias_rows[-1]]  # (b, n_out, M): d output / d pre-activation of the last layer
        D.fill(0.0)
        gain = self.gain[rows]
        for k in range(k_out):
            D[:, k, k * n : (k + 1) * n] = gain[:, k, None]
        for i in range(len(layers) - 1, -1, -1):
            W, _ = layers[i]
            s_out, s_in = W.shape[1:]
            A = acts[i] if k_out == 1 else np.tile(acts[i], (1, 1, k_out))  # (b, s_in, M)
            block = Jt[:, weight_rows[i]].reshape(b, s_out, s_in, -1)
            np.multiply(D[:, :, None, :], A[:, None, :, :], out=block)
            if i > 0:
                below = Jt[:, bias_rows[i - 1]]
                np.multiply(_product(D, W), _derivative(self.activation, A), out=below)
                D = below
        return e, Jt.transpose(0, 2, 1)
