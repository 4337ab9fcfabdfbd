"""The self-check quizzes: one YAML file, the book's page, and the QTI export.

Every chapter has questions; each names a question of that chapter's quiz in the
teaching guide; the file's format errors are reported with their place; the quiz page
shows every chapter. The QTI export, which needs text2qti, is tested with the other
instructor tools in test_classroom_nbgrader.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanogpt_lib.classroom import main
from nanogpt_lib.classroom.quizzes import (
    QuizError,
    load_quizzes,
    text2qti_source,
)

ROOT = Path(__file__).resolve().parents[1]
QUIZ_FILE = ROOT / "book" / "quizzes.yml"
GUIDE = ROOT / "book" / "teaching_guide.md"


def _guide_quiz_sizes() -> dict[str, int]:
    """Number of quiz questions per chapter section of the teaching guide."""
    text = GUIDE.read_text(encoding="utf-8")
    parts = re.split(r"^\(guide-(\w+)\)=\n", text, flags=re.M)
    sizes = {}
    for key, body in zip(parts[1::2], parts[2::2], strict=True):
        quiz = body.split("### Quiz", 1)[1] if "### Quiz" in body else ""
        sizes[key] = len(re.findall(r"^\d+\. ", quiz, flags=re.M))
    return sizes


def _toc_chapters() -> list[str]:
    """The chapter numbers ("03") of the notebooks in the table of contents."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"file: notebooks/(\w+?)_", toc)


def test_every_chapter_has_questions_from_its_guide_quiz():
    quizzes = load_quizzes(QUIZ_FILE)
    sizes = _guide_quiz_sizes()
    # A chapter of the book whose guide section has a quiz has self-check questions
    # (a new chapter gets them once the guide has its quiz), and only those do.
    chapters = set(_toc_chapters()) & {c for c, n in sizes.items() if n}
    assert set(quizzes) == chapters
    for chapter, quiz in quizzes.items():
        assert len(quiz.questions) >= 3, chapter
        for q in quiz.questions:
            assert 1 <= q.guide <= sizes[chapter], (chapter, q.question)
        assert len({q.guide for q in quiz.questions}) == len(quiz.questions)


def test_the_quiz_page_shows_every_chapter():
    page = (ROOT / "book" / "quizzes.md").read_text(encoding="utf-8")
    for chapter in load_quizzes(QUIZ_FILE):
        assert f"```{{quiz}} {chapter}\n```" in page
    assert "file: book/quizzes" in (ROOT / "_toc.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "expected a mapping of chapters"),
        ('"03": {title: T}', "needs exactly 'title' and 'questions'"),
        (
            '"03": {title: T, questions: [{guide: 1, question: Q, choices: [a, b],'
            " answer: 2, explain: E}]}",
            "chapter 03, question 1: 'answer' must be 0..1",
        ),
        (
            '"03": {title: T, questions: [{guide: 1, question: Q, choices: [a, a],'
            " answer: 0, explain: E}]}",
            "two choices are the same",
        ),
        (
            '"03": {title: T, questions: [{guide: 0, question: Q, choices: [a, b],'
            " answer: 0, explain: E}]}",
            "'guide' must be a question number",
        ),
        (
            '"03": {title: T, questions: [{question: Q, choices: [a, b],'
            " answer: 0, explain: E}]}",
            "keys must be",
        ),
    ],
)
def test_format_errors_say_where(tmp_path, text, message):
    path = tmp_path / "quizzes.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuizError, match=re.escape(message)):
        load_quizzes(path)


def test_text2qti_source_marks_the_right_choice():
    quiz = load_quizzes(QUIZ_FILE)["03"]
    source = text2qti_source(quiz)
    assert source.startswith("Quiz title: Inside GPT, chapter 03: Softmax")
    first = quiz.questions[0]
    right = "abcdefgh"[first.answer]
    assert f"*{right}) {first.choices[first.answer]}" in source
    assert source.count("\n*") == len(quiz.questions)


def test_quiz_list_counts_questions(capsys):
    assert main(["quiz", "list", "--file", str(QUIZ_FILE)]) == 0
    out = capsys.readouterr().out
    assert "03: 3 question(s), Softmax and temperature" in out
