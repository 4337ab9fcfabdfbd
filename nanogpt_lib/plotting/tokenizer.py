"""Figures for chapter 01: tokens as coloured spans, vocabulary growth, byte ranks."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np

from ._style import OKABE_ITO, new_figure

__all__ = [
    "token_display",
    "plot_tokens",
    "plot_merge_growth",
    "plot_token_counts",
    "plot_byte_ranks",
]

_VISIBLE = {" ": "\u2423", "\n": "\u21b5", "\t": "\u2192", "\r": "\u2190"}


def token_display(piece: bytes | str, *, escape_non_latin: bool = True) -> str:
    """A printable label for one token: spaces as a visible mark, newline as an arrow.

    Bytes that are not whole UTF-8 characters (part of an emoji, say) are shown as
    hex, e.g. <f0 9f>; combining marks and invisible characters as \\u escapes, and
    (by default) so is anything outside Latin scripts, which the figure font lacks.
    """
    if isinstance(piece, str):
        text = piece
    else:
        try:
            text = bytes(piece).decode("utf-8")
        except UnicodeDecodeError:
            return "<" + " ".join(f"{b:02x}" for b in piece) + ">"
    out = []
    for ch in text:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif (
            ch.isprintable()
            and not unicodedata.combining(ch)
            and (ord(ch) < 0x250 or not escape_non_latin)
        ):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _box_width(label: str, token_id: int | None) -> float:
    width = float(max(len(label), 1))
    if token_id is not None:  # leave room for the id printed under the box
        width = max(width, 0.62 * len(str(token_id)) + 0.4)
    return width


def _wrap(widths: Sequence[float], width: int) -> list[list[int]]:
    """Indices of the boxes on each line, starting a new line when one is full."""
    lines: list[list[int]] = [[]]
    used = 0.0
    for k, w in enumerate(widths):
        if used and used + w > width:
            lines.append([])
            used = 0.0
        lines[-1].append(k)
        used += w
    return lines


def plot_tokens(
    rows: Mapping[str, Sequence[bytes | str]],
    *,
    ids: Mapping[str, Sequence[int]] | None = None,
    width: int = 60,
    title: str = "",
):
    """Each tokenizer's tokens as coloured boxes, one panel per tokenizer.

    `rows` maps a tokenizer's name to its tokens (bytes or str); neighbouring tokens
    alternate colours; `ids` (same keys) prints each token's id under its box.
    """
    labels = {name: [token_display(p) for p in rows[name]] for name in rows}
    widths = {
        name: [
            _box_width(label, ids[name][k] if ids else None)
            for k, label in enumerate(labels[name])
        ]
        for name in rows
    }
    wrapped = {name: _wrap(widths[name], width) for name in rows}
    row_h = 0.62 if ids else 0.42
    heights = [len(lines) * row_h + 0.45 for lines in wrapped.values()]
    fig = new_figure(0.125 * width + 0.6, sum(heights) + 0.2 * bool(title))
    axes = np.atleast_1d(fig.subplots(len(rows), 1, height_ratios=heights))
    colours = [OKABE_ITO[i] for i in (0, 1, 2, 3)]
    for ax, (name, lines) in zip(axes, wrapped.items(), strict=True):
        ax.set_xlim(-0.2, width + 0.2)
        ax.set_ylim(len(lines) * row_h, -0.05)
        ax.axis("off")
        ax.set_title(f"{name}: {len(rows[name])} tokens", loc="left", fontsize=9, pad=2)
        for r, line in enumerate(lines):
            x, y = 0.0, r * row_h
            for k in line:
                w = widths[name][k]
                ax.add_patch(_box(x, y, w, 0.36, colours[k % len(colours)]))
                ax.text(
                    x + w / 2,
                    y + 0.18,
                    labels[name][k],
                    ha="center",
                    va="center",
                    family="monospace",
                    fontsize=8,
                )
                if ids:
                    ax.text(
                        x + w / 2,
                        y + 0.49,
                        str(ids[name][k]),
                        ha="center",
                        va="center",
                        fontsize=5.5,
                        color="0.25",
                    )
                x += w
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _box(x: float, y: float, w: float, h: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x + 0.04, y),
        w - 0.08,
        h,
        facecolor=colour,
        alpha=0.35,
        edgecolor="0.2",
        linewidth=0.6,
    )


def plot_merge_growth(
    merge_counts: Sequence[int],
    vocab_sizes: Sequence[int],
    n_tokens: Sequence[int],
    n_bytes: int,
):
    """Left: how often the pair merged at each step occurred. Right: tokens per byte
    of a text as the vocabulary grows."""
    fig = new_figure(8.0, 2.8)
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, len(merge_counts) + 1)
    left.plot(steps, merge_counts, color=OKABE_ITO[0])
    left.set_yscale("log")
    left.set_xlabel("merge number")
    left.set_ylabel("count of the merged pair")
    left.set_title("each merge is rarer than the last", fontsize=9)
    ratio = np.asarray(n_tokens, dtype=float) / n_bytes
    right.plot(vocab_sizes, ratio, color=OKABE_ITO[1], marker="o", markersize=3)
    right.set_xlabel("vocabulary size V")
    right.set_ylabel("tokens per byte")
    right.set_ylim(0, 1.05)
    right.set_title("more tokens in the vocabulary, shorter sequences", fontsize=9)
    return fig


def plot_token_counts(counts: Mapping[str, Mapping[str, int]], *, title: str = ""):
    """Grouped bars: for each text (outer key), the tokens each tokenizer needs."""
    texts = list(counts)
    tokenizers = list(next(iter(counts.values())))
    fig = new_figure(7.2, 3.0)
    ax = fig.add_subplot()
    x = np.arange(len(texts))
    width = 0.8 / len(tokenizers)
    hatches = ["", "//", "..", "xx", "\\\\", "--"]
    for j, name in enumerate(tokenizers):
        values = [counts[t][name] for t in texts]
        ax.bar(
            x + (j - (len(tokenizers) - 1) / 2) * width,
            values,
            width=width,
            color=OKABE_ITO[j % len(OKABE_ITO)],
            hatch=hatches[j % len(hatches)],
            label=name,
        )
    ax.set_xticks(x, texts, fontsize=8)
    ax.set_ylabel("tokens")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_byte_ranks(byte_ranks: Sequence[int]):
    """cl100k's rank (id) of each single byte against the byte's value."""
    ranks = np.asarray(byte_ranks)
    values = np.arange(256)
    printable = ((values >= 33) & (values <= 126)) | ((values >= 161) & (values != 173))
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    ax.scatter(
        values[printable],
        ranks[printable],
        s=8,
        color=OKABE_ITO[0],
        label="printable bytes: kept in byte order first",
    )
    ax.scatter(
        values[~printable],
        ranks[~printable],
        s=10,
        marker="x",
        color=OKABE_ITO[5],
        label="control bytes, space, 127-160, 173: moved to the end",
    )
    ax.plot([0, 255], [0, 255], color="0.6", linestyle="--", linewidth=0.8)
    ax.set_xlabel("byte value")
    ax.set_ylabel("cl100k id of the single-byte token")
    ax.legend(fontsize=7, loc="upper left")
    return fig
