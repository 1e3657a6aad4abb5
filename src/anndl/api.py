"""``run_experiment``: what ``anndl run`` does, called from Python (a notebook, a script); it returns
a :class:`~anndl.results.Run`, as :func:`~anndl.results.load_run` does for a past run.

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
from anndl.results import Run


def run_experiment(config_or_name: str | Path, *, out: str | Path | None = None, quick: bool = False,
                   seed: int | None = None, jobs: int = 1, progress: bool = True, **overrides: Any) -> Run:
    """Run one experiment as ``anndl run`` does and return the :class:`~anndl.results.Run`.

    ``config_or_name``: a YAML config's path, or a shipped config's name (``"fit_trainlm"`` for
    ``configs/fit_trainlm.yaml``; ``anndl list`` prints them). ``overrides``: config keys and
    values, as ``anndl run``'s ``KEY=VALUE`` (``epochs=50``); nested keys with ``__`` or dots
    (``data__path="my.mat"``, or ``**{"data.path": "my.mat"}``). A Python value is written as
    YAML text and typed by the config's field, exactly as on the command line.

    ``out``: the run directory (default ``runs/<experiment>/<UTC time>_s<seed>_<overrides>/`` under the
    working directory; an existing one with the same config is resumed, as ``--resume`` does);
    ``quick``: the config's own fast variant; ``seed``: replaces the config's seed; ``jobs``:
    worker processes for the repetitions; ``progress``: progress bars.

    Returns the :class:`~anndl.results.Run`: ``.metrics`` (metrics.json), ``.config``, ``.figures``,
    ``.status``, ``.run_dir``; in Jupyter it shows its status, headline metrics and figures.
    A bad name, key or value raises :class:`~anndl.errors.ConfigError` naming the file and key,
    before anything is written.
    """
    texts = override_texts(overrides)
    loaded = load_config_file(config_or_name, texts, quick=quick, seed=seed)
    exp = registry.get(loaded.experiment)
    run_dir = Path(out) if out is not None else runs.default_run_dir(exp.name, loaded.config.seed, overrides=texts)
    pool = make_executor(jobs)
    try:
        runs.execute(exp, loaded.config, run_dir, quick=quick, jobs=jobs, progress=progress, executor_obj=pool,
                     overrides=texts)
    finally:
        close_executor(pool)
    return Run(run_dir)


def load_experiment_config(config_or_name: str | Path, *, quick: bool = False, seed: int | None = None,
                           **overrides: Any) -> LoadedConfig:
    """The validated config that :func:`run_experiment` would run (``anndl run --dry-run``):
    ``.experiment`` its name, ``.config`` the typed dataclass, ``.source`` the file."""
    return load_config_file(config_or_name, override_texts(overrides), quick=quick, seed=seed)


def override_texts(overrides: Mapping[str, Any]) -> list[str]:
    """Keyword overrides as ``anndl run``'s ``KEY=VALUE`` texts (``data__path`` -> ``data.path=...``)."""
    return [f"{key.replace('__', '.')}={_as_text(value)}" for key, value in overrides.items()]


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
