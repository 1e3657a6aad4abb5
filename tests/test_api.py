"""The public Python API: lazy top-level names, py.typed, and run_experiment as `anndl run`."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import anndl
from anndl.api import load_experiment_config, run_experiment
from anndl.cli import main
from anndl.config import read_yaml
from anndl.configfile import find_config, shipped_configs
from anndl.errors import ConfigError

PACKAGE = Path(anndl.__file__).parent


def test_import_anndl_loads_no_numerical_library():
    code = "import sys, anndl; print(sorted(m for m in ('numpy', 'torch', 'sklearn', 'yaml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves_to_its_documented_module():
    for name, module in anndl._EXPORTS.items():
        value = getattr(anndl, name)
        assert value is getattr(importlib.import_module(module), name)
        assert value.__module__ == module and (value.__doc__ or "").strip(), name
    assert set(anndl.__all__) == set(anndl._EXPORTS) <= set(dir(anndl))
    with pytest.raises(AttributeError, match="no attribute 'MLPRegresor'"):
        anndl.MLPRegresor  # noqa: B018


def test_type_checkers_see_the_same_names_and_the_package_is_typed():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    seen = {(stmt.module, alias.asname) for stmt in guarded.body for alias in stmt.names}
    assert seen == {(module, name) for name, module in anndl._EXPORTS.items()}
    assert (PACKAGE / "py.typed").is_file()


def test_run_experiment_by_name_writes_a_run_directory_like_the_cli(tmp_path):
    run = run_experiment("fit_trainlm", out=tmp_path / "api", quick=True, epochs=7, progress=False)
    metrics = run.metrics
    assert run.run_dir == (tmp_path / "api").resolve() and run.status == "completed"
    assert metrics == json.loads((tmp_path / "api" / "metrics.json").read_text())
    assert json.loads((tmp_path / "api" / "status.json").read_text())["state"] == "completed"
    assert read_yaml(tmp_path / "api" / "config.yaml")["epochs"] == 7 and metrics["noisy.epochs"] == 7
    assert list((tmp_path / "api" / "figures").glob("*.png"))

    shipped = find_config("fit_trainlm")
    result = CliRunner().invoke(main, ["run", str(shipped), "--quick", "epochs=7", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text()) == metrics


def test_run_experiment_defaults_to_runs_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_experiment(find_config("hopfield_2d"), quick=True, seed=3, progress=False,
                         patterns=[[1, 1], [-1, -1]], random_points=4)
    assert run.run_dir.parent == (tmp_path / "runs" / "hopfield_2d").resolve()
    assert run.run_dir.name.endswith("_s3_patterns=1,1,-1,-1_random_points=4")  # the overrides, file-name safe
    resolved = read_yaml(run.run_dir / "config.yaml")
    assert resolved["patterns"] == [[1, 1], [-1, -1]] and resolved["random_points"] == 4 and resolved["seed"] == 3


def test_names_are_the_shipped_configs_and_bad_input_is_a_config_error(tmp_path):
    assert {p.stem for p in shipped_configs()} >= {"fit_trainlm", "training_algorithms"}
    with pytest.raises(ConfigError, match=r"fit_trainml.*shipped"):
        run_experiment("fit_trainml")
    with pytest.raises(ConfigError, match="hidden_unit"):
        run_experiment("fit_trainlm", out=tmp_path / "bad", hidden_unit=3)
    with pytest.raises(ConfigError, match="epochs"):
        run_experiment("fit_trainlm", out=tmp_path / "bad", epochs="many")
    assert not (tmp_path / "bad").exists()


def test_nested_keys_with_double_underscores_or_dots():
    loaded = load_experiment_config("sae_digits", quick=True, first_layer__epochs=3, **{"baseline.hidden": (20, 10)})
    assert loaded.experiment == "sae_digits" and loaded.config.first_layer.epochs == 3
    assert loaded.config.baseline.hidden == [20, 10]
    with pytest.raises(ConfigError, match="first_layer.epochs"):
        load_experiment_config("sae_digits", first_layer__epochs=[1, 2])


def test_readme_library_section_names_every_public_name_and_its_code_compiles():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Use as a library", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{name}`" in section for name in anndl.__all__)
    blocks = re.findall(r"```python\n(.+?)```", section, flags=re.S)
    assert len(blocks) == 2
    for block in blocks:
        tree = ast.parse(block)
        for stmt in ast.walk(tree):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "anndl":
                assert all(alias.name in anndl.__all__ for alias in stmt.names)
            if isinstance(stmt, ast.Attribute) and getattr(stmt.value, "id", "") == "anndl":
                assert stmt.attr in anndl.__all__
