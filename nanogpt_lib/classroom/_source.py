"""Reading a cell's Python: where solution blocks sit, and which statements use them."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ._cells import BEGIN, END, STUB, ClassroomError


def _parseable(source: str) -> str:
    """The source with IPython magics and shell lines blanked, so ast can parse it."""
    out = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        out.append(line)
    return "\n".join(out)


def _enclosing_functions(tree: ast.AST, lineno: int) -> list[str]:
    """Names of the functions whose body holds line `lineno`, outermost first."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.body[0].lineno <= lineno <= node.end_lineno:
                names.append((node.lineno, node.name))
    return [name for _, name in sorted(names)]


def stub_solution(source: str, label: str, where: str = "") -> tuple[str, list[str]]:
    """Replace every solution block of a cell's source by the one-line stub.

    Returns the new source and the names of the functions that now raise
    NotImplementedError. The stub takes the indentation of its BEGIN marker; a
    block that is not inside a function body raises ClassroomError, because a
    stub at top level would stop the rest of a student's notebook.
    """
    where = where or f"exercise {label}"
    lines = source.split("\n")
    out: list[str] = []
    stub_lines: list[int] = []
    begin_at = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_at is not None:
                raise ClassroomError(
                    f"{where}: a second {BEGIN!r} at line {number} before the "
                    f"{END!r} of the block opened at line {begin_at}"
                )
            begin_at = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + STUB.format(label=label))
            stub_lines.append(len(out))
        elif stripped == END:
            if begin_at is None:
                raise ClassroomError(
                    f"{where}: {END!r} at line {number} has no {BEGIN!r} before it"
                )
            begin_at = None
        elif "BEGIN SOLUTION" in stripped or "END SOLUTION" in stripped:
            raise ClassroomError(
                f"{where}: line {number} looks like a solution marker but is not "
                f"exactly {BEGIN!r} or {END!r}: {stripped!r}"
            )
        elif begin_at is None:
            out.append(line)
    if begin_at is not None:
        raise ClassroomError(
            f"{where}: the {BEGIN!r} at line {begin_at} has no {END!r} after it"
        )
    if not stub_lines:
        raise ClassroomError(
            f"{where}: the solution cell has no {BEGIN!r} ... {END!r} block"
        )
    new_source = "\n".join(out)
    try:
        tree = ast.parse(_parseable(new_source))
    except SyntaxError as exc:
        raise ClassroomError(
            f"{where}: the cell is not valid Python once its solution is replaced "
            f"(line {exc.lineno}: {exc.msg}); put the markers on lines of their own, "
            "inside a function body"
        ) from exc
    functions: list[str] = []
    for lineno in stub_lines:
        enclosing = _enclosing_functions(tree, lineno)
        if not enclosing:
            raise ClassroomError(
                f"{where}: the solution block at line {lineno} is not inside a "
                "function body. A stub at top level would raise NotImplementedError "
                "and stop the rest of the student's notebook; put the solution "
                "inside the body of the function the learner writes"
            )
        if enclosing[0] not in functions:
            functions.append(enclosing[0])
    return new_source, functions


class _TopLevelCalls(ast.NodeVisitor):
    """Calls of the given names that run when a cell runs (not inside a def/lambda)."""

    def __init__(self, names: set[str]):
        self.names = names
        self.found: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node):  # bodies run only when called
        for expr in [*node.decorator_list, *node.args.defaults]:
            self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.found.append((node.func.id, node.lineno))
        self.generic_visit(node)


def _calls(node: ast.AST, names: set[str]) -> list[str]:
    """Names from `names` that `node` calls when it runs (not inside a def/lambda)."""
    visitor = _TopLevelCalls(names)
    visitor.visit(node)
    return [name for name, _ in visitor.found]


def _names(node: ast.AST, ctx: type) -> set[str]:
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)
    }


@dataclass
class _Statement:
    """A top-level statement of a cell: its lines (1-based, inclusive) and names."""

    first: int
    last: int
    calls: list[str]  # stubbed functions it calls
    loads: set[str]
    stores: set[str]
    is_def: bool


def _statements(source: str, stubbed: set[str]) -> list[_Statement] | None:
    """The cell's top-level statements, or None if it is not Python we can read."""
    try:
        tree = ast.parse(_parseable(source))
    except SyntaxError:
        return None
    out = []
    for stmt in tree.body:
        is_def = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        first = min(
            [stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])]
        )
        out.append(
            _Statement(
                first=first,
                last=stmt.end_lineno,
                calls=_calls(stmt, stubbed),
                loads=set() if is_def else _names(stmt, ast.Load),
                stores={stmt.name} if is_def else _names(stmt, ast.Store),
                is_def=is_def,
            )
        )
    return out


def _worked_answer(source: str, stubbed: set[str], tainted: set[str]):
    """Top-level statements of an exercise cell that run the learner's function.

    A statement is part of the worked answer if it calls a stubbed function or uses
    a name that such a statement computed (`tainted`, updated in place). Returns the
    statements, or None if the cell cannot be parsed.
    """
    statements = _statements(source, stubbed)
    if statements is None:
        return None
    dead = []
    for stmt in statements:
        if not stmt.is_def and (stmt.calls or stmt.loads & tainted):
            dead.append(stmt)
            tainted |= stmt.stores
        else:
            tainted -= stmt.stores
    return dead


def _drop_statements(source: str, dead: list[_Statement]) -> str:
    """The source without the given statements and the comment lines just above."""
    lines = source.split("\n")
    drop: set[int] = set()
    for stmt in dead:
        drop.update(range(stmt.first, stmt.last + 1))
        above = stmt.first - 1
        while above >= 1 and lines[above - 1].lstrip().startswith("#"):
            if lines[above - 1].strip() in (BEGIN, END):
                break
            drop.add(above)
            above -= 1
    kept = [line for number, line in enumerate(lines, 1) if number not in drop]
    text = re.sub(r"\n{4,}", "\n\n\n", "\n".join(kept))
    return text.rstrip()


def _short_line(line: str) -> str:
    text = line.strip()
    return text if len(text) <= 60 else text[:57] + "..."
