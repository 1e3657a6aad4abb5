"""Curves as data: a --quick run writes each curve figure's series as tables/<figure>.csv, and the
numbers in the CSV are the ones the run's metrics summarise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from anndl.cli import main
from anndl.configfile import load_config_file

REPO = Path(__file__).resolve().parents[2]


def _quick_run(name: str, tmp_path: Path, monkeypatch) -> tuple[dict, object, Path]:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(REPO / "configs" / f"{name}.yaml"), "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    config = load_config_file(REPO / "configs" / f"{name}.yaml", quick=True).config
    return json.loads((out / "metrics.json").read_text()), config, out / "tables"


def _columns(path: Path) -> dict[str, np.ndarray]:
    """{header: values} with the padding cells of shorter columns dropped; numbers as floats."""
    with path.open(newline="") as f:
        header, *rows = list(csv.reader(f))
    cells = {h: [r[i] for r in rows if r[i] != ""] for i, h in enumerate(header)}
    return {h: np.array(v if h == "algorithm" else [float(x) for x in v]) for h, v in cells.items()}


def test_training_algorithms_writes_loss_curves_and_bars(tmp_path, monkeypatch):
    metrics, cfg, tables = _quick_run("training_algorithms", tmp_path, monkeypatch)
    curves = _columns(tables / "train_mse_vs_epoch_by_algorithm.csv")
    assert list(curves)[0] == "epoch" and 1 < len(curves["epoch"]) <= cfg.epochs + 1
    for d in ("noiseless", "noisy"):
        for a in cfg.algorithms:
            median = curves[f"{d} {a} train MSE median"]
            assert len(curves[f"{d} {a} train MSE 25th percentile"]) == len(median) <= len(curves["epoch"])
            assert median[-1] == pytest.approx(metrics[f"{d}.{a}.train_mse_median"], rel=1e-9)
    bars = _columns(tables / "training_time_and_train_mse_by_algorithm.csv")
    assert bars["algorithm"].tolist() == list(cfg.algorithms)
    assert bars["noisy train MSE median"].tolist() == pytest.approx(  # the dot plot's dots
        [metrics[f"noisy.{a}.train_mse_median"] for a in cfg.algorithms], rel=1e-12)
    for d in ("noiseless", "noisy"):
        for name in ("training time (s)", "train MSE"):
            low, mid, high = (bars[f"{d} {name} {q}"] for q in ("25th percentile", "median", "75th percentile"))
            assert (low <= mid).all() and (mid <= high).all(), "the interval holds its median"


def test_lstm_santafe_writes_training_loss_and_forecasts(tmp_path, monkeypatch):
    metrics, cfg, tables = _quick_run("lstm_santafe", tmp_path, monkeypatch)
    loss = _columns(tables / "santafe_lstm_training_loss.csv")
    assert loss["epoch"].tolist() == list(range(1, cfg.training.epochs + 1))
    finals = [v[-1] for k, v in loss.items() if k.startswith("repetition ")]
    assert len(finals) == cfg.repetitions
    assert np.mean(finals) == pytest.approx(metrics["lstm.final_training_loss_mean"], rel=1e-9)
    forecasts = _columns(tables / "santafe_lstm_vs_mlp_forecasts.csv")
    assert len(forecasts["time step"]) == len(forecasts["truth (original units)"]) == cfg.n_test
    for model in ("LSTM", "MLP"):
        rmse = [np.sqrt(np.mean((forecasts[f"{model} repetition {r} forecast (original units)"]
                                 - forecasts["truth (original units)"]) ** 2)) for r in range(cfg.repetitions)]
        assert rmse == pytest.approx(metrics[f"{model.lower()}.test_rmse_per_repetition"], abs=1e-3)


def test_wgan_mnist_writes_loss_curves(tmp_path, monkeypatch):
    metrics, cfg, tables = _quick_run("wgan_mnist", tmp_path, monkeypatch)
    last = metrics["last_steps"]
    per_epoch = _columns(tables / "wgan_critic_gap_and_generator_loss_per_epoch.csv")
    side = _columns(tables / "wgan_vs_standard_gan_last_steps.csv")
    titles = {"clip": "WGAN (weight clipping)", "gp": "WGAN-GP", "bce": "standard GAN (BCE), same MLPs"}
    for variant, title in titles.items():
        assert len(per_epoch[f"{title} epoch"]) == len(per_epoch[f"{title} mean generator loss"]) \
            == metrics[f"{variant}.epochs"]
        assert per_epoch[f"{title} mean generator loss"][-1] == pytest.approx(
            metrics[f"{variant}.final_epoch.g_loss"], rel=1e-9)
        steps = side[f"{title} generator step"]
        assert len(steps) == last and steps[-1] == metrics[f"{variant}.generator_steps"]
        assert side[f"{title} discriminator loss"].mean() == pytest.approx(
            metrics[f"{variant}.last_steps.d_loss_mean"], rel=1e-6)
        assert side[f"{title} generator loss"].std() == pytest.approx(
            metrics[f"{variant}.last_steps.g_loss_std"], rel=1e-6)
    unshifted = _columns(tables / "wgan_last_steps_critic_and_generator_loss.csv")
    for variant in ("clip", "gp"):
        title = titles[variant]
        assert len(unshifted[f"{title} discriminator loss"]) == last
        assert unshifted[f"{title} generator loss"].mean() == pytest.approx(  # as trained: no offset
            metrics[f"{variant}.last_steps.g_loss_mean"], rel=1e-6)
        window = max(1, last // 20)
        smoothed = unshifted[f"{title} generator loss running mean ({window} steps)"]
        assert smoothed[-1] == pytest.approx(unshifted[f"{title} generator loss"][-window:].mean(), rel=1e-9)
