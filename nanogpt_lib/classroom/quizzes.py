"""Self-check quizzes: one YAML file, shown in the book and exported for an LMS.

``book/quizzes.yml`` holds, per chapter, multiple-choice versions of the teaching
guide's quiz questions. The book's ``{quiz}`` directive (``book/_ext/quiz.py``)
renders them as forms that answer without a kernel; ``write_qti`` exports the same
questions as one QTI package per chapter through text2qti (an instructor tool,
pinned in requirements-classroom.txt), ready for Canvas and other LMSs:

    python -m nanogpt_lib.classroom quiz qti OUTDIR
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path("book") / "quizzes.yml"


class QuizError(ValueError):
    """The quiz file does not follow its format (says where)."""


@dataclass(frozen=True)
class Question:
    guide: int  # the question's number in the teaching guide's chapter quiz
    question: str
    choices: tuple[str, ...]
    answer: int  # index of the right choice
    explain: str


@dataclass(frozen=True)
class Quiz:
    chapter: str  # "03"
    title: str
    questions: tuple[Question, ...]


def _question(item, where: str) -> Question:
    if not isinstance(item, dict):
        raise QuizError(f"{where}: expected a mapping, got {type(item).__name__}")
    keys = {"guide", "question", "choices", "answer", "explain"}
    if set(item) != keys:
        raise QuizError(f"{where}: keys must be {sorted(keys)}, got {sorted(item)}")
    choices = item["choices"]
    if not isinstance(choices, list) or len(choices) < 2:
        raise QuizError(f"{where}: 'choices' must be a list of at least 2")
    if len({str(c) for c in choices}) != len(choices):
        raise QuizError(f"{where}: two choices are the same")
    answer = item["answer"]
    if isinstance(answer, bool) or answer not in range(len(choices)):
        raise QuizError(f"{where}: 'answer' must be 0..{len(choices) - 1}")
    guide = item["guide"]
    if isinstance(guide, bool) or not isinstance(guide, int) or guide < 1:
        raise QuizError(f"{where}: 'guide' must be a question number (1, 2, ...)")
    for key in ("question", "explain"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise QuizError(f"{where}: {key!r} must be non-empty text")
    return Question(
        guide=guide,
        question=item["question"].strip(),
        choices=tuple(str(c).strip() for c in choices),
        answer=answer,
        explain=item["explain"].strip(),
    )


def load_quizzes(path: str | Path = DEFAULT_FILE) -> dict[str, Quiz]:
    """Every chapter's quiz from the YAML file, validated (QuizError says where)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"quiz file {str(path)!r} does not exist")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise QuizError(f"{path}: expected a mapping of chapters")
    quizzes = {}
    for chapter, entry in data.items():
        where = f"{path}, chapter {chapter}"
        if not isinstance(entry, dict) or set(entry) != {"title", "questions"}:
            raise QuizError(f"{where}: needs exactly 'title' and 'questions'")
        items = entry["questions"]
        if not isinstance(items, list) or not items:
            raise QuizError(f"{where}: 'questions' must be a non-empty list")
        questions = tuple(
            _question(item, f"{where}, question {i}") for i, item in enumerate(items, 1)
        )
        quizzes[str(chapter)] = Quiz(str(chapter), str(entry["title"]), questions)
    return quizzes


def text2qti_source(quiz: Quiz) -> str:
    """The quiz in text2qti's plain-text format (one multiple-choice item each)."""
    lines = [
        f"Quiz title: Inside GPT, chapter {quiz.chapter}: {quiz.title}",
        "Quiz description: Self-check questions from the Inside GPT teaching guide.",
        "",
    ]
    for number, q in enumerate(quiz.questions, 1):
        lines.append(f"{number}.  {q.question}")
        lines.append(f"... {q.explain}")
        for i, choice in enumerate(q.choices):
            letter = "abcdefghijklmnopqrstuvwxyz"[i]
            mark = "*" if i == q.answer else ""
            lines.append(f"{mark}{letter}) {choice}")
        lines.append("")
    return "\n".join(lines)


def write_qti(
    outdir: str | Path, path: str | Path = DEFAULT_FILE, text2qti: str | None = None
) -> list[Path]:
    """Export every chapter's quiz as ``quiz_<chapter>.zip`` (QTI 1.2, via text2qti).

    Also writes the text2qti source, ``quiz_<chapter>.txt``, next to each package.
    text2qti runs with a private home folder, so it neither reads nor writes the
    user's ``~/.text2qti.bespon``.
    """
    quizzes = load_quizzes(path)
    exe = (
        text2qti
        or shutil.which("text2qti")
        or str(Path(sys.executable).parent / "text2qti")
    )
    if not Path(exe).exists() and shutil.which(exe) is None:
        raise FileNotFoundError(
            "text2qti is not installed: pip install -r requirements-classroom.txt"
        )
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="nanogpt-qti-") as home:
        env = {**os.environ, "HOME": home}
        for chapter, quiz in quizzes.items():
            source = out / f"quiz_{chapter}.txt"
            source.write_text(text2qti_source(quiz), encoding="utf-8")
            result = subprocess.run(
                [exe, source.name],
                cwd=out,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if result.returncode != 0:
                raise QuizError(
                    f"text2qti failed on chapter {chapter}: "
                    f"{(result.stderr or result.stdout).strip()}"
                )
            written.append(out / f"quiz_{chapter}.zip")
    return written
