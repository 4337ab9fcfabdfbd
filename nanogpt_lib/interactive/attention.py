"""One query's attention row, for every query (chapter 04), in the page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..plotting.tokenizer import token_display
from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["attention_row_figure"]


def attention_row_figure(
    pattern, tokens: Sequence[str], query: int | None = None
) -> FigureSpec:
    """Bars of pattern[query] over the keys; a menu picks the query token.

    Shapes: pattern (T, T) with rows summing to 1 (causal: zeros right of the
    diagonal), tokens T strings.
    """
    pattern = np.asarray(pattern, dtype=np.float64)
    t = len(tokens)
    if pattern.shape != (t, t):
        raise ValueError(
            f"pattern must have shape (T, T) = ({t}, {t}) for {t} tokens, "
            f"got {pattern.shape}"
        )
    shown = tuple(token_display(tok) for tok in tokens)
    start = t - 1 if query is None else query
    controls = (
        Control("query", "query token", tuple(range(t)),
                tuple(f"{i}: {s}" for i, s in enumerate(shown)), start, "select"),
    )  # fmt: skip

    def frame(query):
        row = pattern[query]
        best = int(np.argmax(row))
        text = (
            f"query {query} {shown[query]!r} looks most at key {best} "
            f"{shown[best]!r} ({fixed(row[best], 3)}); keys after it get 0"
            if query < t - 1
            else f"query {query} {shown[query]!r} looks most at key {best} "
            f"{shown[best]!r} ({fixed(row[best], 3)})"
        )
        return [row.tolist()], text

    return FigureSpec(
        title="Attention weights of one query",
        controls=controls,
        categories=tuple(f"{i}: {s}" for i, s in enumerate(shown)),
        series=("attention weight",),
        frames=frames_over(controls, frame, digits=3),
        y_label="attention weight",
        y_range=(0.0, 1.0),
    )
