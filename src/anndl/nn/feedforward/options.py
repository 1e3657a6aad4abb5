"""Config-level description of one optimiser of a comparison (torch-free, so that ``describe`` and
``validate`` stay light); :class:`anndl.nn.feedforward.optimisers.OptimiserSpec` is what the loop reads."""

from __future__ import annotations

import dataclasses

from anndl.config import param


@dataclasses.dataclass(frozen=True, kw_only=True)
class NamedOptimiser:
    """One row of the course's optimiser table."""

    label: str
    """Name in metrics and legends (letters, digits and underscores)."""
    name: str = "sgd"
    """torch optimiser: sgd, adam, adadelta, rmsprop, adagrad or lbfgs."""
    lr: float | None = param(None, gt=0)
    """Learning rate; null: torch's default (adam 1e-3, lbfgs 1)."""
    batch_size: int = param(32, ge=1)
    """Samples per step (1600: full batch)."""
    momentum: float = param(0.0, ge=0)
    """SGD momentum."""
    nesterov: bool = False
    """Nesterov momentum (SGD)."""
    max_iter: int = param(1, ge=1)
    """L-BFGS iterations per step."""
