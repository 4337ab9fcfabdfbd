"""Each chapter-08 checker accepts a correct answer and rejects known mistakes with
the hint that names the mistake."""

import pytest

from nanogpt_lib.checks.params import (
    check_embedding_share,
    check_kv_cache_bytes,
    check_max_layers,
    check_params_per_block,
)


def n_params(L, C, V, T):
    """The total, written out (the checkers refuse the library's count)."""
    return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C


def per_block(C):
    return 12 * C * C + 13 * C


def share(L, C, V, T):
    return V * C / n_params(L, C, V, T)


def kv(L, C, T, bits):
    return 2 * L * C * T * bits / 8


def max_layers_by_search(C, memory, V, T, nbytes):
    """An independent answer: add layers while the weights still fit."""
    L = 0
    while n_params(L + 1, C, V, T) * nbytes <= memory:
        L += 1
    return L


def test_correct_answers_pass(capsys):
    check_params_per_block(per_block)
    check_embedding_share(share)
    check_kv_cache_bytes(kv)
    check_kv_cache_bytes(lambda L, C, T, bits: 2 * L * C * T * bits // 8)
    check_max_layers(max_layers_by_search)
    assert capsys.readouterr().out.splitlines() == [
        "check_params_per_block: all 4 cases passed.",
        "check_embedding_share: all 4 cases passed.",
        "check_kv_cache_bytes: all 6 cases passed.",
        "check_kv_cache_bytes: all 6 cases passed.",
        "check_max_layers: all 11 cases passed.",
    ]


def test_reference_numbers():
    """GPT-2 small block: 12 x 768^2 + 13 x 768 = 7,077,888 + 9,984 = 7,087,872;
    its wte share 38,597,376 / 124,439,808 = 0.31017; GPT-3's KV cache at 2048
    tokens in 16 bits: 2 x 96 x 12,288 x 2048 x 2 = 9,663,676,416 bytes; at
    C = 4096 in fp16, 24 GB hold 58 layers (fixed 214,249,472 + 58 x 201,379,840
    = 11,894,280,192 parameters = 23,788,560,384 bytes; 59 layers need 24.19 GB)."""
    assert per_block(768) == 7_087_872
    assert share(12, 768, 50_257, 1024) == pytest.approx(0.310169, abs=1e-6)
    assert kv(96, 12_288, 2048, 16) == 9_663_676_416
    assert max_layers_by_search(4096, 24 * 10**9, 50_257, 2048, 2) == 58
    assert n_params(58, 4096, 50_257, 2048) == 11_894_280_192
    assert n_params(59, 4096, 50_257, 2048) * 2 == 24_191_320_064


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda C: 12 * C * C + 4 * C, "left out the biases"),
        (lambda C: 12 * C * C + 9 * C, "two LayerNorms"),
        (lambda C: 12 * C * C, "Only weight matrices"),
        (lambda C: 12 * C * C + 11 * C, "weight \\(scale\\) and a bias"),
        (lambda C: 11 * C * C + 12 * C, "output projection"),
        (lambda C: 8 * C * C + 12 * C, "two matrices"),
        (lambda C: 6 * C * C + 10 * C, "4x wide"),
        (lambda C: None, "forget the `return`"),
    ],
)
def test_params_per_block_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_params_per_block(wrong)


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
        (lambda L, C, T, b: 2 * L * C * T * b, "Bits are not bytes"),
        (lambda L, C, T, b: L * C * T * b / 8, "factor 2"),
        (lambda L, C, T, b: 2 * C * T * b / 8, "number of layers"),
        (lambda L, C, T, b: 2 * L * C * T * T * b / 8, "linearly"),
        (lambda L, C, T, b: 2 * L * C * T * b / 8 / 1e9, "not gigabytes"),
        (lambda L, C, T, b: 2 * L * C * T * b / 8 / 2**30, "gibibytes"),
    ],
)
def test_kv_cache_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_kv_cache_bytes(wrong)


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
        check_params_per_block(7_087_872)
