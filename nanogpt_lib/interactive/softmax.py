"""Temperature, top-k and top-p on one distribution (chapter 03), in the page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..plotting.tokenizer import token_display
from ..softmax import entropy, softmax, top_k_logits, top_p_logits
from ._core import Control, FigureSpec, frames_over

__all__ = ["sampling_figure", "sampling_probs"]

TEMPERATURES = tuple(round(0.1 * i, 1) for i in range(21))  # 0 (argmax) to 2
TOP_P = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def sampling_probs(logits, temperature: float, top_k: int, top_p: float) -> np.ndarray:
    """The distribution a draw would use: `sample`'s order of operations.

    Shapes: logits (V,) -> (V,). Temperature divides the logits, top-k keeps the k
    best, top-p keeps the nucleus; temperature 0 puts everything on the argmax.
    """
    # float64: a stored number's last digit must not depend on the machine
    arr = np.asarray(logits, dtype=np.float64)
    if top_k < arr.shape[-1]:
        arr = top_k_logits(arr, top_k)
    if temperature == 0:
        return softmax(arr, temperature=0.0)
    arr = arr / temperature
    if top_p < 1:
        arr = top_p_logits(arr, top_p)
    return softmax(arr)


def sampling_figure(logits, labels: Sequence[str]) -> FigureSpec:
    """Bars of the sampling distribution for every temperature, top-k and top-p.

    Shapes: logits (V,), labels V strings. Temperature runs 0 to 2 in steps of 0.1,
    top-k 1 to V (V keeps all), top-p over 0.5 ... 1 (1 keeps all).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or len(labels) != logits.shape[0]:
        raise ValueError(
            f"logits must be (V,) with V labels, got {logits.shape} and {len(labels)}"
        )
    v = logits.shape[0]
    shown = [token_display(s) for s in labels]
    controls = (
        Control(
            "temperature",
            "temperature T",
            TEMPERATURES,
            tuple("0 (argmax)" if t == 0 else f"{t:.1f}" for t in TEMPERATURES),
            start=10,
        ),
        Control(
            "top_k",
            "top-k",
            tuple(range(1, v + 1)),
            tuple(f"{k}" if k < v else f"{k} (all)" for k in range(1, v + 1)),
            start=v - 1,
        ),
        Control(
            "top_p",
            "top-p",
            TOP_P,
            tuple(f"{p:g}" if p < 1 else "1 (all)" for p in TOP_P),
            start=len(TOP_P) - 1,
        ),
    )

    def frame(temperature, top_k, top_p):
        probs = sampling_probs(logits, temperature, top_k, top_p)
        kept = int(np.count_nonzero(probs))
        best = int(np.argmax(probs))
        text = (
            f"{kept} of {v} tokens can be drawn; most likely {shown[best]!r} "
            f"{float(probs[best]):.3f}; entropy {float(entropy(probs)):.2f} nats"
        )
        return [probs.tolist()], text

    return FigureSpec(
        title="Sampling distribution: temperature, top-k, top-p",
        controls=controls,
        categories=tuple(shown),
        series=("probability",),
        frames=frames_over(controls, frame, digits=3),
        y_label="probability",
        y_range=(0.0, 1.0),
    )
