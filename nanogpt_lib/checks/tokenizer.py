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
            id="non-overlapping",
        ),
        Mistake(
            "Count how many times each pair occurs, not just whether it occurs.",
            lambda ids: dict.fromkeys(zip(ids, ids[1:], strict=False), 1),
            id="presence-not-count",
        ),
        Mistake(
            "The last pair (ids[-2], ids[-1]) is missing: a list of n ids has "
            "n - 1 pairs.",
            lambda ids: lib.count_pairs(ids[:-1]),
            id="misses-last-pair",
        ),
        Mistake(
            "The first pair (ids[0], ids[1]) is missing: start at position 0.",
            lambda ids: lib.count_pairs(ids[1:]),
            id="misses-first-pair",
        ),
        Mistake(
            "The pairs wrap around: the last id has no neighbour after it, so "
            "(ids[-1], ids[0]) is not a pair.",
            lambda ids: (
                lib.count_pairs(list(ids) + list(ids[:1])) if len(ids) > 1 else {}
            ),
            id="wraps-around",
        ),
        Mistake(
            "The pairs are reversed: the key is (ids[i], ids[i + 1]), left id first.",
            lambda ids: {(b, a): n for (a, b), n in lib.count_pairs(ids).items()},
            id="reversed-pair",
        ),
        Mistake(
            "Each pair is counted twice: loop over the n - 1 positions once.",
            lambda ids: {pair: 2 * n for pair, n in lib.count_pairs(ids).items()},
            id="double-count",
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
        forbid=[lib.count_pairs],
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


def _merge_right_to_left(ids, pair, new_id):
    rev = _merge_reference_list(list(ids)[::-1], (pair[1], pair[0]), new_id)
    return rev[::-1]


def _merge_reference_list(ids, pair, new_id):
    return lib.merge_pair(ids, pair, new_id)


def _merge_either_order(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if (
            i + 1 < len(ids)
            and {ids[i], ids[i + 1]} == set(pair)
            and (ids[i] != ids[i + 1] or pair[0] == pair[1])
        ):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def check_merge_pair(candidate) -> None:
    """Check `candidate(ids, pair, new_id)`: every occurrence, left to right."""
    cases = [
        Case("aaabdaaabac, (a, a) -> 256", (WIKI, (97, 97), 256)),
        Case("[1, 1, 1]: no overlapping merges", ([1, 1, 1], (1, 1), 9)),
        Case("pair at the very end", ([3, 1, 2], (1, 2), 7)),
        Case("pair absent", ([2, 1, 3], (1, 2), 7)),
        Case("the reversed pair is not the pair", ([2, 1, 1, 2], (1, 2), 7)),
        Case("no ids", ([], (1, 2), 7)),
        Case("random ids", (_random_ids(1, 50, 3), (1, 2), 300)),
    ]
    mistakes = [
        Mistake(
            "After merging ids[i] and ids[i + 1], jump over both (i += 2); "
            "otherwise the second id is kept as well.",
            _merge_no_skip,
            id="no-skip",
        ),
        Mistake(
            "The last id went missing: when i is the last position there is no pair "
            "to check, but ids[i] must still be copied.",
            _merge_drop_last,
            id="drops-last",
        ),
        Mistake(
            "Replace every occurrence of the pair, not only the first one.",
            _merge_first_only,
            id="first-only",
        ),
        Mistake(
            "Scan from left to right: in [1, 1, 1] the pair (1, 1) at positions "
            "0-1 is merged first, giving [new, 1], not [1, new].",
            _merge_right_to_left,
            id="right-to-left",
        ),
        Mistake(
            "Only the pair in this order counts: (a, b) is not (b, a).",
            _merge_either_order,
            id="either-order",
        ),
    ]
    run_checks(
        "check_merge_pair",
        candidate,
        lib.merge_pair,
        cases,
        mistakes,
        normalise=_as_ids,
        forbid=[lib.merge_pair],
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


def _encode_latest_first(text, merges):
    ids = list(text.encode("utf-8"))
    while True:
        present = [p for p in zip(ids, ids[1:], strict=False) if p in merges]
        if not present:
            return ids
        best = max(present, key=lambda p: merges[p])
        ids = lib.merge_pair(ids, best, merges[best])


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
            id="code-points",
        ),
        Mistake(
            "Apply the merges in the order they were learned (smallest new id "
            "first), not sorted by their pairs.",
            _encode_sorted_pairs,
            id="sorted-pairs",
        ),
        Mistake(
            "Keep merging until no neighbouring pair is in `merges`: one merge "
            "can create a pair that a later merge joins.",
            _encode_one_step,
            id="one-step",
        ),
        Mistake(
            "Merge the pair learned *first* (the smallest new id), not the latest: "
            "min(..., key=lambda p: merges[p]), not max.",
            _encode_latest_first,
            id="latest-first",
        ),
        Mistake(
            "Return the ids, not the text's bytes: apply the merges to "
            "list(text.encode('utf-8')).",
            lambda text, merges: list(text.encode("utf-8")),
            id="no-merges",
        ),
    ]
    run_checks(
        "check_encode",
        candidate,
        _encode_reference,
        cases,
        mistakes,
        normalise=_as_ids,
        forbid=[lib.encode_with_merges],
    )


# ------------------------------------------------------------------------------------
# exercise 4: a pre-splitter with contractions in any case
# ------------------------------------------------------------------------------------


_CONTRACTIONS = r"'s|'t|'re|'ve|'m|'ll|'d"
_ALL_CAPS_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(
    _CONTRACTIONS, _CONTRACTIONS + "|" + _CONTRACTIONS.upper()
)
_NO_CONTRACTIONS_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(_CONTRACTIONS + "|", "")


def _split_reference(text):
    return regex.findall(GPT2_ANY_CASE_PATTERN, text)


def check_split(candidate) -> None:
    """Check `candidate(text) -> chunks`: GPT-2's split, contractions in any case."""
    cases = [
        Case("lower case", ("it's what we'd do, isn't it",)),
        Case("shouting", ("HOW'S IT GOING? I'LL BE BACK",)),
        Case("mixed case", ("'Sup, they'Re here and we'VE won",)),
        Case("numbers stay whole", ("In 2024 we paid 1234567 dollars",)),
        Case("whitespace runs", ("a   b\n\n  c\t d  ",)),
        Case("empty text", ("",)),
    ]
    mistakes = [
        Mistake(
            'Contractions in capitals such as "\'S" and "\'LL" must stay one chunk: '
            "make the contraction alternatives case-insensitive with (?i:...).",
            lambda text: regex.findall(lib.GPT2_SPLIT_PATTERN, text),
            id="case-sensitive",
        ),
        Mistake(
            "Keep the rest of GPT-2's pattern: only the contractions change. "
            "GPT-4's pattern also cuts numbers into 3 digits and joins a "
            "symbol to the word after it.",
            lambda text: regex.findall(lib.GPT4_SPLIT_PATTERN, text),
            id="gpt4-pattern",
        ),
        Mistake(
            "Mixed case such as 'Re or 'vE must stay one chunk too: (?i:...) "
            "covers every mix of cases, listing the all-capital forms does not.",
            lambda text: regex.findall(_ALL_CAPS_PATTERN, text),
            id="only-all-caps",
        ),
        Mistake(
            "Don't lower-case the text: the chunks must join back into the "
            "original text, capitals included. Make the pattern case-insensitive "
            "instead.",
            lambda text: _split_reference(text.lower()),
            id="lower-cased",
        ),
        Mistake(
            "str.split() drops the spaces and keeps punctuation on the words: "
            "use regex.findall with GPT-2's pattern, where each space stays with "
            "the word after it.",
            lambda text: text.split(),
            id="str-split",
        ),
        Mistake(
            "The contractions must stay in the pattern: made optional or dropped, "
            '"\'s" is split into "\'" and "s".',
            lambda text: regex.findall(_NO_CONTRACTIONS_PATTERN, text),
            id="no-contractions",
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


def _train_variant(text, n_merges, *, tie="smallest", first=256, merge=True):
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = lib.count_pairs(ids)
        if not counts:
            break
        if tie == "first-seen":
            best = max(counts, key=counts.get)
        elif tie == "largest":
            best = max(counts, key=lambda p: (counts[p], p))
        else:
            best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = first + k
        if merge:
            ids = lib.merge_pair(ids, best, first + k)
    return merges


def _train_no_recount(text, n_merges):
    ids, merges = list(text.encode("utf-8")), {}
    counts = lib.count_pairs(ids)
    ranked = sorted(counts, key=lambda p: (-counts[p], p))[:n_merges]
    for k, pair in enumerate(ranked):
        merges[pair] = 256 + k
    return merges


_NO_PAIRS_LEFT = '"aaaa", 5 merges (only 2 possible)'


def check_train(candidate) -> None:
    """Check `candidate(text, n_merges) -> {(a, b): new_id}` (no pre-split)."""
    cases = [
        Case('"abcd", 1 merge: three pairs tie', ("abcd", 1)),
        Case('"aaabdaaabac", 3 merges', ("aaabdaaabac", 3)),
        Case('"aaaa", 2 merges', ("aaaa", 2)),
        Case("a sentence, 12 merges", ("the cat sat on the mat with the hat", 12)),
        Case("accents, 8 merges", ("crème brûlée, café crème", 8)),
        Case(_NO_PAIRS_LEFT, ("aaaa", 5)),
    ]
    mistakes = [
        Mistake(
            "On a tie, take the smallest pair (a, b): "
            "min(counts, key=lambda p: (-counts[p], p)). max(counts, "
            "key=counts.get) keeps whichever pair it saw first.",
            lambda text, n: _train_variant(text, n, tie="first-seen"),
            id="tie-first-seen",
        ),
        Mistake(
            "On a tie, take the smallest pair (a, b), not the largest.",
            lambda text, n: _train_variant(text, n, tie="largest"),
            id="tie-largest",
        ),
        Mistake(
            "Recount the pairs after every merge: a merge creates new pairs "
            "(such as (256, 97)) and removes old ones.",
            _train_no_recount,
            id="no-recount",
        ),
        Mistake(
            "Stop early when no pair is left: once the text is a single token "
            "there is nothing to count, so `if not counts: break` before max().",
            raises=ValueError,
            on=(_NO_PAIRS_LEFT,),
            id="no-early-stop",
        ),
        Mistake(
            "The new ids start at 256 (0-255 are the bytes): merge k gets 256 + k.",
            lambda text, n: _train_variant(text, n, first=257),
            id="id-offset",
        ),
        Mistake(
            "The new ids start at 256 (0-255 are the bytes): merge k gets 256 + k.",
            lambda text, n: _train_variant(text, n, first=255),
            id="id-offset",
        ),
        Mistake(
            "Replace the chosen pair in the ids before counting again: "
            "ids = merge_pair(ids, best, new_id).",
            lambda text, n: _train_variant(text, n, merge=False),
            id="ids-not-updated",
        ),
        Mistake(
            "This exercise trains on the whole text's bytes, with no pre-split "
            "into words: pairs across a space count too.",
            lambda text, n: (
                lib.train(text, 256 + n, pattern=lib.GPT2_SPLIT_PATTERN).merges
            ),
            id="pre-split",
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
        forbid=[lib.train],
    )
