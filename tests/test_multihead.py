"""Tests for nanogpt_lib.multihead: splitting heads and multi-head attention."""

import numpy as np
import pytest

from nanogpt_lib.attention import attention
from nanogpt_lib.multihead import merge_heads, multi_head_attention, split_heads


def make_params(rng, c):
    def lin(n_in, n_out):
        return {
            "weight": (rng.standard_normal((n_in, n_out)) * 0.3).astype(np.float32),
            "bias": (rng.standard_normal(n_out) * 0.1).astype(np.float32),
        }

    return {"c_attn": lin(c, 3 * c), "c_proj": lin(c, c)}


def test_split_heads_worked_example():
    """C = 6, H = 3, D = 2: head h gets columns 2h, 2h+1."""
    x = np.arange(12).reshape(2, 6)  # T = 2
    heads = split_heads(x, 3)
    assert heads.shape == (3, 2, 2)
    np.testing.assert_array_equal(heads[1], [[2, 3], [8, 9]])
    np.testing.assert_array_equal(merge_heads(heads), x)


def test_split_merge_round_trip_batched(rng):
    x = rng.standard_normal((2, 3, 5, 12))
    assert split_heads(x, 4).shape == (2, 3, 4, 5, 3)
    np.testing.assert_array_equal(merge_heads(split_heads(x, 4)), x)


def test_width_not_divisible_by_heads_is_a_clear_error():
    with pytest.raises(ValueError, match=r"C = 10 must be divisible by n_head = 3"):
        split_heads(np.ones((2, 10)), 3)
    with pytest.raises(ValueError, match="n_head must be >= 1"):
        split_heads(np.ones((2, 10)), 0)


def test_one_head_equals_single_head_attention(rng):
    p = make_params(rng, 8)
    x = rng.standard_normal((5, 8)).astype(np.float32)
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    q, k, v = qkv[:, :8], qkv[:, 8:16], qkv[:, 16:]
    ref = attention(q, k, v) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]
    out = multi_head_attention(x, p, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_heads_are_independent_attentions_concatenated(rng):
    c, n_head = 12, 3
    p = make_params(rng, c)
    x = rng.standard_normal((6, c)).astype(np.float32)
    trace = {}
    out = multi_head_attention(x, p, n_head, trace=trace)
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    d = c // n_head
    per_head = []
    for h in range(n_head):
        cols = slice(h * d, (h + 1) * d)
        q, k, v = (qkv[:, j * c : (j + 1) * c][:, cols] for j in range(3))
        per_head.append(attention(q, k, v))
    concat = np.concatenate(per_head, axis=-1)
    np.testing.assert_allclose(trace["concat"], concat, rtol=1e-5, atol=1e-6)
    ref = concat @ p["c_proj"]["weight"] + p["c_proj"]["bias"]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    assert trace["q"].shape == (3, 6, 4) and trace["pattern"].shape == (3, 6, 6)
    np.testing.assert_array_equal(trace["proj"], out)


def test_batch_equals_loop(rng):
    p = make_params(rng, 8)
    x = rng.standard_normal((3, 5, 8)).astype(np.float32)
    out = multi_head_attention(x, p, 2)
    for b in range(3):
        np.testing.assert_allclose(
            out[b], multi_head_attention(x[b], p, 2), rtol=1e-5, atol=1e-6
        )


def test_kv_cache_step_equals_full_pass(rng):
    p = make_params(rng, 8)
    x = rng.standard_normal((5, 8)).astype(np.float32)
    full = multi_head_attention(x, p, 2)
    k_buf = np.zeros((2, 10, 4), dtype=np.float32)
    v_buf = np.zeros((2, 10, 4), dtype=np.float32)
    first = multi_head_attention(x[:3], p, 2, kv_cache=(k_buf, v_buf, 0))
    rest = [
        multi_head_attention(x[t : t + 1], p, 2, kv_cache=(k_buf, v_buf, t))
        for t in (3, 4)
    ]
    got = np.concatenate([first, *rest])
    np.testing.assert_allclose(got, full, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="kv_cache holds 10 positions"):
        multi_head_attention(x, p, 2, kv_cache=(k_buf, v_buf, 8))


def test_wrong_weight_shape_is_named(rng):
    p = make_params(rng, 8)
    with pytest.raises(
        ValueError, match=r"p\['c_attn'\]\['weight'\] must have shape \(6, 18\)"
    ):
        multi_head_attention(np.ones((2, 6), dtype=np.float32), p, 2)
