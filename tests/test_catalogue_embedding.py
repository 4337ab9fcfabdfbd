"""Chapter 02: realistic wrong answers for each checker, and equivalent right ones."""

import functools
import math

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.checks.embedding import (
    CHAPTER_ANALOGIES,
    check_analogy_ranks,
    check_cosine_by_hand,
    check_embedding_lengths,
    check_nearest_words,
    check_position_shift,
)
from nanogpt_lib.word_vectors import WordVectors, analogy

# ------------------------------------------------------------------ by hand


def answers(*values):
    return lambda: values


# ------------------------------------------------------------------ predict: lengths


def lengths_with(pos=lambda P, b: P[: b.shape[-1]], axis=-1, power=0.5, first=False):
    def fn(batch, wte, P):
        batch = np.asarray(batch)
        rows = batch[0] if first else batch
        x = wte[rows] + pos(P, rows)
        return (
            np.sum(x * x, axis=axis) ** power
            if power != 0.5
            else (np.linalg.norm(x, axis=axis))
        )

    return fn


def lengths_loop(batch, wte, P):  # equivalent: one row at a time, sqrt of a sum
    B, T = np.asarray(batch).shape
    out = np.zeros((B, T), dtype=wte.dtype)
    for b in range(B):
        for t in range(T):
            row = wte[batch[b][t]] + P[t]
            out[b, t] = math.sqrt(float(row @ row))
    return out


def lengths_float64(batch, wte, P):
    x = wte[np.asarray(batch)].astype(np.float64) + P[: np.asarray(batch).shape[-1]]
    return np.linalg.norm(x, axis=-1)


# ------------------------------------------------------------------ debug: nearest


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


def nearest_skip_first(query, words, vectors, k):  # the planted bug
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    order = np.argsort(-(unit @ unit[words.index(query)]), kind="stable")
    return [words[i] for i in order[1 : k + 1]]


def nearest_worst_first(query, words, vectors, k):  # argsort(sims)[-k:]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = words.index(query)
    sims = unit @ unit[row]
    sims[row] = -np.inf
    return [words[i] for i in np.argsort(sims, kind="stable")[-k:]]


def nearest_euclidean(query, words, vectors, k):
    row = words.index(query)
    dist = np.linalg.norm(vectors - vectors[row], axis=1)
    dist[row] = np.inf
    return [words[i] for i in np.argsort(dist, kind="stable")[:k]]


def nearest_python(query, words, vectors, k):  # equivalent: sorted() over tuples
    unit = [np.asarray(v, dtype=float) / np.linalg.norm(v) for v in vectors]
    q = unit[words.index(query)]
    scored = [
        (-float(u @ q), w) for u, w in zip(unit, words, strict=True) if w != query
    ]
    return [w for _, w in sorted(scored, key=lambda s: s[0])[:k]]


# ------------------------------------------------------------------ experiment


@functools.cache
def toy_vectors() -> WordVectors:
    """Random vectors, except that wife = husband - man + woman and
    queen = king - man + woman exactly (so those two analogies work)."""
    rng = np.random.default_rng(7)
    words = sorted({w for a in CHAPTER_ANALOGIES for w in a} | {"wife", "queen"})
    words += ["boy", "girl", "pen", "ink", "sword", "dagger", "sheath", "apple"]
    vectors = rng.normal(size=(len(words), 12))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def u(w):
        return unit[words.index(w)]

    vectors[words.index("wife")] = u("husband") - u("man") + u("woman")
    vectors[words.index("girl")] = u("pen") - u("boy") + u("ink")
    return WordVectors(tuple(words), vectors.astype(np.float32),
                       np.ones(len(words), dtype=np.int64))  # fmt: skip


def rank(a, b, c, d, exclude=True):
    wv = toy_vectors()
    n = len(wv.words) - (3 if exclude else 0)
    found = [w for w, _ in analogy(wv, a, b, c, k=n, exclude_inputs=exclude)]
    return found.index(d) + 1


WORKS = ("boy", "pen", "ink", "girl")  # girl = pen - boy + ink
FAILS = ("sword", "dagger", "sheath", "apple")


def claims(*keys, shift=0, exclude=True):
    return lambda: {k: rank(*k, exclude=exclude) + shift for k in keys}


def check_ranks(fn):
    check_analogy_ranks(fn, wv=toy_vectors())


check_ranks.__name__ = "check_analogy_ranks"

# ------------------------------------------------------------------ extend: shift


def shift_with(sign=1.0, exponent=2.0, scale_k=True, layout="pairs"):
    def fn(k, C):
        M = np.zeros((C, C))
        for i in range(C // 2):
            w = 10000.0 ** (-exponent * i / C)
            angle = (k if scale_k else 1) * w
            s, c = (2 * i, 2 * i + 1) if layout == "pairs" else (i, C // 2 + i)
            M[s, s], M[c, c] = math.cos(angle), math.cos(angle)
            M[s, c], M[c, s] = -sign * math.sin(angle), sign * math.sin(angle)
        return M

    return fn


def shift_swapped(k, C):  # [[sin, cos], [cos, -sin]] blocks
    M = np.zeros((C, C))
    for i in range(C // 2):
        a = k * 10000.0 ** (-2 * i / C)
        block = [[math.sin(a), math.cos(a)], [math.cos(a), -math.sin(a)]]
        M[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = block
    return M


def shift_power(k, C):  # equivalent: M_1 (or its inverse) multiplied k times
    M1 = shift_with()(1, C)
    return np.linalg.matrix_power(M1 if k >= 0 else M1.T, abs(k))


def shift_from_blocks(k, C):  # equivalent: one 2 x 2 rotation block at a time
    out = np.zeros((C, C))
    for i in range(C // 2):
        a = k / 10000 ** (2 * i / C)
        block = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        out[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = block
    return out


CATALOGUE = {
    check_cosine_by_hand: [
        Wrong("the dot product", answers(10, -20, 0), "dot-product", "dot product"),
        Wrong("divided by |a|", answers(3.33, -6.67, 0), "one-norm", "both lengths"),
        Wrong(
            "squared lengths", answers(0.04, -0.02, None), "squared-norms", "squared"
        ),  # fmt: skip
        Wrong(
            "length counted",
            answers(0.67, -1.33, None),
            "length-counted",
            "ignores length",
        ),  # fmt: skip
        Wrong("sign dropped", answers(0.67, 0.67, None), "sign-dropped", "negative"),
        Wrong("zero gives 0", answers(0.67, -0.67, 0), "zero-gives-zero", "None"),
        Wrong("angles", answers(48.19, 131.81, None), "angle", "angle"),
        Wrong("a string", lambda: "0.67, -0.67, undefined", "wrong-kind", "three"),
        Wrong("two answers", answers(0.67, -0.67), "wrong-kind", "three answers"),
        Wrong("a slip", answers(0.6, -0.6, None), None),
    ],
    check_embedding_lengths: [
        Wrong(
            "P[batch]",
            lengths_with(pos=lambda P, b: P[b]),
            "positions-by-id",
            "position",
        ),
        Wrong(
            "no positions",
            lengths_with(pos=lambda P, b: 0 * P[0]),
            "no-positions",
            "missing",
        ),
        Wrong(
            "P[1:T+1]",
            lengths_with(pos=lambda P, b: P[1 : b.shape[-1] + 1]),
            "positions-from-one",
            "from 0",
        ),
        Wrong("squared", lengths_with(power=1.0), "squared", "square root"),
        Wrong("axis 0", lengths_with(axis=0), "wrong-axis", "axis=-1"),
        Wrong("first sequence", lengths_with(first=True), "batch-dropped", "batch"),
        Wrong("float64", lengths_float64, "float64", "float64"),
        Wrong("no return", lambda b, w, p: None, "no-return", "return"),
        Wrong("axis 1", lengths_with(axis=1), None),
    ],
    check_nearest_words: [
        Wrong("as given", nearest_skip_first, "skips-first", "index"),
        Wrong(
            "query kept", nearest_with(keep_self=True), "includes-query", "query word"
        ),
        Wrong(
            "dot product", nearest_with(norm_axis=None), "dot-not-cosine", "dot product"
        ),
        Wrong("ascending", nearest_with(descending=False), "ascending", "decreasing"),
        Wrong(
            "indices", nearest_with(ids=True), "indices-not-words", "words themselves"
        ),
        Wrong("k - 1", nearest_with(k_shift=-1), "k-minus-one", "Off by one"),
        Wrong("axis 0", nearest_with(norm_axis=0), "wrong-axis", "axis=1"),
        Wrong("k + 1", nearest_with(k_shift=1), None),
        Wrong("argsort()[-k:]", nearest_worst_first, "best-last", "worst first"),
        Wrong("euclidean", nearest_euclidean, "euclidean", "distance"),
    ],
    check_ranks: [
        Wrong(
            "ranks from 0", claims(WORKS, FAILS, shift=-1), "rank-from-zero", "from 1"
        ),  # fmt: skip
        Wrong(
            "inputs ranked",
            claims(WORKS, FAILS, exclude=False),
            "inputs-ranked",
            "left out",
        ),
        Wrong(
            "a guessed rank",
            lambda: {WORKS: 1, FAILS: rank(*FAILS) + 7},
            "rank-wrong",
            "Measure",
        ),
        Wrong(
            "the chapter's own",
            claims(("man", "husband", "woman", "wife"), FAILS),
            "chapter-analogy",
            "own",
        ),
        Wrong(
            "the chapter's, read the other way",
            claims(("woman", "wife", "man", "husband"), FAILS),
            "chapter-analogy",
            "another order",
        ),
        Wrong("only a failure", claims(FAILS), "no-success", "works"),
        Wrong("only a success", claims(WORKS), "no-failure", "fails"),
        Wrong(
            "capitals",
            lambda: {("Boy", "pen", "ink", "girl"): 1},
            "not-in-vocabulary",
            "lower case",
        ),
        Wrong(
            "hoped-for word is an input",
            lambda: {("boy", "pen", "ink", "ink"): 1},
            "hoped-is-input",
            "differ",
        ),
        Wrong("a list", lambda: [WORKS, FAILS], "wrong-kind", "dict"),
    ],
    check_position_shift: [
        Wrong("transposed blocks", shift_with(sign=-1.0), "backwards", "back"),
        Wrong("i / C", shift_with(exponent=1.0), "exponent-i-over-c", "i/C"),
        Wrong("k forgotten", shift_with(scale_k=False), "k-missing", "k \\* w_i"),
        Wrong("halves", shift_with(layout="halves"), "not-interleaved", "interleaved"),
        Wrong("identity", lambda k, C: np.eye(C), "identity", "identity"),
        Wrong("no return", lambda k, C: None, "no-return", "return"),
        Wrong("doubled sines", shift_with(sign=2.0), None),
        Wrong("abs(k)", lambda k, C: shift_with()(abs(k), C), "abs-k", "abs"),
        Wrong("sin and cos swapped", shift_swapped, "sin-cos-swapped", "swapped"),
    ],
}

EQUIVALENT = {
    check_cosine_by_hand: [
        answers(0.67, -0.67, None),
        answers(2 / 3, -2 / 3, float("nan")),
        answers(0.666, -0.666, None),
    ],
    check_embedding_lengths: [lengths_with(), lengths_loop],
    check_nearest_words: [nearest_with(), nearest_python],
    check_ranks: [
        claims(WORKS, FAILS),
        claims(FAILS, WORKS, ("man", "husband", "woman", "wife")),
    ],  # fmt: skip
    check_position_shift: [shift_with(), shift_from_blocks, shift_power],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
