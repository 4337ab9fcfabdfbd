"""The whole GPT: configuration, presets, initialisation, forward pass, generation.

Shape letters (book/notation.md): B batch, T tokens, C = n_embd, H = n_head,
D = head size, V = vocab, F = MLP width (4C), L = layers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GPTConfig", "PRESETS", "get_config"]


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
        raise ValueError(
            f"name must be one of {sorted(PRESETS)}, got {name!r}"
        )
    return PRESETS[name]
