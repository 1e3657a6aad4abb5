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


def _legend_below(ax, order: list[int] | None = None) -> None:
    """The panel's legend under its x axis in two columns (entries in ``order``, filled column by column):
    noisy curves fill the whole panel."""
    handles, labels = ax.get_legend_handles_labels()
    order = range(len(handles)) if order is None else order
    ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=8)


def last_losses_series(history: dict, last: int, *, shift_generator: bool = False) -> dict[str, np.ndarray]:
    """The curves :func:`draw_last_losses` draws: generator step (1-based), D loss, G loss (shifted onto
    D's window mean when ``shift_generator``), each of length ``last``."""
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    steps = np.arange(len(history["d_loss"]) - len(d), len(history["d_loss"])) + 1
    shift = float(d.mean() - g.mean()) if shift_generator else 0.0
    return {"generator step": steps, "discriminator loss": d, "generator loss": g + shift}


def last_accuracies_series(history: dict, last: int) -> dict[str, np.ndarray]:
    """The curves :func:`draw_last_accuracies` draws: generator step (1-based), D's accuracy on real and
    fake together, and the share of fakes D calls real (fraction 0-1), each of length ``last``."""
    real = np.asarray(history["d_acc_real"][-last:])
    fake = np.asarray(history["d_acc_fake"][-last:])
    steps = np.arange(len(history["d_acc_real"]) - len(real), len(history["d_acc_real"])) + 1
    return {"generator step": steps, "discriminator accuracy": (real + fake) / 2, "generator fool rate": 1 - fake}


def draw_last_losses(ax, history: dict, last: int, *, title: str, shift_generator: bool = False,
                     d_name: str = "discriminator") -> dict:
    """D (red) and G (blue) loss over the last ``last`` generator steps of a ``GanHistory.to_dict()``,
    with dashed window means; ``shift_generator`` moves G's curve onto D's mean (report Fig. 4.6);
    ``d_name`` names D in the legend (a WGAN's is a critic).
    Returns the window's mean and standard deviation of both losses."""
    d, g = np.asarray(history["d_loss"][-last:]), np.asarray(history["g_loss"][-last:])
    series = last_losses_series(history, last, shift_generator=shift_generator)
    steps = series["generator step"]
    shift = float(d.mean() - g.mean()) if shift_generator else 0.0
    g_label = f"generator (shifted by {shift:+.3g})" if shift_generator else "generator"
    g_mean_label = f"generator: window mean (= {d_name}'s)" if shift_generator else None
    drawn = ((series["discriminator loss"], "tab:red", d_name, f"{d_name}: window mean"),
             (series["generator loss"], "tab:blue", g_label, g_mean_label or "generator: window mean"))
    for values, colour, label, mean_label in drawn:
        ax.plot(steps, values, color=colour, lw=0.8, label=label)
        ax.axhline(values.mean(), color=colour, ls="--", lw=1, label=mean_label)
    ax.set(xlabel="generator step", ylabel="loss", title=title)
    _legend_below(ax)
    return {"d_loss_mean": float(d.mean()), "d_loss_std": float(d.std()),
            "g_loss_mean": float(g.mean()), "g_loss_std": float(g.std())}


def draw_last_accuracies(ax, history: dict, last: int, *, title: str) -> dict:
    """D's accuracy on real and fake together (red) and G's share of fakes D calls real (blue)
    over the last ``last`` generator steps of a BCE history, with dashed window means and a dotted line
    at 0.5 (chance)."""
    real = np.asarray(history["d_acc_real"][-last:])
    fake = np.asarray(history["d_acc_fake"][-last:])
    series = last_accuracies_series(history, last)
    steps = series["generator step"]
    curves = {"discriminator": (series["discriminator accuracy"], "tab:red"),
              "generator (fools D)": (series["generator fool rate"], "tab:blue")}
    for label, (values, colour) in curves.items():
        ax.plot(steps, values, color=colour, lw=0.8, label=label)
        ax.axhline(values.mean(), color=colour, ls="--", lw=1, label=f"{label.split(' (')[0]}: window mean")
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="0.5: a discriminator that cannot tell")
    ax.set(xlabel="generator step", ylabel="accuracy (fraction of the batch)", title=title, ylim=(-0.02, 1.02))
    _legend_below(ax, order=[0, 1, 4, 2, 3])  # D's curve, its mean and chance in one column, G's in the other
    return {"d_accuracy_mean": float(((real + fake) / 2).mean()),
            "g_fool_rate_mean": float((1 - fake).mean())}
