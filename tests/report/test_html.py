"""The HTML report's structure: ids, links, captioned figures, the course report's section order."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from anndl.report.build import ReportEntry  # noqa: E402
from anndl.report.claims import evaluate  # noqa: E402
from anndl.report.render import FigureFile, render_html  # noqa: E402
from anndl.report.scorecard import CLAIMS  # noqa: E402
from anndl.report.sections import SECTIONS  # noqa: E402


class Outline(HTMLParser):
    """Collects ids, links, section ids in order, and each figure's img alt and caption text."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.sections, self.figures = [], [], [], []
        self._caption = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag == "section" and re.fullmatch(r"s(\d+|II)(-\d+)*", attrs.get("id", "")):
            self.sections.append(attrs["id"])
        if tag == "figure":
            self.figures.append({"alt": None, "src": None, "caption": ""})
        if tag == "img" and self.figures:
            self.figures[-1].update(alt=attrs.get("alt"), src=attrs.get("src"))
        if tag == "figcaption":
            self._caption = self.figures[-1]

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self._caption = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption["caption"] += data


def _entry(tmp_path: Path, experiment: str, metrics: dict) -> tuple[ReportEntry, FigureFile]:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    png = tmp_path / "figures" / f"fig_{experiment}.png"
    png.parent.mkdir(exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    csv = png.with_suffix(".csv")
    csv.write_text("x,y\n0,0\n")
    entry = ReportEntry(experiment, experiment, "", "a test experiment", tmp_path / "runs" / experiment,
                        {"state": "completed", "metrics": metrics, "wall_time_s": 1.0}, {"config.repetitions": 3})
    return entry, FigureFile(png, "Figure 2.1", f"{experiment}: what is compared, 3 repetitions.", csv)


def test_html_has_contents_anchors_captioned_figures_and_the_reports_section_order(tmp_path):
    hopfield = {"n_attractors": 9, "n_spurious": 6, "mean_iterations": 7.5, "n_initial_states": 20,
                "n_spurious_stable": 1, "corner_fixed_points": [[1, 1]], "extra.metric": 0.25}
    cnn = {"12x24.test_accuracy": 0.875, "24x48.test_accuracy": 0.91, "data": "mnist subset"}
    entries, figures = [], {}
    for name, metrics in (("hopfield_2d", hopfield), ("cnn_digits", cnn)):
        entry, figure = _entry(tmp_path, name, metrics)
        entries.append(entry)
        figures[name] = [figure]
    by_experiment = {e.experiment: {**e.result["metrics"], **e.config_values} for e in entries}
    verdicts = [evaluate(c, by_experiment) for c in CLAIMS if set(c.experiments) <= set(by_experiment)]
    header = {"command": "anndl report --quick", "wall_time_s": 3.0, "code_version": "abc", "quick": True,
              "generated": "today", "git": {"commit": "0123456789abcdef", "dirty": False}}
    page = render_html(header, entries, verdicts, figures, tmp_path)

    outline = Outline()
    outline.feed(page)
    assert len(outline.ids) == len(set(outline.ids)), "ids are unique"
    internal = [link[1:] for link in outline.links if link.startswith("#")]
    assert internal and set(internal) <= set(outline.ids), "every internal link has its target"
    assert outline.sections == [s.anchor for s in SECTIONS], "sections in the course report's order"
    assert {"contents", "scorecard", "summary"} <= set(outline.ids)
    contents = [link for link in outline.links if re.fullmatch(r"#s(\d+|II)(-\d+)*", link)][:len(SECTIONS)]
    assert contents == [f"#{s.anchor}" for s in SECTIONS], "the table of contents lists every section in order"
    for verdict in verdicts:
        assert f"<a href='#s{verdict.claim.section.replace('.', '-')}'>§{verdict.claim.section}</a>" in page
    assert len(outline.figures) == 2
    for figure in outline.figures:
        assert figure["alt"] and figure["caption"].startswith("Ours, for the report's Figure 2.1: ")
        assert figure["src"].startswith("figures/") and "data (CSV)" in figure["caption"]
    assert "“We find 9 different attractors in this system, which include 6 spurious states.” (§2.1)" in page
    assert "<details><summary>All 7 metrics</summary>" in page
    assert "87.5 %" in page and "0.875" not in page, "accuracies in %"
    assert "`" not in page and "**" not in page, "no markdown artefacts"
    summary = page.split("id='summary'>")[1].split("</p>")[0]
    assert "claims:" in summary and "Code version abc" in summary and "quick settings" in summary
    embedded = render_html(header, entries, verdicts, figures, tmp_path, self_contained=True)
    assert embedded.count("src='data:image/png;base64,") == 2


def _page(tmp_path, course=None):
    import json

    from anndl.configfile import load_config_file
    from anndl.report.build import config_values

    repo = Path(__file__).resolve().parents[2]
    hopfield = json.loads((repo / "figures" / "metrics.json").read_text())["hopfield_2d"]  # the committed run's
    entry, figure = _entry(tmp_path, "hopfield_2d", hopfield)
    values = config_values(load_config_file(repo / "configs" / "hopfield_2d.yaml").config)
    by_experiment = {"hopfield_2d": {**hopfield, **values}}
    verdicts = [evaluate(c, by_experiment) for c in CLAIMS if set(c.experiments) <= set(by_experiment)]
    if course is not None:
        for v in verdicts:
            v.course_data = course(v)
    header = {"command": "anndl report", "wall_time_s": 3.0, "code_version": "abc", "quick": False,
              "generated": "today", "git": {"commit": "0123456789abcdef", "dirty": False}}
    return render_html(header, [entry], verdicts, {"hopfield_2d": [figure]}, tmp_path), verdicts


def test_scorecard_rows_are_short_with_the_rest_folded_and_a_course_data_slot(tmp_path):
    page, verdicts = _page(tmp_path)
    scorecard = page.split("<section id='scorecard'>")[1].split("</section>")[0]
    header = scorecard.split("</tr>")[0]
    assert [h for h in re.findall(r"<th>([^<]*)</th>", header)] == [
        "§", "the report says", "report", "ours (deciding number)", "verdict, shipped data", "verdict, course's data"]
    rows = [r for r in scorecard.split("<tr>")[2:]]
    assert len(rows) == len(verdicts) and any(v.verdict != "no data" for v in verdicts)
    for verdict, row in zip(verdicts, rows, strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        if verdict.verdict == "no data":
            assert cells[3] == "—"
            continue
        assert verdict.deciding and verdict.deciding in cells[3], "our value: the deciding number"
        assert len(cells[3]) < 120, "one short phrase, not a wall of numbers"
        assert verdict.verdict in cells[4] and cells[5] == "not run", "course-data slot, empty without a run"
    assert scorecard.count("<details><summary>details</summary>") == len(verdicts), "the rest folds under the row"
    assert "Why this verdict:" in scorecard


def test_a_course_data_verdict_fills_its_column(tmp_path):
    import dataclasses

    page, verdicts = _page(tmp_path, course=lambda v: dataclasses.replace(v, verdict="not reproduced"))
    scorecard = page.split("<section id='scorecard'>")[1].split("</section>")[0]
    assert scorecard.count("<td class='not-reproduced'><b>not reproduced</b></td>") >= len(verdicts)
    assert "On the course's data:" in scorecard and "course&#x27;s data</text>" in page  # its bar in the chart


def test_page_opens_with_an_overview_and_a_verdict_chart(tmp_path):
    page, verdicts = _page(tmp_path)
    overview = page.split("id='overview'>")[1].split("</p>")[0]
    assert f"test {len(verdicts)} of its claims" in overview and "reproduced" in overview
    chart = page.split("<svg class='verdicts'")[1].split("</svg>")[0]
    kinds = {v.verdict for v in verdicts}
    assert all(f"<title>{k}: {sum(v.verdict == k for v in verdicts)}</title>" in chart for k in kinds)
    assert page.index("id='overview'") < page.index("<svg class='verdicts'") < page.index("id='scorecard'")


def test_sections_put_the_reports_caption_beside_our_figure(tmp_path):
    page, _ = _page(tmp_path)
    section = page.split("<section id='s2-1'>")[1].split("</section>")[0]
    pairs = section.split("<div class='pair'>")[1:]
    assert "The report" in pairs[0] and "“We find 9 different attractors" in pairs[0] and "Ours" in pairs[0]
    figure_pair = next(p for p in pairs if "Figure 2.1: Left: Trajectories" in p)
    theirs, ours = figure_pair.split("<div class='ours'>")
    assert "class='theirs'" in theirs and "<figure id='fig-fig_hopfield_2d'>" in ours, "our figure beside theirs"
    assert "@media (max-width:900px){.pair{grid-template-columns:1fr}}" in page, "stacked on a narrow screen"


def test_save_figure_writes_the_plotted_series_as_csv(tmp_path):
    from anndl.config import ExperimentConfig
    from anndl.runs import RunContext

    ctx = RunContext(run_dir=tmp_path, config=ExperimentConfig())
    fig, ax = plt.subplots()
    ax.plot([3.0, 2.0, 1.0])
    paths = ctx.save_figure(fig, "loss_curves", data={"step": [1, 2, 3], "gan": [3.0, 2.0, 1.0], "wgan": [5.0]})
    table = tmp_path / "tables" / "loss_curves.csv"
    assert table in paths and (tmp_path / "figures" / "loss_curves.png").is_file()
    assert table.read_text().splitlines() == ["step,gan,wgan", "1,3.0,5.0", "2,2.0,", "3,1.0,"]


def test_part_two_states_the_set_up_public_values_beside_ours_and_the_notebooks_defects(tmp_path):
    from anndl.report.render import PUBLIC_RUNS, reference_rows, render_markdown
    from anndl.report.sections import PART_II, PART_II_TITLE

    session2 = next(s for s in PART_II if s.number == "II.2")
    metrics = {"lssm.max_noise_recovered_90pc": 4.0, "n_patterns": 10}
    entry, figure = _entry(tmp_path, "hopfield_mnist", metrics)
    header = {"command": "anndl report", "wall_time_s": 3.0, "code_version": "abc", "quick": False,
              "generated": "today", "git": {}}
    rows = reference_rows(session2, [entry])
    digits = next(r for r in rows if r[0] == "digits recovered (newhop)")
    assert digits[1].startswith("up to noise") and digits[2].startswith("4") and "hopfield_mnist" in digits[2]
    assert any(o.startswith("not run in this report (forecasting_cv)") for _, _, o in rows)
    page = render_html(header, [entry], [], {"hopfield_mnist": [figure]}, tmp_path)
    import html

    assert f"II {PART_II_TITLE}" in page and html.escape(PUBLIC_RUNS) in page
    assert page.index("id='s4-4'") < page.index("id='sII'") < page.index("id='sII-2'")
    assert all(d.split(";")[0][:40] in page.replace("&#x27;", "'").replace("&quot;", '"') for d in session2.defects)
    text = render_markdown(header, [entry], [], {"hopfield_mnist": [figure]}, tmp_path)
    assert "## II The course since 2024" in text and f"| quantity | {PUBLIC_RUNS} | ours |" in text


def test_part_two_reference_values_name_declared_metrics_of_part_two_experiments():
    from anndl.report.headlines import metric
    from anndl.report.sections import PART_II

    experiments = {e for s in PART_II for e in s.experiments}
    for section in PART_II:
        for ref in section.references:
            if ref.metric:
                assert ref.experiment in experiments and metric(ref.experiment, ref.metric).key == ref.metric


def test_ours_names_the_deciding_number_of_each_data_source_that_judged_the_claim(tmp_path):
    import dataclasses

    from anndl.report.render import deciding_number

    page, verdicts = _page(tmp_path)
    judged = next(v for v in verdicts if v.deciding)
    assert deciding_number(judged) == judged.deciding, "no course-data run: the shipped data's number alone"
    on_course = dataclasses.replace(judged, deciding="42 ± 1 % (SE, n = 5)")
    both = dataclasses.replace(judged, course_data=on_course)
    assert deciding_number(both) == f"shipped data: {judged.deciding}; course's data: 42 ± 1 % (SE, n = 5)"
    stand_in = dataclasses.replace(judged, verdict="not applicable", course_data=on_course)
    assert deciding_number(stand_in) == "course's data: 42 ± 1 % (SE, n = 5)", "a stand-in's number decides nothing"
    same = dataclasses.replace(judged, course_data=judged)
    assert deciding_number(same) == f"{judged.deciding} (the same on the course's data)", "one number, not two"


def test_a_report_on_the_course_data_does_not_call_it_the_shipped_data(tmp_path):
    from anndl.report.render import overview

    _, verdicts = _page(tmp_path)
    assert "On the data anndl ships" in overview(verdicts, {"data": "shipped"})
    on_course = overview(verdicts, {"data": "the course's files (--data): ..."})
    assert "anndl ships" not in on_course and "On the data given with --data" in on_course
