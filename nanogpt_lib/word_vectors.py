"""Word vectors from counting: words that keep the same company get similar vectors.

The recipe behind classic word vectors (Levy, Goldberg and Dagan, 2015), in numpy:
count which words occur near which (a co-occurrence matrix), reweight the counts by
positive pointwise mutual information (PPMI), then keep the top singular directions
of that matrix (a truncated SVD). The book runs it on its pinned Shakespeare corpus
(`nanogpt_lib.shakespeare.training_text()`), so every reader gets the same words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embedding import nearest_neighbours

__all__ = [
    "tokenize_words",
    "build_vocab",
    "cooccurrence_counts",
    "ppmi",
    "truncated_svd",
    "WordVectors",
    "train_word_vectors",
    "most_similar",
    "analogy",
]

_WORD = re.compile(r"[a-z]+")


def tokenize_words(text: str) -> list[str]:
    """Lower-case runs of the letters a-z; everything else separates words.

    Shapes: str -> list of T words.
    Example: "Return the file's Name2." -> ["return", "the", "file", "s", "name"].
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def build_vocab(
    words: Sequence[str], size: int, min_count: int = 1
) -> tuple[list[str], np.ndarray]:
    """The `size` most frequent words (ties alphabetical) and their counts.

    Shapes: T words -> (V,) words, counts (V,) int64, V <= size.
    Example: ["b", "a", "b", "c", "a", "b"], size 2 -> ["b", "a"], [3, 2].
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be an int >= 1, got {size!r}")
    counts = Counter(words)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ranked = [(w, c) for w, c in ranked if c >= min_count][:size]
    if not ranked:
        raise ValueError(
            f"words must hold at least one word seen {min_count}+ times, got "
            f"{len(words)} words"
        )
    return [w for w, _ in ranked], np.array([c for _, c in ranked], dtype=np.int64)


def cooccurrence_counts(ids, vocab_size: int, window: int = 4) -> np.ndarray:
    """How often word j occurs within `window` positions of word i, weighted 1/distance.

    Shapes: ids (T,) in [-1, V) -> (V, V) float32, symmetric.
    Id -1 marks a word outside the vocabulary: it still takes up a position, so
    distances stay true. Example: ids [0, 1, 0], window 1 -> [[0, 2], [2, 0]].
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise TypeError(
            f"ids must be a 1-D integer array, got dtype {ids.dtype} shape {ids.shape}"
        )
    if ids.size and (ids.min() < -1 or ids.max() >= vocab_size):
        raise ValueError(
            f"ids must be in [-1, {vocab_size}), got values in "
            f"[{ids.min()}, {ids.max()}]"
        )
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)):
        raise TypeError(f"window must be an int, got {type(window).__name__}")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    pairs, weights = [], []
    for distance in range(1, min(window, max(ids.size - 1, 0)) + 1):
        left, right = ids[:-distance], ids[distance:]
        known = (left >= 0) & (right >= 0)
        pairs.append(left[known].astype(np.int64) * vocab_size + right[known])
        weights.append(np.full(int(known.sum()), 1.0 / distance))
    flat = np.concatenate(pairs) if pairs else np.zeros(0, np.int64)
    w = np.concatenate(weights) if weights else np.zeros(0)
    counts = np.bincount(flat, weights=w, minlength=vocab_size * vocab_size)
    counts = counts.reshape(vocab_size, vocab_size)  # (V*V,) -> (V, V)
    return (counts + counts.T).astype(np.float32)


def ppmi(counts: np.ndarray, alpha: float = 0.75) -> np.ndarray:
    """Positive pointwise mutual information: max(0, log P(w, c) / (P(w) P(c))).

    Shapes: counts (V, V) -> (V, V) float32.
    Raw counts mostly say "the" is frequent; PMI asks how much more often two words
    meet than chance. P(c) is taken from counts^alpha, which damps rare contexts.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must have shape (V, V), got {counts.shape}")
    if (counts < 0).any():
        raise ValueError("counts must be >= 0, got a negative entry")
    total = counts.sum()
    if total == 0:
        raise ValueError("counts must not be all zero")
    p_word = counts.sum(axis=1) / total
    smoothed = counts.sum(axis=0) ** alpha
    p_context = smoothed / smoothed.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts / total) - np.log(p_word)[:, None] - np.log(p_context)
    pmi = np.where(counts > 0, pmi, 0.0)
    return np.maximum(pmi, 0.0).astype(np.float32)


def truncated_svd(
    m: np.ndarray,
    k: int,
    *,
    rng: np.random.Generator,
    n_iter: int = 4,
    oversample: int = 10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The top k singular triples of m, by randomized subspace iteration.

    Shapes: m (N, M) -> U (N, k), s (k,), Vt (k, M); m ~= U @ diag(s) @ Vt.
    Each column of U has its largest-magnitude entry positive (the signs are
    otherwise arbitrary, and could differ from one machine to the next).
    A full SVD of a 3,000 x 3,000 matrix takes seconds; multiplying it by a thin
    random matrix a few times finds the top directions much faster (Halko et al.).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), got "
            f"{type(rng).__name__}"
        )
    m = np.asarray(m)
    if m.ndim != 2 or m.dtype.kind != "f":
        raise ValueError(f"m must be a 2-D float array, got {m.dtype} {m.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if not 1 <= k <= min(m.shape):
        raise ValueError(f"k must be in [1, {min(m.shape)}], got {k}")
    width = min(k + oversample, min(m.shape))
    probe = rng.standard_normal((m.shape[1], width)).astype(m.dtype)
    basis = _orthonormal_columns(m @ probe)  # (N, width)
    for _ in range(n_iter):
        back = _orthonormal_columns(m.T @ basis)  # (M, width)
        basis = _orthonormal_columns(m @ back)  # (N, width)
    small = basis.T @ m  # (width, N) @ (N, M) -> (width, M)
    # The SVD of the short, wide `small` from the eigen-decomposition of its
    # width x width Gram matrix: far cheaper than an SVD of a 64 x 3,000 matrix.
    eigval, eigvec = np.linalg.eigh(small.astype(np.float64) @ small.T)
    order = np.argsort(eigval)[::-1][:k]
    s = np.sqrt(np.maximum(eigval[order], 0.0))
    u_small = eigvec[:, order]
    vt = (u_small.T @ small) / np.where(s > 0, s, 1.0)[:, None]
    u = (basis @ u_small.astype(m.dtype)).astype(m.dtype)
    # A singular vector's sign is arbitrary: -u and -v are as good as u and v, and
    # eigh picks either, depending on rounding (another BLAS kernel or thread count
    # can flip it). Fix it: each column of U has its largest entry positive.
    largest = u[np.abs(u).argmax(axis=0), np.arange(k)]
    sign = np.where(largest < 0, -1, 1).astype(m.dtype)  # (k,)
    return u * sign, s.astype(m.dtype), vt.astype(m.dtype) * sign[:, None]


def _orthonormal_columns(y: np.ndarray) -> np.ndarray:
    """Orthonormal columns spanning y's, via Householder QR in float64."""
    q, _ = np.linalg.qr(y.astype(np.float64))
    return q.astype(y.dtype)


@dataclass(frozen=True)
class WordVectors:
    """A vocabulary, one vector per word, and how often each word occurred."""

    words: tuple[str, ...]
    vectors: np.ndarray  # (V, k) float32
    counts: np.ndarray  # (V,) int64

    def index(self, word: str) -> int:
        """The row of `word`; ValueError naming the word if it is not in the vocab."""
        try:
            return self.words.index(word)
        except ValueError:
            raise ValueError(
                f"word must be in the vocabulary of {len(self.words)} words, got "
                f"{word!r}"
            ) from None

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def vector(self, word: str) -> np.ndarray:
        """The vector of one word. Shapes: -> (k,)."""
        return self.vectors[self.index(word)]


def train_word_vectors(
    text: str,
    *,
    rng: np.random.Generator,
    vocab_size: int = 3000,
    window: int = 4,
    dim: int = 64,
) -> WordVectors:
    """Words -> co-occurrence counts -> PPMI -> truncated SVD -> one vector per word.

    Shapes: str -> WordVectors with vectors (V, dim) float32, V <= vocab_size.
    Each vector is U_i * sqrt(s): splitting the singular values evenly between
    words and contexts works better for similarity than U * s (Levy et al., 2015).
    """
    words = tokenize_words(text)
    vocab, counts = build_vocab(words, vocab_size)
    lookup = {w: i for i, w in enumerate(vocab)}
    ids = np.array([lookup.get(w, -1) for w in words], dtype=np.int64)
    matrix = ppmi(cooccurrence_counts(ids, len(vocab), window))
    u, s, _ = truncated_svd(matrix, min(dim, len(vocab)), rng=rng)
    vectors = (u * np.sqrt(s)).astype(np.float32)  # (V, dim) * (dim,) -> (V, dim)
    return WordVectors(tuple(vocab), vectors, counts)


def most_similar(wv: WordVectors, word: str, k: int = 5) -> list[tuple[str, float]]:
    """The k words whose vectors point most nearly the same way as `word`'s.

    Shapes: one word -> k (word, cosine similarity) pairs, best first.
    The word itself (similarity 1) is left out.
    """
    row = wv.index(word)
    rows, sims = nearest_neighbours(wv.vectors[row], wv.vectors, k, exclude=[row])
    return [(wv.words[i], float(s)) for i, s in zip(rows, sims, strict=True)]


def analogy(
    wv: WordVectors,
    a: str,
    b: str,
    c: str,
    k: int = 1,
    *,
    exclude_inputs: bool = True,
) -> list[tuple[str, float]]:
    """ "a is to b as c is to ?": the words nearest to b - a + c (unit vectors).

    Shapes: three words -> k (word, cosine similarity) pairs, best first.
    By default the three input words are left out, as is usual (Mikolov et al.
    2013): b - a + c is often closest to b or c themselves, which answers nothing.
    exclude_inputs=False ranks every word, to show how often that happens.
    """
    rows = [wv.index(w) for w in (a, b, c)]
    unit = wv.vectors[rows] / np.linalg.norm(wv.vectors[rows], axis=1, keepdims=True)
    target = unit[1] - unit[0] + unit[2]
    if not np.any(target):
        raise ValueError(f"b - a + c is the zero vector for {a!r}, {b!r}, {c!r}")
    skip = rows if exclude_inputs else ()
    found, sims = nearest_neighbours(target, wv.vectors, k, exclude=skip)
    return [(wv.words[i], float(s)) for i, s in zip(found, sims, strict=True)]
