"""Figures for chapter 05: splitting into heads, speed of the loop, attention grids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._style import OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_split_heads",
    "plot_speed_ratio",
    "plot_head_pattern",
    "plot_attention_grid",
    "plot_head_contributions",
]


def plot_split_heads(x, n_head: int, *, token_labels: Sequence[str] | None = None):
    """The (T, C) matrix with its head boundaries, next to the H (T, D) slices."""
    x = np.asarray(x)
    t, c = x.shape
    d = c // n_head
    labels = (
        list(token_labels) if token_labels is not None else [str(i) for i in range(t)]
    )
    fig = new_figure(9.0, 2.9)
    grid = fig.add_gridspec(1, n_head + 1, width_ratios=[c, *([d] * n_head)])
    lim = float(np.abs(x).max())
    kw = {"cmap": SEQUENTIAL, "vmin": -lim, "vmax": lim, "aspect": "auto"}
    ax = fig.add_subplot(grid[0, 0])
    image = ax.imshow(x, **kw)
    for h in range(1, n_head):
        ax.axvline(h * d - 0.5, color=OKABE_ITO[1], linewidth=2)
    ax.set_yticks(range(t), labels)
    ax.set_xlabel(f"C = {c} columns")
    ax.set_ylabel("token")
    ax.set_title(f"x, shape ({t}, {c})")
    for h in range(n_head):
        sub = fig.add_subplot(grid[0, h + 1])
        sub.imshow(x[:, h * d : (h + 1) * d], **kw)
        sub.set_yticks([])
        sub.set_xlabel(f"D = {d}")
        sub.set_title(f"head {h}", color=OKABE_ITO[1] if h % 2 else OKABE_ITO[0])
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="value")
    return fig


def plot_speed_ratio(labels: Sequence[str], ratios: Sequence[float], *, title=""):
    """Horizontal bars of a speed ratio (slow time / fast time), 1 marked.

    Shapes: one ratio per label, e.g. loop time / vectorised time.
    """
    ratios = np.asarray(ratios, dtype=float)
    fig = new_figure(6.4, 1.2 + 0.5 * len(labels))
    ax = fig.add_subplot()
    y = np.arange(len(labels))
    ax.barh(y, ratios, color=OKABE_ITO[0])
    ax.axvline(1.0, color=OKABE_ITO[7], linestyle="--", linewidth=1)
    for yi, r in zip(y, ratios, strict=True):
        ax.text(r, yi, f" {r:.1f}x", va="center")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(ratios.max(), 1.0) * 1.25)
    ax.set_xlabel("loop time / one-call time (measured when the page was built)")
    if title:
        ax.set_title(title)
    return fig


def _heatmap(ax, pattern, labels, *, mark_max: bool, split_at: int | None):
    pattern = np.asarray(pattern)
    t, s = pattern.shape
    image = ax.imshow(pattern, cmap=SEQUENTIAL, vmin=0.0, vmax=1.0)
    if mark_max:
        best = pattern.argmax(axis=-1)
        ax.scatter(best, np.arange(t), s=12, marker="o", color=OKABE_ITO[1])
    if split_at is not None:
        for line in (ax.axvline, ax.axhline):
            line(split_at - 0.5, color=OKABE_ITO[7], linewidth=0.8, linestyle=":")
    ax.set_xticks(range(s), labels[:s], fontsize=7)
    ax.set_yticks(range(t), labels[:t], fontsize=7)
    return image


def plot_head_pattern(
    pattern,
    labels: Sequence[str],
    *,
    title: str = "",
    mark_max: bool = True,
    split_at: int | None = None,
):
    """One attention pattern (T, T) as a heatmap: row = query, column = key.

    A dot marks the key that gets the most weight in each row.
    """
    fig = new_figure(4.8, 4.2)
    ax = fig.add_subplot()
    image = _heatmap(ax, pattern, list(labels), mark_max=mark_max, split_at=split_at)
    ax.set_xlabel("key (looked at)")
    ax.set_ylabel("query (looking)")
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.85, label="attention weight")
    return fig


def plot_attention_grid(
    patterns,
    labels: Sequence[str],
    *,
    mark_max: bool = True,
    split_at: int | None = None,
):
    """Every head of every layer: patterns (L, H, T, T), one shared colour bar."""
    patterns = np.asarray(patterns)
    n_layer, n_head = patterns.shape[:2]
    fig = new_figure(3.0 * n_head + 1.0, 3.0 * n_layer)
    axes = fig.subplots(n_layer, n_head, squeeze=False)
    image = None
    for i in range(n_layer):
        for h in range(n_head):
            ax = axes[i, h]
            image = _heatmap(
                ax, patterns[i, h], list(labels), mark_max=mark_max, split_at=split_at
            )
            ax.set_title(f"layer {i}, head {h}", fontsize=9)
            if h == 0:
                ax.set_ylabel("query")
            if i == n_layer - 1:
                ax.set_xlabel("key")
    fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    return fig


def plot_head_contributions(norms, labels: Sequence[str], *, title: str = ""):
    """Bars of the size of each head's share of the attention output, per token.

    Shapes: norms (H, T): the norm of head h's value-up output at token t.
    """
    norms = np.asarray(norms)
    n_head, t = norms.shape
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    width = 0.8 / n_head
    x = np.arange(t)
    for h in range(n_head):
        ax.bar(
            x + (h - (n_head - 1) / 2) * width,
            norms[h],
            width=width,
            color=OKABE_ITO[h % len(OKABE_ITO)],
            label=f"head {h}",
        )
    ax.set_xticks(x, list(labels))
    ax.set_xlabel("token")
    ax.set_ylabel("norm of the head's output")
    ax.legend(ncols=n_head, fontsize=8)
    if title:
        ax.set_title(title)
    return fig
