"""Train the nano-gpt sorter from its fixed seed and write the shipped weights.

Usage: python scripts/train_sorter.py [--out PATH] [--seed N] [--threads N]

Trains preset "nano-sorter" with nanogpt_lib.train.train_sorter (minGPT's demo
settings) until greedy decoding sorts all 547 training inputs at two checks in a
row (the held-out 182 are measured once, after training), checks that the model
sorts all 729 inputs, writes the weights as a byte-reproducible .npz (default:
nanogpt_lib/data/nano_sorter.npz) and prints its sha256 next to the one pinned in
nanogpt_lib/sorter.py.
OpenBLAS sums in a different order with another thread count or CPU kernel, so the
bits and the stopping step (not the accuracy) depend on both: the shipped file was
made with --threads 2 and OPENBLAS_CORETYPE=Haswell, by nanogpt_lib.train as it was
before its 2026-12-01 speed-up (which rounds differently, so this script no longer
rebuilds those bits; see benchmarks/README.md). The book never retrains it;
chapter A1 trains its own copy and asserts only what holds on every machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="where to write")
    parser.add_argument("--seed", type=int, default=None, help="training seed")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # BLAS reads its thread count once, when numpy is first imported.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np

    from nanogpt_lib import sorter, train
    from nanogpt_lib.gpt import generate, get_config

    out_path = sorter.WEIGHTS_PATH if args.out is None else args.out
    seed = sorter.TRAINING_SEED if args.seed is None else args.seed
    print(f"seed {seed}, {args.threads} BLAS thread(s)")

    cfg = get_config("nano-sorter")
    start = time.perf_counter()
    params, history = train.train_sorter(cfg, seed=seed)
    seconds = time.perf_counter() - start
    steps = int(history["eval_step"][-1])
    print(f"trained {steps} steps in {seconds:.1f} s")
    print("step  loss    train/547")
    for step, n_train in zip(
        history["eval_step"], history["train_correct"], strict=True
    ):
        loss = history["loss"][step - 1]
        print(f"{int(step):4d}  {loss:.4f}  {int(n_train):9d}")
    print(f"held out, measured once after training: {history['held_out_correct']}/182")

    inputs = train.all_sort_inputs()
    out = generate(params, inputs, cfg, train.SORT_LENGTH)[:, train.SORT_LENGTH :]
    greedy = int((out == np.sort(inputs, axis=1)).all(axis=1).sum())
    print(f"greedy decoding with the KV cache sorts {greedy}/729")
    if greedy != len(inputs):
        print("not saving: the model does not sort every input")
        return 1

    out_path.parent.mkdir(parents=True, exist_ok=True)
    digest = sorter.save_sorter(out_path, params)
    print(f"wrote {out_path} ({out_path.stat().st_size} bytes)")
    print(f"sha256 {digest}")
    if digest == sorter.WEIGHTS_SHA256:
        print("matches WEIGHTS_SHA256 pinned in nanogpt_lib/sorter.py")
    else:
        print("differs from WEIGHTS_SHA256 in nanogpt_lib/sorter.py: update the pin")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
