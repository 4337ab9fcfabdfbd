"""Chapter 05: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib import interpretability as interp
from nanogpt_lib.attention import attention
from nanogpt_lib.checks.multihead import (
    check_attention_by_hand,
    check_layer_ablation,
    check_multi_head_attention,
    check_without_head,
)
from nanogpt_lib.multihead import merge_heads, split_heads

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
        *batch, T, C = x.shape
        qkv = x @ p["c_attn"]["weight"]
        if bias_in:
            qkv = qkv + p["c_attn"]["bias"]
        parts = [qkv[..., i * C : (i + 1) * C] for i in order]
        if head_axis_swap:
            q, k, v = (a.reshape(*batch, T, H, C // H) for a in parts)
        else:
            q, k, v = (split_heads(a, H) for a in parts)
        if scale_c:
            q = q * np.float32(np.sqrt(C // H) / np.sqrt(C))
        out = attention(q, k, v, causal=causal)
        out = out.reshape(*batch, T, C) if head_axis_swap else merge_heads(out)
        if not proj:
            return out
        out = out @ p["c_proj"]["weight"]
        return out + p["c_proj"]["bias"] if proj_bias else out

    return fn


def mha_loop(x, p, n_head):  # equivalent: one head at a time, numpy softmax
    *_, T, C = x.shape
    D = C // n_head
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    heads = []
    for h in range(n_head):
        q = qkv[..., h * D : (h + 1) * D]
        k = qkv[..., C + h * D : C + (h + 1) * D]
        v = qkv[..., 2 * C + h * D : 2 * C + (h + 1) * D]
        s = q @ np.swapaxes(k, -1, -2) / np.float32(np.sqrt(D))
        s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        heads.append((w / w.sum(-1, keepdims=True)) @ v)
    return np.concatenate(heads, -1) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def mha_leaky(x, p, n_head):  # the planted bug: (T, C) read straight as (H, T, D)
    *batch, T, C = x.shape
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    q, k, v = (
        qkv[..., i * C : (i + 1) * C].reshape(*batch, n_head, T, -1) for i in range(3)
    )
    out = merge_heads(attention(q, k, v))
    return out @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def mha_chapter_copy(x, p, n_head):  # the chapter's my_multi_head: one sequence only
    T, C = x.shape
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    q, k, v = (
        qkv[:, i * C : (i + 1) * C].reshape(T, n_head, -1).swapaxes(0, 1)
        for i in range(3)
    )
    out = attention(q, k, v).swapaxes(0, 1).reshape(T, C)
    return out @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def mha_merge_reshape(x, p, n_head):  # split right, merged by a plain reshape
    *batch, T, C = x.shape
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    q, k, v = (split_heads(qkv[..., i * C : (i + 1) * C], n_head) for i in range(3))
    out = attention(q, k, v).reshape(*batch, T, C)
    return out @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def mha_column_softmax(x, p, n_head):  # own softmax, normalised over the queries
    *_, T, C = x.shape
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    q, k, v = (split_heads(qkv[..., i * C : (i + 1) * C], n_head) for i in range(3))
    s = q @ np.swapaxes(k, -1, -2) / np.float32(np.sqrt(C // n_head))
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    out = merge_heads((w / w.sum(-2, keepdims=True)) @ v)
    return out @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def mha_proj_transposed(x, p, n_head):
    return (
        mha_with(proj=False)(x, p, n_head) @ p["c_proj"]["weight"].T
        + p["c_proj"]["bias"]
    )


def mha_scaled_by_d(x, p, n_head):  # 1/D instead of 1/sqrt(D): no named mistake
    D = x.shape[-1] // n_head
    q_scaled = {
        "c_attn": {
            "weight": p["c_attn"]["weight"].copy(),
            "bias": p["c_attn"]["bias"].copy(),
        },
        "c_proj": p["c_proj"],
    }
    C = x.shape[-1]
    q_scaled["c_attn"]["weight"][:, :C] /= np.float32(np.sqrt(D))
    q_scaled["c_attn"]["bias"][:C] /= np.float32(np.sqrt(D))
    return mha_with()(x, q_scaled, n_head)


# ------------------------------------------------------------------ by hand

RIGHT = {
    "D": 32,
    "qkv": (256, 384),
    "q_heads": (4, 256, 32),
    "scores": (4, 256, 256),
    "c_attn_params": 49_536,
    "c_proj_params": 16_512,
}


def answers(**changes):
    def fn():
        return {**RIGHT, **changes}

    return fn


# ------------------------------------------------------------------ without head


def without_by_subtraction(heads, c_proj, h):
    D = heads.shape[-1]
    full = merge_heads(heads) @ c_proj["weight"] + c_proj["bias"]
    return full - heads[h] @ c_proj["weight"][h * D : (h + 1) * D]


def without_by_sum(heads, c_proj, h):
    D = heads.shape[-1]
    W = c_proj["weight"]
    terms = [heads[g] @ W[g * D : (g + 1) * D] for g in range(len(heads)) if g != h]
    start = np.zeros((heads.shape[1], W.shape[1]), dtype=W.dtype)  # (T, C)
    return sum(terms, start) + c_proj["bias"]


def without_in_place(heads, c_proj, h):  # zeroes the caller's array
    heads[h] = 0
    return merge_heads(heads) @ c_proj["weight"] + c_proj["bias"]


def without_float64(heads, c_proj, h):
    kept = heads.astype(np.float64)
    kept[h] = 0
    return merge_heads(kept) @ c_proj["weight"] + c_proj["bias"]


def without_token(heads, c_proj, h):  # heads[:, h] = 0: the T axis, not H
    kept = heads.copy()
    kept[:, h] = 0
    return merge_heads(kept) @ c_proj["weight"] + c_proj["bias"]


def without_rows_of_next(heads, c_proj, h):
    D = heads.shape[-1]
    g = (h + 1) % len(heads)
    full = merge_heads(heads) @ c_proj["weight"] + c_proj["bias"]
    return full - heads[g] @ c_proj["weight"][g * D : (g + 1) * D]


# ------------------------------------------------------------------ layer ablation


def rises_with(
    shift=1,
    which="layer",
    raw=False,
    unit=1.0,
    sign=1,
    mean=False,
    ratio=False,
    first_only=False,
    total=False,
):
    def fn(params, windows, cfg):
        if first_only:
            windows = windows[:1]
        x = windows[:, :-1] if shift >= 0 else windows[:, 1:]
        y = windows[:, 1:] if shift > 0 else windows[:, :-1]
        means = interp.head_means(params, x, cfg) if mean else None

        def loss(keep):
            m = None if keep.all() else means
            logits = interp.forward_with_heads(params, x, cfg, keep, means=m)
            logits = logits.astype(np.float64)
            z = logits - logits.max(-1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
            nll = -np.take_along_axis(logp, y[..., None], -1)
            return nll.sum() if total else nll.mean()

        every = np.ones((cfg.n_layer, cfg.n_head), dtype=bool)
        base = loss(every)
        out = []
        for layer in range(cfg.n_layer):
            keep = every.copy()
            if which == "layer":
                keep[layer] = False
            elif which == "head0":
                keep[layer, 0] = False
            elif which == "others":
                keep[:] = False
                keep[layer] = True
            elif which == "last-head":
                keep[layer, -1] = False
            elif which == "upto":
                keep[: layer + 1] = False
            elif which == "next":
                keep[(layer + 1) % cfg.n_layer] = False
            if raw:
                out.append(loss(keep))
            elif ratio:
                out.append(loss(keep) / base)
            else:
                out.append(sign * (loss(keep) - base))
        return np.array(out) / unit

    return fn


def rises_library(params, windows, cfg):  # equivalent: next_token_scores
    x, y = windows[:, :-1], windows[:, 1:]
    every = np.ones((cfg.n_layer, cfg.n_head), dtype=bool)

    def loss(keep):
        logits = interp.forward_with_heads(params, x, cfg, keep)
        return interp.next_token_scores(logits[None], y)[0][0]

    base = loss(every)
    rises = []
    for layer in range(cfg.n_layer):
        keep = every.copy()
        keep[layer] = False
        rises.append(loss(keep) - base)
    return rises


CATALOGUE = {
    check_multi_head_attention: [
        Wrong(
            "split reshaped straight to (H, T, D)",
            mha_leaky,
            "split-reshape-only",
            "straight to \\(H, T, D\\)",
        ),
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
        Wrong(
            "the chapter's my_multi_head, one sequence only",
            mha_chapter_copy,
            "no-batch",
            "batch",
        ),
        Wrong(
            "merged by a plain reshape",
            mha_merge_reshape,
            "merge-reshape-only",
            "swap the H and T axes",
        ),
        Wrong(
            "softmax over the queries",
            mha_column_softmax,
            "softmax-over-queries",
            "axis=-1",
        ),
        Wrong(
            "c_proj transposed", mha_proj_transposed, "proj-transposed", "\\(in, out\\)"
        ),
        Wrong("scaled by 1/D", mha_scaled_by_d, None),
    ],
    check_attention_by_hand: [
        Wrong("D = C", answers(D=128), "d-is-c", "D = C / H"),
        Wrong("qkv only C wide", answers(qkv=(256, 128)), "qkv-width-c", "3C"),
        Wrong("qkv transposed", answers(qkv=(384, 256)), "transposed", "\\(in, out\\)"),
        Wrong(
            "heads not transposed",
            answers(q_heads=(256, 4, 32)),
            "no-transpose",
            "swap",
        ),
        Wrong("scores of one head", answers(scores=(256, 256)), "one-head-scores", "H"),
        Wrong("scores D x D", answers(scores=(4, 32, 32)), "d-by-d", "q @ k\\^T"),
        Wrong("c_attn without bias", answers(c_attn_params=49_152), "no-bias", "bias"),
        Wrong("c_attn bias C", answers(c_attn_params=49_280), "bias-c", "3C long"),
        Wrong(
            "c_attn per head", answers(c_attn_params=12_384), "per-head", "count them"
        ),
        Wrong(
            "c_proj without bias",
            answers(c_proj_params=16_384),
            "no-proj-bias",
            "bias",
        ),
        Wrong(
            "c_proj per head", answers(c_proj_params=4_128), "per-head", "count them"
        ),
        Wrong("c_proj off by 2", answers(c_proj_params=16_510), None),
        Wrong("D = H", answers(D=4), "d-is-h", "head size"),
        Wrong(
            "scores (H, T, D)",
            answers(scores=(4, 256, 32)),
            "scores-are-outputs",
            "(T, T)",
        ),
        Wrong(
            "c_attn = the whole layer",
            answers(c_attn_params=66_048),
            "whole-layer",
            "whole attention layer",
        ),
        Wrong(
            "c_proj bias 3C",
            answers(c_proj_params=16_768),
            "proj-bias-3c",
            "only c_attn",
        ),
        Wrong("q_heads (H, D, T)", answers(q_heads=(4, 32, 256)), None),
        Wrong(
            "a list, not a dict",
            lambda: list(RIGHT.values()),
            "wrong-kind",
            "dict with the keys",
        ),
    ],
    check_without_head: [
        Wrong(
            "bias removed",
            lambda *a: without_by_subtraction(*a) - a[1]["bias"],
            "bias-removed",
            "bias",
        ),  # fmt: skip
        Wrong(
            "only the head's term",
            lambda heads, c_proj, h: (
                heads[h] @ c_proj["weight"][h * heads.shape[-1] :][: heads.shape[-1]]
            ),
            "head-term-only",
            "what the head writes",
        ),
        Wrong(
            "columns of W_O",
            lambda heads, c_proj, h: (
                merge_heads(heads) @ c_proj["weight"]
                + c_proj["bias"]
                - heads[h]
                @ c_proj["weight"][:, h * heads.shape[-1] : (h + 1) * heads.shape[-1]].T
            ),
            "columns-not-rows",
            "rows",
        ),
        Wrong("next head removed", without_rows_of_next, "off-by-one", "count from 0"),
        Wrong("token h zeroed", without_token, "token-not-head", "head axis"),
        Wrong(
            "nothing removed",
            lambda heads, c_proj, h: (
                merge_heads(heads) @ c_proj["weight"] + c_proj["bias"]
            ),
            "nothing-removed",
            "still in it",
        ),
        Wrong("zeroed in place", without_in_place, "mutates-input", "in place"),
        Wrong(
            "merged by a plain reshape",
            lambda heads, c_proj, h: (
                np.where(np.arange(len(heads))[:, None, None] == h, 0, heads).reshape(
                    heads.shape[1], -1
                )
                @ c_proj["weight"]
                + c_proj["bias"]
            ),
            "merge-reshape-only",
            "swap the H and T axes",
        ),
        Wrong(
            "W_O transposed",
            lambda heads, c_proj, h: (
                merge_heads(
                    np.where(np.arange(len(heads))[:, None, None] == h, 0, heads)
                )
                @ c_proj["weight"].T
                + c_proj["bias"]
            ),
            "weight-transposed",
            "\\(in, out\\)",
        ),
        Wrong("float64", without_float64, "float64", "float64"),
        Wrong(
            "half of the head removed",
            lambda heads, c_proj, h: (
                without_by_subtraction(heads * 1, c_proj, h)
                + 0.5
                * (
                    heads[h]
                    @ c_proj["weight"][h * heads.shape[-1] :][: heads.shape[-1]]
                )
            ),
            None,
        ),
    ],
    check_layer_ablation: [
        Wrong("losses, not rises", rises_with(raw=True), "loss-not-rise", "rise"),
        Wrong("head 0 only", rises_with(which="head0"), "one-head", "keep\\[l\\]"),
        Wrong("mask inverted", rises_with(which="others"), "mask-inverted", "True"),
        Wrong("targets not shifted", rises_with(shift=0), "no-shift", "shifted"),
        Wrong("bits", rises_with(unit=np.log(2)), "bits", "nats"),
        Wrong("mean-ablated", rises_with(mean=True), "mean-ablation", "zero-ablates"),
        Wrong("ratio", rises_with(ratio=True), "ratio", "difference"),
        Wrong("layers 0..l", rises_with(which="upto"), "cumulative", "one layer"),
        Wrong("fall, not rise", rises_with(sign=-1), None),
        Wrong("last head only", rises_with(which="last-head"), None),
        Wrong(
            "layer l + 1 removed",
            rises_with(which="next"),
            "off-by-one",
            "counted from 0",
        ),
        Wrong(
            "first window only",
            rises_with(first_only=True),
            "one-window",
            "every window",
        ),
        Wrong("shift reversed", rises_with(shift=-1), "shift-reversed", "wrong way"),
        Wrong("summed, not averaged", rises_with(total=True), "summed", "mean loss"),
    ],
}

EQUIVALENT = {
    check_multi_head_attention: [mha_with(), mha_loop],
    check_attention_by_hand: [
        answers(),
        answers(qkv=[256, 384], q_heads=np.array([4, 256, 32]), c_proj_params=16512.0),
    ],
    check_without_head: [without_by_subtraction, without_by_sum],
    check_layer_ablation: [rises_with(), rises_library],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
