"""The instructor tools of requirements-classroom.txt: nbgrader and text2qti.

The nbgrader course autogrades out of the box, chapter by chapter.

`python -m nanogpt_lib.classroom nbgrader COURSE` writes the course; nbgrader (pinned
in requirements-classroom.txt) generates every chapter's release, then autogrades one
submission per chapter: the release with the first exercise answered wrongly (it
returns None), the second left as nbgrader's stub and every other one answered right
(each chapter has at least four). The wrong answer and the stub score nothing; every
right one, after them, scores full marks, so a student's failing cell costs that
exercise only. (Every answer right in every chapter is nbval's run of the notebooks
themselves; one submission, not two, keeps autograding to one run of each chapter.)
One `generate_assignment "*"` and one `autograde "*"` grade the chapters; each
chapter's scores are then their own test. make test grades three chapters (GRADED,
below); NBGRADER_CHAPTERS=all grades every one, in about three minutes.
`quiz qti` exports the self-check quizzes as one QTI package per chapter whose items
and right answers are the quiz file's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

nbformat = pytest.importorskip("nbformat")

from nanogpt_lib.classroom import main  # noqa: E402
from nanogpt_lib.classroom.course import points, write_course  # noqa: E402
from nanogpt_lib.classroom.quizzes import load_quizzes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _need_nbgrader():
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(
            "nbgrader is not installed: pip install -r requirements-classroom.txt "
            "(make test installs it)"
        )


def _run(args, cwd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _labels(nb):
    return [
        c.metadata["exercise"]["label"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]


def _mixed_submission(release, source):
    """The first answer wrong (it returns None), the second the stub, the rest right."""
    answers = [
        c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]
    stubs = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(stubs) == len(answers) >= 4, "a chapter has four exercises or more"
    lines = []
    inside = False
    for line in answers[0].source.split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
            lines.append(line.replace("### BEGIN SOLUTION", "return None"))
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            lines.append(line)
    stubs[0].source = "\n".join(lines)
    for stub, answer in zip(stubs[2:], answers[2:], strict=True):
        stub.source = answer.source
    return release


def _grade(course: Path, chapters: list[str]) -> dict:
    """generate_assignment and autograde once each, every chapter in one course (as
    nbgrader's id "*"): chapter -> the mixed submission's score per grade cell."""
    from nbgrader.api import Gradebook

    _run(["generate_assignment", "*", "--force"], course)
    sources = {}
    for chapter in chapters:
        name = f"{chapter}.ipynb"
        source = nbformat.read(course / "source" / chapter / name, as_version=4)
        release = nbformat.read(course / "release" / chapter / name, as_version=4)
        folder = course / "submitted" / "mixed" / chapter
        folder.mkdir(parents=True)
        nbformat.write(_mixed_submission(release, source), folder / name)
        sources[chapter] = source
    _run(["autograde", "*", "--force"], course)
    graded = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for chapter, source in sources.items():
            sub = gb.find_submission_notebook(chapter, chapter, "mixed")
            graded[chapter] = {
                "scores": {g.name: (g.score, g.max_score) for g in sub.grades},
                "points": points(source),
                "labels": _labels(source),
            }
    return graded


# The chapters in the table of contents (a notebook still being written is not one).
CHAPTERS = sorted(
    re.findall(r"file: notebooks/(\w+)", (ROOT / "_toc.yml").read_text("utf-8"))
)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course, written once; each chapter test copies its own assignment."""
    root = tmp_path_factory.mktemp("course")
    written = write_course(ROOT / "notebooks", root)
    assert set(CHAPTERS) <= {p.parent.name for p in written}
    return root


def test_the_course_has_every_chapter_and_a_config(course):
    config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    assert 'c.CourseDirectory.course_id = "inside-gpt"' in config
    for chapter in CHAPTERS:
        nb = nbformat.read(course / "source" / chapter / f"{chapter}.ipynb", 4)
        answers = [
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
        ]
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert answers and len(answers) == len(tests)
        for cell in tests:
            assert "graded(check_" in cell.source
            assert cell.metadata["nbgrader"]["points"] in (1, 2, 3)
        assert not any("{solution-start}" in c.source for c in nb.cells)


TEST_NAME = "test_chapter_autogrades_wrong_missing_and_right_answers"


@pytest.fixture(scope="module")
def autograded(request, course, tmp_path_factory):
    """Every selected chapter generated and autograded by one nbgrader command each
    (one process, one database): chapter -> its scores. Starting nbgrader costs
    about 4 s, so two commands in all, not two per chapter, save most of a minute.
    """
    _need_nbgrader()
    wanted = [
        item.callspec.params["chapter"]
        for item in request.session.items
        if getattr(item, "originalname", "") == TEST_NAME
    ]
    root = tmp_path_factory.mktemp("graded")
    for chapter in wanted:
        shutil.copytree(course / "source" / chapter, root / "source" / chapter)
    shutil.copy(course / "nbgrader_config.py", root)
    return _grade(root, wanted)


# Which chapters nbgrader autogrades: NBGRADER_CHAPTERS="all" (every chapter; 175 s
# in one process on the 2-core machine, all passing when measured on 2026-12-01) or
# a comma-separated list. make test grades three quick chapters, so that .ci/run
# stays within its 20 minutes: nbgrader's plumbing is the same for every chapter;
# every chapter's exercises and checkers run under nbval (right answers) and in the
# student versions (stubs); and `graded`, the wrapper nbgrader's test cells call,
# is tested by the class-grading tests.
SAMPLE = "03_softmax_temperature,06_mlp,08_gpt3_parameters"
_wanted = os.environ.get("NBGRADER_CHAPTERS", SAMPLE)
GRADED = CHAPTERS if _wanted == "all" else [c.strip() for c in _wanted.split(",")]


def test_the_graded_chapters_are_chapters():
    assert GRADED and set(GRADED) <= set(CHAPTERS), GRADED


@pytest.mark.parametrize("chapter", GRADED)
def test_chapter_autogrades_wrong_missing_and_right_answers(autograded, chapter):
    """generate_assignment, then autograde: no points for the wrong answer and the
    stub, full marks for every right answer after them."""
    result = autograded[chapter]
    scores, want, labels = result["scores"], result["points"], result["labels"]
    assert set(scores) == set(want) == {f"{lab}-test" for lab in labels}
    lost = {f"{labels[0]}-test", f"{labels[1]}-test"}  # the wrong answer, the stub
    for grade_id, max_points in want.items():
        expected = 0 if grade_id in lost else max_points
        assert scores[grade_id] == (expected, max_points), grade_id
    total = sum(want.values())
    print(f"{chapter}: {sum(s for s, _ in scores.values()):g}/{total} (wrong, stub, "
          f"then {len(labels) - 2} right)")


QUIZ_FILE = ROOT / "book" / "quizzes.yml"


def _need_text2qti():
    try:
        import text2qti  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(
            "text2qti is not installed: pip install -r requirements-classroom.txt"
        )


def test_qti_export_has_every_question_and_answer(tmp_path, capsys):
    _need_text2qti()
    out = tmp_path / "qti"
    assert main(["quiz", "qti", str(out), "--file", str(QUIZ_FILE)]) == 0
    quizzes = load_quizzes(QUIZ_FILE)
    assert f"{len(quizzes)} QTI package(s)" in capsys.readouterr().out
    for chapter, quiz in quizzes.items():
        with zipfile.ZipFile(out / f"quiz_{chapter}.zip") as package:
            assert "imsmanifest.xml" in package.namelist()
            (name,) = [
                n
                for n in package.namelist()
                if n.endswith(".xml") and "assessment_meta" not in n and "/" in n
            ]
            root = ElementTree.fromstring(package.read(name))
        ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
        items = root.findall(".//q:item", ns)
        assert len(items) == len(quiz.questions), chapter
        for item, q in zip(items, quiz.questions, strict=True):
            labels = item.findall(".//q:response_label", ns)
            assert len(labels) == len(q.choices)
            right = item.find(".//q:respcondition[@continue='No']//q:varequal", ns)
            idents = [label.get("ident") for label in labels]
            assert idents.index(right.text) == q.answer, (chapter, q.question)
