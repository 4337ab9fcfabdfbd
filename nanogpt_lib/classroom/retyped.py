"""Does an exercise ask for code the chapter already shows above it?

An exercise whose solution the reader can copy from a cell a few screens up
teaches typing, not thinking. This module measures how much of a solution block
appears, in order, in the code shown before the exercise: in earlier code cells
and in ```python fences of earlier Markdown cells. Local names are compared as
placeholders, so renaming `x` to `logits` does not hide a copy; attributes
(`np.exp`, `.max`), keywords, operators and constants are compared as written.

`debug` exercises are exempt: their planted-bug function is shown above on
purpose, and the solution is that function with one thing fixed.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from dataclasses import dataclass
from difflib import SequenceMatcher

from ._cells import BEGIN, END

#: Share of a solution's tokens found, in order, in one earlier cell above which
#: the exercise counts as re-typing code shown above.
THRESHOLD = 0.6
#: Runs of fewer matching tokens than this are chance (`<name> = np.`), not copying.
MIN_RUN = 4
#: Solutions shorter than this many tokens (one-liners) are not compared.
MIN_TOKENS = 25

_FENCE = re.compile(r"```(?:python|py|ipython3?)?[ \t]*\n(.*?)```", re.S)
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT}
_SKIP |= {tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _span(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The source text from `start` to `end` (tokenize's (row, column) pairs)."""
    (row0, col0), (row1, col1) = start, end
    if row0 == row1:
        return lines[row0 - 1][col0:col1]
    middle = "".join(lines[row0:row1 - 1])
    return lines[row0 - 1][col0:] + middle + lines[row1 - 1][:col1]


@dataclass(frozen=True)
class Copy:
    """The earlier cell that holds most of a solution, and how much of it."""

    cell: int
    share: float


def solution_block(source: str) -> str:
    """The lines between the solution markers of a solution cell (dedented)."""
    inside, lines = False, []
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            lines.append(line)
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines)


def tokens(code: str) -> list[str]:
    """Python tokens of `code`, local names replaced by a placeholder.

    Code that does not tokenize (a fragment, IPython magics) gives the tokens
    read before the error, so a broken cell never stops the check.
    """
    out: list[str] = []
    previous = ""
    lines = (code + "\n").splitlines(keepends=True)
    fstrings: list[tuple[int, int]] = []  # where each open f-string starts (3.12+)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            if tok.type in _SKIP:
                continue
            # Python 3.12+ splits an f-string into pieces; 3.11 reads it as one
            # STRING token. Join the pieces so every version counts the same tokens.
            if tok.type == _FSTRING_START:
                fstrings.append(tok.start)
                continue
            if fstrings:
                if tok.type == _FSTRING_END:
                    start = fstrings.pop()
                    if not fstrings:
                        out.append(_span(lines, start, tok.end))
                        previous = out[-1]
                continue
            text = tok.string
            if tok.type == tokenize.NAME and not keyword.iskeyword(text):
                text = text if previous == "." else "<name>"
            out.append(text)
            previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def shown_code(cell) -> str:
    """The code a cell shows: a code cell's source, a Markdown cell's fences."""
    if cell.cell_type == "code":
        return "\n".join(
            line
            for line in cell.source.split("\n")
            if not line.lstrip().startswith("%")
        )
    if cell.cell_type == "markdown":
        return "\n".join(_FENCE.findall(cell.source))
    return ""


def copied_from(solution: list[str], earlier: list[list[str]]) -> Copy | None:
    """The earlier token list holding the largest in-order share of `solution`."""
    if len(solution) < MIN_TOKENS:
        return None
    best: Copy | None = None
    for index, other in enumerate(earlier):
        if not other:
            continue
        matcher = SequenceMatcher(None, solution, other, autojunk=False)
        blocks = matcher.get_matching_blocks()
        found = sum(b.size for b in blocks if b.size >= MIN_RUN)
        share = found / len(solution)
        if best is None or share > best.share:
            best = Copy(index, share)
    return best
