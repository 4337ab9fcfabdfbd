"""nanogpt_lib: the numpy GPT that the book "Inside GPT" builds chapter by chapter.

Core modules (numpy + standard library) import one way, from earlier concepts to
later ones: softmax -> attention -> multihead -> gpt -> train, and so on.
`plotting`, `widgets`, `checks` and `classroom` sit on top and are imported
explicitly by the notebooks, never by the core.
"""

from . import (
    attention,
    checkpoint,
    embedding,
    gpt,
    interpretability,
    layernorm,
    linear,
    mlp,
    multihead,
    params,
    shakespeare,
    softmax,
    sorter,
    tokenizer,
    train,
    word_vectors,
)

__all__ = [
    "attention",
    "checkpoint",
    "embedding",
    "gpt",
    "interpretability",
    "layernorm",
    "linear",
    "mlp",
    "multihead",
    "params",
    "shakespeare",
    "softmax",
    "sorter",
    "tokenizer",
    "train",
    "word_vectors",
]
__version__ = "0.1.0"
