"""What a published figure needs, checked on a matplotlib figure before it is saved.

:func:`figure_problems` lists, per panel, what a reader could not decode from the picture alone:

- a series class (one colour of lines, markers, bars or bands) that no legend names, when a panel
  draws more than one class;
- a reference line (``axhline`` / ``axvline``) that neither the legend nor a text on the panel explains;
- a heat map (a small matrix drawn with ``imshow`` / ``pcolormesh``, axes on) without its numbers in
  the cells;
- bars whose value axis does not start at zero (on a linear scale), unless the panel says why in a
  text containing "not from zero";
- panels of one figure whose x label names steps, epochs or iterations but whose x ranges differ.

The tests run every experiment's quick variant through it; ``ANNDL_STRICT_FIGURES=1`` makes
:func:`anndl.plotting.save_figure` raise on a problem, so a report run can check its figures too.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.lines import Line2D

HEAT_MAP_MAX_CELLS = 20
"""A matrix drawn with at most this many rows and columns is a heat map (more: a picture)."""
TITLE_GAP_PX = 8
"""Titles of neighbouring panels closer than this (at 100 dpi) read as one."""
STEP_LABEL = re.compile(r"\b(steps?|epochs?|iterations?)\b", re.IGNORECASE)


def _colour(artist) -> str | None:
    """The hex colour that tells ``artist``'s series class apart, or None when it has none."""
    if isinstance(artist, Line2D):
        return to_hex(artist.get_color(), keep_alpha=False)
    colours = artist.get_facecolor()
    if colours is None or len(colours) == 0:
        colours = artist.get_edgecolor()
    colours = np.atleast_2d(colours)
    if len(colours) != 1:  # one colour per point: a colour map, explained by a colour bar
        return None
    return to_hex(colours[0], keep_alpha=False)


def _flatten(container) -> list:
    """The artists of a (nested) container."""
    out = []
    for child in container:
        if isinstance(child, (tuple, list)) or hasattr(child, "patches") and not hasattr(child, "draw"):
            out += _flatten(child)
        elif child is not None:
            out.append(child)
    return out


def _is_reference_line(ax, line: Line2D) -> bool:
    """axhline / axvline: a line drawn in the axis-blended transform across the panel."""
    return line.get_transform() in (ax.get_xaxis_transform(), ax.get_yaxis_transform())


def _legend_entries(ax) -> tuple[set[str], set[str]]:
    """(colours, labels) the figure's legends name (a legend on one panel may serve its row)."""
    colours, labels = set(), set()
    legends = [*(a.get_legend() for a in ax.figure.axes), *ax.figure.legends]
    for legend in legends:
        if legend is None:
            continue
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=False):
            labels.add(text.get_text())
            try:
                colour = _colour(handle)
            except (AttributeError, TypeError, ValueError):
                colour = None
            if colour is not None:
                colours.add(colour)
    return colours, labels


def _series(ax) -> list[tuple[str, object]]:
    """(colour, artist) for every drawn data series of the panel, reference lines excluded."""
    found = []
    error_bars = {id(a) for c in ax.containers if isinstance(c, ErrorbarContainer) for a in _flatten(c)}
    for container in ax.containers:
        if isinstance(container, BarContainer) and container.errorbar is not None:
            error_bars |= {id(a) for a in _flatten(container.errorbar)}
    for line in ax.get_lines():
        if id(line) in error_bars or _is_reference_line(ax, line) or not line.get_visible():
            continue
        if len(line.get_xdata()) < 1:
            continue
        if line.get_linestyle() in ("None", "none", "", " ") and line.get_marker() in ("None", "none", "", " ", None):
            continue
        found.append((_colour(line), line))
    for coll in ax.collections:
        drawn = isinstance(coll, (PathCollection, PolyCollection)) and coll.get_visible() and len(coll.get_paths())
        if id(coll) not in error_bars and drawn:
            colour = _colour(coll)
            if colour is not None:
                found.append((colour, coll))
    for container in ax.containers:
        if isinstance(container, BarContainer) and len(container.patches):
            found.append((to_hex(container.patches[0].get_facecolor(), keep_alpha=False), container))
    return found


def _panel_name(ax, index: int) -> str:
    title = ax.get_title() or ax.get_ylabel() or ax.get_xlabel()
    return f"panel {index + 1}" + (f" ({title!r})" if title else "")


def _legend_problems(ax) -> list[str]:
    series = _series(ax)
    colours = {c for c, _ in series}
    if len(colours) < 2:
        return []
    named_colours, named_labels = _legend_entries(ax)
    if not named_labels:
        return [f"{len(colours)} series colours and no legend"]
    missing = sorted(colours - named_colours)
    return [f"series colour {c} is not in the legend" for c in missing]


def _reference_line_problems(ax) -> list[str]:
    _, named_labels = _legend_entries(ax)
    has_text = any(t.get_text().strip() for t in ax.texts)
    problems = []
    for line in ax.get_lines():
        if not _is_reference_line(ax, line):
            continue
        label = line.get_label()
        if not (label and not label.startswith("_") and label in named_labels) and not has_text:
            problems.append("a reference line that neither the legend nor a text explains")
    return problems


def _heat_map_problems(ax) -> list[str]:
    if not ax.axison:
        return []
    problems = []
    for artist in [*ax.images, *[c for c in ax.collections if isinstance(c, QuadMesh)]]:
        if artist.get_array() is None:
            continue
        if isinstance(artist, QuadMesh):  # its array may be flat; its cells are between the coordinates
            rows, cols = artist.get_coordinates().shape[:2]
            shape = (rows - 1, cols - 1)
        else:
            shape = np.shape(artist.get_array())
        if len(shape) != 2 or max(shape) > HEAT_MAP_MAX_CELLS:
            continue
        if len([t for t in ax.texts if t.get_text().strip()]) < shape[0] * shape[1]:
            problems.append(f"a {shape[0]}x{shape[1]} heat map without its numbers in the cells")
    return problems


def _bar_axis_problems(ax) -> list[str]:
    bars = [c for c in ax.containers if isinstance(c, BarContainer) and len(c.patches)]
    if not bars:
        return []
    if any("not from zero" in t.get_text() for t in ax.texts):
        return []
    horizontal = all(c.orientation == "horizontal" for c in bars)
    scale = ax.get_xscale() if horizontal else ax.get_yscale()
    if scale != "linear":
        return []
    low, high = ax.get_xlim() if horizontal else ax.get_ylim()
    values = np.concatenate([c.datavalues for c in bars])
    values = values[np.isfinite(values)]
    if values.size and values.min() >= 0 and min(low, high) > 0:
        return [f"bars on an axis that starts at {min(low, high):.3g}, not zero"]
    return []


def _step_axis_problems(axes) -> list[str]:
    by_label: dict[str, set[tuple[float, float]]] = {}
    for ax in axes:
        label = ax.get_xlabel()
        if ax.axison and STEP_LABEL.search(label) and (ax.get_lines() or ax.collections):
            by_label.setdefault(label, set()).add(tuple(np.round(ax.get_xlim(), 6)))
    return [f"panels with x label {label!r} have different x ranges {sorted(ranges)}"
            for label, ranges in by_label.items() if len(ranges) > 1]


def _overlapping_titles(fig, panels) -> list[str]:
    """Titles of different panels that overlap or run into each other (less than a few pixels apart)."""
    renderer = fig.canvas.get_renderer()
    boxes = [(i, ax.title.get_window_extent(renderer).expanded(1.0, 1.0).padded(TITLE_GAP_PX / 2))
             for i, ax in enumerate(panels) if ax.get_title()]
    return [f"the titles of panels {i + 1} and {j + 1} run into each other" for n, (i, a) in enumerate(boxes)
            for j, b in boxes[n + 1:] if a.overlaps(b)]


def figure_problems(fig) -> list[str]:
    """Everything :mod:`anndl.figure_checks` finds wrong with ``fig``, one sentence each."""
    fig.canvas.draw()
    problems = []
    panels = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]
    for index, ax in enumerate(panels):
        for problem in (*_legend_problems(ax), *_reference_line_problems(ax), *_heat_map_problems(ax),
                        *_bar_axis_problems(ax)):  # fmt: skip
            problems.append(f"{_panel_name(ax, index)}: {problem}")
    return problems + _step_axis_problems(panels) + _overlapping_titles(fig, panels)
