"""Nothing lost: --out never replaces or deletes files anndl did not write, --resume computes only
the missing cells, one command at a time per folder, and sweep axes that would disagree are refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl import executor, ledger
from anndl.cli import main

REPO = Path(__file__).resolve().parents[1]
FOREIGN = {"notes.txt": b"my notes\n", "figures/thesis_plot.png": b"\x89PNG not anndl's",
           "tables/my_data.csv": b"a,b\n1,2\n", "cells/mine.json": b"{}", "report.md": b"# my report\n",
           "runs/cells/x.json": b"[]"}


def plant(folder: Path) -> dict[str, bytes]:
    for rel, data in FOREIGN.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return dict(FOREIGN)


def unchanged(folder: Path, planted: dict[str, bytes]) -> bool:
    return all((folder / rel).read_bytes() == data for rel, data in planted.items())


COMMANDS = {
    "run": ["run", "hopfield_2d", "--quick", "--out", "{out}"],
    "run --resume": ["run", "--resume", "{out}"],
    "sweep": ["sweep", "hopfield_2d", "seed=0..1", "--quick", "--out", "{out}"],
    "report": ["report", "--quick", "--only", "hopfield_2d", "--out", "{out}"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_with_out_leaves_foreign_files_byte_identical(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "mine"
    planted = plant(out)
    args = [a.format(out=out) for a in COMMANDS[command]]
    if command == "run --resume":  # a run made beside foreign files, then resumed
        made = CliRunner().invoke(main, ["run", "hopfield_2d", "--quick", "--out", str(out), "--keep-others"])
        assert made.exit_code == 0, made.output
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2, refused.output
    assert "did not write" in refused.output and len(refused.output.strip().splitlines()) == 1
    assert unchanged(out, planted)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == files
    if command == "report":  # a foreign report.md is never replaced, even with --keep-others
        kept = CliRunner().invoke(main, [*args, "--keep-others"])
        assert kept.exit_code == 2 and "report.md: exists and anndl did not write it" in kept.output
        assert unchanged(out, planted)
        (out / "report.md").unlink()
        del planted["report.md"]
    kept = CliRunner().invoke(main, [*args, "--keep-others"])
    assert kept.exit_code == 0, kept.output
    assert unchanged(out, planted)
    again = CliRunner().invoke(main, [*args, "--keep-others"])  # a re-run reuses or replaces only its own files
    assert again.exit_code == 0, again.output
    assert unchanged(out, planted)


def test_run_with_stale_results_deletes_only_its_own(tmp_path):
    """The reported loss: results made by other code are recomputed; foreign files beside them stay."""
    out = tmp_path / "r"
    planted = plant(out)
    args = ["run", "hopfield_2d", "--quick", "--out", str(out), "--keep-others"]
    assert CliRunner().invoke(main, args).exit_code == 0
    env = (out / "env.json").read_text().replace('"code_version": "', '"code_version": "old')
    (out / "env.json").write_text(env)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "recomputing" in result.output
    assert unchanged(out, planted)
    assert len(list(out.glob("figures/*.png"))) == 3  # thesis_plot.png and the run's two figures


def test_out_dot_in_a_checkout_copy_is_refused_and_deletes_nothing(tmp_path, monkeypatch):
    """``anndl run X --out .`` where the committed report lives: refused, every file kept."""
    monkeypatch.chdir(tmp_path)
    for rel in ("figures/fig1_1_x.png", "README.md", "src/anndl/x.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["run", "hopfield_2d", "--quick", "--out", "."])
    assert result.exit_code == 2 and "did not write" in result.output
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_atomic_write_refuses_to_replace_an_unlisted_file(tmp_path):
    from anndl import atomic

    ledger.claim(tmp_path)
    atomic.write_text(tmp_path / "a.txt", "1")
    atomic.write_text(tmp_path / "a.txt", "2")  # anndl's own: replaced
    (tmp_path / "b.txt").write_text("theirs")
    with pytest.raises(ledger.ForeignFileError, match="did not write"):
        atomic.write_text(tmp_path / "b.txt", "mine")
    assert (tmp_path / "b.txt").read_text() == "theirs" and (tmp_path / "a.txt").read_text() == "2"
    assert ledger.recorded(tmp_path) == {"a.txt"}
    assert ledger.remove_recorded(tmp_path) == ["a.txt"] and (tmp_path / "b.txt").is_file()


def count_cells(monkeypatch) -> dict:
    """Count the cells computed in this process (cached cells are not computed)."""
    calls = {"n": 0}
    original = executor.run_cell

    def counting(fn, cell):
        calls["n"] += 1
        return original(fn, cell)

    monkeypatch.setattr(executor, "run_cell", counting)
    return calls


def test_resume_after_sigkill_computes_only_the_missing_cells(tmp_path, monkeypatch):
    """hopfield_digits --quick has 15 cells; kill it after a few, resume from its config.yaml."""
    out = tmp_path / "run"
    command = [sys.executable, "-m", "anndl.cli", "run", "hopfield_digits", "--quick", "--out", str(out)]
    env = {**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cells = out / "cells"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(cells.glob("*.json")) if cells.is_dir() else []) < 4:
        if process.poll() is not None:
            pytest.fail("the run ended before it could be killed")
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(cells.glob("*.json")))
    assert 4 <= done < 15
    calls = count_cells(monkeypatch)
    result = CliRunner().invoke(main, ["run", "--resume", str(out)])
    assert result.exit_code == 0, result.output
    assert calls["n"] == 15 - done, "finished cells were recomputed"
    assert len(list(cells.glob("*.json"))) == 15
    for extra in (["run", "--resume", str(out), "--quick"], ["run", "hopfield_digits", "--quick", "--out", str(out)]):
        assert CliRunner().invoke(main, extra).exit_code == 0
    assert calls["n"] == 15 - done and len(list(cells.glob("*.json"))) == 15


@pytest.mark.parametrize("command", [["sweep", "hopfield_2d", "seed=0..1", "--quick"],
                                     ["report", "--quick", "--only", "hopfield_2d"],
                                     ["run", "hopfield_2d", "--quick"]])
def test_a_second_command_into_a_folder_in_use_is_refused_and_writes_nothing(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "busy"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ledger.LOCK_NAME).write_text(f"{holder.pid} host\n")
        result = CliRunner().invoke(main, [*command, "--out", str(out)])
        assert result.exit_code == 2 and f"pid {holder.pid}" in result.output, result.output
        assert sorted(p.name for p in out.iterdir()) == [ledger.LOCK_NAME]
    finally:
        holder.kill()
        holder.wait()


def test_two_sweeps_at_once_into_one_folder_one_refused_or_both_correct(tmp_path):
    out = tmp_path / "s"
    command = [sys.executable, "-m", "anndl.cli", "sweep", "hopfield_2d", "seed=0..1", "--quick", "--out", str(out)]
    env = {**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}
    first, second = (subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2))
    codes = sorted(p.wait(timeout=600) for p in (first, second))
    assert codes in ([0, 0], [0, 2]), (first.stderr.read(), second.stderr.read())
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 3 and all(",completed," in row for row in rows[1:])


@pytest.mark.parametrize(("axes", "message"), [
    (["seed=0..1", "seed=2..3"], "'seed' is given twice"),
    (["seed=1,1"], "value '1' appears twice"),
    (["seed=0..1", "--set", "seed=1"], "--set seed and the axis 'seed'"),
    (["tolerance=0.1,0.2", "--set", "tolerance=0.3"], "--set tolerance"),
])
def test_sweep_axes_that_disagree_are_exit_2_naming_the_keys(tmp_path, axes, message):
    out = tmp_path / "s"
    result = CliRunner().invoke(main, ["sweep", "hopfield_2d", *axes, "--quick", "--out", str(out)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def one_line_exit_2(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 400, result.output[:1000]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_config_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    from anndl.config import MAX_FILE_BYTES

    big = tmp_path / "big.yaml"
    big.write_text("experiment: hopfield_2d\npatterns: [" + ", ".join(["[1, 1]"] * (MAX_FILE_BYTES // 7)) + "]\n")
    one_line_exit_2(CliRunner().invoke(main, ["validate", str(big)]), f"at most {MAX_FILE_BYTES} bytes")


@pytest.mark.parametrize(("text", "needle"), [
    ("hidden_units: [" + ", ".join(["10"] * 10_001) + "]", "a list longer than 10000"),
    ("hidden_units: {" + ", ".join(f"k{i}: 1" for i in range(10_001)) + "}", "a mapping of 10001 entries"),
    ("seed: " + "9" * 20_000, "a value of 20000 characters, longer than 10000"),
    ("seed: " + "9" * 5_000, "not a usable number"),
])
def test_lists_mappings_and_values_over_their_limits_are_refused(tmp_path, text, needle):
    config = tmp_path / "c.yaml"
    config.write_text(f"experiment: generalization\n{text}\n")
    one_line_exit_2(CliRunner().invoke(main, ["validate", str(config)]), needle)


def test_long_values_in_overrides_are_cut_in_the_error_line(tmp_path):
    result = CliRunner().invoke(main, ["validate", "mlp_santafe", "series_path=" + "a" * 50_000])
    one_line_exit_2(result, "series_path", "(50000 characters)")
    result = CliRunner().invoke(main, ["validate", "hopfield_2d", "seed=" + "9" * 100_000])
    one_line_exit_2(result, "key 'seed'", "(100000 characters)")
    result = CliRunner().invoke(main, ["validate", "hopfield_2d", "patterns=[" + ",".join(["[1,1]"] * 5000) + ",[2]]"])
    one_line_exit_2(result, "patterns")


def test_a_study_too_large_for_this_machine_is_refused_naming_the_keys(monkeypatch):
    from anndl import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 10**9)
    one_line_exit_2(CliRunner().invoke(main, ["validate", "hopfield_3d", "grid_points=1000"]),
                    "grid_points, random_points, num_steps", "GB of memory", "1 GB available")
    assert CliRunner().invoke(main, ["validate", "hopfield_3d", "grid_points=11"]).exit_code == 0
    # a Hopfield net of D units holds (D, D) weights: D = 20,000 needs ~19 GB, D = 100 a fraction of a MB
    one_line_exit_2(CliRunner().invoke(main, ["validate", "hopfield_capacity", "dimension=20000"]),
                    "dimension, pattern_counts", "GB of memory", "1 GB available")
    assert CliRunner().invoke(main, ["validate", "hopfield_capacity", "dimension=100"]).exit_code == 0


@pytest.mark.parametrize("out", ["/proc/self/anndl_run", "/sys/anndl_run", "/tmp/" + "/".join(["d" * 100] * 50)])
def test_out_paths_that_cannot_hold_results_are_usage_errors(out):
    one_line_exit_2(CliRunner().invoke(main, ["run", "hopfield_2d", "--quick", "--out", out]), "pass")
    assert not os.path.lexists(out[:4000])


def test_a_santa_fe_series_too_large_to_standardise_is_bad_data(tmp_path):
    series = tmp_path / "laser.dat"
    series.write_text("\n".join(["1.0"] * 2000 + ["1e308"]) + "\n")
    one_line_exit_2(CliRunner().invoke(main, ["validate", "mlp_santafe", f"series_path={series}"]),
                    "too large to standardise")


def test_show_says_process_gone_for_a_sigkilled_run_not_yet_reaped(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "anndl.cli", "run", "hopfield_digits", "--quick", "--out",
                                str(out)], env={**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not (out / "cells").is_dir():
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        time.sleep(0.5)  # not reaped yet: a zombie, which os.kill(pid, 0) still finds
        shown = CliRunner().invoke(main, ["show", str(out)])
        assert "interrupted (process gone)" in shown.output.splitlines()[0], shown.output
    finally:
        process.wait()


def test_a_diverged_fit_trainlm_ends_in_one_error_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "anndl.cli", "run", "fit_trainlm", "--quick", "noise_std=1e200",
                             "epochs=3", "--out", str(tmp_path / "r")], capture_output=True, text=True,
                            env={**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}, timeout=600)
    assert result.returncode == 1 and "diverged" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_jpeg_whose_compressed_data_end_early_is_bad_data(tmp_path):
    """libjpeg fills such a picture with grey and only warns; the run would complete on it."""
    original = (REPO / "data" / "rocket.jpg").read_bytes()
    scan = original.index(b"\xff\xda")
    image = tmp_path / "corrupt.jpg"
    image.write_bytes(original[:scan + 14] + b"\xff\xd9")
    one_line_exit_2(CliRunner().invoke(main, ["validate", "ot_color_transfer", f"target_image={image}"]),
                    "corrupt JPEG")
    assert CliRunner().invoke(main, ["validate", "ot_color_transfer"]).exit_code == 0
