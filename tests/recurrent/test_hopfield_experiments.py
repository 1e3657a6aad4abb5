"""The Hopfield experiments end to end through the CLI, on their quick settings."""

import json
from pathlib import Path

from click.testing import CliRunner

from anndl.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def run_quick(name: str, out: Path, *overrides: str) -> dict:
    result = CliRunner().invoke(main, ["run", str(CONFIGS / f"{name}.yaml"), "--quick", "--out", str(out), *overrides])
    assert result.exit_code == 0, result.output
    return json.loads((out / "metrics.json").read_text())


def test_hopfield_2d_finds_nine_fixed_points_six_spurious(tmp_path):
    metrics = run_quick("hopfield_2d", tmp_path / "run")
    assert metrics["n_attractors"] == 9
    assert metrics["n_spurious"] == 6
    assert metrics["n_spurious_stable"] == 1  # the unstored corner (-1, 1)
    assert metrics["W"] == [[1.161834, 0.0], [0.0, 1.161834]]
    assert (tmp_path / "run" / "figures" / "hopfield_2d_trajectories_by_attractor.png").is_file()


def test_hopfield_digits_recovers_every_noise_free_digit(tmp_path):
    metrics = run_quick("hopfield_digits", tmp_path / "run", "noise_levels=[0, 10]", "iterations=[0, 50]")
    assert metrics["patterns_are_fixed_points"] == 10
    assert metrics["recovered_fraction.noise_0.iterations_0"] == 1.0
    assert metrics["recovered_fraction.noise_10.iterations_0"] == 0.0


def test_hopfield_3d_reports_saddles_as_fixed_points_apart_from_end_states(tmp_path):
    metrics = run_quick("hopfield_3d", tmp_path / "run", "starts=grid")
    assert metrics["n_random_starts"] == 0 and metrics["n_grid_starts"] == 27
    assert metrics["n_fixed_points"] == 7 and metrics["n_fixed_points_saddle"] == 4
    assert metrics["n_fixed_points_spurious"] == 4
    assert metrics["mean_iterations"] == metrics["mean_iterations_grid"]
    ends = [v for k, v in metrics.items() if k.startswith("attractors.") and k.endswith(".state")]
    assert len(ends) == metrics["n_attractors"]
