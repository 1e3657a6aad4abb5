"""The executor: same results serially and in processes, per-cell seeds, resume from saved cells."""

from __future__ import annotations

import dataclasses
import json
import sys

import cloudpickle
import numpy as np

from anndl.executor import CellCache, ProcessExecutor, SerialExecutor, cell_key, map_cells

# Worker processes cannot import this test module by name: send its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def noisy_square(cell: dict) -> dict:
    rng = np.random.default_rng(cell["seed"])
    return {"value": cell["x"] ** 2 + rng.normal(), "vector": rng.normal(size=3), "legacy": np.random.rand()}


def cells(n: int = 6) -> list[dict]:
    return [{"x": i, "seed": 100 + i} for i in range(n)]


def test_processes_match_serial_and_keep_cell_order():
    serial = map_cells(noisy_square, cells(), executor=SerialExecutor(), progress=False)
    parallel = map_cells(noisy_square, cells(), executor=ProcessExecutor(2), progress=False)
    assert [r["value"] for r in serial] == [r["value"] for r in parallel]
    assert all(np.array_equal(a["vector"], b["vector"]) for a, b in zip(serial, parallel, strict=True))
    assert [r["legacy"] for r in serial] == [r["legacy"] for r in parallel]
    assert isinstance(serial[0]["vector"], np.ndarray) and serial[0]["vector"].shape == (3,)


def test_finished_cells_are_reused_not_recomputed(tmp_path):
    cache = CellCache(tmp_path / "cells")
    first = map_cells(noisy_square, cells(4), executor=SerialExecutor(), cache=cache, progress=False)
    files = sorted((tmp_path / "cells").glob("*.json"))
    assert len(files) == 4
    # Tamper with one saved result: a re-run must return the saved value, proving it was not recomputed.
    saved = json.loads(files[0].read_text())
    saved["result"]["value"] = -123.0
    files[0].write_text(json.dumps(saved))
    calls = []

    def counting(cell):
        calls.append(cell["x"])
        return noisy_square(cell)

    counting.__qualname__ = noisy_square.__qualname__
    counting.__module__ = noisy_square.__module__
    again = map_cells(counting, cells(6), executor=SerialExecutor(), cache=cache, progress=False)
    assert calls == [4, 5]
    tampered = saved["cell"]["x"]
    assert again[tampered]["value"] == -123.0
    untouched = [i for i in range(4) if i != tampered]
    assert [again[i]["value"] for i in untouched] == [first[i]["value"] for i in untouched]
    assert len(list((tmp_path / "cells").glob("*.json"))) == 6


def test_corrupt_cell_file_is_recomputed(tmp_path):
    cache = CellCache(tmp_path)
    map_cells(noisy_square, cells(2), executor=SerialExecutor(), cache=cache, progress=False)
    path = sorted(tmp_path.glob("*.json"))[0]
    path.write_text("{not json")
    again = map_cells(noisy_square, cells(2), executor=SerialExecutor(), cache=cache, progress=False)
    assert all(np.isfinite(r["value"]) for r in again)
    json.loads(path.read_text())


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    seed: int | None = None


def square_of_point(cell: Point) -> dict:
    assert isinstance(cell, Point)
    return {"value": cell.x**2, "legacy": np.random.rand()}


def test_frozen_dataclass_cells_are_keyed_by_their_fields_and_seeded_by_theirs(tmp_path):
    assert cell_key(square_of_point, Point(1, 5)) == cell_key(square_of_point, Point(1, 5))
    assert cell_key(square_of_point, Point(1, 5)) != cell_key(square_of_point, Point(1, 6))
    assert cell_key(square_of_point, Point(1, 5)) == cell_key(square_of_point, {"x": 1, "seed": 5})
    results = map_cells(square_of_point, [Point(2, 7), Point(3, 7)], executor=SerialExecutor(),
                        cache=CellCache(tmp_path), progress=False)
    assert [r["value"] for r in results] == [4, 9]
    assert results[0]["legacy"] == results[1]["legacy"]  # both cells seed the globals with 7
    saved = sorted(json.loads(path.read_text())["cell"]["x"] for path in tmp_path.glob("*.json"))
    assert saved == [2, 3]


def test_a_local_dask_cluster_without_workers_fails_instead_of_waiting_forever(monkeypatch):
    import pytest

    pytest.importorskip("distributed")
    from anndl import executor
    from anndl.executor import DaskExecutor

    monkeypatch.setattr(executor, "POLL_S", 0.2)
    monkeypatch.setattr(executor, "WORKERLESS_LIMIT_S", 1)
    pool = DaskExecutor(jobs=1, threads=1)
    try:
        pool._cluster.scale(0)  # the worker processes gone, as when the machine killed them
        pool.client.sync(pool._cluster._correct_state)
        with pytest.raises(RuntimeError, match="no worker for 1 s"):
            map_cells(noisy_square, cells(2), executor=pool, progress=False)
    finally:
        pool.close()
