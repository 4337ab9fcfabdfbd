"""Colours and small helpers shared by every figure in the book.

Colour maps are perceptually uniform and readable in grey and by colour-blind readers
(cividis, viridis); categories use the Okabe-Ito palette.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt

__all__ = ["SEQUENTIAL", "DIVERGING", "OKABE_ITO", "new_figure", "figure_png"]

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


def new_figure(width: float = 6.4, height: float = 3.6, **kwargs):
    """A figure with the book's defaults (constrained layout, fixed size and dpi)."""
    return plt.figure(figsize=(width, height), dpi=100, layout="constrained", **kwargs)


def figure_png(fig) -> bytes:
    """Render a figure to PNG bytes (no timestamps, so the bytes are stable)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
