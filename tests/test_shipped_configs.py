"""Every shipped config validates, starts with its run command, and runs with --quick end to end, every
figure passing anndl.figure_checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl.cli import main
from anndl.configfile import load_config_file
from anndl.report.build import config_values
from anndl.report.scorecard import names_missing, uncaptioned

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def test_there_are_shipped_configs():
    assert any(path.stem == "pca" for path in CONFIGS)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_validates_and_documents_its_command(config):
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    lines = config.read_text().splitlines()
    assert lines[0] == f"# anndl run {config.name}"  # a copy here (anndl cp) wins over the shipped one
    assert lines[1].startswith(f"# example override: anndl run {config.name} ") and "=" in lines[1]
    assert "quick:" in config.read_text(), "each config declares its --quick variant"


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_runs_quick(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANNDL_STRICT_FIGURES", "1")  # a figure anndl.figure_checks faults fails the run
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(config), "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "status.json").read_text())["state"] == "completed"
    assert json.loads((out / "metrics.json").read_text())
    loaded = load_config_file(config, quick=True)
    written = {**json.loads((out / "metrics.json").read_text()), **config_values(loaded.config)}
    assert not names_missing(loaded.experiment, written), "report/headlines.py names metrics this run does not write"
    assert not uncaptioned(loaded.experiment, [p.stem for p in (out / "figures").glob("*.png")])
    assert list((out / "figures").glob("*.png")) or list((out / "tables").glob("*.md"))
    assert not list(out.rglob("*.tmp"))
