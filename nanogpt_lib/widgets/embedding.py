"""A nearest-neighbour explorer over word vectors (chapter 02)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w

from ..plotting.embedding import plot_neighbours
from ..word_vectors import WordVectors, most_similar
from ._core import live_figure

__all__ = ["neighbour_explorer"]


def neighbour_explorer(
    wv: WordVectors, choices: Sequence[str], word: str | None = None, k: int = 8
):
    """Pick a word from `choices` and a count k; see its k nearest words as bars."""
    missing = [c for c in choices if c not in wv]
    if missing:
        raise ValueError(f"choices must be words of the vocabulary, got {missing}")

    def draw(word: str, k: int):
        pairs = most_similar(wv, word, k)
        return plot_neighbours(word, [p[0] for p in pairs], [p[1] for p in pairs])

    controls = {
        "word": w.Dropdown(
            options=list(choices), value=word or choices[0], description="word"
        ),
        "k": w.IntSlider(value=k, min=1, max=20, description="neighbours"),
    }
    live_figure(draw, controls, "nearest-neighbour explorer")
