"""Chapter 1 data: sin(x²), the personal-regression mix, the course file reader, the stand-in."""

import numpy as np
import pytest

from anndl.data.regression import (
    load_course_regression,
    personal_target,
    sin_squared_grid,
    standin_regression,
    three_samples,
)
from anndl.errors import DataError


def test_sin_grid_is_matlab_colon_0_to_3pi():
    x = sin_squared_grid(0.01)
    assert x.size == 943 and x[0] == 0.0 and np.isclose(x[-1], 9.42) and x[-1] <= 3 * np.pi
    assert np.allclose(np.diff(x), 0.01)
    assert sin_squared_grid(0.05).size == 189


def test_personal_target_is_the_digit_weighted_mean():
    T = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.0, 0.0, 23.0]])
    assert np.allclose(personal_target(T, [8, 8, 7, 5, 1]), [(8 + 16 + 21 + 20 + 5) / 29, 23 / 29])
    with pytest.raises(ValueError, match="non-increasing"):
        personal_target(T, [1, 5, 7, 8, 8])


def test_course_file_is_read_with_its_known_values(course_file):
    X, T = load_course_regression(course_file("Data_Problem1_regression.mat"))
    assert X.shape == (13600, 2) and T.shape == (13600, 5)
    assert 0 <= X.min() and X.max() <= 1
    i = np.argmax(T[:, 1])  # T2's peak sits next to the origin
    assert np.isclose(T[i, 1], 8.470717) and np.allclose(X[i], [0.000908, 0.012845])
    tnew = personal_target(T, [8, 8, 7, 5, 1])
    assert np.isclose(tnew.max(), 4.72812451724138) and np.hypot(*X[np.argmax(tnew)]) < 0.05


def test_missing_and_corrupt_course_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_course_regression(tmp_path / "absent.mat")
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"not a mat file at all")
    with pytest.raises(DataError, match="bad.mat"):
        load_course_regression(bad)


def test_standin_has_the_course_layout_and_a_sharp_peak_at_the_origin():
    X, T = standin_regression()
    assert X.shape == (13600, 2) and T.shape == (13600, 5)
    assert 0 <= X.min() and X.max() <= 1 and T.min() > 0 and T.max() < 9
    tnew = personal_target(T, [8, 8, 7, 5, 1])
    near = np.hypot(X[:, 0], X[:, 1]) < 0.05
    assert tnew[near].max() > tnew[~near].max() + 0.2  # the course's Tnew: 4.73 against 4.57
    X2, T2 = standin_regression()
    assert np.array_equal(X, X2) and np.array_equal(T, T2)  # fixed like a data file


def test_three_samples_are_disjoint_and_sized():
    sets = three_samples(13600, (1000, 1000, 1000), np.random.default_rng(0))
    assert [len(sets[k]) for k in ("train", "val", "test")] == [1000, 1000, 1000]
    assert len(np.unique(np.concatenate(list(sets.values())))) == 3000


def test_the_2024_course_csv_reads_like_the_mat_file_and_the_2024_split(tmp_path):
    import numpy as np
    import pytest

    from anndl.data.regression import load_course_regression
    from anndl.errors import DataError
    from anndl.supervised.personal_regression import COURSE_2024_SIZES, Problem, load_problem

    rng = np.random.default_rng(0)
    data = rng.uniform(0, 1, (3100, 7))
    path = tmp_path / "data.csv"
    header = ["T3", "X1", "X2", "T1", "T2", "T4", "T5"]  # any column order
    columns = {"X1": 0, "X2": 1, "T1": 2, "T2": 3, "T3": 4, "T4": 5, "T5": 6}
    rows = [",".join(header)] + [",".join(f"{row[columns[h]]:.17g}" for h in header) for row in data]
    path.write_text("\n".join(rows) + "\n")
    X, T = load_course_regression(path)
    np.testing.assert_array_equal(X, data[:, :2])
    np.testing.assert_array_equal(T, data[:, 2:])
    X3, t3, sets = load_problem(Problem(str(path), 1, (8, 8, 7, 5, 1), 1000, 7, "course_2024"))
    assert tuple(len(sets[k]) for k in ("train", "val", "test")) == COURSE_2024_SIZES == (1800, 200, 1000)
    assert len(np.unique(X3, axis=0)) == 3000 and len(t3) == 3000  # disjoint random draws
    bad = tmp_path / "bad.csv"
    bad.write_text("X1,X2,T1\n1,2,3\n")
    with pytest.raises(DataError, match=r"missing columns \['T2', 'T3', 'T4', 'T5'\]"):
        load_course_regression(bad)
