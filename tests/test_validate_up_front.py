"""Everything that ``run`` rejects as a config, ``validate`` and ``run --dry-run`` reject first.

Each bad config of issue 14 (non-finite floats, duplicate keys, aliases, YAML syntax, empty lists,
seeds outside [0, 2^32), unknown algorithm names in single-value keys, pattern sets of the wrong
shape) is fed to ``anndl validate FILE`` and ``anndl run FILE --dry-run --out DIR``: exit 2, one
line naming the file and the key or position, and nothing created. Bad ``--out`` paths likewise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from anndl.cli import main

REPO = Path(__file__).resolve().parents[1]

ALIAS_BOMB = "experiment: hopfield_2d\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8))

BAD_CONFIGS = {  # case -> (YAML text, words the one-line error must contain)
    "inf_float": ("experiment: mlp_santafe\nopen_loop_fraction: .inf\n", ["open_loop_fraction", "finite"]),
    "minus_inf_float": ("experiment: training_algorithms\nnoise_std: -.inf\n", ["noise_std"]),
    "inf_as_text": ("experiment: mlp_santafe\nopen_loop_fraction: 'inf'\n", ["open_loop_fraction", "finite"]),
    "nan_float": ("experiment: mlp_santafe\nopen_loop_fraction: .nan\n", ["open_loop_fraction", "nan"]),
    "duplicate_key": ("experiment: hopfield_2d\nseed: 1\ngrid_points: 5\nseed: 2\n",
                      ["'seed'", "twice", "lines 2 and 4"]),
    "duplicate_nested_key": ("experiment: sae_digits\nbaseline:\n  epochs: 3\n  epochs: 4\n",
                             ["'epochs'", "lines 3 and 4"]),
    "alias_bomb": (ALIAS_BOMB, ["alias", "line 3"]),
    "merge_key_alias": ("experiment: hopfield_2d\nbase: &b {grid_points: 5}\n<<: *b\n", ["alias"]),
    "yaml_syntax": ("experiment: hopfield_2d\nseed: [1, 2\ngrid_points: 5\n", ["line 3", "column"]),
    "yaml_bad_indent": ("experiment: hopfield_2d\n  seed: 1\n grid_points: 5\n", ["line", "column"]),
    "empty_algorithms": ("experiment: training_algorithms\nalgorithms: []\n", ["algorithms", "non-empty"]),
    "empty_hidden_units": ("experiment: generalization\nhidden_units: []\n", ["hidden_units", "non-empty"]),
    "seed_beyond_2_63": ("experiment: hopfield_2d\nseed: 9223372036854775809\n", ["seed", "4294967296"]),
    "seed_2_32": ("experiment: hopfield_2d\nseed: 4294967296\n", ["seed", "4294967296"]),
    "negative_seed": ("experiment: hopfield_2d\nseed: -1\n", ["seed", ">= 0"]),
    "hopfield_2d_pattern_of_3": ("experiment: hopfield_2d\npatterns: [[1, 1, 1]]\n", ["patterns", "2 values"]),
    "hopfield_3d_pattern_of_2": ("experiment: hopfield_3d\npatterns: [[1, -1]]\n", ["patterns", "3 values"]),
    "hopfield_pattern_not_pm1": ("experiment: hopfield_2d\npatterns: [[1, 0]]\n", ["patterns", "-1 or 1"]),
    "mlp_algorithm_typo": ("experiment: lstm_santafe\nmlp_algorithm: lmm\n", ["mlp_algorithm", "did you mean 'lm'"]),
    "algorithm_typo": ("experiment: mlp_santafe\nalgorithm: trainlmm\n", ["'algorithm'", "trainlm"]),
    "baseline_algorithm": ("experiment: sae_digits\nbaseline: {algorithm: adam}\n", ["baseline.algorithm"]),
    "final_algorithm": ("experiment: personal_regression\nfinal_algorithm: sgd\n", ["final_algorithm"]),
    "algorithm_in_list": ("experiment: generalization\nalgorithms: [lm, lmm]\n", ["algorithms[1]"]),
}


def one_line_error(result, *words: str) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_rejected_by_validate_and_dry_run_before_anything_is_written(tmp_path, monkeypatch, case):
    text, words = BAD_CONFIGS[case]
    config = tmp_path / f"{case}.yaml"
    config.write_text(text)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    line = one_line_error(runner.invoke(main, ["validate", str(config)]), *words)
    assert str(config) in line
    one_line_error(runner.invoke(main, ["run", str(config), "--dry-run", "--out", "run"]), *words)
    one_line_error(runner.invoke(main, ["run", str(config), "--out", "run"]), *words)
    one_line_error(runner.invoke(main, ["run", str(config)]), *words)
    assert sorted(os.listdir(tmp_path)) == [config.name]


def test_every_shipped_config_still_validates():
    configs = sorted(str(p) for p in (REPO / "configs").glob("*.yaml"))
    result = CliRunner().invoke(main, ["validate", *configs])
    assert result.exit_code == 0, result.output


def bad_out_paths(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    (tmp_path / "a_file").write_text("x")
    cases = {"file_in_the_path": (tmp_path / "a_file" / "run", ["a_file", "is a file"]),
             "name_too_long": (tmp_path / ("n" * 300) / "run", ["300 bytes"])}
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases["unwritable"] = (locked / "run", ["permission denied"])
    return cases


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_bad_out_path_is_exit_2_and_one_line_before_anything_is_written(tmp_path, dry_run):
    config = str(REPO / "configs" / "hopfield_2d.yaml")
    for name, (out, words) in bad_out_paths(tmp_path).items():
        before = sorted(p.name for p in tmp_path.rglob("*"))
        result = CliRunner().invoke(main, ["run", config, "--quick", *(["--dry-run"] if dry_run else []),
                                           "--out", str(out)])
        one_line_error(result, *words)
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, name
