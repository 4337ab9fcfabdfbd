"""The HTML book: it builds with warnings as errors, and it renders offline.

The build runs once per session into a temporary folder. The browser test serves the
built site on a loopback port and opens pages in headless Chromium (Debian's package,
driven by Playwright) with background networking off; it asserts that MathJax typeset
the maths and no display equation overflows the text column, every image loaded, no
JavaScript error occurred and no request left the machine.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the book once with -W (warnings are errors); return the HTML folder."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb),
        "build",
        str(ROOT),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        "jupyter-book build -W failed:\n"
        + result.stdout[-6000:]
        + result.stderr[-3000:]
    )
    return out / "_build" / "html"


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


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def site_url(built_book):
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must have Chromium for the browser test (.ci/run installs it)"
            )
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _pages() -> list[tuple[str, str, int]]:
    """The landing page, then every chapter in the table of contents."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    chapters = sorted(
        line.split("notebooks/")[1].strip()
        for line in toc.splitlines()
        if "file: notebooks/" in line
    )
    pages = [("landing page", "/book/intro.html", 0)]
    for stem in chapters:
        min_images = 4 if stem.startswith("03_") else 1
        pages.append((f"chapter {stem}", f"/notebooks/{stem}.html", min_images))
    return pages


PAGES = _pages()


@pytest.mark.parametrize("label, path, min_images", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_offline(browser, site_url, label, path, min_images):
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )

    def on_request(request):
        host = urlparse(request.url).hostname
        if request.url.startswith("http") and host not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    page.on("request", on_request)
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.goto(site_url + path, wait_until="load")
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
        timeout=30_000,
    )
    typeset = page.evaluate(
        "() => MathJax.startup.promise.then("
        "() => document.querySelectorAll('mjx-container').length)"
    )
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
    assert not errors, f"{label}: JavaScript errors: {errors}"
    assert not outside, f"{label}: requests left the machine: {outside}"
    assert not failed, f"{label}: failed requests: {failed}"
