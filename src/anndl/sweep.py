"""Sweeps: one config run over a grid of overrides, each cell a normal run directory.

``anndl sweep configs/pca.yaml seed=0..4 threes_count=100,200`` makes 10 runs under the sweep
directory, then writes ``summary.csv`` / ``summary.md`` (one row per cell: its values, state and
headline metrics; with ``seed`` among the axes, first a table of mean ± standard error over the
seeds per cell) and ``sweep_<metric>.png`` (``--metric``, else the first held-out metric, its name
holding ``test`` or ``val``, that varies across the cells, else the first that varies): a line over a
numeric axis, on a log scale when its values span a decade or more; bars otherwise. Cells run
through the executor (local processes or Dask) and are cached like any other cells, so a killed
sweep restarted with the same command
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


HELD_OUT_WORDS = ("test", "val")
"""Parts of the names of metrics measured on held-out data, which a sweep plots by default."""


def varying_metric(results: Sequence[dict], names: Sequence[str]) -> str | None:
    """The metric a sweep plots by default: the first of ``names`` measured on held-out data (its
    name holds ``test`` or ``val``) whose value differs between completed cells, else the first
    that differs (wall times last), else the first name."""
    from anndl.comparison import timing

    varying = [name for name in names
               if len({repr(r["metrics"][name]) for r in results if name in r.get("metrics", {})}) > 1]
    held_out = [n for n in varying if any(word in n.lower() for word in HELD_OUT_WORDS) and not timing(n)]
    ranked = held_out + [n for n in varying if not timing(n)] + varying
    return ranked[0] if ranked else (names[0] if names else None)


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
    keys = [k for k, _ in axes]
    if "seed" in keys:
        _write_summary(out_dir, rows, over_seeds(rows, results, keys, headline_metrics(results, chosen)))
    if chosen is not None:
        _plot_metric(out_dir, rows, keys, chosen, results)
    return rows


def _summary_rows(cells, combos, results, columns) -> list[dict[str, Any]]:
    rows = []
    for cell, values, result in zip(cells, combos, results, strict=True):
        row: dict[str, Any] = {"cell": Path(cell["run_dir"]).name, **values, "state": result["state"]}
        row.update({name: result.get("metrics", {}).get(name, "") for name in columns})
        row["error"] = result.get("error", "")
        rows.append(row)
    return rows


def mean_and_se(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and standard error of the mean (sample std / sqrt(n)); None for a single value."""
    array = np.asarray(values, dtype=float)
    if len(array) < 2:
        return float(array.mean()), None
    return float(array.mean()), float(array.std(ddof=1) / np.sqrt(len(array)))


def format_mean_se(values: Sequence[float]) -> str:
    """``0.0123 ± 0.0004 (n=5)``; the spread of one value is ``n/a``."""
    mean, se = mean_and_se(values)
    return f"{mean:.4g} ± {'n/a' if se is None else f'{se:.2g}'} (n={len(values)})"


def over_seeds(rows: list[dict[str, Any]], results: Sequence[dict], keys: Sequence[str],
               metrics: Sequence[str]) -> list[dict[str, Any]]:
    """One row per combination of the non-seed axes: its values, the completed seeds, and each
    numeric metric as mean ± standard error over those seeds."""
    group_keys = [k for k in keys if k != "seed"]
    groups: dict[tuple, list[dict]] = {}
    for row, result in zip(rows, results, strict=True):
        if row["state"] == "completed":
            groups.setdefault(tuple(row[k] for k in group_keys), []).append(result.get("metrics", {}))
    table = []
    for values, measured in groups.items():
        entry: dict[str, Any] = {**dict(zip(group_keys, values, strict=True)), "seeds": len(measured)}
        for name in metrics:
            numbers = [m[name] for m in measured if isinstance(m.get(name), int | float)
                       and not isinstance(m.get(name), bool)]
            entry[name] = format_mean_se(numbers) if numbers else ""
        table.append(entry)
    return table


def _write_summary(out_dir: Path, rows: list[dict[str, Any]], seeds: list[dict[str, Any]] | None = None) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(out_dir / "summary.csv", buffer.getvalue())
    text = runs.markdown_table(rows)
    if seeds:
        text = ("## Over seeds: mean ± standard error of the mean (sample std / √n) per cell\n\n"
                + runs.markdown_table(seeds) + "\n## Every run\n\n" + text)
    atomic.write_text(out_dir / "summary.md", text)


def numeric_axis(values: Sequence[str]) -> list[float] | None:
    """The axis values as numbers, or None when one of them is not a plain number."""
    numbers = []
    for text in values:
        try:
            numbers.append(float(text))
        except (TypeError, ValueError):
            return None
    return numbers


def spans_a_decade(values: Sequence[float]) -> bool:
    """Positive values whose largest is at least 10 times the smallest: drawn on a log scale."""
    positive = [v for v in values if np.isfinite(v)]
    return bool(positive) and min(positive) > 0 and max(positive) >= 10 * min(positive)


def _plot_metric(out_dir: Path, rows: list[dict[str, Any]], keys: list[str], metric: str,
                 results: Sequence[dict]) -> None:
    """Mean ± standard error of ``metric`` over seeds (when seed is swept) per combination of the other
    axes: a line over the first numeric axis (log scale when it spans a decade), one line per value of
    the remaining axes; bars when no axis is numeric. The y axis is logarithmic when the means span
    a decade."""
    from anndl import plotting  # matplotlib only when a figure is drawn

    group_keys = [k for k in keys if k != "seed"]
    groups: dict[tuple, list[float]] = {}
    for row, result in zip(rows, results, strict=True):
        value = result.get("metrics", {}).get(metric)
        if row["state"] != "completed" or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        groups.setdefault(tuple(row[k] for k in group_keys), []).append(float(value))
    if not groups:
        return
    stats = {combo: mean_and_se(values) for combo, values in groups.items()}
    spread = "mean ± standard error over seeds" if "seed" in keys else "one run per point"
    x_axis = next((i for i, k in enumerate(group_keys)
                   if numeric_axis([c[i] for c in groups]) is not None and len({c[i] for c in groups}) > 1), None)
    means = [m for m, _ in stats.values()]
    if x_axis is not None:
        fig, ax = plotting.subplots(1, 1, width=6, height=4)
        others = [k for i, k in enumerate(group_keys) if i != x_axis]
        lines: dict[tuple, list[tuple[float, float, float | None]]] = {}
        for combo, (mean, se) in stats.items():
            rest = tuple(v for i, v in enumerate(combo) if i != x_axis)
            lines.setdefault(rest, []).append((float(combo[x_axis]), mean, se))
        for rest, points in lines.items():
            points.sort()
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            errors = [p[2] if p[2] is not None else 0.0 for p in points]
            label = ", ".join(f"{k}={v}" for k, v in zip(others, rest, strict=True)) or None
            ax.errorbar(xs, ys, yerr=errors if any(p[2] is not None for p in points) else None, marker="o",
                        capsize=3, label=label)
        xs_all = sorted({float(c[x_axis]) for c in groups})
        if spans_a_decade(xs_all):
            ax.set_xscale("log")
            ax.minorticks_off()
        ax.set_xticks(xs_all, [f"{x:g}" for x in xs_all])
        ax.set_xlabel(group_keys[x_axis])
        if others:
            ax.legend(fontsize=8)
    else:
        labels = [", ".join(f"{k}={v}" for k, v in zip(group_keys, combo, strict=True)) or "all" for combo in stats]
        errors = [se if se is not None else 0.0 for _, se in stats.values()]
        fig, ax = plotting.subplots(1, 1, width=max(4.0, 0.6 * len(labels) + 2))
        ax.bar(range(len(labels)), means, yerr=errors, capsize=3, color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    if spans_a_decade(means):
        ax.set_yscale("log")
    ax.set(ylabel=metric, title=f"{metric} across the sweep ({spread})")
    plotting.save_figure(fig, out_dir / "figures", f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', metric)}")
