"""A neuron explorer: dial how much of each concept a vector holds and watch one
MLP neuron fire and write into the residual stream (chapter 06)."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w
import numpy as np

from ..mlp import gelu
from ..plotting._style import OKABE_ITO, new_figure
from ._core import live_figure

__all__ = ["neuron_explorer"]


def neuron_explorer(
    p: Mapping,
    directions: Mapping[str, np.ndarray],
    *,
    neuron: int = 0,
    inputs: tuple[str, ...] | None = None,
):
    """Sliders set x = sum of amount x direction; bars show the neuron and the output.

    Shapes: p = {"c_fc": {"weight": (C, F), "bias": (F,)}, "c_proj": {...}};
    directions maps a concept name to a unit vector (C,). `inputs` names the
    concepts that get a slider (default: all). An activation menu swaps in ReLU.
    """
    names = list(directions)
    inputs = tuple(names if inputs is None else inputs)
    unknown = [name for name in inputs if name not in directions]
    if unknown:
        raise ValueError(f"inputs must be names from directions {names}, got {unknown}")
    basis = np.stack([np.asarray(directions[n], dtype=np.float32) for n in names])
    w_in = p["c_fc"]["weight"][:, neuron]
    b_in = float(p["c_fc"]["bias"][neuron])
    w_out = p["c_proj"]["weight"][neuron]

    def draw(activation: str, **amounts: float):
        x = sum(np.float32(amounts[n]) * basis[names.index(n)] for n in inputs)
        pre = float(x @ w_in) + b_in
        gelu_pre = float(gelu(np.array([pre], dtype=np.float32))[0])
        post = gelu_pre if activation == "GELU" else max(pre, 0.0)
        written = post * w_out  # what this neuron adds to the stream
        fig = new_figure(8.4, 3.0)
        left, right = fig.subplots(1, 2, width_ratios=[1, 2])
        left.bar([0, 1], [pre, post], color=[OKABE_ITO[7], OKABE_ITO[0]])
        left.set_xticks([0, 1], ["before\nactivation", f"after\n{activation}"])
        left.axhline(0, color="grey", linewidth=0.5)
        left.set_ylim(min(-1.0, pre - 0.5), max(3.0, pre + 0.5))
        left.set_title(f"neuron {neuron}")
        before = basis @ x
        after = basis @ (x + written)
        pos = np.arange(len(names))
        right.bar(pos - 0.2, before, 0.4, color=OKABE_ITO[7], label="before")
        right.bar(pos + 0.2, after, 0.4, color=OKABE_ITO[1], label="after")
        right.set_xticks(pos, names, fontsize=8)
        right.axhline(0, color="grey", linewidth=0.5)
        right.set_ylim(-0.5, 3.0)
        right.set_ylabel("projection of the stream")
        right.legend(fontsize=8)
        return fig

    common = {"continuous_update": False, "style": {"description_width": "90px"}}
    controls: dict = {
        "activation": w.Dropdown(
            options=["GELU", "ReLU"], value="GELU", description="activation"
        )
    }
    for n in inputs:
        controls[n] = w.FloatSlider(
            value=1.0, min=0.0, max=1.5, step=0.05, description=n, **common
        )
    return live_figure(draw, controls, "neuron explorer")
