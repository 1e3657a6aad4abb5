"""A run directory as an object: :class:`Run` (config, metrics, figures, status), found by
:func:`load_run` (a path, ``"latest"`` or an experiment's name) or listed by :func:`find_runs`.

In Jupyter a :class:`Run` displays itself (``_repr_html_``: the status line, the headline metrics and
the figures); ``run.figure(name)`` shows one figure. ``anndl show`` / ``anndl runs`` print the same.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import html
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from anndl.config import read_yaml
from anndl.errors import ConfigError
from anndl.runs import _read_json, pid_alive
from anndl.runs import flatten_metrics as flatten

RUNS_ROOT = Path("runs")
"""Where ``anndl run`` puts runs by default (relative to the working directory)."""


class Metrics(Mapping):
    """A run's metrics as metrics.json holds them: flat dotted names (``m["noisy.test_mse"]``); a
    prefix gives the metrics under it (``m["noisy"]["test_mse"]``); ``.nested`` is the tree."""

    def __init__(self, flat: Mapping[str, Any]):
        self._flat = dict(flat)

    def __getitem__(self, key: str) -> Any:
        if key in self._flat:
            return self._flat[key]
        below = {k[len(key) + 1:]: v for k, v in self._flat.items() if k.startswith(f"{key}.")}
        if below:
            return Metrics(below)
        close = difflib.get_close_matches(key, list(self._flat) + list(self.nested), n=1)
        raise KeyError(f"{key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat)

    def __len__(self) -> int:
        return len(self._flat)

    def __repr__(self) -> str:
        return f"Metrics({self._flat!r})"

    @property
    def flat(self) -> dict[str, Any]:
        """A copy of the flat mapping (dotted name -> value)."""
        return dict(self._flat)

    @property
    def nested(self) -> dict[str, Any]:
        """The metrics as a tree: ``{"noisy": {"test_mse": ...}, ...}``."""
        tree: dict[str, Any] = {}
        for key, value in self._flat.items():
            node = tree
            *parents, leaf = key.split(".")
            for part in parents:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):  # "a" and "a.b" both present: keep the leaf under its full name
                    node, leaf = tree, key
                    break
                node = child
            node[leaf] = value
        return tree


class FigureFile:
    """One figure of a run: a PNG that Jupyter shows inline (``_repr_png_``); ``.path`` is the file."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"FigureFile({str(self.path)!r})"

    def _repr_png_(self) -> bytes:
        return self.path.read_bytes()


def status_text(status: Mapping[str, Any]) -> str:
    """``completed``, ``interrupted (Ctrl-C)``, ``failed (ValueError: ...)``, ``running`` ..."""
    state = status.get("state", "unknown")
    if state == "running" and not pid_alive(status.get("pid")):
        return "interrupted (process gone)"
    reason = status.get("error") or ""
    if state == "interrupted" and reason.startswith("KeyboardInterrupt"):  # runs written before the reason was kept
        detail = reason.partition(":")[2].strip()
        reason = {"": "Ctrl-C", "signal 15": "SIGTERM"}.get(detail, detail)
    return f"{state} ({reason})" if reason else state


class Run:
    """One run directory, read when the object is made.

    ``run_dir``: the folder; ``experiment``; ``config``: the resolved config (config.yaml, a dict);
    ``metrics``: :class:`Metrics`; ``figures``: PNG paths by name; ``tables``: CSV/Markdown paths by
    name; ``env``: env.json; ``status``: one line (``completed``, ``interrupted (Ctrl-C)`` ...);
    ``status_info``: status.json (times, pid, error).
    """

    def __init__(self, run_dir: str | Path):
        run_dir = Path(run_dir).resolve()
        if not (run_dir / "config.yaml").is_file():
            raise ConfigError(f"{run_dir}: not a run directory (no config.yaml)")
        self.run_dir = run_dir
        self.config: dict[str, Any] = read_yaml(run_dir / "config.yaml")
        self.experiment: str = str(self.config.get("experiment", "?"))
        self.status_info: dict[str, Any] = _read_json(run_dir / "status.json")
        self.status: str = status_text(self.status_info)
        self.metrics = Metrics(_read_json(run_dir / "metrics.json"))
        self.env: dict[str, Any] = _read_json(run_dir / "env.json")
        figures = run_dir / "figures"
        self.figures: dict[str, Path] = {p.stem: p for p in sorted(figures.glob("*.png"))} if figures.is_dir() else {}
        tables = run_dir / "tables"
        self.tables: dict[str, Path] = {p.name: p for p in sorted(tables.glob("*.*"))} if tables.is_dir() else {}

    @property
    def name(self) -> str:
        """The run folder's name (``<UTC time>_s<seed>[_<overrides>]``)."""
        return self.run_dir.name

    @property
    def started(self) -> str:
        """When the run started (ISO UTC), or the folder's modification time for a run that never did."""
        started = self.status_info.get("started")
        if isinstance(started, str):
            return started
        stamp = dt.datetime.fromtimestamp(self.run_dir.stat().st_mtime, dt.UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def overrides(self) -> list[str]:
        """The ``KEY=VALUE`` overrides the run was started with (and ``--quick``), as recorded."""
        given = list(self.status_info.get("overrides") or [])
        return (["--quick"] if self.env.get("quick") == "applied" else []) + given

    def status_line(self) -> str:
        wall = self.status_info.get("wall_time_s")
        took = f" in {wall:.1f} s" if isinstance(wall, int | float) else ""
        return f"{self.experiment} {self.status}{took} ({self.run_dir})"

    def headline(self) -> list[tuple[str, str]]:
        """The experiment's headline metrics as ``(label, "value ± standard error unit")``; a spread
        from a single repetition reads ``± n/a``."""
        from anndl.report.headlines import HEADLINES
        from anndl.report.quantities import format_number

        values = {**self.metrics.flat, **{f"config.{k}": v for k, v in flatten(self.config).items()}}
        rows = []
        for metric in HEADLINES.get(self.experiment, ()):
            if not metric.headline:
                continue
            try:
                estimate = metric.estimate(values)
            except (KeyError, TypeError, ValueError):
                continue
            if isinstance(estimate.value, list):
                continue  # a whole curve: the figures show it
            text = metric.format(estimate.value, estimate.se)
            if estimate.single:
                text = f"{format_number(estimate.value)} ± n/a" + (f" {metric.unit}" if metric.unit else "")
            rows.append((metric.label, text))
        return rows

    def figure(self, name: str) -> FigureFile:
        """One figure by name (its file name without ``.png``; a unique part of it will do), shown inline
        in Jupyter; KeyError naming the figures there are."""
        if name in self.figures:
            return FigureFile(self.figures[name])
        matches = [key for key in self.figures if name in key]
        if len(matches) == 1:
            return FigureFile(self.figures[matches[0]])
        known = ", ".join(self.figures) or "none"
        raise KeyError(f"{self.run_dir}: no single figure {name!r}; figures: {known}")

    def __repr__(self) -> str:
        lines = [self.status_line()]
        lines += [f"  {label}: {value}" for label, value in self.headline()]
        lines += [f"  {len(self.metrics)} metrics, {len(self.figures)} figures"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<div class='anndl-run'><p><b>{esc(self.experiment)}</b> {esc(self.status)}"
                 f" &middot; <code>{esc(str(self.run_dir))}</code></p>"]
        headline = self.headline()
        if headline:
            parts.append("<table><tr><th>headline metric</th><th>value</th></tr>" + "".join(
                f"<tr><td>{esc(label)}</td><td>{esc(value)}</td></tr>" for label, value in headline) + "</table>")
        parts.append(f"<p>{len(self.metrics)} metrics (<code>.metrics</code>), {len(self.figures)} figures</p>")
        for name, path in self.figures.items():
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f"<figure><img src='data:image/png;base64,{data}' style='max-width:100%' alt='{esc(name)}'>"
                         f"<figcaption>{esc(name)}</figcaption></figure>")
        return "".join(parts) + "</div>"


def is_run_dir(path: Path) -> bool:
    return (Path(path) / "config.yaml").is_file()


def find_runs(root: str | Path = RUNS_ROOT, experiment: str | None = None) -> list[Run]:
    """Every run under ``root`` (sweep cells and report runs too), oldest first; only ``experiment``'s
    when given."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for config in root.rglob("config.yaml"):
        if not (config.parent / "status.json").is_file():
            continue
        try:
            run = Run(config.parent)
        except (ConfigError, OSError):
            continue
        if experiment is None or run.experiment == experiment:
            found.append(run)
    return sorted(found, key=lambda r: (r.started, str(r.run_dir)))


def load_run(path_or_name: str | Path = "latest", *, root: str | Path = RUNS_ROOT) -> Run:
    """A run: its directory, ``"latest"`` (the newest run under ``root``, default ./runs), an
    experiment's name (its newest run), or a folder of runs (its newest). ConfigError when none is found."""
    path = Path(path_or_name)
    if is_run_dir(path):
        return Run(path)
    root = Path(root)
    if str(path_or_name) == "latest":
        candidates = find_runs(root)
        where = f"under {root}/"
    elif path.is_dir():
        candidates = find_runs(path)
        where = f"in {path}"
    else:
        candidates = find_runs(root, experiment=str(path_or_name))
        where = f"of experiment {path_or_name!r} under {root}/"
    if not candidates:
        raise ConfigError(f"{path_or_name}: no run {where} (give a run directory, 'latest' or an experiment's name; "
                          f"`anndl runs` lists them)")
    return candidates[-1]
