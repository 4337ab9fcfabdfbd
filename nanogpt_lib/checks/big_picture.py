"""Checkers for chapter 00's exercises: the greedy pick of the next token (debug),
multiply-adds counted by hand, the probability of a continuation (predict) and how
often the Shakespeare model's favourite character is the right one (experiment)."""

from __future__ import annotations

import contextlib
import functools
import io

import numpy as np

from ..gpt import GPTConfig, forward, init_params
from ..softmax import softmax
from ..tokenizer import CharTokenizer
from ._core import BadReturn, Case, Mistake, require_callable, run_checks

__all__ = [
    "check_next_token",
    "check_matmul_macs",
    "check_continuation_prob",
    "check_next_char_accuracy",
]


def check_next_token(candidate) -> None:
    """Check `candidate(logits)`: logits (T, V) -> the greedy next token id (int)."""
    rng = np.random.default_rng(5)
    designed = np.array(
        [[0, 3, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 7, 0, 2], [0, 0, 0, 0, 5.0]]
    )
    cases = [
        # each usual mistake picks a different id here
        Case("T = 4, V = 5, the maximum is not in the last row", (designed,)),
        # a near tie: a pick drawn at random from softmax is unlikely to match
        Case(
            "T = 3, V = 8, the last row's logits almost equal",
            (
                np.array(
                    [
                        [0.2, 0.15, 0, 0, 0, 0, 0, 0],
                        [0, 0.1, 0, 0, 0, 0, 0, 0],
                        [0.3, 0.31, 0.29, 0.28, 0.3, 0.32, 0.27, 0.33],
                    ]
                ),
            ),
        ),
        Case("sorter-like, T = 6, V = 3", (rng.standard_normal((6, 3)) * 2,)),
        Case("T = 4, V = 10", (rng.standard_normal((4, 10)),)),
        Case("one position (T = 1)", (np.array([[0.1, 2.0, -1.0, 0.5]]),)),
        Case("negative logits", (np.array([[-5.0, -1.0], [-3.0, -4.0]]),)),
    ]

    def normalise(value):
        arr = np.asarray(value)
        if arr.shape != () or arr.dtype.kind not in "iu":
            raise BadReturn(
                "return one integer token id (e.g. int(np.argmax(...))), got "
                f"{arr.dtype} of shape {arr.shape}"
            )
        return int(arr)

    mistakes = [
        Mistake(
            "You used the first position's logits. The next token is predicted by "
            "the last position: logits[-1].",
            lambda lg: int(np.argmax(lg[0])),
            id="first-position",
        ),
        Mistake(
            "np.argmax of the whole (T, V) array counts over T * V entries; take "
            "the argmax of the last row only.",
            lambda lg: int(np.argmax(lg)),
            id="flat-argmax",
        ),
        Mistake(
            "Greedy means the *largest* logit: argmax, not argmin.",
            lambda lg: int(np.argmin(lg[-1])),
            id="argmin",
        ),
    ]
    mistakes += [
        Mistake(
            "You summed the logits over the positions (axis 0) before the argmax; "
            "only the last position predicts the next token: logits[-1].",
            lambda lg: int(np.argmax(lg.sum(axis=0))),
            id="summed-over-positions",
        ),
        Mistake(
            "Off by one: the last row is logits[-1] (or logits[T - 1]), not "
            "logits[-2].",
            lambda lg: int(np.argmax(lg[-2])) if len(lg) > 1 else None,
            id="second-to-last",
        ),
        Mistake(
            "argmax over the wrong axis: axis=0 picks a position for each token; "
            "take the argmax of the last row, over the vocabulary (axis=-1).",
            lambda lg: int(np.argmax(lg, axis=0)[-1]),
            id="wrong-axis",
        ),
    ]
    run_checks(
        "check_next_token",
        candidate,
        lambda lg: int(np.argmax(lg[-1])),
        cases,
        mistakes,
        normalise=normalise,
    )


# ------------------------------------------------------------------ by hand: macs

#: The three products of the by-hand exercise: (n, k) @ (k, m) each.
MACS_PRODUCTS = {
    "mlp_up": ((6, 48), (48, 192)),  # the sorter's MLP up-projection, 6 tokens
    "scores": ((6, 16), (16, 6)),  # one sorter head: q @ k.T, 6 tokens, D = 16
    "unembed": ((1, 768), (768, 50257)),  # GPT-2 small, logits of one token
}


def _macs_table(count) -> dict[str, int]:
    return {key: count(*a, *b) for key, (a, b) in MACS_PRODUCTS.items()}


def _normalise_macs(value):
    if not isinstance(value, dict):
        raise BadReturn(
            "return a dict {'mlp_up': ..., 'scores': ..., 'unembed': ...} of ints, "
            f"got {type(value).__name__}"
        )
    out = {}
    for key, count in value.items():
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
            raise BadReturn(
                f"every count must be an int, got {type(count).__name__} for {key!r}"
            )
        out[key] = int(count)
    return out


def check_matmul_macs(candidate) -> None:
    """Check `candidate()`: the by-hand multiply-adds of three matrix products.

    `candidate()` returns {"mlp_up": int, "scores": int, "unembed": int}, the counts
    of the products in `MACS_PRODUCTS`; each is checked on its own.
    """
    cases = [
        Case(
            f"{key}: {a} @ {b}",
            (),
            canon=lambda d, key=key: d[key],
        )
        for key, (a, b) in MACS_PRODUCTS.items()
    ]

    def table(count):
        return lambda: _macs_table(count)

    mistakes = [
        Mistake(
            "That counts the outputs (n * m). Each of them is a dot product of "
            "length k, so there are n * k * m multiply-adds.",
            table(lambda n, k, k2, m: n * m),
            id="outputs-only",
        ),
        Mistake(
            "That counts the inputs. Each of the n * m outputs needs k "
            "multiply-adds: n * k * m.",
            table(lambda n, k, k2, m: n * k + k2 * m),
            id="inputs",
        ),
        Mistake(
            "That is the number of floating-point operations (a multiply and an "
            "add each). Count one per multiply-add: n * k * m.",
            table(lambda n, k, k2, m: 2 * n * k * m),
            id="flops",
        ),
        Mistake(
            "That is the count for one token. The product runs on all 6 tokens at "
            "once: n = T = 6 rows.",
            table(lambda n, k, k2, m: k * m),
            id="one-token",
        ),
        Mistake(
            "One head's queries and keys have D = C / H = 16 numbers, not C = 48 "
            "(and the count is for one head, not all three): q (6, 16) @ k.T (16, 6).",
            lambda: {
                **_macs_table(lambda n, k, k2, m: n * k * m),
                "scores": 6 * 48 * 6,
            },
            id="width-c-not-d",
        ),
        Mistake(
            "The MLP's hidden layer is F = 4C = 192 wide, so the up-projection is "
            "(6, 48) @ (48, 192).",
            lambda: {
                **_macs_table(lambda n, k, k2, m: n * k * m),
                "mlp_up": 6 * 48 * 48,
            },
            id="mlp-width",
        ),
        Mistake(
            "Multiply the three sizes: n output rows times m output columns, each "
            "a dot product of length k; adding them is not a count of operations.",
            table(lambda n, k, k2, m: n + k + m),
            id="sum-not-product",
        ),
    ]
    run_checks(
        "check_matmul_macs",
        candidate,
        lambda: _macs_table(lambda n, k, k2, m: n * k * m),
        cases,
        mistakes,
        normalise=_normalise_macs,
    )


# ------------------------------------------------------------------ predict


@functools.cache
def _shakespeare():
    from ..shakespeare import load_model

    return load_model()


def _sorter():
    from ..sorter import load_sorter

    cfg, params = load_sorter()
    return params, cfg, CharTokenizer.sorter()


#: The case the chapter asks the reader to predict.
PREDICT_PROMPT, PREDICT_CONTINUATION = "My lord, the q", "ueen"


def _step_probs(params, cfg, tok, prompt, continuation, *, feed="truth", row=-1):
    """P(each character of `continuation`) and the contexts that produced them."""
    ids = list(tok.encode(prompt))
    probs = []
    for target in tok.encode(continuation):
        p = softmax(forward(params, np.array(ids), cfg)[row])
        probs.append(float(p[target]))
        if feed == "truth":
            ids.append(target)
        elif feed == "argmax":
            ids.append(int(np.argmax(p)))
    return np.array(probs, dtype=np.float64)


def _continuation_reference(params, cfg, tok, prompt, continuation):
    return float(np.prod(_step_probs(params, cfg, tok, prompt, continuation)))


def _report_prediction(prediction, truth: float, what: str) -> None:
    """One line: how far the reader's prediction was. Never fails on a bad guess."""
    if callable(prediction):
        try:
            prediction = prediction()
        except NotImplementedError:
            print(f"No prediction yet: write your guess for {what} first.")
            return
    try:
        guess = float(prediction)
    except (TypeError, ValueError):
        print(f"Your prediction should be a number, got {type(prediction).__name__}.")
        return
    off = guess - truth
    side = "too high" if off > 0 else "too low"
    print(
        f"You predicted {guess:.3g}; the model says {truth:.3f}"
        + (f" ({abs(off):.3f} {side})." if abs(off) >= 5e-4 else " (spot on).")
    )


def _run_then_report(run, prediction, truth_fn, what) -> None:
    """Run a checker; if it passed and a prediction was given, say how far it was."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        run()
    out = buffer.getvalue()
    print(out, end="")
    if prediction is not None and "cases passed." in out:
        _report_prediction(prediction, truth_fn(), what)


def check_continuation_prob(candidate, prediction=None) -> None:
    """Check `candidate(params, cfg, tok, prompt, continuation)`: the probability
    that the model, fed `prompt`, writes `continuation` next (a float).

    With `prediction` (a number, or a function returning one), also say how far it
    was from the model's P('ueen' | 'My lord, the q'); a wrong guess never fails.
    """
    require_callable("check_continuation_prob", candidate)
    cfg, params, tok = _shakespeare()
    sh = (params, cfg, tok)
    so = _sorter()
    cases = [
        Case("Shakespeare: 'My lord, the q' + 'ueen'", (*sh, "My lord, the q", "ueen")),
        Case(
            "Shakespeare: 'To be, or not to b' + 'e'", (*sh, "To be, or not to b", "e")
        ),
        Case("Shakespeare: 'ROMEO:\\nO Juli' + 'et'", (*sh, "ROMEO:\nO Juli", "et")),
        Case("sorter: 'CBABBC' + 'ABBBCC'", (*so, "CBABBC", "ABBBCC")),
        Case(
            "sorter: 'CCAB' + 'BAA' (an unlikely one)",
            (*so, "CCAB", "BAA"),
        ),
        Case("an empty continuation (probability 1)", (*sh, "Thou", "")),
    ]
    mistakes = [
        Mistake(
            "Only the first character was scored. A continuation of n characters "
            "has probability P(first) * P(second | first) * ...: multiply all n.",
            lambda *a: float(_step_probs(*a)[0]),
            id="first-only",
        ),
        Mistake(
            "Each character must be appended to the context before the next one is "
            "scored: the model predicts 'e' after '...qu', not after '...q'.",
            lambda *a: float(np.prod(_step_probs(*a, feed=None))),
            id="not-appended",
        ),
        Mistake(
            "Append the characters of the continuation, not the model's own picks: "
            "this scores the given text, it does not generate.",
            lambda *a: float(np.prod(_step_probs(*a, feed="argmax"))),
            id="appended-argmax",
        ),
        Mistake(
            "Probabilities of a sequence multiply (chain rule); adding them can even "
            "give more than 1.",
            lambda *a: float(np.sum(_step_probs(*a))),
            id="sum-not-product",
        ),
        Mistake(
            "That is the mean probability per character. The continuation's "
            "probability is the product.",
            lambda *a: float(np.mean(_step_probs(*a))),
            id="mean-not-product",
        ),
        Mistake(
            "That is the log-probability (a sum of logs). Return the probability "
            "itself: np.exp of it, or the product.",
            lambda *a: float(np.sum(np.log(_step_probs(*a)))),
            id="log-prob",
        ),
        Mistake(
            "That is the probability of the last character only. Multiply the "
            "probabilities of every character of the continuation.",
            lambda *a: float(_step_probs(*a)[-1]),
            id="last-only",
        ),
        Mistake(
            "The next character is predicted by the last position, logits[-1]; "
            "you used the first row.",
            lambda *a: float(np.prod(_step_probs(*a, row=0))),
            id="first-position",
        ),
    ]

    def run():
        run_checks(
            "check_continuation_prob",
            candidate,
            _continuation_reference,
            cases,
            mistakes,
            normalise=None,
            rtol=2e-4,
            atol=1e-12,  # tiny probabilities must differ too
        )

    _run_then_report(
        run,
        prediction,
        lambda: _continuation_reference(*sh, PREDICT_PROMPT, PREDICT_CONTINUATION),
        f"P({PREDICT_CONTINUATION!r} | {PREDICT_PROMPT!r})",
    )


# ------------------------------------------------------------------ experiment


def _accuracy_reference(params, cfg, ids):
    ids = np.asarray(ids)
    logits = forward(params, ids[:-1], cfg)  # (T - 1, V)
    return float(np.mean(logits.argmax(axis=-1) == ids[1:]))


def _accuracy_variant(params, cfg, ids, *, shift=1, last_only=False):
    ids = np.asarray(ids)
    logits = forward(params, ids[:-1], cfg)
    guess = logits.argmax(axis=-1)
    if shift == 0:
        return float(np.mean(guess == ids[:-1]))
    if shift == -1:
        return float(np.mean(guess[1:] == ids[:-2]))
    if last_only:
        return float(guess[-1] == ids[-1])
    return float(np.mean(guess == ids[1:]))


def _mean_right_prob(params, cfg, ids):
    ids = np.asarray(ids)
    p = softmax(forward(params, ids[:-1], cfg))
    return float(np.mean(p[np.arange(len(ids) - 1), ids[1:]]))


def check_next_char_accuracy(candidate) -> None:
    """Check `candidate(params, cfg, ids)`: the share of positions t < T - 1 whose
    most likely next token (argmax of logits[t]) is ids[t + 1], as a float."""
    from ..shakespeare import held_out_text

    cfg, params, tok = _shakespeare()
    text = held_out_text()
    s_params, s_cfg, s_tok = _sorter()
    small = GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=2, n_embd=8)
    rng = np.random.default_rng(21)
    cases = [
        Case(
            "Shakespeare: 256 held-out characters",
            (params, cfg, tok.encode(text[:256])),
        ),
        Case("Shakespeare: 60 characters", (params, cfg, tok.encode(text[3000:3060]))),
        Case("sorter: CBABBCABBBCC", (s_params, s_cfg, s_tok.encode("CBABBCABBBCC"))),
        Case(
            "a random model, 13 tokens",
            (init_params(small, rng=rng), small, rng.integers(0, 7, 13)),
        ),
    ]
    mistakes = [
        Mistake(
            "The token at position t is what the model was given; it predicts "
            "ids[t + 1]. Compare argmax(logits[t]) with ids[t + 1].",
            lambda *a: _accuracy_variant(*a, shift=0),
            id="not-shifted",
        ),
        Mistake(
            "Shifted the wrong way: logits[t] predicts ids[t + 1], the token after "
            "it, not ids[t - 1].",
            lambda *a: _accuracy_variant(*a, shift=-1),
            id="shifted-backwards",
        ),
        Mistake(
            "Return the share of positions (a fraction between 0 and 1), not the "
            "count of right guesses.",
            lambda *a: _accuracy_reference(*a) * (len(a[2]) - 1),
            id="count-not-share",
        ),
        Mistake(
            "Return a fraction between 0 and 1, not a percentage.",
            lambda *a: _accuracy_reference(*a) * 100,
            id="percent",
        ),
        Mistake(
            "There are T - 1 predictions to grade (the last token has no next one): "
            "divide by T - 1, not T.",
            lambda *a: _accuracy_reference(*a) * (len(a[2]) - 1) / len(a[2]),
            id="divide-by-t",
        ),
        Mistake(
            "Grade every position, not only the last: each row of the logits is a "
            "prediction of the token after it.",
            lambda *a: _accuracy_variant(*a, last_only=True),
            id="last-only",
        ),
        Mistake(
            "That is the mean probability of the right token. Accuracy asks whether "
            "the model's *favourite* (the argmax) is the right token.",
            _mean_right_prob,
            id="mean-probability",
        ),
    ]
    run_checks(
        "check_next_char_accuracy",
        candidate,
        _accuracy_reference,
        cases,
        mistakes,
        normalise=None,
        rtol=1e-6,
        atol=1e-6,
    )
