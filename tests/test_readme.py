"""The README stays true: its experiment list is what `anndl list` prints, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from anndl.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_experiment_list_matches_anndl_list():
    block = README.split("<!-- experiments: the output of `anndl list` -->", 1)[1]
    listed = block.split("```", 2)[1].strip("\n")
    assert listed == CliRunner().invoke(main, ["list"]).output.strip("\n")


def test_exactly_two_quick_start_commands_and_the_test_command_is_marked():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick_start, flags=re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "pip install -c constraints.txt" in commands[0] and "anndl report --quick" in commands[0]
    assert commands[1].endswith("pytest") and "<!-- test-command -->\n```bash\n" + commands[1] in README


def _python_session() -> tuple[str, str]:
    """The README's Python session (the block after the python-session marker) and what it prints."""
    block = README.split("<!-- python-session:", 1)[1]
    code = re.search(r"```python\n(.+?)\n```", block, flags=re.S)[1]
    printed = re.search(r"\nprints[^\n]*\n(?:[^\n]+\n)*?\n```\n(.+?)\n```", block, flags=re.S)[1]
    return code, printed


def test_readme_python_session_prints_what_the_readme_says(tmp_path, monkeypatch, capsys):
    """The session runs as written in an empty folder; its output equals the README's but for the
    UTC times in the run folders' names."""
    code, printed = _python_session()
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out.strip("\n")
    times = re.compile(r"\d{8}T\d{6}Z")
    assert times.sub("<time>", out) == times.sub("<time>", printed)
