"""Chapter 04: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.attention import attention
from nanogpt_lib.checks.attention import (
    check_attention_distance,
    check_attention_weights,
    check_cached_attention_step,
    check_causal_attention,
    check_masked_attention,
    check_nearest_head,
    check_pattern_by_hand,
)
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ by hand

E = np.e
RIGHT = [
    [1, 0, 0],
    [1 / (1 + E), E / (1 + E), 0],
    [E / (2 * E + 1), 1 / (2 * E + 1), E / (2 * E + 1)],
]


def by_hand(rows):
    return lambda: rows


def rounded(rows, places=2):
    return lambda: [[round(float(x), places) for x in row] for row in rows]


# ------------------------------------------------------------------ debug


def head_with(divisor=np.sqrt, mask="before", renormalise=False, axis=-1, values=True):
    def fn(q, k, v):
        T, D = q.shape
        s = q @ k.T / divisor(D)
        future = np.triu(np.ones((T, T), dtype=bool), 1)
        if mask == "before":
            s = np.where(future, -np.inf, s)
        elif mask == "self-hidden":
            s = np.where(np.triu(np.ones((T, T), dtype=bool), 0), -np.inf, s)
        e = np.exp(s - s.max(axis=axis, keepdims=True))
        w = e / e.sum(axis=axis, keepdims=True)
        if mask == "after":
            w = w * ~future
            if renormalise:  # zeroing then renormalising is masking before
                w = w / w.sum(axis=-1, keepdims=True)
        return w @ (v if values else k)

    return fn


def head_library_softmax(q, k, v):  # equivalent: softmax from the library
    T = len(q)
    mask = np.triu(np.full((T, T), -np.inf, dtype=q.dtype), 1)
    return softmax(q @ k.T / np.sqrt(q.shape[-1]) + mask) @ v


# ------------------------------------------------------------------ experiment


def distance_with(
    sign=1, offset=0, reduce="mean", weighted=True, transpose=False, skip_first=False
):
    def fn(pattern):
        p = np.asarray(pattern, dtype=np.float64)
        if transpose:
            p = p.T
        T = p.shape[-1]
        gap = sign * (np.arange(T)[:, None] - np.arange(T)) + offset
        if not weighted:
            p = np.tri(T) / np.arange(1, T + 1)[:, None]
        per_query = (p * gap).sum(axis=-1)
        if reduce == "sum":
            return float(per_query.sum())
        if reduce == "entries":
            return float((p * gap).mean())
        return float(per_query[1:].mean() if skip_first else per_query.mean())

    return fn


def distance_loops(pattern):  # equivalent: loops over queries and visible keys
    T = len(pattern)
    total = 0.0
    for t in range(T):
        total += sum(float(pattern[t][s]) * (t - s) for s in range(t + 1))
    return total / T


def distance_argmax(pattern):
    p = np.asarray(pattern)
    return float(np.mean(np.arange(len(p)) - p.argmax(axis=-1)))


def nearest_with(distance=None, pick=np.argmin, order="lh", layers=None):
    distance = distance or distance_with()

    def fn(patterns):
        d = np.array([[distance(h) for h in layer] for layer in patterns])
        if layers is not None:
            d = d[:layers]
        layer, head = np.unravel_index(int(pick(d)), d.shape)
        if order == "hl":
            layer, head = head, layer
        return int(layer), int(head), float(d.min() if pick is np.argmin else d.max())

    return fn


def nearest_loop(patterns):  # equivalent: a plain search, a list back
    best = None
    for layer, heads in enumerate(patterns):
        for head, pattern in enumerate(heads):
            d = distance_loops(pattern)
            if best is None or d < best[2]:
                best = [layer, head, d]
    return best


def nearest_flat_index_unravelled_wrong(patterns):
    d = np.array([[distance_with()(h) for h in layer] for layer in patterns])
    layer, head = np.unravel_index(int(np.argmin(d)), d.shape[::-1])
    return int(layer), int(head), float(d.min())


def nearest_skipping_query_0(patterns):  # the right head, its distance measured wrongly
    return nearest_with(distance=distance_with(skip_first=True))(patterns)


# ------------------------------------------------------------------ masked


def masked_with(causal_k=0, use_keep=True, scale=True, safe=True, axis=-1, times=False):
    def fn(q, k, v, keep):
        T = q.shape[0]
        allowed = (
            np.tril(np.ones((T, T), dtype=bool), causal_k)
            if causal_k is not None
            else np.ones((T, T), bool)
        )
        if use_keep:
            allowed = allowed & keep
        scores = q @ k.T
        if scale:
            scores = scores / np.sqrt(q.shape[-1])
        if times:
            scores = scores * allowed + (-np.inf) * (~allowed)
        else:
            scores = np.where(allowed, scores, -np.inf)
        nothing = ~allowed.any(axis=-1, keepdims=True)
        if safe:
            scores = np.where(nothing, 0.0, scores)
        e = np.exp(scores - scores.max(axis=axis, keepdims=True))
        w = e / e.sum(axis=axis, keepdims=True)
        if safe:
            w = np.where(nothing, 0.0, w)
        return w @ v

    return fn


def masked_softmax_lib(q, k, v, keep):  # equivalent: the library's softmax is allowed
    T = q.shape[0]
    allowed = keep & np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(allowed, q @ k.T / np.sqrt(q.shape[-1]), -1e30)
    w = softmax(scores) * allowed
    return w @ v


# ------------------------------------------------------------------ pattern


def pattern_with(scale=True, mask_k=0, after=False, axis=-1, out="weights"):
    def fn(q, k):
        q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
        s = q @ k.T
        if scale:
            s = s / np.sqrt(q.shape[-1])
        T = len(q)
        visible = np.tri(T, dtype=bool, k=mask_k) if mask_k is not None else True
        if out == "scores":
            return np.where(visible, s, -np.inf)
        if not after:
            s = np.where(visible, s, -np.inf)
        e = np.exp(s - s.max(axis=axis, keepdims=True))
        w = e / e.sum(axis=axis, keepdims=True)
        if after:
            w = np.where(visible, w, 0.0)
        return w.T if out == "transposed" else w

    return fn


def pattern_rounded_lists(q, k):  # equivalent: nested lists rounded to 3 places
    w = pattern_with()(q, k)
    return [[round(float(x), 4) for x in row] for row in w]


# ------------------------------------------------------------------ cached step


def cached_with(
    append=True, scale=True, mask=None, only_new=False, swap=False, axis=-1
):
    def fn(q, k, v, k_cache, v_cache):
        K = np.concatenate([k_cache, k], axis=1) if append else k_cache
        V = np.concatenate([v_cache, v], axis=1) if append else v_cache
        if only_new:
            K, V = k, v
        if swap:
            K, V = V, K
        s = q @ K.transpose(0, 2, 1)
        if scale:
            s = s / np.sqrt(q.shape[-1])
        if mask == "top-left":
            s[..., 1:] = -np.inf
        e = np.exp(s - s.max(axis=axis, keepdims=True))
        return (e / e.sum(axis=axis, keepdims=True)) @ V

    return fn


def cached_library(q, k, v, k_cache, v_cache):  # delegates: the library's attention
    K = np.concatenate([k_cache, k], axis=-2)
    V = np.concatenate([v_cache, v], axis=-2)
    return attention(q, K, V)  # causal: the last of S positions sees them all


def cached_new_first(q, k, v, k_cache, v_cache):  # equivalent: key order is free
    K = np.concatenate([k, k_cache], axis=-2)
    V = np.concatenate([v, v_cache], axis=-2)
    scores = q @ np.swapaxes(K, -1, -2) / np.sqrt(q.shape[-1])
    return softmax(scores) @ V


# Round 3 review: wrong answers that exposed a gap in the checkers.
def causal_head_upside_down(q, k, v):  # np.tril(k=-1) hides the past instead
    T = len(q)
    scores = q @ k.T / np.sqrt(q.shape[-1])
    scores = np.where(np.tril(np.ones((T, T), dtype=bool), k=-1), -np.inf, scores)
    return softmax(scores) @ v


def masked_finite_constant(q, k, v, keep):  # GPT-2's -1e10: a dead row is uniform
    T = len(q)
    allowed = keep & np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(allowed, q @ k.T / np.sqrt(q.shape[-1]), np.float32(-1e10))
    return softmax(scores) @ v


def masked_keep_transposed(q, k, v, keep):
    return masked_with()(q, k, v, keep.T)


CATALOGUE = {
    check_pattern_by_hand: [
        Wrong(
            "unscaled",
            by_hand([[1, 0, 0], [0.12, 0.88, 0], [0.47, 0.06, 0.47]]),
            "unscaled",
            "sqrt\\(D\\)",
        ),
        Wrong(
            "divided by D = 4",
            by_hand([[1, 0, 0], [0.38, 0.62, 0], [0.38, 0.23, 0.38]]),
            "divided-by-d",
            "square root",
        ),
        Wrong(
            "no mask",
            by_hand([[0.38, 0.23, 0.38], [0.16, 0.42, 0.42], RIGHT[2]]),
            "no-mask",
            "future",
        ),
        Wrong(
            "zeroed after softmax",
            by_hand([[0.38, 0, 0], [0.16, 0.42, 0], RIGHT[2]]),
            "masked-after-softmax",
            "before",
        ),
        Wrong(
            "future scores set to 0",
            by_hand([[0.45, 0.27, 0.27], [0.21, 0.58, 0.21], RIGHT[2]]),
            "zero-not-inf",
            "-inf, not 0",
        ),
        Wrong(
            "transposed",
            lambda: np.array(RIGHT).T,
            "transposed",
            "transposed",
        ),
        Wrong(
            "columns sum to 1",
            lambda: (lambda w: w / w.sum(axis=0))(
                np.exp(
                    np.where(
                        np.tri(3, dtype=bool),
                        [[0.5, 0, 0.5], [0, 1, 1], [1, 0, 1]],
                        -np.inf,
                    )
                )
            ),
            "wrong-axis",
            "row",
        ),
        Wrong(
            "e taken as 3",
            by_hand([[1, 0, 0], [0.25, 0.75, 0], [3 / 7, 1 / 7, 3 / 7]]),
            None,
        ),
    ],
    check_causal_attention: [
        Wrong(
            "both bugs left",
            head_with(divisor=float, mask="after"),
            "planted-bugs",
            "Both planted bugs",
        ),
        Wrong(
            "only the scale fixed",
            head_with(mask="after"),
            "masked-after-softmax",
            "before",
        ),
        Wrong(
            "only the mask fixed",
            head_with(divisor=float),
            "divided-by-d",
            "square root",
        ),
        Wrong("no scale", head_with(divisor=lambda d: 1.0), "unscaled", "sqrt\\(D\\)"),
        Wrong("no mask", head_with(mask="none"), "no-mask", "future"),
        Wrong(
            "itself hidden",
            head_with(mask="self-hidden"),
            "diagonal-hidden",
            "diagonal",
        ),
        Wrong("axis 0", head_with(axis=0), "wrong-axis", "row"),
        Wrong("keys weighted", head_with(values=False), "weights-times-keys", "values"),
        Wrong(
            "library",
            lambda q, k, v: attention(q, k, v),
            "delegates",
            "write this yourself",
        ),
        Wrong(
            "scaled by sqrt(T)",
            lambda q, k, v: head_with(divisor=lambda d: np.sqrt(len(q)))(q, k, v),
            "sqrt-of-t",
            "sqrt\\(D\\)",
        ),
        Wrong(
            "mask upside down",
            causal_head_upside_down,
            "mask-upside-down",
            "upside down",
        ),
    ],
    check_masked_attention: [
        Wrong("nan row", masked_with(safe=False), "masked-row-nan", "fully masked"),
        Wrong(
            "-inf * 0",
            masked_with(times=True, safe=False),
            "inf-times-zero",
            "-inf \\* 0",
        ),
        Wrong("k=-1", masked_with(causal_k=-1), "diagonal-hidden", "diagonal"),
        Wrong("no causal", masked_with(causal_k=None), "ignores-causal", "future"),
        Wrong("unscaled", masked_with(scale=False), "unscaled", "sqrt\\(D\\)"),
        Wrong("axis 0", masked_with(axis=0, safe=False), "wrong-axis", "row"),
        Wrong("keep ignored", masked_with(use_keep=False), "ignores-keep", "keep"),
        Wrong(
            "keep inverted",
            lambda q, k, v, keep: masked_with()(q, k, v, ~keep),
            "keep-inverted",
            "may",
        ),
        Wrong(
            "-1e10 instead of -inf",
            masked_finite_constant,
            "finite-constant-row",
            "uniform",
        ),
        Wrong("keep transposed", masked_keep_transposed, "keep-transposed", "keep.T"),
    ],
    check_attention_weights: [
        Wrong("unscaled", pattern_with(scale=False), "unscaled", "sqrt\\(D\\)"),
        Wrong("no mask", pattern_with(mask_k=None), "no-mask", "future"),
        Wrong(
            "diagonal hidden", pattern_with(mask_k=-1), "diagonal-hidden", "diagonal"
        ),
        Wrong(
            "masked after", pattern_with(after=True), "masked-after-softmax", "before"
        ),
        Wrong("axis 0", pattern_with(axis=0), "wrong-axis", "row"),
        Wrong("transposed", pattern_with(out="transposed"), "transposed", "transposed"),
        Wrong(
            "scores", pattern_with(out="scores"), "scores-not-weights", "not the scaled"
        ),
        Wrong(
            "/ D",
            lambda q, k: pattern_with()(np.asarray(q) / np.sqrt(np.shape(q)[-1]), k),
            None,
        ),
    ],
    check_cached_attention_step: [
        Wrong(
            "before append",
            cached_with(append=False),
            "attends-before-append",
            "before",
        ),
        Wrong("top-left mask", cached_with(mask="top-left"), "mask-top-left", "last"),
        Wrong("new token only", cached_with(only_new=True), "ignores-cache", "cached"),
        Wrong("unscaled", cached_with(scale=False), "unscaled", "sqrt\\(D\\)"),
        Wrong("k and v swapped", cached_with(swap=True), "kv-swapped", "swapped"),
        Wrong("axis 0", cached_with(axis=0), "wrong-axis", "axis"),
        Wrong(
            "cache twice",
            lambda q, k, v, kc, vc: cached_with()(
                q, k, v, np.concatenate([kc, kc], 1), np.concatenate([vc, vc], 1)
            ),
            None,
        ),
        Wrong(
            "the library's attention",
            cached_library,
            "delegates",
            "write this yourself",
        ),
    ],
    check_attention_distance: [
        Wrong("s - t", distance_with(sign=-1), "sign", "never negative"),
        Wrong("unweighted", distance_with(weighted=False), "unweighted", "Weight each"),
        Wrong("columns", distance_with(transpose=True), "sign", "by columns"),
        Wrong(
            "mean of entries",
            distance_with(reduce="entries"),
            "mean-over-entries",
            "Sum over the keys",
        ),
        Wrong(
            "sum over queries", distance_with(reduce="sum"), "sum-not-mean", "don't add"
        ),
        Wrong(
            "query 0 left out",
            distance_with(skip_first=True),
            "skips-query-0",
            "query 0",
        ),
        Wrong("t - s + 1", distance_with(offset=1), "off-by-one", "distance 0"),
        Wrong("argmax", distance_argmax, "argmax-not-mean", "expectation"),
        Wrong(
            "weights squared",
            lambda p: float(
                (np.asarray(p) ** 2 * (np.arange(len(p))[:, None] - np.arange(len(p))))
                .sum(-1)
                .mean()
            ),
            None,
        ),
    ],
    check_nearest_head: [
        Wrong("furthest", nearest_with(pick=np.argmax), "furthest", "furthest"),
        Wrong(
            "(head, layer)", nearest_with(order="hl"), "layer-head-swapped", "swapped"
        ),
        Wrong(
            "unravelled with (H, L)",
            nearest_flat_index_unravelled_wrong,
            "unravel-shape",
            "unravel_index",
        ),
        Wrong(
            "s - t distances",
            lambda pat: (lambda r: (r[0], r[1], -r[2]))(
                nearest_with(pick=np.argmax)(pat)
            ),
            "sign",
            "negative",
        ),
        Wrong("layer 0 only", nearest_with(layers=1), "one-layer", "every layer"),
        Wrong("query 0 left out", nearest_skipping_query_0, None),
    ],
}

EQUIVALENT = {
    check_pattern_by_hand: [by_hand(RIGHT), rounded(RIGHT), lambda: np.array(RIGHT)],
    check_causal_attention: [
        head_with(),
        head_with(mask="after", renormalise=True),
        head_library_softmax,
    ],
    check_attention_distance: [distance_with(), distance_loops],
    check_nearest_head: [nearest_with(), nearest_loop],
    check_masked_attention: [masked_with(), masked_softmax_lib],
    check_attention_weights: [pattern_with(), pattern_rounded_lists],
    check_cached_attention_step: [cached_with(), cached_new_first],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
