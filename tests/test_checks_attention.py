"""Each chapter-04 checker accepts a correct solution and rejects the usual mistakes
(mask off by one, nan from -inf, forgotten scale, wrong softmax axis) with its hint."""

import numpy as np
import pytest

from nanogpt_lib.checks.attention import (
    check_attention_one_query,
    check_causal_mask,
    check_masked_attention,
    check_scaled_scores,
)


def mask(T):
    return np.where(np.triu(np.ones((T, T), dtype=bool), k=1), -np.inf, 0.0)


def scores(q, k):
    return q @ k.T / np.sqrt(q.shape[-1])


def softmax_rows(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def one_query(q, K, V, t):
    s = K[: t + 1] @ q / np.sqrt(len(q))
    return softmax_rows(s) @ V[: t + 1]


def masked(q, k, v, keep):
    allowed = keep & np.tril(np.ones(keep.shape, dtype=bool))
    s = np.where(allowed, scores(q, k), -np.inf)
    out = np.zeros((len(q), v.shape[1]))
    for i in range(len(q)):
        if allowed[i].any():
            out[i] = softmax_rows(s[i]) @ v
    return out


def test_correct_solutions_pass(capsys):
    check_causal_mask(mask)
    check_scaled_scores(scores)
    check_attention_one_query(one_query)
    check_masked_attention(masked)
    assert capsys.readouterr().out.splitlines() == [
        "check_causal_mask: all 3 cases passed.",
        "check_scaled_scores: all 4 cases passed.",
        "check_attention_one_query: all 4 cases passed.",
        "check_masked_attention: all 4 cases passed.",
    ]


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda T: np.where(np.triu(np.ones((T, T))) > 0, -np.inf, 0.0),
            "diagonal must stay visible",
        ),
        (
            lambda T: np.where(np.tril(np.ones((T, T)), -1) > 0, -np.inf, 0.0),
            "upside down",
        ),
        (lambda T: np.tril(np.ones((T, T), dtype=bool)), "additive"),
        (lambda T: np.where(mask(T) < 0, -1e9, 0.0), "Use -np.inf"),
    ],
)
def test_causal_mask_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_causal_mask(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda q, k: q @ k.T, "not scaled"),
        (lambda q, k: q @ k.T / q.shape[1], "divided by D"),
        (lambda q, k: q @ k.T / np.sqrt(len(q)), "not the\nnumber of tokens|head size"),
        (lambda q, k: k @ q.T / np.sqrt(q.shape[1]), "transposed"),
    ],
)
def test_scaled_scores_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_scaled_scores(wrong)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda q, K, V, t: softmax_rows(K @ q / np.sqrt(len(q))) @ V, "not all keys"),
        (lambda q, K, V, t: one_query(q, K, V, t - 1), "not K\\[:t\\]"),
        (lambda q, K, V, t: softmax_rows(K[: t + 1] @ q) @ V[: t + 1], "sqrt\\(D\\)"),
        (
            lambda q, K, V, t: (K[: t + 1] @ q / np.sqrt(len(q))) @ V[: t + 1],
            "apply softmax",
        ),
    ],
)
def test_one_query_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_attention_one_query(wrong)


def naive_nan(q, k, v, keep):
    allowed = keep & np.tril(np.ones(keep.shape, dtype=bool))
    return softmax_rows(np.where(allowed, scores(q, k), -np.inf)) @ v


def times_minus_inf(q, k, v, keep):
    allowed = (keep & np.tril(np.ones(keep.shape, dtype=bool))).astype(float)
    s = scores(q, k) * allowed + (1 - allowed) * -np.inf
    return softmax_rows(s) @ v


def diagonal_hidden(q, k, v, keep):
    return masked(q, k, v, keep & np.tril(np.ones(keep.shape, dtype=bool), -1))


def no_causal(q, k, v, keep):
    out = np.zeros((len(q), v.shape[1]))
    s = np.where(keep, scores(q, k), -np.inf)
    for i in range(len(q)):
        if keep[i].any():
            out[i] = softmax_rows(s[i]) @ v
    return out


def unscaled(q, k, v, keep):
    return masked(q * np.sqrt(q.shape[1]), k, v, keep)


def columns(q, k, v, keep):
    allowed = keep & np.tril(np.ones(keep.shape, dtype=bool))
    return softmax_rows(np.where(allowed, scores(q, k), -np.inf), axis=0) @ v


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (naive_nan, "fully masked row gives nan"),
        (times_minus_inf, r"-inf \* 0 is nan"),
        (diagonal_hidden, "diagonal must stay visible"),
        (no_causal, "future is visible"),
        (unscaled, "sqrt\\(D\\)"),
        (columns, "wrong axis"),
    ],
)
def test_masked_attention_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_masked_attention(wrong)
