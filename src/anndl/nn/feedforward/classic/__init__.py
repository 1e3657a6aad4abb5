"""The seven MATLAB training algorithms, one stepper class per algorithm.

``ALGORITHMS`` maps anndl's short name to its stepper, MATLAB name and MATLAB's defaults for
min_grad and max_fail (max_fail 0: no validation stop; the last network is returned).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anndl.nn.feedforward.classic.base import Objective, Stepper
from anndl.nn.feedforward.classic.conjugate_gradient import FletcherReeves
from anndl.nn.feedforward.classic.gradient_descent import AdaptiveMomentumDescent, GradientDescent
from anndl.nn.feedforward.classic.levenberg_marquardt import BayesianRegularization, LevenbergMarquardt
from anndl.nn.feedforward.classic.quasi_newton import BFGS
from anndl.nn.feedforward.classic.scaled_conjugate_gradient import ScaledConjugateGradient


@dataclass(frozen=True)
class Algorithm:
    stepper: type[Stepper]
    matlab_name: str
    min_grad: float
    max_fail: int
    needs_jacobian: bool = False


ALGORITHMS: dict[str, Algorithm] = {
    "gd": Algorithm(GradientDescent, "traingd", 1e-5, 6),
    "gdx": Algorithm(AdaptiveMomentumDescent, "traingdx", 1e-5, 6),
    "cgf": Algorithm(FletcherReeves, "traincgf", 1e-10, 6),
    "bfg": Algorithm(BFGS, "trainbfg", 1e-6, 6),
    "lm": Algorithm(LevenbergMarquardt, "trainlm", 1e-7, 6, needs_jacobian=True),
    "br": Algorithm(BayesianRegularization, "trainbr", 1e-7, 0, needs_jacobian=True),
    "scg": Algorithm(ScaledConjugateGradient, "trainscg", 1e-6, 6),
}

REPORT_ALGORITHMS: tuple[str, ...] = ("gd", "gdx", "cgf", "bfg", "lm", "br")
"""The six that the report's §1.1 compares (scg is MATLAB's autoencoder trainer, not among them)."""

ALGORITHM_NAMES: tuple[str, ...] = tuple(n for short, a in ALGORITHMS.items() for n in (short, a.matlab_name))
"""Every name :func:`resolve_algorithm` accepts in lower case: the short names and MATLAB's."""
AlgorithmName = Literal[ALGORITHM_NAMES]  # type: ignore[valid-type]
"""The type of a config field naming a training algorithm (checked when the config loads)."""


def resolve_algorithm(name: str) -> str:
    """anndl's short name for ``name`` ("lm" or MATLAB's "trainlm"); ValueError if unknown."""
    key = str(name).lower()
    for short, algo in ALGORITHMS.items():
        if key in (short, algo.matlab_name):
            return short
    known = ", ".join(f"{s} ({a.matlab_name})" for s, a in ALGORITHMS.items())
    raise ValueError(f"unknown training algorithm {name!r}; known: {known}")


def check_algorithms(names: list[str], key: str = "algorithms") -> None:
    """ValueError naming config ``key`` if any of ``names`` is not a known algorithm."""
    for name in names:
        try:
            resolve_algorithm(name)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None


__all__ = ["ALGORITHMS", "ALGORITHM_NAMES", "REPORT_ALGORITHMS", "Algorithm", "AlgorithmName", "Objective", "Stepper",
           "check_algorithms", "resolve_algorithm"]
