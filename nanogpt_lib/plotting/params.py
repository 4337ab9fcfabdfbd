"""Figures for chapter 08: where GPT-3's parameters sit, and what they cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..gpt import GPTConfig
from ..params import (
    Gpt3Row,
    ParamGroup,
    attention_pattern_entries,
    by_kind,
    bytes_per_value,
    count_params,
    format_bytes,
    format_count,
    gpt2_groups,
    kv_cache_bytes,
    n_matrices,
    tally_3b1b,
    total,
    weight_bytes,
)
from ._style import OKABE_ITO, new_figure

__all__ = [
    "KIND_STYLE",
    "plot_group_shares",
    "plot_table_2_1",
    "plot_memory",
    "plot_context_cost",
    "plot_config_summary",
]

# Colour and hatch per kind: Okabe-Ito colours, and a hatch so that the kinds stay
# apart in grey print too.
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "embedding": ("token embedding", OKABE_ITO[2], ".."),
    "position": ("positions", OKABE_ITO[4], "oo"),
    "attention": ("attention", OKABE_ITO[0], "//"),
    "mlp": ("MLP", OKABE_ITO[1], ""),
    "layernorm": ("LayerNorm", OKABE_ITO[7], "xx"),
    "unembedding": ("unembedding", OKABE_ITO[3], "\\\\"),
}


def _percent(share: float) -> str:
    """One decimal for shares of 0.1% and up, more digits below, never a bare 0.0%."""
    return f"{share:.1%}" if share >= 0.001 else f"{share:.3%}"


def plot_group_shares(groups: Sequence[ParamGroup], *, title: str = ""):
    """Each group's weights as a bar, and the shares of attention, MLP, embeddings."""
    groups = list(groups)
    n = total(groups)
    fig = new_figure(9.0, 3.6)
    left, right = fig.subplots(1, 2, width_ratios=[3, 1])
    y = np.arange(len(groups))[::-1]
    for yi, g in zip(y, groups, strict=True):
        _, colour, hatch = KIND_STYLE[g.kind]
        left.barh(yi, g.count / 1e9, color=colour, hatch=hatch, edgecolor="white")
        left.text(
            g.count / 1e9,
            yi,
            f" {g.count:,}  ({_percent(g.count / n)})",
            va="center",
            fontsize=8,
        )
    left.set_yticks(y, [f"{g.name} x{g.copies:,}" for g in groups], fontsize=8)
    left.set_xlabel("weights (billions)")
    left.set_xlim(0, max(g.count for g in groups) / 1e9 * 1.75)
    left.set_title(title or f"{n:,} weights in {n_matrices(groups):,} matrices")
    bottom = 0.0
    for kind, count in by_kind(groups).items():
        label, colour, hatch = KIND_STYLE[kind]
        share = count / n
        right.bar(0, share, bottom=bottom, color=colour, hatch=hatch, edgecolor="white")
        right.text(
            0.45,
            bottom + share / 2,
            f"{label} {_percent(share)}",
            va="center",
            fontsize=8,
        )
        bottom += share
    right.set_xlim(-0.5, 2.2)
    right.set_ylim(0, 1)
    right.set_xticks([])
    right.set_ylabel("share of all weights")
    right.spines[["top", "right", "bottom"]].set_visible(False)
    return fig


def plot_table_2_1(rows: Sequence[Gpt3Row]):
    """Computed minus printed n_params, in percent, for every Table 2.1 row."""
    fig = new_figure(7.4, 3.2)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    diffs = [100 * r.relative_difference for r in rows]
    for xi, row, d in zip(x, rows, diffs, strict=True):
        odd = not row.heads_match
        ax.bar(
            xi,
            d,
            color=OKABE_ITO[5] if odd else OKABE_ITO[0],
            hatch="//" if odd else "",
            edgecolor="white",
        )
        ax.text(
            xi,
            d + (0.15 if d >= 0 else -0.15),
            f"{d:+.2f}%",
            ha="center",
            va="bottom" if d >= 0 else "top",
            fontsize=8,
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [r.name.removeprefix("GPT-3 ") for r in rows])
    ax.set_ylabel("computed - printed (%)")
    ax.set_ylim(-2.6, 2.6)
    ax.set_title(
        "Table 2.1: our count vs the printed n_params (hatched: H x D ≠ d_model)"
    )
    return fig


def plot_memory(
    items: Mapping[str, float], budgets: Mapping[str, float], *, title: str = ""
):
    """Horizontal bars of byte counts on a log scale, with memory sizes as lines."""
    fig = new_figure(7.4, 0.45 * len(items) + 1.4)
    ax = fig.add_subplot()
    names = list(items)
    y = np.arange(len(names))[::-1]
    ax.barh(y, [items[k] for k in names], color=OKABE_ITO[0])
    for yi, k in zip(y, names, strict=True):
        ax.text(
            items[k],
            yi,
            f" {format_bytes(items[k])}",
            va="center",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
    styles = ["--", ":", "-."]
    for i, (label, size) in enumerate(budgets.items()):
        ax.axvline(
            size,
            color=OKABE_ITO[5 if i % 2 == 0 else 7],
            linestyle=styles[i % 3],
            label=label,
        )
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("bytes (log scale)")
    ax.set_xlim(min(items.values()) / 3, max(items.values()) * 20)
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_context_cost(cfg: GPTConfig, lengths: Sequence[int], *, dtype="fp16"):
    """KV cache (grows like T) against one layer's attention patterns (like T^2)."""
    lengths = np.asarray(lengths)
    kv = [kv_cache_bytes(cfg.n_layer, cfg.n_embd, int(t), dtype=dtype) for t in lengths]
    pattern = [
        attention_pattern_entries(int(t), cfg.n_head) * bytes_per_value(dtype)
        for t in lengths
    ]
    fig = new_figure(6.4, 3.2)
    ax = fig.add_subplot()
    ax.plot(lengths, kv, color=OKABE_ITO[0], marker="o", markersize=3, label="KV cache")
    ax.plot(
        lengths,
        pattern,
        color=OKABE_ITO[1],
        linestyle="--",
        marker="s",
        markersize=3,
        label=f"attention patterns of one layer ({cfg.n_head} heads)",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("tokens in the context T (log scale)")
    ax.set_ylabel(f"bytes in {dtype} (log scale)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_config_summary(cfg: GPTConfig, *, dtype: str = "fp16"):
    """Parameters by kind for one configuration, next to a table of what they cost."""
    groups = gpt2_groups(cfg)
    n = count_params(cfg)
    kinds = by_kind(groups)
    fig = new_figure(9.0, 3.2)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    names = list(kinds)
    y = np.arange(len(names))[::-1]
    for yi, kind in zip(y, names, strict=True):
        label, colour, hatch = KIND_STYLE[kind]
        left.barh(yi, kinds[kind] / n, color=colour, hatch=hatch, edgecolor="white")
        left.text(kinds[kind] / n, yi, f" {_percent(kinds[kind] / n)}", va="center")
    left.set_yticks(y, [KIND_STYLE[k][0] for k in names])
    left.set_xlim(0, 1.25)
    left.set_xlabel("share of the parameters")
    left.set_title(
        f"L={cfg.n_layer}, C={cfg.n_embd:,}, H={cfg.n_head}, V={cfg.vocab_size:,}, "
        f"T={cfg.block_size:,}",
        fontsize=9,
    )
    tally = tally_3b1b(cfg)
    rows = [
        ("parameters (GPT-2 style)", f"{n:,}"),
        ("3Blue1Brown's tally", f"{total(tally):,}"),
        ("matrices in the tally", f"{n_matrices(tally):,}"),
        (f"weights in {dtype}", format_bytes(weight_bytes(n, dtype))),
        (
            f"KV cache per token ({dtype})",
            format_bytes(kv_cache_bytes(cfg.n_layer, cfg.n_embd, dtype=dtype)),
        ),
        (
            f"KV cache at T={cfg.block_size:,}",
            format_bytes(
                kv_cache_bytes(cfg.n_layer, cfg.n_embd, cfg.block_size, dtype=dtype)
            ),
        ),
        ("FLOPs per token: 2N / 6N", f"{format_count(2 * n)} / {format_count(6 * n)}"),
    ]
    right.axis("off")
    table = right.table(cellText=rows, loc="center", cellLoc="left", colLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 1.35)
    return fig
