"""WCAG 2.1 AA for the HTML book: figure alt text, maths for screen readers, landmarks.

Alt text. The plotting functions describe each figure from its data and the figure
carries that text into the notebook output's metadata (`image/png: {alt: ...}`, see
`nanogpt_lib.plotting._style`). MyST-NB reads alt text only from cell metadata
(`mystnb.image.alt`), so this extension reads it from the outputs instead: MyST-NB names
each image file after the sha256 of its bytes, and the notebook's outputs map those
same hashes to their alt text. No cell needs a hand-written alt.

MathJax keeps its hidden MathML next to every formula (assistive MathML), which is what
screen readers read. The theme's sidebar logo is put inside a <nav> landmark (the
template in templates/), as axe-core's "region" rule asks.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def notebook_alt_texts(path: Path) -> dict[str, str]:
    """sha256 of each image output's bytes -> the alt text stored with that output."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            metadata = output.get("metadata", {})
            for mime in IMAGE_TYPES:
                alt = metadata.get(mime, {}).get("alt")
                if mime not in data or not alt:
                    continue
                content = data[mime]
                if isinstance(content, list):
                    content = "".join(content)
                if mime == "image/svg+xml":
                    raw = "\n".join(content.splitlines()).encode("utf-8")
                else:
                    raw = base64.b64decode(content)
                found[hashlib.sha256(raw).hexdigest()] = str(alt)
    return found


def _add_alt_text(app: Sphinx, doctree) -> None:
    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    alts = notebook_alt_texts(source)
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue  # an author's explicit alt text wins
        stem = Path(image["uri"]).stem
        if stem in alts:
            image["alt"] = alts[stem]
        else:
            logger.info(
                "image without alt text in %s (re-execute the notebook)",
                app.env.docname,
            )


def _configure(app: Sphinx, config) -> None:
    config.templates_path.insert(0, str(TEMPLATES))
    mathjax = dict(config.mathjax3_config or {})
    options = dict(mathjax.get("options", {}))
    menu = dict(options.get("menuOptions", {}))
    menu["settings"] = {**menu.get("settings", {}), "assistiveMml": True}
    options["menuOptions"] = menu
    options["enableAssistiveMml"] = True
    mathjax["options"] = options
    config.mathjax3_config = mathjax


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.connect("doctree-read", _add_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
