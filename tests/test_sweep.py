"""Sweeps: grid parsing, summary, a failing cell, Dask LocalCluster vs local processes, SIGKILL resume."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from anndl import sweep
from anndl.cli import main
from anndl.errors import ConfigError
from anndl.sweep import grid, parse_axis, split_top_level

REPO = Path(__file__).resolve().parents[1]
HOPFIELD = str(REPO / "configs" / "hopfield_2d.yaml")


def read_summary(out: Path) -> list[dict]:
    with open(out / "summary.csv") as fh:
        return list(csv.DictReader(fh))


def test_axis_parsing():
    assert parse_axis("seed=0..3") == ("seed", ["0", "1", "2", "3"])
    assert parse_axis("q=[1,2],[3],4") == ("q", ["[1,2]", "[3]", "4"])
    assert split_top_level("a,{b: [1, 2]},c") == ["a", "{b: [1, 2]}", "c"]
    assert grid([("a", ["1", "2"]), ("b", ["x", "y"])]) == [
        {"a": "1", "b": "x"}, {"a": "1", "b": "y"}, {"a": "2", "b": "x"}, {"a": "2", "b": "y"}]
    for bad in ("seed", "seed=", "=1", "seed=3..1"):
        with pytest.raises(ConfigError):
            parse_axis(bad)


def test_bad_axis_key_is_exit_2_before_anything_runs(tmp_path):
    result = CliRunner().invoke(main, ["sweep", HOPFIELD, "grid_pionts=3,5", "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "did you mean 'grid_points'" in result.output
    assert not (tmp_path / "s").exists()


def test_cell_value_that_validation_rejects_is_exit_2_before_anything_runs(tmp_path):
    result = CliRunner().invoke(main, ["sweep", HOPFIELD, "patterns=[[1,1],[-1,-1]],[[1,1,1]]", "--quick",
                                       "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "key 'patterns'" in result.output, result.output
    assert not (tmp_path / "s").exists()


def test_failing_cell_is_listed_and_others_complete(tmp_path):
    out = tmp_path / "s"
    santafe = str(Path(HOPFIELD).with_name("mlp_santafe.yaml"))
    tiny = ["n_train=200", "n_test=20", "hidden_grid=[5]", "lag_grid=[5]", "epochs=5", "validation_window=[100,120]",
            "small_lag=[5,5]"]
    result = CliRunner().invoke(main, ["sweep", santafe, f"series_path=data/santafe_laser.dat,{tmp_path / 'no.dat'}",
                                       *(f"--set={o}" for o in tiny), "--quick", "--out", str(out)])
    assert result.exit_code == 1, result.output
    rows = read_summary(out)
    assert [r["state"] for r in rows] == ["completed", "failed"]
    assert rows[1]["error"] and "failed" in result.output
    assert (out / "summary.md").is_file() and list((out / "figures").glob("sweep_*.png"))


def test_dask_local_cluster_gives_the_same_metrics_as_local_processes(tmp_path):
    summaries = {}
    for kind in ("local", "dask"):
        out = tmp_path / kind
        result = CliRunner().invoke(main, ["sweep", HOPFIELD, "seed=0..2", "--quick", "--jobs", "2",
                                           "--executor", kind, "--out", str(out)])
        assert result.exit_code == 0, result.output
        summaries[kind] = read_summary(out)
    strip = [{k: v for k, v in row.items() if "time" not in k} for row in summaries["local"]]
    assert strip == [{k: v for k, v in row.items() if "time" not in k} for row in summaries["dask"]]
    assert len(strip) == 3 and all(row["state"] == "completed" for row in strip)


def test_sigkilled_sweep_recomputes_only_unfinished_cells(tmp_path):
    out = tmp_path / "s"
    command = [sys.executable, "-m", "anndl.cli", "sweep", HOPFIELD, "seed=0..5", "--quick", "--out", str(out)]
    env = {**os.environ, "TQDM_DISABLE": "1"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    cells = out / "cells"
    while time.time() < deadline and len(list(cells.glob("*.json")) if cells.is_dir() else []) < 2:
        if process.poll() is not None:
            pytest.fail("the sweep ended before it could be killed")
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in cells.glob("*.json")}
    assert 2 <= len(finished) < 6
    assert not (out / "summary.csv").exists()
    subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=600)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in cells.glob("*.json")}
    assert len(after) == 6
    assert all(after[name] == finished[name] for name in finished), "finished cells were recomputed"
    rows = read_summary(out)
    assert [r["seed"] for r in rows] == [str(s) for s in range(6)]
    assert all(r["state"] == "completed" for r in rows)


def test_default_metric_is_held_out_and_seeds_give_mean_and_standard_error():
    results = [{"state": "completed", "metrics": {"train_mse": t, "test_mse": v, "seconds": s}}
               for t, v, s in ((1.0, 2.0, 3.0), (1.5, 2.0, 4.0), (0.5, 3.0, 5.0))]
    assert sweep.varying_metric(results, ["seconds", "train_mse", "test_mse"]) == "test_mse"
    assert sweep.varying_metric(results[:2], ["seconds", "train_mse", "test_mse"]) == "train_mse"
    rows = [{"cell": f"c{i}", "hidden": h, "seed": str(i), "state": "completed"} for i, h in enumerate("112")]
    table = sweep.over_seeds(rows, results, ["hidden", "seed"], ["test_mse"])
    assert table == [{"hidden": "1", "seeds": 2, "test_mse": "2 ± 0 (n=2)"},
                     {"hidden": "2", "seeds": 1, "test_mse": "3 ± n/a (n=1)"}]
    mean, se = sweep.mean_and_se([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)


def test_a_numeric_axis_is_a_line_on_a_log_scale_when_it_spans_a_decade(tmp_path, monkeypatch):
    from anndl import plotting

    saved = {}
    monkeypatch.setattr(plotting, "save_figure", lambda fig, directory, name: saved.update(fig=fig, name=name))
    rows = [{"cell": f"c{i}", "hidden_units": h, "state": "completed"} for i, h in enumerate(["5", "50", "500"])]
    results = [{"state": "completed", "metrics": {"test_mse": v}} for v in (1e-1, 1e-3, 1.25e-4)]
    sweep._plot_metric(tmp_path, rows, ["hidden_units"], "test_mse", results)
    ax = saved["fig"].axes[0]
    assert saved["name"] == "sweep_test_mse" and not ax.patches  # no bars
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert list(ax.lines[0].get_xdata()) == [5.0, 50.0, 500.0]
    assert not sweep.spans_a_decade([10, 20, 90]) and sweep.spans_a_decade([1, 10])
