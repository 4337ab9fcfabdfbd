"""Each chapter-01 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

from collections import Counter

import pytest
import regex

from nanogpt_lib import tokenizer as lib
from nanogpt_lib.checks.tokenizer import (
    GPT2_ANY_CASE_PATTERN,
    check_count_pairs,
    check_encode,
    check_merge_pair,
    check_split,
    check_train,
)


def reference_encode(text, merges):
    return lib.encode_with_merges(list(text.encode("utf-8")), merges)


def reference_train(text, n_merges):
    return lib.train(text, 256 + n_merges, pattern=None).merges


def test_references_pass(capsys):
    check_count_pairs(lib.count_pairs)
    check_merge_pair(lib.merge_pair)
    check_encode(reference_encode)
    check_split(lambda text: regex.findall(GPT2_ANY_CASE_PATTERN, text))
    check_train(reference_train)
    assert capsys.readouterr().out.splitlines() == [
        "check_count_pairs: all 6 cases passed.",
        "check_merge_pair: all 6 cases passed.",
        "check_encode: all 6 cases passed.",
        "check_split: all 6 cases passed.",
        "check_train: all 4 cases passed.",
    ]


def test_other_correct_solutions_pass(capsys):
    """A Counter, merges applied in learned order, and a whole-pattern (?i) flag."""
    check_count_pairs(lambda ids: Counter(zip(ids, ids[1:], strict=False)))

    def encode_in_learned_order(text, merges):
        ids = list(text.encode("utf-8"))
        for pair, new_id in sorted(merges.items(), key=lambda kv: kv[1]):
            ids = lib.merge_pair(ids, pair, new_id)
        return ids

    check_encode(encode_in_learned_order)
    check_split(lambda text: regex.findall("(?i)" + lib.GPT2_SPLIT_PATTERN, text))
    assert capsys.readouterr().out.count("passed") == 3


# -- count pairs --------------------------------------------------------------------


def count_skipping(ids):
    counts = {}
    i = 0
    while i < len(ids) - 1:
        counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (count_skipping, "overlapping pairs too"),
        (lambda ids: {p: 1 for p in zip(ids, ids[1:], strict=False)}, "how many"),
        (
            lambda ids: Counter(zip(ids[:-2], ids[1:-1], strict=False)),
            "last pair",
        ),
        (lambda ids: Counter(zip(ids[1:], ids[2:], strict=False)), "first pair"),
        (lambda ids: [tuple(p) for p in zip(ids, ids[1:], strict=False)], "dict"),
        (lambda ids: None, "forget the `return`"),
    ],
)
def test_count_pairs_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_count_pairs(wrong)


# -- merge pair ---------------------------------------------------------------------


def merge_keep_second(ids, pair, new_id):
    out = []
    for i, v in enumerate(ids):
        if i + 1 < len(ids) and (v, ids[i + 1]) == pair:
            out.append(new_id)
        else:
            out.append(v)
    return out


def merge_loop_to_second_last(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def merge_once(ids, pair, new_id):
    s = list(ids)
    for i in range(len(s) - 1):
        if (s[i], s[i + 1]) == pair:
            s[i : i + 2] = [new_id]
            break
    return s


def merge_in_place(ids, pair, new_id):
    i = 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            ids[i : i + 2] = [new_id]
        i += 1
    return ids


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (merge_keep_second, "jump over both"),
        (merge_loop_to_second_last, "last id went missing"),
        (merge_once, "every occurrence"),
        (merge_in_place, "changed its input"),
    ],
)
def test_merge_pair_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_merge_pair(wrong)


# -- encode -------------------------------------------------------------------------


def encode_with_ord(text, merges):
    return lib.encode_with_merges([ord(c) for c in text], merges)


def encode_sorted(text, merges):
    ids = list(text.encode("utf-8"))
    for pair in sorted(merges):
        ids = lib.merge_pair(ids, pair, merges[pair])
    return ids


def encode_single_merge(text, merges):
    ids = list(text.encode("utf-8"))
    stats = lib.count_pairs(ids)
    found = [p for p in stats if p in merges]
    if found:
        p = min(found, key=merges.get)
        ids = lib.merge_pair(ids, p, merges[p])
    return ids


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (encode_with_ord, "UTF-8 bytes"),
        (encode_sorted, "order they were learned"),
        (encode_single_merge, "Keep merging"),
        (lambda text, merges: text.encode("utf-8"), "list of integer ids"),
    ],
)
def test_encode_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_encode(wrong)


def test_crashing_candidate_names_the_case():
    def crash(text, merges):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"\[\"aaabdaaabac\", 3 merges\]: your"):
        check_encode(crash)


# -- split --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda t: regex.findall(lib.GPT2_SPLIT_PATTERN, t), r"\(\?i:\.\.\.\)"),
        (lambda t: regex.findall(lib.GPT4_SPLIT_PATTERN, t), "only the contractions"),
        (lambda t: t.split(), "regex.findall"),
        (lambda t: " ".join(t.split()), "list of strings"),
    ],
)
def test_split_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_split(wrong)


# -- train --------------------------------------------------------------------------


def train_first_seen(text, n_merges):
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = Counter(zip(ids, ids[1:], strict=False))
        best = counts.most_common(1)[0][0]  # ties: first seen
        merges[best] = 256 + k
        ids = lib.merge_pair(ids, best, 256 + k)
    return merges


def train_largest_on_tie(text, n_merges):
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = lib.count_pairs(ids)
        best = max(counts, key=lambda p: (counts[p], p))
        merges[best] = 256 + k
        ids = lib.merge_pair(ids, best, 256 + k)
    return merges


def train_count_once(text, n_merges):
    counts = lib.count_pairs(list(text.encode("utf-8")))
    order = sorted(counts, key=lambda p: (-counts[p], p))
    return {p: 256 + k for k, p in enumerate(order[:n_merges])}


def train_ids_from_zero(text, n_merges):
    return {p: i - 256 for p, i in reference_train(text, n_merges).items()}


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (train_first_seen, "smallest pair"),
        (train_largest_on_tie, "smallest pair"),
        (train_count_once, "Recount"),
        (train_ids_from_zero, "256"),
    ],
)
def test_train_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_train(wrong)
