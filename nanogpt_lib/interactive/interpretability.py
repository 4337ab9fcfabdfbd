"""The logit lens on a few held-out prompts (chapter 09), in the page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..gpt import GPTConfig
from ..interpretability import logit_lens
from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["lens_figure", "lens_probabilities", "lens_candidates", "char_label"]

TOP = 3  # the top guesses of every read-out that the figure keeps as bars


def char_label(ch: str) -> str:
    """A character as the chapter prints it: space as a visible mark, \\n escaped."""
    return "\u2423" if ch == " " else repr(ch)[1:-1]


def lens_probabilities(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """Next-character probabilities read after the embedding and after every block.

    Shapes: ids (T,) -> (L+1, T, V). The logit lens, then a softmax in float64
    (the stored digits must not depend on the machine's float32 kernels).
    """
    lens = np.asarray(logit_lens(params, ids, cfg), dtype=np.float64)
    lens = lens - lens.max(axis=-1, keepdims=True)
    probs = np.exp(lens)
    return probs / probs.sum(axis=-1, keepdims=True)


def lens_candidates(probs: np.ndarray, target: int, top: int = TOP) -> list[int]:
    """The bars for one prompt: every read-out's top guesses and the true next id.

    Shapes: probs (L+1, V) -> ids, ordered by the model's final probability
    (largest first), so that the bars stay in place as the layer changes.
    """
    chosen = {int(target)}
    for row in probs:
        chosen.update(int(i) for i in np.argsort(-row, kind="stable")[:top])
    return sorted(chosen, key=lambda i: (-probs[-1, i], i))


def lens_figure(
    params: dict,
    cfg: GPTConfig,
    tokenizer,
    text: str,
    positions: Sequence[int],
    *,
    prompt: int = 0,
) -> FigureSpec:
    """Bars of the next-character probabilities read after each block.

    A menu picks the prompt (`text` up to and including each of `positions`), a
    slider where the stream is read: after the embedding, after block 0, ... after
    the last block (the model's own output, where the slider starts). The bars are
    the top 3 guesses of every read-out plus the true next character.
    """
    ids = np.asarray(tokenizer.encode(text))
    positions = [int(p) for p in positions]
    if not positions or min(positions) < 0 or max(positions) >= len(ids) - 1:
        raise ValueError(
            f"positions must index characters of text that have a next one "
            f"(0 .. {len(ids) - 2}), got {positions}"
        )
    probs = lens_probabilities(params, ids, cfg)  # (L+1, T, V)
    layers = ["embedding"] + [f"block {i}" for i in range(cfg.n_layer)]
    shown = []
    for p in positions:
        prefix = text[max(0, p - 17) : p + 1]
        shown.append(("..." if p > 17 else "") + prefix.replace("\n", "\\n"))
    controls = (
        Control("prompt", "text read so far", tuple(range(len(positions))),
                tuple(shown), prompt, "select"),
        Control("layer", "read the stream after", tuple(range(len(layers))),
                tuple(layers), len(layers) - 1),
    )  # fmt: skip
    bars = {
        k: lens_candidates(probs[:, p], ids[p + 1]) for k, p in enumerate(positions)
    }

    def frame(prompt, layer):
        p = positions[prompt]
        row = probs[layer, p]
        best = int(np.argmax(row))
        nxt = int(ids[p + 1])
        rank = 1 + int(np.sum(row > row[nxt]))
        text_line = (
            f"after {layers[layer]}: top guess "
            f"'{char_label(tokenizer.decode([best]))}' {fixed(row[best], 2)}; the "
            f"next character '{char_label(tokenizer.decode([nxt]))}' gets "
            f"{fixed(row[nxt], 2)} (rank {rank})"
        )
        return [[float(row[i]) for i in bars[prompt]]], text_line

    frames = frames_over(controls, frame, digits=2)
    n_layers = len(layers)
    named = tuple(
        {
            **f,
            "c": [char_label(tokenizer.decode([i])) for i in bars[k // n_layers]],
        }
        for k, f in enumerate(frames)
    )
    return FigureSpec(
        title="Logit lens: the next character read after each block",
        controls=controls,
        categories=(),
        series=("probability",),
        frames=named,
        y_label="probability",
        y_range=(0.0, 1.0),
        digits=2,
    )
