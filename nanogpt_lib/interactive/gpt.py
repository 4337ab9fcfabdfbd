"""The sorter generating, step by step (chapters 00 and 07), in the page."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ..gpt import GPTConfig, forward
from ..softmax import softmax, top_k_logits
from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["sorter_figure", "sorter_sampling_figure", "sorter_step_probs"]

LETTERS = "ABC"
STEPS = tuple(f"step {i + 1}" for i in range(6))
COLORS = ("#0072B2", "#E69F00", "#009E73")  # Okabe-Ito: A, B, C


def _float64(params):
    """A float64 copy of the weights: the stored numbers' last digits must not depend
    on the BLAS kernel (float32 matrix products differ in the last bits)."""
    if isinstance(params, dict):
        return {k: _float64(v) for k, v in params.items()}
    if isinstance(params, list):
        return [_float64(v) for v in params]
    return np.asarray(params, dtype=np.float64)


def sorter_step_probs(params: dict, cfg: GPTConfig, letters: str) -> np.ndarray:
    """Greedy generation from six letters: P(A, B, C) at each of the six steps.

    Shapes: letters (6 characters) -> (6, 3); each step sees what was picked before.
    Pass float64 weights (see `sorter_figure`) for machine-independent digits.
    """
    seq = [LETTERS.index(ch) for ch in letters]
    probs = []
    for _ in range(6):
        p = softmax(forward(params, np.array(seq), cfg)[-1])
        probs.append(p)
        seq.append(int(np.argmax(p)))
    return np.stack(probs)


def sorter_figure(cfg: GPTConfig, params: dict, letters: str = "CBABBC") -> FigureSpec:
    """All 729 inputs of six letters: six menus pick one, bars show every step.

    The sorter has a finite input space, so nothing is left out: 3^6 inputs, each
    generated greedily for six steps.
    """
    params = _float64(params)
    start = [LETTERS.index(ch) for ch in letters]
    controls = tuple(
        Control(f"letter{i}", f"letter {i + 1}", tuple(LETTERS), tuple(LETTERS),
                start[i], "select")
        for i in range(6)
    )  # fmt: skip

    def frame(**chosen):
        text_in = "".join(chosen[f"letter{i}"] for i in range(6))
        probs = sorter_step_probs(params, cfg, text_in)
        out = "".join(LETTERS[i] for i in probs.argmax(axis=-1))
        right = "sorted correctly" if out == "".join(sorted(text_in)) else "WRONG"
        low = min(float(probs[s].max()) for s in range(6))
        text = f"{text_in} -> {out} ({right}); least sure step {fixed(low, 3)}"
        return [probs[:, v].tolist() for v in range(3)], text

    return FigureSpec(
        title="The sorter, step by step, on any six letters",
        controls=controls,
        categories=STEPS,
        series=("P(A)", "P(B)", "P(C)"),
        frames=frames_over(controls, frame, digits=3),
        y_label="probability of the next letter",
        y_range=(0.0, 1.0),
        colors=COLORS,
    )


def sorter_sampling_figure(
    cfg: GPTConfig,
    params: dict,
    inputs: Sequence[str] = ("CBABBC", "AAAAAA", "CCCBBB", "ABCABC", "BACACB"),
) -> FigureSpec:
    """Temperature and top-k on the sorter's six output steps, for a few inputs.

    Each step is fed the correct prefix (as in the ipywidgets explorer); the bars are
    the sampling probabilities, the caption multiplies the chances of the right
    letters. Free text has no finite set, so the page offers these inputs only.
    """
    params = _float64(params)
    temps = tuple(round(0.25 * i, 2) for i in range(13))  # 0 to 3
    controls = (
        Control("letters", "input", tuple(inputs), tuple(inputs), 0, "select"),
        Control("temperature", "temperature T", temps,
                tuple("0 (argmax)" if t == 0 else f"{t:.2f}" for t in temps), 4),
        Control("top_k", "top-k", (1, 2, 3), ("1", "2", "3 (all)"), 2),
    )  # fmt: skip

    def frame(letters, temperature, top_k):
        ids = np.array([LETTERS.index(ch) for ch in letters])
        target = np.sort(ids)
        seq = np.concatenate([ids, target[:-1]])  # (11,): input + correct prefix
        logits = top_k_logits(forward(params, seq, cfg)[5:], top_k)  # (6, V)
        probs = softmax(logits, temperature=temperature)
        p_right = float(np.prod(probs[np.arange(6), target]))
        text = (
            f"{letters} -> {''.join(LETTERS[i] for i in target)}: "
            f"P(all six right) = {fixed(p_right, 3)}"
        )
        return [probs[:, v].tolist() for v in range(3)], text

    return FigureSpec(
        title="Temperature and top-k on the sorter",
        controls=controls,
        categories=STEPS,
        series=("P(A)", "P(B)", "P(C)"),
        frames=frames_over(controls, frame, digits=3),
        y_label="sampling probability",
        y_range=(0.0, 1.0),
        colors=COLORS,
    )


def all_inputs() -> list[str]:
    """The sorter's 729 inputs, in the order of the menus."""
    return ["".join(p) for p in itertools.product(LETTERS, repeat=6)]
