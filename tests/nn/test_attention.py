"""Self-attention: numpy and torch agree, the softmax is stable for large scores, the ViT's shapes and size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anndl.nn.attention.self_attention import self_attention, softmax
from anndl.nn.attention.torch_attention import MultiHeadAttention, SelfAttention
from anndl.nn.attention.vit import ViT, attention_rollout, patchify


def test_numpy_and_torch_self_attention_agree_to_1e_6():
    torch.manual_seed(0)
    module = SelfAttention(256, 256).double()
    x = np.random.default_rng(0).standard_normal((32, 256))
    out_np, attention_np = self_attention(x, *module.projections())
    with torch.no_grad():
        out_t, attention_t = module(torch.as_tensor(x))
    assert np.max(np.abs(out_np - out_t.numpy())) < 1e-6
    assert np.max(np.abs(attention_np - attention_t.numpy())) < 1e-6
    assert np.allclose(attention_np.sum(axis=1), 1.0)


def test_float32_torch_attention_agrees_with_numpy_to_1e_6_on_unit_scale_inputs():
    torch.manual_seed(1)
    module = SelfAttention(16, 8)
    x = np.random.default_rng(1).standard_normal((10, 16)).astype(np.float32)
    out_np, _ = self_attention(x, *module.projections())
    with torch.no_grad():
        out_t, _ = module(torch.as_tensor(x))
    assert np.max(np.abs(out_np - out_t.double().numpy())) < 1e-6


def test_softmax_is_stable_for_large_scores_and_matches_the_naive_form_for_small_ones():
    scores = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0], [-1e5, -1e5, -1e5]])
    p = softmax(scores)
    assert np.all(np.isfinite(p))
    assert np.allclose(p.sum(axis=1), 1.0)
    assert p[0, 0] == pytest.approx(1.0)
    assert np.allclose(p[1], np.exp([1, 1, 0]) / np.exp([1, 1, 0]).sum())
    assert np.allclose(p[2], 1 / 3)
    small = np.random.default_rng(2).standard_normal((4, 5))
    assert np.allclose(softmax(small), np.exp(small) / np.exp(small).sum(axis=1, keepdims=True))
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert not np.all(np.isfinite(naive))  # what the max subtraction avoids


def test_torch_attention_is_stable_for_large_logits():
    module = SelfAttention(4, 4).double()
    with torch.no_grad():
        for layer in (module.query, module.key):
            layer.weight.copy_(1e3 * torch.eye(4, dtype=torch.float64))
    out, attention = module(torch.randn(6, 4, dtype=torch.float64) * 10)
    assert torch.isfinite(out).all() and torch.isfinite(attention).all()
    assert torch.allclose(attention.sum(-1), torch.ones(6, dtype=torch.float64))


def test_each_row_of_the_attention_is_a_distribution_over_keys_not_queries():
    x = np.random.default_rng(3).standard_normal((5, 3))
    w = np.random.default_rng(4).standard_normal((3, 3, 3))
    _, attention = self_attention(x, w[0], w[1], w[2])
    assert np.allclose(attention.sum(axis=1), 1.0)
    assert not np.allclose(attention.sum(axis=0), 1.0)


def vit_parameter_count(dim=64, depth=6, mlp_dim=128, patch=7, classes=10, side=28) -> int:
    """The course ViT's parameters by hand: patch embedding, class token, positions, blocks, head."""
    n = (side // patch) ** 2
    block = 2 * (2 * dim) + dim * 3 * dim + (dim * dim + dim) + (dim * mlp_dim + mlp_dim) + (mlp_dim * dim + dim)
    return (patch * patch * dim + dim) + dim + (n + 1) * dim + depth * block + (dim * mlp_dim + mlp_dim
                                                                                  + mlp_dim * classes + classes)


def test_vit_shapes_and_parameter_count():
    model = ViT()
    assert sum(p.numel() for p in model.parameters()) == vit_parameter_count() == 213642
    small = ViT(dim=32, depth=2, heads=4, mlp_dim=48)
    assert sum(p.numel() for p in small.parameters()) == vit_parameter_count(32, 2, 48)
    images = torch.rand(5, 1, 28, 28)
    assert model(images).shape == (5, 10)
    assert model(images[:, 0]).shape == (5, 10)
    maps = model.attention_maps(images[:2])
    assert maps.shape == (6, 2, 8, 17, 17)
    assert torch.allclose(maps.sum(-1), torch.ones(6, 2, 8, 17))
    rollout = attention_rollout(maps)
    assert rollout.shape == (2, 17, 17) and torch.allclose(rollout.sum(-1), torch.ones(2, 17))


def test_patchify_orders_patches_row_by_row():
    images = torch.arange(16.0).reshape(1, 1, 4, 4)
    patches = patchify(images, 2)
    assert patches.shape == (1, 4, 4)
    assert patches[0, 0].tolist() == [0, 1, 4, 5] and patches[0, 1].tolist() == [2, 3, 6, 7]


def test_multi_head_attention_scales():
    x = torch.randn(2, 5, 16)
    course, vaswani = MultiHeadAttention(16, 4, "model"), MultiHeadAttention(16, 4, "head")
    assert course.scale == pytest.approx(16 ** -0.5) and vaswani.scale == pytest.approx(4 ** -0.5)
    assert course(x).shape == (2, 5, 16)
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 4)
