"""A temperature slider over a logit vector (chapter 03)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import matplotlib.pyplot as plt

from ..plotting.softmax import plot_probabilities
from ..softmax import entropy, softmax
from ._core import show

__all__ = ["temperature_explorer"]


def temperature_explorer(logits, labels: Sequence[str], temperature: float = 1.0):
    """Show softmax(logits / T) as bars, with a slider for T (0 means argmax)."""
    slider = w.FloatSlider(
        value=temperature,
        min=0.0,
        max=5.0,
        step=0.05,
        description="T",
        continuous_update=True,
    )
    out = w.Output()

    def draw(t: float):
        probs = softmax(logits, temperature=t)
        fig = plot_probabilities(
            probs,
            labels,
            title=f"T = {t:.2f}, entropy {float(entropy(probs)):.2f} nats",
        )
        return fig

    def update(change=None):
        with out:
            out.clear_output(wait=True)
            fig = draw(slider.value)
            plt.show(fig)

    slider.observe(update, names="value")
    update()
    show(w.VBox([slider, out]), draw(temperature), "temperature explorer")
