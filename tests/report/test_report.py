"""`anndl report`: files, scorecard rows, a failing experiment reported while the others complete, reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl import ledger
from anndl.cli import main
from anndl.report import build
from anndl.report.claims import VERDICTS
from anndl.report.scorecard import CLAIMS, REPORT_FIGURES
from anndl.report.sections import SECTIONS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_configs(tmp_path, monkeypatch):
    small = (REPO / "configs" / "pca.yaml").read_text().replace("threes_count: 500", "threes_count: 60")
    small = small.replace("gaussian_samples: 500", "gaussian_samples: 60")
    (tmp_path / "pca.yaml").write_text(small)
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_text("a,b\n1,zz\n")
    (tmp_path / "pca_broken.yaml").write_text(small.replace("spectra_path: coffee_spectra.csv.gz",
                                                            f"spectra_path: {corrupt}"))
    monkeypatch.setattr(build, "shipped_configs", lambda: sorted(tmp_path.glob("*.yaml")))
    monkeypatch.setattr(build, "code_version", lambda: "fixed-code")
    return tmp_path


def test_quick_report_writes_files_and_scorecard_and_reports_failures(two_configs, tmp_path):
    out = tmp_path / "report"
    (out / "figures").mkdir(parents=True)
    ledger.claim(out, build.OUTPUTS)  # a figure an earlier report wrote (its ledger lists it) ...
    (out / "figures" / "fig9_9_renamed_long_ago.png").write_bytes(b"stale")
    ledger.record(out, out / "figures" / "fig9_9_renamed_long_ago.png")
    (out / "figures" / "thesis_plot.png").write_bytes(b"mine")  # ... and one the report did not write
    refused = CliRunner().invoke(main, ["report", "--quick", "--out", str(out)])
    assert refused.exit_code == 2 and "figures/thesis_plot.png" in refused.output, refused.output
    result = CliRunner().invoke(main, ["report", "--quick", "--out", str(out), "--keep-others"])
    assert result.exit_code == 0, result.output
    assert not (out / "figures" / "fig9_9_renamed_long_ago.png").exists(), "a full report drops stale figures"
    assert (out / "figures" / "thesis_plot.png").read_bytes() == b"mine", "and keeps files it did not write"
    (out / "figures" / "thesis_plot.png").unlink()
    markdown = (out / "report.md").read_text()
    assert "by anndl report --quick" in markdown and "wall time" in markdown and "`" not in markdown.splitlines()[2]
    assert "**Ours: pca_broken**" in markdown and "State: failed" in markdown and "corrupt.csv" in markdown
    assert "**Ours: pca**" in markdown and "State: completed" in markdown
    pca_claims = [c for c in CLAIMS if c.experiments == ("pca",)]
    scorecard = [line for line in markdown.splitlines() if line.startswith("| §3.1 |")]
    assert len(scorecard) == len(pca_claims)
    assert all(any(f"**{v}**" in line for v in VERDICTS) for line in scorecard)
    metrics = json.loads((out / "figures" / "metrics.json").read_text())
    assert metrics["pca_broken"]["state"] == "failed" and "threes.rmsd_q1" in metrics["pca"]
    for figure, experiment, name, _ in REPORT_FIGURES:
        if experiment == "pca":
            assert (out / "figures" / f"{figure}_{name}.png").is_file()
            if name.startswith(("pca_spectrum_", "pca_reconstruction_rmsd")):
                assert (out / "figures" / f"{figure}_{name}.csv").is_file(), "curve figures link their data"
    assert not list((out / "figures").glob("*.pdf")), "PDFs only with --pdf"
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 7, "outside a git checkout the HTML embeds its figures"

    # A second report reuses the finished experiment instead of re-running it.
    stamp = (out / "figures" / "metrics.json").read_text()
    runs_before = sorted(p.name for p in (out / "runs").iterdir())
    again = CliRunner().invoke(main, ["report", "--quick", "--only", "pca", "--out", str(out), "--linked", "--pdf"])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in (out / "runs").iterdir()) == runs_before
    assert json.loads(stamp)["pca"] == json.loads((out / "figures" / "metrics.json").read_text())["pca"]
    linked = (out / "report.html").read_text()
    assert "data:image/png" not in linked and "src='figures/fig3_2_pca_spectrum_gaussian.png'" in linked
    assert list((out / "figures").glob("*.pdf"))


def test_header_records_the_checkout_as_it_was_before_the_report_wrote_anything(two_configs, tmp_path, monkeypatch):
    out = tmp_path / "report"

    def git_state(path):  # "dirty" once anything of the report exists (runs record theirs too)
        return {"commit": "0123456789abcdef", "dirty": out.exists()}

    monkeypatch.setattr(build.runs, "git_state", git_state)
    result = CliRunner().invoke(main, ["report", "--quick", "--only", "pca", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(commit 0123456789ab)" in (out / "report.md").read_text()


def test_code_version_changes_with_the_source(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_text("x = 1\n")
    monkeypatch.setattr(build, "SOURCE_DIR", tmp_path)
    before = build.code_version()
    (tmp_path / "m.py").write_text("x = 2\n")
    assert build.code_version() != before


def test_only_matching_nothing_is_exit_2(two_configs, tmp_path):
    result = CliRunner().invoke(main, ["report", "--only", "nothing*", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "matches no shipped config" in result.output


def test_every_claim_and_figure_names_a_registered_experiment():
    from anndl import registry

    names = {e.name for e in registry.all_experiments()}
    assert {e for c in CLAIMS for e in c.experiments} <= names
    assert {experiment for _, experiment, _, _ in REPORT_FIGURES} <= names
    assert {e for s in SECTIONS for e in s.experiments} == names, "every experiment has its report section"


def test_a_full_report_starts_the_longest_experiments_first():
    configs = [Path(f"{name}.yaml") for name in ("alexnet_shapes", "generalization", "pca", "wgan_mnist")]
    order = build.longest_first(configs, quick=False)
    assert [configs[i].stem for i in order] == ["generalization", "wgan_mnist", "alexnet_shapes", "pca"]
    assert build.longest_first(configs, quick=True) == [0, 1, 2, 3]
    assert set(build.FULL_RUN_SECONDS) <= {c.stem for c in build.shipped_configs()}, "names of shipped configs"


def test_a_report_figure_comes_from_the_config_named_after_its_experiment(tmp_path):
    """rbm_mnist and rbm_mnist_sklearn_defaults both draw the Gibbs chains: Fig. 4.1 is rbm_mnist's, and the
    other config's copy is an additional figure (the sklearn defaults' chains once replaced Fig. 4.1)."""
    figure, experiment, name, _ = next(f for f in REPORT_FIGURES if f[0] == "fig4_1")
    entries = []
    for config in (experiment, f"{experiment}_sklearn_defaults"):  # the second sorts after the first
        run_dir = tmp_path / "runs" / config
        (run_dir / "figures").mkdir(parents=True)
        (run_dir / "figures" / f"{name}.png").write_bytes(config.encode())
        entries.append(build.ReportEntry(config, experiment, "", "", run_dir, {"state": "completed"}))
    collected = build.collect_figures(entries, tmp_path / "figures")
    assert (tmp_path / "figures" / f"{figure}_{name}.png").read_bytes() == experiment.encode()
    other = tmp_path / "figures" / f"extra_{experiment}_sklearn_defaults_{name}.png"
    assert other.read_bytes() == f"{experiment}_sklearn_defaults".encode()
    assert [f.png for f in collected[f"{experiment}_sklearn_defaults"]] == [other]
