"""Figures for chapter 04: attention patterns, the 1/sqrt(D) scale, the T x T cost."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._style import OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_pattern",
    "plot_score_spread",
    "plot_attention_cost",
    "plot_query_row",
]


def plot_pattern(
    pattern,
    query_labels: Sequence[str],
    key_labels: Sequence[str] | None = None,
    *,
    title: str = "",
    highlight: int | None = None,
    ax=None,
):
    """Heatmap of an attention pattern: row = query position, column = key position.

    Masked entries (exactly 0 above the diagonal) are hatched, so "not allowed to
    look" is visibly different from "allowed but chose not to".
    """
    pattern = np.asarray(pattern, dtype=float)
    key_labels = list(query_labels if key_labels is None else key_labels)
    if ax is None:
        side = min(6.0, 2.2 + 0.42 * len(key_labels))
        fig = new_figure(side + 1.3, side)
        ax = fig.add_subplot()
    image = ax.imshow(pattern, cmap=SEQUENTIAL, vmin=0, vmax=1)
    t, s = pattern.shape
    future = np.triu(np.ones((t, s), dtype=bool), k=s - t + 1)
    for i, j in zip(*np.nonzero(future), strict=True):
        ax.add_patch(_hatched_cell(j, i))
    if len(key_labels) <= 12:
        for i in range(t):
            for j in range(s):
                if not future[i, j]:
                    colour = "black" if pattern[i, j] > 0.6 else "white"
                    ax.text(
                        j,
                        i,
                        f"{pattern[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=colour,
                    )
    ax.set_xticks(range(s), key_labels, rotation=90)
    ax.set_yticks(range(t), list(query_labels))
    ax.set_xlabel("key (the token looked at)")
    ax.set_ylabel("query (the token looking)")
    if highlight is not None:
        ax.add_patch(_outline_row(highlight, s))
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="attention weight")
    return ax.figure


def _hatched_cell(x: float, y: float):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x - 0.5, y - 0.5),
        1,
        1,
        facecolor="white",
        edgecolor="0.7",
        hatch="///",
        linewidth=0,
    )


def _outline_row(row: int, width: int):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (-0.5, row - 0.5), width, 1, fill=False, edgecolor=OKABE_ITO[1], linewidth=2.5
    )


def plot_score_spread(dims, variances, max_raw, max_scaled):
    """Left: variance of q.k against D. Right: the top softmax weight with and
    without dividing by sqrt(D)."""
    fig = new_figure(6.8, 3.0)
    left, right = fig.subplots(1, 2)
    left.plot(dims, variances, marker="o", color=OKABE_ITO[0], label="measured")
    left.plot(dims, dims, linestyle="--", color=OKABE_ITO[7], label="D")
    left.set_xscale("log", base=2)
    left.set_yscale("log", base=2)
    left.set_xlabel("head size D")
    left.set_ylabel("variance of q.k")
    left.legend(fontsize=8)
    right.plot(dims, max_raw, marker="o", color=OKABE_ITO[5], label="q.k")
    right.plot(
        dims,
        max_scaled,
        marker="s",
        linestyle="--",
        color=OKABE_ITO[0],
        label="q.k / sqrt(D)",
    )
    right.set_xscale("log", base=2)
    right.set_ylim(0, 1.02)
    right.set_xlabel("head size D")
    right.set_ylabel("mean largest weight")
    right.legend(fontsize=8)
    return fig


def plot_attention_cost(lengths, bytes_per_head, seconds):
    """Memory of one float32 pattern and the measured time of one head, against T.

    Shapes: lengths, bytes_per_head, seconds (n,). The right panel draws the measured
    seconds on log-log axes with the slope of each segment written beside it (2 means
    time grows as T^2) and a dashed slope-2 guide fitted to all points, not pinned to
    any one of them.
    """
    lengths = np.asarray(lengths, dtype=float)
    seconds = np.asarray(seconds, dtype=float)
    fig = new_figure(6.8, 3.0)
    left, right = fig.subplots(1, 2)
    left.plot(
        lengths, np.asarray(bytes_per_head) / 2**20, marker="o", color=OKABE_ITO[0]
    )
    left.set_xscale("log", base=2)
    left.set_yscale("log", base=2)
    left.set_xlabel("tokens T")
    left.set_ylabel("MiB for one T x T pattern")
    log_t, log_s = np.log2(lengths), np.log2(seconds)
    right.plot(lengths, seconds, marker="o", color=OKABE_ITO[5], label="measured")
    offset = np.mean(log_s - 2 * log_t)  # least-squares fit of a slope-2 line
    right.plot(
        lengths,
        2.0 ** (2 * log_t + offset),
        linestyle="--",
        color=OKABE_ITO[7],
        label="T$^2$ (fitted)",
    )
    slopes = np.diff(log_s) / np.diff(log_t)
    for i, slope in enumerate(slopes):
        right.annotate(
            f"{slope:.1f}",
            (
                2.0 ** ((log_t[i] + log_t[i + 1]) / 2),
                2.0 ** ((log_s[i] + log_s[i + 1]) / 2),
            ),
            textcoords="offset points",
            xytext=(-4, 6),
            ha="right",
            fontsize=7,
        )
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("tokens T")
    right.set_ylabel("seconds, one head")
    right.legend(fontsize=8)
    return fig


def plot_query_row(weights, key_labels: Sequence[str], query_label: str, *, ax=None):
    """Bars of one query's attention weights over the keys."""
    weights = np.asarray(weights, dtype=float)
    if ax is None:
        fig = new_figure(6.4, 2.6)
        ax = fig.add_subplot()
    x = np.arange(len(key_labels))
    ax.bar(x, weights, color=OKABE_ITO[0])
    ax.set_xticks(x, list(key_labels), rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("attention weight")
    ax.set_title(f"where '{query_label}' looks")
    return ax.figure
