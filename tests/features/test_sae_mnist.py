"""The 2024 course's stacked autoencoder (anndl.features.sae_mnist): greedy pre-training trains one
layer at a time, and the run reports why the frozen codes carry no class information at the course's
settings (pre-training error above the mean-input baseline, codes that hardly vary)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from anndl.data.course_digits import DigitData
from anndl.features.sae_mnist import SAECell, train_cell
from anndl.nn import minibatch
from anndl.nn.autoencoders.stacked import LayerAutoencoder, StackedAutoencoder


def test_pre_training_layer_k_moves_only_its_own_encoder_and_decoder():
    torch.manual_seed(0)
    stack = StackedAutoencoder((784, 16, 8))
    before = {name: p.detach().clone() for name, p in stack.named_parameters()}
    layer = LayerAutoencoder(stack, 1)
    x = torch.rand(64, 784)
    codes = layer.below(x)
    assert codes.shape == (64, 16) and not codes.requires_grad
    minibatch.fit(layer, (codes,), lambda m, c: F.mse_loss(m(c), c), torch.optim.SGD(layer.parameters_trained(), lr=1),
                  epochs=2, batch_size=16, seed=0)
    moved = {name for name, p in stack.named_parameters() if not torch.equal(p, before[name])}
    assert moved == {"encoders.1.0.weight", "encoders.1.0.bias", "decoders.1.0.weight", "decoders.1.0.bias"}


def cell(pretrained: bool, layer_lr: float, layer_epochs: int) -> SAECell:
    return SAECell(DigitData(test_fraction=0.2, max_train_per_class=20), data_seed=0, pretrained=pretrained,
                   sizes=(784, 32, 16), layer_epochs=layer_epochs, layer_lr=layer_lr, classifier_epochs=2,
                   finetune_epochs=1, lr=1.0, freeze_encoders=True, batch_size=32, device="cpu", seed=3)


def test_the_course_settings_leave_the_reconstruction_above_the_mean_input_baseline():
    course = train_cell(cell(True, layer_lr=0.1, layer_epochs=3))
    assert len(course["test_accuracy"]) == 3 and len(course["pretraining_loss"]) == 2
    assert course["pretraining_loss"][0][-1] > course["mean_only_mse"][0]  # learned less than the mean image
    assert course["code_spread"] < 0.02
    assert course["after_classifier"] == pytest.approx(0.1, abs=0.05)  # chance on 10 balanced classes
    # a pre-training that does learn (a larger rate, longer) gets below the baseline and spreads the codes
    learned = train_cell(cell(True, layer_lr=100.0, layer_epochs=60))
    assert learned["pretraining_loss"][0][-1] < learned["mean_only_mse"][0]
    assert learned["code_spread"] > 5 * course["code_spread"] and learned["after_classifier"] > 0.2
    scratch = train_cell(cell(False, layer_lr=0.1, layer_epochs=3))
    assert scratch["pretraining_loss"] == [] and scratch["code_spread"] is None
    assert np.isfinite(scratch["test_accuracy"]).all()
