"""The whole GPT: configuration, presets, initialisation, forward pass, generation.

Shape letters (book/notation.md): B batch, T tokens, C = n_embd, H = n_head,
D = head size, V = vocab, F = MLP width (4C), L = layers, S = key positions
(S = T without a cache; cached + new positions with one).

Trace names. `forward(..., trace={})` fills the dict with copies of every
intermediate, under these stable names (leading batch axes "..." omitted):

    "wte"                  (T, C)     token vectors, wte[ids]
    "wpe"                  (T, C)     position vectors, wpe[start:start+T]
    "x0"                   (T, C)     their sum: the residual stream entering block 0
    "h.{i}.ln_1"           (T, C)     block i: LayerNorm before attention
    "h.{i}.attn.q"         (H, T, D)  queries, per head
    "h.{i}.attn.k"         (H, S, D)  keys, per head (cached ones included)
    "h.{i}.attn.v"         (H, S, D)  values, per head (cached ones included)
    "h.{i}.attn.scores"    (H, T, S)  q k^T / sqrt(D), before the mask
    "h.{i}.attn.pattern"   (H, T, S)  after the causal mask and softmax
    "h.{i}.attn.heads"     (H, T, D)  each head's output, pattern @ v
    "h.{i}.attn.concat"    (T, C)     heads concatenated
    "h.{i}.attn.proj"      (T, C)     after the output projection c_proj
    "h.{i}.res_1"          (T, C)     residual stream after adding attention
    "h.{i}.ln_2"           (T, C)     LayerNorm before the MLP
    "h.{i}.mlp.pre_gelu"   (T, F)     after c_fc
    "h.{i}.mlp.post_gelu"  (T, F)     after GELU
    "h.{i}.mlp.out"        (T, C)     after the MLP's c_proj
    "h.{i}.res_2"          (T, C)     residual stream after the MLP = block output
    "ln_f"                 (T, C)     final LayerNorm
    "logits"               (T, V)     scores for the next token at every position
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .embedding import check_ids, position_embedding, token_embedding
from .layernorm import layer_norm
from .linear import column_major
from .mlp import mlp
from .multihead import multi_head_attention
from .softmax import sample

__all__ = [
    "GPTConfig",
    "PRESETS",
    "get_config",
    "init_params",
    "KVCache",
    "new_kv_cache",
    "block",
    "forward",
    "generate",
]


@dataclass(frozen=True)
class GPTConfig:
    """Hyper-parameters of a GPT-2-style model (nanoGPT's field names).

    `tied_head=True` reuses the token embedding `wte` as the output matrix
    (GPT-2); `False` gives the model its own `lm_head` of shape (V, C).
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    bias: bool = True
    tied_head: bool = True

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"GPTConfig.{name} must be a positive int, got {value!r}"
                )
        if self.n_embd % self.n_head:
            raise ValueError(
                f"GPTConfig.n_embd ({self.n_embd}) must be divisible by "
                f"n_head ({self.n_head}) so that every head gets the same size"
            )

    @property
    def head_size(self) -> int:
        """D = C / H, the width of one attention head."""
        return self.n_embd // self.n_head

    @property
    def mlp_width(self) -> int:
        """F = 4C, the number of neurons in each MLP."""
        return 4 * self.n_embd


# One table of named models (minGPT keeps its presets the same way).
# GPT-3 rows come from Table 2.1 of Brown et al. (2020); the "XL" and "13B" rows
# print n_heads x d_head != d_model, so they cannot be a GPTConfig and live only in
# nanogpt_lib.params, flagged.
PRESETS: dict[str, GPTConfig] = {
    "nano-sorter": GPTConfig(
        vocab_size=3, block_size=11, n_layer=3, n_head=3, n_embd=48, tied_head=False
    ),
    "gpt2": GPTConfig(50257, 1024, 12, 12, 768),
    "gpt2-medium": GPTConfig(50257, 1024, 24, 16, 1024),
    "gpt2-large": GPTConfig(50257, 1024, 36, 20, 1280),
    "gpt2-xl": GPTConfig(50257, 1024, 48, 25, 1600),
    "gpt3-small": GPTConfig(50257, 2048, 12, 12, 768),
    "gpt3-medium": GPTConfig(50257, 2048, 24, 16, 1024),
    "gpt3-large": GPTConfig(50257, 2048, 24, 16, 1536),
    "gpt3-2.7b": GPTConfig(50257, 2048, 32, 32, 2560),
    "gpt3-6.7b": GPTConfig(50257, 2048, 32, 32, 4096),
    "gpt3": GPTConfig(50257, 2048, 96, 96, 12288),
}


def get_config(name: str) -> GPTConfig:
    """Look up a preset by name, with an error that lists the known names."""
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"name must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]


def _normal(rng: np.random.Generator, shape: tuple, std: float) -> np.ndarray:
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(std)
    return out


def _linear_params(rng, n_in, n_out, std, bias) -> dict:
    p = {"weight": column_major(_normal(rng, (n_in, n_out), std))}
    if bias:
        p["bias"] = np.zeros(n_out, dtype=np.float32)
    return p


def _ln_params(c: int, bias: bool) -> dict:
    p = {"weight": np.ones(c, dtype=np.float32)}
    if bias:
        p["bias"] = np.zeros(c, dtype=np.float32)
    return p


def init_params(cfg: GPTConfig, *, rng: np.random.Generator) -> dict:
    """Fresh GPT-2 weights: N(0, 0.02), residual projections scaled down, float32.

    Shapes: the weights dict of CONTRIBUTING.md (wte (V, C), wpe (block_size, C), ...).
    Both c_proj weights (attention and MLP) write into the residual stream, which
    sums 2L of them, so GPT-2 shrinks their std to 0.02 / sqrt(2 L). Biases are
    zero, LayerNorms start as the identity (weight 1, bias 0). Linear weights are
    stored column by column (`linear.column_major`), which decodes faster.
    """
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy Generator (np.random.default_rng(seed)), got "
            f"{type(rng).__name__}"
        )
    C, F, b = cfg.n_embd, cfg.mlp_width, cfg.bias
    std, proj_std = 0.02, 0.02 / math.sqrt(2 * cfg.n_layer)
    params: dict = {
        "wte": _normal(rng, (cfg.vocab_size, C), std),
        "wpe": _normal(rng, (cfg.block_size, C), std),
        "h": [],
    }
    for _ in range(cfg.n_layer):
        params["h"].append(
            {
                "ln_1": _ln_params(C, b),
                "attn": {
                    "c_attn": _linear_params(rng, C, 3 * C, std, b),
                    "c_proj": _linear_params(rng, C, C, proj_std, b),
                },
                "ln_2": _ln_params(C, b),
                "mlp": {
                    "c_fc": _linear_params(rng, C, F, std, b),
                    "c_proj": _linear_params(rng, F, C, proj_std, b),
                },
            }
        )
    params["ln_f"] = _ln_params(C, b)
    if not cfg.tied_head:
        params["lm_head"] = _normal(rng, (cfg.vocab_size, C), std)
    return params


class KVCache:
    """Keys and values of every layer, preallocated for block_size positions.

    Shapes: k, v (L, ..., H, block_size, D); `length` positions are filled.
    Without a cache, each new token recomputes keys and values of the whole
    prefix; with it, a step costs one position. `forward` updates it in place.
    """

    def __init__(self, cfg: GPTConfig, batch_shape: tuple = (), dtype=np.float32):
        if not isinstance(cfg, GPTConfig):
            raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
        self.batch_shape = tuple(int(n) for n in batch_shape)
        self.block_size = cfg.block_size
        shape = (
            cfg.n_layer,
            *self.batch_shape,
            cfg.n_head,
            cfg.block_size,
            cfg.head_size,
        )
        self.k = np.zeros(shape, dtype=dtype)
        self.v = np.zeros(shape, dtype=dtype)
        self.length = 0

    def reset(self) -> None:
        """Forget every cached position (the buffers are reused)."""
        self.length = 0

    def __repr__(self) -> str:
        return (
            f"KVCache(length={self.length}, block_size={self.block_size}, "
            f"batch_shape={self.batch_shape}, k={self.k.shape})"
        )


def new_kv_cache(cfg: GPTConfig, batch_shape: tuple = (), dtype=np.float32) -> KVCache:
    """An empty KV cache for sequences of batch shape `batch_shape`.

    Shapes: () -> KVCache with k, v (L, *batch_shape, H, block_size, D).
    """
    return KVCache(cfg, batch_shape, dtype)


def _ln(x: np.ndarray, p: dict) -> np.ndarray:
    return layer_norm(x, p["weight"], p.get("bias"))


def block(
    x: np.ndarray,
    p: dict,
    cfg: GPTConfig,
    *,
    kv_cache: tuple[np.ndarray, np.ndarray, int] | None = None,
    trace: dict | None = None,
) -> np.ndarray:
    """One transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)).

    Shapes: x (..., T, C) -> (..., T, C); p = params["h"][i].
    Pre-LN residual form (GPT-2): each sub-layer reads a normalised copy of the
    stream and adds its answer back, so the stream itself is never normalised.
    `kv_cache` is (k_buf, v_buf, start) as in multihead.multi_head_attention.
    """
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[-1] != cfg.n_embd:
        raise ValueError(
            f"x must have shape (..., T, {cfg.n_embd}) (n_embd), got {x.shape}"
        )
    sub = None if trace is None else {}
    h = _ln(x, p["ln_1"])
    a = multi_head_attention(h, p["attn"], cfg.n_head, kv_cache=kv_cache, trace=sub)
    x = x + a
    if trace is not None:
        trace["ln_1"] = h
        trace.update({f"attn.{name}": value for name, value in sub.items()})
        trace["res_1"] = x.copy()
        sub = {}
    h = _ln(x, p["ln_2"])
    m = mlp(h, p["mlp"], trace=sub)
    out = x + m
    if trace is not None:
        trace["ln_2"] = h
        trace.update({f"mlp.{name}": value for name, value in sub.items()})
        trace["res_2"] = out.copy()
    return out


def _check_cfg_params(params: dict, cfg: GPTConfig) -> None:
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of weights, got {type(params).__name__}"
        )
    expected = {
        "wte": (cfg.vocab_size, cfg.n_embd),
        "wpe": (cfg.block_size, cfg.n_embd),
    }
    for name, shape in expected.items():
        got = np.shape(params.get(name))
        if got != shape:
            raise ValueError(
                f"params['{name}'] must have shape {shape} for this cfg, got {got}"
            )
    if len(params.get("h", ())) != cfg.n_layer:
        raise ValueError(
            f"params['h'] must hold cfg.n_layer = {cfg.n_layer} blocks, got "
            f"{len(params.get('h', ()))}"
        )
    if not cfg.tied_head and np.shape(params.get("lm_head")) != expected["wte"]:
        raise ValueError(
            f"params['lm_head'] must have shape {expected['wte']} (cfg.tied_head is "
            f"False), got {np.shape(params.get('lm_head'))}"
        )


def _check_cache(kv_cache: KVCache, cfg: GPTConfig, ids: np.ndarray) -> None:
    if not isinstance(kv_cache, KVCache):
        raise TypeError(
            f"kv_cache must be a KVCache (gpt.new_kv_cache(cfg, batch_shape)), got "
            f"{type(kv_cache).__name__}"
        )
    want = (cfg.n_layer, *ids.shape[:-1], cfg.n_head, cfg.block_size, cfg.head_size)
    if kv_cache.k.shape != want:
        raise ValueError(
            f"kv_cache was made for batch shape {kv_cache.batch_shape} and k "
            f"{kv_cache.k.shape}, but ids has batch shape {ids.shape[:-1]} "
            f"(expected k {want})"
        )


def _hidden(params, ids, cfg, kv_cache, trace) -> np.ndarray:
    """Validated ids -> final LayerNorm output (..., T, C)."""
    _check_cfg_params(params, cfg)
    ids = check_ids(ids, cfg.vocab_size)
    T = ids.shape[-1]
    start = 0
    if kv_cache is not None:
        _check_cache(kv_cache, cfg, ids)
        start = kv_cache.length
    if start + T > cfg.block_size:
        cached = f"{start} cached positions + " if kv_cache is not None else ""
        raise ValueError(
            f"ids is too long: {cached}T = {T} new positions exceed cfg.block_size = "
            f"{cfg.block_size} (the model has no position vector beyond it)"
        )
    tok = token_embedding(ids, params["wte"])  # (..., T) -> (..., T, C)
    pos = position_embedding(params["wpe"], T, start)  # (T, C)
    x = tok + pos
    if trace is not None:
        trace["wte"], trace["wpe"], trace["x0"] = tok, pos, x.copy()
    for i, p in enumerate(params["h"]):
        layer_cache = None
        if kv_cache is not None:
            layer_cache = (kv_cache.k[i], kv_cache.v[i], start)
        sub = None if trace is None else {}
        x = block(x, p, cfg, kv_cache=layer_cache, trace=sub)
        if trace is not None:
            trace.update({f"h.{i}.{name}": value for name, value in sub.items()})
    x = _ln(x, params["ln_f"])
    if trace is not None:
        trace["ln_f"] = x.copy()
    if kv_cache is not None:
        kv_cache.length = start + T
    return x


def _head(params: dict, x: np.ndarray, cfg: GPTConfig) -> np.ndarray:
    """Unembedding: hidden states (..., T, C) -> logits (..., T, V)."""
    w_u = params["wte"] if cfg.tied_head else params["lm_head"]  # (V, C)
    lead = x.shape[:-1]
    logits = x.reshape(-1, x.shape[-1]) @ w_u.T  # (..., T, C) -> (N, C) -> (N, V)
    return logits.reshape(*lead, w_u.shape[0])  # (N, V) -> (..., T, V)


def forward(
    params: dict,
    ids,
    cfg: GPTConfig,
    *,
    kv_cache: KVCache | None = None,
    trace: dict | None = None,
) -> np.ndarray:
    """Token ids in, next-token logits out, at every position.

    Shapes: ids (..., T) int -> logits (..., T, V), in the params' dtype (float32).
    With `kv_cache`, ids are the *new* tokens: they sit at positions
    cache.length .. cache.length+T-1 and attend to the cached ones too.
    With a dict `trace`, records every intermediate (names in the module doc).
    """
    x = _hidden(params, ids, cfg, kv_cache, trace)
    logits = _head(params, x, cfg)
    if trace is not None:
        trace["logits"] = logits.copy()
    return logits


def generate(
    params: dict,
    ids,
    cfg: GPTConfig,
    max_new_tokens: int,
    *,
    temperature: float = 0.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
    use_cache: bool = True,
) -> np.ndarray:
    """Extend ids by max_new_tokens tokens, one at a time; temperature 0 is greedy.

    Shapes: ids (..., T) -> (..., T + max_new_tokens), the prompt included.
    The prompt is read once into a KV cache, then each step feeds only the newest
    token (use_cache=False re-reads the whole prefix instead, for comparison). The
    last token is never fed back: T + max_new_tokens - 1 <= block_size (sorter 11).
    """
    _check_cfg_params(params, cfg)
    ids = check_ids(ids, cfg.vocab_size)
    if isinstance(max_new_tokens, bool) or not isinstance(
        max_new_tokens, (int, np.integer)
    ):
        raise TypeError(
            f"max_new_tokens must be an int >= 0, got {type(max_new_tokens).__name__}"
        )
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    T = ids.shape[-1]
    if T + max_new_tokens - 1 > cfg.block_size:
        raise ValueError(
            f"ids (T = {T}) plus max_new_tokens = {max_new_tokens} needs "
            f"{T + max_new_tokens - 1} positions, more than cfg.block_size = "
            f"{cfg.block_size}"
        )
    out = np.empty((*ids.shape[:-1], T + max_new_tokens), dtype=np.int64)
    out[..., :T] = ids
    if max_new_tokens == 0:
        return out
    choose = dict(rng=rng, temperature=temperature, top_k=top_k, top_p=top_p)
    if use_cache:
        cache = new_kv_cache(cfg, ids.shape[:-1], dtype=params["wte"].dtype)
        x = _hidden(params, ids, cfg, cache, None)
    else:
        x = _hidden(params, ids, cfg, None, None)
    for step in range(max_new_tokens):
        logits = _head(params, x[..., -1:, :], cfg)[..., 0, :]  # (..., V)
        out[..., T + step] = sample(logits, **choose)
        if step == max_new_tokens - 1:
            break
        if use_cache:
            x = _hidden(params, out[..., T + step : T + step + 1], cfg, cache, None)
        else:
            x = _hidden(params, out[..., : T + step + 1], cfg, None, None)
    return out
