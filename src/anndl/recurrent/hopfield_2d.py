"""§2.1 The 2-D Hopfield network ``newhop`` designs for three patterns: fixed points, spurious states, stability."""

from __future__ import annotations

import dataclasses

from anndl.recurrent._attractor_study import AttractorStudyConfig, attractor_study
from anndl.registry import experiment


@dataclasses.dataclass(kw_only=True)
class Hopfield2DConfig(AttractorStudyConfig):
    """The study's defaults are the 2-D net's (patterns [1, 1], [-1, -1], [1, -1])."""


@experiment(
    "hopfield_2d", Hopfield2DConfig, "2-D Hopfield net: fixed points, spurious states, stability (§2.1)"
)
def run(cfg: Hopfield2DConfig, ctx) -> dict:
    return attractor_study(cfg, ctx, dim=2)
