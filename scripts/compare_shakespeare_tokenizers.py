"""Characters or byte-level BPE for the Shakespeare GPT? Measure both, same budget.

Usage: python scripts/compare_shakespeare_tokenizers.py [--steps N] [--vocab V]

Trains the same GPT shape (4 blocks, C = 128, 4 heads, a context of 128 tokens,
batch 16) for the same number of steps on the training plays, once on characters
and once on chapter 01's byte-level BPE trained on the training plays, and reports
the held-out loss in nats per *character* (a BPE token's loss is spread over the
characters it covers), so the two are comparable. The result is quoted in
chapter 09 and in nanogpt_lib.shakespeare's docstring.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nanogpt_lib import shakespeare
from nanogpt_lib.gpt import GPTConfig
from nanogpt_lib.tokenizer import CharTokenizer, train
from nanogpt_lib.train import stream_loss, train_language_model


def run(name, ids_train, ids_held, vocab, steps, held_chars_per_token):
    cfg = GPTConfig(vocab, 128, 4, 4, 128)
    start = time.perf_counter()
    params, _ = train_language_model(
        cfg,
        ids_train,
        seed=0,
        steps=steps,
        batch_size=16,
        max_lr=2e-3,
        min_lr=2e-4,
        warmup=100,
    )
    loss, count = stream_loss(params, cfg, ids_held)
    per_char = loss / held_chars_per_token
    print(
        f"{name:>10}: V = {vocab:4d}, {held_chars_per_token:.2f} chars/token, "
        f"held-out {loss:.3f} nats/token = {per_char:.3f} nats/char "
        f"({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    return per_char


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--vocab", type=int, default=512)
    args = parser.parse_args()
    train_text = shakespeare.training_text()
    held_text = shakespeare.held_out_text()

    chars = CharTokenizer.from_text(train_text)
    run(
        "characters",
        np.array(chars.encode(train_text), np.uint8),
        np.array(chars.encode(held_text), np.uint8),
        chars.vocab_size,
        args.steps,
        1.0,
    )

    start = time.perf_counter()
    bpe = train(train_text[:1_000_000], args.vocab)
    print(
        f"BPE with {args.vocab} ids trained on 1 MB in "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )
    tr = np.array(bpe.encode(train_text), np.int32)
    held = np.array(bpe.encode(held_text), np.int32)
    assert bpe.decode(held.tolist()) == held_text
    run("BPE", tr, held, args.vocab, args.steps, len(held_text) / held.size)


if __name__ == "__main__":
    main()
