"""Shared pieces of the wrong-answer catalogues (tests/test_catalogue_*.py).

Each catalogue maps a checker to realistic wrong answers. A `Wrong` with a mistake
id must be rejected with that id and a hint matching `words`; one without must be
rejected with a message that shows the input, the expected and the returned value.
`EQUIVALENT` answers (other valid formulas) must pass.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from nanogpt_lib.checks import CheckFailure


@dataclass
class Wrong:
    label: str
    fn: Callable
    mistake: str | None = None  # the id the checker must name; None: unnamed
    words: str = ""  # a regular expression the hint must contain


def wrong_params(catalogue: dict) -> list:
    return [
        pytest.param(checker, wrong, id=f"{checker.__name__}-{wrong.label}")
        for checker, wrongs in catalogue.items()
        for wrong in wrongs
    ]


def equivalent_params(equivalent: dict) -> list:
    return [
        pytest.param(checker, fn, id=f"{checker.__name__}-{i}")
        for checker, fns in equivalent.items()
        for i, fn in enumerate(fns)
    ]


def rejection(checker, fn) -> CheckFailure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(CheckFailure) as info:
            checker(fn)
    return info.value


def assert_rejected(checker, wrong: Wrong) -> None:
    failure = rejection(checker, wrong.fn)
    text = str(failure)
    assert failure.checker == checker.__name__
    if wrong.mistake is not None:
        assert failure.mistake == wrong.mistake, text
        assert re.search(wrong.words, failure.hint, re.IGNORECASE), text
    else:
        assert failure.mistake is None, text
        assert "expected" in text.lower() and "got" in text, text
        assert "Input:" in text, text
        # never two equal shapes without a value
        assert not re.search(
            r"expected array of shape (\(.*?\)), got array of shape \1", text
        )


def assert_accepted(checker, fn, capsys) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        checker(fn)
    out = capsys.readouterr().out
    assert out.startswith(f"{checker.__name__}: all ") and out.count("\n") == 1, out


def named_share(catalogue: dict) -> dict[str, tuple[int, int]]:
    return {
        checker.__name__: (sum(w.mistake is not None for w in wrongs), len(wrongs))
        for checker, wrongs in catalogue.items()
    }


def assert_catalogue_size(catalogue: dict, equivalent: dict) -> None:
    for checker, wrongs in catalogue.items():
        named = sum(w.mistake is not None for w in wrongs)
        assert len(wrongs) >= 5, checker.__name__
        assert named >= 0.8 * len(wrongs), checker.__name__
        assert equivalent.get(checker), f"{checker.__name__}: no equivalent answer"


def catalogue_tests(catalogue: dict, equivalent: dict) -> tuple[Callable, ...]:
    """The three tests every catalogue file runs, bound to its CATALOGUE/EQUIVALENT.

    A file assigns them to module-level names starting with ``test_``, and pytest
    collects them there, with the file's own test ids.
    """

    @pytest.mark.parametrize("checker, wrong", wrong_params(catalogue))
    def test_wrong_answer_is_rejected(checker, wrong):
        assert_rejected(checker, wrong)

    @pytest.mark.parametrize("checker, fn", equivalent_params(equivalent))
    def test_equivalent_answer_passes(checker, fn, capsys):
        assert_accepted(checker, fn, capsys)

    def test_catalogue_size():
        assert_catalogue_size(catalogue, equivalent)

    return (
        test_wrong_answer_is_rejected,
        test_equivalent_answer_passes,
        test_catalogue_size,
    )
