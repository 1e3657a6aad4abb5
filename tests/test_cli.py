"""The CLI through click's CliRunner: exit codes, one-line errors, run records, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from anndl.cli import main

REPO = Path(__file__).resolve().parents[1]
PCA = str(REPO / "configs" / "pca.yaml")
SMALL_PCA = ["threes_count=60", "gaussian_samples=60", "tsne_max_iter=250", "reconstruction_q=[1,256]"]


@pytest.fixture
def runner():
    return CliRunner()


def test_list_names_experiments_and_configs(runner):
    result = runner.invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    assert "pca" in result.output and "configs/pca.yaml" in result.output


def test_unknown_override_is_exit_2_with_suggestion(runner):
    result = runner.invoke(main, ["run", PCA, "nope=1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "pca.yaml" in lines[0] and "'nope'" in lines[0] and "allowed keys" in lines[0]
    result = runner.invoke(main, ["run", PCA, "threes_cout=3"])
    assert result.exit_code == 2 and "did you mean 'threes_count'" in result.output


def test_wrong_type_and_missing_file_are_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["run", PCA, "tsne_max_iter=many"])
    assert result.exit_code == 2 and "'tsne_max_iter': expected an integer" in result.output
    result = runner.invoke(main, ["run", str(tmp_path / "nothere.yaml")])
    assert result.exit_code == 2 and "config file not found" in result.output
    result = runner.invoke(main, ["run", PCA, "spectra_path=/no/such.csv", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "/no/such.csv" in result.output and "not found" in result.output


def test_unknown_experiment_and_missing_experiment_key(runner, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("experiment: pcaa\n")
    result = runner.invoke(main, ["validate", str(cfg)])
    assert result.exit_code == 2 and "did you mean 'pca'" in result.output
    cfg.write_text("seed: 1\n")
    result = runner.invoke(main, ["validate", str(cfg)])
    assert result.exit_code == 2 and "'experiment' is missing" in result.output


def test_dry_run_prints_resolved_config(runner, tmp_path):
    result = runner.invoke(main, ["run", PCA, "--quick", "--seed", "4", "examples=2", "--dry-run",
                                  "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    resolved = yaml.safe_load(result.output)
    assert resolved["experiment"] == "pca" and resolved["seed"] == 4 and resolved["examples"] == 2
    assert resolved["tsne_max_iter"] == 250
    assert not (tmp_path / "r").exists()


def test_describe_lists_fields_with_docs(runner):
    result = runner.invoke(main, ["describe", "pca"])
    assert result.exit_code == 0
    assert "threes_count [int (ge 2)] = 500: Number of threes used." in result.output


def test_run_writes_record_and_is_deterministic(runner, tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = runner.invoke(main, ["run", PCA, *SMALL_PCA, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"-> {out}" in result.output
        outs.append(out)
    a, b = (json.loads((o / "metrics.json").read_text()) for o in outs)
    assert a == b
    record = outs[0]
    assert yaml.safe_load((record / "config.yaml").read_text())["threes_count"] == 60
    env = json.loads((record / "env.json").read_text())
    assert env["anndl"] and "numpy" in env["packages"] and "commit" in env["git"]
    assert json.loads((record / "status.json").read_text())["state"] == "completed"
    assert (record / "figures" / "pca_tsne_three_datasets.png").is_file()
    assert (record / "figures" / "pca_tsne_three_datasets.pdf").is_file()
    assert not list(record.rglob("*.tmp"))
    shown = runner.invoke(main, ["show", str(record)])
    assert shown.exit_code == 0 and "completed" in shown.output and "threes.rmsd_q1" in shown.output
    other_seed = runner.invoke(main, ["run", PCA, *SMALL_PCA, "--seed", "1", "--out", str(tmp_path / "c")])
    assert other_seed.exit_code == 0
    c = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert c["gaussian.rmsd_q1"] != a["gaussian.rmsd_q1"]


def test_rerun_into_a_directory_with_another_config_is_refused(runner, tmp_path):
    out = tmp_path / "r"
    from anndl import ledger

    ledger.claim(out)
    (out / "config.yaml").write_text("experiment: pca\nseed: 3\n")
    ledger.record(out, out / "config.yaml")  # as an earlier anndl run there would have
    result = runner.invoke(main, ["run", PCA, "--out", str(out)])
    assert result.exit_code == 2 and "different config" in result.output


def test_sigterm_marks_the_run_interrupted_and_leaves_no_half_files(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "anndl.cli", "run", PCA, "tsne_max_iter=5000", "--out", str(out)],
                               env={**os.environ, "TQDM_DISABLE": "1"}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    # signal once the run has started: its t-SNE stops early when it stops improving, so waiting for
    # the first figure left a window of seconds in which a loaded machine could finish the run first
    while time.time() < deadline and not (out / "status.json").is_file():
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr
    assert json.loads((out / "status.json").read_text())["state"] == "interrupted"
    assert not (out / "metrics.json").exists() and not list(out.rglob("*.tmp"))


def test_a_nested_typo_suggests_the_dotted_key_and_a_wrong_choice_lists_the_allowed_values(runner):
    lstm = str(REPO / "configs" / "lstm_santafe.yaml")
    result = runner.invoke(main, ["run", lstm, "training.epoch=50", "--dry-run"])
    assert result.exit_code == 2 and "did you mean 'training.epochs'?" in result.output, result.output
    result = runner.invoke(main, ["run", str(REPO / "configs" / "cnn_digits.yaml"), "device=gpu", "--dry-run"])
    assert result.exit_code == 2 and "expected one of 'auto', 'cpu', 'cuda', got 'gpu'" in result.output
    assert "did you mean" not in result.output  # 'gpu' is no misspelt 'cpu'


def test_describe_shows_the_shipped_quick_overrides(runner):
    result = runner.invoke(main, ["describe", "sae_digits"])
    assert result.exit_code == 0 and "quick [dict] = {}" not in result.output
    tail = result.output.split("--quick applies the shipped config's quick overrides", 1)[1]
    assert "  architectures=[[32, 16], [32]]" in tail and "  repetitions=1" in tail


def test_list_prints_config_paths_that_exist_from_the_working_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["list"])
    assert result.exit_code == 0
    paths = [line.rsplit("[", 1)[1].split(",")[0] for line in result.output.splitlines()]
    assert paths and all(Path(p).is_file() for p in paths), paths[:3]
