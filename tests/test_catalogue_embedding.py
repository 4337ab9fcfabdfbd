"""Chapter 02: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
import pytest
from _catalogue import (
    Wrong,
    assert_accepted,
    assert_catalogue_size,
    assert_rejected,
    equivalent_params,
    wrong_params,
)

from nanogpt_lib.checks.embedding import (
    check_cosine_similarity,
    check_embed,
    check_nearest_words,
    check_one_hot_lookup,
    check_sinusoidal_positions,
)

# ------------------------------------------------------------------ one-hot


def one_hot(ids, W_E, dtype=None):
    ids = np.asarray(ids)
    out = np.zeros((len(ids), W_E.shape[0]), dtype=dtype or W_E.dtype)
    out[np.arange(len(ids)), ids] = 1
    return out


def lookup_loop(ids, W_E):  # equivalent: nested lists, one row at a time
    rows = []
    for i in ids:
        row = [0.0] * W_E.shape[0]
        row[int(i)] = 1.0
        rows.append(row)
    return np.array(rows, dtype=W_E.dtype) @ W_E


# ------------------------------------------------------------------ embed


def embed_with(pos=lambda wpe, ids: wpe[: len(ids)], combine=np.add):
    def fn(ids, wte, wpe):
        ids = np.asarray(ids)
        return combine(wte[ids], pos(wpe, ids))

    return fn


def embed_float64(ids, wte, wpe):
    out = np.zeros((len(ids), wte.shape[1]))
    for t, i in enumerate(ids):
        out[t] = wte[i] + wpe[t]
    return out


def embed_in_place(ids, wte, wpe):
    x = wte[np.asarray(ids)]
    x += wpe[: len(ids)]
    wpe[:] = 0  # "cleaning up"
    return x


# ------------------------------------------------------------------ cosine


def cosine_with(check_a=True, check_b=True, rowwise=True, check_rows=True):
    norm = np.linalg.norm

    def fn(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        na = norm(a, axis=-1, keepdims=True) if rowwise else norm(a)
        nb = norm(b, axis=-1, keepdims=True) if rowwise else norm(b)
        ca, cb = (na, nb) if check_rows else (norm(a), norm(b))
        if (check_a and np.any(ca == 0)) or (check_b and np.any(cb == 0)):
            raise ValueError("zero vector")
        with np.errstate(invalid="ignore", divide="ignore"):
            return (
                np.sum(a * b, axis=-1) / np.squeeze(na * nb, axis=-1)
                if rowwise
                else np.sum(a * b, axis=-1) / (na * nb)
            )

    return fn


def cosine_einsum(a, b):  # equivalent: einsum and sqrt of the dot with itself
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    aa, bb = np.einsum("...i,...i", a, a), np.einsum("...i,...i", b, b)
    if np.any(aa == 0) or np.any(bb == 0):
        raise ValueError("a zero vector has no direction")
    return np.einsum("...i,...i", a, b) / np.sqrt(aa * bb)


def cosine_silent(a, b, fill=np.nan):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sum(a * b, axis=-1) / n
    return np.where(n == 0, fill, out)


def cosine_one_norm(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if np.linalg.norm(b) == 0 or np.linalg.norm(a) == 0:
        raise ValueError
    return np.sum(a * b, axis=-1) / np.linalg.norm(a, axis=-1)


def cosine_angle(a, b):
    return np.arccos(np.clip(cosine_with()(a, b), -1, 1))


def cosine_axis0(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    na, nb = np.linalg.norm(a, axis=0), np.linalg.norm(b, axis=0)
    if np.any(na == 0) or np.any(nb == 0):
        raise ValueError
    return np.sum((a / na) * (b / nb), axis=-1)


# ------------------------------------------------------------------ nearest


def nearest_with(norm_axis=1, keep_self=False, descending=True, k_shift=0, ids=False):
    def fn(query, words, vectors, k):
        v = np.asarray(vectors, dtype=float)
        if norm_axis is not None:
            v = v / np.linalg.norm(v, axis=norm_axis, keepdims=True)
        row = words.index(query)
        sims = v @ v[row]
        if not keep_self:
            sims[row] = -np.inf if descending else np.inf
        order = np.argsort(-sims if descending else sims, kind="stable")
        best = order[: k + k_shift]
        return [int(i) for i in best] if ids else [words[i] for i in best]

    return fn


def nearest_python(query, words, vectors, k):  # equivalent: sorted() over tuples
    unit = [np.asarray(v, dtype=float) / np.linalg.norm(v) for v in vectors]
    q = unit[words.index(query)]
    scored = [
        (-float(u @ q), w) for u, w in zip(unit, words, strict=True) if w != query
    ]
    return [w for _, w in sorted(scored, key=lambda s: s[0])[:k]]


# ------------------------------------------------------------------ sinusoidal


def sinusoidal_with(base=10000.0, power=-2.0, first=0, swap=False, layout="inter"):
    def fn(T, C):
        i = np.arange(C // 2)
        angle = np.arange(first, first + T)[:, None] * base ** (power * i / C)
        s, c = (
            (np.cos(angle), np.sin(angle)) if swap else (np.sin(angle), np.cos(angle))
        )
        if layout == "blocks":
            return np.concatenate([s, c], axis=1)
        P = np.zeros((T, C))
        P[:, 0::2], P[:, 1::2] = s, c
        return P.T if layout == "transposed" else P

    return fn


def sinusoidal_loops(T, C):  # equivalent: two loops, nested lists
    rows = []
    for pos in range(T):
        row = []
        for j in range(C):
            angle = pos / 10000 ** ((j - j % 2) / C)
            row.append(np.sin(angle) if j % 2 == 0 else np.cos(angle))
        rows.append(row)
    return rows


CATALOGUE = {
    check_one_hot_lookup: [
        Wrong(
            "transposed",
            lambda ids, W: (one_hot(ids, W) @ W).T,
            "transposed",
            "transpose",
        ),
        Wrong(
            "ids - 1",
            lambda ids, W: one_hot(np.asarray(ids) - 1, W) @ W,
            "minus-one",
            "subtract 1",
        ),
        Wrong(
            "summed",
            lambda ids, W: one_hot(ids, W).sum(0) @ W,
            "summed",
            "summed",
        ),
        Wrong(
            "row t",
            lambda ids, W: np.eye(len(ids), W.shape[0], dtype=W.dtype) @ W,
            "positions-not-ids",
            "ids\\[t\\]",
        ),
        Wrong(
            "np.eye float64",
            lambda ids, W: np.eye(W.shape[0])[ids] @ W,
            "float64",
            "float64",
        ),
        Wrong(
            "ids + 1",
            lambda ids, W: one_hot((np.asarray(ids) + 1) % W.shape[0], W) @ W,
            None,
        ),
    ],
    check_embed: [
        Wrong(
            "wpe[ids]",
            embed_with(pos=lambda wpe, ids: wpe[ids]),
            "wpe-by-id",
            "position",
        ),
        Wrong(
            "no positions",
            lambda ids, wte, wpe: wte[np.asarray(ids)],
            "no-positions",
            "missing",
        ),
        Wrong(
            "concatenate",
            embed_with(combine=lambda a, b: np.concatenate([a, b], -1)),
            "concatenated",
            "concatenate",
        ),
        Wrong(
            "last T",
            embed_with(pos=lambda wpe, ids: wpe[-len(ids) :]),
            "last-positions",
            "first T",
        ),
        Wrong("multiplied", embed_with(combine=np.multiply), "multiplied", "Add"),
        Wrong(
            "wpe[1:T+1]",
            embed_with(pos=lambda wpe, ids: wpe[1 : len(ids) + 1]),
            "positions-from-one",
            "from 0",
        ),
        Wrong("float64 buffer", embed_float64, "float64", "float64"),
        Wrong("in place", embed_in_place, "mutates-input", "new list or array"),
    ],
    check_cosine_similarity: [
        Wrong("zero gives nan", cosine_silent, "zero-gives-nan", "raise ValueError"),
        Wrong(
            "zero gives 0",
            lambda a, b: cosine_silent(a, b, 0.0),
            "zero-gives-zero",
            "rather than returning 0",
        ),
        Wrong(
            "only b checked",
            cosine_with(check_a=False),
            "zero-first-unchecked",
            "first vector",
        ),
        Wrong(
            "zero check on the whole array",
            cosine_with(check_rows=False),
            "zero-row-unchecked",
            "each row",
        ),
        Wrong(
            "whole-array norm",
            cosine_with(rowwise=False),
            "whole-array-norm",
            "without an axis",
        ),
        Wrong(
            "dot product",
            lambda a, b: (
                np.sum(np.asarray(a) * np.asarray(b), -1)
                if np.linalg.norm(a) * np.linalg.norm(b)
                else (_ for _ in ()).throw(ValueError())
            ),
            "dot-product",
            "dot product",
        ),
        Wrong("one norm", cosine_one_norm, "one-norm", "both lengths"),
        Wrong("angle", cosine_angle, "angle", "arccos"),
        Wrong("axis 0", cosine_axis0, "wrong-axis", "axis=-1"),
    ],
    check_nearest_words: [
        Wrong(
            "query kept", nearest_with(keep_self=True), "includes-query", "query word"
        ),
        Wrong(
            "dot product", nearest_with(norm_axis=None), "dot-not-cosine", "dot product"
        ),
        Wrong(
            "both",
            nearest_with(norm_axis=None, keep_self=True),
            "dot-and-query",
            "Both",
        ),
        Wrong("ascending", nearest_with(descending=False), "ascending", "decreasing"),
        Wrong(
            "indices", nearest_with(ids=True), "indices-not-words", "words themselves"
        ),
        Wrong("k - 1", nearest_with(k_shift=-1), "k-minus-one", "Off by one"),
        Wrong("axis 0", nearest_with(norm_axis=0), "wrong-axis", "axis=1"),
        Wrong("k + 1", nearest_with(k_shift=1), None),
    ],
    check_sinusoidal_positions: [
        Wrong("swapped", sinusoidal_with(swap=True), "sin-cos-swapped", "swapped"),
        Wrong(
            "blocks", sinusoidal_with(layout="blocks"), "not-interleaved", "interleaved"
        ),
        Wrong("i / C", sinusoidal_with(power=-1.0), "exponent-i-over-c", "i/C"),
        Wrong("from 1", sinusoidal_with(first=1), "positions-from-one", "start at 0"),
        Wrong(
            "transposed",
            sinusoidal_with(layout="transposed"),
            "transposed",
            "transpose",
        ),
        Wrong("multiplied", sinusoidal_with(power=2.0), "inverse-frequency", "divide"),
        Wrong("base 1000", sinusoidal_with(base=1000.0), "base", "10000"),
        Wrong(
            "sin only",
            lambda T, C: np.sin(np.arange(T)[:, None] * 10000.0 ** (-np.arange(C) / C)),
            None,
        ),
    ],
}

EQUIVALENT = {
    check_one_hot_lookup: [lambda ids, W: one_hot(ids, W) @ W, lookup_loop],
    check_embed: [
        embed_with(),
        lambda ids, wte, wpe: np.take(wte, ids, 0) + wpe[np.arange(len(ids))],
    ],
    check_cosine_similarity: [cosine_with(), cosine_einsum],
    check_nearest_words: [nearest_with(), nearest_python],
    check_sinusoidal_positions: [sinusoidal_with(), sinusoidal_loops],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
