"""Tests for nanogpt_lib.word_vectors: counts, PPMI, truncated SVD, neighbours."""

import numpy as np
import pytest

from nanogpt_lib.word_vectors import (
    WordVectors,
    analogy,
    build_vocab,
    cooccurrence_counts,
    most_similar,
    ppmi,
    tokenize_words,
    train_word_vectors,
    truncated_svd,
)


def test_tokenize_worked_example():
    words = tokenize_words("Return the file's Name2.\nNEW-line")
    assert words == ["return", "the", "file", "s", "name", "new", "line"]
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        tokenize_words(b"abc")


def test_build_vocab_orders_by_count_then_alphabet():
    vocab, counts = build_vocab(["b", "a", "b", "c", "a", "b", "d"], 3)
    # b: 3, a: 2, then c and d tie at 1: alphabetical keeps c.
    assert vocab == ["b", "a", "c"]
    np.testing.assert_array_equal(counts, [3, 2, 1])
    vocab, _ = build_vocab(["x", "y", "x"], 10, min_count=2)
    assert vocab == ["x"]
    with pytest.raises(ValueError, match="size must be an int >= 1, got 0"):
        build_vocab(["x"], 0)


def test_cooccurrence_worked_examples():
    # ids [0, 1, 0], window 1: pairs (0,1) and (1,0), each counted both ways.
    np.testing.assert_array_equal(
        cooccurrence_counts(np.array([0, 1, 0]), 2, 1), [[0, 2], [2, 0]]
    )
    # window 2 adds the pair (0, 0) at distance 2 with weight 1/2, seen from both
    # ends: M[0, 0] = 2 * 0.5 = 1.
    np.testing.assert_array_equal(
        cooccurrence_counts(np.array([0, 1, 0]), 2, 2), [[1, 2], [2, 0]]
    )
    # An unknown word (-1) still takes a position: 0 and 1 are 2 apart.
    np.testing.assert_array_equal(
        cooccurrence_counts(np.array([0, -1, 1]), 2, 2), [[0, 0.5], [0.5, 0]]
    )


def test_cooccurrence_matches_a_loop(rng):
    ids = rng.integers(-1, 6, size=200)
    want = np.zeros((6, 6))
    for i in range(len(ids)):
        for j in range(len(ids)):
            d = abs(i - j)
            if 1 <= d <= 3 and ids[i] >= 0 and ids[j] >= 0:
                want[ids[i], ids[j]] += 1 / d
    got = cooccurrence_counts(ids, 6, 3)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_array_equal(got, got.T)


@pytest.mark.parametrize(
    "ids, kwargs, error, pattern",
    [
        (np.array([0, 5]), {}, ValueError, r"ids must be in \[-1, 3\)"),
        (np.array([0.0, 1.0]), {}, TypeError, "ids must be a 1-D integer array"),
        (np.array([0, 1]), {"window": 0}, ValueError, "window must be >= 1"),
    ],
)
def test_cooccurrence_rejects_bad_input(ids, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        cooccurrence_counts(ids, 3, **kwargs)


def test_ppmi_worked_example():
    # total 4; P(w) = P(c) = [1/2, 1/2]; P(0, 1) = 2/4, so PMI = log(0.5 / 0.25).
    got = ppmi(np.array([[0.0, 2.0], [2.0, 0.0]]))
    np.testing.assert_allclose(got, [[0, np.log(2)], [np.log(2), 0]], rtol=1e-6)


def test_ppmi_matches_a_loop_and_is_non_negative(rng):
    counts = rng.integers(0, 5, size=(5, 5)).astype(np.float64)
    counts = counts + counts.T
    total = counts.sum()
    ctx = counts.sum(0) ** 0.75
    want = np.zeros_like(counts)
    for w in range(5):
        for c in range(5):
            if counts[w, c] > 0:
                p_wc = counts[w, c] / total
                p_w = counts[w].sum() / total
                p_c = ctx[c] / ctx.sum()
                want[w, c] = max(0.0, np.log(p_wc / (p_w * p_c)))
    got = ppmi(counts)
    assert got.dtype == np.float32 and (got >= 0).all()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="counts must have shape"):
        ppmi(np.ones(3))


def test_truncated_svd_matches_numpy(rng):
    spectrum = np.geomspace(10, 0.1, 30)
    a = rng.standard_normal((120, 30)) * spectrum @ rng.standard_normal((30, 80))
    a = a.astype(np.float32)
    u, s, vt = truncated_svd(a, 6, rng=np.random.default_rng(1))
    u_ref, s_ref, vt_ref = np.linalg.svd(a.astype(np.float64), full_matrices=False)
    assert u.shape == (120, 6) and s.shape == (6,) and vt.shape == (6, 80)
    np.testing.assert_allclose(s, s_ref[:6], rtol=1e-4)
    # Singular vectors agree up to sign: |u^T u_ref| is the identity.
    np.testing.assert_allclose(np.abs(u.T @ u_ref[:, :6]), np.eye(6), atol=1e-3)
    np.testing.assert_allclose(np.abs(vt @ vt_ref[:6].T), np.eye(6), atol=1e-3)


def test_truncated_svd_needs_a_generator_and_a_valid_k():
    a = np.ones((4, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        truncated_svd(a, 2, rng=0)
    with pytest.raises(ValueError, match=r"k must be in \[1, 3\], got 4"):
        truncated_svd(a, 4, rng=np.random.default_rng(0))


def _toy_text(rng) -> str:
    # cat and dog share contexts; car and bus share others.
    sentences = []
    for _ in range(300):
        pet = ["cat", "dog"][rng.integers(2)]
        ride = ["car", "bus"][rng.integers(2)]
        sentences.append(f"the {pet} eats food and sleeps")
        sentences.append(f"a {ride} needs fuel and roads")
    return ". ".join(sentences)


def test_train_word_vectors_groups_words_that_share_contexts(rng):
    wv = train_word_vectors(_toy_text(rng), rng=np.random.default_rng(0), dim=4)
    assert wv.vectors.shape == (len(wv.words), 4)
    assert wv.vectors.dtype == np.float32
    assert most_similar(wv, "cat", 1)[0][0] == "dog"
    assert most_similar(wv, "car", 1)[0][0] == "bus"
    assert "cat" not in [w for w, _ in most_similar(wv, "cat", 5)]
    assert wv.counts[wv.index("the")] == 300


def test_train_word_vectors_is_deterministic(rng):
    text = _toy_text(rng)
    a = train_word_vectors(text, rng=np.random.default_rng(3), dim=4)
    b = train_word_vectors(text, rng=np.random.default_rng(3), dim=4)
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_analogy_on_hand_made_vectors():
    # b - a + c = d exactly: man -> woman as king -> queen.
    words = ("man", "woman", "king", "queen", "apple")
    vectors = np.array(
        [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [-1, 0, 0]], dtype=np.float32
    )
    wv = WordVectors(words, vectors, np.ones(5, dtype=np.int64))
    (best, sim), *_ = analogy(wv, "man", "woman", "king", k=2)
    assert best == "queen"
    assert sim > 0.95
    with pytest.raises(ValueError, match="word must be in the vocabulary.*'prince'"):
        analogy(wv, "man", "woman", "prince")


def test_analogy_can_rank_the_input_words_too():
    # b - a + c lands nearest to b itself here; only exclusion hides that.
    words = ("man", "woman", "king", "queen")
    vectors = np.array(
        [[1, 0, 0], [1, 0.2, 0], [0, 1, 0], [0, 1, 0.1]], dtype=np.float32
    )
    wv = WordVectors(words, vectors, np.ones(4, dtype=np.int64))
    assert [w for w, _ in analogy(wv, "man", "woman", "king", k=1)] == ["queen"]
    ranked = analogy(wv, "man", "woman", "king", k=4, exclude_inputs=False)
    assert [w for w, _ in ranked][0] == "king"
    assert sorted(w for w, _ in ranked) == sorted(words)


def test_shakespeare_is_the_corpus():
    from nanogpt_lib.shakespeare import training_text

    words = tokenize_words(training_text())
    assert len(words) > 800_000
    vocab, counts = build_vocab(words, 5)
    assert vocab == ["the", "and", "i", "to", "of"]
    assert counts[0] > counts[1]
