"""The print edition: `scripts/build_pdf.py` prints the built book to one tagged PDF.

Checked with pypdf (pinned in requirements-browser.txt): a structure tree (tagged),
an outline whose chapter entries carry the HTML's chapter numbers, every figure,
maths typeset (no TeX source in the text layer), emoji and CJK text present.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

import pytest
from browser_support import ROOT, build_book, require_chromium, require_module

sys.path.insert(0, str(ROOT / "scripts"))
import build_pdf  # noqa: E402

RAW_TEX = re.compile(r"\\(frac|mathrm|sqrt|sum|left|right|begin|text|cdot)\b|\$\$")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    require_chromium()
    pypdf = require_module("pypdf")
    pytest.importorskip("playwright.sync_api")
    out = tmp_path_factory.mktemp("pdf") / "inside-gpt.pdf"
    info = build_pdf.build_pdf(build_book(), out)
    assert not info["outside"], f"requests left the machine: {info['outside']}"
    return pypdf.PdfReader(out)


@pytest.fixture(scope="module")
def text(pdf) -> str:
    return "\n".join(page.extract_text() or "" for page in pdf.pages)


class _Headings(HTMLParser):
    """Text of the first <h1> inside the article, and the <img> count."""

    def __init__(self):
        super().__init__()
        self.h1: str | None = None
        self.images = 0
        self._in_h1 = False
        self._in_link = False
        self._in_article = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" and "bd-article" in (attrs.get("class") or ""):
            self._in_article = True
        if not self._in_article:
            return
        if tag == "h1" and self.h1 is None:
            self._in_h1, self.h1 = True, ""
        if tag == "a" and self._in_h1:
            self._in_link = True
        if tag == "img" and "_images/" in (attrs.get("src") or ""):
            self.images += 1

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False
        if tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_h1 and not self._in_link:
            self.h1 += data


def _html_pages():
    html = build_book()
    pages = []
    for doc in build_pdf.toc_documents():
        parser = _Headings()
        parser.feed((html / f"{doc}.html").read_text(encoding="utf-8"))
        pages.append((doc, " ".join((parser.h1 or "").split()), parser.images))
    return pages


def _titles(outline) -> list[str]:
    out = []
    for item in outline:
        out += _titles(item) if isinstance(item, list) else [item.title]
    return out


def test_pdf_is_tagged_in_english(pdf):
    catalog = pdf.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/StructTreeRoot"].get_object().get("/K") is not None
    assert str(catalog.get("/Lang")).startswith("en")


def test_pdf_has_enough_pages_for_every_document(pdf):
    documents = len(build_pdf.toc_documents())
    assert len(pdf.pages) >= 4 * documents, f"only {len(pdf.pages)} pages"


def test_outline_lists_every_chapter_with_the_htmls_number(pdf):
    top = [item.title for item in pdf.outline if not isinstance(item, list)]
    for doc, h1, _ in _html_pages():
        assert h1, f"{doc}: no title in the HTML"
        assert h1 in top, f"{doc}: '{h1}' is not a top-level outline entry: {top}"
    numbered = [h1 for _, h1, _ in _html_pages() if re.match(r"\d+\. ", h1)]
    assert len(numbered) >= 8
    assert [h.split(".")[0] for h in numbered] == [
        str(n) for n in range(1, len(numbered) + 1)
    ]


def test_outline_titles_are_the_headings_as_written(pdf):
    """Not Chromium's own titles: wrapped lines joined without a space, or doubled."""
    titles = _titles(pdf.outline)
    assert len(titles) > 100
    doubled = [t for t in titles if len(t) % 2 == 0 and t[: len(t) // 2] * 2 == t]
    assert not doubled, f"outline titles written twice: {doubled[:5]}"
    assert "Summary" in titles
    assert all(t == " ".join(t.split()) and t for t in titles)


def _image_count(node) -> int:
    """Images a page (or a form it draws) places: its /XObject resources of subtype
    /Image, counted without decoding them (pypdf's page.images takes 18 s here)."""
    resources = node.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources else None
    if xobjects is None:
        return 0
    count = 0
    for xobject in xobjects.get_object().values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            count += 1
        elif xobject.get("/Subtype") == "/Form":
            count += _image_count(xobject)
    return count


def test_every_figure_is_printed(pdf):
    expected = sum(images for _, _, images in _html_pages())
    printed = sum(_image_count(page) for page in pdf.pages)
    assert expected > 40
    assert printed >= expected, f"{printed} images printed, {expected} in the HTML"


def test_maths_is_typeset_not_left_as_tex(text):
    found = sorted(set(m.group(0) for m in RAW_TEX.finditer(text)))
    assert not found, f"raw TeX in the PDF text: {found}"
    assert "softmax" in text


def test_emoji_and_cjk_are_in_the_text(text):
    assert re.search(r"[\uac00-\ud7af]", text), "no Korean text"
    assert re.search(r"[\U0001F300-\U0001FAFF]", text), "no emoji"
