"""Compare two runs: the config keys and the metrics that differ, side by side.

``anndl compare A B`` and :func:`anndl.compare` print :class:`Comparison`; a refactoring that must
not change results is checked with :func:`compare_folders` (``tools/compare_metrics.py``): the
metrics of two sets of runs key by key, numbers within ``rtol``/``atol``, wall-time metrics ignored.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

IGNORED_WORDS = ("seconds", "time", "wall", "ms_per", "fastest")
"""Parts of the names of wall-time metrics and of what is ranked by wall time."""


def timing(key: str) -> bool:
    """Whether a metric name is a wall time (or a ranking by one), which differs from run to run."""
    return any(word in key.lower() for word in IGNORED_WORDS)


def close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Numbers within tolerance (NaN equals NaN), lists element-wise, anything else by equality."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    return a == b


MISSING = object()
"""A key one side does not have."""


@dataclasses.dataclass(frozen=True)
class Difference:
    """One key whose values differ; ``before``/``after`` is :data:`MISSING` where a side lacks it."""

    key: str
    before: Any
    after: Any

    def line(self) -> str:
        if self.after is MISSING:
            return f"  {self.key}: missing after (was {self.before!r})"
        if self.before is MISSING:
            return f"  {self.key}: new after ({self.after!r})"
        return f"  {self.key}: {self.before!r} -> {self.after!r}"


def differences(before: Mapping[str, Any], after: Mapping[str, Any], *, rtol: float = 1e-9, atol: float = 1e-12,
                ignore_timing: bool = True) -> list[Difference]:
    """The keys of two flat mappings whose values differ (numbers beyond ``rtol``/``atol``), sorted;
    wall-time keys are left out with ``ignore_timing``."""
    found = []
    for key in sorted(set(before) | set(after)):
        if ignore_timing and timing(key):
            continue
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if a is MISSING or b is MISSING or not close(a, b, rtol, atol):
            found.append(Difference(key, a, b))
    return found


def _shown(value: Any, width: int = 28) -> str:
    if value is MISSING:
        return "—"
    text = f"{value:.6g}" if isinstance(value, float) else json.dumps(value) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclasses.dataclass
class Comparison:
    """What differs between two runs: config keys, then metrics (wall times apart, as they always differ)."""

    a: Any
    """The first run (a :class:`anndl.results.Run`)."""
    b: Any
    config: list[Difference]
    metrics: list[Difference]
    timings: list[Difference]

    @property
    def same(self) -> bool:
        """True when neither the configs nor the (non-timing) metrics differ."""
        return not self.config and not self.metrics

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(section, key, a, b)`` for every difference."""
        return [(section, d.key, _shown(d.before), _shown(d.after))
                for section, diffs in (("config", self.config), ("metric", self.metrics), ("time", self.timings))
                for d in diffs]

    def __str__(self) -> str:
        head = f"A = {_where(self.a.run_dir)}\nB = {_where(self.b.run_dir)}"
        if self.same and not self.timings:
            return head + "\nsame config and metrics"
        rows = self.rows()
        width = [max(len(r[i]) for r in [("", "key", "A", "B"), *rows]) for i in range(4)]
        lines = [head] + [f"{s:<{width[0]}}  {k:<{width[1]}}  {a:>{width[2]}}  {b:>{width[3]}}"
                          for s, k, a, b in [("", "key", "A", "B"), *rows]]
        timed = f" ({len(self.timings)} wall-time metrics apart)" if self.timings else ""
        lines.append(f"{len(self.config)} config keys and {len(self.metrics)} metrics differ{timed}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        cells = "".join(f"<tr><td>{esc(s)}</td><td><code>{esc(k)}</code></td><td>{esc(a)}</td><td>{esc(b)}</td></tr>"
                        for s, k, a, b in self.rows())
        return (f"<div><p>A = <code>{esc(str(self.a.run_dir))}</code><br>B = <code>{esc(str(self.b.run_dir))}</code>"
                f"</p><table><tr><th></th><th>key</th><th>A</th><th>B</th></tr>{cells}</table>"
                f"<p>{len(self.config)} config keys and {len(self.metrics)} metrics differ</p></div>")


def _where(path: Path) -> str:
    """A run directory relative to the working directory when it lies below it."""
    path = Path(path)
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def compare(run_a: Any, run_b: Any, *, rtol: float = 1e-9, atol: float = 1e-12) -> Comparison:
    """The config and metric differences of two runs (:class:`anndl.results.Run`, a run directory,
    ``"latest"`` or an experiment's name, as :func:`anndl.load_run` takes)."""
    from anndl.results import Run, flatten, load_run

    a = run_a if isinstance(run_a, Run) else load_run(run_a)
    b = run_b if isinstance(run_b, Run) else load_run(run_b)
    config = differences(flatten(a.config), flatten(b.config), rtol=0.0, atol=0.0, ignore_timing=False)
    metrics_a, metrics_b = a.metrics.flat, b.metrics.flat
    timed_a = {k: v for k, v in metrics_a.items() if timing(k)}
    timed_b = {k: v for k, v in metrics_b.items() if timing(k)}
    return Comparison(a, b, config, differences(metrics_a, metrics_b, rtol=rtol, atol=atol),
                      differences(timed_a, timed_b, rtol=rtol, atol=atol, ignore_timing=False))


def run_dirs(root: Path) -> dict[str, Path]:
    """``root`` itself when it is a run with metrics, else its run directories by name."""
    if (root / "metrics.json").is_file():
        return {root.name: root}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "metrics.json").is_file()}


def compare_folders(before: Path, after: Path, *, rtol: float = 1e-9, atol: float = 1e-12) -> tuple[list[str], int]:
    """Compare the metrics.json of two runs, or of two folders of runs matched by name (two single
    runs are compared whatever their names). Returns the printed lines and the number that differ."""
    dirs_a, dirs_b = run_dirs(Path(before)), run_dirs(Path(after))
    if len(dirs_a) == 1 and len(dirs_b) == 1:
        dirs_b = {next(iter(dirs_a)): next(iter(dirs_b.values()))}
    lines, failed = [], 0
    for name in sorted(set(dirs_a) | set(dirs_b)):
        if name not in dirs_b or name not in dirs_a:
            lines.append(f"{name}: only in {'before' if name in dirs_a else 'after'}")
            failed += 1
            continue
        found = differences(json.loads((dirs_a[name] / "metrics.json").read_text()),
                            json.loads((dirs_b[name] / "metrics.json").read_text()), rtol=rtol, atol=atol)
        lines.append(f"{name}: {'same' if not found else f'{len(found)} keys differ'}")
        lines += [d.line() for d in found]
        failed += bool(found)
    lines.append(f"{len(set(dirs_a) | set(dirs_b)) - failed} same, {failed} differ (rtol {rtol:g}, atol {atol:g}; "
                 f"wall-time keys ignored)")
    return lines, failed
