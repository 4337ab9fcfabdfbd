"""Chapter 06: realistic wrong answers for each checker, and equivalent right ones."""

import math

import numpy as np
import pytest
from _catalogue import (
    Wrong,
    assert_accepted,
    assert_catalogue_size,
    assert_rejected,
    equivalent_params,
    wrong_params,
)

from nanogpt_lib.checks.mlp import check_block, check_gelu, check_layer_norm, check_mlp
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import gelu, mlp
from nanogpt_lib.multihead import multi_head_attention

# ------------------------------------------------------------------ layer norm


def ln_with(
    eps=1e-5,
    ddof=0,
    eps_outside=False,
    affine=True,
    centre=True,
    axis=-1,
    keepdims=True,
    swap=False,
):
    def fn(x, weight, bias):
        mu = x.mean(axis=axis, keepdims=keepdims)
        var = x.var(axis=axis, ddof=ddof, keepdims=keepdims)
        xc = x - mu if centre else x
        out = xc / (np.sqrt(var) + eps) if eps_outside else xc / np.sqrt(var + eps)
        if not affine:
            return out
        return out * bias + weight if swap else out * weight + bias

    return fn


def ln_float64(x, weight, bias):
    x = x.astype(np.float64)
    return ln_with()(x, weight, bias)


def ln_in_place(x, weight, bias):
    x -= x.mean(axis=-1, keepdims=True)
    x /= np.sqrt((x * x).mean(axis=-1, keepdims=True) + 1e-5)
    return x * weight + bias


def ln_std(x, weight, bias):  # equivalent: through np.std and E[x^2] - E[x]^2
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean(x * x, axis=-1, keepdims=True) - mu * mu
    return weight * (x - mu) / np.sqrt(var + np.float32(1e-5)) + bias


# ------------------------------------------------------------------ gelu


K = math.sqrt(2 / math.pi)


def gelu_with(k=K, c=0.044715, power=3, half=0.5):
    return lambda x: half * x * (1 + np.tanh(k * (x + c * x**power)))


def gelu_erf(x):
    from math import erf

    return np.array(
        [v * 0.5 * (1 + erf(v / math.sqrt(2))) for v in np.ravel(x)]
    ).reshape(np.shape(x))


def gelu_sigmoid_form(x):  # equivalent: 0.5 (1 + tanh(u)) = sigmoid(2u)
    u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    return x / (1 + np.exp(-2 * u))


# ------------------------------------------------------------------ mlp


def mlp_with(act=gelu, fc_bias=True, proj_bias=True, act_last=False):
    def fn(x, p):
        h = x @ p["c_fc"]["weight"]
        if fc_bias:
            h = h + p["c_fc"]["bias"]
        if not act_last:
            h = act(h)
        out = h @ p["c_proj"]["weight"]
        if proj_bias:
            out = out + p["c_proj"]["bias"]
        return act(out) if act_last else out

    return fn


def mlp_einsum(x, p):  # equivalent: einsum and a hand-written GELU
    h = np.einsum("...c,cf->...f", x, p["c_fc"]["weight"]) + p["c_fc"]["bias"]
    h = gelu_with()(h)
    return np.einsum("...f,fc->...c", h, p["c_proj"]["weight"]) + p["c_proj"]["bias"]


# ------------------------------------------------------------------ block


def ln(x, q):
    return layer_norm(x, q["weight"], q["bias"])


def block_with(kind="right"):
    def fn(x, p, n_head):
        def attn(h):
            return multi_head_attention(h, p["attn"], n_head)

        def ff(h):
            return mlp(h, p["mlp"])

        if kind == "right":
            x = x + attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_2"]))
        if kind == "no-res-attn":
            x = attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_2"]))
        if kind == "no-res-mlp":
            x = x + attn(ln(x, p["ln_1"]))
            return ff(ln(x, p["ln_2"]))
        if kind == "post-ln":
            x = ln(x + attn(x), p["ln_1"])
            return ln(x + ff(x), p["ln_2"])
        if kind == "ln-stream":
            x = ln(x, p["ln_1"])
            x = x + attn(x)
            x = ln(x, p["ln_2"])
            return x + ff(x)
        if kind == "parallel":
            return x + attn(ln(x, p["ln_1"])) + ff(ln(x, p["ln_2"]))
        if kind == "ln1-twice":
            x = x + attn(ln(x, p["ln_1"]))
            return x + ff(ln(x, p["ln_1"]))
        if kind == "no-ln":
            x = x + attn(x)
            return x + ff(x)
        if kind == "mlp-first":
            x = x + ff(ln(x, p["ln_2"]))
            return x + attn(ln(x, p["ln_1"]))
        raise AssertionError(kind)

    return fn


def block_hand_ln(x, p, n_head):  # equivalent: LayerNorm written out
    def norm(h, q):
        mu = h.mean(-1, keepdims=True)
        return (h - mu) / np.sqrt(h.var(-1, keepdims=True) + 1e-5) * q["weight"] + q[
            "bias"
        ]

    h = x + multi_head_attention(norm(x, p["ln_1"]), p["attn"], n_head)
    return h + mlp(norm(h, p["ln_2"]), p["mlp"])


CATALOGUE = {
    check_layer_norm: [
        Wrong(
            "eps outside",
            ln_with(eps_outside=True),
            "eps-outside-sqrt",
            "inside the square root",
        ),
        Wrong("ddof=1", ln_with(ddof=1), "ddof-1", "biased variance"),
        Wrong("no affine", ln_with(affine=False), "no-affine", "scale and shift"),
        Wrong("no centring", ln_with(centre=False), "no-centring", "Subtract the mean"),
        Wrong("axis 0", ln_with(axis=0), "wrong-axis", "axis=-1"),
        Wrong("no eps", ln_with(eps=0.0), "no-eps", "eps is missing"),
        Wrong("swapped", ln_with(swap=True), "weight-bias-swapped", "swapped"),
        Wrong("no keepdims", ln_with(keepdims=False), "no-keepdims", "keepdims"),
        Wrong("axis 1", ln_with(axis=1), "axis-1", "axis=-1"),
        Wrong("float64", ln_float64, "float64", "float64"),
        Wrong("in place", ln_in_place, "mutates-input", "new list or array"),
        Wrong("eps 1e-3", ln_with(eps=1e-3), None),
    ],
    check_gelu: [
        Wrong("erf", gelu_erf, "exact-gelu", "exact GELU"),
        Wrong("relu", lambda x: np.maximum(x, 0), "relu", "ReLU"),
        Wrong(
            "sqrt(2)/pi",
            gelu_with(k=math.sqrt(2) / math.pi),
            "wrong-constant",
            "sqrt\\(2 / pi\\)",
        ),
        Wrong("x^2", gelu_with(power=2), "squared", "cubed"),
        Wrong("no 0.5", gelu_with(half=1.0), "no-half", "0.5"),
        Wrong(
            "sigmoid 1.702",
            lambda x: x / (1 + np.exp(-1.702 * x)),
            "sigmoid-approx",
            "sigmoid",
        ),
        Wrong("0.44715", gelu_with(c=0.44715), None),
    ],
    check_mlp: [
        Wrong("relu", mlp_with(act=lambda h: np.maximum(h, 0)), "relu", "ReLU"),
        Wrong(
            "exact gelu",
            mlp_with(act=lambda h: gelu_erf(h).astype(h.dtype)),
            "exact-gelu",
            "exact",
        ),
        Wrong(
            "no activation", mlp_with(act=lambda h: h), "no-activation", "non-linearity"
        ),
        Wrong(
            "gelu last",
            mlp_with(act_last=True),
            "gelu-after-proj",
            "between the two layers",
        ),
        Wrong("no fc bias", mlp_with(fc_bias=False), "no-fc-bias", "c_fc has a bias"),
        Wrong(
            "no proj bias",
            mlp_with(proj_bias=False),
            "no-proj-bias",
            "c_proj has a bias",
        ),
        Wrong(
            "float64 gelu",
            mlp_with(act=lambda h: gelu_with()(h.astype(np.float64))),
            "float64",
            "float64",
        ),
        Wrong("gelu twice", mlp_with(act=lambda h: gelu(gelu(h))), None),
    ],
    check_block: [
        Wrong(
            "no residual (attn)",
            block_with("no-res-attn"),
            "no-residual-attn",
            "around the attention",
        ),
        Wrong(
            "no residual (mlp)",
            block_with("no-res-mlp"),
            "no-residual-mlp",
            "around the MLP",
        ),
        Wrong("post-LN", block_with("post-ln"), "post-ln", "pre-LN"),
        Wrong(
            "LN on the stream", block_with("ln-stream"), "ln-on-stream", "stream itself"
        ),
        Wrong("parallel", block_with("parallel"), "parallel", "after"),
        Wrong("ln_1 twice", block_with("ln1-twice"), "ln-1-twice", "ln_2"),
        Wrong(
            "no LayerNorm",
            block_with("no-ln"),
            "no-layer-norm",
            "LayerNorms are missing",
        ),
        Wrong("MLP first", block_with("mlp-first"), None),
    ],
}

EQUIVALENT = {
    check_layer_norm: [ln_with(), ln_std],
    check_gelu: [gelu_with(), gelu_sigmoid_form],
    check_mlp: [mlp_with(), mlp_einsum],
    check_block: [block_with(), block_hand_ln],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
