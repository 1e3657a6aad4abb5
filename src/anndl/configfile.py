"""Find and read config files: a path, or the name of a shipped config (``pca``, ``pca.yaml``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from anndl import registry
from anndl.config import LoadedConfig, build_config, read_yaml
from anndl.errors import ConfigError
from anndl.resources import shipped

CONFIG_DIR = shipped("configs")
"""The shipped configs: the installed package's copy of the repository's ``configs/``."""


def shipped_configs() -> list[Path]:
    """Every YAML file in the shipped configs folder, sorted."""
    return sorted(CONFIG_DIR.glob("*.yaml")) if CONFIG_DIR.is_dir() else []


def shipped_config(name: str) -> Path | None:
    """The shipped config called ``name`` or ``name.yaml`` (None when there is none)."""
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    path = CONFIG_DIR / f"{stem}.yaml"
    return path if stem and path.is_file() else None


def find_config(path_or_name: str | Path) -> Path:
    """An existing config file: ``path_or_name`` as a path, else a shipped config of that name.

    A bare name (no folder) that is neither a file here nor a shipped config is a ConfigError that
    lists the shipped configs, with a suggestion for a typo.
    """
    path = Path(path_or_name)
    if path.is_file():
        return path
    if path.parent == Path("."):
        found = shipped_config(path.name)
        if found is not None:
            return found
        names = [p.stem for p in shipped_configs()]
        close = difflib.get_close_matches(path.stem, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ConfigError(f"{path}: config file not found and not a shipped config; {hint}"
                          f"shipped: {', '.join(names) or 'none'} (see `anndl list`)")
    if not path.exists():
        hint = f"; the shipped config is run by name: `anndl run {path.stem}`" if shipped_config(path.name) else ""
        raise ConfigError(f"{path}: config file not found{hint}")
    return path


def config_experiment(path: Path) -> str | None:
    """The ``experiment`` key of a config file, read without validating the rest (None if unreadable)."""
    try:
        name = read_yaml(path).get("experiment")
    except ConfigError:
        return None
    return str(name) if name is not None else None


def load_config_file(path: str | Path, overrides: Iterable[str] = (), *, quick: bool = False,
                     seed: int | None = None, data_dir: str | Path | None = None) -> LoadedConfig:
    """Load a config (a path or a shipped config's name): its ``experiment`` key picks the dataclass;
    then quick, the course files of ``data_dir`` (the experiment's declared keys), overrides, seed apply
    (an explicit override wins over a course file)."""
    path = find_config(path)
    data = read_yaml(path)
    name = data.pop("experiment", None)
    if name is None:
        known = ", ".join(registry.names())
        raise ConfigError(f"{path}: key 'experiment' is missing; it names what to run, one of: {known}")
    exp = registry.get(str(name), source=str(path))
    course = exp.course_choice(Path(data_dir)) if data_dir is not None else None
    config = build_config(data, exp.config_cls, str(path), quick=quick, overrides=overrides, seed=seed,
                          preset=course.overrides if course else ())
    return LoadedConfig(experiment=exp.name, config=config, source=str(path), course=course)
