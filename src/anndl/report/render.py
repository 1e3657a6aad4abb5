"""Render the report as Markdown (figures linked) and as self-contained HTML (figures embedded)."""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from anndl.report.claims import Verdict

MAX_METRICS_SHOWN = 24


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _scalar_metrics(metrics: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rows = [(k, v) for k, v in metrics.items() if isinstance(v, int | float | str) and not isinstance(v, bool)]
    return rows[:MAX_METRICS_SHOWN]


def _header_lines(header: Mapping[str, Any]) -> list[str]:
    git = header.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12] + (" (dirty)" if git.get("dirty") else "")
    return [f"Command: `{header['command']}`", f"Wall time: {header['wall_time_s']:.0f} s on {os.cpu_count()} cores "
            f"(the experiments' own wall times add up to {header.get('experiments_time_s', 0.0):.0f} s; "
            "results reused from an earlier run of the same code count with their original time)",
            f"Generated: {header['generated']} at commit {commit}, code version {header['code_version']}",
            "Variant: --quick (fast settings, not the report's)" if header["quick"] else "Variant: full settings"]


def _chapters(entries) -> dict[str, list]:
    chapters: dict[str, list] = {}
    for entry in sorted(entries, key=lambda e: (e.chapter, e.config)):
        chapters.setdefault(entry.chapter, []).append(entry)
    return chapters


def render_markdown(header, entries, verdicts: Sequence[Verdict], figures: Mapping[str, list[Path]],
                    out_dir: Path) -> str:
    lines = ["# anndl: the report's experiments, re-run", ""]
    lines += [f"- {line}" for line in _header_lines(header)] + ["", "## Scorecard", ""]
    lines += ["| experiment | claim | report | ours | verdict | reason |", "|---|---|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| {v.claim.experiment} | {v.claim.text} | {v.claim.report_value} | {v.ours} | "
                     f"**{v.verdict}** | {v.reason} |")
    for chapter, chapter_entries in _chapters(entries).items():
        lines += ["", f"## {chapter}"]
        for entry in chapter_entries:
            result = entry.result
            lines += ["", f"### {entry.config}: {entry.description}", "",
                      f"State: {result['state']}, {result.get('wall_time_s', 0):.1f} s"
                      + (f" — {result['error']}" if result.get("error") else ""), ""]
            metrics = _scalar_metrics(result.get("metrics", {}))
            if metrics:
                lines += ["| metric | value |", "|---|---|"] + [f"| {k} | {_value(v)} |" for k, v in metrics]
                lines.append("")
            for path in figures.get(entry.config, []):
                lines.append(f"![{path.stem}]({path.relative_to(out_dir).as_posix()})")
    return "\n".join(lines) + "\n"


def render_html(header, entries, verdicts: Sequence[Verdict], figures: Mapping[str, list[Path]],
                out_dir: Path) -> str:
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>anndl report</title><style>",
             "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}",
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
             "font-size:90%}img{max-width:100%;margin:.5em 0}.reproduced{color:#17702a}"
             ".not-reproduced{color:#b3261e}.not-applicable,.no-data{color:#666}</style></head><body>",
             "<h1>anndl: the report's experiments, re-run</h1><ul>"]
    parts += [f"<li>{esc(line)}</li>" for line in _header_lines(header)]
    parts.append("</ul><h2>Scorecard</h2><table><tr><th>experiment</th><th>claim</th><th>report</th>"
                 "<th>ours</th><th>verdict</th><th>reason</th></tr>")
    for v in verdicts:
        css = v.verdict.replace(" ", "-")
        parts.append(f"<tr><td>{esc(v.claim.experiment)}</td><td>{esc(v.claim.text)}</td>"
                     f"<td>{esc(v.claim.report_value)}</td><td>{esc(v.ours)}</td>"
                     f"<td class='{css}'><b>{esc(v.verdict)}</b></td><td>{esc(v.reason)}</td></tr>")
    parts.append("</table>")
    for chapter, chapter_entries in _chapters(entries).items():
        parts.append(f"<h2>{esc(chapter)}</h2>")
        for entry in chapter_entries:
            result = entry.result
            parts.append(f"<h3>{esc(entry.config)}: {esc(entry.description)}</h3>"
                         f"<p>State: {esc(result['state'])}, {result.get('wall_time_s', 0):.1f} s"
                         + (f" — {esc(result['error'])}" if result.get("error") else "") + "</p>")
            metrics = _scalar_metrics(result.get("metrics", {}))
            if metrics:
                parts.append("<table>" + "".join(f"<tr><td>{esc(k)}</td><td>{esc(_value(v))}</td></tr>"
                                                 for k, v in metrics) + "</table>")
            for path in figures.get(entry.config, []):
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                parts.append(f"<figure><img alt='{esc(path.stem)}' src='data:image/png;base64,{data}'>"
                             f"<figcaption>{esc(path.stem)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
