"""Checkers for chapter 02's exercises: lookups, positions, cosine, neighbours."""

from __future__ import annotations

import numpy as np

from .. import embedding as lib
from .. import word_vectors
from ._core import Case, Mistake, require_callable, run_checks

__all__ = [
    "check_one_hot_lookup",
    "check_embed",
    "check_cosine_similarity",
    "check_nearest_words",
    "check_sinusoidal_positions",
]

RAISES_VALUE_ERROR = "raises ValueError"


def _table(rng, rows: int, cols: int) -> np.ndarray:
    return rng.normal(size=(rows, cols)).astype(np.float32)


def check_one_hot_lookup(candidate) -> None:
    """Check `candidate(ids, W_E)`: one-hot rows times the table, shape (T, C)."""
    rng = np.random.default_rng(20)
    w_e = _table(rng, 7, 4)
    cases = [
        Case("ids [3, 0, 6]", (np.array([3, 0, 6]), w_e)),
        Case("one token", (np.array([5]), w_e)),
        Case("repeated ids", (np.array([2, 2, 1, 2]), w_e)),
        Case("V = 10, C = 3", (np.array([9, 0, 4, 4, 8]), _table(rng, 10, 3))),
    ]

    def reference(ids, table):
        return lib.token_embedding(ids, table)

    mistakes = [
        Mistake(
            "Your result is (C, T), the transpose: build the one-hot matrix with one "
            "row per token, shape (T, V), and multiply it on the left: "
            "one_hot @ W_E.",
            lambda ids, table: reference(ids, table).T,
            id="transposed",
        ),
        Mistake(
            "Token ids count from 0: id 0 is row 0 of W_E. Did you subtract 1?",
            lambda ids, table: table[(np.asarray(ids) - 1) % table.shape[0]],
            id="minus-one",
        ),
        Mistake(
            "You summed the one-hot rows into one vector: keep one row per token, "
            "so the result has shape (T, C).",
            lambda ids, table: reference(ids, table).sum(axis=0),
            id="summed",
        ),
        Mistake(
            "Row t of the result is row ids[t] of W_E (the token's id), not row t: "
            "put the 1 of one-hot row t in column ids[t].",
            lambda ids, table: table[: len(ids)],
            id="positions-not-ids",
        ),
    ]
    run_checks(
        "check_one_hot_lookup",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.token_embedding],
        keep_float32=True,
    )


def check_embed(candidate) -> None:
    """Check `candidate(ids, wte, wpe)`: token vectors plus position vectors."""
    rng = np.random.default_rng(21)
    wte, wpe = _table(rng, 5, 6), _table(rng, 8, 6)
    cases = [
        Case("T = 4", (np.array([4, 1, 1, 0]), wte, wpe)),
        Case("T = 1", (np.array([2]), wte, wpe)),
        Case("T = 7 of block_size 8", (np.array([1, 4, 0, 0, 2, 3, 1]), wte, wpe)),
        Case("T = block_size = 8", (np.array([0, 1, 2, 3, 4, 0, 1, 2]), wte, wpe)),
    ]

    def reference(ids, wte, wpe):
        ids = np.asarray(ids)
        return lib.token_embedding(ids, wte) + lib.position_embedding(wpe, len(ids))

    mistakes = [
        Mistake(
            "Position vectors are picked by *position* 0, 1, ..., T-1, not by token "
            "id: use wpe[:T] (or wpe[np.arange(T)]), not wpe[ids].",
            lambda ids, wte, wpe: wte[ids] + wpe[ids],
            id="wpe-by-id",
        ),
        Mistake(
            "The position vectors are missing: add wpe[:T] to the token vectors.",
            lambda ids, wte, wpe: wte[ids],
            id="no-positions",
        ),
        Mistake(
            "GPT adds the two vectors (same width C); it does not concatenate them.",
            lambda ids, wte, wpe: np.concatenate([wte[ids], wpe[: len(ids)]], -1),
            id="concatenated",
        ),
        Mistake(
            "Use the first T rows of wpe (positions 0..T-1), not the last T.",
            lambda ids, wte, wpe: wte[ids] + wpe[len(wpe) - len(ids) :],
            id="last-positions",
        ),
        Mistake(
            "Add the two vectors, don't multiply them: x = wte[ids] + wpe[:T].",
            lambda ids, wte, wpe: wte[ids] * wpe[: len(ids)],
            id="multiplied",
        ),
        Mistake(
            "Positions count from 0: the first token gets wpe[0], so use "
            "wpe[:T], not wpe[1:T+1].",
            lambda ids, wte, wpe: wte[ids] + wpe[1 : len(ids) + 1],
            id="positions-from-one",
        ),
    ]
    run_checks(
        "check_embed",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.token_embedding, lib.position_embedding],
        keep_float32=True,
    )


def _outcome(function):
    """Call `function`; a ValueError becomes the string RAISES_VALUE_ERROR."""

    def wrapped(*args):
        try:
            return function(*args)
        except ValueError:
            return RAISES_VALUE_ERROR

    return wrapped


def check_cosine_similarity(candidate) -> None:
    """Check `candidate(a, b)`: cosine similarity along the last axis; ValueError
    for a zero vector."""
    require_callable("check_cosine_similarity", candidate)
    rng = np.random.default_rng(22)
    a = np.array([1.0, 2.0, 2.0])
    rows_a, rows_b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    rows_a[1] *= 10  # lengths differ a lot, so normalising matters
    zero, zeros5 = np.zeros(3), np.zeros((1, 5))
    cases = [
        Case("same direction, 3x longer", (a, 3 * a)),
        Case("perpendicular", (np.array([1.0, 0.0]), np.array([0.0, 2.0]))),
        Case("opposite", (a, -0.5 * a)),
        Case("random pair", (rng.normal(size=6), rng.normal(size=6))),
        Case("4 rows of length 5", (rows_a, rows_b)),
        Case("zero vector", (a, zero)),
        Case("zero vector first", (zero, a)),
        Case("a row of zeros in a batch", (rows_a, np.vstack([rows_b[:3], zeros5]))),
    ]

    def dot(x, y):
        return np.sum(np.asarray(x) * np.asarray(y), axis=-1)

    def wrong_axis(x, y):
        x, y = np.asarray(x), np.asarray(y)
        nx = x / np.linalg.norm(x, axis=0, keepdims=True)
        ny = y / np.linalg.norm(y, axis=0, keepdims=True)
        return np.sum(nx * ny, axis=-1)

    def silent_nan(x, y):
        with np.errstate(invalid="ignore", divide="ignore"):
            return dot(x, y) / (np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1))

    def silent_zero(x, y):
        norms = np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1)
        return np.where(norms == 0, 0.0, dot(x, y) / np.where(norms == 0, 1, norms))

    mistakes = [
        Mistake(
            "Check the first vector too: a zero vector as `a` has no direction "
            "either and must raise ValueError, just like a zero `b`.",
            silent_nan,
            id="zero-first-unchecked",
            on=("zero vector first",),
        ),
        Mistake(
            "Check the length of each row (norm along axis=-1), not of the whole "
            "array: one zero row in a batch must raise ValueError.",
            silent_nan,
            id="zero-row-unchecked",
            on=("a row of zeros in a batch",),
        ),
        Mistake(
            "A zero vector has no direction: check the lengths and raise ValueError "
            "instead of dividing by zero (which gives nan).",
            silent_nan,
            id="zero-gives-nan",
        ),
        Mistake(
            "A zero vector has no direction, so its cosine similarity is undefined: "
            "raise ValueError rather than returning 0.",
            silent_zero,
            id="zero-gives-zero",
        ),
        Mistake(
            "That is the dot product: divide it by the two lengths |a| |b| "
            "(normalise both vectors first).",
            dot,
            id="dot-product",
        ),
        Mistake(
            "Normalise each vector along the last axis (axis=-1, keepdims=True); "
            "axis=0 mixes the rows of a batch.",
            wrong_axis,
            id="wrong-axis",
        ),
        Mistake(
            "Divide by both lengths, |a| |b|: dividing by |a| alone (or |a|^2) "
            "leaves b's length in the result.",
            lambda x, y: dot(x, y) / np.linalg.norm(x, axis=-1),
            id="one-norm",
        ),
        Mistake(
            "Divide by both lengths, |a| |b|: dividing by |a| alone (or |a|^2) "
            "leaves b's length in the result.",
            lambda x, y: dot(x, y) / np.linalg.norm(x, axis=-1) ** 2,
            id="one-norm",
        ),
        Mistake(
            "Normalise each row by its own length (np.linalg.norm(..., axis=-1, "
            "keepdims=True)); np.linalg.norm(a) without an axis is the length of "
            "the whole array.",
            lambda x, y: dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)),
            id="whole-array-norm",
        ),
        Mistake(
            "Divide by the lengths, not by the squared lengths: |a| = "
            "sqrt(sum(a * a)), np.linalg.norm(a).",
            lambda x, y: dot(x, y) / (dot(x, x) * dot(y, y)),
            id="squared-norms",
        ),
        Mistake(
            "Return the cosine itself, not the angle: no np.arccos.",
            lambda x, y: np.arccos(np.clip(lib.cosine_similarity(x, y), -1, 1)),
            id="angle",
        ),
    ]
    run_checks(
        "check_cosine_similarity",
        _outcome(candidate),
        _outcome(lib.cosine_similarity),
        cases,
        [Mistake(m.hint, _outcome(m.wrong), id=m.id, on=m.on) for m in mistakes],
        forbid=[lib.cosine_similarity],
    )


def _toy_vocabulary():
    rng = np.random.default_rng(23)
    words = ["apple", "pear", "plum", "car", "bus", "train", "red", "green"]
    centres = rng.normal(size=(3, 6))
    groups = [0, 0, 0, 1, 1, 1, 2, 2]
    vectors = centres[groups] + 0.45 * rng.normal(size=(8, 6))
    # Very different lengths, so ranking by dot product differs from cosine.
    lengths = np.array([1.0, 6.0, 0.3, 2.0, 0.5, 5.0, 8.0, 0.4])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return words, (vectors * lengths[:, None]).astype(np.float32)


def _nearest(query, words, vectors, k, *, by_dot=False, keep_self=False):
    vectors = np.asarray(vectors)
    row = words.index(query)
    if by_dot:
        scores = vectors @ vectors[row]
    else:
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        scores = unit @ unit[row]
    if not keep_self:
        scores = np.where(np.arange(len(words)) == row, -np.inf, scores)
    order = np.argsort(-scores, kind="stable")[:k]
    return [words[i] for i in order]


def _nearest_axis0(query, words, vectors, k):
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=0, keepdims=True)
    row = words.index(query)
    scores = unit @ unit[row]
    scores[row] = -np.inf
    return [words[i] for i in np.argsort(-scores, kind="stable")[:k]]


def check_nearest_words(candidate) -> None:
    """Check `candidate(query, words, vectors, k)`: the k most similar other words."""
    words, vectors = _toy_vocabulary()
    cases = [
        Case("'apple', k = 2", ("apple", words, vectors, 2)),
        Case("'car', k = 3", ("car", words, vectors, 3)),
        Case("'red', k = 1", ("red", words, vectors, 1)),
        Case("'plum', k = 7 (all others)", ("plum", words, vectors, 7)),
    ]

    def reference(query, words, vectors, k):
        row = words.index(query)
        found, _ = lib.nearest_neighbours(vectors[row], vectors, k, exclude=[row])
        return [words[i] for i in found]

    def ascending(query, words, vectors, k):
        everything = _nearest(query, words, vectors, len(words) - 1)
        return everything[::-1][:k]

    mistakes = [
        Mistake(
            "The query word itself came back (its similarity to itself is 1): leave "
            "it out of the candidates.",
            lambda q, w, v, k: _nearest(q, w, v, k, keep_self=True),
            id="includes-query",
        ),
        Mistake(
            "You ranked by dot product, which favours long vectors: normalise the "
            "vectors first (cosine similarity).",
            lambda q, w, v, k: _nearest(q, w, v, k, by_dot=True),
            id="dot-not-cosine",
        ),
        Mistake(
            "Both mistakes at once: the query itself is in the list, and the "
            "ranking uses dot products instead of cosine similarity.",
            lambda q, w, v, k: _nearest(q, w, v, k, by_dot=True, keep_self=True),
            id="dot-and-query",
        ),
        Mistake(
            "Best first: sort by *decreasing* similarity (np.argsort(-sims)).",
            ascending,
            id="ascending",
        ),
        Mistake(
            "Return the words themselves, not their row numbers.",
            lambda q, w, v, k: [w.index(x) for x in reference(q, w, v, k)],
            id="indices-not-words",
        ),
        Mistake(
            "Off by one: return k words. After dropping the query, take the first "
            "k of the rest, not k - 1.",
            lambda q, w, v, k: reference(q, w, v, k)[: k - 1],
            id="k-minus-one",
        ),
        Mistake(
            "Normalise each word vector along axis=1 (its own length), not each "
            "coordinate along axis=0.",
            lambda q, w, v, k: _nearest_axis0(q, w, v, k),
            id="wrong-axis",
        ),
    ]
    run_checks(
        "check_nearest_words",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.nearest_neighbours, word_vectors.most_similar],
    )


def check_sinusoidal_positions(candidate) -> None:
    """Check `candidate(T, C)`: sin on even columns, cos on odd, base 10000."""
    cases = [
        Case("T = 4, C = 6", (4, 6)),
        Case("T = 1, C = 8", (1, 8)),
        Case("T = 20, C = 16", (20, 16)),
        Case("T = 64, C = 48", (64, 48)),
    ]

    def reference(T, C):
        return lib.sinusoidal_positions(T, C)

    def angles(T, C, *, exponent=2.0, first=0, base=10000.0):
        freq = base ** (-exponent * np.arange(C // 2) / C)
        return np.arange(first, first + T)[:, None] * freq  # (T, C/2)

    def interleave(first, second):
        out = np.empty((first.shape[0], 2 * first.shape[1]))
        out[:, 0::2], out[:, 1::2] = first, second
        return out

    mistakes = [
        Mistake(
            "sin and cos are swapped: sin goes in the even columns (0, 2, 4, ...), "
            "cos in the odd ones.",
            lambda T, C: interleave(np.cos(angles(T, C)), np.sin(angles(T, C))),
            id="sin-cos-swapped",
        ),
        Mistake(
            "The columns are interleaved: sin in column 2i and cos in column 2i+1, "
            "not all the sines followed by all the cosines.",
            lambda T, C: np.concatenate(
                [np.sin(angles(T, C)), np.cos(angles(T, C))], axis=1
            ),
            id="not-interleaved",
        ),
        Mistake(
            "The frequency of pair i is 1 / 10000^(2i/C): did you use i/C?",
            lambda T, C: interleave(
                np.sin(angles(T, C, exponent=1.0)), np.cos(angles(T, C, exponent=1.0))
            ),
            id="exponent-i-over-c",
        ),
        Mistake(
            "Positions start at 0 (the first row is [0, 1, 0, 1, ...]), not at 1.",
            lambda T, C: interleave(
                np.sin(angles(T, C, first=1)), np.cos(angles(T, C, first=1))
            ),
            id="positions-from-one",
        ),
        Mistake(
            "The result is (C, T), the transpose: one row per position, shape (T, C).",
            lambda T, C: reference(T, C).T,
            id="transposed",
        ),
        Mistake(
            "The frequency is 1 / 10000^(2i/C): divide the position by "
            "10000^(2i/C), don't multiply.",
            lambda T, C: interleave(
                np.sin(angles(T, C, exponent=-2.0)), np.cos(angles(T, C, exponent=-2.0))
            ),
            id="inverse-frequency",
        ),
        Mistake(
            "The base is 10000, not 1000.",
            lambda T, C: interleave(
                np.sin(angles(T, C, base=1000.0)), np.cos(angles(T, C, base=1000.0))
            ),
            id="base",
        ),
    ]
    run_checks(
        "check_sinusoidal_positions",
        candidate,
        reference,
        cases,
        mistakes,
        atol=1e-5,
        forbid=[lib.sinusoidal_positions],
    )
