"""Each chapter-02 checker accepts a correct solution and rejects the usual mistakes
with the hint that names them."""

import numpy as np
import pytest

from nanogpt_lib.checks.embedding import (
    check_cosine_similarity,
    check_embed,
    check_nearest_words,
    check_one_hot_lookup,
    check_sinusoidal_positions,
)


def one_hot_lookup(ids, table):
    one_hot = np.zeros((len(ids), table.shape[0]), dtype=table.dtype)
    one_hot[np.arange(len(ids)), ids] = 1
    return one_hot @ table


def embed(ids, wte, wpe):
    return wte[ids] + wpe[: len(ids)]


def cosine(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    na = np.linalg.norm(a, axis=-1, keepdims=True)
    nb = np.linalg.norm(b, axis=-1, keepdims=True)
    if (na == 0).any() or (nb == 0).any():
        raise ValueError("zero vector")
    return np.sum(a / na * (b / nb), axis=-1)


def nearest(query, words, vectors, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit[words.index(query)]
    order = [i for i in np.argsort(-sims) if words[i] != query]
    return [words[i] for i in order[:k]]


def sinusoidal(T, C):
    pos = np.arange(T)[:, None]
    i = np.arange(0, C, 2)[None, :]
    angle = pos / 10000 ** (i / C)
    out = np.zeros((T, C))
    out[:, 0::2] = np.sin(angle)
    out[:, 1::2] = np.cos(angle)
    return out


def test_correct_solutions_pass(capsys):
    check_one_hot_lookup(one_hot_lookup)
    check_embed(embed)
    check_cosine_similarity(cosine)
    check_nearest_words(nearest)
    check_sinusoidal_positions(sinusoidal)
    assert capsys.readouterr().out.splitlines() == [
        "check_one_hot_lookup: all 4 cases passed.",
        "check_embed: all 4 cases passed.",
        "check_cosine_similarity: all 8 cases passed.",
        "check_nearest_words: all 4 cases passed.",
        "check_sinusoidal_positions: all 4 cases passed.",
    ]


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda ids, t: one_hot_lookup(ids, t).T, r"\(C, T\), the transpose"),
        (lambda ids, t: t[np.asarray(ids) - 1], "count from 0"),
        (lambda ids, t: one_hot_lookup(ids, t).sum(0), "summed the one-hot rows"),
        (lambda ids, t: None, "forget the `return`"),
    ],
)
def test_one_hot_lookup_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_one_hot_lookup(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda ids, wte, wpe: wte[ids] + wpe[ids], r"not wpe\[ids\]"),
        (lambda ids, wte, wpe: wte[ids], "position vectors are missing"),
        (
            lambda ids, wte, wpe: np.hstack([wte[ids], wpe[: len(ids)]]),
            "does not concatenate",
        ),
        (lambda ids, wte, wpe: wte[ids] + wpe[-len(ids) :], "not the last T"),
    ],
)
def test_embed_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_embed(wrong)


def dot_only(a, b):
    return np.sum(np.asarray(a) * np.asarray(b), axis=-1)


def cosine_axis0(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.sum(
        a / np.linalg.norm(a, axis=0) * (b / np.linalg.norm(b, axis=0)), axis=-1
    )


def cosine_nan(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.sum(a * b, -1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def cosine_zero(a, b):
    try:
        return cosine(a, b)
    except ValueError:
        return 0.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (dot_only, "That is the dot product"),
        (cosine_axis0, "axis=0 mixes the rows"),
        (cosine_nan, "raise ValueError instead of dividing by zero"),
        (cosine_zero, "raise ValueError rather than returning 0"),
    ],
)
def test_cosine_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_cosine_similarity(wrong)


def nearest_with_self(query, words, vectors, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit[words.index(query)]
    return [words[i] for i in np.argsort(-sims)[:k]]


def nearest_by_dot(query, words, vectors, k):
    sims = vectors @ vectors[words.index(query)]
    order = [i for i in np.argsort(-sims) if words[i] != query]
    return [words[i] for i in order[:k]]


def nearest_worst_first(query, words, vectors, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit[words.index(query)]
    order = [i for i in np.argsort(sims) if words[i] != query]
    return [words[i] for i in order[:k]]


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (nearest_with_self, "query word itself came back"),
        (nearest_by_dot, "ranked by dot product"),
        (nearest_worst_first, "decreasing"),
        (
            lambda q, w, v, k: [w.index(x) for x in nearest(q, w, v, k)],
            "not their row numbers",
        ),
    ],
)
def test_nearest_words_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_nearest_words(wrong)


def sinusoidal_swapped(T, C):
    return sinusoidal(T, C)[:, np.arange(C) ^ 1]  # swap each (sin, cos) pair


def sinusoidal_halves(T, C):
    pe = sinusoidal(T, C)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def sinusoidal_i_over_c(T, C):
    pos = np.arange(T)[:, None]
    angle = pos / 10000 ** (np.arange(C // 2)[None, :] / C)
    out = np.zeros((T, C))
    out[:, 0::2], out[:, 1::2] = np.sin(angle), np.cos(angle)
    return out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (sinusoidal_swapped, "sin and cos are swapped"),
        (sinusoidal_halves, "interleaved"),
        (sinusoidal_i_over_c, "did you use i/C"),
        (lambda T, C: sinusoidal(T + 1, C)[1:], "Positions start at 0"),
    ],
)
def test_sinusoidal_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_sinusoidal_positions(wrong)
