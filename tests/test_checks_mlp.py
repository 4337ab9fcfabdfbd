"""Each chapter-06 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

import math

import numpy as np
import pytest

from nanogpt_lib.checks import mlp as chk
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import gelu, gelu_exact, mlp
from nanogpt_lib.multihead import multi_head_attention


def ln64(x, w, b, eps=1e-5):
    """An independent LayerNorm in float64 with np.var's biased variance."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def gelu64(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def mlp64(x, p):
    h = x @ p["c_fc"]["weight"] + p["c_fc"]["bias"]
    return gelu64(h) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def block_ref(x, p, n_head):
    """The block written out with the library's pieces."""
    x = x + multi_head_attention(
        layer_norm(x, p["ln_1"]["weight"], p["ln_1"]["bias"]), p["attn"], n_head
    )
    return x + mlp(layer_norm(x, p["ln_2"]["weight"], p["ln_2"]["bias"]), p["mlp"])


def test_library_pieces_are_allowed_in_the_block(capsys):
    chk.check_block(block_ref)
    assert capsys.readouterr().out.splitlines() == [
        "check_block: all 4 cases passed.",
    ]


def test_float64_leaking_in(capsys):
    """GELU in float64 is fine on its own; LayerNorm and the MLP keep float32."""
    chk.check_gelu(gelu64)
    assert capsys.readouterr().out.count("cases passed") == 1
    for checker, answer in [(chk.check_layer_norm, ln64), (chk.check_mlp, mlp64)]:
        with pytest.raises(AssertionError, match="float64 leaked in") as info:
            checker(answer)
        assert info.value.mistake == "float64"


def ln_eps_outside(x, w, b):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / (x.std(-1, keepdims=True) + 1e-5) * w + b


def ln_unbiased(x, w, b):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + 1e-5) * w + b


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (ln_eps_outside, "eps belongs inside the square root"),
        (ln_unbiased, "biased variance"),
        (lambda x, w, b: ln64(x, 1.0, 0.0), "forgot to scale and shift"),
        (
            lambda x, w, b: x / np.sqrt(np.var(x, -1, keepdims=True) + 1e-5) * w + b,
            "Subtract the mean",
        ),
        (lambda x, w, b: None, "forget the `return`"),
    ],
)
def test_layer_norm_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_layer_norm(wrong)


def test_eps_outside_passes_ordinary_rows_but_not_tiny_ones(rng):
    """Why the checker needs its tiny-variance case: elsewhere the gap is ~1e-5."""
    x = rng.standard_normal((4, 8)).astype(np.float32)
    one = np.ones(8)
    assert np.allclose(ln_eps_outside(x, one, 0), ln64(x, one, 0), rtol=1e-4)
    tiny = x * np.float32(1e-3)
    assert not np.allclose(ln_eps_outside(tiny, one, 0), ln64(tiny, one, 0), rtol=0.1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (gelu_exact, "exact GELU"),
        (lambda x: np.maximum(x, 0), "That is ReLU"),
        (
            lambda x: (
                0.5 * x * (1 + np.tanh(math.sqrt(2) / math.pi * (x + 0.044715 * x**3)))
            ),
            "sqrt\\(2 / pi\\)",
        ),
        (
            lambda x: (
                0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**2)))
            ),
            "cubed",
        ),
        (lambda x: 2 * gelu64(x), "factor 0.5"),
        (lambda x: x / (1 + np.exp(-1.702 * x)), "sigmoid"),
    ],
)
def test_gelu_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_gelu(wrong)


def test_erf_and_tanh_forms_differ_by_more_than_the_tolerance():
    x = np.linspace(-5, 5, 41, dtype=np.float32)
    gap = np.abs(gelu_exact(x).astype(np.float64) - gelu(x)).max()
    assert 1e-4 < gap < 1e-3


def mlp_act(act, fc_bias=True, proj_bias=True):
    def f(x, p):
        h = x @ p["c_fc"]["weight"] + (p["c_fc"]["bias"] if fc_bias else 0)
        return act(h) @ p["c_proj"]["weight"] + (
            p["c_proj"]["bias"] if proj_bias else 0
        )

    return f


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (mlp_act(lambda h: np.maximum(h, 0)), "That is ReLU"),
        (mlp_act(gelu_exact), "exact \\(erf\\) GELU"),
        (mlp_act(lambda h: h), "No non-linearity"),
        (mlp_act(gelu64, fc_bias=False), "c_fc has a bias"),
        (mlp_act(gelu64, proj_bias=False), "c_proj has a bias"),
        (lambda x, p: gelu64(mlp_act(lambda h: h)(x, p)), "not after"),
    ],
)
def test_mlp_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_mlp(wrong)


def ln(x, q):
    return layer_norm(x, q["weight"], q["bias"])


def attn(x, p, n_head):
    return multi_head_attention(x, p["attn"], n_head)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda x, p, n: (lambda a: a + mlp(ln(a, p["ln_2"]), p["mlp"]))(
                attn(ln(x, p["ln_1"]), p, n)
            ),
            "around the attention is missing",
        ),
        (
            lambda x, p, n: (lambda y: mlp(ln(y, p["ln_2"]), p["mlp"]))(
                x + attn(ln(x, p["ln_1"]), p, n)
            ),
            "around the MLP is missing",
        ),
        (
            lambda x, p, n: mlp(ln(attn(ln(x, p["ln_1"]), p, n), p["ln_2"]), p["mlp"]),
            "Both residual connections",
        ),
        (
            lambda x, p, n: (lambda y: ln(y + mlp(y, p["mlp"]), p["ln_2"]))(
                ln(x + attn(x, p, n), p["ln_1"])
            ),
            "post-LN",
        ),
        (
            lambda x, p, n: (
                lambda y: (lambda z: z + mlp(z, p["mlp"]))(
                    ln(y + attn(y, p, n), p["ln_2"])
                )
            )(ln(x, p["ln_1"])),
            "stream itself was normalised",
        ),
        (
            lambda x, p, n: (
                x + attn(ln(x, p["ln_1"]), p, n) + mlp(ln(x, p["ln_2"]), p["mlp"])
            ),
            "after\\* the attention",
        ),
        (
            lambda x, p, n: (lambda y: y + mlp(ln(y, p["ln_1"]), p["mlp"]))(
                x + attn(ln(x, p["ln_1"]), p, n)
            ),
            "its own LayerNorm",
        ),
    ],
)
def test_block_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_block(wrong)
