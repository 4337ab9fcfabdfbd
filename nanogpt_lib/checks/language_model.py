"""Checkers for chapter 07's exercises on the book's trained Shakespeare model: its
probability for a next character (predict, then run) and the temperature that fits
unseen text best (an experiment). The model's own parts (block, forward pass,
generation, sizes) are checked in `gpt`.
"""

from __future__ import annotations

import functools

import numpy as np

from ..gpt import forward
from ..softmax import softmax
from ..tokenizer import CharTokenizer
from ._core import Case, Mistake, run_checks
from .gpt import _sorter

__all__ = [
    "check_next_char_probability",
    "check_heldout_loss",
    "check_best_temperature",
    "witches_text",
]


# ------------------------------------------------------------------------ predict

WITCHES = "Double, double toil and trouble;\nFire burn, and cauldron b"


def _shakespeare():
    from ..shakespeare import load_model

    return load_model()


def _next_char_reference(params, cfg, tokenizer, text, char):
    ids = tokenizer.encode(text)[-cfg.block_size :]
    probs = softmax(forward(params, np.array(ids), cfg)[-1])
    return float(probs[tokenizer.encode(char)[0]])


def witches_text() -> str:
    """Macbeth (held out) up to 'cauldron b', the first time the witches chant it."""
    from ..shakespeare import held_out_text

    text = held_out_text()
    return text[: text.index(WITCHES) + len(WITCHES)]


def check_next_char_probability(candidate, prediction=None) -> None:
    """Check `candidate(params, cfg, tokenizer, text, char)`: the model's probability
    that `char` comes next after `text` (a float). With `prediction` (a number or a
    function returning one), say how far it was from the measured probability.
    """
    from ..shakespeare import held_out_text

    lm_cfg, lm_params, chars = _shakespeare()
    cfg_s, params_s = _sorter()
    sorter_tok = CharTokenizer.sorter()
    long = held_out_text()[2000:2400]  # 400 characters: more than the context
    cases = [
        Case("the sorter after CBABBC, 'A'", (params_s, cfg_s, sorter_tok, "CBABBC",
                                              "A")),
        Case("Shakespeare, 'Fair is foul, and foul is f' + 'a'",
             (lm_params, lm_cfg, chars, "Fair is foul, and foul is f", "a")),
        Case("Shakespeare, 400 characters (more than block_size)",
             (lm_params, lm_cfg, chars, long, held_out_text()[2400])),
        Case("Shakespeare, one character 'T' + 'h'",
             (lm_params, lm_cfg, chars, "T", "h")),
    ]  # fmt: skip

    def logits_of(params, cfg, tok, text):
        ids = tok.encode(text)[-cfg.block_size :]
        return forward(params, np.array(ids), cfg)

    def index(tok, char):
        return tok.encode(char)[0]

    mistakes = [
        Mistake(
            "You used the first position's logits: the next character is predicted "
            "by the last position, logits[-1].",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text)[0])[index(tk, ch)]
            ),
            id="first-position",
        ),
        Mistake(
            "That is a logit, not a probability: apply softmax to the last row first.",
            lambda p, c, tk, text, ch: float(
                logits_of(p, c, tk, text)[-1][index(tk, ch)]
            ),
            id="logit-not-probability",
        ),
        Mistake(
            "That is the probability of the most likely character, not of `char`: "
            "index the probabilities with char's id.",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text)[-1]).max()
            ),
            id="most-likely",
        ),
        Mistake(
            "That is a log-probability: return the probability itself, between 0 "
            "and 1.",
            lambda p, c, tk, text, ch: float(
                np.log(softmax(logits_of(p, c, tk, text)[-1])[index(tk, ch)])
            ),
            id="log-probability",
        ),
        Mistake(
            "Softmax ran over the positions (axis 0): normalise each row over the "
            "vocabulary, the last axis.",
            lambda p, c, tk, text, ch: float(
                softmax(logits_of(p, c, tk, text), axis=0)[-1][index(tk, ch)]
            ),
            id="softmax-wrong-axis",
        ),
        Mistake(
            "A text longer than the context keeps its *last* block_size characters "
            "(the ones right before the next character), not its first.",
            lambda p, c, tk, text, ch: float(
                softmax(forward(p, np.array(tk.encode(text)[: c.block_size]), c)[-1])[
                    index(tk, ch)
                ]
            ),
            id="start-of-text",
        ),
        Mistake(
            "The last character of the text is missing: the model must read all of "
            "it, up to the character just before the one predicted.",
            lambda p, c, tk, text, ch: (
                _next_char_reference(p, c, tk, text[:-1], ch) if len(text) > 1 else None
            ),
            id="drops-last-character",
        ),
    ]
    run_checks(
        "check_next_char_probability",
        candidate,
        _next_char_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-6,
    )
    if prediction is None:
        return
    try:
        measured = float(candidate(lm_params, lm_cfg, chars, witches_text(), "u"))
    except NotImplementedError:
        return  # a stub: run_checks has said so already
    try:
        guess = prediction() if callable(prediction) else prediction
    except NotImplementedError:
        print("Write your prediction in my_prediction() first, then run this again.")
        return
    if isinstance(guess, bool) or not isinstance(guess, (int, float, np.number)):
        print(f"Your prediction should be a probability, got {guess!r}.")
        return
    guess = float(guess)
    off = guess - measured
    how = "spot on" if abs(off) < 0.02 else ("too high" if off > 0 else "too low")
    print(
        f"P('u' after '...cauldron b') = {measured:.3f}; you predicted {guess:.2f}"
        f" ({how}, off by {abs(off):.2f})."
    )
    ids = chars.encode(witches_text())[-lm_cfg.block_size :]
    probs = softmax(forward(lm_params, np.array(ids), lm_cfg)[-1])
    top = np.argsort(probs, kind="stable")[::-1][:5]
    print(
        "The model's five best guesses: "
        + ", ".join(f"{chars.decode([int(i)])!r} {probs[i]:.2f}" for i in top)
    )


# ------------------------------------------------------------------------ experiment

TEMPERATURES = tuple(round(0.5 + 0.05 * i, 2) for i in range(31))  # 0.50 ... 2.00


def _heldout_loss_reference(logits, ids, temperature):
    z = np.asarray(logits, dtype=np.float64)[..., :-1, :] / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    target = np.asarray(ids)[..., 1:, None]
    return float(-np.take_along_axis(logp, target, axis=-1).mean())


@functools.lru_cache(maxsize=2)
def _macbeth_logits(n_windows: int):
    """The Shakespeare model's logits on the first n_windows x 256 held-out chars."""
    from ..shakespeare import held_out_text

    lm_cfg, lm_params, chars = _shakespeare()
    n = n_windows * lm_cfg.block_size
    ids = np.array(chars.encode(held_out_text()[:n])).reshape(n_windows, -1)
    return forward(lm_params, ids, lm_cfg), ids


def _loss_variant(logits, ids, temperature, *, shift=1, scale="divide", sign=-1,
                  reduce="mean", base=None, flat=False):  # fmt: skip
    z = np.asarray(logits, dtype=np.float64)
    ids = np.asarray(ids)
    if flat:  # the windows glued into one long sequence
        z = z.reshape(-1, z.shape[-1])
        ids = ids.reshape(-1)
    if scale == "divide":
        z = z / temperature
    elif scale == "multiply":
        z = z * temperature
    if shift == 1:
        z, target = z[..., :-1, :], ids[..., 1:]
    elif shift == 0:
        target = ids
    else:  # logits of position t+1 scored against token t
        z, target = z[..., 1:, :], ids[..., :-1]
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, target[..., None], axis=-1)
    if base is not None:
        picked = picked / np.log(base)
    total = picked.sum() if reduce == "sum" else picked.mean()
    return float(sign * total)


def check_heldout_loss(candidate) -> None:
    """Check `candidate(logits, ids, temperature)`: the mean cross-entropy (nats per
    token) of predicting ids[..., t + 1] from softmax(logits[..., t, :] / temperature).
    """
    rng = np.random.default_rng(11)
    real_logits, real_ids = _macbeth_logits(2)
    small = rng.standard_normal((7, 5), dtype=np.float32) * np.float32(2.0)
    batch = rng.standard_normal((2, 6, 4), dtype=np.float32) * np.float32(2.0)
    cases = [
        Case("T = 7, V = 5, temperature 1", (small, rng.integers(0, 5, 7), 1.0)),
        Case("T = 7, V = 5, temperature 0.5", (small, rng.integers(0, 5, 7), 0.5)),
        Case("batch of 2, T = 6, temperature 1.5",
             (batch, rng.integers(0, 4, (2, 6)), 1.5)),
        Case("the Shakespeare model on 2 x 256 characters of Macbeth, temperature 1.2",
             (real_logits, real_ids, 1.2)),
    ]  # fmt: skip

    def variant(**kw):
        return lambda lg, ids, t: _loss_variant(lg, ids, t, **kw)

    mistakes = [
        Mistake(
            "The targets are not shifted: the logits at position t predict token "
            "t + 1, so score logits[..., :-1, :] against ids[..., 1:].",
            variant(shift=0),
            id="no-shift",
        ),
        Mistake(
            "Shifted the wrong way: position t predicts the token *after* it, "
            "logits[..., :-1, :] against ids[..., 1:], not logits[..., 1:, :] "
            "against ids[..., :-1].",
            variant(shift=-1),
            id="shift-reversed",
        ),
        Mistake(
            "Temperature divides the logits (logits / temperature); you multiplied.",
            variant(scale="multiply"),
            id="temperature-multiplies",
        ),
        Mistake(
            "The temperature is not used: divide the logits by it before softmax.",
            variant(scale=None),
            id="no-temperature",
        ),
        Mistake(
            "Check the sign: the loss is the *negative* mean log-probability, a "
            "positive number.",
            variant(sign=1),
            id="sign",
        ),
        Mistake(
            "You summed the losses; report the mean over the predicted tokens "
            "(nats per token), so texts of different lengths compare.",
            variant(reduce="sum"),
            id="sum-not-mean",
        ),
        Mistake(
            "Use the natural log (nats), as the book does; you used log base 2 (bits).",
            variant(base=2),
            id="log2",
        ),
        Mistake(
            "The batch axis was flattened away: each window is its own text, so "
            "the last token of one window does not predict the first of the next. "
            "Shift along the token axis, logits[..., :-1, :] and ids[..., 1:].",
            variant(flat=True),
            id="batch-flattened",
        ),
    ]
    run_checks(
        "check_heldout_loss",
        candidate,
        _heldout_loss_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
    )


def _best_temperature_reference(logits, ids):
    losses = [_heldout_loss_reference(logits, ids, t) for t in TEMPERATURES]
    return TEMPERATURES[int(np.argmin(losses))]


def _synthetic_calibration(seed: int, true_temperature: float, n: int = 400):
    """Logits whose tokens were drawn at another temperature: best T is near it."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, 6)).astype(np.float32) * np.float32(2.0)
    probs = softmax(logits.astype(np.float64) / true_temperature)
    ids = np.array([0] + [rng.choice(6, p=p) for p in probs[:-1]])
    return logits, ids


def check_best_temperature(candidate) -> None:
    """Check `candidate(logits, ids)`: the temperature among 0.50, 0.55, ..., 2.00
    at which the held-out loss of `logits` on `ids` is lowest (a float)."""
    real_logits, real_ids = _macbeth_logits(8)
    cases = [
        Case("the Shakespeare model on 8 x 256 characters of Macbeth",
             (real_logits, real_ids)),
        Case("tokens drawn at temperature 0.7", _synthetic_calibration(1, 0.7)),
        # best at 1.75 and 0.85: off a 0.1 grid, and 1.75 beyond a scan that
        # stops at 1.5
        Case("tokens drawn at temperature 1.85", _synthetic_calibration(3, 1.85)),
        Case("tokens drawn at temperature 0.85", _synthetic_calibration(6, 0.85)),
    ]  # fmt: skip

    def losses(lg, ids, **kw):
        return [_loss_variant(lg, ids, t, **kw) for t in TEMPERATURES]

    def scan(grid):
        return lambda lg, ids: float(
            min(grid, key=lambda t: _heldout_loss_reference(lg, ids, t))
        )

    mistakes = [
        Mistake(
            "Scan every 0.05 from 0.50 to 2.00 (31 temperatures): a grid of 0.1 steps "
            "misses minima such as 1.75.",
            scan([round(0.5 + 0.1 * i, 1) for i in range(16)]),
            id="grid-step",
        ),
        Mistake(
            "The scan must reach 2.00: the best temperature can be above 1.5.",
            scan([x for x in TEMPERATURES if x <= 1.5]),
            id="grid-range",
        ),
        Mistake(
            "That is the temperature with the *highest* loss: take the argmin. (Or "
            "does your score not change with the temperature? Greedy accuracy does "
            "not; score each temperature by the held-out cross-entropy.)",
            lambda lg, ids: TEMPERATURES[int(np.argmax(losses(lg, ids)))],
            id="argmax",
        ),
        Mistake(
            "Return the temperature itself, not its position in the list.",
            lambda lg, ids: float(np.argmin(losses(lg, ids))),
            id="index",
        ),
        Mistake(
            "Return the temperature at the minimum, not the minimum loss.",
            lambda lg, ids: float(np.min(losses(lg, ids))),
            id="returns-loss",
        ),
        Mistake(
            "Temperature divides the logits; with logits * T the scan finds "
            "(about) 1 / T.",
            lambda lg, ids: TEMPERATURES[
                int(np.argmin(losses(lg, ids, scale="multiply")))
            ],
            id="temperature-multiplies",
        ),
        Mistake(
            "Measure, don't assume: the loss is not always lowest at T = 1.",
            lambda lg, ids: 1.0,
            id="assumed-one",
        ),
        Mistake(
            "The targets are not shifted: score logits[..., :-1, :] against "
            "ids[..., 1:], the token each position predicts.",
            lambda lg, ids: TEMPERATURES[int(np.argmin(losses(lg, ids, shift=0)))],
            id="no-shift",
        ),
    ]
    run_checks(
        "check_best_temperature",
        candidate,
        _best_temperature_reference,
        cases,
        mistakes,
        rtol=0,
        atol=1e-6,
    )
