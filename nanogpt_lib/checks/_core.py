"""Machinery shared by every exercise checker.

A checker runs the learner's callable on a list of cases, compares each result with
the library's answer, and when they differ tries a list of known mistakes: if the
learner's result matches a mistake, the error carries that mistake's hint.

What a failure carries (for graders). Every rejection raises `CheckFailure`, a
subclass of `AssertionError`, with these attributes:

- `checker`: the checker's name, e.g. ``"check_softmax"``;
- `case`: the label of the case that failed (``""`` if none);
- `mistake`: the id of the mistake it names, or ``None`` when no known mistake
  matched (the message then shows the input, the expected and the returned value
  at the worst index). Besides each checker's own ids (see `catalogue`), there are
  ids every checker can give: ``"delegates"`` (the answer called the library
  function it re-implements), ``"no-return"``, ``"mutates-input"``, ``"float64"``
  (float32 in, float64 out) and ``"wrong-kind"`` (e.g. a dict where ids were due);
- `hint`: the hint's text (``""`` when there is none).

So a grading script can write::

    try:
        check_softmax(answer)
    except CheckFailure as failure:
        print(failure.checker, failure.mistake)

`catalogue()` lists, for every checker, the ids and hints of the mistakes it
names; `nanogpt_lib.checks.catalogue` is the same function.

Tripwires. While the learner's function runs, the library functions the exercise
re-implements (`forbid=`) are replaced, wherever they are bound (the module, every
`nanogpt_lib` module that imports them, and the globals of the learner's function),
by a tripwire that fails the check with "write this yourself". Library code that
calls them internally still gets the real function, so an answer may use any other
library function. Everything is restored when the check ends, also after an error.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import inspect
import io
import pkgutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BadReturn",
    "Case",
    "CheckFailure",
    "Mistake",
    "catalogue",
    "forbidden",
    "not_implemented",
    "require_callable",
    "run_checks",
    "say_not_implemented",
]


class BadReturn(Exception):
    """Raised by a `normalise` function: the result has the wrong kind (says which)."""


class CheckFailure(AssertionError):
    """A rejected answer: an AssertionError that also says which mistake it was."""

    def __init__(
        self,
        message: str,
        *,
        checker: str = "",
        case: str = "",
        mistake: str | None = None,
        hint: str = "",
    ):
        super().__init__(message)
        self.checker = checker
        self.case = case
        self.mistake = mistake
        self.hint = hint

    def __reduce__(self):  # picklable, attributes included
        return (self.__class__, (str(self),), self.__dict__)


@dataclass
class Case:
    """One call of the learner's function: its arguments and a short description."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    # Applied to the expected and the returned value before comparing, for cases
    # where several answers are right (ties broken either way): e.g. np.sort.
    canon: Callable[[Any], Any] | None = None

    def canonical(self, value: Any) -> Any:
        if self.canon is None:
            return value
        try:
            return self.canon(value)
        except Exception:
            return value


@dataclass
class Mistake:
    """A known wrong answer: `wrong(*args, **kwargs)` and the hint it deserves.

    `id` names the mistake for graders. With `raises`, the mistake matches a
    learner's function that raises that exception type (on the cases labelled in
    `on`, or on any case when `on` is empty); `wrong` may then be None.
    """

    hint: str
    wrong: Callable[..., Any] | None = None
    id: str = ""
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None
    on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            words = "".join(c if c.isalnum() else " " for c in self.hint.lower())
            self.id = "-".join(words.split()[:4])


# Filled by run_checks: checker name -> [(mistake id, hint), ...], and checker
# name -> qualified names of the library functions it forbids.
_REGISTRY: dict[str, list[tuple[str, str]]] = {}
_FORBIDDEN: dict[str, list[str]] = {}


# ------------------------------------------------------------------------ tripwires


class _Tripped(BaseException):
    """Raised by a tripwire. A BaseException, so `except Exception` cannot hide it."""


_ARMED = False
_TRIPPED: list[str] = []


def _qualified(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _tripwire(real: Callable) -> Callable:
    name = _qualified(real)

    @functools.wraps(real)
    def tripwire(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        library = caller.startswith("nanogpt_lib.") and not caller.startswith(
            "nanogpt_lib.checks"
        )
        if _ARMED and not library:
            _TRIPPED.append(name)
            raise _Tripped(name)
        return real(*args, **kwargs)

    tripwire._tripwire_of = real  # type: ignore[attr-defined]
    return tripwire


def _unwrap(candidate: Any) -> list[Any]:
    """The candidate and what it wraps (functools.wraps, partial, closures)."""
    seen, todo, out = set(), [candidate], []
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(fn)
        for attr in ("__wrapped__", "func", "__func__"):
            inner = getattr(fn, attr, None)
            if inner is not None and callable(inner):
                todo.append(inner)
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if inspect.isfunction(content):
                todo.append(content)
    return out


@contextlib.contextmanager
def _tripwires(forbid: Sequence[Callable], candidate: Callable):
    """Replace every binding of the forbidden functions while the block runs."""
    real = {id(fn): fn for fn in forbid}
    wires = {key: _tripwire(fn) for key, fn in real.items()}
    namespaces = [
        vars(module)
        for name, module in list(sys.modules.items())
        if (name == "nanogpt_lib" or name.startswith("nanogpt_lib."))
        and not name.startswith("nanogpt_lib.checks")
        and module is not None
    ]
    for fn in _unwrap(candidate):
        spaces = getattr(fn, "__globals__", None)
        if isinstance(spaces, dict) and all(spaces is not s for s in namespaces):
            namespaces.append(spaces)
    patched: list[tuple[dict, str, Any]] = []
    bound: list[tuple[Any, str, Any]] = []  # (function or cell, attribute, old value)

    def forbidden(value):
        return id(value) in real and value is real[id(value)]

    try:
        for space in namespaces:
            for key, value in list(space.items()):
                if forbidden(value):
                    patched.append((space, key, value))
                    space[key] = wires[id(value)]
        # Bindings made when the learner's function was defined: a default argument
        # (`def f(x, sm=softmax)`) or a closure over the library function.
        for fn in _unwrap(candidate):
            if not inspect.isfunction(fn) or any(fn is f for f in forbid):
                continue
            defaults = fn.__defaults__ or ()
            if any(forbidden(v) for v in defaults):
                bound.append((fn, "__defaults__", defaults))
                fn.__defaults__ = tuple(
                    wires[id(v)] if forbidden(v) else v for v in defaults
                )
            keywords = fn.__kwdefaults__ or {}
            if any(forbidden(v) for v in keywords.values()):
                bound.append((fn, "__kwdefaults__", keywords))
                fn.__kwdefaults__ = {
                    k: wires[id(v)] if forbidden(v) else v for k, v in keywords.items()
                }
            for cell in fn.__closure__ or ():
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue
                if forbidden(content):
                    bound.append((cell, "cell_contents", content))
                    cell.cell_contents = wires[id(content)]
        yield
    finally:
        for space, key, value in reversed(patched):
            space[key] = value
        for owner, attribute, value in reversed(bound):
            setattr(owner, attribute, value)


# ------------------------------------------------------------------------ messages


def _as_array(value: Any) -> np.ndarray:
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        return np.asarray(value, dtype=object)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def _unchanged(after: Any, before: Any) -> bool:
    """True if the deep copy handed to the candidate still equals the original."""
    try:
        if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
            return bool(np.array_equal(after, before, equal_nan=True))
        if isinstance(before, dict) and isinstance(after, dict):
            return before.keys() == after.keys() and all(
                _unchanged(after[k], before[k]) for k in before
            )
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
        try:
            return bool(np.array_equal(got_arr, want_arr))
        except (TypeError, ValueError):
            return False
    try:
        return bool(
            np.allclose(got_arr, want_arr, rtol=rtol, atol=atol, equal_nan=True)
        )
    except TypeError:
        return False


def _scalar(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _describe(value: Any) -> str:
    arr = _as_array(value)
    if arr.dtype.kind in "fc" and arr.size <= 12:
        return np.array2string(arr, precision=4, suppress_small=True)
    if arr.size <= 12:
        return _short(value)
    flat = ", ".join(_scalar(v) for v in arr.reshape(-1)[:4])
    return f"an array of shape {arr.shape} starting [{flat}, ...]"


def _describe_input(args: tuple) -> str:
    parts = []
    for arg in args:
        if isinstance(arg, dict):
            parts.append("{" + ", ".join(map(str, arg)) + "}")
            continue
        if isinstance(arg, (str, int, float, np.generic)) or arg is None:
            parts.append(_short(arg, 60))
            continue
        arr = _as_array(arg)
        if arr.dtype.kind == "O":
            parts.append(type(arg).__name__)
        elif arr.size <= 12 and arr.dtype.kind in "biuf":
            parts.append(
                np.array2string(
                    arr, precision=4, separator=", ", max_line_width=10_000
                ).replace("\n", "")
            )
        elif arr.size <= 12:
            parts.append(_short(arg, 80).replace("\n", ""))
        else:
            parts.append(f"{arr.dtype} array {arr.shape}")
    return "(" + ", ".join(parts) + ")"


def _worst(got: Any, want: Any) -> str:
    """Where two equal-shaped numeric arrays differ most, with both values."""
    got_arr, want_arr = _as_array(got), _as_array(want)
    try:
        g = got_arr.astype(np.float64)
        w = want_arr.astype(np.float64)
    except (TypeError, ValueError):
        return ""
    if g.size == 0:
        return ""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(g - w)
    # a nan, or an inf where a finite value was due, is the worst difference
    same_inf = (g == w) & np.isinf(w)
    diff = np.where(same_inf, 0.0, np.nan_to_num(diff, nan=np.inf, posinf=np.inf))
    both_nan = np.isnan(g) & np.isnan(w)
    diff = np.where(both_nan, 0.0, diff)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    n_diff = int(np.count_nonzero(diff > 0))
    index = tuple(int(i) for i in where)
    return (
        f" They differ most at index {index}: expected {_scalar(w[where])}, "
        f"got {_scalar(g[where])} ({n_diff} of {g.size} entries differ)."
    )


def _first_difference(got: Any, want: Any) -> str:
    if not (isinstance(got, list) and isinstance(want, list)):
        return ""
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f" First difference at position {i}: expected {b!r}, got {a!r}."
    if len(got) != len(want):
        return f" Expected {len(want)} items, got {len(got)}."
    return ""


# ------------------------------------------------------------------------ checks


def say_not_implemented(name: str, what: str = "code") -> None:
    """The line a checker prints for a student notebook's stub, instead of failing."""
    print(
        f"{name}: not implemented yet. Replace the "
        "`raise NotImplementedError(...)` line in your function with your "
        f"{what}, then run this cell again."
    )


def not_implemented(name: str, call: Callable[[], Any]) -> bool:
    """True (after saying so) if `call()` raises a stub's NotImplementedError."""
    try:
        call()
    except NotImplementedError:
        say_not_implemented(name)
        return True
    return False


def require_callable(name: str, candidate: Any) -> None:
    """A checker takes the learner's function itself, not a value it returned."""
    if not callable(candidate):
        raise TypeError(
            f"{name}: pass your function itself (a callable), "
            f"got {type(candidate).__name__}"
        )


def _delegation(name: str, label: str, function: str) -> CheckFailure:
    hint = (
        f"write this yourself - `{function}` is what you are re-implementing. "
        "Other library functions are fine."
    )
    said = (
        f" [{label}]: your function called `{function}`"
        if label
        else f": you passed `{function}` itself"
    )
    return CheckFailure(
        f"{name}{said}.\nHint: {hint}",
        checker=name,
        case=label,
        mistake="delegates",
        hint=hint,
    )


def _matches(mistake: Mistake, case: Case, error: BaseException | None) -> bool:
    if mistake.on and case.label not in mistake.on:
        return False
    if error is not None:
        return mistake.raises is not None and isinstance(error, mistake.raises)
    return False


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
    forbid: Sequence[Callable] = (),
    keep_float32: bool = False,
) -> None:
    """Compare `candidate` with `reference` on every case; print one line on success.

    With `normalise`, results are compared exactly (`==`) after passing through it
    (token ids, dicts, lists of strings); without it, numerically. A candidate that
    changes its arguments is rejected: functions here never mutate their input.
    A candidate that raises NotImplementedError (a student notebook's stub) gets a
    one-line "not implemented yet" message instead of an error, so the rest of the
    notebook still runs. A wrong answer raises `CheckFailure` (an AssertionError)
    naming the case, what was expected, what was got and (when a known mistake
    matches) a targeted hint. `forbid` lists the library functions the exercise
    re-implements (tripwires while the candidate runs); with `keep_float32`, a
    float64 result from float32 inputs is rejected.
    """
    global _ARMED
    require_callable(name, candidate)
    _REGISTRY[name] = [(m.id, m.hint) for m in mistakes]
    _FORBIDDEN[name] = [_qualified(fn) for fn in forbid]
    forbidden = {id(fn): fn for fn in forbid}
    for fn in _unwrap(candidate):
        real = getattr(fn, "_tripwire_of", fn)
        if id(real) in forbidden:
            raise _delegation(name, "", _qualified(real))
    cases = list(cases)
    exact = normalise is not None
    norm = normalise or (lambda value: value)

    def fail(case, message, mistake=None, hint=""):
        text = f"{name} [{case.label}]: {message}"
        if hint:
            text += f"\nHint: {hint}"
        return CheckFailure(
            text, checker=name, case=case.label, mistake=mistake, hint=hint
        )

    def same(a, b):
        return a == b if exact else _same(a, b, rtol, atol)

    wide: Case | None = None  # the first case whose result came back float64
    for case in cases:
        want = case.canonical(norm(reference(*case.args, **case.kwargs)))
        args = copy.deepcopy(case.args)
        error: BaseException | None = None
        raw = None
        del _TRIPPED[:]
        try:
            with _tripwires(list(forbidden.values()), candidate):
                _ARMED = True
                try:
                    raw = candidate(*args, **case.kwargs)
                finally:
                    _ARMED = False
        except NotImplementedError:
            # A student notebook's stub: say so and let the notebook run on.
            say_not_implemented(name)
            return
        except _Tripped as exc:
            raise _delegation(name, case.label, str(exc)) from None
        except Exception as exc:
            error = exc
        if _TRIPPED:  # the learner's code caught the tripwire's exception
            raise _delegation(name, case.label, _TRIPPED[0])
        if error is not None:
            for mistake in mistakes:
                if _matches(mistake, case, error):
                    raise fail(
                        case,
                        f"your function raised {type(error).__name__}: {error}",
                        mistake.id,
                        mistake.hint,
                    ) from error
            raise fail(
                case,
                f"your function raised {type(error).__name__}: {error}\n"
                f"Input: {_describe_input(case.args)}\n"
                f"Expected {_describe(want)}; got no result.",
            ) from error
        if raw is None and want is not None:
            raise fail(
                case,
                "your function returned None.",
                "no-return",
                "Did you forget the `return` statement?",
            )
        if not _unchanged(args, case.args):
            raise fail(
                case,
                "your function changed its input.",
                "mutates-input",
                "Build a new list or array instead of editing the one you were "
                "given (x -= m, x /= s or out[...] = on an argument change it "
                "in place).",
            )
        try:
            got = case.canonical(norm(raw))
        except BadReturn as exc:
            raise fail(case, str(exc), "wrong-kind", str(exc)) from None

        if same(got, want):
            if keep_float32 and not exact and wide is None:
                want_dt, got_dt = _as_array(want).dtype, _as_array(got).dtype
                if want_dt == np.float32 and got_dt == np.float64:
                    wide = case  # reported once every value is right
            continue
        hint, mistake_id = "", None
        for mistake in mistakes:
            if mistake.wrong is None or (mistake.on and case.label not in mistake.on):
                continue
            try:
                with np.errstate(all="ignore"):
                    wrong = case.canonical(
                        norm(mistake.wrong(*case.args, **case.kwargs))
                    )
            except Exception:  # a mistake that cannot even run cannot match
                continue
            if same(got, wrong):
                hint, mistake_id = mistake.hint, mistake.id
                break
        shown = f"Input: {_describe_input(case.args)}"
        if exact:
            raise fail(
                case,
                f"expected {_short(want)}, got {_short(got)}."
                + _first_difference(got, want)
                + ("" if hint else f"\n{shown}"),
                mistake_id,
                hint or generic_hint,
            )
        got_shape = _as_array(got).shape
        want_shape = _as_array(want).shape
        if got_shape != want_shape:
            message = (
                f"expected shape {want_shape}, got shape {got_shape}: expected "
                f"{_describe(want)}, got {_describe(got)}."
            )
        else:
            message = f"expected {_describe(want)}, got {_describe(got)}."
            message += _worst(got, want)
        if not hint:
            message += f"\n{shown}"
        raise fail(case, message, mistake_id, hint or generic_hint)
    if wide is not None:
        raise fail(
            wide,
            "the values are right but your result is float64, the inputs float32.",
            "float64",
            "float64 leaked in: a np.float64 number (np.sqrt(D), np.float64(...)) "
            "or an array created without dtype= turns float32 arrays into float64. "
            "Use a Python float or match the input's dtype.",
        )
    print(f"{name}: all {len(cases)} cases passed.")


def forbidden() -> dict[str, list[str]]:
    """Every checker's tripwires: {checker name: ["nanogpt_lib.softmax.softmax"]}."""
    catalogue()
    return {key: list(value) for key, value in sorted(_FORBIDDEN.items())}


def catalogue() -> dict[str, list[tuple[str, str]]]:
    """Every checker's named mistakes: {checker name: [(mistake id, hint), ...]}.

    Runs each checker once with a stub (which stops before any case) so that it
    registers its list of mistakes and tripwires.
    """
    from .. import checks as package

    def stub(*args, **kwargs):
        raise NotImplementedError

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fname.startswith("check_") and fn.__module__ == module.__name__:
                with contextlib.redirect_stdout(io.StringIO()):
                    fn(stub)
    return {key: list(value) for key, value in sorted(_REGISTRY.items())}
