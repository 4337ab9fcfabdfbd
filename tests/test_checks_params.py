"""Each chapter-08 checker accepts a correct answer and rejects known mistakes with
the hint that names the mistake."""

import pytest

from nanogpt_lib.checks.params import (
    check_embedding_share,
    check_gpt2_small_by_hand,
    check_kv_cache_bytes_gqa,
    check_max_layers,
)


def n_params(L, C, V, T):
    """The total, written out (the checkers refuse the library's count)."""
    return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C


def per_block(C):
    return 12 * C * C + 13 * C


def share(L, C, V, T):
    return V * C / n_params(L, C, V, T)


def kv(L, C, H, H_kv, T, bits):
    return 2 * L * H_kv * (C // H) * T * bits / 8


def by_hand():
    return {
        "one block": per_block(768),
        "outside the blocks": (50_257 + 1024 + 2) * 768,
    }


def max_layers_by_search(C, memory, V, T, nbytes):
    """An independent answer: add layers while the weights still fit."""
    L = 0
    while n_params(L + 1, C, V, T) * nbytes <= memory:
        L += 1
    return L


def test_correct_answers_pass(capsys):
    check_gpt2_small_by_hand(by_hand)
    check_embedding_share(share)
    check_kv_cache_bytes_gqa(kv)
    check_kv_cache_bytes_gqa(
        lambda L, C, H, K, T, bits: 2 * L * K * C // H * T * bits // 8
    )
    check_max_layers(max_layers_by_search)
    assert capsys.readouterr().out.splitlines() == [
        "check_gpt2_small_by_hand: all 2 cases passed.",
        "check_embedding_share: all 4 cases passed.",
        "check_kv_cache_bytes_gqa: all 6 cases passed.",
        "check_kv_cache_bytes_gqa: all 6 cases passed.",
        "check_max_layers: all 11 cases passed.",
    ]


def test_a_prediction_is_reported_never_failed(capsys):
    """GPT-3's wte share: 617,558,016 / 174,604,259,328 = 0.3537%; a guess of 1%
    is 2.8x too high, and a guess is never a failure."""
    check_embedding_share(share, prediction=0.01)
    check_embedding_share(share, prediction=lambda: 0.0035)
    assert capsys.readouterr().out.splitlines()[1::2] == [
        "You predicted 1.000%; GPT-3's share in wte is 0.354%: your guess was "
        "2.8x too high.",
        "You predicted 0.350%; GPT-3's share in wte is 0.354%: within 10%, well "
        "judged.",
    ]


def test_a_percentage_typed_as_a_prediction_gets_a_reminder(capsys):
    """1 meant as 1%: the share is a fraction, so the check says how to write it."""
    check_embedding_share(share, prediction=1)
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        "A share is a fraction between 0 and 1: if you meant 1%, write 0.01."
    )


def test_a_stubbed_prediction_or_function_says_so(capsys):
    def stub(*args):
        raise NotImplementedError

    check_embedding_share(share, prediction=stub)
    check_embedding_share(stub, prediction=0.01)
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("No prediction yet")
    assert out[2].startswith("check_embedding_share: not implemented yet")
    assert len(out) == 3


def test_reference_numbers():
    """GPT-2 small block: 12 x 768^2 + 13 x 768 = 7,077,888 + 9,984 = 7,087,872;
    outside: (50,257 + 1024 + 2) x 768 = 39,385,344; 12 blocks + outside =
    124,439,808; its wte share 38,597,376 / 124,439,808 = 0.31017; GPT-3's KV
    cache at 2048 tokens in 16 bits: 2 x 96 x 12,288 x 2048 x 2 = 9,663,676,416
    bytes, with 8 key/value heads of 128: 2 x 96 x 8 x 128 x 2048 x 2 =
    805,306,368 (12x smaller); at
    C = 4096 in fp16, 24 GB hold 58 layers (fixed 214,249,472 + 58 x 201,379,840
    = 11,894,280,192 parameters = 23,788,560,384 bytes; 59 layers need 24.19 GB)."""
    assert per_block(768) == 7_087_872
    assert 12 * per_block(768) + by_hand()["outside the blocks"] == 124_439_808
    assert kv(96, 12_288, 96, 8, 2048, 16) == 805_306_368
    assert share(12, 768, 50_257, 1024) == pytest.approx(0.310169, abs=1e-6)
    assert kv(96, 12_288, 96, 96, 2048, 16) == 9_663_676_416
    assert max_layers_by_search(4096, 24 * 10**9, 50_257, 2048, 2) == 58
    assert n_params(58, 4096, 50_257, 2048) == 11_894_280_192
    assert n_params(59, 4096, 50_257, 2048) * 2 == 24_191_320_064


def block_and_outside(block, outside=(50_257 + 1024 + 2) * 768):
    return lambda: {"one block": block, "outside the blocks": outside}


C = 768


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (block_and_outside(12 * C * C + 4 * C), "left out the biases"),
        (block_and_outside(12 * C * C + 9 * C), "two LayerNorms"),
        (block_and_outside(12 * C * C), "Only weight matrices"),
        (block_and_outside(12 * C * C + 11 * C), "bias has 3C"),
        (block_and_outside(12 * C * C + 15 * C), "ln_f sits after"),
        (block_and_outside(6 * C * C + 10 * C), "4x wide"),
        (block_and_outside(per_block(C), (50_257 + 1024) * C), "ln_f"),
        (block_and_outside(per_block(C), (50_257 + 2) * C), "position embedding"),
        (block_and_outside(per_block(C), (2 * 50_257 + 1024 + 2) * C), "stored once"),
        (block_and_outside(per_block(C), 124_439_808), "whole model"),
        (block_and_outside(7_000_000), "expected 7087872, got 7000000"),
        (lambda: None, "dict"),
        (lambda: {"one block": 7_087_872}, "no entry 'outside the blocks'"),
        (block_and_outside(7_087_872.5), "whole number"),
    ],
)
def test_by_hand_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_gpt2_small_by_hand(wrong)


def N(L, C, V, T):
    return n_params(L, C, V, T)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda L, C, V, T: V * C / (N(L, C, V, T) + V * C), "in the total once"),
        (lambda L, C, V, T: 2 * V * C / (N(L, C, V, T) + V * C), "not twice"),
        (lambda L, C, V, T: 2 * V * C / N(L, C, V, T), "not twice"),
        (lambda L, C, V, T: (V + T) * C / N(L, C, V, T), "not the position"),
        (lambda L, C, V, T: 100 * share(L, C, V, T), "not a percentage"),
        (
            lambda L, C, V, T: V * C / (V * C + 12 * L * C * C),
            "every trainable tensor",
        ),
        (lambda L, C, V, T: 0.5, "expected"),
    ],
)
def test_embedding_share_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_embedding_share(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda L, C, H, K, T, b: 2 * L * C * T * b // 8, "ordinary attention"),
        (lambda L, C, H, K, T, b: 2 * L * K * C * T * b // 8, "one head wide"),
        (lambda L, C, H, K, T, b: 2 * L * C // K * T * b // 8, "C / n_kv_head"),
        (lambda L, C, H, K, T, b: kv(L, C, H, K, T, b) * 8, "Bits are not bytes"),
        (lambda L, C, H, K, T, b: kv(L, C, H, K, T, b) / 2, "factor 2"),
        (lambda L, C, H, K, T, b: kv(1, C, H, K, T, b), "number of layers"),
        (lambda L, C, H, K, T, b: kv(L, C, H, K, T, b) * T, "linearly"),
        (lambda L, C, H, K, T, b: kv(L, C, H, K, T, b) / 1e9, "not gigabytes"),
    ],
)
def test_kv_cache_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_kv_cache_bytes_gqa(wrong)


def fixed(C, V, T):
    return V * C + T * C + 2 * C


def layer(C):
    return 12 * C * C + 13 * C


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda C, M, V, T, b: max_layers_by_search(C, M, V, T, 8 * b),
            "Bits are not bytes",
        ),
        (lambda C, M, V, T, b: M // (b * layer(C)), "embeddings"),
        (
            lambda C, M, V, T, b: max_layers_by_search(C, M - b * V * C, V, T, b),
            "tied",
        ),
        (
            lambda C, M, V, T, b: -(-(M - b * fixed(C, V, T)) // (b * layer(C))),
            "Round down",
        ),
        (
            lambda C, M, V, T, b: (M - b * fixed(C, V, T)) // (b * layer(C)),
            "0 layers",
        ),
        (
            lambda C, M, V, T, b: max((M - b * fixed(C, V, T)) // (b * 12 * C * C), 0),
            "12 C\\^2 \\+ 13 C",
        ),
    ],
)
def test_max_layers_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_max_layers(wrong)


def test_passing_a_number_instead_of_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        check_max_layers(58)
