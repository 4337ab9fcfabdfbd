"""Checkers for chapter 04's exercises: a pattern by hand, a head to debug, extra
masks without nan, a cached step, and attention distance on the Shakespeare model."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import attention as lib
from ._core import Case, Mistake, require_callable, run_checks

__all__ = [
    "check_pattern_by_hand",
    "check_causal_attention",
    "check_masked_attention",
    "check_attention_weights",
    "check_cached_attention_step",
    "check_attention_distance",
    "check_nearest_head",
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
        q,
        k,
        v,
        keep,
        *,
        diagonal=False,
        causal=True,
        scale=True,
        axis=-1,
        safe=True,
        fill=-np.inf,
        keep_as=lambda keep: keep,
    ):
        scores = q @ k.T
        if scale:
            scores = scores / np.sqrt(q.shape[-1])
        allowed = keep_as(keep).copy()
        if causal:
            allowed &= np.tril(np.ones(keep.shape, dtype=bool), -1 if diagonal else 0)
        if fill != -np.inf:  # a finite constant: no row is ever empty to softmax
            return _naive_softmax(np.where(allowed, scores, fill)) @ v
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
    mistakes += [
        Mistake(
            "A large finite constant (-1e10, finfo.min) instead of -inf gives a row "
            "with nothing visible a *uniform* pattern over keys it must not see, so "
            "it outputs their average. Detect such rows and output zeros there.",
            lambda q, k, v, keep: variant(q, k, v, keep, fill=np.float32(-1e10)),
            id="finite-constant-row",
        ),
        Mistake(
            "keep[i, j] is True when *query* i may look at *key* j: rows are "
            "queries. You read it transposed (keep.T).",
            lambda q, k, v, keep: variant(q, k, v, keep, keep_as=np.transpose),
            id="keep-transposed",
        ),
        Mistake(
            "keep is True where the query *may* look; you hid those keys and "
            "kept the others (~keep).",
            lambda q, k, v, keep: variant(q, k, v, keep, keep_as=np.logical_not),
            id="keep-inverted",
        ),
    ]
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


# Mistakes a (T, T) causal pattern can show, shared by the checkers that compute one.
_UNSCALED = Mistake(HINT_SCALE, lambda q, k: _weights(q, k, scale=False), id="unscaled")
_NO_MASK = Mistake(
    "The future is visible: query i may only attend to keys 0..i, so the "
    "pattern is zero above the diagonal.",
    lambda q, k: _weights(q, k, causal=False),
    id="no-mask",
)
_MASKED_AFTER = Mistake(
    "Mask *before* softmax: zeroing the future after softmax leaves rows "
    "that no longer sum to 1.",
    _weights_masked_after,
    id="masked-after-softmax",
)
_WRONG_AXIS = Mistake(
    "Softmax over the wrong axis: each *row* (one query's weights over "
    "the keys) sums to 1, axis=-1.",
    lambda q, k: _weights(q, k, axis=0),
    id="wrong-axis",
)
_TRANSPOSED = Mistake(
    "The pattern is transposed: row i is query i, column j key j, so the "
    "zeros sit above the diagonal.",
    lambda q, k: _weights(q, k).T,
    id="transposed",
)


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
        _UNSCALED,
        _NO_MASK,
        Mistake(
            HINT_DIAGONAL,
            lambda q, k: _weights(q, k, diagonal=False),
            id="diagonal-hidden",
        ),
        _MASKED_AFTER,
        _WRONG_AXIS,
        _TRANSPOSED,
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
        forbid=[lib.attention],
    )


# ------------------------------------------------------------------ by hand

#: The by-hand exercise's queries and keys (T = 3, D = 4, so sqrt(D) = 2).
BY_HAND_Q = np.array([[1.0, 0, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]])
BY_HAND_K = np.array([[1.0, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]])


def _scaled_by(q, k, divisor):
    """The causal pattern with the scores divided by `divisor`."""
    return _weights(np.asarray(q) / divisor * np.sqrt(np.shape(q)[-1]), k)


def _zero_not_inf(q, k):
    scores = np.asarray(q) @ np.asarray(k).T / np.sqrt(np.shape(q)[-1])
    scores = np.where(np.tri(len(q), dtype=bool), scores, 0.0)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _pattern_mistakes() -> list[Mistake]:
    """The mistakes a (T, T) causal pattern can show, by hand or in code."""
    return [
        _UNSCALED,
        Mistake(
            "You divided the scores by D; divide by its square root, sqrt(D) "
            "(here 2, not 4).",
            lambda q, k: _scaled_by(q, k, np.shape(q)[-1]),
            id="divided-by-d",
        ),
        _NO_MASK,
        _MASKED_AFTER,
        Mistake(
            "A hidden score must become -inf, not 0: a score of 0 still gets "
            "weight e^0 = 1, so the future keeps a share.",
            _zero_not_inf,
            id="zero-not-inf",
        ),
        _WRONG_AXIS,
        _TRANSPOSED,
    ]


def check_pattern_by_hand(candidate) -> None:
    """Check `candidate()`, a hand-computed (3, 3) causal attention pattern for the
    queries BY_HAND_Q and keys BY_HAND_K (D = 4). Values are compared to 0.01."""
    require_callable("check_pattern_by_hand", candidate)

    @functools.cache
    def answer():
        return candidate()

    def row(q, k, i):
        got = answer()
        try:
            return np.asarray(got, dtype=np.float64)[i]
        except (TypeError, ValueError):
            return got

    def per_row(mistake: Mistake) -> Mistake:  # a copy: the shared one stays whole
        one_row = functools.partial(lambda fn, q, k, i: fn(q, k)[i], mistake.wrong)
        return dataclasses.replace(mistake, wrong=one_row)

    cases = [Case(f"row {i} (query {i})", (BY_HAND_Q, BY_HAND_K, i)) for i in range(3)]
    run_checks(
        "check_pattern_by_hand",
        row,
        lambda q, k, i: _weights(q, k)[i],
        cases,
        [per_row(m) for m in _pattern_mistakes()],
        rtol=0.0,
        atol=0.01,
    )


# ------------------------------------------------------------------ debug


def _head(q, k, v, *, divisor=None, mask="before", axis=-1, values=True):
    """One causal head, with one thing done differently."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    T, D = q.shape
    scores = q @ k.T / (np.sqrt(D) if divisor is None else divisor(D))
    future = ~np.tri(T, dtype=bool)
    if mask == "before":
        scores = np.where(future, -np.inf, scores)
    elif mask == "diagonal":
        scores = np.where(~np.tri(T, k=-1, dtype=bool), -np.inf, scores)
    elif mask == "upside-down":  # hides the past, shows the future
        scores = np.where(np.tri(T, k=-1, dtype=bool), -np.inf, scores)
    w = _naive_softmax(scores) if axis == -1 else _naive_softmax(scores.T).T
    if mask == "after":
        w = np.where(future, 0.0, w)
    return w @ (v if values else k)


def check_causal_attention(candidate) -> None:
    """Check `candidate(q, k, v)`: one causal head, q, k (T, D), v (T, Dv) ->
    (T, Dv) (the debug exercise's fixed version of `buggy_attention`)."""
    rng = np.random.default_rng(45)

    def qkv(T, D, Dv):
        return tuple(rng.normal(size=(T, n)).astype(np.float32) for n in (D, D, Dv))

    cases = [
        Case("T = 5, D = 4", qkv(5, 4, 4)),
        Case("T = 6, D = 16, Dv = 3", qkv(6, 16, 3)),
        Case("T = 1", qkv(1, 4, 2)),
        Case("T = 3, D = 9 (values as wide as keys)", qkv(3, 9, 9)),
    ]
    mistakes = [
        Mistake(
            "Both planted bugs are still there: mask *before* the softmax (-inf "
            "where j > i) and divide the scores by sqrt(D), not D.",
            lambda q, k, v: _head(q, k, v, divisor=float, mask="after"),
            id="planted-bugs",
        ),
        Mistake(
            "Mask *before* softmax: zeroing the future after softmax leaves rows "
            "that no longer sum to 1 (query 0 should output exactly v[0]).",
            lambda q, k, v: _head(q, k, v, mask="after"),
            id="masked-after-softmax",
        ),
        Mistake(
            "You divided the scores by D; divide by its square root, sqrt(D).",
            lambda q, k, v: _head(q, k, v, divisor=float),
            id="divided-by-d",
        ),
        Mistake(
            HINT_SCALE,
            lambda q, k, v: _head(q, k, v, divisor=lambda d: 1.0),
            id="unscaled",
        ),
        Mistake(
            "The future is visible: hide every key j > i from query i.",
            lambda q, k, v: _head(q, k, v, mask="none"),
            id="no-mask",
        ),
        Mistake(
            HINT_DIAGONAL,
            lambda q, k, v: _head(q, k, v, mask="diagonal"),
            id="diagonal-hidden",
        ),
        Mistake(
            HINT_FUTURE + " np.tril(..., k=-1) marks the past; np.triu(..., k=1) "
            "the future.",
            lambda q, k, v: _head(q, k, v, mask="upside-down"),
            id="mask-upside-down",
        ),
        Mistake(
            "You divided by sqrt(T), the number of tokens; the scale is sqrt(D), "
            "the head size: T, D = q.shape.",
            lambda q, k, v: _head(q, k, v, divisor=lambda d: np.sqrt(len(q))),
            id="sqrt-of-t",
        ),
        Mistake(
            "Softmax over the wrong axis: each *row* (one query's weights over "
            "the keys) sums to 1, axis=-1.",
            lambda q, k, v: _head(q, k, v, axis=0),
            id="wrong-axis",
        ),
        Mistake(
            "Weight the *values* v, not the keys: the output is pattern @ v.",
            lambda q, k, v: _head(q, k, v, values=False),
            id="weights-times-keys",
        ),
    ]
    run_checks(
        "check_causal_attention",
        candidate,
        lambda q, k, v: lib.attention(q, k, v),
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[lib.attention],
    )


# ------------------------------------------------------------------ experiment


def _distance(
    pattern,
    *,
    sign=1,
    weighted=True,
    offset=0,
    reduce="mean",
    skip_first=False,
    argmax=False,
):
    """Mean over queries of sum_s pattern[t, s] (t - s), with one thing changed."""
    p = np.asarray(pattern, dtype=np.float64)
    T = p.shape[-1]
    gap = sign * (np.arange(T)[:, None] - np.arange(T)[None, :]) + offset
    if argmax:
        per_query = (np.argmax(p, axis=-1) * -1 + np.arange(T)).astype(float)
    elif weighted:
        per_query = (p * gap).sum(axis=-1)
    else:  # an even spread over the visible keys, whatever the pattern
        visible = np.tri(T, dtype=bool)
        per_query = np.where(visible, gap, 0).sum(axis=-1) / visible.sum(axis=-1)
    if reduce == "sum":
        return float(per_query.sum())
    if reduce == "entries":
        return float((p * gap).mean())
    return float(per_query[1:].mean() if skip_first else per_query.mean())


def _masked_softmax(scores):
    T = scores.shape[-1]
    scores = np.where(np.tri(T, dtype=bool), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _uniform(T):
    return np.tri(T) / np.arange(1, T + 1)[:, None]


def _previous(T):
    p = np.eye(T, k=-1)
    p[0, 0] = 1.0
    return p


def check_attention_distance(candidate) -> None:
    """Check `candidate(pattern)`: for one head's (T, T) causal pattern, the mean
    over all T queries of sum_s pattern[t, s] * (t - s), in positions (a float)."""
    rng = np.random.default_rng(46)
    cases = [
        Case("even spread, T = 4", (_uniform(4),)),
        Case("always the previous token, T = 5", (_previous(5),)),
        Case("only itself, T = 3", (np.eye(3),)),
        Case(
            "a random causal pattern, T = 6",
            (_masked_softmax(rng.normal(size=(6, 6)) * 2),),
        ),
        Case(
            "a float32 pattern, T = 8",
            (_masked_softmax(rng.normal(size=(8, 8))).astype(np.float32),),
        ),
    ]
    mistakes = [
        Mistake(
            "The distance is t - s (how far back key s is from query t), not "
            "s - t: it is never negative under a causal mask. (Reading the pattern "
            "by columns, pattern.T, gives the same negative number.)",
            lambda p: _distance(p, sign=-1),
            id="sign",
        ),
        Mistake(
            "Weight each distance by the attention it gets: sum_s pattern[t, s] * "
            "(t - s). Without the weights every head looks like an even spread.",
            lambda p: _distance(p, weighted=False),
            id="unweighted",
        ),
        Mistake(
            "Sum over the keys first (one distance per query), then average over "
            "the T queries: the mean over all T x T entries divides by T once more.",
            lambda p: _distance(p, reduce="entries"),
            id="mean-over-entries",
        ),
        Mistake(
            "Average over the queries, don't add them up: a mean distance is in "
            "positions, whatever T is.",
            lambda p: _distance(p, reduce="sum"),
            id="sum-not-mean",
        ),
        Mistake(
            "Average over all T queries, query 0 included (it can only see itself, "
            "at distance 0), as the exercise defines it.",
            lambda p: _distance(p, skip_first=True),
            id="skips-query-0",
        ),
        Mistake(
            "A token attending to itself is at distance 0: use t - s, not t - s + 1.",
            lambda p: _distance(p, offset=1),
            id="off-by-one",
        ),
        Mistake(
            "Average the distance over the whole pattern row (an expectation), not "
            "just the distance of the key with the largest share.",
            lambda p: _distance(p, argmax=True),
            id="argmax-not-mean",
        ),
    ]
    run_checks(
        "check_attention_distance",
        candidate,
        _distance,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
    )


#: The experiment's text: the first 256 held-out characters (Macbeth's opening).
EXPERIMENT_CHARS = 256


@functools.cache
def shakespeare_patterns() -> np.ndarray:
    """Every head's pattern of the Shakespeare model on the experiment's text.

    Shapes: () -> (L, H, T, T) = (4, 4, 256, 256).
    """
    from .. import interpretability, shakespeare

    cfg, params, chars = shakespeare.load_model()
    ids = np.array(chars.encode(shakespeare.held_out_text()[:EXPERIMENT_CHARS]))
    patterns = interpretability.attention_patterns(params, ids, cfg)
    patterns.flags.writeable = False
    return patterns


def _head_distances(patterns, **kwargs) -> np.ndarray:
    p = np.asarray(patterns, dtype=np.float64)
    return np.array([[_distance(h, **kwargs) for h in layer] for layer in p])


def _nearest(
    patterns, *, pick=np.argmin, swap=False, shape=None, sign=1, first_layer=False
):
    d = _head_distances(patterns) * sign
    if first_layer:
        d = d[:1]
    flat = int(pick(d))
    layer, head = np.unravel_index(flat, shape or d.shape)
    if swap:
        layer, head = head, layer
    return (int(layer), int(head), float(d.reshape(-1)[flat]))


def _synthetic_heads(rng) -> np.ndarray:
    """2 layers x 3 heads, T = 7: the nearest-looking head is layer 1, head 0."""
    T = 7
    heads = [
        [
            _uniform(T),
            _masked_softmax(rng.normal(size=(T, T))),
            _masked_softmax(rng.normal(size=(T, T)) * 0.5),
        ],
        [
            0.9 * _previous(T) + 0.1 * np.eye(T),
            _masked_softmax(rng.normal(size=(T, T)) * 3),
            _uniform(T),
        ],
    ]
    return np.array(heads)


def check_nearest_head(candidate) -> None:
    """Check `candidate(patterns)`: for patterns (L, H, T, T), the head whose
    attention stays nearest (smallest mean distance, see check_attention_distance)
    as (layer, head, its mean distance). Run on the Shakespeare model's heads."""
    require_callable("check_nearest_head", candidate)
    rng = np.random.default_rng(47)
    cases = [
        Case("2 layers x 3 heads, T = 7", (_synthetic_heads(rng),)),
        Case(
            "the Shakespeare model on Macbeth's opening, T = 256",
            (shakespeare_patterns(),),
        ),
    ]
    mistakes = [
        Mistake(
            "That is the head that looks *furthest* back (the largest mean "
            "distance); the nearest has the smallest.",
            lambda p: _nearest(p, pick=np.argmax),
            id="furthest",
        ),
        Mistake(
            "Layer and head are swapped: patterns[layer, head], so return (layer, "
            "head, distance) in that order.",
            lambda p: _nearest(p, swap=True),
            id="layer-head-swapped",
        ),
        Mistake(
            "np.unravel_index needs the shape (L, H) of the table of distances, in "
            "that order.",
            lambda p: _nearest(p, shape=np.shape(p)[1::-1]),
            id="unravel-shape",
        ),
        Mistake(
            "The distances came out negative (s - t): the smallest of those is the "
            "head that looks furthest. Use t - s.",
            lambda p: _nearest(p, sign=-1),
            id="sign",
        ),
        Mistake(
            "Search every layer, not only the first.",
            lambda p: _nearest(p, first_layer=True),
            id="one-layer",
        ),
    ]
    run_checks(
        "check_nearest_head",
        candidate,
        _nearest,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
    )
