"""The chapter-07 checkers accept right answers and name mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib.checks import gpt as checks
from nanogpt_lib.checks import mlp as mlp_checks
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
from nanogpt_lib.multihead import multi_head_attention
from nanogpt_lib.softmax import softmax


def _ln(x, p):
    return layer_norm(x, p["weight"], p.get("bias"))


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


# ------------------------------------------------------------------------ stubs
