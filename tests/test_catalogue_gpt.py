"""Chapter 07: realistic wrong answers for each checker,
and equivalent right ones."""

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

from nanogpt_lib import gpt
from nanogpt_lib.checks.gpt import (
    check_gpt_block,
    check_gpt_forward,
    check_greedy_generate,
    check_next_token_logits,
)
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
from nanogpt_lib.multihead import multi_head_attention
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ block


def ln(x, q, bias=True):
    return layer_norm(x, q["weight"], q["bias"] if bias else None)


def block_with(kind="right"):
    def fn(x, p, cfg):
        def attn(h):
            return multi_head_attention(h, p["attn"], cfg.n_head)

        def ff(h):
            return mlp(h, p["mlp"])

        if kind == "right":
            x = x + attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_2"]))
        if kind == "no-res-attn":
            x = attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_2"]))
        if kind == "no-res-mlp":
            x = x + attn(ln(x, p["ln_1"]))
            return ff(ln(x, p["ln_2"]))
        if kind == "no-res":
            return ff(ln(attn(ln(x, p["ln_1"])), p["ln_2"]))
        if kind == "post-ln":
            x = ln(x + attn(x), p["ln_1"])
            return ln(x + ff(x), p["ln_2"])
        if kind == "parallel":
            return x + attn(ln(x, p["ln_1"])) + ff(ln(x, p["ln_2"]))
        if kind == "no-ln":
            x = x + attn(x)
            return x + ff(x)
        if kind == "float64":
            x = x.astype(np.float64)
            x = x + attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_2"]))
        if kind == "ln-bias-missing":
            x = x + attn(ln(x, p["ln_1"], bias=False))
            return x + ff(ln(x, p["ln_2"], bias=False))
        raise AssertionError(kind)

    return fn


def block_in_place(x, p, cfg):
    x += multi_head_attention(ln(x, p["ln_1"]), p["attn"], cfg.n_head)
    x += mlp(ln(x, p["ln_2"]), p["mlp"])
    return x


# ------------------------------------------------------------------ head


def head_with(norm=True, row=-1, bias=True, probs=False, mean=False):
    def fn(x, ln_f, w_u):
        h = ln(x, ln_f, bias) if norm else x
        h = h.mean(axis=0) if mean else (h if row is None else h[row])
        logits = h @ w_u.T
        return softmax(logits) if probs else logits

    return fn


def head_last_row_first(x, ln_f, w_u):  # equivalent: LayerNorm on the last row only
    last = x[-1]
    mu = last.mean()
    norm = (last - mu) / np.sqrt(((last - mu) ** 2).mean() + 1e-5)
    return (norm * ln_f["weight"] + ln_f["bias"]) @ w_u.T


# ------------------------------------------------------------------ forward


def forward_with(pos="slice", norm=True, head="cfg", blocks=lambda h: h, out=None):
    def fn(params, ids, cfg):
        ids = np.asarray(ids)
        x = params["wte"][ids]
        if pos == "slice":
            x = x + params["wpe"][: len(ids)]
        elif pos == "ids":
            x = x + params["wpe"][ids]
        for p in blocks(params["h"]):
            x = gpt.block(x, p, cfg)
        if norm:
            x = ln(x, params["ln_f"])
        w_u = params["wte"] if head == "wte" or cfg.tied_head else params["lm_head"]
        logits = x @ w_u.T
        return out(logits) if out else logits

    return fn


def forward_own_block(params, ids, cfg):  # equivalent: the block written out
    x = params["wte"][ids] + params["wpe"][: len(ids)]
    for p in params["h"]:
        x = block_with()(x, p, cfg)
    x = ln(x, params["ln_f"])
    return x @ (params["wte"] if cfg.tied_head else params["lm_head"]).T


# ------------------------------------------------------------------ generate


def greedy_with(append=True, row=-1, only_new=False, window=None, extra=0):
    def fn(params, ids, cfg, n_new):
        seq = [int(i) for i in ids]
        new = []
        for _ in range(n_new + extra):
            context = seq if append else [int(i) for i in ids]
            if window is not None:
                context = context[-window(len(ids)) :]
            logits = gpt.forward(params, np.array(context), cfg)
            token = int(np.argmax(logits[row]))
            new.append(token)
            seq.append(token)
        return new if only_new else seq

    return fn


def greedy_array(params, ids, cfg, n_new):  # equivalent: np.append, an array back
    seq = np.asarray(ids)
    for _ in range(n_new):
        seq = np.append(seq, np.argmax(gpt.forward(params, seq, cfg)[-1]))
    return seq


CATALOGUE = {
    check_gpt_block: [
        Wrong(
            "no residual (attn)",
            block_with("no-res-attn"),
            "no-residual-attn",
            "around the attention",
        ),
        Wrong(
            "no residual (mlp)",
            block_with("no-res-mlp"),
            "no-residual-mlp",
            "around the MLP",
        ),
        Wrong("no residuals", block_with("no-res"), "no-residuals", "Both residual"),
        Wrong("post-LN", block_with("post-ln"), "post-ln", "pre-LN"),
        Wrong("parallel", block_with("parallel"), "parallel", "after"),
        Wrong(
            "no LayerNorm",
            block_with("no-ln"),
            "no-layer-norm",
            "LayerNorms are missing",
        ),
        Wrong("float64", block_with("float64"), "float64", "float64"),
        Wrong("in place", block_in_place, "mutates-input", "new list or array"),
        Wrong("LayerNorm bias missing", block_with("ln-bias-missing"), None),
    ],
    check_next_token_logits: [
        Wrong("no ln_f", head_with(norm=False), "no-ln-f", "final LayerNorm"),
        Wrong("row 0", head_with(row=0), "first-position", "last"),
        Wrong("all rows", head_with(row=None), "all-positions", "last position only"),
        Wrong("softmax", head_with(probs=True), "probabilities", "not probabilities"),
        Wrong("ln_f bias missing", head_with(bias=False), "no-ln-f-bias", "bias"),
        Wrong("mean of rows", head_with(mean=True), "mean-of-positions", "averaged"),
        Wrong("row -2", head_with(row=-2), None),
    ],
    check_gpt_forward: [
        Wrong(
            "no positions", forward_with(pos=None), "no-positions", "position vectors"
        ),
        Wrong("no ln_f", forward_with(norm=False), "no-ln-f", "final LayerNorm"),
        Wrong("wte as head", forward_with(head="wte"), "wrong-head", "lm_head"),
        Wrong(
            "first block",
            forward_with(blocks=lambda h: h[:1]),
            "first-block-only",
            "every block",
        ),
        Wrong(
            "reversed",
            forward_with(blocks=lambda h: h[::-1]),
            "blocks-reversed",
            "reverse",
        ),
        Wrong("wpe[ids]", forward_with(pos="ids"), "wpe-by-id", "not by token id"),
        Wrong(
            "last row",
            forward_with(out=lambda lg: lg[-1]),
            "last-only",
            "every position",
        ),
        Wrong(
            "softmax", forward_with(out=softmax), "probabilities", "not probabilities"
        ),
        Wrong(
            "float64",
            forward_with(out=lambda lg: lg.astype(np.float64)),
            "float64",
            "float64",
        ),
        Wrong("h[1:]", forward_with(blocks=lambda h: h[1:]), None),
    ],
    check_greedy_generate: [
        Wrong(
            "not appended", greedy_with(append=False), "not-appended", "not appended"
        ),
        Wrong("row 0", greedy_with(row=0), "first-position", "last position"),
        Wrong("new only", greedy_with(only_new=True), "new-only", "prompt followed"),
        Wrong(
            "sliding window",
            greedy_with(window=lambda t: t),
            "sliding-window",
            "sliding window",
        ),
        Wrong(
            "last token only",
            greedy_with(window=lambda t: 1),
            "only-last-token",
            "whole sequence",
        ),
        Wrong("one too few", greedy_with(extra=-1), "one-too-few", "exactly n_new"),
        Wrong("one too many", greedy_with(extra=1), "one-too-many", "exactly n_new"),
        Wrong("row -2", greedy_with(row=-2), None),
    ],
}

EQUIVALENT = {
    check_gpt_block: [
        block_with(),
        lambda x, p, cfg: gpt.block(x, p, cfg) if False else block_with()(x, p, cfg),
    ],
    check_next_token_logits: [head_with(), head_last_row_first],
    check_gpt_forward: [forward_with(), forward_own_block],
    check_greedy_generate: [greedy_with(), greedy_array],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
