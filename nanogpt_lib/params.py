"""Counting a GPT's parameters, and turning the count into memory and compute.

Two conventions. `gpt2_groups` lists every trainable tensor of the weights dict
(GPT-2's checkpoint layout: embeddings, positions, biases, LayerNorms, an untied head
when there is one). `tally_3b1b` lists only the eight groups of weight matrices that
3Blue1Brown counts for GPT-3 (175,181,291,520 weights in 27,938 matrices).

The data: GPT-3's Table 2.1 (Brown et al., 2020) as printed, with its two rows
whose n_heads x d_head differs from d_model flagged, and the sizes the GPT-2 paper
(Radford et al., 2019) printed before OpenAI corrected them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .gpt import GPTConfig

__all__ = [
    "KINDS",
    "ParamGroup",
    "gpt2_groups",
    "gpt2_groups_from_dims",
    "count_params",
    "count_params_from_dims",
    "tally_3b1b",
    "total",
    "n_matrices",
    "by_kind",
    "beyond_tally",
    "param_sizes",
    "GPT3_CONTEXT",
    "GPT3_VOCAB",
    "GPT3_TRAINING_TOKENS",
    "Gpt3Row",
    "GPT3_TABLE_2_1",
    "GPT2_PAPER_N_PARAMS",
    "BYTES_PER_VALUE",
    "bytes_per_value",
    "weight_bytes",
    "inference_flops_per_token",
    "training_flops_per_token",
    "training_flops",
    "kv_cache_bytes",
    "attention_pattern_entries",
    "format_count",
    "format_bytes",
]

GPT3_CONTEXT = 2048
GPT3_VOCAB = 50257
GPT3_TRAINING_TOKENS = 300_000_000_000  # every Table 2.1 model saw 300B tokens

KINDS = ("embedding", "position", "attention", "mlp", "layernorm", "unembedding")


@dataclass(frozen=True)
class ParamGroup:
    """`copies` tensors of one `shape`: e.g. L copies of c_attn's (C, 3C) weight.

    `kind` is one of "embedding", "position", "attention", "mlp", "layernorm",
    "unembedding"; `is_bias` marks the bias vectors of linear layers (LayerNorm's
    two vectors are kind "layernorm" and never biases in this sense).
    """

    name: str
    shape: tuple[int, ...]
    copies: int
    kind: str
    is_bias: bool = False

    @property
    def size(self) -> int:
        """Entries of one copy: the product of the shape."""
        return math.prod(self.shape)

    @property
    def count(self) -> int:
        """Entries of all copies together."""
        return self.size * self.copies


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _check_config(cfg) -> GPTConfig:
    if not isinstance(cfg, GPTConfig):
        raise TypeError(
            f"cfg must be a GPTConfig (e.g. gpt.PRESETS['gpt2']), "
            f"got {type(cfg).__name__}"
        )
    return cfg


def gpt2_groups_from_dims(
    n_layer: int,
    n_embd: int,
    vocab_size: int,
    block_size: int,
    *,
    bias: bool = True,
    tied_head: bool = True,
    attn_width: int | None = None,
) -> tuple[ParamGroup, ...]:
    """Every trainable tensor of a GPT-2-style model, from its four sizes.

    Shapes: groups follow the weights dict; linear weights are (in, out).
    Heads never change the count, only their total width H x D does: it is C
    unless `attn_width` says otherwise (a what-if for Table 2.1's odd rows).
    """
    L = _positive_int(n_layer, "n_layer")
    C = _positive_int(n_embd, "n_embd")
    V = _positive_int(vocab_size, "vocab_size")
    T = _positive_int(block_size, "block_size")
    A = C if attn_width is None else _positive_int(attn_width, "attn_width")
    F = 4 * C
    groups = [
        ParamGroup("wte", (V, C), 1, "embedding"),
        ParamGroup("wpe", (T, C), 1, "position"),
        ParamGroup("ln_1.weight", (C,), L, "layernorm"),
        ParamGroup("ln_1.bias", (C,), L, "layernorm"),
        ParamGroup("attn.c_attn.weight", (C, 3 * A), L, "attention"),
        ParamGroup("attn.c_attn.bias", (3 * A,), L, "attention", True),
        ParamGroup("attn.c_proj.weight", (A, C), L, "attention"),
        ParamGroup("attn.c_proj.bias", (C,), L, "attention", True),
        ParamGroup("ln_2.weight", (C,), L, "layernorm"),
        ParamGroup("ln_2.bias", (C,), L, "layernorm"),
        ParamGroup("mlp.c_fc.weight", (C, F), L, "mlp"),
        ParamGroup("mlp.c_fc.bias", (F,), L, "mlp", True),
        ParamGroup("mlp.c_proj.weight", (F, C), L, "mlp"),
        ParamGroup("mlp.c_proj.bias", (C,), L, "mlp", True),
        ParamGroup("ln_f.weight", (C,), 1, "layernorm"),
        ParamGroup("ln_f.bias", (C,), 1, "layernorm"),
    ]
    if not tied_head:
        groups.append(ParamGroup("lm_head", (V, C), 1, "unembedding"))
    if not bias:
        # GPT-2's weights dict drops only the "bias" entries, LayerNorm's included.
        groups = [g for g in groups if not g.name.endswith(".bias")]
    return tuple(groups)


def gpt2_groups(cfg: GPTConfig) -> tuple[ParamGroup, ...]:
    """Every trainable tensor of the weights dict for `cfg`, grouped by name.

    Shapes: one ParamGroup per dict entry; per-block entries carry copies = L.
    A tied head adds nothing (the output reuses `wte`); an untied one adds lm_head.
    """
    cfg = _check_config(cfg)
    return gpt2_groups_from_dims(
        cfg.n_layer,
        cfg.n_embd,
        cfg.vocab_size,
        cfg.block_size,
        bias=cfg.bias,
        tied_head=cfg.tied_head,
    )


def total(groups: Iterable[ParamGroup]) -> int:
    """The number of parameters in a list of groups.

    Shapes: groups -> int (exact: Python ints never overflow).
    """
    return sum(g.count for g in groups)


def n_matrices(groups: Iterable[ParamGroup]) -> int:
    """How many separate tensors a list of groups holds (the sum of copies).

    Shapes: groups -> int.
    """
    return sum(g.copies for g in groups)


def by_kind(groups: Iterable[ParamGroup]) -> dict[str, int]:
    """Parameters per kind (embedding, position, attention, mlp, ...), in KINDS order.

    Shapes: groups -> {kind: int}; kinds with no parameters are left out.
    """
    sums = dict.fromkeys(KINDS, 0)
    for g in groups:
        sums[g.kind] += g.count
    return {k: v for k, v in sums.items() if v}


def count_params(cfg: GPTConfig) -> int:
    """All trainable parameters of `cfg` the way GPT-2 counts them.

    Shapes: cfg -> int. GPT-2 small gives 124,439,808.
    """
    return total(gpt2_groups(cfg))


def count_params_from_dims(
    n_layer: int,
    n_embd: int,
    vocab_size: int,
    block_size: int,
    *,
    bias: bool = True,
    tied_head: bool = True,
    attn_width: int | None = None,
) -> int:
    """GPT-2-style parameter count from the sizes alone, with no head count.

    Shapes: four ints -> int.
    For configurations that cannot be a GPTConfig because C is not divisible by H
    (GPT-3 XL and 13B as printed): the count does not depend on H.
    """
    return total(
        gpt2_groups_from_dims(
            n_layer,
            n_embd,
            vocab_size,
            block_size,
            bias=bias,
            tied_head=tied_head,
            attn_width=attn_width,
        )
    )


def tally_3b1b(cfg: GPTConfig) -> tuple[ParamGroup, ...]:
    """3Blue1Brown's eight groups of weight matrices, biases and positions left out.

    Shapes: (rows, cols) as matrix-times-column-vector, i.e. (out, in).
    Per layer: H heads x (query, key, value-down), each (D, C); one output matrix
    (C, H D) that stacks the H value-up matrices; MLP up (F, C) and down (C, F).
    """
    cfg = _check_config(cfg)
    L, H, C, V = cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.vocab_size
    D, F = cfg.head_size, cfg.mlp_width
    return (
        ParamGroup("embedding", (C, V), 1, "embedding"),
        ParamGroup("key", (D, C), H * L, "attention"),
        ParamGroup("query", (D, C), H * L, "attention"),
        ParamGroup("value down", (D, C), H * L, "attention"),
        ParamGroup("value up (output)", (C, H * D), L, "attention"),
        ParamGroup("MLP up", (F, C), L, "mlp"),
        ParamGroup("MLP down", (C, F), L, "mlp"),
        ParamGroup("unembedding", (V, C), 1, "unembedding"),
    )


def beyond_tally(cfg: GPTConfig) -> dict[str, int]:
    """What GPT-2's count has that 3Blue1Brown's tally leaves out, and vice versa.

    Shapes: cfg -> {"position embedding", "biases", "LayerNorm", "tied head"}.
    "tied head" is minus V x C when the head reuses wte (the tally counts it twice),
    so tally + the four values == count_params(cfg).
    """
    groups = gpt2_groups(cfg)
    tied = -cfg.vocab_size * cfg.n_embd if cfg.tied_head else 0
    return {
        "position embedding": total(g for g in groups if g.kind == "position"),
        "biases": total(g for g in groups if g.is_bias),
        "LayerNorm": total(g for g in groups if g.kind == "layernorm"),
        "tied head": tied,
    }


def param_sizes(params: Mapping) -> dict[str, int]:
    """Entries of every array in a weights dict, by dotted name ("h.0.ln_1.weight").

    Shapes: nested dict/list of arrays -> {name: int}.
    Counts what is really there, to compare with `gpt2_groups`.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a weights dict, got {type(params).__name__}")
    sizes: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{prefix}{key}.")
        elif isinstance(node, Sequence) and not isinstance(node, (str, bytes)):
            for i, value in enumerate(node):
                walk(value, f"{prefix}{i}.")
        elif hasattr(node, "shape"):
            sizes[prefix[:-1]] = math.prod(node.shape)
        else:
            raise TypeError(
                f"params[{prefix[:-1]!r}] must be an array, a dict or a list, "
                f"got {type(node).__name__}"
            )

    walk(params, "")
    return sizes


@dataclass(frozen=True)
class Gpt3Row:
    """One row of Table 2.1 in Brown et al. (2020), exactly as printed.

    `n_params` is the printed figure as a number (1.3B -> 1_300_000_000);
    `batch_tokens` is the batch size in tokens (0.5M -> 500_000).
    """

    name: str
    n_params_printed: str
    n_params: int
    n_layer: int
    d_model: int
    n_head: int
    d_head: int
    batch_tokens: int
    learning_rate: float

    @property
    def heads_match(self) -> bool:
        """True when n_heads x d_head == d_model, as a GPT-2-style block needs."""
        return self.n_head * self.d_head == self.d_model

    def computed_params(
        self, vocab_size: int = GPT3_VOCAB, block_size: int = GPT3_CONTEXT
    ) -> int:
        """GPT-2-style count (tied head) from n_layer and d_model; heads do not matter.

        Shapes: -> int.
        """
        return count_params_from_dims(
            self.n_layer, self.d_model, vocab_size, block_size
        )

    @property
    def relative_difference(self) -> float:
        """(computed - printed) / printed, with GPT-3's vocabulary and context."""
        return (self.computed_params() - self.n_params) / self.n_params

    def config(self) -> GPTConfig:
        """This row as a GPTConfig, or a ValueError for the two inconsistent rows."""
        if not self.heads_match:
            raise ValueError(
                f"{self.name}: n_head x d_head = {self.n_head} x {self.d_head} = "
                f"{self.n_head * self.d_head}, but d_model = {self.d_model}; "
                "Table 2.1 prints it that way and no GPTConfig can hold it"
            )
        return GPTConfig(
            GPT3_VOCAB, GPT3_CONTEXT, self.n_layer, self.n_head, self.d_model
        )


# Brown et al. (2020), "Language Models are Few-Shot Learners", Table 2.1.
GPT3_TABLE_2_1: tuple[Gpt3Row, ...] = (
    Gpt3Row("GPT-3 Small", "125M", 125_000_000, 12, 768, 12, 64, 500_000, 6.0e-4),
    Gpt3Row("GPT-3 Medium", "350M", 350_000_000, 24, 1024, 16, 64, 500_000, 3.0e-4),
    Gpt3Row("GPT-3 Large", "760M", 760_000_000, 24, 1536, 16, 96, 500_000, 2.5e-4),
    Gpt3Row("GPT-3 XL", "1.3B", 1_300_000_000, 24, 2048, 24, 128, 1_000_000, 2.0e-4),
    Gpt3Row("GPT-3 2.7B", "2.7B", 2_700_000_000, 32, 2560, 32, 80, 1_000_000, 1.6e-4),
    Gpt3Row("GPT-3 6.7B", "6.7B", 6_700_000_000, 32, 4096, 32, 128, 2_000_000, 1.2e-4),
    Gpt3Row("GPT-3 13B", "13.0B", 13_000_000_000, 40, 5140, 40, 128, 2_000_000, 1.0e-4),
    Gpt3Row(
        "GPT-3 175B", "175.0B", 175_000_000_000, 96, 12288, 96, 128, 3_200_000, 0.6e-4
    ),
)

# The sizes printed in the GPT-2 paper (Radford et al., 2019, Table 2). OpenAI's
# gpt-2 README later called them wrong "due to an error"; the released checkpoints
# have the counts that `count_params(PRESETS[name])` gives.
GPT2_PAPER_N_PARAMS: dict[str, int] = {
    "gpt2": 117_000_000,
    "gpt2-medium": 345_000_000,
    "gpt2-large": 762_000_000,
    "gpt2-xl": 1_542_000_000,
}

BYTES_PER_VALUE: dict[str, int] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


def bytes_per_value(dtype: str) -> int:
    """Bytes that one number takes in a storage format: fp32 4, fp16/bf16 2, int8 1.

    Shapes: str -> int. A byte is 8 bits: fp16 is 16 bits, so 2 bytes.
    """
    if not isinstance(dtype, str) or dtype not in BYTES_PER_VALUE:
        raise ValueError(
            f"dtype must be one of {sorted(BYTES_PER_VALUE)}, got {dtype!r}"
        )
    return BYTES_PER_VALUE[dtype]


def _count(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{name} must be an int >= 0, got {n!r}")
    return n


def weight_bytes(n_params: int, dtype: str = "fp32") -> int:
    """Memory for the weights alone: n_params x bytes per value.

    Shapes: int -> int. Excludes activations, the KV cache and optimiser state.
    """
    return _count(n_params, "n_params") * bytes_per_value(dtype)


def inference_flops_per_token(n_params: int) -> int:
    """About 2N floating-point operations to push one token through N weights.

    Shapes: int -> int. Each weight takes part in one multiply and one add;
    attention's T-dependent work is left out (small next to 2N at T = 2048 for GPT-3).
    """
    return 2 * _count(n_params, "n_params")


def training_flops_per_token(n_params: int) -> int:
    """About 6N per training token: 2N forward, 4N backward (two products per weight).

    Shapes: int -> int.
    """
    return 6 * _count(n_params, "n_params")


def training_flops(n_params: int, n_tokens: int = GPT3_TRAINING_TOKENS) -> int:
    """Total training compute, about 6 N x tokens (GPT-3: 300 billion tokens).

    Shapes: (int, int) -> int.
    """
    return training_flops_per_token(n_params) * _count(n_tokens, "n_tokens")


def kv_cache_bytes(
    n_layer: int, n_embd: int, n_tokens: int = 1, *, dtype: str = "fp16"
) -> int:
    """Memory of the KV cache: 2 (K and V) x L x C values per token, times tokens.

    Shapes: ints -> int. Per token it is 2 x L x C x bytes; at GPT-3's 2048 tokens
    in fp16 that is 2048 x 4,718,592 bytes, about 9.7 GB for one sequence.
    """
    L = _positive_int(n_layer, "n_layer")
    C = _positive_int(n_embd, "n_embd")
    return 2 * L * C * _count(n_tokens, "n_tokens") * bytes_per_value(dtype)


def attention_pattern_entries(n_tokens: int, n_head: int = 1, n_layer: int = 1) -> int:
    """Entries of the attention patterns: T x T per head, per layer.

    Shapes: ints -> int. Grows with T squared, which is why a longer context is
    not free even though it adds only T x C position weights.
    """
    T = _count(n_tokens, "n_tokens")
    return T * T * _positive_int(n_head, "n_head") * _positive_int(n_layer, "n_layer")


def format_count(n: float) -> str:
    """A count with a unit a reader can say, one decimal: 124.4M, 175.2B, 85.7K.

    Shapes: number -> str.
    """
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:g}"


def format_bytes(n: float) -> str:
    """Bytes in decimal units (1 GB = 10^9 bytes), the way memory cards are sold.

    Shapes: number -> str.
    """
    for size, unit in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:g} B"
