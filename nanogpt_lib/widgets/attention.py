"""An attention explorer: pick a query token, see its row (chapter 04)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np

from ..plotting._style import new_figure
from ..plotting.attention import plot_pattern, plot_query_row
from ._core import live_figure

__all__ = ["attention_explorer"]


def attention_explorer(pattern, tokens: Sequence[str], query: int | None = None):
    """The (T, T) pattern with one query's row outlined, and that row as bars."""
    pattern = np.asarray(pattern)
    if pattern.shape != (len(tokens), len(tokens)):
        raise ValueError(
            f"pattern must have shape (T, T) = ({len(tokens)}, {len(tokens)}) "
            f"for {len(tokens)} tokens, got {pattern.shape}"
        )
    start = len(tokens) - 1 if query is None else query

    def draw(query: int):
        fig = new_figure(9.6, 4.2)
        left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
        plot_pattern(pattern, tokens, highlight=query, ax=left)
        plot_query_row(pattern[query], tokens, tokens[query], ax=right)
        return fig

    options = [(f"{t}: {tok}", t) for t, tok in enumerate(tokens)]
    controls = {"query": w.Dropdown(options=options, value=start, description="query")}
    live_figure(draw, controls, "attention explorer")
