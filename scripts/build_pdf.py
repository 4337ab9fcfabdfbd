"""Print the built HTML book to one tagged PDF with Debian's Chromium (`make pdf`).

    python scripts/build_pdf.py [--html _build/html] [--out _build/pdf/inside-gpt.pdf]

Jupyter Book's own routes fall short here: `pdfhtml` starts Playwright without a
browser path, and its single-page HTML loses the images and MathJax when the root
document sits in book/; pdflatex needs gigabytes of TeX Live and drops emoji and CJK.
So this script joins the pages of the already built HTML book (run `make book`
first), in table-of-contents order, into one print page at the site root: each
page's article with its links, anchors and image paths rewritten for the new
location, the book's stylesheets and the offline MathJax. Chromium (driven by the
pinned Playwright, with an explicit executable path) typesets the maths and prints
it with a structure tree (tagged PDF) and an outline from the headings. Chapter
numbers are the HTML's own (they are in the headings Sphinx wrote).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import posixpath
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
PRINT_PAGE = "inside-gpt-print.html"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
html, body { background: white; }
.print-book { max-width: none; margin: 0; padding: 0; }
.print-chapter { break-before: page; }
.print-chapter h1 { display: block !important; }
/* Chromium titles outline entries by joining a heading's lines without a space:
   headings sized to fit on one line keep those titles whole. */
.bd-main .bd-content .print-chapter h1 { font-size: 1.7em; }
.bd-main .bd-content .print-chapter h2 { font-size: 1.3em; }
.bd-main .bd-content .print-chapter h3 { font-size: 1.1em; }
.print-chapter:first-of-type { break-before: auto; }
a.headerlink, .copybtn, .toggle-button, .dropdown-toggle { display: none !important; }
img { max-width: 100%; height: auto; break-inside: avoid; }
div.cell_output, div.highlight, pre { break-inside: avoid-page; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.interactive-figure .interactive-live { display: none !important; }
.interactive-figure .interactive-fallback { display: block !important; }
body { font-family: "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC",
  "Noto Color Emoji", sans-serif; }
"""


def toc_documents(root: Path = ROOT) -> list[str]:
    """Document names in reading order: the root, then every chapter of every part."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]
    for part in toc.get("parts", []):
        docs += [chapter["file"] for chapter in part.get("chapters", [])]
    return [doc.removesuffix(".md").removesuffix(".ipynb") for doc in docs]


def _slug(doc: str) -> str:
    return doc.replace("/", "--")


def _rewrite(article, doc: str, known: set[str]) -> None:
    """Give ids a per-page prefix; point links and images at the print page's folder."""
    base = posixpath.dirname(doc + ".html")
    prefix = _slug(doc)
    for tag in article.find_all(id=True):
        tag["id"] = f"{prefix}--{tag['id']}"
    for tag in article.find_all(["img", "source"], src=True):
        if not urlsplit(tag["src"]).scheme and not tag["src"].startswith("data:"):
            tag["src"] = posixpath.normpath(posixpath.join(base, tag["src"]))
    for tag in article.find_all("a", href=True):
        href = tag["href"]
        if urlsplit(href).scheme or href.startswith("mailto:"):
            continue
        path, fragment = urldefrag(href)
        target = doc if not path else posixpath.normpath(posixpath.join(base, path))
        target = target.removesuffix(".html")
        if target in known:
            anchor = f"{_slug(target)}--{fragment}" if fragment else _slug(target)
            tag["href"] = "#" + anchor
        else:  # a downloadable file or a page outside the book: keep it reachable
            tag["href"] = posixpath.normpath(posixpath.join(base, path)) + (
                f"#{fragment}" if fragment else ""
            )


def print_page(html_dir: Path, docs: list[str]) -> str:
    """One HTML page holding every document's article, in order."""
    known = set(docs)
    first = BeautifulSoup(
        (html_dir / f"{docs[0]}.html").read_text("utf-8"), "html.parser"
    )
    head = []
    base = posixpath.dirname(docs[0] + ".html")
    for link in first.head.find_all("link", rel="stylesheet"):
        link["href"] = posixpath.normpath(posixpath.join(base, link["href"]))
        head.append(str(link))
    for script in first.head.find_all("script"):
        text = script.string or ""
        src = script.get("src", "")
        if "MathJax" in text:
            head.append(str(script))
        elif "mathjax/" in src:
            script["src"] = posixpath.normpath(posixpath.join(base, src))
            head.append(str(script))
    chapters = []
    for doc in docs:
        soup = BeautifulSoup(
            (html_dir / f"{doc}.html").read_text("utf-8"), "html.parser"
        )
        article = soup.find("article", class_="bd-article")
        if article is None:
            raise SystemExit(f"{doc}.html has no <article class='bd-article'>")
        _rewrite(article, doc, known)
        article.name = "section"
        article["class"] = ["print-chapter"]  # the theme hides a .bd-article's h1
        article["id"] = _slug(doc)
        chapters.append(str(article))
    title = first.title.get_text() if first.title else "Inside GPT"
    title = title.split("\u2014")[0].strip() or "Inside GPT"
    return (
        '<!DOCTYPE html>\n<html lang="en" data-theme="light" data-mode="light">\n'
        f'<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        + "\n".join(head)
        + f"\n<style>{PRINT_CSS}</style>\n</head>\n"
        '<body>\n<main class="print-book bd-main"><div class="bd-content">'
        '<div class="bd-article-container">\n'
        + "\n".join(chapters)
        + "\n</div></div></main>\n</body>\n</html>\n"
    )


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("build_pdf needs Chromium: apt-get install chromium")


def _serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# The printed headings' text as a reader sees it (hidden anchors left out), in
# document order: the order of Chromium's outline entries.
HEADINGS_JS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => h.getClientRects().length > 0)
  .map(h => h.innerText.replace(/\\s+/g, ' ').trim())"""


def _outline_items(first) -> list:
    """Every outline item under `first` (its siblings and their children), in order."""
    items, node = [], first
    while node is not None:
        node = node.get_object()
        items.append(node)
        if "/First" in node:
            items += _outline_items(node["/First"])
        node = node.get("/Next")
    return items


def retitle_outline(path: Path, headings: list[str]) -> bool:
    """Give the PDF's outline entries the headings' own text.

    Chromium titles an entry by joining the text of the heading's line boxes, so a
    wrapped heading loses the space at the break, and some headings come out twice
    ("SummarySummary"). The entries follow the headings in document order, so when
    the counts agree each entry takes its heading's text. Returns whether it did.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=str(path))
    root = writer._root_object
    if "/Outlines" not in root or "/First" not in root["/Outlines"].get_object():
        return False
    items = _outline_items(root["/Outlines"].get_object()["/First"])
    if len(items) != len(headings):
        print(
            f"outline has {len(items)} entries for {len(headings)} headings:"
            " Chromium's titles kept",
            file=sys.stderr,
        )
        return False
    for item, title in zip(items, headings, strict=True):
        item[NameObject("/Title")] = TextStringObject(title)
    with open(path, "wb") as handle:
        writer.write(handle)
    return True


def build_pdf(html_dir: Path, out: Path, *, timeout_ms: int = 600_000) -> dict:
    """Write the PDF; return what happened (pages printed, seconds, bytes, outside)."""
    from playwright.sync_api import sync_playwright

    start = time.monotonic()
    docs = toc_documents()
    missing = [d for d in docs if not (html_dir / f"{d}.html").is_file()]
    if missing:
        raise SystemExit(f"not in {html_dir}: {missing} (run `make book` first)")
    (html_dir / PRINT_PAGE).write_text(print_page(html_dir, docs), encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    server = _serve(html_dir)
    url = f"http://127.0.0.1:{server.server_address[1]}/{PRINT_PAGE}"
    outside: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=_chromium(), args=CHROMIUM_FLAGS
            )
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)

            def watch(request):
                host = urlsplit(request.url).hostname
                if request.url.startswith("http") and host != "127.0.0.1":
                    outside.append(request.url)

            page.on("request", watch)
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            )
            page.evaluate("() => MathJax.startup.promise")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            page.emulate_media(media="print")
            headings = page.evaluate(HEADINGS_JS)
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                tagged=True,
                outline=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;text-align:center;">'
                    '<span class="pageNumber"></span></div>'
                ),
                margin={
                    "top": "16mm",
                    "bottom": "18mm",
                    "left": "14mm",
                    "right": "14mm",
                },
            )
            browser.close()
    finally:
        server.shutdown()
    titled = retitle_outline(out, headings)
    return {
        "documents": len(docs),
        "outline_retitled": titled,
        "seconds": round(time.monotonic() - start, 1),
        "bytes": out.stat().st_size,
        "outside": outside,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "pdf" / "inside-gpt.pdf"
    )
    args = parser.parse_args(argv)
    info = build_pdf(args.html, args.out)
    if info["outside"]:
        print(f"requests left the machine: {info['outside']}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out} ({info['bytes'] / 1e6:.1f} MB,"
        f" {info['documents']} documents, {info['seconds']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
