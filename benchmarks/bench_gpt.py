"""Benchmark: our numpy GPT against Hugging Face transformers (PyTorch), on CPU.

A GPT-2-small-shaped model (124M parameters) with random weights, nothing
downloaded; both implementations get the same weights and run in this process:

- prefill: one forward pass over 128 and 512 tokens (all logits, as both return);
- generation: 64 greedy tokens after a 16-token prompt, with the KV cache
  (ours: gpt.generate; HF: model.generate(do_sample=False, use_cache=True));
- peak memory of each, as the growth of the resident set during the call
  (VmHWM after resetting it through /proc/self/clear_refs), plus numpy's own
  peak from tracemalloc;
- the memory-bandwidth bound: generating one token must read every weight
  once (wpe excepted), so tokens/s <= bandwidth / weight bytes. Bandwidth is
  measured as large numpy copies (bytes read + bytes written) and as BLAS
  matrix-vector products over one large matrix (bytes read, the same kind of
  traffic as generating a token); the last is the bound the target refers to,
  and it is also measured alternating with single decoding steps, because this
  machine's bandwidth drifts within seconds.

Run:  python benchmarks/bench_gpt.py      (about 1-2 minutes on 2 cores)
"""

from __future__ import annotations

import copy
import os
import platform
import sys
import threading
import time
import tracemalloc

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

from nanogpt_lib import gpt  # noqa: E402
from nanogpt_lib.checkpoint import flatten_params  # noqa: E402
from nanogpt_lib.softmax import sample  # noqa: E402

THREADS = len(os.sched_getaffinity(0))  # OpenBLAS (numpy) uses one thread per core
PROMPT, NEW_TOKENS = 16, 64


def interleaved(fn_a, fn_b, repeats: int) -> tuple[float, float, object, object]:
    """Best wall time of fn_a and fn_b, alternating them `repeats` times.

    The machine is shared, so other processes steal cycles at random: the
    minimum over runs estimates the undisturbed time, and alternating gives
    both sides the same luck; the first (cold) run is one of the candidates.
    """
    best_a = best_b = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result_a = fn_a()
        best_a = min(best_a, time.perf_counter() - start)
        start = time.perf_counter()
        result_b = fn_b()
        best_b = min(best_b, time.perf_counter() - start)
    return best_a, best_b, result_a, result_b


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def rss_growth(fn) -> float | None:
    """Peak resident memory added by fn(), in bytes (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
    except OSError:
        return None
    before = _status("VmRSS:")
    fn()
    return _status("VmHWM:") - before


def numpy_peak(fn) -> int:
    """Peak bytes allocated by numpy during fn(), seen by tracemalloc."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def copy_bandwidth(n_threads: int, nbytes: int = 1 << 30) -> float:
    """Bytes per second moved (read + written) by numpy copies of a large array."""
    src = np.ones(nbytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    parts = np.array_split(np.arange(src.size), n_threads)
    bounds = [(p[0], p[-1] + 1) for p in parts]

    def copy_part(lo, hi):
        np.copyto(dst[lo:hi], src[lo:hi])

    best = np.inf
    for _ in range(4):
        threads = [threading.Thread(target=copy_part, args=b) for b in bounds]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        best = min(best, time.perf_counter() - start)
    return 2 * src.nbytes / best


def read_bandwidth(nbytes: int = 1 << 30) -> float:
    """Bytes per second read by BLAS matrix-vector products over a large matrix."""
    cols = 1024
    matrix = np.ones((nbytes // 4 // cols, cols), dtype=np.float32)
    vector = np.ones(cols, dtype=np.float32)
    best = np.inf
    for _ in range(4):
        start = time.perf_counter()
        matrix @ vector
        best = min(best, time.perf_counter() - start)
    return matrix.nbytes / best


def matvec_pass(params: dict) -> None:
    """One token's matrix-vector products and nothing else.

    Exactly the BLAS calls generation makes on the weights (q|k|v, output
    projection, MLP up and down in every block, then the head): the ceiling for
    any implementation that reads each weight matrix with its own BLAS call.
    """
    c = params["wte"].shape[1]
    x, x4 = np.ones((1, c), np.float32), np.ones((1, 4 * c), np.float32)
    for h in params["h"]:
        x @ h["attn"]["c_attn"]["weight"]
        x @ h["attn"]["c_proj"]["weight"]
        x @ h["mlp"]["c_fc"]["weight"]
        x4 @ h["mlp"]["c_proj"]["weight"]
    x @ params["wte"].T


def matvec_only_tokens_per_s(params: dict, repeats: int = 5) -> float:
    """Tokens/s if a token cost nothing but its matrix-vector products."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        matvec_pass(params)
        best = min(best, time.perf_counter() - start)
    return 1.0 / best


def greedy_step(params: dict, ids, cfg: gpt.GPTConfig, cache: gpt.KVCache) -> int:
    """generate's loop body: feed ids through the cached model, pick greedily."""
    logits = gpt.forward(params, np.asarray(ids), cfg, kv_cache=cache)
    return sample(logits[-1], temperature=0.0)


def layout_comparison(params: dict, cfg: gpt.GPTConfig, prompt: np.ndarray) -> dict:
    """Tokens/s with the linear weights stored by row and by column (the library's).

    A copy of the model with every block matrix stored row by row (C order) runs
    in alternation with the library's column-by-column layout, 48 times each:
    the matrix-vector products alone, and whole decoding steps with the KV cache.
    Same values, same results; only the memory order differs. Medians.
    """
    by_row = copy.deepcopy(params)
    for block in by_row["h"]:
        for layer in (*block["attn"].values(), *block["mlp"].values()):
            layer["weight"] = np.ascontiguousarray(layer["weight"])
    models = {"row": by_row, "column": params}
    caches = {key: gpt.new_kv_cache(cfg) for key in models}
    tokens = {}
    for key, model in models.items():
        tokens[key] = greedy_step(model, prompt, cfg, caches[key])
    t_matvec = {key: [] for key in models}
    t_step = {key: [] for key in models}
    for _ in range(48):
        for key, model in models.items():
            start = time.perf_counter()
            matvec_pass(model)
            t_matvec[key].append(time.perf_counter() - start)
            start = time.perf_counter()
            tokens[key] = greedy_step(model, [tokens[key]], cfg, caches[key])
            t_step[key].append(time.perf_counter() - start)
    assert tokens["row"] == tokens["column"]
    return {
        key: (1.0 / np.median(t_matvec[key]), 1.0 / np.median(t_step[key]))
        for key in models
    }


def paired_read_bound_share(generate_once, weight_bytes: int, pairs: int = 7):
    """Generation speed as a share of the read bound, both measured back to back.

    This machine's bandwidth drifts from minute to minute, so each pair measures
    the read bandwidth and then times one generation right after; returns the
    median share and its range over the pairs.
    """
    shares = []
    for _ in range(pairs):
        bound = read_bandwidth() / weight_bytes  # tokens/s
        start = time.perf_counter()
        generate_once()
        tokens_per_s = NEW_TOKENS / (time.perf_counter() - start)
        shares.append(tokens_per_s / bound)
    return float(np.median(shares)), min(shares), max(shares)


def token_by_token_read_bound_share(
    params: dict, cfg: gpt.GPTConfig, prompt: np.ndarray, weight_bytes: int
) -> dict:
    """Decoding speed as a share of the read bound, measured token by token.

    The bound for one token is the time to read its bytes (every weight once) in
    the most favourable way: one BLAS matrix-vector product over a matrix of that
    many bytes. Each round alternates this probe with one decoding step, which is
    exactly generate's loop body (forward of the newest token with the KV cache,
    then the greedy pick), so probe and step see the same memory bandwidth even
    though this machine's drifts by a quarter within seconds. A round's share is
    its median probe time over its median step time; returns the median round.
    """
    cols = 1024
    probe = np.ones((weight_bytes // 4 // cols, cols), dtype=np.float32)
    vector = np.ones(cols, dtype=np.float32)
    rounds = []
    for _ in range(3):
        cache = gpt.new_kv_cache(cfg)
        token = greedy_step(params, prompt, cfg, cache)
        t_probe, t_step, t_matvec = [], [], []
        for _ in range(NEW_TOKENS):
            start = time.perf_counter()
            probe @ vector
            t_probe.append(time.perf_counter() - start)
            start = time.perf_counter()
            matvec_pass(params)
            t_matvec.append(time.perf_counter() - start)
            start = time.perf_counter()
            token = greedy_step(params, [token], cfg, cache)
            t_step.append(time.perf_counter() - start)
        probe_s, step_s = np.median(t_probe), np.median(t_step)
        extra_s = np.median(np.subtract(t_step, t_matvec))
        rounds.append((probe_s / step_s, probe.nbytes / probe_s, 1.0 / step_s, extra_s))
    rounds.sort()
    share, bandwidth, tokens_per_s, extra_s = rounds[len(rounds) // 2]
    return {
        "share": share,
        "low": rounds[0][0],
        "high": rounds[-1][0],
        "bandwidth": bandwidth,
        "tokens_per_s": tokens_per_s,
        "extra_ms": 1e3 * extra_s,
    }


def hf_model(cfg: gpt.GPTConfig, params: dict):
    """GPT2LMHeadModel holding exactly our weights."""
    hf_cfg = transformers.GPT2Config(
        vocab_size=cfg.vocab_size,
        n_positions=cfg.block_size,
        n_embd=cfg.n_embd,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        tie_word_embeddings=cfg.tied_head,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
    )
    model = transformers.GPT2LMHeadModel(hf_cfg).eval()
    state = {}
    for name, value in flatten_params(params).items():
        key = f"transformer.{name}.weight" if name in ("wte", "wpe") else name
        state[key if key.startswith("transformer") else f"transformer.{key}"] = (
            torch.from_numpy(value)
        )
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k == "lm_head.weight" or k.endswith(".attn.bias") for k in missing)
    model.tie_weights()
    return model


def main() -> None:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") != "65536":
        # glibc otherwise keeps freed blocks, so a later call's growth in resident
        # memory would be hidden; fixing the mmap threshold returns them at once.
        env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    torch.set_num_threads(THREADS)
    cfg = gpt.PRESETS["gpt2"]
    rng = np.random.default_rng(0)
    params = gpt.init_params(cfg, rng=rng)
    flat = flatten_params(params)
    assert all(a.dtype == np.float32 for a in flat.values()), "float64 in params"
    model = hf_model(cfg, params)
    ids = rng.integers(0, cfg.vocab_size, 512)

    # float32 throughout: every traced intermediate of a short forward pass
    trace: dict = {}
    logits = gpt.forward(params, ids[:16], cfg, trace=trace)
    bad = [k for k, v in trace.items() if v.dtype != np.float32]
    assert logits.dtype == np.float32 and not bad, f"not float32: {bad}"
    with torch.no_grad():
        ref = model(torch.from_numpy(ids[None, :16])).logits[0].numpy()
    max_diff = float(np.abs(logits - ref).max())
    assert max_diff < 1e-3, max_diff

    rows = []
    for T, reps in ((128, 7), (512, 4)):
        batch, tb = ids[:T], torch.from_numpy(ids[None, :T])
        with torch.no_grad():
            t_ours, t_hf, _, _ = interleaved(
                lambda b=batch: gpt.forward(params, b, cfg),
                lambda tb=tb: model(tb).logits,
                reps,
            )
        rows.append((f"prefill {T} tokens", T / t_hf, T / t_ours, "tokens/s"))

    prompt = ids[:PROMPT]
    tp = torch.from_numpy(prompt[None])
    gen_kwargs = dict(
        attention_mask=torch.ones_like(tp),
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,
        do_sample=False,
        use_cache=True,
        eos_token_id=None,
        pad_token_id=0,
    )
    with torch.no_grad():
        t_ours, t_hf, ours_gen, hf_gen = interleaved(
            lambda: gpt.generate(params, prompt, cfg, NEW_TOKENS),
            lambda: model.generate(tp, **gen_kwargs),
            3,
        )
    same = np.array_equal(ours_gen, hf_gen[0].numpy())
    gen_ours, gen_hf = NEW_TOKENS / t_ours, NEW_TOKENS / t_hf
    rows.append(
        (f"greedy generation, {NEW_TOKENS} tokens", gen_hf, gen_ours, "tokens/s")
    )

    weight_bytes = sum(a.nbytes for n, a in flat.items() if n != "wpe")
    bw1 = copy_bandwidth(1)
    bw2 = copy_bandwidth(THREADS)
    bandwidth = max(bw1, bw2)
    bound = bandwidth / weight_bytes
    bw_read = read_bandwidth()
    read_bound = bw_read / weight_bytes
    matvec_ceiling = matvec_only_tokens_per_s(params)
    paired = paired_read_bound_share(
        lambda: gpt.generate(params, prompt, cfg, NEW_TOKENS), weight_bytes
    )
    per_token = token_by_token_read_bound_share(params, cfg, prompt, weight_bytes)
    layouts = layout_comparison(params, cfg, prompt)

    batch = ids[:512]
    mem_ours = rss_growth(lambda: gpt.forward(params, batch, cfg))
    with torch.no_grad():
        mem_hf = rss_growth(lambda: model(torch.from_numpy(batch[None])).logits)
    np_peak = numpy_peak(lambda: gpt.forward(params, batch, cfg))

    print(
        f"\n{platform.processor() or platform.machine()}, {THREADS} threads "
        f"(numpy/OpenBLAS: {THREADS}, torch.set_num_threads({THREADS})); "
        f"numpy {np.__version__}, torch {torch.__version__}, "
        f"transformers {transformers.__version__}, HF attention "
        f"'{model.config._attn_implementation}'\n"
    )
    print("| measurement | PyTorch (HF) | ours (numpy) | ours / PyTorch |")
    print("|---|---|---|---|")
    for name, hf_value, ours_value, unit in rows:
        print(
            f"| {name} | {hf_value:.1f} {unit} | {ours_value:.1f} {unit} | "
            f"{ours_value / hf_value:.2f} |"
        )
    if mem_ours is not None and mem_hf is not None:
        print(
            f"| peak memory added, prefill 512 (RSS) | {mem_hf / 2**20:.0f} MiB | "
            f"{mem_ours / 2**20:.0f} MiB | {mem_ours / mem_hf:.2f} |"
        )
    print(
        f"| peak numpy allocation, prefill 512 (tracemalloc) | - | "
        f"{np_peak / 2**20:.0f} MiB | - |"
    )
    print()
    print("| bandwidth bound | value |")
    print("|---|---|")
    print(f"| weight bytes read per token | {weight_bytes / 1e6:.1f} MB |")
    print(
        f"| copy bandwidth, 1 thread / {THREADS} threads (read + write) | "
        f"{bw1 / 1e9:.1f} / {bw2 / 1e9:.1f} GB/s |"
    )
    print(f"| bound = bandwidth / bytes per token | {bound:.1f} tokens/s |")
    print(f"| our generation / bound | {100 * gen_ours / bound:.0f} % |")
    print(f"| PyTorch generation / bound | {100 * gen_hf / bound:.0f} % |")
    print(f"| read bandwidth, BLAS matrix-vector, 1 GiB | {bw_read / 1e9:.1f} GB/s |")
    print(
        f"| read bound = read bandwidth / bytes per token | {read_bound:.1f} tokens/s |"
    )
    print(f"| our generation / read bound | {100 * gen_ours / read_bound:.0f} % |")
    print(f"| PyTorch generation / read bound | {100 * gen_hf / read_bound:.0f} % |")
    print(
        "| matrix-vector products alone, one BLAS call per weight matrix | "
        f"{matvec_ceiling:.1f} tokens/s = {100 * matvec_ceiling / read_bound:.0f} % "
        f"of the read bound; our generation = {100 * gen_ours / matvec_ceiling:.0f} "
        "% of it |"
    )
    print(
        "| our generation / read bound, measured in back-to-back pairs | "
        f"median {100 * paired[0]:.0f} % (range {100 * paired[1]:.0f}-"
        f"{100 * paired[2]:.0f} %) |"
    )
    print(
        "| our decoding / read bound, token by token (probe and step alternated) | "
        f"{100 * per_token['share']:.0f} % (rounds {100 * per_token['low']:.0f}-"
        f"{100 * per_token['high']:.0f} %): {per_token['tokens_per_s']:.1f} tokens/s "
        f"at {per_token['bandwidth'] / 1e9:.1f} GB/s |"
    )
    print(
        "| a decoding step's work beyond its matrix-vector products | "
        f"{per_token['extra_ms']:.2f} ms per token |"
    )
    print()
    print("| linear weights stored | matrix-vector products alone | decoding step |")
    print("|---|---|---|")
    for key, (matvec, step) in layouts.items():
        print(f"| by {key} | {matvec:.1f} tokens/s | {step:.1f} tokens/s |")
    print()
    print(
        f"max |logit difference| ours vs HF (16 tokens): {max_diff:.2e}; "
        f"greedy generations identical: {same}"
    )


if __name__ == "__main__":
    main()
