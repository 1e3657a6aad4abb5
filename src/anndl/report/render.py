"""Render the report in the course report's order: each section quotes the report's claims and figure
captions, then shows our figures (captioned), headline metrics, the full metric list and the verdicts.

HTML links figures by relative path, or embeds them (``self_contained``); Markdown links them.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from anndl.report.claims import Verdict, counts
from anndl.report.headlines import HEADLINES
from anndl.report.headlines import metric as declared_metric
from anndl.report.quantities import fill, format_number
from anndl.report.scorecard import CLAIMS
from anndl.report.sections import SECTIONS, Section

TITLE = "anndl: the course report's experiments, re-run"


@dataclasses.dataclass(frozen=True)
class FigureFile:
    """One of our figures as copied into the report's folder."""

    png: Path
    report_figure: str
    """The report's figure it corresponds to, e.g. "Figure 2.1" (empty: an additional figure)."""
    caption: str
    csv: Path | None = None
    pdf: Path | None = None


FULL_SETTINGS = "full settings"
"""How the summary line names a report made with every config's full settings."""


def summary_line(header: Mapping[str, Any], verdicts: Sequence[Verdict]) -> str:
    """One plain line: claims per verdict, code version, settings, wall time."""
    git = header.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12] + (", dirty" if git.get("dirty") else "")
    tally = ", ".join(f"{n} {k}" for k, n in counts(verdicts).items()) or "none judged"
    settings = ("quick settings (fast, not the report's; verdicts indicative)" if header["quick"]
                else FULL_SETTINGS)
    return (f"{len(verdicts)} claims: {tally}. Code version {header['code_version']} (commit {commit}); "
            f"{settings}; wall time {header['wall_time_s']:.0f} s on {os.cpu_count()} cores (experiments "
            f"{header.get('experiments_time_s', 0.0):.0f} s, reused results at their original time); "
            f"generated {header['generated']} by {header['command']}." + course_data_line(header, verdicts))


def course_data_line(header: Mapping[str, Any], verdicts: Sequence[Verdict]) -> str:
    """What data the report ran on (when not the shipped data), and the tally of the course-data verdicts."""
    text = f" Data: {header['data']}." if header.get("data", "shipped") != "shipped" else ""
    course = header.get("course_data")
    if course:
        judged = [v.course_data for v in verdicts if v.course_data is not None]
        tally = ", ".join(f"{n} {k}" for k, n in counts(judged).items()) or "none judged"
        text += (f" On the course's data ({course.get('command')}, code version {course.get('code_version')}"
                 f"{', quick: indicative' if course.get('quick') else ''}): {tally}.")
    return text


def _course_cell(v: Verdict) -> str:
    """The course-data verdict of a row, with its reason (empty without a course-data report)."""
    c = v.course_data
    return "" if c is None else f"{c.verdict}: {c.ours}. {c.reason}".strip()


def display_value(key: str, value: Any) -> str:
    """A metric for people: accuracies in %, floats to 4 significant digits, long lists shortened."""
    if re.search(r"acc(uracy|uracies)?(_|\.|$)", key) and not isinstance(value, bool | str):
        values = value if isinstance(value, list) else [value]
        if values and all(isinstance(v, int | float) for v in values):
            factor = 100 if all(0 <= v <= 1 for v in values) else 1
            scaled = [v * factor for v in values]
            return format_number(scaled if isinstance(value, list) else scaled[0]) + " %"
    text = format_number(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _by_section(entries) -> list[tuple[Section, list]]:
    placed = {e for s in SECTIONS for e in s.experiments}
    ordered = [(s, [e for x in s.experiments for e in entries if e.experiment == x]) for s in SECTIONS]
    others = [e for e in entries if e.experiment not in placed]
    if others:
        ordered.append((Section("5", "Other experiments", tuple(e.experiment for e in others)), others))
    return ordered


def _section_verdicts(section: Section, verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.claim.section == section.number]


def _section_quotes(section: Section) -> list[str]:
    """The report's sentences of this section that the scorecard tests, then its untested statements."""
    return list(dict.fromkeys([c.quote for c in CLAIMS if c.section == section.number] + list(section.notes)))


def _headline_rows(entry) -> list[tuple[str, str]]:
    metrics = _inputs(entry)
    rows = []
    for metric in HEADLINES.get(entry.experiment, ()):
        if not metric.headline:
            continue
        try:
            estimate = metric.estimate(metrics)
        except KeyError:
            continue
        rows.append((metric.label, metric.format(estimate.value, estimate.se)))
    return rows


def _inputs(entry) -> dict[str, Any]:
    return {**entry.result.get("metrics", {}), **getattr(entry, "config_values", {})}


PUBLIC_RUNS = "public run of the course's notebook (sanity band, not a claim)"


def reference_rows(section: Section, entries) -> list[tuple[str, str, str]]:
    """Part II: (quantity, the public run's value, ours) for each of the section's reference values;
    ours is the declared headline metric of this report's run, or says why there is none."""
    runs = {e.experiment: e for e in entries}
    rows = []
    for ref in section.references:
        ours = "not measured by anndl"
        if ref.experiment and ref.metric:
            entry = runs.get(ref.experiment)
            ours = f"not run in this report ({ref.experiment})"
            if entry is not None:
                declared = declared_metric(ref.experiment, ref.metric)
                try:
                    estimate = declared.estimate(_inputs(entry))
                    ours = f"{declared.format(estimate.value, estimate.se)} ({ref.experiment})"
                except KeyError:
                    ours = f"not measured in this run ({ref.experiment})"
        rows.append((ref.quantity, ref.value, ours))
    return rows


def _part_two_html(section: Section, entries) -> str:
    esc = html.escape
    parts = []
    if section.setup:
        parts.append("<p class='captions'>The course's set-up:</p><ul>"
                     + "".join(f"<li>{esc(s)}</li>" for s in section.setup) + "</ul>")
    rows = reference_rows(section, entries)
    if rows:
        parts.append(f"<table class='references'><tr><th>quantity</th><th>{esc(PUBLIC_RUNS)}</th><th>ours</th></tr>"
                     + "".join(f"<tr><td>{esc(q)}</td><td>{esc(v)}</td><td>{esc(o)}</td></tr>" for q, v, o in rows)
                     + "</table>")
    if section.defects:
        parts.append("<p class='captions'>Where the notebooks' code was wrong or differs, and what anndl does "
                     "instead:</p><ul>" + "".join(f"<li>{esc(d)}</li>" for d in section.defects) + "</ul>")
    return "\n".join(parts)


def _part_two_markdown(section: Section, entries) -> list[str]:
    lines = []
    if section.setup:
        lines += ["", "The course's set-up:", ""] + [f"- {_cell(s)}" for s in section.setup]
    rows = reference_rows(section, entries)
    if rows:
        lines += ["", f"| quantity | {PUBLIC_RUNS} | ours |", "|---|---|---|"]
        lines += [f"| {_cell(q)} | {_cell(v)} | {_cell(o)} |" for q, v, o in rows]
    if section.defects:
        lines += ["", "Where the notebooks' code was wrong or differs, and what anndl does instead:", ""]
        lines += [f"- {_cell(d)}" for d in section.defects]
    return lines


# ---------------------------------------------------------------- HTML

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:90%;
vertical-align:top}img{max-width:100%}figure{margin:1em 0;border-top:1px solid #eee;padding-top:.5em}
figcaption{font-size:90%;color:#333}blockquote{margin:.5em 0;padding:.3em 1em;border-left:4px solid #8ab;
background:#f5f8fa}.captions{font-size:90%;color:#555}.summary{font-size:105%;background:#f3f3f3;padding:.5em}
.reproduced{color:#17702a}.not-reproduced{color:#b3261e}.inconclusive{color:#a15c00}
.not-applicable,.not-comparable,.no-data{color:#666}nav ul{columns:2;list-style:none;padding-left:0}
nav .depth1{font-weight:bold;margin-top:.3em}nav .depth2{padding-left:1em}nav .depth3{padding-left:2em}
figure img{max-width:760px}"""


def render_html(header, entries, verdicts: Sequence[Verdict], figures: Mapping[str, list[FigureFile]],
                out_dir: Path, *, self_contained: bool = False) -> str:
    esc = html.escape
    sections = _by_section(entries)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(TITLE)}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>{esc(TITLE)}</h1>",
             f"<p class='summary' id='summary'>{esc(summary_line(header, verdicts))}</p>",
             "<nav id='contents'><h2>Contents</h2><ul><li><a href='#scorecard'>Scorecard</a></li>"]
    parts += [f"<li class='depth{s.depth}'><a href='#{s.anchor}'>{esc(s.number)} {esc(s.title)}</a></li>"
              for s, _ in sections]
    parts.append("</ul></nav><section id='scorecard'><h2>Scorecard</h2>")
    parts.append(_verdict_table(verdicts, link=True))
    parts.append("</section>")
    for section, section_entries in sections:
        level = min(section.depth + 1, 4)
        parts.append(f"<section id='{section.anchor}'><h{level}>{esc(section.number)} {esc(section.title)}</h{level}>")
        section_verdicts = _section_verdicts(section, verdicts)
        quotes = _section_quotes(section)
        if quotes:
            parts.append("<blockquote>" + "".join(f"<p>“{esc(q)}” (§{esc(section.number)})</p>" for q in quotes)
                         + "</blockquote>")
        if section.captions:
            parts.append("<p class='captions'>The report's figures:</p><ul class='captions'>" + "".join(
                f"<li><i>{esc(c)}</i></li>" for c in section.captions) + "</ul>")
        if section.part == 2:
            parts.append(_part_two_html(section, entries))
        if section.experiments and not section_entries:
            parts.append(f"<p>Not run in this report ({esc(', '.join(section.experiments))}).</p>")
        for entry in section_entries:
            parts.append(_experiment_html(entry, figures.get(entry.config, []), out_dir, self_contained, level + 1))
        if section_verdicts:
            parts.append(f"<p><b>Verdicts, §{esc(section.number)}</b></p>"
                         + _verdict_table(section_verdicts, link=False))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _verdict_table(verdicts: Sequence[Verdict], *, link: bool) -> str:
    esc = html.escape
    course = any(v.course_data is not None for v in verdicts)
    rows = ["<table><tr><th>§</th><th>the report says</th><th>report</th><th>ours</th><th>verdict</th>"
            "<th>why</th>" + ("<th>on the course's data</th>" if course else "") + "</tr>"]
    for v in verdicts:
        anchor = "s" + v.claim.section.replace(".", "-")
        where = f"<a href='#{anchor}'>§{esc(v.claim.section)}</a>" if link else f"§{esc(v.claim.section)}"
        rows.append(f"<tr><td>{where}</td><td>“{esc(v.claim.quote)}”</td><td>{esc(v.claim.report_value)}</td>"
                    f"<td>{esc(v.ours)}</td><td class='{v.verdict.replace(' ', '-')}'><b>{esc(v.verdict)}</b></td>"
                    f"<td>{esc(v.reason)}</td>" + (f"<td>{esc(_course_cell(v))}</td>" if course else "") + "</tr>")
    return "".join(rows) + "</table>"


def _experiment_html(entry, figures: Sequence[FigureFile], out_dir: Path, self_contained: bool, level: int) -> str:
    esc = html.escape
    result = entry.result
    parts = [f"<h{level} id='exp-{esc(entry.config)}'>Ours: {esc(entry.config)}, {esc(entry.description)}</h{level}>",
             f"<p>State: {esc(result['state'])}, {result.get('wall_time_s', 0):.1f} s"
             + (f": {esc(result['error'])}" if result.get("error") else "") + "</p>"]
    for figure in figures:
        if self_contained:
            src = "data:image/png;base64," + base64.b64encode(figure.png.read_bytes()).decode("ascii")
        else:
            src = figure.png.relative_to(out_dir).as_posix()
        links = [f"<a href='{esc(p.relative_to(out_dir).as_posix())}'>{label}</a>"
                 for p, label in ((figure.csv, "data (CSV)"), (figure.pdf, "PDF")) if p is not None]
        lead = f"Ours, for the report's {figure.report_figure}: " if figure.report_figure else "Ours (additional): "
        parts.append(f"<figure id='fig-{esc(figure.png.stem)}'><img src='{esc(src)}' alt='{esc(figure.caption)}'>"
                     f"<figcaption>{esc(lead)}{esc(figure.caption)}"
                     + (f" ({' · '.join(links)})" if links else "") + "</figcaption></figure>")
    headline = _headline_rows(entry)
    if headline:
        parts.append("<table class='headline'><tr><th>headline metric</th><th>value</th></tr>" + "".join(
            f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in headline) + "</table>")
    metrics = result.get("metrics", {})
    if metrics:
        parts.append(f"<details><summary>All {len(metrics)} metrics</summary><table>" + "".join(
            f"<tr><td>{esc(k)}</td><td>{esc(display_value(k, v))}</td></tr>" for k, v in metrics.items())
            + "</table></details>")
    return "\n".join(parts)


# ---------------------------------------------------------------- Markdown

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(header, entries, verdicts: Sequence[Verdict], figures: Mapping[str, list[FigureFile]],
                    out_dir: Path) -> str:
    course = any(v.course_data is not None for v in verdicts)
    lines = [f"# {TITLE}", "", summary_line(header, verdicts), "", "## Scorecard", "",
             "| § | the report says | report | ours | verdict | why |" + (" on the course's data |" if course else ""),
             "|---|---|---|---|---|---|" + ("---|" if course else "")]
    lines += [f"| §{v.claim.section} | “{_cell(v.claim.quote)}” | {_cell(v.claim.report_value)} | {_cell(v.ours)} | "
              f"**{v.verdict}** | {_cell(v.reason)} |" + (f" {_cell(_course_cell(v))} |" if course else "")
              for v in verdicts]
    for section, section_entries in _by_section(entries):
        lines += ["", f"{'#' * min(section.depth + 1, 4)} {section.number} {section.title}", ""]
        section_verdicts = _section_verdicts(section, verdicts)
        lines += [f"> “{q}” (§{section.number})  " for q in _section_quotes(section)]
        if section.experiments and not section_entries:
            lines += ["", f"Not run in this report ({', '.join(section.experiments)})."]
        lines += [""] + [f"*{c}*  " for c in section.captions]
        if section.part == 2:
            lines += _part_two_markdown(section, entries)
        for entry in section_entries:
            result = entry.result
            error = f": {result['error']}" if result.get("error") else ""
            lines += ["", f"**Ours: {entry.config}**, {entry.description}. State: {result['state']}, "
                          f"{result.get('wall_time_s', 0):.1f} s{error}", ""]
            for figure in figures.get(entry.config, []):
                lead = f"Ours, for the report's {figure.report_figure}: " if figure.report_figure else "Ours: "
                lines += [f"![{figure.caption}]({figure.png.relative_to(out_dir).as_posix()})", "",
                          f"{lead}{figure.caption}", ""]
            headline = _headline_rows(entry)
            if headline:
                lines += ["| headline metric | value |", "|---|---|"] + [f"| {_cell(k)} | {_cell(v)} |"
                                                                         for k, v in headline]
        if section_verdicts:
            lines += ["", "| claim | verdict | why |", "|---|---|---|"]
            lines += [f"| “{_cell(v.claim.quote)}” | **{v.verdict}** | {_cell(v.reason)} |" for v in section_verdicts]
    return "\n".join(lines) + "\n"


def caption_for(template: str, values: Mapping[str, Any]) -> str:
    """A figure caption with its ``{metric}`` / ``{config.key}`` placeholders filled from the run."""
    return fill(template, values)
