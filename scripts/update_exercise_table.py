"""Write the current exercise table into the teaching guide (book/teaching_guide.md).

    python scripts/update_exercise_table.py

The table is what `python -m nanogpt_lib.classroom check notebooks/` prints: per
chapter, the exercises, their minutes, difficulties and kinds. It goes between the
guide's `exercise-table` markers; tests/test_classroom.py checks it is current.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from nanogpt_lib.classroom.metadata import inspect_notebook, summary_table

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "teaching_guide.md"
START, END = "<!-- exercise-table:start -->", "<!-- exercise-table:end -->"


def main() -> None:
    reports = [
        inspect_notebook(nbformat.read(path, as_version=4), path.name)
        for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
    ]
    guide = GUIDE.read_text(encoding="utf-8")
    before, rest = guide.split(START, 1)
    _, after = rest.split(END, 1)
    GUIDE.write_text(
        f"{before}{START}\n\n{summary_table(reports)}\n\n{END}{after}", encoding="utf-8"
    )
    print(f"wrote the exercise table of {len(reports)} chapters into {GUIDE}")


if __name__ == "__main__":
    main()
