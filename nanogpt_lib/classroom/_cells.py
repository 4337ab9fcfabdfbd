"""The exercise pattern's vocabulary: markers, cell roles and the prompt's parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise {label}: write your code here")'
YOUR_TURN = (
    "*Your turn:* replace the `raise NotImplementedError(...)` line in the next cell "
    "with your code, run that cell, then run the checker below it."
)

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_EXERCISE = re.compile(
    r"\A\s*" + _FENCE + r"\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<inner>.*?)"
    r"^(?P=fence)[ \t]*$(?P<after>.*)\Z",
    re.DOTALL | re.MULTILINE,
)
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_START = re.compile(r"\A\s*(`{3,}|:{3,})\{solution-start\}[ \t]*(?P<label>\S*)")
_END = re.compile(r"\A\s*(`{3,}|:{3,})\{solution-end\}")
_CHECK_CALL = re.compile(r"\bcheck_\w+\(")


class ClassroomError(ValueError):
    """A notebook's exercises do not follow the book's pattern (see CONTRIBUTING.md)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter, as its metadata and solution cell describe it."""

    label: str
    title: str
    difficulty: int
    minutes: int
    concept: str
    functions: tuple[str, ...]  # the functions whose bodies become stubs
    kind: str = ""  # predict, debug, extend, by-hand or experiment


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - nbformat ships with Jupyter
        raise ImportError(
            "nanogpt_lib.classroom needs nbformat: pip install nbformat "
            "(it comes with Jupyter)"
        ) from exc
    return nbformat


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _is_exercise(cell) -> bool:
    return cell.cell_type == "markdown" and bool(
        re.match(r"\A\s*(`{3,}|:{3,})\{exercise\}", cell.source)
    )


def _is_start(cell) -> bool:
    return cell.cell_type == "markdown" and bool(_START.match(cell.source))


def _is_end(cell) -> bool:
    return cell.cell_type == "markdown" and bool(_END.match(cell.source))


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and "solution" in _tags(cell)


def _is_check(cell) -> bool:
    return cell.cell_type == "code" and "check" in _tags(cell)


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = cell.source.strip().split("\n", 1)[0]
            return first.lstrip("#").strip()
    return ""


def _parse_exercise(source: str) -> tuple[str, dict[str, str], str, str] | None:
    """(title, options, body, text after the closing fence) of an exercise cell."""
    match = _EXERCISE.match(source)
    if match is None:
        return None
    inner = match["inner"].split("\n")
    options: dict[str, str] = {}
    while inner and _OPTION.match(inner[0]):
        option = _OPTION.match(inner.pop(0))
        options[option["key"]] = option["value"].strip()
    body = "\n".join(inner).strip()
    return match["title"].strip(), options, body, match["after"]
