"""One figure style for every experiment, and an atomic PNG + PDF save helper (Agg backend)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from anndl import atomic  # noqa: E402

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "svg.hashsalt": "anndl",
}

FORMATS = ("png", "pdf")
PICTURE_DPI = 100
"""PNG resolution of figures that show pictures (their pixels, not lines and text, fill the file)."""
PICTURE_MIN_PIXELS = 20
"""An image with more rows or columns than this is a picture (fewer: a heat map)."""


def subplots(nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.4, **kwargs):
    """``plt.subplots`` in the house style; ``width``/``height`` are per panel, in inches."""
    plt.rcParams.update(STYLE)
    kwargs.setdefault("figsize", (width * ncols, height * nrows))
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, **kwargs)


def figure(*, width: float, height: float, **kwargs):
    """``plt.figure`` in the house style (constrained layout), ``width`` × ``height`` inches."""
    plt.rcParams.update(STYLE)
    kwargs.setdefault("layout", "constrained")
    return plt.figure(figsize=(width, height), **kwargs)


def save_figure(fig, directory: Path, name: str, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``directory/name.<fmt>`` for each format (atomically), close it, return paths.

    With ``ANNDL_STRICT_FIGURES=1`` in the environment, a figure that :mod:`anndl.figure_checks` finds
    a problem with raises ValueError (naming the figure and the problems) instead of being saved."""
    keep_marks_inside(fig)
    if os.environ.get("ANNDL_STRICT_FIGURES") == "1":
        from anndl.figure_checks import caption_of, figure_problems

        problems = figure_problems(fig, caption_of(name))
        if problems:
            plt.close(fig)
            raise ValueError(f"figure {name}: " + "; ".join(problems))
    paths = []
    for fmt in formats:
        target = Path(directory) / f"{name}.{fmt}"
        with atomic.atomic_path(target) as tmp:
            if fmt == "png":
                _write_compact_png(fig, tmp)
            else:
                fig.savefig(tmp, format=fmt, metadata={"CreationDate": None} if fmt == "pdf" else None)
        paths.append(target)
    plt.close(fig)
    return paths


def _holds_colour_picture(fig) -> bool:
    """Whether a panel shows an RGB(A) image (a photo, colour samples): its colours are data."""
    return any(np.ndim(image.get_array()) == 3 for ax in fig.axes for image in ax.images)


def _holds_picture(fig) -> bool:
    """Whether a panel shows an image larger than a heat map (a photo, a grid of digits)."""
    return any(max(np.shape(image.get_array())[:2]) > PICTURE_MIN_PIXELS for ax in fig.axes for image in ax.images)


def _write_compact_png(fig, path: Path) -> None:
    """Save ``fig`` as an opaque PNG with a 256-colour palette, in full colour where a panel shows an
    RGB picture, at :data:`PICTURE_DPI` where a panel shows any picture (photos, digit grids), else
    at the style's 120 dpi. A plot's lines, text and antialiasing look the same in 256 colours and
    take a third of the bytes; a photo's colours are its data. Together they keep a committed
    report's full re-run under 5 MB of the repository's history."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, dpi=PICTURE_DPI if _holds_picture(fig) else None)
    image = Image.open(buffer).convert("RGB")
    if not _holds_colour_picture(fig):
        image = palette_image(image)
    image.save(path, format="PNG", optimize=True)


def palette_image(image):
    """A PIL image in 256 colours (median cut, no dithering): lines, text and antialiasing of a plot or a
    screenshot look the same, and the PNG takes a third to a half of the bytes."""
    from PIL import Image

    return image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def plural(count: int, noun: str) -> str:
    """"1 epoch", "3 epochs": a count with its noun, in the plural unless the count is one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def tile_images(images, ncols: int, *, pad: int = 1, fill=None):
    """Images (n, h, w) or (n, h, w, 3) -> one canvas array, ``ncols`` per row, ``pad`` pixels of
    ``fill`` (default: the smallest value) between them."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    nrows = -(-n // ncols)
    fill = np.nanmin(images) if fill is None else fill
    canvas = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad, *images.shape[3:]), fill, dtype=float)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = image
    return canvas


def image_grid(ax, images, ncols: int, *, cmap: str = "gray", vmin=None, vmax=None, pad: int = 1,
               separator: str | None = None) -> None:
    """Tile ``images`` (n, h, w) or (n, h, w, 3) into one picture on ``ax``, ``ncols`` per row.

    The gaps take ``vmin``'s colour, or ``separator`` (a colour outside ``cmap``) where every grey is a
    value, as in signed weights."""
    import matplotlib.pyplot as plt

    canvas = tile_images(images, ncols, pad=pad, fill=np.nan if separator else vmin)
    colours = plt.get_cmap(cmap).with_extremes(bad=separator) if separator else cmap
    ax.imshow(canvas, cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()


def forecast_limits(truth) -> tuple[float, float]:
    """y limits for forecasts of ``truth``: its range widened by 60 % each way, so that diverging
    forecasts run off the axes instead of flattening the truth."""
    span = np.max(truth) - np.min(truth)
    return np.min(truth) - 0.6 * span, np.max(truth) + 0.6 * span


def forecast_panel(ax, t, truth, runs, *, colour: str, label: str, limits: tuple[float, float]) -> np.ndarray:
    """Draw ``truth`` (n,) on top of the forecasts ``runs`` (repetitions, n) against time steps ``t``,
    the repetitions in one colour, a shade each, under one legend entry ("``label``, k repetitions");
    note how many leave the ``limits``. Returns each repetition's RMSE against the truth (repetitions,)."""
    runs = np.asarray(runs)
    low, high = limits
    count = len(runs)
    shades = np.linspace(0.9, 0.4, count)
    ax.plot(t, truth, color="k", lw=1.5, label="truth", zorder=3)
    for r, forecast in enumerate(runs):
        ax.plot(t, forecast, color=colour, lw=0.8, alpha=shades[r],
                label=f"{label}, {plural(count, 'repetition')}" if r == 0 else None)
    off_axes = sum(bool(np.any(~((low <= f) & (f <= high)))) for f in runs)
    if off_axes:
        ax.text(0.98, 0.02, f"{off_axes} of {count} forecasts leave the axes", fontsize=7, ha="right",
                va="bottom", transform=ax.transAxes, bbox={"fc": "white", "ec": "none", "alpha": 0.8})
    return np.sqrt(np.mean((runs - truth) ** 2, axis=1))


def mean_spread(values, decimals: int = 1) -> str:
    """``"60.1 ± 2.3"``: the mean and standard deviation of ``values`` (shape (n,)); with a single
    value there is no spread to show: ``"60.1 ± n/a"``."""
    values = np.asarray(values, dtype=float).ravel()
    spread = f"{values.std():.{decimals}f}" if len(values) > 1 else "n/a"
    return f"{values.mean():.{decimals}f} ± {spread}"


def log_y_if_positive(ax, values) -> None:
    """Log-scale ``ax``'s y axis when some of ``values`` are finite and positive, else keep it linear
    (matplotlib refuses a log axis with no positive data, e.g. when every run diverged)."""
    values = np.asarray(values, dtype=float)
    if np.any(np.isfinite(values) & (values > 0)):
        ax.set_yscale("log")


DIVERGED_MARK = "anndl-diverged-mark"
"""The gid of :func:`mark_diverged`'s texts, which :func:`keep_marks_inside` moves."""
MARK_GAP_POINTS = 4.0
"""Space between a moved mark and its point (points)."""
MARKS_APART_POINTS = 2.0
"""Space left between two marks that :func:`keep_marks_inside` moved apart (points): more than the
figure checker's least gap between texts, 2 px, at any dpi from 72 up."""


def mark_diverged(ax, x, y, count: int, color=None, statistic: str = "mean") -> None:
    """Write "``count`` diverged, left out of the ``statistic``" at (x, y) in data units, or at the axis
    bottom when y is not finite (e.g. a mean over runs that all diverged); x is kept inside the x limits."""
    if not count:
        return
    finite = bool(np.isfinite(y))
    if not finite:
        ax.update_datalim([(x, 0.0)], updatey=False)
        ax.autoscale_view(scaley=False)
    ax.annotate(f"{count} diverged,\nleft out of the {statistic}", (x, y if finite else 0.02),
                xycoords=("data", "data" if finite else "axes fraction"), fontsize=7, color=color,
                xytext=(-20, 6), textcoords="offset points", linespacing=0.9, gid=DIVERGED_MARK)


def keep_marks_inside(fig) -> None:
    """Once the figure's limits and layout are final (:func:`save_figure` calls it): put each
    :func:`mark_diverged` text that would leave its panel at the top (into a title) beside its point on the
    left, pull one that would pass the right edge back in, then move marks of one panel that overlap down
    until they do not."""
    marks = [text for ax in fig.axes for text in ax.texts if text.get_gid() == DIVERGED_MARK]
    if not marks:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    points_per_pixel = 72.0 / fig.dpi
    for mark in marks:
        box, panel = mark.get_window_extent(renderer), mark.axes.get_window_extent(renderer)
        dx, dy = mark.xyann
        if box.y1 > panel.y1:
            dx, dy = -(box.width * points_per_pixel + MARK_GAP_POINTS), -box.height * points_per_pixel / 2
        elif box.x1 > panel.x1:
            dx -= (box.x1 - panel.x1) * points_per_pixel
        mark.xyann = (dx, dy)
    placed: dict = {}
    for mark in sorted(marks, key=lambda m: -m.get_window_extent(renderer).y1):
        box = mark.get_window_extent(renderer)
        others = placed.setdefault(mark.axes, [])
        # each move puts the mark below the one it hit, so this ends within len(others) moves
        while (hit := next((other for other in others if box.overlaps(other)), None)) is not None:
            dx, dy = mark.xyann
            mark.xyann = (dx, dy - (box.y1 - hit.y0) * points_per_pixel - MARKS_APART_POINTS)
            box = mark.get_window_extent(renderer)
        others.append(box)


def dense_log_ticks(ax, axis: str = "y", max_decades: float = 3.0) -> None:
    """Label 1, 2 and 5 of each decade on a log axis spanning fewer than ``max_decades`` decades, where
    matplotlib would label only one or two ticks."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    if (ax.get_yscale() if axis == "y" else ax.get_xscale()) != "log":
        return
    low, high = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    if low > 0 and np.log10(high / low) < max_decades:
        target.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        target.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(np.inf, np.inf)))
        target.set_minor_formatter(NullFormatter())


def mean_band(ax, x, runs, *, label: str, colour=None, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Plot the mean of ``runs`` (repetitions, n) against ``x`` (n,) with a band of ± one standard
    deviation across repetitions (none for one run), times ``scale``; returns (mean, std) (n,) scaled."""
    runs = np.asarray(runs, dtype=float) * scale
    mean = runs.mean(axis=0)
    std = runs.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros_like(mean)
    suffix = f" (mean ± sd of {len(runs)})" if len(runs) > 1 else ""
    (line,) = ax.plot(x, mean, color=colour, label=label + suffix, marker="o" if len(mean) < 3 else None, ms=3)
    if len(runs) > 1:
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2, lw=0)
    return mean, std
