"""Checkers for chapter 07's exercises on the model's parts (the whole GPT): a block,
the forward pass and the generation loop to debug; batched generation to build; the
sizes of the tensors of one forward pass by hand. The exercises on the trained
Shakespeare model are checked in `language_model`.

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
from ._core import BadReturn, Case, CheckFailure, Mistake, run_checks
from .big_picture import check_matmul_macs, check_next_token
from .mlp import BLOCK_MISTAKES
from .training import check_adamw_step, check_cross_entropy

__all__ = [
    "check_next_token",
    "check_matmul_macs",
    "check_gpt_block",
    "check_gpt_forward",
    "check_greedy_generate",
    "check_generate_batch",
    "check_forward_sizes",
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


NO_BIAS = "no biases (cfg.bias False, nanoGPT's option), T = 5"


def check_gpt_block(candidate) -> None:
    """Check `candidate(x, p, cfg)`: one GPT-2 block, (T, C) -> (T, C), also for a
    model without biases (cfg.bias False: LayerNorms with a weight only)."""
    cases = []
    for label, t, kw in [
        ("T = 6, C = 8, H = 2", 6, {}),
        ("T = 4, C = 12, H = 3", 4, {"n_embd": 12, "n_head": 3}),
        ("one head, T = 3", 3, {"n_head": 1}),
        ("one token (T = 1)", 1, {}),
        (NO_BIAS, 5, {"bias": False}),
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
    mistakes.append(
        Mistake(
            "This model has no biases (cfg.bias is False): its LayerNorms have only a "
            "'weight'. Pass p['ln_1'].get('bias') (None when absent) to layer_norm.",
            raises=KeyError,
            on=(NO_BIAS,),
            id="needs-bias",
        )
    )
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
        Case(
            "the sorter on a batch of 3 inputs, ids (3, 7)",
            (
                params_s,
                np.array(
                    [
                        [2, 1, 0, 1, 1, 2, 0],
                        [0, 0, 1, 2, 2, 1, 0],
                        [1, 2, 0, 0, 2, 1, 0],
                    ]
                ),
                cfg_s,
            ),  # fmt: skip
        ),
    ]


def _forward_variant(params, ids, cfg, *, pos=True, ln_f=True, head=None, blocks=None):
    x = params["wte"][ids]
    if pos == "by-id":
        x = x + params["wpe"][ids]
    elif pos:
        x = x + params["wpe"][: np.shape(ids)[-1]]
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
    """Check `candidate(params, ids, cfg)`: ids (T,) or (B, T) -> logits (..., T, V)."""

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
            "ids can be a batch (B, T): T is the last axis, ids.shape[-1]; len(ids) "
            "is B. Slice the positions with wpe[:ids.shape[-1]].",
            raises=(ValueError, IndexError),
            on=("the sorter on a batch of 3 inputs, ids (3, 7)",),
            id="len-is-batch",
        ),
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


# ------------------------------------------------------------------------ batch


def _as_id_rows(value) -> list[list[int]]:
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.dtype.kind not in "iu":
        raise BadReturn(
            "return one row of integer ids per prompt, shape (B, T + n_new), got "
            f"{arr.dtype} array of shape {arr.shape}"
        )
    return arr.tolist()


def _batch_variant(
    params,
    ids,
    cfg,
    n_new,
    *,
    row=-1,
    append=True,
    only_new=False,
    steps=0,
    first_prompt=False,
    window=None,
):
    ids = np.asarray(ids)
    seq = ids.copy()
    for _ in range(n_new + steps):
        context = seq if append else ids
        if window is not None:
            context = context[:, -window(ids.shape[1]) :]
        logits = forward(params, context, cfg)  # (B, T, V)
        if first_prompt:
            nxt = np.full(len(ids), np.argmax(logits[0, row]))
        else:
            nxt = np.argmax(logits[:, row], axis=-1)  # (B,)
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
    return seq[:, ids.shape[1] :] if only_new else seq


def check_generate_batch(candidate) -> None:
    """Check `candidate(params, ids, cfg, n_new)`: greedy decoding of B prompts at
    once, ids (B, T) -> (B, T + n_new)."""
    from ..train import all_sort_inputs

    cfg_s, params_s = _sorter()
    tied = _small_cfg()
    noisy = _noisy_params(tied, 5)
    inputs = all_sort_inputs()
    cases = [
        Case("random model, 3 prompts", (noisy, np.array([[1, 3], [4, 0], [2, 2]]),
                                         tied, 4)),
        Case("the sorter, 5 inputs", (params_s, inputs[[65, 0, 728, 300, 411]],
                                      cfg_s, 6)),
        Case("one prompt (B = 1)", (params_s, inputs[[500]], cfg_s, 6)),
        Case("n_new = 0 returns the prompts", (noisy, np.array([[2, 2, 0], [1, 0, 4]]),
                                               tied, 0)),
    ]  # fmt: skip

    def reference(params, ids, cfg, n_new):
        return generate(params, ids, cfg, n_new, use_cache=False)

    def variant(**kw):
        return lambda p, i, c, n: _batch_variant(p, i, c, n, **kw)

    mistakes = [
        Mistake(
            "The chosen tokens were not appended: after each step add one column "
            "of B new ids to the batch and run the model on the longer batch.",
            variant(append=False),
            id="not-appended",
        ),
        Mistake(
            "You used the first position's logits: the next token of every prompt "
            "comes from its last position, logits[:, -1].",
            variant(row=0),
            id="first-position",
        ),
        Mistake(
            "Every prompt got the first prompt's token: take the argmax of each "
            "row, np.argmax(logits[:, -1], axis=-1), one token per prompt.",
            variant(first_prompt=True),
            id="first-prompt-only",
        ),
        Mistake(
            "Return the prompts followed by the new tokens, not the new tokens alone.",
            variant(only_new=True),
            id="new-only",
        ),
        Mistake(
            "Off by one: generate exactly n_new tokens per prompt (range(n_new)).",
            variant(steps=-1),
            id="one-too-few",
        ),
        Mistake(
            "Off by one: generate exactly n_new tokens per prompt (range(n_new)).",
            variant(steps=1),
            id="one-too-many",
        ),
        Mistake(
            "A sliding window of the prompt's length drops the start of each "
            "sequence: run the model on all columns so far.",
            variant(window=lambda t: t),
            id="sliding-window",
        ),
    ]
    run_checks(
        "check_generate_batch",
        candidate,
        reference,
        cases,
        mistakes,
        normalise=_as_id_rows,
        forbid=[lib.generate],
    )


# ------------------------------------------------------------------------ by hand

SIZE_KEYS = ("logits", "patterns", "mlp_hidden", "kv_cache")


def _forward_sizes(cfg: GPTConfig, batch: int, t: int) -> dict[str, int]:
    """Numbers in the tensors of one batched forward pass (the truth)."""
    h, d, f = cfg.n_head, cfg.head_size, 4 * cfg.n_embd
    return {
        "logits": batch * t * cfg.vocab_size,
        "patterns": batch * h * t * t,  # one block, every head
        "mlp_hidden": batch * t * f,  # one block, after GELU
        "kv_cache": cfg.n_layer * 2 * batch * h * t * d,  # keys and values
    }


def _as_sizes(value) -> dict[str, int]:
    if not isinstance(value, dict) or set(value) != set(SIZE_KEYS):
        raise BadReturn(
            "return a dict with exactly the keys "
            + ", ".join(repr(k) for k in SIZE_KEYS)
            + f", got {value!r}"
        )
    out = {}
    for key in SIZE_KEYS:
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, (int, float, np.number)):
            raise BadReturn(f"{key!r} must be a number, got {number!r}")
        if float(number) != int(number):
            raise BadReturn(f"{key!r} counts numbers: a whole number, got {number!r}")
        out[key] = int(number)
    return out


def check_forward_sizes(candidate) -> None:
    """Check `candidate()`: the sizes of four tensors of the sorter's batched pass.

    The pass is `gpt.forward(params, seq11, cfg, kv_cache=new_kv_cache(cfg,
    batch_shape=(729,)))` with seq11 of shape (729, 11).
    """
    cfg = _sorter()[0]
    b, t = 729, 11
    truth = _forward_sizes(cfg, b, t)
    h, d, c, v, n_l = cfg.n_head, cfg.head_size, cfg.n_embd, cfg.vocab_size, cfg.n_layer

    def changed(**kw):
        return lambda: {**truth, **kw}

    mistakes = [
        Mistake(
            "Every count is missing the batch: the pass runs all 729 inputs at "
            "once, so each tensor has a leading axis of 729.",
            lambda: {k: n // b for k, n in truth.items()},
            id="no-batch",
        ),
        Mistake(
            "forward returns logits at every position, (B, T, V), not only at the "
            "last one: 729 x 11 x 3.",
            changed(logits=b * v),
            id="logits-last-only",
        ),
        Mistake(
            "The logits have one number per vocabulary entry, V = 3, not C = 48.",
            changed(logits=b * t * c),
            id="logits-width-c",
        ),
        Mistake(
            "Each head has its own (T, T) pattern: multiply by H = 3.",
            changed(patterns=b * t * t),
            id="patterns-one-head",
        ),
        Mistake(
            "The masked entries above the diagonal are stored too (as zeros): a "
            "pattern is a full T x T square, not a triangle.",
            changed(patterns=b * h * t * (t + 1) // 2),
            id="patterns-triangle",
        ),
        Mistake(
            "That is the patterns of all three blocks; the question asks for one "
            "block.",
            changed(patterns=n_l * b * h * t * t),
            id="patterns-all-layers",
        ),
        Mistake(
            "The MLP's hidden layer is 4C = 192 wide, not C = 48.",
            changed(mlp_hidden=b * t * c),
            id="mlp-width-c",
        ),
        Mistake(
            "The cache keeps keys *and* values: two arrays per layer.",
            changed(kv_cache=n_l * b * h * t * d),
            id="kv-keys-only",
        ),
        Mistake(
            "A factor of 3 is missing from the cache: every layer (L = 3) has "
            "its own keys and values, and within a layer every head (H = 3) its own.",
            changed(kv_cache=2 * b * h * t * d),
            id="kv-one-layer",
        ),
    ]
    try:
        run_checks(
            "check_forward_sizes",
            candidate,
            lambda: truth,
            [Case("the sorter on seq11, shape (729, 11)")],
            mistakes,
            normalise=_as_sizes,
        )
    except CheckFailure as failure:
        if failure.mistake is not None or "expected {" not in str(failure):
            raise
        # A by-hand exercise: say which counts are wrong, never the true ones.
        got = _as_sizes(candidate())
        verdicts = [
            f"{key!r}: got {got[key]:,}, expected a "
            f"{'smaller' if got[key] > truth[key] else 'larger'} count"
            for key in SIZE_KEYS
            if got[key] != truth[key]
        ]
        right = [repr(key) for key in SIZE_KEYS if got[key] == truth[key]]
        text = (
            f"check_forward_sizes [{failure.case}]: "
            + "; ".join(verdicts)
            + (f" ({', '.join(right)} right)." if right else ".")
            + "\nInput: () - count from B = 729, T = 11, C = 48, H = 3, D = 16,"
            " V = 3, L = 3; the true counts are not shown, so the check stays a check."
        )
        raise CheckFailure(text, checker=failure.checker, case=failure.case) from None
