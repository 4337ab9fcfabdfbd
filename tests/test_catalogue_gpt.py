"""Chapter 07: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib import gpt
from nanogpt_lib.checks.gpt import (
    _sorter,
    check_forward_sizes,
    check_generate_batch,
    check_gpt_block,
    check_gpt_forward,
    check_greedy_generate,
)
from nanogpt_lib.checks.language_model import (
    _next_char_reference as char_prob_reference,
)
from nanogpt_lib.checks.language_model import (
    check_best_temperature,
    check_heldout_loss,
    check_next_char_probability,
)
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
from nanogpt_lib.multihead import multi_head_attention
from nanogpt_lib.softmax import softmax
from nanogpt_lib.train import all_sort_inputs

# ------------------------------------------------------------------ block


def ln(x, q, bias=True):
    return layer_norm(x, q["weight"], q.get("bias") if bias else None)


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


def strict_ln(x, q):  # the chapter's ln: every LayerNorm has a bias
    return layer_norm(x, q["weight"], q["bias"])


def strict_block(x, p, cfg):  # the chapter's my_block, as a student might reuse it
    x = x + multi_head_attention(strict_ln(x, p["ln_1"]), p["attn"], cfg.n_head)
    return x + mlp(strict_ln(x, p["ln_2"]), p["mlp"])


def block_in_place(x, p, cfg):
    x += multi_head_attention(ln(x, p["ln_1"]), p["attn"], cfg.n_head)
    x += mlp(ln(x, p["ln_2"]), p["mlp"])
    return x


# ------------------------------------------------------------------ forward


def forward_with(pos="slice", norm=True, head="cfg", blocks=lambda h: h, out=None):
    def fn(params, ids, cfg):
        ids = np.asarray(ids)
        x = params["wte"][ids]
        if pos == "slice":
            x = x + params["wpe"][: ids.shape[-1]]
        elif pos == "len":  # wrong on a batch: len(ids) is B
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
    x = params["wte"][ids] + params["wpe"][np.arange(np.shape(ids)[-1])]
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


# ------------------------------------------------------------------ batch


def batch_with(row=-1, append=True, only_new=False, extra=0, first=False):
    def fn(params, ids, cfg, n_new):
        ids = np.asarray(ids)
        seq = ids
        for _ in range(n_new + extra):
            logits = gpt.forward(params, seq if append else ids, cfg)
            if first:
                nxt = np.repeat(np.argmax(logits[0, row]), len(ids))
            else:
                nxt = np.argmax(logits[:, row], axis=-1)
            seq = np.concatenate([seq, nxt[:, None]], axis=1)
        return seq[:, ids.shape[1] :] if only_new else seq

    return fn


def batch_loop(params, ids, cfg, n_new):  # equivalent: one prompt at a time, lists
    rows = []
    for prompt in np.asarray(ids):
        seq = [int(i) for i in prompt]
        for _ in range(n_new):
            seq.append(int(np.argmax(gpt.forward(params, np.array(seq), cfg)[-1])))
        rows.append(seq)
    return np.array(rows, dtype=np.int64).reshape(len(rows), -1)


def batch_hstack(params, ids, cfg, n_new):  # equivalent: argmax of all, hstack
    seq = np.array(ids)
    for _ in range(n_new):
        seq = np.hstack([seq, gpt.forward(params, seq, cfg).argmax(-1)[:, -1:]])
    return seq


def batch_float(params, ids, cfg, n_new):  # wrong: ids come back as floats
    seq = np.asarray(ids, dtype=np.float64)
    for _ in range(n_new):
        nxt = np.argmax(gpt.forward(params, seq.astype(int), cfg)[:, -1], axis=-1)
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
    return seq


# ------------------------------------------------------------------ sizes

B11, T11, C, H, D, V, L = 729, 11, 48, 3, 16, 3, 3
SIZES = {
    "logits": B11 * T11 * V,
    "patterns": B11 * H * T11 * T11,
    "mlp_hidden": B11 * T11 * 4 * C,
    "kv_cache": L * 2 * B11 * H * T11 * D,
}


def sizes_with(**kw):
    return lambda: {**SIZES, **kw}


def sizes_from_trace():  # equivalent: measured on a real call, numpy ints, a float
    cfg, params = _sorter()
    inputs = all_sort_inputs()
    seq = np.concatenate([inputs, np.sort(inputs, 1)[:, :-1]], axis=1)
    trace, cache = {}, gpt.new_kv_cache(cfg, batch_shape=(len(seq),))
    logits = gpt.forward(params, seq, cfg, trace=trace, kv_cache=cache)
    return {
        "logits": np.int64(logits.size),
        "patterns": trace["h.0.attn.pattern"].size,
        "mlp_hidden": float(trace["h.0.mlp.post_gelu"].size),
        "kv_cache": cache.k.size + cache.v.size,
    }


# ------------------------------------------------------------------ next character


def char_prob_with(row=-1, probs=True, keep="last", log=False, axis=-1, drop=0):
    def fn(params, cfg, tok, text, char):
        ids = tok.encode(text[: len(text) - drop] if drop else text)
        ids = ids[-cfg.block_size :] if keep == "last" else ids[: cfg.block_size]
        logits = gpt.forward(params, np.array(ids), cfg)
        out = softmax(logits, axis=axis)[row] if probs else logits[row]
        value = out[tok.encode(char)[0]]
        return float(np.log(value) if log else value)

    return fn


def char_prob_most_likely(params, cfg, tok, text, char):
    ids = np.array(tok.encode(text)[-cfg.block_size :])
    return float(softmax(gpt.forward(params, ids, cfg)[-1]).max())


def char_prob_id_plus_one(params, cfg, tok, text, char):  # wrong: the next id
    ids = np.array(tok.encode(text)[-cfg.block_size :])
    probs = softmax(gpt.forward(params, ids, cfg)[-1])
    return float(probs[(tok.encode(char)[0] + 1) % cfg.vocab_size])


def char_prob_exp(params, cfg, tok, text, char):  # equivalent: exp / sum, float64
    ids = np.array(tok.encode(text))[-cfg.block_size :]
    last = gpt.forward(params, ids, cfg)[-1].astype(np.float64)
    e = np.exp(last - last.max())
    return e[tok.encode(char)[0]] / e.sum()


# ------------------------------------------------------------------ held-out loss


def loss_with(shift=1, scale="divide", sign=-1, reduce="mean", base=None, flat=False):
    def fn(logits, ids, temperature):
        z = np.asarray(logits, dtype=np.float64)
        ids = np.asarray(ids)
        if flat:
            z, ids = z.reshape(-1, z.shape[-1]), ids.reshape(-1)
        if scale == "divide":
            z = z / temperature
        elif scale == "multiply":
            z = z * temperature
        if shift == 1:
            z, target = z[..., :-1, :], ids[..., 1:]
        elif shift == 0:
            target = ids
        else:
            z, target = z[..., 1:, :], ids[..., :-1]
        logp = z - z.max(-1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
        picked = np.take_along_axis(logp, target[..., None], -1)
        if base is not None:
            picked = picked / np.log(base)
        return float(sign * (picked.sum() if reduce == "sum" else picked.mean()))

    return fn


def loss_loop(logits, ids, temperature):  # equivalent: loops and math.log
    import math

    lg = np.asarray(logits, dtype=np.float64)
    lg = lg.reshape(-1, *lg.shape[-2:])
    ids = np.asarray(ids).reshape(-1, lg.shape[-2])
    total, n = 0.0, 0
    for window, tokens in zip(lg, ids, strict=True):
        for t in range(len(tokens) - 1):
            row = (window[t] / temperature).tolist()
            top = max(row)
            lse = top + math.log(sum(math.exp(r - top) for r in row))
            total += lse - row[tokens[t + 1]]
            n += 1
    return total / n


def loss_per_window(logits, ids, temperature):  # wrong: mean of window means, T ** 2
    return loss_with()(logits, ids, temperature**2)


# ------------------------------------------------------------------ best temperature

GRID = np.round(np.arange(0.5, 2.001, 0.05), 2)


def best_t_with(pick=np.argmin, loss=None, out="t"):
    loss = loss or loss_with()

    def fn(logits, ids):
        losses = [loss(logits, ids, t) for t in GRID]
        i = int(pick(losses))
        return {"t": float(GRID[i]), "index": float(i), "loss": losses[i]}[out]

    return fn


def best_t_min(logits, ids):  # equivalent: min by key over a list of temperatures
    temps = [round(0.5 + 0.05 * k, 2) for k in range(31)]
    return min(temps, key=lambda t: loss_with()(logits, ids, t))


def best_t_grid(grid):  # wrong: another grid than the exercise's
    return lambda logits, ids: float(
        min(grid, key=lambda t: loss_with()(logits, ids, t))
    )


def best_t_accuracy(logits, ids):  # wrong: scored by greedy accuracy, flat in T
    def accuracy(t):
        z = np.asarray(logits)[..., :-1, :] / t
        return float((z.argmax(axis=-1) == np.asarray(ids)[..., 1:]).mean())

    return float(GRID[int(np.argmax([accuracy(t) for t in GRID]))])


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
        Wrong(  # the chapter's my_block: its ln reads p["bias"]
            "my_block on a model without biases",
            strict_block,
            "needs-bias",
            "no biases",
        ),
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
        Wrong("len(ids) on a batch", forward_with(pos="len"), "len-is-batch", "shape"),
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
    check_generate_batch: [
        Wrong("not appended", batch_with(append=False), "not-appended", "appended"),
        Wrong("row 0", batch_with(row=0), "first-position", "last position"),
        Wrong(
            "first prompt's token",
            batch_with(first=True),
            "first-prompt-only",
            "first prompt",
        ),
        Wrong("new only", batch_with(only_new=True), "new-only", "followed by"),
        Wrong("one too few", batch_with(extra=-1), "one-too-few", "exactly n_new"),
        Wrong("one too many", batch_with(extra=1), "one-too-many", "exactly n_new"),
        Wrong("float ids", batch_float, "wrong-kind", "integer ids"),
        Wrong(
            "a 1-D result",
            lambda p, i, c, n: batch_with()(p, i, c, n).reshape(-1),
            "wrong-kind",
            "one row",
        ),
        Wrong("row -2", batch_with(row=-2), None),
    ],
    check_forward_sizes: [
        Wrong(
            "no batch",
            lambda: {k: v // B11 for k, v in SIZES.items()},
            "no-batch",
            "batch",
        ),
        Wrong("last logits", sizes_with(logits=B11 * V), "logits-last-only", "every"),
        Wrong("logits C", sizes_with(logits=B11 * T11 * C), "logits-width-c", "V = 3"),
        Wrong(
            "one head",
            sizes_with(patterns=B11 * T11 * T11),
            "patterns-one-head",
            "H = 3",
        ),
        Wrong(
            "triangle",
            sizes_with(patterns=B11 * H * 66),
            "patterns-triangle",
            "full T x T square",
        ),
        Wrong(
            "all layers",
            sizes_with(patterns=3 * SIZES["patterns"]),
            "patterns-all-layers",
            "one block",
        ),
        Wrong("MLP C", sizes_with(mlp_hidden=B11 * T11 * C), "mlp-width-c", "4C"),
        Wrong(
            "keys only",
            sizes_with(kv_cache=SIZES["kv_cache"] // 2),
            "kv-keys-only",
            "values",
        ),
        Wrong(
            "one layer",
            sizes_with(kv_cache=SIZES["kv_cache"] // 3),
            "kv-one-layer",
            "L = 3",
        ),
        Wrong(
            "a key missing",
            lambda: {k: v for k, v in SIZES.items() if k != "kv_cache"},
            "wrong-kind",
            "exactly the keys",
        ),
        Wrong("a list", lambda: list(SIZES.values()), "wrong-kind", "dict"),
        Wrong("patterns with D", sizes_with(patterns=B11 * H * T11 * D), None),
        Wrong(  # H = L = 3 in the sorter: the hint names both factors
            "cache without heads",
            sizes_with(kv_cache=3 * 2 * B11 * T11 * D),
            "kv-one-layer",
            "every head",
        ),
        Wrong(
            "cache of the prompt only",
            sizes_with(kv_cache=3 * 2 * B11 * H * 6 * D),
            None,
        ),  # fmt: skip
    ],
    check_next_char_probability: [
        Wrong("row 0", char_prob_with(row=0), "first-position", "last position"),
        Wrong(
            "a logit",
            char_prob_with(probs=False),
            "logit-not-probability",
            "softmax",
        ),
        Wrong("most likely", char_prob_most_likely, "most-likely", "most likely"),
        Wrong("log p", char_prob_with(log=True), "log-probability", "log-probability"),
        Wrong(
            "softmax over positions",
            char_prob_with(axis=0),
            "softmax-wrong-axis",
            "positions",
        ),
        Wrong(
            "first 256 characters",
            char_prob_with(keep="first"),
            "start-of-text",
            "last",
        ),
        Wrong(
            "last character dropped",
            char_prob_with(drop=1),
            "drops-last-character",
            "last character",
        ),
        Wrong("id off by one", char_prob_id_plus_one, None),
    ],
    check_heldout_loss: [
        Wrong("no shift", loss_with(shift=0), "no-shift", "not shifted"),
        Wrong("reversed shift", loss_with(shift=-1), "shift-reversed", "wrong way"),
        Wrong(
            "times T",
            loss_with(scale="multiply"),
            "temperature-multiplies",
            "divides",
        ),
        Wrong("no T", loss_with(scale=None), "no-temperature", "not used"),
        Wrong("sign", loss_with(sign=1), "sign", "sign"),
        Wrong("sum", loss_with(reduce="sum"), "sum-not-mean", "mean"),
        Wrong("bits", loss_with(base=2), "log2", "natural log"),
        Wrong("flattened batch", loss_with(flat=True), "batch-flattened", "batch"),
        Wrong("T squared", loss_per_window, None),
    ],
    check_best_temperature: [
        Wrong("argmax", best_t_with(pick=np.argmax), "argmax", "highest"),
        Wrong("index", best_t_with(out="index"), "index", "not its position"),
        Wrong("the loss", best_t_with(out="loss"), "returns-loss", "not the minimum"),
        Wrong(
            "times T",
            best_t_with(loss=loss_with(scale="multiply")),
            "temperature-multiplies",
            "divides",
        ),
        Wrong("assumed 1", lambda lg, ids: 1.0, "assumed-one", "Measure"),
        Wrong("no shift", best_t_with(loss=loss_with(shift=0)), "no-shift", "shifted"),
        Wrong("T squared", best_t_with(loss=loss_per_window), None),
        Wrong(
            "a 0.1 grid",
            best_t_grid(np.round(np.arange(0.5, 2.01, 0.1), 1)),
            "grid-step",
            "every 0.05",
        ),
        Wrong(
            "a scan that stops at 1.5",
            best_t_grid(GRID[GRID <= 1.5]),
            "grid-range",
            "reach 2.00",
        ),
        Wrong("greedy accuracy", best_t_accuracy, "argmax", "accuracy"),
    ],
}

EQUIVALENT = {
    check_gpt_block: [
        block_with(),
        lambda x, p, cfg: gpt.block(x, p, cfg) if False else block_with()(x, p, cfg),
    ],
    check_gpt_forward: [forward_with(), forward_own_block],
    check_greedy_generate: [greedy_with(), greedy_array],
    check_generate_batch: [batch_with(), batch_loop, batch_hstack],
    check_forward_sizes: [sizes_with(), sizes_from_trace],
    check_next_char_probability: [char_prob_reference, char_prob_exp],
    check_heldout_loss: [loss_with(), loss_loop],
    check_best_temperature: [best_t_with(), best_t_min],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
