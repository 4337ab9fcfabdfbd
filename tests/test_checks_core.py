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
