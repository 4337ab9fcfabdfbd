"""Checkers for chapter 09's exercises: a previous-token score by hand, the strongest
previous-character head of the Shakespeare model, the keys at the start of the
current line, an induction score (with a prediction), removing a head by editing
the weights, the loss rise when a head is zero-ablated, and the logit lens on chosen
positions."""

from __future__ import annotations

import copy
import functools

import numpy as np

from .. import interpretability as lib
from ..gpt import GPTConfig, forward, init_params
from ._core import Case, Mistake, require_callable, run_checks
from .params import report_prediction

__all__ = [
    "check_previous_token_by_hand",
    "check_previous_token_head",
    "check_line_start_keys",
    "check_induction_score",
    "check_remove_head",
    "check_zero_ablation_rise",
    "check_lens_loss_where",
]

# The pattern of ex-09-previous-token, worked on paper.
BY_HAND_PATTERN = np.array([[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [0.1, 0.5, 0.4]])


@functools.cache
def _shakespeare():
    """The Shakespeare model and its held-out text as ids (loaded once)."""
    from .. import shakespeare

    cfg, params, tok = shakespeare.load_model()
    held = np.array(tok.encode(shakespeare.held_out_text()), dtype=np.int64)
    return cfg, params, tok, held


def _held_windows(n: int, length: int, offset: int) -> np.ndarray:
    """n windows of `length` held-out ids, evenly spaced, starting at `offset`."""
    held = _shakespeare()[3]
    starts = offset + np.linspace(0, held.size - length - offset - 1, n).astype(int)
    return np.stack([held[s : s + length] for s in starts])


@functools.cache
def _held_patterns() -> np.ndarray:
    """Patterns (L, B, H, T, T) of the model on 4 held-out windows of 64 characters."""
    cfg, params, _, _ = _shakespeare()
    return lib.attention_patterns(params, _held_windows(4, 64, 1000), cfg)


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


def _always(value):
    return lambda *args: value


def check_previous_token_by_hand(candidate) -> None:
    """Check `candidate()`: the previous-token score of BY_HAND_PATTERN, on paper.

    The 3 x 3 pattern has rows [1, 0, 0], [0.3, 0.7, 0], [0.1, 0.5, 0.4]; the
    score is the mean of pattern[t, t - 1] over t = 1, 2: (0.3 + 0.5) / 2 = 0.4.
    """
    require_callable("check_previous_token_by_hand", candidate)
    p = BY_HAND_PATTERN
    wrongs = {
        "includes-first-row": (
            _prev_with_first_row(p),
            "Query 0 has no previous character: leave row 0 out and average the "
            "two entries pattern[1, 0] and pattern[2, 1].",
        ),
        "diagonal": (
            _prev_diagonal(p),
            "That is the diagonal, attention to the character itself. The previous "
            "character of query t is key t - 1: one step left of the diagonal.",
        ),
        "divides-by-T": (
            _prev_divide_by_T(p),
            "Divide by the number of queries that have a previous character, "
            "T - 1 = 2, not by T = 3.",
        ),
        "sum-not-mean": (
            _prev_sum(p),
            "That is the sum of the two entries; the score is their mean, a number "
            "between 0 and 1.",
        ),
        "max-not-mean": (
            _prev_max(p),
            "The largest entry shows one query; the score averages every query "
            "that has a previous character.",
        ),
        "two-back": (
            _prev_two_back(p),
            "Off by one: pattern[2, 0] is two characters back. The previous "
            "character of query t is key t - 1.",
        ),
        "all-earlier-keys": (
            float(np.mean(p[np.tril_indices(3, -1)])),
            "Only key t - 1 counts, not every earlier key: average pattern[1, 0] "
            "and pattern[2, 1].",
        ),
    }
    mistakes = [Mistake(hint, _always(v), id=k) for k, (v, hint) in wrongs.items()]
    run_checks(
        "check_previous_token_by_hand",
        lambda: _as_number(candidate()),
        lambda: _prev_ref(p),
        [Case("the 3 x 3 pattern of the exercise")],
        mistakes,
        atol=5e-3,
        rtol=0,
    )


def _as_number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _head_scores(patterns, how: str) -> np.ndarray:
    """(L, H) previous-token scores of patterns (L, B, H, T, T), with a slip `how`."""
    p = np.asarray(patterns, float)
    T = p.shape[-1]
    t = np.arange(1, T)
    if how == "first-window":
        p = p[:, :1]
    if how == "diagonal":
        return p[..., t, t].mean(axis=(1, 3))
    if how == "two-back":
        u = np.arange(2, T)
        return p[..., u, u - 2].mean(axis=(1, 3))
    if how == "divides-by-T":
        return p[..., t, t - 1].sum(axis=3).mean(axis=1) / T
    if how == "includes-first-row":
        rows = np.concatenate([p[..., :1, 0], p[..., t, t - 1]], axis=-1)
        return rows.mean(axis=(1, 3))
    if how == "max-not-mean":
        return p[..., t, t - 1].max(axis=(1, 3))
    return p[..., t, t - 1].mean(axis=(1, 3))


def _best_head(patterns, how: str = "", swap: bool = False):
    scores = _head_scores(patterns, how)
    layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
    found = (int(head), int(layer)) if swap else (int(layer), int(head))
    return (*found, float(scores[layer, head]))


def _planted_patterns(rng: np.random.Generator) -> np.ndarray:
    """Random patterns (3, 2, 4, 6, 6) with a previous-token head at layer 1, head 2."""
    L, B, H, T = 3, 2, 4, 6
    p = np.stack(
        [[[_pattern(rng, T) for _ in range(H)] for _ in range(B)] for _ in range(L)]
    )
    prev = np.eye(T, k=-1)
    prev[0, 0] = 1.0
    p[1, :, 2] = 0.2 * p[1, :, 2] + 0.8 * prev
    return p


def check_previous_token_head(candidate) -> None:
    """Check `candidate(patterns)` -> (layer, head, score) of the strongest head.

    Shapes: patterns (L, B, H, T, T) -> (int, int, float): the head whose mean
    attention on key t - 1 (over t >= 1 and every sequence) is highest, and that
    mean. One case is the Shakespeare model on held-out text the chapter did not use.
    """
    require_callable("check_previous_token_head", candidate)
    rng = np.random.default_rng(21)
    random = np.stack(
        [[[_pattern(rng, 7) for _ in range(3)] for _ in range(3)] for _ in range(2)]
    )  # (L=2, B=3, H=3, T=7)
    cases = [
        Case("random patterns, L = 2, B = 3, H = 3, T = 7", (random,)),
        Case("a previous-token head at layer 1, head 2", (_planted_patterns(rng),)),
        Case(
            "the Shakespeare model, 4 held-out windows of 64 characters",
            (_held_patterns(),),
        ),
    ]
    mistakes = [
        Mistake(
            "Layer and head are the other way round: patterns[layer, :, head] is "
            "head `head` of layer `layer`; return (layer, head, score).",
            lambda p: _best_head(p, swap=True),
            id="layer-head-swapped",
        ),
        Mistake(
            "That is attention to the character itself (the diagonal, key t). The "
            "previous character is key t - 1, one below the diagonal.",
            lambda p: _best_head(p, "diagonal"),
            id="diagonal",
        ),
        Mistake(
            "Off by one: you took key t - 2. The previous character of query t is "
            "key t - 1.",
            lambda p: _best_head(p, "two-back"),
            id="two-back",
        ),
        Mistake(
            "Position 0 has no previous character: leave row 0 out and average "
            "pattern[t, t - 1] over t = 1 .. T-1.",
            lambda p: _best_head(p, "includes-first-row"),
            id="includes-first-row",
        ),
        Mistake(
            "Divide by the number of queries that have a previous character, "
            "T - 1, not by T.",
            lambda p: _best_head(p, "divides-by-T"),
            id="divides-by-T",
        ),
        Mistake(
            "The maximum shows one query of one sequence; the score averages every "
            "query of every sequence.",
            lambda p: _best_head(p, "max-not-mean"),
            id="max-not-mean",
        ),
        Mistake(
            "Average over every sequence (axis 1 of the patterns), not just the "
            "first: one window is an example, the score is a measurement.",
            lambda p: _best_head(p, "first-window"),
            id="first-window-only",
        ),
    ]
    run_checks(
        "check_previous_token_head",
        candidate,
        _best_head,
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


@functools.cache
def _text_twice_patterns(period: int = 60, n: int = 16) -> np.ndarray:
    """Patterns (L, B, H, T, T) on held-out text written twice, as chapter 09 makes it.

    n stretches of `period` held-out characters, each followed by itself; the model
    reads all but the last character.
    """
    cfg, params, _, held = _shakespeare()
    starts = np.linspace(0, held.size - 2 * period, n).astype(int)
    twice = np.stack([np.tile(held[s : s + period], 2) for s in starts])
    return lib.attention_patterns(params, twice[:, :-1], cfg)


def strongest_induction_score(score, period: int = 60) -> float:
    """The largest head score `score(pattern, period)` on held-out text written twice.

    Each head's score is the mean over the 16 stretches (they have the same number
    of queries, so this is the mean over every query, as interp.induction_scores).
    """
    patterns = _text_twice_patterns(period)
    L, B, H = patterns.shape[:3]
    return max(
        float(np.mean([score(patterns[i, b, h], period) for b in range(B)]))
        for i in range(L)
        for h in range(H)
    )


def check_induction_score(candidate, prediction=None) -> None:
    """Check `candidate(pattern, period)`: mean of pattern[t, t - period + 1].

    With `prediction` (a number, or the reader's function returning one: their guess
    for the strongest head on held-out text written twice, period 60), print how far
    it was from what `candidate` measures there, once the function passes.
    """
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
    if prediction is None:
        return
    try:
        actual = strongest_induction_score(candidate)
    except NotImplementedError:
        return
    report_prediction(
        prediction,
        actual,
        "the strongest head's score on held-out text written twice",
        lambda x: f"{x:.4f}",
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
    elif how == "queries-weight-only":
        attn["c_attn"]["weight"][:, rows] = 0.0
    elif how == "whole-layer":
        attn["c_proj"]["weight"][:] = 0.0
    elif how == "head-zero":  # the head argument ignored: always head 0
        attn["c_proj"]["weight"][:D, :] = 0.0
    elif how == "swapped":  # layer and head the other way round
        if head < cfg.n_layer and layer < cfg.n_head:
            w = out["h"][head]["attn"]["c_proj"]["weight"]
            w[layer * D : (layer + 1) * D, :] = 0.0
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
            "Zeroing the head's query weights does not silence it: the query bias "
            "is left, and even with all scores 0 softmax would give a uniform "
            "average that the head still writes. Remove what it writes instead: "
            "its D rows of c_proj.",
            through_logits(lambda *a: _edit(*a, "queries-weight-only")),
            id="zero-query-weights",
        ),
        Mistake(
            "You always removed head 0: use the `head` argument, rows "
            "head*D:(head+1)*D of c_proj's weight in block `layer`.",
            through_logits(lambda *a: _edit(*a, "head-zero")),
            id="head-ignored",
        ),
        Mistake(
            "Layer and head are the other way round: params['h'][layer] is the "
            "block, and the head picks rows head*D:(head+1)*D inside it.",
            through_logits(lambda *a: _edit(*a, "swapped")),
            id="layer-head-swapped",
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
        keep_float32=True,  # weights turned float64 make the whole model float64
    )


# ---------------------------------------------------------------- zero-ablation


def _loss(logits, targets, *, base2: bool = False) -> float:
    loss = float(lib.next_token_scores(logits[None], targets)[0][0])
    return loss / np.log(2) if base2 else loss


def _zero_rise(params, windows, cfg, layer, head, *, how: str = ""):
    """Held-out loss with head `head` of layer `layer` zeroed, minus the full loss."""
    w = np.asarray(windows)
    x, y = w[:, :-1], w[:, 1:]
    if how == "targets-not-shifted":
        y = x
    if how == "swapped":
        layer, head = head, layer
    keep = np.ones((cfg.n_layer, cfg.n_head), dtype=bool)
    keep[layer, head] = False
    means = lib.head_means(params, x, cfg) if how == "mean" else None
    bits = how == "bits"
    base = _loss(forward(params, x, cfg), y, base2=bits)
    ablated = _loss(
        lib.forward_with_heads(params, x, cfg, keep, means=means), y, base2=bits
    )
    if how == "loss-not-rise":
        return ablated
    if how == "sign":
        return base - ablated
    if how == "relative":
        return (ablated - base) / base
    return ablated - base


def check_zero_ablation_rise(candidate) -> None:
    """Check `candidate(params, windows, cfg, layer, head)` -> the loss rise, in nats.

    Shapes: windows (B, T + 1) ids -> float: the mean next-character loss on the
    windows with that head's output zeroed, minus the loss with every head. Checked
    on the Shakespeare model and held-out windows the chapter did not use.
    """
    require_callable("check_zero_ablation_rise", candidate)
    cfg, params, _, _ = _shakespeare()
    windows = _held_windows(4, 65, 5000)
    cases = [
        Case(
            f"head {layer}.{head}, 4 held-out windows",
            (params, windows, cfg, layer, head),
        )
        for layer, head in [(0, 2), (1, 0), (3, 1)]
    ]

    def wrong(how):
        return lambda *a: _zero_rise(*a, how=how)

    mistakes = [
        Mistake(
            "That is mean-ablation (the head's average output in its place). Zero-"
            "ablation puts zeros there: head_means is not needed.",
            wrong("mean"),
            id="mean-not-zero",
        ),
        Mistake(
            "Return the *rise*: the loss without the head minus the loss with every "
            "head, not the ablated loss itself.",
            wrong("loss-not-rise"),
            id="loss-not-rise",
        ),
        Mistake(
            "The sign is flipped: a head that helps makes the loss *rise* when it is "
            "removed, so ablated minus base is positive.",
            wrong("sign"),
            id="sign-flipped",
        ),
        Mistake(
            "The logits at position t predict character t + 1: compare them with "
            "windows[:, 1:], not with the characters they read.",
            wrong("targets-not-shifted"),
            id="targets-not-shifted",
        ),
        Mistake(
            "The loss is in nats (natural log), as everywhere in the chapter; you "
            "measured bits (log base 2).",
            wrong("bits"),
            id="bits-not-nats",
        ),
        Mistake(
            "Layer and head are the other way round: keep[layer, head] = False "
            "removes head `head` of layer `layer`.",
            wrong("swapped"),
            id="layer-head-swapped",
        ),
        Mistake(
            "Return the rise in nats, not relative to the loss with every head.",
            wrong("relative"),
            id="relative-rise",
        ),
    ]
    run_checks(
        "check_zero_ablation_rise",
        candidate,
        _zero_rise,
        cases,
        mistakes,
        rtol=1e-3,
        atol=2e-4,
        forbid=[lib.ablation_losses],
    )


# ---------------------------------------------------------------- lens, some positions


def _lens_where(params, windows, cfg, mask, *, how: str = ""):
    """Logit-lens loss (L+1,) of each read-out over the positions where mask is True."""
    w = np.asarray(windows)
    x, y = w[:, :-1], w[:, 1:]
    if how == "targets-not-shifted":
        y = x
    lens = np.asarray(
        lib.logit_lens(params, x, cfg), dtype=np.float64
    )  # (L+1, B, T, V)
    if how == "no-softmax":
        log_p = lens
    else:
        z = lens - lens.max(axis=-1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(
        log_p, np.broadcast_to(y, lens.shape[:-1])[..., None], axis=-1
    )[..., 0]  # (L+1, B, T)
    nll = -picked
    if how == "bits":
        nll = nll / np.log(2)
    m = np.asarray(mask, dtype=bool)
    if how == "ignores-mask":
        return nll.mean(axis=(1, 2))
    if how == "zeros-in-mean":
        return (nll * m).mean(axis=(1, 2))
    out = nll[:, m].mean(axis=1)
    if how == "no-embedding":
        return out[1:]
    if how == "probability":
        return np.exp(-nll)[:, m].mean(axis=1)
    return out


def check_lens_loss_where(candidate) -> None:
    """Check `candidate(params, windows, cfg, mask)` -> logit-lens loss per read-out.

    Shapes: windows (B, T + 1) ids, mask (B, T) bool over the input positions ->
    (L+1,): the mean next-character loss (nats) of the read-out after the embedding
    and after each block, over the positions where mask is True. Checked on the
    Shakespeare model and held-out windows the chapter did not use.
    """
    require_callable("check_lens_loss_where", candidate)
    cfg, params, tok, _ = _shakespeare()
    windows = _held_windows(4, 65, 9000)
    x = windows[:, :-1]
    space = x == tok.encode(" ")[0]
    letter = np.isin(x, tok.encode("abcdefghijklmnopqrstuvwxyz"))
    random = np.random.default_rng(8).random(x.shape) < 0.3
    cases = [
        Case("after a space, 4 held-out windows", (params, windows, cfg, space)),
        Case("after a lower-case letter", (params, windows, cfg, letter)),
        Case("a random 30% of the positions", (params, windows, cfg, random)),
    ]

    def wrong(how):
        return lambda *a: _lens_where(*a, how=how)

    mistakes = [
        Mistake(
            "The read-out at position t predicts character t + 1: score it against "
            "windows[:, 1:], not the characters it read.",
            wrong("targets-not-shifted"),
            id="targets-not-shifted",
        ),
        Mistake(
            "Average only over the marked positions (lens_loss[:, mask]), not over "
            "every position.",
            wrong("ignores-mask"),
            id="ignores-mask",
        ),
        Mistake(
            "Multiplying by the mask and taking the mean divides by *all* positions: "
            "divide by the number of marked ones (or index with the mask).",
            wrong("zeros-in-mean"),
            id="zeros-in-mean",
        ),
        Mistake(
            "The loss needs log-probabilities: subtract the log-sum-exp of each "
            "read-out's logits (a log-softmax) before picking the target's entry.",
            wrong("no-softmax"),
            id="no-softmax",
        ),
        Mistake(
            "The loss is in nats (natural log), as in the chapter's lens table; you "
            "measured bits (log base 2).",
            wrong("bits"),
            id="bits-not-nats",
        ),
        Mistake(
            "Keep the read-out after the embedding too: one loss per entry of "
            "logit_lens, L + 1 of them.",
            wrong("no-embedding"),
            id="no-embedding-readout",
        ),
        Mistake(
            "That is the mean probability of the next character; the loss is the "
            "mean of -log of it.",
            wrong("probability"),
            id="probability-not-loss",
        ),
    ]
    run_checks(
        "check_lens_loss_where",
        candidate,
        _lens_where,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
        forbid=[lib.lens_scores],
    )
