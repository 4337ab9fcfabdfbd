"""How long training the nano-gpt sorter takes, and its loss curve.

Usage: python benchmarks/bench_train.py [--threads N] [--seeds K] [--png PATH]

Prints three markdown tables measured in this one process:
1. wall time to sort all 729 inputs, for seeds 0..K-1 (seed 0 is the shipped one);
2. the loss curve of seed 0 at its checkpoints (loss = mean of the last 25 steps);
3. one training step (forward, backward, clipping, AdamW; batch 64) in numpy
   against the same step in PyTorch on CPU: median and mean, and the ratio of
   medians (the PyTorch row is left out without torch).
BLAS threads are fixed before numpy loads (default 2, as the course budget).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS/torch threads")
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds to time")
    parser.add_argument("--png", type=Path, default=None, help="save the loss curve")
    return parser.parse_args(argv)


def torch_step_seconds(cfg, params, x, y, threads: int, repeats: int):
    """(median, mean) time of one training step of the same model in PyTorch (CPU)."""
    try:
        import torch
    except ImportError:
        return None
    from nanogpt_lib.checkpoint import flatten_params

    torch.set_num_threads(threads)
    F = torch.nn.functional
    C, H, T = cfg.n_embd, cfg.n_head, x.shape[1]
    leaves = {
        k: torch.tensor(v, requires_grad=True)
        for k, v in flatten_params(params).items()
    }
    decay = [
        t
        for k, t in leaves.items()
        if k == "lm_head" or (k.endswith(".weight") and ("c_" in k))
    ]
    rest = [t for t in leaves.values() if all(t is not d for d in decay)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0}],
        lr=5e-4,
        betas=(0.9, 0.95),
    )
    ids, tgt = torch.tensor(x), torch.tensor(y)

    def ln(z, name):
        return F.layer_norm(z, (C,), leaves[f"{name}.weight"], leaves[f"{name}.bias"])

    def lin(z, name):
        return z @ leaves[f"{name}.weight"] + leaves[f"{name}.bias"]

    def step() -> None:
        z = leaves["wte"][ids] + leaves["wpe"][:T]
        for i in range(cfg.n_layer):
            q, k, v = lin(ln(z, f"h.{i}.ln_1"), f"h.{i}.attn.c_attn").split(C, dim=-1)
            q, k, v = (t.view(-1, T, H, C // H).transpose(1, 2) for t in (q, k, v))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            a = a.transpose(1, 2).reshape(-1, T, C)  # (B, H, T, D) -> (B, T, C)
            z = z + lin(a, f"h.{i}.attn.c_proj")
            hid = F.gelu(
                lin(ln(z, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc"), approximate="tanh"
            )
            z = z + lin(hid, f"h.{i}.mlp.c_proj")
        head = leaves["wte"] if cfg.tied_head else leaves["lm_head"]
        logits = ln(z, "ln_f") @ head.T
        loss = F.cross_entropy(
            logits.reshape(-1, cfg.vocab_size), tgt.reshape(-1), ignore_index=-1
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(leaves.values()), 1.0)
        opt.step()

    for _ in range(5):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2], sum(times) / len(times)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np

    from nanogpt_lib import gpt
    from nanogpt_lib import train as tr

    cfg = gpt.get_config("nano-sorter")
    load = os.getloadavg()[0]
    print(f"{args.threads} BLAS thread(s); load average at start {load:.1f}\n")

    print("| seed | steps to stop | wall time (s) | ms per step, checks included |")
    print("|---:|---:|---:|---:|")
    histories = {}
    for seed in range(args.seeds):
        start = time.perf_counter()
        _, history = tr.train_sorter(cfg, seed=seed)
        seconds = time.perf_counter() - start
        steps = int(history["eval_step"][-1])
        correct = int(history["train_correct"][-1] + history["held_out_correct"])
        print(f"<!-- seed {seed}: {correct}/729 sorted when training stopped -->")
        histories[seed] = history
        print(f"| {seed} | {steps} | {seconds:.1f} | {1000 * seconds / steps:.1f} |")

    history = histories[0]
    loss = history["loss"]
    print("\nLoss curve of seed 0 (the shipped weights)\n")
    print("| step | loss (mean of last 25 steps) | train sorted /547 |")
    print("|---:|---:|---:|")
    for step, n_train in zip(
        history["eval_step"], history["train_correct"], strict=True
    ):
        window = loss[max(0, step - 25) : step]
        print(f"| {step} | {window.mean():.4f} | {n_train} |")
    print(f"\nHeld out, once after training: {history['held_out_correct']}/182")

    rng = np.random.default_rng(0)
    params = gpt.init_params(cfg, rng=rng)
    state = tr.adamw_init(params)
    x, y = tr.sample_sort_batch(rng, 64)
    times = []
    for i in range(45):
        start = time.perf_counter()
        _, grads = tr.loss_and_grads(params, x, y, cfg)
        grads, _ = tr.clip_grad_norm(grads, 1.0)
        params, state = tr.adamw_step(params, grads, state, lr=5e-4)
        if i >= 5:
            times.append(time.perf_counter() - start)
    ours = sorted(times)[len(times) // 2], sum(times) / len(times)
    theirs = torch_step_seconds(
        cfg, gpt.init_params(cfg, rng=rng), x, y, args.threads, 40
    )
    print("\nOne training step, batch 64 (40 repeats)\n")
    print("| implementation | median ms | mean ms | median ratio to PyTorch |")
    print("|---|---:|---:|---:|")
    ratio = "torch missing" if theirs is None else f"{ours[0] / theirs[0]:.2f}"
    print(
        f"| numpy (nanogpt_lib.train) | {1000 * ours[0]:.1f} | {1000 * ours[1]:.1f} "
        f"| {ratio} |"
    )
    if theirs is not None:
        print(
            f"| PyTorch {args.threads} thread(s), CPU | {1000 * theirs[0]:.1f} "
            f"| {1000 * theirs[1]:.1f} | 1.00 |"
        )

    if args.png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        steps = np.arange(1, len(loss) + 1)
        ax.plot(steps, loss, color="black", lw=1.2, label="loss (per step)")
        ax.set_yscale("log")
        ax.set_xlabel("training step (batch of 64)")
        ax.set_ylabel("cross-entropy (nats)")
        right = ax.twinx()
        sorted_all = history["train_correct"]
        right.plot(
            history["eval_step"],
            sorted_all,
            "s--",
            color="tab:blue",
            label="training inputs sorted (greedy)",
        )
        right.set_ylim(0, 570)
        right.set_ylabel("training inputs sorted (of 547)", color="tab:blue")
        ax.set_title("nano-gpt sorter, seed 0: until 547/547 at two checks in a row")
        lines = ax.get_lines() + right.get_lines()
        ax.legend(lines, [line.get_label() for line in lines], loc="lower left")
        fig.tight_layout()
        fig.savefig(args.png, dpi=120)
        print(f"\nsaved {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
