"""Checkers for chapter 01's exercises: count pairs, merge a pair, encode with
merges, a case-insensitive pre-splitter, and a small BPE trainer.

Token ids, dicts and lists of strings must match exactly, so these checkers pass a
`normalise` function to `_core.run_checks`, which then compares with `==`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import regex

from .. import tokenizer as lib
from ._core import BadReturn, Case, Mistake, run_checks

__all__ = [
    "check_count_pairs",
    "check_merge_pair",
    "check_encode",
    "check_split",
    "check_train",
    "GPT2_ANY_CASE_PATTERN",
]

# GPT-2's split pattern with its contractions matched in any case (exercise 4).
GPT2_ANY_CASE_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(
    r"'s|'t|'re|'ve|'m|'ll|'d", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
)


# ------------------------------------------------------------------------------------
# normalisers: what a correct answer must look like
# ------------------------------------------------------------------------------------


def _as_ids(value: Any) -> list[int]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(
        value, (list, tuple, np.ndarray)
    ):
        raise BadReturn(f"return a list of integer ids, got {type(value).__name__}")
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError):
        raise BadReturn("return a list of integer ids, one per token") from None


def _as_pair_dict(value: Any) -> dict[tuple[int, int], int]:
    if not isinstance(value, Mapping):
        raise BadReturn(f"return a dict {{(a, b): number}}, got {type(value).__name__}")
    out = {}
    for key, n in value.items():
        if not isinstance(key, tuple) or len(key) != 2:
            raise BadReturn(
                f"the keys must be pairs (a, b) as tuples, got the key {key!r}"
            )
        out[(int(key[0]), int(key[1]))] = int(n)
    return out


def _as_str_list(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise BadReturn(f"return a list of strings, got {type(value).__name__}")
    if not all(isinstance(v, str) for v in value):
        raise BadReturn("return a list of strings (the chunks), not other objects")
    return list(value)


def _random_ids(seed: int, n: int, high: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.integers(0, high, size=n)]


WIKI = list(b"aaabdaaabac")

# ------------------------------------------------------------------------------------
# exercise 1: count pairs
# ------------------------------------------------------------------------------------


def _pairs_non_overlapping(ids):
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts


def check_count_pairs(candidate) -> None:
    """Check `candidate(ids) -> {(a, b): count}` over neighbouring ids."""
    cases = [
        Case('"aaabdaaabac" as bytes', (WIKI,)),
        Case("a run [7, 7, 7, 7]", ([7, 7, 7, 7],)),
        Case("one id", ([5],)),
        Case("no ids", ([],)),
        Case("ids above 255", ([256, 97, 256, 97, 300],)),
        Case("random ids", (_random_ids(0, 60, 6),)),
    ]
    mistakes = [
        Mistake(
            "Count overlapping pairs too: [7, 7, 7] holds the pair (7, 7) twice, at "
            "positions 0 and 1.",
            _pairs_non_overlapping,
        ),
        Mistake(
            "Count how many times each pair occurs, not just whether it occurs.",
            lambda ids: dict.fromkeys(zip(ids, ids[1:], strict=False), 1),
        ),
        Mistake(
            "The last pair (ids[-2], ids[-1]) is missing: a list of n ids has "
            "n - 1 pairs.",
            lambda ids: lib.count_pairs(ids[:-1]),
        ),
        Mistake(
            "The first pair (ids[0], ids[1]) is missing: start at position 0.",
            lambda ids: lib.count_pairs(ids[1:]),
        ),
    ]
    run_checks(
        "check_count_pairs",
        candidate,
        lib.count_pairs,
        cases,
        mistakes,
        normalise=_as_pair_dict,
        generic_hint="Pair each id with the one after it: zip(ids, ids[1:]).",
    )


# ------------------------------------------------------------------------------------
# exercise 2: merge one pair
# ------------------------------------------------------------------------------------


def _merge_no_skip(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
        else:
            out.append(ids[i])
        i += 1
    return out


def _merge_drop_last(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return list(ids[:i]) + [new_id] + list(ids[i + 2 :])
    return list(ids)


def check_merge_pair(candidate) -> None:
    """Check `candidate(ids, pair, new_id)`: every occurrence, left to right."""
    cases = [
        Case("aaabdaaabac, (a, a) -> 256", (WIKI, (97, 97), 256)),
        Case("[1, 1, 1]: no overlapping merges", ([1, 1, 1], (1, 1), 9)),
        Case("pair at the very end", ([3, 1, 2], (1, 2), 7)),
        Case("pair absent", ([2, 1, 3], (1, 2), 7)),
        Case("no ids", ([], (1, 2), 7)),
        Case("random ids", (_random_ids(1, 50, 3), (1, 2), 300)),
    ]
    mistakes = [
        Mistake(
            "After merging ids[i] and ids[i + 1], jump over both (i += 2); "
            "otherwise the second id is kept as well.",
            _merge_no_skip,
        ),
        Mistake(
            "The last id went missing: when i is the last position there is no pair "
            "to check, but ids[i] must still be copied.",
            _merge_drop_last,
        ),
        Mistake(
            "Replace every occurrence of the pair, not only the first one.",
            _merge_first_only,
        ),
    ]
    run_checks(
        "check_merge_pair",
        candidate,
        lib.merge_pair,
        cases,
        mistakes,
        normalise=_as_ids,
    )


# ------------------------------------------------------------------------------------
# exercise 3: encode with given merges
# ------------------------------------------------------------------------------------

_WIKI_MERGES = {(97, 97): 256, (97, 98): 257, (256, 257): 258}


def _sample_merges() -> dict[tuple[int, int], int]:
    text = (
        "the cat sat on the mat; the café served the best crème brûlée "
        "and the theme of the theatre was thermal theory. "
    ) * 3
    return lib.train(text, 290, pattern=None).merges


def _encode_code_points(text, merges):
    return lib.encode_with_merges([ord(c) for c in text], merges)


def _encode_sorted_pairs(text, merges):
    ids = list(text.encode("utf-8"))
    for pair in sorted(merges):
        ids = lib.merge_pair(ids, pair, merges[pair])
    return ids


def _encode_one_step(text, merges):
    ids = list(text.encode("utf-8"))
    present = [p for p in zip(ids, ids[1:], strict=False) if p in merges]
    if not present:
        return ids
    best = min(present, key=lambda p: merges[p])
    return lib.merge_pair(ids, best, merges[best])


def _encode_reference(text, merges):
    return lib.encode_with_merges(list(text.encode("utf-8")), merges)


def check_encode(candidate) -> None:
    """Check `candidate(text, merges) -> ids`: UTF-8 bytes, then learned merges."""
    merges = _sample_merges()
    cases = [
        Case('"aaabdaaabac", 3 merges', ("aaabdaaabac", _WIKI_MERGES)),
        Case('"aaaa"', ("aaaa", _WIKI_MERGES)),
        Case("empty text", ("", _WIKI_MERGES)),
        Case("English, 34 merges", ("the theme of the theatre", merges)),
        Case("accents, 34 merges", ("café crème brûlée", merges)),
        Case("emoji, 34 merges", ("the 🙂 cat", merges)),
    ]
    mistakes = [
        Mistake(
            "Start from the UTF-8 bytes, list(text.encode('utf-8')), not from "
            "ord() of each character: 'é' is the two bytes 195, 169.",
            _encode_code_points,
        ),
        Mistake(
            "Apply the merges in the order they were learned (smallest new id "
            "first), not sorted by their pairs.",
            _encode_sorted_pairs,
        ),
        Mistake(
            "Keep merging until no neighbouring pair is in `merges`: one merge "
            "can create a pair that a later merge joins.",
            _encode_one_step,
        ),
    ]
    run_checks(
        "check_encode",
        candidate,
        _encode_reference,
        cases,
        mistakes,
        normalise=_as_ids,
    )


# ------------------------------------------------------------------------------------
# exercise 4: a pre-splitter with contractions in any case
# ------------------------------------------------------------------------------------


def _split_reference(text):
    return regex.findall(GPT2_ANY_CASE_PATTERN, text)


def check_split(candidate) -> None:
    """Check `candidate(text) -> chunks`: GPT-2's split, contractions in any case."""
    cases = [
        Case("shouting", ("HOW'S IT GOING? I'LL BE BACK",)),
        Case("mixed case", ("'Sup, they'Re here and we'VE won",)),
        Case("lower case", ("it's what we'd do, isn't it",)),
        Case("numbers stay whole", ("In 2024 we paid 1234567 dollars",)),
        Case("whitespace runs", ("a   b\n\n  c\t d  ",)),
        Case("empty text", ("",)),
    ]
    mistakes = [
        Mistake(
            'Contractions in capitals such as "\'S" and "\'LL" must stay one chunk: '
            "make the contraction alternatives case-insensitive with (?i:...).",
            lambda text: regex.findall(lib.GPT2_SPLIT_PATTERN, text),
        ),
        Mistake(
            "Keep the rest of GPT-2's pattern: only the contractions change. "
            "GPT-4's pattern also cuts numbers into 3 digits and joins a "
            "symbol to the word after it.",
            lambda text: regex.findall(lib.GPT4_SPLIT_PATTERN, text),
        ),
    ]

    run_checks(
        "check_split",
        candidate,
        _split_reference,
        cases,
        mistakes,
        normalise=_as_str_list,
        generic_hint="Use regex.findall(pattern, text) with the `regex` module "
        "(the standard `re` has no \\p{L}); the chunks must join back into the text.",
    )


# ------------------------------------------------------------------------------------
# exercise 5: train BPE
# ------------------------------------------------------------------------------------


def _train_reference(text, n_merges):
    return lib.train(text, 256 + n_merges, pattern=None).merges


def _train_first_seen(text, n_merges, order=1):
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = lib.count_pairs(ids)
        if not counts:
            break
        if order == 1:
            best = max(counts, key=counts.get)  # first-seen wins a tie
        else:
            best = max(counts, key=lambda p: (counts[p], p))  # largest pair wins
        merges[best] = 256 + k
        ids = lib.merge_pair(ids, best, 256 + k)
    return merges


def _train_no_recount(text, n_merges):
    ids, merges = list(text.encode("utf-8")), {}
    counts = lib.count_pairs(ids)
    ranked = sorted(counts, key=lambda p: (-counts[p], p))[:n_merges]
    for k, pair in enumerate(ranked):
        merges[pair] = 256 + k
    return merges


def check_train(candidate) -> None:
    """Check `candidate(text, n_merges) -> {(a, b): new_id}` (no pre-split)."""
    cases = [
        Case('"aaabdaaabac", 3 merges', ("aaabdaaabac", 3)),
        Case('"aaaa", 2 merges', ("aaaa", 2)),
        Case("a sentence, 12 merges", ("the cat sat on the mat with the hat", 12)),
        Case("accents, 8 merges", ("crème brûlée, café crème", 8)),
    ]
    mistakes = [
        Mistake(
            "On a tie, take the smallest pair (a, b): "
            "min(counts, key=lambda p: (-counts[p], p)). max(counts, "
            "key=counts.get) keeps whichever pair it saw first.",
            _train_first_seen,
        ),
        Mistake(
            "On a tie, take the smallest pair (a, b), not the largest.",
            lambda text, n: _train_first_seen(text, n, order=2),
        ),
        Mistake(
            "Recount the pairs after every merge: a merge creates new pairs "
            "(such as (256, 97)) and removes old ones.",
            _train_no_recount,
        ),
    ]
    run_checks(
        "check_train",
        candidate,
        _train_reference,
        cases,
        mistakes,
        normalise=_as_pair_dict,
        generic_hint="Each new id is 256 + (number of merges so far); merge the "
        "chosen pair everywhere before counting again.",
    )
