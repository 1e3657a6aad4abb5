"""Build hook: copy the repository's top-level configs/ and data/ into the wheel as anndl/shipped/.

The top-level folders stay the only source of truth; an editable install reads them in place
(see anndl/resources.py), so nothing is copied for it.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("configs", "data")


class BuildWithShippedFiles(build_py):
    """build_py that also copies ``configs/`` and ``data/`` to ``<build>/anndl/shipped/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in SHIPPED:
            source, target = ROOT / name, Path(self.build_lib) / "anndl" / "shipped" / name
            if not source.is_dir():
                raise FileNotFoundError(f"{source}: missing; the wheel must ship it")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))


setup(cmdclass={"build_py": BuildWithShippedFiles})
