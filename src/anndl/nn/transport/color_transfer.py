"""Colour transfer by optimal transport between the pixel colours of two images (POT solvers).

Pixels are points in RGB space [0, 1]^3. A plan between two uniform samples of pixels is solved
exactly (``emd``, network simplex) or with entropic regularisation (``sinkhorn``) on the squared
Euclidean cost. Each sampled pixel is sent to the barycentre of its plan row; every other pixel of
the image moves by the displacement of its nearest sampled pixel (POT's out-of-sample rule), and
the result is clipped to [0, 1].
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from scipy.spatial import cKDTree

SOLVERS = ("emd", "sinkhorn")


@dataclasses.dataclass
class TransportFit:
    """A solved transport plan between two colour samples, with its cost and solver log."""

    solver: str
    source_samples_: np.ndarray
    """(n, 3) RGB colours sampled from the source image."""
    target_samples_: np.ndarray
    """(m, 3) RGB colours sampled from the target image."""
    plan_: np.ndarray
    """(n, m) transport plan; rows sum to 1/n, columns to 1/m."""
    transport_cost_: float
    """<plan, C> with C the squared Euclidean cost (RGB units squared)."""
    seconds_: float
    """Wall time of the solver alone (s)."""
    iterations_: int | None
    """Solver iterations (Sinkhorn) or None (EMD)."""

    @property
    def wasserstein2_(self) -> float:
        """sqrt(<plan, C>): the 2-Wasserstein distance for EMD, its entropic estimate for Sinkhorn."""
        return float(np.sqrt(max(self.transport_cost_, 0.0)))


def sample_pixels(image: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct pixels of an (H, W, 3) image drawn uniformly -> (n, 3) float64 colours."""
    pixels = image.reshape(-1, 3)
    if n > len(pixels):
        raise ValueError(f"cannot sample {n} pixels from an image with {len(pixels)}")
    return pixels[rng.choice(len(pixels), size=n, replace=False)].astype(np.float64)


def solve_plan(xs: np.ndarray, xt: np.ndarray, solver: str = "emd", reg: float = 0.1,
               max_iter: int = 1000) -> TransportFit:
    """Optimal plan between uniform weights on ``xs`` (n, d) and ``xt`` (m, d), squared Euclidean cost.

    ``reg`` is Sinkhorn's entropic regularisation (ignored by EMD); ``max_iter`` bounds Sinkhorn's
    iterations (EMD gets 10^6 network-simplex iterations).
    """
    import ot  # here, not at the top: POT imports torch and scikit-learn when they are installed

    if solver not in SOLVERS:
        raise ValueError(f"unknown OT solver {solver!r}; known: {', '.join(SOLVERS)}")
    a = np.full(len(xs), 1.0 / len(xs))
    b = np.full(len(xt), 1.0 / len(xt))
    cost = ot.dist(xs, xt, metric="sqeuclidean")
    start = time.perf_counter()
    if solver == "emd":
        plan = ot.emd(a, b, cost, numItermax=1_000_000)
        iterations = None
    else:
        plan, log = ot.sinkhorn(a, b, cost, reg, numItermax=max_iter, log=True, warn=False)
        iterations = int(log.get("niter", max_iter))
    seconds = time.perf_counter() - start
    return TransportFit(solver, xs, xt, plan, float(np.sum(plan * cost)), seconds, iterations)


def barycentric_map(plan: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Send each source point i to sum_j plan[i, j] * targets[j] / sum_j plan[i, j]  -> (n, d)."""
    mass = plan.sum(axis=1, keepdims=True)
    return (plan @ targets) / np.where(mass > 0, mass, 1.0)


def extend_to_pixels(image: np.ndarray, anchors: np.ndarray, moved_anchors: np.ndarray) -> np.ndarray:
    """Move every pixel of an (H, W, 3) image by the displacement of its nearest anchor; clip to [0, 1]."""
    pixels = image.reshape(-1, 3).astype(np.float64)
    _, nearest = cKDTree(anchors).query(pixels, k=1)
    moved = pixels + (moved_anchors - anchors)[nearest]
    return np.clip(moved, 0.0, 1.0).reshape(image.shape).astype(np.float32)


def transfer_colors(fit: TransportFit, source_image: np.ndarray,
                    target_image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of a fitted plan: (source recoloured like target, target recoloured like source)."""
    forward = barycentric_map(fit.plan_, fit.target_samples_)
    backward = barycentric_map(fit.plan_.T, fit.source_samples_)
    return (extend_to_pixels(source_image, fit.source_samples_, forward),
            extend_to_pixels(target_image, fit.target_samples_, backward))
