"""A temperature slider over a logit vector (chapter 03)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w

from ..plotting.softmax import plot_probabilities
from ..softmax import entropy, softmax
from ._core import live_figure

__all__ = ["temperature_explorer"]


def temperature_explorer(logits, labels: Sequence[str], temperature: float = 1.0):
    """Bars of softmax(logits / T) with a slider for T (0 means argmax)."""

    def draw(temperature: float):
        probs = softmax(logits, temperature=temperature)
        title = f"T = {temperature:.2f}, entropy {float(entropy(probs)):.2f} nats"
        return plot_probabilities(probs, labels, title=title)

    slider = w.FloatSlider(
        value=temperature, min=0.0, max=5.0, step=0.05, description="T"
    )
    live_figure(draw, {"temperature": slider}, "temperature explorer")
