"""Tests for nanogpt_lib.embedding: lookups, positions, cosine similarity."""

import math

import numpy as np
import pytest

from nanogpt_lib.embedding import (
    check_ids,
    cosine_similarity,
    nearest_neighbours,
    position_embedding,
    sinusoidal_positions,
    token_embedding,
)


def test_token_embedding_is_one_hot_times_table(rng):
    wte = rng.standard_normal((7, 5)).astype(np.float32)
    ids = np.array([[3, 0, 6], [1, 1, 2]])
    out = token_embedding(ids, wte)
    one_hot = np.eye(7, dtype=np.float32)[ids]  # (2, 3, 7)
    assert out.shape == (2, 3, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out, one_hot @ wte, rtol=0, atol=1e-7)
    out[0, 0] = 100.0
    assert wte[3, 0] != 100.0  # a copy, the table is untouched


@pytest.mark.parametrize(
    "ids, error, pattern",
    [
        (
            [0, 1, 7],
            ValueError,
            r"ids must be integers in \[0, 7\), got 7 at position 2",
        ),
        ([[0, 1], [-1, 2]], ValueError, r"got -1 at position \(1, 0\)"),
        ([0.0, 1.0], TypeError, "ids must be an integer array.*float64"),
        ([True, False], TypeError, "ids must be an integer array.*bool"),
        (3, ValueError, r"ids must have shape \(\.\.\., T\)"),
        (np.zeros((2, 0), dtype=int), ValueError, "at least one token"),
    ],
)
def test_check_ids_rejects_bad_ids(ids, error, pattern):
    with pytest.raises(error, match=pattern):
        check_ids(ids, 7)


def test_position_embedding_rows_and_limits(rng):
    wpe = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(position_embedding(wpe, 2, start=1), wpe[1:3])
    with pytest.raises(
        ValueError, match=r"positions 2\.\.4 do not fit: wpe has only 4"
    ):
        position_embedding(wpe, 3, start=2)
    with pytest.raises(ValueError, match="T must be >= 1"):
        position_embedding(wpe, 0)


def test_sinusoidal_worked_example():
    """C = 4: frequencies 1 and 1/10000^(2/4) = 1/100.

    PE[0] = [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1];
    PE[2] = [sin 2, cos 2, sin 0.02, cos 0.02].
    """
    pe = sinusoidal_positions(3, 4)
    assert pe.dtype == np.float32 and pe.shape == (3, 4)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1], atol=0)
    expected = [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)]
    np.testing.assert_allclose(pe[2], expected, rtol=1e-6)


def test_sinusoidal_similarity_depends_only_on_offset():
    pe = sinusoidal_positions(50, 16, dtype=np.float64)
    offset = 3
    dots = [pe[t] @ pe[t + offset] for t in range(40)]
    np.testing.assert_allclose(dots, dots[0], rtol=1e-10)
    assert not np.isclose(pe[0] @ pe[3], pe[0] @ pe[4])


def test_sinusoidal_odd_width_ends_on_a_sine():
    """C = 7: columns 0..6 are sin, cos, sin, cos, sin, cos, sin; frequency of
    pair i is 1 / 10000^(2i/7), so PE[4, 6] = sin(4 / 10000^(6/7))."""
    pe = sinusoidal_positions(5, 7, dtype=np.float64)
    assert pe.shape == (5, 7)
    assert pe[4, 6] == pytest.approx(math.sin(4 / 10000 ** (6 / 7)), rel=1e-12)
    assert pe[4, 5] == pytest.approx(math.cos(4 / 10000 ** (4 / 7)), rel=1e-12)


def test_cosine_worked_examples():
    """[1, 0].[0, 1] = 0; [1, 1] and [2, 2] point the same way: 1;
    [1, 0] vs [-3, 0]: -1.

    [1, 2].[2, 1] / (sqrt 5 sqrt 5) = 4 / 5 = 0.8.
    """
    a = np.array([[1, 0], [1, 1], [1, 0], [1, 2]], dtype=np.float32)
    b = np.array([[0, 1], [2, 2], [-3, 0], [2, 1]], dtype=np.float32)
    np.testing.assert_allclose(cosine_similarity(a, b), [0, 1, -1, 0.8], atol=1e-7)


def test_cosine_ignores_length_and_broadcasts(rng):
    a = rng.standard_normal((4, 6))
    b = rng.standard_normal(6)
    cos = cosine_similarity(a, b)
    assert cos.shape == (4,)
    np.testing.assert_allclose(cosine_similarity(3.5 * a, 0.1 * b), cos, rtol=1e-12)
    loop = [x @ b / np.linalg.norm(x) / np.linalg.norm(b) for x in a]
    np.testing.assert_allclose(cos, loop, rtol=1e-12)


def test_cosine_zero_vector_is_a_clear_error():
    with pytest.raises(ValueError, match="b must not contain a zero vector"):
        cosine_similarity(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"a must not contain a zero vector.*\(1,\)"):
        cosine_similarity(np.array([[1.0, 0], [0, 0]]), np.ones(2))
    with pytest.raises(ValueError, match="same last axis"):
        cosine_similarity(np.ones(3), np.ones(2))


def test_nearest_neighbours_matches_brute_force(rng):
    table = rng.standard_normal((30, 8)).astype(np.float32)
    query = table[[4, 9]]
    idx, sims = nearest_neighbours(query, table, k=3, exclude=[4])
    assert idx.shape == sims.shape == (2, 3)
    for row, q in enumerate(query):
        brute = [
            cosine_similarity(q, t) if j != 4 else -np.inf for j, t in enumerate(table)
        ]
        order = np.argsort(-np.array(brute), kind="stable")[:3]
        np.testing.assert_array_equal(idx[row], order)
        np.testing.assert_allclose(sims[row], np.array(brute)[order], rtol=1e-6)
    assert idx[1, 0] == 9 and sims[1, 0] == pytest.approx(1.0)
    assert 4 not in idx[0]


def test_nearest_neighbours_ties_keep_lower_index_and_validate_k():
    table = np.array([[1.0, 0], [2.0, 0], [0, 1.0]])
    idx, sims = nearest_neighbours(np.array([5.0, 0]), table, k=2)
    np.testing.assert_array_equal(idx, [0, 1])
    np.testing.assert_allclose(sims, [1, 1])
    with pytest.raises(ValueError, match=r"k must be in \[1, 2\]"):
        nearest_neighbours(np.array([1.0, 0]), table, k=3, exclude=[0])
    with pytest.raises(ValueError, match="table must not contain a zero vector"):
        nearest_neighbours(np.array([1.0, 0]), np.zeros((2, 2)), k=1)
