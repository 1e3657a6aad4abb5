"""Scaled dot-product self-attention, written out in numpy and as a torch module.

For inputs X (N, d_in) and projections Wq, Wk (d_in, d_k), Wv (d_in, d_v)::

    Q = X Wq,  K = X Wk,  V = X Wv,  A = softmax(Q K^T / sqrt(d_k)) (row-wise),  out = A V

A (N, N) holds, in row i, how much token i attends to every token j: each row sums to 1. The
softmax subtracts each row's maximum before exponentiating, so scores of any size (1e4, -1e4) give
finite probabilities; nothing is clipped. (The course notebook's numpy softmax clipped the scores
with swapped bounds, ``np.clip(z, 100, -100)``, which sets every score to -100 and makes the attention
uniform, and normalised over the wrong axis.)
"""

from __future__ import annotations

import numpy as np


def softmax(scores, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax of ``scores`` along ``axis``: exp(z - max z) / sum exp(z - max z)."""
    z = np.asarray(scores, dtype=np.float64)
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def self_attention(x, wq, wk, wv) -> tuple[np.ndarray, np.ndarray]:
    """Self-attention of tokens x (N, d_in) with projections wq, wk (d_in, d_k) and wv (d_in, d_v).

    Returns (out (N, d_v), attention A (N, N), rows summing to 1), in float64.
    """
    x = np.asarray(x, dtype=np.float64)
    q, k, v = x @ np.asarray(wq, np.float64), x @ np.asarray(wk, np.float64), x @ np.asarray(wv, np.float64)
    if q.shape[1] != k.shape[1]:
        raise ValueError(f"queries and keys need the same width, got {q.shape[1]} and {k.shape[1]}")
    attention = softmax(q @ k.T / np.sqrt(k.shape[1]), axis=-1)
    return attention @ v, attention

