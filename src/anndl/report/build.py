"""``anndl report``: run every shipped config, gather figures and metrics, score the report's claims.

Writes into the output folder::

    figures/<report figure>_<name>.png       every figure, named after the report figure it shows
                                             (.pdf too with ``pdf``; .csv where the run wrote the
                                             figure's data as tables/<name>.csv)
    figures/metrics.json                     every experiment's metrics, by config name
    claim_inputs.json                        what the claims read, per experiment: metrics, config values and
                                             the digests of the data files the run read (no pictures)
    course_data_metrics.json                 with ``course_metrics``: a copy of a report's claim_inputs.json made
                                             with ``--data``, whose verdicts sit beside each claim's
    report.md, report.html                   the course report's sections in its order, the scorecard
    runs/<config>-<code>/                    the run directories (reused while config and code stay the same)
    anndl-files.txt, runs/anndl-files.txt    what the report wrote (anndl.ledger): the only files it replaces
                                             or deletes; other files in the folder are left alone
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from anndl import atomic, digests, executor, ledger, registry, runs
from anndl.config import config_to_dict
from anndl.configfile import load_config_file, shipped_configs
from anndl.data.course import check_folder
from anndl.errors import ConfigError
from anndl.report.claims import DATA_FILES, Verdict, evaluate
from anndl.report.render import FULL_SETTINGS, FigureFile, caption_for, render_html, render_markdown
from anndl.report.scorecard import CLAIMS, EXTRA_FIGURES, REPORT_FIGURES

SOURCE_DIR = Path(__file__).resolve().parents[1]
OUTPUTS = ("figures", "report.md", "report.html", "claim_inputs.json", "course_data_metrics.json")
"""The top-level names a report writes in its folder besides ``runs/`` (its ledger's scope)."""
FULL_SETTINGS_MARKERS = (f"; {FULL_SETTINGS};", f"Variant: {FULL_SETTINGS}")
"""How report.md's summary line (and the header of reports before it) marks a full-settings report."""


def holds_full_report(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a report.md made with full settings (what --quick must not replace)."""
    report = Path(out_dir) / "report.md"
    try:
        return report.is_file() and any(m in report.read_text(encoding="utf-8") for m in FULL_SETTINGS_MARKERS)
    except (OSError, UnicodeDecodeError):
        return False


def code_version() -> str:
    """The code digest of the anndl package under SOURCE_DIR (:func:`anndl.digests.code_version`)."""
    return digests.code_version(SOURCE_DIR)


FULL_RUN_SECONDS = {"generalization": 601, "personal_regression": 580, "sae_digits": 277, "dcgan": 249,
                    "wgan_mnist": 233, "training_algorithms": 104, "gan_mnist": 100, "autoencoders_mnist": 85,
                    "dbm_mnist": 74, "sae_mnist": 65, "attention_vit": 65, "cnn_mnist": 63, "forecasting_cv": 55,
                    "optimizers_surface": 55, "vae_mnist": 45, "cnn_mnist_optimizers": 38, "mlp_santafe": 31,
                    "cnn_digits": 24}
"""Wall seconds of the longer experiments in a full run on one core of the 2-core machine: Part I's
from the ``anndl report --jobs 2`` of 2026-12-01 at commit 0fe440f, Part II's from single runs of
2026-12-07 beside other work, scaled to the shipped budgets. :func:`longest_first` starts them
first, so that with ``--jobs 2`` the workers finish together instead of one waiting on a long
experiment that started last."""


def longest_first(configs: Sequence[Path], quick: bool) -> list[int]:
    """Indices of ``configs`` in the order to start them: by :data:`FULL_RUN_SECONDS` of their
    experiment, longest first (a quick report keeps the shipped order)."""
    if quick:
        return list(range(len(configs)))
    return sorted(range(len(configs)), key=lambda i: -FULL_RUN_SECONDS.get(configs[i].stem, 0))


def run_report_cell(cell: dict) -> dict:
    """Run one config into its run directory (resuming it); failures are returned, not raised."""
    run_dir = Path(cell["run_dir"])
    start = time.perf_counter()
    try:
        loaded = load_config_file(cell["config"], quick=cell["quick"], data_dir=cell.get("data_dir"))
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
    config_values: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The run's resolved config, flat, keys prefixed ``config.`` (read by claims and captions)."""
    data_files: list[dict] | None = None
    """The data files the run read, ``[{"file": name, "sha256": ..., "md5": ...}]`` (None: not recorded)."""


def recorded_data_files(run_dir: Path) -> list[dict] | None:
    """The data files a run read, from its env.json, by file name with their digests (None: no record)."""
    try:
        env = json.loads((Path(run_dir) / "env.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = env.get("data_files") if isinstance(env, dict) else None
    if not isinstance(files, dict):
        return None
    return [{"file": Path(path).name, **{k: v for k, v in digest.items() if k in ("sha256", "md5")}}
            for path, digest in sorted(files.items()) if isinstance(digest, dict)]


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


def config_values(config) -> dict[str, Any]:
    """A config as flat ``config.<dotted key>`` values (what claims and captions may name)."""
    return {f"config.{k}": v for k, v in runs.flatten_metrics(config_to_dict(config)).items()}


def in_git_checkout(path: Path) -> bool:
    """Whether ``path`` lies inside a git work tree (the report then links figures instead of embedding)."""
    return any((parent / ".git").exists() for parent in (path.resolve(), *path.resolve().parents))


def build_report(out_dir: Path, *, quick: bool = False, only: Sequence[str] = (), force: bool = False,
                 executor_obj: executor.Executor | None = None, progress: bool = True,
                 command: str = "anndl report", self_contained: bool | None = None,
                 pdf: bool = False, data_dir: Path | None = None, course_metrics: Path | None = None,
                 notes: list[str] | None = None, keep_others: bool = False) -> list[Verdict]:
    """Run the selected configs (reusing finished ones), then write figures, metrics and the report.

    A --quick report into a folder that holds a full-settings report is a ConfigError unless ``force``.
    ``self_contained``: embed the PNGs in report.html (None: embed only outside a git checkout);
    ``pdf``: also copy each figure's PDF into figures/. ``data_dir``: the course's files, given to each
    experiment's declared keys (every file checked before anything runs or is written). ``course_metrics``:
    the claim_inputs.json of a report made with ``--data``; each claim's verdict on it is shown beside ours.
    ``notes``: filled with one line per experiment saying which data it runs on under ``data_dir``.
    The report holds ``out_dir``'s lock while it runs (a second report or sweep there is refused),
    and refuses files under its outputs (:data:`OUTPUTS`) and runs/ that anndl did not write, unless
    ``keep_others`` (then they are left as they are).
    """
    if quick and not force and holds_full_report(out_dir):
        raise ConfigError(f"{out_dir}: holds a full-settings report (report.md) that --quick would replace; "
                          "pass another --out (the default is runs/report), or --force to replace it")
    course = read_claim_inputs(course_metrics) if course_metrics is not None else None
    data_dir = None if data_dir is None else check_folder(data_dir).resolve()
    notes = notes if notes is not None else []
    git = runs.git_state(SOURCE_DIR)  # before this report creates or rewrites anything
    with runs.output_folder(out_dir, keep_others=keep_others, names=OUTPUTS, check=(*OUTPUTS, "runs")):
        return _build_report(out_dir, quick=quick, only=only, force=force, executor_obj=executor_obj,
                             progress=progress, command=command, self_contained=self_contained, pdf=pdf, git=git,
                             data_dir=data_dir, course=course, course_metrics=course_metrics, notes=notes)


def _build_report(out_dir: Path, *, quick: bool, only: Sequence[str], force: bool,
                  executor_obj: executor.Executor | None, progress: bool, command: str,
                  self_contained: bool | None, pdf: bool, git: dict, data_dir: Path | None, course: dict | None,
                  course_metrics: Path | None, notes: list[str]) -> list[Verdict]:
    """:func:`build_report`'s work, in a folder the caller holds."""
    start = time.perf_counter()
    version = code_version()
    configs = select_configs(only)
    cells = []
    for path in configs:
        loaded = load_config_file(path, quick=quick, data_dir=data_dir)
        if data_dir is not None:  # bad course files stop the report before anything runs or is written
            registry.get(loaded.experiment).check_data(loaded.config)
            if loaded.course.used or loaded.course.absent:
                notes.append(loaded.course.note(path.stem))
        resolved = json.dumps(config_to_dict(loaded.config), sort_keys=True, default=str)
        key = hashlib.sha256(f"{version}{resolved}".encode()).hexdigest()[:10]
        run_dir = out_dir / "runs" / f"{path.stem}-{key}"
        cells.append({"config": str(path), "quick": quick, "run_dir": str(run_dir), "key": key,
                      "data_dir": None if data_dir is None else str(data_dir)})
    for cell in cells:
        if force and Path(cell["run_dir"]).exists():
            ledger.remove_recorded(Path(cell["run_dir"]))
    ledger.claim(out_dir / "runs")
    cache = executor.CellCache(out_dir / "runs" / "cells")
    if force:
        for cell in cells:
            cache.path(executor.cell_key(run_report_cell, cell)).unlink(missing_ok=True)
    order = longest_first(configs, quick)
    started = executor.map_cells(run_report_cell, [cells[i] for i in order],
                                 executor=executor_obj or executor.SerialExecutor(), cache=cache, desc="experiments",
                                 progress=progress, cache_if=executor.completed)
    results = [None] * len(cells)
    for i, result in zip(order, started, strict=True):
        results[i] = result
    entries = []
    for path, cell, result in zip(configs, cells, results, strict=True):
        loaded = load_config_file(path, quick=quick, data_dir=data_dir)
        exp = registry.get(loaded.experiment)
        entries.append(ReportEntry(path.stem, exp.name, chapter_of(exp.module), exp.description,
                                   Path(cell["run_dir"]), result, config_values(loaded.config),
                                   recorded_data_files(Path(cell["run_dir"]))))
    figures = collect_figures(entries, out_dir / "figures", pdf=pdf)
    if not only:
        remove_stale_figures(out_dir, figures)
    metrics = {e.config: e.result.get("metrics", {"state": e.result["state"], "error": e.result.get("error")})
               for e in entries}
    atomic.write_json(out_dir / "figures" / "metrics.json", metrics)
    by_experiment = claim_metrics(entries)
    verdicts = [evaluate(c, by_experiment, quick=quick) for c in CLAIMS
                if any(e in by_experiment for e in c.experiments)]
    header = {"command": command, "wall_time_s": time.perf_counter() - start, "code_version": version,
              "experiments_time_s": sum(float(r.get("wall_time_s", 0.0)) for r in results),
              "quick": quick, "generated": runs.utc_now(), "git": git,
              "data": "the course's files (--data): " + "; ".join(notes) if data_dir is not None else "shipped"}
    atomic.write_json(out_dir / "claim_inputs.json", {"header": {k: v for k, v in header.items() if k != "git"},
                                                      "experiments": by_experiment})
    if course is not None:
        copy = out_dir / "course_data_metrics.json"
        if Path(course_metrics).resolve() != copy.resolve():
            atomic.write_json(copy, course)
        header["course_data"] = course["header"]
        for verdict in verdicts:
            verdict.course_data = evaluate(verdict.claim, course["experiments"], quick=bool(course["header"]["quick"]))
    atomic.write_text(out_dir / "report.md", render_markdown(header, entries, verdicts, figures, out_dir))
    embed = not in_git_checkout(out_dir) if self_contained is None else self_contained
    atomic.write_text(out_dir / "report.html", render_html(header, entries, verdicts, figures, out_dir,
                                                           self_contained=embed))
    return verdicts


def claim_metrics(entries: Sequence[ReportEntry]) -> dict[str, dict | None]:
    """Metrics (with the run's ``config.*`` values and, when recorded, the data files it read) per experiment
    for the claims: the config named after the experiment wins, then any completed config of that experiment."""
    chosen: dict[str, dict | None] = {}
    for entry in sorted(entries, key=lambda e: (e.config != e.experiment, e.result["state"] != "completed")):
        metrics = entry.result.get("metrics")
        files = {} if entry.data_files is None else {DATA_FILES: entry.data_files}
        chosen.setdefault(entry.experiment, {**metrics, **entry.config_values, **files} if metrics else None)
    return chosen


def read_claim_inputs(path: Path) -> dict:
    """A report's claim_inputs.json (``{"header", "experiments"}``); a ConfigError naming the file if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: --course-metrics: cannot read a report's claim_inputs.json ({exc})") from None
    if not (isinstance(data, dict) and isinstance(data.get("header"), dict)
            and isinstance(data.get("experiments"), dict) and "quick" in data["header"]):
        raise ConfigError(f"{path}: --course-metrics: not a report's claim_inputs.json (expected header and "
                          "experiments, as `anndl report --data DIR` writes it)")
    return data


def collect_figures(entries: Sequence[ReportEntry], figures_dir: Path, *, pdf: bool = False
                    ) -> dict[str, list[FigureFile]]:
    """Copy each run's figures to ``figures_dir``, named after the report figure they correspond to,
    with the figure's data (the run's ``tables/<name>.csv``) and, with ``pdf``, its PDF. A report figure
    comes from the config named after its experiment (as the claims' metrics do); another config of that
    experiment (e.g. rbm_mnist_sklearn_defaults) has its figures copied as additional ones."""
    declared = {(experiment, name): (figure, caption) for figure, experiment, name, caption in REPORT_FIGURES}
    named_configs = {entry.config for entry in entries}
    collected: dict[str, list[FigureFile]] = {}
    for entry in entries:
        source = entry.run_dir / "figures"
        values = {**entry.result.get("metrics", {}), **entry.config_values}
        primary = entry.config == entry.experiment or entry.experiment not in named_configs
        for png in sorted(source.glob("*.png")) if source.is_dir() else []:
            figure, caption = declared.get((entry.experiment, png.stem), ("", "")) if primary else ("", "")
            stem = f"{figure}_{png.stem}" if figure else f"extra_{entry.config}_{png.stem}"
            copied = {}
            table = entry.run_dir / "tables" / f"{png.stem}.csv"
            for suffix, origin in ((".png", png), (".pdf", png.with_suffix(".pdf") if pdf else None),
                                   (".csv", table)):
                if origin is not None and origin.is_file():
                    copied[suffix] = atomic.write_bytes(figures_dir / f"{stem}{suffix}", origin.read_bytes())
            caption = caption or EXTRA_FIGURES.get((entry.experiment, png.stem), "")
            text = caption_for(caption, values) if caption else f"{png.stem.replace('_', ' ').capitalize()}."
            collected.setdefault(entry.config, []).append(FigureFile(
                copied[".png"], _report_label(figure), text, copied.get(".csv"), copied.get(".pdf")))
    for files in collected.values():  # the report's figures in its order, then the additional ones
        files.sort(key=lambda f: (not f.png.name.startswith(("fig", "table")), f.png.name))
    return collected


def remove_stale_figures(out_dir: Path, figures: dict[str, list[FigureFile]]) -> list[str]:
    """After a report of every config: delete the files in ``out_dir/figures`` that an earlier report
    wrote (as its ledger lists) and this one did not (figures of renamed or removed experiments, PDFs
    of an earlier ``--pdf``); files anndl did not write stay."""
    kept = {ledger.relative(out_dir, p) for files in figures.values() for f in files
            for p in (f.png, f.csv, f.pdf) if p is not None} | {"figures/metrics.json"}
    stale = sorted(p for p in ledger.recorded(out_dir) if p.startswith("figures/") and p not in kept)
    return ledger.remove_recorded(out_dir, paths=stale)


def _report_label(figure: str) -> str:
    """"fig2_1" -> "Figure 2.1", "table3_1" -> "Table 3.1"; "" or an anndl-only figure ("fig3_x") -> ""."""
    kind, number = ("Table", figure[5:]) if figure.startswith("table") else ("Figure", figure[3:])
    return f"{kind} {number.replace('_', '.')}" if number and "x" not in number else ""
