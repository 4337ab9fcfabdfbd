"""Chapter 08: realistic wrong answers for each checker, and equivalent right ones."""

import math

from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.checks.params import (
    check_embedding_share,
    check_gpt2_small_by_hand,
    check_kv_cache_bytes_gqa,
    check_max_layers,
)

C, V, T = 768, 50_257, 1024  # GPT-2 small, worked by hand


def per_block(attn_w=4, attn_b=4, mlp_w=8, mlp_b=5, ln=4):
    """Parameter count of one block from its parts, in C^2 and C units."""
    return lambda C: (attn_w + mlp_w) * C * C + (attn_b + mlp_b + ln) * C


def per_block_by_layer(C):  # equivalent: layer by layer, (in + 1) * out
    def linear(n_in, n_out):
        return (n_in + 1) * n_out

    return linear(C, 3 * C) + linear(C, C) + linear(C, 4 * C) + linear(4 * C, C) + 4 * C


def total(
    L, C, V, T, *, ln_f=2, wpe=True, head=0, blocks=lambda C: 12 * C * C + 13 * C
):
    return V * C + (T * C if wpe else 0) + L * blocks(C) + ln_f * C + head * V * C


def share_with(top=lambda L, C, V, T: V * C, **kw):
    return lambda L, C, V, T: top(L, C, V, T) / total(L, C, V, T, **kw)


def share_fraction(L, C, V, T):  # equivalent: wte over the sum of named parts
    parts = {
        "wte": V * C,
        "wpe": T * C,
        "blocks": L * per_block_by_layer(C),
        "ln_f": 2 * C,
    }
    return parts["wte"] / sum(parts.values())


def by_hand(block=None, outside=None):
    """GPT-2 small's numbers from the parts of a block (see per_block)."""
    block = per_block()(C) if block is None else block
    outside = (V + T + 2) * C if outside is None else outside
    return lambda: {"one block": block, "outside the blocks": outside}


def by_hand_floats():  # equivalent: numbers typed as floats, in another order
    return {"outside the blocks": 39_385_344.0, "one block": 7.087872e6}


def kv_with(factor=2, layers=True, per_byte=8, tokens=lambda T: T, unit=1, width=None):
    width = width or (lambda C, H, K: K * (C // H))

    def fn(L, C, H, K, T, bits):
        numbers = factor * (L if layers else 1) * width(C, H, K) * tokens(T)
        return numbers * bits // per_byte / unit

    return fn


def kv_groups(n_layer, n_embd, n_head, n_kv_head, n_tokens, bits):
    # equivalent: the full cache divided by the group size, in floats
    group = n_head / n_kv_head
    return 2.0 * n_layer * n_embd * n_tokens * bits / 8 / group


def layers_with(
    fixed=lambda C, V, T: (V + T + 2) * C,
    per=lambda C: 12 * C * C + 13 * C,
    rounding=math.floor,
    bytes_scale=1,
    clamp=True,
):
    def fn(C, M, V, T, b):
        b = b * bytes_scale
        n = rounding((M - b * fixed(C, V, T)) / (b * per(C)))
        return max(int(n), 0) if clamp else int(n)

    return fn


def layers_loop(C, M, V, T, b):  # equivalent: add layers while the next one fits
    n = 0
    while b * ((V + T + 2) * C + (n + 1) * (12 * C * C + 13 * C)) <= M:
        n += 1
    return n


CATALOGUE = {
    check_gpt2_small_by_hand: [
        Wrong(
            "c_attn bias C",
            by_hand(block=per_block(attn_b=2)(C)),
            "attn-bias-c-not-3c",
            "3C",
        ),
        Wrong(
            "LayerNorm scale only",
            by_hand(block=per_block(ln=2)(C)),
            "attn-bias-c-not-3c",
            "LayerNorm",
        ),
        Wrong(
            "no biases",
            by_hand(block=per_block(attn_b=0, mlp_b=0)(C)),
            "no-biases",
            "biases",
        ),
        Wrong("no LayerNorms", by_hand(per_block(ln=0)(C)), "no-layernorms", "ln_1"),
        Wrong(
            "weights only",
            by_hand(block=12 * C * C),
            "weights-only",
            "weight matrices",
        ),
        Wrong(
            "ln_f in the block", by_hand(per_block(ln=6)(C)), "ln-f-in-block", "ln_f"
        ),
        Wrong(
            "MLP C wide",
            by_hand(per_block(mlp_w=2, mlp_b=2)(C)),
            "mlp-2x",
            "4x wide",
        ),
        Wrong(
            "c_attn C x C",
            by_hand(per_block(attn_w=2, attn_b=2)(C)),
            "qkv-one-matrix",
            "C x 3C",
        ),
        Wrong("no ln_f", by_hand(outside=(V + T) * C), "no-ln-f", "ln_f"),
        Wrong("no wpe", by_hand(outside=(V + 2) * C), "no-wpe", "wpe"),
        Wrong(
            "head twice",
            by_hand(outside=(2 * V + T + 2) * C),
            "tied-head-twice",
            "stored once",
        ),
        Wrong("wte only", by_hand(outside=V * C), "embeddings-only", "wpe"),
        Wrong(
            "the whole model", by_hand(outside=124_439_808), "blocks-included", "whole"
        ),
        Wrong("a slip of arithmetic", by_hand(block=7_087_782), None),
    ],
    check_embedding_share: [
        Wrong("head twice", share_with(head=1), "head-counted-twice", "tied"),
        Wrong(
            "wte + wpe",
            share_with(top=lambda L, C, V, T: (V + T) * C),
            "wpe-in-share",
            "not the position",
        ),
        Wrong("percent", lambda *d: 100 * share_with()(*d), "percentage", "fraction"),
        Wrong(
            "12 C^2 only",
            share_with(ln_f=0, wpe=False, blocks=lambda C: 12 * C * C),
            "total-incomplete",
            "every trainable",
        ),
        Wrong("no ln_f", share_with(ln_f=0), "total-no-ln-f", "ln_f"),
        Wrong("no wpe", share_with(wpe=False), "total-no-wpe", "wpe"),
        Wrong("complement", lambda *d: 1 - share_with()(*d), "complement", "1 minus"),
        Wrong("L + 1 blocks", lambda L, C, V, T: share_with()(L + 1, C, V, T), None),
    ],
    check_kv_cache_bytes_gqa: [
        Wrong(
            "every head its own",
            kv_with(width=lambda C, H, K: C),
            "ignores-sharing",
            "ordinary attention",
        ),
        Wrong(
            "full-width kv heads",
            kv_with(width=lambda C, H, K: K * C),
            "kv-head-full-width",
            "one head wide",
        ),
        Wrong(
            "C / n_kv_head",
            kv_with(width=lambda C, H, K: C // K),
            "divides-by-kv-heads",
            "D = C / H",
        ),
        Wrong("bits", kv_with(per_byte=1), "bits-not-bytes", "Bits are not bytes"),
        Wrong("keys only", kv_with(factor=1), "no-factor-2", "factor 2"),
        Wrong("one layer", kv_with(layers=False), "no-layers", "layers"),
        Wrong(
            "T^2", kv_with(tokens=lambda T: T * T), "quadratic-in-tokens", "linearly"
        ),
        Wrong("GB", kv_with(unit=1e9), "gigabytes", "gigabytes"),
        Wrong("T + 1", kv_with(tokens=lambda T: T + 1), None),
    ],
    check_max_layers: [
        Wrong(
            "no ln_f", layers_with(fixed=lambda C, V, T: (V + T) * C), "no-ln-f", "ln_f"
        ),
        Wrong(
            "no wpe", layers_with(fixed=lambda C, V, T: (V + 2) * C), "no-wpe", "wpe"
        ),
        Wrong(
            "round()", layers_with(rounding=round), "rounds-to-nearest", "Round down"
        ),
        Wrong("ceil", layers_with(rounding=math.ceil), "rounds-up", "Round down"),
        Wrong(
            "bits", layers_with(bytes_scale=8), "bits-not-bytes", "Bits are not bytes"
        ),
        Wrong(
            "no embeddings",
            layers_with(fixed=lambda C, V, T: 0),
            "embeddings-ignored",
            "take memory too",
        ),
        Wrong(
            "head twice",
            layers_with(fixed=lambda C, V, T: (2 * V + T + 2) * C),
            "tied-head-twice",
            "tied",
        ),
        Wrong("negative", layers_with(clamp=False), "negative", "0 layers"),
        Wrong(
            "12 C^2", layers_with(per=lambda C: 12 * C * C), "no-small-params", "13 C"
        ),
        Wrong("one layer too few", lambda *a: max(layers_with()(*a) - 1, 0), None),
    ],
}

EQUIVALENT = {
    check_gpt2_small_by_hand: [
        by_hand(),
        by_hand(block=per_block_by_layer(C)),
        by_hand_floats,
    ],
    check_embedding_share: [share_with(), share_fraction],
    check_kv_cache_bytes_gqa: [kv_with(), kv_groups],
    check_max_layers: [layers_with(), layers_loop],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
