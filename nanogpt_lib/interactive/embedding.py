"""Nearest neighbours of a word (chapter 02), in the page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..word_vectors import WordVectors, most_similar
from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["neighbour_figure"]

MAX_K = 12


def neighbour_figure(
    wv: WordVectors, choices: Sequence[str], word: str | None = None, k: int = 8
) -> FigureSpec:
    """Bars of the k most similar words (cosine) for each word in `choices`.

    Free text has no finite set: the page offers `choices` (the chapter's probe and
    map words) and k from 1 to 12.
    """
    choices = list(choices)
    missing = [c for c in choices if c not in wv]
    if missing:
        raise ValueError(f"choices must be words of the vocabulary, got {missing}")
    start = choices.index(word) if word is not None else 0
    ks = tuple(range(1, MAX_K + 1))
    controls = (
        Control("word", "word", tuple(choices), tuple(choices), start, "select"),
        Control("k", "neighbours k", ks, tuple(map(str, ks)), min(k, MAX_K) - 1),
    )
    vectors = np.asarray(wv.vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def cosine(a: str, b: str) -> float:
        # float64: the stored digits must not depend on the BLAS kernel
        return float(np.sum(unit[wv.index(a)] * unit[wv.index(b)]))

    best = {
        w: [(n, cosine(w, n)) for n, _ in most_similar(wv, w, MAX_K)] for w in choices
    }

    def frame(word, k):
        pairs = best[word][:k]
        text = f"nearest to {word!r}: " + ", ".join(
            f"{w} {fixed(s, 2)}" for w, s in pairs[:4]
        )
        return [[s for _, s in pairs]], text

    frames = frames_over(controls, frame, digits=3)
    # each frame names its own bars (the neighbours change with the word)
    named = []
    for frame_, (word, k) in zip(frames, [(w, k) for w in choices for k in ks],
                                 strict=True):  # fmt: skip
        named.append({**frame_, "c": [w for w, _ in best[word][:k]]})
    return FigureSpec(
        title="Nearest neighbours by cosine similarity",
        controls=controls,
        categories=(),
        series=("cosine similarity",),
        frames=tuple(named),
        y_label="cosine similarity",
        y_range=(0.0, 1.0),
    )
