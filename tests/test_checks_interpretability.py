"""Chapter 09's checkers accept right answers (the reference and independent ones)
and reject a catalogue of realistic wrong answers, naming each mistake."""

import copy

import numpy as np
import pytest

from nanogpt_lib import interpretability as lib
from nanogpt_lib.checks import interpretability as chk
from nanogpt_lib.checks._core import CheckFailure


def prev_loop(pattern):
    p = np.asarray(pattern)
    return sum(p[t][t - 1] for t in range(1, len(p))) / (len(p) - 1)


def line_keys_loop(ids, newline):
    T = len(ids)
    keys = [[False] * T for _ in range(T)]  # nested lists are fine
    start = None
    for t in range(T):
        if t > 0 and ids[t - 1] == newline:
            start = t
        if start is not None:
            keys[t][start] = True
    return keys


def induction_loop(pattern, period):
    p = np.asarray(pattern)
    vals = [p[t, t - period + 1] for t in range(period, len(p))]
    return float(np.mean(vals))


def remove_by_values(params, layer, head, cfg):
    """Another valid edit: zero the head's value weights AND value bias."""
    out = copy.deepcopy(params)
    C, D = cfg.n_embd, cfg.head_size
    cols = slice(2 * C + head * D, 2 * C + (head + 1) * D)
    out["h"][layer]["attn"]["c_attn"]["weight"][:, cols] = 0
    out["h"][layer]["attn"]["c_attn"]["bias"][cols] = 0
    return out


def test_right_answers_pass(capsys):
    chk.check_previous_token_score(prev_loop)
    chk.check_line_start_keys(line_keys_loop)
    chk.check_induction_score(induction_loop)
    chk.check_remove_head(chk._remove_ref)
    chk.check_remove_head(remove_by_values)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "check_previous_token_score: all 5 cases passed.",
        "check_line_start_keys: all 6 cases passed.",
        "check_induction_score: all 6 cases passed.",
        "check_remove_head: all 3 cases passed.",
        "check_remove_head: all 3 cases passed.",
    ]


def _wrong_prev():
    return {
        "includes-first-row": chk._prev_with_first_row,
        "diagonal": chk._prev_diagonal,
        "two-back": chk._prev_two_back,
        "future-diagonal": chk._prev_above,
        "divides-by-T": chk._prev_divide_by_T,
        "sum-not-mean": chk._prev_sum,
        "max-not-mean": chk._prev_max,
    }


@pytest.mark.parametrize("mistake", sorted(_wrong_prev()))
def test_previous_token_mistakes_are_named(mistake):
    with pytest.raises(CheckFailure) as info:
        chk.check_previous_token_score(_wrong_prev()[mistake])
    assert info.value.mistake == mistake


LINE = {
    "first-line-key-0": chk._line_keys_first_line,
    "newline-query": chk._line_keys_newline_next,
    "marks-newline": lambda ids, nl: chk._line_keys(ids, nl, mark_newline=True),
    "every-line": lambda ids, nl: chk._line_keys(ids, nl, any_line=True),
    "future-keys": lambda ids, nl: chk._line_keys(ids, nl, future=True),
    "transposed": lambda ids, nl: chk._line_keys(ids, nl).T,
    "positions-not-mask": lambda ids, nl: [
        t + 1 for t in range(len(ids)) if ids[t] == nl and t + 1 < len(ids)
    ],
}


@pytest.mark.parametrize("mistake", sorted(LINE))
def test_line_start_mistakes_are_named(mistake):
    with pytest.raises(CheckFailure) as info:
        chk.check_line_start_keys(LINE[mistake])
    assert info.value.mistake == mistake


INDUCTION = {
    "one-before": lambda p, n: float(
        np.mean([p[t, t - n - 1] for t in range(n + 1, len(p))])
    ),
    "same-token": lambda p, n: chk._ind_offset(p, n, 0),
    "two-after": lambda p, n: chk._ind_offset(p, n, 2),
    "previous-token": lambda p, n: float(np.mean(np.diagonal(p, -1))),
    "sum-not-mean": lambda p, n: chk._ind_offset(p, n, 1) * (len(p) - n),
    "first-half-too": lambda p, n: float(
        np.mean([p[t, t - n + 1] for t in range(n - 1, len(p))])
    ),
}


@pytest.mark.parametrize("mistake", sorted(INDUCTION))
def test_induction_mistakes_are_named(mistake):
    with pytest.raises(CheckFailure) as info:
        chk.check_induction_score(INDUCTION[mistake])
    assert info.value.mistake == mistake


@pytest.mark.parametrize(
    "how",
    [
        "columns",
        "bias-too",
        "queries",
        "keys",
        "values-weight-only",
        "whole-layer",
        "next-head",
    ],
)
def test_remove_head_mistakes_are_named(how):
    ids = {
        "queries": "zero-queries",
        "keys": "zero-queries",  # same effect; the hint names both
        "values-weight-only": "value-bias-left",
        "next-head": "wrong-rows",
    }
    with pytest.raises(CheckFailure) as info:
        chk.check_remove_head(lambda p, layer, h, c: chk._edit(p, layer, h, c, how))
    assert info.value.mistake == ids.get(how, how)


def test_remove_head_refuses_an_answer_that_edits_the_argument():
    def in_place(params, layer, head, cfg):
        D = cfg.head_size
        params["h"][layer]["attn"]["c_proj"]["weight"][head * D : (head + 1) * D] = 0
        return params

    with pytest.raises(CheckFailure) as info:
        chk.check_remove_head(in_place)
    assert info.value.mistake == "mutates-input"


def test_delegating_to_the_library_is_refused():
    def lazy(pattern):
        return float(lib.previous_token_scores(np.asarray(pattern)[None, None, None]))

    with pytest.raises(CheckFailure) as info:
        chk.check_previous_token_score(lazy)
    assert info.value.mistake == "delegates"


def test_wrong_answer_without_a_known_mistake_shows_values():
    with pytest.raises(CheckFailure) as info:
        chk.check_previous_token_score(lambda p: 0.123)
    assert info.value.mistake is None
    assert "expected" in str(info.value) and "0.123" in str(info.value)


def test_an_induction_score_that_ignores_period_is_rejected():
    with pytest.raises(CheckFailure):
        chk.check_induction_score(lambda p, n: chk._ind_offset(p, len(p) // 2, 1))
