"""Tests for nanogpt_lib.interpretability: logit lens, head ablation, head scores."""

import numpy as np
import pytest

from nanogpt_lib import interpretability as interp
from nanogpt_lib.gpt import GPTConfig, forward, init_params

CFG = GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=8)


@pytest.fixture
def params(rng):
    p = init_params(CFG, rng=rng)
    # larger weights than the init so that heads differ visibly
    for block in p["h"]:
        block["attn"]["c_attn"]["weight"] *= 20
    return p


def test_last_lens_entry_is_the_forward_pass(params, rng):
    ids = rng.integers(0, 11, size=(3, 9))
    lens = interp.logit_lens(params, ids, CFG)
    assert lens.shape == (3, 3, 9, 11)
    np.testing.assert_allclose(lens[-1], forward(params, ids, CFG), atol=1e-5)
    streams = interp.residual_streams(params, ids, CFG)
    np.testing.assert_allclose(
        streams[0], params["wte"][ids] + params["wpe"][:9], atol=1e-6
    )


def test_lens_scores_match_a_hand_computed_loss(params, rng):
    windows = rng.integers(0, 11, size=(4, 10))
    loss, acc = interp.lens_scores(params, windows, CFG)
    logits = forward(params, windows[:, :-1], CFG).astype(np.float64)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -np.take_along_axis(logp, windows[:, 1:, None], -1).mean()
    assert loss.shape == acc.shape == (3,)
    assert loss[-1] == pytest.approx(want, rel=1e-5)
    assert acc[-1] == pytest.approx((logits.argmax(-1) == windows[:, 1:]).mean())


def test_keeping_every_head_changes_nothing(params, rng):
    ids = rng.integers(0, 11, size=(2, 7))
    keep = np.ones((2, 2), dtype=bool)
    np.testing.assert_allclose(
        interp.forward_with_heads(params, ids, CFG, keep),
        forward(params, ids, CFG),
        atol=1e-5,
    )


def test_zero_ablation_equals_zeroing_the_heads_projection_rows(params, rng):
    ids = rng.integers(0, 11, size=(2, 7))
    mask = np.ones((2, 2), dtype=bool)
    mask[1, 0] = False
    edited = {**params, "h": [dict(b) for b in params["h"]]}
    attn = dict(edited["h"][1]["attn"])
    proj = {k: v.copy() for k, v in attn["c_proj"].items()}
    proj["weight"][0:4] = 0.0  # head 0's four input rows of c_proj
    attn["c_proj"] = proj
    edited["h"][1] = {**edited["h"][1], "attn": attn}
    np.testing.assert_allclose(
        interp.forward_with_heads(params, ids, CFG, mask),
        forward(edited, ids, CFG),
        atol=1e-5,
    )
    assert not np.allclose(
        interp.forward_with_heads(params, ids, CFG, mask), forward(params, ids, CFG)
    )


def test_mean_ablation_with_the_heads_own_constant_output(params, rng):
    ids = rng.integers(0, 11, size=(2, 7))
    means = interp.head_means(params, ids, CFG)
    assert means.shape == (2, 2, 4)
    base, losses = interp.ablation_losses(
        params, rng.integers(0, 11, size=(3, 8)), CFG, mode="mean"
    )
    assert losses.shape == (2, 2) and np.isfinite(base)
    assert not np.allclose(losses, base)


def test_scores_on_hand_made_patterns():
    T = 6
    prev = np.zeros((T, T))
    prev[0, 0] = 1
    prev[np.arange(1, T), np.arange(T - 1)] = 1  # every query on its previous token
    uniform = np.tril(np.ones((T, T))) / np.arange(1, T + 1)[:, None]
    patterns = np.stack([prev, uniform])[None, None]  # (L=1, B=1, H=2, T, T)
    scores = interp.previous_token_scores(patterns)
    assert scores.shape == (1, 2)
    assert scores[0, 0] == 1.0
    assert scores[0, 1] == pytest.approx(np.mean(1 / np.arange(2, T + 1)))
    # period 3: query t attends to t - 2 in an induction head
    ind = np.zeros((T, T))
    ind[np.arange(T), np.maximum(np.arange(T) - 2, 0)] = 1
    s = interp.induction_scores(np.stack([ind, prev])[None, None], period=3)
    assert s[0, 0] == 1.0 and s[0, 1] == 0.0


def test_patterns_rows_sum_to_one_and_are_causal(params, rng):
    ids = rng.integers(0, 11, size=(2, 5))
    pat = interp.attention_patterns(params, ids, CFG)
    assert pat.shape == (2, 2, 2, 5, 5)
    np.testing.assert_allclose(pat.sum(-1), 1.0, atol=1e-6)
    assert np.all(np.triu(pat, k=1) == 0)


def test_repeated_random_tokens(rng):
    seq = interp.repeated_random_tokens(rng, 11, 5, 3)
    assert seq.shape == (3, 10)
    np.testing.assert_array_equal(seq[:, 5:], seq[:, :5])
    once = interp.repeated_random_tokens(rng, 11, 11, 4, distinct=True)[:, :11]
    assert all(len(set(row)) == 11 for row in once.tolist())
    with pytest.raises(ValueError, match="length must be <= vocab_size = 11"):
        interp.repeated_random_tokens(rng, 11, 12, 1, distinct=True)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda p: interp.forward_with_heads(
                p, [[1, 2]], CFG, np.ones((2, 3), bool)
            ),
            ValueError,
            r"head_mask must have shape \(L, H\) = \(2, 2\)",
        ),
        (
            lambda p: interp.forward_with_heads(p, [[1, 2]], CFG, np.ones((2, 2))),
            TypeError,
            "head_mask must be a bool array",
        ),
        (
            lambda p: interp.ablation_losses(p, [[1, 2, 3]], CFG, mode="half"),
            ValueError,
            "mode must be 'mean' or 'zero'",
        ),
        (
            lambda p: interp.logit_lens(p, np.zeros((1, 17), int), CFG),
            ValueError,
            "at most block_size = 16",
        ),
        (
            lambda p: interp.induction_scores(np.zeros((1, 1, 1, 4, 4)), 4),
            ValueError,
            r"period must be in \[1, T\)",
        ),
        (
            lambda p: interp.lens_scores(p, [1, 2, 3], CFG),
            ValueError,
            r"windows must have shape \(B, T \+ 1\)",
        ),
    ],
)
def test_bad_input_names_the_argument(params, call, error, match):
    with pytest.raises(error, match=match):
        call(params)


def test_line_start_keys_worked_example_and_batch():
    ids = np.array([0, 1, 9, 2, 3, 9, 9, 4])  # 9 is the newline
    keys = interp.line_start_keys(ids, 9)
    marked = sorted(zip(*np.nonzero(keys), strict=True))
    assert marked == [(3, 3), (4, 3), (5, 3), (6, 6), (7, 7)]
    batch = interp.line_start_keys(np.stack([ids, ids[::-1]]), 9)
    np.testing.assert_array_equal(batch[0], keys)
    assert batch.shape == (2, 8, 8)


def test_ablation_losses_equal_a_full_forward_with_that_head_removed(params, rng):
    windows = rng.integers(0, 11, size=(3, 9))
    x, y = windows[:, :-1], windows[:, 1:]
    for mode in ("mean", "zero"):
        base, losses = interp.ablation_losses(params, windows, CFG, mode=mode)
        means = interp.head_means(params, x, CFG) if mode == "mean" else None
        mask = np.ones((2, 2), dtype=bool)
        mask[1, 1] = False
        logits = interp.forward_with_heads(params, x, CFG, mask, means=means)
        want = interp.next_token_scores(logits[None], y)[0][0]
        assert losses[1, 1] == pytest.approx(want, rel=1e-5)
        full = interp.next_token_scores(forward(params, x, CFG)[None], y)[0][0]
        assert base == pytest.approx(full, rel=1e-5)
