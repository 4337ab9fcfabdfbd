// Self-check quizzes (book/_ext/quiz.py renders them; book/quizzes.yml holds them).
// Plain JavaScript served from the book itself: no kernel, no network, no library.
// Each question is a <fieldset class="quiz-question" data-answer="INDEX"> with one
// labelled radio button per choice; "Check answer" says right or wrong in a live
// region (read out by screen readers) and, when right, shows the explanation. After
// a wrong answer, "Show the answer" marks the right choice and shows the explanation.
(function () {
  "use strict";

  function mark(choice, state) {
    choice.classList.remove("quiz-right", "quiz-wrong");
    if (state) {
      choice.classList.add("quiz-" + state);
    }
  }

  function setUp(fieldset) {
    var answer = fieldset.getAttribute("data-answer");
    var check = fieldset.querySelector(".quiz-check");
    var reveal = fieldset.querySelector(".quiz-reveal");
    var feedback = fieldset.querySelector(".quiz-feedback");
    var explanation = fieldset.querySelector(".quiz-explanation");
    var choices = fieldset.querySelectorAll(".quiz-choice");

    function say(text, state) {
      feedback.textContent = text;
      feedback.className = "quiz-feedback" + (state ? " quiz-" + state : "");
    }

    check.addEventListener("click", function () {
      var chosen = fieldset.querySelector("input[type=radio]:checked");
      choices.forEach(function (choice) { mark(choice, null); });
      if (!chosen) {
        say("Pick an answer first.", null);
        return;
      }
      var right = chosen.value === answer;
      mark(chosen.closest(".quiz-choice"), right ? "right" : "wrong");
      if (right) {
        say("\u2713 Correct.", "right");
        explanation.hidden = false;
        reveal.hidden = true;
      } else {
        say("\u2717 Not quite. Try another answer.", "wrong");
        reveal.hidden = false;
      }
    });

    reveal.addEventListener("click", function () {
      var input = fieldset.querySelector("input[value='" + answer + "']");
      input.checked = true;
      choices.forEach(function (choice) { mark(choice, null); });
      mark(input.closest(".quiz-choice"), "right");
      say("The answer is marked \u2713.", "right");
      explanation.hidden = false;
      reveal.hidden = true;
      input.focus();
    });

    // A change of choice clears the old verdict.
    fieldset.addEventListener("change", function () {
      choices.forEach(function (choice) { mark(choice, null); });
      say("", null);
    });
  }

  function init() {
    document.querySelectorAll("fieldset.quiz-question").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
