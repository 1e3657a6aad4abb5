"""The course's Vision Transformer for MNIST (session 3.3)::

    image (B, 1, 28, 28) -> 16 patches of 7x7 (B, 16, 49) -> linear 49 -> dim        (B, 16, dim)
    prepend a learned class token, add a learned position embedding                   (B, 17, dim)
    depth x [x + MHA(LayerNorm(x));  x + FF(LayerNorm(x))]   (pre-norm residual blocks)
             FF: linear dim -> mlp_dim, GELU, linear mlp_dim -> dim
    class token (B, dim) -> linear dim -> mlp_dim, GELU, linear mlp_dim -> classes    (B, classes) logits

Defaults are the course's: patch 7, dim 64, depth 6, 8 heads, MLP dim 128; the class token and
position embedding start N(0, 1), the linear layers with torch's defaults.
"""

from __future__ import annotations

import torch
from torch import nn

from anndl.nn.attention.torch_attention import MultiHeadAttention


def patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    """Images (B, C, H, W) -> patches (B, (H/p)(W/p), p*p*C), row by row, each patch's pixels row-major
    (then channel)."""
    b, c, h, w = images.shape
    if h % patch or w % patch:
        raise ValueError(f"image size {h}x{w} is not divisible by the patch size {patch}")
    x = images.reshape(b, c, h // patch, patch, w // patch, patch)
    return x.permute(0, 2, 4, 3, 5, 1).reshape(b, (h // patch) * (w // patch), patch * patch * c)


class Block(nn.Module):
    """One pre-norm residual transformer block on (B, N, dim)."""

    def __init__(self, dim: int, heads: int, mlp_dim: int, scale: str):
        super().__init__()
        self.norm1, self.attention = nn.LayerNorm(dim), MultiHeadAttention(dim, heads, scale)
        self.norm2 = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.feed_forward(self.norm2(x))


class ViT(nn.Module):
    """Images (B, channels, image_size, image_size) -> class logits (B, n_classes)."""

    def __init__(self, *, image_size: int = 28, patch_size: int = 7, n_classes: int = 10, channels: int = 1,
                 dim: int = 64, depth: int = 6, heads: int = 8, mlp_dim: int = 128, scale: str = "model"):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image_size {image_size} is not divisible by patch_size {patch_size}")
        self.patch_size, self.channels = patch_size, channels
        n_patches = (image_size // patch_size) ** 2
        self.patch_embedding = nn.Linear(channels * patch_size ** 2, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.position_embedding = nn.Parameter(torch.randn(1, n_patches + 1, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_dim, scale) for _ in range(depth))
        self.head = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, n_classes))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim == 3:
            images = images.unsqueeze(1)
        x = self.patch_embedding(patchify(images, self.patch_size))
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], dim=1) + self.position_embedding
        for block in self.blocks:
            x = block(x)
        return self.head(x[:, 0])

    @torch.no_grad()
    def attention_maps(self, images: torch.Tensor) -> torch.Tensor:
        """Every block's attention for images (B, C, H, W): (depth, B, heads, N, N), N = patches + 1
        (token 0 is the class token), in eval mode."""
        was_training = self.training
        self.eval()
        for block in self.blocks:
            block.attention.keep_attention = True
        try:
            self(images)
            return torch.stack([block.attention.attention_ for block in self.blocks])
        finally:
            for block in self.blocks:
                block.attention.keep_attention, block.attention.attention_ = False, None
            self.train(was_training)


def attention_rollout(maps: torch.Tensor) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020) of maps (depth, B, heads, N, N): the heads' mean plus
    the identity (the residual path), rows renormalised, multiplied through the layers: (B, N, N)."""
    depth, b, _, n, _ = maps.shape
    rollout = torch.eye(n).expand(b, n, n)
    for layer in maps.mean(dim=2):
        mixed = layer + torch.eye(n)
        rollout = (mixed / mixed.sum(dim=-1, keepdim=True)) @ rollout
    return rollout
