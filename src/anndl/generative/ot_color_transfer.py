"""§4.4 Colour transfer between two photographs by optimal transport (exact EMD and Sinkhorn)."""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from anndl import plotting
from anndl.config import ExperimentConfig, param
from anndl.data.course import CourseFiles
from anndl.data.images import load_rgb
from anndl.nn.transport.color_transfer import SOLVERS, sample_pixels, solve_plan, transfer_colors
from anndl.registry import experiment

CHANNELS = ("red", "green", "blue")


@dataclasses.dataclass(kw_only=True)
class OTColorConfig(ExperimentConfig):
    source_image: str = "rocket.jpg"
    """First photograph: a path, or a file name in data/ (e.g. ../shared/data/course/ocean_day.jpg)."""
    target_image: str = "coffee.jpg"
    """Second photograph; each image is recoloured with the other's colours (both directions)."""
    samples: int = param(1000, ge=2)
    """Pixels drawn from each image to solve the plan on (the course: 1000)."""
    solvers: list[Literal["emd", "sinkhorn"]] = dataclasses.field(default_factory=lambda: list(SOLVERS))
    """OT solvers compared: emd (exact, network simplex) and/or sinkhorn (entropic)."""
    sinkhorn_reg: float = param(0.1, gt=0)
    """Entropic regularisation of Sinkhorn, in units of the squared-RGB cost (the course: 0.1)."""
    sinkhorn_max_iter: int = param(1000, ge=1)
    """Maximum Sinkhorn iterations (POT's default 1000)."""
    max_side: int | None = param(None, ge=16)
    """Shrink larger images to at most this many pixels on the longer side (null: full size)."""
    kde_pixels: int = param(5000, ge=10)
    """Pixels per image in the RGB kernel-density plots."""


def check_data(cfg: OTColorConfig) -> None:
    """Both photographs decode as RGB images."""
    from anndl.data.images import load_rgb

    load_rgb(cfg.source_image, cfg.max_side)
    load_rgb(cfg.target_image, cfg.max_side)


COURSE_DATA = (CourseFiles({"source_image": "ocean_day.jpg", "target_image": "ocean_sunset.jpg"}),)
"""Under ``--data DIR``: the course's two photographs (ocean day recoloured towards ocean sunset)."""


@experiment("ot_color_transfer", OTColorConfig, "Optimal-transport colour transfer, EMD vs Sinkhorn (§4.4)",
            check_data=check_data, course_data=COURSE_DATA)
def run(cfg: OTColorConfig, ctx) -> dict:
    if not cfg.solvers:
        raise ValueError(f"solvers is empty: choose at least one of {', '.join(SOLVERS)}")
    source, target = load_rgb(cfg.source_image, cfg.max_side), load_rgb(cfg.target_image, cfg.max_side)
    names = (_short_name(cfg.source_image), _short_name(cfg.target_image))
    rng = ctx.rng()
    xs, xt = sample_pixels(source, cfg.samples, rng), sample_pixels(target, cfg.samples, rng)
    fresh = (sample_pixels(source, cfg.samples, rng), sample_pixels(target, cfg.samples, rng))
    metrics: dict = {"w2_between_images_before": solve_plan(*fresh, "emd").wasserstein2_}

    recoloured: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for solver in ctx.progress(cfg.solvers, desc="OT solvers"):
        fit = solve_plan(xs, xt, solver, reg=cfg.sinkhorn_reg, max_iter=cfg.sinkhorn_max_iter)
        recoloured[solver] = forward, backward = transfer_colors(fit, source, target)
        metrics[solver] = {
            "transport_cost": fit.transport_cost_,
            "wasserstein2": fit.wasserstein2_,
            "solver_seconds": fit.seconds_,
            "iterations": fit.iterations_ if fit.iterations_ is not None else "n/a",
            "max_marginal_error": float(max(np.abs(fit.plan_.sum(1) - 1 / len(xs)).max(),
                                            np.abs(fit.plan_.sum(0) - 1 / len(xt)).max())),
            # W2 between each recoloured image and the image whose colours it took (fresh samples).
            "w2_after_source_recoloured": solve_plan(sample_pixels(forward, cfg.samples, rng), fresh[1],
                                                     "emd").wasserstein2_,
            "w2_after_target_recoloured": solve_plan(sample_pixels(backward, cfg.samples, rng), fresh[0],
                                                     "emd").wasserstein2_,
        }
    ctx.write_table("ot_solvers", [{"solver": s, **metrics[s]} for s in cfg.solvers])

    _plot_originals(ctx, (source, target), names, cfg.kde_pixels, rng)
    _plot_transported(ctx, (source, target), names, recoloured, cfg)
    _plot_densities_after(ctx, (source, target), names, recoloured, cfg.kde_pixels, rng)
    return metrics


def _short_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _rgb_density(ax, image: np.ndarray, n: int, rng: np.random.Generator, style: str = "-",
                 label_suffix: str = "") -> dict[str, np.ndarray]:
    """Gaussian kernel-density estimate of each channel's values over n random pixels, drawn on ``ax``;
    returns the drawn curves: the intensity grid (256 points on [0, 1]) and a density per channel."""
    from scipy.stats import gaussian_kde  # scipy.stats takes a few tenths of a second to import

    pixels = image.reshape(-1, 3)
    pixels = pixels[rng.choice(len(pixels), size=min(n, len(pixels)), replace=False)]
    grid = np.linspace(0, 1, 256)
    drawn = {"intensity (0–1)": grid}
    for name, values in zip(CHANNELS, pixels.T, strict=True):
        density = gaussian_kde(values)(grid) if np.ptp(values) > 0 else np.zeros_like(grid)
        ax.plot(grid, density, style, color=f"tab:{name}", lw=1.2, label=f"{name}{label_suffix}")
        drawn[f"{name}{label_suffix} density (per unit intensity)"] = density
    ax.set(xlabel="intensity (0–1)", ylabel="density (per unit intensity)")
    return drawn


def _plot_originals(ctx, images, names, kde_pixels: int, rng) -> None:
    fig, axes = plotting.subplots(2, 2, width=4.2, height=3.0)
    data = {}
    for column, (image, name) in enumerate(zip(images, names, strict=True)):
        axes[0, column].imshow(image)
        axes[0, column].set_axis_off()
        axes[0, column].set_title(f"{name} ({image.shape[1]}×{image.shape[0]})")
        drawn = _rgb_density(axes[1, column], image, kde_pixels, rng)
        data |= {"intensity (0–1)": drawn.pop("intensity (0–1)")} | {f"{name} {k}": v for k, v in drawn.items()}
        axes[1, column].set_title(f"{name}: RGB intensity densities")
        axes[1, column].legend()
    ctx.save_figure(fig, "ot_original_images_and_rgb_densities", data=data)


def _plot_transported(ctx, images, names, recoloured, cfg: OTColorConfig) -> None:
    solvers = list(recoloured)
    fig, axes = plotting.subplots(2, 1 + len(solvers), width=3.4, height=2.6, squeeze=False)
    for row, (image, own, other) in enumerate(zip(images, names, names[::-1], strict=True)):
        axes[row, 0].imshow(image)
        axes[row, 0].set_title(f"{own} (original)")
        for column, solver in enumerate(solvers, start=1):
            axes[row, column].imshow(recoloured[solver][row])
            detail = f", reg {cfg.sinkhorn_reg:g}" if solver == "sinkhorn" else ""
            axes[row, column].set_title(f"{own} in {other}'s colours\n({solver}{detail})")
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(f"Colour transfer by optimal transport on {cfg.samples} sampled pixels, both directions")
    ctx.save_figure(fig, "ot_transported_images_emd_vs_sinkhorn")


def _plot_densities_after(ctx, images, names, recoloured, kde_pixels: int, rng) -> None:
    solvers = list(recoloured)
    fig, axes = plotting.subplots(2, len(solvers), width=4.2, height=3.0, squeeze=False, sharey="row")
    data = {}
    for row, (own, other) in enumerate(zip(names, names[::-1], strict=True)):
        for column, solver in enumerate(solvers):
            ax = axes[row, column]
            drawn = _rgb_density(ax, recoloured[solver][row], kde_pixels, rng, "-", " transported")
            drawn |= _rgb_density(ax, images[1 - row], kde_pixels, rng, ":", f" {other}")
            data |= {"intensity (0–1)": drawn.pop("intensity (0–1)")}
            data |= {f"{own} → {other} ({solver}): {k}": v for k, v in drawn.items()}
            ax.set_title(f"{own} → {other}'s colours ({solver})")
            ax.legend(fontsize=7, ncols=2)
    ctx.save_figure(fig, "ot_rgb_densities_after_transport_vs_target", data=data)
