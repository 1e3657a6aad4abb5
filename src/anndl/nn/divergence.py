"""When a training has diverged: the one rule every training loop applies, and its message.

The rule: a monitored value (a loss, or a negative log-likelihood) has diverged when it is not
finite (NaN or ±inf), or when its magnitude exceeds ``GROWTH_LIMIT`` (10⁶) times a reference
magnitude. The reference is the first value the guard sees (the initial loss), unless the caller
states one: the RBM's negative pseudo-log-likelihood is held against a coin-flip model's D·ln 2
nats per image, with ``LIKELIHOOD_LIMIT`` (10³). ``floor`` is a least reference magnitude, for
signed losses that can start near zero (the GANs' losses use 1; a zero reference and floor skip
the growth test); ``factor=None`` tests finiteness only (parameters, monitors bounded by
construction such as a reconstruction error).

Loops whose runs an experiment compares (the classic trainers) record the reason and stop;
the others raise :class:`~anndl.errors.RunError` through :meth:`DivergenceGuard.check`, with the
metrics measured so far, which the run record writes to metrics.json (the run exits 1).
This module does not import torch, so the numpy trainers can use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from anndl.errors import RunError

GROWTH_LIMIT = 1e6
"""A value whose magnitude grows past this many times its reference counts as diverged."""
LIKELIHOOD_LIMIT = 1e3
"""The growth limit of a negative (pseudo-)log-likelihood against a coin-flip model's D·ln 2 nats:
10³ × ln 2 ≈ 693 nats per pixel, a model that gives the data e^-693 per pixel (a healthy MNIST
RBM has about 0.1–0.3)."""


class DivergenceGuard:
    """Tests successive values of one monitored quantity against the divergence rule.

    ``what`` names the quantity in messages ("LSTM training loss"); ``reference`` fixes the
    reference magnitude (default: the first value tested); ``floor`` is its least magnitude;
    ``factor`` the growth limit (None: finiteness only).
    """

    def __init__(self, what: str = "loss", *, factor: float | None = GROWTH_LIMIT,
                 reference: float | None = None, floor: float = 0.0):
        self.what, self.factor, self.floor = what, factor, float(floor)
        self.reference = None if reference is None else abs(float(reference))

    def reason(self, value: float) -> str | None:
        """Why ``value`` counts as diverged, or None; the first finite value becomes the reference."""
        value = float(value)
        if not math.isfinite(value):
            return f"{self.what} is {value}"
        if self.reference is None:
            self.reference = abs(value)
        limit = None if self.factor is None else self.factor * max(self.reference, self.floor)
        if limit and abs(value) > limit:
            return f"{self.what} is {value:.3g}, more than {self.factor:.0e} × its reference {self.reference:.3g}"
        return None

    def check(self, value: float, epoch: int, partial_metrics: dict | None = None) -> None:
        """Raise a :class:`RunError` (with ``partial_metrics``) when ``value`` at ``epoch`` diverged."""
        reason = self.reason(value)
        if reason is not None:
            diverged = {"what": self.what, "epoch": epoch, "value": float(value), "reason": reason}
            raise RunError(message(reason, epoch), {**(partial_metrics or {}), "diverged": diverged})

    def check_curve(self, values: Sequence[float], partial_metrics: dict | None = None) -> None:
        """Apply :meth:`check` to every value of a finished curve (entry i: after i iterations)."""
        for epoch, value in enumerate(values):
            self.check(value, epoch, partial_metrics)


def check_latest(values: Sequence[float], epoch: int, what: str = "loss", partial_metrics: dict | None = None,
                 **guard: float) -> None:
    """:meth:`DivergenceGuard.check` of the newest of ``values`` against the first (a loop's curve so
    far; stateless, so a resumed loop keeps its reference). ``guard``: factor, reference, floor."""
    if values:
        guard.setdefault("reference", values[0])
        DivergenceGuard(what, **guard).check(values[-1], epoch, partial_metrics)


def message(reason: str, epoch: int) -> str:
    """The one line a diverged run ends with."""
    return (f"training diverged: {reason} at epoch {epoch}; the last good checkpoint and the metrics so far "
            f"are kept; lower the learning rate")
