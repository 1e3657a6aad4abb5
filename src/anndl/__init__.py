"""anndl: re-run the classic neural-network curriculum's experiments from YAML configs.

As a library (each name is imported on first use, so ``import anndl`` loads neither numpy,
torch nor scikit-learn):

- ``MLPRegressor``, ``MLPClassifier``: MATLAB's feedforwardnet / patternnet as scikit-learn
  estimators (:mod:`anndl.estimators`);
- ``MLP``, ``train``, ``History``: a network, MATLAB's training algorithms and their per-epoch
  record (:mod:`anndl.nn.feedforward.mlp`, :mod:`anndl.nn.feedforward.training`);
- ``newhop``, ``HopfieldNet``: MATLAB's Hopfield design (:mod:`anndl.nn.hopfield.network`);
- ``run_experiment``: ``anndl run`` from Python, returning a ``Run`` (:mod:`anndl.api`);
- ``Run``, ``load_run``: a run directory as an object, found by path, ``"latest"`` or experiment
  name (:mod:`anndl.results`); ``compare``: what differs between two runs (:mod:`anndl.comparison`);
- ``retain_freed_memory``: opt in to glibc's raised malloc thresholds for this interpreter, which
  the ``anndl`` command sets for itself (:mod:`anndl.allocator`); no other call changes them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "MLPRegressor": "anndl.estimators",
    "MLPClassifier": "anndl.estimators",
    "MLP": "anndl.nn.feedforward.mlp",
    "train": "anndl.nn.feedforward.training",
    "History": "anndl.nn.feedforward.training",
    "newhop": "anndl.nn.hopfield.network",
    "HopfieldNet": "anndl.nn.hopfield.network",
    "run_experiment": "anndl.api",
    "Run": "anndl.results",
    "load_run": "anndl.results",
    "compare": "anndl.comparison",
    "retain_freed_memory": "anndl.allocator",
}
"""Public name -> the module that defines it."""

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # what type checkers see; "import X as X" marks a re-export
    from anndl.allocator import retain_freed_memory as retain_freed_memory
    from anndl.api import run_experiment as run_experiment
    from anndl.comparison import compare as compare
    from anndl.estimators import MLPClassifier as MLPClassifier
    from anndl.estimators import MLPRegressor as MLPRegressor
    from anndl.nn.feedforward.mlp import MLP as MLP
    from anndl.nn.feedforward.training import History as History
    from anndl.nn.feedforward.training import train as train
    from anndl.nn.hopfield.network import HopfieldNet as HopfieldNet
    from anndl.nn.hopfield.network import newhop as newhop
    from anndl.results import Run as Run
    from anndl.results import load_run as load_run


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562) and keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'anndl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names with the public ones not imported yet."""
    return sorted({*globals(), *_EXPORTS})
