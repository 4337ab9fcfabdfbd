"""Make the built book self-contained and clean in the browser.

MathJax is served from the built site instead of a CDN, so the book renders offline.

MathJax 3 comes from the `django-static-mathjax` package on PyPI (a plain copy of
MathJax's es5 build). After the HTML build, its files are copied into
`_static/mathjax/`, and Sphinx is told to load `_static/mathjax/tex-chtml.js`.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

MATHJAX_ENTRY = "tex-chtml.js"


def mathjax_source() -> Path:
    """The folder of the installed MathJax es5 build."""
    try:
        root = Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError as err:
        raise ExtensionError(
            "offline_assets needs MathJax from the 'django-static-mathjax' package "
            "(pip install -r requirements.txt)"
        ) from err
    if not (root / MATHJAX_ENTRY).is_file():
        raise ExtensionError(f"MathJax entry point not found at {root / MATHJAX_ENTRY}")
    return root


def _use_local_mathjax(app: Sphinx, config) -> None:
    mathjax_source()  # fail early, before a long build, if it is missing
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"


def _copy_mathjax(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(mathjax_source(), target, dirs_exist_ok=True)


def _drop_duplicate_scripts(app: Sphinx, pagename, templatename, context, doctree):
    """Keep one copy of each script: sphinx-thebe registers its inline
    `const THEBE_JS_URL = ...` twice under Jupyter Book, and the second copy is a
    JavaScript error ("Identifier has already been declared") on every page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = sorted(getattr(script, "attributes", {}).items())
        key = (getattr(script, "filename", None) or "", repr(attributes))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _use_local_mathjax)
    app.connect("html-page-context", _drop_duplicate_scripts)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
