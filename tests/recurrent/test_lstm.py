"""The LSTM forecaster: shapes, training, clipping, checkpoint resume and stateful closed-loop forecasts."""

import numpy as np
import pytest
import torch

from anndl.nn.recurrent.forecasting import lag_matrix
from anndl.nn.recurrent.lstm import LagLSTM, LSTMTrainingOptions, _clip, lstm_closed_loop, train_lstm


def sine_series(n=160):
    t = np.arange(n)
    return np.sin(0.3 * t) + 0.5 * np.sin(0.11 * t)


def test_forward_shapes():
    model = LagLSTM(lag=4, hidden=6)
    y, (h, c) = model(torch.zeros(3, 11, 4))
    assert y.shape == (3, 11)
    assert h.shape == (1, 3, 6) and c.shape == (1, 3, 6)


def test_short_training_lowers_the_loss():
    fit = train_lstm(
        sine_series(),
        lag=5,
        hidden=8,
        options=LSTMTrainingOptions(epochs=40, drop_period=30),
        seed=0,
        progress=False,
    )
    assert len(fit.loss_curve_) == 40
    assert fit.loss_curve_[-1] < 0.3 * fit.loss_curve_[0]


@pytest.mark.parametrize("method", ["l2norm", "global-l2norm"])
def test_gradient_clipping_bounds_the_norms(method):
    model = LagLSTM(lag=3, hidden=5)
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0)
    _clip(model, LSTMTrainingOptions(gradient_threshold=1.0, clip_method=method))
    norms = torch.stack([p.grad.norm() for p in model.parameters()])
    if method == "l2norm":
        assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)  # every tensor clipped to norm 1
    else:
        assert np.isclose(float(torch.linalg.vector_norm(norms)), 1.0, atol=1e-5)


def test_unknown_clip_method_is_rejected():
    with pytest.raises(ValueError, match="l2norm"):
        train_lstm(sine_series(), 3, 4, LSTMTrainingOptions(clip_method="value"), seed=0, progress=False)


def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run(tmp_path):
    series = sine_series(80)
    options = LSTMTrainingOptions(epochs=10, drop_period=4, checkpoint_every=5)
    full = train_lstm(series, 3, 4, options, seed=1, checkpoint_dir=tmp_path / "full", progress=False)
    half = LSTMTrainingOptions(epochs=5, drop_period=4, checkpoint_every=5)
    train_lstm(series, 3, 4, half, seed=1, checkpoint_dir=tmp_path / "resumed", progress=False)
    resumed = train_lstm(series, 3, 4, options, seed=1, checkpoint_dir=tmp_path / "resumed", progress=False)
    assert np.allclose(resumed.loss_curve_, full.loss_curve_, rtol=0, atol=1e-7)
    for a, b in zip(resumed.model.parameters(), full.model.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    state = torch.load(tmp_path / "full" / "lstm_epoch0010.pt", weights_only=True)
    assert state["step"] == 10
    assert np.isclose(state["objects"]["optimiser"]["param_groups"][0]["lr"], 0.005 * 0.2**2)  # drops at epochs 4 and 8


def test_closed_loop_forecast_equals_one_pass_over_its_own_predictions():
    """Step-by-step state updates fed with the model's own outputs = one pass over the extended series."""
    torch.manual_seed(0)
    model = LagLSTM(lag=3, hidden=5)
    history = sine_series(40)
    forecast = lstm_closed_loop(model, history, 7)
    extended = np.concatenate([history, forecast])
    X, _ = lag_matrix(extended, 3)
    with torch.no_grad():
        y, _ = model(torch.as_tensor(X[None], dtype=torch.float32))
    assert np.allclose(y[0, -7:].numpy(), forecast, atol=1e-5)


def test_closed_loop_state_matters():
    """Forecasting without the warm-up state gives a different answer: the state is carried."""
    torch.manual_seed(0)
    model = LagLSTM(lag=3, hidden=5)
    history = sine_series(40)
    warm = lstm_closed_loop(model, history, 3)
    cold = lstm_closed_loop(model, history[-3:], 3)  # history of exactly one window: no warm-up steps
    assert not np.allclose(warm, cold)
