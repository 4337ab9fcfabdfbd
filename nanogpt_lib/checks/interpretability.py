"""Checkers for chapter 09's exercises: a head's previous-token score, the keys at
the start of the current line, an induction score, and removing a head by editing
the weights."""

from __future__ import annotations

import copy

import numpy as np

from .. import interpretability as lib
from ..gpt import GPTConfig, forward, init_params
from ._core import Case, Mistake, require_callable, run_checks

__all__ = [
    "check_previous_token_score",
    "check_line_start_keys",
    "check_induction_score",
    "check_remove_head",
]


def _pattern(rng: np.random.Generator, T: int) -> np.ndarray:
    """A random causal attention pattern (T, T): rows sum to 1 over keys 0..t."""
    scores = rng.standard_normal((T, T)) * 2
    scores[np.triu_indices(T, 1)] = -np.inf
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- previous token


def _prev_ref(pattern):
    p = np.asarray(pattern, float)
    return float(lib.previous_token_scores(p[None, None, None])[0, 0])


def _prev_with_first_row(pattern):
    p = np.asarray(pattern, float)
    T = p.shape[0]
    return float(np.mean([p[t, t - 1] if t else p[0, 0] for t in range(T)]))


def _prev_diagonal(pattern):
    p = np.asarray(pattern, float)
    return float(np.mean(np.diagonal(p)[1:]))


def _prev_two_back(pattern):
    p = np.asarray(pattern, float)
    return float(np.mean(np.diagonal(p, -2)))


def _prev_above(pattern):
    p = np.asarray(pattern, float)
    return float(np.mean(np.diagonal(p, 1)))


def _prev_divide_by_T(pattern):
    p = np.asarray(pattern, float)
    return float(np.diagonal(p, -1).sum() / p.shape[0])


def _prev_sum(pattern):
    return float(np.diagonal(np.asarray(pattern, float), -1).sum())


def _prev_max(pattern):
    return float(np.diagonal(np.asarray(pattern, float), -1).max())


def check_previous_token_score(candidate) -> None:
    """Check `candidate(pattern)`: (T, T) pattern -> mean of pattern[t, t-1], t >= 1."""
    rng = np.random.default_rng(9)
    prev = np.eye(6, k=-1)
    prev[0, 0] = 1.0
    cases = [
        Case("random pattern, T = 6", (_pattern(rng, 6),)),
        Case("a perfect previous-token head, T = 6", (prev,)),
        Case(
            "uniform causal pattern, T = 5",
            (np.tril(np.ones((5, 5))) / np.arange(1, 6)[:, None],),
        ),
        Case("random pattern, T = 9", (_pattern(rng, 9),)),
        Case("T = 2", (_pattern(rng, 2),)),
    ]
    mistakes = [
        Mistake(
            "Position 0 has no previous token: leave row 0 out and average the "
            "T - 1 entries pattern[t, t - 1] for t = 1 .. T-1.",
            _prev_with_first_row,
            id="includes-first-row",
        ),
        Mistake(
            "That is the diagonal, attention to the token itself. The previous "
            "token of query t is key t - 1: one below the diagonal (np.diagonal(p, "
            "-1)).",
            _prev_diagonal,
            id="diagonal",
        ),
        Mistake(
            "Off by one: you took key t - 2. The previous token of query t is key "
            "t - 1 (np.diagonal(p, -1)).",
            _prev_two_back,
            id="two-back",
        ),
        Mistake(
            "That diagonal is above the main one: key t + 1, a future position the "
            "mask sets to 0. The previous token is one *below*: np.diagonal(p, -1).",
            _prev_above,
            id="future-diagonal",
        ),
        Mistake(
            "Divide by the number of queries that have a previous token, T - 1, "
            "not by T: it is a mean over t = 1 .. T-1.",
            _prev_divide_by_T,
            id="divides-by-T",
        ),
        Mistake(
            "That is the sum of the entries; the score is their mean, a number "
            "between 0 and 1.",
            _prev_sum,
            id="sum-not-mean",
        ),
        Mistake(
            "The maximum shows one position; the score averages all positions, "
            "so one lucky query cannot make a head look like a previous-token head.",
            _prev_max,
            id="max-not-mean",
        ),
    ]
    run_checks(
        "check_previous_token_score",
        candidate,
        _prev_ref,
        cases,
        mistakes,
        forbid=[lib.previous_token_scores, lib.attention_share],
    )


# ---------------------------------------------------------------- line starts


def _line_keys(ids, newline, *, mark_newline=False, any_line=False, future=False):
    ids = np.asarray(ids)
    T = ids.shape[0]
    keys = np.zeros((T, T), dtype=bool)
    starts = [t + 1 for t in range(T) if ids[t] == newline and t + 1 < T]
    newlines = [t for t in range(T) if ids[t] == newline]
    for t in range(T):
        marks = newlines if mark_newline else starts
        before = [s for s in marks if s <= t or future]
        if not before:
            continue
        if any_line:
            keys[t, before] = True
        else:
            keys[t, max(before)] = True
    return keys


def _line_keys_first_line(ids, newline):
    keys = _line_keys(ids, newline)
    ids = np.asarray(ids)
    for t in range(ids.shape[0]):
        if not keys[t].any():
            keys[t, 0] = True
    return keys


def _line_keys_newline_next(ids, newline):
    ids = np.asarray(ids)
    T = ids.shape[0]
    keys = np.zeros((T, T), dtype=bool)
    start = None
    for t in range(T):
        if ids[t] == newline:
            start = t + 1 if t + 1 < T else None
            continue  # the newline query marks nothing (the mistake)
        if start is not None and start <= t:
            keys[t, start] = True
    return keys


def _as_mask_list(answer):
    arr = np.asarray(answer)
    return arr.astype(bool).tolist() if arr.ndim == 2 else arr.tolist()


def _line_ref(ids, newline):
    return lib.line_start_keys(np.asarray(ids), newline)


def check_line_start_keys(candidate) -> None:
    """Check `candidate(ids, newline)`: (T,) ids -> (T, T) bool, key = line start."""
    rng = np.random.default_rng(5)
    text = np.array([3, 4, 0, 5, 6, 7, 0, 8, 9])  # id 0 plays the newline
    cases = [
        Case("three lines, newline = 0", (text, 0)),
        Case("a line that starts at the query itself", (np.array([1, 0, 2, 3]), 0)),
        Case("no newline at all", (np.array([1, 2, 3, 4]), 0)),
        Case("newline as the last token", (np.array([1, 2, 0]), 0)),
        Case("two newlines in a row", (np.array([1, 0, 0, 2, 3]), 0)),
        Case("random ids, newline = 2", (rng.integers(0, 4, size=12), 2)),
    ]
    mistakes = [
        Mistake(
            "A window usually starts in the middle of a line: queries before the first "
            "newline have no line start in view and mark nothing (do not use key 0).",
            lambda ids, nl: _line_keys_first_line(ids, nl),
            id="first-line-key-0",
        ),
        Mistake(
            "A newline belongs to the line it ends: the query at a newline still marks "
            "the start of its own line; the new line starts at the next token.",
            lambda ids, nl: _line_keys_newline_next(ids, nl),
            id="newline-query",
        ),
        Mistake(
            "You marked the newline itself; the line starts at the token *after* "
            "it (position of the newline + 1).",
            lambda ids, nl: _line_keys(ids, nl, mark_newline=True),
            id="marks-newline",
        ),
        Mistake(
            "Only the start of the *current* line counts: for query t, the latest "
            "line start at or before t, not every earlier line start.",
            lambda ids, nl: _line_keys(ids, nl, any_line=True),
            id="every-line",
        ),
        Mistake(
            "A query can only look at keys at or before itself (the causal mask): "
            "never mark a line start that comes after t.",
            lambda ids, nl: _line_keys(ids, nl, future=True),
            id="future-keys",
        ),
        Mistake(
            "Return a (T, T) array of booleans (True where the key counts), not "
            "the positions of the line starts.",
            lambda ids, nl: np.array(
                [t + 1 for t in range(len(ids)) if ids[t] == nl and t + 1 < len(ids)]
            ),
            id="positions-not-mask",
        ),
        Mistake(
            "Rows are queries and columns keys: keys[t, s] is True when key s is "
            "the start of query t's line. Yours is transposed.",
            lambda ids, nl: _line_keys(ids, nl).T,
            id="transposed",
        ),
    ]
    run_checks(
        "check_line_start_keys",
        candidate,
        _line_ref,
        cases,
        mistakes,
        normalise=_as_mask_list,
        forbid=[lib.line_start_keys],
    )


# ---------------------------------------------------------------- induction


def _ind_ref(pattern, period):
    p = np.asarray(pattern, float)
    return float(lib.induction_scores(p[None, None, None], period)[0, 0])


def _ind_offset(pattern, period, shift):
    p = np.asarray(pattern, float)
    T = p.shape[0]
    t = np.arange(period, T)
    return float(np.mean(p[t, t - period + shift]))


def check_induction_score(candidate) -> None:
    """Check `candidate(pattern, period)`: mean of pattern[t, t - period + 1]."""
    rng = np.random.default_rng(11)
    perfect = np.zeros((8, 8))
    perfect[np.arange(8), np.maximum(np.arange(8) - 3, 0)] = 1.0
    cases = [
        Case("random pattern, T = 8, period 4", (_pattern(rng, 8), 4)),
        Case("a perfect induction head, T = 8, period 4", (perfect, 4)),
        Case("random pattern, T = 10, period 5", (_pattern(rng, 10), 5)),
        Case("random pattern, T = 7, period 3", (_pattern(rng, 7), 3)),
        Case("random pattern, T = 10, period 3", (_pattern(rng, 10), 3)),
        Case("the chapter's shape: T = 199, period 100", (_pattern(rng, 199), 100)),
    ]
    mistakes = [
        Mistake(
            "That is attention to the earlier copy of the *current* token (key "
            "t - period). An induction head looks one further: at the token that "
            "came *after* it, key t - period + 1, because that is what it predicts.",
            lambda p, n: _ind_offset(p, n, 0),
            id="same-token",
        ),
        Mistake(
            "Off by one: key t - period + 2 is two after the earlier copy. Use "
            "t - period + 1.",
            lambda p, n: _ind_offset(p, n, 2),
            id="two-after",
        ),
        Mistake(
            "Off by one the other way: key t - period - 1 is the token *before* the "
            "earlier copy. The induction key is the one after it, t - period + 1.",
            lambda p, n: float(
                np.mean(
                    [np.asarray(p, float)[t, t - n - 1] for t in range(n + 1, len(p))]
                )
            ),
            id="one-before",
        ),
        Mistake(
            "Only queries in the second copy (t >= period) have an earlier copy to "
            "look back to; average over t = period .. T-1.",
            lambda p, n: float(
                np.mean(
                    [np.asarray(p, float)[t, t - n + 1] for t in range(n - 1, len(p))]
                )
            ),
            id="first-half-too",
        ),
        Mistake(
            "That is the previous-token score (key t - 1). The induction key is "
            "t - period + 1.",
            lambda p, n: float(np.mean(np.diagonal(np.asarray(p, float), -1))),
            id="previous-token",
        ),
        Mistake(
            "That is the sum; the score is the mean over the queries t >= period.",
            lambda p, n: _ind_offset(p, n, 1) * (len(p) - n),
            id="sum-not-mean",
        ),
    ]
    run_checks(
        "check_induction_score",
        candidate,
        _ind_ref,
        cases,
        mistakes,
        forbid=[lib.induction_scores, lib.attention_share],
    )


# ---------------------------------------------------------------- remove a head

_CFG = GPTConfig(vocab_size=13, block_size=8, n_layer=2, n_head=3, n_embd=12)


def _remove_ref(params, layer, head, cfg):
    out = copy.deepcopy(params)
    D = cfg.head_size
    w = out["h"][layer]["attn"]["c_proj"]["weight"]
    w[head * D : (head + 1) * D, :] = 0.0
    return out


def _edit(params, layer, head, cfg, how):
    out = copy.deepcopy(params)
    D, C = cfg.head_size, cfg.n_embd
    attn = out["h"][layer]["attn"]
    rows = slice(head * D, (head + 1) * D)
    if how == "columns":
        attn["c_proj"]["weight"][:, rows] = 0.0
    elif how == "bias-too":
        attn["c_proj"]["weight"][rows, :] = 0.0
        attn["c_proj"]["bias"][:] = 0.0
    elif how == "queries":
        attn["c_attn"]["weight"][:, rows] = 0.0
        attn["c_attn"]["bias"][rows] = 0.0
    elif how == "values-weight-only":
        attn["c_attn"]["weight"][:, 2 * C + head * D : 2 * C + (head + 1) * D] = 0.0
    elif how == "keys":
        attn["c_attn"]["weight"][:, C + head * D : C + (head + 1) * D] = 0.0
        attn["c_attn"]["bias"][C + head * D : C + (head + 1) * D] = 0.0
    elif how == "whole-layer":
        attn["c_proj"]["weight"][:] = 0.0
    elif how == "next-head":
        attn["c_proj"]["weight"][(head + 1) * D : (head + 2) * D, :] = 0.0
    return out


def check_remove_head(candidate) -> None:
    """Check `candidate(params, layer, head, cfg)` -> a copy of params without the head.

    Compared through the logits of the edited model, so any edit that removes
    exactly that head's contribution passes.
    """
    require_callable("check_remove_head", candidate)
    rng = np.random.default_rng(4)
    params = init_params(_CFG, rng=rng)
    for block in params["h"]:
        for part in ("c_attn", "c_proj"):
            block["attn"][part]["bias"] += rng.standard_normal(
                block["attn"][part]["bias"].shape
            ).astype(np.float32)
            block["attn"][part]["weight"] *= 10
    ids = np.random.default_rng(2).integers(0, _CFG.vocab_size, size=(2, 8))

    def through_logits(fn):
        def run(p, layer, head, cfg):
            return forward(fn(p, layer, head, cfg), ids, cfg)

        return run

    cases = [
        Case("layer 0, head 1", (params, 0, 1, _CFG)),
        Case("layer 1, head 0", (params, 1, 0, _CFG)),
        Case("layer 1, head 2 (the last head)", (params, 1, 2, _CFG)),
    ]
    mistakes = [
        Mistake(
            "You zeroed columns of c_proj: those are output features, shared by "
            "every head. Head h writes through *rows* h*D:(h+1)*D of c_proj's "
            "weight (its value-up matrix).",
            through_logits(lambda *a: _edit(*a, "columns")),
            id="columns",
        ),
        Mistake(
            "c_proj's bias is added once for all heads, not by any one head: "
            "leave it alone and zero only the head's D rows of the weight.",
            through_logits(lambda *a: _edit(*a, "bias-too")),
            id="bias-too",
        ),
        Mistake(
            "Zeroing the head's queries (or keys) does not silence it: all scores "
            "become 0, softmax turns them into a uniform average, and the head still "
            "writes that average of its values. Remove what it writes instead: its D "
            "rows of c_proj.",
            through_logits(lambda *a: _edit(*a, "queries")),
            id="zero-queries",
        ),
        Mistake(
            "Zeroing the value weights leaves the value *bias*: every position's "
            "value becomes that bias, and the head still writes it. Zero the head's "
            "rows of c_proj instead (or the value bias too).",
            through_logits(lambda *a: _edit(*a, "values-weight-only")),
            id="value-bias-left",
        ),
        Mistake(
            "You removed every head of the layer: zero only rows h*D:(h+1)*D of "
            "c_proj's weight, the rows through which head h writes.",
            through_logits(lambda *a: _edit(*a, "whole-layer")),
            id="whole-layer",
        ),
        Mistake(
            "Off by one head: head h owns rows h*D:(h+1)*D, with D = C / H.",
            through_logits(lambda *a: _edit(*a, "next-head")),
            id="wrong-rows",
        ),
    ]
    run_checks(
        "check_remove_head",
        through_logits(candidate),
        through_logits(_remove_ref),
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
    )
