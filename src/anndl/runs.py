"""Run directories: resolved config, environment, status, metrics and figures of one run.

Layout of ``runs/<experiment>/<UTC timestamp>_s<seed>[_<overrides slug>]/`` (or ``--out``)::

    config.yaml    the resolved config as it ran (`quick:` applied and dropped): `anndl run config.yaml` re-runs it
    env.json       anndl version, git commit + dirty flag, code version, the data files read with their
                   digests, Python and package versions, threads, device, quick
    status.json    running | completed | failed | interrupted, with times, pid, the overrides given and the
                   error (or what interrupted it: Ctrl-C, SIGTERM)
    run.lock       the pid of the process writing here (while it runs)
    anndl-files.txt  every file anndl wrote here: the only files it ever replaces or deletes (anndl.ledger)
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
import shutil
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
from anndl import allocator, atomic, digests, executor, ledger, process
from anndl.config import ExperimentConfig, config_to_dict, dump_yaml, read_yaml
from anndl.errors import AnndlError, ConfigError
from anndl.registry import Experiment
from anndl.seeding import seed_globals

PACKAGES = ("numpy", "scipy", "torch", "matplotlib", "scikit-learn", "POT", "joblib", "click", "PyYAML",
            "tqdm", "dask", "distributed")


@dataclasses.dataclass
class RunContext:
    """What an experiment function gets besides its config: where to write, seeds, parallel map."""

    run_dir: Path
    config: ExperimentConfig
    progress_enabled: bool = True
    executor: executor.Executor = dataclasses.field(default_factory=executor.SerialExecutor)
    seed_sequence: np.random.SeedSequence = None  # type: ignore[assignment]
    code_version: str = ""
    """anndl's code digest (joins every cell's cache key)."""
    reads: dict = dataclasses.field(default_factory=dict)
    """The data files this run has read so far, ``{path: digest}`` (joins every cell's cache key)."""
    env: dict | None = None
    """env.json's content; each map records the data files read so far in it (a killed run keeps them)."""

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

    def cell_seeds(self, n: int) -> list[int]:
        """``n`` integer seeds, the children of one new child of the run's SeedSequence (what
        :meth:`map` gives its cells when not handed ``seeds``)."""
        (stream,) = self.seed_sequence.spawn(1)
        return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in stream.spawn(n)]

    def map(self, fn: executor.CellFn, cells: Sequence[Any], desc: str = "cells",
            seeds: Sequence[int] | None = None) -> list[Any]:
        """Run ``fn(cell)`` for every cell (a frozen dataclass with a ``seed`` field, or a dict) through
        the run's executor, each with its own seed.

        Seeds are children of one child of the run's SeedSequence, in cell order (:meth:`cell_seeds`),
        or ``seeds`` when given (e.g. one seed shared by the cells that split one piece of work);
        finished cells are stored under ``cells/`` so that a re-run into the same directory only
        computes the rest. A cell's cache key covers the resolved config as config.yaml records it
        (:func:`resolved_config`, so that ``--resume`` from config.yaml computes the same keys), the
        code version and the data files read so far.
        """
        seeded = []
        for cell, seed in zip(cells, self.cell_seeds(len(cells)) if seeds is None else seeds, strict=True):
            if dataclasses.is_dataclass(cell):  # a frozen cell with seed None gets its child seed
                cell = cell if cell.seed is not None else dataclasses.replace(cell, seed=seed)
            else:
                cell = dict(cell)
                cell.setdefault("seed", seed)
            seeded.append(cell)
        if self.env is not None:
            self.env["data_files"] = dict(self.reads)
            atomic.write_json(self.run_dir / "env.json", self.env)
        context = {"config": resolved_config(self.config), "code": self.code_version,
                   "data": digests.content_key(self.reads)}
        cache = executor.CellCache(self.run_dir / "cells")
        return executor.map_cells(fn, seeded, executor=self.executor, cache=cache, desc=desc,
                                  progress=self.progress_enabled, context=context)

    def progress(self, iterable: Iterable | None = None, desc: str = "", total: int | None = None, **kwargs):
        """A tqdm bar, hidden when not on a terminal or when progress is off."""
        disable = None if self.progress_enabled else True
        return tqdm(iterable, desc=desc, total=total, disable=disable, leave=False, dynamic_ncols=True, **kwargs)

    def save_figure(self, fig, name: str, data: Mapping[str, Sequence] | None = None) -> list[Path]:
        """Save ``fig`` as ``figures/<name>.png`` and ``.pdf`` and close it.

        ``data``: the plotted series as ``{column: values}`` (columns may differ in length; shorter ones
        are padded with empty cells), written to ``tables/<name>.csv``, which the report links from the figure.
        """
        from anndl import plotting  # matplotlib only for runs that draw

        paths = [self.write_series(name, data)] if data is not None else []
        return plotting.save_figure(fig, self.figures_dir, name) + paths

    def write_series(self, name: str, columns: Mapping[str, Sequence]) -> Path:
        """Write ``tables/<name>.csv`` with one column per series (e.g. a loss curve per variant)."""
        values = {k: np.asarray(v).ravel().tolist() for k, v in columns.items()}
        length = max((len(v) for v in values.values()), default=0)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(values))
        for i in range(length):
            writer.writerow([v[i] if i < len(v) else "" for v in values.values()])
        return atomic.write_text(self.run_dir / "tables" / f"{name}.csv", buffer.getvalue())

    def write_json(self, name: str, obj: Any) -> Path:
        return atomic.write_json(self.run_dir / f"{name}.json", obj)

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


SLUG_CHARS = 40
"""The longest override slug a run folder's name carries (longer ones are cut and given a digest)."""


def overrides_slug(overrides: Sequence[str]) -> str:
    """A short, file-name-safe summary of ``KEY=VALUE`` overrides: ``hidden_units=50_epochs=9``.

    Brackets, quotes and spaces are dropped; beyond letters, digits and ``_ . = , + -`` every
    character becomes ``-``; longer than
    :data:`SLUG_CHARS`, it is cut and ends with 6 hex digits of the whole, so two runs stay apart.
    """
    import hashlib
    import re

    texts = [re.sub(r"[\[\]{}()'\"\s]+", "", o) for o in overrides]  # brackets, quotes, spaces: dropped
    text = "_".join(re.sub(r"[^A-Za-z0-9_.=,+-]+", "-", o).strip("-") for o in texts)
    if len(text) > SLUG_CHARS:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        text = text[: SLUG_CHARS - 7].rstrip("-_") + "-" + digest
    return text


def default_run_dir(experiment: str, seed: int, root: Path = Path("runs"), overrides: Sequence[str] = ()) -> Path:
    """``runs/<experiment>/<UTC timestamp>_s<seed>[_<overrides slug>]``, made unique with a suffix if needed."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = overrides_slug([o for o in overrides if not o.startswith("seed=")])
    base = root / experiment / (f"{stamp}_s{seed}" + (f"_{slug}" if slug else ""))
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
    return {
        "anndl": anndl.__version__,
        "git": git_state(Path(anndl.__file__).parent),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        "threads": process.threads_in_force(),
        "malloc_thresholds_raised": allocator.retained(),
        "device": device,
        "argv": sys.argv,
    }


def interrupt_reason(exc: BaseException) -> str:
    """What ended a run early, in words: ``Ctrl-C`` or ``SIGTERM`` (see :func:`sigterm_as_interrupt`)."""
    detail = str(exc).strip()
    if not detail:
        return "Ctrl-C"
    if detail == f"signal {int(signal.SIGTERM)}":
        return "SIGTERM"
    return detail


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


def resolved_config(config: ExperimentConfig) -> dict:
    """What a run's config.yaml holds: every field as it ran, without the ``quick`` mapping (which
    was applied already, or not asked for), so that re-running the file reproduces the run."""
    resolved = config_to_dict(config)
    resolved.pop("quick", None)
    return resolved


def check_run_dir_path(run_dir: Path) -> None:
    """ConfigError, before anything is written, when ``run_dir`` cannot become a directory this process
    writes into: a part of it is a file, a name or the whole path is too long for the file system, it
    lies in a kernel file system (/proc, /sys), or its nearest existing parent is not writable."""
    path = Path(run_dir).absolute()
    try:
        name_max = os.pathconf(Path.cwd(), "PC_NAME_MAX")
        path_max = os.pathconf(Path.cwd(), "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    if len(str(path).encode()) >= path_max - 64:  # room for the files a run writes inside it
        raise ConfigError(f"{str(run_dir)[:80]}...: the path is {len(str(path).encode())} bytes long, the file "
                          f"system allows {path_max} with the run's own file names; pass a shorter --out")
    if len(path.parts) > 1 and path.parts[1] in ("proc", "sys"):
        raise ConfigError(f"{str(run_dir)[:80]}: /{path.parts[1]} is a kernel file system, not a place for "
                          f"results; pass another --out")
    for part in path.parts:
        if len(part.encode()) > name_max:
            raise ConfigError(f"{run_dir}: the name {part[:24]!r}... is {len(part.encode())} bytes long, "
                              f"the file system allows {name_max}; pass a shorter --out")
    ancestor = path
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"{run_dir}: {ancestor} is a file, not a folder; pass another --out")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"{run_dir}: cannot write in {ancestor} (permission denied); pass another --out")


def prepare_run_dir(run_dir: Path, experiment: str, resolved: dict, *, replace: bool = False) -> None:
    """Create the run directory; an existing one must hold the same resolved config (resume).

    With ``replace`` (a sweep's own cell directories), a directory holding another config is
    emptied instead, with a one-line note.
    """
    config_path = run_dir / "config.yaml"
    if config_path.is_file():
        existing = read_yaml(config_path)
        existing.pop("experiment", None)
        existing.pop("quick", None)  # run directories written before config.yaml dropped it
        if existing != resolved:
            changed = sorted(k for k in set(existing) | set(resolved) if existing.get(k) != resolved.get(k))
            if not replace:
                raise ConfigError(f"{run_dir}: holds a run with a different config (keys {', '.join(changed)} "
                                  f"differ); pass another --out to start a new run")
            note(f"{run_dir}: held a run with a different config (keys {', '.join(changed)}); recomputing")
            ledger.remove_recorded(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not config_path.is_file():
        atomic.write_text(config_path, dump_yaml({"experiment": experiment, **resolved}))


def note(message: str) -> None:
    """One line for the person running anndl, on stderr."""
    print(f"note: {message}", file=sys.stderr, flush=True)


LOCK_NAME = ledger.LOCK_NAME


def pid_alive(pid: Any) -> bool:
    """Whether a process with this pid runs on this machine (a killed process that its parent has
    not reaped yet, a zombie, does not)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: the state letter follows the parenthesised command name
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


@contextmanager
def run_lock(run_dir: Path):
    """Hold ``run_dir/run.lock`` (holding this pid) for the block; refuse while another live process
    holds it. A lock left by a dead process is taken over."""
    lock = Path(run_dir) / LOCK_NAME
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                holder = None
            if holder != os.getpid() and pid_alive(holder):
                raise AnndlError(f"{run_dir}: another anndl run (pid {holder}) is writing here; wait for it "
                                 f"to finish or pass another --out") from None
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()} {platform.node()}\n")
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def remove_stale_temporaries(run_dir: Path) -> int:
    """Delete half-written ``.NAME.<8 hex digits>.tmp`` files a killed run left (call while holding the lock)."""
    stale = [path for path in Path(run_dir).rglob(".*.tmp") if path.is_file() and ledger.TEMPORARY.match(path.name)]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


RESULTS = ("cells", "checkpoints", "figures", "tables", "metrics.json")
"""What a run directory holds that was computed (removed when the code or the data changed)."""


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def stale_reason(run_dir: Path, version: str) -> str | None:
    """Why the results in ``run_dir`` cannot be reused with code ``version``, or None when they can."""
    if not any(rel.split("/", 1)[0] in RESULTS for rel in ledger.recorded(run_dir)):
        return None
    env = _read_json(Path(run_dir) / "env.json")
    recorded = env.get("code_version")
    if recorded != version:
        return f"were made by code version {recorded or 'unknown'}, this is {version}"
    data_files = env.get("data_files") or {}
    changed = digests.changed_files(data_files) if isinstance(data_files, dict) else ["env.json"]
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        return f"were made from other data ({changed[0]}{more} changed since)"
    return None


def kept_work(run_dir: Path) -> str:
    """What an interrupted run left to resume from, in words: ``3 finished cells and 2 training
    checkpoints kept in runs/...`` (or that nothing had finished)."""
    run_dir = Path(run_dir)
    cells = len(list((run_dir / "cells").glob("*.json"))) if (run_dir / "cells").is_dir() else 0
    stages = len(list((run_dir / "checkpoints").rglob("*.pt"))) if (run_dir / "checkpoints").is_dir() else 0
    if not cells and not stages:
        return f"no cell had finished, {run_dir} keeps nothing to reuse"
    kept = [f"{cells} finished cell{'s' * (cells != 1)}"] if cells else []
    kept += [f"{stages} training checkpoint{'s' * (stages != 1)}"] if stages else []
    return f"{run_dir} keeps {' and '.join(kept)}"


def clear_results(run_dir: Path) -> None:
    """Delete the results anndl wrote in ``run_dir`` (what its ledger lists under :data:`RESULTS`)."""
    ledger.remove_recorded(run_dir, RESULTS)


@contextmanager
def output_folder(folder: Path, *, keep_others: bool = False, names: Sequence[str] | None = None,
                  check: Sequence[str] | None = None, results: Sequence[str] | None = None):
    """Hold ``folder`` for one command (a run, a sweep, a report): create it, take its lock
    (:func:`run_lock`), refuse files there that anndl did not write (under the top-level ``check``
    names, else ``names``; unless ``keep_others``), and claim its ledger for the top-level ``names``
    (None: the whole folder). A folder this call created is removed again when the command fails with
    an AnndlError before it wrote any of ``results`` (None: any file)."""
    folder = Path(folder)
    check_run_dir_path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{str(folder)[:80]}: cannot create this folder ({exc.strerror or exc}); "
                          f"pass another --out") from None
    try:
        with run_lock(folder):
            ledger.refuse_foreign(folder, keep_others, check if check is not None else names)
            ledger.claim(folder, names)
            yield folder
    except AnndlError:
        written = ledger.recorded(folder)
        if created and not any(results is None or rel.split("/", 1)[0] in results for rel in written):
            shutil.rmtree(folder, ignore_errors=True)  # bad input found before any result: leave nothing
        raise


def execute(exp: Experiment, config: ExperimentConfig, run_dir: Path, *, quick: bool = False, jobs: int = 1,
            progress: bool = True, executor_obj: executor.Executor | None = None,
            replace: bool = False, keep_others: bool = False, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Run ``exp`` with ``config`` in ``run_dir``; returns the flat metrics written to metrics.json.

    Results already in ``run_dir`` are reused only when they were made by the same code from the same
    data (otherwise a one-line note, and they are recomputed); a run that completed that way is not
    run again and its files are left untouched. ``replace``: see :func:`prepare_run_dir`. A
    ``run_dir`` holding files that anndl did not write is refused (ForeignFileError, exit 2) unless
    ``keep_others``; either way anndl never replaces or deletes them (:mod:`anndl.ledger`).
    ``overrides``: the ``KEY=VALUE`` texts the run was started with, recorded in status.json
    (``anndl runs`` shows them).
    """
    resolved = resolved_config(config)
    check_run_dir_path(run_dir)
    exp.check_data(config)  # bad data is a one-line error before the run directory exists
    # SIGTERM ends the run like Ctrl-C from the moment its folder is taken (status.json says so)
    with sigterm_as_interrupt(), output_folder(run_dir, keep_others=keep_others, results=("cells", "checkpoints")):
        prepare_run_dir(run_dir, exp.name, resolved, replace=replace)
        return _execute_if_needed(exp, config, run_dir, quick=quick, jobs=jobs, progress=progress,
                                  executor_obj=executor_obj, overrides=overrides)


def _execute_if_needed(exp: Experiment, config: ExperimentConfig, run_dir: Path, *, quick: bool, jobs: int,
                       progress: bool, executor_obj: executor.Executor | None,
                       overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Reuse, recompute or run (the caller holds the run's lock)."""
    remove_stale_temporaries(run_dir)
    version = digests.code_version()
    reason = stale_reason(run_dir, version)
    if reason is not None:
        note(f"{run_dir}: the results there {reason}; recomputing")
        clear_results(run_dir)
    elif _read_json(run_dir / "status.json").get("state") == "completed" and (run_dir / "metrics.json").is_file():
        note(f"{run_dir}: already completed with this config, code and data; nothing to do")
        return _read_json(run_dir / "metrics.json")
    return _execute_locked(exp, config, run_dir, version, quick=quick, jobs=jobs, progress=progress,
                           executor_obj=executor_obj, overrides=overrides)


def _execute_locked(exp: Experiment, config: ExperimentConfig, run_dir: Path, version: str, *, quick: bool,
                    jobs: int, progress: bool, executor_obj: executor.Executor | None,
                    overrides: Sequence[str] = ()) -> dict[str, Any]:
    env = {**environment(getattr(config, "device", None)), "code_version": version, "data_files": {},
           "quick": "applied" if quick else "not applied"}
    atomic.write_json(run_dir / "env.json", env)
    status = {"state": "running", "experiment": exp.name, "started": utc_now(), "pid": os.getpid(),
              "host": platform.node(),
              "overrides": list(overrides) or _read_json(run_dir / "status.json").get("overrides") or []}
    atomic.write_json(run_dir / "status.json", status)
    start = time.perf_counter()
    with digests.collect_reads() as reads:
        ctx = RunContext(run_dir=run_dir, config=config, progress_enabled=progress,
                         executor=executor_obj or executor.make_executor(jobs),
                         code_version=version, reads=reads, env=env)
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
                          error=interrupt_reason(exc) if state == "interrupted" else f"{type(exc).__name__}: {exc}")
            atomic.write_json(run_dir / "status.json", status)
            raise
        finally:
            env["data_files"] = dict(reads)
            atomic.write_json(run_dir / "env.json", env)
    status.update(state="completed", finished=utc_now(), wall_time_s=time.perf_counter() - start)
    atomic.write_json(run_dir / "status.json", status)
    return metrics
