"""The tokenizer playground (chapter 01), in the page, on a fixed set of texts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..plotting.tokenizer import token_display
from ._core import Control, FigureSpec, frames_over

__all__ = ["token_figure"]


def token_figure(tokenizers: Mapping[str, object], texts: Sequence[str]) -> FigureSpec:
    """Each text's tokens as boxes with their ids, for each tokenizer.

    `tokenizers` maps a name to anything with `.encode(text, disallowed_special=())`
    and `.tokens(ids)`, as for the ipywidgets playground. Free text has no finite
    set, so the page offers `texts` (the chapter's examples) in a menu.
    """
    names, texts = list(tokenizers), list(texts)
    if not names or not texts:
        raise ValueError("token_figure needs at least one tokenizer and one text")
    shown = tuple(t if len(t) <= 40 else t[:37] + "..." for t in texts)
    controls = (
        Control("text", "text", tuple(range(len(texts))), shown, 0, "select"),
        Control("tokenizer", "tokenizer", tuple(names), tuple(names), 0, "select"),
    )
    pieces = {}

    def frame(text, tokenizer):
        tok = tokenizers[tokenizer]
        ids = [int(i) for i in tok.encode(texts[text], disallowed_special=())]
        pieces[(text, tokenizer)] = [token_display(p) for p in tok.tokens(ids)]
        n_bytes = len(texts[text].encode("utf-8"))
        return [ids], f"{tokenizer}: {len(ids)} tokens for {n_bytes} bytes"

    frames = frames_over(controls, frame, digits=0)
    keys = [(t, n) for t in range(len(texts)) for n in names]
    named = tuple({**f, "c": pieces[key]} for f, key in zip(frames, keys, strict=True))
    return FigureSpec(
        title="Tokenizer playground",
        controls=controls,
        categories=(),
        series=("token id",),
        frames=named,
        y_label="tokens, each with its id",
        y_range=(0.0, 1.0),
        digits=0,
        kind="tokens",
    )
