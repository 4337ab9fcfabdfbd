"""Colours and small helpers shared by every figure in the book.

Colour maps are perceptually uniform and readable in grey and by colour-blind readers
(cividis, viridis); categories use the Okabe-Ito palette.

Every figure carries alt text for readers who cannot see it. A plotting function may
set its own with `set_alt`; otherwise `describe_figure` writes it from what the
function drew: titles, axis labels, and the data behind the bars, lines, heatmaps
and points (counts, ranges, the largest values and where they are). The figure puts
that text in the notebook output's metadata (`image/png: {alt: ...}`), from where the
HTML book's `accessibility` extension gives it to the <img>. The saved PNG and the
plain-text output stay exactly as before.
"""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure as _MplFigure

__all__ = [
    "SEQUENTIAL",
    "DIVERGING",
    "OKABE_ITO",
    "new_figure",
    "figure_png",
    "set_alt",
    "alt_text",
    "describe_figure",
]

SEQUENTIAL = "cividis"
DIVERGING = "PuOr"
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)


class Figure(_MplFigure):
    """A matplotlib figure that hands its alt text to Jupyter with the PNG.

    Named `Figure` so its plain-text form stays "<Figure size ... with N Axes>".
    """

    alt: str | None = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        # No data here: IPython still draws the PNG with matplotlib's own formatter,
        # and keeps this metadata for it.
        return {}, {"image/png": {"alt": alt_text(self)}}


def new_figure(width: float = 6.4, height: float = 3.6, **kwargs):
    """A figure with the book's defaults (constrained layout, fixed size and dpi)."""
    kwargs.setdefault("FigureClass", Figure)
    return plt.figure(figsize=(width, height), dpi=100, layout="constrained", **kwargs)


def set_alt(fig, text: str):
    """Give `fig` alt text: what it shows, for a reader who cannot see it."""
    fig.alt = " ".join(str(text).split())
    return fig


def alt_text(fig) -> str:
    """The alt text of `fig`: the one set with `set_alt`, else `describe_figure`."""
    return getattr(fig, "alt", None) or describe_figure(fig)


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.2g}".replace("e+0", "e").replace("e-0", "e-")
    return f"{x:.3g}"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _tick_labels(axis) -> list[str]:
    return [_clean(t.get_text()) for t in axis.get_ticklabels() if t.get_text()]


def _bars(ax) -> list[str]:
    from matplotlib.container import BarContainer

    # Bars drawn one call at a time (one colour each) are one set of bars to a reader:
    # unlabelled containers of the same orientation are described together.
    groups: dict = {}
    for container in ax.containers:
        if not isinstance(container, BarContainer) or not len(container.patches):
            continue
        label = container.get_label()
        named = bool(label) and not label.startswith("_")
        key = (container.orientation, label if named else None)
        groups.setdefault(key, []).extend(container.patches)
    parts = []
    for (orientation, label), patches in groups.items():
        horizontal = orientation == "horizontal"
        values = np.array(
            [p.get_width() if horizontal else p.get_height() for p in patches]
        )
        places = np.array(
            [
                p.get_y() + p.get_height() / 2
                if horizontal
                else p.get_x() + p.get_width() / 2
                for p in patches
            ]
        )
        axis = ax.yaxis if horizontal else ax.xaxis
        texts = [_clean(t.get_text()) for t in axis.get_ticklabels()]
        locs = np.asarray(axis.get_ticklocs(), dtype=float)[: len(texts)]
        names = []
        for k, place in enumerate(places):
            near = int(np.argmin(np.abs(locs - place))) if len(locs) else -1
            close = near >= 0 and abs(locs[near] - place) <= 0.45
            tick = texts[near] if close else ""
            names.append(f"'{tick}'" if tick else f"bar {k + 1}")
        text = f"{len(values)} bars"
        if label:
            text += f" ({_clean(label)})"
        order = np.argsort(-values, kind="stable")
        top = ", ".join(f"{names[i]} {_num(values[i])}" for i in order[:3])
        text += f"; largest {top}"
        if len(values) > 3:
            text += f"; smallest {names[order[-1]]} {_num(values[order[-1]])}"
        parts.append(text)
    return parts


def _lines(ax) -> list[str]:
    parts, reference = [], []
    for line in ax.get_lines():
        label = line.get_label()
        named = label and not label.startswith("_")
        if line.get_transform() != ax.transData:  # axhline, axvline: a reference
            if named:
                reference.append(repr(_clean(label)))
            continue
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        if x.size < 2 or not np.isfinite(y).any():
            continue
        i, j = int(np.nanargmin(y)), int(np.nanargmax(y))
        text = f"line{' ' + repr(_clean(label)) if named else ''} of {x.size} points"
        text += f", x from {_num(np.nanmin(x))} to {_num(np.nanmax(x))}"
        text += f", lowest {_num(y[i])} at x={_num(x[i])}, "
        text += f"highest {_num(y[j])} at x={_num(x[j])}"
        parts.append(text)
    if reference:
        parts.append("reference line " + ", ".join(reference))
    return parts


def _images(ax) -> list[str]:
    parts = []
    for image in ax.images:
        array = np.ma.asarray(image.get_array())
        if array.ndim != 2:
            parts.append("a picture")
            continue
        rows, cols = array.shape
        text = f"heatmap of {rows} rows by {cols} columns"
        if array.count():
            low, high = array.min(), array.max()
            r, c = np.unravel_index(int(np.ma.argmax(array)), array.shape)
            text += f", values from {_num(low)} to {_num(high)}"
            ylabels, xlabels = _tick_labels(ax.yaxis), _tick_labels(ax.xaxis)
            where = f"row {r + 1}, column {c + 1}"
            if len(ylabels) == rows and len(xlabels) == cols:
                where = f"row '{ylabels[r]}', column '{xlabels[c]}'"
            text += f", largest at {where}"
        if np.ma.count_masked(array):
            text += f", {int(np.ma.count_masked(array))} cells masked"
        parts.append(text)
    return parts


def _points(ax) -> list[str]:
    from matplotlib.collections import PathCollection

    parts = []
    for collection in ax.collections:
        if isinstance(collection, PathCollection):
            n = len(collection.get_offsets())
            label = collection.get_label()
            named = label and not label.startswith("_")
            parts.append(f"{n} points" + (f" ({_clean(label)})" if named else ""))
    words = [_clean(t.get_text()) for t in ax.texts if t.get_text().strip()]
    if words:
        shown = ", ".join(words[:8]) + (", ..." if len(words) > 8 else "")
        parts.append(f"{len(words)} labels: {shown}")
    return parts


def describe_axes(ax) -> str:
    """One sentence on what an Axes shows, from its labels and drawn data."""
    head = []
    if _clean(ax.get_title()):
        head.append(f"'{_clean(ax.get_title())}'")
    xlabel, ylabel = _clean(ax.get_xlabel()), _clean(ax.get_ylabel())
    if xlabel and ylabel:
        head.append(f"{ylabel} against {xlabel}")
    elif xlabel or ylabel:
        head.append(xlabel or ylabel)
    body = _bars(ax) + _images(ax) + _lines(ax) + _points(ax)
    if not body:
        ticks = _tick_labels(ax.xaxis) + _tick_labels(ax.yaxis)
        if ticks:
            body.append("labels " + ", ".join(ticks[:10]))
    return ": ".join(filter(None, [", ".join(head), "; ".join(body)]))


def describe_figure(fig) -> str:
    """Alt text for a figure, written from what was drawn on it."""
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    sentences = [describe_axes(ax) for ax in panels]
    sentences = [s for s in sentences if s]
    title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if len(sentences) <= 1:
        text = "Figure" + (f" '{_clean(title)}'" if title else "")
        return text + (f": {sentences[0]}." if sentences else ".")
    text = (
        f"Figure{' ' + repr(_clean(title)) if title else ''} in {len(panels)} panels. "
    )
    text += " ".join(f"Panel {i + 1}: {s}." for i, s in enumerate(sentences))
    return text


def figure_png(fig) -> bytes:
    """Render a figure to PNG bytes (no timestamps, so the bytes are stable)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
