"""Chapter 01's checkers: what the catalogue (test_catalogue_tokenizer.py) does not
cover - a crash names its case, the library is refused, other library functions
are allowed, stubs and predictions are reported in one line."""

import pytest

from nanogpt_lib import tokenizer as lib
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks.tokenizer import (
    BY_HAND_TEXT,
    COUNT_LINE,
    check_first_two_merges,
    check_token_counts,
    check_train,
)


def test_crashing_candidate_names_the_case():
    def crash(text, n_merges):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"\[\"abcd\", 1 merge: .*\]: your"):
        check_train(crash)


def test_train_may_use_count_pairs_and_merge_pair(capsys):
    def train(text, n_merges):
        ids, merges = list(text.encode("utf-8")), {}
        for k in range(n_merges):
            counts = lib.count_pairs(ids)
            if not counts:
                break
            best = min(counts, key=lambda p: (-counts[p], p))
            merges[best] = 256 + k
            ids = lib.merge_pair(ids, best, 256 + k)
        return merges

    check_train(train)
    assert capsys.readouterr().out.startswith("check_train: all")


def test_train_refuses_the_library_trainer():
    with pytest.raises(CheckFailure, match="tokenizer.train` is what"):
        check_train(lambda text, n: lib.train(text, 256 + n, pattern=None).merges)


def test_by_hand_answer_is_what_the_library_trains(capsys):
    tok = lib.train(BY_HAND_TEXT, vocab_size=258, pattern=None)
    answer = [tok.token_bytes(256).decode(), tok.token_bytes(257).decode()]
    assert answer == ["oo", " b"]
    check_first_two_merges(lambda: answer)
    assert capsys.readouterr().out == "check_first_two_merges: all 1 cases passed.\n"


def test_stubs_say_not_implemented(capsys):
    def stub(*args):
        raise NotImplementedError

    check_token_counts(stub)  # no tokenizers needed to say so
    check_first_two_merges(stub)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(". ")[0] for line in out] == [
        "check_token_counts: not implemented yet",
        "check_first_two_merges: not implemented yet",
    ]


def test_prediction_is_compared_and_never_fails(capsys):
    toks = {"ours": lib.train("to be or not to be " * 50, 300), "cl100k": None}
    toks["cl100k"] = lib.load_cl100k()

    def count(line):
        return {key: len(tok.encode(line)) for key, tok in toks.items()}

    truth = count(COUNT_LINE)
    guess = {"ours": truth["ours"] + 3, "cl100k": truth["cl100k"]}
    check_token_counts(count, prediction=lambda: guess, tokenizers=toks)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check_token_counts: all 7 cases passed."
    assert out[1] == (
        f"Your prediction: ours {guess['ours']} (it is {truth['ours']}: 3 too high); "
        f"cl100k {truth['cl100k']}, exactly right."
    )

    def stub():
        raise NotImplementedError

    check_token_counts(count, prediction=stub, tokenizers=toks)
    assert "No prediction to compare" in capsys.readouterr().out
