"""Tests for nanogpt_lib.softmax: properties, worked examples, bad input."""

import math

import numpy as np
import pytest

from nanogpt_lib.softmax import entropy, sample, softmax, top_k_logits, top_p_logits


def test_worked_example_three_logits():
    """softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6."""
    p = softmax(np.array([0.0, math.log(2), math.log(3)]))
    np.testing.assert_allclose(p, [1 / 6, 2 / 6, 3 / 6], rtol=1e-12)


def test_rows_sum_to_one_and_are_positive(rng):
    x = rng.normal(size=(4, 5, 7)).astype(np.float32) * 10
    p = softmax(x)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-6)
    assert (p > 0).all()


def test_large_logits_do_not_overflow():
    """Naive exp(1000) is inf; subtracting the max gives e^0, e^-1, e^-2 normalised."""
    x = np.array([1000.0, 999.0, 998.0], dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x) / np.exp(x).sum()
    assert np.isnan(naive).all()
    e = np.exp([0.0, -1.0, -2.0])
    np.testing.assert_allclose(softmax(x), e / e.sum(), rtol=1e-6)


def test_shift_invariance(rng):
    x = rng.normal(size=10)
    np.testing.assert_allclose(softmax(x), softmax(x + 123.0), rtol=1e-12)


def test_axis_argument(rng):
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(softmax(x, axis=0), softmax(x.T).T, rtol=1e-12)


def test_temperature_divides_logits(rng):
    x = rng.normal(size=6)
    np.testing.assert_allclose(softmax(x, temperature=0.5), softmax(2 * x), rtol=1e-12)


def test_temperature_zero_is_argmax_and_large_is_uniform():
    x = np.array([0.1, 2.0, 2.0, -1.0])
    np.testing.assert_array_equal(softmax(x, temperature=0), [0, 1, 0, 0])
    np.testing.assert_allclose(softmax(x, temperature=1e6), 0.25, atol=1e-5)


def test_negative_infinity_gets_zero_probability():
    p = softmax(np.array([0.0, -np.inf, 0.0]))
    np.testing.assert_allclose(p, [0.5, 0.0, 0.5])


def test_entropy_worked_examples():
    """Uniform over 4 has entropy ln 4; one-hot has 0."""
    np.testing.assert_allclose(entropy(np.full(4, 0.25)), math.log(4))
    assert entropy(np.array([0.0, 1.0, 0.0])) == 0.0


def test_entropy_grows_with_temperature(rng):
    x = rng.normal(size=20)
    hs = [entropy(softmax(x, temperature=t)) for t in (0.25, 0.5, 1, 2, 4)]
    assert all(a < b for a, b in zip(hs, hs[1:], strict=False))


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([1.0, np.nan]), "NaN"),
        (np.array([1.0, np.inf]), r"\+inf"),
        (np.array([]), "at least one entry"),
        (np.array([-np.inf, -np.inf]), "every score is -inf"),
    ],
)
def test_bad_logits(bad, match):
    with pytest.raises(ValueError, match=match):
        softmax(bad)


@pytest.mark.parametrize("t", [-0.1, float("nan"), float("inf")])
def test_bad_temperature(t):
    with pytest.raises(ValueError, match="temperature"):
        softmax(np.zeros(3), temperature=t)


def test_temperature_type_error():
    with pytest.raises(TypeError, match="temperature"):
        softmax(np.zeros(3), temperature="hot")


def test_top_k_keeps_k_best():
    x = np.array([1.0, 5.0, 3.0, 4.0])
    np.testing.assert_array_equal(top_k_logits(x, 2), [-np.inf, 5.0, -np.inf, 4.0])
    np.testing.assert_array_equal(top_k_logits(x, 10), x)


def test_top_k_errors():
    with pytest.raises(ValueError, match="top_k must be >= 1, got 0"):
        top_k_logits(np.zeros(3), 0)
    with pytest.raises(TypeError, match="top_k"):
        top_k_logits(np.zeros(3), 1.5)


def test_top_p_keeps_the_nucleus():
    """Probabilities 0.5, 0.3, 0.2: p=0.6 keeps the first two (0.5 < 0.6 <= 0.8)."""
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    kept = top_p_logits(logits, 0.6)
    assert np.isfinite(kept[:2]).all() and kept[2] == -np.inf
    np.testing.assert_array_equal(np.isfinite(top_p_logits(logits, 0.5)), [1, 0, 0])
    np.testing.assert_array_equal(top_p_logits(logits, 1.0), logits)


@pytest.mark.parametrize("p", [0.0, -0.5, 1.5])
def test_top_p_errors(p):
    with pytest.raises(ValueError, match="top_p must be in"):
        top_p_logits(np.zeros(3), p)


def test_greedy_needs_no_rng():
    assert sample(np.array([0.1, 3.0, 0.2]), temperature=0) == 1
    np.testing.assert_array_equal(
        sample(np.array([[0.0, 1.0], [2.0, 1.0]]), temperature=0), [1, 0]
    )


def test_sampling_requires_generator():
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        sample(np.zeros(3), temperature=1.0)


def test_empirical_frequencies_match_probabilities(rng):
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    logits = np.log(probs)
    draws = sample(np.tile(logits, (200_000, 1)), rng=rng)
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, probs, atol=0.005)


def test_sampling_is_reproducible_from_seed():
    logits = np.arange(10, dtype=np.float32)
    a = sample(np.tile(logits, (50, 1)), rng=np.random.default_rng(7))
    b = sample(np.tile(logits, (50, 1)), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_top_k_one_is_greedy(rng):
    logits = rng.normal(size=(100, 8))
    picks = sample(logits, rng=rng, temperature=1.5, top_k=1)
    np.testing.assert_array_equal(picks, logits.argmax(-1))


def test_never_samples_removed_tokens(rng):
    logits = np.array([2.0, 1.0, 0.5, -1.0, -3.0])
    picks = sample(np.tile(logits, (5000, 1)), rng=rng, top_k=2)
    assert set(np.unique(picks)) == {0, 1}
    picks = sample(np.tile(logits, (5000, 1)), rng=rng, top_p=0.5)
    assert set(np.unique(picks)) == {0}


@pytest.mark.parametrize(
    "logits, pattern",
    [
        ([[1.0, 2.0], [np.nan, 0.0]], "must not contain NaN"),
        ([[1.0, np.inf], [0.0, np.nan]], "must not contain NaN"),
        ([[1.0, 2.0], [np.inf, 0.0]], r"must not contain \+inf"),
    ],
)
def test_sample_refuses_nan_and_plus_inf_in_any_row(logits, pattern):
    with pytest.raises(ValueError, match=pattern):
        sample(np.array(logits, dtype=np.float32), temperature=0.0)


def test_sample_accepts_minus_inf_and_an_empty_batch():
    assert sample(np.array([-np.inf, 0.5, -np.inf]), temperature=0.0) == 1
    assert sample(np.zeros((0, 4), dtype=np.float32), temperature=0.0).shape == (0,)
