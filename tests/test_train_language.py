"""Tests for the language-model part of nanogpt_lib.train: windows, schedule, loss."""

import math

import numpy as np
import pytest

from nanogpt_lib import train
from nanogpt_lib.gpt import GPTConfig, forward, init_params


def test_windows_are_the_stream_shifted_by_one(rng):
    data = np.arange(50, dtype=np.uint8)
    x, y = train.sample_windows(rng, data, 4, 8)
    assert x.shape == y.shape == (4, 8) and x.dtype == np.int64
    np.testing.assert_array_equal(y, x + 1)  # the stream counts up by one
    np.testing.assert_array_equal(x[:, 1:], x[:, :-1] + 1)


def test_repeated_windows_copy_their_first_half(rng):
    x, y = train.sample_windows(rng, np.arange(100), 3, 9, repeat_fraction=1.0)
    row = np.concatenate([x, y[:, -1:]], axis=1)  # the 10 tokens of each window
    np.testing.assert_array_equal(row[:, 5:], row[:, :5])


def test_lr_schedule_worked_example():
    kw = dict(max_lr=1e-3, warmup=100, total=1100, min_lr=1e-4)
    assert train.lr_schedule(50, **kw) == pytest.approx(5e-4)
    assert train.lr_schedule(100, **kw) == pytest.approx(1e-3)
    assert train.lr_schedule(600, **kw) == pytest.approx(5.5e-4)
    assert train.lr_schedule(1100, **kw) == pytest.approx(1e-4)


def test_stream_loss_scores_whole_windows(rng):
    cfg = GPTConfig(7, 4, 1, 1, 8)
    params = init_params(cfg, rng=rng)
    data = rng.integers(0, 7, size=14)  # 3 windows of 5 tokens, one token left over
    loss, count = train.stream_loss(params, cfg, data)
    assert count == 12
    rows = data[: 15 - 3].reshape(3, 4)
    targets = data[1:13].reshape(3, 4)
    logits = forward(params, rows, cfg).astype(np.float64)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -np.take_along_axis(logp, targets[..., None], -1).mean()
    assert loss == pytest.approx(want, rel=1e-5)


def test_training_lowers_the_loss_on_a_repetitive_stream():
    cfg = GPTConfig(5, 8, 1, 2, 16)
    data = np.tile(np.array([0, 1, 2, 3, 4, 3, 2, 1]), 40)
    params, history = train.train_language_model(
        cfg,
        data,
        steps=60,
        batch_size=8,
        max_lr=1e-2,
        warmup=5,
        eval_data=data,
        eval_every=30,
    )
    assert history["loss"].shape == (60,) and list(history["eval_step"]) == [30, 60]
    assert history["eval_loss"][-1] < 0.5 * math.log(5)  # far below guessing


def test_training_with_two_workers_follows_the_same_run():
    """Data parallelism changes only float rounding: same seed, same loss curve."""
    cfg = GPTConfig(5, 8, 1, 2, 16)
    data = np.tile(np.array([0, 1, 2, 3, 4, 3, 2, 1]), 40)
    runs = [
        train.train_language_model(
            cfg, data, steps=8, batch_size=6, warmup=2, eval_every=8, workers=n
        )
        for n in (1, 2)
    ]
    (p1, h1), (p2, h2) = runs
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    np.testing.assert_allclose(p1["wte"], p2["wte"], atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(data=np.zeros((2, 9), int)), ValueError, "data must be a 1-D integer"),
        (dict(data=np.arange(5)), ValueError, "at least block_size \\+ 1 = 9"),
        (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
        (dict(repeat_fraction=1.5), ValueError, "repeat_fraction must be in"),
    ],
)
def test_sample_windows_bad_input(rng, kwargs, error, match):
    args = dict(data=np.arange(20), batch_size=2, block_size=8)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train.sample_windows(rng, args.pop("data"), **args)
