"""Read a config file into its experiment's validated dataclass (registry + strict config)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from anndl import registry
from anndl.config import LoadedConfig, build_config, read_yaml
from anndl.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
"""The shipped configs (``configs/`` at the repository root)."""


def load_config_file(path: str | Path, overrides: Iterable[str] = (), *, quick: bool = False,
                     seed: int | None = None) -> LoadedConfig:
    """Load ``path``: its ``experiment`` key picks the dataclass; then quick, overrides, seed apply."""
    path = Path(path)
    data = read_yaml(path)
    name = data.pop("experiment", None)
    if name is None:
        known = ", ".join(e.name for e in registry.all_experiments())
        raise ConfigError(f"{path}: key 'experiment' is missing; it names what to run, one of: {known}")
    exp = registry.get(str(name), source=str(path))
    config = build_config(data, exp.config_cls, str(path), quick=quick, overrides=overrides, seed=seed)
    return LoadedConfig(experiment=exp.name, config=config, source=str(path))


def shipped_configs() -> list[Path]:
    """Every YAML file in the shipped ``configs/`` folder, sorted."""
    return sorted(CONFIG_DIR.glob("*.yaml")) if CONFIG_DIR.is_dir() else []
