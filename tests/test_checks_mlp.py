"""Each chapter-06 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

import math

import numpy as np
import pytest

from nanogpt_lib.checks import mlp as chk
from nanogpt_lib.gpt import forward
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import gelu, mlp
from nanogpt_lib.multihead import multi_head_attention


def ln64(x, w, b, eps=1e-5):
    """An independent LayerNorm in float64 with np.var's biased variance."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    out = (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) * w
    return out if b is None else out + b


def gelu64(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def mlp64(x, p):
    h = x @ p["c_fc"]["weight"] + p["c_fc"]["bias"]
    return gelu64(h) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def block_ref(x, p, n_head):
    """The block written out with the library's pieces."""
    x = x + multi_head_attention(
        layer_norm(x, p["ln_1"]["weight"], p["ln_1"].get("bias")), p["attn"], n_head
    )
    return x + mlp(layer_norm(x, p["ln_2"]["weight"], p["ln_2"].get("bias")), p["mlp"])


def test_library_pieces_are_allowed_in_the_block(capsys):
    chk.check_block(block_ref)
    assert capsys.readouterr().out.splitlines() == [
        "check_block: all 5 cases passed.",
    ]


def test_float64_leaking_in(capsys):
    """GELU's slope in float64 is fine on its own; LayerNorm keeps float32."""
    chk.check_gelu_grad(lambda x: chk._slope(x).astype(np.float64))
    assert capsys.readouterr().out.count("cases passed") == 1
    with pytest.raises(AssertionError, match="float64 leaked in") as info:
        chk.check_layer_norm(ln64)
    assert info.value.mistake == "float64"


def ln_eps_outside(x, w, b):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / (x.std(-1, keepdims=True) + 1e-5) * w + b


def shaky(x, w, b, eps=1e-5):
    """The planted bug of ex-06-layer-norm-bug."""
    mu = x.mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(axis=0, keepdims=True) + eps) * w + b


def test_the_planted_layer_norm_bug_hides_on_one_vector(rng):
    """The chapter's claim: right on one vector (C,), wrong on a (T, C) matrix."""
    x = rng.standard_normal((5, 6)).astype(np.float32)
    w, b = np.ones(6, np.float32), np.zeros(6, np.float32)
    np.testing.assert_allclose(shaky(x[0], w, b), layer_norm(x[0], w, b), atol=1e-5)
    assert not np.allclose(shaky(x, w, b), layer_norm(x, w, b), atol=1e-3)


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
        (shaky, "variance over axis 0, across the tokens"),
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


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (chk._exact_slope, "slope of the exact GELU"),
        (lambda x: chk._slope(x, one_minus_t=True), "1 - tanh\\(u\\)\\^2"),
        (lambda x: chk._slope(x, inner=False), "1 \\+ 3 \\* 0.044715"),
        (lambda x: chk._slope(x, product=False), "product rule"),
        (lambda x: gelu(x), "GELU itself"),
    ],
)
def test_gelu_grad_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_gelu_grad(wrong)


def test_exact_and_tanh_slopes_differ_by_more_than_the_tolerance():
    x = np.linspace(-5, 5, 41)
    gap = np.abs(chk._exact_slope(x) - chk._gelu_grad_reference(x)).max()
    assert 1e-4 < gap < 1e-2


def test_gelu_grad_reference_is_the_slope():
    """The reference (train.gelu_backward) against a central difference of gelu."""
    x = np.linspace(-6, 6, 121)
    h = 1e-5
    numeric = (gelu(x + h) - gelu(x - h)) / (2 * h)
    np.testing.assert_allclose(chk._gelu_grad_reference(x), numeric, atol=1e-8)
    np.testing.assert_allclose(chk._slope(x), numeric, atol=1e-8)


def stream_norms(params, ids, cfg):
    trace: dict = {}
    forward(params, ids, cfg, trace=trace)
    names = ["x0"] + [f"h.{i}.res_2" for i in range(cfg.n_layer)]
    return np.array([np.linalg.norm(trace[n], axis=-1).mean() for n in names])


def test_stream_norms_prediction_line(capsys):
    """A prediction is reported, never failed; a missing one is asked for."""
    chk.check_stream_norms(stream_norms, prediction=1.0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "check_stream_norms: all 2 cases passed."
    assert lines[1].startswith("Your prediction: 1-fold; measured: ")

    def stub(*args):
        raise NotImplementedError

    chk.check_stream_norms(stream_norms, prediction=stub)
    assert "fill in my_prediction()" in capsys.readouterr().out
    chk.check_stream_norms(stub, prediction=3.0)
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "prediction" not in out


def test_stream_growth_is_mostly_block_0():
    """The chapter's claim in ex-06-stream-growth: block 0 grows the stream most."""
    from nanogpt_lib.shakespeare import held_out_text, load_model

    cfg, params, chars = load_model()
    held = np.array(chars.encode(held_out_text()), dtype=np.int64)
    starts = np.linspace(0, held.size - 129, 4).astype(int)
    norms = stream_norms(params, np.stack([held[s : s + 128] for s in starts]), cfg)
    assert (norms[1:] / norms[:-1]).argmax() == 0 and norms[-1] / norms[0] > 8


def test_gelu_by_hand_truth_and_hidden_answers(capsys):
    right = {"gelu(-1)": -0.159, "gelu(0.5)": 0.346, "gelu(2)": 1.955}
    chk.check_gelu_by_hand(lambda: {**right, "mlp_params": 131_712})
    assert capsys.readouterr().out == "check_gelu_by_hand: all 4 answers passed.\n"
    with pytest.raises(AssertionError) as info:
        chk.check_gelu_by_hand(lambda: {**right, "mlp_params": 131_000})
    assert "131,712" not in str(info.value) and "131712" not in str(info.value)


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
