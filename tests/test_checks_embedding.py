"""Chapter 02's checkers: what the catalogue (test_catalogue_embedding.py) does not
cover - the by-hand answer is the library's, stubs and predictions are reported in
one line, the lookup and nearest-neighbour functions are refused."""

import numpy as np
import pytest

from nanogpt_lib import embedding as lib
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks.embedding import (
    BY_HAND_A,
    BY_HAND_B,
    check_analogy_ranks,
    check_cosine_by_hand,
    check_embedding_lengths,
    check_nearest_words,
    check_position_shift,
)


def stub(*args):
    raise NotImplementedError


def test_by_hand_truth_is_the_librarys_cosine(capsys):
    a, b = np.array(BY_HAND_A), np.array(BY_HAND_B)
    cos = float(lib.cosine_similarity(a, b))
    assert cos == pytest.approx(2 / 3)
    assert float(lib.cosine_similarity(a, -2 * b)) == pytest.approx(-cos)
    with pytest.raises(ValueError):
        lib.cosine_similarity(a, np.zeros(3))
    check_cosine_by_hand(lambda: (cos, -cos, None))
    assert capsys.readouterr().out == "check_cosine_by_hand: all 1 cases passed.\n"


def test_stubs_say_not_implemented(capsys):
    for check in (check_cosine_by_hand, check_embedding_lengths, check_nearest_words,
                  check_analogy_ranks, check_position_shift):  # fmt: skip
        check(stub)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and all(": not implemented yet." in line for line in out)


def lengths(batch, wte, P):
    return np.linalg.norm(wte[batch] + P[: batch.shape[-1]], axis=-1)


def test_prediction_is_compared_and_never_fails(capsys):
    check_embedding_lengths(lengths, prediction={"shape": (2, 6), "length": 0.1})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check_embedding_lengths: all 4 cases passed."
    assert out[1].startswith("Your prediction: shape (2, 6), it is (2, 6, 48); ")
    assert "length 0.1, off by 4.79 (rows: 4.86 to 4.95)." in out[1]
    check_embedding_lengths(lengths, prediction=stub)
    assert "No prediction to compare" in capsys.readouterr().out


def test_lookup_through_the_library_is_refused():
    def delegate(batch, wte, P):
        x = lib.token_embedding(batch, wte) + P[: batch.shape[-1]]
        return np.linalg.norm(x, axis=-1)

    with pytest.raises(CheckFailure, match="token_embedding` is what") as info:
        check_embedding_lengths(delegate)
    assert info.value.mistake == "delegates"


def test_nearest_words_refuses_nearest_neighbours():
    def delegate(query, words, vectors, k):
        row = words.index(query)
        found, _ = lib.nearest_neighbours(vectors[row], vectors, k, exclude=[row])
        return [words[i] for i in found]

    with pytest.raises(CheckFailure, match="nearest_neighbours` is what"):
        check_nearest_words(delegate)


def test_analogies_need_the_word_vectors():
    with pytest.raises(TypeError, match="wv=wv"):
        check_analogy_ranks(lambda: {("a", "b", "c", "d"): 1})


def test_shift_moves_sinusoidal_positions(capsys):
    def shift(k, C):
        M = np.zeros((C, C))
        for i in range(C // 2):
            a = k * 10000.0 ** (-2 * i / C)
            M[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [
                [np.cos(a), -np.sin(a)],
                [np.sin(a), np.cos(a)],
            ]
        return M

    check_position_shift(shift)
    P = lib.sinusoidal_positions(40, 16)
    np.testing.assert_allclose(P[:33] @ shift(7, 16), P[7:], atol=1e-5)
    assert capsys.readouterr().out == "check_position_shift: all 5 cases passed.\n"
