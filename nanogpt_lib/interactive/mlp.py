"""One MLP neuron reading concepts and writing to the stream (chapter 06)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..mlp import gelu
from ._core import Control, FigureSpec, fixed, frames_over

__all__ = ["neuron_figure", "neuron_values"]

AMOUNTS = tuple(round(0.1 * i, 1) for i in range(16))  # 0 to 1.5, the widget's range


def neuron_values(
    p: Mapping,
    directions: Mapping,
    amounts: Mapping,
    *,
    neuron: int,
    activation: str = "GELU",
):
    """Pre- and post-activation of one neuron, and the stream's projections on every
    concept before and after the neuron writes.

    Shapes: directions {name: (C,)}, amounts {name: float} -> (float, float,
    (N,), (N,)). x = sum of amount x direction, as in the ipywidgets explorer.
    """
    names = list(directions)
    # float64 throughout: a stored number's last digit must not depend on the BLAS
    basis = np.stack([np.asarray(directions[n], dtype=np.float64) for n in names])
    x = np.zeros(basis.shape[1])
    for name, amount in amounts.items():
        x = x + amount * basis[names.index(name)]
    w_in = np.asarray(p["c_fc"]["weight"][:, neuron], dtype=np.float64)
    pre = float(x @ w_in) + float(p["c_fc"]["bias"][neuron])
    if activation == "GELU":
        post = float(gelu(np.array([pre]))[0])
    else:
        post = max(pre, 0.0)
    written = post * np.asarray(p["c_proj"]["weight"][neuron], dtype=np.float64)
    return pre, post, basis @ x, basis @ (x + written)


def neuron_figure(p: Mapping, directions: Mapping, *, neuron: int = 0, inputs=None):
    """Bars of the neuron and of the stream's concepts, for every slider position.

    Sliders set how much of each input concept the vector holds (0 to 1.5 in steps
    of 0.1); a menu picks GELU or ReLU.
    """
    names = list(directions)
    inputs = tuple(names if inputs is None else inputs)
    unknown = [n for n in inputs if n not in directions]
    if unknown:
        raise ValueError(f"inputs must be names from directions {names}, got {unknown}")
    controls = (
        Control(
            "activation", "activation", ("GELU", "ReLU"), ("GELU", "ReLU"), 0, "select"
        ),
        *(
            Control(
                f"amount{i}",
                f"amount of {n}",
                AMOUNTS,
                tuple(f"{a:.1f}" for a in AMOUNTS),
                10,
            )
            for i, n in enumerate(inputs)
        ),
    )

    def frame(activation, **amounts):
        values = {n: amounts[f"amount{i}"] for i, n in enumerate(inputs)}
        pre, post, before, after = neuron_values(
            p, directions, values, neuron=neuron, activation=activation
        )
        pairs = zip(names, before, after, strict=True)
        text = (
            f"neuron {neuron}: {fixed(pre, 2)} before {activation}, "
            f"{fixed(post, 2)} after; "
            + ", ".join(f"{n} {fixed(b, 2)} -> {fixed(a, 2)}" for n, b, a in pairs)
        )
        return [[pre, *before.tolist()], [post, *after.tolist()]], text

    return FigureSpec(
        title=f"Neuron {neuron}: what it reads and what it writes",
        controls=controls,
        categories=(f"neuron {neuron}", *names),
        series=("before", "after"),
        frames=frames_over(controls, frame, digits=2),
        y_label="activation / projection of the stream",
        y_range=(-1.0, 3.0),
        digits=2,
        colors=("#000000", "#E69F00"),
    )
