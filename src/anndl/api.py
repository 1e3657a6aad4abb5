"""``run_experiment``: what ``anndl run`` does, called from Python (a notebook, a script).

The config is found and validated by :mod:`anndl.configfile`, the run executed by
:func:`anndl.runs.execute` into a run directory laid out as the CLI's (config.yaml, env.json,
status.json, metrics.json, figures/, tables/), so a run from Python can be shown, resumed and
compared with ``anndl show`` / ``anndl run --resume`` like any other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from anndl import registry, runs
from anndl.config import LoadedConfig
from anndl.configfile import load_config_file
from anndl.executor import close_executor, make_executor


class Metrics(dict):
    """A run's flat metrics (``{"lm.mse": ..., ...}``, as in metrics.json), plus where the run went."""

    run_dir: Path
    """The run directory: metrics.json, figures/, tables/ ..."""

    def __init__(self, metrics: Mapping[str, Any], run_dir: Path):
        super().__init__(metrics)
        self.run_dir = run_dir


def run_experiment(config_or_name: str | Path, *, out: str | Path | None = None, quick: bool = False,
                   seed: int | None = None, jobs: int = 1, progress: bool = True, **overrides: Any) -> Metrics:
    """Run one experiment as ``anndl run`` does and return its metrics.

    ``config_or_name``: a YAML config's path, or a shipped config's name (``"fit_trainlm"`` for
    ``configs/fit_trainlm.yaml``; ``anndl list`` prints them). ``overrides``: config keys and
    values, as ``anndl run``'s ``KEY=VALUE`` (``epochs=50``); nested keys with ``__`` or dots
    (``data__path="my.mat"``, or ``**{"data.path": "my.mat"}``). A Python value is written as
    YAML text and typed by the config's field, exactly as on the command line.

    ``out``: the run directory (default ``runs/<experiment>/<UTC time>_s<seed>/`` under the
    working directory; an existing one with the same config is resumed, as ``--resume`` does);
    ``quick``: the config's own fast variant; ``seed``: replaces the config's seed; ``jobs``:
    worker processes for the repetitions; ``progress``: progress bars.

    Returns the flat metrics written to metrics.json (a dict; ``.run_dir`` is the directory).
    A bad name, key or value raises :class:`~anndl.errors.ConfigError` naming the file and key,
    before anything is written.
    """
    loaded = load_experiment_config(config_or_name, quick=quick, seed=seed, **overrides)
    exp = registry.get(loaded.experiment)
    run_dir = Path(out) if out is not None else runs.default_run_dir(exp.name, loaded.config.seed)
    pool = make_executor(jobs)
    try:
        metrics = runs.execute(exp, loaded.config, run_dir, quick=quick, jobs=jobs, progress=progress,
                               executor_obj=pool)
    finally:
        close_executor(pool)
    return Metrics(metrics, run_dir.resolve())


def load_experiment_config(config_or_name: str | Path, *, quick: bool = False, seed: int | None = None,
                           **overrides: Any) -> LoadedConfig:
    """The validated config that :func:`run_experiment` would run (``anndl run --dry-run``):
    ``.experiment`` its name, ``.config`` the typed dataclass, ``.source`` the file."""
    texts = [f"{key.replace('__', '.')}={_as_text(value)}" for key, value in overrides.items()]
    return load_config_file(config_or_name, texts, quick=quick, seed=seed)


def _as_text(value: Any) -> str:
    """An override's value as the text ``anndl run KEY=VALUE`` would get: strings and paths as
    they are, anything else (numbers, lists, tuples, numpy values, mappings) as one line of YAML."""
    if isinstance(value, str | Path):
        return str(value)
    text = yaml.safe_dump(_plain(value), default_flow_style=True, width=math.inf)
    return text.removesuffix("\n...\n").strip()


def _plain(value: Any) -> Any:
    """Tuples as lists, numpy scalars and arrays as Python numbers and lists, recursively."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value
