"""The chapter-07 and appendix-A1 checkers accept right answers and name mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib.checks import gpt as checks
from nanogpt_lib.checks import mlp as mlp_checks
from nanogpt_lib.checks import training as training_checks
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
from nanogpt_lib.multihead import multi_head_attention
from nanogpt_lib.softmax import softmax
from nanogpt_lib.train import cross_entropy


def _ln(x, p):
    return layer_norm(x, p["weight"], p.get("bias"))


# ------------------------------------------------------------------------ chapter 00


def test_next_token_accepts_the_reference(capsys):
    checks.check_next_token(lambda lg: int(np.argmax(lg[-1])))
    assert capsys.readouterr().out == "check_next_token: all 5 cases passed.\n"


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda lg: int(np.argmax(lg[0])), "first position's logits"),
        (lambda lg: int(np.argmax(lg)), "whole (T, V) array"),
        (lambda lg: int(np.argmin(lg[-1])), "argmax, not argmin"),
        (lambda lg: softmax(lg[-1]), "return one integer token id"),
    ],
)
def test_next_token_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_next_token(wrong)


def test_matmul_macs_accepts_the_reference(capsys):
    # (3, 2) @ (2, 4): 12 outputs, each a dot product of length 2 -> 24
    checks.check_matmul_macs(lambda a, b: a[0] * a[1] * b[1])
    assert "check_matmul_macs: all 4 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda a, b: a[0] * b[1], "That counts the outputs"),
        (lambda a, b: a[0] * a[1] + b[0] * b[1], "That counts the inputs"),
        (lambda a, b: 2 * a[0] * a[1] * b[1], "floating-point operations"),
        (lambda a, b: float(a[0] * a[1] * b[1]), "return an int"),
    ],
)
def test_matmul_macs_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_matmul_macs(wrong)


# ------------------------------------------------------------------------ block


def good_block(x, p, cfg):
    x = x + multi_head_attention(_ln(x, p["ln_1"]), p["attn"], cfg.n_head)
    return x + mlp(_ln(x, p["ln_2"]), p["mlp"])


def test_block_accepts_the_reference(capsys):
    checks.check_gpt_block(good_block)
    assert capsys.readouterr().out == "check_gpt_block: all 4 cases passed.\n"


def _with_cfg(wrong):
    return lambda x, p, cfg: wrong(x, p, cfg.n_head)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (_with_cfg(mlp_checks._no_residual_attn), "around the attention is missing"),
        (_with_cfg(mlp_checks._no_residual_mlp), "around the MLP is missing"),
        (_with_cfg(mlp_checks._post_ln), "LayerNorm was applied after the sub-layer"),
        (_with_cfg(mlp_checks._ln_on_stream), "The stream itself was normalised"),
        (_with_cfg(mlp_checks._no_layer_norm), "The LayerNorms are missing"),
        (_with_cfg(mlp_checks._ln_1_twice), "The MLP has its own LayerNorm"),
    ],
)
def test_block_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_gpt_block(wrong)


# ------------------------------------------------------------------------ head


def good_head(x, ln_f, w_u):
    return _ln(x, ln_f)[-1] @ w_u.T


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x, f, w: x[-1] @ w.T, "The final LayerNorm is missing"),
        (lambda x, f, w: _ln(x, f)[0] @ w.T, "first position's logits"),
        (lambda x, f, w: _ln(x, f) @ w.T, "last position only, shape (V,)"),
        (lambda x, f, w: softmax(_ln(x, f)[-1] @ w.T), "Return logits, not probab"),
        (lambda x, f, w: layer_norm(x, f["weight"])[-1] @ w.T, "add its bias too"),
    ],
)
def test_head_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_next_token_logits(wrong)


def test_head_accepts_the_reference(capsys):
    checks.check_next_token_logits(good_head)
    assert "all 3 cases passed" in capsys.readouterr().out


# ------------------------------------------------------------------------ forward


def good_forward(params, ids, cfg):
    x = params["wte"][ids] + params["wpe"][: len(ids)]
    for p in params["h"]:
        x = good_block(x, p, cfg)
    w_u = params["wte"] if cfg.tied_head else params["lm_head"]
    return _ln(x, params["ln_f"]) @ w_u.T


def test_forward_accepts_the_reference(capsys):
    checks.check_gpt_forward(good_forward)
    assert "check_gpt_forward: all 4 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "kw, hint",
    [
        ({"pos": False}, "position vectors are missing"),
        ({"ln_f": False}, "final LayerNorm is missing"),
        ({"head": "wte"}, "its own output matrix"),
        ({"blocks": lambda h: h[:1]}, "Only the first block ran"),
        ({"blocks": lambda h: h[::-1]}, "reverse order"),
    ],
)
def test_forward_names_each_mistake(kw, hint):
    def wrong(params, ids, cfg):
        extra = dict(kw)
        if extra.get("head") == "wte":
            extra["head"] = params["wte"]
        return checks._forward_variant(params, ids, cfg, **extra)

    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_gpt_forward(wrong)


# ------------------------------------------------------------------------ generate


def good_generate(params, ids, cfg, n_new):
    seq = [int(i) for i in ids]
    for _ in range(n_new):
        logits = gpt.forward(params, np.array(seq), cfg)
        seq.append(int(np.argmax(logits[-1])))
    return seq


def test_generate_accepts_the_reference(capsys):
    checks.check_greedy_generate(good_generate)
    assert "check_greedy_generate: all 5 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "kw, hint",
    [
        ({"append": False}, "chosen token was not appended"),
        ({"row": 0}, "first position's logits"),
        ({"only_new": True}, "not the new tokens alone"),
    ],
)
def test_generate_names_each_mistake(kw, hint):
    def wrong(params, ids, cfg, n_new):
        return checks._greedy_variant(params, ids, cfg, n_new, **kw)

    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_greedy_generate(wrong)


def test_generate_rejects_a_2d_return():
    with pytest.raises(AssertionError, match="1-D list or array of integer ids"):
        checks.check_greedy_generate(
            lambda p, i, c, n: np.array(good_generate(p, i, c, n))[None]
        )


# ------------------------------------------------------------------------ training


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
    assert "check_adamw_step: all 5 cases passed." in capsys.readouterr().out


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


# ------------------------------------------------------------------------ stubs
