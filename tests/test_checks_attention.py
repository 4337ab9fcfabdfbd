"""Chapter 04's checkers: correct solutions pass, the usual mistakes (nan from -inf,
forgotten scale, wrong softmax axis) get their hint, and what the catalogue
(test_catalogue_attention.py) does not cover: stubs, the Shakespeare patterns."""

import numpy as np
import pytest

from nanogpt_lib import interpretability, shakespeare
from nanogpt_lib.checks.attention import (
    BY_HAND_K,
    BY_HAND_Q,
    check_attention_distance,
    check_causal_attention,
    check_masked_attention,
    check_nearest_head,
    check_pattern_by_hand,
    shakespeare_patterns,
)


def scores(q, k):
    return q @ k.T / np.sqrt(q.shape[-1])


def softmax_rows(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def masked(q, k, v, keep):
    allowed = keep & np.tril(np.ones(keep.shape, dtype=bool))
    s = np.where(allowed, scores(q, k), -np.inf)
    out = np.zeros((len(q), v.shape[1]))
    for i in range(len(q)):
        if allowed[i].any():
            out[i] = softmax_rows(s[i]) @ v
    return out


def head(q, k, v):
    T = len(q)
    s = np.where(np.tri(T, dtype=bool), scores(q, k), -np.inf)
    return softmax_rows(s) @ v


def distance(pattern):
    T = len(pattern)
    gap = np.arange(T)[:, None] - np.arange(T)[None, :]  # t - s
    return float((pattern * gap).sum(axis=-1).mean())


def nearest(patterns):
    d = np.array([[distance(h) for h in layer] for layer in patterns])
    layer, head_ = np.unravel_index(np.argmin(d), d.shape)
    return int(layer), int(head_), float(d[layer, head_])


def test_correct_solutions_pass(capsys):
    pattern = softmax_rows(
        np.where(np.tri(3, dtype=bool), scores(BY_HAND_Q, BY_HAND_K), -np.inf)
    )
    check_pattern_by_hand(lambda: pattern.round(2))
    check_causal_attention(head)
    check_masked_attention(masked)
    check_attention_distance(distance)
    check_nearest_head(nearest)
    assert capsys.readouterr().out.splitlines() == [
        "check_pattern_by_hand: all 3 cases passed.",
        "check_causal_attention: all 4 cases passed.",
        "check_masked_attention: all 4 cases passed.",
        "check_attention_distance: all 5 cases passed.",
        "check_nearest_head: all 2 cases passed.",
    ]


def test_by_hand_pattern_names_the_wrong_row():
    with pytest.raises(AssertionError, match=r"\[row 2 \(query 2\)\]"):
        check_pattern_by_hand(lambda: [[1, 0, 0], [0.27, 0.73, 0], [0.5, 0.0, 0.5]])


def test_shakespeare_patterns_are_the_models_and_read_only():
    cfg, params, chars = shakespeare.load_model()
    ids = np.array(chars.encode(shakespeare.held_out_text()[:256]))
    patterns = shakespeare_patterns()
    assert patterns is shakespeare_patterns()  # computed once
    assert patterns.shape == (cfg.n_layer, cfg.n_head, 256, 256)
    np.testing.assert_array_equal(
        patterns, interpretability.attention_patterns(params, ids, cfg)
    )
    with pytest.raises(ValueError):
        patterns[0, 0, 0, 0] = 0.5  # an answer cannot spoil the next check


def test_nearest_head_of_the_shakespeare_model_is_a_real_finding():
    """The head the experiment finds stays within two characters of each query,
    far nearer than an even spread over the past ((T - 1) / 4 = 63.75)."""
    layer, head_, d = nearest(shakespeare_patterns())
    assert layer > 0 and d < 2.0
    assert distance(np.tri(256) / np.arange(1, 257)[:, None]) == pytest.approx(63.75)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda q, k, v: softmax_rows(scores(q, k)) @ v, "future is visible"),
        (
            lambda q, k, v: (softmax_rows(scores(q, k)) * np.tri(len(q))) @ v,
            "Mask \\*before\\* softmax",
        ),
        (
            lambda q, k, v: head(q / np.sqrt(q.shape[1]), k, v),
            "divided the scores by D",
        ),
    ],
)
def test_causal_attention_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_causal_attention(wrong)


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
