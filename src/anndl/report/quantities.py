"""A declared metric: its name in metrics.json, label, unit, and where its spread over repetitions is.

``report.headlines`` declares each experiment's metrics with this class; the report's tables and the
scorecard read numbers only through it. Keys starting with ``config.``
name the run's resolved config (e.g. ``config.repetitions``). A key may hold one ``*``: it resolves
to the matching metric with the largest number in place of the ``*`` (e.g. the longest run).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

Metrics = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A metric's value in display units, and its standard error over repetitions (None: not recorded).

    ``value``/``se`` are floats, or arrays of shape (n,) for a curve (e.g. one per network size).
    """

    value: Any
    se: Any = None
    missing_se: str = ""
    single: bool = False
    """Measured in one repetition: there is no spread to judge a difference against."""
    n: int | None = None
    """Repetitions (or trials) behind the standard error, when known."""


@dataclasses.dataclass(frozen=True)
class Metric:
    """One headline metric of one experiment."""

    key: str
    """Name in the experiment's flat metrics (or ``config.<key>``); one ``*`` picks the largest number."""
    label: str
    """What it is, in words, for the report's table and the scorecard's "ours"."""
    unit: str = ""
    """Display unit after scaling, e.g. "%", "ms", "MSE" (empty: a count or a plain number)."""
    scale: float = 1.0
    """Multiplies the stored value for display and for the claims (100 turns a fraction into %)."""
    se: str | None = None
    """Metric holding the standard error over repetitions."""
    std: str | None = None
    """Metric holding the standard deviation over repetitions, numpy's default ddof=0 (the SE is
    std / sqrt(n - 1), equal to the sample std / sqrt(n))."""
    per_repetition: str | None = None
    """Metric holding one value per repetition (its std / sqrt(len) gives the SE)."""
    n: tuple[str, ...] = ()
    """Metrics (or config keys) whose product is the number of repetitions, with ``std``, or the number
    of trials of a proportion (then SE = sqrt(p(1-p)/n))."""
    proportion: bool = False
    """The stored value is a fraction of ``n`` independent trials."""
    family: str | None = None
    """A glob that every config's run must match (for keys naming config-dependent parts)."""
    reduce: str | None = None
    """"len": the metric is a list and its length is the value."""
    headline: bool = True
    """Shown in the experiment's headline table (False: read by claims only, e.g. a whole curve)."""
    exact: bool = False
    """Deterministic (no repetitions to spread over): no standard error is expected."""
    pending: bool = False
    """Not yet written by the experiment (asked for); the name check skips it until it lands."""
    experiment: str = ""

    def resolve(self, metrics: Metrics) -> str:
        """The concrete metric name this key denotes in ``metrics`` (KeyError if none matches)."""
        return _resolve(self.key, metrics)

    def raw(self, metrics: Metrics) -> Any:
        value = metrics[self.resolve(metrics)]
        return len(value) if self.reduce == "len" else value

    def estimate(self, metrics: Metrics) -> Estimate:
        """Value and standard error in display units (``scale`` applied)."""
        value = self.raw(metrics)
        if isinstance(value, str) or not _numeric(value):
            return Estimate(value)
        array = np.asarray(value, dtype=float)
        se, missing = None, ""
        reps = metrics.get(self.per_repetition) if self.per_repetition else None
        if (self.std and self._count(metrics) == 1) or (isinstance(reps, list) and len(reps) == 1):
            return Estimate(_plain(array * self.scale), None, f"{self.experiment}: {self.key} from one repetition",
                            single=True)
        n = int(self._count(metrics)) or None
        if self.se and self.se in metrics:
            se = np.asarray(metrics[self.se], dtype=float)
        elif self.per_repetition and self.per_repetition in metrics:
            reps = np.asarray(metrics[self.per_repetition], dtype=float)
            se = np.asarray(reps.std(ddof=1) / math.sqrt(len(reps)) if len(reps) > 1 else np.nan)
            n = len(reps)
        elif self.std and self.std in metrics and self._count(metrics):
            se = np.asarray(metrics[self.std], dtype=float) / math.sqrt(self._count(metrics) - 1)
        elif self.proportion and self._count(metrics):
            se = np.sqrt(array * (1 - array) / self._count(metrics))
        else:
            wanted = self.se or self.per_repetition or self.std or (self.n[0] if self.n else "")
            missing = f"{self.experiment}: {wanted}" if wanted else f"{self.experiment}: {self.key} has no spread"
        scaled = array * self.scale
        return Estimate(_plain(scaled), None if se is None else _plain(se * self.scale), missing,
                        n=n if se is not None else None)

    def _count(self, metrics: Metrics) -> float:
        try:
            return float(np.prod([float(metrics[name]) for name in self.n])) if self.n else 0.0
        except (KeyError, TypeError, ValueError):
            return 0.0

    def format(self, value: Any, se: Any = None) -> str:
        """``value`` (display units) with its unit, and ``± se`` when known."""
        text = format_number(value)
        if se is not None and not isinstance(value, list | tuple | np.ndarray):
            text += f" ± {format_number(se)}"
        return f"{text} {self.unit}" if self.unit else text

    def check_name(self) -> str:
        """The glob a run of any config must match for this metric to be written."""
        return self.family or self.key


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value)


def _plain(array: np.ndarray) -> Any:
    return float(array) if array.ndim == 0 else [float(v) for v in array]


def _resolve(key: str, metrics: Metrics) -> str:
    if "*" not in key:
        if key not in metrics:
            raise KeyError(key)
        return key
    matches = [k for k in metrics if fnmatch.fnmatchcase(k, key)]
    if not matches:
        raise KeyError(key)

    def number(name: str) -> float:
        found = re.findall(r"[-+]?\d+(?:\.\d+)?", name[key.index("*"):])
        return float(found[0]) if found else -math.inf

    return max(matches, key=number)


def format_number(value: Any) -> str:
    if isinstance(value, list | tuple | np.ndarray):
        shown = ", ".join(format_number(v) for v in list(value)[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e6):
        return str(int(value))
    if abs(value) < 1e-3 or abs(value) >= 1e5:
        return f"{value:.3g}"
    return f"{value:.4g}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` (dotted names allowed; "?" if absent)."""
    return re.sub(r"\{([^}]+)\}", lambda m: format_number(values.get(m.group(1), "?")), template)


def placeholders(template: str) -> list[str]:
    """The ``{name}`` placeholders of a template, in order."""
    return re.findall(r"\{([^}]+)\}", template)
