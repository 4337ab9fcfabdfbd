"""Figures for chapter 02: embedding tables, positions, similarities, word maps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._style import DIVERGING, OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_table",
    "plot_positions",
    "plot_cosine_matrix",
    "plot_dot_vs_cosine",
    "plot_word_map",
    "plot_neighbours",
    "plot_norm_vs_count",
]


def plot_table(
    table,
    *,
    title: str = "",
    row_label: str = "row",
    col_label: str = "dimension",
    row_ticks: Sequence[str] | None = None,
    ax=None,
    diverging: bool = True,
):
    """Heatmap of a (rows, C) table, one row per token or position, with colour bar."""
    table = np.asarray(table)
    if ax is None:
        fig = new_figure(6.4, max(1.6, min(4.0, 0.9 + 0.25 * table.shape[0])))
        ax = fig.add_subplot()
    if diverging:
        bound = float(np.abs(table).max()) or 1.0
        image = ax.imshow(table, cmap=DIVERGING, vmin=-bound, vmax=bound, aspect="auto")
    else:
        image = ax.imshow(table, cmap=SEQUENTIAL, aspect="auto")
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    if row_ticks is not None:
        ax.set_yticks(range(len(row_ticks)), list(row_ticks))
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="value")
    return ax.figure


def plot_positions(learned, sinusoidal, *, learned_title: str, sinusoidal_title: str):
    """A learned position table next to a sinusoidal one, as heatmaps."""
    fig = new_figure(6.4, 5.2)
    top, bottom = fig.subplots(2, 1, height_ratios=[1, 2.2])
    plot_table(
        learned,
        title=learned_title,
        row_label="position t",
        col_label="dimension",
        ax=top,
    )
    plot_table(
        sinusoidal,
        title=sinusoidal_title,
        row_label="position t",
        col_label="dimension",
        ax=bottom,
    )
    return fig


def plot_cosine_matrix(sims, labels: Sequence[str], *, title: str = "", ax=None):
    """Cosine similarities between named vectors, annotated, on a -1..1 scale."""
    sims = np.asarray(sims)
    if ax is None:
        side = min(6.0, 1.8 + 0.45 * len(labels))
        fig = new_figure(side + 1.2, side)
        ax = fig.add_subplot()
    image = ax.imshow(sims, cmap=DIVERGING, vmin=-1, vmax=1)
    ax.set_xticks(range(len(labels)), list(labels), rotation=90)
    ax.set_yticks(range(len(labels)), list(labels))
    if len(labels) <= 12:
        for i in range(sims.shape[0]):
            for j in range(sims.shape[1]):
                colour = "white" if abs(sims[i, j]) > 0.6 else "black"
                ax.text(
                    j,
                    i,
                    f"{sims[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=colour,
                )
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="cosine similarity")
    return ax.figure


def plot_dot_vs_cosine(scales, dots, cosines):
    """Dot product and cosine similarity as one vector is stretched."""
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    ax.plot(scales, dots, color=OKABE_ITO[0], marker="o", label="dot product a.b")
    ax.plot(
        scales,
        cosines,
        color=OKABE_ITO[1],
        marker="s",
        linestyle="--",
        label="cosine similarity",
    )
    ax.set_xlabel("length factor s in (s a).b")
    ax.set_ylabel("value")
    ax.legend()
    return fig


def plot_word_map(points, words: Sequence[str], groups: Sequence[int], names):
    """Words placed by a 2-D projection of their vectors, coloured by group."""
    points = np.asarray(points)
    fig = new_figure(6.4, 5.0)
    ax = fig.add_subplot()
    markers = "osD^v<>P"
    for g, name in enumerate(names):
        rows = [i for i, gi in enumerate(groups) if gi == g]
        ax.scatter(
            points[rows, 0],
            points[rows, 1],
            color=OKABE_ITO[g % len(OKABE_ITO)],
            marker=markers[g % len(markers)],
            label=name,
        )
    for (x, y), word in zip(points, words, strict=True):
        ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_neighbours(query: str, words: Sequence[str], sims, *, ax=None):
    """Horizontal bars: the nearest words to `query` and their cosine similarity."""
    if ax is None:
        fig = new_figure(6.4, 0.8 + 0.3 * len(words))
        ax = fig.add_subplot()
    y = np.arange(len(words))
    ax.barh(y, sims, color=OKABE_ITO[0])
    ax.set_yticks(y, list(words))
    ax.invert_yaxis()  # best match on top
    ax.set_xlim(min(0.0, float(np.min(sims))), 1)
    ax.set_xlabel(f"cosine similarity to '{query}'")
    return ax.figure


def plot_norm_vs_count(counts, norms, n_bins: int = 12):
    """Vector length against how often the word occurs (log scale), with the median.

    Shapes: counts (V,), norms (V,). The line joins the median length of the words
    in each of `n_bins` equally wide bins of log(count).
    """
    counts = np.asarray(counts, dtype=float)
    norms = np.asarray(norms, dtype=float)
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    ax.scatter(counts, norms, s=4, color=OKABE_ITO[0], alpha=0.4, label="one word")
    edges = np.geomspace(counts.min(), counts.max() * (1 + 1e-9), n_bins + 1)
    which = np.digitize(counts, edges) - 1  # bin of each word, 0 .. n_bins - 1
    centres, medians = [], []
    for k in range(n_bins):
        if (which == k).any():
            centres.append(np.sqrt(edges[k] * edges[k + 1]))
            medians.append(np.median(norms[which == k]))
    ax.plot(centres, medians, color=OKABE_ITO[1], marker="o", label="median")
    ax.legend(fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("occurrences of the word in the corpus (log scale)")
    ax.set_ylabel("length of its vector")
    return fig
