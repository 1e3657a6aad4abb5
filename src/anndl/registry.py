"""Decorator registry of experiments: chapter modules register themselves by name.

Looking an experiment up imports only its module, found in the static index ``anndl._index``
(name -> module and description), so ``anndl list``, ``describe`` and ``validate`` stay fast. The
index is generated from the decorators (:func:`write_index`; a test checks that it is current), and a
name missing from it is still found by importing every chapter module, so adding an experiment
means writing a module with an ``@experiment`` function; there is no hand-kept list.

An experiment that reads data files may register ``check_data=f``: ``f(cfg)`` loads the files the
config names with the experiment's own loaders (``anndl.data``, which raise a DataError naming the
file), so ``validate`` and ``run`` reject bad data before a run directory exists. It must not import
torch: ``validate`` stays light.

An experiment that can run on the course's own files declares, next to its config class, which of
its keys take which file (``course_data=`` a sequence of :class:`anndl.data.course.CourseFiles`);
``--data DIR`` applies that declaration (:meth:`Experiment.course_choice`), for every experiment alike.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anndl._index import INDEX
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
    data_check: Callable[[Any], None] | None = None
    """``data_check(cfg)`` loads the data files ``cfg`` names, raising a DataError on bad data (optional)."""
    course_data: tuple = ()
    """Which config keys take which of the course's files (:class:`anndl.data.course.CourseFiles` groups)."""

    def check_data(self, cfg: ExperimentConfig) -> None:
        """Load and check the data files ``cfg`` names (a no-op for an experiment without data files)."""
        if self.data_check is not None:
            self.data_check(cfg)

    def course_choice(self, data_dir: Path):
        """The overrides that point this experiment's declared keys at the course files in ``data_dir``."""
        from anndl.data.course import choose

        return choose(self.course_data, Path(data_dir))


_REGISTRY: dict[str, Experiment] = {}
_discovered = False


def experiment(name: str, config_cls: type[ExperimentConfig], description: str,
               check_data: Callable[[Any], None] | None = None, course_data: tuple = ()):
    """Register ``run(cfg, ctx) -> metrics`` as experiment ``name`` configured by ``config_cls``;
    ``check_data(cfg)``, when given, checks the data files a config names before anything runs;
    ``course_data``: the config keys that take the course's files under ``--data DIR``."""
    if not (dataclasses.is_dataclass(config_cls) and issubclass(config_cls, ExperimentConfig)):
        raise TypeError(f"experiment {name!r}: config class must be an ExperimentConfig dataclass")

    def register(func: Callable[[Any, Any], dict]) -> Callable[[Any, Any], dict]:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.module != func.__module__:
            raise ValueError(f"experiment {name!r} registered twice ({existing.module}, {func.__module__})")
        _REGISTRY[name] = Experiment(name, config_cls, description, func, func.__module__, check_data,
                                     tuple(course_data))
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
    """Every registered experiment, sorted by name (imports every chapter module)."""
    discover()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def names() -> list[str]:
    """Every experiment's name, sorted, without importing the experiments (from the static index)."""
    return sorted({*INDEX, *_REGISTRY})


def describe_all() -> list[tuple[str, str, str]]:
    """``(name, module, description)`` of every experiment, sorted by name, without importing them."""
    known = {name: (module, description) for name, (module, description) in INDEX.items()}
    known.update({e.name: (e.module, e.description) for e in _REGISTRY.values()})
    return [(name, *known[name]) for name in sorted(known)]


def get(name: str, source: str = "config") -> Experiment:
    """Look up an experiment, importing only its module; an unknown name is a ConfigError with a suggestion."""
    name = str(name)
    if name not in _REGISTRY and name in INDEX:
        importlib.import_module(INDEX[name][0])
    if name not in _REGISTRY:
        discover()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ConfigError(f"{source}: key 'experiment': unknown experiment {name!r}; {hint}"
                          f"known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def render_index() -> str:
    """The text of ``anndl/_index.py`` for the experiments the decorators register."""
    lines = ['"""Static index of the experiments: name -> (module, description). Generated, do not edit:',
             "regenerate with ``python -c 'from anndl import registry; registry.write_index()'``",
             '(tests/test_registry.py checks it against the @experiment decorators)."""', "",
             "INDEX: dict[str, tuple[str, str]] = {"]
    lines += [f"    {e.name!r}: ({e.module!r}, {e.description!r})," for e in all_experiments()]
    return "\n".join([*lines, "}", ""])


def write_index() -> Path:
    """Rewrite ``anndl/_index.py`` from the decorators."""
    path = Path(__file__).with_name("_index.py")
    path.write_text(render_index(), encoding="utf-8")
    return path
