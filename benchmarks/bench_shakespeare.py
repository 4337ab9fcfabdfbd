"""The Shakespeare GPT's training step: numpy against PyTorch, same model and batch.

Usage: python benchmarks/bench_shakespeare.py [--threads N] [--rounds K] [--profile]

One step = forward, backward, gradient clipping and AdamW on a batch of 16 windows
of 256 characters, for nanogpt_lib.shakespeare.MODEL_CONFIG (4 blocks, C = 128,
4 heads, tied head), timed in this one process for nanogpt_lib.train and for the
same model written in PyTorch (CPU, float32, eager: no torch.compile).

Both start from the same float32 weights and see the same batch; the script first
checks that their gradients agree. Then it alternates: one numpy step, one PyTorch
step, K rounds, so that a burst of load from other processes hits both sides alike.
It prints the median and the minimum of each side, the median of the per-round
ratios (numpy time / PyTorch time) with its quartiles, and the load average.
BLAS threads are fixed before numpy loads (default 2, as the course budget) and
torch.set_num_threads gets the same number. With more than one thread a third
row uses the cores the other way: train.loss_and_grads_parallel shares the batch
among that many threads, each running one BLAS thread.

--profile adds a table of where numpy's step spends its time, per operation
(each function of nanogpt_lib.train timed by a wrapper, median over the rounds).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--profile", action="store_true")
    return parser.parse_args(argv)


def numpy_step(cfg, params, x, y, workers: int = 1):
    """A closure running one numpy training step (weights and state carried along).

    workers > 1: the batch is shared among that many threads
    (train.loss_and_grads_parallel), each with one BLAS thread.
    """
    from nanogpt_lib import train as tr

    state = {"params": params, "adam": tr.adamw_init(params)}
    mask = tr.weight_decay_mask(params)

    def step() -> None:
        _, grads = tr.loss_and_grads_parallel(state["params"], x, y, cfg, workers)
        grads, _ = tr.clip_grad_norm(grads, 1.0)
        state["params"], state["adam"] = tr.adamw_step(
            state["params"], grads, state["adam"], lr=1e-4, decay_mask=mask
        )

    return step


def torch_model(torch, cfg, params):
    """The same GPT in PyTorch: leaf tensors by name and a loss function."""
    from nanogpt_lib.checkpoint import flatten_params

    F = torch.nn.functional
    C, H = cfg.n_embd, cfg.n_head
    leaves = {
        name: torch.tensor(value, requires_grad=True)
        for name, value in flatten_params(params).items()
    }

    def norm(z, name):
        w, b = leaves[f"{name}.weight"], leaves.get(f"{name}.bias")
        return F.layer_norm(z, (C,), w, b, 1e-5)

    def affine(z, name):
        z = z @ leaves[f"{name}.weight"]
        b = leaves.get(f"{name}.bias")
        return z if b is None else z + b

    def loss_fn(ids, tgt):
        B, T = ids.shape
        z = leaves["wte"][ids] + leaves["wpe"][:T]
        for i in range(cfg.n_layer):
            qkv = affine(norm(z, f"h.{i}.ln_1"), f"h.{i}.attn.c_attn")
            q, k, v = (
                t.view(B, T, H, C // H).transpose(1, 2) for t in qkv.split(C, dim=-1)
            )
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            a = a.transpose(1, 2).reshape(B, T, C)  # (B, H, T, D) -> (B, T, C)
            z = z + affine(a, f"h.{i}.attn.c_proj")
            hidden = affine(norm(z, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc")
            z = z + affine(F.gelu(hidden, approximate="tanh"), f"h.{i}.mlp.c_proj")
        head = leaves["wte"] if cfg.tied_head else leaves["lm_head"]
        logits = norm(z, "ln_f") @ head.T
        return F.cross_entropy(
            logits.reshape(-1, cfg.vocab_size), tgt.reshape(-1), ignore_index=-1
        )

    return leaves, loss_fn


def torch_step(torch, cfg, params, x, y):
    """A closure running one PyTorch training step: the same recipe as numpy_step."""
    leaves, loss_fn = torch_model(torch, cfg, params)
    decay = [
        t
        for name, t in leaves.items()
        if name == "lm_head" or (name.endswith(".weight") and ".c_" in name)
    ]
    rest = [t for t in leaves.values() if all(t is not d for d in decay)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0}],
        lr=1e-4,
        betas=(0.9, 0.95),
    )
    ids, tgt = torch.tensor(x), torch.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(ids, tgt).backward()
        torch.nn.utils.clip_grad_norm_(list(leaves.values()), 1.0)
        opt.step()

    return step


def check_same_gradients(torch, cfg, params, x, y) -> float:
    """Largest |numpy - PyTorch| gradient difference over the largest gradient."""
    import numpy as np

    from nanogpt_lib import train as tr
    from nanogpt_lib.checkpoint import flatten_params

    _, grads = tr.loss_and_grads(params, x, y, cfg)
    leaves, loss_fn = torch_model(torch, cfg, params)
    loss_fn(torch.tensor(x), torch.tensor(y)).backward()
    ours = flatten_params(grads)
    assert {g.dtype for g in ours.values()} == {np.dtype(np.float32)}
    gap = max(float(np.abs(g - leaves[n].grad.numpy()).max()) for n, g in ours.items())
    top = max(float(np.abs(g).max()) for g in ours.values())
    return gap / top


def profile_wrappers(times: dict, calls: dict):
    """Wrap nanogpt_lib.train's operations: each call adds to times and calls."""
    from nanogpt_lib import train as tr

    names = [
        "linear_forward",
        "linear_backward",
        "layer_norm_forward",
        "layer_norm_backward",
        "gelu_forward",
        "gelu_backward",
        "attention_forward",
        "attention_backward",
        "cross_entropy",
        "clip_grad_norm",
        "adamw_step",
    ]

    def wrap(name, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            result = fn(*args, **kwargs)
            times[name] = times.get(name, 0.0) + time.perf_counter() - start
            calls[name] = calls.get(name, 0) + 1
            return result

        return timed

    for name in names:
        setattr(tr, name, wrap(name, getattr(tr, name)))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    from nanogpt_lib import shakespeare
    from nanogpt_lib import train as tr
    from nanogpt_lib.gpt import init_params

    cfg = shakespeare.MODEL_CONFIG
    rng = np.random.default_rng(0)
    params = init_params(cfg, rng=rng)
    data = rng.integers(0, cfg.vocab_size, size=100_000)
    x, y = tr.sample_windows(rng, data, args.batch, cfg.block_size)
    try:
        import torch
    except ImportError:
        torch = None
    load_start = os.getloadavg()[0]
    print(
        f"numpy {np.__version__}, {args.threads} BLAS thread(s); "
        + (
            "torch missing"
            if torch is None
            else f"torch {torch.__version__}, {args.threads} thread(s)"
        )
    )
    print(f"batch {args.batch} x {cfg.block_size}, {cfg}")
    steps = {"numpy": numpy_step(cfg, params, x, y)}
    if args.threads > 1 and not args.profile:
        steps["numpy-parallel"] = numpy_step(cfg, params, x, y, args.threads)
    if torch is not None:
        torch.set_num_threads(args.threads)
        gap = check_same_gradients(torch, cfg, params, x, y)
        print(f"gradients: max |numpy - PyTorch| / max |gradient| = {gap:.1e}")
        steps["PyTorch"] = torch_step(torch, cfg, params, x, y)
    for step in steps.values():
        for _ in range(args.warmup):
            step()
    op_times: dict = {}
    op_calls: dict = {}
    per_round: list[dict] = []
    if args.profile:
        profile_wrappers(op_times, op_calls)
    times: dict = {name: [] for name in steps}
    for _ in range(args.rounds):
        before = dict(op_times)
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
        per_round.append({k: v - before.get(k, 0.0) for k, v in op_times.items()})
    load_end = os.getloadavg()[0]
    print(
        f"load average {load_start:.1f} at start, {load_end:.1f} at end; "
        f"{args.rounds} rounds, the implementations alternating\n"
    )
    labels = {
        "numpy": f"numpy (nanogpt_lib.train), {args.threads} BLAS thread(s)",
        "numpy-parallel": f"numpy, batch shared by {args.threads} threads "
        "(loss_and_grads_parallel), 1 BLAS thread each",
        "PyTorch": f"PyTorch, CPU, eager, {args.threads} thread(s)",
    }
    print(
        "| implementation | median ms | min ms | time / PyTorch's: median of "
        "rounds (quartiles); ratio of minimums |"
    )
    print("|---|---:|---:|---|")
    for name, values in times.items():
        ms = 1000 * np.asarray(values)
        if "PyTorch" in times:
            ratios = np.asarray(values) / np.asarray(times["PyTorch"])
            q1, q2, q3 = np.percentile(ratios, [25, 50, 75])
            best = min(values) / min(times["PyTorch"])
            summary = f"{q2:.2f} ({q1:.2f}-{q3:.2f}); {best:.2f}"
        else:
            summary = "torch missing"
        print(f"| {labels[name]} | {np.median(ms):.0f} | {ms.min():.0f} | {summary} |")
    if args.profile:
        total = float(np.median(times["numpy"]))
        print(
            "\nWhere numpy's step goes (median per round; ms and share of the "
            "median step):\n"
        )
        print("| operation | calls per step | ms | share |")
        print("|---|---:|---:|---:|")
        counted = 0.0
        rows = []
        for name in op_times:
            ms = float(np.median([r.get(name, 0.0) for r in per_round]))
            rows.append((ms, name))
        for ms, name in sorted(rows, reverse=True):
            counted += ms
            n = op_calls[name] // args.rounds
            print(f"| {name} | {n} | {1000 * ms:.1f} | {100 * ms / total:.0f}% |")
        print(
            f"| everything else | - | {1000 * (total - counted):.1f} | "
            f"{100 * (total - counted) / total:.0f}% |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
