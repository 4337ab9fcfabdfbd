"""Checkers for chapter 08's exercises: counting, shares, KV cache, what fits."""

from __future__ import annotations

from .. import params as lib
from ._core import Case, Mistake, run_checks

__all__ = [
    "check_params_per_block",
    "check_embedding_share",
    "check_kv_cache_bytes",
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


def check_params_per_block(candidate) -> None:
    """Check `candidate(C)`: trainable parameters in one GPT-2 block of width C."""
    cases = [
        Case("C = 768 (GPT-2 small)", (768,)),
        Case("C = 12,288 (GPT-3)", (12_288,)),
        Case("C = 48 (the sorter)", (48,)),
        Case("C = 1", (1,)),
    ]

    mistakes = [
        Mistake(
            "You left out the biases: c_attn has 3C, c_proj C, c_fc 4C and the "
            "MLP's c_proj C (9C in all).",
            lambda C: 12 * C * C + 4 * C,
            id="no-biases",
        ),
        Mistake(
            "You left out the two LayerNorms (ln_1, ln_2): each has a weight and a "
            "bias of C numbers, 4C in all.",
            lambda C: 12 * C * C + 9 * C,
            id="no-layernorms",
        ),
        Mistake(
            "Only weight matrices counted: add the 9C biases of the four linear "
            "layers and the 4C of the two LayerNorms.",
            lambda C: 12 * C * C,
            id="weights-only",
        ),
        Mistake(
            "2C short: c_attn's bias has 3C numbers (one bias each for q, k and "
            "v), not C; or, if you counted that, each LayerNorm has two vectors "
            "of C, a weight (scale) and a bias (shift).",
            lambda C: 12 * C * C + 11 * C,
            id="attn-bias-c-not-3c",
        ),
        Mistake(
            "Did you forget the attention output projection c_proj (C x C plus a "
            "bias of C)?",
            lambda C: 11 * C * C + 12 * C,
            id="no-attn-proj",
        ),
        Mistake(
            "The MLP is 4x wide: c_fc is C x 4C and its c_proj is 4C x C, "
            "8 C^2 weights together.",
            lambda C: 6 * C * C + 10 * C,
            id="mlp-2x",
        ),
        Mistake(
            "The MLP has two matrices (up C x 4C and down 4C x C), not one.",
            lambda C: 8 * C * C + 12 * C,
            id="one-mlp-matrix",
        ),
    ]
    mistakes += [
        Mistake(
            "ln_f sits after the last block, once per model: it is not part of a "
            "block, which has two LayerNorms (ln_1, ln_2).",
            lambda C: 12 * C * C + 15 * C,
            id="ln-f-in-block",
        ),
        Mistake(
            "c_attn makes q, k and v at once: its weight is C x 3C (and its bias "
            "3C), not C x C.",
            lambda C: 10 * C * C + 11 * C,
            id="qkv-one-matrix",
        ),
    ]
    run_checks(
        "check_params_per_block",
        candidate,
        _block_params,
        cases,
        mistakes,
        forbid=[
            lib.gpt2_groups_from_dims,
            lib.gpt2_groups,
            lib.count_params_from_dims,
            lib.count_params,
        ],
    )


def check_embedding_share(candidate) -> None:
    """Check `candidate(n_layer, n_embd, vocab_size, block_size)`: wte's share."""
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
        forbid=[
            lib.count_params_from_dims,
            lib.count_params,
            lib.gpt2_groups_from_dims,
            lib.gpt2_groups,
        ],
    )


def check_kv_cache_bytes(candidate) -> None:
    """Check `candidate(n_layer, n_embd, n_tokens, bits)`: bytes of the KV cache."""
    cases = [
        Case("GPT-3, 1 token, 16 bits", (96, 12_288, 1, 16)),
        Case("GPT-3, 2048 tokens, 16 bits", (96, 12_288, 2048, 16)),
        Case("GPT-2 small, 1024 tokens, 32 bits", (12, 768, 1024, 32)),
        Case("GPT-2 XL, 100 tokens, 8 bits", (48, 1600, 100, 8)),
        Case("4 bits per value", (2, 64, 10, 4)),
        Case("no tokens yet", (12, 768, 0, 16)),
    ]

    def reference(L, C, T, bits):
        return 2 * L * C * T * bits // 8

    mistakes = [
        Mistake(
            "Bits are not bytes: a byte is 8 bits, so a 16-bit number takes 2 bytes.",
            lambda L, C, T, bits: 2 * L * C * T * bits,
            id="bits-not-bytes",
        ),
        Mistake(
            "The cache keeps two vectors per token and layer, a key and a value: "
            "don't forget the factor 2.",
            lambda L, C, T, bits: L * C * T * bits // 8,
            id="no-factor-2",
        ),
        Mistake(
            "Every layer has its own keys and values: multiply by the number of "
            "layers L.",
            lambda L, C, T, bits: 2 * C * T * bits // 8,
            id="no-layers",
        ),
        Mistake(
            "The cache grows linearly with the tokens (one key and one value each); "
            "the T x T attention pattern is recomputed, not cached.",
            lambda L, C, T, bits: 2 * L * C * T * T * bits // 8,
            id="quadratic-in-tokens",
        ),
        Mistake(
            "Return bytes, not gigabytes.",
            lambda L, C, T, bits: 2 * L * C * T * bits / 8 / 1e9,
            id="gigabytes",
        ),
        Mistake(
            "Return bytes, not gibibytes (2^30 bytes).",
            lambda L, C, T, bits: 2 * L * C * T * bits / 8 / 2**30,
            id="gibibytes",
        ),
    ]
    run_checks(
        "check_kv_cache_bytes",
        candidate,
        reference,
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
