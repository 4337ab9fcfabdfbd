"""Checkers for chapter 01's exercises: the first two merges by hand, a buggy BPE
trainer to fix, token counts to predict, a streaming decoder, and a pre-splitter
with contractions in any case.

Token ids, dicts and lists of strings must match exactly, so these checkers pass a
`normalise` function to `_core.run_checks`, which then compares with `==`.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

import regex

from .. import tokenizer as lib
from ._core import (
    _REGISTRY,
    BadReturn,
    Case,
    Mistake,
    not_implemented,
    require_callable,
    run_checks,
)

__all__ = [
    "check_first_two_merges",
    "check_train",
    "check_token_counts",
    "check_stream_decode",
    "check_split",
    "GPT2_ANY_CASE_PATTERN",
    "BY_HAND_TEXT",
    "COUNT_LINE",
]

# GPT-2's split pattern with its contractions matched in any case (ex-01-split).
GPT2_ANY_CASE_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(
    r"'s|'t|'re|'ve|'m|'ll|'d", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
)

# ------------------------------------------------------------------------------------
# normalisers: what a correct answer must look like
# ------------------------------------------------------------------------------------


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


def _prediction(prediction: Any) -> Any:
    """The learner's prediction (a value, or a function returning it); None if
    there is none yet (a stub)."""
    if callable(prediction):
        try:
            return prediction()
        except NotImplementedError:
            return None
    return prediction


def _how_far(guess: Any, truth: float) -> str:
    try:
        guess = float(guess)
    except (TypeError, ValueError):
        return f"{guess!r} is not a number (it is {truth:g})"
    if guess == truth:
        return f"{guess:g}, exactly right"
    off = guess - truth
    side = "high" if off > 0 else "low"
    return f"{guess:g} (it is {truth:g}: {abs(off):g} too {side})"


# ------------------------------------------------------------------------------------
# ex-01-by-hand: the first two merges of a tiny text
# ------------------------------------------------------------------------------------

BY_HAND_TEXT = "ooo boo oboe"


def _merge_variant(ids, pair, new_id, how):
    if how == "from-the-back":  # find every position first, replace from the end
        hits = [i for i in range(len(ids) - 1) if (ids[i], ids[i + 1]) == pair]
        out = list(ids)
        for i in reversed(hits):
            out[i : i + 2] = [new_id]
        return out
    if how == "no-skip":  # the second id of a merged pair is used again
        out = []
        for i in range(len(ids)):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
            elif not (i > 0 and (ids[i - 1], ids[i]) == pair):
                out.append(ids[i])
        return out
    return lib.merge_pair(ids, pair, new_id)


def _counts_non_overlapping(ids):
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts


def _two_merges(text, *, tie="smallest", count=lib.count_pairs, recount=True,
                merge="left-to-right"):  # fmt: skip
    """The bytes of the first two tokens BPE creates, as strings."""
    ids = list(text.encode("utf-8"))
    vocab = {i: bytes([i]) for i in range(256)}
    counts = count(ids)
    made = []
    for k in range(2):
        if recount:
            counts = count(ids)
        else:
            counts = {p: n for p, n in counts.items() if p not in made}
        if tie == "largest":
            best = max(counts, key=lambda p: (counts[p], p))
        elif tie == "first-seen":
            best = max(counts, key=counts.get)
        else:
            best = min(counts, key=lambda p: (-counts[p], p))
        made.append(best)
        vocab[256 + k] = vocab[best[0]] + vocab[best[1]]
        ids = _merge_variant(ids, best, 256 + k, merge)
    return [vocab[256].decode("utf-8"), vocab[257].decode("utf-8")]


def _as_two_tokens(value: Any) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise BadReturn(
            'return a list of two strings, the text of each new token, e.g. ["ab", '
            f'"abc"], got {type(value).__name__}'
        )
    if len(value) != 2:
        raise BadReturn(f"return the first two merges, got {len(value)} items")
    out = []
    for v in value:
        if isinstance(v, bytes):
            v = v.decode("utf-8", errors="replace")
        if not isinstance(v, str):
            raise BadReturn(
                "write each new token as the text it stands for, such as 'ab', "
                f"not as {type(v).__name__} (for a pair of ids, join their texts)"
            )
        out.append(v)
    return out


def check_first_two_merges(candidate) -> None:
    """Check `candidate() -> [token 256, token 257]` for BPE on BY_HAND_TEXT."""
    cases = [Case(f"BPE on {BY_HAND_TEXT!r}, no pre-split")]

    def with_(**kw):
        return lambda: _two_merges(BY_HAND_TEXT, **kw)

    mistakes = [
        Mistake(
            "Count overlapping pairs: 'ooo' holds the pair 'oo' twice (positions 0 "
            "and 1), so 'oo' occurs 3 times in all, more than any other pair.",
            with_(count=_counts_non_overlapping),
            id="non-overlapping-count",
        ),
        Mistake(
            "Recount after the first merge: merging 'oo' removes pairs such as "
            "'bo' ('boo' is now b + oo) and creates new ones such as 'oo'+'o'.",
            with_(recount=False),
            id="no-recount",
        ),
        Mistake(
            "After the first merge every remaining pair occurs once: a tie. Take "
            "the smallest pair of ids, (32, 98) = ' b' (space is 32), not the "
            "largest or the first one seen.",
            with_(tie="largest"),
            id="tie-not-smallest",
        ),
        Mistake(
            "After the first merge every remaining pair occurs once: a tie. Take "
            "the smallest pair of ids, (32, 98) = ' b' (space is 32), not the "
            "largest or the first one seen.",
            with_(tie="first-seen"),
            id="tie-not-smallest",
        ),
        Mistake(
            "Merge from the left and use both ids of a merged pair once: 'ooo' "
            "becomes [oo, o], not [o, oo] or [oo, oo]. Then recount.",
            with_(merge="from-the-back"),
            id="merge-overlap",
        ),
        Mistake(
            "Merge from the left and use both ids of a merged pair once: 'ooo' "
            "becomes [oo, o], not [o, oo] or [oo, oo]. Then recount.",
            with_(merge="no-skip"),
            id="merge-overlap",
        ),
        Mistake(
            "Write the merges in the order BPE makes them: token 256 first.",
            lambda: _two_merges(BY_HAND_TEXT)[::-1],
            id="order",
        ),
    ]
    run_checks(
        "check_first_two_merges",
        candidate,
        lambda: _two_merges(BY_HAND_TEXT),
        cases,
        mistakes,
        normalise=_as_two_tokens,
        generic_hint="Write the bytes as numbers (space 32, b 98, e 101, o 111), "
        "count every neighbouring pair, merge the most frequent (smallest pair "
        "on a tie) from the left, then count again.",
        forbid=[lib.train],
    )


# ------------------------------------------------------------------------------------
# ex-01-predict: token counts of a line, the book's BPE against cl100k
# ------------------------------------------------------------------------------------

COUNT_LINE = "Out, damned spot! out, I say!"
_COUNT_CASES = [
    "O Romeo, Romeo! wherefore art thou Romeo? \u2014 Juliet",  # an em dash: 3 bytes
    COUNT_LINE,
    "Is this a dagger which I see before me,",
    "The handle toward my hand? Come, let me clutch thee.",
    "Wednesday 12 March 2025, 14:30",
    "MACBETH:\nSo foul and fair a day I have not seen.\n",  # GPT-2 split: 2 more
    "",
]


def _as_counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise BadReturn(
            'return a dict {"ours": number, "cl100k": number}, got '
            f"{type(value).__name__}"
        )
    if set(value) != {"ours", "cl100k"}:
        raise BadReturn(
            f'the dict needs exactly the keys "ours" and "cl100k", got {sorted(value)}'
        )
    out = {}
    for key, n in value.items():
        if isinstance(n, bool) or not hasattr(n, "__index__"):
            raise BadReturn(
                f"{key}: return the number of tokens (an int), got {type(n).__name__}"
            )
        out[key] = int(n)
    return out


def check_token_counts(candidate, prediction=None, tokenizers=None) -> None:
    """Check `candidate(line) -> {"ours": n, "cl100k": m}`: tokens of a line under
    `tokenizers["ours"]` and `tokenizers["cl100k"]`; then say how far
    `prediction` (a dict like the answer, or a function returning one) was."""
    name = "check_token_counts"

    def counts(line, how=len, swap=False):
        out = {
            key: how(tokenizers[key].encode(line, disallowed_special=()), line)
            for key in ("ours", "cl100k")
        }
        return {"ours": out["cl100k"], "cl100k": out["ours"]} if swap else out

    def each(how):
        return lambda line: counts(line, how)

    mistakes = [
        Mistake(
            "That is the number of characters: count the ids that encode() returns.",
            each(lambda ids, line: len(line)),
            id="characters",
        ),
        Mistake(
            "That is the number of UTF-8 bytes, the length before any merge: "
            "count the ids that encode() returns.",
            each(lambda ids, line: len(line.encode("utf-8"))),
            id="bytes",
        ),
        Mistake(
            "That is the number of words: a token is often a piece of a word, and "
            "the spaces and punctuation are tokens too. Count the ids.",
            each(lambda ids, line: len(line.split())),
            id="words",
        ),
        Mistake(
            "The two counts are swapped: the book's 1,024-token BPE needs more "
            "tokens than cl100k, not fewer.",
            lambda line: counts(line, lambda ids, line: len(ids), swap=True),
            id="swapped",
        ),
        Mistake(
            "Count every token, repeats included: len(ids), not len(set(ids)).",
            each(lambda ids, line: len(set(ids))),
            id="distinct",
        ),
        Mistake(
            "encode() adds no end-of-text token: the count is len(ids) itself.",
            each(lambda ids, line: len(ids) + 1),
            id="plus-one",
        ),
    ]
    _REGISTRY[name] = [(m.id, m.hint) for m in mistakes]
    require_callable(name, candidate)
    if tokenizers is None:
        if not_implemented(name, lambda: candidate(COUNT_LINE)):
            return
        raise TypeError(
            f'{name}: pass the tokenizers, tokenizers={{"ours": bpe, "cl100k": cl100k}}'
        )
    run_checks(
        name,
        candidate,
        lambda line: counts(line, lambda ids, line: len(ids)),
        [Case(repr(line), (line,)) for line in _COUNT_CASES],
        mistakes,
        normalise=_as_counts,
        generic_hint="Count len(tok.encode(line)) with the chapter's `bpe` (trained "
        "with GPT-4's split, not `bpe_gpt2`) and with `cl100k`.",
    )
    try:
        candidate(COUNT_LINE)
    except NotImplementedError:
        return
    if prediction is None:
        return
    guess = _prediction(prediction)
    truth = counts(COUNT_LINE, lambda ids, line: len(ids))
    if not isinstance(guess, Mapping):
        print(f"No prediction to compare: the line takes {truth['ours']} tokens "
              f"(ours) and {truth['cl100k']} (cl100k).")  # fmt: skip
        return
    said = "; ".join(
        f"{key} {_how_far(guess.get(key), truth[key])}" for key in ("ours", "cl100k")
    )
    print(f"Your prediction: {said}.")


# ------------------------------------------------------------------------------------
# ex-01-stream: decode token by token, as a chat interface prints
# ------------------------------------------------------------------------------------


def _stream_reference(ids, token_bytes):
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pieces = [decoder.decode(token_bytes(int(i))) for i in ids]
    if pieces:
        pieces[-1] += decoder.decode(b"", final=True)
    return pieces


def _stream_alone(errors):
    return lambda ids, tb: [tb(int(i)).decode("utf-8", errors=errors) for i in ids]


def _stream_no_flush(ids, token_bytes):
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return [decoder.decode(token_bytes(int(i))) for i in ids]


def _stream_prefix(ids, token_bytes):
    out, seen = [], b""
    for i in ids:
        seen += token_bytes(int(i))
        out.append(seen.decode("utf-8", errors="replace"))
    return out


def _stream_at_end(ids, token_bytes):
    text = b"".join(token_bytes(int(i)) for i in ids).decode("utf-8", errors="replace")
    return [""] * (len(ids) - 1) + [text] if ids else []


def _stream_late(ids, token_bytes):
    pieces = _stream_reference(ids, token_bytes)
    return ([""] + pieces[:-1]) if pieces else []


def _as_pieces(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise BadReturn(
            f"return a list with one string per id, got {type(value).__name__}"
        )
    if not all(isinstance(v, str) for v in value):
        raise BadReturn("return a list of strings (the text printed after each id)")
    return list(value)


def _stream_tokenizer() -> lib.BPETokenizer:
    text = "café crème, naïve façade 🙂🙂 €5 déjà vu 🙂 é€é€"
    return lib.train(text, vocab_size=256 + 24, pattern=None)


def check_stream_decode(candidate) -> None:
    """Check `candidate(ids, token_bytes) -> [text printed after each id]`."""
    tok = _stream_tokenizer()

    def tb(token_id):  # a plain function: copied by reference, so never "changed"
        return tok.token_bytes(token_id)

    def ids(text):
        return tok.encode(text)

    smile = list("🙂".encode())
    # byte-level BPE may join the end of one character with the start of the next
    table = [b"caf\xc3", b"\xa9\xe2", b"\x82", b"\xac!", b" \xf0\x9f", b"\x99\x82"]

    def cross(token_id):
        return table[token_id]

    cases = [
        Case("plain ASCII", (ids("to be or not"), tb)),
        Case("accents split across tokens", (ids("déjà vu, café crème"), tb)),
        Case("an emoji as 4 single bytes", (smile, tb)),
        Case("whole characters in one token", (ids("é€é€ 🙂🙂"), tb)),
        Case(
            "a token ends one character, starts the next", ([0, 1, 2, 3, 4, 5], cross)
        ),
        Case("ends in the middle of an emoji", (ids("ok 🙂")[:-1] + smile[:2], tb)),
        Case("no ids", ([], tb)),
    ]
    mistakes = [
        Mistake(
            "Each token decoded on its own turns a part of a character into '\ufffd'"
            ": keep the bytes of an unfinished character and print it once its "
            "last byte has arrived.",
            _stream_alone("replace"),
            id="each-token-alone",
        ),
        Mistake(
            "When the ids end in the middle of a character, the bytes still waiting "
            "must come out too, as '\ufffd' added to the last piece.",
            _stream_no_flush,
            id="no-flush",
        ),
        Mistake(
            "errors='ignore' throws away the bytes of a character split across "
            "tokens: keep them until the character is complete instead.",
            _stream_alone("ignore"),
            id="ignore-drops",
        ),
        Mistake(
            "Return only the *new* text after each id, not everything so far: "
            "''.join(pieces) must be the text once.",
            _stream_prefix,
            id="whole-prefix",
        ),
        Mistake(
            "Print text as soon as its characters are complete, not all at the "
            "end: a chat interface shows the words while they arrive.",
            _stream_at_end,
            id="all-at-end",
        ),
        Mistake(
            "Each piece is one step late: a complete character belongs to the id "
            "whose bytes complete it.",
            _stream_late,
            id="one-late",
        ),
    ]
    run_checks(
        "check_stream_decode",
        candidate,
        _stream_reference,
        cases,
        mistakes,
        normalise=_as_pieces,
        generic_hint="Keep the bytes of an unfinished character in a buffer; after "
        "each id, print everything up to the last complete character.",
    )


# ------------------------------------------------------------------------------------
# ex-01-split: a pre-splitter with contractions in any case
# ------------------------------------------------------------------------------------


_CONTRACTIONS = r"'s|'t|'re|'ve|'m|'ll|'d"
_ALL_CAPS_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(
    _CONTRACTIONS, _CONTRACTIONS + "|" + _CONTRACTIONS.upper()
)
_NO_CONTRACTIONS_PATTERN = lib.GPT2_SPLIT_PATTERN.replace(_CONTRACTIONS + "|", "")


def _without(left_out):
    kept = "|".join(c for c in _CONTRACTIONS.split("|") if c != left_out)
    pattern = lib.GPT2_SPLIT_PATTERN.replace(_CONTRACTIONS, f"(?i:{kept})")
    return lambda text: regex.findall(pattern, text)


def _split_reference(text):
    return regex.findall(GPT2_ANY_CASE_PATTERN, text)


def check_split(candidate) -> None:
    """Check `candidate(text) -> chunks`: GPT-2's split, contractions in any case."""
    cases = [
        Case("lower case", ("it's what we'd do, isn't it",)),
        Case("shouting", ("HOW'S IT GOING? I'LL BE BACK",)),
        Case("mixed case", ("'Sup, they'Re here and we'VE won",)),
        Case(
            "all seven in capitals",
            ("I'M SURE IT'S WHAT YOU'VE SEEN: WE'RE FINE, DON'T SAY WE'LL, I'D",),
        ),
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
        *(
            Mistake(
                "Keep all seven contractions ('s 't 're 've 'm 'll 'd) inside the "
                f"(?i:...) group: {left_out!r} is missing, so it splits into "
                f'"\'" and {left_out[1:]!r}.',
                _without(left_out),
                id="contraction-missing",
            )
            for left_out in _CONTRACTIONS.split("|")
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
# ex-01-debug-train: a BPE trainer with two planted bugs, fixed
# ------------------------------------------------------------------------------------


def _train_reference(text, n_merges):
    return lib.train(text, 256 + n_merges, pattern=None).merges


def _train_variant(
    text, n_merges, *, tie="smallest", first=256, merge=True, how="left-to-right"
):
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
            ids = _merge_variant(ids, best, first + k, how)
    return merges


def _train_from_back_checked(text, n_merges):
    """Bug 2 half-fixed: still from the back, but checks the pair is still there."""
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = lib.count_pairs(ids)
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = 256 + k
        for i in reversed(range(len(ids) - 1)):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                ids[i : i + 2] = [256 + k]
    return merges


def _train_stop_at_one(text, n_merges):
    """Stops as soon as no pair occurs twice."""
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = lib.count_pairs(ids)
        if not counts or max(counts.values()) < 2:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = 256 + k
        ids = lib.merge_pair(ids, best, 256 + k)
    return merges


_TOO_FEW = (
    "Too few merges: make exactly n_merges of them, for k in range(n_merges) (not "
    "n_merges - 1), and merge the most frequent pair even when it occurs only once "
    "(a tie: the smallest pair). Stop early only when no pair is left at all."
)


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
            "When no pair is left, stop and return the merges made so far "
            "(break out of the loop), not an empty dict.",
            lambda text, n: {},
            id="empty-when-stopped",
            on=(_NO_PAIRS_LEFT,),
        ),
        Mistake(
            _TOO_FEW,
            lambda text, n: _train_reference(text, n - 1),
            id="too-few-merges",
        ),
        Mistake(
            _TOO_FEW,
            _train_stop_at_one,
            id="too-few-merges",
        ),
        Mistake(
            "Still merging from the back: in 'aaa' that joins the last two a's, "
            "[a, Z], where BPE joins the first two, [Z, a]. Scan from the left "
            "and, after a merge, jump over both ids (i += 2).",
            _train_from_back_checked,
            id="merge-from-back",
        ),
        Mistake(
            "Overlapping occurrences are merged wrongly: in 'aaa' the pair (a, a) "
            "sits at positions 0 and 1, and replacing both from the back swallows "
            "three bytes into one token of two. Scan from the left and, after a "
            "merge, jump over both ids (i += 2).",
            lambda text, n: _train_variant(text, n, how="from-the-back"),
            id="merge-overlap",
        ),
        Mistake(
            "Overlapping occurrences are merged wrongly: after merging ids[i] and "
            "ids[i + 1], jump over both (i += 2); 'aaa' becomes [Z, a].",
            lambda text, n: _train_variant(text, n, how="no-skip"),
            id="merge-overlap",
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
