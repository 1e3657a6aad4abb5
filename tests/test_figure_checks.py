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


def test_log_scale_bars_pass():
    fig, ax = plotting.subplots()
    ax.bar(["a", "b"], [1e-3, 1.0])
    ax.set_yscale("log")
    assert figure_problems(fig) == []
    _close(fig)


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
