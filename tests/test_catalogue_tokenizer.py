"""Chapter 01: realistic wrong answers for each checker, and equivalent right ones."""

from collections import Counter

import numpy as np
import pytest
import regex
from _catalogue import (
    Wrong,
    assert_accepted,
    assert_catalogue_size,
    assert_rejected,
    equivalent_params,
    wrong_params,
)

from nanogpt_lib.checks.tokenizer import (
    check_count_pairs,
    check_encode,
    check_merge_pair,
    check_split,
    check_train,
)
from nanogpt_lib.tokenizer import GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN

# ------------------------------------------------------------------ count pairs


def pairs_loop(ids, start=0, stop=None, step=1, wrap=False, reverse=False, times=1):
    ids = list(ids)
    if wrap and len(ids) > 1:
        ids = ids + ids[:1]
    counts = {}
    end = len(ids) - 1 if stop is None else stop(len(ids))
    i = start
    while i < end:
        pair = (ids[i + 1], ids[i]) if reverse else (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + times
        i += step(ids, i) if callable(step) else step
    return counts


def non_overlapping(ids):
    return pairs_loop(ids, step=lambda ids, i: 2 if ids[i] == ids[i + 1] else 1)


# ------------------------------------------------------------------ merge pair


def merge_with(skip=2, keep_last=True, first_only=False, either=False):
    def fn(ids, pair, new_id):
        out, i, done = [], 0, False
        n = len(ids) if keep_last else len(ids) - 1
        while i < n:
            here = tuple(ids[i : i + 2])
            hit = here == tuple(pair) or (either and here == tuple(pair)[::-1])
            if i + 1 < len(ids) and hit and not done:
                out.append(new_id)
                i += skip
                done = first_only
            else:
                out.append(ids[i])
                i += 1
        return out

    return fn


def merge_in_place(ids, pair, new_id):
    i = 0
    while i < len(ids) - 1:
        if ids[i] == pair[0] and ids[i + 1] == pair[1]:
            ids[i : i + 2] = [new_id]
        i += 1
    return ids


def merge_right_to_left(ids, pair, new_id):
    out, i = [], len(ids) - 1
    while i >= 0:
        if i >= 1 and (ids[i - 1], ids[i]) == tuple(pair):
            out.append(new_id)
            i -= 2
        else:
            out.append(ids[i])
            i -= 1
    return out[::-1]


def merge_tuple(ids, pair, new_id):  # equivalent: a tuple, built by slicing
    ids, out = tuple(ids), ()
    while ids:
        if ids[:2] == tuple(pair):
            out, ids = out + (new_id,), ids[2:]
        else:
            out, ids = out + ids[:1], ids[1:]
    return out


# ------------------------------------------------------------------ encode


def encode_with(pick=min, start=lambda text: list(text.encode("utf-8")), rounds=None):
    def fn(text, merges):
        ids = start(text)
        n = 0
        while rounds is None or n < rounds:
            present = [p for p in zip(ids, ids[1:], strict=False) if p in merges]
            if not present:
                break
            best = pick(present, key=lambda p: merges[p])
            ids = merge_with()(ids, best, merges[best])
            n += 1
        return ids

    return fn


def encode_sorted_pairs(text, merges):
    ids = list(text.encode("utf-8"))
    for pair in sorted(merges):
        ids = merge_with()(ids, pair, merges[pair])
    return ids


def encode_in_learned_order(text, merges):  # equivalent: one pass, by new id
    ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(int)
    for pair, new in sorted(merges.items(), key=lambda kv: kv[1]):
        ids = merge_with()(list(ids), pair, new)
    return np.array(ids, dtype=np.int64)


# ------------------------------------------------------------------ split

CONTRACTIONS = r"'s|'t|'re|'ve|'m|'ll|'d"


def split_with(pattern, prepare=lambda text: text):
    return lambda text: regex.findall(pattern, prepare(text))


ANY_CASE = GPT2_SPLIT_PATTERN.replace(CONTRACTIONS, f"(?i:{CONTRACTIONS})")

# ------------------------------------------------------------------ train


def train_with(pick="smallest", stop=True, first=256, recount=True, merge=True):
    def fn(text, n_merges):
        ids, merges = list(text.encode("utf-8")), {}
        counts = pairs_loop(ids)
        ranked = sorted(counts, key=lambda p: (-counts[p], p))
        for k in range(n_merges):
            if recount:
                counts = pairs_loop(ids)
                if stop and not counts:
                    break
                if pick == "smallest":
                    best = min(counts, key=lambda p: (-counts[p], p))
                elif pick == "first":
                    best = max(counts, key=counts.get)
                else:
                    best = max(counts, key=lambda p: (counts[p], p))
            else:
                if k >= len(ranked):
                    break
                best = ranked[k]
            merges[best] = first + k
            if merge:
                ids = merge_with()(ids, best, first + k)
        return merges

    return fn


def train_counter(text, n_merges):  # equivalent: Counter and a while loop
    ids, merges = list(text.encode("utf-8")), {}
    while len(merges) < n_merges:
        counts = Counter(zip(ids, ids[1:], strict=False))
        if not counts:
            break
        top = max(counts.values())
        best = min(p for p, c in counts.items() if c == top)
        merges[best] = 256 + len(merges)
        ids = merge_tuple(ids, best, merges[best])
    return merges


CATALOGUE = {
    check_count_pairs: [
        Wrong("non-overlapping", non_overlapping, "non-overlapping", "overlapping"),
        Wrong(
            "presence",
            lambda ids: {p: 1 for p in zip(ids, ids[1:], strict=False)},
            "presence-not-count",
            "how many times",
        ),
        Wrong(
            "range(len - 2)",
            lambda ids: pairs_loop(ids, stop=lambda n: n - 2),
            "misses-last-pair",
            "last pair",
        ),
        Wrong(
            "range(1, ...)",
            lambda ids: pairs_loop(ids, start=1),
            "misses-first-pair",
            "first pair",
        ),
        Wrong("wrap", lambda ids: pairs_loop(ids, wrap=True), "wraps-around", "wrap"),
        Wrong(
            "reversed",
            lambda ids: pairs_loop(ids, reverse=True),
            "reversed-pair",
            "reversed",
        ),
        Wrong(
            "counted twice",
            lambda ids: pairs_loop(ids, times=2),
            "double-count",
            "twice",
        ),
        Wrong(
            "keys as lists",
            lambda ids: {str([a, b]): 1 for a, b in zip(ids, ids[1:], strict=False)},
            "wrong-kind",
            "pairs",
        ),
        Wrong("single ids", lambda ids: dict(Counter(ids)), "wrong-kind", "pairs"),
        Wrong("only some positions", lambda ids: pairs_loop(ids, step=3), None),
    ],
    check_merge_pair: [
        Wrong("no skip", merge_with(skip=1), "no-skip", "i \\+= 2"),
        Wrong("drops last", merge_with(keep_last=False), "drops-last", "last id"),
        Wrong(
            "first only", merge_with(first_only=True), "first-only", "every occurrence"
        ),
        Wrong("right to left", merge_right_to_left, "right-to-left", "left to right"),
        Wrong("either order", merge_with(either=True), "either-order", r"\(b, a\)"),
        Wrong("in place", merge_in_place, "mutates-input", "new list"),
        Wrong("no return", lambda ids, pair, new_id: None, "no-return", "return"),
        Wrong("skip 3", merge_with(skip=3), None),
    ],
    check_encode: [
        Wrong(
            "code points",
            encode_with(start=lambda text: [ord(c) for c in text]),
            "code-points",
            "UTF-8",
        ),
        Wrong(
            "sorted pairs",
            encode_sorted_pairs,
            "sorted-pairs",
            "order they were learned",
        ),
        Wrong("one step", encode_with(rounds=1), "one-step", "until no"),
        Wrong("max rank", encode_with(pick=max), "latest-first", "first"),
        Wrong(
            "bytes only",
            lambda text, merges: list(text.encode("utf-8")),
            "no-merges",
            "apply the merges",
        ),
        Wrong(
            "a string", lambda text, merges: text, "wrong-kind", "list of integer ids"
        ),
        Wrong("two rounds", encode_with(rounds=2), None),
    ],
    check_split: [
        Wrong(
            "GPT-2 as is", split_with(GPT2_SPLIT_PATTERN), "case-sensitive", r"\(\?i:"
        ),
        Wrong("GPT-4", split_with(GPT4_SPLIT_PATTERN), "gpt4-pattern", "GPT-4"),
        Wrong(
            "all caps listed",
            split_with(
                GPT2_SPLIT_PATTERN.replace(
                    CONTRACTIONS, CONTRACTIONS + "|" + CONTRACTIONS.upper()
                )
            ),
            "only-all-caps",
            "Mixed case",
        ),
        Wrong("lower()", split_with(ANY_CASE, str.lower), "lower-cased", "lower-case"),
        Wrong("str.split", str.split, "str-split", "str.split"),
        Wrong(
            "contractions dropped",
            split_with(GPT2_SPLIT_PATTERN.replace(CONTRACTIONS + "|", "")),
            "no-contractions",
            "contractions",
        ),
        Wrong("one chunk", lambda text: [text] if text else [], None),
    ],
    check_train: [
        Wrong(
            "first seen", train_with(pick="first"), "tie-first-seen", "smallest pair"
        ),
        Wrong("largest", train_with(pick="largest"), "tie-largest", "not the largest"),
        Wrong("no recount", train_with(recount=False), "no-recount", "Recount"),
        Wrong("no early stop", train_with(stop=False), "no-early-stop", "Stop early"),
        Wrong("ids from 257", train_with(first=257), "id-offset", "256"),
        Wrong("ids from 255", train_with(first=255), "id-offset", "256"),
        Wrong("not merged", train_with(merge=False), "ids-not-updated", "merge_pair"),
        Wrong(
            "list of pairs",
            lambda text, n: list(train_counter(text, n)),
            "wrong-kind",
            "dict",
        ),
        Wrong("one merge", lambda text, n: train_counter(text, 1), None),
    ],
}

EQUIVALENT = {
    check_count_pairs: [
        pairs_loop,
        lambda ids: Counter(zip(ids, ids[1:], strict=False)),
    ],
    check_merge_pair: [merge_with(), merge_tuple],
    check_encode: [encode_with(), encode_in_learned_order],
    check_split: [split_with(ANY_CASE), split_with("(?i)" + GPT2_SPLIT_PATTERN)],
    check_train: [train_with(), train_counter],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)
