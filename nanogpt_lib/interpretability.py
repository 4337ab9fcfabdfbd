"""Looking inside a trained GPT by measurement: logit lens, head ablation, head scores.

Three tools from interpretability research, in numpy:

* the logit lens (nostalgebraist, 2020): read the residual stream after each block
  through the model's own final LayerNorm and unembedding, as if the model stopped
  there, and score those early guesses like the real output;
* head ablation (Michel et al., 2019; Olsson et al., 2022): run the model with one
  head's output replaced by zero or by its mean over text, and measure how much the
  loss rises;
* attention statistics averaged over many positions: how much of each head's
  attention goes to the previous token, to the token after an earlier copy of the
  current one (induction, Elhage et al. 2021; Olsson et al. 2022), or to any set of
  positions a caller marks.

One example's heatmap illustrates; these averages are what the book's claims rest on.
Shape letters (book/notation.md): B batch, T tokens, C = n_embd, H = n_head,
D = head size, V = vocab, L = layers.
"""

from __future__ import annotations

import numpy as np

from .attention import attention
from .embedding import check_ids, position_embedding, token_embedding
from .gpt import GPTConfig
from .layernorm import layer_norm
from .linear import linear
from .mlp import mlp
from .multihead import merge_heads, split_heads

__all__ = [
    "residual_streams",
    "logit_lens",
    "lens_scores",
    "attention_patterns",
    "head_means",
    "forward_with_heads",
    "ablation_losses",
    "previous_token_scores",
    "line_start_keys",
    "induction_scores",
    "attention_share",
    "repeated_random_tokens",
    "next_token_scores",
]


def _ln(x: np.ndarray, p: dict) -> np.ndarray:
    return layer_norm(x, p["weight"], p.get("bias"))


def _unembed(params: dict, cfg: GPTConfig, x: np.ndarray) -> np.ndarray:
    w_u = params["wte"] if cfg.tied_head else params["lm_head"]  # (V, C)
    return _ln(x, params["ln_f"]) @ w_u.T  # (..., C) @ (C, V) -> (..., V)


def _embed(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """Validated ids -> the stream entering block 0, wte[ids] + wpe[:T]."""
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    ids = check_ids(ids, cfg.vocab_size)
    T = ids.shape[-1]
    if T > cfg.block_size:
        raise ValueError(
            f"ids must have at most block_size = {cfg.block_size} tokens, got T = {T}"
        )
    return token_embedding(ids, params["wte"]) + position_embedding(params["wpe"], T)


def _blocks(
    params: dict,
    x: np.ndarray,
    cfg: GPTConfig,
    *,
    first: int = 0,
    edit=None,
    keep_patterns: bool = False,
):
    """Run blocks first..L-1 on the stream x, with an optional edit of head outputs.

    Shapes: x (..., T, C) -> (streams (L+1-first, ..., T, C) with x first,
    patterns (L-first, ..., H, T, T) or None).
    edit(layer, heads) receives heads (..., H, T, D) and returns what replaces them.
    """
    streams, patterns = [x], []
    C = cfg.n_embd
    for layer in range(first, cfg.n_layer):
        p = params["h"][layer]
        qkv = linear(_ln(x, p["ln_1"]), p["attn"]["c_attn"])  # (..., T, 3C)
        q = split_heads(qkv[..., :C], cfg.n_head)  # (..., T, C) -> (..., H, T, D)
        k = split_heads(qkv[..., C : 2 * C], cfg.n_head)
        v = split_heads(qkv[..., 2 * C :], cfg.n_head)
        trace = {} if keep_patterns else None
        heads = attention(q, k, v, causal=True, trace=trace)  # (..., H, T, D)
        if keep_patterns:
            patterns.append(trace["pattern"])
        if edit is not None:
            heads = edit(layer, heads)
        x = x + linear(merge_heads(heads), p["attn"]["c_proj"])
        x = x + mlp(_ln(x, p["ln_2"]), p["mlp"])
        streams.append(x)
    return np.stack(streams), (np.stack(patterns) if keep_patterns else None)


def _run(params: dict, ids, cfg: GPTConfig, edit=None, keep_patterns: bool = False):
    """The forward pass block by block (see _blocks), from token ids."""
    return _blocks(
        params, _embed(params, ids, cfg), cfg, edit=edit, keep_patterns=keep_patterns
    )


def residual_streams(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """The residual stream before block 0 and after every block.

    Shapes: ids (..., T) -> (L+1, ..., T, C); entry 0 is wte[ids] + wpe, entry
    i + 1 the output of block i (the last one is what ln_f reads).
    """
    return _run(params, ids, cfg)[0]


def logit_lens(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """Next-token logits read off the stream after each block: ln_f, then W_U.

    Shapes: ids (..., T) -> (L+1, ..., T, V); the last entry equals gpt.forward.
    """
    return _unembed(params, cfg, residual_streams(params, ids, cfg))


def _log_probs(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def next_token_scores(logits: np.ndarray, targets) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss (nats) and top-1 accuracy of logits against next-token targets.

    Shapes: logits (K, ..., T, V), targets (..., T) -> loss (K,), accuracy (K,):
    one pair per leading entry (e.g. per layer of a logit lens).
    """
    logits = np.asarray(logits)
    tgt = np.asarray(targets)
    if tgt.shape != logits.shape[1:-1]:
        raise ValueError(
            f"targets must have shape {logits.shape[1:-1]} (logits without the "
            f"first and the vocab axes), got {tgt.shape}"
        )
    logp = _log_probs(logits)
    picked = np.take_along_axis(
        logp, np.broadcast_to(tgt[..., None], (*logp.shape[:-1], 1)), -1
    )
    K = logits.shape[0]
    loss = -picked.reshape(K, -1).mean(axis=1)
    acc = (logits.argmax(axis=-1) == tgt).reshape(K, -1).mean(axis=1)
    return loss, acc


def lens_scores(params: dict, windows, cfg: GPTConfig) -> tuple[np.ndarray, np.ndarray]:
    """Logit-lens loss and top-1 accuracy after each block, over text windows.

    Shapes: windows (B, T + 1) ids -> loss (L+1,), accuracy (L+1,). Each window's
    first T tokens are read, and position t is scored on token t + 1.
    """
    w = check_ids(windows, cfg.vocab_size)
    if w.ndim != 2 or w.shape[1] < 2:
        raise ValueError(
            f"windows must have shape (B, T + 1) with T >= 1, got {w.shape}"
        )
    return next_token_scores(logit_lens(params, w[:, :-1], cfg), w[:, 1:])


def attention_patterns(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """Every head's attention pattern (after mask and softmax), every layer.

    Shapes: ids (..., T) -> (L, ..., H, T, T); row t sums to 1 over keys 0..t.
    """
    return _run(params, ids, cfg, keep_patterns=True)[1]


def head_means(params: dict, ids, cfg: GPTConfig) -> np.ndarray:
    """Each head's output averaged over every position of the given text.

    Shapes: ids (..., T) -> (L, H, D). What mean-ablation puts in a head's place.
    """
    sums: list = []
    _run(params, ids, cfg, edit=_mean_recorder(sums))
    return np.stack(sums)


def _mean_recorder(sums: list):
    """An edit that leaves the heads alone and appends their mean output (H, D)."""

    def record(layer, heads):
        axes = tuple(
            i for i in range(heads.ndim) if i not in (heads.ndim - 3, heads.ndim - 1)
        )
        sums.append(heads.mean(axis=axes))  # (..., H, T, D) -> (H, D)
        return heads

    return record


def _check_mask(head_mask, cfg: GPTConfig) -> np.ndarray:
    mask = np.asarray(head_mask)
    if mask.shape != (cfg.n_layer, cfg.n_head):
        raise ValueError(
            f"head_mask must have shape (L, H) = ({cfg.n_layer}, {cfg.n_head}), got "
            f"{mask.shape}"
        )
    if mask.dtype != bool:
        raise TypeError(
            f"head_mask must be a bool array (True = keep), got {mask.dtype}"
        )
    return mask


def forward_with_heads(
    params: dict, ids, cfg: GPTConfig, head_mask, *, means=None
) -> np.ndarray:
    """Logits with some heads ablated: their output zeroed, or set to their mean.

    Shapes: ids (..., T), head_mask (L, H) bool (True keeps the head), means
    (L, H, D) or None (zero-ablation) -> logits (..., T, V).
    With every head kept this is gpt.forward, up to float rounding.
    """
    mask = _check_mask(head_mask, cfg)
    if means is not None and np.shape(means) != (
        cfg.n_layer,
        cfg.n_head,
        cfg.head_size,
    ):
        raise ValueError(
            f"means must have shape (L, H, D) = ({cfg.n_layer}, {cfg.n_head}, "
            f"{cfg.head_size}), got {np.shape(means)}"
        )

    def edit(layer, heads):
        if mask[layer].all():
            return heads
        out = heads.copy()
        for h in np.flatnonzero(~mask[layer]):
            out[..., h, :, :] = 0.0 if means is None else means[layer, h]
        return out

    streams, _ = _run(params, ids, cfg, edit=edit)
    return _unembed(params, cfg, streams[-1])


def ablation_losses(
    params: dict, windows, cfg: GPTConfig, *, mode: str = "mean"
) -> tuple[float, np.ndarray]:
    """Loss with all heads, and the loss with each single head ablated.

    Shapes: windows (B, T + 1) -> (base loss, losses (L, H)), nats per token.
    mode "mean" replaces the head by its average output over these windows; "zero"
    by zeros. The rise, losses - base, ranks the heads by measured importance.
    """
    if mode not in ("mean", "zero"):
        raise ValueError(f"mode must be 'mean' or 'zero', got {mode!r}")
    w = check_ids(windows, cfg.vocab_size)
    if w.ndim != 2 or w.shape[1] < 2:
        raise ValueError(
            f"windows must have shape (B, T + 1) with T >= 1, got {w.shape}"
        )
    x, y = w[:, :-1], w[:, 1:]
    sums: list = []  # the heads' means, recorded in the same pass as the streams
    streams, _ = _run(params, x, cfg, edit=_mean_recorder(sums))
    means = np.stack(sums) if mode == "mean" else None
    base = float(next_token_scores(_unembed(params, cfg, streams[-1:]), y)[0][0])
    losses = np.zeros((cfg.n_layer, cfg.n_head))
    for layer in range(cfg.n_layer):
        for h in range(cfg.n_head):

            def edit(i, heads, layer=layer, h=h):
                if i != layer:
                    return heads
                out = heads.copy()
                out[..., h, :, :] = 0.0 if means is None else means[layer, h]
                return out

            # blocks before `layer` are unchanged: start from the stream there
            ablated, _ = _blocks(params, streams[layer], cfg, first=layer, edit=edit)
            logits = _unembed(params, cfg, ablated[-1:])
            losses[layer, h] = next_token_scores(logits, y)[0][0]
    return base, losses


def _check_patterns(patterns) -> np.ndarray:
    p = np.asarray(patterns)
    if p.ndim < 2 or p.shape[-1] != p.shape[-2]:
        raise ValueError(f"patterns must have shape (..., T, T), got {p.shape}")
    return p


def attention_share(patterns, keys) -> np.ndarray:
    """Share of attention that goes to marked keys, averaged over query positions.

    Shapes: patterns (L, B, H, T, T), keys (B, T, T) bool (keys[b, t, s]: key s
    counts for query t) -> (L, H). Queries with no marked key are left out.
    """
    p = _check_patterns(patterns)
    k = np.asarray(keys, dtype=bool)
    if p.ndim != 5 or k.shape != (p.shape[1], p.shape[3], p.shape[4]):
        raise ValueError(
            f"patterns must be (L, B, H, T, T) and keys (B, T, T), got {p.shape} "
            f"and {k.shape}"
        )
    rows = k.any(axis=-1)  # (B, T): queries that have a marked key
    share = (p * k[None, :, None]).sum(axis=-1)  # (L, B, H, T)
    weight = rows[None, :, None, :]
    return (share * weight).sum(axis=(1, 3)) / max(int(rows.sum()), 1)


def previous_token_scores(patterns) -> np.ndarray:
    """Mean attention from each position t >= 1 to position t - 1, per head.

    Shapes: patterns (L, B, H, T, T) -> (L, H), in [0, 1].
    """
    p = _check_patterns(patterns)
    T = p.shape[-1]
    keys = np.zeros((T, T), dtype=bool)
    keys[np.arange(1, T), np.arange(T - 1)] = True
    return attention_share(p, np.broadcast_to(keys, (p.shape[1], T, T)))


def line_start_keys(ids, newline: int) -> np.ndarray:
    """For each query, the key that starts its line: the one right after a newline.

    Shapes: ids (..., T) -> (..., T, T) bool; keys[..., t, s] is True when s is
    the latest position <= t that follows a newline. Queries on the first line
    of the window (no newline before them) mark nothing.
    Worked example: ids "ab\ncd" (newline = "\n") marks (3, 3) and (4, 3).
    """
    ids = np.asarray(ids)
    if ids.ndim < 1 or ids.dtype.kind not in "iu":
        raise ValueError(
            f"ids must be an integer array (..., T), got {ids.dtype} {ids.shape}"
        )
    T = ids.shape[-1]
    pos = np.arange(T)
    after_newline = np.zeros(ids.shape, dtype=bool)
    after_newline[..., 1:] = ids[..., :-1] == newline
    # the latest line start at or before each position (-1: none yet)
    start = np.maximum.accumulate(np.where(after_newline, pos, -1), axis=-1)
    return (pos == start[..., None]) & (start[..., None] >= 0)  # (..., T, T)


def induction_scores(patterns, period: int) -> np.ndarray:
    """Mean attention to the token after the earlier copy, on a sequence repeated.

    Shapes: patterns (L, B, H, T, T) of a sequence whose second copy starts at
    `period` -> (L, H). A query at t >= period whose token repeats token t - period
    scores the attention it pays to key t - period + 1: the token that came next
    last time, which an induction head copies (Olsson et al., 2022).
    """
    p = _check_patterns(patterns)
    T = p.shape[-1]
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)):
        raise TypeError(f"period must be an int, got {period!r}")
    if not 1 <= period < T:
        raise ValueError(f"period must be in [1, T) = [1, {T}), got {period}")
    t = np.arange(period, T)
    keys = np.zeros((T, T), dtype=bool)
    keys[t, t - period + 1] = True
    return attention_share(p, np.broadcast_to(keys, (p.shape[1], T, T)))


def repeated_random_tokens(
    rng: np.random.Generator,
    vocab_size: int,
    length: int,
    batch: int,
    *,
    distinct: bool = False,
) -> np.ndarray:
    """Random token sequences written twice: ARENA's test for induction heads.

    Shapes: () -> (batch, 2 * length) int64; row[length:] == row[:length].
    Random tokens cannot be predicted the first time; the second time a model
    that copies "what came after this token before" predicts them all. With
    distinct=True no token repeats within a copy (length <= vocab_size), so each
    token of the second copy has exactly one earlier twin and a perfect induction
    head scores 1.
    """
    for name, value in (
        ("vocab_size", vocab_size),
        ("length", length),
        ("batch", batch),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < 1
        ):
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if distinct:
        if length > vocab_size:
            raise ValueError(
                f"length must be <= vocab_size = {vocab_size} with distinct=True, "
                f"got {length}"
            )
        first = np.stack([rng.permutation(vocab_size)[:length] for _ in range(batch)])
    else:
        first = rng.integers(0, vocab_size, size=(batch, length))
    return np.concatenate([first, first], axis=1)
