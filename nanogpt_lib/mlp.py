"""The MLP of a GPT block: expand 4x, GELU, project back.

GELU(x) = x * Phi(x), where Phi is the standard normal CDF. GPT-2 uses the tanh
approximation of Hendrycks & Gimpel (2016); `gelu_exact` uses erf.
"""

from __future__ import annotations

import math

import numpy as np

from .linear import linear

__all__ = ["gelu", "gelu_exact", "mlp"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def _check_float(x: np.ndarray, name: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{name} must be a float array, got dtype {x.dtype}")
    return x


def gelu(x: np.ndarray) -> np.ndarray:
    """GPT-2's GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    Shapes: x (...) -> (...), same dtype.
    The tanh form is what GPT-2 was trained with ("gelu_new" in Hugging Face), so
    loading its weights needs exactly this curve. One temporary, updated in place.
    """
    x = _check_float(x)
    dt = x.dtype.type
    t = np.empty(x.shape, dtype=x.dtype)  # an array even for 0-d x, updated in place
    np.multiply(x, x, out=t)
    t *= dt(0.044715)
    t += dt(1.0)
    t *= x
    t *= dt(_SQRT_2_OVER_PI)  # sqrt(2/pi) (x + 0.044715 x^3)
    np.tanh(t, out=t)
    t += dt(1.0)
    t *= x
    t *= dt(0.5)
    return t.reshape(x.shape)


def gelu_exact(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x Phi(x) = 0.5 x (1 + erf(x / sqrt(2))).

    Shapes: x (...) -> (...), same dtype.
    erf comes from the standard library (`math.erf`), evaluated in float64 and
    rounded once, so it is accurate to the last float32 bit; it is slow (one
    Python call per element) and meant for comparing curves, not for big models.
    """
    x = _check_float(x)
    wide = x.astype(np.float64)
    phi = 0.5 * (1.0 + _erf(wide / math.sqrt(2.0)).astype(np.float64))
    return (wide * phi).astype(x.dtype)


def mlp(x: np.ndarray, p: dict, *, trace: dict | None = None) -> np.ndarray:
    """GPT-2's feed-forward sub-layer: c_proj(gelu(c_fc(x))).

    Shapes: x (..., T, C) -> (..., T, C); c_fc (C, F), c_proj (F, C), F = 4C.
    Every token goes through the same MLP on its own: no mixing between positions.
    With a dict `trace`, records "pre_gelu" and "post_gelu" (..., T, F), "out".
    """
    h = linear(x, p["c_fc"])
    if trace is not None:
        trace["pre_gelu"] = h.copy()
    h = gelu(h)
    if trace is not None:
        trace["post_gelu"] = h.copy()
    out = linear(h, p["c_proj"])
    if trace is not None:
        trace["out"] = out.copy()
    return out
