"""The appendix-A1 checkers accept right answers and name mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nanogpt_lib.checks import training as checks
from nanogpt_lib.checks import training as training_checks
from nanogpt_lib.train import cross_entropy


def good_ce(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    keep = targets != -1
    picked = np.take_along_axis(logp, np.where(keep, targets, 0)[..., None], -1)
    return float(-(picked[..., 0] * keep).sum() / keep.sum())


def test_cross_entropy_worked_example():
    # logits [0, 0], target 1: -log(1/2) = 0.6931
    assert good_ce(np.zeros((1, 2)), np.array([1])) == pytest.approx(np.log(2))
    assert float(cross_entropy(np.zeros((1, 2)), np.array([1]))[0]) == pytest.approx(
        np.log(2), rel=1e-6
    )


def test_cross_entropy_accepts_the_reference(capsys):
    checks.check_cross_entropy(good_ce)
    assert "check_cross_entropy: all 5 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (training_checks._ce_all_positions, "Targets of -1 must be skipped"),
        (training_checks._ce_no_max, "Subtract each row's maximum"),
        (lambda lg, t: -good_ce(lg, t), "the sign is flipped"),
    ],
)
def test_cross_entropy_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_cross_entropy(wrong)


def good_adamw(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**step), v / (1 - b2**step)
    if decay:
        w = w * (1 - lr * weight_decay)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_adamw_worked_example():
    # w = 1, g = 0.5, lr 0.1, wd 0.1, step 1: m_hat = 0.5, v_hat = 0.25,
    # w = 1 * 0.99 - 0.1 * 0.5 / 0.5 = 0.89
    w, m, v = good_adamw(
        np.array([1.0]),
        np.array([0.5]),
        np.zeros(1),
        np.zeros(1),
        1,
        0.1,
        (0.9, 0.95),
        1e-8,
        0.1,
        True,
    )
    np.testing.assert_allclose(w, [0.89], rtol=1e-7)
    ref = training_checks._adamw_reference(
        np.array([1.0]),
        np.array([0.5]),
        np.zeros(1),
        np.zeros(1),
        1,
        0.1,
        (0.9, 0.95),
        1e-8,
        0.1,
        True,
    )
    np.testing.assert_allclose(ref[0], [0.89], rtol=1e-7)


def test_adamw_accepts_the_reference(capsys):
    checks.check_adamw_step(good_adamw)
    assert "check_adamw_step: all 6 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "kw, hint",
    [
        ({"correct": False}, "bias correction is missing"),
        ({"l2": True}, "Adam with L2"),
        ({"decay_no_lr": True}, "the learning rate scales it"),
        ({"no_sqrt": True}, "square root of v_hat"),
    ],
)
def test_adamw_names_each_mistake(kw, hint):
    def wrong(*args):
        return training_checks._adamw_variant(*args, **kw)

    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_adamw_step(wrong)


def test_adamw_names_decaying_everything():
    def wrong(*args):
        return good_adamw(*args[:-1], True)

    with pytest.raises(AssertionError, match="Only weights with decay=True"):
        checks.check_adamw_step(wrong)


def good_clip(grads, max_norm):
    norm = float(
        np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values()))
    )
    factor = min(1.0, max_norm / norm)
    return {k: g * factor for k, g in grads.items()}


def test_clip_worked_example(capsys):
    # gradients (2, 2) and (1,): global norm sqrt(4 + 4 + 1) = 3; with max_norm 1
    # every value is divided by 3, so the direction is kept and the norm becomes 1
    out = good_clip({"a": np.array([2.0, 2.0]), "b": np.array([1.0])}, 1.0)
    np.testing.assert_allclose(out["a"], [2 / 3, 2 / 3])
    np.testing.assert_allclose(out["b"], [1 / 3])
    checks.check_clip_grads(good_clip)
    assert capsys.readouterr().out == "check_clip_grads: all 5 cases passed.\n"


@pytest.mark.parametrize(
    "kw, hint",
    [
        ({"norm": "per-tensor"}, "one global norm"),
        ({"always": True}, "never scaled up"),
        ({"norm": "no-sqrt"}, "sum of squares itself"),
    ],
)
def test_clip_names_each_mistake(kw, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_clip_grads(lambda g, c: training_checks._clip_variant(g, c, **kw))


def test_clip_refuses_the_library_function():
    from nanogpt_lib import train

    with pytest.raises(AssertionError, match="write this yourself"):
        checks.check_clip_grads(lambda g, c: train.clip_grad_norm(g, c)[0])


def test_text_loss_worked_example_and_prediction(capsys):
    # a trained model read backwards is worse than knowing nothing: its loss on
    # Macbeth's opening reversed is above ln 79 = 4.37 nats per character
    from nanogpt_lib import gpt
    from nanogpt_lib.shakespeare import held_out_text, load_model

    cfg, params, tok = load_model()
    ids = np.array(tok.encode(held_out_text()[:257][::-1]))
    loss = float(cross_entropy(gpt.forward(params, ids[:-1], cfg), ids[1:])[0])
    assert loss > np.log(79)
    checks.check_text_loss(training_checks._loss_reference, prediction=np.log(79))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "check_text_loss: all 4 cases passed.",
        f"You predicted 4.37; the model says {loss:.3f} "
        f"({loss - np.log(79):.3f} too low).",
    ]


def test_text_loss_names_ln_v():
    with pytest.raises(AssertionError, match="knows nothing"):
        checks.check_text_loss(lambda p, cfg, ids: float(np.log(cfg.vocab_size)))
