"""Figures for chapters 00, 07 and A1: the whole GPT, its generation and training.

Tensors of the forward pass are drawn the way Bycroft's visualization draws them:
one column per token (time runs left to right), the C numbers of a token's vector
stacked vertically. Signed tensors use a diverging map centred on 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import FuncFormatter

from ._style import DIVERGING, OKABE_ITO, SEQUENTIAL, new_figure

__all__ = [
    "plot_generation_steps",
    "plot_operation_share",
    "plot_token_columns",
    "plot_attention_steps",
    "plot_walkthrough",
    "plot_share_correct",
    "plot_kv_cost",
    "plot_loss_curve",
    "plot_pattern_comparison",
    "plot_architecture",
]


def _bars(ax, probs, letters: Sequence[str], chosen: int | None, target=None):
    colours = [OKABE_ITO[0]] * len(letters)
    if chosen is not None:
        colours[chosen] = OKABE_ITO[1]
    ax.bar(range(len(letters)), probs, color=colours)
    for i, p in enumerate(probs):
        ax.text(i, min(float(p), 0.9) + 0.03, f"{p:.2f}", ha="center", fontsize=7)
    ax.set_xticks(range(len(letters)), list(letters))
    if target is not None:
        ax.get_xticklabels()[target].set_fontweight("bold")
    ax.set_ylim(0, 1.08)


def plot_generation_steps(
    contexts: Sequence[str],
    probs,
    chosen: Sequence[int],
    letters: Sequence[str] = "ABC",
    *,
    targets: Sequence[int] | None = None,
    title: str = "",
):
    """One bar chart per generation step: the next-token probabilities, pick marked.

    Shapes: probs (steps, V); contexts and chosen have one entry per step.
    The orange bar is the token that was picked and appended; with `targets`, the
    correct letter's tick label is bold.
    """
    probs = np.asarray(probs, dtype=float)
    n = len(probs)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = new_figure(2.3 * cols + 0.4, 2.0 * rows + 0.3)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    for k in range(n):
        ax = axes[k]
        target = None if targets is None else targets[k]
        _bars(ax, probs[k], letters, chosen[k], target)
        ax.set_title(
            f"step {k + 1}: {contexts[k]} \u2192 {letters[chosen[k]]}",
            fontsize=8,
            family="monospace",
        )
        if k % cols == 0:
            ax.set_ylabel("probability")
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_operation_share(counts: Mapping[str, int], *, title: str = ""):
    """Horizontal bars: the operations of a forward pass by kind, with their share."""
    names = list(counts)
    values = np.array([counts[name] for name in names], dtype=float)
    share = values / values.sum()
    fig = new_figure(6.4, 0.45 * len(names) + 1.0)
    ax = fig.add_subplot()
    colours = [OKABE_ITO[0] if "matmul" in n else OKABE_ITO[1] for n in names]
    ax.barh(range(len(names)), values, color=colours)
    for i, (v, s) in enumerate(zip(values, share, strict=True)):
        ax.text(v, i, f"  {int(v):,} ({100 * s:.1f}%)", va="center", fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, values.max() * 1.45)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("operations in one forward pass")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _column_heatmap(ax, array, tokens, *, signed: bool, title: str, fig):
    """Draw a (T, N) tensor as N rows x T columns: one column per token."""
    a = np.asarray(array, dtype=float).T  # (T, N) -> (N, T): tokens become columns
    if signed:
        finite = a[np.isfinite(a)]
        lim = float(np.abs(finite).max()) if finite.size else 1.0
        image = ax.imshow(a, cmap=DIVERGING, vmin=-lim, vmax=lim, aspect="auto")
    else:
        image = ax.imshow(a, cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(a.shape[1]), list(tokens), fontsize=7)
    ax.set_title(title, fontsize=8)
    ax.tick_params(axis="y", labelsize=6)
    fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02).ax.tick_params(labelsize=6)
    return image


def plot_token_columns(
    arrays: Mapping[str, np.ndarray],
    tokens: Sequence[str],
    *,
    signed: bool = True,
    title: str = "",
    height: float = 3.2,
):
    """Side-by-side heatmaps of (T, N) tensors, each drawn with one column per token.

    Shapes: every array (T, N) with the same T = len(tokens); N may differ.
    The vertical axis is the vector's index (0..N-1), as in the visualization.
    """
    names = list(arrays)
    fig = new_figure(min(1.7 * len(names) + 0.6, 10.0), height)
    axes = np.atleast_1d(fig.subplots(1, len(names), squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=True):
        _column_heatmap(ax, arrays[name], tokens, signed=signed, title=name, fig=fig)
    axes[0].set_ylabel("index in the vector")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _square(ax, m, tokens, *, probs: bool, title: str, fig):
    m = np.asarray(m, dtype=float)
    shown = np.ma.masked_invalid(m)
    if probs:
        image = ax.imshow(shown, cmap=SEQUENTIAL, vmin=0, vmax=1)
    else:
        finite = m[np.isfinite(m)]
        lim = float(np.abs(finite).max()) if finite.size else 1.0
        image = ax.imshow(shown, cmap=DIVERGING, vmin=-lim, vmax=lim)
    ax.set_facecolor("#d9d9d9")
    t, s = m.shape
    for i in range(t):
        for j in range(s):
            text = "-inf" if np.isneginf(m[i, j]) else f"{m[i, j]:.2f}"
            dark = probs and m[i, j] < 0.5
            colour = "white" if dark else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color=colour)
    ax.set_xticks(range(s), list(tokens)[:s], fontsize=7)
    ax.set_yticks(range(t), list(tokens)[:t], fontsize=7)
    ax.set_xlabel("key", fontsize=8)
    ax.set_title(title, fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.75).ax.tick_params(labelsize=6)


def plot_attention_steps(scores, masked, pattern, tokens: Sequence[str], *, title=""):
    """Three T x T panels of one head: scaled scores, after the mask, after softmax.

    Shapes: scores, masked, pattern (T, T). Masked entries (-inf) are grey.
    """
    fig = new_figure(10.0, 3.4)
    axes = fig.subplots(1, 3)
    _square(axes[0], scores, tokens, probs=False, title="q k\u1d40 / \u221aD", fig=fig)
    _square(axes[1], masked, tokens, probs=False, title="causal mask", fig=fig)
    _square(axes[2], pattern, tokens, probs=True, title="softmax (pattern)", fig=fig)
    axes[0].set_ylabel("query", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


_WALK = (
    ("x0", "embedding\nwte + wpe"),
    ("h.{i}.ln_1", "ln_1"),
    ("h.{i}.attn.q", "q (head {h})"),
    ("h.{i}.attn.k", "k (head {h})"),
    ("h.{i}.attn.v", "v (head {h})"),
    ("h.{i}.attn.heads", "head {h} out"),
    ("h.{i}.attn.concat", "heads\nconcat"),
    ("h.{i}.attn.proj", "projection"),
    ("h.{i}.res_1", "residual 1"),
    ("h.{i}.ln_2", "ln_2"),
    ("h.{i}.mlp.pre_gelu", "MLP up (4C)"),
    ("h.{i}.mlp.post_gelu", "GELU"),
    ("h.{i}.mlp.out", "MLP down"),
    ("h.{i}.res_2", "residual 2\n= block {i} out"),
)


def plot_walkthrough(
    trace: Mapping[str, np.ndarray], tokens: Sequence[str], *, layer=0, head=0
):
    """The forward pass as a strip of heatmaps: embedding, one block, head, output.

    Shapes: `trace` from gpt.forward(..., trace={}) on one sequence (no batch axis).
    Every tensor has one column per token. Each panel has its own colour scale
    (orange below 0, purple above); probabilities use the sequential map.
    """
    n_layer = 1 + max(int(k.split(".")[1]) for k in trace if k.startswith("h."))
    panels = []
    for key, label in _WALK:
        name = key.format(i=layer)
        array = np.asarray(trace[name])
        if array.ndim == 3:  # (H, T, D): show one head
            panels.append((array[head], label.format(i=layer, h=head)))
        else:
            panels.append((array, label.format(i=layer)))
    for i in range(layer + 1, n_layer):
        panels.append((trace[f"h.{i}.res_2"], f"block {i} out"))
    logits = np.asarray(trace["logits"], dtype=float)
    z = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    panels += [(trace["ln_f"], "ln_f"), (logits, "logits"), (probs, "softmax")]
    cols = 7
    rows = -(-len(panels) // cols)
    fig = new_figure(10.5, 3.3 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for k, (array, label) in enumerate(panels):
        ax = axes[k]
        _column_heatmap(
            ax,
            array,
            tokens,
            signed=label != "softmax",
            title=f"{k + 1}. {label}",
            fig=fig,
        )
        if array.shape[-1] <= 3:
            ax.set_yticks(range(array.shape[-1]), ["A", "B", "C"][: array.shape[-1]])
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


def plot_share_correct(temperatures, measured, exact, *, n_inputs: int, top_k=None):
    """Share of inputs sorted correctly when sampling, against temperature.

    `measured` comes from seeded sampling, `exact` from multiplying the probability
    of the right letter at each of the six steps.
    """
    fig = new_figure(6.4, 3.2)
    ax = fig.add_subplot()
    ax.plot(temperatures, exact, color=OKABE_ITO[0], marker="o", label="exact")
    ax.plot(
        temperatures,
        measured,
        color=OKABE_ITO[1],
        marker="s",
        linestyle="--",
        label=f"sampled once per input ({n_inputs} inputs)",
    )
    if top_k is not None:
        ax.plot(
            temperatures,
            top_k[1],
            color=OKABE_ITO[2],
            marker="^",
            linestyle=":",
            label=f"top-k = {top_k[0]}, exact",
        )
    ax.set_xlabel("temperature T")
    ax.set_ylabel("share sorted correctly")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    return fig


def plot_kv_cost(lengths, without, with_cache, *, title: str = ""):
    """Cumulative multiply-adds of generation with and without a KV cache (log y)."""
    fig = new_figure(6.4, 3.2)
    ax = fig.add_subplot()
    ax.plot(lengths, without, color=OKABE_ITO[5], label="no cache: re-read prefix")
    ax.plot(lengths, with_cache, color=OKABE_ITO[0], label="KV cache: one new token")
    ax.set_yscale("log")
    ax.set_xlabel("tokens in the sequence")
    ax.set_ylabel("multiply-adds so far")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_loss_curve(loss, eval_steps, train_correct, test_correct, *, n_train, n_test):
    """Left: the training loss per step (log y). Right: sorted inputs per check.

    `test_correct` is one count per check, or a single count measured once after
    training (drawn as one marker at the last step).
    """
    loss = np.asarray(loss, dtype=float)
    fig = new_figure(9.0, 3.2)
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, len(loss) + 1)
    left.plot(steps, loss, color=OKABE_ITO[0], linewidth=0.8, label="per batch")
    left.axhline(np.log(3), color=OKABE_ITO[7], linestyle=":", label="ln 3 (guess)")
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("cross-entropy loss")
    left.legend(fontsize=8)
    right.plot(
        eval_steps,
        np.asarray(train_correct) / n_train,
        color=OKABE_ITO[0],
        marker="o",
        label=f"training inputs ({n_train})",
    )
    once = np.ndim(test_correct) == 0
    right.plot(
        np.asarray(eval_steps)[-1:] if once else eval_steps,
        np.atleast_1d(np.asarray(test_correct)) / n_test,
        color=OKABE_ITO[1],
        marker="s",
        linestyle="--",
        label=f"held-out inputs ({n_test})"
        + (", once, after training" if once else ""),
    )
    right.set_ylim(0, 1.05)
    right.set_xlabel("step")
    right.set_ylabel("share sorted by greedy decoding")
    right.legend(fontsize=8)
    return fig


def plot_pattern_comparison(
    patterns: Mapping[str, np.ndarray], tokens: Sequence[str], *, layer: int = 0
):
    """The H heads of one layer for several models, one row per model.

    Shapes: every value (L, H, T, T) (stacked "h.{i}.attn.pattern" of a trace).
    """
    names = list(patterns)
    n_head = np.asarray(patterns[names[0]]).shape[1]
    fig = new_figure(2.6 * n_head + 1.0, 2.6 * len(names) + 0.2)
    axes = fig.subplots(len(names), n_head, squeeze=False)
    image = None
    for r, name in enumerate(names):
        stack = np.asarray(patterns[name], dtype=float)
        for h in range(n_head):
            ax = axes[r, h]
            image = ax.imshow(stack[layer, h], cmap=SEQUENTIAL, vmin=0, vmax=1)
            t = stack.shape[-1]
            ax.set_xticks(range(t), list(tokens)[:t], fontsize=6)
            ax.set_yticks(range(t), list(tokens)[:t], fontsize=6)
            ax.set_title(f"{name}: layer {layer}, head {h}", fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    return fig


_ARCH_BOXES = (  # (label, colour index), drawn bottom to top
    ("token ids, T of them", 7),
    ("token embedding wte[id]  +  position embedding wpe[t]", 0),
    ("LayerNorm ln_1", 4),
    ("self-attention: H heads of size D (positions exchange information)", 1),
    ("LayerNorm ln_2", 4),
    ("MLP: C -> F = 4C -> C, GELU (each position alone)", 2),
    ("final LayerNorm ln_f", 4),
    ("unembedding W_U (C x V): one logit per vocabulary token", 0),
    ("softmax: probabilities of the next token", 3),
)


def _architecture_rows(configs) -> list[list[str]]:
    from ..params import count_params

    rows = []
    for name, cfg in configs.items():
        head = "tied to wte" if cfg.tied_head else "own matrix"
        rows.append(
            [
                name,
                f"{cfg.n_layer}",
                f"{cfg.n_embd:,}",
                f"{cfg.n_head} x {cfg.head_size}",
                f"{cfg.vocab_size:,}",
                f"{cfg.block_size:,}",
                head,
                f"{count_params(cfg):,}",
            ]
        )
    return rows


def plot_architecture(configs):
    """The whole GPT as one labelled diagram, with a table of sizes per model.

    Shapes: configs maps a model name to its GPTConfig (e.g. sorter, GPT-2, GPT-3).
    Bottom to top: embeddings, L blocks (attention and MLP, each reading a LayerNorm
    and adding to the residual stream), final LayerNorm, unembedding, softmax.
    """
    from ._style import set_alt

    fig = new_figure(8.6, 6.4)
    ax_fig, ax_tab = fig.subplots(
        2, 1, gridspec_kw={"height_ratios": [4.2, 1.0]}, squeeze=True
    )
    ax = ax_fig
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.2, 10.2)
    ax.axis("off")
    ys = [0.3, 1.35, 2.6, 3.55, 4.7, 5.65, 7.05, 8.0, 9.0]
    box_x, box_w, box_h = 2.2, 7.4, 0.62
    for (label, colour), y in zip(_ARCH_BOXES, ys, strict=True):
        ax.add_patch(_box(box_x, y, box_w, box_h, OKABE_ITO[colour], alpha=0.18))
        ax.text(
            box_x + box_w / 2,
            y + box_h / 2,
            label,
            ha="center",
            va="center",
            fontsize=8.5,
        )
    # the residual stream: from the embeddings up to ln_f, on the left
    stream_x = 1.3
    mid = box_h / 2
    ax.plot(
        [box_x, stream_x, stream_x],
        [1.35 + mid, 1.35 + mid, 2.3],
        color=OKABE_ITO[5],
        lw=2.5,
    )
    ax.annotate(
        "",
        xy=(box_x, 7.05 + mid),
        xytext=(stream_x - 0.01, 7.05 + mid),
        arrowprops={"arrowstyle": "->", "lw": 2.5, "color": OKABE_ITO[5]},
    )
    ax.plot([stream_x, stream_x], [2.3, 7.05 + mid], color=OKABE_ITO[5], lw=2.5)
    ax.text(
        stream_x - 0.15,
        4.3,
        "residual stream x: (T, C)",
        rotation=90,
        ha="right",
        va="center",
        fontsize=8.5,
        color=OKABE_ITO[5],
    )
    for y_read, y_add in [(2.6, 3.55), (4.7, 5.65)]:  # read a LayerNorm, add back
        ax.annotate(
            "",
            xy=(box_x, y_read + box_h / 2),
            xytext=(stream_x, y_read + box_h / 2),
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        )
        ax.annotate(
            "",
            xy=(stream_x, y_add + box_h / 2),
            xytext=(box_x, y_add + box_h / 2),
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        )
        ax.text(
            stream_x + 0.08,
            y_add + box_h / 2 + 0.08,
            "+",
            fontsize=11,
            color=OKABE_ITO[5],
        )
    for y0, y1 in [(0.3, 1.35), (7.05, 8.0), (8.0, 9.0)]:  # straight up
        ax.annotate(
            "",
            xy=(box_x + box_w / 2, y1),
            xytext=(box_x + box_w / 2, y0 + box_h),
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        )
    ax.add_patch(_box(0.35, 2.35, 9.5, 4.35, "none", dashed=True))
    ax.text(
        9.75,
        6.64,
        "one block, repeated L times",
        ha="right",
        va="top",
        fontsize=8,
        style="italic",
    )
    ax.set_title("A GPT, bottom to top", fontsize=10)
    header = ["model", "L", "C", "H x D", "V", "context", "W_U", "parameters"]
    rows = _architecture_rows(configs)
    ax_tab.axis("off")
    widths = [0.13, 0.05, 0.09, 0.1, 0.09, 0.09, 0.14, 0.21]
    table = ax_tab.table(
        cellText=rows,
        colLabels=header,
        loc="center",
        cellLoc="center",
        colWidths=widths,
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1.0, 1.25)
    parts = "; ".join(
        f"{r[0]}: L = {r[1]} blocks, C = {r[2]}, {r[3]} heads, V = {r[4]}, "
        f"context {r[5]} tokens, unembedding {r[6]}, {r[7]} parameters"
        for r in rows
    )
    set_alt(
        fig,
        "Diagram of a GPT from bottom to top: token ids; token embedding plus "
        "position embedding; then one block, repeated L times, in which the "
        "residual stream feeds a LayerNorm and self-attention whose output is "
        "added back to the stream, then a LayerNorm and an MLP whose output is "
        "added back; then a final LayerNorm, the unembedding that gives one logit "
        "per vocabulary token, and a softmax giving next-token probabilities. "
        f"Table of sizes: {parts}.",
    )
    return fig


def _box(x, y, w, h, colour, *, alpha=1.0, dashed=False):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(
        (x, y),
        w,
        h,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=colour if colour != "none" else "none",
        edgecolor="0.25",
        alpha=alpha if colour != "none" else 1.0,
        linestyle="--" if dashed else "-",
        linewidth=1.0,
    )
