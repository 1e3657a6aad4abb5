"""figure_checks: each rule flags the figure it is about and passes its mended version."""

from __future__ import annotations

import numpy as np
import pytest

from anndl import plotting
from anndl.figure_checks import figure_problems


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_two_series_without_legend_then_with():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1], label="a")
    ax.plot([0, 1], [1, 0], label="b")
    assert any("no legend" in p for p in figure_problems(fig))
    ax.legend()
    assert figure_problems(fig) == []
    _close(fig)


def test_a_colour_missing_from_the_legend():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1], label="a")
    ax.plot([0, 1], [1, 0], color="red")
    ax.legend(handles=ax.get_lines()[:1])
    assert any("not in the legend" in p for p in figure_problems(fig))
    _close(fig)


def test_one_legend_may_serve_the_figure():
    fig, axes = plotting.subplots(1, 2)
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="a")
        ax.plot([0, 1], [1, 0], label="b")
    axes[1].legend()
    assert figure_problems(fig) == []
    _close(fig)


def test_error_bars_are_not_a_series():
    fig, ax = plotting.subplots()
    ax.bar(["x", "y"], [1.0, 2.0], yerr=[0.1, 0.2], capsize=3)
    assert figure_problems(fig) == []
    _close(fig)


def test_reference_line_needs_a_label_or_text():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.axhline(0.5, linestyle="--")
    assert any("reference line" in p for p in figure_problems(fig))
    ax.get_lines()[-1].set_label("chance level")
    ax.legend()
    assert figure_problems(fig) == []
    _close(fig)


def test_heat_map_needs_numbers_in_its_cells():
    fig, ax = plotting.subplots()
    values = np.arange(6.0).reshape(2, 3)
    ax.imshow(values)
    assert any("heat map" in p for p in figure_problems(fig))
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center")
    assert figure_problems(fig) == []
    _close(fig)


def test_a_picture_is_not_a_heat_map():
    fig, ax = plotting.subplots()
    ax.imshow(np.random.default_rng(0).random((28, 28)), cmap="gray")
    assert figure_problems(fig) == []
    _close(fig)


@pytest.mark.parametrize("horizontal", [False, True])
def test_bars_must_start_at_zero(horizontal):
    fig, ax = plotting.subplots()
    (ax.barh if horizontal else ax.bar)(["a", "b"], [90.0, 95.0])
    (ax.set_xlim if horizontal else ax.set_ylim)(80, 100)
    assert any("not zero" in p for p in figure_problems(fig))
    (ax.set_xlim if horizontal else ax.set_ylim)(0, 100)
    assert figure_problems(fig) == []
    _close(fig)


def test_log_scale_bars_are_flagged_and_a_dot_plot_passes():
    fig, ax = plotting.subplots()
    ax.bar(["a", "b"], [1e-3, 1.0], yerr=[5e-3, 0.1])  # the old fig1_1: br's std > its mean
    ax.set_yscale("log")
    assert any("bars on a log axis" in p for p in figure_problems(fig))
    _close(fig)
    fig, ax = plotting.subplots()
    ax.errorbar([0, 1], [1e-3, 1.0], yerr=[[5e-4, 0.2], [1e-3, 0.3]], fmt="o", capsize=3)
    ax.set_yscale("log")
    assert figure_problems(fig) == []
    _close(fig)


@pytest.mark.parametrize("where", ["title", "suptitle", "legend", "legend title"])
def test_a_python_literal_is_flagged_where_a_reader_reads(where):
    def draw(text):
        fig, ax = plotting.subplots()
        ax.plot([0, 1], [0, 1], label=text if where == "legend" else "a")
        ax.plot([0, 1], [1, 0], label="b")
        ax.legend(title=text if where == "legend title" else None)
        if where == "title":
            ax.set_title(text)
        if where == "suptitle":
            fig.suptitle(text)
        return fig

    fig = draw("patterns [[1, 1], [-1, -1]]")  # the old fig2_1 titles and legends
    assert any("Python literal" in p for p in figure_problems(fig))
    _close(fig)
    fig = draw("[1.0, -1.0]: stored, stable")
    assert any("Python literal" in p for p in figure_problems(fig))
    _close(fig)
    fig = draw("(1, −1): stored, stable; values in [0, 1]")  # a point and an interval are notation
    assert figure_problems(fig) == []
    _close(fig)


def test_overlapping_tick_labels_then_fewer_ticks():
    fig, ax = plotting.subplots(width=2.0)
    ax.plot(np.linspace(-1, 1, 5), np.zeros(5))
    ticks = np.linspace(-1, 1, 17)
    ax.set_xticks(ticks, [f"{t:.3f}" for t in ticks])  # the old 3-D fig2_1's x₁ axis, in 2-D
    assert any("x tick labels overlap" in p for p in figure_problems(fig))
    ax.set_xticks([-1, 0, 1])
    assert figure_problems(fig) == []
    _close(fig)


def test_overlapping_tick_labels_on_a_3d_panel():
    import matplotlib.pyplot as plt

    plt.rcParams.update(plotting.STYLE)
    fig = plt.figure(figsize=(9.0, 5.6))  # the old 3-D fig2_1: nine ticks a side on a foreshortened x₁ axis
    ax = fig.add_subplot(projection="3d", position=[0.0, 0.05, 0.6, 0.85])
    ax.plot([-1, 1], [-1, 1], [-1, 1])
    ax.set(xlabel="$x_1$", ylabel="$x_2$", zlabel="$x_3$")
    assert any("x tick labels overlap" in p for p in figure_problems(fig))
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_ticks([-1.0, -0.5, 0.0, 0.5, 1.0])
        axis.labelpad = 10
    assert figure_problems(fig) == []
    _close(fig)


def test_an_axis_label_that_runs_into_its_ticks():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("input x₂", labelpad=-12)
    assert any("x label runs into" in p for p in figure_problems(fig))
    ax.xaxis.labelpad = 4
    assert figure_problems(fig) == []
    _close(fig)


def test_a_colour_scale_needs_a_colour_bar():
    rng = np.random.default_rng(0)
    x, y, err = rng.random((3, 50))
    fig, ax = plotting.subplots()
    ax.scatter(x, y, c=err)  # the old fig1_6's error dots
    assert any("colour scale" in p for p in figure_problems(fig))
    fig.colorbar(ax.collections[0], ax=ax, label="|error|")
    assert figure_problems(fig) == []
    _close(fig)


def test_one_colour_bar_may_serve_panels_with_the_same_scale():
    rng = np.random.default_rng(0)
    fig, axes = plotting.subplots(1, 2)
    dots = [ax.scatter(*rng.random((2, 20)), c=rng.random(20), vmin=0, vmax=1) for ax in axes]
    fig.colorbar(dots[0], ax=axes)
    assert figure_problems(fig) == []
    dots[1].set_clim(0, 2)
    assert any("panel 2" in p and "colour scale" in p for p in figure_problems(fig))
    _close(fig)


def test_a_picture_without_axes_needs_no_colour_bar():
    fig, ax = plotting.subplots()
    plotting.image_grid(ax, np.random.default_rng(0).random((4, 28, 28)), 2)
    assert figure_problems(fig) == []
    _close(fig)


def test_title_and_caption_must_name_the_same_statistic():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title("train MSE per epoch (median, IQR)")  # the old fig1_1 curves
    caption = "Train MSE against epoch for each algorithm, mean over repetitions (n = 20)."
    problems = figure_problems(fig, caption)
    assert any("names the interquartile range, median but the caption names the mean" in p for p in problems)
    assert figure_problems(fig) == []  # no caption given: nothing to compare
    fixed = "Train MSE against epoch: median and interquartile range over repetitions (n = 20)."
    assert figure_problems(fig, fixed) == []
    _close(fig)


def test_caption_of_finds_the_reports_caption():
    from anndl.figure_checks import caption_of

    assert "interquartile" in caption_of("train_mse_vs_epoch_by_algorithm")
    assert caption_of("no_such_figure") is None


def test_compared_step_axes_must_match():
    fig, axes = plotting.subplots(1, 2)
    axes[0].plot([0, 100], [1, 0])
    axes[1].plot([0, 50], [1, 0])
    for ax in axes:
        ax.set_xlabel("generator step")
    assert any("different x ranges" in p for p in figure_problems(fig))
    axes[1].set_xlim(axes[0].get_xlim())
    assert figure_problems(fig) == []
    _close(fig)


def test_titles_that_run_into_each_other():
    fig, axes = plotting.subplots(1, 2)
    for ax in axes:
        ax.set_title("a very long title that says everything about this panel and more")
    assert any("run into" in p for p in figure_problems(fig))
    _close(fig)


def test_strict_mode_refuses_to_save(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNDL_STRICT_FIGURES", "1")
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ValueError, match="figure bad: .*no legend"):
        plotting.save_figure(fig, tmp_path, "bad")
    assert not list(tmp_path.iterdir()), "nothing half-written"


H_UNITS = np.arange(10, 101, 10)
GD_NOISY_MSE = np.array([0.49, 0.44, 0.44, 0.40, 0.38, 0.40, 0.42, 0.44, 0.41, 0.88])
"""gd's mean train MSE on noisy targets in the committed fig1_3, whose runs at H = 90 and 100 diverged once."""


def _diverged_at_the_top():
    """generalization's noisy-target figure in small: marks at a panel's highest point and its right edge."""
    fig, axes = plotting.subplots(1, 2, squeeze=False, sharey=True)
    for ax, split in zip(axes[0], ("train", "test"), strict=True):
        ax.plot(H_UNITS, GD_NOISY_MSE, "o-", label="gd")
        ax.plot(H_UNITS, np.geomspace(0.3, 0.03, len(H_UNITS)), "o-", label="lm")
        plotting.mark_diverged(ax, 90, GD_NOISY_MSE[-2], 1)
        plotting.mark_diverged(ax, 100, GD_NOISY_MSE[-1], 1)
        ax.set_yscale("log")
        ax.set_title(f"{split} MSE on noisy targets ỹ")
    fig.suptitle("mean of 10 runs per algorithm and H (diverged runs left out)", fontsize=10)
    fig.legend(*axes[0, 1].get_legend_handles_labels(), title="algorithm", loc="outside right upper")
    return fig, axes[0]


def test_a_text_that_runs_into_a_title():
    fig, _ = _diverged_at_the_top()
    assert any("runs into a title" in p for p in figure_problems(fig))
    _close(fig)


def test_diverged_marks_are_kept_inside_their_panel_and_apart():
    fig, axes = _diverged_at_the_top()
    plotting.keep_marks_inside(fig)
    assert figure_problems(fig) == []
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        panel = ax.get_window_extent(renderer)
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            assert box.y1 <= panel.y1 + 1 and box.x1 <= panel.x1 + 1
    _close(fig)


def test_a_mark_moved_down_past_one_mark_is_checked_again_against_those_it_passed():
    """Four marks a fraction of a pixel apart: B overlaps A and goes below it; C sits right of both; D
    overlaps only C at first, and once below C it overlaps B, which was placed before C."""
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    for x, y in ((0.175, 0.7), (0.375, 0.699), (0.675, 0.698), (0.525, 0.697)):
        plotting.mark_diverged(ax, x, y, 1)
    plotting.keep_marks_inside(fig)
    assert figure_problems(fig) == []
    _close(fig)


def test_a_text_past_the_figures_edge():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.text(1.5, 0.5, "a note that runs off the page", transform=ax.transAxes)
    assert any("past the figure's edge" in p for p in figure_problems(fig))
    _close(fig)


def test_an_error_bar_below_a_log_axis_then_a_positive_interval():
    """forecasting_cv's CV panel drew mean ± std over 4 folds with std > mean: the bar ran off the axis."""
    folds = np.array([[3.0, 8.0, 400.0, 20.0], [150.0, 200.0, 900.0, 700.0]])
    mean, std = folds.mean(axis=1), folds.std(axis=1)
    fig, ax = plotting.subplots()
    ax.errorbar([0, 1], mean, yerr=std, fmt="o")
    ax.set_yscale("log")
    assert any("reaches zero or below on a log axis" in p for p in figure_problems(fig))
    _close(fig)
    fig, ax = plotting.subplots()
    ax.errorbar([0, 1], mean, yerr=[mean - folds.min(axis=1), folds.max(axis=1) - mean], fmt="o")
    ax.set_yscale("log")
    assert figure_problems(fig) == []
    _close(fig)


def test_texts_that_overlap_each_other():
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1])
    ax.text(0.3, 0.5, "1 diverged, left out of the mean", transform=ax.transAxes)
    ax.text(0.35, 0.51, "1 diverged, left out of the mean", transform=ax.transAxes)
    assert any("overlaps or touches another text" in p for p in figure_problems(fig))
    _close(fig)


NOISY_TRAIN_MSE = {  # the committed fig1_3's train MSE means (10 runs; gd diverged once at H = 90 and at 100)
    "gd": [0.4907, 0.4407, 0.4397, 0.3999, 0.3836, 0.3993, 0.4217, 0.4358, 0.4079, 0.9],
    "gdx": [0.4291, 0.3138, 0.2543, 0.1885, 0.1023, 0.1046, 0.1098, 0.1061, 0.1234, 0.1362],
    "cgf": [0.3711, 0.2787, 0.161, 0.082, 0.0367, 0.0371, 0.0366, 0.0357, 0.0357, 0.0347],
    "bfg": [0.2588, 0.1672, 0.0751, 0.0476, 0.0358, 0.0352, 0.0345, 0.0335, 0.0328, 0.0317],
    "lm": [0.2523, 0.1382, 0.0539, 0.0348, 0.0334, 0.0324, 0.0321, 0.0314, 0.0306, 0.0303],
    "br": [0.2054, 0.1064, 0.0417, 0.0364, 0.0357, 0.0349, 0.0336, 0.0324, 0.0315, 0.0305],
}


def test_generalizations_noisy_figure_keeps_its_marks_apart():
    """fig1_3 as the committed run drew it: its two diverged marks once overlapped."""
    from anndl.supervised import generalization

    class Capture:
        def save_figure(self, fig, name, data=None):
            self.fig = fig

    per_algo = {a: {"train_mse_mean": mse, "test_mse_mean": mse, "diverged_runs": [0] * 8 + [1, 1] if a == "gd" else
                    [0] * 10} for a, mse in NOISY_TRAIN_MSE.items()}
    ctx, cfg = Capture(), generalization.GeneralizationConfig()
    generalization._plot_dataset(ctx, "noisy", per_algo, list(NOISY_TRAIN_MSE), cfg)
    plotting.keep_marks_inside(ctx.fig)
    assert figure_problems(ctx.fig) == []
    _close(ctx.fig)


def test_counts_in_titles_and_labels_take_the_plural_unless_one():
    from anndl.plotting import plural

    assert [plural(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]


def test_a_palette_png_keeps_a_plots_colours_in_256():
    from matplotlib.colors import to_rgb
    from PIL import Image

    from anndl.plotting import palette_image

    fig, ax = plotting.subplots()
    ax.plot([0, 1], [0, 1], color="C1")
    fig.canvas.draw()
    image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert("RGB")
    _close(fig)
    compact = palette_image(image)
    assert compact.mode == "P" and len(compact.getcolors(256)) <= 256
    orange = np.array(to_rgb("C1")) * 255
    assert np.abs(np.asarray(compact.convert("RGB"), dtype=float) - orange).sum(axis=2).min() < 12
