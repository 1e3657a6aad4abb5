"""The report's claims as data: checkable predicates on an experiment's metrics, with the report's value.

A claim that does not reproduce is a finding, not a failure: the scorecard says so and why. Claims
are never tuned to pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

Metrics = Mapping[str, Any]

REPRODUCED, NOT_REPRODUCED, NOT_APPLICABLE, NO_DATA = "reproduced", "not reproduced", "not applicable", "no data"


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of the report about one or more experiments.

    ``measure`` returns our value (a number or short text) from ``{experiment: flat metrics}`` of the
    experiments it names; ``holds`` decides whether that value supports the claim. ``caveat``
    (optional) returns a reason when the comparison does not apply (e.g. a different data set).
    """

    experiments: tuple[str, ...]
    section: str
    text: str
    report_value: str
    measure: Callable[[Mapping[str, Metrics]], Any]
    holds: Callable[[Any], bool]
    caveat: Callable[[Mapping[str, Metrics]], str | None] = lambda metrics: None

    @property
    def experiment(self) -> str:
        return " + ".join(self.experiments)


@dataclasses.dataclass
class Verdict:
    """A claim's row of the scorecard."""

    claim: Claim
    ours: str
    verdict: str
    reason: str


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def evaluate(claim: Claim, metrics_by_experiment: Mapping[str, Metrics | None]) -> Verdict:
    """Judge one claim on the metrics of the runs it names (a missing or failed run gives "no data")."""
    missing = [name for name in claim.experiments if not metrics_by_experiment.get(name)]
    if missing:
        return Verdict(claim, "", NO_DATA, f"{', '.join(missing)} did not run or failed")
    metrics = {name: metrics_by_experiment[name] for name in claim.experiments}
    try:
        ours = claim.measure(metrics)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, IndexError) as exc:
        return Verdict(claim, "", NO_DATA, f"metric missing: {exc}")
    reason = claim.caveat(metrics)
    if reason:
        return Verdict(claim, _fmt(ours), NOT_APPLICABLE, reason)
    if claim.holds(ours):
        return Verdict(claim, _fmt(ours), REPRODUCED, "our value satisfies the claim")
    return Verdict(claim, _fmt(ours), NOT_REPRODUCED, "our value contradicts the claim")
