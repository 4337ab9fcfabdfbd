"""Figures for chapter 06: LayerNorm's effect, GELU, a fact-storing neuron, the
residual stream and where the parameters sit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..mlp import gelu, gelu_exact
from ._style import OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_scale_drift",
    "plot_activations",
    "plot_gelu_gap",
    "plot_neuron_fact",
    "plot_residual_norms",
    "plot_param_share",
]


def plot_scale_drift(curves: Mapping[str, Sequence[float]], *, ylabel: str = ""):
    """One line per setting: a number (e.g. activation std) against depth, log scale."""
    fig = new_figure(6.4, 3.2)
    ax = fig.add_subplot()
    styles = ["-", "--", "-.", ":"]
    for i, (label, values) in enumerate(curves.items()):
        ax.plot(
            np.arange(len(values)),
            values,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            linestyle=styles[(i // 2) % len(styles)],
            marker="o",
            markersize=2.5,
            label=label,
        )
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabel or "standard deviation of the activations")
    ax.legend(fontsize=8)
    return fig


def plot_activations(x=None):
    """GELU (GPT-2's tanh form) and ReLU on one axis, with a zoom on the dip."""
    x = np.linspace(-4, 3, 701, dtype=np.float64) if x is None else np.asarray(x)
    fig = new_figure(8.0, 3.0)
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.plot(x, np.maximum(x, 0), color=OKABE_ITO[1], linestyle="--", label="ReLU")
        ax.plot(x, gelu(x), color=OKABE_ITO[0], label="GELU")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_xlabel("x")
    left.set_ylabel("activation")
    left.legend()
    left.set_title("GELU is a smooth ReLU")
    right.set_xlim(-4, 1)
    right.set_ylim(-0.25, 0.5)
    right.set_title("zoom: GELU dips below 0")
    return fig


def plot_gelu_gap(x):
    """The tanh-form GELU minus the exact (erf) one, with the largest gap marked."""
    x = np.asarray(x, dtype=np.float64)
    gap = gelu(x) - gelu_exact(x)
    i = int(np.abs(gap).argmax())
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    ax.plot(x, gap, color=OKABE_ITO[0])
    ax.scatter([x[i]], [gap[i]], color=OKABE_ITO[5], zorder=3)
    ax.annotate(
        f"largest |gap| {abs(gap[i]):.1e} at x = {x[i]:.2f}",
        (x[i], gap[i]),
        textcoords="offset points",
        xytext=(10, -4),
        fontsize=8,
    )
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel("tanh form - erf form")
    return fig


def plot_neuron_fact(
    combos: Sequence[str],
    activation: Sequence[float],
    before: Sequence[float],
    after: Sequence[float],
    *,
    concept: str = "basketball",
):
    """Left: the neuron's activation per input; right: the stream's projection on
    the concept direction before and after the MLP adds its output."""
    x = np.arange(len(combos))
    fig = new_figure(8.4, 3.0)
    left, right = fig.subplots(1, 2, sharex=True)
    left.bar(x, activation, color=OKABE_ITO[0])
    left.axhline(0, color="grey", linewidth=0.5)
    left.set_ylabel("neuron activation (after GELU)")
    left.set_title("does the neuron fire?")
    right.bar(x - 0.2, before, width=0.4, color=OKABE_ITO[7], label="before the MLP")
    right.bar(x + 0.2, after, width=0.4, color=OKABE_ITO[1], label="after adding it")
    right.axhline(0, color="grey", linewidth=0.5)
    right.set_ylabel(f"projection on '{concept}'")
    right.set_title("what lands in the residual stream")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xticks(x, list(combos), fontsize=8)
    return fig


def plot_residual_norms(
    norms, stage_labels: Sequence[str], token_labels: Sequence[str]
):
    """Norm of every token's residual-stream vector after every step, annotated.

    Shapes: norms (S, T): S stages (embedding, after each attention, after each
    MLP), T tokens.
    """
    norms = np.asarray(norms)
    s, t = norms.shape
    fig = new_figure(7.6, 0.9 + 0.42 * s)
    ax = fig.add_subplot()
    image = ax.imshow(norms, cmap=SEQUENTIAL, aspect="auto")
    top = float(norms.max())
    for i in range(s):
        for j in range(t):
            colour = "black" if norms[i, j] > 0.6 * top else "white"
            ax.text(
                j,
                i,
                f"{norms[i, j]:.1f}",
                ha="center",
                va="center",
                fontsize=7,
                color=colour,
            )
    ax.set_xticks(range(t), list(token_labels))
    ax.set_yticks(range(s), list(stage_labels))
    ax.set_xlabel("token")
    fig.colorbar(image, ax=ax, label="norm of the vector")
    return fig


def plot_param_share(shares: Mapping[str, Mapping[str, int]]):
    """One stacked horizontal bar per model: its parameters split by kind, in %."""
    models = list(shares)
    kinds: list[str] = []
    for model in models:
        for kind in shares[model]:
            if kind not in kinds:
                kinds.append(kind)
    fig = new_figure(7.6, 0.9 + 0.55 * len(models))
    ax = fig.add_subplot()
    for m, model in enumerate(models):
        total = sum(shares[model].values())
        start = 0.0
        for k, kind in enumerate(kinds):
            pct = 100.0 * shares[model].get(kind, 0) / total
            ax.barh(
                m,
                pct,
                left=start,
                color=OKABE_ITO[k % len(OKABE_ITO)],
                label=kind if m == 0 else None,
            )
            if pct >= 6:
                ax.text(
                    start + pct / 2,
                    m,
                    f"{pct:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                )
            start += pct
    ax.set_yticks(range(len(models)), models)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the parameters (%)")
    ax.legend(
        ncols=len(kinds), fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0)
    )
    return fig
