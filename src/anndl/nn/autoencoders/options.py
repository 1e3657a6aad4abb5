"""The autoencoder experiments' option sections, apart from the torch modules so that a config can
hold them without importing torch (``anndl describe`` / ``validate``)."""

from __future__ import annotations

import dataclasses
from typing import Literal

from anndl.config import param

KINDS = ("plain", "gaussian", "masking", "salt_pepper", "l1", "kl", "contractive")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Variant:
    """One autoencoder variant: its name, its kind and strength (a config entry and part of a cell key)."""

    name: str
    """Label in tables and figures."""
    kind: Literal["plain", "gaussian", "masking", "salt_pepper", "l1", "kl", "contractive"] = "plain"
    """One of plain, gaussian, masking, salt_pepper, l1, kl, contractive."""
    noise: float = param(0.0, ge=0)
    """Denoising: noise standard deviation (gaussian) or corruption probability (masking, salt_pepper)."""
    weight: float = param(0.0, ge=0)
    """Regularisation weight of l1, kl and contractive."""
    sparsity: float = param(0.05, gt=0, lt=1)
    """kl: target mean activation rho of each code unit."""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"variant {self.name}: unknown kind {self.kind!r}; known: {', '.join(KINDS)}")
