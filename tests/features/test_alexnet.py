"""AlexNet's layer shapes: formula (3.1) against a forward pass (anndl.features.alexnet_shapes)."""

import numpy as np
import torch
from torch import nn

from anndl.features.alexnet_shapes import (
    AlexNetConfig,
    _retarget_fc6,
    alexnet_layers,
    formula_shapes,
    forward_shapes,
)
from anndl.features.alexnet_shapes import run as run_alexnet
from anndl.runs import RunContext


def _meta_model(size: int):
    with torch.device("meta"):  # shapes only: no 61M weights allocated
        layers = alexnet_layers()
        _retarget_fc6(layers, formula_shapes(layers, size, 3)["flatten"][0])
        return layers, nn.Sequential(layers), torch.empty(1, 3, size, size)


def test_formula_matches_forward_pass_for_227_and_other_sizes():
    for size in (227, 259, 131):
        layers, model, x = _meta_model(size)
        assert formula_shapes(layers, size, 3) == forward_shapes(model, x)


def test_original_alexnet_shapes():
    layers, model, x = _meta_model(227)
    shapes = formula_shapes(layers, 227, 3)
    assert shapes["conv1"] == (55, 55, 96) and shapes["pool1"] == (27, 27, 96)
    assert shapes["pool2"] == (13, 13, 256) and shapes["pool5"] == (6, 6, 256)
    assert shapes["flatten"] == (9216,) and shapes["fc8"] == (1000,)
    assert sum(p.numel() for p in model.parameters()) == 60_965_224  # MATLAB's alexnet: 61.0 M


def test_experiment_table_and_metrics(tmp_path):
    cfg = AlexNetConfig(device="cpu")
    metrics = run_alexnet(cfg, RunContext(run_dir=tmp_path, config=cfg, progress_enabled=False))
    assert metrics["fc_input_size"] == 9216 and metrics["input_size"] == 3 * 227**2 == 154_587
    assert np.isclose(metrics["fc_input_ratio"], 9216 / 154_587) and metrics["fc_input_ratio"] < 0.06
    assert metrics["first_fc_layer_index"] == 17  # "The first fully connected layer is layer 17"
    table = (tmp_path / "tables" / "alexnet_layer_shapes.csv").read_text().splitlines()
    assert len(table) == 1 + 24 and "conv1" in table[2] and "55x55x96" in table[2]
    assert (tmp_path / "figures" / "alexnet_output_size_per_layer.png").is_file()
