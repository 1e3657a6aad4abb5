"""Loaders for the Santa Fe series and the Hopfield digit bitmaps (shipped files and the course's)."""

import numpy as np
import pytest

from anndl.data.digit_bitmaps import load_hopfield_digits, read_bitmap_text
from anndl.data.santafe import Standardiser, load_series, train_test_split
from anndl.errors import DataError
from anndl.nn.hopfield.network import newhop, step


def test_shipped_santafe_series_has_10093_integer_points():
    series = load_series()
    assert series.shape == (10093,)
    assert np.array_equal(series, np.round(series))
    assert 0 <= series.min() and series.max() <= 255


def test_shipped_series_starts_with_the_course_train_and_test_files(course_file):
    series = load_series()
    train, test = train_test_split(series)
    assert np.array_equal(train, load_series(course_file("lasertrain.dat")))
    assert np.array_equal(test, load_series(course_file("laserpred.dat")))


def test_npy_series_loads_and_pickled_npy_is_refused(tmp_path):
    values = np.arange(12.0).reshape(12, 1)
    np.save(tmp_path / "series.npy", values)
    assert np.array_equal(load_series(tmp_path / "series.npy"), np.arange(12.0))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="objects.npy"):
        load_series(tmp_path / "objects.npy")


def test_missing_or_malformed_series_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_series(tmp_path / "absent.dat")
    (tmp_path / "bad.dat").write_text("1\n2\nthree\n")
    with pytest.raises(DataError, match="bad.dat"):
        load_series(tmp_path / "bad.dat")
    (tmp_path / "table.dat").write_text("1 2\n3 4\n")
    with pytest.raises(DataError, match="1-D"):
        load_series(tmp_path / "table.dat")


def test_standardiser_uses_sample_std_and_inverts():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    scaler = Standardiser.fit(x)
    assert scaler.mean_ == 2.5
    assert np.isclose(scaler.std_, np.sqrt(5 / 3))  # MATLAB's std: N - 1 in the denominator
    assert np.allclose(scaler.inverse(scaler.transform(x)), x)


def test_shipped_digits_are_ten_distinct_pm1_images_stored_by_newhop():
    images = load_hopfield_digits()
    assert images.shape == (10, 16, 15)
    assert set(np.unique(images)) == {-1.0, 1.0}
    patterns = images.reshape(10, -1)
    assert len({tuple(p) for p in patterns}) == 10
    assert np.array_equal(step(newhop(patterns), patterns), patterns)


def test_course_digits_mat_gives_the_ten_attractor_rows(course_file):
    from scipy.io import loadmat

    path = course_file("digits.mat")
    images = load_hopfield_digits(path)
    X = loadmat(path)["X"]
    assert images.shape == (10, 16, 15)
    # MATLAB's reshape(x, 15, 16)' of row 21 (1-based) is the row-major 16x15 image
    assert np.array_equal(images[1], 2.0 * X[20].reshape(16, 15) - 1.0)
    # orientation: the seven's top rows are (almost) all ink
    assert images[7][:2].mean() > 0.9


def test_bitmap_text_errors_name_the_line(tmp_path):
    bad = tmp_path / "digits.txt"
    bad.write_text("." * 15 + "\n" + "x" * 15 + "\n")
    with pytest.raises(DataError, match="line 2"):
        read_bitmap_text(bad)
    short = tmp_path / "short.txt"
    short.write_text(("." * 15 + "\n") * 3)
    with pytest.raises(DataError, match="3 rows"):
        read_bitmap_text(short)
    with pytest.raises(DataError, match="not found"):
        load_hopfield_digits(tmp_path / "absent.txt")
