"""The built wheel works outside the checkout: configs and data ship inside it.

Builds the wheel from a copy of the sources (``pip wheel --no-deps --no-build-isolation``, offline),
installs it into a fresh virtual environment outside the checkout, and from a temporary folder runs
the commands a new user would. The fresh environment reuses this one's installed dependencies through
a ``.pth`` line (the on-disk torch stays the one in use), but not its anndl: this environment's
editable anndl is a ``.pth`` of its own, which a plain path line does not process.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "src", "configs", "data")


def _run(args, cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, umask=0o022)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(anndl script, python, environment, work folder) of a fresh venv holding the built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    sources = root / "sources"
    sources.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, sources / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "shipped", ".*"))
        else:
            shutil.copy2(source, sources / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(TQDM_DISABLE="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg", PIP_NO_INDEX="1")
    wheels = root / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(wheels), str(sources)], cwd=root, env=env)
    (wheel,) = wheels.glob("anndl-*.whl")
    prefix = root / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(prefix)
    python = prefix / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True, env=env).stdout.strip())
    outer = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "_anndl_test_dependencies.pth").write_text("\n".join(outer) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=root, env=env)
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    work = root / "work"
    work.mkdir()
    return python.parent / "anndl", python, env, work


def test_wheel_installs_and_runs_anywhere(installed):
    anndl, python, env, work = installed
    where = _run([python, "-c", "import anndl; print(anndl.__file__)"], work, env).stdout.strip()
    assert Path(where).is_relative_to(python.parent.parent) and not Path(where).is_relative_to(REPO), where
    # the dependencies anndl declares (lower bounds included) are met by the installed ones
    problems = subprocess.run([python, "-m", "pip", "check"], cwd=work, env=env, capture_output=True, text=True).stdout
    assert not [line for line in problems.splitlines() if line.lower().startswith("anndl ")], problems

    listing = _run([anndl, "list"], work, env).stdout
    assert "(no shipped config)" not in listing
    assert "configs/pca.yaml" in listing and "anndl/features/pca.py" in listing

    _run([anndl, "run", "pca", "--quick"], work, env)
    (run_dir,) = (work / "runs" / "pca").iterdir()
    assert json.loads((run_dir / "status.json").read_text())["state"] == "completed"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["threes.rmsd_q1"] > 0 and (run_dir / "figures" / "pca_tsne_three_datasets.png").is_file()
    assert "quick" not in yaml.safe_load((run_dir / "config.yaml").read_text())
    assert json.loads((run_dir / "env.json").read_text())["quick"] == "applied"
    modes = {p.relative_to(run_dir).as_posix(): p.stat().st_mode & 0o777 for p in run_dir.rglob("*") if p.is_file()}
    assert set(modes.values()) == {0o644}, modes

    _run([anndl, "report", "--quick", "--only", "hopfield*"], work, env)
    report = work / "runs" / "report"
    markdown = (report / "report.md").read_text()
    assert "; quick settings" in markdown and "hopfield_digits" in markdown
    shown = json.loads((report / "figures" / "metrics.json").read_text())
    assert sorted(shown) == ["hopfield_2d", "hopfield_3d", "hopfield_capacity", "hopfield_digits", "hopfield_mnist"]
    assert all("state" not in m for m in shown.values()), shown  # a failed config records only its state
    assert list((report / "figures").glob("fig2_*.png")) and (report / "report.html").is_file()
    assert not (work / "report.md").exists() and not (work / "figures").exists()
