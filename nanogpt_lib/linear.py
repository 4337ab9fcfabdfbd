"""The affine layer every GPT block is made of: x @ W + b.

GPT-2 stores its linear weights as (in, out) (its "Conv1D"), so a layer is a
plain matrix product followed by a bias, with no transpose.

Memory layout is a separate choice from shape. Generating one token multiplies a
single row vector by every weight matrix, so the speed is set by how fast the
matrices stream from memory. BLAS streams them fastest when each output's
weights (a column of W) are contiguous, so the library stores W column by
column ("Fortran order"). The shape, the values and x @ W are unchanged.
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear", "column_major"]


def column_major(w: np.ndarray) -> np.ndarray:
    """The same (in, out) matrix, stored column by column (each column contiguous).

    Shapes: (in, out) -> (in, out), same values and dtype; copied only if needed.
    For a one-token step x (1, in) @ W, every output is then the dot product of x
    with one contiguous run of memory, which BLAS reads at close to the machine's
    bandwidth. Row-by-row storage works too, only slower: GPT-2 small's decoding
    steps took 5-9% longer with it on the book's test machine (benchmarks/).
    """
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError(f"w must be a matrix of shape (in, out), got {w.shape}")
    return np.asfortranarray(w)


def linear(x: np.ndarray, p: dict) -> np.ndarray:
    """Apply one linear layer `p = {"weight": (in, out), "bias": (out,)}`.

    Shapes: x (..., in) -> (..., out).
    Leading axes are folded into one so that a batch is a single matrix product
    (one BLAS call instead of one per sequence). The bias is optional.
    """
    x = np.asarray(x)
    w = p["weight"]
    if x.ndim == 0 or x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"x must have shape (..., {w.shape[0]}) to match weight {w.shape}, "
            f"got {x.shape}"
        )
    lead = x.shape[:-1]
    out = x.reshape(-1, x.shape[-1]) @ w  # (..., in) -> (N, in) -> (N, out)
    bias = p.get("bias")
    if bias is not None:
        out += bias
    return out.reshape(*lead, w.shape[1])  # (N, out) -> (..., out)
