"""Shared fixtures: the course data folder (tests using it skip when it is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# As the anndl command does (anndl.process.reproducible_mkl), before any test imports torch: tests
# that compare one network trained alone with the same network in a batch need MKL's results not to
# depend on memory alignment.
os.environ.setdefault("MKL_CBWR", "AUTO")


def course_data_dir() -> Path:
    return Path(os.environ.get("ANNDL_COURSE_DATA", REPO.parent / "shared" / "data" / "course"))


@pytest.fixture
def course_file():
    """Path of a course data file, or skip the test when the course folder is absent."""
    def get(name: str) -> Path:
        path = course_data_dir() / name
        if not path.is_file():
            pytest.skip(f"course data file {name} not available")
        return path

    return get


@pytest.fixture(autouse=True)
def _no_progress_env(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Small torch jobs run faster and reproducibly on one thread on the 2-core CI machine."""
    import torch

    torch.set_num_threads(1)
