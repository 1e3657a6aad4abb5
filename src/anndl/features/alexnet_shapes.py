"""§3.3 The original AlexNet (Krizhevsky et al. 2012, MATLAB's ``alexnet``) and its layer shapes.

No pretrained weights can be downloaded here, so the network is randomly initialised: only the
architecture matters for the shapes. Each layer's output size is computed with the report's
formula (3.1) and checked against a forward pass of one image.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import TYPE_CHECKING, Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.errors import RunError
from anndl.registry import experiment
from anndl.seeding import seed_globals

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclasses.dataclass(kw_only=True)
class AlexNetConfig(ExperimentConfig):
    image_size: int = param(227, ge=67)
    """Side of the square input image in pixels (227 in the original network)."""
    channels: int = param(3, ge=1)
    """Input channels (3: RGB)."""
    n_classes: int = param(1000, ge=2)
    """Outputs of the last fully connected layer (1000 ImageNet classes)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Device of the forward pass."""


def alexnet_layers(channels: int = 3, n_classes: int = 1000) -> OrderedDict[str, nn.Module]:
    """MATLAB's 25 alexnet layers after the input (softmax and classification output folded into
    ``prob``), named as MATLAB names them. conv2, conv4 and conv5 use two groups (the original
    two-GPU split); LRN: size 5, alpha 1e-4, beta 0.75, k 2 (torch divides alpha by the size, as
    Caffe and MATLAB do)."""
    from torch import nn

    def lrn():
        return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)

    return OrderedDict([
        ("conv1", nn.Conv2d(channels, 96, 11, stride=4)), ("relu1", nn.ReLU()), ("norm1", lrn()),
        ("pool1", nn.MaxPool2d(3, stride=2)),
        ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=2)), ("relu2", nn.ReLU()), ("norm2", lrn()),
        ("pool2", nn.MaxPool2d(3, stride=2)),
        ("conv3", nn.Conv2d(256, 384, 3, padding=1)), ("relu3", nn.ReLU()),
        ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=2)), ("relu4", nn.ReLU()),
        ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=2)), ("relu5", nn.ReLU()),
        ("pool5", nn.MaxPool2d(3, stride=2)),
        ("flatten", nn.Flatten()),
        ("fc6", nn.Linear(256 * 6 * 6, 4096)), ("relu6", nn.ReLU()), ("drop6", nn.Dropout(0.5)),
        ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU()), ("drop7", nn.Dropout(0.5)),
        ("fc8", nn.Linear(4096, n_classes)), ("prob", nn.Softmax(dim=1)),
    ])


def _retarget_fc6(layers: OrderedDict[str, nn.Module], flat: int) -> None:
    """Make fc6 accept ``flat`` inputs (for inputs other than 227x227)."""
    from torch import nn

    if layers["fc6"].in_features != flat:
        layers["fc6"] = nn.Linear(flat, 4096)


def formula_shapes(layers: OrderedDict[str, nn.Module], size: int, channels: int) -> dict[str, tuple]:
    """Output shape of every layer from formula (3.1): (H, W, C) for image layers, (n,) after flatten."""
    from torch import nn

    from anndl.nn.conv.cnn import conv_output_size

    shapes, h, c = {}, size, channels
    flat = None
    for name, layer in layers.items():
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
            k, s, p = (layer.kernel_size, layer.stride, layer.padding)
            k, s, p = (v[0] if isinstance(v, tuple) else v for v in (k, s, p))
            h = conv_output_size(h, k, s, p)
            c = layer.out_channels if isinstance(layer, nn.Conv2d) else c
        elif isinstance(layer, nn.Flatten):
            flat = h * h * c
        elif isinstance(layer, nn.Linear):
            flat = layer.out_features
        shapes[name] = (h, h, c) if flat is None else (flat,)
    return shapes


def forward_shapes(model: nn.Sequential, x: torch.Tensor) -> dict[str, tuple]:
    """Output shape of every layer of ``model`` for input x (1, C, H, W), as (H, W, C) or (n,)."""
    import torch

    shapes = {}
    with torch.no_grad():
        for name, layer in model.named_children():
            x = layer(x)
            shapes[name] = (x.shape[2], x.shape[3], x.shape[1]) if x.ndim == 4 else (x.shape[1],)
    return shapes


def _shape_text(shape: tuple) -> str:
    return "x".join(str(v) for v in shape)


def _describe(layer: nn.Module) -> str:
    from torch import nn

    if isinstance(layer, nn.Conv2d):
        groups = f", {layer.groups} groups" if layer.groups > 1 else ""
        return (f"conv {layer.kernel_size[0]}x{layer.kernel_size[1]} x{layer.out_channels}, stride "
                f"{layer.stride[0]}, pad {layer.padding[0]}{groups}")
    if isinstance(layer, nn.MaxPool2d):
        return f"max-pool {layer.kernel_size}x{layer.kernel_size}, stride {layer.stride}"
    if isinstance(layer, nn.Linear):
        return f"fully connected {layer.in_features} -> {layer.out_features}"
    return {nn.ReLU: "ReLU", nn.LocalResponseNorm: "cross-channel normalisation (LRN 5)",
            nn.Dropout: "dropout 0.5", nn.Flatten: "flatten", nn.Softmax: "softmax"}[type(layer)]


@experiment("alexnet_shapes", AlexNetConfig,
            "AlexNet's per-layer output shapes by formula (3.1) and forward pass (§3.3)")
def run(cfg: AlexNetConfig, ctx) -> dict:
    import torch
    from torch import nn

    from anndl.nn import torchkit

    seed_globals(ctx.child_seed())
    device = torchkit.resolve_device(cfg.device)
    layers = alexnet_layers(cfg.channels, cfg.n_classes)
    predicted = formula_shapes(layers, cfg.image_size, cfg.channels)
    _retarget_fc6(layers, predicted["flatten"][0])
    predicted = formula_shapes(layers, cfg.image_size, cfg.channels)
    model = nn.Sequential(layers).to(device).eval()
    image = torch.rand(1, cfg.channels, cfg.image_size, cfg.image_size, device=device)
    measured = forward_shapes(model, image)

    input_size = cfg.image_size * cfg.image_size * cfg.channels
    shape_in = _shape_text((cfg.image_size, cfg.image_size, cfg.channels))
    rows = [{"layer": 1, "name": "data", "type": f"image input {shape_in}",
             "output (formula 3.1)": shape_in, "output (forward pass)": shape_in,
             "values": input_size, "parameters": 0}]
    for name, layer in layers.items():
        if name == "flatten":
            continue  # MATLAB's fc6 flattens its input itself: not a layer of its own
        rows.append({"layer": len(rows) + 1, "name": name, "type": _describe(layer),
                     "output (formula 3.1)": _shape_text(predicted[name]),
                     "output (forward pass)": _shape_text(measured[name]),
                     "values": int(np.prod(measured[name])),
                     "parameters": sum(p.numel() for p in layer.parameters())})
    mismatches = [r["name"] for r in rows if r["output (formula 3.1)"] != r["output (forward pass)"]]
    if mismatches:
        raise RunError(f"formula (3.1) disagrees with the forward pass at layers {mismatches}")
    ctx.write_table("alexnet_layer_shapes", rows)

    fc_input = predicted["flatten"][0]
    fc6_index = next(r["layer"] for r in rows if r["name"] == "fc6")
    _plot_sizes(ctx, rows, cfg.image_size)
    return {"input_size": input_size, "fc_input_size": fc_input, "fc_input_ratio": fc_input / input_size,
            "first_fc_layer_index": fc6_index, "pool1_output": rows[4]["output (formula 3.1)"],
            "conv1_output": rows[1]["output (formula 3.1)"], "n_layers": len(rows),
            "n_parameters": sum(r["parameters"] for r in rows),
            "formula_matches_forward_pass": not mismatches}


def _plot_sizes(ctx, rows: list[dict], image_size: int) -> None:
    fig, ax = plotting.subplots(1, 1, width=9, height=3.6)
    x = np.arange(len(rows))
    ax.plot(x, [r["values"] for r in rows], "o-", color="tab:blue", lw=0.8)  # dots: bars on a log axis mislead
    ax.set_yscale("log")
    ax.set_xticks(x, [r["name"] for r in rows], rotation=70, fontsize=8)
    fc6 = next(i for i, r in enumerate(rows) if r["name"] == "fc6")
    ax.axvline(fc6 - 0.5, color="k", ls="--", lw=0.8,
               label=f"classifier input: {rows[fc6 - 1]['values']:,} values")
    ax.set(xlabel="layer", ylabel="values in the layer's output",
           title=f"AlexNet: output size per layer for one {image_size}x{image_size} image")
    ax.legend()
    data = {"layer": [r["name"] for r in rows], "values in the layer's output": [r["values"] for r in rows]}
    ctx.save_figure(fig, "alexnet_output_size_per_layer", data=data)
