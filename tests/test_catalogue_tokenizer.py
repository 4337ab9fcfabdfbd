"""Chapter 01: realistic wrong answers for each checker, and equivalent right ones."""

import codecs
import functools
from collections import Counter

import regex
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.checks.tokenizer import (
    check_first_two_merges,
    check_split,
    check_stream_decode,
    check_token_counts,
    check_train,
)
from nanogpt_lib.shakespeare import training_text
from nanogpt_lib.tokenizer import (
    GPT2_SPLIT_PATTERN,
    GPT4_SPLIT_PATTERN,
    load_cl100k,
    train,
)

# ------------------------------------------------------------------ by hand


def tokens(*pieces):
    return lambda: list(pieces)


# ------------------------------------------------------------------ debug: train


def merge_left(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def merge_from_back(ids, pair, new_id):  # the planted bug
    hits = [i for i in range(len(ids) - 1) if (ids[i], ids[i + 1]) == pair]
    out = list(ids)
    for i in reversed(hits):
        out[i : i + 2] = [new_id]
    return out


def merge_no_skip(ids, pair, new_id):
    out = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
        elif not (i > 0 and (ids[i - 1], ids[i]) == pair):
            out.append(ids[i])
    return out


def train_with(merge=merge_left, stop=True, pick="smallest", first=256):
    def fn(text, n_merges):
        ids, merges = list(text.encode("utf-8")), {}
        for k in range(n_merges):
            counts = Counter(zip(ids, ids[1:], strict=False))
            if stop and not counts:
                break
            if pick == "smallest":
                best = min(counts, key=lambda p: (-counts[p], p))
            else:
                best = max(counts, key=counts.get)
            merges[best] = first + k
            ids = merge(ids, best, first + k)
        return merges

    return fn


def train_stop_at_one(text, n_merges):  # stops once no pair occurs twice
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = Counter(zip(ids, ids[1:], strict=False))
        if not counts or max(counts.values()) == 1:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = 256 + k
        ids = merge_left(ids, best, 256 + k)
    return merges


def train_empty_when_stopped(text, n_merges):  # `return {}` where `break` belongs
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = Counter(zip(ids, ids[1:], strict=False))
        if not counts:
            return {}
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = 256 + k
        ids = merge_left(ids, best, 256 + k)
    return merges


def train_back_checked(text, n_merges):  # bug 2 half-fixed: still from the back
    ids, merges = list(text.encode("utf-8")), {}
    for k in range(n_merges):
        counts = Counter(zip(ids, ids[1:], strict=False))
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = 256 + k
        for i in range(len(ids) - 2, -1, -1):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                ids[i : i + 2] = [256 + k]
    return merges


def train_while(text, n_merges):  # equivalent: a while loop, a tuple of ids
    ids, merges = tuple(text.encode()), {}
    while len(merges) < n_merges and len(ids) > 1:
        counts = Counter(zip(ids, ids[1:], strict=False))
        top = max(counts.values())
        best = min(p for p, c in counts.items() if c == top)
        merges[best] = 256 + len(merges)
        ids = tuple(merge_left(list(ids), best, merges[best]))
    return merges


# ------------------------------------------------------------------ predict: counts


@functools.cache
def tokenizers():
    ours = train(training_text()[:20_000], vocab_size=300)
    return {"ours": ours, "cl100k": load_cl100k()}


@functools.cache
def gpt2_split_twin():
    return train(training_text()[:20_000], vocab_size=300, pattern=GPT2_SPLIT_PATTERN)


def count_with(how, keys=("ours", "cl100k")):
    def fn(line):
        toks = tokenizers()
        return {
            key: how(toks[other].encode(line), line)
            for key, other in zip(("ours", "cl100k"), keys, strict=True)
        }

    return fn


def check_counts(fn):
    check_token_counts(fn, tokenizers=tokenizers())


check_counts.__name__ = "check_token_counts"


# ------------------------------------------------------------------ extend: stream


def stream_buffer(ids, token_bytes):
    pieces, pending = [], b""
    for i in ids:
        pending += token_bytes(i)
        try:
            text, pending = pending.decode("utf-8"), b""
        except UnicodeDecodeError as err:
            text, pending = pending[: err.start].decode("utf-8"), pending[err.start :]
        pieces.append(text)
    if pending:
        pieces[-1] += pending.decode("utf-8", errors="replace")
    return pieces


def stream_incremental(ids, token_bytes, final=True):
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pieces = [decoder.decode(token_bytes(i)) for i in ids]
    if pieces and final:
        pieces[-1] += decoder.decode(b"", final=True)
    return pieces


def stream_lead_bytes(ids, token_bytes):  # equivalent: count continuation bytes
    pieces, pending = [], b""
    for i in ids:
        pending += token_bytes(i)
        cut = len(pending)
        for back in range(1, min(4, len(pending)) + 1):
            byte = pending[-back]
            if byte >> 6 == 0b10:
                continue
            need = (
                4 if byte >= 0xF0 else 3 if byte >= 0xE0 else 2 if byte >= 0xC0 else 1
            )
            if need > back:
                cut = len(pending) - back
            break
        pieces.append(pending[:cut].decode("utf-8", errors="replace"))
        pending = pending[cut:]
    if pending:
        pieces[-1] += pending.decode("utf-8", errors="replace")
    return pieces


def stream_alone(errors):
    return lambda ids, tb: [tb(i).decode("utf-8", errors=errors) for i in ids]


def stream_prefix(ids, token_bytes):
    out, seen = [], b""
    for i in ids:
        seen += token_bytes(i)
        out.append(seen.decode("utf-8", errors="replace"))
    return out


def stream_at_end(ids, token_bytes):
    text = b"".join(token_bytes(i) for i in ids).decode("utf-8", errors="replace")
    return [""] * (len(ids) - 1) + [text] if ids else []


# ------------------------------------------------------------------ split

CONTRACTIONS = r"'s|'t|'re|'ve|'m|'ll|'d"


def split_with(pattern, prepare=lambda text: text):
    return lambda text: regex.findall(pattern, prepare(text))


ANY_CASE = GPT2_SPLIT_PATTERN.replace(CONTRACTIONS, f"(?i:{CONTRACTIONS})")


CATALOGUE = {
    check_first_two_merges: [
        Wrong(
            "pairs counted without overlap",
            tokens("bo", "o "),
            "non-overlapping-count",
            "overlapping",
        ),
        Wrong("counted once", tokens("oo", "bo"), "no-recount", "Recount"),
        Wrong("largest pair on the tie", tokens("oo", "ooo"), "tie-not-smallest", "32"),
        Wrong(
            "merged from the back",
            tokens("oo", "oo "),
            "merge-overlap",
            "from the left",
        ),
        Wrong("order reversed", tokens(" b", "oo"), "order", "order"),
        Wrong(
            "pairs of ids",
            lambda: [(111, 111), (32, 98)],
            "wrong-kind",
            "text it stands for",
        ),
        Wrong("three merges", tokens("oo", " b", "oo "), "wrong-kind", "first two"),
        Wrong("a guess", tokens("oo", "e"), None),
    ],
    check_train: [
        Wrong(
            "as given (both bugs)",
            train_with(merge_from_back, stop=False),
            "merge-overlap",
            "from the left",
        ),  # fmt: skip
        Wrong("overlap bug only", train_with(merge_from_back), "merge-overlap", "aaa"),
        Wrong("no skip", train_with(merge_no_skip), "merge-overlap", "i \\+= 2"),
        Wrong("no early stop", train_with(stop=False), "no-early-stop", "Stop early"),
        Wrong("tie first seen", train_with(pick="first"), "tie-first-seen", "smallest"),
        Wrong("ids from 257", train_with(first=257), "id-offset", "256"),
        Wrong(
            "list of pairs",
            lambda text, n: list(train_while(text, n)),
            "wrong-kind",
            "dict",
        ),
        Wrong("one merge", lambda text, n: train_while(text, 1), None),
        Wrong("range(n - 1)", lambda t, n: train_while(t, n - 1), "too-few-merges"),
        Wrong("stops when no pair repeats", train_stop_at_one, "too-few-merges"),
        Wrong(
            "{} when pairs run out",
            train_empty_when_stopped,
            "empty-when-stopped",
            "merges made so far",
        ),
        Wrong("from the back, checked", train_back_checked, "merge-from-back", "left"),
    ],
    check_counts: [
        Wrong(
            "characters",
            count_with(lambda ids, line: len(line)),
            "characters",
            "characters",
        ),  # fmt: skip
        Wrong(
            "bytes",
            count_with(lambda ids, line: len(line.encode())),
            "bytes",
            "UTF-8 bytes",
        ),
        Wrong(
            "words", count_with(lambda ids, line: len(line.split())), "words", "words"
        ),  # fmt: skip
        Wrong(
            "swapped",
            count_with(lambda ids, line: len(ids), keys=("cl100k", "ours")),
            "swapped",
            "swapped",
        ),
        Wrong(
            "distinct ids",
            count_with(lambda ids, line: len(set(ids))),
            "distinct",
            "set",
        ),
        Wrong(
            "plus one",
            count_with(lambda ids, line: len(ids) + 1),
            "plus-one",
            "end-of-text",
        ),  # fmt: skip
        Wrong("the ids", count_with(lambda ids, line: ids), "wrong-kind", "an int"),
        Wrong("only ours", lambda line: {"ours": 1}, "wrong-kind", "cl100k"),
        Wrong("minus one", count_with(lambda ids, line: len(ids) - 1), None),
        Wrong(
            "the GPT-2-split twin",
            lambda line: {
                "ours": len(gpt2_split_twin().encode(line)),
                "cl100k": len(tokenizers()["cl100k"].encode(line)),
            },
            None,
        ),
    ],
    check_stream_decode: [
        Wrong("each alone", stream_alone("replace"), "each-token-alone", "unfinished"),
        Wrong("ignore", stream_alone("ignore"), "ignore-drops", "ignore"),
        Wrong(
            "no flush",
            lambda ids, tb: stream_incremental(ids, tb, final=False),
            "no-flush",
            "end in the middle",
        ),
        Wrong("whole prefix", stream_prefix, "whole-prefix", "new"),
        Wrong("all at the end", stream_at_end, "all-at-end", "as soon as"),
        Wrong(
            "one string",
            lambda ids, tb: "".join(stream_buffer(ids, tb)),
            "wrong-kind",
            "one string per id",
        ),
        Wrong(
            "one step late",
            lambda ids, tb: ([""] + stream_buffer(ids, tb)[:-1]) if ids else [],
            "one-late",
            "late",
        ),
        Wrong(
            "one step early",
            lambda ids, tb: (stream_buffer(ids, tb)[1:] + [""]) if ids else [],
            None,
        ),
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
        Wrong(
            "'m left out",
            split_with(ANY_CASE.replace("'ve|'m|", "'ve|")),
            "contraction-missing",
            "all seven",
        ),
    ],
}

EQUIVALENT = {
    check_first_two_merges: [tokens("oo", " b"), lambda: (b"oo", b" b")],
    check_train: [train_with(), train_while],
    check_counts: [
        count_with(lambda ids, line: len(ids)),
        count_with(lambda ids, line: sum(1 for _ in ids)),
    ],
    check_stream_decode: [stream_buffer, stream_incremental, stream_lead_bytes],
    check_split: [split_with(ANY_CASE), split_with("(?i)" + GPT2_SPLIT_PATTERN)],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
