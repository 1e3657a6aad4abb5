"""Lag matrices and closed-loop forecasts: hand-worked cases, and the tests that catch teacher forcing
(a forecast that reads observed values after its start) and leakage into the tuning window."""

import dataclasses

import numpy as np
import pytest

from anndl.nn.recurrent.forecasting import closed_loop_forecast, forecast_errors, lag_matrix, mse
from anndl.nn.recurrent.lagged_mlp import fit_lagged_mlp
from anndl.nn.recurrent.lstm import LSTMTrainingOptions
from anndl.recurrent.lstm_santafe import LSTMCell, MLPCell, SeriesSplit, lstm_cell, mlp_cell
from anndl.recurrent.mlp_santafe import FitCell, MLPSantaFeConfig, Training, Window, _validation_window, fit_cell


def test_lag_matrix_hand_worked():
    X, T = lag_matrix(np.arange(6.0), 2)
    assert np.array_equal(X, [[0, 1], [1, 2], [2, 3], [3, 4]])
    assert np.array_equal(T, [2, 3, 4, 5])


def test_lag_matrix_start_and_stop_never_read_past_stop():
    series = np.arange(100.0)
    X, T = lag_matrix(series, 5, start=20, stop=60)
    assert np.array_equal(T, np.arange(20, 60))
    assert np.array_equal(X[:, -1], T - 1) and np.array_equal(X[:, 0], T - 5)
    assert X.max() < 60
    with pytest.raises(ValueError, match="lag"):
        lag_matrix(series, 0)


def test_closed_loop_persistence_repeats_the_last_observed_value():
    forecast = closed_loop_forecast(lambda w: w[-1], np.array([3.0, 1.0, 4.0]), 5, p=2)
    assert np.array_equal(forecast, [4.0] * 5)


def test_closed_loop_linear_ar_matches_its_recurrence():
    coef = np.array([0.2, -0.5, 0.9])  # oldest first
    history = np.array([0.3, -1.0, 0.5, 0.8])
    forecast = closed_loop_forecast(lambda w: float(coef @ w), history, 6, p=3)
    values = list(history)
    for _ in range(6):
        values.append(float(coef @ np.array(values[-3:])))
    assert np.allclose(forecast, values[4:])


def test_closed_loop_windows_hold_only_history_and_own_predictions():
    seen = []

    def spy(window):
        seen.append(window.copy())
        return float(window.sum()) + 0.123

    history = np.array([1.0, 2.0, 3.0])
    forecast = closed_loop_forecast(spy, history, 4, p=2)
    allowed = set(history[-2:]) | set(forecast)
    assert all(set(w) <= allowed for w in seen)
    assert np.array_equal(seen[2], forecast[:2])


@pytest.fixture
def poisoned_series(tmp_path):
    """Two copies of a series that agree before index 80 and differ wildly from 80 on."""
    t = np.arange(200)
    clean = 50 + 40 * np.sin(0.4 * t) + 10 * np.sin(0.13 * t)
    poisoned = clean.copy()
    poisoned[80:] = 1e4 * np.cos(t[80:])
    np.savetxt(tmp_path / "clean.dat", clean)
    np.savetxt(tmp_path / "poisoned.dat", poisoned)
    return str(tmp_path / "clean.dat"), str(tmp_path / "poisoned.dat"), clean


def mlp_cell_of(path: str, mode: str, stop: int, score: tuple[int, int], division: str = "train") -> FitCell:
    return FitCell(Training(path, "lm", division, 5, 6), "test", 3, 4, 0, Window(mode, stop, score), seed=7)


def test_mlp_test_forecast_ignores_the_test_values(poisoned_series):
    """Teacher forcing at test time would feed the (poisoned) observed values back in."""
    clean, poisoned, truth = poisoned_series
    a, b = (fit_cell(mlp_cell_of(path, "closed_loop", 80, (80, 100))) for path in (clean, poisoned))
    assert np.array_equal(a["prediction"], b["prediction"])
    assert np.isclose(a["mse"], mse(a["prediction"], truth[80:100]))
    assert a["mse"] != b["mse"]


def test_tuning_b_model_is_fitted_only_before_its_window(poisoned_series):
    """No leakage: the tuning-B model and its forecast depend only on series[:window start]."""
    clean, poisoned, _ = poisoned_series
    a, b = (fit_cell(mlp_cell_of(path, "closed_loop", 80, (80, 90), "random")) for path in (clean, poisoned))
    assert np.array_equal(a["prediction"], b["prediction"]) and a["epochs"] == b["epochs"]


def test_open_loop_scoring_does_use_the_observed_inputs(poisoned_series):
    """The contrast: one-step-ahead (tuning A) predictions read observed values, so they do change."""
    clean, poisoned, _ = poisoned_series
    a, b = (fit_cell(mlp_cell_of(path, "open_loop", 80, (80, 100))) for path in (clean, poisoned))
    assert np.array_equal(a["prediction"][:1], b["prediction"][:1])
    assert not np.array_equal(a["prediction"], b["prediction"])


def test_lstm_and_comparison_mlp_test_forecasts_ignore_the_test_values(poisoned_series):
    clean, poisoned, _ = poisoned_series
    options = LSTMTrainingOptions(epochs=3, drop_period=2, checkpoint_every=0)

    def both(make):
        return [make(SeriesSplit(path, 80, 20)) for path in (clean, poisoned)]

    a, b = map(lstm_cell, both(lambda data: LSTMCell(data, 0, 4, 3, options, "cpu", None, seed=3)))
    assert np.allclose(a["forecast"], b["forecast"], rtol=0, atol=1e-9)
    a, b = map(mlp_cell, both(lambda data: MLPCell(data, 0, 3, 4, "lm", "train", 5, seed=3)))
    assert np.array_equal(a["forecast"], b["forecast"])


def test_forecast_errors_hand_worked():
    errors = forecast_errors(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0]))
    assert errors["test_mse_mean"] == 2.0 and errors["test_mse_std"] == 2.0  # MSEs 0 and 4
    assert errors["test_rmse_mean"] == 1.0 and errors["test_rmse_per_repetition"] == [0.0, 2.0]


def test_tuning_a_block_validates_and_early_stops_on_the_final_block_only(poisoned_series):
    """divideblock: the trainer's validation set is exactly the scored final block, with no random split
    inside the fitted part (the division key is then ignored: "random" and "train" give the same net)."""
    clean, _, truth = poisoned_series
    series = np.loadtxt(clean)
    fits = [fit_lagged_mlp(series, 4, 3, 100, 7, "lm", division, 5, 6, validation_start=70)
            for division in ("random", "train")]
    assert np.array_equal(fits[0].net.theta_, fits[1].net.theta_)
    block = fits[0].one_step(series, 70, 100)
    val_std_units = mse(block, truth[70:100]) / fits[0].scaler.std_**2
    assert np.isclose(fits[0].val_loss_, val_std_units, rtol=1e-9)
    cell = FitCell(Training(clean, "lm", "random", 5, 6), "test", 3, 4, 0,
                   Window("open_loop", 100, (70, 100), validation_start=70), seed=7)
    assert fit_cell(cell)["mse"] == mse(block, truth[70:100])


def test_tuning_a_spec_is_one_block_at_the_end_of_the_training_series():
    cfg = MLPSantaFeConfig()
    block = _validation_window(cfg, "A", 20)
    assert block.stop == cfg.n_train and block.score == (block.validation_start, cfg.n_train)
    assert block.validation_start == 20 + 980 - 294
    random = _validation_window(dataclasses.replace(cfg, tuning_a_division="random"), "A", 20)
    assert random.stop == random.score[0] == block.validation_start and random.validation_start is None
