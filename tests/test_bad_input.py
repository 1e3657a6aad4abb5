"""Bad input ends with exit code 2 and one line naming the file and the problem; nothing unpickles.

One test per bad-input class, each fed three ways with the same overrides -- ``anndl validate
configs/X.yaml key=badpath``, ``anndl run ... --dry-run`` and ``anndl run ...`` -- so that bad data
is rejected before a run starts: corrupt or truncated data files, .mat files without the expected
variables, arrays of the wrong shape, and images that cannot be decoded.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import typing
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.io import savemat

from anndl import registry
from anndl.cli import main
from anndl.data.course_digits import DigitData
from anndl.data.mnist import write_idx

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "anndl"
WAYS = ("validate", "run --dry-run", "run")


def run_config(tmp_path: Path, config: str, *overrides: str) -> dict:
    """``anndl validate``, ``anndl run --dry-run`` and ``anndl run`` of ``configs/<config>.yaml --quick
    OVERRIDES`` (run with ``--out tmp/run``) in-process, from ``tmp_path``: {way: result}. A command
    rejected with exit 2 must leave ``tmp_path`` as it found it."""
    config_path = str(REPO / "configs" / f"{config}.yaml")
    out = ["--out", str(tmp_path / "run")]
    commands = {"validate": ["validate", config_path, "--quick", *overrides],
                "run --dry-run": ["run", config_path, "--quick", "--dry-run", *overrides, *out],
                "run": ["run", config_path, "--quick", *overrides, *out]}
    results = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for way, args in commands.items():
            before = sorted(os.listdir(tmp_path))
            results[way] = result = CliRunner().invoke(main, args)
            if result.exit_code == 2:
                assert sorted(os.listdir(tmp_path)) == before, f"{way}: bad input left files behind"
    finally:
        os.chdir(cwd)
    return results


def assert_one_line_error(results: dict, path: Path, *problem: str) -> None:
    """Each way: exit code 2, and the only output is one line that names ``path`` and every word of
    ``problem``."""
    assert set(results) == set(WAYS)
    for way, result in results.items():
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2, f"{way}: {result.output}"
        assert len(lines) == 1, f"{way}: {result.output}"
        assert lines[0].startswith("error: ") and str(path) in lines[0], f"{way}: {lines[0]}"
        for word in problem:
            assert word.lower() in lines[0].lower(), f"{way}: {lines[0]}"


def idx_pair(tmp_path: Path, n: int = 20) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    images = write_idx(tmp_path / "images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
    labels = write_idx(tmp_path / "labels-idx1-ubyte.gz", np.arange(n) % 10)
    return images, labels


# (1) corrupt or truncated data files

def test_truncated_gzipped_idx_file(tmp_path):
    images, labels = idx_pair(tmp_path)
    truncated = tmp_path / "truncated-idx3-ubyte.gz"
    truncated.write_bytes(images.read_bytes()[:-40])
    result = run_config(tmp_path, "cnn_digits", "data.source=idx", f"data.train_images={truncated}",
                        f"data.train_labels={labels}")
    assert_one_line_error(result, truncated, "gzip")


def test_idx_file_shorter_than_its_header_declares(tmp_path):
    images, labels = idx_pair(tmp_path)
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(gzip.decompress(images.read_bytes())[:-100])
    result = run_config(tmp_path, "sae_digits", "data.source=idx", f"data.train_images={short}",
                        f"data.train_labels={labels}")
    assert_one_line_error(result, short, "truncated")


def test_garbage_santa_fe_series(tmp_path):
    series = tmp_path / "lasertrain.dat"
    series.write_bytes(b"86\n141\n95\n\x00\xff\x13garbage\n")
    result = run_config(tmp_path, "mlp_santafe", f"series_path={series}")
    assert_one_line_error(result, series, "numeric series")


def test_truncated_npy_series(tmp_path):
    series = tmp_path / "laser.npy"
    np.save(series, np.arange(2000.0))
    series.write_bytes(series.read_bytes()[:500])
    result = run_config(tmp_path, "lstm_santafe", f"series_path={series}")
    assert_one_line_error(result, series, "numeric series")


def test_garbage_spectra_csv(tmp_path):
    spectra = tmp_path / "spectra.csv"
    spectra.write_text("w1,w2,w3\n0.1,0.2,0.3\n0.4,zero,0.6\n")
    result = run_config(tmp_path, "pca", f"spectra_path={spectra}")
    assert_one_line_error(result, spectra, "numeric CSV")


MAT_CONFIGS = {  # config -> the override that points it at a .mat file
    "personal_regression": "data_path",
    "hopfield_digits": "digits_path",
    "cnn_digits": "data.train_images",
}


@pytest.mark.parametrize("config", sorted(MAT_CONFIGS))
@pytest.mark.parametrize("keep", [0, 0.5], ids=["empty", "half"])
def test_empty_or_truncated_mat_file(tmp_path, config, keep):
    mat = tmp_path / "course.mat"
    savemat(mat, {"X": np.zeros((198, 240), dtype=np.uint8), "X1": np.zeros((50, 1))})
    mat.write_bytes(mat.read_bytes()[:int(keep * mat.stat().st_size)])
    extra = ["data.source=course_mat"] if config == "cnn_digits" else []
    result = run_config(tmp_path, config, *extra, f"{MAT_CONFIGS[config]}={mat}")
    assert_one_line_error(result, mat, ".mat file")


# (2) .mat files without the expected variables

def test_regression_mat_without_its_variables(tmp_path):
    mat = tmp_path / "Data_Problem1_regression.mat"
    savemat(mat, {"X1": np.zeros((10, 1)), "X2": np.zeros((10, 1)), "Y": np.zeros((10, 5))})
    result = run_config(tmp_path, "personal_regression", f"data_path={mat}")
    assert_one_line_error(result, mat, "missing variables", "T1")


def test_hopfield_digits_mat_without_x(tmp_path):
    mat = tmp_path / "digits.mat"
    savemat(mat, {"digits": np.zeros((198, 240), dtype=np.uint8)})
    result = run_config(tmp_path, "hopfield_digits", f"digits_path={mat}")
    assert_one_line_error(result, mat, "'X'", "digits")


def test_course_digit_mat_without_image_cell(tmp_path):
    mat = tmp_path / "digittrain_dataset.mat"
    savemat(mat, {"images": np.zeros((5, 28, 28)), "labels": np.eye(10)[:, :5]})
    result = run_config(tmp_path, "cnn_digits", "data.source=course_mat", f"data.train_images={mat}")
    assert_one_line_error(result, mat, "image cell", "'images', 'labels'")


# (3) arrays of the wrong shape

def test_threes_table_with_100_columns(tmp_path):
    table = tmp_path / "threes.mat"
    np.savetxt(table, np.random.default_rng(0).random((500, 100)))
    result = run_config(tmp_path, "pca", f"threes_path={table}")
    assert_one_line_error(result, table, "256 columns", "(500, 100)")


def test_hopfield_digits_mat_with_the_wrong_width(tmp_path):
    mat = tmp_path / "digits.mat"
    savemat(mat, {"X": np.zeros((198, 100), dtype=np.uint8)})
    result = run_config(tmp_path, "hopfield_digits", f"digits_path={mat}")
    assert_one_line_error(result, mat, "(198, 100)", "(198, 240)")


def test_regression_mat_with_vectors_of_different_lengths(tmp_path):
    mat = tmp_path / "Data_Problem1_regression.mat"
    savemat(mat, {**{k: np.zeros((10, 1)) for k in ("X1", "X2", "T1", "T2", "T3", "T4")},
                  "T5": np.zeros((7, 1))})
    result = run_config(tmp_path, "personal_regression", f"data_path={mat}")
    assert_one_line_error(result, mat, "common length")


def test_idx_images_that_are_not_28_by_28(tmp_path):
    _, labels = idx_pair(tmp_path)
    images = write_idx(tmp_path / "wide-idx3-ubyte", np.zeros((20, 28, 30)))
    result = run_config(tmp_path, "cnn_digits", "data.source=idx", f"data.train_images={images}",
                        f"data.train_labels={labels}")
    assert_one_line_error(result, images, "(28, 30)", "28x28")


# (4) images that cannot be decoded

@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"not an image at all"])
def test_image_that_cannot_be_decoded(tmp_path, content):
    image = tmp_path / "ocean_day.png"
    image.write_bytes(content)
    result = run_config(tmp_path, "ot_color_transfer", f"source_image={image}")
    assert_one_line_error(result, image, "cannot decode")


def test_truncated_jpeg(tmp_path):
    image = tmp_path / "truncated.jpg"
    image.write_bytes((REPO / "data" / "rocket.jpg").read_bytes()[:2000])
    result = run_config(tmp_path, "ot_color_transfer", f"target_image={image}")
    assert_one_line_error(result, image, "cannot decode")


# (5) files that are missing, or data that does not fit the config

def test_missing_spectra_file(tmp_path):
    missing = tmp_path / "no_such_spectra.csv"
    result = run_config(tmp_path, "pca", f"spectra_path={missing}")
    assert_one_line_error(result, missing, "not found")


def test_cifar_batch_that_is_not_whole_records(tmp_path):
    batch = tmp_path / "data_batch_1.bin"
    batch.write_bytes(bytes(3073 * 2 + 100))
    result = run_config(tmp_path, "dcgan", "dataset=cifar10", f"cifar_path={batch}")
    assert_one_line_error(result, batch, "3073-byte")


def test_dcgan_run_without_its_history(tmp_path):
    (tmp_path / "not_a_dcgan_run").mkdir()
    result = run_config(tmp_path, "wgan_mnist", f"dcgan_run={tmp_path / 'not_a_dcgan_run'}")
    assert_one_line_error(result, tmp_path / "not_a_dcgan_run" / "dcgan_history.json", "not found")


def test_series_shorter_than_the_training_and_test_windows(tmp_path):
    series = tmp_path / "short.dat"
    np.savetxt(series, np.arange(50.0))
    for way, result in run_config(tmp_path, "lstm_santafe", f"series_path={series}").items():
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1, f"{way}: {result.output}"
        assert "cannot take" in lines[0] and "a series of 50" in lines[0], f"{way}: {lines[0]}"


def test_good_data_and_overrides_pass_validate(tmp_path):
    series = tmp_path / "laser.npy"
    np.save(series, np.arange(2000.0))
    result = CliRunner().invoke(main, ["validate", str(REPO / "configs" / "lstm_santafe.yaml"),
                                       f"series_path={series}", "n_test=50"])
    assert result.exit_code == 0 and result.output.startswith("ok: "), result.output
    result = CliRunner().invoke(main, ["validate", str(REPO / "configs" / "lstm_santafe.yaml"), "n_test=0"])
    assert result.exit_code == 2 and "n_test" in result.output, result.output


def test_python_api_rejects_bad_data_before_the_run_directory_exists(tmp_path):
    from anndl.api import run_experiment
    from anndl.errors import DataError

    image = tmp_path / "broken.png"
    image.write_bytes(b"not an image at all")
    with pytest.raises(DataError, match="cannot decode"):
        run_experiment("ot_color_transfer", out=tmp_path / "run", quick=True, progress=False,
                       source_image=str(image))
    assert sorted(os.listdir(tmp_path)) == [image.name]


FILE_FIELD = re.compile(r"(_path|_image|_run)$")


def file_fields(cls: type, prefix: str = "") -> list[str]:
    """The config fields of ``cls`` (nested ones dotted) that name data files: ``*_path``, ``*_image``,
    ``*_run`` and the digit-data block."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        tp = hints[field.name]
        if tp is DigitData or FILE_FIELD.search(field.name):
            found.append(prefix + field.name)
        elif dataclasses.is_dataclass(tp):
            found += file_fields(tp, f"{prefix}{field.name}.")
    return found


def test_every_experiment_that_reads_named_files_checks_them_up_front():
    reading = {e.name: file_fields(e.config_cls) for e in registry.all_experiments() if file_fields(e.config_cls)}
    unchecked = sorted(name for name in reading if registry.get(name).data_check is None)
    assert not unchecked, f"experiments with data-file fields but no check_data: {unchecked}"
    assert {"cnn_digits", "sae_digits", "dcgan", "pca", "mlp_santafe", "lstm_santafe", "hopfield_digits",
            "personal_regression", "ot_color_transfer", "wgan_mnist"} <= set(reading), reading


# no user-supplied file is ever unpickled

UNSAFE = {
    "pickle.load": re.compile(r"\b(c?pickle|joblib|dill)\.loads?\("),
    "np.load with allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "yaml.load / yaml.unsafe_load": re.compile(r"\byaml\.(unsafe_load|load|full_load|load_all)\("),
    "torch.load without weights_only=True": re.compile(r"\btorch\.load\("),
}


def call_arguments(text: str, start: int) -> str:
    """The text between the parenthesis that opens at ``start - 1`` and the one that closes it."""
    depth = 1
    for end in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end]
    return text[start:]


def offences_in(text: str) -> list[str]:
    found = []
    for what, pattern in UNSAFE.items():
        for match in pattern.finditer(text):
            if what.startswith("torch.load") and re.search(r"weights_only\s*=\s*True",
                                                           call_arguments(text, match.end())):
                continue
            found.append(what)
    return found


def test_source_never_unpickles_or_loads_yaml_unsafely():
    offences = [f"{path.relative_to(REPO)}: {what}" for path in sorted(SOURCE.rglob("*.py"))
                for what in offences_in(path.read_text(encoding="utf-8"))]
    assert not offences, offences


def test_unsafe_patterns_are_recognised():
    """The check above can fail: each pattern matches the call it forbids and spares the safe form."""
    assert offences_in("x = pickle.load(fh)") == ["pickle.load"]
    assert offences_in("np.load(p, allow_pickle=True)") == ["np.load with allow_pickle=True"]
    assert offences_in("yaml.unsafe_load(text)") == ["yaml.load / yaml.unsafe_load"]
    assert offences_in("yaml.safe_load(text); np.load(p, allow_pickle=False)") == []
    assert offences_in("torch.load(path, map_location='cpu')") == ["torch.load without weights_only=True"]
    assert offences_in("torch.load(Path(p), map_location=f(x),\n weights_only=True)") == []
    assert offences_in("torch.load(Path(p)); g(weights_only=True)") == ["torch.load without weights_only=True"]
