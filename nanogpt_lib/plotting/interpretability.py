"""Figures for chapter 09: logit lens, head scores, ablation, attention gallery."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._style import OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_lens",
    "plot_head_scores",
    "plot_ablation",
    "plot_head_gallery",
    "plot_position_loss",
    "plot_lens_predictions",
]


def plot_lens(loss, accuracy, labels: Sequence[str], *, title: str = ""):
    """Logit-lens loss (nats per character) and top-1 accuracy after each block."""
    loss, accuracy = np.asarray(loss, float), np.asarray(accuracy, float)
    fig = new_figure(7.2, 3.2)
    left, right = fig.subplots(1, 2)
    x = np.arange(len(labels))
    left.plot(x, loss, marker="o", color=OKABE_ITO[0])
    left.set_ylabel("held-out loss (nats per character, log scale)")
    left.set_yscale("log")  # the first read-out is far above the rest
    right.plot(x, 100 * accuracy, marker="s", color=OKABE_ITO[1])
    right.set_ylabel("top-1 accuracy (%)")
    for ax in (left, right):
        ax.set_xticks(x, labels, rotation=20)
        ax.set_xlabel("read the stream after")
        ax.grid(alpha=0.3)
    for i, (a, b) in enumerate(zip(loss, accuracy, strict=True)):
        left.annotate(
            f"{a:.2f}",
            (i, a),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
        right.annotate(
            f"{100 * b:.0f}%",
            (i, 100 * b),
            textcoords="offset points",
            xytext=(0, -13),
            ha="center",
            fontsize=8,
        )
    if title:
        fig.suptitle(title)
    return fig


def plot_head_scores(scores, *, title: str, fmt: str = "{:.2f}", vmax: float = 1.0):
    """Heatmap of one number per head: rows = layers, columns = heads."""
    scores = np.asarray(scores, float)
    L, H = scores.shape
    fig = new_figure(1.2 + 0.9 * H, 0.9 + 0.7 * L)
    ax = fig.add_subplot()
    image = ax.imshow(scores, cmap=SEQUENTIAL, vmin=0, vmax=vmax)
    for i in range(L):
        for j in range(H):
            colour = "black" if scores[i, j] > 0.6 * vmax else "white"
            ax.text(
                j,
                i,
                fmt.format(scores[i, j]),
                ha="center",
                va="center",
                color=colour,
                fontsize=9,
            )
    ax.set_xticks(range(H), [f"head {h}" for h in range(H)])
    ax.set_yticks(range(L), [f"layer {i}" for i in range(L)])
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def plot_ablation(rise, *, title: str = "", top: int = 16):
    """Bars of the loss rise when each head is ablated, largest first."""
    rise = np.asarray(rise, float)
    L, H = rise.shape
    order = np.argsort(-rise, axis=None, kind="stable")[:top]
    names = [f"{i // H}.{i % H}" for i in order]
    fig = new_figure(7.0, 3.0)
    ax = fig.add_subplot()
    values = rise.reshape(-1)[order]
    ax.bar(range(len(order)), values, color=OKABE_ITO[5])
    ax.set_xticks(range(len(order)), names)
    ax.set_xlabel("head (layer.head)")
    ax.set_ylabel("loss rise (nats per character)")
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_head_gallery(patterns, labels: Sequence[str], *, captions=None):
    """Every head's pattern on one passage: an L x H grid of small heatmaps."""
    patterns = np.asarray(patterns, float)
    L, H, T, _ = patterns.shape
    fig = new_figure(2.0 * H + 0.4, 2.0 * L + 0.4)
    axes = np.asarray(fig.subplots(L, H)).reshape(L, H)
    ticks = np.arange(0, T, max(1, T // 8))
    for i in range(L):
        for j in range(H):
            ax = axes[i, j]
            ax.imshow(patterns[i, j], cmap=SEQUENTIAL, vmin=0, vmax=1)
            text = f"{i}.{j}"
            if captions is not None:
                text += f" {captions[i][j]}"
            ax.set_title(text, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    for j in range(H):
        axes[-1, j].set_xticks(ticks, [labels[t] for t in ticks], fontsize=6)
    for i in range(L):
        axes[i, 0].set_yticks(ticks, [labels[t] for t in ticks], fontsize=6)
    return fig


def plot_position_loss(loss, period: int, *, title: str = ""):
    """Loss at each position of a repeated random sequence (repeat from `period`)."""
    loss = np.asarray(loss, float)
    fig = new_figure(7.0, 3.0)
    ax = fig.add_subplot()
    ax.plot(np.arange(1, loss.size + 1), loss, color=OKABE_ITO[0])
    ax.axvline(period, color=OKABE_ITO[7], linestyle="--", linewidth=1)
    ax.text(period + 1, loss.max() * 0.95, "the repeat begins", fontsize=8)
    ax.set_xlabel("position of the predicted token")
    ax.set_ylabel("loss (nats)")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_lens_predictions(probs, candidates, prompts, layers: Sequence[str]):
    """One heatmap per prompt: the probability of each candidate after each block.

    Shapes: probs list of (L+1, K_i) arrays (one per prompt), candidates list of K_i
    labels, prompts and layers: labels. The still version of the lens explorer.
    """
    n = len(probs)
    fig = new_figure(7.2, 1.1 + 1.45 * n)
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for ax, p, names, prompt in zip(axes, probs, candidates, prompts, strict=True):
        p = np.asarray(p, float)
        ax.imshow(p, cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
        for i in range(p.shape[0]):
            for j in range(p.shape[1]):
                colour = "black" if p[i, j] > 0.6 else "white"
                ax.text(j, i, f"{p[i, j]:.2f}", ha="center", va="center",
                        color=colour, fontsize=7)  # fmt: skip
        ax.set_xticks(range(len(names)), names)
        ax.set_yticks(range(len(layers)), layers, fontsize=7)
        ax.set_title(f"after {prompt!r}", fontsize=9)
    fig.suptitle("Next-character probability read after each block", fontsize=10)
    return fig
