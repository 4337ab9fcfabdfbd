"""Self-check quizzes in the HTML book: ```{quiz} 03``` renders chapter 03's questions.

The questions live in ``book/quizzes.yml`` (see `nanogpt_lib.classroom.quizzes`,
which also exports them for learning-management systems). Each question becomes a
``<fieldset>`` whose ``<legend>`` is the question, with one labelled radio button per
choice, a "Check answer" button, a live region for the feedback and a hidden
explanation. ``_static/quiz.js`` (plain JavaScript from this repository, served from
the site) does the checking in the browser: no kernel, no network. Question and
choice text is parsed as inline MyST, so ``$math$`` and ``code`` render as elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from nanogpt_lib.classroom.quizzes import QuizError, load_quizzes

STATIC = Path(__file__).resolve().parent.parent / "_static"  # book/_static


class quiz_question(nodes.General, nodes.Element):
    """<fieldset> of one question; attributes qid and answer."""


class quiz_legend(nodes.General, nodes.TextElement):
    """<legend>: the question."""


class quiz_choice(nodes.General, nodes.TextElement):
    """One radio button and its label; attributes qid and index."""


class quiz_explanation(nodes.General, nodes.TextElement):
    """The explanation, hidden until the question is answered or revealed."""


def _visit_question(self, node):
    self.body.append(
        f'<fieldset class="quiz-question" id="{node["qid"]}" '
        f'data-answer="{node["answer"]}">'
    )


def _depart_question(self, node):
    self.body.append(
        '<div class="quiz-buttons">'
        '<button type="button" class="quiz-check">Check answer</button> '
        '<button type="button" class="quiz-reveal" hidden>Show the answer</button>'
        "</div>"
        '<p class="quiz-feedback" role="status" aria-live="polite"></p>'
    )
    self.body.append("</fieldset>\n")


def _visit_legend(self, node):
    self.body.append(f'<legend><span class="quiz-number">{node["number"]}.</span> ')


def _depart_legend(self, node):
    self.body.append("</legend>")


_TEX = [
    (r"\\sqrt\{([^{}]*)\}", r"square root of \1"),
    (r"\{,\}", ","),
    (r"\\times", "×"),
    (r"\\approx", "≈"),
    (r"\\dots", "…"),
    (r"\^2\b", "²"),
    (r"\\text\{([^{}]*)\}", r"\1"),
    (r"\\([a-zA-Z]+)", r"\1"),
    (r"[{}$`*]", ""),
]


def plain_text(text: str) -> str:
    """A choice as plain text, for the radio button's accessible name.

    A label that is only a formula has no text that every accessibility checker can
    read (MathJax's output is not a text node), so a choice with maths also gets an
    aria-label: the TeX spelled out plainly (``$6 \\times 144$`` is "6 × 144").
    """
    for pattern, repl in _TEX:
        text = re.sub(pattern, repl, text)
    return " ".join(text.split())


def _visit_choice(self, node):
    ident = f"{node['qid']}-{node['index']}"
    aria = node.get("aria", "")
    name = f' aria-label="{self.attval(aria)}"' if aria else ""
    self.body.append(
        '<div class="quiz-choice">'
        f'<input type="radio" name="{node["qid"]}" id="{ident}" '
        f'value="{node["index"]}"{name}> <label for="{ident}">'
    )


def _depart_choice(self, node):
    self.body.append("</label></div>")


def _visit_explanation(self, node):
    self.body.append('<p class="quiz-explanation" hidden>')


def _depart_explanation(self, node):
    self.body.append("</p>")


class QuizDirective(SphinxDirective):
    """```{quiz} CHAPTER``` -- the chapter's questions from book/quizzes.yml."""

    required_arguments = 1
    has_content = False
    option_spec = {"file": str}

    def _inline(self, text: str, into: nodes.Element) -> nodes.Element:
        parsed, messages = self.state.inline_text(text, self.lineno)
        into.extend(parsed)
        into.extend(messages)
        return into

    def run(self):
        rel, path = self.env.relfn2path(self.options.get("file", "quizzes.yml"))
        self.env.note_dependency(rel)
        try:
            quizzes = load_quizzes(path)
        except (OSError, QuizError) as exc:
            raise self.error(str(exc)) from exc
        chapter = self.arguments[0]
        if chapter not in quizzes:
            raise self.error(f"no quiz for chapter {chapter!r} in {rel}")
        quiz = quizzes[chapter]
        box = nodes.container(classes=["quiz"])
        for number, q in enumerate(quiz.questions, 1):
            qid = f"quiz-{chapter.lower()}-{number}"
            question = quiz_question(qid=qid, answer=str(q.answer))
            question += self._inline(q.question, quiz_legend(number=number))
            for index, choice in enumerate(q.choices):
                aria = plain_text(choice) if "$" in choice else ""
                choice_node = quiz_choice(qid=qid, index=index, aria=aria)
                question += self._inline(choice, choice_node)
            question += self._inline(q.explain, quiz_explanation())
            box += question
        return [box]


def _static_path(app: Sphinx, config) -> None:
    """Serve book/_static (quiz.js, quiz.css) unless the configuration already does."""
    confdir = Path(app.confdir)
    known = {(confdir / p).resolve() for p in config.html_static_path}
    if STATIC not in known:
        config.html_static_path.append(str(STATIC))


def _skip(self, node):
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    skip = {fmt: (_skip, None) for fmt in ("latex", "text", "man", "texinfo")}
    app.add_node(quiz_question, html=(_visit_question, _depart_question), **skip)
    app.add_node(quiz_legend, html=(_visit_legend, _depart_legend), **skip)
    app.add_node(quiz_choice, html=(_visit_choice, _depart_choice), **skip)
    app.add_node(
        quiz_explanation, html=(_visit_explanation, _depart_explanation), **skip
    )
    app.add_directive("quiz", QuizDirective)
    app.connect("config-inited", _static_path)
    app.add_js_file("quiz.js", defer="defer")
    app.add_css_file("quiz.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
