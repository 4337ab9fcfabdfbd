"""Serve the interactive figures' script and style (book/_static) on every page,
and phone.js, which lets a wide figure scroll sideways at its readable size on a phone.

`nanogpt_lib.interactive` puts precomputed data into notebook outputs;
`_static/interactive.js` (plain JavaScript from this repository, no CDN) draws it.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parent.parent / "_static"  # book/_static


def _static_path(app: Sphinx, config) -> None:
    confdir = Path(app.confdir)
    known = {(confdir / p).resolve() for p in config.html_static_path}
    if STATIC not in known:
        config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _static_path)
    app.add_js_file("interactive.js", defer="defer")
    app.add_js_file("phone.js", defer="defer")
    app.add_css_file("interactive.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
