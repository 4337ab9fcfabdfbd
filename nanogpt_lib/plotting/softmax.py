"""Figures for chapter 03: probabilities, temperature, entropy, sampling."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..softmax import entropy, softmax
from ._style import OKABE_ITO, new_figure
from .tokenizer import token_display

__all__ = [
    "plot_probabilities",
    "plot_temperatures",
    "plot_entropy_vs_temperature",
    "plot_sampling_frequencies",
]


def plot_probabilities(probs, labels: Sequence[str], *, title: str = "", ax=None):
    """Bar chart of one probability vector, labelled by token."""
    if ax is None:
        fig = new_figure(6.4, 2.8)
        ax = fig.add_subplot()
    ax.bar(range(len(labels)), probs, color=OKABE_ITO[0])
    ax.set_xticks(range(len(labels)), [token_display(s) for s in labels])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    return ax.figure


def plot_temperatures(logits, labels: Sequence[str], temperatures: Sequence[float]):
    """One bar chart per temperature, side by side, sharing the y axis."""
    fig = new_figure(2.6 * len(temperatures), 2.8)
    axes = fig.subplots(1, len(temperatures), sharey=True)
    for ax, t in zip(np.atleast_1d(axes), temperatures, strict=True):
        plot_probabilities(softmax(logits, temperature=t), labels, ax=ax)
        ax.set_title(f"T = {t:g}")
        ax.tick_params(axis="x", labelsize=7)
    return fig


def plot_entropy_vs_temperature(logits, temperatures):
    """Entropy (nats) of softmax(logits / T) against T, with ln V as the ceiling."""
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    h = [float(entropy(softmax(logits, temperature=t))) for t in temperatures]
    ax.plot(temperatures, h, color=OKABE_ITO[0], marker="o", markersize=3)
    ax.axhline(
        np.log(len(logits)),
        color=OKABE_ITO[1],
        linestyle="--",
        label=f"uniform: ln {len(logits)}",
    )
    ax.set_xscale("log")
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("entropy (nats)")
    ax.legend(loc="lower right")
    return fig


def plot_sampling_frequencies(probs, counts, labels: Sequence[str]):
    """Probabilities next to the frequencies observed over many draws."""
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    freq = np.asarray(counts) / np.sum(counts)
    ax.bar(x - 0.2, probs, width=0.4, color=OKABE_ITO[0], label="probability")
    ax.bar(
        x + 0.2,
        freq,
        width=0.4,
        color=OKABE_ITO[1],
        hatch="//",
        label=f"frequency in {int(np.sum(counts)):,} draws",
    )
    ax.set_xticks(x, [token_display(s) for s in labels])
    ax.set_ylabel("share")
    ax.legend()
    return fig
