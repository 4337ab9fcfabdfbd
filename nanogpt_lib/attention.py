"""Scaled dot-product attention for one head, with GPT's causal mask.

Each query asks every key "how relevant are you?" (a dot product), the scores
become weights with softmax, and the answer is the weighted mean of the values.
The causal mask hides the future: position t may only look at positions <= t.
"""

from __future__ import annotations

import math

import numpy as np

from .softmax import softmax

__all__ = ["causal_mask", "attention"]


def _check_size(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= 1, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def causal_mask(T: int, S: int | None = None, dtype=np.float32) -> np.ndarray:
    """Additive causal mask: 0 where a query may look, -inf where it may not.

    Shapes: () -> (T, S); S defaults to T.
    The T queries are the *last* T of S positions (S > T when earlier keys come
    from a KV cache), so query i sits at position S - T + i and sees keys
    j <= S - T + i. Example, T = 2, S = 3: [[0, 0, -inf], [0, 0, 0]].
    """
    T = _check_size(T, "T")
    S = T if S is None else _check_size(S, "S")
    if T > S:
        raise ValueError(
            f"T must be <= S (the queries are the last T of S positions), "
            f"got T={T}, S={S}"
        )
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a float dtype, got {dtype}")
    visible = np.tri(T, S, k=S - T, dtype=bool)  # (T, S), True on and below diagonal
    return np.where(visible, dtype.type(0), dtype.type(-np.inf))


def attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool = True,
    mask: np.ndarray | None = None,
    trace: dict | None = None,
) -> np.ndarray:
    """softmax(q k^T / sqrt(D) + mask) v for one head (or a stack of heads).

    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv) -> (..., T, Dv).
    The 1/sqrt(D) keeps scores at unit scale so softmax does not saturate.
    `mask` (bool, broadcast to (..., T, S), True = may look) adds to the causal
    mask; a row with nothing visible outputs zeros, never nan.
    """
    q, k, v = (np.asarray(a) for a in (q, k, v))
    for name, a in (("q", q), ("k", k), ("v", v)):
        if a.dtype.kind != "f":
            raise TypeError(f"{name} must be a float array, got dtype {a.dtype}")
        if a.ndim < 2:
            raise ValueError(f"{name} must have shape (..., n, D), got {a.shape}")
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(
            f"k must have the same last axis D as q: q {q.shape}, k {k.shape}"
        )
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"v must have one row per key (S = {k.shape[-2]}), got v {v.shape}"
        )
    T, D = q.shape[-2], q.shape[-1]
    S = k.shape[-2]
    dtype = np.result_type(q, k, v)
    scores = q @ k.swapaxes(-1, -2)  # (..., T, D) @ (..., D, S) -> (..., T, S)
    scores *= dtype.type(1.0 / math.sqrt(D))
    if trace is not None:
        trace["scores"] = scores.copy()
    if causal and T > 1:  # one query (the last position) may look at every key
        scores += causal_mask(T, S, dtype=dtype)
    dead = None
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"mask must be a bool array, got dtype {mask.dtype}")
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise ValueError(
                f"mask must broadcast to the scores' shape {scores.shape}, "
                f"got {mask.shape}"
            ) from None
        scores = np.where(mask, scores, dtype.type(-np.inf))
        dead = np.isneginf(scores).all(axis=-1, keepdims=True)  # (..., T, 1)
        if dead.any():
            scores = np.where(dead, dtype.type(0), scores)
        else:
            dead = None
    pattern = softmax(scores, axis=-1)
    if dead is not None:
        pattern = np.where(dead, dtype.type(0), pattern)
    if trace is not None:
        trace["pattern"] = pattern.copy()
    return pattern @ v  # (..., T, S) @ (..., S, Dv) -> (..., T, Dv)
