"""Tests for nanogpt_lib.attention: the causal mask and one attention head."""

import math

import numpy as np
import pytest

from nanogpt_lib.attention import attention, causal_mask


def attention_loop(q, k, v):
    """Independent reference: one query at a time, plain Python softmax."""
    T, S = q.shape[0], k.shape[0]
    out = np.zeros((T, v.shape[1]))
    for i in range(T):
        visible = range(S - T + i + 1)
        scores = [float(q[i] @ k[j]) / math.sqrt(q.shape[1]) for j in visible]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        for j, w in zip(visible, weights, strict=True):
            out[i] += w / total * v[j]
    return out


def test_causal_mask_worked_example():
    """T = 2 queries, S = 3 keys: the queries sit at positions 1 and 2."""
    m = causal_mask(2, 3)
    np.testing.assert_array_equal(m, [[0, 0, -np.inf], [0, 0, 0]])
    assert m.dtype == np.float32
    assert causal_mask(3, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(
        np.isneginf(causal_mask(3)), np.triu(np.ones((3, 3)), 1)
    )
    with pytest.raises(ValueError, match="T must be <= S"):
        causal_mask(3, 2)


def test_zero_queries_average_the_visible_values():
    """q = 0 makes every score 0, so each row's pattern is uniform over what it
    sees: output t is the mean of v[0..t]. v = [[0], [3], [6]] -> [0, 1.5, 3]."""
    q = np.zeros((3, 2), dtype=np.float32)
    k = np.ones((3, 2), dtype=np.float32)
    v = np.array([[0.0], [3.0], [6.0]], dtype=np.float32)
    trace = {}
    out = attention(q, k, v, trace=trace)
    np.testing.assert_allclose(out, [[0], [1.5], [3]], rtol=1e-6)
    np.testing.assert_allclose(
        trace["pattern"], [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6
    )


def test_matches_a_loop_and_scales_by_sqrt_d(rng):
    q, k, v = (rng.standard_normal((6, 16)).astype(np.float32) for _ in range(3))
    trace = {}
    out = attention(q, k, v, trace=trace)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, attention_loop(q, k, v), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(trace["scores"], q @ k.T / 4, rtol=1e-6)  # sqrt(16) = 4


def test_queries_are_the_last_t_positions(rng):
    q, k, v = (rng.standard_normal((7, 4)) for _ in range(3))
    full = attention(q, k, v)
    np.testing.assert_allclose(attention(q[-2:], k, v), full[-2:], rtol=1e-12)
    np.testing.assert_allclose(attention(q[-2:], k, v), attention_loop(q[-2:], k, v))


def test_future_keys_do_not_change_the_past(rng):
    q, k, v = (rng.standard_normal((5, 4)) for _ in range(3))
    k2, v2 = k.copy(), v.copy()
    k2[3:] += 10
    v2[3:] -= 5
    a, b = attention(q, k, v), attention(q, k2, v2)
    np.testing.assert_array_equal(a[:3], b[:3])
    assert not np.allclose(a[3:], b[3:])


def test_broadcasts_over_heads_and_batch(rng):
    q, k, v = (rng.standard_normal((2, 3, 5, 4)).astype(np.float32) for _ in range(3))
    out = attention(q, k, v)
    assert out.shape == (2, 3, 5, 4)
    for b in range(2):
        for h in range(3):
            np.testing.assert_allclose(
                out[b, h], attention(q[b, h], k[b, h], v[b, h]), rtol=1e-6, atol=1e-7
            )


def test_fully_masked_row_gives_zeros_not_nan(rng):
    q, k, v = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    mask = np.array([[True, True, True], [False, False, False], [True, True, True]])
    trace = {}
    out = attention(q, k, v, mask=mask, trace=trace)
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[1], 0)
    np.testing.assert_array_equal(trace["pattern"][1], 0)
    np.testing.assert_allclose(out[[0, 2]], attention(q, k, v)[[0, 2]], rtol=1e-6)


def test_extra_mask_hides_keys(rng):
    q, k, v = (rng.standard_normal((4, 4)) for _ in range(3))
    keep = np.array([True, False, True, True])
    out = attention(q, k, v, mask=keep)  # broadcast over queries
    ref = attention(q[[0, 2, 3]], k[[0, 2, 3]], v[[0, 2, 3]])
    np.testing.assert_allclose(out[[0, 2, 3]], ref, rtol=1e-12)
    np.testing.assert_allclose(out[1], v[0], rtol=1e-12)  # key 1 hidden -> only key 0


def test_non_causal_is_plain_softmax_attention(rng):
    q, k, v = (rng.standard_normal((3, 2)) for _ in range(3))
    s = q @ k.T / math.sqrt(2)
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(attention(q, k, v, causal=False), p @ v, rtol=1e-12)


def test_matches_torch_sdpa(rng):
    torch = pytest.importorskip("torch")
    q, k, v = (rng.standard_normal((2, 3, 9, 8)).astype(np.float32) for _ in range(3))
    ref = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)), is_causal=True
    ).numpy()
    np.testing.assert_allclose(attention(q, k, v), ref, rtol=1e-5, atol=1e-6)


def test_bad_input():
    x = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(TypeError, match="q must be a float array"):
        attention(np.ones((3, 4), dtype=int), x, x)
    with pytest.raises(ValueError, match="k must have the same last axis D"):
        attention(x, np.ones((3, 5), dtype=np.float32), x)
    with pytest.raises(ValueError, match="v must have one row per key"):
        attention(x, x, np.ones((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="T must be <= S"):
        attention(np.ones((4, 4), dtype=np.float32), x, x)
    with pytest.raises(TypeError, match="mask must be a bool array"):
        attention(x, x, x, mask=np.ones((3, 3)))
