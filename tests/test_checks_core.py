"""Every exercise checker, found automatically, behaves as _core.run_checks says.

A student notebook's stub (a function that raises NotImplementedError) gets a one-line
"not implemented yet" message and no error, so the notebook runs on; passing
something that is not a function is a TypeError that says so.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import nanogpt_lib.checks as checks_package


def _all_checkers():
    found = []
    for info in pkgutil.iter_modules(checks_package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nanogpt_lib.checks.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == module.__name__:
                found.append(fn)
    return found


CHECKERS = _all_checkers()


def test_every_chapter_module_has_checkers():
    modules = {fn.__module__.rsplit(".", 1)[1] for fn in CHECKERS}
    assert modules >= {
        "attention",
        "embedding",
        "gpt",
        "mlp",
        "multihead",
        "params",
        "softmax",
        "tokenizer",
    }
    assert len(CHECKERS) >= 35


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda fn: fn.__name__)
def test_stub_reports_not_implemented_without_raising(checker, capsys):
    def stub(*args, **kwargs):
        raise NotImplementedError("Exercise: write your code here")

    checker(stub)
    out = capsys.readouterr().out
    assert out.startswith(f"{checker.__name__}: not implemented yet.")
    assert out.count("\n") == 1


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda fn: fn.__name__)
def test_non_callable_is_a_clear_type_error(checker):
    with pytest.raises(TypeError, match="pass your function itself"):
        checker(42)


# ------------------------------------------------------------------ tripwires

FORBIDDEN = checks_package.forbidden()


def _real(qualified: str):
    module, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(
    "checker",
    [fn for fn in CHECKERS if FORBIDDEN.get(fn.__name__)],
    ids=lambda fn: fn.__name__,
)
def test_calling_the_library_is_refused_and_restored(checker):
    """An answer that calls the function it re-implements fails with "write this
    yourself"; afterwards every binding of that function is the real one again."""
    for qualified in FORBIDDEN[checker.__name__]:
        real = _real(qualified)

        def delegate(*args, _name=qualified, **kwargs):
            return _real(_name)(*args, **kwargs)  # through the module attribute

        with pytest.raises(checks_package.CheckFailure, match="write this yourself"):
            checker(delegate)
        with pytest.raises(checks_package.CheckFailure) as info:
            checker(real)  # the library function itself
        assert info.value.mistake == "delegates"
        assert f"`{qualified}`" in info.value.hint
        assert _real(qualified) is real


def test_notebook_globals_are_patched_under_any_name():
    """A notebook that did `from nanogpt_lib.softmax import softmax as sm` holds the
    real function in its own globals; the tripwire covers that name too."""
    from nanogpt_lib.checks.softmax import check_softmax

    namespace = {}
    exec(
        "from nanogpt_lib.softmax import softmax as sm\n"
        "def helper(x, t):\n"
        "    return sm(x, temperature=t)\n"
        "def answer(x, t):\n"
        "    try:\n"
        "        return helper(x, t)\n"
        "    except Exception:\n"  # swallowing the tripwire does not help
        "        return None\n",
        namespace,
    )
    with pytest.raises(checks_package.CheckFailure) as info:
        check_softmax(namespace["answer"])
    assert info.value.mistake == "delegates"
    import nanogpt_lib.softmax

    assert namespace["sm"] is nanogpt_lib.softmax.softmax


def _bound_answers():
    """Answers that hold the library's softmax from the moment they were defined."""
    import numpy as np

    from nanogpt_lib.softmax import softmax

    def by_default(x, temperature=1.0, sm=softmax):
        return sm(np.asarray(x, dtype=float) / max(temperature, 1e-9))

    def by_keyword(x, temperature=1.0, *, sm=softmax):
        return sm(np.asarray(x, dtype=float) / max(temperature, 1e-9))

    def closing_over():
        sm = softmax

        def answer(x, temperature=1.0):
            return sm(np.asarray(x, dtype=float) / max(temperature, 1e-9))

        return answer

    return [by_default, by_keyword, closing_over()]


@pytest.mark.parametrize("answer", _bound_answers(), ids=["default", "kw", "closure"])
def test_default_arguments_and_closures_are_tripwired_and_restored(answer):
    """`def f(x, sm=softmax)` binds the real function before any check runs."""
    import nanogpt_lib.softmax
    from nanogpt_lib.checks.softmax import check_softmax

    with pytest.raises(checks_package.CheckFailure) as info:
        check_softmax(answer)
    assert info.value.mistake == "delegates"
    real = nanogpt_lib.softmax.softmax
    bound = list(answer.__defaults__ or ()) + list(
        (answer.__kwdefaults__ or {}).values()
    )
    bound += [c.cell_contents for c in answer.__closure__ or ()]
    assert real in bound  # put back as it was


def test_restored_when_the_candidate_raises():
    import nanogpt_lib.attention
    import nanogpt_lib.softmax
    from nanogpt_lib.checks.softmax import check_softmax

    real = nanogpt_lib.softmax.softmax

    def crash(x, t):
        raise ZeroDivisionError

    with pytest.raises(checks_package.CheckFailure, match="raised ZeroDivisionError"):
        check_softmax(crash)
    assert nanogpt_lib.softmax.softmax is real
    assert nanogpt_lib.attention.softmax is real


def test_catalogue_lists_ids_and_hints():
    listed = checks_package.catalogue()
    assert set(listed) == {fn.__name__ for fn in CHECKERS}
    for name, mistakes in listed.items():
        assert len(mistakes) >= 3, name
        for mistake_id, hint in mistakes:
            assert mistake_id and " " not in mistake_id, (name, mistake_id)
            assert hint, (name, mistake_id)


def test_graded_turns_a_stub_into_a_failure():
    from nanogpt_lib.checks.softmax import check_softmax
    from nanogpt_lib.classroom import graded

    def stub(x, t):
        raise NotImplementedError("Exercise: write your code here")

    with pytest.raises(AssertionError, match="not answered"):
        graded(check_softmax, stub)


def test_check_failure_is_an_assertion_error_that_survives_pickling():
    import pickle

    from nanogpt_lib.checks.softmax import check_entropy

    with pytest.raises(AssertionError) as info:
        check_entropy(lambda p: 0.0)
    failure = pickle.loads(pickle.dumps(info.value))
    assert isinstance(failure, checks_package.CheckFailure)
    assert failure.checker == "check_entropy"
    assert failure.case == info.value.case
    assert str(failure) == str(info.value)
