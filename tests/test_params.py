"""Tests for nanogpt_lib.params: every published count, by group, with arithmetic."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib import params as P
from nanogpt_lib.gpt import PRESETS, GPTConfig

GPT3 = PRESETS["gpt3"]


def closed_form(cfg: GPTConfig) -> int:
    """V C + T C + L (12 C^2 + 13 C) + 2 C, plus V C for an untied head.

    Per block: c_attn 3C^2 + 3C, c_proj C^2 + C, c_fc 4C^2 + 4C, c_proj 4C^2 + C,
    two LayerNorms 4C: 12 C^2 + 13 C. Without biases: 12 C^2 + 2 C per block and
    C for ln_f (the LayerNorm biases go too).
    """
    V, T, L, C = cfg.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_embd
    head = 0 if cfg.tied_head else V * C
    if cfg.bias:
        return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C + head
    return V * C + T * C + L * (12 * C * C + 2 * C) + C + head


def random_configs(rng, n=25):
    out = []
    for _ in range(n):
        H = int(rng.integers(1, 9))
        out.append(
            GPTConfig(
                vocab_size=int(rng.integers(2, 5000)),
                block_size=int(rng.integers(1, 4096)),
                n_layer=int(rng.integers(1, 13)),
                n_head=H,
                n_embd=H * int(rng.integers(1, 65)),
                bias=bool(rng.integers(2)),
                tied_head=bool(rng.integers(2)),
            )
        )
    return out


# --- the GPT-2 family and the sorter --------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt2", 124_439_808),
        ("gpt2-medium", 354_823_168),
        ("gpt2-large", 774_030_080),
        ("gpt2-xl", 1_557_611_200),
    ],
)
def test_gpt2_family_exact(name, expected):
    """GPT-2 small: 50257*768 + 1024*768 + 12*(12*768^2 + 13*768) + 2*768
    = 38,597,376 + 786,432 + 12*7,087,872 + 1,536 = 124,439,808.
    medium (L=24, C=1024) 354,823,168; large (36, 1280) 774,030,080;
    XL (48, 1600) 1,557,611,200."""
    assert P.count_params(PRESETS[name]) == expected
    assert closed_form(PRESETS[name]) == expected


def test_gpt2_small_by_group():
    """The big groups of GPT-2 small: wte 50257*768 = 38,597,376; wpe 1024*768 =
    786,432; c_attn 12*768*2304 = 21,233,664; c_fc 12*768*3072 = 28,311,552."""
    counts = {g.name: g.count for g in P.gpt2_groups(PRESETS["gpt2"])}
    assert counts["wte"] == 38_597_376
    assert counts["wpe"] == 786_432
    assert counts["attn.c_attn.weight"] == 21_233_664
    assert counts["attn.c_attn.bias"] == 12 * 2304 == 27_648
    assert counts["mlp.c_fc.weight"] == 28_311_552
    assert counts["mlp.c_proj.weight"] == 28_311_552
    assert counts["ln_f.weight"] == counts["ln_f.bias"] == 768
    assert "lm_head" not in counts  # tied to wte: counted once
    assert sum(counts.values()) == 124_439_808


def test_sorter_with_and_without_its_head():
    """wte 3*48 = 144, wpe 11*48 = 528, 3 blocks of 12*48^2 + 13*48 = 28,272,
    ln_f 96, lm_head 3*48 = 144: 144 + 528 + 84,816 + 96 + 144 = 85,728;
    Bycroft's visualization leaves the 144-weight head out: 85,584."""
    cfg = PRESETS["nano-sorter"]
    assert cfg.tied_head is False
    groups = P.gpt2_groups(cfg)
    assert P.total(groups) == 85_728
    head = [g for g in groups if g.name == "lm_head"]
    assert len(head) == 1 and head[0].shape == (3, 48) and head[0].count == 144
    assert P.total(g for g in groups if g.name != "lm_head") == 85_584
    assert P.count_params(dataclasses.replace(cfg, tied_head=True)) == 85_584


def test_group_names_and_shapes_follow_the_weights_dict():
    """Names and (in, out) shapes as in CONTRIBUTING.md, with C=48, F=192, L=3."""
    cfg = PRESETS["nano-sorter"]
    shapes = {g.name: (g.shape, g.copies) for g in P.gpt2_groups(cfg)}
    assert shapes == {
        "wte": ((3, 48), 1),
        "wpe": ((11, 48), 1),
        "ln_1.weight": ((48,), 3),
        "ln_1.bias": ((48,), 3),
        "attn.c_attn.weight": ((48, 144), 3),
        "attn.c_attn.bias": ((144,), 3),
        "attn.c_proj.weight": ((48, 48), 3),
        "attn.c_proj.bias": ((48,), 3),
        "ln_2.weight": ((48,), 3),
        "ln_2.bias": ((48,), 3),
        "mlp.c_fc.weight": ((48, 192), 3),
        "mlp.c_fc.bias": ((192,), 3),
        "mlp.c_proj.weight": ((192, 48), 3),
        "mlp.c_proj.bias": ((48,), 3),
        "ln_f.weight": ((48,), 1),
        "ln_f.bias": ((48,), 1),
        "lm_head": ((3, 48), 1),
    }


def test_no_bias_drops_every_bias_entry():
    """GPT-2 small without biases: 124,439,808 - 12*(9*768 + 2*768) - 768
    = 124,439,808 - 101,376 - 768 = 124,337,664."""
    cfg = dataclasses.replace(PRESETS["gpt2"], bias=False)
    names = [g.name for g in P.gpt2_groups(cfg)]
    assert not [n for n in names if n.endswith(".bias")]
    assert P.count_params(cfg) == 124_337_664


def test_closed_form_on_random_configs(rng):
    """Property: the group sum equals the closed form for any config."""
    for cfg in random_configs(rng):
        assert P.count_params(cfg) == closed_form(cfg), cfg


def test_heads_never_change_the_count():
    """C = 48 with 1, 2, 3, 4, 6, 8, 12, 16, 24 or 48 heads: the same count."""
    counts = {
        P.count_params(GPTConfig(50, 16, 2, h, 48))
        for h in (1, 2, 3, 4, 6, 8, 12, 16, 24, 48)
    }
    assert counts == {50 * 48 + 16 * 48 + 2 * (12 * 48 * 48 + 13 * 48) + 96}


def test_from_dims_equals_from_config(rng):
    for cfg in random_configs(rng, 10):
        got = P.count_params_from_dims(
            cfg.n_layer,
            cfg.n_embd,
            cfg.vocab_size,
            cfg.block_size,
            bias=cfg.bias,
            tied_head=cfg.tied_head,
        )
        assert got == P.count_params(cfg)


def test_by_kind_gpt3():
    """GPT-3, GPT-2 style: attention 96*(4*12288^2 + 4*12288) = 57,986,777,088;
    MLP 96*(8*12288^2 + 5*12288) = 115,970,015,232; LayerNorm 4,743,168."""
    kinds = P.by_kind(P.gpt2_groups(GPT3))
    assert kinds == {
        "embedding": 617_558_016,
        "position": 25_165_824,
        "attention": 57_986_777_088,
        "mlp": 115_970_015_232,
        "layernorm": 4_743_168,
    }
    assert sum(kinds.values()) == 174_604_259_328


# --- 3Blue1Brown's tally -----------------------------------------------------------


def test_gpt3_tally_groups():
    """Embedding 12,288 x 50,257 = 617,558,016; key, query, value-down: 128 x 12,288
    = 1,572,864 per head, x 96 heads x 96 layers = 14,495,514,624 each; output
    12,288^2 x 96 = 14,495,514,624; MLP up and down 49,152 x 12,288 x 96
    = 57,982,058,496 each; unembedding 617,558,016."""
    groups = {g.name: g for g in P.tally_3b1b(GPT3)}
    assert list(groups) == [
        "embedding",
        "key",
        "query",
        "value down",
        "value up (output)",
        "MLP up",
        "MLP down",
        "unembedding",
    ]
    assert groups["embedding"].shape == (12_288, 50_257)
    assert groups["embedding"].count == 617_558_016
    for name in ("key", "query", "value down"):
        assert groups[name].shape == (128, 12_288)
        assert groups[name].size == 1_572_864
        assert groups[name].copies == 96 * 96
        assert groups[name].count == 14_495_514_624
    assert groups["value up (output)"].shape == (12_288, 12_288)
    assert groups["value up (output)"].count == 14_495_514_624
    assert groups["MLP up"].shape == (49_152, 12_288)
    assert groups["MLP up"].count == groups["MLP down"].count == 57_982_058_496
    assert groups["unembedding"].count == 617_558_016


def test_gpt3_tally_total_and_matrices():
    """2 V d + 12 L d^2 = 2*50,257*12,288 + 12*96*12,288^2
    = 1,235,116,032 + 173,946,175,488 = 175,181,291,520;
    matrices 2 + 96 x (96 x 3 + 1 + 2) = 2 + 96 x 291 = 27,938."""
    groups = P.tally_3b1b(GPT3)
    V, L, d = 50_257, 96, 12_288
    assert P.total(groups) == 175_181_291_520 == 2 * V * d + 12 * L * d * d
    assert P.n_matrices(groups) == 27_938 == 2 + 96 * (96 * 3 + 1 + 2)


def test_gpt3_tally_shares():
    """MLP 115,964,116,992 / 175,181,291,520 = 0.662; attention 57,982,058,496 /
    175,181,291,520 = 0.331; embedding + unembedding 1,235,116,032 = 0.0071."""
    kinds = P.by_kind(P.tally_3b1b(GPT3))
    n = 175_181_291_520
    assert kinds["mlp"] == 115_964_116_992
    assert kinds["attention"] == 57_982_058_496
    assert kinds["embedding"] + kinds["unembedding"] == 1_235_116_032
    assert kinds["mlp"] / n == pytest.approx(0.66197, abs=1e-5)
    assert kinds["attention"] / n == pytest.approx(0.33098, abs=1e-5)
    assert (kinds["embedding"] + kinds["unembedding"]) / n < 0.01


def test_tally_formula_on_random_configs(rng):
    """Property: tally = 2 V C + 12 L C^2 in 2 + L (3 H + 3) matrices."""
    for cfg in random_configs(rng):
        groups = P.tally_3b1b(cfg)
        V, L, C, H = cfg.vocab_size, cfg.n_layer, cfg.n_embd, cfg.n_head
        assert P.total(groups) == 2 * V * C + 12 * L * C * C
        assert P.n_matrices(groups) == 2 + L * (3 * H + 3)


def test_what_the_tally_leaves_out():
    """Positions 2048 x 12,288 = 25,165,824; biases 96 x 9 x 12,288 = 10,616,832;
    LayerNorm (96 x 4 + 2) x 12,288 = 4,743,168. With a tied head GPT-2 style:
    175,181,291,520 - 617,558,016 + 25,165,824 + 10,616,832 + 4,743,168
    = 174,604,259,328."""
    extra = P.beyond_tally(GPT3)
    assert extra == {
        "position embedding": 25_165_824,
        "biases": 10_616_832,
        "LayerNorm": 4_743_168,
        "tied head": -617_558_016,
    }
    assert P.count_params(GPT3) == 174_604_259_328
    assert P.total(P.tally_3b1b(GPT3)) + sum(extra.values()) == 174_604_259_328


def test_tally_plus_leftovers_is_the_full_count(rng):
    """Property, tied or untied, with or without biases."""
    for cfg in random_configs(rng):
        tally = P.total(P.tally_3b1b(cfg))
        assert tally + sum(P.beyond_tally(cfg).values()) == P.count_params(cfg)


# --- Table 2.1 ------------------------------------------------------------------


def test_table_2_1_as_printed():
    rows = P.GPT3_TABLE_2_1
    assert [r.name for r in rows] == [
        "GPT-3 Small",
        "GPT-3 Medium",
        "GPT-3 Large",
        "GPT-3 XL",
        "GPT-3 2.7B",
        "GPT-3 6.7B",
        "GPT-3 13B",
        "GPT-3 175B",
    ]
    printed = [
        (r.n_params_printed, r.n_layer, r.d_model, r.n_head, r.d_head) for r in rows
    ]
    assert printed == [
        ("125M", 12, 768, 12, 64),
        ("350M", 24, 1024, 16, 64),
        ("760M", 24, 1536, 16, 96),
        ("1.3B", 24, 2048, 24, 128),
        ("2.7B", 32, 2560, 32, 80),
        ("6.7B", 32, 4096, 32, 128),
        ("13.0B", 40, 5140, 40, 128),
        ("175.0B", 96, 12288, 96, 128),
    ]
    assert [r.batch_tokens for r in rows] == [
        500_000,
        500_000,
        500_000,
        1_000_000,
        1_000_000,
        2_000_000,
        2_000_000,
        3_200_000,
    ]
    np.testing.assert_allclose(
        [r.learning_rate for r in rows],
        [6.0e-4, 3.0e-4, 2.5e-4, 2.0e-4, 1.6e-4, 1.2e-4, 1.0e-4, 0.6e-4],
    )
    assert P.GPT3_CONTEXT == 2048 and P.GPT3_VOCAB == 50_257


def test_table_2_1_flags_exactly_xl_and_13b():
    """XL: 24 x 128 = 3072 != 2048; 13B: 40 x 128 = 5120 != 5140. Not altered."""
    flagged = {r.name: r for r in P.GPT3_TABLE_2_1 if not r.heads_match}
    assert set(flagged) == {"GPT-3 XL", "GPT-3 13B"}
    xl, b13 = flagged["GPT-3 XL"], flagged["GPT-3 13B"]
    assert (xl.n_head * xl.d_head, xl.d_model) == (3072, 2048)
    assert (b13.n_head * b13.d_head, b13.d_model) == (5120, 5140)
    for row in flagged.values():
        with pytest.raises(ValueError, match="d_model"):
            row.config()


def test_table_2_1_consistent_rows_match_presets():
    by_size = {(c.n_layer, c.n_embd): c for k, c in PRESETS.items() if "gpt3" in k}
    for row in P.GPT3_TABLE_2_1:
        if row.heads_match:
            cfg = row.config()
            assert cfg.head_size == row.d_head
            assert cfg == by_size[(row.n_layer, row.d_model)]


@pytest.mark.parametrize(
    ("name", "computed", "rel"),
    [
        ("GPT-3 Small", 125_226_240, +0.001810),
        ("GPT-3 Medium", 355_871_744, +0.016776),
        ("GPT-3 Large", 760_300_032, +0.000395),
        ("GPT-3 XL", 1_315_723_264, +0.012095),
        ("GPT-3 2.7B", 2_651_553_280, -0.017943),
        ("GPT-3 6.7B", 6_658_404_352, -0.006208),
        ("GPT-3 13B", 12_952_938_780, -0.003620),
        ("GPT-3 175B", 174_604_259_328, -0.002261),
    ],
)
def test_table_2_1_computed_vs_printed(name, computed, rel):
    """GPT-2-style count, tied head, V = 50,257, T = 2048, from (L, d_model) only:
    Small 125,226,240 vs 125M (+0.18%); Medium 355,871,744 vs 350M (+1.68%);
    Large 760,300,032 vs 760M (+0.04%); XL 1,315,723,264 vs 1.3B (+1.21%);
    2.7B 2,651,553,280 (-1.79%); 6.7B 6,658,404,352 (-0.62%);
    13B 12,952,938,780 vs 13.0B (-0.36%); 175B 174,604,259,328 (-0.23%).
    Every row lies within 2% of its printed figure."""
    row = next(r for r in P.GPT3_TABLE_2_1 if r.name == name)
    assert row.computed_params() == computed
    assert row.computed_params() == P.count_params_from_dims(
        row.n_layer, row.d_model, 50_257, 2048
    )
    assert row.relative_difference == pytest.approx(rel, abs=5e-7)
    assert abs(row.relative_difference) < 0.02


def test_inconsistent_rows_agree_with_d_model_not_with_heads():
    """XL with attention width 24 x 128 = 3072 instead of 2048: 1,517,123,584
    (1.5B, not the printed 1.3B). 13B with d_model 5120 instead of 5140:
    12,853,386,240 rounds to 12.9B; 5140 gives 12,952,938,780, i.e. 13.0B."""
    xl_wide = P.count_params_from_dims(24, 2048, 50_257, 2048, attn_width=3072)
    assert xl_wide == 1_517_123_584
    assert round(xl_wide / 1e9, 1) == 1.5
    assert round(P.count_params_from_dims(24, 2048, 50_257, 2048) / 1e9, 1) == 1.3
    b13_5120 = P.count_params_from_dims(40, 5120, 50_257, 2048)
    assert b13_5120 == 12_853_386_240
    assert round(b13_5120 / 1e9, 1) == 12.9
    assert round(P.count_params_from_dims(40, 5140, 50_257, 2048) / 1e9, 1) == 13.0


# --- GPT-2's printed sizes ------------------------------------------------------


def test_gpt2_paper_figures_match_a_40478_token_vocabulary():
    """With GPT-1's vocabulary of 40,478 tokens in place of 50,257 (9,779 fewer rows
    of wte), the four architectures count 116,929,536 / 344,809,472 / 761,512,960
    / 1,541,964,800: to the nearest million exactly the paper's 117M / 345M / 762M
    / 1542M. With 50,257 they are 124M / 355M / 774M / 1558M."""
    expected = {
        "gpt2": 116_929_536,
        "gpt2-medium": 344_809_472,
        "gpt2-large": 761_512_960,
        "gpt2-xl": 1_541_964_800,
    }
    for name, printed in P.GPT2_PAPER_N_PARAMS.items():
        cfg = PRESETS[name]
        small_vocab = P.count_params(dataclasses.replace(cfg, vocab_size=40_478))
        assert small_vocab == expected[name]
        assert small_vocab == P.count_params(cfg) - 9_779 * cfg.n_embd
        assert round(small_vocab / 1e6) == printed // 1_000_000
        assert round(P.count_params(cfg) / 1e6) != printed // 1_000_000


# --- resources ------------------------------------------------------------------


def test_weight_bytes():
    """GPT-3 (174,604,259,328 parameters): fp32 698,417,037,312 bytes (698 GB);
    fp16 349,208,518,656 (349 GB); int8 174,604,259,328 (175 GB)."""
    n = P.count_params(GPT3)
    assert P.weight_bytes(n, "fp32") == 698_417_037_312
    assert P.weight_bytes(n, "fp16") == 349_208_518_656
    assert P.weight_bytes(n, "bf16") == 349_208_518_656
    assert P.weight_bytes(n, "int8") == 174_604_259_328
    assert P.weight_bytes(124_439_808) == 497_759_232  # GPT-2 small, fp32


def test_flops():
    """2N per inference token, 6N per training token; GPT-3 (tally N =
    175,181,291,520): 350,362,583,040 and 1,051,087,749,120 FLOPs per token;
    x 300e9 tokens = 3.153e23 FLOPs (3.143e23 with the 174.6B GPT-2-style N)."""
    n = 175_181_291_520
    assert P.inference_flops_per_token(n) == 350_362_583_040
    assert P.training_flops_per_token(n) == 1_051_087_749_120
    assert P.GPT3_TRAINING_TOKENS == 300_000_000_000
    assert P.training_flops(n) == 1_051_087_749_120 * 300_000_000_000
    assert P.training_flops(n) == pytest.approx(3.1533e23, rel=1e-4)
    assert P.training_flops(174_604_259_328) == pytest.approx(3.1429e23, rel=1e-4)
    assert P.training_flops(10, 7) == 420


def test_kv_cache():
    """2 x 96 x 12,288 = 2,359,296 values per token; fp16: 4,718,592 bytes
    (4.7 MB); x 2048 tokens = 9,663,676,416 bytes (9.7 GB). GPT-2 small fp32:
    2 x 12 x 768 x 4 = 73,728 bytes per token."""
    assert P.kv_cache_bytes(96, 12_288) == 4_718_592
    assert P.kv_cache_bytes(96, 12_288, 2048) == 9_663_676_416
    assert P.kv_cache_bytes(96, 12_288, 2048, dtype="fp32") == 19_327_352_832
    assert P.kv_cache_bytes(12, 768, dtype="fp32") == 73_728
    assert P.kv_cache_bytes(12, 768, 0) == 0


def test_attention_pattern():
    """2048^2 = 4,194,304 scores per head; x 96 heads = 402,653,184 per layer;
    x 96 layers = 38,654,705,664. Doubling T quadruples it."""
    assert P.attention_pattern_entries(2048) == 4_194_304
    assert P.attention_pattern_entries(2048, 96) == 402_653_184
    assert P.attention_pattern_entries(2048, 96, 96) == 38_654_705_664
    assert P.attention_pattern_entries(4096) == 4 * P.attention_pattern_entries(2048)


def test_formatting():
    assert P.format_count(175_181_291_520) == "175.2B"
    assert P.format_count(124_439_808) == "124.4M"
    assert P.format_count(85_728) == "85.7K"
    assert P.format_count(12) == "12"
    assert P.format_bytes(349_208_518_656) == "349.2 GB"
    assert P.format_bytes(4_718_592) == "4.7 MB"
    assert P.format_bytes(1.5e12) == "1.5 TB"
    assert P.format_bytes(3) == "3 B"


# --- counting a real weights dict -------------------------------------------------


def test_param_sizes_walks_a_weights_dict():
    f32 = np.float32
    params = {
        "wte": np.zeros((3, 4), f32),
        "h": [{"ln_1": {"weight": np.ones(4, f32), "bias": np.zeros(4, f32)}}],
    }
    assert P.param_sizes(params) == {
        "wte": 12,
        "h.0.ln_1.weight": 4,
        "h.0.ln_1.bias": 4,
    }


def test_init_params_has_exactly_the_counted_tensors(rng):
    """The weights dict that gpt.init_params builds, tensor by tensor."""
    if not hasattr(gpt, "init_params"):
        pytest.skip("nanogpt_lib.gpt.init_params does not exist yet")
    for cfg in (
        PRESETS["nano-sorter"],
        GPTConfig(11, 7, 2, 2, 8),
        GPTConfig(11, 7, 2, 2, 8, bias=False, tied_head=False),
    ):
        sizes = P.param_sizes(gpt.init_params(cfg, rng=rng))
        assert sum(sizes.values()) == P.count_params(cfg)
        expected = {}
        for g in P.gpt2_groups(cfg):
            if g.copies == cfg.n_layer and g.name not in ("wte", "wpe", "lm_head"):
                for i in range(cfg.n_layer):
                    expected[f"h.{i}.{g.name}"] = g.size
            else:
                expected[g.name] = g.size
        assert sizes == expected


@pytest.mark.oracle
def test_hugging_face_counts_the_same():
    """transformers' GPT2LMHeadModel on the meta device (no memory, no download)."""
    torch = pytest.importorskip("torch", reason="oracle needs torch")
    tf = pytest.importorskip("transformers", reason="oracle needs transformers")
    for cfg in (
        PRESETS["gpt2"],
        PRESETS["gpt2-xl"],
        PRESETS["nano-sorter"],
        GPTConfig(17, 9, 2, 4, 32, tied_head=False),
    ):
        hf_cfg = tf.GPT2Config(
            vocab_size=cfg.vocab_size,
            n_positions=cfg.block_size,
            n_layer=cfg.n_layer,
            n_head=cfg.n_head,
            n_embd=cfg.n_embd,
            tie_word_embeddings=cfg.tied_head,
            bos_token_id=0,
            eos_token_id=0,
        )
        with torch.device("meta"):
            model = tf.GPT2LMHeadModel(hf_cfg)
        assert sum(p.numel() for p in model.parameters()) == P.count_params(cfg)


# --- bad input --------------------------------------------------------------------


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="cfg must be a GPTConfig"):
        P.count_params("gpt2")
    with pytest.raises(ValueError, match="n_embd must be a positive int, got 0"):
        P.count_params_from_dims(2, 0, 10, 10)
    with pytest.raises(ValueError, match="n_layer must be a positive int"):
        P.count_params_from_dims(2.0, 8, 10, 10)
    with pytest.raises(ValueError, match=r"dtype must be one of .*got 'fp8'"):
        P.weight_bytes(10, "fp8")
    with pytest.raises(ValueError, match="n_params must be an int >= 0, got -1"):
        P.weight_bytes(-1)
    with pytest.raises(ValueError, match="n_tokens"):
        P.kv_cache_bytes(2, 8, -3)
    with pytest.raises(TypeError, match="params must be a weights dict"):
        P.param_sizes([np.zeros(3)])
    with pytest.raises(TypeError, match=r"params\['h.0'\] must be an array"):
        P.param_sizes({"h": [3.0]})
