"""Multi-head causal self-attention: H heads side by side, then one projection.

The C-wide query, key and value vectors are cut into H slices of D = C / H; each
slice is an independent attention head. The head outputs are concatenated back
to width C and mixed by the output projection c_proj.
"""

from __future__ import annotations

import numpy as np

from .attention import attention
from .linear import linear

__all__ = ["split_heads", "merge_heads", "multi_head_attention"]


def split_heads(x: np.ndarray, n_head: int) -> np.ndarray:
    """Cut the last axis into n_head slices and move the head axis forward.

    Shapes: x (..., T, C) -> (..., H, T, D), D = C / H.
    Head h gets columns h*D:(h+1)*D. The result is a view: no data is copied.
    """
    x = np.asarray(x)
    if isinstance(n_head, bool) or not isinstance(n_head, (int, np.integer)):
        raise TypeError(f"n_head must be an int >= 1, got {type(n_head).__name__}")
    if n_head < 1:
        raise ValueError(f"n_head must be >= 1, got {n_head}")
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., T, C), got {x.shape}")
    *lead, T, C = x.shape
    if C % n_head:
        raise ValueError(
            f"x's last axis C = {C} must be divisible by n_head = {n_head} "
            f"(every head gets C / H columns), got remainder {C % n_head}"
        )
    x = x.reshape(*lead, T, n_head, C // n_head)  # (..., T, C) -> (..., T, H, D)
    return x.swapaxes(-2, -3)  # (..., T, H, D) -> (..., H, T, D)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """Inverse of split_heads: concatenate the heads along the last axis.

    Shapes: x (..., H, T, D) -> (..., T, H*D).
    """
    x = np.asarray(x)
    if x.ndim < 3:
        raise ValueError(f"x must have shape (..., H, T, D), got {x.shape}")
    *lead, H, T, D = x.shape
    x = x.swapaxes(-2, -3)  # (..., H, T, D) -> (..., T, H, D)
    return x.reshape(*lead, T, H * D)  # (..., T, H, D) -> (..., T, C)


def multi_head_attention(
    x: np.ndarray,
    p: dict,
    n_head: int,
    *,
    kv_cache: tuple[np.ndarray, np.ndarray, int] | None = None,
    trace: dict | None = None,
) -> np.ndarray:
    """Causal self-attention with all heads: c_proj(concat_h attention(q_h, k_h, v_h)).

    Shapes: x (..., T, C) -> (..., T, C); c_attn (C, 3C) holds q | k | v.
    `kv_cache = (k_buf, v_buf, start)` with buffers (..., H, S_max, D): the new
    keys/values are written at start:start+T (the one in-place update, by design)
    and the queries attend to positions 0..start+T-1.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., T, C), got {x.shape}")
    C = x.shape[-1]
    w_attn = p["c_attn"]["weight"]
    if w_attn.shape != (C, 3 * C):
        raise ValueError(
            f"p['c_attn']['weight'] must have shape ({C}, {3 * C}) for x of width "
            f"{C}, got {w_attn.shape}"
        )
    T = x.shape[-2]
    qkv = linear(x, p["c_attn"])  # (..., T, C) -> (..., T, 3C), one fused matmul
    q = split_heads(qkv[..., :C], n_head)  # (..., T, C) -> (..., H, T, D)
    k = split_heads(qkv[..., C : 2 * C], n_head)  # (..., T, C) -> (..., H, T, D)
    v = split_heads(qkv[..., 2 * C :], n_head)  # (..., T, C) -> (..., H, T, D)
    if kv_cache is not None:
        k_buf, v_buf, start = kv_cache
        end = start + T
        if end > k_buf.shape[-2]:
            raise ValueError(
                f"kv_cache holds {k_buf.shape[-2]} positions, but {start} are filled "
                f"and x brings {T} more"
            )
        k_buf[..., start:end, :] = k
        v_buf[..., start:end, :] = v
        k = k_buf[..., :end, :]  # (..., H, S_max, D) -> (..., H, S, D), a view
        v = v_buf[..., :end, :]
    if trace is not None:
        trace["q"], trace["k"], trace["v"] = q.copy(), k.copy(), v.copy()
    heads = attention(q, k, v, causal=True, trace=trace)  # (..., H, T, D)
    concat = merge_heads(heads)  # (..., H, T, D) -> (..., T, C)
    out = linear(concat, p["c_proj"])
    if trace is not None:
        trace["heads"] = heads.copy()
        trace["concat"] = concat.copy()
        trace["proj"] = out.copy()
    return out
