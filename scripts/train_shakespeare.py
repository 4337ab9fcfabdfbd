"""Train the book's Shakespeare GPT from a seed and write its shipped weights.

Usage: python scripts/train_shakespeare.py [--steps N] [--out PATH] [--workers W]

Default output: nanogpt_lib/data/shakespeare_char.npz.

A character-level GPT (nanogpt_lib.shakespeare.MODEL_CONFIG) trained with the book's
own numpy backprop and AdamW (nanogpt_lib.train.train_language_model) on the 35
training plays only. Prints the loss curve (training loss, held-out nats per
character), the held-out loss on all three held-out plays, three samples and the
file's sha256, which goes into nanogpt_lib.shakespeare.MODEL_SHA256.
--workers (default 2) splits each batch between that many threads, each with one
BLAS thread (nanogpt_lib.train.loss_and_grads_parallel): the same gradients up to
rounding, faster on 2 cores than one process with two BLAS threads.
Estimated at about 20-25 minutes on 2 cores (see benchmarks/README.md); the result
depends on the BLAS kernel only through float rounding, so the same seed gives a model
of the same quality everywhere.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nanogpt_lib import shakespeare
from nanogpt_lib.tokenizer import CharTokenizer
from nanogpt_lib.train import stream_loss, train_language_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=shakespeare.TRAINING["steps"])
    parser.add_argument("--out", default=str(shakespeare.MODEL_PATH))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    train_text = shakespeare.training_text()
    held_text = shakespeare.held_out_text()
    tokenizer = CharTokenizer.from_text(train_text)
    cfg = shakespeare.MODEL_CONFIG
    assert tokenizer.vocab_size == cfg.vocab_size, tokenizer.vocab_size
    train_ids = np.array(tokenizer.encode(train_text), dtype=np.uint8)
    held_ids = np.array(tokenizer.encode(held_text), dtype=np.uint8)
    settings = dict(shakespeare.TRAINING, steps=args.steps)
    print(f"config {cfg}")
    print(f"training {settings}")
    print(f"{train_ids.size:,} training characters, {held_ids.size:,} held out")
    start = time.perf_counter()

    def report(step, params, history):
        recent = float(np.mean(history["loss"][-50:]))
        print(
            f"step {step:5d}  train {recent:.3f}  held-out "
            f"{history['eval_loss'][-1]:.3f} nats/char  lr {history['lr'][-1]:.2e}  "
            f"{time.perf_counter() - start:6.0f} s",
            flush=True,
        )

    params, history = train_language_model(
        cfg,
        train_ids,
        eval_data=held_ids,
        eval_every=250,
        eval_tokens=20_000,
        callback=report,
        workers=args.workers,
        **settings,
    )
    minutes = (time.perf_counter() - start) / 60
    full, count = stream_loss(params, cfg, held_ids)
    print(
        f"trained in {minutes:.1f} min; held-out loss {full:.4f} nats/char "
        f"over {count:,} predictions (all three held-out plays)"
    )
    rng = np.random.default_rng(1)
    for prompt in ("ROMEO:\n", "KING HENRY:\nO", "\n\nFIRST CITIZEN:\n"):
        text = shakespeare.generate_text(
            cfg, params, tokenizer, prompt, 300, temperature=0.8, rng=rng
        )
        print(f"--- sample, T = 0.8, prompt {prompt!r}\n{prompt}{text}")
    digest = shakespeare.save_model(args.out, cfg, params, tokenizer)
    np.save(
        args.out.replace(".npz", "_history.npy"),
        np.stack([history["loss"], history["lr"]]).astype(np.float32),
        allow_pickle=False,
    )
    print(f"wrote {args.out}\nsha256 {digest}")


if __name__ == "__main__":
    main()
