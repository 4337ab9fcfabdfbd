"""Machinery shared by every exercise checker.

A checker runs the learner's callable on a list of cases, compares each result with
the library's answer, and when they differ tries a list of known mistakes: if the
learner's result matches a mistake, the error carries that mistake's hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "Mistake", "NotImplementedYet", "run_checks"]


class NotImplementedYet(AssertionError):
    """Raised by a checker that needs the learner's function before it can go on."""


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
) -> None:
    """Compare `candidate` with `reference` on every case; print one line on success.

    A candidate that raises NotImplementedError (a student notebook's stub) gets a
    one-line "not implemented yet" message instead of an error, so the rest of the
    notebook still runs. A wrong answer raises AssertionError naming the case, what
    was expected, what was got and (when a known mistake matches) a targeted hint.
    """
    if not callable(candidate):
        raise TypeError(
            f"{name}: pass your function itself (a callable), "
            f"got {type(candidate).__name__}"
        )
    cases = list(cases)
    for case in cases:
        want = reference(*case.args, **case.kwargs)
        try:
            got = candidate(*case.args, **case.kwargs)
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
        if got is None and want is not None:
            raise AssertionError(
                f"{name} [{case.label}]: your function returned None. "
                "Did you forget the `return` statement?"
            )
        if _same(got, want, rtol, atol):
            continue
        hint = ""
        for mistake in mistakes:
            try:
                wrong = mistake.wrong(*case.args, **case.kwargs)
            except Exception:  # a mistake that cannot even run cannot match
                continue
            if _same(got, wrong, rtol, atol):
                hint = mistake.hint
                break
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
