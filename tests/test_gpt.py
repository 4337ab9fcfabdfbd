"""Tests for nanogpt_lib.gpt: init, forward, KV cache, trace, generate.

The oracle is Hugging Face's GPT2LMHeadModel (skipped without torch/transformers).
"""

import math
import re

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib.checkpoint import flatten_params, unflatten_params
from nanogpt_lib.layernorm import layer_norm
from nanogpt_lib.linear import column_major
from nanogpt_lib.mlp import gelu

SMALL = gpt.GPTConfig(vocab_size=13, block_size=16, n_layer=2, n_head=2, n_embd=8)


def randomised(params, rng, scale=0.3):
    """Every weight random (biases and LayerNorms too), so no term can hide."""

    def walk(node):
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        noise = rng.standard_normal(node.shape).astype(np.float32) * np.float32(scale)
        return node + noise

    return walk(params)


@pytest.fixture
def model(rng):
    return randomised(gpt.init_params(SMALL, rng=rng), rng)


def all_arrays(params):
    if isinstance(params, dict):
        for value in params.values():
            yield from all_arrays(value)
    elif isinstance(params, list):
        for value in params:
            yield from all_arrays(value)
    else:
        yield params


# ---------------------------------------------------------------- init_params


def test_init_shapes_dtype_and_count(rng):
    cfg = gpt.PRESETS["nano-sorter"]
    params = gpt.init_params(cfg, rng=rng)
    assert all(a.dtype == np.float32 for a in all_arrays(params))
    assert params["wte"].shape == (3, 48) and params["wpe"].shape == (11, 48)
    assert params["lm_head"].shape == (3, 48)
    assert params["h"][2]["mlp"]["c_fc"]["weight"].shape == (48, 192)
    assert sum(a.size for a in all_arrays(params)) == 85_728


def test_init_statistics_follow_gpt2(rng):
    cfg = gpt.GPTConfig(vocab_size=500, block_size=64, n_layer=8, n_head=4, n_embd=128)
    params = gpt.init_params(cfg, rng=rng)
    block = params["h"][3]
    proj_std = 0.02 / math.sqrt(2 * 8)  # 0.005
    assert np.std(params["wte"]) == pytest.approx(0.02, rel=0.02)
    assert np.std(block["attn"]["c_attn"]["weight"]) == pytest.approx(0.02, rel=0.02)
    assert np.std(block["attn"]["c_proj"]["weight"]) == pytest.approx(
        proj_std, rel=0.02
    )
    assert np.std(block["mlp"]["c_proj"]["weight"]) == pytest.approx(proj_std, rel=0.02)
    assert np.std(block["mlp"]["c_fc"]["weight"]) == pytest.approx(0.02, rel=0.02)
    np.testing.assert_array_equal(block["mlp"]["c_fc"]["bias"], 0)
    np.testing.assert_array_equal(block["ln_1"]["weight"], 1)
    np.testing.assert_array_equal(params["ln_f"]["bias"], 0)
    assert "lm_head" not in params


def test_linear_weights_are_stored_column_major(rng):
    """Same shapes and values as row-major storage; only the memory order differs,
    and the logits do not depend on it (beyond float32 rounding)."""
    params = gpt.init_params(SMALL, rng=rng)
    block = params["h"][0]
    for layer in (*block["attn"].values(), *block["mlp"].values()):
        assert layer["weight"].flags.f_contiguous
    assert params["wte"].flags.c_contiguous  # (V, C): one row per token
    rows = randomised(params, rng)
    cols = gpt.init_params(SMALL, rng=rng)  # a column-major skeleton to fill
    flat_rows, flat_cols = flatten_params(rows), flatten_params(cols)
    for name in flat_rows:
        flat_cols[name][...] = flat_rows[name]
        flat_rows[name] = np.ascontiguousarray(flat_rows[name])
    ids = np.arange(SMALL.block_size) % SMALL.vocab_size
    np.testing.assert_allclose(
        gpt.forward(unflatten_params(flat_rows, SMALL), ids, SMALL),
        gpt.forward(cols, ids, SMALL),
        rtol=0,
        atol=1e-5,
    )


def test_column_major_keeps_values_and_refuses_non_matrices():
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = column_major(w)
    assert out.flags.f_contiguous and out.dtype == np.float32
    np.testing.assert_array_equal(out, w)
    assert column_major(out) is out  # already column-major: no copy
    with pytest.raises(ValueError, match=r"w must be a matrix of shape \(in, out\)"):
        column_major(np.ones(3, dtype=np.float32))


def test_init_is_reproducible_and_respects_bias_flag():
    a = gpt.init_params(SMALL, rng=np.random.default_rng(5))
    b = gpt.init_params(SMALL, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(
        a["h"][1]["attn"]["c_attn"]["weight"], b["h"][1]["attn"]["c_attn"]["weight"]
    )
    no_bias = gpt.GPTConfig(13, 16, 2, 2, 8, bias=False)
    p = gpt.init_params(no_bias, rng=np.random.default_rng(0))
    assert "bias" not in p["h"][0]["attn"]["c_attn"] and "bias" not in p["ln_f"]
    logits = gpt.forward(p, [1, 2, 3], no_bias)
    assert logits.shape == (3, 13) and np.isfinite(logits).all()
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        gpt.init_params(SMALL, rng=0)


# ---------------------------------------------------------------- forward


def test_forward_shapes_and_float32(model, rng):
    ids = rng.integers(0, 13, (2, 3, 5))
    logits = gpt.forward(model, ids, SMALL)
    assert logits.shape == (2, 3, 5, 13) and logits.dtype == np.float32
    assert gpt.forward(model, [4, 2], SMALL).shape == (2, 13)


def test_forward_by_hand(model):
    """The whole forward pass spelled out with the block functions."""
    ids = np.array([3, 1, 4, 1, 5])
    x = model["wte"][ids] + model["wpe"][:5]
    for p in model["h"]:
        x = gpt.block(x, p, SMALL)
    x = layer_norm(x, model["ln_f"]["weight"], model["ln_f"]["bias"])
    np.testing.assert_allclose(
        gpt.forward(model, ids, SMALL), x @ model["wte"].T, rtol=1e-5, atol=1e-5
    )


def test_batch_equals_per_sequence_loop(model, rng):
    ids = rng.integers(0, 13, (4, 7))
    batch = gpt.forward(model, ids, SMALL)
    for b in range(4):
        np.testing.assert_allclose(
            batch[b], gpt.forward(model, ids[b], SMALL), rtol=1e-5, atol=1e-5
        )


def test_causality(model, rng):
    ids = rng.integers(0, 13, 10)
    base = gpt.forward(model, ids, SMALL)
    for t in (0, 4, 9):
        changed = ids.copy()
        changed[t] = (changed[t] + 1) % 13
        out = gpt.forward(model, changed, SMALL)
        np.testing.assert_allclose(out[:t], base[:t], rtol=0, atol=1e-6)
        assert np.abs(out[t:] - base[t:]).max() > 1e-3  # the change does show up later


def test_does_not_mutate_params(model):
    before = [a.copy() for a in all_arrays(model)]
    gpt.forward(model, [1, 2, 3], SMALL, kv_cache=gpt.new_kv_cache(SMALL), trace={})
    gpt.generate(model, [1, 2, 3], SMALL, 4)
    for a, b in zip(all_arrays(model), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "ids, error, pattern",
    [
        (
            [1, 13],
            ValueError,
            r"ids must be integers in \[0, 13\), got 13 at position 1",
        ),
        ([[1, -2]], ValueError, r"ids must be integers in \[0, 13\), got -2"),
        (
            list(range(13)) + [0, 1, 2, 3],
            ValueError,
            "ids is too long.*block_size = 16",
        ),
        ([1.0, 2.0], TypeError, "ids must be an integer array of token ids.*float64"),
        (np.array(5), ValueError, r"ids must have shape \(\.\.\., T\)"),
        (np.zeros((2, 0), dtype=np.int64), ValueError, "ids must hold at least one"),
    ],
)
def test_forward_bad_ids(model, ids, error, pattern):
    with pytest.raises(error, match=pattern):
        gpt.forward(model, ids, SMALL)


def test_forward_checks_params_against_cfg(model):
    other = gpt.GPTConfig(vocab_size=14, block_size=16, n_layer=2, n_head=2, n_embd=8)
    with pytest.raises(ValueError, match=r"params\['wte'\] must have shape \(14, 8\)"):
        gpt.forward(model, [1], other)


# ---------------------------------------------------------------- KV cache


def test_kv_cache_equals_full_pass_token_by_token(model, rng):
    ids = rng.integers(0, 13, (2, 9))
    full = gpt.forward(model, ids, SMALL)
    cache = gpt.new_kv_cache(SMALL, batch_shape=(2,))
    first = gpt.forward(model, ids[:, :4], SMALL, kv_cache=cache)
    assert cache.length == 4
    steps = [
        gpt.forward(model, ids[:, t : t + 1], SMALL, kv_cache=cache)
        for t in range(4, 9)
    ]
    got = np.concatenate([first, *steps], axis=1)
    np.testing.assert_allclose(got, full, rtol=1e-5, atol=1e-5)
    assert cache.length == 9 and cache.k.shape == (2, 2, 2, 16, 4)


def test_kv_cache_refuses_more_than_block_size(model):
    cache = gpt.new_kv_cache(SMALL)
    gpt.forward(model, np.arange(12) % 13, SMALL, kv_cache=cache)
    with pytest.raises(
        ValueError, match=r"12 cached positions \+ T = 5 .*block_size = 16"
    ):
        gpt.forward(model, [1, 2, 3, 4, 5], SMALL, kv_cache=cache)
    assert cache.length == 12  # the refused call changed nothing
    gpt.forward(model, [1, 2, 3, 4], SMALL, kv_cache=cache)
    assert cache.length == 16
    with pytest.raises(ValueError, match="exceed cfg.block_size"):
        gpt.forward(model, [1], SMALL, kv_cache=cache)
    cache.reset()
    assert gpt.forward(model, [1], SMALL, kv_cache=cache).shape == (1, 13)


def test_kv_cache_batch_shape_must_match(model):
    with pytest.raises(ValueError, match=r"kv_cache was made for batch shape \(3,\)"):
        gpt.forward(model, [[1, 2]], SMALL, kv_cache=gpt.new_kv_cache(SMALL, (3,)))
    with pytest.raises(TypeError, match="kv_cache must be a KVCache"):
        gpt.forward(model, [1, 2], SMALL, kv_cache={})


# ---------------------------------------------------------------- generate


def test_generate_greedy_is_argmax_step_by_step(model):
    prompt = [2, 7, 1]
    out = gpt.generate(model, prompt, SMALL, 6)
    assert out.shape == (9,) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:3], prompt)
    seq = list(prompt)
    for _ in range(6):
        seq.append(int(np.argmax(gpt.forward(model, seq, SMALL)[-1])))
    np.testing.assert_array_equal(out, seq)


def test_generate_with_and_without_cache_agree(model, rng):
    prompt = rng.integers(0, 13, (3, 4))
    for kwargs in (
        {},
        {"temperature": 0.8, "top_k": 5},
        {"temperature": 1.5, "top_p": 0.9},
    ):
        seeds = [np.random.default_rng(7) for _ in range(2)]
        if not kwargs:
            seeds = [None, None]
        a = gpt.generate(model, prompt, SMALL, 12, rng=seeds[0], **kwargs)
        b = gpt.generate(
            model, prompt, SMALL, 12, rng=seeds[1], use_cache=False, **kwargs
        )
        np.testing.assert_array_equal(a, b)
    assert len(np.unique(a[:, 4:])) > 1


def test_generate_position_budget(model):
    """The last new token is never fed back: T + n - 1 positions must fit.
    block_size 16: a 6-token prompt allows 11 new tokens (6 + 11 - 1 = 16)."""
    assert gpt.generate(model, [1] * 6, SMALL, 11).shape == (17,)
    with pytest.raises(ValueError, match=r"T = 6\) plus max_new_tokens = 12 needs 17"):
        gpt.generate(model, [1] * 6, SMALL, 12)
    np.testing.assert_array_equal(gpt.generate(model, [4, 5], SMALL, 0), [4, 5])
    with pytest.raises(ValueError, match="max_new_tokens must be >= 0"):
        gpt.generate(model, [1], SMALL, -1)
    with pytest.raises(TypeError, match="ids must be an integer array"):
        gpt.generate(model, [0.5], SMALL, 2)
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        gpt.generate(model, [1], SMALL, 2, temperature=1.0)


def test_sorter_shape_fits_its_context(rng):
    cfg = gpt.PRESETS["nano-sorter"]
    params = gpt.init_params(cfg, rng=rng)
    out = gpt.generate(params, [2, 1, 0, 1, 1, 2], cfg, 6)
    assert out.shape == (12,) and set(out.tolist()) <= {0, 1, 2}


# ---------------------------------------------------------------- trace


def documented_trace_names(n_layer):
    doc = gpt.__doc__.split("Trace names.")[1]
    names = re.findall(r'^\s+"([^"]+)"', doc, flags=re.M)
    expanded = []
    for name in names:
        if "{i}" in name:
            expanded += [name.replace("{i}", str(i)) for i in range(n_layer)]
        else:
            expanded.append(name)
    return expanded


def test_trace_holds_every_documented_name(model):
    trace = {}
    ids = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
    logits = gpt.forward(model, ids, SMALL, trace=trace)
    names = documented_trace_names(SMALL.n_layer)
    assert len(names) == 5 + 15 * 2
    assert sorted(trace) == sorted(names)
    np.testing.assert_array_equal(trace["logits"], logits)
    shapes = {
        "x0": (2, 5, 8),
        "h.1.attn.q": (2, 2, 5, 4),
        "h.0.attn.pattern": (2, 2, 5, 5),
        "h.1.mlp.pre_gelu": (2, 5, 32),
        "h.0.attn.concat": (2, 5, 8),
        "wpe": (5, 8),
    }
    for name, shape in shapes.items():
        assert trace[name].shape == shape, name


def test_trace_values_fit_together(model):
    trace = {}
    gpt.forward(model, [3, 1, 4, 1, 5, 9], SMALL, trace=trace)
    np.testing.assert_allclose(trace["x0"], trace["wte"] + trace["wpe"], rtol=1e-6)
    for i in range(2):
        h = f"h.{i}."
        pattern = trace[h + "attn.pattern"]
        np.testing.assert_allclose(pattern.sum(-1), 1, rtol=1e-5)
        np.testing.assert_array_equal(
            pattern[:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]], 0
        )
        q, k = trace[h + "attn.q"], trace[h + "attn.k"]
        np.testing.assert_allclose(
            trace[h + "attn.scores"], q @ k.swapaxes(-1, -2) / 2, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            trace[h + "attn.heads"], pattern @ trace[h + "attn.v"], rtol=1e-5, atol=1e-6
        )
        stream_in = trace["x0"] if i == 0 else trace["h.0.res_2"]
        np.testing.assert_allclose(
            trace[h + "res_1"], stream_in + trace[h + "attn.proj"], rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(
            trace[h + "mlp.post_gelu"], gelu(trace[h + "mlp.pre_gelu"]), rtol=1e-6
        )
        np.testing.assert_allclose(
            trace[h + "res_2"],
            trace[h + "res_1"] + trace[h + "mlp.out"],
            rtol=1e-6,
            atol=1e-6,
        )
    p = model["ln_f"]
    np.testing.assert_allclose(
        trace["ln_f"], layer_norm(trace["h.1.res_2"], p["weight"], p["bias"]), rtol=1e-6
    )


def test_trace_with_cache_shows_all_keys(model):
    cache = gpt.new_kv_cache(SMALL)
    gpt.forward(model, [1, 2, 3], SMALL, kv_cache=cache)
    trace = {}
    gpt.forward(model, [4], SMALL, kv_cache=cache, trace=trace)
    assert trace["h.0.attn.q"].shape == (2, 1, 4)
    assert trace["h.0.attn.k"].shape == (2, 4, 4)
    assert trace["h.1.attn.pattern"].shape == (2, 1, 4)
    np.testing.assert_array_equal(trace["wpe"], model["wpe"][3:4])


# ---------------------------------------------------------------- Hugging Face oracle

HF_CONFIGS = [
    # (n_layer, n_head, n_embd, tied head)
    (1, 1, 8, True),
    (2, 2, 16, False),
    (3, 4, 64, True),
    (4, 3, 48, False),
    (2, 4, 32, False),
]


@pytest.mark.oracle
@pytest.mark.parametrize("n_layer, n_head, n_embd, tied", HF_CONFIGS)
def test_equals_huggingface_gpt2(tmp_path, n_layer, n_head, n_embd, tied):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from nanogpt_lib.checkpoint import load_gpt2

    torch.manual_seed(1000 * n_layer + 10 * n_head + n_embd)
    hf_cfg = transformers.GPT2Config(
        vocab_size=50,
        n_positions=32,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        tie_word_embeddings=tied,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    hf = transformers.GPT2LMHeadModel(hf_cfg).eval()
    with torch.no_grad():  # every parameter random, biases and LayerNorms included
        for p in hf.parameters():
            p.normal_(0.0, 0.2)
    hf.save_pretrained(tmp_path)
    cfg, params = load_gpt2(tmp_path)
    assert cfg.tied_head is tied and cfg.n_layer == n_layer and cfg.n_head == n_head

    ids = np.random.default_rng(n_embd).integers(0, 50, (3, 12))
    with torch.no_grad():
        ref = hf(torch.from_numpy(ids)).logits.numpy()
    ours = gpt.forward(params, ids, cfg)
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= 1e-4

    prompt = ids[:, :4]
    with torch.no_grad():
        hf_gen = hf.generate(
            torch.from_numpy(prompt),
            attention_mask=torch.ones_like(torch.from_numpy(prompt)),
            max_new_tokens=20,
            min_new_tokens=20,
            do_sample=False,
            eos_token_id=None,
            pad_token_id=0,
        ).numpy()
    np.testing.assert_array_equal(gpt.generate(params, prompt, cfg, 20), hf_gen)
