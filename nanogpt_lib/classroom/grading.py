"""Grading: checkers run strictly, and a class's notebooks executed into a report."""

from __future__ import annotations

import functools
from collections.abc import Callable


def graded(check: Callable[[Callable], None], candidate: Callable) -> None:
    """Run a checker strictly, for autograding: an unanswered exercise fails.

    In class, a stub gets a friendly "not implemented yet" line; a grader (an
    nbgrader test cell, say) wants an AssertionError instead, and gets one here.
    """
    if not callable(candidate):
        check(candidate)  # the checker's own TypeError names what was passed
        return

    @functools.wraps(candidate)
    def strict(*args, **kwargs):
        try:
            return candidate(*args, **kwargs)
        except NotImplementedError as exc:
            raise RuntimeError(f"the exercise is not answered yet ({exc})") from None

    check(strict)
