"""Sweeps: one config run over a grid of overrides, each cell a normal run directory.

``anndl sweep configs/pca.yaml seed=0..4 threes_count=100,200`` makes 10 runs under the sweep
directory, then writes ``summary.csv`` / ``summary.md`` (one row per cell: its values, state and
headline metrics) and ``sweep_<metric>.png`` (``--metric``, else the first metric that varies across
the cells). Cells run through the executor (local processes or
Dask) and are cached like any other cells, so a killed sweep restarted with the same command
computes only the unfinished cells; a failing cell is listed with its error and does not stop the
others. Axes that would silently disagree are refused (exit 2): a key given twice, a value given
twice on one axis, a key that is both an axis and a ``--set`` override (or a part of one, as ``data``
and ``data.path``). The sweep holds its folder's lock while it runs (a second sweep or report
there is refused) and writes only beside files anndl wrote (``--keep-others``: beside others too).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anndl import atomic, executor, registry, runs
from anndl.config import config_to_dict
from anndl.configfile import load_config_file
from anndl.digests import code_version
from anndl.errors import ConfigError

MAX_METRIC_COLUMNS = 8


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets: ``1,[2,3],4`` -> ``1``, ``[2,3]``, ``4``."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts]


def parse_axis(text: str) -> tuple[str, list[str]]:
    """``key=v1,v2`` or ``key=a..b`` (integers a to b inclusive) -> (key, [values as text])."""
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ConfigError(f"sweep axis {text!r}: expected KEY=v1,v2,... or KEY=a..b, e.g. seed=0..9")
    match = re.fullmatch(r"\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*", values)
    if match:
        low, high = int(match[1]), int(match[2])
        if high < low:
            raise ConfigError(f"sweep axis {text!r}: empty range {low}..{high}")
        return key.strip(), [str(v) for v in range(low, high + 1)]
    return key.strip(), split_top_level(values)


def _overlap(a: str, b: str) -> bool:
    """Whether dotted keys ``a`` and ``b`` set the same value (equal, or one inside the other)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def check_axes(axes: Sequence[tuple[str, list[str]]], base_overrides: Sequence[str] = ()) -> None:
    """ConfigError naming the keys when the axes and ``--set`` overrides disagree: a key on two axes
    (or one key inside another), a value twice on one axis, or a ``--set`` key that an axis also sets."""
    for i, (key, values) in enumerate(axes):
        for other, _ in axes[:i]:
            if _overlap(key, other):
                same = f"'{key}' is given twice" if key == other else f"'{other}' and '{key}' overlap"
                raise ConfigError(f"sweep: axes {same}; give each key one axis, e.g. {key}=a,b,c")
        seen = set()
        for value in values:
            if value in seen:
                raise ConfigError(f"sweep axis '{key}': value {value[:80]!r} appears twice; give each value once")
            seen.add(value)
    for text in base_overrides:
        fixed = text.partition("=")[0].strip()
        for key, _ in axes:
            if _overlap(fixed, key):
                raise ConfigError(f"sweep: --set {fixed} and the axis '{key}' both set '{key}'; drop one of them")


def grid(axes: Sequence[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the axes' values, first axis slowest."""
    keys = [k for k, _ in axes]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))]


def cell_name(index: int, values: dict[str, str]) -> str:
    label = "_".join(f"{k}-{v}" for k, v in values.items())
    return f"cell{index:03d}_" + re.sub(r"[^A-Za-z0-9.=+-]+", "-", label)[:80]


def run_sweep_cell(cell: dict) -> dict:
    """Run one sweep cell as a normal run; a failure is returned, not raised."""
    try:
        loaded = load_config_file(cell["config"], cell["overrides"], quick=cell["quick"])
        exp = registry.get(loaded.experiment)
        metrics = runs.execute(exp, loaded.config, Path(cell["run_dir"]), quick=cell["quick"], progress=False,
                               replace=True)
    except Exception as exc:
        return {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"state": "completed", "metrics": metrics}


def numeric_metrics(results: Sequence[dict]) -> list[str]:
    """Scalar numeric metric names of the completed cells, in first-seen order."""
    names: list[str] = []
    for result in results:
        for key, value in result.get("metrics", {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key not in names:
                names.append(key)
    return names


def headline_metrics(results: Sequence[dict], metric: str | None) -> list[str]:
    """The summary's metric columns: the chosen one first, at most 8."""
    names = numeric_metrics(results)
    if metric is not None:
        names = [metric] + [n for n in names if n != metric]
    return names[:MAX_METRIC_COLUMNS]


def unknown_metric(metric: str, results: Sequence[dict]) -> str | None:
    """Why ``metric`` is not a numeric metric of the completed cells, with a suggestion (None if it is,
    or if no cell completed)."""
    available = numeric_metrics(results)
    if metric in available or not any(r.get("state") == "completed" for r in results):
        return None
    close = difflib.get_close_matches(metric, available, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(available[:12]) + (f" and {len(available) - 12} more" if len(available) > 12 else "")
    return f"sweep: --metric {metric!r} is not a numeric metric of these runs; {hint}available: {shown or 'none'}"


def varying_metric(results: Sequence[dict], names: Sequence[str]) -> str | None:
    """The first of ``names`` whose value differs between completed cells (else the first name)."""
    for name in names:
        values = {r["metrics"][name] for r in results if name in r.get("metrics", {})}
        if len(values) > 1:
            return name
    return names[0] if names else None


def run_sweep(config: Path, axis_texts: Sequence[str], out_dir: Path, *, quick: bool = False,
              base_overrides: Sequence[str] = (), metric: str | None = None,
              executor_obj: executor.Executor | None = None, progress: bool = True,
              keep_others: bool = False) -> list[dict[str, Any]]:
    """Run the grid, write the summary table and figure, and return the summary rows."""
    axes = [parse_axis(text) for text in axis_texts]
    if not axes:
        raise ConfigError("sweep: give at least one axis, e.g. seed=0..4 or hidden_units=10,20")
    check_axes(axes, base_overrides)
    combos = grid(axes)
    cells = []
    for index, values in enumerate(combos):
        overrides = [*base_overrides, *(f"{k}={v}" for k, v in values.items())]
        loaded = load_config_file(config, overrides, quick=quick)  # every cell is checked before any runs
        cells.append({"config": str(config), "overrides": overrides, "quick": quick,
                      "run_dir": str(out_dir / cell_name(index, values)), "resolved": config_to_dict(loaded.config)})
    with runs.output_folder(out_dir, keep_others=keep_others):
        return _run_cells(cells, combos, axes, out_dir, metric=metric, executor_obj=executor_obj, progress=progress)


def _run_cells(cells: list[dict], combos: list[dict[str, str]], axes: Sequence[tuple[str, list[str]]],
               out_dir: Path, *, metric: str | None, executor_obj: executor.Executor | None,
               progress: bool) -> list[dict[str, Any]]:
    """Run the checked cells and write the summary (in a folder the caller holds)."""
    results = executor.map_cells(run_sweep_cell, cells, executor=executor_obj or executor.SerialExecutor(),
                                 cache=executor.CellCache(out_dir / "cells"), desc="sweep", progress=progress,
                                 context={"code": code_version()}, cache_if=executor.completed)
    error = unknown_metric(metric, results) if metric is not None else None
    rows = _summary_rows(cells, combos, results, headline_metrics(results, None if error else metric))
    _write_summary(out_dir, rows)  # the finished cells are summarised even when --metric is wrong
    if error is not None:
        raise ConfigError(error)
    chosen = metric or varying_metric(results, numeric_metrics(results))
    if chosen is not None:
        _plot_metric(out_dir, rows, [k for k, _ in axes], chosen, results)
    return rows


def _summary_rows(cells, combos, results, columns) -> list[dict[str, Any]]:
    rows = []
    for cell, values, result in zip(cells, combos, results, strict=True):
        row: dict[str, Any] = {"cell": Path(cell["run_dir"]).name, **values, "state": result["state"]}
        row.update({name: result.get("metrics", {}).get(name, "") for name in columns})
        row["error"] = result.get("error", "")
        rows.append(row)
    return rows


def _write_summary(out_dir: Path, rows: list[dict[str, Any]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(out_dir / "summary.csv", buffer.getvalue())
    atomic.write_text(out_dir / "summary.md", runs.markdown_table(rows))


def _plot_metric(out_dir: Path, rows: list[dict[str, Any]], keys: list[str], metric: str,
                 results: Sequence[dict]) -> None:
    """Mean ± std of ``metric`` per combination of the non-seed axes (over seeds when seed is swept)."""
    from anndl import plotting  # matplotlib only when a figure is drawn

    group_keys = [k for k in keys if k != "seed"]
    groups: dict[str, list[float]] = {}
    for row, result in zip(rows, results, strict=True):
        value = result.get("metrics", {}).get(metric)
        if row["state"] != "completed" or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        label = ", ".join(f"{k}={row[k]}" for k in group_keys) or "all"
        groups.setdefault(label, []).append(float(value))
    if not groups:
        return
    labels = list(groups)
    means = [np.mean(v) for v in groups.values()]
    stds = [np.std(v) for v in groups.values()]
    fig, ax = plotting.subplots(1, 1, width=max(4.0, 0.6 * len(labels) + 2))
    ax.bar(range(len(labels)), means, yerr=stds, capsize=3, color="tab:blue", alpha=0.8)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    spread = " (mean ± std over seeds)" if "seed" in keys else ""
    ax.set(ylabel=metric, title=f"{metric} across the sweep{spread}")
    plotting.save_figure(fig, out_dir / "figures", f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', metric)}")
