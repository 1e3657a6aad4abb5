"""Decorator registry of experiments: chapter modules register themselves by name.

Every module under the chapter packages is imported on first lookup, so adding an experiment means
writing a module with an ``@experiment`` function; there is no hand-kept list.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from anndl.config import ExperimentConfig
from anndl.errors import ConfigError

CHAPTER_PACKAGES = ("anndl.supervised", "anndl.recurrent", "anndl.features", "anndl.generative")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A registered experiment: its name, config dataclass, one-line description and function."""

    name: str
    config_cls: type[ExperimentConfig]
    description: str
    run: Callable[[Any, Any], dict]
    module: str


_REGISTRY: dict[str, Experiment] = {}
_discovered = False


def experiment(name: str, config_cls: type[ExperimentConfig], description: str):
    """Register ``run(cfg, ctx) -> metrics`` as experiment ``name`` configured by ``config_cls``."""
    if not (dataclasses.is_dataclass(config_cls) and issubclass(config_cls, ExperimentConfig)):
        raise TypeError(f"experiment {name!r}: config class must be an ExperimentConfig dataclass")

    def register(func: Callable[[Any, Any], dict]) -> Callable[[Any, Any], dict]:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.module != func.__module__:
            raise ValueError(f"experiment {name!r} registered twice ({existing.module}, {func.__module__})")
        _REGISTRY[name] = Experiment(name, config_cls, description, func, func.__module__)
        return func

    return register


def discover() -> None:
    """Import every chapter module once so that their decorators run."""
    global _discovered
    if _discovered:
        return
    for package_name in CHAPTER_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            importlib.import_module(info.name)
    _discovered = True


def all_experiments() -> list[Experiment]:
    """Every registered experiment, sorted by name."""
    discover()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get(name: str, source: str = "config") -> Experiment:
    """Look up an experiment; an unknown name is a ConfigError with a suggestion."""
    discover()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ConfigError(f"{source}: key 'experiment': unknown experiment {name!r}; {hint}"
                          f"known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]
