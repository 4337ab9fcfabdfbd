"""A configuration explorer: change a GPT's sizes, see its parameters (chapter 08)."""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from ..gpt import PRESETS, GPTConfig
from ..plotting.params import plot_config_summary
from ._core import show

__all__ = ["config_explorer"]


def config_explorer(cfg: GPTConfig = PRESETS["gpt3"], *, dtype: str = "fp16"):
    """Sliders for layers, width, heads, vocabulary and context; the counts follow.

    A preset menu fills in the five numbers. A width that the heads do not divide
    gets a message instead of a figure, since no GPT-2-style block can have it.
    """
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    style = {"description_width": "110px"}
    layout = w.Layout(width="420px")
    preset = w.Dropdown(
        options=["(custom)", *PRESETS], value="(custom)", description="preset"
    )
    n_layer = w.IntSlider(
        cfg.n_layer, 1, 128, description="layers L", style=style, layout=layout
    )
    n_embd = w.IntSlider(
        cfg.n_embd, 16, 16384, step=16, description="width C", style=style,
        layout=layout,
    )
    n_head = w.IntSlider(
        cfg.n_head, 1, 128, description="heads H", style=style, layout=layout
    )
    vocab = w.BoundedIntText(
        cfg.vocab_size, min=2, max=1_000_000, description="vocabulary V", style=style
    )
    context = w.BoundedIntText(
        cfg.block_size, min=1, max=1_000_000, description="context T", style=style
    )
    out = w.Output()

    def update(change=None):
        with out:
            out.clear_output(wait=True)
            if n_embd.value % n_head.value:
                print(
                    f"C = {n_embd.value} is not divisible by H = {n_head.value}: "
                    "every head must get the same size D = C / H."
                )
                return
            new = GPTConfig(
                vocab.value, context.value, n_layer.value, n_head.value, n_embd.value
            )
            plt.show(plot_config_summary(new, dtype=dtype))

    def load_preset(change):
        if change["new"] == "(custom)":
            return
        p = PRESETS[change["new"]]
        for widget, value in (
            (n_layer, p.n_layer),
            (n_embd, p.n_embd),
            (n_head, p.n_head),
            (vocab, p.vocab_size),
            (context, p.block_size),
        ):
            widget.unobserve(update, names="value")
            widget.value = value
            widget.observe(update, names="value")
        update()

    for widget in (n_layer, n_embd, n_head, vocab, context):
        widget.observe(update, names="value")
    preset.observe(load_preset, names="value")
    update()
    controls = w.VBox([preset, n_layer, n_embd, n_head, vocab, context])
    show(
        w.VBox([controls, out]),
        plot_config_summary(cfg, dtype=dtype),
        "parameter count explorer",
    )
