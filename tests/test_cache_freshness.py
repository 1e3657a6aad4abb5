"""A cached result is reused only while everything that produced it is unchanged.

The four stale-cache cases of issue 14, each as a user meets it through the CLI, each checked
against a fresh run into a new directory: changed data behind ``series_path``, an edited sweep
config, a sweep cell that failed on a missing file that was added since, and a code change.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from anndl import digests
from anndl.cli import main

REPO = Path(__file__).resolve().parents[1]
SANTAFE = str(REPO / "configs" / "mlp_santafe.yaml")
TINY_SANTAFE = ["--quick", "n_train=200", "n_test=20", "hidden_grid=[5]", "lag_grid=[5]", "epochs=5",
                "validation_window=[100,120]", "small_lag=[5,5]"]
"""mlp_santafe cut down to 200 training points and one (h, p): a couple of seconds."""


def invoke(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def write_series(path: Path, scale: float = 1.0) -> Path:
    values = np.loadtxt(REPO / "data" / "santafe_laser.dat")[:300] * scale
    np.savetxt(path, values, fmt="%.6f")
    return path


def summary(out: Path) -> list[dict]:
    with (out / "summary.csv").open() as handle:
        return [{k: v for k, v in row.items() if "time" not in k} for row in csv.DictReader(handle)]


def test_changed_series_file_behind_the_same_path_is_recomputed(tmp_path):
    series = write_series(tmp_path / "laser.dat")
    first = invoke("run", SANTAFE, *TINY_SANTAFE, f"series_path={series}", "--out", tmp_path / "run")
    assert first.exit_code == 0, first.output
    env = json.loads((tmp_path / "run" / "env.json").read_text())
    assert env["data_files"][str(series.resolve())]["sha256"] == digests.file_digest(series)["sha256"]
    before = metrics(tmp_path / "run")

    write_series(series, scale=2.0)
    again = invoke("run", SANTAFE, *TINY_SANTAFE, f"series_path={series}", "--out", tmp_path / "run")
    assert again.exit_code == 0, again.output
    notes = [line for line in again.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "other data" in notes[0] and str(series.resolve()) in notes[0], again.output
    fresh = invoke("run", SANTAFE, *TINY_SANTAFE, f"series_path={series}", "--out", tmp_path / "fresh")
    assert fresh.exit_code == 0, fresh.output
    after = metrics(tmp_path / "run")
    assert after == metrics(tmp_path / "fresh")
    assert after["standardisation.train_mean"] == 2 * before["standardisation.train_mean"]
    assert after["test.small_lag.test_mse_mean"] != before["test.small_lag.test_mse_mean"]


def test_edited_sweep_config_gives_a_fresh_summary(tmp_path):
    config = tmp_path / "h2.yaml"
    text = (REPO / "configs" / "hopfield_2d.yaml").read_text()
    config.write_text(text)
    args = ["sweep", config, "seed=0..1", "--quick"]
    assert invoke(*args, "--out", tmp_path / "s").exit_code == 0
    before = summary(tmp_path / "s")

    config.write_text(text.replace("patterns: [[1, 1], [-1, -1], [1, -1]]", "patterns: [[1, 1], [-1, 1]]"))
    again = invoke(*args, "--out", tmp_path / "s")
    assert again.exit_code == 0, again.output
    fresh = invoke(*args, "--out", tmp_path / "fresh")
    assert fresh.exit_code == 0, fresh.output
    after = summary(tmp_path / "s")
    assert after == summary(tmp_path / "fresh")
    assert after != before
    resolved = (tmp_path / "s" / after[0]["cell"] / "config.yaml").read_text()
    assert "- [-1, 1]" in resolved or "[-1, 1]]" in resolved, resolved


def test_sweep_cell_that_failed_on_a_missing_file_runs_once_the_file_exists(tmp_path):
    present, missing = write_series(tmp_path / "a.dat"), tmp_path / "b.dat"
    args = ["sweep", SANTAFE, f"series_path={present},{missing}", *(f"--set={o}" for o in TINY_SANTAFE[1:]),
            "--quick", "--out", tmp_path / "s"]
    first = invoke(*args)
    assert first.exit_code == 1, first.output
    assert [row["state"] for row in summary(tmp_path / "s")] == ["completed", "failed"]

    write_series(missing, scale=3.0)
    again = invoke(*args)
    assert again.exit_code == 0, again.output
    rows = summary(tmp_path / "s")
    assert [row["state"] for row in rows] == ["completed", "completed"]
    assert rows[0]["standardisation.train_mean"] != rows[1]["standardisation.train_mean"]


def test_code_change_recomputes_a_run_and_resume_of_unchanged_code_does_not(tmp_path, monkeypatch):
    hopfield = str(REPO / "configs" / "hopfield_2d.yaml")
    run_dir = tmp_path / "run"
    assert invoke("run", hopfield, "--quick", "--out", run_dir).exit_code == 0
    truth = metrics(run_dir)
    # Stand-ins for results the old code got wrong: a re-run must replace them, not report them.
    wrong = {**truth, **{k: -1.0 for k, v in truth.items() if isinstance(v, float)}}
    (run_dir / "metrics.json").write_text(json.dumps(wrong))
    for cell in (run_dir / "cells").glob("*.json"):
        record = json.loads(cell.read_text())
        record["result"] = {"tampered": True}
        cell.write_text(json.dumps(record))

    same = invoke("run", "--resume", run_dir)
    assert same.exit_code == 0 and "nothing to do" in same.output, same.output
    assert metrics(run_dir) == wrong  # unchanged code: the completed run is left as it is

    real = digests.code_version()
    monkeypatch.setattr(digests, "code_version", lambda source_dir=None: "0123456789ab")
    changed = invoke("run", "--resume", run_dir)
    assert changed.exit_code == 0, changed.output
    notes = [line for line in changed.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and f"code version {real}" in notes[0] and "0123456789ab" in notes[0], notes
    assert metrics(run_dir) == truth
    assert json.loads((run_dir / "env.json").read_text())["code_version"] == "0123456789ab"
