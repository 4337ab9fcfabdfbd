"""Checkers for chapter 06's exercises: layer norm, GELU, the MLP and one block."""

from __future__ import annotations

import math

import numpy as np

from ..gpt import GPTConfig, block
from ..layernorm import layer_norm
from ..linear import linear
from ..mlp import gelu, gelu_exact, mlp
from ..multihead import multi_head_attention
from ._core import Case, Mistake, run_checks

__all__ = ["check_layer_norm", "check_gelu", "check_mlp", "check_block"]

EPS = 1e-5


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(scale)
    return out


# ------------------------------------------------------------------- layer norm


def _ln_with(
    x, weight, bias, *, ddof=0, eps_outside=False, affine=True, eps=EPS, axis=-1
):
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True)
    if eps_outside:
        out = centred / (np.sqrt(var) + eps)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = centred / np.sqrt(var + eps)
    return out * weight + bias if affine else out


def _ln_no_centre(x, weight, bias):
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(x.var(axis=-1, keepdims=True) + EPS) * weight + bias


def _ln_axis0(x, weight, bias):
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0, keepdims=True)
    return centred / np.sqrt(x.var(axis=0, keepdims=True) + EPS) * weight + bias


def check_layer_norm(candidate) -> None:
    """Check `candidate(x, weight, bias)`: LayerNorm over the last axis, eps 1e-5."""
    rng = np.random.default_rng(0)
    cases = []
    for label, shape, scale, mean in [
        ("T = 4, C = 8", (4, 8), 1.0, 2.0),
        ("one vector, C = 16", (16,), 3.0, -1.0),
        ("batch of 2, T = 3, C = 6", (2, 3, 6), 1.0, 0.5),
        ("tiny spread (std about 0.001)", (3, 8), 0.001, 0.0),
        ("C = 2", (5, 2), 1.0, 2.0),
    ]:
        c = shape[-1]
        x = _normal(rng, shape, scale) + np.float32(mean)
        weight = np.float32(1.0) + _normal(rng, (c,), 0.5)
        bias = _normal(rng, (c,), 0.5)
        cases.append(Case(label, (x, weight, bias)))
    mistakes = [
        Mistake(
            "eps belongs inside the square root: (x - mean) / sqrt(var + eps), "
            "not / (sqrt(var) + eps). It only shows when the variance is tiny.",
            lambda x, w, b: _ln_with(x, w, b, eps_outside=True),
            id="eps-outside-sqrt",
        ),
        Mistake(
            "Use the biased variance, dividing by C (np.var's default ddof=0), "
            "not C - 1 (ddof=1), as PyTorch and GPT-2 do.",
            lambda x, w, b: _ln_with(x, w, b, ddof=1),
            id="ddof-1",
        ),
        Mistake(
            "You normalised but forgot to scale and shift: multiply by weight, "
            "then add bias.",
            lambda x, w, b: _ln_with(x, w, b, affine=False),
            id="no-affine",
        ),
        Mistake(
            "Subtract the mean before dividing by the standard deviation.",
            _ln_no_centre,
            id="no-centring",
        ),
        Mistake(
            "Normalise each vector over its C features (axis=-1, keepdims=True), "
            "not each feature over the tokens (axis=0).",
            _ln_axis0,
            id="wrong-axis",
        ),
    ]
    mistakes += [
        Mistake(
            "eps is missing: divide by sqrt(var + eps) with eps = 1e-5. Without it "
            "a nearly constant vector is blown up (and a constant one gives nan).",
            lambda x, w, b: _ln_with(x, w, b, eps=0.0),
            id="no-eps",
        ),
        Mistake(
            "weight and bias are swapped: the weight scales, the bias shifts, "
            "xhat * weight + bias.",
            lambda x, w, b: _ln_with(x, b, w),
            id="weight-bias-swapped",
        ),
        Mistake(
            "Keep the reduced axis: x.mean(axis=-1, keepdims=True) has shape "
            "(T, 1) and broadcasts against (T, C); without keepdims, (T,) does not.",
            raises=ValueError,
            on=("T = 4, C = 8",),
            id="no-keepdims",
        ),
        Mistake(
            "Normalise over the last axis, axis=-1 (not axis=1): one vector (C,) "
            "and a batch (B, T, C) must work too.",
            raises=(ValueError, IndexError),
            on=("one vector, C = 16",),
            id="axis-1",
        ),
        Mistake(
            "Normalise over the last axis, axis=-1 (not axis=1): one vector (C,) "
            "and a batch (B, T, C) must work too.",
            lambda x, w, b: _ln_with(x, w, b, axis=1),
            id="axis-1",
        ),
    ]
    run_checks(
        "check_layer_norm",
        candidate,
        layer_norm,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        forbid=[layer_norm],
        keep_float32=True,
    )


# ------------------------------------------------------------------------- GELU


_K = math.sqrt(2 / math.pi)


def _gelu_f64(x, *, c=0.044715, k=_K, power=3, half=0.5):
    x = np.asarray(x, dtype=np.float64)
    return half * x * (1 + np.tanh(k * (x + c * x**power)))


def check_gelu(candidate) -> None:
    """Check `candidate(x)`: GPT-2's GELU, the tanh form, elementwise."""
    rng = np.random.default_rng(1)
    cases = [
        Case("a grid from -5 to 5", (np.linspace(-5, 5, 41, dtype=np.float32),)),
        Case("random (3, 4)", (_normal(rng, (3, 4), 2.0),)),
        Case("zero", (np.zeros(1, dtype=np.float32),)),
        Case("large |x|", (np.array([-30.0, -8.0, 8.0, 30.0], dtype=np.float32),)),
    ]
    mistakes = [
        Mistake(
            "That is the exact GELU, x Phi(x) with erf. GPT-2 uses the tanh "
            "approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).",
            gelu_exact,
            id="exact-gelu",
        ),
        Mistake(
            "That is ReLU, max(0, x); GELU is smooth and dips slightly below 0 "
            "for negative x.",
            lambda x: np.maximum(np.asarray(x), 0),
            id="relu",
        ),
        Mistake(
            "The constant is sqrt(2 / pi), about 0.798, not sqrt(2) / pi.",
            lambda x: _gelu_f64(x, k=math.sqrt(2) / math.pi),
            id="wrong-constant",
        ),
        Mistake(
            "The correction term is 0.044715 x^3 (cubed), not x^2.",
            lambda x: _gelu_f64(x, power=2),
            id="squared",
        ),
        Mistake(
            "Missing the factor 0.5 in front: 0.5 x (1 + tanh(...)).",
            lambda x: _gelu_f64(x, half=1.0),
            id="no-half",
        ),
        Mistake(
            "That is x * sigmoid(1.702 x), another approximation; use the tanh form.",
            lambda x: np.asarray(x) / (1 + np.exp(-1.702 * np.asarray(x))),
            id="sigmoid-approx",
        ),
    ]
    run_checks(
        "check_gelu",
        candidate,
        gelu,
        cases,
        mistakes,
        rtol=1e-5,
        atol=2e-6,
        forbid=[gelu],
    )


# -------------------------------------------------------------------------- MLP


def _mlp_params(rng: np.random.Generator, c: int) -> dict:
    f = 4 * c
    return {
        "c_fc": {
            "weight": _normal(rng, (c, f), 1 / np.sqrt(c)),
            "bias": _normal(rng, (f,), 0.5),
        },
        "c_proj": {
            "weight": _normal(rng, (f, c), 1 / np.sqrt(f)),
            "bias": _normal(rng, (c,), 0.5),
        },
    }


def _mlp_with(x, p, act=gelu, *, fc_bias=True, proj_bias=True):
    h = x @ p["c_fc"]["weight"]
    if fc_bias:
        h = h + p["c_fc"]["bias"]
    out = act(h) @ p["c_proj"]["weight"]
    return out + p["c_proj"]["bias"] if proj_bias else out


def check_mlp(candidate) -> None:
    """Check `candidate(x, p)`: c_proj(gelu(c_fc(x))) at every position."""
    rng = np.random.default_rng(2)
    cases = []
    for label, shape in [
        ("T = 5, C = 8", (5, 8)),
        ("one vector, C = 4", (4,)),
        ("batch of 2, T = 3, C = 6", (2, 3, 6)),
        ("one token (T = 1), C = 12", (1, 12)),
    ]:
        cases.append(
            Case(label, (_normal(rng, shape, 2.0), _mlp_params(rng, shape[-1])))
        )

    def gelu_last(x, p):
        return gelu(linear(linear(x, p["c_fc"]), p["c_proj"]))

    mistakes = [
        Mistake(
            "That is ReLU; GPT-2's MLP uses GELU (the tanh form).",
            lambda x, p: _mlp_with(x, p, act=lambda h: np.maximum(h, 0)),
            id="relu",
        ),
        Mistake(
            "You used the exact (erf) GELU; GPT-2 uses the tanh approximation.",
            lambda x, p: _mlp_with(x, p, act=gelu_exact),
            id="exact-gelu",
        ),
        Mistake(
            "No non-linearity: apply GELU between the two layers.",
            lambda x, p: _mlp_with(x, p, act=lambda h: h),
            id="no-activation",
        ),
        Mistake(
            "GELU goes between the two layers (on the 4C-wide vector), not after "
            "the projection back to C.",
            gelu_last,
            id="gelu-after-proj",
        ),
        Mistake(
            "c_fc has a bias: add c_fc['bias'] before GELU.",
            lambda x, p: _mlp_with(x, p, fc_bias=False),
            id="no-fc-bias",
        ),
        Mistake(
            "c_proj has a bias: add c_proj['bias'] at the end.",
            lambda x, p: _mlp_with(x, p, proj_bias=False),
            id="no-proj-bias",
        ),
    ]
    run_checks(
        "check_mlp",
        candidate,
        mlp,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[mlp],
        keep_float32=True,
    )


# ------------------------------------------------------------------------ block


def _block_params(rng: np.random.Generator, c: int) -> dict:
    def ln() -> dict:
        return {
            "weight": np.float32(1.0) + _normal(rng, (c,), 0.3),
            "bias": _normal(rng, (c,), 0.3),
        }

    return {
        "ln_1": ln(),
        "attn": {
            "c_attn": {
                "weight": _normal(rng, (c, 3 * c), 1 / np.sqrt(c)),
                "bias": _normal(rng, (3 * c,), 0.1),
            },
            "c_proj": {
                "weight": _normal(rng, (c, c), 1 / np.sqrt(c)),
                "bias": _normal(rng, (c,), 0.3),
            },
        },
        "ln_2": ln(),
        "mlp": _mlp_params(rng, c),
    }


def _ln(x, p):
    return layer_norm(x, p["weight"], p["bias"])


def _block_reference(x, p, n_head):
    t, c = x.shape[-2:]
    cfg = GPTConfig(vocab_size=1, block_size=t, n_layer=1, n_head=n_head, n_embd=c)
    return block(x, p, cfg)


def _attn(x, p, n_head):
    return multi_head_attention(x, p["attn"], n_head)


def _no_residual_attn(x, p, n_head):
    a = _attn(_ln(x, p["ln_1"]), p, n_head)
    return a + mlp(_ln(a, p["ln_2"]), p["mlp"])


def _no_residual_mlp(x, p, n_head):
    x = x + _attn(_ln(x, p["ln_1"]), p, n_head)
    return mlp(_ln(x, p["ln_2"]), p["mlp"])


def _no_residual_at_all(x, p, n_head):
    return mlp(_ln(_attn(_ln(x, p["ln_1"]), p, n_head), p["ln_2"]), p["mlp"])


def _post_ln(x, p, n_head):
    x = _ln(x + _attn(x, p, n_head), p["ln_1"])
    return _ln(x + mlp(x, p["mlp"]), p["ln_2"])


def _ln_on_stream(x, p, n_head):
    x = _ln(x, p["ln_1"])
    x = x + _attn(x, p, n_head)
    x = _ln(x, p["ln_2"])
    return x + mlp(x, p["mlp"])


def _parallel(x, p, n_head):
    a = _attn(_ln(x, p["ln_1"]), p, n_head)
    return x + a + mlp(_ln(x, p["ln_2"]), p["mlp"])


def _no_layer_norm(x, p, n_head):
    x = x + _attn(x, p, n_head)
    return x + mlp(x, p["mlp"])


def _ln_1_twice(x, p, n_head):
    x = x + _attn(_ln(x, p["ln_1"]), p, n_head)
    return x + mlp(_ln(x, p["ln_1"]), p["mlp"])


# The usual ways to get a block wrong, shared with chapter 07's block checker.
BLOCK_MISTAKES = [
    Mistake(
        "The residual connection around the attention is missing: "
        "x = x + attn(ln_1(x)), the sub-layer *adds* to the stream.",
        _no_residual_attn,
        id="no-residual-attn",
    ),
    Mistake(
        "The residual connection around the MLP is missing: return "
        "x + mlp(ln_2(x)), not mlp(ln_2(x)).",
        _no_residual_mlp,
        id="no-residual-mlp",
    ),
    Mistake(
        "Both residual connections are missing: each sub-layer's output is "
        "added to its input, x = x + sublayer(ln(x)).",
        _no_residual_at_all,
        id="no-residuals",
    ),
    Mistake(
        "LayerNorm was applied after the sub-layer (post-LN, as in the 2017 "
        "Transformer). GPT-2 is pre-LN: normalise a copy of x *before* each "
        "sub-layer, x + attn(ln_1(x)).",
        _post_ln,
        id="post-ln",
    ),
    Mistake(
        "The stream itself was normalised. Only the sub-layer's input is: "
        "x = x + attn(ln_1(x)) keeps x as it was and adds to it.",
        _ln_on_stream,
        id="ln-on-stream",
    ),
    Mistake(
        "The MLP must read the stream *after* the attention's update: compute "
        "x = x + attn(ln_1(x)) first, then x + mlp(ln_2(x)).",
        _parallel,
        id="parallel",
    ),
    Mistake(
        "The MLP has its own LayerNorm: use ln_2 before the MLP, not ln_1.",
        _ln_1_twice,
        id="ln-1-twice",
    ),
    Mistake(
        "The LayerNorms are missing: each sub-layer reads ln_1(x) or ln_2(x).",
        _no_layer_norm,
        id="no-layer-norm",
    ),
]


def check_block(candidate) -> None:
    """Check `candidate(x, p, n_head)`: one pre-LN GPT-2 block, (T, C) -> (T, C)."""
    rng = np.random.default_rng(3)
    cases = []
    for label, t, c, h in [
        ("T = 5, C = 12, H = 3", 5, 12, 3),
        ("T = 4, C = 8, H = 2", 4, 8, 2),
        ("one head (H = 1), T = 3, C = 6", 3, 6, 1),
        ("one token (T = 1), C = 8, H = 4", 1, 8, 4),
    ]:
        x = _normal(rng, (t, c), 2.0) + np.float32(0.5)
        cases.append(Case(label, (x, _block_params(rng, c), h)))
    run_checks(
        "check_block",
        candidate,
        _block_reference,
        cases,
        BLOCK_MISTAKES,
        rtol=1e-4,
        atol=1e-4,
        forbid=[block],
        keep_float32=True,
    )
