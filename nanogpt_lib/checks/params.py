"""Checkers for chapter 08's exercises: GPT-2 small counted by hand, the embedding's
share (predicted, then computed), the KV cache with shared key/value heads, and
debugging how many layers fit."""

from __future__ import annotations

import textwrap

import numpy as np

from .. import params as lib
from ._core import BadReturn, Case, Mistake, require_callable, run_checks

__all__ = [
    "check_gpt2_small_by_hand",
    "check_embedding_share",
    "check_kv_cache_bytes_gqa",
    "check_max_layers",
]

# (n_layer, n_embd, vocab_size, block_size): GPT-2 small, GPT-3, the sorter's sizes
# with a tied head, GPT-2 XL.
_MODELS = {
    "GPT-2 small": (12, 768, 50_257, 1024),
    "GPT-3": (96, 12_288, 50_257, 2048),
    "sorter sizes, tied head": (3, 48, 3, 11),
    "GPT-2 XL": (48, 1600, 50_257, 1024),
}


_OUTSIDE_BLOCKS = ("wte", "wpe", "ln_f.weight", "ln_f.bias", "lm_head")


def _block_params(C: int) -> int:
    """The library's groups for one layer, without what sits outside the blocks."""
    groups = lib.gpt2_groups_from_dims(1, C, 1, 1)
    return lib.total(g for g in groups if g.name not in _OUTSIDE_BLOCKS)


def _outside_params(C: int, V: int, T: int) -> int:
    """What a tied GPT-2-style model stores once, outside its blocks."""
    groups = lib.gpt2_groups_from_dims(1, C, V, T)
    return lib.total(g for g in groups if g.name in _OUTSIDE_BLOCKS)


# GPT-2 small, worked on paper in ex-08-block.
_SMALL = {"C": 768, "V": 50_257, "T": 1024}
_BY_HAND = ("one block", "outside the blocks")


def _by_hand_truth(part: str) -> int:
    C, V, T = _SMALL["C"], _SMALL["V"], _SMALL["T"]
    return _block_params(C) if part == "one block" else _outside_params(C, V, T)


def _as_count(value):
    """A by-hand answer: a whole number (1.0e6 is accepted as 1,000,000)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise BadReturn(
            f"each entry must be a number of parameters, got {type(value).__name__}"
        )
    if float(value) != int(value):
        raise BadReturn(f"a parameter count is a whole number, got {value}")
    return int(value)


def _always(value):
    """A wrong answer that gives `value` whatever it is asked."""
    return lambda *args: value


def check_gpt2_small_by_hand(candidate) -> None:
    """Check `candidate()` -> {"one block": int, "outside the blocks": int}.

    The numbers are GPT-2 small's (C = 768, V = 50,257, T = 1024, tied head),
    worked out on paper; each is compared with the library's count, and a wrong
    one is matched against the usual slips of counting.
    """
    require_callable("check_gpt2_small_by_hand", candidate)
    C, V, T = _SMALL["C"], _SMALL["V"], _SMALL["T"]

    def part_of(fn):
        def part(name):
            answer = fn()
            if not isinstance(answer, dict):
                raise BadReturn(
                    'return a dict {"one block": ..., "outside the blocks": ...}, '
                    f"got {type(answer).__name__}"
                )
            if name not in answer:
                raise BadReturn(f"your dict has no entry {name!r}")
            return answer[name]

        return part

    blocks = {
        "attn-bias-c-not-3c": (
            12 * C * C + 11 * C,
            "2C short: c_attn's bias has 3C numbers (one bias each for q, k and "
            "v), not C; or, if you counted that, each LayerNorm has two vectors "
            "of C, a weight (scale) and a bias (shift).",
        ),
        "no-biases": (
            12 * C * C + 4 * C,
            "You left out the biases: c_attn has 3C, c_proj C, c_fc 4C and the "
            "MLP's c_proj C (9C in all).",
        ),
        "no-layernorms": (
            12 * C * C + 9 * C,
            "You left out the two LayerNorms (ln_1, ln_2): each has a weight and a "
            "bias of C numbers, 4C in all.",
        ),
        "weights-only": (
            12 * C * C,
            "Only weight matrices counted: add the 9C biases of the four linear "
            "layers and the 4C of the two LayerNorms.",
        ),
        "ln-f-in-block": (
            12 * C * C + 15 * C,
            "ln_f sits after the last block, once per model: it is not part of a "
            "block, which has two LayerNorms (ln_1, ln_2).",
        ),
        "mlp-2x": (
            6 * C * C + 10 * C,
            "The MLP is 4x wide: c_fc is C x 4C and its c_proj is 4C x C, "
            "8 C^2 weights together.",
        ),
        "qkv-one-matrix": (
            10 * C * C + 11 * C,
            "c_attn makes q, k and v at once: its weight is C x 3C (and its bias "
            "3C), not C x C.",
        ),
    }
    outside = {
        "no-ln-f": (
            (V + T) * C,
            "ln_f (a weight and a bias of C numbers after the last block) is stored "
            "once, outside the blocks: add 2C.",
        ),
        "no-wpe": (
            (V + 2) * C,
            "The position embedding wpe (T x C = 1024 x 768) sits outside the "
            "blocks too.",
        ),
        "tied-head-twice": (
            (2 * V + T + 2) * C,
            "GPT-2 ties its head to wte: the V x C matrix is stored once, so it "
            "counts once.",
        ),
        "embeddings-only": (
            (V + T) * C - T * C,
            "Outside the blocks there is more than wte: the position embedding wpe "
            "(T x C) and ln_f (2C).",
        ),
        "blocks-included": (
            (V + T + 2) * C + 12 * (12 * C * C + 13 * C),
            "That is the whole model: 'outside the blocks' is only wte, wpe and "
            "ln_f, without the 12 blocks.",
        ),
    }
    mistakes = [
        Mistake(hint, _always(n), id=key, on=("one block",))
        for key, (n, hint) in blocks.items()
    ]
    mistakes += [
        Mistake(hint, _always(n), id=key, on=("outside the blocks",))
        for key, (n, hint) in outside.items()
    ]
    cases = [Case(name, (name,)) for name in _BY_HAND]
    run_checks(
        "check_gpt2_small_by_hand",
        part_of(candidate),
        _by_hand_truth,
        cases,
        mistakes,
        normalise=_as_count,
        generic_hint=(
            "Add it up tensor by tensor: the printed total 124,439,808 must equal "
            "12 x (one block) + (outside the blocks)."
        ),
    )


def _guess_or_none(prediction):
    """The reader's guess as a float, or None (no guess yet, or not a number)."""
    try:
        return float(prediction() if callable(prediction) else prediction)
    except (NotImplementedError, TypeError, ValueError):
        return None


def report_prediction(prediction, actual: float, what: str, fmt) -> None:
    """Print how far a reader's prediction was from the computed value.

    `prediction` is a number or a function returning one (a student notebook's
    stub raises NotImplementedError: then only a reminder is printed). A wrong
    guess is never a failure: the point is to compare.
    """
    if prediction is None:
        return
    try:
        guess = prediction() if callable(prediction) else prediction
    except NotImplementedError:
        print("No prediction yet: write your guess first, then run this cell again.")
        return
    try:
        guess = float(guess)
    except (TypeError, ValueError):
        print(f"Your prediction should be a number, got {guess!r}.")
        return
    line = f"You predicted {fmt(guess)}; {what} is {fmt(actual)}"
    if guess > 0 and actual > 0:
        factor = guess / actual
        if 0.9 <= factor <= 1.1:
            line += ": within 10%, well judged."
        elif factor > 1:
            line += f": your guess was {factor:.1f}x too high."
        else:
            line += f": your guess was {1 / factor:.1f}x too low."
    else:
        line += f" (off by {fmt(abs(guess - actual))})."
    print(textwrap.fill(line, 88))  # a notebook's printed lines stay within 88


def check_embedding_share(candidate, prediction=None) -> None:
    """Check `candidate(n_layer, n_embd, vocab_size, block_size)`: wte's share.

    With `prediction` (a number, or the reader's function returning one: their
    guess for GPT-3), print how far it was from GPT-3's share once the function
    passes. A wrong guess never fails the check.
    """
    cases = [Case(name, dims) for name, dims in _MODELS.items()]

    def reference(L, C, V, T):
        return V * C / lib.count_params_from_dims(L, C, V, T)

    def n(L, C, V, T):
        return lib.count_params_from_dims(L, C, V, T)

    mistakes = [
        Mistake(
            "The head is tied: it *is* wte, so V x C is in the total once, not twice.",
            lambda L, C, V, T: V * C / (n(L, C, V, T) + V * C),
            id="head-counted-twice",
        ),
        Mistake(
            "The head is tied: it is the same matrix as wte, so the share counts "
            "V x C once, not twice.",
            lambda L, C, V, T: 2 * V * C / (n(L, C, V, T) + V * C),
            id="head-counted-twice",
        ),
        Mistake(
            "The head is tied: it is the same matrix as wte, so the share counts "
            "V x C once, not twice.",
            lambda L, C, V, T: 2 * V * C / n(L, C, V, T),
            id="head-counted-twice",
        ),
        Mistake(
            "Only the token embedding wte (V x C) counts here, not the position "
            "embedding wpe.",
            lambda L, C, V, T: (V + T) * C / n(L, C, V, T),
            id="wpe-in-share",
        ),
        Mistake(
            "Return a fraction between 0 and 1, not a percentage.",
            lambda L, C, V, T: 100 * V * C / n(L, C, V, T),
            id="percentage",
        ),
        Mistake(
            "The total must include every trainable tensor: positions, biases and "
            "LayerNorms too (V C + T C + L (12 C^2 + 13 C) + 2 C).",
            lambda L, C, V, T: V * C / (V * C + 12 * L * C * C),
            id="total-incomplete",
        ),
        Mistake(
            "The total must include every trainable tensor: positions, biases and "
            "LayerNorms too (V C + T C + L (12 C^2 + 13 C) + 2 C).",
            lambda L, C, V, T: V * C / (V * C + T * C + 12 * L * C * C),
            id="total-incomplete",
        ),
    ]
    mistakes += [
        Mistake(
            "The total misses ln_f, the final LayerNorm (2C: a weight and a bias).",
            lambda L, C, V, T: V * C / (n(L, C, V, T) - 2 * C),
            id="total-no-ln-f",
        ),
        Mistake(
            "The total misses the position embedding wpe (T x C).",
            lambda L, C, V, T: V * C / (n(L, C, V, T) - T * C),
            id="total-no-wpe",
        ),
        Mistake(
            "That is the share of everything else: wte's share is V C / total, "
            "not 1 minus it.",
            lambda L, C, V, T: 1 - V * C / n(L, C, V, T),
            id="complement",
        ),
    ]
    run_checks(
        "check_embedding_share",
        candidate,
        reference,
        cases,
        mistakes,
        rtol=1e-9,
    )
    try:
        actual = float(candidate(*_MODELS["GPT-3"]))
    except NotImplementedError:
        return
    report_prediction(prediction, actual, "GPT-3's share in wte", lambda x: f"{x:.3%}")
    guess = _guess_or_none(prediction)
    if guess is not None and guess >= 1:  # "1" meant as 1%: a share is a fraction
        print(
            f"A share is a fraction between 0 and 1: if you meant {guess:g}%, "
            f"write {guess / 100:g}."
        )


def _kv_ref(L, C, H, H_kv, T, bits):
    return 2 * L * H_kv * (C // H) * T * bits // 8


def check_kv_cache_bytes_gqa(candidate) -> None:
    """Check `candidate(n_layer, n_embd, n_head, n_kv_head, n_tokens, bits)`: bytes.

    The KV cache of one sequence when the H query heads share n_kv_head key/value
    heads of size D = C / H (multi-query attention: 1; ordinary attention: H).
    """
    cases = [
        Case(
            "GPT-2 small, 4 key/value heads, 1024 tokens, 32 bits",
            (12, 768, 12, 4, 1024, 32),
        ),
        Case(
            "80 layers, C = 8192, 64 heads sharing 8, 4096 tokens, 16 bits",
            (80, 8192, 64, 8, 4096, 16),
        ),
        Case(
            "GPT-3, every head its own keys, 2048 tokens, 16 bits",
            (96, 12_288, 96, 96, 2048, 16),
        ),
        Case(
            "GPT-3 with one key/value head, 2048 tokens, 16 bits",
            (96, 12_288, 96, 1, 2048, 16),
        ),
        Case("4 bits per value", (2, 64, 4, 2, 10, 4)),
        Case("no tokens yet", (12, 768, 12, 4, 0, 16)),
    ]  # fmt: skip
    mistakes = [
        Mistake(
            "That is the cache of ordinary attention, one key and one value per "
            "query head: with shared heads only n_kv_head keys and values of size "
            "D = C / H are stored per token and layer.",
            lambda L, C, H, K, T, b: 2 * L * C * T * b // 8,
            id="ignores-sharing",
        ),
        Mistake(
            "Each shared key/value head is one head wide, D = C / H numbers, "
            "not C: a token stores 2 x n_kv_head x D numbers per layer.",
            lambda L, C, H, K, T, b: 2 * L * K * C * T * b // 8,
            id="kv-head-full-width",
        ),
        Mistake(
            "C / n_kv_head is how many query heads' worth of width share one "
            "key/value head, not the size of what is stored: a key/value head has "
            "D = C / H numbers, and there are n_kv_head of them.",
            lambda L, C, H, K, T, b: 2 * L * (C // K) * T * b // 8,
            id="divides-by-kv-heads",
        ),
        Mistake(
            "The cache keeps two vectors per token, layer and key/value head, a key "
            "and a value: don't forget the factor 2.",
            lambda L, C, H, K, T, b: L * K * (C // H) * T * b // 8,
            id="no-factor-2",
        ),
        Mistake(
            "Bits are not bytes: a byte is 8 bits, so a 16-bit number takes 2 bytes.",
            lambda L, C, H, K, T, b: 2 * L * K * (C // H) * T * b,
            id="bits-not-bytes",
        ),
        Mistake(
            "Every layer has its own keys and values: multiply by the number of "
            "layers L.",
            lambda L, C, H, K, T, b: 2 * K * (C // H) * T * b // 8,
            id="no-layers",
        ),
        Mistake(
            "The cache grows linearly with the tokens (one key and one value each); "
            "the T x T attention pattern is recomputed, not cached.",
            lambda L, C, H, K, T, b: 2 * L * K * (C // H) * T * T * b // 8,
            id="quadratic-in-tokens",
        ),
        Mistake(
            "Return bytes, not gigabytes.",
            lambda L, C, H, K, T, b: 2 * L * K * (C // H) * T * b / 8 / 1e9,
            id="gigabytes",
        ),
    ]
    run_checks(
        "check_kv_cache_bytes_gqa",
        candidate,
        _kv_ref,
        cases,
        mistakes,
        rtol=1e-12,
        forbid=[lib.kv_cache_bytes],
    )


def _max_layers(C, memory_bytes, V, T, nbytes):
    """Largest L with weight_bytes(count_params_from_dims(L, C, V, T)) <= memory."""
    one = lib.count_params_from_dims(1, C, V, T)
    per_layer = lib.count_params_from_dims(2, C, V, T) - one
    fixed = one - per_layer  # wte, wpe, ln_f: paid once, whatever L is
    return max((memory_bytes - nbytes * fixed) // (nbytes * per_layer), 0)


def check_max_layers(candidate) -> None:
    """Check `candidate(n_embd, memory_bytes, vocab_size, block_size, bytes_per_value)`.

    The answer is the largest L whose GPT-2-style weights (tied head) fit.
    """
    cases = [
        Case("C = 768, 500 MB, fp32", (768, 500 * 10**6, 50_257, 1024, 4)),
        Case("C = 4096, 24 GB, fp16", (4096, 24 * 10**9, 50_257, 2048, 2)),
        Case("C = 4096, 24 GB, fp32", (4096, 24 * 10**9, 50_257, 2048, 4)),
        Case("C = 12,288, 24 GB, int8", (12_288, 24 * 10**9, 50_257, 2048, 1)),
        # fixed 10x16 + 10x16 + 32 = 352, per layer 12x256 + 13x16 = 3280, fp32
        Case("exactly 20 layers fit", (16, 4 * (352 + 20 * 3280), 10, 10, 4)),
        Case("embeddings alone do not fit", (12_288, 10**9, 50_257, 2048, 2)),
        # fixed 12x8 + 10x8 + 16 = 192, per layer 12x64 + 13x8 = 872, fp16
        Case("exactly 2 layers fit", (8, 2 * (192 + 2 * 872), 12, 10, 2)),
        # C = 16, V = T = 10, fp32: fixed 352, per layer 3280 (as above)
        Case("5.3 layers' worth", (16, 4 * (352 + 5 * 3280 + 984), 10, 10, 4)),
        Case("5.7 layers' worth", (16, 4 * (352 + 5 * 3280 + 2296), 10, 10, 4)),
        Case(
            "2C + 1 values short of 20 layers",
            (16, 4 * (352 + 20 * 3280) - 4 * 32 - 1, 10, 10, 4),
        ),
        Case("1 byte short of 20 layers", (16, 4 * (352 + 20 * 3280) - 1, 10, 10, 4)),
    ]
    mistakes = [
        Mistake(
            "ln_f (2C: a weight and a bias after the last block) takes memory "
            "too: the fixed part is wte + wpe + ln_f, (V + T + 2) C values.",
            lambda C, M, V, T, b: max(
                (M - b * (V * C + T * C)) // (b * (12 * C * C + 13 * C)), 0
            ),
            id="no-ln-f",
        ),
        Mistake(
            "The position embedding wpe (T x C) takes memory too: the fixed part "
            "is wte + wpe + ln_f, (V + T + 2) C values.",
            lambda C, M, V, T, b: max(
                (M - b * (V * C + 2 * C)) // (b * (12 * C * C + 13 * C)), 0
            ),
            id="no-wpe",
        ),
        Mistake(
            "Round down, not to the nearest: round() turns 5.7 layers into 6, "
            "and the 6th does not fit. Use // (or math.floor).",
            lambda C, M, V, T, b: max(
                round((M - b * (V * C + T * C + 2 * C)) / (b * (12 * C * C + 13 * C))),
                0,
            ),
            id="rounds-to-nearest",
        ),
        Mistake(
            "Bits are not bytes: fp16 takes 2 bytes per parameter, not 16.",
            lambda C, M, V, T, b: _max_layers(C, M, V, T, 8 * b),
            id="bits-not-bytes",
        ),
        Mistake(
            "The embeddings (V x C), positions (T x C) and ln_f take memory too, "
            "before the first layer.",
            lambda C, M, V, T, b: M // (b * (12 * C * C + 13 * C)),
            id="embeddings-ignored",
        ),
        Mistake(
            "The head is tied to wte: its V x C weights are stored once.",
            lambda C, M, V, T, b: _max_layers(C, M - b * V * C, V, T, b),
            id="tied-head-twice",
        ),
        Mistake(
            "Round down: a model with a fraction of a layer more does not fit.",
            lambda C, M, V, T, b: (
                -(-(M - b * (V * C + T * C + 2 * C)) // (b * (12 * C * C + 13 * C)))
            ),
            id="rounds-up",
        ),
        Mistake(
            "When even the embeddings do not fit, the answer is 0 layers, not a "
            "negative number.",
            lambda C, M, V, T, b: (
                (M - b * (V * C + T * C + 2 * C)) // (b * (12 * C * C + 13 * C))
            ),
            id="negative",
        ),
        Mistake(
            "Each layer holds 12 C^2 + 13 C parameters (weights, biases, "
            "LayerNorms); 12 C^2 alone undercounts.",
            lambda C, M, V, T, b: max(
                (M - b * (V * C + T * C + 2 * C)) // (b * 12 * C * C), 0
            ),
            id="no-small-params",
        ),
    ]
    run_checks(
        "check_max_layers",
        candidate,
        _max_layers,
        cases,
        mistakes,
        forbid=[lib.count_params_from_dims, lib.count_params],
    )
