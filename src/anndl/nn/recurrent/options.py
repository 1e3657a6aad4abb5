"""The LSTM's training options, apart from :mod:`anndl.nn.recurrent.lstm` so that a config can hold them
without importing torch (``anndl describe`` / ``validate``); :mod:`anndl.nn.recurrent.lstm` re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anndl.config import param


@dataclass
class LSTMTrainingOptions:
    """MATLAB ``trainingOptions('adam', ...)`` of the course's template."""

    epochs: int = param(300, ge=1)
    """Training epochs (one full-sequence Adam step each)."""
    learning_rate: float = param(0.005, gt=0)
    """Adam's initial learning rate."""
    drop_period: int = param(150, ge=1)
    """Epochs between learning-rate drops (MATLAB's LearnRateDropPeriod; piecewise schedule)."""
    drop_factor: float = param(0.2, gt=0, le=1)
    """Learning-rate multiplier at each drop (LearnRateDropFactor)."""
    gradient_threshold: float = param(1.0, gt=0)
    """Gradient clipping threshold (GradientThreshold)."""
    clip_method: Literal["l2norm", "global-l2norm"] = "l2norm"
    """'l2norm': clip each parameter tensor's gradient norm (MATLAB's default); 'global-l2norm': all."""
    l2: float = param(1e-4, ge=0)
    """L2 factor on the weights (not the biases): adds l2/2 * |w|^2 to the loss (L2Regularization)."""
    checkpoint_every: int = param(50, ge=0)
    """Save a checkpoint every this many epochs (0: never); a re-run resumes from it."""
