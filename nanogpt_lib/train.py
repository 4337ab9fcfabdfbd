"""Training a GPT in numpy: gradients by hand, AdamW, clipping, and the sorting task.

Every operation of the forward pass comes as a pair: `*_forward` returns its output
and a cache of what the backward needs; `*_backward` takes the gradient of the loss
with respect to that output and returns the gradients of its inputs. Chained in
reverse order they give `loss_and_grads`, which is what any autograd does for you.

Shape letters (book/notation.md): B batch, T tokens, C = n_embd, H = n_head,
D = head size, V = vocab, F = MLP width (4C), L = layers, N = number of sequences.

The sorting task follows minGPT's `SortDataset`: a model reads six letters from
{A, B, C} and then writes them out in sorted order, one letter at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np

from .checkpoint import expected_shapes, flatten_params
from .embedding import check_ids
from .gpt import GPTConfig, forward, get_config, init_params

__all__ = [
    "linear_forward",
    "linear_backward",
    "layer_norm_forward",
    "layer_norm_backward",
    "gelu_forward",
    "gelu_backward",
    "attention_forward",
    "attention_backward",
    "forward_with_cache",
    "backward",
    "cross_entropy",
    "loss_and_grads",
    "loss_and_grads_parallel",
    "global_norm",
    "clip_grad_norm",
    "weight_decay_mask",
    "adamw_init",
    "adamw_step",
    "LETTERS",
    "SORT_LENGTH",
    "SPLIT_SEED",
    "all_sort_inputs",
    "sort_split",
    "sort_examples",
    "sample_sort_batch",
    "sort_correct",
    "train_sorter",
    "sample_windows",
    "lr_schedule",
    "stream_loss",
    "train_language_model",
]

LN_EPS = 1e-5
IGNORE = -1  # target value that the loss skips (minGPT's ignore_index)


# --------------------------------------------------------------------------- trees


def _tree_map(fn: Callable, *trees):
    """Apply fn leaf by leaf to nested dicts/lists of arrays with the same layout."""
    first = trees[0]
    if isinstance(first, dict):
        return {key: _tree_map(fn, *(t[key] for t in trees)) for key in first}
    if isinstance(first, list):
        return [_tree_map(fn, *(t[i] for t in trees)) for i in range(len(first))]
    return fn(*trees)


def _tree_leaves(tree) -> list[np.ndarray]:
    """All arrays of a nested dict/list, in a fixed order."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in _tree_leaves(tree[key])]
    if isinstance(tree, list):
        return [leaf for item in tree for leaf in _tree_leaves(item)]
    return [tree]


# --------------------------------------------------------------------------- ops


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None):
    """An affine layer x @ W + b, keeping x for the backward pass.

    Shapes: x (..., n_in), weight (n_in, n_out), bias (n_out,) -> (..., n_out).
    """
    rows = x.reshape(-1, x.shape[-1])  # (..., n_in) -> (N, n_in): one BLAS call
    y = rows @ weight  # (N, n_out)
    if bias is not None:
        y += bias  # in place: no second (N, n_out) array
    return y.reshape(*x.shape[:-1], weight.shape[1]), x  # -> (..., n_out)


def linear_backward(dy: np.ndarray, x: np.ndarray, weight: np.ndarray):
    """Gradients of x @ W + b: dx = dy W^T, dW = x^T dy summed over rows, db = sum dy.

    Shapes: dy (..., n_out), x (..., n_in) -> dx (..., n_in), dW (n_in, n_out),
    db (n_out,).
    Every row (every token of every sequence) used the same W, so their
    contributions to dW add up.
    """
    x2 = x.reshape(-1, x.shape[-1])  # (..., n_in) -> (N, n_in)
    dy2 = dy.reshape(-1, dy.shape[-1])  # (..., n_out) -> (N, n_out)
    dx = (dy2 @ weight.T).reshape(x.shape)  # (N, n_in) -> (..., n_in)
    return dx, x2.T @ dy2, dy2.sum(axis=0)


def layer_norm_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None):
    """LayerNorm over the last axis (eps 1e-5), keeping what the backward needs.

    Shapes: x (..., C), weight (C,), bias (C,) -> (..., C).
    """
    xhat = x - x.mean(axis=-1, keepdims=True)  # centred rows
    var = np.square(xhat).mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + np.asarray(LN_EPS, dtype=x.dtype))
    xhat *= rstd  # in place: centred / std
    y = xhat * weight
    if bias is not None:
        y += bias
    return y, (xhat, rstd, weight)


def layer_norm_backward(dy: np.ndarray, cache):
    """Gradients of LayerNorm: dx, dweight, dbias.

    Shapes: dy (..., C) -> dx (..., C), dweight (C,), dbias (C,).
    Mean and variance depend on every entry of the row, so dx is the scaled
    gradient minus its row mean and minus its projection on xhat.
    """
    xhat, rstd, weight = cache
    C = dy.shape[-1]
    rows = dy.reshape(-1, C)  # (..., C) -> (N, C)
    xrows = xhat.reshape(-1, C)
    dy_xhat = rows * xrows  # (N, C), used twice
    dweight = dy_xhat.sum(axis=0)
    dbias = rows.sum(axis=0)
    # g = dy * weight; its row means mean(g) and mean(g * xhat) are products with
    # weight / C (one matrix-vector product each, no (N, C) temporary)
    w_mean = weight / np.asarray(C, dtype=weight.dtype)
    g_mean = (rows @ w_mean)[:, None]  # (N, 1)
    gx_mean = (dy_xhat @ w_mean)[:, None]  # (N, 1)
    dx = rows * weight  # g, then dx = rstd * (g - mean(g) - xhat * mean(g xhat))
    dx -= g_mean
    dx -= np.multiply(xrows, gx_mean, out=dy_xhat)  # reuse dy_xhat's buffer
    dx *= rstd.reshape(-1, 1)
    return dx.reshape(dy.shape), dweight, dbias


def gelu_forward(x: np.ndarray):
    """GELU, tanh form as in GPT-2, keeping x and the tanh for the backward pass.

    Shapes: x (...) -> (...).
    """
    c = np.asarray(math.sqrt(2.0 / math.pi), dtype=x.dtype)
    a = np.asarray(0.044715, dtype=x.dtype)
    t = x * x  # t = tanh(c x (1 + a x^2)), built in place in one buffer
    t *= a
    t += 1
    t *= x
    t *= c
    np.tanh(t, out=t)
    y = t + 1  # y = x (1 + t) / 2
    y *= x
    y *= np.asarray(0.5, dtype=x.dtype)
    return y, (x, t)


def gelu_backward(dy: np.ndarray, cache) -> np.ndarray:
    """Gradient of the tanh-form GELU.

    Shapes: dy (...) -> dx (...).
    d/dx [x (1 + t) / 2] = (1 + t) / 2 + x (1 - t^2) c (1 + 3a x^2) / 2.
    """
    x, t = cache
    c = np.asarray(math.sqrt(2.0 / math.pi), dtype=x.dtype)
    c3a = np.asarray(3.0 * 0.044715 * math.sqrt(2.0 / math.pi), dtype=x.dtype)
    half = np.asarray(0.5, dtype=x.dtype)
    inner = x * x  # the same formula, in place to spare temporaries
    inner *= c3a
    inner += c
    slope = t * t
    np.subtract(1, slope, out=slope)
    slope *= inner
    slope *= x
    slope += t
    slope += 1
    slope *= half
    slope *= dy
    return slope


QUERY_BLOCK = 64  # query rows per step of attention_forward / attention_backward


def _causal_bias(T: int, dtype) -> np.ndarray:
    """(T, T): 0 on and below the diagonal, -inf above it (the future)."""
    return np.triu(np.full((T, T), -np.inf, dtype=dtype), k=1)


def _query_blocks(T: int, block: int):
    """(start, stop) of consecutive blocks of query rows: (0, b), (b, 2b), ..., T."""
    return [(start, min(start + block, T)) for start in range(0, T, block)]


def attention_forward(qkv: np.ndarray, n_head: int, block: int | None = None):
    """Causal multi-head attention from the fused q | k | v, before the projection.

    Shapes: qkv (B, T, 3C) -> (B, T, C), heads concatenated.
    Each head scores its queries against the keys of the same or earlier positions,
    scaled by 1/sqrt(D), and mixes the values with the softmax of those scores.
    The queries go `block` rows at a time: rows start..stop-1 can only see keys
    0..stop-1, so the keys after stop (the masked future) are never scored; about
    half of the (T, T) work is skipped, and each block's scores are small enough
    to stay in the CPU cache while softmax walks them. block defaults to
    QUERY_BLOCK; any block size gives the same result up to float rounding.
    """
    block = QUERY_BLOCK if block is None else block
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // n_head
    heads = qkv.reshape(B, T, 3, n_head, D).transpose(2, 0, 3, 1, 4)  # -> (3,B,H,T,D)
    # Contiguous copies: numpy's stacked matmul only calls BLAS on contiguous
    # matrices; on these strided views it falls back to a loop ~10x slower.
    q, k, v = (np.ascontiguousarray(part) for part in heads)
    q *= np.asarray(1.0 / math.sqrt(D), dtype=q.dtype)  # scale q, not the scores
    out = np.empty((B, T, n_head, D), dtype=q.dtype)
    probs = []  # one (B, H, stop - start, stop) block of the softmax per block
    for start, stop in _query_blocks(T, block):
        scores = q[:, :, start:stop] @ k[:, :, :stop].transpose(0, 1, 3, 2)
        # only the last (stop - start) keys can lie in a query's future
        scores[..., start:] += _causal_bias(stop - start, q.dtype)
        scores -= scores.max(axis=-1, keepdims=True)  # softmax, in place
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        y = scores @ v[:, :, :stop]  # (B, H, rows, D)
        out[:, start:stop] = y.transpose(0, 2, 1, 3)  # -> (B, rows, H, D)
        probs.append(scores)
    out = out.reshape(B, T, C)  # (B, T, H, D) -> (B, T, C)
    return out, (q, k, v, probs, out)


def attention_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Gradient of causal multi-head attention with respect to the fused q | k | v.

    Shapes: dout (B, T, C) -> dqkv (B, T, 3C).
    Softmax's Jacobian turns dP into dS = P * (dP - sum(P * dP)); masked entries
    have P = 0, so no gradient flows to the future. The row sums sum_j P_ij dP_ij
    equal dy_i . y_i (dP = dy v^T and y = P v), a sum over D numbers instead of T.
    Block by block as in the forward: each block of queries adds its share to the
    gradients of the keys and values it saw.
    """
    q, k, v, probs, out = cache
    B, H, T, D = q.shape
    dy = dout.reshape(B, T, H, D).transpose(0, 2, 1, 3)  # (B,T,C) -> (B,H,T,D)
    dy = np.ascontiguousarray(dy)  # BLAS-friendly, as in attention_forward
    row = (dout * out).reshape(B, T, H, D).sum(axis=-1)  # (B, T, H): dy_i . y_i
    row = row.transpose(0, 2, 1)[..., None]  # -> (B, H, T, 1)
    dq = np.empty_like(q)
    dk = np.zeros_like(k)
    dv = np.zeros_like(v)
    blocks = _query_blocks(T, probs[0].shape[2])
    for p, (start, stop) in zip(probs, blocks, strict=True):
        dy_rows = dy[:, :, start:stop]
        dv[:, :, :stop] += p.transpose(0, 1, 3, 2) @ dy_rows
        ds = dy_rows @ v[:, :, :stop].transpose(0, 1, 3, 2)  # dP, (B, H, rows, stop)
        ds -= row[:, :, start:stop]  # dS = P * (dP - row), in place
        ds *= p
        dq[:, :, start:stop] = ds @ k[:, :, :stop]
        dk[:, :, :stop] += ds.transpose(0, 1, 3, 2) @ q[:, :, start:stop]
    dq *= np.asarray(1.0 / math.sqrt(D), dtype=q.dtype)  # scores = (q / sqrt(D)) k^T
    dqkv = np.empty((B, T, 3, H, D), dtype=q.dtype)  # written once, no stack
    dqkv[:, :, 0] = dq.transpose(0, 2, 1, 3)  # (B,H,T,D) -> (B,T,H,D)
    dqkv[:, :, 1] = dk.transpose(0, 2, 1, 3)
    dqkv[:, :, 2] = dv.transpose(0, 2, 1, 3)
    return dqkv.reshape(B, T, 3 * H * D)  # (B, T, 3, H, D) -> (B, T, 3C)


# --------------------------------------------------------------------------- model


def _check_ids(ids, cfg: GPTConfig) -> np.ndarray:
    arr = check_ids(ids, cfg.vocab_size)
    if arr.shape[-1] > cfg.block_size:
        raise ValueError(
            f"ids must have at most block_size = {cfg.block_size} tokens, got "
            f"T = {arr.shape[-1]}"
        )
    return arr


def _check_params(params: dict, cfg: GPTConfig) -> None:
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of weights, got {type(params).__name__}"
        )
    flat = flatten_params(params)
    want = expected_shapes(cfg)
    if flat.keys() != want.keys():
        extra = sorted(flat.keys() - want.keys())
        missing = sorted(want.keys() - flat.keys())
        raise ValueError(
            f"params must hold exactly the tensors of cfg; missing {missing[:3]}, "
            f"unexpected {extra[:3]}"
        )
    for name, shape in want.items():
        if np.shape(flat[name]) != shape:
            raise ValueError(
                f"params[{name!r}] must have shape {shape}, got {np.shape(flat[name])}"
            )


def _get_bias(layer: dict) -> np.ndarray | None:
    return layer.get("bias")


def forward_with_cache(params: dict, ids, cfg: GPTConfig):
    """The GPT forward pass, also returning every intermediate the backward needs.

    Shapes: ids (..., T) -> logits (..., T, V), same dtype as the weights.
    Same arithmetic as gpt.forward; the cache is a dict of per-layer tuples.
    """
    _check_params(params, cfg)
    ids = _check_ids(ids, cfg)
    lead, T = ids.shape[:-1], ids.shape[-1]
    flat = ids.reshape(-1, T)  # (..., T) -> (B, T)
    x = params["wte"][flat] + params["wpe"][:T]
    cache: dict = {"ids": flat, "blocks": []}
    for block in params["h"]:
        ln1, c1 = layer_norm_forward(
            x, block["ln_1"]["weight"], _get_bias(block["ln_1"])
        )
        attn = block["attn"]
        qkv, ca = linear_forward(
            ln1, attn["c_attn"]["weight"], _get_bias(attn["c_attn"])
        )
        heads, cat = attention_forward(qkv, cfg.n_head)
        proj, cp = linear_forward(
            heads, attn["c_proj"]["weight"], _get_bias(attn["c_proj"])
        )
        x = x + proj
        ln2, c2 = layer_norm_forward(
            x, block["ln_2"]["weight"], _get_bias(block["ln_2"])
        )
        mlp = block["mlp"]
        hidden, cf = linear_forward(ln2, mlp["c_fc"]["weight"], _get_bias(mlp["c_fc"]))
        act, cg = gelu_forward(hidden)
        out, cm = linear_forward(act, mlp["c_proj"]["weight"], _get_bias(mlp["c_proj"]))
        x = x + out
        cache["blocks"].append((c1, ca, cat, cp, c2, cf, cg, cm))
    xf, cln = layer_norm_forward(x, params["ln_f"]["weight"], _get_bias(params["ln_f"]))
    head = params["wte"] if cfg.tied_head else params["lm_head"]
    logits = (xf.reshape(-1, cfg.n_embd) @ head.T).reshape(*flat.shape, -1)  # (B,T,V)
    cache["ln_f"] = cln
    cache["xf"] = xf
    return logits.reshape(*lead, T, cfg.vocab_size), cache  # (B,T,V) -> (...,T,V)


def backward(dlogits: np.ndarray, cache: dict, params: dict, cfg: GPTConfig) -> dict:
    """Reverse-mode gradients of every weight, given the gradient of the logits.

    Shapes: dlogits (..., T, V) -> grads with the layout (and dtype) of params.
    The residual stream is a sum, so its gradient passes through each block
    unchanged and each branch adds its own contribution on the way back.
    """
    flat_ids = cache["ids"]
    B, T = flat_ids.shape
    dlog = dlogits.reshape(B, T, cfg.vocab_size)  # (..., T, V) -> (B, T, V)
    xf = cache["xf"]
    head = params["wte"] if cfg.tied_head else params["lm_head"]
    dhead = dlog.reshape(-1, cfg.vocab_size).T @ xf.reshape(-1, cfg.n_embd)  # (V, C)
    dx = (dlog.reshape(-1, cfg.vocab_size) @ head).reshape(B, T, cfg.n_embd)

    def pack(layer: dict, dw: np.ndarray, db: np.ndarray) -> dict:
        out = {"weight": dw}
        if "bias" in layer:
            out["bias"] = db
        return out

    grads: dict = {}
    dx, dw, db = layer_norm_backward(dx, cache["ln_f"])
    grads["ln_f"] = pack(params["ln_f"], dw, db)
    block_grads = []
    for block, saved in zip(
        reversed(params["h"]), reversed(cache["blocks"]), strict=True
    ):
        c1, ca, cat, cp, c2, cf, cg, cm = saved
        mlp, attn = block["mlp"], block["attn"]
        g: dict = {"attn": {}, "mlp": {}}
        # MLP branch: x = x + c_proj(gelu(c_fc(ln_2(x))))
        dact, dw, db = linear_backward(dx, cm, mlp["c_proj"]["weight"])
        g["mlp"]["c_proj"] = pack(mlp["c_proj"], dw, db)
        dhidden = gelu_backward(dact, cg)
        dln2, dw, db = linear_backward(dhidden, cf, mlp["c_fc"]["weight"])
        g["mlp"]["c_fc"] = pack(mlp["c_fc"], dw, db)
        dbranch, dw, db = layer_norm_backward(dln2, c2)
        g["ln_2"] = pack(block["ln_2"], dw, db)
        dx += dbranch
        # attention branch: x = x + c_proj(attention(c_attn(ln_1(x))))
        dheads, dw, db = linear_backward(dx, cp, attn["c_proj"]["weight"])
        g["attn"]["c_proj"] = pack(attn["c_proj"], dw, db)
        dqkv = attention_backward(dheads, cat)
        dln1, dw, db = linear_backward(dqkv, ca, attn["c_attn"]["weight"])
        g["attn"]["c_attn"] = pack(attn["c_attn"], dw, db)
        dbranch, dw, db = layer_norm_backward(dln1, c1)
        g["ln_1"] = pack(block["ln_1"], dw, db)
        dx += dbranch
        # same key order as the weights dict, so leaves line up one to one
        block_grads.append(
            {
                "ln_1": g["ln_1"],
                "attn": {key: g["attn"][key] for key in ("c_attn", "c_proj")},
                "ln_2": g["ln_2"],
                "mlp": {key: g["mlp"][key] for key in ("c_fc", "c_proj")},
            }
        )
    block_grads.reverse()

    rows = dx.reshape(B * T, cfg.n_embd)  # (B, T, C) -> (B*T, C)
    dwte = np.zeros_like(params["wte"])
    np.add.at(dwte, flat_ids.reshape(-1), rows)  # a token used twice adds twice
    if cfg.tied_head:
        dwte = dwte + dhead
    dwpe = np.zeros_like(params["wpe"])
    dwpe[:T] = dx.sum(axis=0)
    out = {"wte": dwte, "wpe": dwpe, "h": block_grads, "ln_f": grads["ln_f"]}
    if not cfg.tied_head:
        out["lm_head"] = dhead
    return out


def cross_entropy(logits: np.ndarray, targets) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy over the positions whose target is not -1, and its gradient.

    Shapes: logits (..., V), targets (...) -> loss (), dlogits (..., V).
    Worked example: logits [0, 0] and target 1 give loss log 2 = 0.693 and
    dlogits [0.5, -0.5] (softmax minus one-hot, divided by the 1 counted position).
    """
    logits = np.asarray(logits)
    tgt = np.asarray(targets)
    if tgt.dtype.kind not in "iu":
        raise TypeError(f"targets must be an integer array, got dtype {tgt.dtype}")
    if tgt.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets must have shape {logits.shape[:-1]} (logits without the vocab "
            f"axis), got {tgt.shape}"
        )
    V = logits.shape[-1]
    bad = (tgt < IGNORE) | (tgt >= V)
    if bad.any():
        raise ValueError(
            f"targets must be in [0, {V}) or -1 (ignored), got {int(tgt[bad][0])}"
        )
    keep = tgt != IGNORE
    count = int(keep.sum())
    if count == 0:
        raise ValueError("targets must keep at least one position, got all -1")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    logp = shifted - log_z
    safe = np.where(keep, tgt, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    loss = -(picked * keep).sum() / count
    dlogits = np.exp(logp)
    onehot = np.arange(V) == safe[..., None]
    dlogits = (dlogits - onehot) * (keep[..., None] / np.asarray(count, logits.dtype))
    return np.asarray(loss, dtype=logits.dtype), dlogits.astype(logits.dtype)


def loss_and_grads(params: dict, ids, targets, cfg: GPTConfig):
    """Loss of the model on (ids, targets) and the gradient of every weight.

    Shapes: ids (..., T), targets (..., T) in [0, V) or -1 -> (loss (), grads),
    grads with the same nested layout and dtype as params.
    Floating dtype follows the weights: float32 to train, float64 to check.
    """
    logits, cache = forward_with_cache(params, ids, cfg)
    loss, dlogits = cross_entropy(logits, targets)
    return float(loss), backward(dlogits, cache, params, cfg)


_BLAS: dict = {}  # threadpoolctl's controller, looked up once


def _one_blas_thread():
    """A context in which BLAS uses one thread (if threadpoolctl is installed)."""
    if "controller" not in _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS["controller"] = None
        else:
            _BLAS["controller"] = ThreadpoolController()
    controller = _BLAS["controller"]
    if controller is None:
        return nullcontext()
    return controller.limit(limits=1, user_api="blas")


def loss_and_grads_parallel(params: dict, ids, targets, cfg: GPTConfig, workers=2):
    """loss_and_grads with the batch shared among threads: data parallelism on a CPU.

    Shapes: as loss_and_grads; the same result up to float rounding.
    Each of `workers` threads runs forward and backward on its share of the
    sequences; numpy releases the GIL inside array operations, so the threads run
    on different cores at once and meet only at the end. The loss is the mean over
    all kept targets, so each share's loss and gradients count in proportion to
    its kept targets (what distributed training does across machines). BLAS is
    held to one thread meanwhile, so that the workers, not BLAS, share the cores.
    """
    workers = _check_int("workers", workers)
    ids, targets = np.asarray(ids), np.asarray(targets)
    if ids.ndim < 2 or targets.shape != ids.shape:  # one sequence, or bad input
        return loss_and_grads(params, ids, targets, cfg)
    rows = ids.reshape(-1, ids.shape[-1])  # (..., T) -> (N, T)
    tgt = targets.reshape(rows.shape)
    shares = [s for s in np.array_split(np.arange(len(rows)), workers) if s.size]
    kept = [int((tgt[s] != IGNORE).sum()) for s in shares]
    if len(shares) < 2 or 0 in kept:  # nothing to share out
        return loss_and_grads(params, ids, targets, cfg)
    total = sum(kept)
    with _one_blas_thread(), ThreadPoolExecutor(len(shares)) as pool:
        results = list(
            pool.map(lambda s: loss_and_grads(params, rows[s], tgt[s], cfg), shares)
        )
    loss = sum(
        part_loss * n / total for (part_loss, _), n in zip(results, kept, strict=True)
    )

    def combine(*parts):
        out = parts[0] * np.asarray(kept[0] / total, dtype=parts[0].dtype)
        for part, n in zip(parts[1:], kept[1:], strict=True):
            out += part * np.asarray(n / total, dtype=part.dtype)
        return out

    return loss, _tree_map(combine, *(grads for _, grads in results))


# --------------------------------------------------------------------------- optimiser


def global_norm(grads) -> float:
    """The L2 norm of all gradient entries taken together, as one long vector.

    Shapes: any nested dict/list of arrays -> float.
    """
    return math.sqrt(sum(float(np.vdot(g, g)) for g in _tree_leaves(grads)))


def clip_grad_norm(grads, max_norm: float):
    """Scale all gradients down together so that their global norm is at most max_norm.

    Shapes: nested arrays -> (nested arrays with the same layout, norm before).
    Worked example: gradients 3 and 4 have norm 5; with max_norm 1 they become
    0.6 and 0.8 (direction kept, length 1). Below the limit nothing changes.
    """
    if isinstance(max_norm, bool) or not isinstance(
        max_norm, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"max_norm must be a number > 0, got {type(max_norm).__name__}")
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    norm = global_norm(grads)
    if norm <= max_norm:
        return _tree_map(np.copy, grads), norm
    factor = max_norm / norm
    return _tree_map(lambda g: g * np.asarray(factor, dtype=g.dtype), grads), norm


def weight_decay_mask(params: dict) -> dict:
    """True for the weights AdamW decays: the matrices of Linear layers (minGPT's rule).

    Shapes: weights dict -> dict of bools with the same layout.
    Decayed: c_attn, c_proj, c_fc weights and an untied lm_head. Not decayed:
    biases, LayerNorm, token and position embeddings (also when the head is tied).
    """

    linear_layers = ("c_attn", "c_proj", "c_fc")

    def walk(tree, parent: str, key: str):
        if isinstance(tree, dict):
            return {k: walk(v, key, k) for k, v in tree.items()}
        if isinstance(tree, list):
            return [walk(item, key, "") for item in tree]
        return key == "lm_head" or (key == "weight" and parent in linear_layers)

    return walk(params, "", "")


def adamw_init(params: dict) -> dict:
    """A fresh AdamW state: step 0 and zero first and second moments.

    Shapes: weights dict -> {"step": 0, "m": like params, "v": like params}.
    """
    return {
        "step": 0,
        "m": _tree_map(np.zeros_like, params),
        "v": _tree_map(np.zeros_like, params),
    }


def adamw_step(
    params: dict,
    grads: dict,
    state: dict,
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
    weight_decay: float = 0.1,
    decay_mask: dict | None = None,
) -> tuple[dict, dict]:
    """One AdamW update; returns new weights and new state, arguments left untouched.

    Shapes: params, grads (same layout) -> (params, state).
    Decoupled decay (as PyTorch): w <- w (1 - lr wd) on masked weights, then
    w <- w - lr m_hat / (sqrt(v_hat) + eps) with bias-corrected moments.
    Worked example: w = 1, g = 0.5, lr 0.1, wd 0.1, step 1: m_hat = 0.5,
    v_hat = 0.25, w = 1 * 0.99 - 0.1 * 0.5 / 0.5 = 0.89.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    b1, b2 = betas
    if not (0 <= b1 < 1 and 0 <= b2 < 1):
        raise ValueError(f"betas must both be in [0, 1), got {betas}")
    if decay_mask is None:
        decay_mask = weight_decay_mask(params)
    step = state["step"] + 1
    fix1 = 1.0 - b1**step
    fix2 = 1.0 - b2**step

    def first(g, m):  # m <- b1 m + (1 - b1) g, as a new array
        new = m * np.asarray(b1, g.dtype)
        new += np.asarray(1.0 - b1, g.dtype) * g
        return new

    def second(g, v):  # v <- b2 v + (1 - b2) g^2, as a new array
        new = np.square(g)
        new *= np.asarray(1.0 - b2, g.dtype)
        new += np.asarray(b2, g.dtype) * v
        return new

    m_tree = _tree_map(first, grads, state["m"])
    v_tree = _tree_map(second, grads, state["v"])

    def update(w, m, v, decay):
        # lr m_hat / (sqrt(v_hat) + eps) with m_hat = m / fix1, v_hat = v / fix2
        dt = w.dtype
        shrink = 1.0 - lr * weight_decay if decay and weight_decay else 1.0
        denom = np.sqrt(v)
        denom *= np.asarray(1.0 / math.sqrt(fix2), dt)
        denom += np.asarray(eps, dt)
        change = np.divide(m, denom, out=denom)
        change *= np.asarray(lr / fix1, dt)
        new = w * np.asarray(shrink, dt)
        new -= change
        return new

    new_params = _tree_map(update, params, m_tree, v_tree, decay_mask)
    return new_params, {"step": step, "m": m_tree, "v": v_tree}


# --------------------------------------------------------------------------- sorting

LETTERS = "ABC"
SORT_LENGTH = 6
SPLIT_SEED = 1337  # the train/test split is fixed by this seed, not by training


def all_sort_inputs() -> np.ndarray:
    """Every input of the sorting task: all 3^6 = 729 strings over {A, B, C} as ids.

    Shapes: () -> (729, 6) int64.
    Row i spells i in base 3 with the first letter most significant, so row 0 is
    AAAAAA, row 5 is AAAABC (0*243 + ... + 1*3 + 2) and row 728 is CCCCCC.
    """
    n = len(LETTERS) ** SORT_LENGTH
    powers = len(LETTERS) ** np.arange(SORT_LENGTH - 1, -1, -1)
    return (np.arange(n)[:, None] // powers) % len(LETTERS)  # (729,) -> (729, 6)


def sort_split(seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/test split of the 729 inputs: 547 train rows, 182 test rows.

    Shapes: () -> (train indices (547,), test indices (182,)), each sorted.
    A permutation from np.random.default_rng(seed); its first quarter (floor(729/4))
    is the test set, as minGPT holds out 25% (it hashes the sequence instead).
    """
    n = len(LETTERS) ** SORT_LENGTH
    order = np.random.default_rng(seed).permutation(n)
    n_test = n // 4
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def sort_examples(inputs) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and targets for sorting: input then sorted output, shifted by one.

    Shapes: inputs (N, 6) -> x (N, 11), y (N, 11).
    Worked example: CBABBC = [2,1,0,1,1,2] sorts to [0,1,1,1,2,2];
    x = [2,1,0,1,1,2, 0,1,1,1,2], y = [-1,-1,-1,-1,-1, 0,1,1,1,2,2]: the first five
    targets would ask the model to guess random input letters, so they are ignored.
    """
    arr = np.asarray(inputs)
    if arr.dtype.kind not in "iu" or arr.ndim != 2 or arr.shape[1] != SORT_LENGTH:
        raise ValueError(
            f"inputs must be an integer array of shape (N, {SORT_LENGTH}), got "
            f"{arr.dtype} {arr.shape}"
        )
    if ((arr < 0) | (arr >= len(LETTERS))).any():
        raise ValueError(f"inputs must hold ids in [0, {len(LETTERS)})")
    both = np.concatenate([arr, np.sort(arr, axis=1)], axis=1)  # (N, 12)
    x = both[:, :-1].copy()
    y = both[:, 1:].copy()
    y[:, : SORT_LENGTH - 1] = IGNORE
    return x, y


def _repeat_heavy(inputs: np.ndarray) -> np.ndarray:
    """True for rows where some letter appears at least 4 times (219 of the 729)."""
    counts = (inputs[:, :, None] == np.arange(len(LETTERS))).sum(axis=1)  # (N, 3)
    return counts.max(axis=1) >= 4


def sample_sort_batch(
    rng: np.random.Generator, batch_size: int, train_idx: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A random training batch for the sorting task, half of it rich in repeats.

    Shapes: () -> x (batch_size, 11), y (batch_size, 11).
    Each row is, with probability 1/2, a uniform draw from the training inputs and
    otherwise a draw from those where one letter fills 4+ of the 6 slots (AAAABC):
    long runs are what a small sorter gets wrong last.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if train_idx is None:
        train_idx = sort_split()[0]
    inputs = all_sort_inputs()
    heavy = train_idx[_repeat_heavy(inputs[train_idx])]
    uniform = train_idx[rng.integers(0, len(train_idx), size=batch_size)]
    biased = heavy[rng.integers(0, len(heavy), size=batch_size)]
    rows = np.where(rng.random(batch_size) < 0.5, biased, uniform)
    return sort_examples(inputs[rows])


def sort_correct(params: dict, cfg: GPTConfig, inputs=None) -> np.ndarray:
    """For each input, whether greedy decoding writes its sorted version exactly.

    Shapes: inputs (N, 6) (default: all 729) -> (N,) bool.
    One forward pass on input + correct output is enough: greedy decoding is right
    iff, given a correct prefix, the argmax is the correct next letter at all six
    output positions (then every prefix it builds is correct, by induction).
    """
    if inputs is None:
        inputs = all_sort_inputs()
    x, y = sort_examples(inputs)
    logits = forward(params, x, cfg)
    out = slice(SORT_LENGTH - 1, None)
    return (logits[:, out].argmax(axis=-1) == y[:, out]).all(axis=1)


def train_sorter(
    cfg: GPTConfig | None = None,
    *,
    seed: int = 0,
    batch_size: int = 64,
    lr: float = 5e-4,
    max_steps: int = 2000,
    eval_every: int = 25,
    weight_decay: float = 0.1,
    betas: tuple[float, float] = (0.9, 0.95),
    grad_clip: float = 1.0,
    stop_when_sorted: bool = True,
    patience: int = 2,
) -> tuple[dict, dict]:
    """Train a GPT to sort six letters with AdamW, from a seed, on the training split.

    Shapes: () -> (params, history); history holds "loss" and "grad_norm" (the
    gradient's global norm before clipping), one per step; every `eval_every`
    steps, "eval_step" and "train_correct" (of the 547 training inputs); and,
    measured once after training, "held_out_correct" (of the 182 held out).
    Stop rule, on the training split alone: greedy decoding sorts all 547 training
    inputs at `patience` checks in a row (with a constant learning rate one lucky
    check is not enough: accuracy can still drop between checks). The held-out
    inputs never influence training or stopping.
    One generator, np.random.default_rng(seed), draws the initial weights and then
    every batch, so the same seed on the same machine gives the same run; other
    BLAS kernels round differently and the run then stops at another step.
    Defaults are minGPT's demo settings (batch 64, lr 5e-4, betas 0.9/0.95, decay
    0.1, clip 1, 2000 steps).
    """
    cfg = get_config("nano-sorter") if cfg is None else cfg
    for name, value in (
        ("max_steps", max_steps),
        ("eval_every", eval_every),
        ("patience", patience),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int >= 1, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if cfg.vocab_size != len(LETTERS) or cfg.block_size < 2 * SORT_LENGTH - 1:
        raise ValueError(
            f"cfg must have vocab_size {len(LETTERS)} and block_size >= "
            f"{2 * SORT_LENGTH - 1}, got {cfg.vocab_size} and {cfg.block_size}"
        )
    rng = np.random.default_rng(seed)
    params = init_params(cfg, rng=rng)
    state = adamw_init(params)
    mask = weight_decay_mask(params)
    train_idx, test_idx = sort_split()
    inputs = all_sort_inputs()
    history: dict = {"loss": [], "grad_norm": [], "eval_step": [], "train_correct": []}
    in_a_row = 0  # consecutive checks with every training input sorted
    for step in range(1, max_steps + 1):
        x, y = sample_sort_batch(rng, batch_size, train_idx)
        loss, grads = loss_and_grads(params, x, y, cfg)
        grads, norm = clip_grad_norm(grads, grad_clip)
        params, state = adamw_step(
            params,
            grads,
            state,
            lr=lr,
            betas=betas,
            weight_decay=weight_decay,
            decay_mask=mask,
        )
        history["loss"].append(loss)
        history["grad_norm"].append(norm)
        if step % eval_every == 0 or step == max_steps:
            n_sorted = int(sort_correct(params, cfg, inputs[train_idx]).sum())
            history["eval_step"].append(step)
            history["train_correct"].append(n_sorted)
            in_a_row = in_a_row + 1 if n_sorted == len(train_idx) else 0
            if stop_when_sorted and in_a_row >= patience:
                break
    out = {key: np.asarray(value) for key, value in history.items()}
    out["held_out_correct"] = int(sort_correct(params, cfg, inputs[test_idx]).sum())
    return params, out


# --------------------------------------------------------------------------- language


def _check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_stream(data, block_size: int, name: str = "data") -> np.ndarray:
    arr = np.asarray(data)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be a 1-D integer array of token ids, got {arr.dtype} "
            f"{arr.shape}"
        )
    if arr.size < block_size + 1:
        raise ValueError(
            f"{name} must hold at least block_size + 1 = {block_size + 1} tokens, "
            f"got {arr.size}"
        )
    return arr


def sample_windows(
    rng: np.random.Generator,
    data,
    batch_size: int,
    block_size: int,
    *,
    repeat_fraction: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of random windows of a token stream: inputs and next-token targets.

    Shapes: data (N,) -> x (batch_size, block_size), y (batch_size, block_size).
    Window i starts at a uniform offset s_i and reads data[s_i : s_i + T]; its
    targets are the same window shifted by one, data[s_i + 1 : s_i + T + 1].
    With repeat_fraction > 0, that share of rows (on average) is instead a random
    stretch of (T + 1) // 2 tokens written twice: text whose second half can be
    predicted by copying, the pressure that grows induction heads.
    """
    batch_size = _check_int("batch_size", batch_size)
    block_size = _check_int("block_size", block_size)
    arr = _check_stream(data, block_size)
    if not 0.0 <= repeat_fraction <= 1.0:
        raise ValueError(f"repeat_fraction must be in [0, 1], got {repeat_fraction}")
    starts = rng.integers(0, arr.size - block_size, size=batch_size)
    offsets = starts[:, None] + np.arange(block_size + 1)  # (B,) -> (B, T + 1)
    if repeat_fraction > 0:
        half = (block_size + 1) // 2 + (block_size + 1) % 2
        twice = starts[:, None] + np.arange(block_size + 1) % half  # seg, seg again
        offsets = np.where(
            (rng.random(batch_size) < repeat_fraction)[:, None], twice, offsets
        )
    rows = arr[offsets].astype(np.int64)
    return rows[:, :-1], rows[:, 1:]


def lr_schedule(
    step: int, *, max_lr: float, warmup: int, total: int, min_lr: float = 0.0
) -> float:
    """Learning rate at a step: linear warm-up, then cosine decay to min_lr.

    Shapes: step (1-based int) -> float.
    Worked example: max_lr 1e-3, warmup 100, total 1100, min_lr 1e-4: step 50
    gives 5e-4, step 100 gives 1e-3, step 600 (half way down) 5.5e-4, step 1100 1e-4.
    """
    if step <= warmup:
        return max_lr * step / max(warmup, 1)
    progress = min(1.0, (step - warmup) / max(total - warmup, 1))
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def stream_loss(
    params: dict, cfg: GPTConfig, data, *, batch_size: int = 16
) -> tuple[float, int]:
    """Mean next-token loss (nats per token) over a stream cut into whole windows.

    Shapes: data (N,) -> (mean loss, number of predictions scored).
    The stream is cut into consecutive windows of block_size + 1 tokens; every
    position of every window is scored, so early positions see little context
    (this reads a little higher than a sliding window would). A tail shorter
    than a window is left out.
    """
    arr = _check_stream(data, cfg.block_size)
    T = cfg.block_size
    n = (arr.size - 1) // T
    rows = np.arange(n)[:, None] * T + np.arange(T + 1)  # (n, T + 1) windows
    total, count = 0.0, 0
    for i in range(0, n, batch_size):
        window = arr[rows[i : i + batch_size]].astype(np.int64)
        logits = forward(params, window[:, :-1], cfg)
        loss, _ = cross_entropy(logits, window[:, 1:])
        total += float(loss) * window[:, 1:].size
        count += window[:, 1:].size
    return total / count, count


def train_language_model(
    cfg: GPTConfig,
    train_data,
    *,
    seed: int = 0,
    steps: int = 1000,
    batch_size: int = 32,
    max_lr: float = 1e-3,
    min_lr: float = 1e-4,
    warmup: int = 100,
    weight_decay: float = 0.1,
    betas: tuple[float, float] = (0.9, 0.95),
    grad_clip: float = 1.0,
    repeat_fraction: float = 0.0,
    eval_data=None,
    eval_every: int = 250,
    eval_tokens: int = 20_000,
    params: dict | None = None,
    callback: Callable | None = None,
    workers: int = 1,
) -> tuple[dict, dict]:
    """Train a GPT on a token stream: random windows, AdamW, warm-up and cosine decay.

    Shapes: train_data (N,) ids -> (params, history); history holds "loss" and "lr"
    (one per step) and, every eval_every steps, "eval_step" and "eval_loss" (nats
    per token on the first eval_tokens tokens of eval_data, when given).
    repeat_fraction mixes repeated stretches into the batches (sample_windows).
    One np.random.default_rng(seed) draws the initial weights (unless params is
    given) and then every batch, so a seed fixes the run up to float rounding.
    `callback(step, params, history)` runs after each evaluation, e.g. to print.
    workers > 1 computes each step's gradients with loss_and_grads_parallel (the
    same run up to float rounding, faster on a machine with that many cores).
    """
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    steps = _check_int("steps", steps)
    eval_every = _check_int("eval_every", eval_every)
    workers = _check_int("workers", workers)
    data = _check_stream(train_data, cfg.block_size, "train_data")
    if data.max() >= cfg.vocab_size:
        raise ValueError(
            f"train_data must hold ids in [0, {cfg.vocab_size}), got {int(data.max())}"
        )
    held = None
    if eval_data is not None:
        held = _check_stream(eval_data, cfg.block_size, "eval_data")[: eval_tokens + 1]
    rng = np.random.default_rng(seed)
    if params is None:
        params = init_params(cfg, rng=rng)
    state = adamw_init(params)
    mask = weight_decay_mask(params)
    history: dict = {"loss": [], "lr": [], "eval_step": [], "eval_loss": []}
    for step in range(1, steps + 1):
        lr = lr_schedule(step, max_lr=max_lr, warmup=warmup, total=steps, min_lr=min_lr)
        x, y = sample_windows(
            rng, data, batch_size, cfg.block_size, repeat_fraction=repeat_fraction
        )
        loss, grads = loss_and_grads_parallel(params, x, y, cfg, workers)
        grads, _ = clip_grad_norm(grads, grad_clip)
        params, state = adamw_step(
            params,
            grads,
            state,
            lr=lr,
            betas=betas,
            weight_decay=weight_decay,
            decay_mask=mask,
        )
        history["loss"].append(loss)
        history["lr"].append(lr)
        if step % eval_every == 0 or step == steps:
            if held is not None:
                history["eval_step"].append(step)
                history["eval_loss"].append(stream_loss(params, cfg, held)[0])
            if callback is not None:
                callback(step, params, history)
    return params, {key: np.asarray(value) for key, value in history.items()}
