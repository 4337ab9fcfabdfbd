"""Tests for nanogpt_lib.sorter: the shipped, trained nano-gpt sorter."""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pytest

from nanogpt_lib import gpt, sorter
from nanogpt_lib import train as tr
from nanogpt_lib.checkpoint import expected_shapes, flatten_params


@pytest.fixture
def fresh_cache():
    """Forget the verified weights before and after a test that swaps the file."""
    sorter._shipped.cache_clear()
    yield
    sorter._shipped.cache_clear()


def test_public_contract_cbabbc():
    assert sorter.sort_letters("CBABBC") == "ABBBCC"


def test_greedy_decoding_sorts_all_729_inputs():
    """Every input, through the KV-cached greedy generation of gpt.generate."""
    cfg, params = sorter.load_sorter()
    inputs = tr.all_sort_inputs()
    out = gpt.generate(params, inputs, cfg, 6)
    np.testing.assert_array_equal(out[:, :6], inputs)
    wrong = np.flatnonzero((out[:, 6:] != np.sort(inputs, axis=1)).any(axis=1))
    assert wrong.size == 0, f"{wrong.size} inputs mis-sorted, e.g. {inputs[wrong[:3]]}"


def test_greedy_decoding_without_cache_agrees():
    cfg, params = sorter.load_sorter()
    inputs = tr.all_sort_inputs()[::7]
    np.testing.assert_array_equal(
        gpt.generate(params, inputs, cfg, 6, use_cache=False),
        gpt.generate(params, inputs, cfg, 6),
    )


def test_sort_letters_matches_sorted_on_random_strings(rng):
    for _ in range(20):
        letters = "".join(rng.choice(list("ABC"), size=6))
        assert sorter.sort_letters(letters) == "".join(sorted(letters))


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ("CBABBD", ValueError, "got 'D' at position 5"),
        ("cbabbc", ValueError, "got 'c' at position 0"),
        ("CBA", ValueError, "got 3 letters"),
        ("CBABBCA", ValueError, "got 7 letters"),
        ("", ValueError, "got 0 letters"),
        (123, TypeError, "got int"),
        (["C", "B", "A", "B", "B", "C"], TypeError, "got list"),
        (None, TypeError, "got NoneType"),
    ],
)
def test_sort_letters_rejects_bad_input_and_says_what_is_accepted(bad, error, match):
    with pytest.raises(error, match=match) as info:
        sorter.sort_letters(bad)
    assert "6 letters, each one of A, B, C" in str(info.value)


def test_load_sorter_gives_the_nano_sorter_in_float32():
    """85,728 weights: the visualization's 85,584 plus the untied 3 x 48 head."""
    cfg, params = sorter.load_sorter()
    assert cfg == gpt.get_config("nano-sorter")
    flat = flatten_params(params)
    assert {name: v.shape for name, v in flat.items()} == expected_shapes(cfg)
    assert {v.dtype for v in flat.values()} == {np.dtype(np.float32)}
    assert sum(v.size for v in flat.values()) == 85_728 == 85_584 + 3 * 48


def test_load_sorter_returns_a_copy_callers_may_change():
    _, params = sorter.load_sorter()
    params["lm_head"][:] = 0.0
    params["h"][0]["attn"]["c_attn"]["weight"] += 1.0
    _, again = sorter.load_sorter()
    assert np.abs(again["lm_head"]).sum() > 0
    assert sorter.sort_letters("CCBBAA") == "AABBCC"


def test_training_forward_on_shipped_weights_equals_gpt_forward():
    cfg, params = sorter.load_sorter()
    x, _ = tr.sort_examples(tr.all_sort_inputs())
    np.testing.assert_allclose(
        tr.forward_with_cache(params, x, cfg)[0], gpt.forward(params, x, cfg), atol=1e-5
    )
    assert tr.sort_correct(params, cfg).all()


def test_shipped_file_matches_pinned_sha256_and_loads_without_pickle():
    data = sorter.WEIGHTS_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sorter.WEIGHTS_SHA256
    with np.load(sorter.WEIGHTS_PATH, allow_pickle=False) as npz:
        names = set(npz.files)
        assert npz["h.0.attn.c_attn.weight"].shape == (48, 144)
    assert names == set(expected_shapes(gpt.get_config("nano-sorter")))


def test_save_sorter_is_byte_reproducible(tmp_path):
    """Saving the shipped weights again gives the very same bytes (fixed zip dates)."""
    _, params = sorter.load_sorter()
    path = tmp_path / "again.npz"
    digest = sorter.save_sorter(path, params)
    assert digest == sorter.WEIGHTS_SHA256
    assert path.read_bytes() == sorter.WEIGHTS_PATH.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {
            (1980, 1, 1, 0, 0, 0)
        }


def test_save_sorter_rejects_other_models(tmp_path):
    cfg = gpt.GPTConfig(vocab_size=3, block_size=11, n_layer=1, n_head=3, n_embd=48)
    params = gpt.init_params(cfg, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="'nano-sorter'"):
        sorter.save_sorter(tmp_path / "x.npz", params)


def test_tampered_file_is_refused(tmp_path, monkeypatch, fresh_cache):
    data = bytearray(sorter.WEIGHTS_PATH.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one weight, mid-file
    bad = tmp_path / "nano_sorter.npz"
    bad.write_bytes(bytes(data))
    monkeypatch.setattr(sorter, "WEIGHTS_PATH", bad)
    with pytest.raises(ValueError, match="sha256"):
        sorter.load_sorter()
    with pytest.raises(ValueError, match="sha256"):
        sorter.sort_letters("CBABBC")


def test_missing_file_says_how_to_recreate_it(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setattr(sorter, "WEIGHTS_PATH", tmp_path / "absent.npz")
    with pytest.raises(FileNotFoundError, match="scripts/train_sorter.py"):
        sorter.load_sorter()


def test_loaded_weights_are_stored_like_init_params():
    """The file holds rows; load_sorter stores block weights by column, as init does."""
    _, params = sorter.load_sorter()
    for name, value in flatten_params(params).items():
        column_major = name.startswith("h.") and value.ndim == 2
        assert value.flags.f_contiguous if column_major else value.flags.c_contiguous
