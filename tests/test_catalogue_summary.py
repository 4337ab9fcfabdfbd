"""Across every catalogue of wrong answers: the share that gets a named hint.

`python tests/test_catalogue_summary.py` prints the table per checker.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).parent
MODULES = sorted(
    p.stem for p in HERE.glob("test_catalogue_*.py") if p.stem != Path(__file__).stem
)


def rows() -> list[tuple[str, int, int, int]]:
    """(checker, wrong answers, named, equivalents) for every catalogued checker."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        for checker, wrongs in module.CATALOGUE.items():
            named = sum(w.mistake is not None for w in wrongs)
            out.append(
                (checker.__name__, len(wrongs), named, len(module.EQUIVALENT[checker]))
            )
    return out


def test_overall_named_share_and_coverage():
    from nanogpt_lib.checks import catalogue

    table = rows()
    wrong = sum(r[1] for r in table)
    named = sum(r[2] for r in table)
    assert named / wrong >= 0.8
    catalogued = {r[0] for r in table}
    # every checker of every chapter has a catalogue here
    assert set(catalogue()) <= catalogued


if __name__ == "__main__":
    table = rows()
    print("| checker | wrong answers | named hint | equivalents pass |")
    print("|---|---|---|---|")
    for name, n, named, eq in table:
        print(f"| {name} | {n} | {named} | {eq} |")
    n = sum(r[1] for r in table)
    named = sum(r[2] for r in table)
    print(
        f"| **{len(table)} checkers** | **{n}** | **{named} ({named / n:.0%})** | "
        f"**{sum(r[3] for r in table)}** |"
    )
