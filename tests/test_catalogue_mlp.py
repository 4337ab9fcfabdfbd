"""Chapter 06: realistic wrong answers for each checker, and equivalent right ones."""

import math

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.checks.mlp import (
    check_block,
    check_gelu_by_hand,
    check_gelu_grad,
    check_layer_norm,
    check_stream_norms,
)
from nanogpt_lib.gpt import forward
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.mlp import mlp
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
    var_axis=None,
):
    def fn(x, weight, bias):
        mu = x.mean(axis=axis, keepdims=keepdims)
        v_axis = axis if var_axis is None else var_axis
        var = x.var(axis=v_axis, ddof=ddof, keepdims=keepdims)
        xc = x - mu if centre else x
        out = xc / (np.sqrt(var) + eps) if eps_outside else xc / np.sqrt(var + eps)
        if not affine:
            return out
        if swap:
            return out * bias + weight
        return out * weight if bias is None else out * weight + bias

    return fn


def ln_chapter(x, weight, bias, eps=1e-5):  # the chapter's my_layer_norm, pasted
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return weight * (x - mu) / np.sqrt(var + eps) + bias


def ln_none_as_plain(x, weight, bias=None, eps=1e-5):  # bias None: weight dropped too
    mu = x.mean(axis=-1, keepdims=True)
    out = (x - mu) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return out if bias is None else out * weight + bias


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
    out = weight * (x - mu) / np.sqrt(var + np.float32(1e-5))
    return out if bias is None else out + bias


# ------------------------------------------------------------------ gelu


K = math.sqrt(2 / math.pi)


def gelu_with(k=K, c=0.044715, power=3, half=0.5):
    return lambda x: half * x * (1 + np.tanh(k * (x + c * x**power)))


# ------------------------------------------------------------------ stream norms


def norms_with(stages="blocks", axis=-1, power=1.0, drop_first=False, rms=False):
    def fn(params, ids, cfg):
        trace = {}
        forward(params, ids, cfg, trace=trace)
        names = ["x0"]
        for i in range(cfg.n_layer):
            names += [f"h.{i}.res_1", f"h.{i}.res_2"] if stages == "all" else []
            names += [f"h.{i}.res_2"] if stages == "blocks" else []
            names += [f"h.{i}.res_1"] if stages == "attn" else []
        out = np.array(
            [(np.linalg.norm(trace[n], axis=axis) ** power).mean() for n in names]
        )
        if rms:
            out = out / np.sqrt(cfg.n_embd)
        return out[1:] if drop_first else out

    return fn


def norms_of_mean(params, ids, cfg):
    trace = {}
    forward(params, ids, cfg, trace=trace)
    names = ["x0"] + [f"h.{i}.res_2" for i in range(cfg.n_layer)]
    flat = [trace[n].reshape(-1, cfg.n_embd) for n in names]
    return np.array([np.linalg.norm(f.mean(axis=0)) for f in flat])


def norms_through_lens(params, ids, cfg):  # equivalent: the stream, by hand
    x = params["wte"][ids] + params["wpe"][: np.shape(ids)[-1]]
    trace = {}
    forward(params, ids, cfg, trace=trace)
    streams = [x] + [trace[f"h.{i}.res_2"] for i in range(cfg.n_layer)]
    return [float(np.sqrt((s.astype(np.float64) ** 2).sum(-1)).mean()) for s in streams]


# ------------------------------------------------------------------ by hand

GELU_RIGHT = {"gelu(-1)": -0.159, "gelu(0.5)": 0.346, "gelu(2)": 1.955}


def gelu_answers(**changes):
    def fn():
        return {**GELU_RIGHT, "mlp_params": 131_712, **changes}

    return fn


# ------------------------------------------------------------------ slope


def slope_with(one_minus_t=False, inner=True, k=K, product=True):
    def fn(x):
        t = np.tanh(k * (x + 0.044715 * x**3))
        dt = (1 - t) if one_minus_t else (1 - t * t)
        chain = k * ((1 + 3 * 0.044715 * x * x) if inner else 1)
        return (0.5 * (1 + t) if product else 0) + 0.5 * x * dt * chain

    return fn


def slope_exact(x):
    from math import erf

    x = np.asarray(x, dtype=np.float64)
    phi = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    big_phi = np.array([0.5 * (1 + erf(v / math.sqrt(2))) for v in x.ravel()])
    return big_phi.reshape(x.shape) + x * phi


def slope_finite_difference(x, h=1e-3):  # equivalent: a central difference, float64
    x = np.asarray(x, dtype=np.float64)
    g = gelu_with()
    return ((g(x + h) - g(x - h)) / (2 * h)).astype(np.float32)


def slope_sigmoid_form(x):  # equivalent: GELU = x sigmoid(2u), differentiated
    u = K * (x + 0.044715 * x**3)
    s = 1 / (1 + np.exp(-2 * u))
    return s + x * 2 * s * (1 - s) * K * (1 + 3 * 0.044715 * x * x)


# ------------------------------------------------------------------ block


def ln(x, q):
    return layer_norm(x, q["weight"], q.get("bias"))


def block_chapter(x, p, n_head):  # the chapter's my_block, pasted
    ln1, ln2 = p["ln_1"], p["ln_2"]
    x = x + multi_head_attention(
        layer_norm(x, ln1["weight"], ln1["bias"]), p["attn"], n_head
    )
    return x + mlp(layer_norm(x, ln2["weight"], ln2["bias"]), p["mlp"])


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
        if kind == "ln-swapped":
            x = x + attn(ln(x, p["ln_2"]))
            return x + ff(ln(x, p["ln_1"]))
        if kind == "attn-only":
            return x + attn(ln(x, p["ln_1"]))
        if kind == "exact-gelu":
            x = x + attn(ln(x, p["ln_1"]))
            fc, pr = p["mlp"]["c_fc"], p["mlp"]["c_proj"]
            u = ln(x, p["ln_2"]) @ fc["weight"] + fc["bias"]
            g = 0.5 * u * (1 + np.vectorize(math.erf)(u / math.sqrt(2))).astype(u.dtype)
            return x + g @ pr["weight"] + pr["bias"]
        if kind == "mlp-first":
            x = x + ff(ln(x, p["ln_2"]))
            return x + attn(ln(x, p["ln_1"]))
        raise AssertionError(kind)

    return fn


def block_hand_ln(x, p, n_head):  # equivalent: LayerNorm written out
    def norm(h, q):
        mu = h.mean(-1, keepdims=True)
        out = (h - mu) / np.sqrt(h.var(-1, keepdims=True) + 1e-5) * q["weight"]
        return out + q.get("bias", 0.0)

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
        Wrong(
            "variance over the tokens (the planted bug)",
            ln_with(var_axis=0),
            "variance-axis-0",
            "across the tokens",
        ),
        Wrong("no eps", ln_with(eps=0.0), "no-eps", "eps is missing"),
        Wrong("swapped", ln_with(swap=True), "weight-bias-swapped", "swapped"),
        Wrong("no keepdims", ln_with(keepdims=False), "no-keepdims", "keepdims"),
        Wrong("axis 1", ln_with(axis=1), "axis-1", "axis=-1"),
        Wrong("float64", ln_float64, "float64", "float64"),
        Wrong("in place", ln_in_place, "mutates-input", "new list or array"),
        Wrong("eps 1e-3", ln_with(eps=1e-3), None),
        Wrong(
            "the chapter's my_layer_norm pasted",
            ln_chapter,
            "chapter-copy-no-bias",
            "bias may be None",
        ),
        Wrong("bias None: weight dropped too", ln_none_as_plain, "no-affine"),
    ],
    check_stream_norms: [
        Wrong("no embedding entry", norms_with(drop_first=True), "no-embedding", "x0"),
        Wrong(
            "after every sub-layer",
            norms_with(stages="all"),
            "every-sub-layer",
            "once per block",
        ),
        Wrong("norm over tokens", norms_with(axis=-2), "wrong-axis", "axis=-1"),
        Wrong("squared norms", norms_with(power=2.0), "squared", "square root"),
        Wrong("norm of the mean", norms_of_mean, "norm-of-mean", "average the norms"),
        Wrong("RMS", norms_with(rms=True), "rms", "root mean square"),
        Wrong("after the attention only", norms_with(stages="attn"), None),
    ],
    check_gelu_by_hand: [
        Wrong("ReLU", gelu_answers(**{"gelu(-1)": 0.0}), "relu", "ReLU"),
        Wrong("sign", gelu_answers(**{"gelu(-1)": 0.159}), "sign", "sign"),
        Wrong("no 0.5", gelu_answers(**{"gelu(0.5)": 0.691}), "no-half", "0.5"),
        Wrong(
            "sqrt(2)/pi",
            gelu_answers(**{"gelu(2)": 1.786}),
            "wrong-constant",
            "sqrt\\(2 / pi\\)",
        ),
        Wrong("x squared", gelu_answers(**{"gelu(2)": 1.940}), "squared", "cubed"),
        Wrong(
            "sigmoid form",
            gelu_answers(**{"gelu(-1)": -0.154}),
            "sigmoid-approx",
            "sigmoid",
        ),
        Wrong("no biases", gelu_answers(mlp_params=131_072), "no-biases", "biases"),
        Wrong("one bias", gelu_answers(mlp_params=131_584), "one-bias", "Both"),
        Wrong("F = C", gelu_answers(mlp_params=33_024), "f-is-c", "4C"),
        Wrong("all layers", gelu_answers(mlp_params=526_848), "all-layers", "one"),
        Wrong("rounded the wrong way", gelu_answers(**{"gelu(0.5)": 0.34}), None),
        Wrong(
            "no cubic term",
            gelu_answers(**{"gelu(0.5)": 0.345}),
            "no-cubic",
            "0.044715 x\\^3",
        ),
        Wrong("two decimals", gelu_answers(**{"gelu(-1)": -0.16}), None),
    ],
    check_gelu_grad: [
        Wrong("exact slope", slope_exact, "exact-gelu", "exact GELU"),
        Wrong("1 - t", slope_with(one_minus_t=True), "one-minus-t", "1 - tanh"),
        Wrong(
            "no inner derivative",
            slope_with(inner=False),
            "no-inner-derivative",
            "chain rule",
        ),
        Wrong("no product rule", slope_with(product=False), "no-product-rule", "first"),
        Wrong(
            "ReLU step",
            lambda x: (x > 0).astype(x.dtype),
            "relu-step",
            "ReLU",
        ),
        Wrong("GELU itself", gelu_with(), "value-not-slope", "derivative"),
        Wrong("sqrt(2)/pi", slope_with(k=math.sqrt(2) / math.pi), None),
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
        Wrong(
            "ln_1 and ln_2 swapped", block_with("ln-swapped"), "ln-swapped", "swapped"
        ),
        Wrong("attention only", block_with("attn-only"), "no-mlp", "MLP half"),
        Wrong("exact GELU", block_with("exact-gelu"), "exact-gelu", "tanh form"),
        Wrong(
            "the chapter's my_block pasted",
            block_chapter,
            "chapter-copy-bias-key",
            "p.get",
        ),
    ],
}

EQUIVALENT = {
    check_layer_norm: [ln_with(), ln_std],
    check_stream_norms: [norms_with(), norms_through_lens],
    check_gelu_by_hand: [
        gelu_answers(),
        gelu_answers(**{"gelu(-1)": -0.1588, "gelu(2)": 1.9546}, mlp_params=131712.0),
    ],
    check_gelu_grad: [slope_with(), slope_finite_difference, slope_sigmoid_form],
    check_block: [block_with(), block_hand_ln],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
