"""Shared by the browser tests: build the book once, serve it, open Chromium.

The HTML book is built once per test session (warnings are errors) however many test
files need it, and served on a loopback port. Chromium is Debian's package driven by
the pinned Playwright through an explicit executable path (Playwright's own browser
download is never used). Without Chromium the browser tests skip, except under CI=true,
where they fail: CI must install it (.ci/run does).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
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


@functools.cache
def build_book() -> Path:
    """Build the book once with -W (warnings are errors); return the HTML folder.

    BOOK_HTML=<folder> tests an HTML book built beforehand instead (for a quick
    re-run while working on a page; the full run always builds).
    """
    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"])
    out = Path(tempfile.mkdtemp(prefix="inside-gpt-book-"))
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--path-output", str(out)]
    cmd += ["-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        "jupyter-book build -W failed:\n"
        + result.stdout[-6000:]
        + result.stderr[-3000:]
    )
    return out / "_build" / "html"


@functools.cache
def serve(folder: Path) -> str:
    """Serve `folder` on a loopback port for the rest of the session; return its URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def chromium_path() -> str | None:
    """Debian's Chromium (or another system Chromium), if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    """The Chromium path; skip the test without it, but fail under CI=true."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(
                "CI must have Chromium for the browser tests (.ci/run installs it)"
            )
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


def require_module(name: str):
    """Import `name` (a test requirement); skip without it, but fail under CI=true."""
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(
                f"CI must install {name} (pip install -r requirements-browser.txt)"
            )
        pytest.skip(
            f"{name} is not installed (pip install -r requirements-browser.txt)"
        )


def chapter_pages() -> list[tuple[str, str]]:
    """(label, path): the landing page, then every chapter in the table of contents."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    stems = sorted(
        line.split("notebooks/")[1].strip()
        for line in toc.splitlines()
        if "file: notebooks/" in line
    )
    pages = [("landing page", "/book/intro.html")]
    pages += [(f"chapter {stem}", f"/notebooks/{stem}.html") for stem in stems]
    return pages


class Watch:
    """Record a page's JavaScript errors and every request that leaves the machine."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("request", self._on_request)
        page.on("requestfailed", lambda req: self.failed.append(req.url))

    def _on_request(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith("http") and host not in ("127.0.0.1", "localhost"):
            self.outside.append(request.url)

    def assert_clean(self, label: str) -> None:
        assert not self.errors, f"{label}: JavaScript errors: {self.errors}"
        assert not self.outside, f"{label}: requests left the machine: {self.outside}"
        assert not self.failed, f"{label}: failed requests: {self.failed}"


def wait_for_maths(page) -> int:
    """Wait until MathJax has typeset the page; return how many formulas it typeset."""
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
        timeout=30_000,
    )
    return page.evaluate(
        "() => MathJax.startup.promise.then("
        "() => document.querySelectorAll('mjx-container').length)"
    )


# axe-core's audit (tests/test_accessibility*.py, tests/test_quiz_browser.py): WCAG 2.1
# A/AA and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Every rule with these tags runs on every element. resultTypes only spares axe from
# writing a CSS selector for each node that passes (on a chapter page, thousands of
# code tokens checked for colour contrast): violations are reported in full, and the
# audit takes half the time (measured: chapter 05, 17.7 s -> 9.1 s).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    "resultTypes": ["violations"],
}
