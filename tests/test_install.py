"""Using anndl from anywhere: shipped configs by name, `anndl cp`, ANNDL_DATA, a fast and quiet CLI,
run records that re-run as they ran, report and sweep defaults that keep results safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from anndl import _index, registry, sweep
from anndl.cli import jobs_option, main
from anndl.configfile import CONFIG_DIR
from anndl.data import paths
from anndl.errors import DataError
from anndl.report import build, render

HEAVY = ("torch", "sklearn", "dask", "distributed")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A CliRunner in an empty temporary folder (not the checkout)."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_static_index_matches_the_experiment_decorators():
    assert Path(_index.__file__).read_text(encoding="utf-8") == registry.render_index(), (
        "src/anndl/_index.py is stale: python -c 'from anndl import registry; registry.write_index()'")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["describe", "hopfield_2d"],
                                  ["validate", "hopfield_2d", "pca"]])
def test_listing_and_checking_import_no_torch_sklearn_or_dask(args, tmp_path):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "anndl", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    assert "anndl.cli" in imported  # python -m anndl ran the CLI


def test_a_closed_pipe_ends_quietly_with_exit_0(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "anndl", "list"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before anndl writes (`anndl list | head -0`)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and stderr == b"", stderr.decode()


def test_shipped_configs_run_by_name_from_any_folder(runner):
    for name in ("hopfield_2d", "hopfield_2d.yaml"):
        result = runner.invoke(main, ["run", name, "--quick", "--out", f"out-{name}"])
        assert result.exit_code == 0, result.output
        assert json.loads(Path(f"out-{name}/status.json").read_text())["state"] == "completed"
    result = runner.invoke(main, ["run", "configs/hopfield_2d.yaml"])
    assert result.exit_code == 2 and "`anndl run hopfield_2d`" in result.output
    result = runner.invoke(main, ["validate", "hopfeld_2d"])
    assert result.exit_code == 2 and "did you mean 'hopfield_2d'" in result.output
    Path("hopfield_2d.yaml").write_text("experiment: hopfield_2d\ngrid_points: 3\n")
    result = runner.invoke(main, ["run", "hopfield_2d.yaml", "--dry-run"])  # a file here wins over the name
    assert result.exit_code == 0 and yaml.safe_load(result.output)["grid_points"] == 3


def test_cp_copies_a_shipped_config_out_to_edit(runner):
    result = runner.invoke(main, ["cp", "pca"])
    assert result.exit_code == 0, result.output
    assert Path("pca.yaml").read_text() == (CONFIG_DIR / "pca.yaml").read_text()
    assert runner.invoke(main, ["cp", "pca"]).exit_code == 2  # never over an edited copy
    assert runner.invoke(main, ["cp", "pca", "--force"]).exit_code == 0
    Path("mine").mkdir()
    assert runner.invoke(main, ["cp", "pca.yaml", "mine"]).exit_code == 0 and Path("mine/pca.yaml").is_file()
    result = runner.invoke(main, ["cp", "nope"])
    assert result.exit_code == 2 and "not a shipped config" in result.output


def test_list_names_each_experiments_config_and_module(runner):
    result = runner.invoke(main, ["list"])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("hopfield_digits "))
    assert line.endswith("configs/hopfield_digits.yaml, anndl/recurrent/hopfield_digits.py]")
    assert Path(line.rsplit("[", 1)[1].split(",")[0]).is_file()  # a path that exists from the working folder


def test_resolved_config_reruns_as_it_ran_and_resumes_with_or_without_quick(runner):
    assert runner.invoke(main, ["run", "hopfield_2d", "--quick", "--out", "a"]).exit_code == 0
    resolved = yaml.safe_load(Path("a/config.yaml").read_text())
    assert "quick" not in resolved and resolved["grid_points"] == 5  # the quick block, applied
    assert json.loads(Path("a/env.json").read_text())["quick"] == "applied"
    result = runner.invoke(main, ["run", "a/config.yaml", "--out", "b"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(Path("b/config.yaml").read_text()) == resolved
    assert json.loads(Path("b/metrics.json").read_text()) == json.loads(Path("a/metrics.json").read_text())
    for extra in ([], ["--quick"]):
        result = runner.invoke(main, ["run", "--resume", "a", *extra])
        assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["run", "hopfield_2d", "--out", "a"]).exit_code == 2  # the full config differs


def test_anndl_data_adds_a_folder_before_the_shipped_data(tmp_path, monkeypatch):
    mine = tmp_path / "lab-data"
    mine.mkdir()
    (mine / "series.dat").write_text("1\n2\n")
    monkeypatch.setenv("ANNDL_DATA", str(mine))
    assert paths.resolve("series.dat") == mine / "series.dat"
    assert paths.resolve("coffee_spectra.csv.gz").parent == paths.SHIPPED_DATA_DIR
    assert paths.resolve("data/coffee_spectra.csv.gz").is_file()  # a checkout-relative path still works
    with pytest.raises(DataError, match="lab-data.*ANNDL_DATA"):
        paths.resolve("absent.csv")


def test_jobs_minus_one_means_every_core():
    @click.command()
    @jobs_option("Workers")
    def show(jobs):
        click.echo(jobs)

    assert CliRunner().invoke(show, ["--jobs", "-1"]).output.strip() == str(os.cpu_count())
    assert CliRunner().invoke(show, ["--jobs", "3"]).output.strip() == "3"
    assert CliRunner().invoke(show, ["--jobs", "0"]).exit_code == 2


def test_executor_options_that_cannot_work_are_usage_errors(runner, monkeypatch):
    result = runner.invoke(main, ["run", "hopfield_2d", "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2 and "--scheduler needs --executor dask" in result.output
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    result = runner.invoke(main, ["sweep", "hopfield_2d", "seed=0,1", "--executor", "dask"])
    assert result.exit_code == 2 and "pip install 'anndl[dask]'" in result.output
    assert not Path("runs").exists()


def test_report_writes_to_runs_report_and_keeps_a_full_report(runner):
    result = runner.invoke(main, ["report", "--quick", "--only", "hopfield_2d"])
    assert result.exit_code == 0, result.output
    assert Path("runs/report/report.md").is_file() and not Path("report.md").exists()
    full = Path("lab")
    full.mkdir()
    (full / "report.md").write_text("# report\n- Variant: full settings\n")
    from anndl import ledger
    from anndl.report.build import OUTPUTS

    ledger.claim(full, OUTPUTS)  # written by an earlier (full-settings) report, as its ledger records
    ledger.record(full, full / "report.md")
    result = runner.invoke(main, ["report", "--quick", "--only", "hopfield_2d", "--out", "lab"])
    assert result.exit_code == 2 and "full-settings report" in result.output and "--force" in result.output
    assert (full / "report.md").read_text() == "# report\n- Variant: full settings\n" and not (full / "runs").exists()
    result = runner.invoke(main, ["report", "--quick", "--only", "hopfield_2d", "--out", "lab", "--force"])
    assert result.exit_code == 0 and "; quick settings" in (full / "report.md").read_text()
    assert build.holds_full_report(Path(".")) is False
    (full / "report.md").write_text(f"3 claims: 3 reproduced. Code version x; {render.FULL_SETTINGS}; wall time 1 s\n")
    assert build.holds_full_report(full)


def test_sweep_metric_typo_is_exit_2_with_a_suggestion_after_writing_the_summary(runner):
    result = runner.invoke(main, ["sweep", "hopfield_2d", "grid_points=3,5", "--quick", "--out", "sw",
                                  "--metric", "n_atractors"])
    assert result.exit_code == 2 and "did you mean 'n_attractors'" in result.output
    assert "cell001_grid-points-5" in Path("sw/summary.csv").read_text()


def test_default_sweep_figure_is_the_first_metric_that_varies():
    results = [{"state": "completed", "metrics": {"n": 9, "flag": True, "mse": 0.5}},
               {"state": "completed", "metrics": {"n": 9, "flag": False, "mse": 0.25}},
               {"state": "failed", "error": "x"}]
    assert sweep.varying_metric(results, sweep.numeric_metrics(results)) == "mse"
    assert sweep.varying_metric(results[:1], ["n", "mse"]) == "n"  # nothing varies: the first one
