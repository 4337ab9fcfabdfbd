"""Chapter 09's checkers: right answers pass with one line, predictions are reported
and never fail, the library is refused, and numbers behind the exercises hold.
The catalogue of wrong answers is in test_catalogue_interpretability.py."""

import numpy as np
import pytest

from nanogpt_lib import interpretability as lib
from nanogpt_lib.checks import interpretability as chk
from nanogpt_lib.checks._core import CheckFailure


def prev_head(patterns):
    p = np.asarray(patterns)
    t = np.arange(1, p.shape[-1])
    scores = p[..., t, t - 1].mean(axis=(1, 3))
    layer, head = np.unravel_index(np.argmax(scores), scores.shape)
    return int(layer), int(head), float(scores[layer, head])


def induction_loop(pattern, period):
    p = np.asarray(pattern)
    return float(np.mean([p[t, t - period + 1] for t in range(period, len(p))]))


def test_right_answers_pass(capsys):
    chk.check_previous_token_by_hand(lambda: 0.4)
    chk.check_previous_token_head(prev_head)
    chk.check_induction_score(induction_loop)
    chk.check_remove_head(chk._remove_ref)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "check_previous_token_by_hand: all 1 cases passed.",
        "check_previous_token_head: all 3 cases passed.",
        "check_induction_score: all 6 cases passed.",
        "check_remove_head: all 3 cases passed.",
    ]


def test_the_by_hand_pattern_scores_0_4():
    """Rows [1, 0, 0], [0.3, 0.7, 0], [0.1, 0.5, 0.4]: (0.3 + 0.5) / 2 = 0.4."""
    p = chk.BY_HAND_PATTERN
    np.testing.assert_allclose(p.sum(axis=1), 1)
    assert float(lib.previous_token_scores(p[None, None, None])[0, 0]) == pytest.approx(
        0.4
    )


def test_the_shakespeare_models_strongest_previous_head_is_2_1():
    """On the checker's own held-out windows, as in the chapter: head 2.1."""
    layer, head, score = prev_head(chk._held_patterns())
    assert (layer, head) == (2, 1) and 0.25 < score < 0.6


def test_a_prediction_is_reported_and_never_fails(capsys):
    """The strongest head on held-out text written twice (period 60) is a layer-3
    head at about 0.027: above an evenly spread head (0.0115), far below 1."""
    chk.check_induction_score(induction_loop, prediction=0.9)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check_induction_score: all 6 cases passed."
    said = " ".join(out[1:])
    assert said.startswith("You predicted 0.9000; the strongest head's score")
    assert said.endswith("too high.") and max(map(len, out)) <= 88
    strongest = chk.strongest_induction_score(induction_loop)
    assert 0.0115 < strongest < 0.1
    scores = lib.induction_scores(chk._text_twice_patterns(), 60)
    assert strongest == pytest.approx(scores.max(), rel=1e-5)
    assert np.unravel_index(np.argmax(scores), scores.shape)[0] == 3


def test_stubs_say_not_implemented(capsys):
    def stub(*args):
        raise NotImplementedError

    chk.check_induction_score(stub, prediction=stub)
    chk.check_previous_token_by_hand(stub)
    chk.check_zero_ablation_rise(stub)
    chk.check_lens_loss_where(stub)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and all("not implemented yet" in line for line in out)


def test_zero_ablation_of_head_0_2_rises_more_than_mean_ablation():
    """The exercise's finding on the checker's windows: zeroing head 0.2 costs more
    than replacing it by its mean."""
    cfg, params, _, _ = chk._shakespeare()
    windows = chk._held_windows(4, 65, 5000)
    zero = chk._zero_rise(params, windows, cfg, 0, 2)
    mean = chk._zero_rise(params, windows, cfg, 0, 2, how="mean")
    assert zero > mean > 0


def test_at_word_starts_the_last_block_does_most():
    """The lens exercise's finding on the checker's windows: after a space, block 3
    lowers the lens loss more than block 1 or block 2 (the chapter's 32 windows show
    over twice as much)."""
    cfg, params, tok, _ = chk._shakespeare()
    windows = chk._held_windows(16, 129, 9000)
    space = windows[:, :-1] == tok.encode(" ")[0]
    drops = -np.diff(chk._lens_where(params, windows, cfg, space))[1:]
    assert drops[2] > drops[:2].max() > 0


def test_lens_scores_is_refused():
    def lazy(params, windows, cfg, mask):
        return lib.lens_scores(params, windows, cfg)[0]

    with pytest.raises(CheckFailure) as info:
        chk.check_lens_loss_where(lazy)
    assert info.value.mistake == "delegates"


def test_delegating_to_the_library_is_refused():
    def lazy(patterns):
        scores = lib.previous_token_scores(patterns)
        layer, head = np.unravel_index(np.argmax(scores), scores.shape)
        return int(layer), int(head), float(scores[layer, head])

    with pytest.raises(CheckFailure) as info:
        chk.check_previous_token_head(lazy)
    assert info.value.mistake == "delegates"


def test_ablation_losses_is_refused():
    def lazy(params, windows, cfg, layer, head):
        base, losses = lib.ablation_losses(params, windows, cfg, mode="zero")
        return losses[layer, head] - base

    with pytest.raises(CheckFailure) as info:
        chk.check_zero_ablation_rise(lazy)
    assert info.value.mistake == "delegates"


def test_wrong_answer_without_a_known_mistake_shows_values():
    with pytest.raises(CheckFailure) as info:
        chk.check_previous_token_by_hand(lambda: 0.123)
    assert info.value.mistake is None
    assert "expected" in str(info.value) and "0.123" in str(info.value)


def test_an_induction_score_that_ignores_period_is_rejected():
    with pytest.raises(CheckFailure):
        chk.check_induction_score(lambda p, n: chk._ind_offset(p, len(p) // 2, 1))
