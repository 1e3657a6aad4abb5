"""Runs as objects (anndl.Run, load_run, compare) and the commands that find them (runs, show, compare)."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

import anndl
from anndl import runs
from anndl.cli import main
from anndl.errors import ConfigError
from anndl.results import Run, find_runs, load_run, status_text


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two quick fit_trainlm runs under ./runs of a fresh folder: 20 hidden units, then 5."""
    folder = tmp_path_factory.mktemp("runs_home")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        first = anndl.run_experiment("fit_trainlm", quick=True, hidden_units=20, progress=False)
        time.sleep(1.1)  # the folders' names and start times have one-second resolution
        second = anndl.run_experiment("fit_trainlm", quick=True, hidden_units=5, progress=False)
    finally:
        os.chdir(cwd)
    return folder, first, second


def test_run_experiment_returns_a_run_with_config_metrics_figures_and_status(two_runs):
    folder, run, _ = two_runs
    assert isinstance(run, Run) and run.status == "completed" and run.experiment == "fit_trainlm"
    assert run.run_dir.parent == (folder / "runs" / "fit_trainlm").resolve()
    assert run.run_dir.name.endswith("_s0_hidden_units=20")
    assert run.config["hidden_units"] == 20 and run.config["experiment"] == "fit_trainlm"
    on_disk = json.loads((run.run_dir / "metrics.json").read_text())
    assert run.metrics == on_disk and run.metrics.flat == on_disk
    assert run.metrics["noisy"]["test_mse"] == on_disk["noisy.test_mse"] == run.metrics.nested["noisy"]["test_mse"]
    with pytest.raises(KeyError, match="did you mean 'noisy.test_mse'"):
        run.metrics["noisy.test_mes"]
    assert run.figures and all(path.suffix == ".png" and path.is_file() for path in run.figures.values())
    assert run.overrides == ["--quick", "hidden_units=20"]


def test_a_run_displays_its_status_headline_metrics_and_figures_as_html(two_runs):
    _, run, _ = two_runs
    page = run._repr_html_()
    assert "fit_trainlm" in page and "completed" in page
    labels = [label for label, _ in run.headline()]
    assert labels and all(label in page for label in labels)
    assert page.count("data:image/png;base64,") == len(run.figures) >= 1
    name = next(iter(run.figures))
    shown = run.figure(name[-12:])  # a unique part of the name will do
    assert shown.path == run.figures[name] and shown._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(KeyError, match="figures: fit_trainlm"):
        run.figure("no such figure")
    assert "completed" in repr(run) and labels[0] in repr(run)


def test_load_run_finds_the_latest_by_name_by_folder_and_by_path(two_runs):
    folder, first, second = two_runs
    root = folder / "runs"
    assert load_run("latest", root=root).run_dir == second.run_dir
    assert load_run("fit_trainlm", root=root).run_dir == second.run_dir
    assert load_run(root / "fit_trainlm").run_dir == second.run_dir
    assert load_run(first.run_dir).run_dir == first.run_dir
    assert [r.run_dir for r in find_runs(root)] == [first.run_dir, second.run_dir]
    with pytest.raises(ConfigError, match="no run of experiment 'pca'"):
        load_run("pca", root=root)


def test_compare_lists_the_config_and_metric_differences_side_by_side(two_runs):
    _, first, second = two_runs
    comparison = anndl.compare(first, second)
    assert [d.key for d in comparison.config] == ["hidden_units"]
    assert comparison.config[0].before == 20 and comparison.config[0].after == 5
    keys = {d.key for d in comparison.metrics}
    assert "noisy.test_mse" in keys and "noisy.epochs" not in keys  # both ran the quick variant's 40 epochs
    text = str(comparison)
    assert "hidden_units" in text and f"{first.metrics['noisy.test_mse']:.6g}" in text
    assert "<table>" in comparison._repr_html_()
    assert anndl.compare(first, first.run_dir).same


def test_cli_runs_show_and_compare(two_runs):
    folder, first, second = two_runs
    root = ["--root", str(folder / "runs")]
    cli = CliRunner()
    listing = cli.invoke(main, ["runs", *root])
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert lines[0].split()[:3] == ["time", "(UTC)", "experiment"] and len(lines) == 3
    assert "--quick hidden_units=20" in lines[1] and "--quick hidden_units=5" in lines[2]
    assert "completed" in lines[1] and first.headline()[0][0][:20] in lines[1]
    assert cli.invoke(main, ["runs", "pca", *root]).output.startswith("no runs of pca")
    typo = cli.invoke(main, ["runs", "fit_trainml", *root])
    assert typo.exit_code == 2 and "fit_trainlm" in typo.output

    shown = cli.invoke(main, ["show", "latest", *root])
    assert shown.exit_code == 0 and str(second.run_dir) in shown.output and "headline:" in shown.output
    folder_listing = cli.invoke(main, ["show", str(folder / "runs" / "fit_trainlm")])
    assert "holds 2 runs" in folder_listing.output and second.run_dir.name in folder_listing.output

    compared = cli.invoke(main, ["compare", str(first.run_dir), "latest", *root])
    assert compared.exit_code == 0 and "hidden_units" in compared.output and "metrics differ" in compared.output
    missing = cli.invoke(main, ["compare", "latest", "pca", *root])
    assert missing.exit_code == 2 and "no run of experiment 'pca'" in missing.output


def test_an_interrupt_reads_as_its_cause_and_one_repetition_has_no_spread(tmp_path):
    assert runs.interrupt_reason(KeyboardInterrupt()) == "Ctrl-C"
    assert runs.interrupt_reason(KeyboardInterrupt("signal 15")) == "SIGTERM"
    assert status_text({"state": "interrupted", "error": "Ctrl-C"}) == "interrupted (Ctrl-C)"
    assert status_text({"state": "interrupted", "error": "KeyboardInterrupt: "}) == "interrupted (Ctrl-C)"
    assert status_text({"state": "running", "pid": 2**22 + 12345}) == "interrupted (process gone)"

    run_dir = tmp_path / "one_repetition"
    run_dir.mkdir()
    (run_dir / "config.yaml").write_text("experiment: training_algorithms\nrepetitions: 1\n")
    (run_dir / "status.json").write_text(json.dumps({"state": "interrupted", "error": "Ctrl-C"}))
    (run_dir / "metrics.json").write_text(json.dumps({"noiseless.lm.train_mse_mean": 0.5,
                                                      "noiseless.lm.train_mse_std": 0.0}))
    run = Run(run_dir)
    assert run.status == "interrupted (Ctrl-C)"
    assert ("lm train MSE", "0.5 ± n/a MSE") in run.headline()
    (run_dir / "config.yaml").write_text("experiment: training_algorithms\nrepetitions: 5\n")
    assert ("lm train MSE", "0.5 ± 0 MSE") in Run(run_dir).headline()


def test_overrides_slug_is_file_name_safe_and_bounded():
    assert runs.overrides_slug(["hidden_units=50"]) == "hidden_units=50"
    assert runs.overrides_slug(["data.path=/a b/c.mat", "'architectures=[[100, 50]]'"]) == \
        "data.path=-ab-c.mat_architectures=100,50"
    long_a, long_b = runs.overrides_slug(["x=" + "1" * 80]), runs.overrides_slug(["x=" + "1" * 79 + "2"])
    assert len(long_a) <= runs.SLUG_CHARS and long_a != long_b
