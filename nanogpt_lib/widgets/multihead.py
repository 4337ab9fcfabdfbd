"""A layer and head picker over a model's attention patterns (chapter 05)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np

from ..plotting.multihead import plot_head_pattern
from ._core import live_figure

__all__ = ["head_picker"]


def head_picker(
    patterns,
    labels: Sequence[str],
    *,
    layer: int = 0,
    head: int = 0,
    split_at: int | None = None,
):
    """Pick a layer and a head; see its attention pattern as a heatmap.

    Shapes: patterns (L, H, T, T), e.g. stacked from gpt.forward's trace
    ("h.{i}.attn.pattern"); labels has T entries.
    """
    patterns = np.asarray(patterns)
    if patterns.ndim != 4 or patterns.shape[-1] != patterns.shape[-2]:
        raise ValueError(f"patterns must have shape (L, H, T, T), got {patterns.shape}")
    n_layer, n_head, t = patterns.shape[:3]
    if len(labels) != t:
        raise ValueError(f"labels must have T = {t} entries, got {len(labels)}")

    def draw(layer: int, head: int):
        title = f"layer {layer}, head {head}"
        return plot_head_pattern(
            patterns[layer, head], labels, title=title, split_at=split_at
        )

    common = {"continuous_update": False, "style": {"description_width": "50px"}}
    controls = {
        "layer": w.IntSlider(layer, 0, n_layer - 1, description="layer", **common),
        "head": w.IntSlider(head, 0, n_head - 1, description="head", **common),
    }
    return live_figure(draw, controls, "attention head picker")
