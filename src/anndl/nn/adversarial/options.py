"""The course GANs' network section, apart from :mod:`anndl.nn.adversarial.course_models` so that a
config can hold it without importing torch."""

from __future__ import annotations

import dataclasses
from typing import Literal

from anndl.config import param


@dataclasses.dataclass(frozen=True, kw_only=True)
class CourseGanNetworks:
    """One of the 2024 course's GAN pairs for 28x28 digits (a config section and part of a cell key)."""

    kind: Literal["mlp", "cnn"] = "mlp"
    """mlp: the vanilla GAN (10 -> 256 -> 512 -> 1024 -> 784); cnn: the CNN-backbone GAN."""
    latent_dim: int = param(10, ge=1)
    """Dimension of the generator's N(0, I) input (course: 10)."""
    dropout: float = param(0.3, ge=0, lt=1)
    """mlp: dropout after each hidden layer of the discriminator (course: 0.3)."""

    def build(self, channels: int = 1):
        """A fresh (generator, discriminator); ``channels`` must be 1."""
        from anndl.nn.adversarial import course_models

        if channels != 1:
            raise ValueError(f"the course GANs take 1-channel digits, got {channels} channels")
        if self.kind == "mlp":
            return course_models.MLPGenerator(self.latent_dim), course_models.MLPDiscriminator(self.dropout)
        return course_models.ConvGenerator(self.latent_dim), course_models.ConvDiscriminator(self.latent_dim)
