"""How the GAN experiments score their samples, apart from :mod:`anndl.nn.sample_quality` so that a
config can hold it without importing torch (``anndl describe`` / ``validate``); that module
re-exports :class:`QualityConfig`."""

from __future__ import annotations

import dataclasses

from anndl.config import param


@dataclasses.dataclass(kw_only=True)
class QualityConfig:
    """How generated digits are scored (shared by the GAN experiments' configs as ``quality.*``)."""

    enabled: bool = True
    """Score the generators (MNIST only): train the classifier, sample, compute the three numbers."""
    held_out_per_class: int = param(100, ge=2)
    """Real digits per class kept out of GAN and classifier training, the Fréchet reference."""
    n_samples: int = param(1000, ge=10)
    """Generated digits scored per generator (keep equal to the reference size: FD depends on N)."""
    threshold: float = param(0.9, gt=0, lt=1)
    """A sample counts as confident when its top class probability exceeds this."""
    filters: list[int] = param([12, 24])
    """The classifier's two conv widths (chapter 3's DigitCNN; the course template's 12, 24)."""
    epochs: int = param(15, ge=1)
    """Classifier training epochs (SGD with momentum; the course's 15)."""
    lr: float = param(3e-4, gt=0)
    """Classifier learning rate (the course's 1e-4 tripled for 4000 training digits; inputs in 0..255)."""
    momentum: float = param(0.9, ge=0, lt=1)
    """Classifier SGD momentum."""
    batch_size: int = param(64, ge=1)
    """Classifier mini-batch size."""
