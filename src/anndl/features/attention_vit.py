"""Session 3.3 of the 2024 course: self-attention written out (numpy and torch, which must agree), the
attention maps of a Vision Transformer on MNIST, its test accuracy per epoch, and a small grid over
depth and width as students run it.

The course's numpy softmax clipped the scores with swapped bounds (every score became -100: uniform
attention) and normalised over the wrong axis; anndl's subtracts each row's maximum and normalises
each row. The figure of part (a) shows both.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import mnist_files
from anndl.data.course_digits import DigitData, load_digits
from anndl.registry import experiment


@dataclasses.dataclass(frozen=True, kw_only=True)
class ViTShape:
    """A ViT's size (a config section and part of a cell key); defaults are the course's."""

    patch_size: int = param(7, ge=1)
    """Patch side in pixels (course: 7, so 16 patches of a 28x28 digit)."""
    dim: int = param(64, ge=1)
    """Token width (course: 64)."""
    depth: int = param(6, ge=1)
    """Transformer blocks (course: 6)."""
    heads: int = param(8, ge=1)
    """Attention heads (course: 8); dim must be divisible by it."""
    mlp_dim: int = param(128, ge=1)
    """Hidden width of the feed-forward layers and the head (course: 128)."""
    scale: Literal["model", "head"] = "model"
    """Scores divided by sqrt(dim) (model: the course's code) or sqrt(dim / heads) (head: Vaswani et al.)."""

    def __post_init__(self):
        if self.dim % self.heads:
            raise ValueError(f"dim: {self.dim} is not divisible by heads {self.heads}")
        if 28 % self.patch_size:
            raise ValueError(f"patch_size: must divide 28, got {self.patch_size}")


@dataclasses.dataclass(kw_only=True)
class AttentionViTConfig(ExperimentConfig):
    data: DigitData = dataclasses.field(default_factory=lambda: DigitData(test_fraction=0.2))
    """Digits and their split (course: full MNIST, 60000 / 10000; shipped: the subset, 4000 / 1000)."""
    tokens: int = param(32, ge=2)
    """Part (a): rows of the random input X (course: 32)."""
    token_dim: int = param(256, ge=1)
    """Part (a): width of X and of the random Wq, Wk, Wv (course: 256)."""
    vit: ViTShape = dataclasses.field(default_factory=ViTShape)
    """Part (c): the ViT (course: patch 7, dim 64, depth 6, 8 heads, MLP dim 128)."""
    epochs: int = param(6, ge=1)
    """Part (c) training epochs (course: 20 on full MNIST with a GPU; shipped: what fits one core)."""
    batch_size: int = param(128, ge=1)
    """Mini-batch size (course: 128)."""
    lr: float = param(1e-3, gt=0)
    """Adam learning rate (course: 1e-3)."""
    gamma: float = param(0.95, gt=0, le=1)
    """Learning-rate decay per epoch (ExponentialLR; course: 0.95)."""
    grid_depths: list[int] = param([2, 6], ge=1)
    """Part (d): depths of the grid (empty: no grid)."""
    grid_dims: list[int] = param([32, 64], ge=1)
    """Part (d): token widths of the grid (each divisible by vit.heads)."""
    grid_epochs: int = param(2, ge=1)
    """Part (d): epochs of each grid cell."""
    attention_examples: int = param(6, ge=1, le=16)
    """Test digits whose class-token attention is drawn."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Torch device: auto picks cuda when available."""


@dataclasses.dataclass(frozen=True)
class ViTCell:
    """One ViT training."""

    data: DigitData
    data_seed: int
    shape: ViTShape
    epochs: int
    batch_size: int
    lr: float
    gamma: float
    examples: int
    device: str
    seed: int | None = None


def train_vit(cell: ViTCell) -> dict:
    """Train one ViT; test accuracy per epoch, parameters, seconds, and the attention maps of the first
    ``examples`` test digits (depth, examples, heads, N, N)."""
    import torch
    from torch.nn import functional as F

    from anndl.nn import minibatch, torchkit
    from anndl.nn.attention.vit import ViT

    device = torchkit.resolve_device(cell.device)
    split = load_digits(cell.data, np.random.default_rng(cell.data_seed))
    x, y = torch.as_tensor(split.train_images)[:, None].to(device), torch.as_tensor(split.train_labels).to(device)
    xt, yt = torch.as_tensor(split.test_images)[:, None].to(device), torch.as_tensor(split.test_labels).to(device)
    s = cell.shape
    model = ViT(patch_size=s.patch_size, dim=s.dim, depth=s.depth, heads=s.heads, mlp_dim=s.mlp_dim,
                scale=s.scale).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=cell.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=cell.gamma)
    start = time.perf_counter()
    history = minibatch.fit(
        model, (x, y), lambda m, xb, yb: F.cross_entropy(m(xb), yb), optimiser, epochs=cell.epochs,
        batch_size=cell.batch_size, seed=cell.seed, scheduler=scheduler,
        after_epoch=lambda _: {"test_accuracy": minibatch.accuracy(model, xt, yt)}, progress=True,
        desc=f"ViT depth {s.depth} dim {s.dim}")
    shown = np.array([np.flatnonzero(split.test_labels == c)[0] for c in np.unique(split.test_labels)])
    shown = np.resize(shown, cell.examples)  # one digit of each class first (the test set is sorted by class)
    maps = model.attention_maps(xt[torch.as_tensor(shown)]).cpu().numpy()
    return {"history": history, "seconds": time.perf_counter() - start, "maps": maps.astype(np.float32),
            "n_parameters": sum(p.numel() for p in model.parameters()), "n_train": len(x), "n_test": len(xt),
            "examples": split.test_images[shown], "labels": split.test_labels[shown].tolist(),
            "description": split.description}


def attention_demo(tokens: int, token_dim: int, seed: int) -> dict:
    """Part (a): numpy and torch self-attention of the same random X, Wq, Wk, Wv; the clipped softmax
    of the course notebook for comparison; the stability check with scores scaled by 1e4."""
    import torch

    from anndl.nn.attention.self_attention import self_attention, softmax
    from anndl.nn.attention.torch_attention import SelfAttention

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((tokens, token_dim))
    wq, wk, wv = (rng.standard_normal((token_dim, token_dim)) for _ in range(3))  # the course's random weights
    module = SelfAttention(token_dim, token_dim).double()
    with torch.no_grad():
        for layer, w in zip((module.query, module.key, module.value), (wq, wk, wv), strict=True):
            layer.weight.copy_(torch.as_tensor(w.T))
    out_np, attention_np = self_attention(x, wq, wk, wv)
    with torch.no_grad():
        out_t, attention_t = module(torch.as_tensor(x))
    scores = (x @ wq) @ (x @ wk).T / np.sqrt(token_dim)
    clipped = np.clip(scores, 100, -100)  # the notebook's swapped bounds: every entry becomes -100
    notebook = np.exp(clipped) / np.exp(clipped).sum(axis=0)
    big = softmax(scores * 1e4)
    entropy = -np.sum(attention_np * np.log(np.clip(attention_np, 1e-300, None)), axis=1)
    return {"attention": attention_np, "notebook_attention": notebook,
            "max_abs_diff_output": float(np.max(np.abs(out_np - out_t.numpy()))),
            "max_abs_diff_attention": float(np.max(np.abs(attention_np - attention_t.numpy()))),
            "large_scores_finite": bool(np.all(np.isfinite(big))),
            "large_scores_rows_sum_to_one": bool(np.allclose(big.sum(axis=1), 1.0)),
            "mean_row_entropy_nats": float(entropy.mean()), "uniform_entropy_nats": float(np.log(tokens)),
            "notebook_attention_is_uniform": bool(np.allclose(notebook, 1.0 / tokens))}


def check_data(cfg: AttentionViTConfig) -> None:
    """The digit files ``data`` names load as 28x28 images with labels."""
    load_digits(cfg.data, np.random.default_rng(0))


COURSE_DATA = (mnist_files(("data.train_images", "data.train_labels", "data.test_images", "data.test_labels"),
                           {"data.source": "idx", "data.max_train_per_class": 1000}),)
"""Full MNIST under ``--data DIR``: 10,000 training images (1000 per class; the course trained on all
60,000 on a GPU: ``data.max_train_per_class=null``), MNIST's test set."""


@experiment("attention_vit", AttentionViTConfig,
            "Self-attention in numpy and torch, and a Vision Transformer on MNIST (session 3)", check_data=check_data,
            course_data=COURSE_DATA)
def run(cfg: AttentionViTConfig, ctx) -> dict:
    demo = attention_demo(cfg.tokens, cfg.token_dim, ctx.child_seed())
    _plot_demo(ctx, demo)
    data_seed = ctx.child_seed()
    main = ViTCell(cfg.data, data_seed, cfg.vit, cfg.epochs, cfg.batch_size, cfg.lr, cfg.gamma,
                   cfg.attention_examples, cfg.device)
    grid_shapes = [dataclasses.replace(cfg.vit, depth=d, dim=w) for d in cfg.grid_depths for w in cfg.grid_dims]
    grid_cells = [dataclasses.replace(main, shape=s, epochs=cfg.grid_epochs, examples=1) for s in grid_shapes]
    result, *grid = ctx.map(train_vit, [main, *grid_cells], desc="ViT trainings")
    accuracy = np.asarray(result["history"]["test_accuracy"])
    _plot_accuracy(ctx, cfg, result, grid_shapes, grid)
    _plot_maps(ctx, result)
    grid_rows = [{"depth": s.depth, "dim": s.dim, "parameters": int(r["n_parameters"]), "epochs": cfg.grid_epochs,
                  "test accuracy (%)": 100 * float(r["history"]["test_accuracy"][-1]), "seconds": float(r["seconds"])}
                 for s, r in zip(grid_shapes, grid, strict=True)]
    if grid_rows:
        ctx.write_table("attention_vit_grid", grid_rows)
    demo_metrics = {k: v for k, v in demo.items() if k not in ("attention", "notebook_attention")}
    return {"attention": demo_metrics, "data": result["description"], "n_train": result["n_train"],
            "n_test": result["n_test"],
            "vit": {"n_parameters": int(result["n_parameters"]), "epochs": cfg.epochs,
                    "test_accuracy_final": float(accuracy[-1]), "test_accuracy_best": float(accuracy.max()),
                    "train_seconds": float(result["seconds"]),
                    "final_train_loss": float(result["history"]["loss"][-1])},
            "grid": {f"depth{r['depth']}_dim{r['dim']}": {"test_accuracy": r["test accuracy (%)"] / 100,
                                                          "n_parameters": r["parameters"]} for r in grid_rows}}


def _plot_demo(ctx, demo: dict) -> None:
    fig, axes = plotting.subplots(1, 2, width=4.2, height=3.8)
    n = len(demo["attention"])
    top = max(float(demo["attention"].max()), 1.0 / n)
    for ax, key, title in ((axes[0], "attention", "anndl: stable row softmax"),
                           (axes[1], "notebook_attention", "course notebook: clipped softmax")):
        image = ax.imshow(demo[key], cmap="viridis", vmin=0, vmax=top)
        ax.set(xlabel="key token j", ylabel="query token i", title=title)
        ax.grid(False)
    fig.colorbar(image, ax=axes, label="attention weight A_ij")
    fig.suptitle(f"Self-attention of {n} random tokens: numpy vs torch max |difference| "
                 f"{demo['max_abs_diff_attention']:.1e}")
    ctx.save_figure(fig, "attention_numpy_softmax_vs_notebook_clipping")


def _plot_accuracy(ctx, cfg, result: dict, shapes, grid: list[dict]) -> None:
    fig, axes = plotting.subplots(1, 2 if grid else 1, width=4.6, squeeze=False)
    ax = axes[0, 0]
    epochs = np.arange(1, cfg.epochs + 1)
    accuracy = 100 * np.asarray(result["history"]["test_accuracy"])
    ax.plot(epochs, accuracy, marker="o", ms=3, label=f"depth {cfg.vit.depth}, dim {cfg.vit.dim}")
    ax.set(xlabel="epoch", ylabel="test accuracy (%)", title=f"ViT on {result['n_test']} test digits")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.legend(fontsize=8)
    data = {"epoch": epochs, "test accuracy (%)": accuracy}
    if grid:
        ax = axes[0, 1]
        table = np.array([[100 * r["history"]["test_accuracy"][-1] for r in grid[i:i + len(cfg.grid_dims)]]
                          for i in range(0, len(grid), len(cfg.grid_dims))])
        ax.imshow(table, cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(table):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", color="white" if value < table.max() else "black")
        ax.set(xticks=range(len(cfg.grid_dims)), xticklabels=cfg.grid_dims, yticks=range(len(cfg.grid_depths)),
               yticklabels=cfg.grid_depths, xlabel="token width dim", ylabel="depth",
               title=f"Grid: test accuracy (%) after {plotting.plural(cfg.grid_epochs, 'epoch')}")
        ax.grid(False)
        data |= {"grid depth": [s.depth for s in shapes], "grid dim": [s.dim for s in shapes],
                 "grid test accuracy (%)": [100 * r["history"]["test_accuracy"][-1] for r in grid]}
    ctx.save_figure(fig, "attention_vit_test_accuracy_and_grid", data=data)


def _plot_maps(ctx, result: dict) -> None:
    import torch

    from anndl.nn.attention.vit import attention_rollout

    maps = torch.as_tensor(result["maps"])
    side = int(round(np.sqrt(maps.shape[-1] - 1)))
    rollout = attention_rollout(maps)[:, 0, 1:].reshape(-1, side, side).numpy()
    last = maps[-1].mean(dim=1)[:, 0, 1:].reshape(-1, side, side).numpy()
    images = result["examples"]
    fig, axes = plotting.subplots(3, len(images), width=1.5, height=1.6, squeeze=False)
    rows = (("test digit", None), ("last block\n(heads' mean)", last), ("rollout over\nall blocks", rollout))
    for r, (name, values) in enumerate(rows):
        for c, image in enumerate(images):
            ax = axes[r, c]
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, extent=(0, side, side, 0))
            if values is not None:
                ax.imshow(values[c], cmap="magma", alpha=0.6, extent=(0, side, side, 0), vmin=0)
            ax.set_axis_off()
            if r == 0:
                ax.set_title(f"label {result['labels'][c]}", fontsize=8)
        axes[r, 0].text(-0.08, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=8)
    fig.suptitle("Where the class token looks: attention over the 7x7-pixel patches (brighter = more)")
    ctx.save_figure(fig, "attention_vit_class_token_maps")
