"""Read and write GPT weights: Hugging Face's GPT-2 layout and our own .npz files.

Nothing here unpickles anything: safetensors and .npz with allow_pickle=False
hold plain arrays only, so loading a file can never run code.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from .gpt import GPTConfig
from .linear import column_major

__all__ = [
    "expected_shapes",
    "flatten_params",
    "unflatten_params",
    "stored_like_init",
    "load_gpt2",
    "save_gpt2",
    "save_params",
    "load_params",
    "write_npz",
]

# Hugging Face buffers that are not weights (the causal mask, a -10000 constant):
# "h.{i}.attn.bias" and "h.{i}.attn.masked_bias" (not "attn.c_attn.bias").
_HF_BUFFERS = re.compile(r"h\.\d+\.attn\.(bias|masked_bias)")
_CONFIG_KEY = "__config__"
# GPT2Config fields that change the arithmetic, with the only values we implement.
_HF_REQUIRED = {
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "scale_attn_weights": True,
    "scale_attn_by_inverse_layer_idx": False,
    "reorder_and_upcast_attn": False,
}


def expected_shapes(cfg: GPTConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a model with this config has, by dotted name, with its shape.

    Shapes: cfg -> {"wte": (V, C), "h.0.attn.c_attn.weight": (C, 3C), ...}.
    """
    C, F, V = cfg.n_embd, cfg.mlp_width, cfg.vocab_size
    linears = {
        "attn.c_attn": (C, 3 * C),
        "attn.c_proj": (C, C),
        "mlp.c_fc": (C, F),
        "mlp.c_proj": (F, C),
    }
    shapes: dict[str, tuple[int, ...]] = {
        "wte": (V, C),
        "wpe": (cfg.block_size, C),
    }
    for i in range(cfg.n_layer):
        for ln in ("ln_1", "ln_2"):
            shapes[f"h.{i}.{ln}.weight"] = (C,)
            if cfg.bias:
                shapes[f"h.{i}.{ln}.bias"] = (C,)
        for name, shape in linears.items():
            shapes[f"h.{i}.{name}.weight"] = shape
            if cfg.bias:
                shapes[f"h.{i}.{name}.bias"] = (shape[1],)
    shapes["ln_f.weight"] = (C,)
    if cfg.bias:
        shapes["ln_f.bias"] = (C,)
    if not cfg.tied_head:
        shapes["lm_head"] = (V, C)
    return shapes


def flatten_params(params: dict) -> dict[str, np.ndarray]:
    """The nested weights dict as {dotted name: array}, e.g. "h.0.ln_1.weight".

    Shapes: nested dict -> flat dict; the arrays are not copied.
    """
    flat: dict[str, np.ndarray] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}{key}.")
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, f"{prefix}{i}.")
        else:
            flat[prefix[:-1]] = node

    walk(params, "")
    return flat


def unflatten_params(flat: dict[str, np.ndarray], cfg: GPTConfig) -> dict:
    """Inverse of flatten_params for a model with config `cfg`.

    Shapes: flat dict -> nested dict; the arrays are not copied.
    """
    params: dict = {"h": [{} for _ in range(cfg.n_layer)]}
    for name, value in flat.items():
        parts = name.split(".")
        node = params
        if parts[0] == "h":
            node = params["h"][int(parts[1])]
            parts = parts[2:]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return params


def _stored(name: str, value) -> np.ndarray:
    """One tensor in init_params' layout: a block's linear weight column by column."""
    value = np.asarray(value)
    if name.startswith("h.") and value.ndim == 2:
        return column_major(value)
    return value


def stored_like_init(flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same arrays, with every block's linear weight stored column by column.

    Shapes: flat dict -> flat dict of the same shapes and dtypes (copies only
    where needed). The layout `init_params` uses (see `linear.column_major`):
    whatever a file held, loaded weights then run as fast as freshly made ones.
    """
    return {name: _stored(name, value) for name, value in flat.items()}


def _validate(flat: dict, cfg: GPTConfig, source: str) -> None:
    """Raise a ValueError naming the first missing, extra or mis-shaped tensor."""
    want = expected_shapes(cfg)
    missing = [name for name in want if name not in flat]
    if missing:
        raise ValueError(
            f"{source} is missing tensor {missing[0]!r} (expected shape "
            f"{want[missing[0]]}, got none)"
            + (f"; {len(missing) - 1} more missing" if len(missing) > 1 else "")
        )
    extra = [name for name in flat if name not in want]
    if extra:
        raise ValueError(
            f"{source} has an unexpected tensor {extra[0]!r} with shape "
            f"{tuple(np.shape(flat[extra[0]]))} (expected none for this config)"
        )
    for name, shape in want.items():
        got = tuple(np.shape(flat[name]))
        if got != shape:
            raise ValueError(
                f"{source}: tensor {name!r} has the wrong shape: expected {shape}, "
                f"got {got}"
            )
        if np.asarray(flat[name]).dtype.kind != "f":
            raise TypeError(
                f"{source}: tensor {name!r} must be float, got dtype "
                f"{np.asarray(flat[name]).dtype}"
            )


def _config_from_hf(raw: dict, source: str) -> tuple[GPTConfig, bool]:
    """GPT2Config JSON -> (our GPTConfig, tied_head=True; the file's tie flag)."""
    if raw.get("model_type", "gpt2") != "gpt2":
        raise ValueError(
            f"{source}: model_type must be 'gpt2', got {raw.get('model_type')!r}"
        )
    for key, value in _HF_REQUIRED.items():
        got = raw.get(key, value)
        if got != value:
            raise ValueError(
                f"{source}: {key} must be {value!r} (what nanogpt_lib computes), "
                f"got {got!r}"
            )
    n_embd = raw["n_embd"]
    n_inner = raw.get("n_inner")
    if n_inner is not None and n_inner != 4 * n_embd:
        raise ValueError(
            f"{source}: n_inner must be 4 * n_embd = {4 * n_embd} (or null), "
            f"got {n_inner}"
        )
    cfg = GPTConfig(
        vocab_size=raw["vocab_size"],
        block_size=raw.get("n_positions", raw.get("n_ctx")),
        n_layer=raw["n_layer"],
        n_head=raw["n_head"],
        n_embd=n_embd,
    )
    return cfg, bool(raw.get("tie_word_embeddings", True))


def load_gpt2(path) -> tuple[GPTConfig, dict]:
    """Read a GPT-2 checkpoint in Hugging Face's layout (a folder, safetensors).

    Shapes: folder with config.json + model.safetensors -> (cfg, params), float32.
    Conv1D weights are already (in, out), as we store them. The head is tied to
    wte unless a `lm_head.weight` that differs from wte is present, which is then
    used. Keys may carry the "transformer." prefix or not; HF buffers are skipped.
    """
    from safetensors import safe_open

    folder = Path(path)
    config_file, weights_file = folder / "config.json", folder / "model.safetensors"
    for f in (config_file, weights_file):
        if not f.is_file():
            raise ValueError(
                f"path must be a folder holding config.json and model.safetensors, "
                f"but {f} does not exist"
            )
    cfg, tie_flag = _config_from_hf(json.loads(config_file.read_text()), str(folder))
    flat: dict[str, np.ndarray] = {}
    lm_head = None
    # One tensor at a time, each stored as init_params stores it before the next
    # is read, so loading needs memory for the model plus one tensor, not two models.
    with safe_open(str(weights_file), framework="numpy") as tensors:
        for key in tensors.keys():
            name = key.removeprefix("transformer.")
            if _HF_BUFFERS.fullmatch(name):
                continue
            if name == "lm_head.weight":
                lm_head = tensors.get_tensor(key)
                continue
            if name in ("wte.weight", "wpe.weight"):
                name = name[: -len(".weight")]
            flat[name] = _stored(name, tensors.get_tensor(key))
    if lm_head is not None:
        same = np.shape(lm_head) == np.shape(flat.get("wte")) and np.array_equal(
            lm_head, flat.get("wte")
        )
        if not same:
            flat["lm_head"] = lm_head
            cfg = GPTConfig(**{**cfg.__dict__, "tied_head": False})
    elif not tie_flag:
        raise ValueError(
            f"{folder}: config.json says tie_word_embeddings is false, but tensor "
            f"'lm_head.weight' is missing (expected shape "
            f"{(cfg.vocab_size, cfg.n_embd)}, got none)"
        )
    _validate(flat, cfg, str(weights_file))
    flat = {name: np.asarray(v, dtype=np.float32) for name, v in flat.items()}
    return cfg, unflatten_params(flat, cfg)


def save_gpt2(path, cfg: GPTConfig, params: dict) -> None:
    """Write a checkpoint in Hugging Face's GPT-2 layout (folder with two files).

    Shapes: (cfg, params) -> config.json + model.safetensors in `path`.
    GPT2LMHeadModel.from_pretrained reads it back; so does load_gpt2.
    """
    from safetensors.numpy import save_file

    if not cfg.bias:
        raise ValueError("cfg.bias must be True to save in GPT-2's layout, got False")
    flat = flatten_params(params)
    _validate(flat, cfg, "params")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for name, value in flat.items():
        if name == "lm_head":
            key = "lm_head.weight"
        elif name in ("wte", "wpe"):
            key = f"transformer.{name}.weight"
        else:
            key = f"transformer.{name}"
        tensors[key] = np.ascontiguousarray(value, dtype=np.float32)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.block_size,
        "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_inner": None,
        "tie_word_embeddings": cfg.tied_head,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        **_HF_REQUIRED,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def save_params(path, params: dict, cfg: GPTConfig) -> None:
    """Save params and their config to one .npz file (no pickle inside).

    Shapes: (params, cfg) -> file with one array per dotted name + "__config__".
    The config travels as JSON text stored in a uint8 array.
    """
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
    flat = flatten_params(params)
    _validate(flat, cfg, "params")
    text = json.dumps(cfg.__dict__, sort_keys=True).encode()
    arrays = {name: np.asarray(v) for name, v in flat.items()}
    arrays[_CONFIG_KEY] = np.frombuffer(text, dtype=np.uint8)
    np.savez(path, **arrays)


def load_params(path) -> tuple[GPTConfig, dict]:
    """Read a file written by save_params, without pickle.

    Shapes: file -> (cfg, params).
    """
    with np.load(path, allow_pickle=False) as data:
        if _CONFIG_KEY not in data.files:
            raise ValueError(
                f"path {path} has no '{_CONFIG_KEY}' entry: not written by save_params"
            )
        cfg = GPTConfig(**json.loads(data[_CONFIG_KEY].tobytes().decode()))
        names = [name for name in data.files if name != _CONFIG_KEY]
        flat = {name: _stored(name, data[name]) for name in names}  # one at a time
    _validate(flat, cfg, str(path))
    return cfg, unflatten_params(flat, cfg)


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same arrays give the same bytes


def write_npz(path, arrays: dict[str, np.ndarray]) -> str:
    """Write named arrays as a byte-reproducible, uncompressed .npz; return its sha256.

    Shapes: {name: array} -> file with one "<name>.npy" member per array.
    np.savez stamps the current time into the zip, so the same arrays would give
    a new checksum every run; here names are sorted and the date is fixed.
    """
    if not isinstance(arrays, dict) or not arrays:
        raise TypeError("arrays must be a non-empty dict of name -> numpy array")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            array = np.ascontiguousarray(arrays[name])
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    data = buffer.getvalue()
    Path(path).write_bytes(data)
    return hashlib.sha256(data).hexdigest()
