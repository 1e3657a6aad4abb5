"""Compare the metrics.json of two sets of runs key by key; exit 1 on a difference beyond tolerance.

    python tools/compare_metrics.py BEFORE AFTER [--rtol 1e-9] [--atol 1e-12]

BEFORE and AFTER are run directories (each with a metrics.json) or folders of run directories,
matched by name. Numbers (also inside lists) are compared with ``rtol``/``atol``; anything else must
be equal. Wall-time metrics (names holding ``seconds``, ``time``, ``wall``, ``ms_per``) and rankings by
them (``fastest``) are ignored. Prints
every differing, missing or extra key and a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

IGNORED_WORDS = ("seconds", "time", "wall", "ms_per", "fastest")
"""Parts of the names of wall-time metrics and of what is ranked by wall time."""


def ignored(key: str) -> bool:
    return any(word in key.lower() for word in IGNORED_WORDS)


def close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """Numbers within tolerance (NaN equals NaN), lists element-wise, anything else by equality."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    return a == b


def compare(before: dict, after: dict, rtol: float, atol: float) -> list[str]:
    """One line per differing, missing or extra (non-ignored) key."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if ignored(key):
            continue
        if key not in after:
            lines.append(f"  {key}: missing after (was {before[key]!r})")
        elif key not in before:
            lines.append(f"  {key}: new after ({after[key]!r})")
        elif not close(before[key], after[key], rtol, atol):
            lines.append(f"  {key}: {before[key]!r} -> {after[key]!r}")
    return lines


def run_dirs(root: Path) -> dict[str, Path]:
    if (root / "metrics.json").is_file():
        return {root.name: root}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "metrics.json").is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9)
    parser.add_argument("--atol", type=float, default=1e-12)
    args = parser.parse_args(argv)
    before, after = run_dirs(args.before), run_dirs(args.after)
    if len(before) == 1 and len(after) == 1:  # two single runs: compare them whatever their names
        after = {next(iter(before)): next(iter(after.values()))}
    failed = 0
    for name in sorted(set(before) | set(after)):
        if name not in after or name not in before:
            print(f"{name}: only in {'before' if name in before else 'after'}")
            failed += 1
            continue
        lines = compare(json.loads((before[name] / "metrics.json").read_text()),
                        json.loads((after[name] / "metrics.json").read_text()), args.rtol, args.atol)
        print(f"{name}: {'same' if not lines else f'{len(lines)} keys differ'}")
        for line in lines:
            print(line)
        failed += bool(lines)
    print(f"{len(set(before) | set(after)) - failed} same, {failed} differ (rtol {args.rtol:g}, atol {args.atol:g}; "
          f"wall-time keys ignored)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
