"""Tests for nanogpt_lib.checkpoint: Hugging Face GPT-2 layout and .npz files."""

import json
import tracemalloc

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from nanogpt_lib import gpt
from nanogpt_lib.checkpoint import (
    expected_shapes,
    flatten_params,
    load_gpt2,
    load_params,
    save_gpt2,
    save_params,
)

CFG = gpt.GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8)
UNTIED = gpt.GPTConfig(11, 8, 2, 2, 8, tied_head=False)


def assert_same_params(a, b):
    fa, fb = flatten_params(a), flatten_params(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        assert fb[name].dtype == np.float32, name
        np.testing.assert_array_equal(fa[name], fb[name], err_msg=name)
    assert_stored_like_init(b)


def assert_stored_like_init(params):
    """Block linear weights column by column (linear.column_major), the rest by row."""
    for name, value in flatten_params(params).items():
        if name.startswith("h.") and value.ndim == 2:
            assert value.flags.f_contiguous and not value.flags.c_contiguous, name
        else:
            assert value.flags.c_contiguous, name


def test_expected_shapes_worked_example():
    """2 blocks x (2 LayerNorms x 2 + 4 linears x 2) = 24 tensors, plus wte, wpe,
    ln_f weight and bias = 28; untied adds lm_head."""
    shapes = expected_shapes(CFG)
    assert len(shapes) == 28 and len(expected_shapes(UNTIED)) == 29
    assert shapes["h.1.attn.c_attn.weight"] == (8, 24)
    assert shapes["h.0.mlp.c_proj.weight"] == (32, 8)
    assert expected_shapes(UNTIED)["lm_head"] == (11, 8)
    assert (
        len(expected_shapes(gpt.GPTConfig(11, 8, 2, 2, 8, bias=False))) == 2 + 2 * 6 + 1
    )


@pytest.mark.parametrize(
    "cfg", [CFG, UNTIED, gpt.GPTConfig(11, 8, 1, 2, 8, bias=False)]
)
def test_npz_round_trip(tmp_path, rng, cfg):
    params = gpt.init_params(cfg, rng=rng)
    path = tmp_path / "model.npz"
    save_params(path, params, cfg)
    cfg2, params2 = load_params(path)
    assert cfg2 == cfg
    assert_same_params(params, params2)
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert "__config__" in data.files and data["__config__"].dtype == np.uint8


def test_npz_without_config_is_refused(tmp_path):
    np.savez(tmp_path / "x.npz", wte=np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="no '__config__' entry"):
        load_params(tmp_path / "x.npz")


@pytest.mark.parametrize("cfg", [CFG, UNTIED])
def test_hf_layout_round_trip(tmp_path, rng, cfg):
    params = gpt.init_params(cfg, rng=rng)
    save_gpt2(tmp_path, cfg, params)
    keys = set(load_file(str(tmp_path / "model.safetensors")))
    assert (
        "transformer.h.1.attn.c_attn.weight" in keys
        and "transformer.wte.weight" in keys
    )
    assert ("lm_head.weight" in keys) is (not cfg.tied_head)
    assert json.loads((tmp_path / "config.json").read_text())["n_positions"] == 8
    cfg2, params2 = load_gpt2(tmp_path)
    assert cfg2 == cfg
    assert_same_params(params, params2)


def rewrite(folder, edit):
    """Apply `edit` to the tensors of a saved checkpoint and write them back."""
    path = str(folder / "model.safetensors")
    tensors = load_file(path)
    edit(tensors)
    save_file(tensors, path, metadata={"format": "pt"})


def test_old_key_names_and_buffers_are_accepted(tmp_path, rng):
    """The original GPT-2 upload has no "transformer." prefix and stores the mask
    buffers h.{i}.attn.bias / attn.masked_bias, which are not weights."""
    params = gpt.init_params(CFG, rng=rng)
    save_gpt2(tmp_path, CFG, params)

    def strip(t):
        for key in list(t):
            t[key.removeprefix("transformer.")] = t.pop(key)
        for i in range(2):
            t[f"h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 8, 8), dtype=np.float32))
            t[f"h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=np.float32)

    rewrite(tmp_path, strip)
    cfg2, params2 = load_gpt2(tmp_path)
    assert cfg2 == CFG
    assert_same_params(params, params2)


def test_head_tied_unless_a_different_lm_head_is_present(tmp_path, rng):
    params = gpt.init_params(CFG, rng=rng)
    save_gpt2(tmp_path, CFG, params)
    rewrite(
        tmp_path, lambda t: t.update({"lm_head.weight": t["transformer.wte.weight"]})
    )
    assert (
        load_gpt2(tmp_path)[0].tied_head is True
    )  # a stored copy of wte is still tied
    other = np.full((11, 8), 0.5, dtype=np.float32)
    rewrite(tmp_path, lambda t: t.update({"lm_head.weight": other}))
    cfg2, params2 = load_gpt2(tmp_path)
    assert cfg2.tied_head is False
    np.testing.assert_array_equal(params2["lm_head"], other)


def test_untied_config_without_lm_head_is_refused(tmp_path, rng):
    save_gpt2(tmp_path, UNTIED, gpt.init_params(UNTIED, rng=rng))
    rewrite(tmp_path, lambda t: t.pop("lm_head.weight"))
    with pytest.raises(
        ValueError, match=r"'lm_head.weight' is missing \(expected shape \(11, 8\)"
    ):
        load_gpt2(tmp_path)


def test_missing_extra_and_misshaped_tensors_are_named(tmp_path, rng):
    save_gpt2(tmp_path, CFG, gpt.init_params(CFG, rng=rng))
    original = load_file(str(tmp_path / "model.safetensors"))

    rewrite(tmp_path, lambda t: t.pop("transformer.h.1.mlp.c_fc.bias"))
    with pytest.raises(
        ValueError,
        match=r"missing tensor 'h.1.mlp.c_fc.bias' \(expected shape \(32,\), got none",
    ):
        load_gpt2(tmp_path)

    rewrite(
        tmp_path,
        lambda t: t.update(
            original, **{"transformer.h.2.ln_1.weight": np.ones(8, np.float32)}
        ),
    )
    with pytest.raises(
        ValueError, match=r"unexpected tensor 'h.2.ln_1.weight' with shape \(8,\)"
    ):
        load_gpt2(tmp_path)

    def misshape(t):
        t.pop("transformer.h.2.ln_1.weight")
        t["transformer.h.0.attn.c_proj.weight"] = np.zeros((8, 9), np.float32)

    rewrite(tmp_path, misshape)
    with pytest.raises(
        ValueError,
        match=r"'h.0.attn.c_proj.weight' has the wrong shape: "
        r"expected \(8, 8\), got \(8, 9\)",
    ):
        load_gpt2(tmp_path)


def test_unsupported_configs_are_refused(tmp_path, rng):
    save_gpt2(tmp_path, CFG, gpt.init_params(CFG, rng=rng))
    config_file = tmp_path / "config.json"
    raw = json.loads(config_file.read_text())
    config_file.write_text(json.dumps({**raw, "activation_function": "relu"}))
    with pytest.raises(
        ValueError, match="activation_function must be 'gelu_new'.*'relu'"
    ):
        load_gpt2(tmp_path)
    config_file.write_text(json.dumps({**raw, "n_inner": 40}))
    with pytest.raises(ValueError, match=r"n_inner must be 4 \* n_embd = 32"):
        load_gpt2(tmp_path)
    with pytest.raises(ValueError, match="config.json and model.safetensors"):
        load_gpt2(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="cfg.bias must be True"):
        no_bias = gpt.GPTConfig(11, 8, 1, 2, 8, bias=False)
        save_gpt2(tmp_path / "b", no_bias, gpt.init_params(no_bias, rng=rng))


def test_save_refuses_params_that_do_not_fit_cfg(tmp_path, rng):
    params = gpt.init_params(CFG, rng=rng)
    with pytest.raises(ValueError, match=r"params is missing tensor 'lm_head'"):
        save_params(tmp_path / "x.npz", params, UNTIED)


@pytest.mark.oracle
def test_huggingface_reads_what_we_write(tmp_path, rng):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    params = gpt.init_params(UNTIED, rng=rng)
    save_gpt2(tmp_path, UNTIED, params)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    ids = rng.integers(0, 11, (2, 8))
    with torch.no_grad():
        ref = hf(torch.from_numpy(ids)).logits.numpy()
    np.testing.assert_allclose(gpt.forward(params, ids, UNTIED), ref, rtol=0, atol=1e-5)


def test_loading_restores_the_column_major_layout(tmp_path, rng):
    """Files hold rows (safetensors, npz of C-order arrays); loaders store columns."""
    params = gpt.init_params(CFG, rng=rng)
    assert_stored_like_init(params)
    rows = {k: np.ascontiguousarray(v) for k, v in flatten_params(params).items()}
    np.savez(
        tmp_path / "rows.npz",
        __config__=np.frombuffer(json.dumps(CFG.__dict__).encode(), dtype=np.uint8),
        **rows,
    )
    _, loaded = load_params(tmp_path / "rows.npz")
    assert_same_params(params, loaded)
    save_gpt2(tmp_path / "hf", CFG, params)
    on_disk = load_file(str(tmp_path / "hf" / "model.safetensors"))
    assert on_disk["transformer.h.0.mlp.c_fc.weight"].shape == (8, 32)  # (in, out)
    _, loaded = load_gpt2(tmp_path / "hf")
    assert_same_params(params, loaded)


@pytest.mark.parametrize("loader", ["gpt2", "npz"])
def test_loading_holds_one_model_plus_one_tensor(tmp_path, rng, loader):
    """Each tensor is converted to the column-major layout as it is read, so the
    peak allocation is the model plus one tensor, not two models."""
    cfg = gpt.GPTConfig(vocab_size=200, block_size=64, n_layer=4, n_head=4, n_embd=128)
    params = gpt.init_params(cfg, rng=rng)
    flat = flatten_params(params)
    model_bytes = sum(a.nbytes for a in flat.values())
    largest = max(a.nbytes for a in flat.values())
    if loader == "gpt2":
        save_gpt2(tmp_path, cfg, params)
    else:
        save_params(tmp_path / "m.npz", params, cfg)
    del params, flat
    tracemalloc.start()
    try:
        if loader == "gpt2":
            load_gpt2(tmp_path)
        else:
            load_params(tmp_path / "m.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    slack = 512 * 1024  # read buffers (np.load reads zip members in 256 KiB chunks)
    assert peak < model_bytes + largest + slack, (peak, model_bytes, largest)


def test_write_npz_is_byte_reproducible_and_loads_without_pickle(tmp_path):
    from nanogpt_lib.checkpoint import write_npz

    arrays = {"b": np.arange(3, dtype=np.float32), "a": np.eye(2, dtype=np.float32)}
    first = write_npz(tmp_path / "one.npz", arrays)
    second = write_npz(tmp_path / "two.npz", dict(reversed(arrays.items())))
    assert first == second  # names sorted, date fixed: same bytes
    with np.load(tmp_path / "one.npz", allow_pickle=False) as npz:
        assert npz.files == ["a", "b"]
        np.testing.assert_array_equal(npz["b"], arrays["b"])
    with pytest.raises(TypeError, match="arrays must be a non-empty dict"):
        write_npz(tmp_path / "x.npz", {})
