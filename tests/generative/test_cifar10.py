"""The CIFAR-10 binary-batch reader on tiny files in that format, written here byte by byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from anndl.cli import main
from anndl.data import cifar10
from anndl.errors import DataError

REPO = Path(__file__).resolve().parents[2]


def write_batch(path: Path, labels, seed: int = 0) -> np.ndarray:
    """Records of 1 label byte + 3072 pixel bytes; returns the pixel bytes (N, 3072)."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(len(labels), 3072), dtype=np.uint8)
    records = np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], pixels], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(records.tobytes())
    return pixels


def test_records_are_label_then_channel_major_pixels(tmp_path):
    pixels = write_batch(tmp_path / "data_batch_1.bin", [5, 0, 9])
    images, labels = cifar10.read_batch(tmp_path / "data_batch_1.bin")
    assert images.dtype == np.uint8 and images.shape == (3, 3, 32, 32)
    assert labels.tolist() == [5, 0, 9] and labels.dtype == np.int64
    # byte k of a record's pixels is channel k // 1024, row (k % 1024) // 32, column k % 32
    for k in (0, 31, 32, 1023, 1024, 2047 + 40, 3071):
        channel, row, column = k // 1024, (k % 1024) // 32, k % 32
        assert images[1, channel, row, column] == pixels[1, k]


def test_class_selection_spans_batches_in_order(tmp_path):
    first = write_batch(tmp_path / "data_batch_1.bin", [5, 3, 5], seed=1)
    second = write_batch(tmp_path / "data_batch_2.bin", [1, 5], seed=2)
    write_batch(tmp_path / "test_batch.bin", [5, 5], seed=3)  # not a training batch: ignored
    dogs = cifar10.load_class(tmp_path, "dog")
    expected = np.stack([first[0], first[2], second[1]]).reshape(3, 3, 32, 32) / 255.0
    assert dogs.dtype == np.float32 and dogs.shape == (3, 3, 32, 32)
    assert np.allclose(dogs, expected, atol=1e-7)
    assert 0.0 <= dogs.min() and dogs.max() <= 1.0
    # the extracted archive's subfolder and a single file work too
    nested = tmp_path / "outer"
    write_batch(nested / "cifar-10-batches-bin" / "data_batch_1.bin", [5, 2], seed=4)
    assert cifar10.load_class(nested, "dog").shape == (1, 3, 32, 32)
    assert cifar10.load_class(tmp_path / "data_batch_2.bin", "automobile").shape == (1, 3, 32, 32)


def test_class_names_follow_the_official_order():
    assert cifar10.class_index("dog") == 5 and cifar10.class_index("airplane") == 0
    assert cifar10.class_index("truck") == 9
    with pytest.raises(ValueError, match="known: airplane, automobile"):
        cifar10.class_index("wolf")


def test_missing_and_malformed_data_are_clear_data_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        cifar10.load_class(tmp_path / "nowhere", "dog")
    with pytest.raises(DataError, match="no data_batch"):
        cifar10.load_class(tmp_path, "dog")
    truncated = tmp_path / "data_batch_1.bin"
    truncated.write_bytes(bytes(3073 + 10))
    with pytest.raises(DataError, match="whole number of 3073-byte"):
        cifar10.read_batch(truncated)
    write_batch(truncated, [12])
    with pytest.raises(DataError, match="label byte 12"):
        cifar10.read_batch(truncated)
    write_batch(truncated, [1, 2])
    with pytest.raises(DataError, match="no images of class 'dog'"):
        cifar10.load_class(tmp_path, "dog")


def test_dcgan_trains_on_a_cifar_class_and_needs_a_path(tmp_path):
    write_batch(tmp_path / "batches" / "data_batch_1.bin", [5] * 40 + [0] * 8)
    config = str(REPO / "configs" / "dcgan.yaml")
    runner = CliRunner()
    result = runner.invoke(main, ["run", config, "--quick", "dataset=cifar10", "--out", str(tmp_path / "r1")])
    assert result.exit_code == 2 and "cifar_path" in result.output
    result = runner.invoke(main, ["run", config, "--quick", "dataset=cifar10", "budget.generator_steps=2",
                                  "budget.snapshots=2",
                                  "networks.generator_widths=[8,8,8]", "networks.discriminator_widths=[4,4,4]",
                                  f"cifar_path={tmp_path / 'batches'}", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "figures" / "dcgan_samples_over_training.png").is_file()
    tables = tmp_path / "run" / "tables"
    assert (tables / "dcgan_per_epoch.csv").is_file()
    assert not (tables / "dcgan_sample_quality.csv").exists()  # sample quality is for digits only
