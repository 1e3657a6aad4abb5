"""Process-wide torch settings (seed, thread count) made before torch is imported, applied when it is.

Experiment modules import torch only inside the functions that train, so that ``anndl describe`` and
``validate`` stay torch-free; a worker therefore seeds its globals and limits its threads before the
cell function has loaded torch. :func:`call` makes a setting at once when torch is imported, and
otherwise keeps it; :mod:`anndl.nn.torchkit` and :mod:`anndl.nn.feedforward.mlp`, one of which every
torch-based ``anndl.nn`` module imports, apply the kept ones (:func:`apply`) when they are imported,
before anything draws from torch's generator or computes with torch.
The effect is that of having imported torch before the settings were made.
"""

from __future__ import annotations

import sys
from typing import Any

_kept: dict[str, tuple[Any, ...]] = {}


def call(name: str, *args: Any) -> None:
    """``torch.<name>(*args)`` now if torch is imported, else when :func:`apply` runs (the last call
    of each name wins)."""
    torch = sys.modules.get("torch")
    if torch is None:
        _kept[name] = args
        return
    _kept.pop(name, None)
    getattr(torch, name)(*args)


def apply(torch: Any) -> None:
    """Make the settings kept while torch was not imported."""
    while _kept:
        name, args = _kept.popitem()
        getattr(torch, name)(*args)


def forget(name: str) -> None:
    """Drop a kept setting that has not been made (a scope that set it has ended)."""
    _kept.pop(name, None)
