"""Chapter 01's checkers: what the catalogue (test_catalogue_tokenizer.py) does not
cover - a crash names its case, the library is refused, other library functions
are allowed."""

import pytest

from nanogpt_lib import tokenizer as lib
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks.tokenizer import check_encode, check_train


def test_crashing_candidate_names_the_case():
    def crash(text, merges):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"\[\"aaabdaaabac\", 3 merges\]: your"):
        check_encode(crash)


def test_encode_refuses_encode_with_merges():
    def delegate(text, merges):
        return lib.encode_with_merges(list(text.encode("utf-8")), merges)

    with pytest.raises(CheckFailure, match="encode_with_merges` is what") as info:
        check_encode(delegate)
    assert info.value.mistake == "delegates"


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
