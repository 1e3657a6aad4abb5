"""Forced divergences stop cleanly: the rule itself, and ten `--quick` runs through the CLI.

Each run ends either with exit 0 and its diverged trainings counted and left out of the means, or
with exit 1, one error line naming what diverged, a metrics.json of what was measured and a
status.json that says failed (issue 14, section 2).
"""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl.cli import main
from anndl.errors import RunError
from anndl.nn.divergence import GROWTH_LIMIT, DivergenceGuard, check_latest

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_rule_non_finite_and_growth_past_the_limit_times_the_first_value():
    guard = DivergenceGuard("loss")
    assert guard.reason(2.0) is None  # the reference
    assert guard.reason(2.0 * GROWTH_LIMIT) is None
    assert "more than" in guard.reason(2.0 * GROWTH_LIMIT * 1.01)
    assert "nan" in guard.reason(math.nan) and "inf" in guard.reason(-math.inf)
    assert DivergenceGuard(factor=None).reason(1e300) is None
    assert DivergenceGuard(reference=0.0).reason(1e300) is None  # zero reference: finiteness only
    assert DivergenceGuard(reference=0.0, floor=1.0).reason(2 * GROWTH_LIMIT) is not None


def test_check_raises_a_run_error_with_the_metrics_so_far_that_survives_pickling():
    curve = [0.5, 0.4, 1e9]
    with pytest.raises(RunError) as caught:
        check_latest(curve, 3, "LSTM loss", {"curve": curve})
    error = pickle.loads(pickle.dumps(caught.value))  # as a worker process sends it back
    assert "training diverged: LSTM loss is 1e+09" in str(error) and "at epoch 3" in str(error)
    assert error.partial_metrics["curve"] == curve
    assert error.partial_metrics["diverged"]["epoch"] == 3
    check_latest(curve[:2], 2, "LSTM loss")  # no error before the jump


FAILS = [  # (id, config, overrides, what the error line names)
    ("lstm_lr", "lstm_santafe", ["training.learning_rate=1e6"], "LSTM training loss"),
    ("cnn_lr", "cnn_digits", ["lr=1e6"], "CNN mini-batch loss"),
    ("rbm_lr", "rbm_mnist", ["learning_rate=1e6"], "RBM negative pseudo-log-likelihood"),
    ("dbm_lr", "dbm_mnist", ["learning_rate=1e6", "pretrain_learning_rate=1e6"], "DBM pretrain layer 1"),
    ("fit_trainlm_noise", "fit_trainlm", ["noise_std=1e300"], "noisy targets: Training diverged"),
    ("dcgan_lr", "dcgan", ["method.lr=1e6"], "|D loss| + |G loss|"),
]

COUNTED = [  # (id, config, overrides, least number of diverged runs)
    ("training_algorithms_noise", "training_algorithms", ["noise_std=1e300", "algorithms=[gd,lm]"], 4),
    ("generalization_noise", "generalization", ["noise_std=1e300", "algorithms=[gd,lm]", "hidden_units=[10]"], 2),
    ("training_algorithms_gd_500", "training_algorithms", ["algorithms=[gd]", "hidden_units=500"], 1),
    ("training_algorithms_gd_3000", "training_algorithms", ["algorithms=[gd]", "hidden_units=3000"], 1),
]


def _run(tmp_path, monkeypatch, config: str, overrides: list[str]):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(CONFIGS / f"{config}.yaml"), "--quick", "--out", str(out),
                                       *overrides])
    status = json.loads((out / "status.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").is_file() else None
    return result, status, metrics


@pytest.mark.parametrize(("config", "overrides", "names"), [c[1:] for c in FAILS], ids=[c[0] for c in FAILS])
def test_divergence_fails_the_run_with_one_line_and_the_metrics_so_far(tmp_path, monkeypatch, config,
                                                                       overrides, names):
    result, status, metrics = _run(tmp_path, monkeypatch, config, overrides)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "diverged" in errors[0] and names in errors[0], result.output
    assert status["state"] == "failed" and "diverged" in status["error"] and names in status["error"]
    assert metrics is not None and metrics.pop("partial") is True
    assert any("diverged" in key for key in metrics) and len(metrics) > 1, metrics


@pytest.mark.parametrize(("config", "overrides", "least"), [c[1:] for c in COUNTED], ids=[c[0] for c in COUNTED])
def test_diverged_runs_are_counted_and_left_out_of_the_means(tmp_path, monkeypatch, config, overrides, least):
    result, status, metrics = _run(tmp_path, monkeypatch, config, overrides)
    assert result.exit_code == 0, result.output
    assert status["state"] == "completed"
    counts = [v for k, v in metrics.items() if k.endswith("diverged_runs")]
    assert sum(sum(v) if isinstance(v, list) else v for v in counts) >= least, metrics
    means = [v for k, v in metrics.items() if "mse_mean" in k]
    values = [x for v in means for x in (v if isinstance(v, list) else [v])]
    # sin(x²) targets with noise 0.2: a mean over runs that did not diverge is below 10 (gd after 40 epochs: ~1);
    # "nan" when all did
    assert all(x == "nan" or float(x) < 10.0 for x in values), metrics
    assert list((tmp_path / "run" / "figures").glob("*.png"))
