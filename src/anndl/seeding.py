"""The one place that seeds the process-wide generators (Python's, numpy's legacy global, torch's)."""

from __future__ import annotations

import random
import sys

import numpy as np


def seed_globals(seed: int) -> None:
    """Seed Python's ``random``, numpy's legacy global and (when already imported) torch's generator.

    torch is not imported here, so that workers of numpy-only experiments never load it.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
