"""Checkers for chapter 04's exercises: mask, scaled scores, one query, full head."""

from __future__ import annotations

import numpy as np

from .. import attention as lib
from ._core import Case, Mistake, run_checks

__all__ = [
    "check_causal_mask",
    "check_scaled_scores",
    "check_attention_one_query",
    "check_masked_attention",
    "check_attention_weights",
    "check_cached_attention_step",
]

HINT_DIAGONAL = (
    "Off by one: a token may look at itself, so the diagonal must stay visible (0). "
    "Only positions j > i are hidden: np.triu(..., k=1)."
)
HINT_FUTURE = (
    "The mask is upside down: the future (columns j > i, above the diagonal) must be "
    "hidden, the past (j <= i) visible."
)
HINT_SCALE = "Divide the scores by sqrt(D), the head size: q k^T / sqrt(D)."


def _naive_softmax(scores):
    """exp / sum without any care: a fully masked row gives 0 / 0 = nan."""
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


def check_causal_mask(candidate) -> None:
    """Check `candidate(T)`: a (T, T) float mask, 0 on and below the diagonal, -inf
    above."""
    cases = [Case(f"T = {t}", (t,)) for t in (1, 2, 5)]

    def reference(T):
        return lib.causal_mask(T)

    def where_hidden(hidden):
        return np.where(hidden, -np.inf, 0.0)

    mistakes = [
        Mistake(
            HINT_DIAGONAL,
            lambda T: where_hidden(np.triu(np.ones((T, T)), 0)),
            id="diagonal-hidden",
        ),
        Mistake(
            HINT_FUTURE,
            lambda T: where_hidden(np.tril(np.ones((T, T)), -1)),
            id="upside-down",
        ),
        Mistake(
            HINT_FUTURE + " (Also keep the diagonal visible.)",
            lambda T: where_hidden(np.tril(np.ones((T, T)), 0)),
            id="upside-down",
        ),
        Mistake(
            "Return an *additive* mask: 0 where a query may look and -np.inf where "
            "it may not, not True/False or 1/0.",
            lambda T: np.tril(np.ones((T, T))),
            id="not-additive",
        ),
        Mistake(
            "Return an *additive* mask: 0 where a query may look and -np.inf where "
            "it may not, not True/False or 1/0.",
            lambda T: np.triu(np.ones((T, T)), 1),
            id="not-additive",
        ),
        Mistake(
            "Use -np.inf for hidden entries, as the exercise asks. A large finite "
            "negative number such as -1e9 gives the same pattern (exp underflows to "
            "exactly 0; GPT-2's own code masks with -1e10), but this mask is compared "
            "entry by entry with the library's, which uses -inf.",
            lambda T: np.where(np.triu(np.ones((T, T)), 1) > 0, -1e9, 0.0),
            id="large-negative",
        ),
    ]
    mistakes.append(
        Mistake(
            "Off by one in the size: the mask is (T, T), one row per query and one "
            "column per key.",
            lambda T: lib.causal_mask(T + 1),
            id="size-off-by-one",
        )
    )
    run_checks(
        "check_causal_mask",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.causal_mask],
    )


def _qk(rng, T: int, S: int, D: int):
    return (
        rng.normal(size=(T, D)).astype(np.float32),
        rng.normal(size=(S, D)).astype(np.float32),
    )


def check_scaled_scores(candidate) -> None:
    """Check `candidate(q, k)`: q (T, D), k (S, D) -> q k^T / sqrt(D), shape (T, S)."""
    rng = np.random.default_rng(40)
    cases = [
        Case("T = S = 4, D = 16", _qk(rng, 4, 4, 16)),
        Case("T = 3, S = 5, D = 9", _qk(rng, 3, 5, 9)),
        Case("T = S = 1, D = 4", _qk(rng, 1, 1, 4)),
        Case("T = S = 6, D = 64", _qk(rng, 6, 6, 64)),
    ]

    def reference(q, k):
        return (q @ k.T) / np.sqrt(q.shape[-1])

    mistakes = [
        Mistake(
            "The scores are not scaled. " + HINT_SCALE,
            lambda q, k: q @ k.T,
            id="unscaled",
        ),
        Mistake(
            "You divided by D; divide by its square root, sqrt(D).",
            lambda q, k: q @ k.T / q.shape[-1],
            id="divided-by-d",
        ),
        Mistake(
            "Scale by sqrt(D) where D is the *head size* (the last axis), not the "
            "number of tokens.",
            lambda q, k: q @ k.T / np.sqrt(q.shape[0]),
            id="scaled-by-t",
        ),
        Mistake(
            "The result is transposed: row i holds query i, so compute q @ k.T "
            "(shape (T, S)), not k @ q.T.",
            lambda q, k: (k @ q.T) / np.sqrt(q.shape[-1]),
            id="transposed",
        ),
    ]
    mistakes += [
        Mistake(
            "Divide by sqrt(D), don't multiply: the scores must shrink as D grows.",
            lambda q, k: q @ k.T * np.sqrt(q.shape[-1]),
            id="times-sqrt-d",
        ),
        Mistake(
            "That is q^T k, shape (D, D): the scores pair every query *row* with "
            "every key row, q @ k.T, shape (T, S).",
            lambda q, k: q.T @ k / np.sqrt(q.shape[-1]),
            id="wrong-product",
        ),
        Mistake(
            "Return the scores, before softmax: the weights come in the next step.",
            lambda q, k: _naive_softmax(q @ k.T / np.sqrt(q.shape[-1])),
            id="softmax-applied",
        ),
    ]
    run_checks("check_scaled_scores", candidate, reference, cases, mistakes)


def check_attention_one_query(candidate) -> None:
    """Check `candidate(q, K, V, t)`: the output of the query at position t, which
    sees keys 0..t."""
    rng = np.random.default_rng(41)
    T, D, Dv = 6, 8, 5
    q_all = rng.normal(size=(T, D)).astype(np.float32)
    K = rng.normal(size=(T, D)).astype(np.float32)
    V = rng.normal(size=(T, Dv)).astype(np.float32)
    cases = [Case(f"query at t = {t}", (q_all[t], K, V, t)) for t in (3, T - 1, 0)] + [
        Case("t = 2 with T = 3", (q_all[2], K[:3], V[:3], 2))
    ]

    def one(q, K, V, t, *, upto=None, scale=True):
        upto = t + 1 if upto is None else upto
        scores = K[:upto] @ q
        if scale:
            scores = scores / np.sqrt(q.shape[-1])
        return _naive_softmax(scores) @ V[:upto]

    def reference(q, K, V, t):
        return lib.attention(q[None], K[: t + 1], V[: t + 1], causal=False)[0]

    mistakes = [
        Mistake(
            "Query t may only see keys 0..t: use K[:t+1] and V[:t+1], not all keys.",
            lambda q, K, V, t: one(q, K, V, t, upto=len(K)),
            id="sees-future",
        ),
        Mistake(
            HINT_DIAGONAL + " For one query: use K[:t+1], not K[:t].",
            lambda q, K, V, t: one(q, K, V, t, upto=t),
            id="diagonal-hidden",
        ),
        Mistake(
            HINT_SCALE, lambda q, K, V, t: one(q, K, V, t, scale=False), id="unscaled"
        ),
        Mistake(
            "The weights must sum to 1: apply softmax to the scores before "
            "weighting the values.",
            lambda q, K, V, t: (K[: t + 1] @ q / np.sqrt(q.shape[-1])) @ V[: t + 1],
            id="no-softmax",
        ),
    ]
    mistakes += [
        Mistake(
            "The weights must sum to 1: divide exp(scores) by its sum.",
            lambda q, K, V, t: (
                np.exp((s := K[: t + 1] @ q / np.sqrt(q.shape[-1])) - s.max())
                @ V[: t + 1]
            ),
            id="not-normalised",
        ),
        Mistake(
            "Weight the *values* V, not the keys K: the output is weights @ V[:t+1].",
            lambda q, K, V, t: (
                _naive_softmax(K[: t + 1] @ q / np.sqrt(q.shape[-1])) @ K[: t + 1]
            ),
            id="weights-times-keys",
        ),
        Mistake(
            "Return the output vector (weights @ V), not the attention weights.",
            lambda q, K, V, t: _naive_softmax(K[: t + 1] @ q / np.sqrt(q.shape[-1])),
            id="returns-weights",
        ),
    ]
    run_checks(
        "check_attention_one_query",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.attention],
    )


def check_masked_attention(candidate) -> None:
    """Check `candidate(q, k, v, keep)`: causal attention where `keep` (T, T) bool
    hides more keys; a row with nothing visible outputs zeros."""
    rng = np.random.default_rng(42)
    T, D, Dv = 5, 4, 3

    def qkv():
        return (
            rng.normal(size=(T, D)).astype(np.float32),
            rng.normal(size=(T, D)).astype(np.float32),
            rng.normal(size=(T, Dv)).astype(np.float32),
        )

    everything = np.ones((T, T), dtype=bool)
    padding = np.ones((T, T), dtype=bool)
    padding[:, 0] = False  # key 0 is padding: query 0 then sees nothing at all
    random_keep = rng.random((T, T)) < 0.7
    cases = [
        Case("keep everything (plain causal)", (*qkv(), everything)),
        Case("key 0 hidden: row 0 fully masked", (*qkv(), padding)),
        Case("random keep mask", (*qkv(), random_keep)),
        Case("T = 1, kept", tuple(a[:1] for a in qkv()) + (everything[:1, :1],)),
    ]

    def reference(q, k, v, keep):
        return lib.attention(q, k, v, mask=keep)

    def variant(
        q, k, v, keep, *, diagonal=False, causal=True, scale=True, axis=-1, safe=True
    ):
        scores = q @ k.T
        if scale:
            scores = scores / np.sqrt(q.shape[-1])
        allowed = keep.copy()
        if causal:
            allowed &= np.tril(np.ones(keep.shape, dtype=bool), -1 if diagonal else 0)
        scores = np.where(allowed, scores, -np.inf)
        if axis != -1:
            return _naive_softmax(scores.T).T @ v  # normalises each column
        if not safe:
            return _naive_softmax(scores) @ v
        dead = ~allowed.any(axis=-1, keepdims=True)
        weights = _naive_softmax(np.where(dead, 0.0, scores))
        return np.where(dead, 0.0, weights) @ v

    def times_zero(q, k, v, keep):
        allowed = keep & np.tril(np.ones(keep.shape, dtype=bool))
        scores = q @ k.T / np.sqrt(q.shape[-1])
        with np.errstate(invalid="ignore"):
            scores = scores * allowed + (-np.inf) * (~allowed)
        return _naive_softmax(scores) @ v

    mistakes = [
        Mistake(
            "A fully masked row gives nan: every score is -inf, and softmax then "
            "computes 0 / 0. Detect rows with nothing visible and output zeros there.",
            lambda q, k, v, keep: variant(q, k, v, keep, safe=False),
            id="masked-row-nan",
        ),
        Mistake(
            "-inf * 0 is nan, so multiplying a 0/1 mask by -inf poisons the scores: "
            "mask with np.where(allowed, scores, -np.inf) instead.",
            times_zero,
            id="inf-times-zero",
        ),
        Mistake(
            HINT_DIAGONAL,
            lambda q, k, v, keep: variant(q, k, v, keep, diagonal=True),
            id="diagonal-hidden",
        ),
        Mistake(
            HINT_DIAGONAL,
            lambda q, k, v, keep: variant(q, k, v, keep, diagonal=True, safe=False),
            id="diagonal-hidden",
        ),
        Mistake(
            "The future is visible: combine `keep` with the causal mask (query i "
            "sees keys j <= i).",
            lambda q, k, v, keep: variant(q, k, v, keep, causal=False),
            id="ignores-causal",
        ),
        Mistake(
            HINT_SCALE,
            lambda q, k, v, keep: variant(q, k, v, keep, scale=False),
            id="unscaled",
        ),
        Mistake(
            "Softmax over the wrong axis: normalise each *row* (one query's weights "
            "over the keys), axis=-1, not each column.",
            lambda q, k, v, keep: variant(q, k, v, keep, axis=0),
            id="wrong-axis",
        ),
    ]
    mistakes.append(
        Mistake(
            "`keep` is ignored: hide the keys where keep is False as well as the "
            "future (allowed = keep & causal).",
            lambda q, k, v, keep: lib.attention(q, k, v),
            id="ignores-keep",
        )
    )
    run_checks(
        "check_masked_attention",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.attention],
    )


# ------------------------------------------------------------------ new exercises


def _weights(q, k, *, scale=True, causal=True, diagonal=True, axis=-1):
    scores = np.asarray(q, dtype=np.float64) @ np.asarray(k, dtype=np.float64).T
    if scale:
        scores = scores / np.sqrt(np.shape(q)[-1])
    T, S = scores.shape
    if causal:
        visible = np.tri(T, S, k=S - T - (0 if diagonal else 1), dtype=bool)
        scores = np.where(visible, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def _weights_masked_after(q, k):
    w = _weights(q, k, causal=False)
    return np.tril(w)


def check_attention_weights(candidate) -> None:
    """Check `candidate(q, k)`: the (T, T) causal attention pattern, each row a
    probability distribution over keys 0..i (for a by-hand 3x3 pattern, say).

    Nested lists are fine; values are compared to 1e-3, so hand-rounded numbers
    pass.
    """
    rng = np.random.default_rng(43)
    cases = [
        Case(
            "3 tokens, D = 2 (the by-hand case)",
            (
                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]),
            ),
        ),
        Case("T = 4, D = 8", (rng.normal(size=(4, 8)), rng.normal(size=(4, 8)))),
        Case("T = 1", (rng.normal(size=(1, 4)), rng.normal(size=(1, 4)))),
        Case("T = 6, D = 16", (rng.normal(size=(6, 16)), rng.normal(size=(6, 16)))),
    ]
    mistakes = [
        Mistake(HINT_SCALE, lambda q, k: _weights(q, k, scale=False), id="unscaled"),
        Mistake(
            "The future is visible: query i may only attend to keys 0..i, so the "
            "pattern is zero above the diagonal.",
            lambda q, k: _weights(q, k, causal=False),
            id="no-mask",
        ),
        Mistake(
            HINT_DIAGONAL,
            lambda q, k: _weights(q, k, diagonal=False),
            id="diagonal-hidden",
        ),
        Mistake(
            "Mask *before* softmax: zeroing the future after softmax leaves rows "
            "that no longer sum to 1.",
            _weights_masked_after,
            id="masked-after-softmax",
        ),
        Mistake(
            "Softmax over the wrong axis: each *row* (one query's weights over "
            "the keys) sums to 1, axis=-1.",
            lambda q, k: _weights(q, k, axis=0),
            id="wrong-axis",
        ),
        Mistake(
            "The pattern is transposed: row i is query i, column j key j, so the "
            "zeros sit above the diagonal.",
            lambda q, k: _weights(q, k).T,
            id="transposed",
        ),
        Mistake(
            "Return the weights (after softmax), not the scaled scores.",
            lambda q, k: np.where(
                np.tri(len(q), dtype=bool),
                np.asarray(q) @ np.asarray(k).T / np.sqrt(np.shape(q)[-1]),
                -np.inf,
            ),
            id="scores-not-weights",
        ),
    ]
    run_checks(
        "check_attention_weights",
        candidate,
        lambda q, k: _weights(q, k),
        cases,
        mistakes,
        rtol=1e-3,
        atol=1e-3,
        forbid=[lib.attention],
    )


def _cached_step(
    q,
    k,
    v,
    k_cache,
    v_cache,
    *,
    append=True,
    scale=True,
    only_new=False,
    top_left=False,
    swap_kv=False,
    axis=-1,
):
    keys = np.concatenate([k_cache, k], axis=-2) if append else k_cache
    values = np.concatenate([v_cache, v], axis=-2) if append else v_cache
    if only_new:
        keys, values = k, v
    if swap_kv:
        keys, values = values, keys
    scores = q @ np.swapaxes(keys, -1, -2)  # (H, 1, S)
    if scale:
        scores = scores / np.sqrt(q.shape[-1])
    if top_left:
        S = scores.shape[-1]
        scores = np.where(np.arange(S) > 0, -np.inf, scores)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=axis, keepdims=True))
        w = e / e.sum(axis=axis, keepdims=True)
    return w @ values


def check_cached_attention_step(candidate) -> None:
    """Check `candidate(q, k, v, k_cache, v_cache)`: one generation step with a KV
    cache. q, k, v (H, 1, D) belong to the new token; k_cache, v_cache (H, t, D)
    hold the earlier tokens. Append k and v, then let the one new query attend to
    all t + 1 keys; return its output, shape (H, 1, D)."""
    rng = np.random.default_rng(44)

    def step(H, t, D):
        def a(n):
            return rng.standard_normal((H, n, D), dtype=np.float32)

        return (a(1), a(1), a(1), a(t), a(t))

    cases = [
        Case("H = 2, 3 cached tokens, D = 4", step(2, 3, 4)),
        Case("H = 3, 6 cached tokens, D = 8", step(3, 6, 8)),
        Case("empty cache (the first token)", step(2, 0, 4)),
        Case("H = 1, 1 cached token", step(1, 1, 2)),
    ]
    mistakes = [
        Mistake(
            "Append the new key and value to the cache *before* attending: the "
            "new token may look at itself.",
            lambda *a: _cached_step(*a, append=False),
            id="attends-before-append",
        ),
        Mistake(
            "The new query sits at the *last* position, so it sees every cached "
            "key: no causal mask is needed for it (a mask built for position 0 "
            "hides all keys but the first).",
            lambda *a: _cached_step(*a, top_left=True),
            id="mask-top-left",
        ),
        Mistake(
            "The cache is there to be used: attend to the cached keys and values "
            "too, not only to the new token's own.",
            lambda *a: _cached_step(*a, only_new=True),
            id="ignores-cache",
        ),
        Mistake(HINT_SCALE, lambda *a: _cached_step(*a, scale=False), id="unscaled"),
        Mistake(
            "Keys and values are swapped: scores come from q and the keys, the "
            "output is a weighted sum of the values.",
            lambda *a: _cached_step(*a, swap_kv=True),
            id="kv-swapped",
        ),
        Mistake(
            "Softmax over the wrong axis: the new query's weights over the t + 1 "
            "keys sum to 1 (axis=-1), not over the heads.",
            lambda *a: _cached_step(*a, axis=0),
            id="wrong-axis",
        ),
    ]
    run_checks(
        "check_cached_attention_step",
        candidate,
        _cached_step,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
    )
