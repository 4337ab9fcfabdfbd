"""Where a GPT's parameters are, for sizes the reader picks (chapter 08)."""

from __future__ import annotations

from ..gpt import GPTConfig
from ..params import (
    KINDS,
    by_kind,
    count_params,
    format_bytes,
    gpt2_groups,
    weight_bytes,
)
from ._core import Control, FigureSpec, frames_over

__all__ = ["parameter_figure", "LAYERS", "WIDTHS", "FAMILIES"]

LAYERS = (1, 2, 3, 6, 12, 24, 36, 48, 96)
WIDTHS = (48, 128, 768, 1024, 1280, 1600, 2048, 4096, 5120, 12288)
# vocabulary and context of each family; heads = width / 64 (GPT-2 and GPT-3's D)
FAMILIES = {
    "GPT-2 (V=50,257, T=1,024)": (50257, 1024),
    "GPT-3 (V=50,257, T=2,048)": (
        50257,
        2048,
    ),
}
HEAD_SIZE = 64


def config_for(family: str, n_layer: int, n_embd: int) -> GPTConfig:
    """The configuration one position of the controls stands for (H = C / 64)."""
    vocab, context = FAMILIES[family]
    n_head = max(1, n_embd // HEAD_SIZE)
    return GPTConfig(vocab, context, n_layer, n_head, n_embd)


def parameter_figure(dtype: str = "fp16") -> FigureSpec:
    """Share of the parameters by kind, for a family, a depth and a width.

    Simplified: heads are C / 64 (at least one), which is what GPT-2 and GPT-3 use;
    the count does not depend on H, since the heads split C.
    """
    controls = (
        Control("family", "family", tuple(FAMILIES), tuple(FAMILIES), 1, "select"),
        Control("n_layer", "layers L", LAYERS, tuple(map(str, LAYERS)), 8),
        Control("n_embd", "width C", WIDTHS, tuple(f"{c:,}" for c in WIDTHS), 9),
    )

    def frame(family, n_layer, n_embd):
        cfg = config_for(family, n_layer, n_embd)
        n = count_params(cfg)
        kinds = by_kind(gpt2_groups(cfg))
        shares = [kinds.get(kind, 0) / n for kind in KINDS]
        text = (
            f"L={n_layer}, C={n_embd:,}, H={cfg.n_head}: {n:,} parameters, "
            f"{format_bytes(weight_bytes(n, dtype))} in {dtype}"
        )
        return [shares], text

    return FigureSpec(
        title="Where the parameters are",
        controls=controls,
        categories=tuple(KINDS),
        series=("share of the parameters",),
        frames=frames_over(controls, frame, digits=4),
        y_label="share of the parameters",
        y_range=(0.0, 1.0),
        digits=4,
    )
