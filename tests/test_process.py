"""Process-wide settings only where anndl owns the process: the CLI and its workers (anndl.process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cloudpickle
import numpy as np
import pytest
from click.testing import CliRunner
from threadpoolctl import threadpool_info

import anndl
from anndl import allocator, process
from anndl.cli import main
from anndl.executor import ProcessExecutor, map_cells

# Worker processes cannot import this test module by name: send its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

LINUX = sys.platform.startswith("linux")


def settings_now() -> tuple:
    """Every thread setting a call could change: each loaded library's count, torch's, the variables."""
    torch = sys.modules.get("torch")
    return ({info["filepath"]: info["num_threads"] for info in threadpool_info()},
            torch.get_num_threads() if torch is not None else None,
            {name: os.environ.get(name) for name in process.THREAD_VARIABLES}, process.requested_threads())


def assert_unchanged(before: tuple, after: tuple) -> None:
    """The same settings, a library loaded since (scikit-learn's OpenMP) aside."""
    assert {path: after[0][path] for path in before[0]} == before[0]
    assert after[1:] == before[1:]


@pytest.fixture
def two_threads():
    """Two BLAS/OpenMP and torch threads (not the one a library call or the CLI would set)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch_before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(limits=2):
            yield
    finally:
        torch.set_num_threads(torch_before)


def test_library_calls_leave_thread_settings_as_they_were(tmp_path, two_threads):
    before = settings_now()
    assert before[1] == 2 and set(before[0].values()) == {2}
    x = np.linspace(0, 1, 30)
    anndl.train(anndl.MLP.create([1, 3, 1], x, x, np.random.default_rng(0)), x, x, algorithm="lm", epochs=3)
    anndl.MLPRegressor((3,), epochs=3).fit(x[:, None], x)
    anndl.run_experiment("fit_trainlm", out=tmp_path / "run", quick=True, epochs=3, progress=False)
    assert_unchanged(before, settings_now())


LIBRARY_CALLS = """
import sys
import numpy as np
import anndl
from anndl import allocator
x = np.linspace(0, 1, 30)
anndl.train(anndl.MLP.create([1, 3, 1], x, x, np.random.default_rng(0)), x, x, algorithm="lm", epochs=3)
anndl.run_experiment("fit_trainlm", out=sys.argv[1], quick=True, epochs=3, progress=False)
print(allocator.retained())
anndl.retain_freed_memory()
print(allocator.retained())
"""


def test_library_calls_leave_the_allocator_alone_until_asked(tmp_path):
    out = subprocess.run([sys.executable, "-c", LIBRARY_CALLS, str(tmp_path / "run")], capture_output=True,
                         text=True, check=True, timeout=300)
    assert out.stdout.split() == ["False", str(LINUX)]


def test_the_cli_raises_the_malloc_thresholds_and_caps_threads_in_its_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in process.THREAD_VARIABLES}
    subprocess.run([sys.executable, "-m", "anndl", "run", "fit_trainlm", "--quick", "epochs=3", "--out",
                    str(tmp_path / "run")], check=True, capture_output=True, env=env, timeout=300)
    recorded = json.loads((tmp_path / "run" / "env.json").read_text())
    assert recorded["malloc_thresholds_raised"] is LINUX
    threads = recorded["threads"]
    assert threads["requested"] == 1 and threads["torch"] in (1, None)
    libraries = {k: v for k, v in threads.items() if k not in ("cpu_count", "requested", "torch")}
    assert libraries and set(libraries.values()) == {1}, threads


def test_env_json_records_the_threads_asked_for_and_the_command_restores_its_caller(tmp_path, monkeypatch,
                                                                                    two_threads):
    monkeypatch.setattr(process, "cores", lambda: 8)
    before = settings_now()
    for threads in (1, 0):
        out = tmp_path / f"t{threads}"
        result = CliRunner().invoke(main, ["run", "hopfield_2d", "--quick", "--threads", str(threads),
                                           "--out", str(out)])
        assert result.exit_code == 0, result.output
        recorded = json.loads((out / "env.json").read_text())["threads"]
        assert recorded["requested"] == threads
        if threads:
            assert recorded["openblas"] == threads
        assert_unchanged(before, settings_now())


def test_workers_times_threads_may_not_exceed_the_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(process, "cores", lambda: 4)
    result = CliRunner().invoke(main, ["run", "hopfield_2d", "--quick", "--jobs", "2", "--threads", "3",
                                       "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--threads 3 with --jobs 2 asks for 6 threads on 4 cores: give --threads 2" in result.output
    assert not (tmp_path / "r").exists()
    assert process.check_threads(2, 2, available=4) == 2
    assert process.check_threads(0, 8, available=2) == 0  # 0: the libraries' defaults, asked for explicitly
    with pytest.raises(ValueError, match="give --threads 1"):
        process.check_threads(2, 3, available=4)


def worker_settings_cell(cell: dict) -> dict:
    import torch

    return {**process.threads_in_force(), "torch": torch.get_num_threads(), "malloc": allocator.retained(),
            "omp": os.environ.get("OMP_NUM_THREADS")}


@pytest.mark.parametrize("threads", [1, 2])
def test_local_workers_run_their_cells_under_the_thread_cap_and_the_allocator(threads):
    results = map_cells(worker_settings_cell, [{"seed": 0}, {"seed": 1}], executor=ProcessExecutor(2, threads),
                        progress=False)
    for result in results:
        assert result["requested"] == threads and result["torch"] == threads, result
        assert result["openblas"] == threads and result["omp"] == str(threads), result
        assert result["malloc"] is LINUX


def test_dask_workers_run_their_cells_under_the_thread_cap_and_the_allocator():
    pytest.importorskip("distributed")
    from anndl.executor import DaskExecutor

    pool = DaskExecutor(jobs=1, threads=1)
    try:
        [result] = map_cells(worker_settings_cell, [{"seed": 0}], executor=pool, progress=False)
    finally:
        pool.close()
    assert result["requested"] == 1 and result["torch"] == 1 and result["openblas"] == 1, result
    assert result["malloc"] is LINUX


def test_library_trainers_leave_the_callers_random_streams_as_they_were():
    import random

    import torch

    from anndl.nn.recurrent.lstm import train_lstm
    from anndl.nn.recurrent.options import LSTMTrainingOptions
    from anndl.seeding import seeded

    def draws():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    def streams_after(call):
        random.seed(7), np.random.seed(7), torch.manual_seed(7)
        call()
        return draws()

    untouched = streams_after(lambda: None)
    series = np.sin(np.linspace(0, 20, 80))
    fit = lambda: train_lstm(series, 3, 4, LSTMTrainingOptions(epochs=2), seed=1, progress=False)  # noqa: E731
    assert streams_after(fit) == untouched
    with seeded(1):
        inside = draws()
    with seeded(1):
        assert draws() == inside  # seeded inside the block, the same each time
