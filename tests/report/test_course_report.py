"""A ``--quick --data`` report judges the claims of the course's data on it; a shipped-data report shows the
course-data verdicts beside its own (``--course-metrics``). Skipped when the course folder is absent."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.conftest import course_data_dir

from anndl.cli import main
from anndl.data.course import DIGESTS
from anndl.report.claims import DATA_FILES, NO_DATA, NOT_APPLICABLE
from anndl.report.scorecard import CLAIMS

COURSE = course_data_dir()
EXPERIMENTS = ("pca", "hopfield_digits", "ot_color_transfer", "cnn_digits", "sae_digits", "personal_regression",
               "mlp_santafe", "lstm_santafe")
"""The experiments that read the course's files (dcgan's CIFAR-10 batches are not in the course folder)."""


@pytest.mark.skipif(not (COURSE / "threes.mat").is_file(), reason="course data folder absent")
def test_a_quick_data_report_judges_the_course_claims_on_the_course_data(tmp_path):
    out = tmp_path / "course"
    only = [a for name in EXPERIMENTS for a in ("--only", name)]
    result = CliRunner().invoke(main, ["report", "--quick", "--data", str(COURSE), "--out", str(out), *only])
    assert result.exit_code == 0, result.output
    assert "pca: course data threes.mat (choles_all.csv absent: that part stays on the shipped data)" in result.output
    inputs = json.loads((out / "claim_inputs.json").read_text())
    assert inputs["header"]["quick"] is True and "course data" in inputs["header"]["data"]
    assert all(DATA_FILES in inputs["experiments"][name] for name in EXPERIMENTS)

    from anndl.report.build import read_claim_inputs
    from anndl.report.claims import evaluate

    experiments = read_claim_inputs(out / "claim_inputs.json")["experiments"]
    on_course = [c for c in CLAIMS if c.data.course and set(c.data.course) <= set(DIGESTS)
                 and set(c.experiments) <= set(EXPERIMENTS)]
    assert len(on_course) >= 10
    for claim in on_course:
        verdict = evaluate(claim, experiments, quick=True)
        assert verdict.verdict not in (NOT_APPLICABLE, NO_DATA), (claim.quote, verdict.reason)
        assert verdict.verdict == "not in the quick run" or "course files read (by digest)" in verdict.reason
    report = (out / "report.md").read_text()
    assert "Data: the course's files (--data)" in report and "verdicts indicative" in report

    # the shipped-data report with the course-data verdicts beside its own
    shipped = tmp_path / "shipped"
    result = CliRunner().invoke(main, ["report", "--quick", "--only", "hopfield_digits", "--out", str(shipped),
                                       "--course-metrics", str(out / "claim_inputs.json")])
    assert result.exit_code == 0, result.output
    assert (shipped / "course_data_metrics.json").read_text() == (out / "claim_inputs.json").read_text()
    rows = [line for line in (shipped / "report.md").read_text().splitlines() if "easily restored" in line]
    assert "on the course's data" in (shipped / "report.md").read_text()
    assert rows and "**not applicable**" in rows[0] and "course files read (by digest): digits.mat" in rows[0]
