"""The data format of an interactive figure, and the HTML output that carries it.

A figure is a grouped bar chart (categories along x, one bar per series) or a square
heatmap (rows and columns both named by the categories), with one frame of values
for every combination of control positions. Frames are stored in row-major
order over the controls (the last control varies fastest), each with one line of text
that the page shows under the figure and reads to screen readers.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from IPython.display import display

__all__ = ["Control", "FigureSpec", "frames_over", "figure_html", "show", "fixed"]

MAX_FRAMES = 4000  # keeps one figure's data under ~100 kB of HTML


@dataclass(frozen=True)
class Control:
    """A slider (or a menu) over a fixed list of values, shown by their labels."""

    name: str
    label: str
    values: tuple
    shown: tuple[str, ...]
    start: int = 0
    kind: str = "range"  # "range" (a slider) or "select" (a menu)

    def __post_init__(self):
        if len(self.values) != len(self.shown) or not self.values:
            raise ValueError(f"control {self.name}: values and labels must pair up")
        if not 0 <= self.start < len(self.values):
            raise ValueError(f"control {self.name}: start must index its values")
        if self.kind not in ("range", "select"):
            raise ValueError(f"control {self.name}: kind must be 'range' or 'select'")


@dataclass(frozen=True)
class FigureSpec:
    """Everything the page needs to draw a figure at every control position."""

    title: str
    controls: tuple[Control, ...]
    categories: tuple[str, ...]
    series: tuple[str, ...]
    frames: tuple[dict, ...]
    y_label: str
    y_range: tuple[float, float]
    digits: int = 3
    colors: tuple[str, ...] = field(default=("#0072B2", "#E69F00", "#009E73"))
    kind: str = "bars"  # "bars", or "heatmap": each frame's values are the rows

    def frame_index(self, positions: Sequence[int]) -> int:
        """Row-major index of the frame for these control positions."""
        index = 0
        for control, pos in zip(self.controls, positions, strict=True):
            index = index * len(control.values) + pos
        return index

    def to_json(self) -> str:
        data = {
            "title": self.title,
            "controls": [
                {
                    "name": c.name,
                    "label": c.label,
                    "shown": list(c.shown),
                    "start": c.start,
                    "kind": c.kind,
                }
                for c in self.controls
            ],
            "categories": list(self.categories),
            "series": list(self.series),
            "colors": list(self.colors[: len(self.series)]),
            "y": {
                "label": self.y_label,
                "min": self.y_range[0],
                "max": self.y_range[1],
            },
            "digits": self.digits,
            "kind": self.kind,
            "frames": list(self.frames),
        }
        # sorted keys, no spaces, ASCII only: the same bytes on every machine
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def frames_over(
    controls: Sequence[Control],
    frame: Callable[..., tuple[list[list[float]], str]],
    digits: int,
) -> tuple[dict, ...]:
    """Call `frame(**values)` at every combination of control values, in order.

    `frame` returns the bar heights (one list per series) and a line of text.
    Heights are rounded to `digits` decimals so the stored numbers are stable.
    """
    count = 1
    for control in controls:
        count *= len(control.values)
    if count > MAX_FRAMES:
        raise ValueError(f"{count} frames is more than {MAX_FRAMES}: use fewer steps")
    frames = []
    for combo in itertools.product(*(c.values for c in controls)):
        values = {c.name: v for c, v in zip(controls, combo, strict=True)}
        heights, text = frame(**values)
        rounded = [[_round(h, digits) for h in row] for row in heights]
        frames.append({"v": rounded, "t": text})
    return tuple(frames)


def fixed(x: float, digits: int) -> str:
    """`x` with `digits` decimals, never "-0.00"."""
    text = f"{float(x):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _round(x: float, digits: int):
    value = round(float(x), digits)
    if value == 0:
        return 0  # never "-0.0"
    return int(value) if value == int(value) else value


def figure_html(spec: FigureSpec) -> str:
    """The HTML output: the data as JSON, a note for readers without the script."""
    payload = spec.to_json()
    ident = "ix-" + hashlib.sha256(payload.encode("ascii")).hexdigest()[:10]
    safe = payload.replace("</", "<\\/")  # never close the <script> early
    return (
        f'<div class="interactive-figure" id="{ident}" '
        f'data-title="{html.escape(spec.title)}">\n'
        f'<script type="application/json" class="interactive-data">{safe}</script>\n'
        '<p class="interactive-note">Interactive figure: '
        f"{html.escape(spec.title)}. It runs in the HTML book; here, use the "
        "figure above.</p>\n</div>"
    )


def show(spec: FigureSpec) -> None:
    """Display the interactive figure as one HTML output of the current cell."""
    bundle = {
        "text/html": figure_html(spec),
        "text/plain": f"[interactive figure: {spec.title}]",
    }
    display(bundle, raw=True)
