"""What the CLI's process settings buy: the thread cap on a loaded machine, and the malloc thresholds.

    python benchmarks/bench_threads.py [--repeats 3] [--experiments pca cnn_digits] [--no-spinner]

1. Thread cap. With one core kept busy by a spinning process (a browser, another job), each
   experiment runs as ``anndl run NAME --quick`` in a fresh process, alternately with
   ``--threads 0`` (the libraries' defaults: one BLAS/OpenMP/torch thread per core, what
   ``anndl run`` did before the cap) and with the default ``--threads 1``. Reported: the fastest
   wall time of each and the ratio before / after (> 1: the cap is faster).
2. Malloc thresholds from the CLI. ``training_algorithms`` with gd on a 1-100-1 net (943 points)
   runs through the CLI (which raises glibc's thresholds at its start) and through
   ``anndl.run_experiment`` in a plain interpreter (a library call: glibc's defaults), both with
   one thread. Reported: the run's ms per gd epoch (its own metric), the process's CPU time and
   minor page faults, and the ratios library / CLI.

Prints a table and writes benchmarks/results/bench_threads.json. Wall times depend on the machine
and its load (recorded: cores and the load average before and after); the ratios are the result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "bench_threads.json"
GD_OVERRIDES = ["algorithms=[gd]", "hidden_units=100", "epochs=300", "repetitions=2", "dx=0.01"]
"""training_algorithms with gd only on a 1-100-1 net and 943 points (dx 0.01), as the allocator's
measurement: a 1-100-1 gd epoch 971 -> 494 us."""

LIBRARY_RUN = """
import sys
import anndl
anndl.run_experiment("training_algorithms", out=sys.argv[1], progress=False, **dict(
    item.split("=", 1) for item in sys.argv[2:]))
"""


def measured(command: list[str], env: dict) -> dict:
    """Run ``command`` to the end; its wall seconds, CPU seconds and minor page faults."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 3),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3),
            "minor_faults": after.ru_minflt - before.ru_minflt}


def clean_env() -> dict:
    """This environment without thread variables (so that the libraries' defaults are the defaults)."""
    drop = {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def thread_cap(experiments: list[str], repeats: int, workdir: Path) -> dict:
    env = clean_env()
    rows = {}
    for name in experiments:
        times: dict[str, list[float]] = {"before": [], "after": []}
        for r in range(repeats):
            for label, threads in (("before", "0"), ("after", "1")):
                out = workdir / f"{name}_{label}_{r}"
                result = measured([sys.executable, "-m", "anndl", "run", name, "--quick", "--threads", threads,
                                   "--out", str(out)], env)
                times[label].append(result["wall_s"])
        best = {k: min(v) for k, v in times.items()}
        rows[name] = {"wall_s": times, "best_before_s": best["before"], "best_after_s": best["after"],
                      "ratio_before_to_after": round(best["before"] / best["after"], 2)}
    return rows


def allocator_from_cli(repeats: int, workdir: Path) -> dict:
    env = {**clean_env(), "OMP_NUM_THREADS": "1"}
    runs: dict[str, list[dict]] = {"cli": [], "library": []}
    for r in range(repeats):
        out = workdir / f"gd_cli_{r}"
        cli = measured([sys.executable, "-m", "anndl", "run", "training_algorithms", *GD_OVERRIDES, "--out",
                        str(out)], env)
        cli["ms_per_epoch"] = json.loads((out / "metrics.json").read_text())["noiseless.gd.ms_per_epoch"]
        runs["cli"].append(cli)
        out = workdir / f"gd_library_{r}"
        library = measured([sys.executable, "-c", LIBRARY_RUN, str(out), *GD_OVERRIDES], env)
        library["ms_per_epoch"] = json.loads((out / "metrics.json").read_text())["noiseless.gd.ms_per_epoch"]
        runs["library"].append(library)
    best = {k: {m: min(run[m] for run in v) for m in ("ms_per_epoch", "cpu_s", "minor_faults")}
            for k, v in runs.items()}
    return {"runs": runs, "best": best,
            "ratio_library_to_cli": {m: round(best["library"][m] / best["cli"][m], 2) for m in best["cli"]}}


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", nargs="+", default=["pca", "cnn_digits"],
                        help="experiments to time with and without the cap (cnn_digits: a torch one)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-spinner", action="store_true", help="do not keep a core busy (a quiet machine)")
    parser.add_argument("--skip-allocator", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_before = load_average()
    spinner = None if args.no_spinner else subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            caps = thread_cap(args.experiments, args.repeats, Path(tmp))
            alloc = None if args.skip_allocator else allocator_from_cli(args.repeats, Path(tmp))
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    load_after = load_average()

    print(f"thread cap, one core busy: {'no' if args.no_spinner else 'yes'}; {os.cpu_count()} cores; "
          f"load average {load_before} -> {load_after}")
    print(f"{'experiment':<14} {'--threads 0 (s)':>16} {'--threads 1 (s)':>16} {'before/after':>13}")
    for name, row in caps.items():
        print(f"{name:<14} {row['best_before_s']:>16.1f} {row['best_after_s']:>16.1f} "
              f"{row['ratio_before_to_after']:>12.2f}x")
    if alloc is not None:
        print("\nmalloc thresholds: 1-100-1 gd (training_algorithms), one thread, fastest of", args.repeats)
        print(f"{'':<10} {'ms/epoch':>9} {'CPU s':>7} {'minor faults':>13}")
        for k in ("cli", "library"):
            b = alloc["best"][k]
            print(f"{k:<10} {b['ms_per_epoch']:>9.3f} {b['cpu_s']:>7.2f} {b['minor_faults']:>13}")
        ratio = alloc["ratio_library_to_cli"]
        print(f"{'lib/cli':<10} {ratio['ms_per_epoch']:>8.2f}x {ratio['cpu_s']:>6.2f}x {ratio['minor_faults']:>12.2f}x")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "question": "how much faster is `anndl run` with one thread per process than with the libraries' "
                    "defaults on a machine with one core busy; does the CLI still get the malloc thresholds' gain?",
        "how": "python benchmarks/bench_threads.py " + " ".join(sys.argv[1:]),
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "cores": os.cpu_count(),
                    "load_average_before": load_before, "load_average_after": load_after,
                    "spinner": not args.no_spinner},
        "thread_cap": caps, "allocator_from_cli": alloc,
    }, indent=2) + "\n")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
