"""Render the report in the course report's order. The page opens with a one-paragraph overview, a small
verdict chart and the scorecard (one short row per claim, the rest folded under it); each section then puts
the report's sentences and figure captions in one column beside our numbers and figures in the other
(stacked on a narrow screen), and ends with its verdicts.

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

from anndl.report.claims import (
    INCONCLUSIVE,
    NO_DATA,
    NOT_APPLICABLE,
    NOT_COMPARABLE,
    NOT_REPRODUCED,
    REPRODUCED,
    VERDICTS,
    Verdict,
    counts,
)
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

CSS = """body{font-family:system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1.5em;line-height:1.45;
color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:90%;
vertical-align:top;text-align:left}img{max-width:100%;height:auto}figure{margin:0 0 1em 0}
figcaption{font-size:90%;color:#333}blockquote{margin:0 0 .8em 0;padding:.3em 1em;border-left:4px solid #8ab;
background:#f5f8fa}.captions{font-size:90%;color:#555}.summary{font-size:90%;color:#555}
.overview{font-size:108%;max-width:60em}.reproduced{color:#17702a}.not-reproduced{color:#b3261e}
.inconclusive{color:#a15c00}.not-applicable,.not-comparable,.no-data,.not-run,.not-in-the-quick-run{color:#666}
nav ul{columns:2;list-style:none;padding-left:0}nav .depth1{font-weight:bold;margin-top:.3em}
nav .depth2{padding-left:1em}nav .depth3{padding-left:2em}
.pair{display:grid;grid-template-columns:minmax(18em,2fr) minmax(0,3fr);gap:1.5em;align-items:start;
border-top:1px solid #e4e4e4;padding:.8em 0}.theirs{font-size:95%;max-width:38em}.theirs h5,.ours h5{margin:0 0 .4em 0;
font-size:85%;text-transform:uppercase;letter-spacing:.04em;color:#777}.ours figure img{max-width:min(100%,900px)}
@media (max-width:900px){.pair{grid-template-columns:1fr}}
table.scorecard{width:100%}table.scorecard td.claim{max-width:28em}table.scorecard tr.more td{border-top:none;
padding:0 6px 4px 6px;font-size:85%;color:#444}table.scorecard details summary{cursor:pointer;color:#557}
svg.verdicts text{font:12px system-ui,sans-serif}"""

COLOURS = {"reproduced": "#2e8b3e", "not reproduced": "#c0392b", "inconclusive": "#e0a030",
           "not applicable": "#b9b9b9", "not comparable": "#d9d9d9", "not in the quick run": "#e6e6e6",
           "no data": "#f2f2f2"}
"""Verdict colours of the verdict chart (the table's text colours, lighter for the ones not judged)."""


def course_verdict(v: Verdict) -> Verdict | None:
    """The claim's verdict on the course's own data (None: no course-data run was given to the report)."""
    return v.course_data


def overview(verdicts: Sequence[Verdict], header: Mapping[str, Any] | None = None) -> str:
    """One paragraph for a reader: how many claims held, which did not, and what could not be judged.
    ``header``: the report's header; its ``data`` says whether the runs read the shipped data or ``--data``'s."""
    shipped = (header or {}).get("data", "shipped") == "shipped"
    tally = counts(verdicts)
    failed = [v for v in verdicts if v.verdict == NOT_REPRODUCED]
    judged = sum(tally.get(k, 0) for k in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE))
    source = "On the data anndl ships" if shipped else "On the data given with --data"
    text = (f"We re-ran the report's experiments and test {len(verdicts)} of its claims, each as stated, against "
            f"the spread over repetitions. {source}, {judged} could be judged: "
            f"{tally.get(REPRODUCED, 0)} reproduced, {tally.get(NOT_REPRODUCED, 0)} did not and "
            f"{tally.get(INCONCLUSIVE, 0)} were inconclusive (the difference within 2 standard errors).")
    if failed:
        text += " Not reproduced: " + "; ".join(f"§{v.claim.section} “{_short(v.claim.quote)}”" for v in failed) + "."
    if tally.get(NOT_APPLICABLE):
        text += (f" {tally[NOT_APPLICABLE]} were measured on stand-in data (the course's files cannot ship), so "
                 "their verdict waits for the course's data." if shipped else
                 f" {tally[NOT_APPLICABLE]} were measured on stand-in data: --data holds none of the files they need.")
    if tally.get(NOT_COMPARABLE):
        text += f" {tally[NOT_COMPARABLE]} compare MATLAB's wall times and are not judged."
    course = [c for v in verdicts if (c := course_verdict(v)) is not None]
    if course:
        on_course = counts(course)
        text += (f" On the course's data: {on_course.get(REPRODUCED, 0)} reproduced, "
                 f"{on_course.get(NOT_REPRODUCED, 0)} not, {on_course.get(INCONCLUSIVE, 0)} inconclusive.")
    return text


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def verdict_chart(verdicts: Sequence[Verdict]) -> str:
    """A small inline SVG: one stacked bar of verdicts per data source (shipped; the course's, when given)."""
    esc = html.escape
    rows = [("shipped data", [v.verdict for v in verdicts])]
    course = [c.verdict for v in verdicts if (c := course_verdict(v)) is not None]
    rows.append(("course's data", course))
    width, bar, left = 560, 18, 110
    parts = [f"<svg class='verdicts' role='img' aria-label='verdicts per data source' width='{width + left + 150}' "
             f"height='{len(rows) * 28 + 26}' xmlns='http://www.w3.org/2000/svg'>"]
    total = max(len(verdicts), 1)
    for row, (label, kinds) in enumerate(rows):
        y = 4 + row * 28
        parts.append(f"<text x='0' y='{y + 13}'>{esc(label)}</text>")
        x = left
        if not kinds:
            parts.append(f"<text x='{left}' y='{y + 13}' fill='#777'>not run (see the course-data report)</text>")
        for kind in VERDICTS:
            n = kinds.count(kind)
            if not n:
                continue
            w, colour = width * n / total, COLOURS.get(kind, "#eeeeee")
            parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{bar}' fill='{colour}'>"
                         f"<title>{esc(kind)}: {n}</title></rect>")
            if w > 18:
                parts.append(f"<text x='{x + w / 2:.1f}' y='{y + 13}' text-anchor='middle'>{n}</text>")
            x += w
    legend_y = len(rows) * 28 + 18
    x = left
    for kind in VERDICTS:
        colour = COLOURS.get(kind, "#eeeeee")
        parts.append(f"<rect x='{x}' y='{legend_y - 10}' width='10' height='10' fill='{colour}'/>"
                     f"<text x='{x + 14}' y='{legend_y}'>{esc(kind)}</text>")
        x += 14 + 6.5 * len(kind) + 14
    parts.append("</svg>")
    return "".join(parts)


def render_html(header, entries, verdicts: Sequence[Verdict], figures: Mapping[str, list[FigureFile]],
                out_dir: Path, *, self_contained: bool = False) -> str:
    esc = html.escape
    sections = _by_section(entries)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{esc(TITLE)}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>{esc(TITLE)}</h1>",
             f"<p class='overview' id='overview'>{esc(overview(verdicts, header))}</p>", verdict_chart(verdicts),
             f"<p class='summary' id='summary'>{esc(summary_line(header, verdicts))}</p>",
             "<nav id='contents'><h2>Contents</h2><ul><li><a href='#scorecard'>Scorecard</a></li>"]
    parts += [f"<li class='depth{s.depth}'><a href='#{s.anchor}'>{esc(s.number)} {esc(s.title)}</a></li>"
              for s, _ in sections]
    parts.append("</ul></nav><section id='scorecard'><h2>Scorecard</h2>"
                 "<p class='captions'>One row per claim: our value is the number that decides the verdict, with "
                 "its standard error (SE) and the repetitions n; open a row's details for every number and the "
                 "reasoning.</p>")
    parts.append(_verdict_table(verdicts, link=True))
    parts.append("</section>")
    for section, section_entries in sections:
        level = min(section.depth + 1, 4)
        parts.append(f"<section id='{section.anchor}'><h{level}>{esc(section.number)} {esc(section.title)}</h{level}>")
        parts += _section_pairs(section, section_entries, figures, out_dir, self_contained)
        section_verdicts = _section_verdicts(section, verdicts)
        if section_verdicts:
            parts.append(f"<p><b>Verdicts, §{esc(section.number)}</b></p>"
                         + _verdict_table(section_verdicts, link=False))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


FIGURE_LABEL = re.compile(r"^((?:Figure|Table) \d+\.\d+)")


def _section_pairs(section: Section, entries, figures: Mapping[str, list[FigureFile]], out_dir: Path,
                   self_contained: bool) -> list[str]:
    """The section as rows of two columns: the report's sentences beside our numbers, then each of the
    report's figure captions beside our figures for it, then our additional figures."""
    esc = html.escape
    quotes = _section_quotes(section)
    part_two = _part_two_html(section, entries) if section.part == 2 else ""
    if not (quotes or section.captions or section.experiments or part_two):
        return []
    theirs = ("<h5>The course</h5>" if section.part == 2 else "<h5>The report</h5>") + (
        "<blockquote>" + "".join(f"<p>“{esc(q)}” (§{esc(section.number)})</p>" for q in quotes) + "</blockquote>"
        if quotes else "") + part_two
    ours = "<h5>Ours</h5>" + "".join(_experiment_html(e, e is entries[0]) for e in entries)
    if section.experiments and not entries:
        ours += f"<p class='not-run'>Not run in this report ({esc(', '.join(section.experiments))}).</p>"
    rows = [f"<div class='pair'><div class='theirs'>{theirs}</div><div class='ours'>{ours}</div></div>"]
    ours_figures = [f for e in entries for f in figures.get(e.config, [])]
    shown: set[int] = set()
    for caption in section.captions:
        label = FIGURE_LABEL.match(caption)
        matched = [f for f in ours_figures if label and f.report_figure == label.group(1)]
        shown |= {id(f) for f in matched}
        drawn = "".join(_figure_html(f, out_dir, self_contained) for f in matched) or (
            "<p class='not-run'>No figure of ours for it in this report.</p>")
        rows.append(f"<div class='pair'><div class='theirs'><p class='captions'><i>{esc(caption)}</i></p></div>"
                    f"<div class='ours'>{drawn}</div></div>")
    rest = [f for f in ours_figures if id(f) not in shown]
    if rest:
        rows.append("<div class='pair'><div class='theirs'><p class='captions'>Our additional figures (the report has "
                    "none like them).</p></div><div class='ours'>"
                    + "".join(_figure_html(f, out_dir, self_contained) for f in rest) + "</div></div>")
    return rows


def deciding_number(v: Verdict) -> str:
    """The scorecard's "ours": the number that decides the verdict on each data source that judged the claim
    (the shipped data's alone when no course-data run was given; the course data's alone where the shipped
    data's stand-in cannot judge it; once where both runs read the same data and give the same number)."""
    shipped = v.deciding or v.ours or "—"
    course = course_verdict(v)
    if course is None or not (course.deciding or course.ours):
        return shipped
    on_course = course.deciding or course.ours
    if v.verdict in (NOT_APPLICABLE, NO_DATA) or shipped == "—":
        return f"course's data: {on_course}"
    if on_course == shipped:
        return f"{shipped} (the same on the course's data)"
    return f"shipped data: {shipped}; course's data: {on_course}"


def _verdict_cell(v: Verdict | None) -> str:
    if v is None:
        return "<td class='not-run'>not run</td>"
    return f"<td class='{v.verdict.replace(' ', '-')}'><b>{html.escape(v.verdict)}</b></td>"


def _verdict_table(verdicts: Sequence[Verdict], *, link: bool) -> str:
    """Claim, the report's value, our deciding number, the verdicts on shipped and on the course's data;
    everything else folded under the row."""
    esc = html.escape
    rows = ["<table class='scorecard'><tr><th>§</th><th>the report says</th><th>report</th>"
            "<th>ours (deciding number)</th><th>verdict, shipped data</th><th>verdict, course's data</th></tr>"]
    for v in verdicts:
        anchor = "s" + v.claim.section.replace(".", "-")
        where = f"<a href='#{anchor}'>§{esc(v.claim.section)}</a>" if link else f"§{esc(v.claim.section)}"
        course = course_verdict(v)
        rows.append(f"<tr><td>{where}</td><td class='claim'>“{esc(v.claim.quote)}”</td>"
                    f"<td>{esc(v.claim.report_value)}</td><td>{esc(deciding_number(v))}</td>"
                    f"{_verdict_cell(v)}{_verdict_cell(course)}</tr>")
        more = [f"<p><b>All our numbers:</b> {esc(v.ours)}</p>" if v.ours else "",
                f"<p><b>Why this verdict:</b> {esc(v.reason)}</p>"]
        if course is not None:
            more.append(f"<p><b>On the course's data:</b> {esc(course.ours)}. {esc(course.reason)}</p>")
        rows.append(f"<tr class='more'><td></td><td colspan='5'><details><summary>details</summary>{''.join(more)}"
                    "</details></td></tr>")
    return "".join(rows) + "</table>"


def _figure_html(figure: FigureFile, out_dir: Path, self_contained: bool) -> str:
    esc = html.escape
    if self_contained:
        src = "data:image/png;base64," + base64.b64encode(figure.png.read_bytes()).decode("ascii")
    else:
        src = figure.png.relative_to(out_dir).as_posix()
    links = [f"<a href='{esc(p.relative_to(out_dir).as_posix())}'>{label}</a>"
             for p, label in ((figure.csv, "data (CSV)"), (figure.pdf, "PDF")) if p is not None]
    lead = f"Ours, for the report's {figure.report_figure}: " if figure.report_figure else "Ours (additional): "
    return (f"<figure id='fig-{esc(figure.png.stem)}'><img src='{esc(src)}' alt='{esc(figure.caption)}' "
            f"loading='lazy'><figcaption>{esc(lead)}{esc(figure.caption)}"
            + (f" ({' · '.join(links)})" if links else "") + "</figcaption></figure>")


def _experiment_html(entry, first: bool = True) -> str:
    """An experiment's name, state, headline numbers and (folded) all its metrics."""
    esc = html.escape
    result = entry.result
    parts = [f"<p id='exp-{esc(entry.config)}'><b>{esc(entry.config)}</b>: {esc(entry.description)}. "
             f"State: {esc(result['state'])}, {result.get('wall_time_s', 0):.1f} s"
             + (f": {esc(result['error'])}" if result.get("error") else "") + "</p>"]
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
    lines = [f"# {TITLE}", "", summary_line(header, verdicts), "", overview(verdicts, header), "", "## Scorecard", "",
             "| § | the report says | report | ours (deciding number) | verdict, shipped data | "
             "verdict on the course's data |", "|---|---|---|---|---|---|"]
    lines += [f"| §{v.claim.section} | “{_cell(v.claim.quote)}” | {_cell(v.claim.report_value)} | "
              f"{_cell(deciding_number(v))} | **{v.verdict}** | "
              + (f"**{c.verdict}** ({_cell(c.reason)})" if (c := course_verdict(v)) is not None else "not run")
              + " |" for v in verdicts]
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
