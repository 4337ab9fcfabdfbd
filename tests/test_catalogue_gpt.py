"""Chapters 00 and 07 and appendix A1: realistic wrong answers for each checker,
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
    check_adamw_step,
    check_cross_entropy,
    check_gpt_block,
    check_gpt_forward,
    check_greedy_generate,
    check_matmul_macs,
    check_next_token,
    check_next_token_logits,
)
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
from nanogpt_lib.multihead import multi_head_attention
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ chapter 00


def next_token_softmax(logits):  # equivalent: argmax of the probabilities
    return int(np.argmax(softmax(np.asarray(logits)[-1])))


def macs_with(fn):
    return lambda a, b: fn(*a, *b)


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


# ------------------------------------------------------------------ training


def ce_with(
    skip=True,
    count="kept",
    stable=True,
    sign=-1,
    via_softmax=False,
    reduce="mean",
    log=np.log,
):
    def fn(logits, targets):
        logits = np.asarray(logits, dtype=np.float64)
        targets = np.asarray(targets)
        if via_softmax:
            with np.errstate(divide="ignore"):
                logp = log(softmax(logits))
        else:
            z = logits - logits.max(-1, keepdims=True) if stable else logits
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                logp = z - log(np.exp(z).sum(-1, keepdims=True))
        keep = targets != -1 if skip else np.ones(targets.shape, bool)
        idx = np.where(keep, targets, 0) if skip else targets
        picked = np.take_along_axis(logp, idx[..., None], -1)[..., 0]
        with np.errstate(invalid="ignore"):
            losses = np.where(keep, picked, 0.0)
        n = keep.sum() if count == "kept" else keep.size
        if reduce == "none":
            return sign * picked[keep]
        if reduce == "sum":
            return float(sign * losses.sum())
        return float(sign * losses.sum() / n)

    return fn


def ce_loop(logits, targets):  # equivalent: a loop with math.log and lists
    import math

    total, n = 0.0, 0
    flat_l = np.asarray(logits, dtype=np.float64).reshape(-1, np.shape(logits)[-1])
    for row, t in zip(flat_l.tolist(), np.ravel(targets).tolist(), strict=True):
        if t == -1:
            continue
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        total += lse - row[t]
        n += 1
    return total / n


def adamw_with(
    correct=True,
    l2=False,
    lr_in_decay=True,
    sqrt=True,
    eps_inside=False,
    respect_mask=True,
    swap=False,
    shift=0,
    return_state=True,
):
    def fn(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
        b1, b2 = betas[::-1] if swap else betas
        step = step + shift
        if l2 and decay:
            g = g + weight_decay * w
        m2 = b1 * m + (1 - b1) * g
        v2 = b2 * v + (1 - b2) * g * g
        mh = m2 / (1 - b1**step) if correct else m2
        vh = v2 / (1 - b2**step) if correct else v2
        if (decay or not respect_mask) and not l2:
            w = w * (1 - (lr * weight_decay if lr_in_decay else weight_decay))
        if eps_inside:
            w = w - lr * mh / np.sqrt(vh + eps)
        else:
            w = w - lr * mh / ((np.sqrt(vh) if sqrt else vh) + eps)
        return (w, m2, v2) if return_state else (w, m, v)

    return fn


def adamw_in_place(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    b1, b2 = betas
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    if decay:
        w = w * (1 - lr * weight_decay)
    return w - lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps), m, v


def adamw_list(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    """Equivalent: the decay folded into one expression, a list returned."""
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    step_size = lr / (1 - b1**step)
    denom = np.sqrt(v) / np.sqrt(1 - b2**step) + eps
    shrink = 1 - lr * weight_decay * bool(decay)
    return [w * shrink - step_size * m / denom, m, v]


CATALOGUE = {
    check_next_token: [
        Wrong(
            "first row",
            lambda lg: int(np.argmax(lg[0])),
            "first-position",
            "last position",
        ),
        Wrong("flat argmax", lambda lg: int(np.argmax(lg)), "flat-argmax", "whole"),
        Wrong("argmin", lambda lg: int(np.argmin(lg[-1])), "argmin", "largest"),
        Wrong(
            "row -2",
            lambda lg: int(np.argmax(lg[-2 if len(lg) > 1 else -1])),
            "second-to-last",
            "Off by one",
        ),
        Wrong(
            "axis 0", lambda lg: int(np.argmax(lg, axis=0)[-1]), "wrong-axis", "axis"
        ),
        Wrong(
            "the logit",
            lambda lg: float(np.max(lg[-1])),
            "wrong-kind",
            "integer token id",
        ),
        Wrong(
            "a list of ids",
            lambda lg: list(np.argmax(lg, axis=-1)),
            "wrong-kind",
            "integer token id",
        ),
    ],
    check_matmul_macs: [
        Wrong(
            "outputs", macs_with(lambda n, k, k2, m: n * m), "outputs-only", "outputs"
        ),
        Wrong(
            "inputs", macs_with(lambda n, k, k2, m: n * k + k2 * m), "inputs", "inputs"
        ),
        Wrong(
            "flops",
            macs_with(lambda n, k, k2, m: 2 * n * k * m),
            "flops",
            "floating-point",
        ),
        Wrong(
            "k twice",
            macs_with(lambda n, k, k2, m: n * k * k2),
            "k-twice",
            "k was used twice",
        ),
        Wrong(
            "sum",
            macs_with(lambda n, k, k2, m: n + k + m),
            "sum-not-product",
            "Multiply",
        ),
        Wrong(
            "a float", macs_with(lambda n, k, k2, m: n * k * m / 1), "wrong-kind", "int"
        ),
        Wrong(
            "n k m + n m (bias)", macs_with(lambda n, k, k2, m: n * k * m + n * m), None
        ),
    ],
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
    check_cross_entropy: [
        Wrong(
            "-1 not skipped",
            ce_with(skip=False),
            "ignored-not-skipped",
            "-1 must be skipped",
        ),
        Wrong(
            "all positions counted",
            ce_with(count="all"),
            "wrong-count",
            "Divide by the number",
        ),
        Wrong("no max", ce_with(stable=False), "no-max", "maximum"),
        Wrong("sign", ce_with(sign=1), "sign", "sign"),
        Wrong("log(softmax)", ce_with(via_softmax=True), "log-of-softmax", "log 0"),
        Wrong("sum", ce_with(reduce="sum"), "sum-not-mean", "summed"),
        Wrong("per position", ce_with(reduce="none"), "not-averaged", "one number"),
        Wrong(
            "log2", lambda lg, t: ce_with()(lg, t) / np.log(2), "log2", "natural log"
        ),
        Wrong(
            "mean over classes", lambda lg, t: ce_with()(lg, t) / np.shape(lg)[-1], None
        ),
    ],
    check_adamw_step: [
        Wrong(
            "no correction",
            adamw_with(correct=False),
            "no-bias-correction",
            "bias correction",
        ),
        Wrong("L2", adamw_with(l2=True), "l2-not-decoupled", "L2"),
        Wrong(
            "decay without lr",
            adamw_with(lr_in_decay=False),
            "decay-without-lr",
            "learning rate",
        ),
        Wrong("no sqrt", adamw_with(sqrt=False), "no-sqrt", "square root"),
        Wrong(
            "decays biases",
            adamw_with(respect_mask=False),
            "decays-everything",
            "decay=False",
        ),
        Wrong(
            "eps inside",
            adamw_with(eps_inside=True),
            "eps-inside-sqrt",
            "outside the square root",
        ),
        Wrong("betas swapped", adamw_with(swap=True), "betas-swapped", "swapped"),
        Wrong("step + 1", adamw_with(shift=1), "step-off-by-one", "already counts"),
        Wrong(
            "old m, v",
            adamw_with(return_state=False),
            "state-not-returned",
            "updated m and v",
        ),
        Wrong("in place", adamw_in_place, "mutates-input", "new list or array"),
        Wrong("lr twice", lambda *a: adamw_with()(*a[:5], a[5] ** 0.5, *a[6:]), None),
    ],
}

EQUIVALENT = {
    check_next_token: [lambda lg: int(np.argmax(lg[-1])), next_token_softmax],
    check_matmul_macs: [
        macs_with(lambda n, k, k2, m: n * k * m),
        lambda a, b: int(np.prod(a)) * b[1],
    ],
    check_gpt_block: [
        block_with(),
        lambda x, p, cfg: gpt.block(x, p, cfg) if False else block_with()(x, p, cfg),
    ],
    check_next_token_logits: [head_with(), head_last_row_first],
    check_gpt_forward: [forward_with(), forward_own_block],
    check_greedy_generate: [greedy_with(), greedy_array],
    check_cross_entropy: [ce_with(), ce_loop],
    check_adamw_step: [adamw_with(), adamw_list],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
