"""Checkers for chapter 05's exercises: a multi-head attention with a planted bug
to fix, the shapes and parameters of the Shakespeare model's attention by hand, a
layer's output with one head removed, and layer ablation on the Shakespeare model.

`compare_answers` also serves the by-hand exercises of other chapters: it compares a
dict of numbers worked out on paper with the computed truth, names the typical
mistake, and never prints the right answer.
"""

from __future__ import annotations

import numpy as np

from .. import interpretability as interp
from .. import multihead as lib
from ..attention import attention
from ..linear import linear
from ._by_hand import Answer, compare_answers
from ._core import (
    Case,
    Mistake,
    run_checks,
)

__all__ = [
    "Answer",
    "compare_answers",
    "check_multi_head_attention",
    "check_attention_by_hand",
    "check_without_head",
    "check_layer_ablation",
]


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(scale)
    return out


def _attn_params(rng: np.random.Generator, c: int) -> dict:
    """Random c_attn and c_proj weights of width c, with non-zero biases."""
    return {
        "c_attn": {
            "weight": _normal(rng, (c, 3 * c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (3 * c,), 0.1),
        },
        "c_proj": {
            "weight": _normal(rng, (c, c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (c,), 0.5),
        },
    }


# ------------------------------------------------------------ multi-head attention


def _mha_parts(x, p, n_head, *, scale_by_c=False, causal=True):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[..., i * c : (i + 1) * c], n_head) for i in range(3))
    if scale_by_c:  # attention divides by sqrt(D); undo it and divide by sqrt(C)
        q = q * np.float32(np.sqrt(c // n_head) / np.sqrt(c))
    return attention(q, k, v, causal=causal)  # (..., H, T, D)


def _mha_no_proj(x, p, n_head):
    return lib.merge_heads(_mha_parts(x, p, n_head))


def _mha_no_proj_bias(x, p, n_head):
    return lib.merge_heads(_mha_parts(x, p, n_head)) @ p["c_proj"]["weight"]


def _mha_sqrt_c(x, p, n_head):
    return linear(
        lib.merge_heads(_mha_parts(x, p, n_head, scale_by_c=True)), p["c_proj"]
    )


def _mha_no_mask(x, p, n_head):
    return linear(lib.merge_heads(_mha_parts(x, p, n_head, causal=False)), p["c_proj"])


def _mha_heads_as_tokens(x, p, n_head):
    """Attention over the head axis: q, k, v left as (..., T, H, D)."""
    *batch, t, c = x.shape
    qkv = linear(x, p["c_attn"])
    q, k, v = (
        np.reshape(qkv[..., i * c : (i + 1) * c], (*batch, t, n_head, c // n_head))
        for i in range(3)
    )
    out = attention(q, k, v, causal=True)  # (..., T, H, D): heads attend to heads
    return linear(np.reshape(out, (*batch, t, c)), p["c_proj"])


def _mha_split_reshape_only(x, p, n_head):
    """The planted bug of ex-05-leaky-heads: (T, C) read straight as (H, T, D)."""
    *batch, t, c = x.shape
    qkv = linear(x, p["c_attn"])
    q, k, v = (
        np.reshape(qkv[..., i * c : (i + 1) * c], (*batch, n_head, t, c // n_head))
        for i in range(3)
    )
    return linear(lib.merge_heads(attention(q, k, v, causal=True)), p["c_proj"])


def _mha_merge_reshape_only(x, p, n_head):
    """Split right, but the heads merged with a plain reshape (H, T, D) -> (T, C)."""
    *batch, t, c = x.shape
    out = _mha_parts(x, p, n_head)  # (..., H, T, D)
    return linear(np.reshape(out, (*batch, t, c)), p["c_proj"])


def _mha_softmax_over_queries(x, p, n_head):
    """Each column of the causal scores normalised (axis=-2) instead of each row."""
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[..., i * c : (i + 1) * c], n_head) for i in range(3))
    t, d = q.shape[-2:]
    scores = q @ np.swapaxes(k, -1, -2) / np.float32(np.sqrt(d))
    scores = np.where(np.tril(np.ones((t, t), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-2, keepdims=True)
    return linear(lib.merge_heads(w @ v), p["c_proj"])


def _mha_proj_transposed(x, p, n_head):
    return (
        lib.merge_heads(_mha_parts(x, p, n_head)) @ p["c_proj"]["weight"].T
        + p["c_proj"]["bias"]
    )


def _mha_no_qkv_bias(x, p, n_head):
    q = {"c_attn": {"weight": p["c_attn"]["weight"]}, "c_proj": p["c_proj"]}
    return lib.multi_head_attention(x, q, n_head)


def _mha_kqv(x, p, n_head):
    c = x.shape[-1]
    w, b = p["c_attn"]["weight"], p["c_attn"]["bias"]
    order = np.r_[c : 2 * c, 0:c, 2 * c : 3 * c]  # k | q | v read as q | k | v
    swapped = {
        "c_attn": {"weight": w[:, order], "bias": b[order]},
        "c_proj": p["c_proj"],
    }
    return lib.multi_head_attention(x, swapped, n_head)


def check_multi_head_attention(candidate) -> None:
    """Check `candidate(x, p, n_head)`: causal multi-head attention, (T, C) -> (T, C).

    The cases include n_head = 1, where multi-head attention is single-head
    attention of width C followed by the output projection.
    """
    rng = np.random.default_rng(2)
    cases = []
    for label, t, c, h in [
        ("T = 5, C = 12, H = 3", 5, 12, 3),
        ("T = 6, C = 8, H = 2", 6, 8, 2),
        ("one head (H = 1), T = 4, C = 6", 4, 6, 1),
        ("one token (T = 1), C = 8, H = 4", 1, 8, 4),
        ("head size 1 (H = C = 4), T = 3", 3, 4, 4),
    ]:
        cases.append(Case(label, (_normal(rng, (t, c)), _attn_params(rng, c), h)))
    batched = "a batch of 2 sequences, (B, T, C) = (2, 4, 8), H = 2"
    cases.append(Case(batched, (_normal(rng, (2, 4, 8)), _attn_params(rng, 8), 2)))
    mistakes = [
        Mistake(
            "q, k and v were reshaped straight to (H, T, D): a reshape keeps the "
            "order of the numbers, so 'head 0' gets whole rows of the first tokens "
            "and a later token's numbers end up at an earlier position, where the "
            "causal mask no longer hides them. Reshape to (T, H, D), then swap the "
            "T and H axes.",
            _mha_split_reshape_only,
            id="split-reshape-only",
        ),
        Mistake(
            "You returned the concatenated heads: apply the output projection "
            "c_proj (weight and bias) after merging them.",
            _mha_no_proj,
            id="no-projection",
        ),
        Mistake(
            "The output projection needs its bias too: concat @ W + b.",
            _mha_no_proj_bias,
            id="no-proj-bias",
        ),
        Mistake(
            "Scale each head's scores by 1/sqrt(D), its own head size, not by "
            "1/sqrt(C).",
            _mha_sqrt_c,
            id="scaled-by-c",
        ),
        Mistake(
            "Apply the causal mask: a token may not look at later tokens.",
            _mha_no_mask,
            id="no-mask",
        ),
        Mistake(
            "T and H are swapped: the heads attended to each other instead of the "
            "tokens. Split to (H, T, D) so attention runs over T within each head.",
            _mha_heads_as_tokens,
            id="heads-as-tokens",
        ),
        Mistake(
            "c_attn has a bias as well: q | k | v = x @ W + b.",
            _mha_no_qkv_bias,
            id="no-qkv-bias",
        ),
    ]
    mistakes += [
        Mistake(
            "Split q, k and v into n_head heads: this is one head of width C "
            "(attention over the whole C columns at once).",
            lambda x, p, n_head: lib.multi_head_attention(x, p, 1),
            id="single-head",
        ),
        Mistake(
            "c_attn's output is q | k | v in that order, C columns each: "
            "q = qkv[:, :C], k = qkv[:, C:2C], v = qkv[:, 2C:].",
            _mha_kqv,
            id="qkv-order",
        ),
        Mistake(
            "The split is right, but the heads were merged with a plain reshape "
            "(H, T, D) -> (T, C): that mixes tokens too. Swap the H and T axes "
            "back first, then reshape.",
            _mha_merge_reshape_only,
            id="merge-reshape-only",
        ),
        Mistake(
            "The softmax normalised each column of the scores (axis=-2), over the "
            "queries, so later queries change an earlier row. Normalise each row "
            "over the keys, axis=-1.",
            _mha_softmax_over_queries,
            id="softmax-over-queries",
        ),
        Mistake(
            "c_proj's weight is stored (in, out): merged @ W + b, not merged @ W.T.",
            _mha_proj_transposed,
            id="proj-transposed",
        ),
        Mistake(
            "x can be a batch (B, T, C), as the colleague's version allowed: take "
            "T and C from x.shape[-2:], slice with qkv[..., :C] and swap the axes "
            "-3 and -2 (counted from the end), so the batch axis stays in front.",
            raises=(ValueError, IndexError),
            on=(batched,),
            id="no-batch",
        ),
    ]
    run_checks(
        "check_multi_head_attention",
        candidate,
        lib.multi_head_attention,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[lib.multi_head_attention],
        keep_float32=True,
    )


# --------------------------------------------------- attention shapes by hand


def check_attention_by_hand(candidate) -> None:
    """Check `candidate()`: shapes and parameter counts of one attention layer of
    the Shakespeare model, on one window of T = block_size characters."""
    from ..shakespeare import load_model

    cfg, params, _ = load_model()
    t, c, h = cfg.block_size, cfg.n_embd, cfg.n_head
    d = c // h
    attn = params["h"][0]["attn"]
    c_attn = attn["c_attn"]["weight"].size + attn["c_attn"]["bias"].size
    c_proj = attn["c_proj"]["weight"].size + attn["c_proj"]["bias"].size
    per_head = "An attention layer's matrices are shared by all heads: count them once."
    answers = [
        Answer(
            "D",
            f"head size D for C = {c}, H = {h}",
            d,
            [
                (c, "d-is-c", "Each head gets D = C / H columns, not all C."),
                (h, "d-is-h", "D is the head size, C / H, not the number of heads."),
            ],
        ),
        Answer(
            "qkv",
            f"shape of x @ c_attn.weight + bias for x of shape (T, C) = ({t}, {c})",
            (t, 3 * c),
            [
                ((t, c), "qkv-width-c", "c_attn makes q, k and v at once: 3C wide."),
                (
                    (3 * c, t),
                    "transposed",
                    "Weights are stored (in, out): "
                    "(T, C) @ (C, 3C) gives (T, 3C), tokens stay on the rows.",
                ),
            ],
        ),
        Answer(
            "q_heads",
            "shape of the queries after split_heads",
            (h, t, d),
            [
                (
                    (t, h, d),
                    "no-transpose",
                    "After the reshape to (T, H, D), swap "
                    "the T and H axes: split_heads gives (H, T, D).",
                ),
                ((h, t, c), "d-is-c", "Each head gets D = C / H columns, not all C."),
            ],
        ),
        Answer(
            "scores",
            "shape of the attention scores of all heads",
            (h, t, t),
            [
                (
                    (t, t),
                    "one-head-scores",
                    "Every head has its own (T, T) scores: (H, T, T).",
                ),
                (
                    (h, t, d),
                    "scores-are-outputs",
                    "(H, T, D) is the shape of the heads' outputs, weights @ v; the "
                    "scores compare every query with every key: (T, T) per head.",
                ),
                (
                    (h, d, d),
                    "d-by-d",
                    "Scores compare tokens with tokens, "
                    "q @ k^T: (T, D) @ (D, T) gives (T, T) per head.",
                ),
            ],
        ),
        Answer(
            "c_attn_params",
            f"numbers in c_attn (weight and bias) for C = {c}",
            c_attn,
            [
                (3 * c * c, "no-bias", "c_attn has a bias of 3C numbers too."),
                (
                    3 * c * c + c,
                    "bias-c",
                    "c_attn's bias is 3C long, one per "
                    "output column (q, k and v), not C.",
                ),
                (c_attn // h, "per-head", per_head),
                (
                    4 * c * c + 4 * c,
                    "whole-layer",
                    "That is the whole attention layer, c_attn and c_proj together; "
                    "count c_attn alone.",
                ),
                (
                    c * c + c,
                    "one-third",
                    "c_attn holds W_Q, W_K and W_V side by side: (C, 3C), not (C, C).",
                ),
            ],
        ),
        Answer(
            "c_proj_params",
            f"numbers in c_proj (weight and bias) for C = {c}",
            c_proj,
            [
                (c * c, "no-proj-bias", "c_proj has a bias of C numbers too."),
                (
                    c * c + 3 * c,
                    "proj-bias-3c",
                    "c_proj's bias has C numbers, one per output column; only c_attn "
                    "has 3C.",
                ),
                (c_proj // h, "per-head", per_head),
                (h * c * c + c, "per-head", per_head),
                (
                    3 * c * c + 3 * c,
                    "proj-is-3c",
                    "c_proj maps the merged heads "
                    "(C wide) back to C: (C, C) plus a bias of C.",
                ),
            ],
        ),
    ]
    compare_answers("check_attention_by_hand", candidate, answers)


# ------------------------------------------------- a layer without one head


def _without_reference(heads, c_proj, h):
    kept = np.array(heads, copy=True)
    kept[..., h, :, :] = 0
    return linear(lib.merge_heads(kept), c_proj)


def _head_term(heads, c_proj, h):
    d = heads.shape[-1]
    return heads[..., h, :, :] @ c_proj["weight"][h * d : (h + 1) * d]


def _without_minus_bias(heads, c_proj, h):
    return _without_reference(heads, c_proj, h) - c_proj["bias"]


def _without_columns(heads, c_proj, h):
    d = heads.shape[-1]
    full = linear(lib.merge_heads(heads), c_proj)
    return full - heads[..., h, :, :] @ c_proj["weight"][:, h * d : (h + 1) * d].T


def _without_next_head(heads, c_proj, h):
    return _without_reference(heads, c_proj, (h + 1) % heads.shape[-3])


def _without_token(heads, c_proj, h):
    """Zeroed the h-th token of every head instead of head h."""
    kept = np.array(heads, copy=True)
    kept[..., :, h, :] = 0
    return linear(lib.merge_heads(kept), c_proj)


def _without_merge_reshape(heads, c_proj, h):
    kept = np.array(heads, copy=True)
    kept[..., h, :, :] = 0
    *batch, n_head, t, d = kept.shape
    return linear(np.reshape(kept, (*batch, t, n_head * d)), c_proj)


def _without_transposed(heads, c_proj, h):
    kept = np.array(heads, copy=True)
    kept[..., h, :, :] = 0
    return lib.merge_heads(kept) @ c_proj["weight"].T + c_proj["bias"]


def check_without_head(candidate) -> None:
    """Check `candidate(heads, c_proj, h)`: (H, T, D) -> (T, C), the attention
    output with head h zero-ablated, the other heads and the bias kept."""
    rng = np.random.default_rng(4)
    cases = []
    for label, n_head, t, d, h in [
        ("H = 3, T = 5, D = 4, remove head 1", 3, 5, 4, 1),
        ("H = 4, T = 6, D = 2, remove head 0", 4, 6, 2, 0),
        ("H = 2, T = 3, D = 6, remove the last head", 2, 3, 6, 1),
        ("one head (H = 1): only the bias is left", 1, 4, 5, 0),
        ("one token (T = 1), H = 4, D = 3, remove head 2", 4, 1, 3, 2),
    ]:
        c = n_head * d
        proj = {
            "weight": _normal(rng, (c, c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (c,), 0.5),
        }
        cases.append(Case(label, (_normal(rng, (n_head, t, d)), proj, h)))
    mistakes = [
        Mistake(
            "The bias was removed too. Ablating a head zeroes only its output; "
            "the layer's bias is added once, whatever the heads write.",
            _without_minus_bias,
            id="bias-removed",
        ),
        Mistake(
            "You returned head h's own term, o_h @ W_O[hD:(h+1)D]: that is what "
            "the head writes. The layer without it is the full output minus that "
            "term.",
            _head_term,
            id="head-term-only",
        ),
        Mistake(
            "Head h's block of c_proj is its *rows* h*D:(h+1)*D (weights are "
            "stored (in, out)), not its columns.",
            _without_columns,
            id="columns-not-rows",
        ),
        Mistake(
            "The wrong head was removed (the next one): heads count from 0, head h "
            "is heads[h].",
            _without_next_head,
            id="off-by-one",
        ),
        Mistake(
            "You zeroed token h of every head, heads[:, h]: the head axis is the "
            "first one, heads[h].",
            _without_token,
            id="token-not-head",
        ),
        Mistake(
            "The heads were merged with a plain reshape (H, T, D) -> (T, C), which "
            "mixes tokens: swap the H and T axes first (merge_heads does).",
            _without_merge_reshape,
            id="merge-reshape-only",
        ),
        Mistake(
            "c_proj's weight is stored (in, out): merged @ W + b, not merged @ W.T.",
            _without_transposed,
            id="weight-transposed",
        ),
        Mistake(
            "You returned the full output: head h is still in it.",
            lambda heads, c_proj, h: linear(lib.merge_heads(heads), c_proj),
            id="nothing-removed",
        ),
    ]
    run_checks(
        "check_without_head",
        candidate,
        _without_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        keep_float32=True,
    )


# ------------------------------------------------------- layer ablation


def _loss(params, windows, cfg, keep, *, shift=1, means=None):
    x = windows[:, :-1] if shift >= 0 else windows[:, 1:]
    y = windows[:, 1:] if shift > 0 else windows[:, :-1]
    logits = interp.forward_with_heads(params, x, cfg, keep, means=means)
    return float(interp.next_token_scores(logits[None], y)[0][0])


def _rises(params, windows, cfg, *, which="layer", shift=1, mean=False,
           relative=False, raw=False, bits=False):  # fmt: skip
    windows = np.asarray(windows)
    if which == "first-window":
        windows, which = windows[:1], "layer"
    L, H = cfg.n_layer, cfg.n_head
    every = np.ones((L, H), dtype=bool)
    means = interp.head_means(params, windows[:, :-1], cfg) if mean else None
    base = _loss(params, windows, cfg, every, shift=shift)
    out = []
    for layer in range(L):
        keep = every.copy()
        if which == "layer":
            keep[layer] = False
        elif which == "head0":
            keep[layer, 0] = False
        elif which == "others":
            keep[:] = False
            keep[layer] = True
        elif which == "upto":
            keep[: layer + 1] = False
        elif which == "next":
            keep[(layer + 1) % L] = False
        loss = _loss(params, windows, cfg, keep, shift=shift, means=means)
        if raw:
            out.append(loss)
        elif relative:
            out.append(loss / base)
        else:
            out.append(loss - base)
    out = np.array(out)
    return out / np.log(2) if bits else out


def _layer_rises(params, windows, cfg):
    return _rises(params, windows, cfg)


def check_layer_ablation(candidate) -> None:
    """Check `candidate(params, windows, cfg)`: windows (B, T + 1) -> (L,), the rise
    of the held-out loss (nats per character) when every head of layer l is
    zero-ablated, on the Shakespeare model."""
    from ..shakespeare import held_out_text, load_model

    cfg, params, chars = load_model()
    held = np.array(chars.encode(held_out_text()), dtype=np.int64)
    cases = []
    for label, n, t in [("4 held-out windows of 64 characters", 4, 64),
                        ("2 held-out windows of 32 characters", 2, 32)]:  # fmt: skip
        starts = np.linspace(0, held.size - t - 2, n).astype(int)
        windows = np.stack([held[s : s + t + 1] for s in starts])
        cases.append(Case(label, (params, windows, cfg)))
    mistakes = [
        Mistake(
            "These are the losses with each layer removed; the exercise asks for "
            "the rise, loss without the layer minus the loss with every head.",
            lambda p, w, c: _rises(p, w, c, raw=True),
            id="loss-not-rise",
        ),
        Mistake(
            "Only one head per layer was removed (head 0). Set the whole row "
            "keep[l] = False to remove all heads of layer l.",
            lambda p, w, c: _rises(p, w, c, which="head0"),
            id="one-head",
        ),
        Mistake(
            "The mask is inverted: True keeps a head. You kept layer l and removed "
            "every other layer's heads.",
            lambda p, w, c: _rises(p, w, c, which="others"),
            id="mask-inverted",
        ),
        Mistake(
            "The targets are not shifted: position t is scored on token t + 1, "
            "so the model reads windows[:, :-1] and is scored on windows[:, 1:].",
            lambda p, w, c: _rises(p, w, c, shift=0),
            id="no-shift",
        ),
        Mistake(
            "That is mean-ablation (each head replaced by its average output); "
            "this exercise zero-ablates: the head writes nothing.",
            lambda p, w, c: _rises(p, w, c, mean=True),
            id="mean-ablation",
        ),
        Mistake(
            "The losses are in bits (log base 2); the book measures nats "
            "(natural log), as next_token_scores does.",
            lambda p, w, c: _rises(p, w, c, bits=True),
            id="bits",
        ),
        Mistake(
            "That is a ratio, loss without / loss with; the rise is the difference.",
            lambda p, w, c: _rises(p, w, c, relative=True),
            id="ratio",
        ),
        Mistake(
            "Layers 0..l were all removed at once; remove one layer at a time, "
            "the others kept.",
            lambda p, w, c: _rises(p, w, c, which="upto"),
            id="cumulative",
        ),
        Mistake(
            "Entry l removed layer l + 1 (the last entry, layer 0): entry l must "
            "be layer l, counted from 0.",
            lambda p, w, c: _rises(p, w, c, which="next"),
            id="off-by-one",
        ),
        Mistake(
            "Only the first window was scored: average the loss over every window "
            "of the batch, windows[:, :-1], not windows[0].",
            lambda p, w, c: _rises(p, w, c, which="first-window"),
            id="one-window",
        ),
        Mistake(
            "The shift goes the wrong way: the model reads windows[:, :-1] and is "
            "scored on the next token, windows[:, 1:], not the other way round.",
            lambda p, w, c: _rises(p, w, c, shift=-1),
            id="shift-reversed",
        ),
        Mistake(
            "The losses were summed over every position; the exercise asks for the "
            "mean loss per character (nats per character), as next_token_scores "
            "gives it.",
            lambda p, w, c: _rises(p, w, c) * np.asarray(w)[:, 1:].size,
            id="summed",
        ),
    ]
    run_checks(
        "check_layer_ablation",
        candidate,
        _layer_rises,
        cases,
        mistakes,
        rtol=1e-3,
        atol=1e-4,
    )
