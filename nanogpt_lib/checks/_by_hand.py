"""Answers worked out on paper, checked entry by entry (the by-hand exercises).

The learner's function returns a dict of numbers or shapes; each entry is compared
with the truth, a wrong value that matches a typical slip gets that slip's hint, and
no right value is ever shown, so the learner can try again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._core import (
    _FORBIDDEN,
    _REGISTRY,
    CheckFailure,
    require_callable,
    say_not_implemented,
)


@dataclass
class Answer:
    """One entry of a by-hand answer: its key, the question, the truth, and the
    typical wrong values as (value, mistake id, hint)."""

    key: str
    question: str
    truth: Any
    wrong: Sequence[tuple[Any, str, str]] = field(default_factory=tuple)
    tol: float = 0.0  # absolute tolerance for numbers; shapes compare exactly


def _agrees(value: Any, want: Any, tol: float) -> bool:
    if isinstance(want, tuple):
        try:
            return tuple(int(v) for v in value) == want
        except (TypeError, ValueError):
            return False
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return False
    try:
        return abs(float(value) - float(want)) <= tol
    except (TypeError, ValueError):
        return False


def _shown(value: Any) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return repr(value)


def compare_answers(
    name: str, candidate: Callable[[], dict], answers: Sequence[Answer]
) -> None:
    """Compare the dict `candidate()` returns with the truth, key by key.

    The learner's function takes no arguments and returns the numbers worked out
    on paper. A wrong entry that matches a typical mistake gets its hint; any
    other wrong entry says so without showing the right value, so the learner
    can try again. Success prints one line.
    """
    require_callable(name, candidate)
    seen: dict[str, str] = {}
    for answer in answers:
        for _, mistake_id, hint in answer.wrong:
            seen.setdefault(mistake_id, hint)
    _REGISTRY[name] = list(seen.items())
    _FORBIDDEN[name] = []
    try:
        got = candidate()
    except NotImplementedError:
        say_not_implemented(name, "answers")
        return
    if got is None:
        raise CheckFailure(
            f"{name}: your function returned None.\nHint: Did you forget the "
            "`return` statement?",
            checker=name,
            mistake="no-return",
            hint="Did you forget the `return` statement?",
        )
    keys = [a.key for a in answers]
    if not isinstance(got, dict) or any(k not in got for k in keys):
        hint = "Return a dict with the keys " + ", ".join(map(repr, keys)) + "."
        raise CheckFailure(
            f"{name}: expected a dict with {len(keys)} keys, got "
            f"{type(got).__name__} {sorted(got) if isinstance(got, dict) else ''}."
            f"\nHint: {hint}",
            checker=name,
            mistake="wrong-kind",
            hint=hint,
        )
    for answer in answers:
        value = got[answer.key]
        if _agrees(value, answer.truth, answer.tol):
            continue
        for wrong, mistake_id, hint in answer.wrong:
            if _agrees(value, wrong, answer.tol):
                raise CheckFailure(
                    f"{name} [{answer.key}]: {_shown(value)} is not right.\n"
                    f"Hint: {hint}",
                    checker=name,
                    case=answer.key,
                    mistake=mistake_id,
                    hint=hint,
                )
        raise CheckFailure(
            f"{name} [{answer.key}]: got {_shown(value)}, not the expected value "
            "(it is not shown, so that you can work it out again).\n"
            f"Input: {answer.question}",
            checker=name,
            case=answer.key,
        )
    print(f"{name}: all {len(answers)} answers passed.")
