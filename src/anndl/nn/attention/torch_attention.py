"""Self-attention as torch modules: one head with bias-free projections (the course's
``SelfAttention``) and the multi-head attention of the course's ViT.

Both use ``torch.softmax`` on the scaled scores, which subtracts the row maximum internally, so
large scores stay finite (see :mod:`anndl.nn.attention.self_attention` for the numpy version).
"""

from __future__ import annotations

import math

import torch
from torch import nn

SCALES = ("model", "head")


class SelfAttention(nn.Module):
    """One attention head: x (B, N, d_in) or (N, d_in) -> (out (..., N, d_v), attention (..., N, N)).

    q, k and v are bias-free linear maps d_in -> d_k (d_k, d_v); scores are scaled by 1/sqrt(d_k).
    ``wq``/``wk``/``wv`` (d_in, d_k) views of the weights match :func:`self_attention`'s arguments.
    """

    def __init__(self, d_in: int, d_k: int, d_v: int | None = None):
        super().__init__()
        self.d_k = int(d_k)
        self.query = nn.Linear(d_in, d_k, bias=False)
        self.key = nn.Linear(d_in, d_k, bias=False)
        self.value = nn.Linear(d_in, d_v or d_k, bias=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q, k, v = self.query(x), self.key(x), self.value(x)
        attention = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_k), dim=-1)
        return attention @ v, attention

    def projections(self) -> tuple:
        """(wq, wk, wv) as numpy arrays (d_in, d_k), (d_in, d_k), (d_in, d_v): x @ w is the projection."""
        return tuple(layer.weight.detach().T.double().numpy() for layer in (self.query, self.key, self.value))


class MultiHeadAttention(nn.Module):
    """The course ViT's attention: x (B, N, dim) -> (B, N, dim), ``heads`` heads of width dim/heads.

    One bias-free linear map dim -> 3 dim gives q, k, v; the heads' outputs are concatenated and
    mapped back by a linear layer with bias. ``scale``: ``"model"`` divides the scores by sqrt(dim), as the
    course notebook does; ``"head"`` by sqrt(dim / heads), as Vaswani et al. When ``keep_attention``
    is set, the last forward pass's attention (B, heads, N, N) is kept in ``attention_``.
    """

    def __init__(self, dim: int, heads: int = 8, scale: str = "model"):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        if scale not in SCALES:
            raise ValueError(f"unknown attention scale {scale!r}; known: {', '.join(SCALES)}")
        self.heads, self.dim = heads, dim
        self.scale = dim ** -0.5 if scale == "model" else (dim // heads) ** -0.5
        self.to_qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.keep_attention = False
        self.attention_: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v = self.to_qkv(x).view(b, n, 3, self.heads, self.dim // self.heads).permute(2, 0, 3, 1, 4)
        attention = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        if self.keep_attention:
            self.attention_ = attention.detach()
        out = (attention @ v).transpose(1, 2).reshape(b, n, self.dim)
        return self.to_out(out)
