"""Each chapter-05 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

import numpy as np
import pytest

from nanogpt_lib import interpretability as interp
from nanogpt_lib import multihead as lib
from nanogpt_lib.attention import attention
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks import multihead as chk
from nanogpt_lib.linear import linear
from nanogpt_lib.shakespeare import load_model


def test_library_building_blocks_are_allowed(capsys):
    """multi-head attention may use split_heads, merge_heads, attention and linear."""

    def mha(x, p, n_head):
        c = x.shape[-1]
        qkv = linear(x, p["c_attn"])
        q, k, v = (
            lib.split_heads(qkv[..., i * c : (i + 1) * c], n_head) for i in range(3)
        )
        return linear(lib.merge_heads(attention(q, k, v)), p["c_proj"])

    chk.check_multi_head_attention(mha)
    assert capsys.readouterr().out.splitlines() == [
        "check_multi_head_attention: all 6 cases passed.",
    ]


def mha_loop(x, p, n_head):
    """Multi-head attention written as a Python loop over heads."""
    c = x.shape[-1]
    d = c // n_head
    qkv = x @ p["c_attn"]["weight"] + p["c_attn"]["bias"]
    outs = []
    for h in range(n_head):
        q, k, v = (qkv[..., i * c + h * d : i * c + (h + 1) * d] for i in range(3))
        outs.append(attention(q, k, v))
    return np.concatenate(outs, axis=-1) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]


def test_independent_solution_passes(capsys):
    chk.check_multi_head_attention(mha_loop)
    assert capsys.readouterr().out.count("cases passed") == 1


def leaky(x, p, n_head):
    """The planted bug of ex-05-leaky-heads."""
    t, c = x.shape
    qkv = linear(x, p["c_attn"])
    q, k, v = (qkv[:, i * c : (i + 1) * c].reshape(n_head, t, -1) for i in range(3))
    return linear(lib.merge_heads(attention(q, k, v)), p["c_proj"])


def test_the_planted_bug_leaks_the_future(rng):
    """The chapter's claim: the bug lets position 0 see a later token (here token
    1, whose numbers land in head 1's row 0), the fix does not."""
    x = rng.standard_normal((4, 12), dtype=np.float32)
    p = chk._attn_params(rng, 12)
    later = x.copy()
    later[1] += 1.0
    assert not np.allclose(leaky(x, p, 3)[0], leaky(later, p, 3)[0])
    np.testing.assert_allclose(
        lib.multi_head_attention(x, p, 3)[0], lib.multi_head_attention(later, p, 3)[0]
    )


def mha_no_proj(x, p, n_head):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[:, i * c : (i + 1) * c], n_head) for i in range(3))
    return lib.merge_heads(attention(q, k, v))


def mha_no_mask(x, p, n_head):
    c = x.shape[-1]
    qkv = linear(x, p["c_attn"])
    q, k, v = (lib.split_heads(qkv[:, i * c : (i + 1) * c], n_head) for i in range(3))
    return linear(lib.merge_heads(attention(q, k, v, causal=False)), p["c_proj"])


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (leaky, "reshaped straight to \\(H, T, D\\)"),
        (mha_no_proj, "apply the output projection"),
        (mha_no_mask, "causal mask"),
    ],
)
def test_multi_head_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        chk.check_multi_head_attention(wrong)


def test_one_head_is_single_head_attention(rng):
    """The n_head = 1 case the checker uses really is single-head attention."""
    x = rng.standard_normal((4, 6), dtype=np.float32)
    p = chk._attn_params(rng, 6)
    qkv = linear(x, p["c_attn"])
    single = attention(qkv[:, :6], qkv[:, 6:12], qkv[:, 12:])
    want = linear(single, p["c_proj"])
    np.testing.assert_allclose(
        lib.multi_head_attention(x, p, 1), want, rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------------ by hand


def by_hand_from_the_model():
    """The answers, read off the real model and one traced window (not typed)."""
    cfg, params, _ = load_model()
    ids = np.zeros(cfg.block_size, dtype=np.int64)
    trace: dict = {}
    from nanogpt_lib.gpt import forward

    forward(params, ids, cfg, trace=trace)
    a = params["h"][0]["attn"]
    return {
        "D": cfg.head_size,
        "qkv": (cfg.block_size, 3 * cfg.n_embd),
        "q_heads": trace["h.0.attn.q"].shape,
        "scores": trace["h.0.attn.scores"].shape,
        "c_attn_params": a["c_attn"]["weight"].size + a["c_attn"]["bias"].size,
        "c_proj_params": a["c_proj"]["weight"].size + a["c_proj"]["bias"].size,
    }


def test_by_hand_truth_is_the_models(capsys):
    truth = by_hand_from_the_model()
    assert truth["c_attn_params"] == 3 * 128 * 128 + 3 * 128 == 49_536
    chk.check_attention_by_hand(lambda: truth)
    assert capsys.readouterr().out == "check_attention_by_hand: all 6 answers passed.\n"


def test_by_hand_never_shows_the_right_value():
    truth = by_hand_from_the_model()
    for key, wrong in [("c_attn_params", 49_152), ("c_proj_params", 16_000)]:
        with pytest.raises(CheckFailure) as info:
            chk.check_attention_by_hand(lambda k=key, w=wrong: {**truth, k: w})
        assert f"{truth[key]:,}" not in str(info.value)
        assert str(truth[key]) not in str(info.value)


def test_by_hand_stub_is_not_implemented_yet(capsys):
    def stub():
        raise NotImplementedError

    chk.check_attention_by_hand(stub)
    assert "not implemented yet" in capsys.readouterr().out


# ------------------------------------------------------------------ without head


def test_without_head_matches_forward_with_heads(rng):
    """Removing head h from the layer's output is what zero-ablation does there."""
    from nanogpt_lib.gpt import forward
    from nanogpt_lib.sorter import load_sorter

    cfg, params = load_sorter()
    ids = np.array([2, 1, 0, 1, 1, 2])
    trace: dict = {}
    forward(params, ids, cfg, trace=trace)
    layer, h = cfg.n_layer - 1, 1
    attn_out = chk._without_reference(
        trace[f"h.{layer}.attn.heads"], params["h"][layer]["attn"]["c_proj"], h
    )
    # the last layer's attention output feeds the stream; rebuild the block's end
    from nanogpt_lib.layernorm import layer_norm
    from nanogpt_lib.mlp import mlp

    p = params["h"][layer]
    x = trace[f"h.{layer - 1}.res_2"] + attn_out
    x = x + mlp(layer_norm(x, p["ln_2"]["weight"], p["ln_2"]["bias"]), p["mlp"])
    keep = np.ones((cfg.n_layer, cfg.n_head), dtype=bool)
    keep[layer, h] = False
    got = interp.forward_with_heads(params, ids, cfg, keep)
    np.testing.assert_allclose(
        interp._unembed(params, cfg, x), got, rtol=1e-4, atol=1e-4
    )


# ------------------------------------------------------------------ layer ablation


def test_layer_ablation_reference_agrees_with_ablation_losses():
    """Removing a layer with a single head is ablation_losses' zero mode."""
    cfg, params, chars = load_model()
    from nanogpt_lib.shakespeare import held_out_text

    held = np.array(chars.encode(held_out_text()[:2000]), dtype=np.int64)
    windows = np.stack([held[:65], held[500:565]])
    rises = chk._layer_rises(params, windows, cfg)
    assert rises.shape == (cfg.n_layer,) and (rises > 0).all()
    base, single = interp.ablation_losses(params, windows, cfg, mode="zero")
    # a whole layer costs at least as much as its most costly head, in this model
    assert (rises >= single.max(axis=1) - base - 1e-4).all()
