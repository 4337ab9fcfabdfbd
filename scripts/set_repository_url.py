"""Point the book at its repository: one command updates every place that names it.

Usage: python scripts/set_repository_url.py https://github.com/OWNER/REPO

The URL lives in `_config.yml` (repository.url: launch buttons, "repository" and
"issues" links) and, because a notebook opened in Colab cannot read the book's
configuration, in the Colab set-up cell of every notebook. This script rewrites both
and leaves everything else untouched; tests/test_notebooks.py checks they agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")


def current_url() -> str:
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    match = re.search(r"^  url: (\S+)$", config, flags=re.MULTILINE)
    if match is None:
        raise SystemExit("_config.yml has no repository url line ('  url: ...')")
    return match.group(1)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not URL.match(argv[0]):
        print(__doc__)
        print(f"expected one URL like https://github.com/OWNER/REPO, got {argv}")
        return 2
    new, old = argv[0], current_url()
    config = ROOT / "_config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(f"  url: {old}", f"  url: {new}"),
        encoding="utf-8",
    )
    changed = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = nb.cells[1]
        if cell.cell_type != "code" or "google.colab" not in cell.source:
            raise SystemExit(f"{path.name}: the second cell is not the Colab set-up")
        if old in cell.source:
            cell.source = cell.source.replace(old, new)
            nbformat.write(nb, path)
            changed += 1
    print(f"repository URL: {old} -> {new} (_config.yml and {changed} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
