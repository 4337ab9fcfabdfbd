"""The self-check quiz page works in a browser, offline, from the keyboard.

Reuses the shared build and server of the browser tests (tests/browser_support.py):
the quiz page must show every chapter's questions from book/quizzes.yml as labelled
radio groups, typeset its maths, load quiz.js from the site, answer one question
right and one wrong (the wrong one by keyboard only), and reveal the answer; and
axe-core (as in test_accessibility.py) finds nothing on it in light and dark mode,
with the feedback of a right and a wrong answer showing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_support import (
    AXE_OPTIONS,
    CHROMIUM_FLAGS,
    Watch,
    build_book,
    require_chromium,
    serve,
    wait_for_maths,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGE = "/book/quizzes.html"


@pytest.fixture(scope="module")
def site_url():
    return serve(build_book())


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser, site_url):
    page = browser.new_page()
    page.set_default_timeout(120_000)
    watch = Watch(page)
    page.goto(site_url + PAGE, wait_until="load")
    page.watch = watch
    yield page
    page.close()


def _quizzes():
    from nanogpt_lib.classroom.quizzes import load_quizzes

    return load_quizzes(ROOT / "book" / "quizzes.yml")


def test_every_question_is_a_labelled_radio_group(page):
    assert wait_for_maths(page) > 0
    n = sum(len(q.questions) for q in _quizzes().values())
    summary = page.evaluate(
        """() => Array.from(document.querySelectorAll('fieldset.quiz-question'))
        .map(f => ({
          legend: !!f.querySelector('legend') && f.querySelector('legend')
            .textContent.trim().length > 3,
          radios: Array.from(f.querySelectorAll('input[type=radio]')).map(
            r => !!document.querySelector(`label[for="${r.id}"]`)),
          live: f.querySelector('.quiz-feedback').getAttribute('aria-live'),
        }))"""
    )
    assert len(summary) == n
    for item in summary:
        assert item["legend"] and item["radios"] and all(item["radios"])
        assert item["live"] == "polite"
    scripts = page.evaluate(
        "() => Array.from(document.scripts).map(s => s.src).filter(s => s)"
    )
    assert any(s.split("?")[0].endswith("/_static/quiz.js") for s in scripts)


def test_one_question_right_and_one_wrong(page):
    quizzes = _quizzes()
    first = quizzes["03"].questions[0]
    second = quizzes["03"].questions[1]

    # Right, with the mouse: pick the right choice and check.
    page.click(f"label[for='quiz-03-1-{first.answer}']")
    page.click("#quiz-03-1 .quiz-check")
    feedback = page.inner_text("#quiz-03-1 .quiz-feedback")
    assert "Correct" in feedback
    assert page.is_visible("#quiz-03-1 .quiz-explanation")
    assert page.is_hidden("#quiz-03-1 .quiz-reveal")
    assert "quiz-right" in page.get_attribute(
        f"#quiz-03-1-{first.answer} >> xpath=..", "class"
    )

    # Wrong, from the keyboard only: focus the group, pick a wrong choice with the
    # arrow keys, Tab to "Check answer" and press Enter.
    wrong = next(i for i in range(len(second.choices)) if i != second.answer)
    page.focus("#quiz-03-2-0")
    page.keyboard.press("Space")
    for _ in range(wrong):
        page.keyboard.press("ArrowDown")
    assert page.is_checked(f"#quiz-03-2-{wrong}")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "quiz-check"
    page.keyboard.press("Enter")
    feedback = page.inner_text("#quiz-03-2 .quiz-feedback")
    assert "Not quite" in feedback
    assert page.is_hidden("#quiz-03-2 .quiz-explanation")
    assert "quiz-wrong" in page.get_attribute(
        f"#quiz-03-2-{wrong} >> xpath=..", "class"
    )

    # Reveal: the right choice is marked and the explanation shows.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "quiz-reveal"
    page.keyboard.press("Enter")
    assert page.is_checked(f"#quiz-03-2-{second.answer}")
    assert page.is_visible("#quiz-03-2 .quiz-explanation")
    page.watch.assert_clean("quiz page")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_violations_on_the_quiz_page(browser, site_url, mode):
    pytest.importorskip("axe_playwright_python")
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)
    if mode == "dark":
        context.add_init_script(
            "localStorage.setItem('mode', 'dark');"
            " localStorage.setItem('theme', 'dark');"
        )
    try:
        page = context.new_page()
        page.goto(site_url + PAGE, wait_until="load")
        wait_for_maths(page)
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        right = _quizzes()["00"].questions[0].answer
        page.click(f"label[for='quiz-00-1-{right}']")
        page.click("#quiz-00-1 .quiz-check")
        wrong = 1 - min(1, _quizzes()["00"].questions[1].answer)  # 0 or 1, not it
        page.click(f"label[for='quiz-00-2-{wrong}']")
        page.click("#quiz-00-2 .quiz-check")
        result = Axe().run(page, options=AXE_OPTIONS).response
    finally:
        context.close()
    found = [
        f"{v['id']} ({v['impact']}): {n['target']} {n['html'][:120]}"
        for v in result["violations"]
        for n in v["nodes"]
    ]
    assert not found, f"quiz page, {mode}: " + "\n".join(found)
