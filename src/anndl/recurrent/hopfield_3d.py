"""§2.1 The 3-D Hopfield network ``newhop`` designs for three patterns: fixed points, spurious states, stability."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from anndl.config import param
from anndl.recurrent._attractor_study import AttractorStudyConfig, attractor_study
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class Hopfield3DConfig(AttractorStudyConfig):
    dimension: ClassVar[int] = 3
    patterns: list[list[int]] = param([[1, 1, 1], [-1, -1, 1], [1, -1, -1]])
    """Stored ±1 patterns, one per row (3 values each)."""
    grid_points: int = param(7, ge=2)
    """Initial states per axis of the regular grid over [-1, 1]^S (odd: includes the axes and faces)."""
    random_points: int = param(100, ge=0)
    """Initial states drawn uniformly in [-1, 1]^S (used when ``starts`` is random or both)."""


@experiment(
    "hopfield_3d", Hopfield3DConfig, "3-D Hopfield net: fixed points, spurious states, stability (§2.1)"
)
def run(cfg: Hopfield3DConfig, ctx) -> dict:
    return attractor_study(cfg, ctx, dim=3)
