"""Start-up time of the anndl commands that run nothing, against the interpreter and `import torch`.

    python benchmarks/bench_cli_startup.py [--repeats 5]

Each command runs in a fresh ``python -m anndl`` process (best of ``--repeats``: wall time and CPU
time, the latter less disturbed by other load on a shared machine); ``python -X importtime`` names
the heavy libraries each one imports. The peers are ``python -c pass`` (the floor) and
``python -c "import torch"``. Prints a table; writes benchmarks/results/cli_startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("torch", "sklearn", "scipy", "matplotlib", "dask", "distributed")
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    'python -c "import torch"': ["-c", "import torch"],
    "anndl --help": ["-m", "anndl", "--help"],
    "anndl list": ["-m", "anndl", "list"],
    "anndl describe hopfield_2d": ["-m", "anndl", "describe", "hopfield_2d"],
    "anndl validate hopfield_2d": ["-m", "anndl", "validate", "hopfield_2d"],
    "anndl validate pca": ["-m", "anndl", "validate", "pca"],
    "anndl describe fit_trainlm": ["-m", "anndl", "describe", "fit_trainlm"],
    "anndl describe lstm_santafe": ["-m", "anndl", "describe", "lstm_santafe"],
    "anndl validate rbm_mnist": ["-m", "anndl", "validate", "rbm_mnist"],
}


def measure(args: list[str], repeats: int) -> dict:
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    trace = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True).stderr
    modules = {line.rsplit("|", 1)[-1].strip() for line in trace.splitlines() if "|" in line}
    return {"wall_s": min(walls), "cpu_s": min(cpus), "heavy_imports": [m for m in HEAVY if m in modules]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    results = {name: measure(args, repeats) for name, args in COMMANDS.items()}
    torch_cpu = results['python -c "import torch"']["cpu_s"]
    print(f"{'command':32} {'wall s':>7} {'cpu s':>7} {'cpu / import torch':>19}  heavy imports")
    for name, r in results.items():
        r["cpu_ratio_to_import_torch"] = r["cpu_s"] / torch_cpu
        print(f"{name:32} {r['wall_s']:7.2f} {r['cpu_s']:7.2f} {r['cpu_ratio_to_import_torch']:19.2f}  "
              f"{', '.join(r['heavy_imports']) or '-'}")
    out = Path(__file__).resolve().parent / "results" / "cli_startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"repeats": repeats, "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
                               "results": results}, indent=2) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
