"""Execute notebooks in place, top to bottom, the way CI's nbval will re-run them.

Usage: python scripts/execute_notebooks.py notebooks/03_softmax_temperature.ipynb [...]

Runs each notebook in a fresh kernel from the notebooks/ folder with a fixed hash
seed, merges split stream outputs, records no timings and drops widget state and views
(readers of the saved notebook see the static figures), so that the committed outputs
are byte-stable.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        coalesce_streams=True,
        store_widget_state=True,  # needed by Output widgets; dropped below
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    # A saved widget view points at a model that no longer exists (and its id is
    # random): drop it, so a saved notebook shows the static PNG in JupyterLab as in
    # the book. Running the cell brings the live widget back.
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_MIME, None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for arg in argv:
        seconds = execute(Path(arg))
        print(f"{arg}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
