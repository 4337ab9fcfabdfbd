"""Chapter 05: realistic wrong answers for each checker, and equivalent right ones."""

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

from nanogpt_lib.attention import attention
from nanogpt_lib.checks.multihead import (
    check_merge_heads,
    check_multi_head_attention,
    check_project_heads,
    check_split_heads,
)
from nanogpt_lib.multihead import merge_heads, split_heads

# ------------------------------------------------------------------ split / merge


def split_right(x, n_head):
    *lead, T, C = x.shape
    return np.swapaxes(x.reshape(*lead, T, n_head, C // n_head), -3, -2)


def split_2d(x, n_head):
    T, C = x.shape
    return x.reshape(T, n_head, C // n_head).transpose(1, 0, 2)


def split_stack(x, n_head):  # equivalent: slices stacked along a new axis
    D = x.shape[-1] // n_head
    return np.stack([x[..., h * D : (h + 1) * D] for h in range(n_head)], axis=-3)


def split_float64(x, n_head):
    *lead, T, C = x.shape
    out = np.zeros((*lead, n_head, T, C // n_head))
    out[...] = split_right(x, n_head)
    return out


def merge_right(x):
    *lead, H, T, D = x.shape
    return np.swapaxes(x, -3, -2).reshape(*lead, T, H * D)


def merge_2d(x):
    H, T, D = x.shape
    return x.transpose(1, 0, 2).reshape(T, H * D)


def merge_concat(x):  # equivalent: concatenate the heads' columns
    return np.concatenate([x[..., h, :, :] for h in range(x.shape[-3])], axis=-1)


# ------------------------------------------------------------------ multi-head


def mha_with(
    heads=None,
    bias_in=True,
    proj=True,
    proj_bias=True,
    causal=True,
    scale_c=False,
    order=(0, 1, 2),
    head_axis_swap=False,
):
    def fn(x, p, n_head):
        H = heads or n_head
        C = x.shape[-1]
        qkv = x @ p["c_attn"]["weight"]
        if bias_in:
            qkv = qkv + p["c_attn"]["bias"]
        parts = [qkv[:, i * C : (i + 1) * C] for i in order]
        if head_axis_swap:
            q, k, v = (a.reshape(len(x), H, C // H) for a in parts)
        else:
            q, k, v = (split_heads(a, H) for a in parts)
        if scale_c:
            q = q * np.float32(np.sqrt(C // H) / np.sqrt(C))
        out = attention(q, k, v, causal=causal)
        out = out.reshape(len(x), C) if head_axis_swap else merge_heads(out)
        if not proj:
            return out
        out = out @ p["c_proj"]["weight"]
        return out + p["c_proj"]["bias"] if proj_bias else out

    return fn


def mha_loop(x, p, n_head):  # equivalent: one head at a time, numpy softmax
    T, C = x.shape
    D = C // n_head
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    heads = []
    for h in range(n_head):
        q = qkv[:, h * D : (h + 1) * D]
        k = qkv[:, C + h * D : C + (h + 1) * D]
        v = qkv[:, 2 * C + h * D : 2 * C + (h + 1) * D]
        s = q @ k.T / np.float32(np.sqrt(D))
        s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        heads.append((w / w.sum(-1, keepdims=True)) @ v)
    return np.concatenate(heads, -1) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


# ------------------------------------------------------------------ project


def project_with(bias_times=lambda H: 1, rows=True, order=1, transposed=False):
    def fn(heads, c_proj):
        H, T, D = heads.shape
        W = c_proj["weight"].T if transposed else c_proj["weight"]
        hs = list(range(H))[::order]
        blocks = [
            W[h * D : (h + 1) * D] if rows else W[:, h * D : (h + 1) * D].T
            for h in range(H)
        ]
        out = sum(heads[g] @ blocks[h] for g, h in zip(hs, range(H), strict=True))
        return out + bias_times(H) * c_proj["bias"]

    return fn


CATALOGUE = {
    check_split_heads: [
        Wrong(
            "no transpose",
            lambda x, h: x.reshape(*x.shape[:-1], h, x.shape[-1] // h),
            "no-transpose",
            "swap",
        ),
        Wrong(
            "reshape only",
            lambda x, h: x.reshape(*x.shape[:-2], h, x.shape[-2], x.shape[-1] // h),
            "reshape-only",
            "mixes tokens",
        ),
        Wrong(
            "interleaved",
            lambda x, h: np.moveaxis(
                x.reshape(*x.shape[:-1], x.shape[-1] // h, h), -1, -3
            ),
            "interleaved",
            "contiguous",
        ),
        Wrong("2-D only", split_2d, "ignores-batch", "leading axes"),
        Wrong(
            "(H, D, T)",
            lambda x, h: np.moveaxis(
                x.reshape(*x.shape[:-1], h, x.shape[-1] // h), -3, -1
            ),
            "hdt-order",
            "\\(H, D, T\\)",
        ),
        Wrong("float64 buffer", split_float64, "float64", "float64"),
        Wrong("heads reversed", lambda x, h: split_right(x, h)[..., ::-1, :, :], None),
    ],
    check_merge_heads: [
        Wrong(
            "reversed",
            lambda x: merge_right(x[..., ::-1, :, :]),
            "reversed-heads",
            "wrong order",
        ),
        Wrong(
            "no transpose",
            lambda x: x.reshape(*x.shape[:-3], x.shape[-2], -1),
            "no-transpose",
            "Swap the H and T",
        ),
        Wrong(
            "interleaved",
            lambda x: np.moveaxis(x, -3, -1).reshape(*x.shape[:-3], x.shape[-2], -1),
            "interleaved",
            "interleaved",
        ),
        Wrong("2-D only", merge_2d, "ignores-batch", "leading axes"),
        Wrong("summed", lambda x: x.sum(axis=-3), "summed", "concatenates"),
        Wrong(
            "float64", lambda x: merge_right(x).astype(np.float64), "float64", "float64"
        ),
        Wrong("tokens reversed", lambda x: merge_right(x)[..., ::-1, :], None),
    ],
    check_multi_head_attention: [
        Wrong("no projection", mha_with(proj=False), "no-projection", "c_proj"),
        Wrong("no proj bias", mha_with(proj_bias=False), "no-proj-bias", "bias"),
        Wrong("sqrt(C)", mha_with(scale_c=True), "scaled-by-c", "sqrt\\(C\\)"),
        Wrong("no mask", mha_with(causal=False), "no-mask", "causal mask"),
        Wrong(
            "T and H swapped",
            mha_with(head_axis_swap=True),
            "heads-as-tokens",
            "swapped",
        ),
        Wrong(
            "no qkv bias", mha_with(bias_in=False), "no-qkv-bias", "c_attn has a bias"
        ),
        Wrong("one head", mha_with(heads=1), "single-head", "n_head heads"),
        Wrong("k | q | v", mha_with(order=(1, 0, 2)), "qkv-order", "q \\| k \\| v"),
        Wrong("v | k | q", mha_with(order=(2, 1, 0)), None),
    ],
    check_project_heads: [
        Wrong(
            "bias per head",
            project_with(bias_times=lambda H: H),
            "bias-per-head",
            "once per head",
        ),
        Wrong("no bias", project_with(bias_times=lambda H: 0), "no-bias", "has a bias"),
        Wrong("columns", project_with(rows=False), "columns-not-rows", "rows"),
        Wrong("reversed", project_with(order=-1), "reversed-heads", "wrong order"),
        Wrong(
            "merged only",
            lambda heads, c_proj: merge_heads(heads),
            "no-projection",
            "multiply",
        ),
        Wrong(
            "W transposed",
            project_with(transposed=True),
            "columns-not-rows",
            "transpose",
        ),
        Wrong(
            "bias / H",
            lambda heads, c_proj: project_with(bias_times=lambda H: 1 / H)(
                heads, c_proj
            ),
            None,
        ),
    ],
}

EQUIVALENT = {
    check_split_heads: [split_right, split_stack],
    check_merge_heads: [merge_right, merge_concat],
    check_multi_head_attention: [mha_with(), mha_loop],
    check_project_heads: [
        project_with(),
        lambda heads, c_proj: merge_right(heads) @ c_proj["weight"] + c_proj["bias"],
    ],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
