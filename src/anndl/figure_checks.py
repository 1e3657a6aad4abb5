"""What a published figure needs, checked on a matplotlib figure before it is saved.

:func:`figure_problems` lists, per panel, what a reader could not decode from the picture alone:

- a series class (one colour of lines, markers, bars or bands) that no legend names, when a panel
  draws more than one class;
- a reference line (``axhline`` / ``axvline``) that neither the legend nor a text on the panel explains;
- a heat map (a small matrix drawn with ``imshow`` / ``pcolormesh``, axes on) without its numbers in
  the cells;
- bars whose value axis does not start at zero (on a linear scale), unless the panel says why in a
  text containing "not from zero"; bars on a log axis at all (a bar's length from an arbitrary baseline
  means nothing there: draw dots with an interval);
- error bars on a log axis that reach zero or below (the interval is cut off where it matters);
- panels of one figure whose x label names steps, epochs or iterations but whose x ranges differ;
- a title, suptitle, legend title or legend entry that prints a Python literal (``[[1, 1], [-1, -1]]``,
  ``[1.0, -1.0]``, ``array(...)``) instead of writing it for a reader;
- tick labels of one axis that overlap each other, or an axis label that runs into its tick labels
  (3-D panels included);
- a colour scale (points, surfaces or cells coloured through a colour map) without a colour bar, unless the
  cells print their numbers;
- a text written on a panel (a note, a mark) that runs into a title, past the figure's edge or into
  another text on the panel;
- titles that name a statistic (mean, median, IQR, std, …) that the figure's caption, when given, does
  not name, when the caption names one: a reader is told two different things.

The tests run every experiment's quick variant through it; ``ANNDL_STRICT_FIGURES=1`` makes
:func:`anndl.plotting.save_figure` raise on a problem, so a report run can check its figures too.
"""

from __future__ import annotations

import re
from typing import Any

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
_NUMBER = r"\s*[-−+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*"
PYTHON_LITERAL = re.compile(
    r"\[\s*\["  # nested list
    rf"|\[(?:{_NUMBER},){{2,}}{_NUMBER}\]"  # a list of three or more numbers
    r"|\[[^\]]*\d\.0\b[^\]]*\]"  # a list holding a float printed by Python (1.0)
    r"|\b(?:array|tensor|np\.\w+)\("  # a numpy / torch repr
    r"|\{\s*'"  # a dict repr
)
"""Text that is a Python repr rather than notation: an interval like [0, 1] is not flagged."""
STATISTICS = {
    "mean": re.compile(r"\bmeans?\b|\baverage", re.IGNORECASE),
    "median": re.compile(r"\bmedians?\b", re.IGNORECASE),
    "interquartile range": re.compile(r"\bIQR\b|interquartile", re.IGNORECASE),
    "standard deviation": re.compile(r"\bstd\b|standard deviation|\bσ\b|±", re.IGNORECASE),
    "minimum": re.compile(r"\bmin(?:imum)?\b", re.IGNORECASE),
    "maximum": re.compile(r"\bmax(?:imum)?\b", re.IGNORECASE),
}
"""Statistics a title or caption may name, each with the words that name it."""
TEXT_GAP_PX = 2.0
"""Texts written on one panel closer than this (at 100 dpi) read as one block."""
TICK_GAP_PX = 1.0
"""Tick label boxes may touch by this much (at 100 dpi) before they count as overlapping."""


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
    horizontal = all(c.orientation == "horizontal" for c in bars)
    scale = ax.get_xscale() if horizontal else ax.get_yscale()
    if scale != "linear":
        return [f"bars on a {scale} axis (their length from an arbitrary baseline means nothing): "
                "draw dots with an interval"]
    if any("not from zero" in t.get_text() for t in ax.texts):
        return []
    low, high = ax.get_xlim() if horizontal else ax.get_ylim()
    values = np.concatenate([c.datavalues for c in bars])
    values = values[np.isfinite(values)]
    if values.size and values.min() >= 0 and min(low, high) > 0:
        return [f"bars on an axis that starts at {min(low, high):.3g}, not zero"]
    return []


def _log_interval_problems(ax) -> list[str]:
    """Error bars on a log y axis that reach zero or below (e.g. mean ± std with std > mean): their lower
    end is cut off at the axis, so the interval cannot be read."""
    if ax.get_yscale() != "log":
        return []
    lows = [segment[:, 1].min() for c in ax.containers if isinstance(c, ErrorbarContainer)
            for lines in c.lines[2] for segment in lines.get_segments() if len(segment)]
    if any(low <= 0 for low in lows):
        return ["an error bar reaches zero or below on a log axis (std > mean?): show a positive interval "
                "(min–max, quartiles, a standard error that stays above zero)"]
    return []


def _step_axis_problems(axes) -> list[str]:
    by_label: dict[str, set[tuple[float, float]]] = {}
    for ax in axes:
        label = ax.get_xlabel()
        if ax.axison and STEP_LABEL.search(label) and (ax.get_lines() or ax.collections):
            by_label.setdefault(label, set()).add(tuple(np.round(ax.get_xlim(), 6)))
    return [f"panels with x label {label!r} have different x ranges {sorted(ranges)}"
            for label, ranges in by_label.items() if len(ranges) > 1]


def _title_boxes(fig, panels) -> list[tuple[int | None, Any]]:
    """(panel index, display box) of every non-empty title of the panels (centre, left, right), then
    (None, box) of the figure's suptitle."""
    renderer = fig.canvas.get_renderer()
    boxes = [(i, t.get_window_extent(renderer)) for i, ax in enumerate(panels)
             for t in (ax.title, ax._left_title, ax._right_title) if t.get_text().strip()]
    if fig._suptitle is not None and fig._suptitle.get_text().strip():
        boxes.append((None, fig._suptitle.get_window_extent(renderer)))
    return boxes


def _overlapping_titles(title_boxes) -> list[str]:
    """Titles of different panels that overlap or run into each other (less than a few pixels apart)."""
    boxes = [(i, box.padded(TITLE_GAP_PX / 2)) for i, box in title_boxes if i is not None]
    return [f"the titles of panels {i + 1} and {j + 1} run into each other" for n, (i, a) in enumerate(boxes)
            for j, b in boxes[n + 1:] if i != j and a.overlaps(b)]


def _stray_text_problems(fig, panels, title_boxes) -> list[str]:
    """Texts written on a panel (notes, marks) that run into a title, past the figure's edge or into each
    other."""
    renderer = fig.canvas.get_renderer()
    title_boxes = [box for _, box in title_boxes]
    page = fig.bbox
    problems = []
    seen: dict[int, list] = {}
    for index, ax in enumerate(panels):
        for text in ax.texts:
            if not (text.get_visible() and text.get_text().strip()):
                continue
            box = text.get_window_extent(renderer).padded(-TICK_GAP_PX / 2)
            words = " ".join(text.get_text().split())
            spaced = box.padded(TEXT_GAP_PX / 2 + TICK_GAP_PX / 2)
            if any(spaced.overlaps(other) for other in seen.get(index, [])):
                problems.append(f"{_panel_name(ax, index)}: the text {words!r} overlaps or touches another text")
            seen.setdefault(index, []).append(spaced)
            if any(box.overlaps(title) for title in title_boxes):
                problems.append(f"{_panel_name(ax, index)}: the text {words!r} runs into a title")
            elif box.x0 < page.x0 or box.x1 > page.x1 or box.y0 < page.y0 or box.y1 > page.y1:
                problems.append(f"{_panel_name(ax, index)}: the text {words!r} runs past the figure's edge")
    return problems


def _texts_for_readers(fig) -> list[tuple[str, str]]:
    """(where, text) of every title, suptitle, legend title and legend entry of ``fig``."""
    found = [("suptitle", fig._suptitle.get_text())] if fig._suptitle is not None else []
    legends = [*(ax.get_legend() for ax in fig.axes), *fig.legends]
    for index, ax in enumerate(fig.axes):
        found += [(f"panel {index + 1} title", t.get_text()) for t in (ax.title, ax._left_title, ax._right_title)]
    for legend in legends:
        if legend is not None:
            found += [("legend title", legend.get_title().get_text())]
            found += [("legend entry", t.get_text()) for t in legend.get_texts()]
    return [(where, text) for where, text in found if text.strip()]


def _literal_problems(fig) -> list[str]:
    return [f"{where} {text!r} prints a Python literal; write it for a reader, e.g. (1, −1)"
            for where, text in _texts_for_readers(fig) if PYTHON_LITERAL.search(text)]


def _overlaps(boxes) -> bool:
    shrunk = [b.padded(-TICK_GAP_PX / 2) for b in boxes]
    return any(a.overlaps(b) for n, a in enumerate(shrunk) for b in shrunk[n + 1:])


def _drawn_tick_labels(axis) -> list:
    """The major tick labels ``axis`` drew in its view (``get_ticklabels`` would re-place a 3-D axis's)."""
    locs = axis.get_majorticklocs()
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * max(abs(low), abs(high), 1.0)
    return [label for loc, tick in zip(locs, axis.get_major_ticks(len(locs)), strict=False)
            if low - slack <= loc <= high + slack
            for label in (tick.label1, tick.label2) if label.get_visible() and label.get_text().strip()]


def _tick_label_problems(fig, panels) -> list[str]:
    """Tick labels of one axis that overlap, and axis labels that run into their own tick labels."""
    renderer = fig.canvas.get_renderer()
    problems = []
    for index, ax in enumerate(panels):
        if not (ax.axison or getattr(ax, "_axis3don", False)):  # a 3-D panel's axes are switched by _axis3don
            continue
        for name in ("x", "y", "z"):
            axis = getattr(ax, f"{name}axis", None)
            if axis is None or not axis.get_visible():
                continue
            labels = _drawn_tick_labels(axis)
            ticks = [t.get_window_extent(renderer) for t in labels]
            upright = all(t.get_rotation() % 90 == 0 for t in labels)  # slanted labels: their boxes overlap, not they
            if upright and _overlaps(ticks):
                problems.append(f"{_panel_name(ax, index)}: {name} tick labels overlap")
            label = axis.label
            if label.get_visible() and label.get_text().strip() and ticks:
                box = label.get_window_extent(renderer).padded(-TICK_GAP_PX / 2)
                if any(box.overlaps(t.padded(-TICK_GAP_PX / 2)) for t in ticks):
                    problems.append(f"{_panel_name(ax, index)}: the {name} label runs into its tick labels")
    return problems


def _colour_scales(ax) -> list:
    """Artists of ``ax`` coloured through a colour map: points or surfaces with an array of values, and heat
    maps on a panel with axes (a larger image is a picture: its grey levels are what it shows)."""
    scales = [c for c in ax.collections if c.get_array() is not None and np.size(c.get_array()) > 1]
    if ax.axison:
        scales += [image for image in ax.images if np.ndim(image.get_array()) == 2
                   and max(np.shape(image.get_array())) <= HEAT_MAP_MAX_CELLS]
    return scales


def _colour_bar_problems(fig, panels) -> list[str]:
    """A colour scale needs a colour bar: one drawn from it, or from a mappable with the same map and range."""
    bars = [ax._colorbar.mappable for ax in fig.axes if hasattr(ax, "_colorbar")]
    keys = {(m.get_cmap().name, m.norm.vmin, m.norm.vmax) for m in bars}
    problems = []
    for index, ax in enumerate(panels):
        cells_printed = len([t for t in ax.texts if t.get_text().strip()])
        for artist in _colour_scales(ax):
            if any(artist is m for m in bars) or (artist.get_cmap().name, artist.norm.vmin, artist.norm.vmax) in keys:
                continue
            if cells_printed >= np.size(artist.get_array()):  # a heat map with its numbers in the cells
                continue
            problems.append(f"{_panel_name(ax, index)}: a colour scale ({artist.get_cmap().name}) without a colour bar")
    return problems


def statistics_named(text: str) -> set[str]:
    """The statistics of :data:`STATISTICS` that ``text`` names."""
    return {name for name, pattern in STATISTICS.items() if pattern.search(text)}


def _statistic_problems(fig, caption: str | None) -> list[str]:
    if not caption:
        return []
    in_caption = statistics_named(caption)
    if not in_caption:
        return []
    titles = [(w, t) for w, t in _texts_for_readers(fig) if "title" in w]
    return [f"{where} {text!r} names the {', '.join(sorted(extra))} but the caption names the "
            f"{', '.join(sorted(in_caption))}" for where, text in titles
            if (extra := statistics_named(text) - in_caption)]


def figure_problems(fig, caption: str | None = None) -> list[str]:
    """Everything :mod:`anndl.figure_checks` finds wrong with ``fig``, one sentence each; ``caption``: the
    caption the report prints under it, when there is one (see :func:`caption_of`)."""
    fig.canvas.draw()
    problems = []
    panels = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]
    for index, ax in enumerate(panels):
        for problem in (*_legend_problems(ax), *_reference_line_problems(ax), *_heat_map_problems(ax),
                        *_bar_axis_problems(ax), *_log_interval_problems(ax)):  # fmt: skip
            problems.append(f"{_panel_name(ax, index)}: {problem}")
    titles = _title_boxes(fig, panels)
    return (problems + _step_axis_problems(panels) + _overlapping_titles(titles) + _literal_problems(fig)
            + _tick_label_problems(fig, panels) + _colour_bar_problems(fig, panels) + _statistic_problems(fig, caption)
            + _stray_text_problems(fig, panels, titles))


def caption_of(name: str) -> str | None:
    """The report's caption of the figure saved as ``name`` (any experiment), or None: a figure the report
    does not caption."""
    from anndl.report.scorecard import EXTRA_FIGURES, REPORT_FIGURES

    captions = [c for _, _, n, c in REPORT_FIGURES if n == name]
    captions += [c for (_, n), c in EXTRA_FIGURES.items() if n == name]
    return captions[0] if captions else None
