"""The digit CNN, its trainer and the conv output-size formula (anndl.nn.conv.cnn)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from anndl.data.course_digits import stratified_holdout
from anndl.data.mnist import load_mnist_subset
from anndl.nn.conv.cnn import DigitCNN, conv_output_size, fit_classifier, predict_logits


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 64), kernel=st.integers(1, 12), stride=st.integers(1, 6),
       padding=st.integers(0, 5))
def test_conv_output_size_agrees_with_torch(size, kernel, stride, padding):
    if kernel > size + 2 * padding:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, stride, padding)
        return
    x = torch.zeros(1, 1, size, size)
    conv = torch.nn.functional.conv2d(x, torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding)
    assert conv.shape[-1] == conv.shape[-2] == conv_output_size(size, kernel, stride, padding)
    if 2 * padding <= kernel:  # torch's max-pool limit on the padding
        pooled = torch.nn.functional.max_pool2d(x, kernel, stride=stride, padding=padding)
        assert pooled.shape[-1] == conv_output_size(size, kernel, stride, padding)


def test_conv_output_size_report_examples():
    # report §3.3: AlexNet conv1 227 -> 55 (11x11, stride 4), pool1 55 -> 27 (3x3, stride 2)
    assert conv_output_size(227, 11, 4) == 55
    assert conv_output_size(55, 3, 2) == 27


def test_template_shapes_and_parameter_count():
    model = DigitCNN()
    # conv1 5*5*1*12 + 12, conv2 5*5*12*24 + 24, fc 24*8*8*10 + 10: "over 22 000" in the report
    assert sum(p.numel() for p in model.parameters()) == 312 + 7224 + 15370
    x = torch.rand(3, 1, 28, 28)
    assert model.features(x).shape == (3, 24 * 8 * 8) == (3, model.n_features)
    assert torch.allclose(model.fc(model.features(x)), model(x))
    assert DigitCNN((24, 48)).features(x).shape == (3, 48 * 8 * 8)
    with pytest.raises(ValueError):
        DigitCNN((12, 24, 48))


def test_fit_zero_centres_and_records_every_iteration():
    rng = np.random.default_rng(0)
    images = rng.random((70, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 70)
    torch.manual_seed(0)  # the initial weights come from torch's global generator
    model = DigitCNN()
    history = fit_classifier(model, images, labels, epochs=2, lr=1e-5, momentum=0.9, batch_size=32, seed=3,
                             device="cpu", val=(images[:10], labels[:10]), val_every=4)
    assert np.allclose(model.input_mean_[0].numpy(), images.mean(0), atol=1e-6)
    assert history["iteration"] == list(range(1, 7)) and history["epoch"] == [1, 1, 1, 2, 2, 2]
    assert history["val_iteration"] == [4, 6] and len(history["val_acc"]) == 2
    torch.manual_seed(0)
    again = fit_classifier(DigitCNN(), images, labels, epochs=2, lr=1e-5, momentum=0.9, batch_size=32, seed=3,
                           device="cpu")
    assert np.allclose(history["loss"], again["loss"])


def test_one_epoch_lifts_accuracy_above_chance():
    images, labels = load_mnist_subset()
    train, test = stratified_holdout(labels, 0.25, np.random.default_rng(0))  # 3750 / 1250 digits
    torch.manual_seed(0)  # initial weights (other seeds give 0.31-0.70 after this one epoch)
    model = DigitCNN()
    fit_classifier(model, images[train], labels[train], epochs=1, lr=1e-4, momentum=0.9, batch_size=128,
                   seed=0, device="cpu")
    accuracy = float((predict_logits(model, images[test]).argmax(1).numpy() == labels[test]).mean())
    assert accuracy > 0.3  # chance: 0.1; 0.70 with this seed
