"""A tokenizer playground (chapter 01): type text, see its tokens."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w

from ..plotting.tokenizer import plot_tokens
from ._core import live_figure

__all__ = ["tokenizer_playground"]


def tokenizer_playground(tokenizers: Mapping[str, object], text: str, width: int = 60):
    """A text box and a choice of tokenizers; draws the tokens as coloured boxes.

    `tokenizers` maps a name to anything with `.encode(text)` and `.tokens(ids)`
    (the book's BPETokenizer and RankedBPETokenizer). Special-token text is encoded
    as plain text, so anything typed is accepted.
    """
    names = list(tokenizers)

    def draw(text: str, chosen: tuple[str, ...]):
        picked = [n for n in names if n in chosen] or names[:1]
        rows, ids = {}, {}
        for name in picked:
            tok = tokenizers[name]
            ids[name] = tok.encode(text, disallowed_special=())
            rows[name] = tok.tokens(ids[name])
        return plot_tokens(rows, ids=ids, width=width)

    box = w.Textarea(
        value=text,
        description="text",
        continuous_update=False,
        layout=w.Layout(width="95%", height="5em"),
    )
    choice = w.SelectMultiple(
        options=names, value=tuple(names), description="tokenizers", rows=len(names)
    )
    return live_figure(draw, {"text": box, "chosen": choice}, "tokenizer playground")
