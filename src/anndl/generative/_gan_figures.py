"""Figures of a GAN training shared by the GAN experiments: sample strips, last-steps losses and accuracies."""

from __future__ import annotations

import numpy as np

from anndl import plotting


def display_images(images) -> np.ndarray:
    """(n, C, H, W) in [-1, 1] -> (n, H, W) (C = 1) or (n, H, W, 3) in [0, 1], for image grids."""
    images = (np.clip(np.asarray(images, dtype=np.float32), -1, 1) + 1) / 2
    return images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)


def draw_snapshot_strip(ax, snapshots, steps, real, ncols: int = 6) -> None:
    """Sample grids (one per snapshot, (n, C, H, W) in [-1, 1]) and a grid of ``real`` images
    side by side on one axis, labelled with their generator step (one image: fast to save)."""
    grids = [plotting.tile_images(display_images(s), ncols, fill=1.0) for s in list(snapshots) + [real]]
    gap = np.ones((grids[0].shape[0], 6, *grids[0].shape[2:]))
    strip = np.concatenate([part for grid in grids for part in (grid, gap)][:-1], axis=1)
    ax.imshow(strip, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    width = grids[0].shape[1] + gap.shape[1]
    ax.set_xticks([i * width + grids[0].shape[1] / 2 for i in range(len(grids))],
                  [f"step {s}" for s in steps] + ["real"])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


WINDOW_MEAN = "window mean (dashed)"
"""The legend entry of every dashed window-mean line."""


def smoothing_title(window: int) -> str:
    """The legend title that says how the curves are drawn."""
    return f"solid: running mean of {window} steps; faint: each step" if window > 1 else "each step"


def _legend_below(ax, window: int) -> None:
    """The panel's legend under its x axis in two columns, one entry per label (the series and the window
    mean's line style), titled with how the curves are drawn: noisy curves fill the whole panel."""
    first: dict[str, object] = {}
    for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
        first.setdefault(label, handle)
    ax.legend(list(first.values()), list(first), loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2,
              fontsize=8, title=smoothing_title(window), title_fontsize=8)


def smoothing_window(last: int) -> int:
    """Steps in the running mean over a window of ``last`` steps: a twentieth of it, at least 1."""
    return max(1, last // 20)


def running_mean(values, window: int) -> np.ndarray:
    """Trailing mean of the last ``window`` values at each step (fewer at the start), same length as ``values``."""
    values = np.asarray(values, dtype=float)
    sums = np.cumsum(np.concatenate([[0.0], values]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def draw_smoothed(ax, steps, values, colour, name: str, window: int) -> None:
    """One noisy per-step series: the raw values faint, their running mean over ``window`` steps solid
    (labelled ``name``), the window's mean dashed on top (labelled :data:`WINDOW_MEAN`)."""
    values = np.asarray(values, dtype=float)
    if window > 1:
        ax.plot(steps, values, color=colour, lw=0.5, alpha=0.35)
        ax.plot(steps, running_mean(values, window), color=colour, lw=1.6, label=name)
    else:  # too few steps to smooth
        ax.plot(steps, values, color=colour, lw=1.0, label=name)
    ax.axhline(values.mean(), color=colour, ls="--", lw=1.2, zorder=4, label=WINDOW_MEAN)


def last_losses_series(history: dict, last: int) -> dict[str, np.ndarray]:
    """The curves :func:`draw_last_losses` draws: generator step (1-based), D loss, G loss and their running
    means (:func:`smoothing_window` steps), each of length ``last``."""
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    steps = np.arange(len(history["d_loss"]) - len(d), len(history["d_loss"])) + 1
    window = smoothing_window(len(d))
    return {"generator step": steps, "discriminator loss": d, "generator loss": g,
            f"discriminator loss running mean ({window} steps)": running_mean(d, window),
            f"generator loss running mean ({window} steps)": running_mean(g, window)}


def last_accuracies_series(history: dict, last: int) -> dict[str, np.ndarray]:
    """The curves :func:`draw_last_accuracies` draws: generator step (1-based), D's accuracy on real and
    fake together, and the share of fakes D calls real (fraction 0-1), each of length ``last``."""
    real = np.asarray(history["d_acc_real"][-last:])
    fake = np.asarray(history["d_acc_fake"][-last:])
    steps = np.arange(len(history["d_acc_real"]) - len(real), len(history["d_acc_real"])) + 1
    return {"generator step": steps, "discriminator accuracy": (real + fake) / 2, "generator fool rate": 1 - fake}


def draw_last_losses(ax, history: dict, last: int, *, title: str, d_name: str = "discriminator") -> dict:
    """D (red) and G (blue) loss over the last ``last`` generator steps of a ``GanHistory.to_dict()``:
    raw per step (faint), running mean (solid), window mean (dashed); ``d_name`` names D in the legend
    (a WGAN's is a critic). Returns the window's mean and standard deviation of both losses."""
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    steps = last_losses_series(history, last)["generator step"]
    window = smoothing_window(len(d))
    draw_smoothed(ax, steps, d, "tab:red", d_name, window)
    draw_smoothed(ax, steps, g, "tab:blue", "generator", window)
    ax.set(xlabel="generator step", ylabel="loss", title=title)
    _legend_below(ax, window)
    return {"d_loss_mean": float(d.mean()), "d_loss_std": float(d.std()),
            "g_loss_mean": float(g.mean()), "g_loss_std": float(g.std())}


def draw_last_accuracies(ax, history: dict, last: int, *, title: str) -> dict:
    """D's accuracy on real and fake together (red) and G's share of fakes D calls real (blue)
    over the last ``last`` generator steps of a BCE history (raw, running mean, dashed window mean),
    and a dotted line at 0.5 (chance)."""
    real = np.asarray(history["d_acc_real"][-last:])
    fake = np.asarray(history["d_acc_fake"][-last:])
    series = last_accuracies_series(history, last)
    steps = series["generator step"]
    window = smoothing_window(len(real))
    draw_smoothed(ax, steps, series["discriminator accuracy"], "tab:red", "discriminator", window)
    draw_smoothed(ax, steps, series["generator fool rate"], "tab:blue", "generator (fools D)", window)
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="0.5: a discriminator that cannot tell")
    ax.set(xlabel="generator step", ylabel="accuracy (fraction of the batch)", title=title, ylim=(-0.02, 1.02))
    _legend_below(ax, window)
    return {"d_accuracy_mean": float(((real + fake) / 2).mean()),
            "g_fool_rate_mean": float((1 - fake).mean())}


def latent_path(z_start, z_end, steps: int) -> np.ndarray:
    """``steps`` latent vectors (steps, d) on the straight line from z_start (d,) to z_end (d,), ends included
    (the course's interpolation lambda * z1 + (1 - lambda) * z2)."""
    lam = np.linspace(0.0, 1.0, steps)[:, None]
    path = (1 - lam) * np.asarray(z_start, dtype=np.float64)[None] + lam * np.asarray(z_end, dtype=np.float64)[None]
    return path.astype(np.float32)


def draw_interpolations(ax, rows, *, title: str) -> None:
    """Rows of images (n_rows, steps, H, W) in [0, 1], one latent path per row, as one picture."""
    rows = np.asarray(rows)
    n_rows, steps = rows.shape[:2]
    plotting.image_grid(ax, rows.reshape(n_rows * steps, *rows.shape[2:]), ncols=steps, vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
