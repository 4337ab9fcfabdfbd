"""Chapter 04: realistic wrong answers for each checker, and equivalent right ones."""

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
from nanogpt_lib.checks.attention import (
    check_attention_one_query,
    check_attention_weights,
    check_cached_attention_step,
    check_causal_mask,
    check_masked_attention,
    check_scaled_scores,
)
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ causal mask


def mask_with(hidden, fill=-np.inf, keep=0.0):
    return lambda T: np.where(hidden(T), fill, keep)


def mask_loops(T):  # equivalent: nested lists, -inf as float("-inf")
    return [[0.0 if j <= i else float("-inf") for j in range(T)] for i in range(T)]


# ------------------------------------------------------------------ scores


def scores_with(scale=lambda q: 1 / np.sqrt(q.shape[-1]), product=lambda q, k: q @ k.T):
    return lambda q, k: product(q, k) * scale(q)


def scores_einsum(q, k):  # equivalent: einsum, scale applied to q first
    return np.einsum("td,sd->ts", q / np.sqrt(q.shape[-1]), k)


# ------------------------------------------------------------------ one query


def one_with(upto=lambda t: t + 1, scale=True, normalise=True, values=True, out=True):
    def fn(q, K, V, t):
        n = upto(t)
        scores = K[:n] @ q
        if scale:
            scores = scores / np.sqrt(len(q))
        w = np.exp(scores - scores.max())
        if normalise:
            w = w / w.sum()
        if not out:
            return w
        return w @ (V[:n] if values else K[:n])

    return fn


def one_loop(q, K, V, t):  # equivalent: a Python loop and lists
    scores = [float(np.dot(q, K[j])) / np.sqrt(len(q)) for j in range(t + 1)]
    top = max(scores)
    w = [np.exp(s - top) for s in scores]
    total = sum(w)
    return sum(w[j] / total * V[j] for j in range(t + 1))


def one_no_softmax(q, K, V, t):
    return (K[: t + 1] @ q / np.sqrt(len(q))) @ V[: t + 1]


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


def cached_library(q, k, v, k_cache, v_cache):  # equivalent: the library's attention
    K = np.concatenate([k_cache, k], axis=-2)
    V = np.concatenate([v_cache, v], axis=-2)
    return attention(q, K, V)  # causal: the last of S positions sees them all


CATALOGUE = {
    check_causal_mask: [
        Wrong(
            "k=0",
            mask_with(lambda T: np.triu(np.ones((T, T)), 0) > 0),
            "diagonal-hidden",
            "diagonal",
        ),
        Wrong(
            "tril",
            mask_with(lambda T: np.tril(np.ones((T, T)), -1) > 0),
            "upside-down",
            "upside down",
        ),
        Wrong(
            "booleans",
            lambda T: np.tril(np.ones((T, T), dtype=bool)),
            "not-additive",
            "additive",
        ),
        Wrong(
            "1/0 future",
            lambda T: np.triu(np.ones((T, T)), 1),
            "not-additive",
            "additive",
        ),
        Wrong(
            "-1e9",
            mask_with(lambda T: np.triu(np.ones((T, T)), 1) > 0, fill=-1e9),
            "large-negative",
            "-np.inf",
        ),
        Wrong(
            "T + 1",
            mask_with(lambda T: np.triu(np.ones((T + 1, T + 1)), 1) > 0),
            "size-off-by-one",
            "\\(T, T\\)",
        ),
        Wrong(
            "+inf",
            mask_with(lambda T: np.triu(np.ones((T, T)), 1) > 0, fill=np.inf),
            None,
        ),
    ],
    check_scaled_scores: [
        Wrong("unscaled", scores_with(scale=lambda q: 1.0), "unscaled", "not scaled"),
        Wrong(
            "/ D",
            scores_with(scale=lambda q: 1 / q.shape[-1]),
            "divided-by-d",
            "square root",
        ),
        Wrong(
            "/ sqrt(T)",
            scores_with(scale=lambda q: 1 / np.sqrt(len(q))),
            "scaled-by-t",
            "head size",
        ),
        Wrong(
            "k q^T",
            lambda q, k: k @ q.T / np.sqrt(q.shape[-1]),
            "transposed",
            "transposed",
        ),
        Wrong(
            "* sqrt(D)",
            scores_with(scale=lambda q: np.sqrt(q.shape[-1])),
            "times-sqrt-d",
            "don't multiply",
        ),
        Wrong(
            "q^T k",
            scores_with(product=lambda q, k: q.T @ k),
            "wrong-product",
            "\\(D, D\\)",
        ),
        Wrong(
            "softmaxed",
            lambda q, k: softmax(q @ k.T / np.sqrt(q.shape[-1])),
            "softmax-applied",
            "before softmax",
        ),
        Wrong(
            "/ sqrt(D + 1)",
            scores_with(scale=lambda q: 1 / np.sqrt(q.shape[-1] + 1)),
            None,
        ),
    ],
    check_attention_one_query: [
        Wrong(
            "all keys", one_with(upto=lambda t: None), "sees-future", "K\\[:t\\+1\\]"
        ),
        Wrong("K[:t]", one_with(upto=lambda t: t), "diagonal-hidden", "not K\\[:t\\]"),
        Wrong("unscaled", one_with(scale=False), "unscaled", "sqrt\\(D\\)"),
        Wrong("no softmax", one_no_softmax, "no-softmax", "softmax"),
        Wrong(
            "not normalised", one_with(normalise=False), "not-normalised", "sum to 1"
        ),
        Wrong("keys weighted", one_with(values=False), "weights-times-keys", "values"),
        Wrong(
            "weights returned",
            one_with(out=False),
            "returns-weights",
            "not the attention weights",
        ),
        Wrong("K[:t+2]", one_with(upto=lambda t: t + 2), None),
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
            "keep inverted", lambda q, k, v, keep: masked_with()(q, k, v, ~keep), None
        ),
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
    ],
}

EQUIVALENT = {
    check_causal_mask: [
        mask_with(lambda T: np.triu(np.ones((T, T)), 1) > 0),
        mask_loops,
    ],
    check_scaled_scores: [scores_with(), scores_einsum],
    check_attention_one_query: [one_with(), one_loop],
    check_masked_attention: [masked_with(), masked_softmax_lib],
    check_attention_weights: [pattern_with(), pattern_rounded_lists],
    check_cached_attention_step: [cached_with(), cached_library],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
