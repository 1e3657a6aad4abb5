"""The report's claims as data: the report's own sentence, and a test of exactly that sentence.

A claim reads its numbers only through declared metrics (``report.headlines``), judges them with one
of a few kinds of test, and gets a verdict:

- reproduced / not reproduced: the difference the claim is about exceeds 2 standard errors over the
  repetitions, in the claimed / the opposite direction (or an exact value matches / does not);
- inconclusive: that difference is within 2 standard errors;
- not applicable: the run used other data than the report (the data are named); decided by content:
  the digests of the data files the run read against those of the course's files
  (:data:`anndl.data.course.DIGESTS`);
- not comparable: a wall-time ordering of MATLAB's toolbox (its per-call overhead is not the
  algorithm's cost); per-epoch times and function evaluations per epoch are shown instead;
- not in the quick run: a quick report's run does not produce a metric the claim reads;
- no data: the experiment did not run, a metric the claim reads is missing, or the run recorded no
  data files where the claim needs to know them.

A choice the report made by the lowest score over a grid (an architecture, a lag) is judged with the
spread (:class:`Choice`): reproduced when our best is the same point, inconclusive when the report's
choice lies within 2 standard errors of our best, not reproduced when it is worse by more. Verdicts of a
quick report are marked indicative (one or two repetitions).

A claim that does not reproduce is a finding, not a failure. Claims are never tuned to pass.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anndl.data.course import identify
from anndl.report.quantities import Estimate, Metric, Metrics, fill, format_number

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
NOT_APPLICABLE, NOT_COMPARABLE, NO_DATA = "not applicable", "not comparable", "no data"
NOT_IN_QUICK = "not in the quick run"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_APPLICABLE, NOT_COMPARABLE, NOT_IN_QUICK, NO_DATA)
DATA_FILES = "run.data_files"
"""Key of a run's claim inputs holding the data files it read: ``[{"file": name, "sha256": ..., "md5": ...}]``."""
INDICATIVE = "Indicative only (quick run: its few repetitions and short trainings do not settle a claim). "
Z = 2.0
"""A difference counts when it exceeds Z standard errors."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    verdict: str
    ours: str
    numbers: str
    deciding: str = ""
    """Our value in one short phrase: the number that decides the verdict, with its spread and n."""


def _phrase(value: float, se: float | None, n: int | None, unit: str = "") -> str:
    """"0.12 ± 0.03 ms (SE, n = 20)": a number with its standard error and repetitions, as known."""
    text = format_number(float(value)) + (f" ± {format_number(float(se))}" if se is not None and se == se else "")
    text += f" {unit}" if unit else ""
    tags = [t for t in ("SE" if se is not None and se == se else "", f"n = {n}" if n else "") if t]
    return text + (f" ({', '.join(tags)})" if tags else "")


def _at(array, index: int):
    array = np.asarray(array, float)
    return float(array.ravel()[index]) if array.ndim else float(array)


def _values(metric: Metric, metrics: Mapping[str, Metrics]) -> Estimate:
    return metric.estimate(metrics[metric.experiment])


def _se(estimate: Estimate) -> np.ndarray:
    return np.zeros_like(np.asarray(estimate.value, float)) if estimate.se is None else np.asarray(estimate.se, float)


def _shown(metric: Metric, estimate: Estimate) -> str:
    return f"{metric.label} {metric.format(estimate.value, estimate.se)}"


@dataclasses.dataclass(frozen=True)
class Ordering:
    """Every ``lower`` metric (times ``factor``) is below every ``higher`` one; curves are compared
    point by point (all points must hold)."""

    lower: tuple[Metric, ...]
    higher: tuple[Metric, ...]
    factor: float = 1.0

    def reads(self) -> tuple[Metric, ...]:
        return self.lower + self.higher

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        lows = [(m, _values(m, metrics)) for m in self.lower]
        highs = [(m, _values(m, metrics)) for m in self.higher]
        states, weakest = [], None
        for low_metric, low in lows:
            for high_metric, high in highs:
                diff = np.asarray(high.value, float) - self.factor * np.asarray(low.value, float)
                se = np.sqrt((self.factor * _se(low)) ** 2 + _se(high) ** 2)
                states.append(np.where(diff > Z * se, 1, np.where(diff < -Z * se, -1, 0)).ravel())
                flat_diff, flat_se = np.ravel(diff), np.ravel(np.broadcast_to(se, np.shape(diff)))
                with np.errstate(divide="ignore", invalid="ignore"):  # no spread: the difference's sign decides
                    margin = np.where(flat_se > 0, flat_diff / np.where(flat_se > 0, flat_se, 1.0),
                                      np.where(flat_diff > 0, np.inf, np.where(flat_diff < 0, -np.inf, 0.0)))
                i = int(np.argmin(margin))
                if weakest is None or margin[i] < weakest[0]:
                    n = min((x for x in (low.n, high.n) if x), default=None)
                    weakest = (margin[i], low_metric, high_metric, _at(diff, i), _at(se, i) if np.any(se) else None,
                               n, i, margin.size)
        state = np.concatenate(states)
        verdict = NOT_REPRODUCED if (state == -1).any() else REPRODUCED if (state == 1).all() else INCONCLUSIVE
        sign = "<" if self.factor == 1 else f"< 1/{format_number(self.factor)} ×"
        ours = "; ".join(_shown(m, e) for m, e in lows + highs)
        points = state.size // max(len(states), 1)
        detail = (f"holds beyond 2 SE in {(state == 1).sum()} of {state.size} comparisons, "
                  f"contradicted in {(state == -1).sum()}" + (f" ({points} points per curve)" if points > 1 else ""))
        _, low_m, high_m, gap, gap_se, n, i, size = weakest
        factor = "" if self.factor == 1 else f"{format_number(self.factor)} × "
        point = f", point {i + 1} of {size}" if size > 1 else ""
        deciding = (f"{high_m.label} − {factor}{low_m.label} = {_phrase(gap, gap_se, n, high_m.unit)}"
                    f"{point}{', the closest of ' + str(state.size) if state.size > 1 else ''}")
        return Outcome(verdict, ours, f"{' and '.join(m.label for m, _ in lows)} {sign} "
                                      f"{' and '.join(m.label for m, _ in highs)}: {detail}", deciding)


@dataclasses.dataclass(frozen=True)
class InRange:
    """Every metric lies in [low, high] (None: unbounded); within 2 SE of a bound is inconclusive."""

    metrics: tuple[Metric, ...]
    low: float | None = None
    high: float | None = None

    def reads(self) -> tuple[Metric, ...]:
        return self.metrics

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        states, shown, closest = [], [], None
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        for metric in self.metrics:
            estimate = _values(metric, metrics)
            value, se = np.asarray(estimate.value, float), _se(estimate)
            distance = np.ravel(np.minimum(value - lo, hi - value) / np.where(se > 0, se, 1e-300))
            i = int(np.argmin(distance))
            if closest is None or distance[i] < closest[0]:
                closest = (distance[i], metric, _at(value, i), _at(se, i) if estimate.se is not None else None,
                           estimate.n)
            inside = (value - Z * se >= lo) & (value + Z * se <= hi)
            outside = (value + Z * se < lo) | (value - Z * se > hi)
            states.append(np.where(inside, 1, np.where(outside, -1, 0)).ravel())
            shown.append(_shown(metric, estimate))
        state = np.concatenate(states)
        verdict = NOT_REPRODUCED if (state == -1).any() else REPRODUCED if (state == 1).all() else INCONCLUSIVE
        bounds = (f"in [{format_number(lo)}, {format_number(hi)}]" if self.low is not None and self.high is not None
                  else f"≥ {format_number(lo)}" if self.high is None else f"≤ {format_number(hi)}")
        unit = self.metrics[0].unit
        _, metric, value, se, n = closest
        deciding = f"{metric.label} {_phrase(value, se, n, metric.unit)}" + (
            ", the closest to the bound" if sum(s.size for s in states) > 1 else "")
        return Outcome(verdict, "; ".join(shown), f"claim: {bounds}{' ' + unit if unit else ''}", deciding)


@dataclasses.dataclass(frozen=True)
class Equals:
    """Each metric equals its expected value exactly (counts, sizes, chosen hyper-parameters)."""

    metrics: tuple[Metric, ...]
    expected: tuple[Any, ...]

    def reads(self) -> tuple[Metric, ...]:
        return self.metrics

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        got = [_values(m, metrics).value for m in self.metrics]
        ok = all(g == e for g, e in zip(got, self.expected, strict=True))
        ours = "; ".join(f"{m.label} {m.format(g)}" for m, g in zip(self.metrics, got, strict=True))
        wanted = ", ".join(format_number(e) for e in self.expected)
        wrong = [(m, g) for m, g, e in zip(self.metrics, got, self.expected, strict=True) if g != e]
        m, g = (wrong or list(zip(self.metrics, got, strict=True)))[0]
        more = f" (and {len(self.metrics) - 1} more)" if len(self.metrics) > 1 else ""
        deciding = ours if len(ours) <= 90 else f"{m.label} {m.format(g)}{more}"
        return Outcome(REPRODUCED if ok else NOT_REPRODUCED, ours, f"report: {wanted}", deciding)


@dataclasses.dataclass(frozen=True)
class BestWithin:
    """Curves over sizes are best (lowest) within [low, high]: each passes when some size in the range is
    within one standard error (of the difference) of its best size."""

    curves: tuple[Metric, ...]
    sizes: Metric
    low: float
    high: float

    def reads(self) -> tuple[Metric, ...]:
        return (*self.curves, self.sizes)

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        sizes = np.asarray(_values(self.sizes, metrics).value, float)
        in_range = np.flatnonzero((sizes >= self.low) & (sizes <= self.high))
        passed, ours, numbers, decisive = [], [], [], []
        for curve in self.curves:
            estimate = _values(curve, metrics)
            values, se = np.asarray(estimate.value, float), _se(estimate)
            spread = (lambda i: None) if estimate.se is None else (lambda i, se=se: se[i])
            best = int(np.argmin(values))
            passed.append(any(values[i] - values[best] <= math.hypot(se[i], se[best]) for i in in_range))
            decisive.append(f"{curve.label}: best at {format_number(sizes[best])} {self.sizes.unit}".rstrip()
                            + (f" (n = {estimate.n})" if estimate.n else ""))
            ours.append(f"{curve.label}: best at {format_number(sizes[best])} {self.sizes.unit}, "
                        f"{curve.format(values[best], spread(best))}")
            near = ", ".join(f"{format_number(sizes[i])}: {curve.format(values[i], spread(i))}" for i in in_range)
            numbers.append(f"{curve.label} at {format_number(self.low)}–{format_number(self.high)}: "
                           f"{near or 'no size in the range was run'}")
        failed = [d for d, ok in zip(decisive, passed, strict=True) if not ok]
        deciding = (failed or decisive)[0] + (f" (1 of {len(decisive)} curves)" if len(decisive) > 1 else "")
        return Outcome(REPRODUCED if all(passed) else NOT_REPRODUCED, "; ".join(ours), "; ".join(numbers), deciding)


@dataclasses.dataclass(frozen=True)
class Timing:
    """A wall-time ordering of MATLAB's toolbox: never judged, per-epoch cost shown instead."""

    per_epoch: tuple[Metric, ...]
    evaluations: tuple[Metric, ...] = ()

    def reads(self) -> tuple[Metric, ...]:
        return self.per_epoch + self.evaluations

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        shown = [f"{m.label} {m.format(_values(m, metrics).value)}" for m in self.per_epoch]
        evaluations = []
        for metric in self.evaluations:
            try:
                evaluations.append(f"{metric.label} {metric.format(_values(metric, metrics).value)}")
            except KeyError:
                evaluations.append(f"{metric.label}: not recorded ({metric.key})")
        return Outcome(NOT_COMPARABLE, "; ".join(shown + evaluations),
                       "MATLAB's per-epoch times include the toolbox's per-call overhead (line searches call "
                       "the network many times per epoch), so wall-time orderings describe the implementation; "
                       "compare function evaluations per epoch",
                       f"not judged (MATLAB wall time); {len(self.per_epoch)} per-epoch times shown")


@dataclasses.dataclass(frozen=True)
class Choice:
    """The report chose ``expected``, the grid point with the lowest ``score``: reproduced when our lowest
    is the same point; inconclusive when the report's choice is within Z standard errors (of the
    difference) of our best; not reproduced when worse by more.

    ``coordinates``: one metric per grid axis, each a list with one value per grid point; ``score``: the
    list of mean scores (lower is better), with its spread declared as usual.
    """

    coordinates: tuple[Metric, ...]
    score: Metric
    expected: tuple[Any, ...]

    def reads(self) -> tuple[Metric, ...]:
        return (self.score, *self.coordinates)

    def judge(self, metrics: Mapping[str, Metrics]) -> Outcome:
        points = list(zip(*(list(_values(m, metrics).value) for m in self.coordinates), strict=True))
        estimate = _values(self.score, metrics)
        values = np.asarray(estimate.value, float)
        se = None if estimate.se is None else np.asarray(estimate.se, float)
        wanted = tuple(float(e) for e in self.expected)
        chosen = [i for i, point in enumerate(points) if tuple(float(v) for v in point) == wanted]
        name = " × ".join(format_number(e) for e in self.expected)
        if not chosen:
            raise KeyError(f"the report's choice {name} is not in the grid searched")
        mine, best = chosen[0], int(np.argmin(values))

        def shown(i: int) -> str:
            return self.score.format(values[i], None if se is None else se[i])

        best_name = " × ".join(format_number(v) for v in points[best])
        ours = f"best {best_name}: {shown(best)}; the report's {name}: {shown(mine)}"
        if mine == best:
            return Outcome(REPRODUCED, ours, f"{self.score.label}: our lowest is the report's choice {name}")
        diff = values[mine] - values[best]
        if se is None:
            return Outcome(INCONCLUSIVE, ours, f"{self.score.label}: no spread recorded to judge the difference "
                                                f"{format_number(diff)} against")
        bound = Z * math.hypot(se[mine], se[best])
        verdict = INCONCLUSIVE if diff <= bound else NOT_REPRODUCED
        deciding = (f"the report's {name} − our best {best_name} = "
                    f"{_phrase(diff, math.hypot(se[mine], se[best]), estimate.n, self.score.unit)}")
        return Outcome(verdict, ours, f"{self.score.label}: the report's choice is {format_number(diff)} above our "
                                      f"best; 2 SE of the difference = {format_number(bound)}", deciding)


Test = Ordering | InRange | Equals | BestWithin | Timing | Choice


@dataclasses.dataclass(frozen=True)
class Data:
    """The data a claim is measured on: the report's, ours, and which of the course's files the report's are.

    ``ours`` may name metrics or config keys in braces (``{config.spectra_path}``). ``course``: names of
    the course's files (:data:`anndl.data.course.DIGESTS`); a run that did not read every one of them,
    judged by the digests it recorded, used stand-in data.
    """

    report: str
    ours: str
    course: tuple[str, ...] = ()

    def describe(self, metrics: Metrics) -> str:
        """``ours`` filled from the run; a file the user named by an absolute path, by its file name alone
        (the reader's folders are not the runner's)."""
        shown = {k: Path(v).name if isinstance(v, str) and Path(v).is_absolute() else v for k, v in metrics.items()}
        text = fill(self.ours, shown)
        if DATA_FILES in metrics:
            found = identify(metrics[DATA_FILES])
            text += (f"; course files read (by digest): {', '.join(found)}" if found
                     else "; none of the course's files read")
        return text

    def stand_in(self, metrics: Metrics) -> bool:
        """Whether the run read other data than the course files the report used."""
        return bool(self.course) and not set(self.course) <= set(identify(metrics.get(DATA_FILES, ())))


@dataclasses.dataclass(frozen=True)
class Claim:
    """One sentence of the report, tested as stated."""

    section: str
    """The report's section, e.g. "2.1"."""
    quote: str
    """The report's own words (a short quote)."""
    report_value: str
    """The report's number or statement, for the scorecard's "report" column."""
    test: Test
    data: Data
    why_not: str = ""
    """One sentence: why a non-reproduction happens (shown only when the verdict is "not reproduced")."""

    @property
    def experiments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.experiment for m in self.test.reads()))

    @property
    def experiment(self) -> str:
        return " + ".join(self.experiments)

    def reads(self) -> tuple[Metric, ...]:
        """Every declared metric this claim reads (the lead updates renamed metrics in headlines.py)."""
        return self.test.reads()


@dataclasses.dataclass
class Verdict:
    """A claim's row of the scorecard."""

    claim: Claim
    ours: str
    verdict: str
    reason: str
    course_data: Verdict | None = None
    """The same claim judged on the runs of a report on the course's data (``--course-metrics``), if given."""
    deciding: str = ""
    """Our value in one short phrase (the number that decides the verdict, its spread and n)."""


def evaluate(claim: Claim, metrics_by_experiment: Mapping[str, Metrics | None], *, quick: bool = False) -> Verdict:
    """Judge one claim on the metrics (and ``config.*`` keys, and the data files read) of the runs it names;
    ``quick``: the runs are quick variants (verdicts indicative, a metric they lack "not in the quick run")."""
    verdict = _evaluate(claim, metrics_by_experiment, quick)
    if quick and verdict.verdict in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE):
        verdict.reason = INDICATIVE + verdict.reason
    return verdict


def _evaluate(claim: Claim, metrics_by_experiment: Mapping[str, Metrics | None], quick: bool) -> Verdict:
    missing = [name for name in claim.experiments if not metrics_by_experiment.get(name)]
    if missing:
        return Verdict(claim, "", NO_DATA, f"{', '.join(missing)} did not run or failed")
    metrics = {name: metrics_by_experiment[name] for name in claim.experiments}
    first = metrics[claim.experiments[0]]
    if claim.data.course and DATA_FILES not in first:
        return Verdict(claim, "", NO_DATA, f"the {claim.experiments[0]} run recorded no data files, so whether it "
                                           f"used the report's data ({claim.data.report}) cannot be told")
    data = f"Data: {claim.data.describe(first)} (report: {claim.data.report})."
    try:
        outcome = claim.test.judge(metrics)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        if quick:
            return Verdict(claim, "", NOT_IN_QUICK, f"the quick variant does not produce what the claim reads "
                                                    f"({exc}). {data}")
        return Verdict(claim, "", NO_DATA, f"metric missing: {exc}. {data}")
    spread = _missing_spread(claim, metrics)
    single = [m.key for m in claim.reads() if not isinstance(claim.test, Equals | Timing)
              and m.estimate(metrics[m.experiment]).single]
    if single and outcome.verdict in (REPRODUCED, NOT_REPRODUCED):
        outcome = dataclasses.replace(outcome, verdict=INCONCLUSIVE,
                                      numbers=f"{outcome.numbers}; measured in one repetition, so there is no "
                                              f"spread to judge the difference against (on means: {outcome.verdict})")
    reason = f"{outcome.numbers}. {data}" + (f" No standard error recorded ({spread}): judged on means."
                                            if spread else "")
    if claim.data.stand_in(first):
        return Verdict(claim, outcome.ours, NOT_APPLICABLE,
                       f"Stand-in data: {claim.data.describe(first)}, not {claim.data.report}; "
                       f"our test would say {outcome.verdict}. {outcome.numbers}.", deciding=outcome.deciding)
    if outcome.verdict == NOT_REPRODUCED:
        reason += f" Why: {claim.why_not or 'not explained yet (no known set-up difference).'}"
    return Verdict(claim, outcome.ours, outcome.verdict, reason, deciding=outcome.deciding)


def _missing_spread(claim: Claim, metrics: Mapping[str, Metrics]) -> str:
    if isinstance(claim.test, Equals | Timing):
        return ""
    gaps = []
    for metric in claim.reads():
        if metric.exact or metric.unit == "units" or metric.reduce:
            continue
        estimate = metric.estimate(metrics[metric.experiment])
        if estimate.se is None and estimate.missing_se and not estimate.single and not isinstance(estimate.value, str):
            gaps.append(estimate.missing_se)
    return ", ".join(dict.fromkeys(gaps))


def counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Verdicts per kind, in the order of VERDICTS (kinds with none left out)."""
    found = {k: sum(v.verdict == k for v in verdicts) for k in VERDICTS}
    return {k: n for k, n in found.items() if n}
