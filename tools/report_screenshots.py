"""Screenshots of a report.html in headless Chromium: the page's top (overview, verdict chart, scorecard)
and chosen sections, each cut out into a page of its own so that it starts at the top.

    python tools/report_screenshots.py report.html docs/ [--sections 1.1.1 4.4] [--width 1400]

writes docs/report_scorecard.png and docs/report_section_<number>.png (e.g. report_section_1_1_1.png).
Needs `chromium` on the PATH (Debian: apt-get install chromium). Exit 2 when the page or a section is
missing or chromium is not installed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _shoot(html: str, png: Path, width: int, height: int, base: Path) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".html", dir=base, delete=False, encoding="utf-8") as page:
        page.write(html.replace("loading='lazy'", ""))  # every image loads before the shot
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
                        Path(page.name).resolve().as_uri()], check=True, capture_output=True, timeout=180)
    finally:
        Path(page.name).unlink()
    _palette(png)


def _palette(png: Path) -> None:
    """Store the screenshot with a 256-colour palette, as the report's figures are: text and plots look the
    same and the file takes about half the bytes."""
    from PIL import Image

    from anndl.plotting import palette_image

    with Image.open(png) as shot:
        compact = palette_image(shot)
    compact.save(png, optimize=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sections", nargs="*", default=["1.1.1", "4.4"])
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2600)
    args = parser.parse_args(argv)
    if shutil.which("chromium") is None:
        print("error: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        page = args.report.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read {args.report}: {exc.strerror}", file=sys.stderr)
        return 2
    head, body = page.split("<body>", 1)
    args.out.mkdir(parents=True, exist_ok=True)
    top = re.split(r"<section id='s\d", body, maxsplit=1)[0]
    _shoot(f"{head}<body>{top}</body></html>", args.out / "report_scorecard.png", args.width, args.height,
           args.report.parent)
    for number in args.sections:
        anchor = "s" + number.replace(".", "-")
        found = re.search(rf"<section id='{re.escape(anchor)}'>.*?</section>", body, re.S)
        if found is None:
            print(f"error: {args.report} has no section §{number} (id {anchor})", file=sys.stderr)
            return 2
        _shoot(f"{head}<body>{found.group(0)}</body></html>",
               args.out / f"report_section_{number.replace('.', '_')}.png", args.width, args.height,
               args.report.parent)
    print(f"screenshots of {args.report} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
