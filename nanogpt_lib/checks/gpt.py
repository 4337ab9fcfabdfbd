"""Checkers for chapter 07's exercises (the whole GPT): a block, the forward pass and
the generation loop to debug; batched generation to build; the sizes of the tensors of
one forward pass by hand; the Shakespeare model's next-character probability (predict,
then run); and the temperature that fits unseen text best (an experiment).

Chapter 00's checkers live in `big_picture`, appendix A1's in `training`; they are
imported here too, so `from nanogpt_lib.checks.gpt import check_next_token` works.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import gpt as lib
from ..gpt import GPTConfig, block, forward, generate, init_params
from ..layernorm import layer_norm
from ..multihead import multi_head_attention
from ..softmax import softmax
from ..tokenizer import CharTokenizer
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
    "check_next_char_probability",
    "check_heldout_loss",
    "check_best_temperature",
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


# ------------------------------------------------------------------------ predict

WITCHES = "Double, double toil and trouble;\nFire burn, and cauldron b"


def _shakespeare():
    from ..shakespeare import load_model

    return load_model()


def _next_char_reference(params, cfg, tokenizer, text, char):
    ids = tokenizer.encode(text)[-cfg.block_size :]
    probs = softmax(forward(params, np.array(ids), cfg)[-1])
    return float(probs[tokenizer.encode(char)[0]])


def witches_text() -> str:
    """Macbeth (held out) up to 'cauldron b', the first time the witches chant it."""
    from ..shakespeare import held_out_text

    text = held_out_text()
    return text[: text.index(WITCHES) + len(WITCHES)]


def check_next_char_probability(candidate, prediction=None) -> None:
    """Check `candidate(params, cfg, tokenizer, text, char)`: the model's probability
    that `char` comes next after `text` (a float). With `prediction` (a number or a
    function returning one), say how far it was from the measured probability.
    """
    from ..shakespeare import held_out_text

    lm_cfg, lm_params, chars = _shakespeare()
    cfg_s, params_s = _sorter()
    sorter_tok = CharTokenizer.sorter()
    long = held_out_text()[2000:2400]  # 400 characters: more than the context
    cases = [
        Case("the sorter after CBABBC, 'A'", (params_s, cfg_s, sorter_tok, "CBABBC",
                                              "A")),
        Case("Shakespeare, 'Fair is foul, and foul is f' + 'a'",
             (lm_params, lm_cfg, chars, "Fair is foul, and foul is f", "a")),
        Case("Shakespeare, 400 characters (more than block_size)",
             (lm_params, lm_cfg, chars, long, held_out_text()[2400])),
        Case("Shakespeare, one character 'T' + 'h'",
             (lm_params, lm_cfg, chars, "T", "h")),
    ]  # fmt: skip

    def logits_of(params, cfg, tok, text):
        ids = tok.encode(text)[-cfg.block_size :]
        return forward(params, np.array(ids), cfg)

    def index(tok, char):
        return tok.encode(char)[0]

    mistakes = [
        Mistake(
            "You used the first position's logits: the next character is predicted "
            "by the last position, logits[-1].",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text)[0])[index(tk, ch)]
            ),
            id="first-position",
        ),
        Mistake(
            "That is a logit, not a probability: apply softmax to the last row first.",
            lambda p, c, tk, text, ch: float(
                logits_of(p, c, tk, text)[-1][index(tk, ch)]
            ),
            id="logit-not-probability",
        ),
        Mistake(
            "That is the probability of the most likely character, not of `char`: "
            "index the probabilities with char's id.",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text)[-1]).max()
            ),
            id="most-likely",
        ),
        Mistake(
            "That is a log-probability: return the probability itself, between 0 "
            "and 1.",
            lambda p, c, tk, text, ch: float(
                np.log(softmax(logits_of(p, c, tk, text)[-1])[index(tk, ch)])
            ),
            id="log-probability",
        ),
        Mistake(
            "Softmax ran over the positions (axis 0): normalise each row over the "
            "vocabulary, the last axis.",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text), axis=0)[-1][index(tk, ch)]
            ),
            id="softmax-wrong-axis",
        ),
        Mistake(
            "A text longer than the context keeps its *last* block_size characters "
            "(the ones right before the next character), not its first.",
            lambda p, c, tk, text, ch: float(
                softmax(forward(p, np.array(tk.encode(text)[: c.block_size]), c)[-1])[
                    index(tk, ch)
                ]
            ),
            id="start-of-text",
        ),
        Mistake(
            "The last character of the text is missing: the model must read all of "
            "it, up to the character just before the one predicted.",
            lambda p, c, tk, text, ch: (
                _next_char_reference(p, c, tk, text[:-1], ch) if len(text) > 1 else None
            ),
            id="drops-last-character",
        ),
    ]
    run_checks(
        "check_next_char_probability",
        candidate,
        _next_char_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-6,
    )
    if prediction is None:
        return
    try:
        measured = float(candidate(lm_params, lm_cfg, chars, witches_text(), "u"))
    except NotImplementedError:
        return  # a stub: run_checks has said so already
    try:
        guess = prediction() if callable(prediction) else prediction
    except NotImplementedError:
        print("Write your prediction in my_prediction() first, then run this again.")
        return
    if isinstance(guess, bool) or not isinstance(guess, (int, float, np.number)):
        print(f"Your prediction should be a probability, got {guess!r}.")
        return
    guess = float(guess)
    off = guess - measured
    how = "spot on" if abs(off) < 0.02 else ("too high" if off > 0 else "too low")
    print(
        f"P('u' after '...cauldron b') = {measured:.3f}; you predicted {guess:.2f}"
        f" ({how}, off by {abs(off):.2f})."
    )
    ids = chars.encode(witches_text())[-lm_cfg.block_size :]
    probs = softmax(forward(lm_params, np.array(ids), lm_cfg)[-1])
    top = np.argsort(probs, kind="stable")[::-1][:5]
    print(
        "The model's five best guesses: "
        + ", ".join(f"{chars.decode([int(i)])!r} {probs[i]:.2f}" for i in top)
    )


# ------------------------------------------------------------------------ experiment

TEMPERATURES = tuple(round(0.5 + 0.05 * i, 2) for i in range(31))  # 0.50 ... 2.00


def _heldout_loss_reference(logits, ids, temperature):
    z = np.asarray(logits, dtype=np.float64)[..., :-1, :] / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    target = np.asarray(ids)[..., 1:, None]
    return float(-np.take_along_axis(logp, target, axis=-1).mean())


@functools.lru_cache(maxsize=2)
def _macbeth_logits(n_windows: int):
    """The Shakespeare model's logits on the first n_windows x 256 held-out chars."""
    from ..shakespeare import held_out_text

    lm_cfg, lm_params, chars = _shakespeare()
    n = n_windows * lm_cfg.block_size
    ids = np.array(chars.encode(held_out_text()[:n])).reshape(n_windows, -1)
    return forward(lm_params, ids, lm_cfg), ids


def _loss_variant(logits, ids, temperature, *, shift=1, scale="divide", sign=-1,
                  reduce="mean", base=None, flat=False):  # fmt: skip
    z = np.asarray(logits, dtype=np.float64)
    ids = np.asarray(ids)
    if flat:  # the windows glued into one long sequence
        z = z.reshape(-1, z.shape[-1])
        ids = ids.reshape(-1)
    if scale == "divide":
        z = z / temperature
    elif scale == "multiply":
        z = z * temperature
    if shift == 1:
        z, target = z[..., :-1, :], ids[..., 1:]
    elif shift == 0:
        target = ids
    else:  # logits of position t+1 scored against token t
        z, target = z[..., 1:, :], ids[..., :-1]
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, target[..., None], axis=-1)
    if base is not None:
        picked = picked / np.log(base)
    total = picked.sum() if reduce == "sum" else picked.mean()
    return float(sign * total)


def check_heldout_loss(candidate) -> None:
    """Check `candidate(logits, ids, temperature)`: the mean cross-entropy (nats per
    token) of predicting ids[..., t + 1] from softmax(logits[..., t, :] / temperature).
    """
    rng = np.random.default_rng(11)
    real_logits, real_ids = _macbeth_logits(2)
    small = rng.standard_normal((7, 5), dtype=np.float32) * np.float32(2.0)
    batch = rng.standard_normal((2, 6, 4), dtype=np.float32) * np.float32(2.0)
    cases = [
        Case("T = 7, V = 5, temperature 1", (small, rng.integers(0, 5, 7), 1.0)),
        Case("T = 7, V = 5, temperature 0.5", (small, rng.integers(0, 5, 7), 0.5)),
        Case("batch of 2, T = 6, temperature 1.5",
             (batch, rng.integers(0, 4, (2, 6)), 1.5)),
        Case("the Shakespeare model on 2 x 256 characters of Macbeth, temperature 1.2",
             (real_logits, real_ids, 1.2)),
    ]  # fmt: skip

    def variant(**kw):
        return lambda lg, ids, t: _loss_variant(lg, ids, t, **kw)

    mistakes = [
        Mistake(
            "The targets are not shifted: the logits at position t predict token "
            "t + 1, so score logits[..., :-1, :] against ids[..., 1:].",
            variant(shift=0),
            id="no-shift",
        ),
        Mistake(
            "Shifted the wrong way: position t predicts the token *after* it, "
            "logits[..., :-1, :] against ids[..., 1:], not logits[..., 1:, :] "
            "against ids[..., :-1].",
            variant(shift=-1),
            id="shift-reversed",
        ),
        Mistake(
            "Temperature divides the logits (logits / temperature); you multiplied.",
            variant(scale="multiply"),
            id="temperature-multiplies",
        ),
        Mistake(
            "The temperature is not used: divide the logits by it before softmax.",
            variant(scale=None),
            id="no-temperature",
        ),
        Mistake(
            "Check the sign: the loss is the *negative* mean log-probability, a "
            "positive number.",
            variant(sign=1),
            id="sign",
        ),
        Mistake(
            "You summed the losses; report the mean over the predicted tokens "
            "(nats per token), so texts of different lengths compare.",
            variant(reduce="sum"),
            id="sum-not-mean",
        ),
        Mistake(
            "Use the natural log (nats), as the book does; you used log base 2 (bits).",
            variant(base=2),
            id="log2",
        ),
        Mistake(
            "The batch axis was flattened away: each window is its own text, so "
            "the last token of one window does not predict the first of the next. "
            "Shift along the token axis, logits[..., :-1, :] and ids[..., 1:].",
            variant(flat=True),
            id="batch-flattened",
        ),
    ]
    run_checks(
        "check_heldout_loss",
        candidate,
        _heldout_loss_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
    )


def _best_temperature_reference(logits, ids):
    losses = [_heldout_loss_reference(logits, ids, t) for t in TEMPERATURES]
    return TEMPERATURES[int(np.argmin(losses))]


def _synthetic_calibration(seed: int, true_temperature: float, n: int = 400):
    """Logits whose tokens were drawn at another temperature: best T is near it."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, 6)).astype(np.float32) * np.float32(2.0)
    probs = softmax(logits.astype(np.float64) / true_temperature)
    ids = np.array([0] + [rng.choice(6, p=p) for p in probs[:-1]])
    return logits, ids


def check_best_temperature(candidate) -> None:
    """Check `candidate(logits, ids)`: the temperature among 0.50, 0.55, ..., 2.00
    at which the held-out loss of `logits` on `ids` is lowest (a float)."""
    real_logits, real_ids = _macbeth_logits(8)
    cases = [
        Case("the Shakespeare model on 8 x 256 characters of Macbeth",
             (real_logits, real_ids)),
        Case("tokens drawn at temperature 0.7", _synthetic_calibration(1, 0.7)),
        # best at 1.75 and 0.85: off a 0.1 grid, and 1.75 beyond a scan that
        # stops at 1.5
        Case("tokens drawn at temperature 1.85", _synthetic_calibration(3, 1.85)),
        Case("tokens drawn at temperature 0.85", _synthetic_calibration(6, 0.85)),
    ]  # fmt: skip

    def losses(lg, ids, **kw):
        return [_loss_variant(lg, ids, t, **kw) for t in TEMPERATURES]

    def scan(grid):
        return lambda lg, ids: float(
            min(grid, key=lambda t: _heldout_loss_reference(lg, ids, t))
        )

    mistakes = [
        Mistake(
            "Scan every 0.05 from 0.50 to 2.00 (31 temperatures): a grid of 0.1 steps "
            "misses minima such as 1.75.",
            scan([round(0.5 + 0.1 * i, 1) for i in range(16)]),
            id="grid-step",
        ),
        Mistake(
            "The scan must reach 2.00: the best temperature can be above 1.5.",
            scan([x for x in TEMPERATURES if x <= 1.5]),
            id="grid-range",
        ),
        Mistake(
            "That is the temperature with the *highest* loss: take the argmin. (Or "
            "does your score not change with the temperature? Greedy accuracy does "
            "not; score each temperature by the held-out cross-entropy.)",
            lambda lg, ids: TEMPERATURES[int(np.argmax(losses(lg, ids)))],
            id="argmax",
        ),
        Mistake(
            "Return the temperature itself, not its position in the list.",
            lambda lg, ids: float(np.argmin(losses(lg, ids))),
            id="index",
        ),
        Mistake(
            "Return the temperature at the minimum, not the minimum loss.",
            lambda lg, ids: float(np.min(losses(lg, ids))),
            id="returns-loss",
        ),
        Mistake(
            "Temperature divides the logits; with logits * T the scan finds "
            "(about) 1 / T.",
            lambda lg, ids: TEMPERATURES[
                int(np.argmin(losses(lg, ids, scale="multiply")))
            ],
            id="temperature-multiplies",
        ),
        Mistake(
            "Measure, don't assume: the loss is not always lowest at T = 1.",
            lambda lg, ids: 1.0,
            id="assumed-one",
        ),
        Mistake(
            "The targets are not shifted: score logits[..., :-1, :] against "
            "ids[..., 1:], the token each position predicts.",
            lambda lg, ids: TEMPERATURES[int(np.argmin(losses(lg, ids, shift=0)))],
            id="no-shift",
        ),
    ]
    run_checks(
        "check_best_temperature",
        candidate,
        _best_temperature_reference,
        cases,
        mistakes,
        rtol=0,
        atol=1e-6,
    )
