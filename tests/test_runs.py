"""Run records: atomic files, interrupted and failed status, seeds for repetitions."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

from anndl import atomic, runs
from anndl.config import ExperimentConfig
from anndl.registry import Experiment


@dataclasses.dataclass(kw_only=True)
class ToyConfig(ExperimentConfig):
    reps: int = 3
    """Repetitions."""
    fail_with: str = ""
    """'interrupt' or 'error' to end the run that way after the repetitions."""


def repetition(cell: dict) -> dict:
    return {"draw": float(np.random.default_rng(cell["seed"]).normal())}


def toy(cfg: ToyConfig, ctx) -> dict:
    results = ctx.map(repetition, [{"rep": i} for i in range(cfg.reps)], desc="reps")
    if cfg.fail_with == "interrupt":
        raise KeyboardInterrupt
    if cfg.fail_with == "error":
        raise RuntimeError("boom")
    return {"draws": [r["draw"] for r in results], "nested": {"mean": float(np.mean([r["draw"] for r in results]))}}


EXP = Experiment("toy", ToyConfig, "toy", toy, __name__)


def test_completed_run_record(tmp_path):
    metrics = runs.execute(EXP, ToyConfig(seed=5), tmp_path / "run")
    assert set(metrics) == {"draws", "nested.mean"}
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["nested.mean"] == metrics["nested.mean"]
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "completed"
    assert len(list((tmp_path / "run" / "cells").glob("*.json"))) == 3


def test_repetitions_get_distinct_children_of_the_seed(tmp_path):
    a = runs.execute(EXP, ToyConfig(seed=5), tmp_path / "a")
    b = runs.execute(EXP, ToyConfig(seed=5, reps=3), tmp_path / "b")
    c = runs.execute(EXP, ToyConfig(seed=6), tmp_path / "c")
    assert a["draws"] == b["draws"] and len(set(a["draws"])) == 3 and a["draws"] != c["draws"]


@pytest.mark.parametrize(("mode", "exc", "state"), [("interrupt", KeyboardInterrupt, "interrupted"),
                                                    ("error", RuntimeError, "failed")])
def test_interrupted_and_failed_runs_leave_status_and_no_half_files(tmp_path, mode, exc, state):
    with pytest.raises(exc):
        runs.execute(EXP, ToyConfig(fail_with=mode), tmp_path / "run")
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == state
    assert not (tmp_path / "run" / "metrics.json").exists()
    assert not list((tmp_path / "run").rglob("*.tmp"))
    # The finished repetitions were kept: re-running continues from them.
    assert len(list((tmp_path / "run" / "cells").glob("*.json"))) == 3


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "f.txt"
    atomic.write_text(target, "old")
    with pytest.raises(ZeroDivisionError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        1 / 0  # noqa: B018
    assert target.read_text() == "old" and not list(tmp_path.glob("*.tmp"))


def test_flatten_and_markdown():
    assert runs.flatten_metrics({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}
    table = runs.markdown_table([{"x": 1.234567, "y": "s"}])
    assert table.splitlines()[0] == "| x | y |" and "1.235" in table


def diverging(cfg: ToyConfig, ctx) -> dict:
    from anndl.nn.torchkit import check_finite

    history = []
    for epoch, loss in enumerate([1.0, 0.5, float("nan")]):
        check_finite(loss, epoch, partial_metrics={"loss_history": history})
        history.append(loss)
    return {}


def test_diverged_training_fails_cleanly_with_metrics_so_far(tmp_path):
    from anndl.errors import RunError

    with pytest.raises(RunError, match="training diverged: loss is nan at epoch 2"):
        runs.execute(Experiment("div", ToyConfig, "d", diverging, __name__), ToyConfig(), tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics == {"loss_history": [1.0, 0.5], "diverged.what": "loss", "diverged.epoch": 2,
                       "diverged.value": "nan", "diverged.reason": "loss is nan", "partial": True}
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "failed"


@dataclasses.dataclass(frozen=True)
class Rep:
    rep: int
    seed: int | None = None


def test_frozen_dataclass_cells_get_the_same_child_seeds_as_dict_cells(tmp_path):
    def seeds_of(cells, name):
        ctx = runs.RunContext(run_dir=tmp_path / name, config=ToyConfig(seed=5), progress_enabled=False)
        return ctx.map(lambda cell: {"seed": cell.seed if isinstance(cell, Rep) else cell["seed"]}, cells)

    as_dicts = seeds_of([{"rep": i} for i in range(3)], "dicts")
    as_cells = seeds_of([Rep(i) for i in range(3)], "cells")
    assert as_cells == as_dicts and len({r["seed"] for r in as_cells}) == 3
    assert seeds_of([Rep(0, seed=11)], "given") == [{"seed": 11}]  # a seed the cell sets is kept


def dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_second_run_into_a_directory_in_use_refuses_and_a_dead_lock_is_taken_over(tmp_path):
    import subprocess
    import sys

    from anndl.errors import AnndlError

    run_dir = tmp_path / "run"
    runs.execute(EXP, ToyConfig(seed=1, reps=2), run_dir)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run_dir / runs.LOCK_NAME).write_text(f"{holder.pid} host\n")
        before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
        with pytest.raises(AnndlError, match=f"another anndl run \\(pid {holder.pid}\\) is writing here"):
            runs.execute(EXP, ToyConfig(seed=1, reps=2), run_dir)
        assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before
    finally:
        holder.kill()
        holder.wait()
    (run_dir / runs.LOCK_NAME).write_text(f"{dead_pid()} host\n")
    metrics = runs.execute(EXP, ToyConfig(seed=1, reps=2), run_dir)
    assert len(metrics["draws"]) == 2 and not (run_dir / runs.LOCK_NAME).exists()


def test_rerun_of_a_completed_run_changes_nothing_and_says_so(tmp_path, capsys):
    run_dir = tmp_path / "run"
    first = runs.execute(EXP, ToyConfig(seed=2), run_dir)
    files = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in run_dir.rglob("*") if p.is_file()}
    capsys.readouterr()
    again = runs.execute(EXP, ToyConfig(seed=2), run_dir)
    assert "already completed with this config, code and data; nothing to do" in capsys.readouterr().err
    assert again == json.loads(json.dumps(first))
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in run_dir.rglob("*") if p.is_file()} == files


def test_show_says_when_the_recorded_process_is_gone(tmp_path):
    from click.testing import CliRunner

    from anndl.cli import main

    run_dir = tmp_path / "run"
    runs.execute(EXP, ToyConfig(seed=3), run_dir)
    status = json.loads((run_dir / "status.json").read_text())
    for pid, shown in ((dead_pid(), "interrupted (process gone)"), (os.getpid(), "toy running")):
        atomic.write_json(run_dir / "status.json", {**status, "state": "running", "pid": pid})
        result = CliRunner().invoke(main, ["show", str(run_dir)])
        assert result.exit_code == 0 and shown in result.output.splitlines()[0], result.output


def test_stale_temporaries_are_removed_when_a_run_starts(tmp_path):
    run_dir = tmp_path / "run"
    runs.execute(EXP, ToyConfig(seed=4, reps=2), run_dir)
    stale = [run_dir / ".metrics.json.0a1b2c3d.tmp", run_dir / "cells" / ".x.json.deadbeef.tmp"]
    for path in stale:
        path.write_text("half")
    runs.execute(EXP, ToyConfig(seed=4, reps=2), run_dir)
    assert not any(path.exists() for path in stale)
