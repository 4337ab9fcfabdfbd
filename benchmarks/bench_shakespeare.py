"""The Shakespeare GPT's training step: numpy against PyTorch, same model and batch.

Usage: python benchmarks/bench_shakespeare.py [--threads N] [--repeats K]

One step = forward, backward, gradient clipping and AdamW on a batch of 16 windows
of 256 characters, for nanogpt_lib.shakespeare.MODEL_CONFIG (4 blocks, C = 128,
tied head), timed in this one process for nanogpt_lib.train and for the same model
written in PyTorch (CPU). Prints a markdown table with medians and their ratio.
BLAS threads are fixed before numpy loads (default 2, as the course budget).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np
    from bench_train import torch_step_seconds

    from nanogpt_lib import shakespeare
    from nanogpt_lib import train as tr
    from nanogpt_lib.gpt import init_params

    cfg = shakespeare.MODEL_CONFIG
    rng = np.random.default_rng(0)
    params = init_params(cfg, rng=rng)
    data = rng.integers(0, cfg.vocab_size, size=100_000)
    x, y = tr.sample_windows(rng, data, 16, cfg.block_size)
    state = tr.adamw_init(params)
    times = []
    for i in range(args.repeats + 3):
        start = time.perf_counter()
        _, grads = tr.loss_and_grads(params, x, y, cfg)
        grads, _ = tr.clip_grad_norm(grads, 1.0)
        params, state = tr.adamw_step(params, grads, state, lr=1e-3)
        if i >= 3:
            times.append(time.perf_counter() - start)
    ours = sorted(times)[len(times) // 2]
    theirs = torch_step_seconds(
        cfg, init_params(cfg, rng=rng), x, y, args.threads, args.repeats
    )
    print(f"{args.threads} BLAS thread(s); load average {os.getloadavg()[0]:.1f}")
    print("\n| implementation | median ms per step | numpy time / PyTorch time |")
    print("|---|---:|---:|")
    ratio = "torch missing" if theirs is None else f"{ours / theirs[0]:.2f}"
    print(f"| numpy (nanogpt_lib.train) | {1000 * ours:.0f} | {ratio} |")
    if theirs is not None:
        print(f"| PyTorch, CPU | {1000 * theirs[0]:.0f} | 1.00 |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
