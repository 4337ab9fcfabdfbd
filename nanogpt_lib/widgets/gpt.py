"""Explorers for the sorter: step through its generation; temperature and top-k.

Chapter 00 uses `generation_stepper`, chapter 07 `sampling_explorer`.
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from ..gpt import GPTConfig, forward
from ..plotting._style import new_figure
from ..plotting.gpt import plot_generation_steps
from ..softmax import softmax, top_k_logits
from ._core import live_figure

__all__ = ["sorter_steps", "generation_stepper", "sampling_explorer"]

LETTERS = "ABC"


def _ids(letters: str) -> np.ndarray | None:
    text = letters.strip().upper()
    if len(text) != 6 or any(ch not in LETTERS for ch in text):
        return None
    return np.array([LETTERS.index(ch) for ch in text])


def _message(text: str):
    fig = new_figure(6.4, 1.2)
    fig.text(0.5, 0.5, text, ha="center", va="center")
    return fig


def sorter_steps(params: dict, cfg: GPTConfig, ids, n_new: int = 6):
    """Greedy generation, keeping each step's context and probabilities.

    Shapes: ids (T,) -> contexts (list of n_new str), probs (n_new, V), chosen.
    """
    seq = [int(i) for i in ids]
    contexts, probs, chosen = [], [], []
    for _ in range(n_new):
        p = softmax(forward(params, np.array(seq), cfg)[-1])
        contexts.append("".join(LETTERS[i] for i in seq))
        probs.append(p)
        chosen.append(int(np.argmax(p)))
        seq.append(chosen[-1])
    return contexts, np.stack(probs), chosen


def generation_stepper(cfg: GPTConfig, params: dict, letters: str = "CBABBC"):
    """Type six letters; move the slider to reveal the sorter's steps one by one."""

    def draw(letters: str, steps: int):
        ids = _ids(letters)
        if ids is None:
            return _message("Type six letters, each A, B or C (e.g. CBABBC).")
        contexts, probs, chosen = sorter_steps(params, cfg, ids)
        return plot_generation_steps(contexts[:steps], probs[:steps], chosen[:steps])

    controls = {
        "letters": w.Text(value=letters, description="input"),
        "steps": w.IntSlider(value=6, min=1, max=6, description="steps"),
    }
    return live_figure(draw, controls, "sorter generation, step by step")


def sampling_explorer(
    cfg: GPTConfig, params: dict, letters: str = "CBABBC", temperature: float = 1.0
):
    """Temperature and top-k applied to the sorter's six output steps.

    Each step is fed the correct prefix, so the bars show how likely sampling is to
    pick the right letter there; the title multiplies those chances.
    """

    def draw(letters: str, temperature: float, top_k: int):
        ids = _ids(letters)
        if ids is None:
            return _message("Type six letters, each A, B or C (e.g. CBABBC).")
        target = np.sort(ids)
        seq = np.concatenate([ids, target[:-1]])  # (11,): input + correct prefix
        logits = forward(params, seq, cfg)[5:]  # (6, V): the six output steps
        logits = top_k_logits(logits, top_k)
        probs = softmax(logits, temperature=temperature)
        picks = probs.argmax(axis=-1)
        contexts = [
            "".join(LETTERS[i] for i in seq[: 6 + k]) for k in range(len(target))
        ]
        p_right = float(np.prod(probs[np.arange(6), target]))
        title = (
            f"T = {temperature:.2f}, top-k = {top_k}: P(all six right) = {p_right:.3f}"
        )
        return plot_generation_steps(
            contexts, probs, list(picks), targets=list(target), title=title
        )

    controls = {
        "letters": w.Text(value=letters, description="input"),
        "temperature": w.FloatSlider(
            value=temperature, min=0.0, max=5.0, step=0.1, description="T"
        ),
        "top_k": w.IntSlider(value=3, min=1, max=3, description="top-k"),
    }
    return live_figure(draw, controls, "temperature and top-k on the sorter")
