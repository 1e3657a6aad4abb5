"""``--data DIR``: the course's files by name, the digest table, the Santa Fe pair, CIFAR-10's python
batches, and bad input (exit 2, one line naming the file, nothing written)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.io import savemat
from tests.conftest import course_data_dir

from anndl import registry
from anndl.cli import main
from anndl.configfile import load_config_file
from anndl.data import cifar10
from anndl.data.course import CIFAR_PY, DIGESTS, OPTIONAL, CourseFiles, choose, identify
from anndl.data.mnist import load_mnist_subset, write_idx
from anndl.data.santafe import load_series, load_split
from anndl.errors import DataError

COURSE = course_data_dir()
needs_course = pytest.mark.skipif(not (COURSE / "lasertrain.dat").is_file(), reason="course data folder absent")


@needs_course
def test_the_digest_table_matches_the_course_files():
    shipped = {p.name for p in COURSE.iterdir() if p.suffix != ".md"}
    assert shipped == {name for name in DIGESTS if "/" not in name}
    for name in shipped:
        assert hashlib.sha256((COURSE / name).read_bytes()).hexdigest() == DIGESTS[name]["sha256"], name


def test_every_declaration_names_a_config_key_and_a_course_file():
    known = {name.split("/")[0] for name in (*DIGESTS, *OPTIONAL)}
    declared = [e for e in registry.all_experiments() if e.course_data]
    assert {e.name for e in declared} >= {"pca", "hopfield_digits", "ot_color_transfer", "cnn_digits", "sae_digits",
                                          "personal_regression", "mlp_santafe", "lstm_santafe", "dcgan"}
    for exp in declared:
        for group in exp.course_data:
            names = [name for names in group.files.values() for name in ((names,) if isinstance(names, str) else names)]
            assert set(names) <= known, exp.name
            # every key is a config key: the loader types it (an unknown key would be a ConfigError)
            load_config_file(exp.name, [f"{k}=x" for k in group.files])


def test_choose_leaves_a_group_with_an_absent_file_on_the_shipped_data(tmp_path):
    (tmp_path / "threes.mat").write_text("0 1\n")
    groups = (CourseFiles({"threes_path": "threes.mat"}), CourseFiles({"a": "lasertrain.dat", "b": "laserpred.dat"},
                                                                      {"c": 1}))
    choice = choose(groups, tmp_path)
    assert choice.overrides == (("threes_path", str((tmp_path / "threes.mat").resolve())),)
    assert choice.used == ("threes.mat",) and set(choice.absent) == {"lasertrain.dat", "laserpred.dat"}
    assert "absent" in choice.note("x")


@needs_course
def test_an_explicit_override_wins_over_a_course_file():
    loaded = load_config_file("pca", ["threes_path=null"], data_dir=COURSE)
    assert loaded.config.threes_path is None
    assert load_config_file("pca", data_dir=COURSE).config.threes_path == str((COURSE / "threes.mat").resolve())


def test_data_takes_full_mnist_as_idx_files_plain_or_gzipped(tmp_path):
    images, labels = load_mnist_subset()
    order = np.random.default_rng(0).permutation(len(labels))  # the subset is sorted by class
    images, labels = images[order], labels[order]
    as_bytes = (images * 255).round().astype(np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", as_bytes[:3000])
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels[:3000].astype(np.uint8))
    write_idx(tmp_path / "t10k-images-idx3-ubyte", as_bytes[3000:])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[3000:].astype(np.uint8))
    sae = load_config_file("sae_mnist", data_dir=tmp_path).config.data
    assert sae.source == "idx" and sae.max_train_per_class == 600
    assert Path(sae.train_images).name == "train-images-idx3-ubyte.gz" and Path(sae.test_labels).name == (
        "t10k-labels-idx1-ubyte")
    assert load_config_file("sae_digits", data_dir=tmp_path).config.data.source == "mnist_subset"  # not MNIST's
    result = CliRunner().invoke(main, ["run", "hopfield_mnist", "--quick", "--data", str(tmp_path), "--out",
                                       str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "course data train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in result.output
    env = json.loads((tmp_path / "run" / "env.json").read_text())
    assert {Path(p).name for p in env["data_files"]} >= {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}


def test_identify_reads_digests_not_names():
    sha = DIGESTS["threes.mat"]["sha256"]
    assert identify([{"file": "anything.txt", "sha256": sha}]) == ["threes.mat"]
    assert identify([{"file": "threes.mat", "sha256": "0" * 64}]) == []
    assert identify([{"file": "data_batch_3", "md5": DIGESTS[f"{CIFAR_PY}/data_batch_3"]["md5"]}]) == [
        f"{CIFAR_PY}/data_batch_3"]


@needs_course
def test_lstm_santafe_with_data_uses_the_train_pred_pair(tmp_path):
    result = CliRunner().invoke(main, ["run", "lstm_santafe", "--quick", "--data", str(COURSE), "--out",
                                       str(tmp_path / "run"), "training.epochs=2", "mlp_epochs=2"])
    assert result.exit_code == 0, result.output
    assert "course data lasertrain.dat, laserpred.dat" in result.output
    config = (tmp_path / "run" / "config.yaml").read_text()
    assert "lasertrain.dat" in config and "laserpred.dat" in config
    env = json.loads((tmp_path / "run" / "env.json").read_text())
    read = {Path(p).name: d for p, d in env["data_files"].items()}
    assert identify(read.values()) == ["lasertrain.dat", "laserpred.dat"]
    # the forecast is scored against laserpred.dat's 100 values, taken as they are
    series, train, test = load_split(str(COURSE / "lasertrain.dat"), str(COURSE / "laserpred.dat"), 1000, 100)
    np.testing.assert_array_equal(test, np.loadtxt(COURSE / "laserpred.dat"))
    np.testing.assert_array_equal(series, load_series()[:1100])  # the course's pair is the shipped series' start


def test_load_split_takes_each_file_whole_and_names_a_length_mismatch(tmp_path):
    (tmp_path / "train.dat").write_text("\n".join(str(v) for v in range(60)))
    (tmp_path / "test.dat").write_text("1\n2\n3\n")
    series, train, test = load_split(tmp_path / "train.dat", tmp_path / "test.dat", 60, 3)
    assert train.size == 60 and test.tolist() == [1, 2, 3] and series.size == 63
    with pytest.raises(DataError, match=r"test.dat: holds 3 values but n_test is 100.*n_test=3"):
        load_split(tmp_path / "train.dat", tmp_path / "test.dat", 60, 100)


def _python_batch(path: Path, labels: list[int]) -> None:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (len(labels), 3072), dtype=np.uint8)
    with open(path, "wb") as handle:
        pickle.dump({b"batch_label": b"training batch", b"labels": labels, b"data": data}, handle, protocol=2)


def test_cifar_python_batches_load_and_a_pickle_that_runs_code_is_refused(tmp_path):
    folder = tmp_path / CIFAR_PY
    folder.mkdir()
    for i in range(1, 6):
        _python_batch(folder / f"data_batch_{i}", [5, 3, 5, 1])
    dogs = cifar10.load_class(tmp_path, "dog")
    assert dogs.shape == (10, 3, 32, 32) and 0 <= dogs.min() and dogs.max() <= 1
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (folder / "data_batch_1").write_bytes(pickle.dumps(Evil(), protocol=2))
    with pytest.raises(DataError, match="data_batch_1: not a CIFAR-10 python batch"):
        cifar10.load_class(tmp_path, "dog")
    assert not marker.exists()


# ---------------------------------------------------------------- bad input: exit 2, one line, nothing written

def _invoke(tmp_path: Path, *args: str):
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == before
    return lines[0]


@pytest.mark.parametrize("command", [["run", "pca"], ["report", "--quick", "--only", "pca"]])
def test_a_missing_data_folder_is_exit_2(tmp_path, command):
    line = _invoke(tmp_path, *command, "--data", str(tmp_path / "nowhere"))
    assert "nowhere: --data folder not found" in line


def test_a_folder_without_course_files_is_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "holds none of the course's files" in _invoke(tmp_path, "run", "pca", "--data", str(tmp_path / "empty"))


@pytest.mark.parametrize("command", [["run", "pca", "--quick"], ["report", "--quick", "--only", "pca"]])
def test_a_course_file_in_the_wrong_format_is_exit_2_naming_it(tmp_path, command):
    data = tmp_path / "course"
    data.mkdir()
    savemat(data / "threes.mat", {"X": np.zeros((3, 3))})  # binary MATLAB, not the course's ASCII table
    line = _invoke(tmp_path, *command, "--data", str(data))
    assert "threes.mat" in line and "ASCII table" in line


@pytest.mark.parametrize("name, variables, expected", [
    ("digits.mat", {"Y": np.zeros((198, 240))}, "no variable 'X'"),
    ("Data_Problem1_regression.mat", {"X1": np.zeros((5, 1))}, "missing variables"),
    ("digittrain_dataset.mat", {"images": np.zeros((2, 2))}, "expected one image cell"),
])
def test_a_mat_without_the_expected_variables_is_exit_2_naming_it(tmp_path, name, variables, expected):
    data = tmp_path / "course"
    data.mkdir()
    savemat(data / name, variables)
    if name.startswith("digittrain"):
        shutil.copyfile(data / name, data / "digittest_dataset.mat")
    experiment = {"digits.mat": "hopfield_digits", "Data_Problem1_regression.mat": "personal_regression",
                  "digittrain_dataset.mat": "sae_digits"}[name]
    line = _invoke(tmp_path, "run", experiment, "--quick", "--data", str(data))
    assert name.split(".")[0] in line and expected in line
