"""The affine layer every GPT block is made of: x @ W + b.

GPT-2 stores its linear weights as (in, out) (its "Conv1D"), so a layer is a
plain matrix product followed by a bias, with no transpose.
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear"]


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
