"""Attention patterns of every layer and head (chapters 05 and A1), in the page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["head_figure"]


def head_figure(
    patterns, labels: Sequence[str], *, layer: int = 0, head: int = 0
) -> FigureSpec:
    """A heatmap of one head's (T, T) pattern; sliders pick the layer and the head.

    Shapes: patterns (L, H, T, T), as stacked from gpt.forward's trace; labels T.
    Weights are stored with 2 decimals (what a heatmap cell can show).
    """
    patterns = np.asarray(patterns, dtype=np.float64)
    if patterns.ndim != 4 or patterns.shape[-1] != patterns.shape[-2]:
        raise ValueError(f"patterns must have shape (L, H, T, T), got {patterns.shape}")
    n_layer, n_head, t = patterns.shape[:3]
    if len(labels) != t:
        raise ValueError(f"labels must have T = {t} entries, got {len(labels)}")
    controls = (
        Control("layer", "layer", tuple(range(n_layer)),
                tuple(map(str, range(n_layer))), layer),
        Control("head", "head", tuple(range(n_head)),
                tuple(map(str, range(n_head))), head),
    )  # fmt: skip

    def frame(layer, head):
        pattern = patterns[layer, head]
        prev = float(np.mean(np.diagonal(pattern, offset=-1))) if t > 1 else 0.0
        diag = float(np.mean(np.diagonal(pattern)))
        text = (
            f"layer {layer}, head {head}: mean weight on the same token "
            f"{fixed(diag, 2)}, on the previous token {fixed(prev, 2)}"
        )
        return pattern.tolist(), text

    return FigureSpec(
        title="Attention pattern of one head",
        controls=controls,
        categories=tuple(str(x) for x in labels),
        series=("attention weight",),
        frames=frames_over(controls, frame, digits=2),
        y_label="query (row) attends to key (column)",
        y_range=(0.0, 1.0),
        digits=2,
        kind="heatmap",
    )
