"""``anndl report``: run every shipped config, gather figures and metrics, score the report's claims.

Writes into the output folder::

    figures/<report figure>_<name>.png|pdf   every figure, named after the report figure it shows
    figures/metrics.json                     every experiment's metrics, by config name
    report.md, report.html                   one section per chapter, the scorecard, the figures
    runs/<config>-<code>/                    the run directories (reused while config and code stay the same)
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from anndl import atomic, digests, executor, registry, runs
from anndl.config import config_to_dict
from anndl.configfile import load_config_file, shipped_configs
from anndl.errors import ConfigError
from anndl.report.claims import Verdict, evaluate
from anndl.report.render import render_html, render_markdown
from anndl.report.scorecard import CLAIMS, REPORT_FIGURES

SOURCE_DIR = Path(__file__).resolve().parents[1]


def code_version() -> str:
    """The code digest of the anndl package under SOURCE_DIR (:func:`anndl.digests.code_version`)."""
    return digests.code_version(SOURCE_DIR)


def run_report_cell(cell: dict) -> dict:
    """Run one config into its run directory (resuming it); failures are returned, not raised."""
    run_dir = Path(cell["run_dir"])
    start = time.perf_counter()
    try:
        loaded = load_config_file(cell["config"], quick=cell["quick"])
        metrics = runs.execute(registry.get(loaded.experiment), loaded.config, run_dir, quick=cell["quick"],
                               progress=False)
    except Exception as exc:
        return {"state": "failed", "error": f"{type(exc).__name__}: {exc}", "wall_time_s": time.perf_counter() - start}
    return {"state": "completed", "metrics": metrics, "wall_time_s": time.perf_counter() - start}


@dataclasses.dataclass
class ReportEntry:
    """One shipped config's outcome in the report."""

    config: str
    experiment: str
    chapter: str
    description: str
    run_dir: Path
    result: dict[str, Any]


def select_configs(only: Sequence[str]) -> list[Path]:
    """Shipped configs whose file stem or experiment matches any of the ``only`` globs (all if empty)."""
    configs = shipped_configs()
    if not only:
        return configs
    chosen = [c for c in configs if any(fnmatch.fnmatch(c.stem, pattern) for pattern in only)]
    if not chosen:
        raise ConfigError(f"--only {' '.join(only)}: matches no shipped config; "
                          f"known: {', '.join(c.stem for c in configs)}")
    return chosen


def chapter_of(module: str) -> str:
    return {"supervised": "1 Supervised learning and generalization", "recurrent": "2 Recurrent neural networks",
            "features": "3 Deep feature learning", "generative": "4 Generative models"}.get(
        module.split(".")[1] if module.count(".") else module, "other")


def build_report(out_dir: Path, *, quick: bool = False, only: Sequence[str] = (), force: bool = False,
                 executor_obj: executor.Executor | None = None, progress: bool = True,
                 command: str = "anndl report") -> list[Verdict]:
    """Run the selected configs (reusing finished ones), then write figures, metrics and the report."""
    start = time.perf_counter()
    version = code_version()
    git = runs.git_state(SOURCE_DIR)  # before this report rewrites its own tracked outputs
    configs = select_configs(only)
    cells = []
    for path in configs:
        loaded = load_config_file(path, quick=quick)
        resolved = json.dumps(config_to_dict(loaded.config), sort_keys=True, default=str)
        key = hashlib.sha256(f"{version}{resolved}".encode()).hexdigest()[:10]
        run_dir = out_dir / "runs" / f"{path.stem}-{key}"
        if force and run_dir.exists():
            shutil.rmtree(run_dir)
        cells.append({"config": str(path), "quick": quick, "run_dir": str(run_dir), "key": key})
    cache = executor.CellCache(out_dir / "runs" / "cells")
    if force:
        for cell in cells:
            cache.path(executor.cell_key(run_report_cell, cell)).unlink(missing_ok=True)
    results = executor.map_cells(run_report_cell, cells, executor=executor_obj or executor.SerialExecutor(),
                                 cache=cache, desc="experiments", progress=progress, cache_if=executor.completed)
    entries = []
    for path, cell, result in zip(configs, cells, results, strict=True):
        exp = registry.get(load_config_file(path).experiment)
        entries.append(ReportEntry(path.stem, exp.name, chapter_of(exp.module), exp.description,
                                   Path(cell["run_dir"]), result))
    figures = collect_figures(entries, out_dir / "figures")
    metrics = {e.config: e.result.get("metrics", {"state": e.result["state"], "error": e.result.get("error")})
               for e in entries}
    atomic.write_json(out_dir / "figures" / "metrics.json", metrics)
    by_experiment = claim_metrics(entries)
    verdicts = [evaluate(c, by_experiment) for c in CLAIMS if any(e in by_experiment for e in c.experiments)]
    header = {"command": command, "wall_time_s": time.perf_counter() - start, "code_version": version,
              "experiments_time_s": sum(float(r.get("wall_time_s", 0.0)) for r in results),
              "quick": quick, "generated": runs.utc_now(), "git": git}
    atomic.write_text(out_dir / "report.md", render_markdown(header, entries, verdicts, figures, out_dir))
    atomic.write_text(out_dir / "report.html", render_html(header, entries, verdicts, figures, out_dir))
    return verdicts


def claim_metrics(entries: Sequence[ReportEntry]) -> dict[str, dict | None]:
    """Metrics per experiment for the claims: the config named after the experiment wins, then any
    completed config of that experiment."""
    chosen: dict[str, dict | None] = {}
    for entry in sorted(entries, key=lambda e: (e.config != e.experiment, e.result["state"] != "completed")):
        chosen.setdefault(entry.experiment, entry.result.get("metrics"))
    return chosen


def collect_figures(entries: Sequence[ReportEntry], figures_dir: Path) -> dict[str, list[Path]]:
    """Copy each run's figures to ``figures_dir``, named after the report figure they correspond to."""
    report_names = {(experiment, name): figure for figure, experiment, name in REPORT_FIGURES}
    collected: dict[str, list[Path]] = {}
    for entry in entries:
        source = entry.run_dir / "figures"
        for png in sorted(source.glob("*.png")) if source.is_dir() else []:
            figure = report_names.get((entry.experiment, png.stem), "extra")
            stem = f"{figure}_{png.stem}" if figure != "extra" else f"extra_{entry.config}_{png.stem}"
            for suffix in (".png", ".pdf"):
                if png.with_suffix(suffix).is_file():
                    atomic.write_bytes(figures_dir / f"{stem}{suffix}", png.with_suffix(suffix).read_bytes())
            collected.setdefault(entry.config, []).append(figures_dir / f"{stem}.png")
    return collected
