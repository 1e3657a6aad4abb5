"""Run records: atomic files, interrupted and failed status, seeds for repetitions."""

from __future__ import annotations

import dataclasses
import json

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
