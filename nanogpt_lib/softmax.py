"""Softmax with temperature, and the ways a GPT picks its next token.

Logits are unnormalised scores, one per vocabulary entry. Softmax turns them into
probabilities; temperature divides the logits first; sampling picks one entry.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "softmax",
    "entropy",
    "top_k_logits",
    "top_p_logits",
    "sample",
]


def _check_logits(x: np.ndarray, name: str = "logits") -> np.ndarray:
    """Validate a float array of scores with a non-empty last axis."""
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real-valued array, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(
            f"{name} must have at least one entry on its last axis, got shape "
            f"{arr.shape}"
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32)
    # One pass: the maximum is NaN if any entry is NaN, +inf if any entry is +inf.
    top = float(np.maximum.reduce(arr, axis=None)) if arr.size else 0.0
    if math.isnan(top):
        raise ValueError(f"{name} must not contain NaN")
    if top == math.inf:
        raise ValueError(f"{name} must not contain +inf")
    return arr


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not isinstance(
        temperature, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"temperature must be a number >= 0, got {type(temperature).__name__}"
        )
    t = float(temperature)
    if not math.isfinite(t) or t < 0:
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    return t


def softmax(x: np.ndarray, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """Turn scores into probabilities that are positive and sum to 1 along `axis`.

    Shapes: x (..., V) -> (..., V), same dtype (ints become float32).
    Subtracting the row maximum leaves the result unchanged (softmax is shift
    invariant) but keeps exp() from overflowing. Temperature 0 is the limit: a
    one-hot vector on the (first) largest score. -inf scores get probability 0.
    """
    arr = np.asarray(x)
    if arr.ndim == 0:
        raise ValueError("x must have at least one axis, got a scalar")
    last = axis in (-1, arr.ndim - 1)
    if not last:
        arr = np.moveaxis(arr, axis, -1)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"x must be a real-valued array, got dtype {arr.dtype}")
    if arr.shape[-1] == 0:
        raise ValueError(
            f"x must have at least one entry on its last axis, got shape {arr.shape}"
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32)
    t = _check_temperature(temperature)
    # One pass finds the row maxima, which also reveal bad rows: NaN anywhere
    # makes the maximum NaN, +inf makes it +inf, an all -inf row makes it -inf.
    row_max = np.maximum.reduce(arr, axis=-1, keepdims=True)  # (..., V) -> (..., 1)
    if not np.isfinite(row_max).all():
        if np.isnan(row_max).any():
            raise ValueError("x must not contain NaN")
        if np.isposinf(row_max).any():
            raise ValueError("x must not contain +inf")
        raise ValueError("x has a row where every score is -inf: nothing can be chosen")
    if t == 0.0:
        winner = np.argmax(arr, axis=-1)
        out = (np.arange(arr.shape[-1]) == winner[..., None]).astype(arr.dtype)
        return out if last else np.moveaxis(out, -1, axis)
    out = arr - row_max  # a new array: the argument is never modified
    if t != 1.0:
        out /= np.asarray(t, dtype=arr.dtype)  # max(x / T) = max(x) / T for T > 0
    np.exp(out, out=out)
    out /= np.add.reduce(out, axis=-1, keepdims=True)
    return out if last else np.moveaxis(out, -1, axis)


def entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in nats of probability vectors along `axis`.

    Shapes: p (..., V) -> (...).
    0 log 0 counts as 0, so one-hot vectors have entropy exactly 0.
    """
    arr = np.asarray(p)
    if arr.ndim == 0 or arr.shape[axis] == 0:
        raise ValueError(f"p must have a non-empty axis {axis}, got shape {arr.shape}")
    if (arr < 0).any():
        raise ValueError("p must be non-negative probabilities")
    safe = np.where(arr > 0, arr, 1)
    return -(arr * np.log(safe)).sum(axis=axis)


def top_k_logits(logits: np.ndarray, k: int) -> np.ndarray:
    """Keep the k largest scores of each row and set the rest to -inf.

    Shapes: logits (..., V) -> (..., V).
    Ties at the k-th score are all kept, so a row can keep more than k entries.
    """
    arr = _check_logits(logits)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"top_k must be an int >= 1, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"top_k must be >= 1, got {k}")
    if k >= arr.shape[-1]:
        return arr.copy()
    kth = np.partition(arr, -k, axis=-1)[..., -k, None]  # (..., V) -> (..., 1)
    return np.where(arr >= kth, arr, np.asarray(-np.inf, dtype=arr.dtype))


def top_p_logits(logits: np.ndarray, p: float) -> np.ndarray:
    """Keep the smallest set of top scores whose probability reaches p (nucleus).

    Shapes: logits (..., V) -> (..., V).
    The most likely entry always survives, so top_p never empties a row.
    """
    arr = _check_logits(logits)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"top_p must be a number in (0, 1], got {type(p).__name__}")
    if not 0 < p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    probs = softmax(arr)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    mass_before = np.cumsum(sorted_probs, axis=-1) - sorted_probs
    keep_sorted = mass_before < np.asarray(p, dtype=probs.dtype)
    keep = np.empty_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, arr, np.asarray(-np.inf, dtype=arr.dtype))


def sample(
    logits: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> int | np.ndarray:
    """Pick the next token from scores: greedy at temperature 0, else sampled.

    Shapes: logits (V,) -> int; logits (..., V) -> int array (...).
    Order of operations: temperature divides the logits, top-k keeps the k best,
    top-p keeps the nucleus, then one draw per row from the generator `rng`.
    """
    arr = _check_logits(logits)
    t = _check_temperature(temperature)
    if top_k is not None:
        arr = top_k_logits(arr, top_k)
    if t == 0.0:
        choice = np.argmax(arr, axis=-1)
        return int(choice) if choice.ndim == 0 else choice
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy Generator (np.random.default_rng(seed)) when "
            f"temperature > 0, got {type(rng).__name__}"
        )
    arr = arr / np.asarray(t, dtype=arr.dtype)
    if top_p is not None:
        arr = top_p_logits(arr, top_p)
    probs = softmax(arr).astype(np.float64)
    flat = probs.reshape(-1, probs.shape[-1])  # (..., V) -> (N, V)
    cumulative = np.cumsum(flat, axis=-1)
    draws = rng.random(flat.shape[0]) * cumulative[:, -1]
    picks = (cumulative <= draws[:, None]).sum(axis=-1)  # inverse-CDF sampling
    picks = np.minimum(picks, flat.shape[-1] - 1).reshape(probs.shape[:-1])
    return int(picks) if picks.ndim == 0 else picks
