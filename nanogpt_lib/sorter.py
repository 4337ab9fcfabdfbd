"""The trained nano-gpt sorter shipped with the package: six letters in, sorted out.

The weights in `data/nano_sorter.npz` come from `scripts/train_sorter.py` (preset
"nano-sorter", seed `TRAINING_SEED`, `train.train_sorter`'s defaults). They are
checked against a pinned sha256 before use and read without pickle.
"""

from __future__ import annotations

import hashlib
import io
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
from .gpt import GPTConfig, generate, get_config
from .train import LETTERS, SORT_LENGTH

__all__ = [
    "WEIGHTS_PATH",
    "WEIGHTS_SHA256",
    "TRAINING_SEED",
    "load_sorter",
    "save_sorter",
    "sort_letters",
]

WEIGHTS_PATH = Path(__file__).resolve().parent / "data" / "nano_sorter.npz"
# sha256 of the file's bytes; scripts/train_sorter.py reprints it after training.
WEIGHTS_SHA256 = "c6782542995d7c2f943b32236bedff93ab76b1c67df9e2ba88ab8ea7e97fe8bb"
TRAINING_SEED = 0


def save_sorter(path, params: dict) -> str:
    """Write nano-sorter weights as a byte-reproducible .npz; return its sha256.

    Shapes: weights dict of the "nano-sorter" preset -> file with one float32
    array per dotted name ("h.0.attn.c_attn.weight", ...).
    Written by checkpoint.write_npz (sorted names, a fixed date), so the same
    weights always give the same checksum.
    """
    cfg = get_config("nano-sorter")
    flat = flatten_params(params)
    want = expected_shapes(cfg)
    if flat.keys() != want.keys() or any(
        np.shape(flat[name]) != shape for name, shape in want.items()
    ):
        raise ValueError(
            "params must be a weights dict of the 'nano-sorter' preset "
            f"({len(want)} tensors), got {len(flat)} tensors with other names or shapes"
        )
    return write_npz(
        path, {name: np.asarray(v, dtype=np.float32) for name, v in flat.items()}
    )


@lru_cache(maxsize=1)
def _shipped() -> tuple[GPTConfig, dict]:
    """Read and verify the shipped file once per process."""
    if not WEIGHTS_PATH.is_file():
        raise FileNotFoundError(
            f"the sorter's weights are missing: expected {WEIGHTS_PATH} "
            "(recreate them with `python scripts/train_sorter.py`)"
        )
    data = WEIGHTS_PATH.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ValueError(
            f"{WEIGHTS_PATH.name} has sha256 {digest}, expected {WEIGHTS_SHA256}: "
            "the file was changed or truncated; retrain with scripts/train_sorter.py"
        )
    cfg = get_config("nano-sorter")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        flat = {name: npz[name] for name in npz.files}
    want = expected_shapes(cfg)
    for name, shape in want.items():
        if name not in flat or flat[name].shape != shape:
            got = flat[name].shape if name in flat else "nothing"
            raise ValueError(
                f"{WEIGHTS_PATH.name}: {name} should be {shape}, got {got}"
            )
    flat = stored_like_init(flat)
    for array in flat.values():
        array.setflags(write=False)  # shared by every caller of sort_letters
    return cfg, unflatten_params(flat, cfg)


def load_sorter() -> tuple[GPTConfig, dict]:
    """The trained sorter: its config ("nano-sorter") and a fresh copy of its weights.

    Shapes: () -> (cfg, params) with the weights dict of CONTRIBUTING.md, float32.
    The copy is yours to change; the shipped file was verified by sha256 first.
    """
    cfg, params = _shipped()
    flat = {name: a.copy(order="K") for name, a in flatten_params(params).items()}
    return cfg, unflatten_params(flat, cfg)


def sort_letters(letters: str) -> str:
    """Sort six letters from A, B, C by running the trained GPT, greedily.

    Shapes: str of length 6 -> str of length 6.
    The model reads the six letters and then writes six more, each its most likely
    next token; no Python sorting is involved, so this shows what the weights learnt.
    Example: sort_letters("CBABBC") == "ABBBCC".
    """
    accepted = (
        f"{SORT_LENGTH} letters, each one of {', '.join(LETTERS)} (e.g. 'CBABBC')"
    )
    if not isinstance(letters, str):
        raise TypeError(
            f"letters must be a str of {accepted}, got {type(letters).__name__}"
        )
    if len(letters) != SORT_LENGTH:
        raise ValueError(
            f"letters must be {accepted}, got {len(letters)} letters: {letters!r}"
        )
    for position, letter in enumerate(letters):
        if letter not in LETTERS:
            raise ValueError(
                f"letters must be {accepted}, got {letter!r} at position {position} "
                f"in {letters!r}"
            )
    cfg, params = _shipped()
    ids = np.array([LETTERS.index(letter) for letter in letters])
    out = generate(params, ids, cfg, SORT_LENGTH)  # greedy: temperature 0
    return "".join(LETTERS[i] for i in out[SORT_LENGTH:])
