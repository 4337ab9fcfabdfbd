"""The HTML book: it builds with warnings as errors, and it renders offline.

The build runs once per session into a temporary folder. The browser test serves the
built site on a loopback port and opens pages in headless Chromium (Debian's package,
driven by Playwright) with background networking off; it asserts that MathJax typeset
the maths and no display equation overflows the text column, every image loaded, no
JavaScript error occurred and no request left the machine.
"""

from __future__ import annotations

import pytest
from browser_support import (
    CHROMIUM_FLAGS,
    Watch,
    build_book,
    chapter_pages,
    require_chromium,
    serve,
    wait_for_maths,
)


@pytest.fixture(scope="session")
def built_book():
    """The book, built once per session with -W (warnings are errors)."""
    return build_book()


def test_book_builds_with_warnings_as_errors(built_book):
    assert (built_book / "index.html").is_file()
    chapter = built_book / "notebooks" / "03_softmax_temperature.html"
    html = chapter.read_text(encoding="utf-8")
    assert "Learning objectives" in html
    assert "_static/mathjax/tex-chtml.js" in html
    assert "cdn.jsdelivr.net" not in html and "cdnjs.cloudflare.com" not in html
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_widgets_show_a_static_image_in_html(built_book):
    """The widget output carries a PNG; the book must render it, not an empty box."""
    html = (built_book / "notebooks" / "03_softmax_temperature.html").read_text("utf-8")
    assert "widget-view+json" not in html
    assert "[interactive: temperature explorer" not in html  # the PNG won, not text


@pytest.fixture(scope="session")
def site_url(built_book):
    return serve(built_book)


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _pages() -> list[tuple[str, str, int]]:
    """The landing page, then every chapter in the table of contents."""
    pages = []
    for label, path in chapter_pages():
        min_images = 0 if label == "landing page" else 1
        min_images = 4 if "/03_" in path else min_images
        pages.append((label, path, min_images))
    return pages


PAGES = _pages()


@pytest.mark.parametrize("label, path, min_images", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_offline(browser, site_url, label, path, min_images):
    page = browser.new_page()
    page.set_default_timeout(180_000)
    watch = Watch(page)
    page.goto(site_url + path, wait_until="load")
    typeset = wait_for_maths(page)
    leftover_tex = page.evaluate(
        "() => Array.from(document.querySelectorAll('.math'))"
        ".filter(el => !el.querySelector('mjx-container')).length"
    )
    too_wide = page.evaluate(
        "() => { const column = document.querySelector('main').clientWidth;"
        " const shown = 'mjx-container[display=\"true\"]';"
        " return Array.from(document.querySelectorAll(shown))"
        ".filter(m => m.scrollWidth > m.clientWidth + 2 ||"
        " m.getBoundingClientRect().width > column)"
        ".map(m => (m.getAttribute('aria-label') || m.textContent).slice(0, 60)); }"
    )
    images = page.evaluate(
        "() => Array.from(document.images).map(i => "
        "[i.src, i.complete && i.naturalWidth > 0])"
    )
    page.close()
    assert typeset > 0, f"{label}: MathJax typeset no maths"
    assert leftover_tex == 0, f"{label}: {leftover_tex} maths elements left as raw TeX"
    assert not too_wide, f"{label}: display maths wider than the column: {too_wide}"
    broken = [src for src, ok in images if not ok]
    assert not broken, f"{label}: images failed to load: {broken}"
    assert len(images) >= min_images, f"{label}: expected >= {min_images} images"
    watch.assert_clean(label)
