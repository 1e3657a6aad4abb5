"""Executor speed: chapter 1's generalisation grid at --jobs 1 vs --jobs 2, and Dask's overhead.

Runs the same config (default: configs/generalization.yaml with its --quick variant plus the
overrides below) three ways in one process, each into a fresh run directory so nothing is reused:
serial (jobs 1), local processes (jobs 2), and a Dask LocalCluster of 2 worker processes. Prints a
table (wall time, speed-up against serial) and writes benchmarks/results/executors.json. The
metrics of the three runs must agree (the same seeds reach the same cells).

    python benchmarks/bench_executors.py [--full] [KEY=VALUE ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from anndl import executor, registry, runs
from anndl.configfile import load_config_file

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "configs" / "generalization.yaml"


def timed_run(kind: str, jobs: int, overrides: list[str], quick: bool, root: Path) -> tuple[float, dict]:
    loaded = load_config_file(CONFIG, overrides, quick=quick)
    exp = registry.get(loaded.experiment)
    pool = executor.make_executor(jobs, kind)
    try:
        start = time.perf_counter()
        metrics = runs.execute(
            exp, loaded.config, root / f"{kind}{jobs}", quick=quick, jobs=jobs, progress=False, executor_obj=pool
        )
        return time.perf_counter() - start, metrics
    finally:
        executor.close_executor(pool)


def main(argv: list[str]) -> None:
    quick = "--full" not in argv
    overrides = [a for a in argv if "=" in a]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline_metrics = None
        for kind, jobs in (("local", 1), ("local", 2), ("dask", 2)):
            seconds, metrics = timed_run(kind, jobs, overrides, quick, Path(tmp))
            comparable = {k: v for k, v in metrics.items() if "second" not in k and "time" not in k}
            if baseline_metrics is None:
                baseline_metrics = comparable
            rows.append(
                {
                    "executor": f"{kind} --jobs {jobs}",
                    "seconds": seconds,
                    "same_metrics": comparable == baseline_metrics,
                }
            )
    serial = rows[0]["seconds"]
    print(f"{'executor':<18} {'wall s':>8} {'speed-up':>9}  same metrics")
    for row in rows:
        row["speedup_vs_serial"] = serial / row["seconds"]
        print(f"{row['executor']:<18} {row['seconds']:>8.1f} {row['speedup_vs_serial']:>9.2f}  {row['same_metrics']}")
    out = REPO / "benchmarks" / "results" / "executors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"config": str(CONFIG.relative_to(REPO)), "quick": quick, "overrides": overrides, "rows": rows}, indent=2
        )
        + "\n"
    )
    print(f"-> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
