"""Run directories: resolved config, environment, status, metrics and figures of one run.

Layout of ``runs/<experiment>/<UTC timestamp>_s<seed>/`` (or ``--out``)::

    config.yaml    the resolved config (re-runnable with `anndl run config.yaml`)
    env.json       anndl version, git commit + dirty flag, Python and package versions, threads, device
    status.json    running | completed | failed | interrupted, with times and the error if any
    metrics.json   the experiment's final numbers, flat dotted names
    figures/       every figure as PNG and PDF
    tables/        CSV and Markdown tables
    cells/         one JSON file per finished repetition / grid cell (what makes a re-run resume)
    checkpoints/   periodic training checkpoints of long torch runs
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import anndl
from anndl import atomic, executor, plotting
from anndl.config import ExperimentConfig, config_to_dict, dump_yaml, read_yaml
from anndl.errors import ConfigError
from anndl.registry import Experiment
from anndl.seeding import seed_globals

PACKAGES = ("numpy", "scipy", "torch", "matplotlib", "scikit-learn", "POT", "joblib", "click", "PyYAML",
            "tqdm", "dask", "distributed")


@dataclasses.dataclass
class RunContext:
    """What an experiment function gets besides its config: where to write, seeds, parallel map."""

    run_dir: Path
    config: ExperimentConfig
    experiment: str
    quick: bool = False
    jobs: int = 1
    progress_enabled: bool = True
    executor: executor.Executor = dataclasses.field(default_factory=executor.SerialExecutor)
    seed_sequence: np.random.SeedSequence = None  # type: ignore[assignment]

    def __post_init__(self):
        self.run_dir = Path(self.run_dir).resolve()
        if self.seed_sequence is None:
            self.seed_sequence = np.random.SeedSequence(self.config.seed)

    @property
    def figures_dir(self) -> Path:
        return self.run_dir / "figures"

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def child_seed(self) -> int:
        """A new integer seed from the next child of the run's SeedSequence."""
        (child,) = self.seed_sequence.spawn(1)
        return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))

    def rng(self) -> np.random.Generator:
        """A new numpy Generator from the next child of the run's SeedSequence."""
        (child,) = self.seed_sequence.spawn(1)
        return np.random.default_rng(child)

    def map(self, fn: executor.CellFn, cells: Sequence[Any], desc: str = "cells") -> list[Any]:
        """Run ``fn(cell)`` for every cell (a frozen dataclass with a ``seed`` field, or a dict) through
        the run's executor, each with its own seed.

        Seeds are children of one child of the run's SeedSequence, in cell order; finished cells are
        stored under ``cells/`` so that a re-run into the same directory only computes the rest.
        """
        (stream,) = self.seed_sequence.spawn(1)
        seeded = []
        for cell, child in zip(cells, stream.spawn(len(cells)), strict=True):
            seed = int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
            if dataclasses.is_dataclass(cell):  # a frozen cell with seed None gets its child seed
                cell = cell if cell.seed is not None else dataclasses.replace(cell, seed=seed)
            else:
                cell = dict(cell)
                cell.setdefault("seed", seed)
            seeded.append(cell)
        cache = executor.CellCache(self.run_dir / "cells")
        return executor.map_cells(fn, seeded, executor=self.executor, cache=cache, desc=desc,
                                  progress=self.progress_enabled)

    def progress(self, iterable: Iterable | None = None, desc: str = "", total: int | None = None, **kwargs):
        """A tqdm bar, hidden when not on a terminal or when progress is off."""
        disable = None if self.progress_enabled else True
        return tqdm(iterable, desc=desc, total=total, disable=disable, leave=False, dynamic_ncols=True, **kwargs)

    def save_figure(self, fig, name: str) -> list[Path]:
        """Save ``fig`` as ``figures/<name>.png`` and ``.pdf`` and close it."""
        return plotting.save_figure(fig, self.figures_dir, name)

    def write_json(self, name: str, obj: Any) -> Path:
        return atomic.write_json(self.run_dir / f"{name}.json", obj)

    def write_text(self, name: str, text: str) -> Path:
        return atomic.write_text(self.run_dir / name, text)

    def write_table(self, name: str, rows: Sequence[Mapping[str, Any]]) -> list[Path]:
        """Write ``tables/<name>.csv`` and ``tables/<name>.md`` from a list of same-keyed rows."""
        columns = list(rows[0]) if rows else []
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        csv_path = atomic.write_text(self.run_dir / "tables" / f"{name}.csv", buffer.getvalue())
        md_path = atomic.write_text(self.run_dir / "tables" / f"{name}.md", markdown_table(rows))
        return [csv_path, md_path]


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A GitHub-flavoured Markdown table; floats shown with 4 significant digits."""
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become dotted names: ``{"lm": {"mse": 1}}`` -> ``{"lm.mse": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_metrics(value, name + "."))
        else:
            flat[name] = value
    return flat


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_run_dir(experiment: str, seed: int, root: Path = Path("runs")) -> Path:
    """``runs/<experiment>/<UTC timestamp>_s<seed>``, made unique with a suffix if needed."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = root / experiment / f"{stamp}_s{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}_{n}")
    return candidate


def git_state(path: Path) -> dict[str, Any]:
    """The commit and dirty flag of the git checkout holding ``path`` (None when not a checkout)."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def environment(device: str | None = None) -> dict[str, Any]:
    """Versions, git state, threads and device: what env.json records."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    torch = sys.modules.get("torch")
    return {
        "anndl": anndl.__version__,
        "git": git_state(Path(anndl.__file__).parent),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        "threads": {"cpu_count": os.cpu_count(), "torch": torch.get_num_threads() if torch else None},
        "device": device,
        "argv": sys.argv,
    }


@contextmanager
def sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt while a run is going, so it ends like Ctrl-C."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def prepare_run_dir(run_dir: Path, experiment: str, resolved: dict) -> None:
    """Create the run directory; an existing one must hold the same resolved config (resume)."""
    config_path = run_dir / "config.yaml"
    if config_path.is_file():
        existing = read_yaml(config_path)
        existing.pop("experiment", None)
        if existing != resolved:
            changed = sorted(k for k in set(existing) | set(resolved) if existing.get(k) != resolved.get(k))
            raise ConfigError(f"{run_dir}: holds a run with a different config (keys {', '.join(changed)} "
                              f"differ); pass another --out to start a new run")
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(config_path, dump_yaml({"experiment": experiment, **resolved}))


def execute(exp: Experiment, config: ExperimentConfig, run_dir: Path, *, quick: bool = False, jobs: int = 1,
            progress: bool = True, executor_obj: executor.Executor | None = None) -> dict[str, Any]:
    """Run ``exp`` with ``config`` in ``run_dir``; returns the flat metrics written to metrics.json."""
    resolved = config_to_dict(config)
    prepare_run_dir(run_dir, exp.name, resolved)
    atomic.write_json(run_dir / "env.json", environment(getattr(config, "device", None)))
    status = {"state": "running", "experiment": exp.name, "started": utc_now(), "pid": os.getpid()}
    atomic.write_json(run_dir / "status.json", status)
    ctx = RunContext(run_dir=run_dir, config=config, experiment=exp.name, quick=quick, jobs=jobs,
                     progress_enabled=progress, executor=executor_obj or executor.make_executor(jobs))
    start = time.perf_counter()
    try:
        with sigterm_as_interrupt():
            seed_globals(config.seed)
            metrics = flatten_metrics(exp.run(config, ctx) or {})
            atomic.write_json(run_dir / "metrics.json", metrics)
    except BaseException as exc:
        state = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        partial = getattr(exc, "partial_metrics", None)
        if partial:
            atomic.write_json(run_dir / "metrics.json", {**flatten_metrics(partial), "partial": True})
        status.update(state=state, finished=utc_now(), wall_time_s=time.perf_counter() - start,
                      error=f"{type(exc).__name__}: {exc}")
        atomic.write_json(run_dir / "status.json", status)
        raise
    status.update(state="completed", finished=utc_now(), wall_time_s=time.perf_counter() - start)
    atomic.write_json(run_dir / "status.json", status)
    return metrics


def load_run(run_dir: Path) -> dict[str, Any]:
    """Read a run directory's status, metrics and figure paths (for ``anndl show``)."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise ConfigError(f"{run_dir}: not a run directory (no config.yaml)")

    def read(name: str) -> dict:
        path = run_dir / name
        try:
            return json.loads(path.read_text()) if path.is_file() else {}
        except json.JSONDecodeError:
            return {}

    figures = sorted((run_dir / "figures").glob("*.png")) if (run_dir / "figures").is_dir() else []
    tables = sorted((run_dir / "tables").glob("*.md")) if (run_dir / "tables").is_dir() else []
    return {"status": read("status.json"), "metrics": read("metrics.json"), "figures": figures,
            "tables": tables}
