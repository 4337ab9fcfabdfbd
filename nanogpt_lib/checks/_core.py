"""Machinery shared by every exercise checker.

A checker runs the learner's callable on a list of cases, compares each result with
the library's answer, and when they differ tries a list of known mistakes: if the
learner's result matches a mistake, the error carries that mistake's hint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BadReturn", "Case", "Mistake", "require_callable", "run_checks"]


class BadReturn(Exception):
    """Raised by a `normalise` function: the result has the wrong kind (says which)."""


@dataclass
class Case:
    """One call of the learner's function: its arguments and a short description."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class Mistake:
    """A known wrong answer: `wrong(*args, **kwargs)` and the hint it deserves."""

    hint: str
    wrong: Callable[..., Any]


def _as_array(value: Any) -> np.ndarray:
    return np.asarray(value)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def _unchanged(after: Any, before: Any) -> bool:
    """True if the deep copy handed to the candidate still equals the original."""
    try:
        if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
            return bool(np.array_equal(after, before, equal_nan=True))
        if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
            return len(after) == len(before) and all(
                _unchanged(a, b) for a, b in zip(after, before, strict=True)
            )
        return bool(after == before)
    except (TypeError, ValueError):
        return True  # cannot tell; do not blame the learner


def _same(got: Any, want: Any, rtol: float, atol: float) -> bool:
    got_arr, want_arr = _as_array(got), _as_array(want)
    if got_arr.shape != want_arr.shape:
        return False
    if want_arr.dtype.kind in "biuUSO" or got_arr.dtype.kind in "USO":
        return bool(np.array_equal(got_arr, want_arr))
    try:
        return bool(
            np.allclose(got_arr, want_arr, rtol=rtol, atol=atol, equal_nan=True)
        )
    except TypeError:
        return False


def _describe(value: Any) -> str:
    arr = _as_array(value)
    if arr.dtype.kind in "fc" and arr.size <= 12:
        text = np.array2string(arr, precision=4, suppress_small=True)
    elif arr.size <= 12:
        text = repr(value)
    else:
        text = f"array of shape {arr.shape}"
    return text


def require_callable(name: str, candidate: Any) -> None:
    """A checker takes the learner's function itself, not a value it returned."""
    if not callable(candidate):
        raise TypeError(
            f"{name}: pass your function itself (a callable), "
            f"got {type(candidate).__name__}"
        )


def run_checks(
    name: str,
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Iterable[Case],
    mistakes: Sequence[Mistake] = (),
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    generic_hint: str = "",
    normalise: Callable[[Any], Any] | None = None,
) -> None:
    """Compare `candidate` with `reference` on every case; print one line on success.

    With `normalise`, results are compared exactly (`==`) after passing through it
    (token ids, dicts, lists of strings); without it, numerically. A candidate that
    changes its arguments is rejected: functions here never mutate their input.
    A candidate that raises NotImplementedError (a student notebook's stub) gets a
    one-line "not implemented yet" message instead of an error, so the rest of the
    notebook still runs. A wrong answer raises AssertionError naming the case, what
    was expected, what was got and (when a known mistake matches) a targeted hint.
    """
    require_callable(name, candidate)
    cases = list(cases)
    exact = normalise is not None
    norm = normalise or (lambda value: value)
    for case in cases:
        want = norm(reference(*case.args, **case.kwargs))
        args = copy.deepcopy(case.args)
        try:
            raw = candidate(*args, **case.kwargs)
        except NotImplementedError:
            # A student notebook's stub: say so and let the notebook run on.
            print(
                f"{name}: not implemented yet. Replace the "
                "`raise NotImplementedError(...)` line in your function with your "
                "code, then run this cell again."
            )
            return
        except Exception as exc:
            raise AssertionError(
                f"{name} [{case.label}]: your function raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if raw is None and want is not None:
            raise AssertionError(
                f"{name} [{case.label}]: your function returned None. "
                "Did you forget the `return` statement?"
            )
        if not _unchanged(args, case.args):
            raise AssertionError(
                f"{name} [{case.label}]: your function changed its input. Build a "
                "new list or array instead of editing the one you were given."
            )
        try:
            got = norm(raw)
        except BadReturn as exc:
            raise AssertionError(f"{name} [{case.label}]: {exc}") from None

        def same(a, b):
            return a == b if exact else _same(a, b, rtol, atol)

        if same(got, want):
            continue
        hint = ""
        for mistake in mistakes:
            try:
                wrong = norm(mistake.wrong(*case.args, **case.kwargs))
            except Exception:  # a mistake that cannot even run cannot match
                continue
            if same(got, wrong):
                hint = mistake.hint
                break
        if exact:
            raise AssertionError(
                f"{name} [{case.label}]: expected {_short(want)}, got {_short(got)}."
                + (f"\nHint: {hint or generic_hint}" if hint or generic_hint else "")
            )
        got_shape = _as_array(got).shape
        want_shape = _as_array(want).shape
        if not hint and got_shape != want_shape:
            hint = f"The shape is off: expected {want_shape}, got {got_shape}."
        hint = hint or generic_hint
        detail = ""
        if got_shape == want_shape and _as_array(want).size > 12:
            diff = np.abs(_as_array(got).astype(float) - _as_array(want))
            where = np.unravel_index(
                np.nanargmax(np.nan_to_num(diff, nan=np.inf)), diff.shape
            )
            detail = f" The largest difference is at index {tuple(map(int, where))}."
        raise AssertionError(
            f"{name} [{case.label}]: expected {_describe(want)}, "
            f"got {_describe(got)}.{detail}" + (f"\nHint: {hint}" if hint else "")
        )
    print(f"{name}: all {len(cases)} cases passed.")
