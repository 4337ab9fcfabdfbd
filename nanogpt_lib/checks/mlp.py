"""Checkers for chapter 06's exercises: a LayerNorm and a block with planted bugs
to fix, the residual stream's growth in the Shakespeare model (predict, then
measure), GELU and the MLP's size by hand, and the slope of GELU."""

from __future__ import annotations

import math

import numpy as np

from .. import interpretability as interp
from ..gpt import GPTConfig, block
from ..layernorm import layer_norm
from ..mlp import gelu, mlp
from ..multihead import multi_head_attention
from ..train import gelu_backward, gelu_forward
from ._by_hand import Answer, compare_answers
from ._core import Case, Mistake, run_checks

__all__ = [
    "check_layer_norm",
    "check_block",
    "check_stream_norms",
    "check_gelu_by_hand",
    "check_gelu_grad",
]

EPS = 1e-5
NO_BIAS_LN = "no bias (bias=None), batch of 2, T = 3, C = 8"
NO_BIAS_BLOCK = "no biases (cfg.bias False), T = 4, C = 8, H = 2"


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(scale)
    return out


# ------------------------------------------------------------------- layer norm


def _affine(out, weight, bias):
    """Scale and shift; bias None (a model with cfg.bias False) skips the shift."""
    out = out * weight
    return out if bias is None else out + bias


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
    return _affine(out, weight, bias) if affine else out


def _ln_no_centre(x, weight, bias):
    x = np.asarray(x, dtype=np.float64)
    return _affine(x / np.sqrt(x.var(axis=-1, keepdims=True) + EPS), weight, bias)


def _ln_var_axis0(x, weight, bias):
    """The planted bug of ex-06-layer-norm-bug: mean per vector, variance per
    feature (over the tokens)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=-1, keepdims=True)
    return _affine(centred / np.sqrt(x.var(axis=0, keepdims=True) + EPS), weight, bias)


def _ln_axis0(x, weight, bias):
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0, keepdims=True)
    return _affine(centred / np.sqrt(x.var(axis=0, keepdims=True) + EPS), weight, bias)


def check_layer_norm(candidate) -> None:
    """Check `candidate(x, weight, bias)`: LayerNorm over the last axis, eps 1e-5;
    bias may be None (no shift)."""
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
    # Last, so that every other mistake is named first: a LayerNorm with no bias,
    # as in a model built with cfg.bias False (nanoGPT's LayerNorm(bias=False)).
    x = _normal(rng, (2, 3, 8), 2.0) + np.float32(1.0)
    weight = np.float32(1.0) + _normal(rng, (8,), 0.5)
    cases.append(Case(NO_BIAS_LN, (x, weight, None)))
    mistakes = [
        Mistake(
            "bias may be None (a model built with cfg.bias False has LayerNorms "
            "without one): then skip the shift. The chapter's my_layer_norm, "
            "pasted, adds bias unconditionally and fails here - fix "
            "shaky_layer_norm instead, which already handles it.",
            raises=TypeError,
            on=(NO_BIAS_LN,),
            id="chapter-copy-no-bias",
        ),
        Mistake(
            "The mean is taken over each vector's C features but the variance "
            "over axis 0, across the tokens: both must use axis=-1. On one vector "
            "(C,) axis 0 is the last axis, which is why it looked right there.",
            _ln_var_axis0,
            id="variance-axis-0",
        ),
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


def _strip_biases(p):
    """The same block's weights with every "bias" removed (cfg.bias False)."""
    if isinstance(p, dict):
        return {k: _strip_biases(v) for k, v in p.items() if k != "bias"}
    return p


def _ln(x, p):
    return layer_norm(x, p["weight"], p.get("bias"))


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


def _exact_gelu_block(x, p, n_head):
    from ..mlp import gelu_exact

    x = x + _attn(_ln(x, p["ln_1"]), p, n_head)
    fc, proj = p["mlp"]["c_fc"], p["mlp"]["c_proj"]
    hidden = gelu_exact(_ln(x, p["ln_2"]) @ fc["weight"] + fc.get("bias", 0.0))
    return x + hidden @ proj["weight"] + proj.get("bias", 0.0)


def _ln_swapped(x, p, n_head):
    x = x + _attn(_ln(x, p["ln_2"]), p, n_head)
    return x + mlp(_ln(x, p["ln_1"]), p["mlp"])


def _attn_only(x, p, n_head):
    return x + _attn(_ln(x, p["ln_1"]), p, n_head)


def check_block(candidate) -> None:
    """Check `candidate(x, p, n_head)`: one pre-LN GPT-2 block, (T, C) -> (T, C);
    p may have no "bias" entries (cfg.bias False)."""
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
    # Last, so that every other mistake is named first: a block of a model built
    # with cfg.bias False, whose LayerNorms and linear layers have no "bias".
    x = _normal(rng, (4, 8), 2.0) + np.float32(0.5)
    cases.append(Case(NO_BIAS_BLOCK, (x, _strip_biases(_block_params(rng, 8)), 2)))
    mistakes = BLOCK_MISTAKES + [
        Mistake(
            'A model built with cfg.bias False has no "bias" in its LayerNorms '
            '(or linear layers): read it with p.get("bias"), as gpt.block does. '
            'The chapter\'s my_block, pasted, reads ln["bias"] and fails here - '
            "fix tidy_block instead, which already handles it.",
            raises=KeyError,
            on=(NO_BIAS_BLOCK,),
            id="chapter-copy-bias-key",
        ),
        Mistake(
            "ln_1 and ln_2 are swapped: attention reads ln_1(x), the MLP ln_2(x).",
            _ln_swapped,
            id="ln-swapped",
        ),
        Mistake(
            "The MLP half of the block is missing: after x = x + attn(ln_1(x)), "
            "return x + mlp(ln_2(x)).",
            _attn_only,
            id="no-mlp",
        ),
        Mistake(
            "The MLP used the exact (erf) GELU; GPT-2's weights were trained with "
            "the tanh form, which nanogpt_lib.mlp.mlp uses.",
            _exact_gelu_block,
            id="exact-gelu",
        ),
    ]
    run_checks(
        "check_block",
        candidate,
        _block_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        forbid=[block],
        keep_float32=True,
    )


# ------------------------------------------------- the residual stream's growth


def _streams(params, ids, cfg):
    return interp.residual_streams(params, ids, cfg)  # (L+1, ..., T, C)


def _mean_norms(streams):
    s = np.asarray(streams, dtype=np.float64)
    return np.linalg.norm(s, axis=-1).reshape(len(s), -1).mean(axis=1)


def _stream_norms_reference(params, ids, cfg):
    return _mean_norms(_streams(params, ids, cfg))


def _norms_every_sub_layer(params, ids, cfg):
    """Seven stages as in the chapter's sorter cell: x0, res_1 and res_2 per block."""
    from ..gpt import forward

    trace: dict = {}
    forward(params, ids, cfg, trace=trace)
    names = ["x0"]
    for i in range(cfg.n_layer):
        names += [f"h.{i}.res_1", f"h.{i}.res_2"]
    return _mean_norms(np.stack([trace[n] for n in names]))


def _norms_after_ln_f(params, ids, cfg):
    s = np.array(_streams(params, ids, cfg), dtype=np.float64)
    s[-1] = layer_norm(s[-1], params["ln_f"]["weight"], params["ln_f"]["bias"])
    return _mean_norms(s)


def _norms_token_axis(params, ids, cfg):
    s = np.asarray(_streams(params, ids, cfg), dtype=np.float64)
    return np.linalg.norm(s, axis=-2).reshape(len(s), -1).mean(axis=1)


def _norms_of_mean(params, ids, cfg):
    s = np.asarray(_streams(params, ids, cfg), dtype=np.float64)
    flat = s.reshape(len(s), -1, s.shape[-1])
    return np.linalg.norm(flat.mean(axis=1), axis=-1)


def _squared_norms(params, ids, cfg):
    s = np.asarray(_streams(params, ids, cfg), dtype=np.float64)
    return (s * s).sum(axis=-1).reshape(len(s), -1).mean(axis=1)


def _measured_growth(norms) -> float:
    return float(norms[-1] / norms[0])


def check_stream_norms(candidate, prediction=None) -> None:
    """Check `candidate(params, ids, cfg)`: ids (..., T) -> (L+1,), the mean norm of
    the residual stream before block 0 and after each block, over every position.

    With `prediction` (a number, or a function returning one), a second line says
    how far the predicted growth (after the last block / before block 0) was from
    the measured one on the Shakespeare model. A wrong guess is not a failure.
    """
    import contextlib
    import io

    from ..shakespeare import held_out_text, load_model
    from ..sorter import load_sorter

    cfg, params, chars = load_model()
    held = np.array(chars.encode(held_out_text()), dtype=np.int64)
    starts = np.linspace(0, held.size - 129, 4).astype(int)
    windows = np.stack([held[s : s + 128] for s in starts])  # (4, 128)
    s_cfg, s_params = load_sorter()
    sorter_ids = np.array([2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2])
    cases = [
        Case(
            "the Shakespeare model, 4 held-out windows of 128", (params, windows, cfg)
        ),
        Case("the sorter, CBABBC + ABBBC", (s_params, sorter_ids, s_cfg)),
    ]

    mistakes = [
        Mistake(
            "The stream before block 0 (x0 = wte[ids] + wpe) is missing: return "
            "L + 1 norms, the embedding's first.",
            lambda p, i, c: _stream_norms_reference(p, i, c)[1:],
            id="no-embedding",
        ),
        Mistake(
            "That is the stream after every sub-layer (res_1 and res_2): take it "
            "once per block, after the MLP's addition (h.{i}.res_2), plus x0.",
            _norms_every_sub_layer,
            id="every-sub-layer",
        ),
        Mistake(
            "The last entry went through ln_f: measure the stream itself, before "
            "the final LayerNorm rescales it.",
            _norms_after_ln_f,
            id="after-ln-f",
        ),
        Mistake(
            "The norm was taken over the token axis: each token's vector has C "
            "numbers, np.linalg.norm(stream, axis=-1).",
            _norms_token_axis,
            id="wrong-axis",
        ),
        Mistake(
            "That is the norm of the average vector; average the norms of the "
            "vectors instead (vectors pointing different ways cancel in a mean).",
            _norms_of_mean,
            id="norm-of-mean",
        ),
        Mistake(
            "These are squared norms (sums of squares): take the square root, "
            "np.linalg.norm.",
            _squared_norms,
            id="squared",
        ),
        Mistake(
            "That is the root mean square (norm / sqrt(C)); the exercise asks for "
            "the norm, np.linalg.norm(..., axis=-1).",
            lambda p, i, c: _stream_norms_reference(p, i, c) / np.sqrt(c.n_embd),
            id="rms",
        ),
    ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_checks(
            "check_stream_norms",
            candidate,
            _stream_norms_reference,
            cases,
            mistakes,
            rtol=1e-3,
            atol=1e-4,
            forbid=[interp.residual_streams],
        )
    text = out.getvalue()
    print(text, end="")
    if prediction is None or "cases passed" not in text:
        return
    try:
        guess = prediction() if callable(prediction) else prediction
    except NotImplementedError:
        print("Now make your prediction: fill in my_prediction() and run this again.")
        return
    measured = _measured_growth(_stream_norms_reference(params, windows, cfg))
    guess = float(guess)
    if guess <= 0:
        print(f"Your prediction {guess:g} is not a growth factor; measured "
              f"{measured:.1f}-fold.")  # fmt: skip
        return
    off = max(guess / measured, measured / guess)
    print(
        f"Your prediction: {guess:.3g}-fold; measured: {measured:.1f}-fold "
        f"(off by a factor of {off:.1f})."
    )


# ------------------------------------------------ GELU and the MLP by hand


def check_gelu_by_hand(candidate) -> None:
    """Check `candidate()`: GELU (tanh form) at -1, 0.5 and 2 to 3 decimals, and
    the number of parameters in one MLP of the Shakespeare model."""
    from ..shakespeare import load_model

    cfg, params, _ = load_model()
    p = params["h"][0]["mlp"]
    n_mlp = sum(p[layer][part].size for layer in p for part in p[layer])
    c = cfg.n_embd
    f = p["c_fc"]["weight"].shape[1]
    k = math.sqrt(2 / math.pi)

    def variants(x: float) -> list[tuple[float, str, str]]:
        inner = x + 0.044715 * x**3
        return [
            (max(x, 0.0), "relu", "That is ReLU, max(0, x). GELU is smooth: it "
             "lets a little of a negative input through (below 0)."),
            (-0.5 * x * (1 + math.tanh(k * inner)), "sign", "Check the sign: "
             "GELU(x) has the sign of x."),
            (x * (1 + math.tanh(k * inner)), "no-half", "The factor 0.5 in front "
             "is missing: 0.5 x (1 + tanh(...))."),
            (0.5 * x * (1 + math.tanh(math.sqrt(2) / math.pi * inner)),
             "wrong-constant", "The constant is sqrt(2 / pi), about 0.798, not "
             "sqrt(2) / pi."),
            (0.5 * x * (1 + math.tanh(k * (x + 0.044715 * x**2))), "squared",
             "The correction term is 0.044715 x^3 (cubed), not x^2."),
            (x / (1 + math.exp(-1.702 * x)), "sigmoid-approx", "That is "
             "x sigmoid(1.702 x), another approximation; use the tanh form."),
            (0.5 * x * (1 + math.tanh(inner)), "no-sqrt-2-pi", "The tanh's "
             "argument is multiplied by sqrt(2 / pi), about 0.798."),
            (0.5 * x * (1 + math.tanh(k * x)), "no-cubic", "The term 0.044715 x^3 "
             "inside the tanh is missing: tanh(sqrt(2 / pi) (x + 0.044715 x^3))."),
        ]  # fmt: skip

    answers = [
        Answer(f"gelu({x:g})", f"GELU({x:g}), tanh form, 3 decimals",
               float(gelu(np.float64(x))), variants(x), tol=6e-4)
        for x in (-1.0, 0.5, 2.0)
    ]  # fmt: skip
    answers.append(
        Answer(
            "mlp_params",
            f"numbers in one MLP (c_fc and c_proj, weights and biases), C = {c}",
            n_mlp,
            [
                (2 * c * f, "no-biases", "The biases count too: F for c_fc, C for "
                 "c_proj."),
                (2 * c * f + f, "one-bias", "Both layers have a bias: F numbers "
                 "for c_fc and C for c_proj."),
                (2 * c * f + c, "one-bias", "Both layers have a bias: F numbers "
                 "for c_fc and C for c_proj."),
                (2 * c * f + 2 * f, "bias-f-twice", "c_proj's bias has C "
                 "numbers (one per output), not F."),
                (2 * c * c + 2 * c, "f-is-c", "The hidden layer is F = 4C wide: "
                 "c_fc is (C, 4C) and c_proj (4C, C)."),
                (cfg.n_layer * n_mlp, "all-layers", "That is all the MLPs of the "
                 "model; the question asks for one block's MLP."),
            ],
        )
    )  # fmt: skip
    compare_answers("check_gelu_by_hand", candidate, answers)


# --------------------------------------------------------- the slope of GELU


def _slope(x, *, one_minus_t=False, inner=True, product=True, c=True):
    x = np.asarray(x, dtype=np.float64)
    k = math.sqrt(2 / math.pi)
    t = np.tanh(k * (x + 0.044715 * x**3))
    dt = (1 - t) if one_minus_t else (1 - t * t)
    chain = (k if c else 1.0) * ((1 + 3 * 0.044715 * x**2) if inner else 1.0)
    first = 0.5 * (1 + t) if product else 0.0
    return first + 0.5 * x * dt * chain


def _gelu_grad_reference(x):
    y, cache = gelu_forward(np.asarray(x))
    return gelu_backward(np.ones_like(y), cache)


def _exact_slope(x):
    x = np.asarray(x, dtype=np.float64)
    erf = np.vectorize(math.erf)
    return 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(
        2 * math.pi
    )


def check_gelu_grad(candidate) -> None:
    """Check `candidate(x)`: d GELU / dx for GPT-2's tanh form, elementwise."""
    rng = np.random.default_rng(5)
    cases = [
        Case("a grid from -5 to 5", (np.linspace(-5, 5, 41, dtype=np.float32),)),
        Case("random (3, 4)", (_normal(rng, (3, 4), 2.0),)),
        Case("zero", (np.zeros(1, dtype=np.float32),)),
        Case("large |x|", (np.array([-30.0, -8.0, 8.0, 30.0], dtype=np.float32),)),
    ]
    mistakes = [
        Mistake(
            "That is the slope of the exact GELU, Phi(x) + x phi(x). GPT-2's GELU "
            "is the tanh form; differentiate that one.",
            _exact_slope,
            id="exact-gelu",
        ),
        Mistake(
            "The derivative of tanh(u) is 1 - tanh(u)^2, not 1 - tanh(u).",
            lambda x: _slope(x, one_minus_t=True),
            id="one-minus-t",
        ),
        Mistake(
            "The chain rule: the inner function x + 0.044715 x^3 has derivative "
            "1 + 3 * 0.044715 x^2.",
            lambda x: _slope(x, inner=False),
            id="no-inner-derivative",
        ),
        Mistake(
            "The chain rule: the tanh's argument carries the factor sqrt(2 / pi); "
            "it multiplies the derivative too.",
            lambda x: _slope(x, c=False),
            id="no-sqrt-2-pi",
        ),
        Mistake(
            "The product rule: 0.5 x (1 + t) gives 0.5 (1 + t) plus "
            "0.5 x dt/dx; the first term is missing.",
            lambda x: _slope(x, product=False),
            id="no-product-rule",
        ),
        Mistake(
            "That is ReLU's slope, a step from 0 to 1. GELU's slope changes "
            "smoothly and even dips below 0 for negative x.",
            lambda x: (np.asarray(x) > 0).astype(np.asarray(x).dtype),
            id="relu-step",
        ),
        Mistake(
            "That is GELU itself; the exercise asks for its slope, the derivative.",
            lambda x: gelu(np.asarray(x)),
            id="value-not-slope",
        ),
    ]
    run_checks(
        "check_gelu_grad",
        candidate,
        _gelu_grad_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=2e-5,
        forbid=[gelu_backward],
    )
