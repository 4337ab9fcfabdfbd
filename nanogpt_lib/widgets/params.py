"""A configuration explorer: change a GPT's sizes, see its parameters (chapter 08)."""

from __future__ import annotations

import ipywidgets as w

from ..gpt import PRESETS, GPTConfig
from ..plotting._style import new_figure
from ..plotting.params import plot_config_summary
from ._core import live_figure

__all__ = ["config_explorer"]

CUSTOM = "(custom)"


def _sizes(cfg: GPTConfig) -> dict[str, int]:
    return {
        "n_layer": cfg.n_layer,
        "n_embd": cfg.n_embd,
        "n_head": cfg.n_head,
        "vocab_size": cfg.vocab_size,
        "block_size": cfg.block_size,
    }


def _no_such_block(n_embd: int, n_head: int):
    fig = new_figure(9.0, 1.2)
    fig.text(
        0.5,
        0.5,
        f"C = {n_embd} is not divisible by H = {n_head}: every head must get the "
        "same size D = C / H.",
        ha="center",
        va="center",
    )
    return fig


def config_explorer(cfg: GPTConfig = PRESETS["gpt3"], *, dtype: str = "fp16"):
    """Sliders for layers, width, heads, vocabulary and context; the counts follow.

    A preset menu fills in the five numbers. A width that the heads do not divide
    gets a message instead of a figure, since no GPT-2-style block can have it.
    """
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    common = {
        "style": {"description_width": "110px"},
        "layout": w.Layout(width="420px"),
        "continuous_update": False,
    }
    preset = w.Dropdown(options=[CUSTOM, *PRESETS], value=CUSTOM, description="preset")
    controls = {
        "n_layer": w.IntSlider(cfg.n_layer, 1, 128, description="layers L", **common),
        "n_embd": w.IntSlider(
            cfg.n_embd, 16, 16384, step=16, description="width C", **common
        ),
        "n_head": w.IntSlider(cfg.n_head, 1, 128, description="heads H", **common),
        "vocab_size": w.BoundedIntText(
            cfg.vocab_size,
            min=2,
            max=1_000_000,
            description="vocabulary V",
            style=common["style"],
        ),
        "block_size": w.BoundedIntText(
            cfg.block_size,
            min=1,
            max=1_000_000,
            description="context T",
            style=common["style"],
        ),
    }
    filling = []  # non-empty while a preset writes its five numbers

    def load_preset(change) -> None:
        if change["new"] == CUSTOM:
            return
        filling.append(True)
        for name, value in _sizes(PRESETS[change["new"]]).items():
            controls[name].value = value
        filling.pop()

    def leave_preset(change) -> None:
        chosen = PRESETS.get(preset.value)
        current = {name: c.value for name, c in controls.items()}
        if not filling and chosen is not None and current != _sizes(chosen):
            preset.value = CUSTOM  # the numbers no longer match the preset

    preset.observe(load_preset, names="value")
    for control in controls.values():
        control.observe(leave_preset, names="value")

    def draw(preset, n_layer, n_embd, n_head, vocab_size, block_size):
        if n_embd % n_head:
            return _no_such_block(n_embd, n_head)
        new = GPTConfig(vocab_size, block_size, n_layer, n_head, n_embd)
        return plot_config_summary(new, dtype=dtype)

    live_figure(draw, {"preset": preset, **controls}, "parameter count explorer")
