"""Compare the metrics.json of two sets of runs key by key; exit 1 on a difference beyond tolerance.

    python tools/compare_metrics.py BEFORE AFTER [--rtol 1e-9] [--atol 1e-12]

BEFORE and AFTER are run directories (each with a metrics.json) or folders of run directories,
matched by name. The logic is :func:`anndl.comparison.compare_folders` (numbers within
``rtol``/``atol``, wall-time metrics ignored); ``anndl compare A B`` compares two runs' configs and
metrics side by side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anndl.comparison import compare_folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9)
    parser.add_argument("--atol", type=float, default=1e-12)
    args = parser.parse_args(argv)
    lines, failed = compare_folders(args.before, args.after, rtol=args.rtol, atol=args.atol)
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
