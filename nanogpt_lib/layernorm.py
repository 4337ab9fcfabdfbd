"""Layer normalisation: give every token vector mean 0 and variance 1, then rescale.

GPT-2 normalises before each sub-layer (pre-LN) and once more before the head.
"""

from __future__ import annotations

import numpy as np

__all__ = ["layer_norm"]


def layer_norm(
    x: np.ndarray,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
) -> np.ndarray:
    """Normalise the last axis to mean 0, variance 1, then scale and shift.

    Shapes: x (..., C), weight (C,), bias (C,) -> (..., C).
    The variance is the biased one (divide by C), as in PyTorch and GPT-2, and
    eps sits inside the square root: (x - mean) / sqrt(var + eps).
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"x must be a float array, got dtype {x.dtype}")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have shape (..., C) with C >= 1, got {x.shape}")
    c = x.shape[-1]
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and np.shape(value) != (c,):
            raise ValueError(
                f"{name} must have shape ({c},) to match x, got {np.shape(value)}"
            )
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)):
        raise TypeError(f"eps must be a number > 0, got {type(eps).__name__}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    # np.add.reduce then a division is exactly what np.mean computes, with less
    # Python around it (this runs twice per block for every generated token).
    mean = np.add.reduce(x, axis=-1, keepdims=True)  # (..., C) -> (..., 1)
    mean /= c
    centred = x - mean
    var = np.add.reduce(centred * centred, axis=-1, keepdims=True)
    var /= c
    var += x.dtype.type(eps)
    out = centred
    out /= np.sqrt(var, out=var)
    if weight is not None:
        out *= weight
    if bias is not None:
        out += bias
    return out
