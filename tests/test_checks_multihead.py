"""Each chapter-05 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

import numpy as np
import pytest

from nanogpt_lib import multihead as lib
from nanogpt_lib.attention import attention
from nanogpt_lib.checks import multihead as chk
from nanogpt_lib.linear import linear


def test_library_building_blocks_are_allowed(capsys):
    """multi-head attention may use split_heads, merge_heads, attention and linear;
    the output projection may merge then project."""

    def mha(x, p, n_head):
        c = x.shape[-1]
        qkv = linear(x, p["c_attn"])
        q, k, v = (
            lib.split_heads(qkv[..., i * c : (i + 1) * c], n_head) for i in range(3)
        )
        return linear(lib.merge_heads(attention(q, k, v)), p["c_proj"])

    chk.check_multi_head_attention(mha)
    chk.check_project_heads(lambda heads, p: linear(lib.merge_heads(heads), p))
    assert capsys.readouterr().out.splitlines() == [
        "check_multi_head_attention: all 5 cases passed.",
        "check_project_heads: all 4 cases passed.",
    ]


def split_loop(x, n_head):
    """An independent split: one head at a time, stacked on a new axis."""
    d = x.shape[-1] // n_head
    return np.stack([x[..., h * d : (h + 1) * d] for h in range(n_head)], axis=-3)


def merge_loop(x):
    return np.concatenate([x[..., h, :, :] for h in range(x.shape[-3])], axis=-1)


def mha_loop(x, p, n_head):
    """Multi-head attention written as a Python loop over heads."""
    c = x.shape[-1]
    d = c // n_head
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    outs = []
    for h in range(n_head):
        q, k, v = (qkv[:, i * c + h * d : i * c + (h + 1) * d] for i in range(3))
        outs.append(attention(q, k, v))
    return np.concatenate(outs, axis=-1) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def project_as_sum(heads, p):
    """Sum over heads of heads[h] @ (head h's rows of the weight), plus the bias."""
    d = heads.shape[-1]
    w = p["weight"]
    parts = [heads[h] @ w[h * d : (h + 1) * d] for h in range(heads.shape[0])]
    return sum(parts) + p["bias"]


def test_independent_solutions_pass(capsys):
    chk.check_split_heads(split_loop)
    chk.check_merge_heads(merge_loop)
    chk.check_multi_head_attention(mha_loop)
    chk.check_project_heads(project_as_sum)
    assert capsys.readouterr().out.count("cases passed") == 4


def no_transpose(x, n_head):
    *lead, t, c = x.shape
    return x.reshape(*lead, t, n_head, c // n_head)


def reshape_only(x, n_head):
    *lead, t, c = x.shape
    return x.reshape(*lead, n_head, t, c // n_head)


def interleaved(x, n_head):
    *lead, t, c = x.shape
    return np.moveaxis(x.reshape(*lead, t, c // n_head, n_head), -1, -3)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (no_transpose, "swap the T and H axes"),
        (reshape_only, "Reshaping straight to \\(H, T, D\\)"),
        (interleaved, "contiguous columns"),
        (lambda x, n: None, "forget the `return`"),
    ],
)
def test_split_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_split_heads(wrong)


def merge_reshape_only(x):
    *lead, h, t, d = x.shape
    return x.reshape(*lead, t, h * d)


def merge_reversed(x):
    return merge_loop(x[..., ::-1, :, :])


def merge_interleaved(x):
    *lead, h, t, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, t, h * d)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (merge_reshape_only, "Swap the H and T axes back first"),
        (merge_reversed, "wrong order: concatenate head 0"),
        (merge_interleaved, "wrong order: the columns came out interleaved"),
    ],
)
def test_merge_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_merge_heads(wrong)


def mha_no_proj(x, p, n_head):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[:, i * c : (i + 1) * c], n_head) for i in range(3))
    return lib.merge_heads(attention(q, k, v))


def mha_no_bias(x, p, n_head):
    return mha_no_proj(x, p, n_head) @ p["c_proj"]["weight"]


def mha_sqrt_c(x, p, n_head):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[:, i * c : (i + 1) * c], n_head) for i in range(3))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(c)
    t = x.shape[0]
    scores = np.where(np.tri(t, dtype=bool), scores, -np.inf)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return linear(lib.merge_heads(w @ v), p["c_proj"])


def mha_no_mask(x, p, n_head):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[:, i * c : (i + 1) * c], n_head) for i in range(3))
    return linear(lib.merge_heads(attention(q, k, v, causal=False)), p["c_proj"])


def mha_t_h_swapped(x, p, n_head):
    t, c = x.shape
    qkv = linear(x, p["c_attn"])
    q, k, v = (qkv[:, i * c : (i + 1) * c].reshape(t, n_head, -1) for i in range(3))
    return linear(attention(q, k, v).reshape(t, c), p["c_proj"])


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (mha_no_proj, "apply the output projection"),
        (mha_no_bias, "projection needs its bias"),
        (mha_sqrt_c, "1/sqrt\\(D\\)"),
        (mha_no_mask, "causal mask"),
        (mha_t_h_swapped, "T and H are swapped"),
    ],
)
def test_multi_head_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_multi_head_attention(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda heads, p: (
                project_as_sum(heads, p) + (heads.shape[0] - 1) * p["bias"]
            ),
            "once per head",
        ),
        (lambda heads, p: project_as_sum(heads, p) - p["bias"], "has a bias"),
        (lambda heads, p: lib.merge_heads(heads), "returned the concatenated heads"),
        (lambda heads, p: project_as_sum(heads[::-1], p), "wrong order"),
        (
            lambda heads, p: (
                sum(
                    heads[h]
                    @ p["weight"][:, h * heads.shape[-1] : (h + 1) * heads.shape[-1]].T
                    for h in range(heads.shape[0])
                )
                + p["bias"]
            ),
            "\\*rows\\*",
        ),
    ],
)
def test_project_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_project_heads(wrong)


def test_one_head_is_single_head_attention(rng):
    """The n_head = 1 case the checker uses really is single-head attention."""
    x = rng.standard_normal((4, 6), dtype=np.float32)
    p = chk._attn_params(rng, 6)
    qkv = linear(x, p["c_attn"])
    single = attention(qkv[:, :6], qkv[:, 6:12], qkv[:, 12:])
    want = linear(single, p["c_proj"])
    np.testing.assert_allclose(
        lib.multi_head_attention(x, p, 1), want, rtol=1e-5, atol=1e-6
    )
