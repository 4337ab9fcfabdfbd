"""Embeddings: token vectors, position vectors, and how to compare them.

A token id picks one row of the token table wte (V, C); a position picks one
row of the learned table wpe (block_size, C), or a fixed sinusoid (Vaswani et
al., 2017). Cosine similarity compares directions and ignores lengths.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "check_ids",
    "token_embedding",
    "position_embedding",
    "sinusoidal_positions",
    "cosine_similarity",
    "nearest_neighbours",
]


def check_ids(ids, vocab_size: int, name: str = "ids") -> np.ndarray:
    """Validate token ids: integers in [0, vocab_size), at least one axis, T >= 1.

    Shapes: ids (..., T) -> (..., T) as a numpy integer array (not copied).
    Floats and bools are refused rather than rounded: a float id is almost
    always a bug upstream (e.g. a division that should have been //).
    """
    arr = np.asarray(ids)
    if arr.dtype == bool or arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be an integer array of token ids, got dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        raise ValueError(f"{name} must have shape (..., T), got a scalar {arr!r}")
    if arr.shape[-1] == 0:
        raise ValueError(
            f"{name} must hold at least one token on its last axis, got shape "
            f"{arr.shape}"
        )
    bad = (arr < 0) | (arr >= vocab_size)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        where_text = where[0] if len(where) == 1 else where
        raise ValueError(
            f"{name} must be integers in [0, {vocab_size}), got {arr[where]} at "
            f"position {where_text}"
        )
    return arr


def _check_table(table: np.ndarray, name: str) -> np.ndarray:
    table = np.asarray(table)
    if table.ndim != 2:
        raise ValueError(f"{name} must have shape (rows, C), got {table.shape}")
    if table.dtype.kind != "f":
        raise TypeError(f"{name} must be a float array, got dtype {table.dtype}")
    return table


def token_embedding(ids, wte: np.ndarray) -> np.ndarray:
    """Look up one row of the token table per id.

    Shapes: ids (..., T), wte (V, C) -> (..., T, C).
    A lookup is the same as one-hot(ids) @ wte, without building the one-hots.
    """
    wte = _check_table(wte, "wte")
    ids = check_ids(ids, wte.shape[0])
    return wte[ids]  # (..., T) -> (..., T, C), a copy


def position_embedding(wpe: np.ndarray, T: int, start: int = 0) -> np.ndarray:
    """The learned position vectors of positions start .. start+T-1.

    Shapes: wpe (block_size, C) -> (T, C).
    With a KV cache, a new token's position is `start` = how many came before.
    """
    wpe = _check_table(wpe, "wpe")
    for name, value, low in (("T", T, 1), ("start", start, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    if start + T > wpe.shape[0]:
        raise ValueError(
            f"positions {start}..{start + T - 1} do not fit: wpe has only "
            f"{wpe.shape[0]} rows (the context length, block_size)"
        )
    return wpe[start : start + T].copy()


def sinusoidal_positions(
    T: int, C: int, *, base: float = 10000.0, dtype=np.float32
) -> np.ndarray:
    """Fixed position vectors: PE[t, 2i] = sin(t / base^(2i/C)), PE[t, 2i+1] = cos(..).

    Shapes: () -> (T, C).
    Every pair of columns is a clock at its own frequency, so a shift of k
    positions is a rotation that depends only on k. Example: PE[0] = [0, 1, 0, 1..].
    """
    for name, value in (("T", T), ("C", C)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int >= 1, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if not base > 0:
        raise ValueError(f"base must be > 0, got {base}")
    pairs = (C + 1) // 2
    freq = base ** (-2.0 * np.arange(pairs) / C)  # (C/2,), computed in float64
    angle = np.arange(T)[:, None] * freq[None, :]  # (T, 1) * (1, C/2) -> (T, C/2)
    pe = np.empty((T, 2 * pairs), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe[:, :C].astype(dtype)


def _unit_rows(x: np.ndarray, name: str) -> np.ndarray:
    norm = np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
    zero = norm[..., 0] == 0
    if zero.any():
        where = tuple(int(i) for i in np.argwhere(zero)[0])
        where_text = f" at index {where}" if where else ""
        raise ValueError(
            f"{name} must not contain a zero vector (its direction is undefined, so "
            f"cosine similarity is too), got one{where_text}"
        )
    return x / norm


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """cos(angle) = a.b / (|a| |b|) along the last axis: 1 same direction, -1 opposite.

    Shapes: a (..., C), b (..., C) -> (...), broadcast.
    Length is ignored on purpose: in an embedding the direction carries meaning.
    """
    a, b = np.asarray(a), np.asarray(b)
    for name, x in (("a", a), ("b", b)):
        if x.dtype.kind not in "iuf" or x.ndim == 0:
            raise TypeError(
                f"{name} must be a real array of shape (..., C), got dtype "
                f"{x.dtype} shape {x.shape}"
            )
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"a and b must have the same last axis C, got {a.shape} and {b.shape}"
        )
    cos = np.sum(_unit_rows(a, "a") * _unit_rows(b, "b"), axis=-1)
    return np.clip(cos, -1, 1)


def nearest_neighbours(
    query: np.ndarray, table: np.ndarray, k: int = 5, *, exclude=()
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of `table` most similar in direction to `query`, best first.

    Shapes: query (..., C), table (N, C) -> indices (..., k), similarities (..., k).
    Ties keep the lower index first. `exclude` lists row indices to skip (for
    example the query's own token).
    """
    table = _check_table(table, "table")
    query = np.asarray(query)
    if query.ndim == 0 or query.shape[-1] != table.shape[1]:
        raise ValueError(
            f"query must have shape (..., {table.shape[1]}) to match table "
            f"{table.shape}, got {query.shape}"
        )
    excluded = np.unique(np.asarray(list(exclude), dtype=np.int64))
    if excluded.size and (excluded.min() < 0 or excluded.max() >= table.shape[0]):
        raise ValueError(
            f"exclude must hold row indices in [0, {table.shape[0]}), got "
            f"{excluded.tolist()}"
        )
    available = table.shape[0] - excluded.size
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if not 1 <= k <= available:
        raise ValueError(f"k must be in [1, {available}] (rows left), got {k}")
    sims = _unit_rows(query, "query") @ _unit_rows(table, "table").T  # (..., N)
    sims = np.clip(sims, -1, 1)
    ranked = sims.copy()
    ranked[..., excluded] = -np.inf
    order = np.argsort(-ranked, axis=-1, kind="stable")[..., :k]
    return order, np.take_along_axis(sims, order, axis=-1)
