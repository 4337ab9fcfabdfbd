"""Checkers for chapter 02's exercises: a cosine by hand, the lengths of an
embedding lookup to predict, a nearest-words function to fix, analogies to find on
the book's Shakespeare word vectors, and the matrix that shifts sinusoidal positions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import embedding as lib
from .. import word_vectors
from ._core import (
    _REGISTRY,
    BadReturn,
    Case,
    CheckFailure,
    Mistake,
    not_implemented,
    require_callable,
    run_checks,
)

__all__ = [
    "check_cosine_by_hand",
    "check_embedding_lengths",
    "check_nearest_words",
    "check_analogy_ranks",
    "check_position_shift",
    "BY_HAND_A",
    "BY_HAND_B",
    "CHAPTER_ANALOGIES",
]


# ------------------------------------------------------------------------------------
# ex-02-cosine-by-hand
# ------------------------------------------------------------------------------------

BY_HAND_A = (1.0, 2.0, 2.0)
BY_HAND_B = (4.0, 0.0, 3.0)
_UNDEFINED = "undefined"


def _by_hand_truth() -> tuple:
    a, b = np.array(BY_HAND_A), np.array(BY_HAND_B)
    cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return (cos, -cos, None)


def _as_three_answers(value: Any) -> tuple:
    """Each answer rounded to 2 decimals (within 0.006 of the truth counts as the
    truth, so 0.66 and 0.667 both pass for 2/3); None or nan -> "undefined"."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(
        value, (list, tuple, np.ndarray)
    ):
        raise BadReturn(
            "return three answers in a tuple: (cos(a, b), cos(a, -2b), cos(a, 0)), "
            f"got {type(value).__name__}"
        )
    if len(value) != 3:
        raise BadReturn(f"return three answers, got {len(value)}")
    out = []
    for answer, truth in zip(value, _by_hand_truth(), strict=True):
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            out.append(_UNDEFINED)
            continue
        if isinstance(answer, (bool, str)) or not isinstance(
            answer, (int, float, np.number)
        ):
            raise BadReturn(
                f"each answer is a number, or None where it is undefined; got "
                f"{answer!r}"
            )
        answer = float(answer)
        if truth is not None and abs(answer - truth) <= 0.006:
            answer = truth
        out.append(round(answer, 2) + 0.0)  # + 0.0: never -0.0
    return tuple(out)


def check_cosine_by_hand(candidate) -> None:
    """Check `candidate() -> (cos(a, b), cos(a, -2b), cos(a, zero))`, worked out
    by hand for a = BY_HAND_A, b = BY_HAND_B; None where it is undefined."""
    a, b = np.array(BY_HAND_A), np.array(BY_HAND_B)
    dot, na, nb = float(a @ b), float(np.linalg.norm(a)), float(np.linalg.norm(b))
    cos = dot / (na * nb)
    mistakes = [
        Mistake(
            "That is the dot product a . b: divide it by both lengths, |a| |b| "
            "(here 3 and 5).",
            lambda: (dot, -2 * dot, 0.0),
            id="dot-product",
        ),
        Mistake(
            "Divide by both lengths, |a| |b| = 3 x 5: dividing by one of them "
            "leaves the other's length in the answer.",
            lambda: (dot / na, -2 * dot / na, 0.0),
            id="one-norm",
        ),
        Mistake(
            "Divide by the lengths, not the squared lengths: |a| = sqrt(1 + 4 + 4) "
            "= 3.",
            lambda: (dot / (na * nb) ** 2, -2 * dot / (na * 2 * nb) ** 2, None),
            id="squared-norms",
        ),
        Mistake(
            "Cosine similarity ignores length: -2b points exactly opposite to b, "
            "so cos(a, -2b) = -cos(a, b), not twice it.",
            lambda: (cos, -2 * cos, None),
            id="length-counted",
        ),
        Mistake(
            "-2b points the opposite way from b: its cosine with a is negative.",
            lambda: (cos, cos, None),
            id="sign-dropped",
        ),
        Mistake(
            "A zero vector has no direction, so its cosine similarity is "
            "undefined (the formula divides by its length, 0): answer None, not 0.",
            lambda: (cos, -cos, 0.0),
            id="zero-gives-zero",
        ),
        Mistake(
            "Give the cosine itself, not the angle (no arccos, no degrees).",
            lambda: (math.degrees(math.acos(cos)), math.degrees(math.acos(-cos)), None),
            id="angle",
        ),
    ]
    run_checks(
        "check_cosine_by_hand",
        candidate,
        _by_hand_truth,
        [Case(f"a = {BY_HAND_A}, b = {BY_HAND_B}")],
        mistakes,
        normalise=_as_three_answers,
        generic_hint="cos(a, b) = a . b / (|a| |b|); work out a . b, |a| and |b| "
        "first.",
    )


# ------------------------------------------------------------------------------------
# ex-02-predict-lengths: the lengths of x = wte[ids] + P[:T] for a batch
# ------------------------------------------------------------------------------------

# The notebook's case: two sequences of sorter letters, sinusoidal positions.
PREDICT_BATCH = ("CBABBC", "AABBCC")


def _lengths_reference(batch, wte, P):
    batch = np.asarray(batch)
    T = batch.shape[-1]
    x = lib.token_embedding(batch, wte) + lib.position_embedding(P, T)
    return np.linalg.norm(x, axis=-1)


def _notebook_case():
    from ..sorter import load_sorter  # the sorter's trained token vectors

    _, params = load_sorter()
    batch = np.array([["ABC".index(ch) for ch in s] for s in PREDICT_BATCH])
    return batch, params["wte"], lib.sinusoidal_positions(64, 48)


def check_embedding_lengths(candidate, prediction=None) -> None:
    """Check `candidate(batch, wte, P) -> lengths (B, T)` of x = wte[batch] + P[:T];
    then say how far `prediction` ({"shape": ..., "length": ...}) was."""
    name = "check_embedding_lengths"
    rng = np.random.default_rng(24)
    batch, wte, P = _notebook_case()
    small_wte = rng.normal(size=(5, 4)).astype(np.float32)
    small_P = rng.normal(size=(8, 4)).astype(np.float32)
    cases = [
        Case("the sorter's wte, sinusoidal P, B = 2, T = 6", (batch, wte, P)),
        Case(
            "V = 5, C = 4, B = 3, T = 4",
            (rng.integers(0, 5, (3, 4)), small_wte, small_P),
        ),  # fmt: skip
        Case("B = 1, T = 1", (np.array([[3]]), small_wte, small_P)),
        Case("T = block size 8", (rng.integers(0, 5, (2, 8)), small_wte, small_P)),
    ]

    def norm(x):
        return np.linalg.norm(x, axis=-1)

    def T_of(b):
        return np.asarray(b).shape[-1]

    mistakes = [
        Mistake(
            "Positions are picked by position 0..T-1, not by token id: P[:T], "
            "not P[batch].",
            lambda b, w, p: norm(w[b] + p[b]),
            id="positions-by-id",
        ),
        Mistake(
            "The position vectors are missing: x = wte[batch] + P[:T].",
            lambda b, w, p: norm(w[b]),
            id="no-positions",
        ),
        Mistake(
            "Positions count from 0: the first token gets P[0], so P[:T], not "
            "P[1:T+1].",
            lambda b, w, p: norm(w[b] + p[1 : T_of(b) + 1]),
            id="positions-from-one",
        ),
        Mistake(
            "That is the squared length: take the square root (np.linalg.norm).",
            lambda b, w, p: np.sum((w[b] + p[: T_of(b)]) ** 2, axis=-1),
            id="squared",
        ),
        Mistake(
            "Each row of x (one token, C numbers) has a length: norm along the last "
            "axis, axis=-1, giving shape (B, T).",
            lambda b, w, p: np.linalg.norm(w[b] + p[: T_of(b)], axis=0),
            id="wrong-axis",
        ),
        Mistake(
            "Keep the batch axis: every sequence of the batch gets its lengths, "
            "shape (B, T), not only the first.",
            lambda b, w, p: norm(w[np.asarray(b)[0]] + p[: T_of(b)]),
            id="batch-dropped",
        ),
    ]
    run_checks(
        name,
        candidate,
        _lengths_reference,
        cases,
        mistakes,
        forbid=[lib.token_embedding, lib.position_embedding],
        keep_float32=True,
        atol=1e-5,
    )
    if prediction is None:
        return
    try:
        candidate(batch, wte, P)
    except NotImplementedError:
        return
    try:
        guess = prediction() if callable(prediction) else prediction
    except NotImplementedError:  # the prediction is still a stub
        guess = None
    lengths = _lengths_reference(batch, wte, P)
    shape = (*batch.shape, wte.shape[1])
    if not isinstance(guess, Mapping):
        print(f"No prediction to compare: x has shape {shape}, and its rows have "
              f"lengths {lengths.min():.2f} to {lengths.max():.2f}.")  # fmt: skip
        return
    said_shape = "right" if tuple(guess.get("shape", ())) == shape else f"it is {shape}"
    try:
        off = float(guess.get("length")) - float(lengths.mean())
        said_length = f"{float(guess['length']):g}, off by {abs(off):.2f}"
    except (TypeError, ValueError):
        said_length = f"{guess.get('length')!r}, not a number"
    print(
        f"Your prediction: shape {tuple(guess.get('shape', ()))}, {said_shape}; "
        f"length {said_length} (rows: {lengths.min():.2f} to {lengths.max():.2f})."
    )


# ------------------------------------------------------------------------------------
# ex-02-debug-nearest: nearest words, the query left out by its index
# ------------------------------------------------------------------------------------


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


def _twins():
    """'ay' and 'yes' point the same way; 'ay' comes first in the list."""
    rng = np.random.default_rng(25)
    vectors = rng.normal(size=(6, 4)).astype(np.float32)
    vectors[1] = vectors[0]
    return ["ay", "yes", "no", "nay", "aye", "yea"], vectors


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
        Case("'yes' has a twin 'ay' before it, k = 2", ("yes", *_twins(), 2)),
    ]

    def reference(query, words, vectors, k):
        row = words.index(query)
        found, _ = lib.nearest_neighbours(vectors[row], vectors, k, exclude=[row])
        return [words[i] for i in found]

    def ascending(query, words, vectors, k):
        everything = _nearest(query, words, vectors, len(words) - 1)
        return everything[::-1][:k]

    def best_last(query, words, vectors, k):
        return _nearest(query, words, vectors, k)[::-1]

    def euclidean(query, words, vectors, k):
        vectors = np.asarray(vectors, dtype=np.float64)
        row = words.index(query)
        dist = np.linalg.norm(vectors - vectors[row], axis=1)
        dist[row] = np.inf
        return [words[i] for i in np.argsort(dist, kind="stable")[:k]]

    def skip_first(query, words, vectors, k):
        unit = np.asarray(vectors) / np.linalg.norm(vectors, axis=1, keepdims=True)
        order = np.argsort(-(unit @ unit[words.index(query)]), kind="stable")
        return [words[i] for i in order[1 : k + 1]]

    mistakes = [
        Mistake(
            "The query is not always first in the ranking: a word pointing exactly "
            "the same way (cosine 1, like 'ay' and 'yes') can come before it, and "
            "then order[1:] drops that word and keeps the query. Leave the query "
            "out by its index, words.index(query), not by its place in the ranking.",
            skip_first,
            id="skips-first",
            on=("'yes' has a twin 'ay' before it, k = 2",),
        ),
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
            "These are the right k words but worst first: np.argsort(sims)[-k:] "
            "ends with the best. Sort by -sims and take the first k.",
            best_last,
            id="best-last",
        ),
        Mistake(
            "You ranked by distance between the vectors, which depends on their "
            "lengths: rank by cosine similarity (the angle) instead.",
            euclidean,
            id="euclidean",
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


# ------------------------------------------------------------------------------------
# ex-02-analogies: an experiment on the book's Shakespeare word vectors
# ------------------------------------------------------------------------------------

#: The chapter's table of analogies (a, b, c): a working one must be new.
CHAPTER_ANALOGIES = (
    ("man", "husband", "woman"),
    ("father", "mother", "son"),
    ("he", "his", "she"),
    ("lord", "lady", "man"),
    ("man", "king", "woman"),
    ("he", "him", "she"),
    ("brother", "sister", "father"),
    ("go", "went", "come"),
    ("man", "men", "woman"),
    ("day", "night", "sun"),
    ("king", "kingdom", "duke"),
)


# The word each of the chapter's analogies hoped for, in the same order.
_CHAPTER_HOPED = ("wife", "daughter", "her", "woman", "queen", "her", "mother",
                  "came", "women", "moon", "dukedom")  # fmt: skip
# The same analogy read another way (c : d :: a : b, a : c :: b : d, ...) uses the
# same four words: it is still the chapter's.
_CHAPTER_WORD_SETS = {
    frozenset((*abc, d))
    for abc, d in zip(CHAPTER_ANALOGIES, _CHAPTER_HOPED, strict=True)
}


def _is_chapters(key) -> bool:
    return key[:3] in CHAPTER_ANALOGIES or frozenset(key) in _CHAPTER_WORD_SETS


def _rank(wv, a, b, c, d, *, exclude_inputs=True) -> int:
    """Where d lands (1 = first) among the words nearest to b - a + c."""
    n = len(wv.words) - (3 if exclude_inputs else 0)
    ranked = word_vectors.analogy(wv, a, b, c, k=n, exclude_inputs=exclude_inputs)
    return [w for w, _ in ranked].index(d) + 1


_ANALOGY_MISTAKES = [
    (
        "wrong-kind",
        "Return a dict {(a, b, c, d): rank}: four words for 'a is to b "
        "as c is to d', and the rank of d you measured (1 = first).",
    ),
    (
        "not-in-vocabulary",
        "Every word must be one of the 8,000 words of `wv` "
        "(`word in wv`); lower case, as tokenize_words makes them.",
    ),
    (
        "hoped-is-input",
        "The hoped-for word d must differ from a, b and c: the "
        "input words are left out of the ranking, so d could never be found.",
    ),
    (
        "rank-from-zero",
        "Ranks count from 1: the first answer has rank 1, so add "
        "1 to a position you found with list.index.",
    ),
    (
        "inputs-ranked",
        "Rank with the three input words left out, as the chapter's "
        "'inputs left out' column does (analogy(...) leaves them out by default).",
    ),
    (
        "rank-wrong",
        "Measure each rank: rank d among analogy(wv, a, b, c, k=...) "
        "with k large enough to reach it.",
    ),
    (
        "chapter-analogy",
        "Find a working analogy of your own: the ones in the "
        "chapter's table do not count, nor do they read in another order "
        "(woman : wife :: man : husband is the table's man : husband :: woman : "
        "wife).",
    ),
    (
        "no-success",
        "Include an analogy that works: d first (rank 1) with the inputs left out.",
    ),
    ("no-failure", "Include an analogy that fails: d not first (rank above 1)."),
]


def check_analogy_ranks(candidate, wv=None) -> None:
    """Check `candidate() -> {(a, b, c, d): rank of d}` on the word vectors `wv`:
    every rank measured right, one new analogy that works, one that fails."""
    name = "check_analogy_ranks"
    _REGISTRY[name] = list(_ANALOGY_MISTAKES)
    hints = dict(_ANALOGY_MISTAKES)
    require_callable(name, candidate)
    if not_implemented(name, candidate):
        return
    if wv is None:
        raise TypeError(f"{name}: pass the word vectors, wv=wv")

    def fail(case, message, mistake):
        hint = hints[mistake]
        raise CheckFailure(
            f"{name} [{case}]: {message}\nHint: {hint}",
            checker=name, case=case, mistake=mistake, hint=hint,
        )  # fmt: skip

    claimed = candidate()
    if not isinstance(claimed, Mapping) or not claimed:
        fail("the answer", f"expected a dict, got {type(claimed).__name__}",
             "wrong-kind")  # fmt: skip
    measured = {}
    for key, rank in claimed.items():
        label = " : ".join(map(str, key)) if isinstance(key, tuple) else repr(key)
        if not (isinstance(key, tuple) and len(key) == 4) or not all(
            isinstance(w, str) for w in key
        ):
            fail(label, f"expected four words as a tuple, got {key!r}", "wrong-kind")
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)):
            fail(label, f"expected the rank as an int, got {rank!r}", "wrong-kind")
        missing = [w for w in key if w not in wv]
        if missing:
            fail(label, f"{missing} not in the vocabulary", "not-in-vocabulary")
        a, b, c, d = key
        if d in (a, b, c) or len({a, b, c}) < 3:
            fail(label, f"{d!r} is one of the inputs", "hoped-is-input")
        true = _rank(wv, a, b, c, d)
        if rank != true:
            if rank == true - 1:
                mistake = "rank-from-zero"
            elif rank == _rank(wv, a, b, c, d, exclude_inputs=False):
                mistake = "inputs-ranked"
            else:
                mistake = "rank-wrong"
            fail(label, f"expected rank {true}, got {rank}", mistake)
        measured[key] = true
    works = [k for k, r in measured.items() if r == 1]
    if not works:
        fail("the answer", "no analogy has rank 1", "no-success")
    if all(_is_chapters(k) for k in works):
        fail("the answer", f"{works} is in the chapter's table", "chapter-analogy")
    if not any(r > 1 for r in measured.values()):
        fail("the answer", "every analogy has rank 1", "no-failure")

    print(f"{name}: all {len(measured)} cases passed (every rank measured right).")


# ------------------------------------------------------------------------------------
# ex-02-shift: the matrix that moves a sinusoidal position k steps on
# ------------------------------------------------------------------------------------


def _shift_reference(
    k, C, *, exponent=2.0, sign=1.0, scale_k=True, layout="pairs", swap=False
):
    freq = 10000.0 ** (-exponent * np.arange(C // 2) / C)  # (C/2,)
    angle = (k if scale_k else 1) * freq
    cos, sin = np.cos(angle), sign * np.sin(angle)
    M = np.zeros((C, C))
    if layout == "pairs":  # sin in column 2i, cos in 2i + 1
        s, c = np.arange(0, C, 2), np.arange(1, C, 2)
    else:  # all sines first, then all cosines
        s, c = np.arange(C // 2), np.arange(C // 2, C)
    # row vector [sin, cos] @ [[cos, -sin], [sin, cos]] = [sin(a + b), cos(a + b)]
    if swap:  # cos where sin goes: [[sin, cos], [cos, -sin]] blocks
        M[s, s], M[s, c], M[c, s], M[c, c] = sin, cos, cos, -sin
    else:
        M[s, s], M[s, c], M[c, s], M[c, c] = cos, -sin, sin, cos
    return M


def check_position_shift(candidate) -> None:
    """Check `candidate(k, C) -> M (C, C)` with P[t] @ M == P[t + k] for the
    sinusoidal positions P of width C."""
    cases = [
        Case("k = 1, C = 4", (1, 4)),
        Case("k = 3, C = 8", (3, 8)),
        Case("k = 0, C = 6", (0, 6)),
        Case("k = -2, C = 16", (-2, 16)),
        Case("k = 10, C = 48", (10, 48)),
    ]
    mistakes = [
        Mistake(
            "For a negative k the matrix must move positions back: use k itself, "
            "not abs(k) (sin(-x) = -sin(x) flips the block by itself).",
            lambda k, C: _shift_reference(abs(k), C),
            id="abs-k",
            on=("k = -2, C = 16",),
        ),
        Mistake(
            "Your matrix moves the positions k steps back: with row vectors, "
            "[sin a, cos a] @ M needs +sin(k w) below the diagonal and -sin(k w) "
            "above it (the transpose of what you have).",
            lambda k, C: _shift_reference(k, C, sign=-1.0),
            id="backwards",
        ),
        Mistake(
            "The frequency of pair i is w_i = 1 / 10000^(2i/C): did you use i/C?",
            lambda k, C: _shift_reference(k, C, exponent=1.0),
            id="exponent-i-over-c",
        ),
        Mistake(
            "The angle to add is k * w_i: moving k positions turns each pair by k "
            "times its frequency, not by the frequency once.",
            lambda k, C: _shift_reference(k, C, scale_k=False),
            id="k-missing",
        ),
        Mistake(
            "The pairs are interleaved: sin in column 2i, cos in 2i + 1, so each "
            "2 x 2 block sits on the diagonal at rows and columns 2i, 2i + 1.",
            lambda k, C: _shift_reference(k, C, layout="halves"),
            id="not-interleaved",
        ),
        Mistake(
            "Column 2i holds the sine and 2i + 1 the cosine, and the block turns "
            "the pair: [sin a, cos a] @ [[cos b, -sin b], [sin b, cos b]]. Yours "
            "has sine and cosine swapped in the block.",
            lambda k, C: _shift_reference(k, C, swap=True),
            id="sin-cos-swapped",
        ),
        Mistake(
            "The identity leaves P[t] where it is: only k = 0 needs no rotation.",
            lambda k, C: np.eye(C),
            id="identity",
        ),
    ]
    run_checks(
        "check_position_shift",
        candidate,
        _shift_reference,
        cases,
        mistakes,
        atol=1e-5,
    )
