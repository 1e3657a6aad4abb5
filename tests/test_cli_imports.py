"""`anndl describe` and `anndl validate` load any shipped config without torch, scikit-learn or dask.

Each experiment runs in its own fresh interpreter, so one module's imports cannot hide another's.
Modules that need torch import it (or the anndl.nn modules that do) inside the functions that train.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from anndl.configfile import shipped_configs

HEAVY = ("torch", "sklearn", "dask", "distributed")

TORCH_AT_IMPORT_KNOWN: tuple[str, ...] = ()
"""Shipped configs whose experiment module still imports torch at the top (none left: keep it so)."""

PROBE = """
import sys
from anndl.cli import main
for args in (["describe", sys.argv[1]], ["validate", sys.argv[2]]):
    code = main(args, standalone_mode=False)
    assert code in (None, 0), (args, code)
print("heavy:", *[m for m in sys.argv[3:] if m in sys.modules])
"""


def _experiment(path) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["experiment"]


@pytest.mark.parametrize("config", shipped_configs(), ids=lambda p: p.stem)
def test_describe_and_validate_import_no_torch_sklearn_or_dask(config, tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE, _experiment(config), str(config), *HEAVY],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"ok: {config}" in result.stdout
    last = result.stdout.splitlines()[-1]
    assert last.startswith("heavy:"), result.stdout
    heavy = last.split()[1:]
    if config.stem in TORCH_AT_IMPORT_KNOWN:
        assert heavy, f"{config.stem} no longer imports {HEAVY}: remove it from TORCH_AT_IMPORT_KNOWN"
        pytest.xfail(f"{config.stem}'s module imports {', '.join(heavy)} at the top (TORCH_AT_IMPORT_KNOWN)")
    assert not heavy, f"anndl describe/validate {config.stem} imported {', '.join(heavy)}"


def test_every_known_exception_is_a_shipped_config():
    assert set(TORCH_AT_IMPORT_KNOWN) <= {p.stem for p in shipped_configs()}


SEEDED_BEFORE_TORCH = """
import importlib
import sys

from anndl import executor, process


def cell_fn(cell):
    assert "torch" not in sys.modules
    importlib.import_module(sys.argv[1])
    import torch

    return {"draw": torch.rand(3).tolist(), "threads": torch.get_num_threads()}


with process.worker_settings(1):
    result, _ = executor.run_cell(cell_fn, {"seed": 7})
import torch

torch.manual_seed(7)
assert result == {"draw": torch.rand(3).tolist(), "threads": 1}, result
"""


@pytest.mark.parametrize("module", ["anndl.nn.torchkit", "anndl.nn.feedforward.mlp"])
def test_a_cell_that_imports_torch_itself_is_seeded_and_single_threaded_as_before(module, tmp_path):
    """The worker seeds and limits threads before the cell function imports torch (anndl.deferred_torch)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # torch's own thread default
    result = subprocess.run([sys.executable, "-c", SEEDED_BEFORE_TORCH, module], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
