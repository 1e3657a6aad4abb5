"""Time-series CV folds with their gap, the Mackey-Glass map, and the stateful forecasters on tiny data."""

from __future__ import annotations

import numpy as np
import pytest

from anndl.data.mackey_glass import mackey_glass
from anndl.nn.recurrent.forecasting import lag_matrix
from anndl.recurrent.forecasting_cv import ForecastingCVConfig, folds


@pytest.mark.parametrize("lag", [1, 5, 10])
def test_folds_leave_a_gap_of_lag_rows_so_no_validation_window_reads_a_training_target(lag):
    cfg = ForecastingCVConfig(folds=4, validation_size=20)
    series = np.arange(200.0)  # value == time index
    X, y = lag_matrix(series, lag)
    splits = folds(len(y), cfg, lag)
    assert len(splits) == 4
    for k, (train, val) in enumerate(splits):
        assert len(val) == 20 and np.all(np.diff(val) == 1)
        assert val[0] - train[-1] == lag + 1, "gap = lag rows between the last training and first validation row"
        assert np.array_equal(train, np.arange(train[-1] + 1)), "training rows are everything before"
        last_training_target = y[train].max()
        assert X[val].min() > last_training_target, "validation inputs start after the last training target"
        if k:
            assert val[0] == splits[k - 1][1][-1] + 1, "validation blocks follow each other"
    assert splits[-1][1][-1] == len(y) - 1


def test_mackey_glass_follows_its_map_and_is_chaotic_but_bounded():
    x = mackey_glass(400, warmup=100)
    full = mackey_glass(500, warmup=0)
    np.testing.assert_allclose(x, full[100:])
    t = 250
    expected = full[t] + 0.2 * full[t - 30] / (1 + full[t - 30] ** 10) - 0.1 * full[t]
    assert full[t + 1] == pytest.approx(expected)
    assert 0.1 < x.min() < x.max() < 1.6 and x.std() > 0.1


def test_stateful_forecaster_carries_its_state_and_learns_a_sine():
    import torch

    from anndl.nn.recurrent.stateful import StatefulForecaster, stateful_forecast, train_stateful

    torch.manual_seed(0)
    series = np.sin(np.arange(300) * 2 * np.pi / 25)
    X, y = lag_matrix(series, 8)
    model = StatefulForecaster("lstm", 8)
    window = torch.as_tensor(X[:1], dtype=torch.float32)
    with torch.no_grad():
        first, state = model(window)
        again, _ = model(window, state)
    assert not torch.equal(first, again), "the state changes the prediction"
    X, y = lag_matrix(series[:250], 8)
    curve = train_stateful(model, X, y, epochs=3, lr=1e-2)
    assert curve[-1] < 0.1 * np.mean(y**2) and curve[-1] < curve[0]
    with torch.no_grad():  # one-step predictions with the state rebuilt in order, as training read them
        state, predictions = None, []
        for row in torch.as_tensor(X, dtype=torch.float32):
            out, state = model(row[None], state)
            predictions.append(float(out[0]))
    assert np.mean((np.array(predictions) - y) ** 2) < 0.1 * np.mean(y**2)
    forecast = stateful_forecast(model, series[:250], 25, 8)
    assert forecast.shape == (25,) and abs(forecast[0] - series[250]) < 0.3
