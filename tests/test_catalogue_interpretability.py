"""Chapter 09: realistic wrong answers for each checker, and equivalent right ones.

Three checkers run on the book's Shakespeare model (previous-character head, the
induction prediction, zero-ablation); the wrong answers are what a learner writes
when an axis, an offset or a unit slips.
"""

import copy

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib import interpretability as interp
from nanogpt_lib.checks import interpretability as chk
from nanogpt_lib.checks.interpretability import (
    check_induction_score,
    check_lens_loss_where,
    check_line_start_keys,
    check_previous_token_by_hand,
    check_previous_token_head,
    check_remove_head,
    check_zero_ablation_rise,
)
from nanogpt_lib.gpt import forward

# ------------------------------------------------------------------ by hand


def number(x):
    return lambda: x


# ------------------------------------------------------------------ strongest head


def head_with(offset=1, first_row=False, reduce="mean", batch="all", order="lh"):
    """(layer, head, score) of the best head, with one slip at a time."""

    def fn(patterns):
        p = np.asarray(patterns, dtype=float)
        if batch == "first":
            p = p[:, :1]
        T = p.shape[-1]
        t = np.arange(max(offset, 1), T)
        entries = p[..., t, t - offset]  # (L, B, H, n)
        if first_row:
            entries = np.concatenate([p[..., :1, 0], entries], axis=-1)
        if reduce == "mean":
            scores = entries.mean(axis=(1, 3))
        elif reduce == "max":
            scores = entries.max(axis=(1, 3))
        else:  # divide by T
            scores = entries.sum(axis=3).mean(axis=1) / T
        i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
        found = (int(j), int(i)) if order == "hl" else (int(i), int(j))
        return (*found, float(scores[i, j]))

    return fn


def head_loops(patterns):  # equivalent: loops over layers and heads
    p = np.asarray(patterns)
    L, B, H, T, _ = p.shape
    best = (-1.0, 0, 0)
    for layer in range(L):
        for head in range(H):
            s = np.mean(
                [p[layer, b, head, t, t - 1] for b in range(B) for t in range(1, T)]
            )
            best = max(best, (float(s), layer, head), key=lambda x: x[0])
    return best[1], best[2], best[0]


def head_as_list(patterns):  # equivalent: a list and a numpy float
    layer, head, score = head_with()(patterns)
    return [np.int64(layer), np.int64(head), np.float32(score)]


# ------------------------------------------------------------------ line starts


def line_keys_loop(ids, newline):  # equivalent: nested lists
    T = len(ids)
    keys = [[False] * T for _ in range(T)]
    start = None
    for t in range(T):
        if t > 0 and ids[t - 1] == newline:
            start = t
        if start is not None:
            keys[t][start] = True
    return keys


def line_keys_cumulative(ids, newline):  # equivalent: vectorised with a running max
    ids = np.asarray(ids)
    T = len(ids)
    starts = np.where(np.r_[False, ids[:-1] == newline], np.arange(T), -1)
    latest = np.maximum.accumulate(starts)
    keys = np.zeros((T, T), dtype=bool)
    rows = np.flatnonzero(latest >= 0)
    keys[rows, latest[rows]] = True
    return keys


# ------------------------------------------------------------------ induction


def induction_at(shift=1, first=None, total=False):
    def fn(pattern, period):
        p = np.asarray(pattern, dtype=float)
        start = period if first is None else first(period)
        t = np.arange(max(start, period - shift, 0), len(p))
        t = t[t - period + shift >= 0]
        vals = p[t, t - period + shift]
        return float(vals.sum() if total else vals.mean())

    return fn


def induction_loop(pattern, period):
    p = np.asarray(pattern)
    return float(np.mean([p[t, t - period + 1] for t in range(period, len(p))]))


def induction_diagonal(pattern, period):  # equivalent: np.diagonal with an offset
    p = np.asarray(pattern, dtype=float)
    return float(np.diagonal(p, offset=1 - period)[1:].mean())  # t >= period


# ------------------------------------------------------------------ remove a head


def edited(how):
    return lambda p, layer, head, cfg: chk._edit(p, layer, head, cfg, how)


def remove_by_values(params, layer, head, cfg):
    """Another valid edit: zero the head's value weights AND value bias."""
    out = copy.deepcopy(params)
    C, D = cfg.n_embd, cfg.head_size
    cols = slice(2 * C + head * D, 2 * C + (head + 1) * D)
    out["h"][layer]["attn"]["c_attn"]["weight"][:, cols] = 0
    out["h"][layer]["attn"]["c_attn"]["bias"][cols] = 0
    return out


def remove_as_float64(params, layer, head, cfg):
    """Right rows, but the edited weight comes back float64."""
    out = copy.deepcopy(params)
    D = cfg.head_size
    w = out["h"][layer]["attn"]["c_proj"]["weight"].astype(np.float64)
    w[head * D : (head + 1) * D] = 0
    out["h"][layer]["attn"]["c_proj"]["weight"] = w
    return out


def remove_in_place(params, layer, head, cfg):
    D = cfg.head_size
    params["h"][layer]["attn"]["c_proj"]["weight"][head * D : (head + 1) * D] = 0
    return params


# ------------------------------------------------------------------ zero-ablation


def rise_with(how):
    return lambda *args: chk._zero_rise(*args, how=how)


def rise_by_weights(params, windows, cfg, layer, head):  # equivalent: edit the weights
    out = copy.deepcopy(params)
    D = cfg.head_size
    out["h"][layer]["attn"]["c_proj"]["weight"][head * D : (head + 1) * D] = 0
    x, y = windows[:, :-1], windows[:, 1:]
    logits = np.stack([forward(params, x, cfg), forward(out, x, cfg)])
    loss, _ = interp.next_token_scores(logits, y)
    return float(loss[1] - loss[0])


def rise_by_hand(params, windows, cfg, layer, head):  # equivalent: log-softmax by hand
    keep = np.ones((cfg.n_layer, cfg.n_head), dtype=bool)
    keep[layer, head] = False
    x, y = windows[:, :-1], windows[:, 1:]

    def loss(logits):
        z = logits.astype(np.float64)
        z = z - z.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        return -np.take_along_axis(logp, y[..., None], -1).mean()

    return loss(interp.forward_with_heads(params, x, cfg, keep)) - loss(
        forward(params, x, cfg)
    )


# ------------------------------------------------------------------ lens on a mask


def lens_with(how):
    return lambda *args: chk._lens_where(*args, how=how)


def lens_per_block(
    params, windows, cfg, mask
):  # equivalent: float32, one read-out at a time
    out = []
    for logits in interp.logit_lens(params, windows[:, :-1], cfg):
        z = logits - logits.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        nll = -np.take_along_axis(logp, windows[:, 1:, None], -1)[..., 0]
        out.append(nll[mask].mean())
    return np.array(out)


def lens_weighted(params, windows, cfg, mask):  # equivalent: a weighted mean
    lens = interp.logit_lens(params, windows[:, :-1], cfg).astype(np.float64)
    logp = lens - np.logaddexp.reduce(lens, axis=-1, keepdims=True)
    y = np.broadcast_to(windows[:, 1:], lens.shape[:-1])
    nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
    w = np.asarray(mask, dtype=float)
    return (nll * w).sum(axis=(1, 2)) / w.sum()


CATALOGUE = {
    check_previous_token_by_hand: [
        Wrong("row 0 too", number(0.6), "includes-first-row", "Query 0"),
        Wrong("the diagonal", number(0.55), "diagonal", "itself"),
        Wrong("divides by 3", number(0.8 / 3), "divides-by-T", "T - 1"),
        Wrong("the sum", number(0.8), "sum-not-mean", "mean"),
        Wrong("the largest", number(0.5), "max-not-mean", "averages"),
        Wrong("two back", number(0.1), "two-back", "t - 1"),
        Wrong("every earlier key", number(0.3), "all-earlier-keys", "Only key t - 1"),
        Wrong("rounded to one digit", number(0.5000001), "max-not-mean", "averages"),
        Wrong("a slip", number(0.45), None),
        Wrong("percent", number(40), None),
    ],
    check_previous_token_head: [
        Wrong(
            "(head, layer)", head_with(order="hl"), "layer-head-swapped", "other way"
        ),
        Wrong("the diagonal", head_with(offset=0), "diagonal", "itself"),
        Wrong("two back", head_with(offset=2), "two-back", "t - 2"),
        Wrong("row 0 too", head_with(first_row=True), "includes-first-row", "row 0"),
        Wrong("divides by T", head_with(reduce="T"), "divides-by-T", "T - 1"),
        Wrong("the maximum", head_with(reduce="max"), "max-not-mean", "averages"),
        Wrong("first sequence", head_with(batch="first"), "first-window-only", "every"),
        Wrong("no score", lambda p: head_with()(p)[:2], None),
    ],
    check_line_start_keys: [
        Wrong("key 0 first", chk._line_keys_first_line, "first-line-key-0", "key 0"),
        Wrong(
            "newline query",
            chk._line_keys_newline_next,
            "newline-query",
            "belongs to the line",
        ),
        Wrong(
            "marks the newline",
            lambda ids, nl: chk._line_keys(ids, nl, mark_newline=True),
            "marks-newline",
            "after",
        ),
        Wrong(
            "every line",
            lambda ids, nl: chk._line_keys(ids, nl, any_line=True),
            "every-line",
            "current",
        ),
        Wrong(
            "future",
            lambda ids, nl: chk._line_keys(ids, nl, future=True),
            "future-keys",
            "causal",
        ),
        Wrong(
            "transposed",
            lambda ids, nl: chk._line_keys(ids, nl).T,
            "transposed",
            "transposed",
        ),
        Wrong(
            "positions",
            lambda ids, nl: [
                t + 1 for t in range(len(ids)) if ids[t] == nl and t + 1 < len(ids)
            ],
            "positions-not-mask",
            "booleans",
        ),
        Wrong(
            "the newline's own row empty, too",
            lambda ids, nl: np.zeros((len(ids), len(ids)), dtype=bool),
            None,
        ),
    ],
    check_induction_score: [
        Wrong("the twin itself", induction_at(shift=0), "same-token", "current"),
        Wrong("two after", induction_at(shift=2), "two-after", "two after"),
        Wrong("one before", induction_at(shift=-1), "one-before", "before"),
        Wrong(
            "first half too",
            induction_at(first=lambda n: n - 1),
            "first-half-too",
            "second copy",
        ),
        Wrong(
            "previous token",
            lambda p, n: float(np.mean(np.diagonal(np.asarray(p), -1))),
            "previous-token",
            "previous-token",
        ),
        Wrong("the sum", induction_at(total=True), "sum-not-mean", "sum"),
        Wrong("period 1 too early", lambda p, n: induction_at()(p, n + 1), None),
    ],
    check_remove_head: [
        Wrong("columns", edited("columns"), "columns", "rows"),
        Wrong("bias too", edited("bias-too"), "bias-too", "bias"),
        Wrong("queries", edited("queries"), "zero-queries", "uniform"),
        Wrong("keys", edited("keys"), "zero-queries", "queries \\(or keys\\)"),
        Wrong("value weights", edited("values-weight-only"), "value-bias-left", "bias"),
        Wrong("whole layer", edited("whole-layer"), "whole-layer", "every head"),
        Wrong("next head", edited("next-head"), "wrong-rows", "Off by one"),
        Wrong("in place", remove_in_place, "mutates-input", "instead of editing"),
        Wrong(
            "query weights only",
            edited("queries-weight-only"),
            "zero-query-weights",
            "query bias",
        ),
        Wrong("always head 0", edited("head-zero"), "head-ignored", "always removed"),
        Wrong(
            "layer and head swapped",
            edited("swapped"),
            "layer-head-swapped",
            "other way",
        ),
        Wrong("float64 weight", remove_as_float64, "float64", "float64"),
    ],
    check_lens_loss_where: [
        Wrong(
            "targets not shifted",
            lens_with("targets-not-shifted"),
            "targets-not-shifted",
            "t \\+ 1",
        ),
        Wrong("every position", lens_with("ignores-mask"), "ignores-mask", "marked"),
        Wrong("mask times loss", lens_with("zeros-in-mean"), "zeros-in-mean", "divide"),
        Wrong("raw logits", lens_with("no-softmax"), "no-softmax", "log-softmax"),
        Wrong("bits", lens_with("bits"), "bits-not-nats", "nats"),
        Wrong(
            "no embedding row",
            lens_with("no-embedding"),
            "no-embedding-readout",
            "L \\+ 1",
        ),
        Wrong("probability", lens_with("probability"), "probability-not-loss", "-log"),
        Wrong(
            "the model's output only",
            lambda p, w, c, m: np.repeat(lens_with("")(p, w, c, m)[-1:], c.n_layer + 1),
            None,
        ),
    ],
    check_zero_ablation_rise: [
        Wrong("mean-ablation", rise_with("mean"), "mean-not-zero", "mean-ablation"),
        Wrong("the loss itself", rise_with("loss-not-rise"), "loss-not-rise", "rise"),
        Wrong("base - ablated", rise_with("sign"), "sign-flipped", "flipped"),
        Wrong(
            "targets not shifted",
            rise_with("targets-not-shifted"),
            "targets-not-shifted",
            "windows\\[:, 1:\\]",
        ),
        Wrong("bits", rise_with("bits"), "bits-not-nats", "nats"),
        Wrong("(head, layer)", rise_with("swapped"), "layer-head-swapped", "other way"),
        Wrong("relative", rise_with("relative"), "relative-rise", "relative"),
        Wrong(
            "one window only",
            lambda p, w, c, layer, head: chk._zero_rise(p, w[:1], c, layer, head),
            None,
        ),
    ],
}

EQUIVALENT = {
    check_previous_token_by_hand: [number(0.4), number("0.4"), number(np.float32(0.4))],
    check_previous_token_head: [head_with(), head_loops, head_as_list],
    check_line_start_keys: [line_keys_loop, line_keys_cumulative],
    check_induction_score: [induction_loop, induction_diagonal],
    check_remove_head: [chk._remove_ref, remove_by_values],
    check_zero_ablation_rise: [rise_with(""), rise_by_weights, rise_by_hand],
    check_lens_loss_where: [lens_with(""), lens_per_block, lens_weighted],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
