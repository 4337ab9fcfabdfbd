"""Checkers for chapter 05's exercises: split heads, merge heads, multi-head
attention (one head included) and the output projection as a sum over heads."""

from __future__ import annotations

import numpy as np

from .. import multihead as lib
from ..attention import attention
from ..linear import linear
from ._core import Case, Mistake, run_checks

__all__ = [
    "check_split_heads",
    "check_merge_heads",
    "check_multi_head_attention",
    "check_project_heads",
]


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(scale)
    return out


def _attn_params(rng: np.random.Generator, c: int) -> dict:
    """Random c_attn and c_proj weights of width c, with non-zero biases."""
    return {
        "c_attn": {
            "weight": _normal(rng, (c, 3 * c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (3 * c,), 0.1),
        },
        "c_proj": {
            "weight": _normal(rng, (c, c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (c,), 0.5),
        },
    }


# ------------------------------------------------------------------ split heads


def _split_no_transpose(x, n_head):
    *lead, t, c = np.shape(x)
    return np.reshape(x, (*lead, t, n_head, c // n_head))  # (..., T, H, D)


def _split_reshape_only(x, n_head):
    *lead, t, c = np.shape(x)
    return np.reshape(x, (*lead, n_head, t, c // n_head))  # wrong: no transpose


def _split_interleaved(x, n_head):
    *lead, t, c = np.shape(x)
    y = np.reshape(x, (*lead, t, c // n_head, n_head))  # (..., T, D, H)
    return np.moveaxis(y, -1, -3)  # (..., T, D, H) -> (..., H, T, D)


_BATCH_SPLIT = "batch of 2, T = 3, C = 6, H = 2"
_BATCH_MERGE = "batch of 2, H = 2, T = 3, D = 3"


def check_split_heads(candidate) -> None:
    """Check `candidate(x, n_head)`: (..., T, C) -> (..., H, T, D)."""
    rng = np.random.default_rng(0)
    cases = [
        Case("T = 5, C = 12, H = 3", (_normal(rng, (5, 12)), 3)),
        Case("T = 4, C = 8, H = 4", (_normal(rng, (4, 8)), 4)),
        Case(_BATCH_SPLIT, (_normal(rng, (2, 3, 6)), 2)),
        Case("one head (H = 1)", (_normal(rng, (4, 6)), 1)),
        Case("one token (T = 1)", (_normal(rng, (1, 12)), 4)),
    ]
    mistakes = [
        Mistake(
            "The head axis must come before the token axis: after reshaping to "
            "(T, H, D), swap the T and H axes (np.swapaxes(y, -3, -2)) to get "
            "(H, T, D).",
            _split_no_transpose,
            id="no-transpose",
        ),
        Mistake(
            "Reshaping straight to (H, T, D) mixes tokens and heads: reshape to "
            "(T, H, D) first, then swap the T and H axes.",
            _split_reshape_only,
            id="reshape-only",
        ),
        Mistake(
            "Head h owns the contiguous columns h*D:(h+1)*D, not every H-th column: "
            "reshape to (T, H, D), not (T, D, H).",
            _split_interleaved,
            id="interleaved",
        ),
    ]
    mistakes += [
        Mistake(
            "Keep the leading axes: split only the last one, "
            "x.reshape(*x.shape[:-1], H, D), so that a batch (B, T, C) works too.",
            raises=(ValueError, TypeError, IndexError),
            on=(_BATCH_SPLIT,),
            id="ignores-batch",
        ),
        Mistake(
            "The axes came out as (H, D, T): after reshaping to (T, H, D), move "
            "only T and H, np.swapaxes(y, -3, -2), to get (H, T, D).",
            lambda x, h: np.moveaxis(_split_no_transpose(x, h), -3, -1),
            id="hdt-order",
        ),
    ]
    run_checks(
        "check_split_heads",
        candidate,
        lib.split_heads,
        cases,
        mistakes,
        forbid=[lib.split_heads],
        keep_float32=True,
    )


# ------------------------------------------------------------------ merge heads


def _merge_no_transpose(x):
    *lead, h, t, d = np.shape(x)
    return np.reshape(x, (*lead, t, h * d))  # wrong: no transpose


def _merge_interleaved(x):
    *lead, h, t, d = np.shape(x)
    y = np.moveaxis(x, -3, -1)  # (..., H, T, D) -> (..., T, D, H)
    return np.reshape(y, (*lead, t, h * d))


def _merge_reversed(x):
    return lib.merge_heads(np.flip(x, axis=-3))


def check_merge_heads(candidate) -> None:
    """Check `candidate(x)`: (..., H, T, D) -> (..., T, H*D), head 0 first."""
    rng = np.random.default_rng(1)
    cases = [
        Case("H = 3, T = 5, D = 4", (_normal(rng, (3, 5, 4)),)),
        Case("H = 4, T = 4, D = 2", (_normal(rng, (4, 4, 2)),)),
        Case(_BATCH_MERGE, (_normal(rng, (2, 2, 3, 3)),)),
        Case("one head (H = 1)", (_normal(rng, (1, 4, 6)),)),
        Case("one token (T = 1)", (_normal(rng, (3, 1, 4)),)),
    ]
    mistakes = [
        Mistake(
            "Heads merged in the wrong order: concatenate head 0's D columns, then "
            "head 1's, and so on (the inverse of split_heads).",
            _merge_reversed,
            id="reversed-heads",
        ),
        Mistake(
            "Swap the H and T axes back first, (H, T, D) -> (T, H, D), then reshape "
            "to (T, H*D); reshaping (H, T, D) directly mixes tokens from different "
            "rows.",
            _merge_no_transpose,
            id="no-transpose",
        ),
        Mistake(
            "Heads merged in the wrong order: the columns came out interleaved "
            "(one from each head in turn). Move the head axis to just before D, "
            "(T, H, D), so each head's D columns stay together.",
            _merge_interleaved,
            id="interleaved",
        ),
    ]
    mistakes += [
        Mistake(
            "Keep the leading axes: merge only the last three, "
            "reshape(*x.shape[:-3], T, H * D), so that a batch (B, H, T, D) works "
            "too.",
            raises=(ValueError, TypeError, IndexError),
            on=(_BATCH_MERGE,),
            id="ignores-batch",
        ),
        Mistake(
            "The heads were added up: merging *concatenates* them, head 0's D "
            "columns, then head 1's, giving (T, H*D).",
            lambda x: np.sum(x, axis=-3),
            id="summed",
        ),
    ]
    run_checks(
        "check_merge_heads",
        candidate,
        lib.merge_heads,
        cases,
        mistakes,
        forbid=[lib.merge_heads],
        keep_float32=True,
    )


# ------------------------------------------------------------ multi-head attention


def _mha_parts(x, p, n_head, *, scale_by_c=False, causal=True):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[..., i * c : (i + 1) * c], n_head) for i in range(3))
    if scale_by_c:  # attention divides by sqrt(D); undo it and divide by sqrt(C)
        q = q * np.float32(np.sqrt(c // n_head) / np.sqrt(c))
    return attention(q, k, v, causal=causal)  # (..., H, T, D)


def _mha_no_proj(x, p, n_head):
    return lib.merge_heads(_mha_parts(x, p, n_head))


def _mha_no_proj_bias(x, p, n_head):
    return lib.merge_heads(_mha_parts(x, p, n_head)) @ p["c_proj"]["weight"]


def _mha_sqrt_c(x, p, n_head):
    return linear(
        lib.merge_heads(_mha_parts(x, p, n_head, scale_by_c=True)), p["c_proj"]
    )


def _mha_no_mask(x, p, n_head):
    return linear(lib.merge_heads(_mha_parts(x, p, n_head, causal=False)), p["c_proj"])


def _mha_heads_as_tokens(x, p, n_head):
    """Attention over the head axis: q, k, v left as (T, H, D)."""
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    t = x.shape[-2]
    q, k, v = (
        np.reshape(qkv[..., i * c : (i + 1) * c], (t, n_head, c // n_head))
        for i in range(3)
    )
    out = attention(q, k, v, causal=True)  # (T, H, D): heads attend to heads
    return linear(np.reshape(out, (t, c)), p["c_proj"])


def _mha_no_qkv_bias(x, p, n_head):
    q = {"c_attn": {"weight": p["c_attn"]["weight"]}, "c_proj": p["c_proj"]}
    return lib.multi_head_attention(x, q, n_head)


def _mha_kqv(x, p, n_head):
    c = x.shape[-1]
    w, b = p["c_attn"]["weight"], p["c_attn"]["bias"]
    order = np.r_[c : 2 * c, 0:c, 2 * c : 3 * c]  # k | q | v read as q | k | v
    swapped = {
        "c_attn": {"weight": w[:, order], "bias": b[order]},
        "c_proj": p["c_proj"],
    }
    return lib.multi_head_attention(x, swapped, n_head)


def check_multi_head_attention(candidate) -> None:
    """Check `candidate(x, p, n_head)`: causal multi-head attention, (T, C) -> (T, C).

    The cases include n_head = 1, where multi-head attention is single-head
    attention of width C followed by the output projection.
    """
    rng = np.random.default_rng(2)
    cases = []
    for label, t, c, h in [
        ("T = 5, C = 12, H = 3", 5, 12, 3),
        ("T = 6, C = 8, H = 2", 6, 8, 2),
        ("one head (H = 1), T = 4, C = 6", 4, 6, 1),
        ("one token (T = 1), C = 8, H = 4", 1, 8, 4),
        ("head size 1 (H = C = 4), T = 3", 3, 4, 4),
    ]:
        cases.append(Case(label, (_normal(rng, (t, c)), _attn_params(rng, c), h)))
    mistakes = [
        Mistake(
            "You returned the concatenated heads: apply the output projection "
            "c_proj (weight and bias) after merging them.",
            _mha_no_proj,
            id="no-projection",
        ),
        Mistake(
            "The output projection needs its bias too: concat @ W + b.",
            _mha_no_proj_bias,
            id="no-proj-bias",
        ),
        Mistake(
            "Scale each head's scores by 1/sqrt(D), its own head size, not by "
            "1/sqrt(C).",
            _mha_sqrt_c,
            id="scaled-by-c",
        ),
        Mistake(
            "Apply the causal mask: a token may not look at later tokens.",
            _mha_no_mask,
            id="no-mask",
        ),
        Mistake(
            "T and H are swapped: the heads attended to each other instead of the "
            "tokens. Split to (H, T, D) so attention runs over T within each head.",
            _mha_heads_as_tokens,
            id="heads-as-tokens",
        ),
        Mistake(
            "c_attn has a bias as well: q | k | v = x @ W + b.",
            _mha_no_qkv_bias,
            id="no-qkv-bias",
        ),
    ]
    mistakes += [
        Mistake(
            "Split q, k and v into n_head heads: this is one head of width C "
            "(attention over the whole C columns at once).",
            lambda x, p, n_head: lib.multi_head_attention(x, p, 1),
            id="single-head",
        ),
        Mistake(
            "c_attn's output is q | k | v in that order, C columns each: "
            "q = qkv[:, :C], k = qkv[:, C:2C], v = qkv[:, 2C:].",
            _mha_kqv,
            id="qkv-order",
        ),
    ]
    run_checks(
        "check_multi_head_attention",
        candidate,
        lib.multi_head_attention,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[lib.multi_head_attention],
        keep_float32=True,
    )


# ---------------------------------------------------------- output projection


def _project_reference(heads, c_proj):
    return linear(lib.merge_heads(heads), c_proj)


def _project_bias_per_head(heads, c_proj):
    return _project_reference(heads, c_proj) + (heads.shape[-3] - 1) * c_proj["bias"]


def _project_no_bias(heads, c_proj):
    return lib.merge_heads(heads) @ c_proj["weight"]


def _project_columns(heads, c_proj):
    """Head h's block taken from columns h*D:(h+1)*D instead of rows."""
    h, d = heads.shape[-3], heads.shape[-1]
    w = c_proj["weight"]
    total = sum(heads[..., i, :, :] @ w[:, i * d : (i + 1) * d].T for i in range(h))
    return total + c_proj["bias"]


def _project_reversed(heads, c_proj):
    return _project_reference(np.flip(heads, axis=-3), c_proj)


def check_project_heads(candidate) -> None:
    """Check `candidate(heads, c_proj)`: (H, T, D) -> (T, C), the output projection.

    The reference is merge-then-project; a sum over heads of each head's own block
    of c_proj's rows gives the same answer.
    """
    rng = np.random.default_rng(3)
    cases = []
    for label, h, t, d in [
        ("H = 3, T = 5, D = 4", 3, 5, 4),
        ("H = 2, T = 3, D = 6", 2, 3, 6),
        ("one head (H = 1)", 1, 4, 5),
        ("one token (T = 1), H = 4, D = 2", 4, 1, 2),
    ]:
        c = h * d
        proj = {
            "weight": _normal(rng, (c, c), 1 / np.sqrt(c)),
            "bias": _normal(rng, (c,), 0.5),
        }
        cases.append(Case(label, (_normal(rng, (h, t, d)), proj)))
    mistakes = [
        Mistake(
            "The bias was added once per head: add b once, after summing the heads.",
            _project_bias_per_head,
            id="bias-per-head",
        ),
        Mistake(
            "The output projection has a bias: add c_proj['bias'] (once).",
            _project_no_bias,
            id="no-bias",
        ),
        Mistake(
            "Head h's block of c_proj is its *rows* h*D:(h+1)*D (weights are stored "
            "(in, out), and the concatenated input has head h in columns "
            "h*D:(h+1)*D), not its columns (nor the rows of its transpose).",
            _project_columns,
            id="columns-not-rows",
        ),
        Mistake(
            "Heads merged in the wrong order: head h goes with rows h*D:(h+1)*D "
            "of the weight, head 0 first.",
            _project_reversed,
            id="reversed-heads",
        ),
        Mistake(
            "You returned the concatenated heads: multiply by c_proj's weight and "
            "add its bias.",
            lambda heads, c_proj: lib.merge_heads(heads),
            id="no-projection",
        ),
    ]
    run_checks(
        "check_project_heads",
        candidate,
        _project_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        keep_float32=True,
    )
