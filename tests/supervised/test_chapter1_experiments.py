"""The four chapter-1 experiments on tiny settings: invariants of their outputs."""

import json
from pathlib import Path

import numpy as np

from anndl import registry, runs
from anndl.configfile import load_config_file
from anndl.data.regression import SinSquaredData
from anndl.supervised.personal_regression import Problem, load_problem
from anndl.supervised.training_algorithms import RunCell, Training, train_one

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def run_experiment(name, tmp_path, *overrides):
    loaded = load_config_file(CONFIGS / f"{name}.yaml", overrides, quick=True)
    out = tmp_path / name
    metrics = runs.execute(registry.get(loaded.experiment), loaded.config, out, progress=False)
    return metrics, out


def test_every_algorithm_of_a_repetition_starts_from_the_same_weights_and_noise():
    data = SinSquaredData("noisy", dx=0.1, noise_std=0.2)

    def first_loss(algorithm: str, init_seed: int) -> float:
        return train_one(RunCell(Training(algorithm, 5, 3), data, 0, init_seed))["loss_curve"][0]

    starts = {a: first_loss(a, 7) for a in ("gd", "cgf", "lm", "br")}
    assert np.allclose(list(starts.values()), starts["gd"], rtol=1e-13)
    other = first_loss("gd", 8)
    assert not np.isclose(other, starts["gd"])


def test_training_algorithms_orders_lm_and_br_below_gd(tmp_path):
    metrics, out = run_experiment(
        "training_algorithms", tmp_path, "repetitions=1", "algorithms=[gd,lm,br]", "epochs=20", "dx=0.1"
    )
    for dataset in ("noiseless", "noisy"):
        assert metrics[f"{dataset}.lm.train_mse_mean"] < metrics[f"{dataset}.gd.train_mse_mean"]
        assert metrics[f"{dataset}.br.train_mse_mean"] < metrics[f"{dataset}.gd.train_mse_mean"]
    assert (out / "figures" / "training_time_and_train_mse_by_algorithm.png").is_file()
    assert (out / "figures" / "train_mse_vs_epoch_by_algorithm.png").is_file()
    assert len(list((out / "cells").glob("*.json"))) == 2 * 3


def test_generalization_reports_train_and_test_curves_per_size(tmp_path):
    metrics, out = run_experiment("generalization", tmp_path, "algorithms=[lm]", "hidden_units=[5,20]", "dx=0.1")
    assert metrics["hidden_units"] == [5, 20]
    for dataset in ("noiseless", "noisy"):
        assert len(metrics[f"{dataset}.lm.test_mse_mean"]) == 2
        assert metrics[f"{dataset}.lm.best_hidden_units_by_test"] in (5, 20)
    assert (out / "figures" / "generalization_noisy_train_and_test_mse_vs_hidden_units.png").is_file()


def test_fit_trainlm_fits_noiseless_data_better_than_noisy(tmp_path):
    metrics, out = run_experiment("fit_trainlm", tmp_path, "hidden_units=10", "dx=0.1")
    assert metrics["noiseless.train_mse"] < metrics["noisy.train_mse"]
    assert (out / "figures" / "fit_trainlm_10_hidden_fit_and_error.png").is_file()


def test_personal_regression_picks_the_grid_minimum_and_retrains(tmp_path):
    metrics, out = run_experiment("personal_regression", tmp_path, "hidden_layers=[1]", "samples=60")
    rows = (out / "tables" / "personal_regression_grid_validation_mse.csv").read_text().splitlines()[1:]
    vals = {int(r.split(",")[1]): float(r.split(",")[3]) for r in rows}
    assert metrics["chosen.units"] == min(vals, key=vals.get)
    assert metrics["data"] == "built-in stand-in" and metrics["final.algorithm"] == "br"
    assert 0 < metrics["final.gamma"] <= metrics["final.n_params"]
    assert json.loads((out / "status.json").read_text())["state"] == "completed"


def test_personal_regression_reads_the_course_file(course_file):
    problem = Problem(str(course_file("Data_Problem1_regression.mat")), 1, (8, 8, 7, 5, 1), 1000, 3)
    X, t, sets = load_problem(problem)
    assert X.shape == (3000, 2) and t.shape == (3000,)
    assert 1.8294 <= t.min() and t.max() <= 4.72812451724138  # Tnew's range over all 13600 points
    assert [sets[k].size for k in ("train", "val", "test")] == [1000, 1000, 1000]


def test_personal_regression_on_the_course_file_end_to_end(course_file, tmp_path):
    metrics, _ = run_experiment(
        "personal_regression", tmp_path, f"data_path={course_file('Data_Problem1_regression.mat')}"
    )
    assert metrics["data"] == "course file" and metrics["final.test_mse"] < 0.05
