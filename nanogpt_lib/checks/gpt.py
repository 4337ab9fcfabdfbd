"""Checkers for chapter 07's exercises (the whole GPT): one block, the output head,
the whole forward pass and greedy generation.

Chapter 00's checkers live in `big_picture`, appendix A1's in `training`; they are
imported here too, so `from nanogpt_lib.checks.gpt import check_next_token` works.
"""

from __future__ import annotations

import numpy as np

from .. import gpt as lib
from ..gpt import GPTConfig, block, forward, generate, init_params
from ..layernorm import layer_norm
from ..multihead import multi_head_attention
from ..softmax import softmax
from ._core import BadReturn, Case, Mistake, run_checks
from .big_picture import check_matmul_macs, check_next_token
from .mlp import BLOCK_MISTAKES
from .training import check_adamw_step, check_cross_entropy

__all__ = [
    "check_next_token",
    "check_matmul_macs",
    "check_gpt_block",
    "check_next_token_logits",
    "check_gpt_forward",
    "check_greedy_generate",
    "check_cross_entropy",
    "check_adamw_step",
]


def _noisy_params(cfg: GPTConfig, seed: int) -> dict:
    """init_params with every LayerNorm and bias made non-trivial.

    Fresh GPT-2 weights have LayerNorm weight 1 and bias 0, which would hide a
    forgotten scale or shift; here they get random values.
    """
    rng = np.random.default_rng(seed)
    params = init_params(cfg, rng=rng)

    def shake(tree):
        if isinstance(tree, dict):
            return {key: shake(value) for key, value in tree.items()}
        if isinstance(tree, list):
            return [shake(item) for item in tree]
        noise = rng.standard_normal(tree.shape, dtype=np.float32)
        if tree.ndim == 1:  # biases and LayerNorm vectors
            return tree + np.float32(0.3) * noise
        return tree * np.float32(5.0)  # larger weights: every path matters

    return shake(params)


def _small_cfg(**kw) -> GPTConfig:
    base = dict(vocab_size=5, block_size=10, n_layer=2, n_head=2, n_embd=8)
    base.update(kw)
    return GPTConfig(**base)


def _ln(x, p):
    return layer_norm(x, p["weight"], p.get("bias"))


def _attn(x, p, cfg):
    return multi_head_attention(x, p["attn"], cfg.n_head)


# ------------------------------------------------------------------------ block


def check_gpt_block(candidate) -> None:
    """Check `candidate(x, p, cfg)`: one GPT-2 block, (T, C) -> (T, C)."""
    cases = []
    for label, t, kw in [
        ("T = 6, C = 8, H = 2", 6, {}),
        ("T = 4, C = 12, H = 3", 4, {"n_embd": 12, "n_head": 3}),
        ("one head, T = 3", 3, {"n_head": 1}),
        ("one token (T = 1)", 1, {}),
    ]:
        cfg = _small_cfg(**kw)
        p = _noisy_params(cfg, seed=t)["h"][0]
        rng = np.random.default_rng(10 + t)
        x = rng.standard_normal((t, cfg.n_embd), dtype=np.float32) + np.float32(0.5)
        cases.append(Case(label, (x, p, cfg)))

    def reference(x, p, cfg):
        return block(x, p, cfg)

    def with_cfg(wrong):
        return lambda x, p, cfg: wrong(x, p, cfg.n_head)

    mistakes = [Mistake(m.hint, with_cfg(m.wrong), id=m.id) for m in BLOCK_MISTAKES]
    run_checks(
        "check_gpt_block",
        candidate,
        reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        forbid=[lib.block],
        keep_float32=True,
    )


# ------------------------------------------------------------------------ head


def check_next_token_logits(candidate) -> None:
    """Check `candidate(x, ln_f, w_u)`: final LayerNorm, last position, unembed.

    x (T, C) is the stream after the last block, w_u (V, C); returns (V,).
    """
    rng = np.random.default_rng(7)
    cases = []
    for label, t, c, v in [
        ("T = 6, C = 8, V = 3", 6, 8, 3),
        ("T = 11, C = 12, V = 7", 11, 12, 7),
        ("one token (T = 1)", 1, 8, 5),
    ]:
        x = rng.standard_normal((t, c), dtype=np.float32) * np.float32(3.0)
        x = x + np.float32(1.0)
        ln_f = {
            "weight": np.float32(1.0)
            + np.float32(0.4) * rng.standard_normal(c, dtype=np.float32),
            "bias": np.float32(0.4) * rng.standard_normal(c, dtype=np.float32),
        }
        w_u = rng.standard_normal((v, c), dtype=np.float32)
        cases.append(Case(label, (x, ln_f, w_u)))

    def reference(x, ln_f, w_u):
        return _ln(x, ln_f)[-1] @ w_u.T

    mistakes = [
        Mistake(
            "The final LayerNorm is missing: normalise with ln_f before the "
            "unembedding, ln_f(x) @ w_u.T.",
            lambda x, ln_f, w_u: x[-1] @ w_u.T,
            id="no-ln-f",
        ),
        Mistake(
            "You used the first position's logits. The next token is predicted by "
            "the *last* position: take row -1, not row 0.",
            lambda x, ln_f, w_u: _ln(x, ln_f)[0] @ w_u.T,
            id="first-position",
        ),
        Mistake(
            "Return the logits of the last position only, shape (V,): every row "
            "predicts a token, but only the last one is new.",
            lambda x, ln_f, w_u: _ln(x, ln_f) @ w_u.T,
            id="all-positions",
        ),
        Mistake(
            "Return logits, not probabilities: softmax comes later, when a token "
            "is picked.",
            lambda x, ln_f, w_u: softmax(_ln(x, ln_f)[-1] @ w_u.T),
            id="probabilities",
        ),
        Mistake(
            "Only the scale of ln_f was used: add its bias too, xhat * weight + bias.",
            lambda x, ln_f, w_u: layer_norm(x, ln_f["weight"])[-1] @ w_u.T,
            id="no-ln-f-bias",
        ),
    ]
    mistakes += [
        Mistake(
            "You averaged the positions: the next token is predicted from the last "
            "position alone, row -1.",
            lambda x, ln_f, w_u: _ln(x, ln_f).mean(axis=0) @ w_u.T,
            id="mean-of-positions",
        ),
        Mistake(
            "ln_f goes before the unembedding, on the stream: LayerNorm of the "
            "logits is not the same thing.",
            lambda x, ln_f, w_u: (
                (x[-1] @ w_u.T - (x[-1] @ w_u.T).mean())
                / np.sqrt((x[-1] @ w_u.T).var() + 1e-5)
            ),
            id="ln-after-unembed",
        ),
    ]
    run_checks(
        "check_next_token_logits",
        candidate,
        reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        keep_float32=True,
    )


# ------------------------------------------------------------------------ forward


def _sorter():
    from ..sorter import load_sorter

    return load_sorter()


def _forward_cases() -> list[Case]:
    cfg_s, params_s = _sorter()
    tied = _small_cfg()
    untied = _small_cfg(n_layer=1, tied_head=False, vocab_size=4)
    return [
        Case(
            "the sorter on CBABBC + ABBBC",
            (params_s, np.array([2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]), cfg_s),
        ),
        Case(
            "random tied model, T = 5",
            (_noisy_params(tied, 1), np.array([4, 0, 3, 3, 1]), tied),
        ),
        Case(
            "random untied model, T = 7",
            (_noisy_params(untied, 2), np.array([3, 2, 1, 0, 0, 1, 2]), untied),
        ),
        Case("one token (T = 1)", (_noisy_params(tied, 3), np.array([2]), tied)),
    ]


def _forward_variant(params, ids, cfg, *, pos=True, ln_f=True, head=None, blocks=None):
    x = params["wte"][ids]
    if pos == "by-id":
        x = x + params["wpe"][ids]
    elif pos:
        x = x + params["wpe"][: len(ids)]
    for p in params["h"] if blocks is None else blocks(params["h"]):
        x = block(x, p, cfg)
    if ln_f:
        x = _ln(x, params["ln_f"])
    w_u = (
        head
        if head is not None
        else (params["wte"] if cfg.tied_head else params["lm_head"])
    )
    return x @ w_u.T


def check_gpt_forward(candidate) -> None:
    """Check `candidate(params, ids, cfg)`: ids (T,) -> logits (T, V)."""

    def reference(params, ids, cfg):
        return forward(params, ids, cfg)

    mistakes = [
        Mistake(
            "The position vectors are missing: x = wte[ids] + wpe[:T]. Without them "
            "the model cannot tell CBA from ABC.",
            lambda p, i, c: _forward_variant(p, i, c, pos=False),
            id="no-positions",
        ),
        Mistake(
            "The final LayerNorm is missing: apply ln_f after the last block and "
            "before the unembedding.",
            lambda p, i, c: _forward_variant(p, i, c, ln_f=False),
            id="no-ln-f",
        ),
        Mistake(
            "This model has its own output matrix: when cfg.tied_head is False, "
            "unembed with params['lm_head'], not params['wte'].",
            lambda p, i, c: _forward_variant(p, i, c, head=p["wte"]),
            id="wrong-head",
        ),
        Mistake(
            "Only the first block ran: loop over every block in params['h'].",
            lambda p, i, c: _forward_variant(p, i, c, blocks=lambda h: h[:1]),
            id="first-block-only",
        ),
        Mistake(
            "The blocks ran in reverse order: h[0] reads the embeddings first.",
            lambda p, i, c: _forward_variant(p, i, c, blocks=lambda h: h[::-1]),
            id="blocks-reversed",
        ),
    ]
    mistakes += [
        Mistake(
            "Position vectors are picked by position 0..T-1, not by token id: "
            "wpe[:T], not wpe[ids].",
            lambda p, i, c: _forward_variant(p, i, c, pos="by-id"),
            id="wpe-by-id",
        ),
        Mistake(
            "Return the logits of every position, shape (T, V), not only the last "
            "row: training needs them all.",
            lambda p, i, c: _forward_variant(p, i, c)[-1],
            id="last-only",
        ),
        Mistake(
            "Return logits, not probabilities: no softmax at the end of forward.",
            lambda p, i, c: softmax(_forward_variant(p, i, c)),
            id="probabilities",
        ),
        Mistake(
            "The last block is missing: loop over all of params['h'] "
            "(range(len(h)), not range(len(h) - 1)).",
            lambda p, i, c: _forward_variant(p, i, c, blocks=lambda h: h[:-1]),
            id="last-block-missing",
        ),
    ]
    run_checks(
        "check_gpt_forward",
        candidate,
        reference,
        _forward_cases(),
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        forbid=[lib.forward],
        keep_float32=True,
    )


# ------------------------------------------------------------------------ generate


def _as_ids(value) -> list[int]:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise BadReturn(
            "return the whole sequence as a 1-D list or array of integer ids "
            f"(prompt + new tokens), got {arr.dtype} array of shape {arr.shape}"
        )
    return [int(i) for i in arr]


def _greedy_variant(
    params,
    ids,
    cfg,
    n_new,
    *,
    append=True,
    row=-1,
    only_new=False,
    window=None,
    steps=0,
):
    seq = list(int(i) for i in ids)
    new = []
    for _ in range(n_new + steps):
        context = seq if append else list(int(i) for i in ids)
        if window is not None:
            context = context[-window(len(ids)) :]
        logits = forward(params, np.array(context), cfg)
        token = int(np.argmax(logits[row]))
        new.append(token)
        seq.append(token)
    return new if only_new else seq


def check_greedy_generate(candidate) -> None:
    """Check `candidate(params, ids, cfg, n_new)`: greedy decoding, prompt included."""
    cfg_s, params_s = _sorter()
    tied = _small_cfg()
    noisy = _noisy_params(tied, 4)
    cases = [
        # On CBACA the usual mistakes all give different sequences.
        Case("the sorter, CBACA", (params_s, np.array([2, 1, 0, 2, 0]), cfg_s, 6)),
        Case("random model, 4 new", (noisy, np.array([1, 3]), tied, 4)),
        Case("the sorter, CBABBC", (params_s, np.array([2, 1, 0, 1, 1, 2]), cfg_s, 6)),
        Case("the sorter, ACBCAA", (params_s, np.array([0, 2, 1, 2, 0, 0]), cfg_s, 6)),
        Case("n_new = 0 returns the prompt", (noisy, np.array([2, 2, 0]), tied, 0)),
    ]

    def reference(params, ids, cfg, n_new):
        return generate(params, ids, cfg, n_new, use_cache=False)

    mistakes = [
        Mistake(
            "The chosen token was not appended: after each pick, add it to the "
            "sequence and run the model on the longer sequence.",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, append=False),
            id="not-appended",
        ),
        Mistake(
            "You used the first position's logits; the next token is predicted by "
            "the last position, logits[-1].",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, row=0),
            id="first-position",
        ),
        Mistake(
            "Return the prompt followed by the new tokens, not the new tokens alone.",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, only_new=True),
            id="new-only",
        ),
    ]
    mistakes += [
        Mistake(
            "A sliding window of the prompt's length drops the start of the "
            "sequence: run the model on everything so far, prompt and new tokens "
            "(it fits: the prompt plus n_new stays within block_size).",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, window=lambda t: t),
            id="sliding-window",
        ),
        Mistake(
            "Without a KV cache the model must see the whole sequence at each "
            "step, not only the last token.",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, window=lambda t: 1),
            id="only-last-token",
        ),
        Mistake(
            "Off by one: generate exactly n_new tokens (range(n_new)).",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, steps=-1),
            id="one-too-few",
        ),
        Mistake(
            "Off by one: generate exactly n_new tokens (range(n_new)).",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, steps=1),
            id="one-too-many",
        ),
    ]
    run_checks(
        "check_greedy_generate",
        candidate,
        reference,
        cases,
        mistakes,
        normalise=_as_ids,
        forbid=[lib.generate],
    )
