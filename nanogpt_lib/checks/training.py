"""Checkers for appendix A1's exercises (training in numpy): cross-entropy that
skips ignored positions and one AdamW update (both debug a planted bug), the loss of
a text (predict) and gradient clipping by the global norm (extend)."""

from __future__ import annotations

import numpy as np

from .. import train as lib
from ..gpt import forward
from ..softmax import softmax
from ..train import adamw_step, clip_grad_norm, cross_entropy
from ._core import Case, Mistake, require_callable, run_checks

__all__ = [
    "check_cross_entropy",
    "check_adamw_step",
    "check_text_loss",
    "check_clip_grads",
]


def _ce_reference(logits, targets):
    return float(cross_entropy(logits, targets)[0])


def _ce_all_positions(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(
        logp, np.asarray(targets)[..., None] % logits.shape[-1], axis=-1
    )
    return float(-picked.mean())


def _ce_wrong_count(logits, targets):
    keep = np.asarray(targets) != -1
    return _ce_reference(logits, targets) * keep.sum() / keep.size


def _ce_no_max(logits, targets):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        keep = np.asarray(targets) != -1
        safe = np.where(keep, targets, 0)
        picked = np.take_along_axis(p, safe[..., None], axis=-1)[..., 0]
        return float(-(np.log(picked) * keep).sum() / keep.sum())


def _ce_no_max_lse(logits, targets):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        z = np.asarray(logits, dtype=np.float64)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        keep = np.asarray(targets) != -1
        safe = np.where(keep, targets, 0)
        picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
        return float(-(np.where(keep, picked, 0.0)).sum() / keep.sum())


def _ce_log_of_softmax(logits, targets):
    with np.errstate(divide="ignore"):
        logp = np.log(softmax(np.asarray(logits, dtype=np.float64)))
    keep = np.asarray(targets) != -1
    safe = np.where(keep, targets, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        return float(-(np.where(keep, picked, 0.0)).sum() / keep.sum())


def _ce_per_position(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    keep = np.asarray(targets) != -1
    safe = np.where(keep, targets, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    return -picked[keep]


def check_cross_entropy(candidate) -> None:
    """Check `candidate(logits, targets)`: mean cross-entropy, targets -1 skipped."""
    rng = np.random.default_rng(11)
    logits = rng.standard_normal((4, 11, 3), dtype=np.float32) * np.float32(2.0)
    targets = rng.integers(0, 3, size=(4, 11))
    targets[:, :5] = -1
    some = rng.integers(0, 3, size=(2, 6))
    some[0, 1] = -1
    cases = [
        Case("4 sorting rows, first 5 targets ignored", (logits, targets)),
        Case("nothing ignored", (logits[:2, 5:], targets[:2, 5:])),
        Case(
            "an ignored target inside a row",
            (rng.standard_normal((2, 6, 3), dtype=np.float32), some),
        ),
        Case(
            "large logits (1000)",
            (
                np.array(
                    [[1000.0, 990.0, 980.0], [0.0, 1000.0, 0.0]], dtype=np.float32
                ),
                np.array([1, 1]),
            ),
        ),
        Case(
            "a logit 1000 below the maximum",
            (
                np.array([[0.0, -1000.0, 0.0], [2.0, 1.0, 0.0]], dtype=np.float32),
                np.array([1, 0]),
            ),
        ),
    ]
    mistakes = [
        Mistake(
            "Targets of -1 must be skipped. numpy reads index -1 as the last class, "
            "so they were scored as if the answer were C.",
            _ce_all_positions,
            id="ignored-not-skipped",
        ),
        Mistake(
            "Divide by the number of positions that count (targets != -1), not by "
            "all positions.",
            _ce_wrong_count,
            id="wrong-count",
        ),
        Mistake(
            "Cross-entropy is minus the mean log-probability of the right token; "
            "the sign is flipped.",
            lambda lg, t: -_ce_reference(lg, t),
            id="sign",
        ),
    ]
    mistakes += [
        Mistake(
            "log(softmax(z)) underflows: the probability e^-1000 is 0 in floating "
            "point and log 0 = -inf. Compute log-probabilities directly: "
            "z - max - log(sum(exp(z - max))).",
            _ce_log_of_softmax,
            id="log-of-softmax",
        ),
        Mistake(
            "Subtract each row's maximum before exp (or use log-sum-exp): exp(1000) "
            "overflows.",
            _ce_no_max,
            id="no-max",
        ),
        Mistake(
            "Subtract each row's maximum before exp (or use log-sum-exp): exp(1000) "
            "overflows.",
            _ce_no_max_lse,
            id="no-max",
        ),
        Mistake(
            "Average over the positions that count: you summed the losses "
            "instead of taking their mean.",
            lambda lg, t: _ce_reference(lg, t) * int((np.asarray(t) != -1).sum()),
            id="sum-not-mean",
        ),
        Mistake(
            "Return one number, the mean loss, not a loss per position.",
            _ce_per_position,
            id="not-averaged",
        ),
        Mistake(
            "Use the natural log (np.log), not log2: cross-entropy is in nats.",
            lambda lg, t: _ce_reference(lg, t) / np.log(2),
            id="log2",
        ),
    ]
    run_checks(
        "check_cross_entropy",
        candidate,
        _ce_reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[lib.cross_entropy],
    )


def _adamw_reference(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    state = {"step": step - 1, "m": {"w": m}, "v": {"w": v}}
    new, state = adamw_step(
        {"w": w},
        {"w": g},
        state,
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        decay_mask={"w": decay},
    )
    return new["w"], state["m"]["w"], state["v"]["w"]


def _adamw_variant(
    w,
    g,
    m,
    v,
    step,
    lr,
    betas,
    eps,
    weight_decay,
    decay,
    *,
    correct=True,
    l2=False,
    decay_no_lr=False,
    no_sqrt=False,
    eps_inside=False,
    betas_swapped=False,
    step_shift=0,
):
    b1, b2 = betas[::-1] if betas_swapped else betas
    step = step + step_shift
    if l2 and decay:
        g = g + weight_decay * w
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**step) if correct else m
    v_hat = v / (1 - b2**step) if correct else v
    if decay and not l2:
        w = w * (1 - (weight_decay if decay_no_lr else lr * weight_decay))
    if eps_inside:
        return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
    root = v_hat if no_sqrt else np.sqrt(v_hat)
    return w - lr * m_hat / (root + eps), m, v


def check_adamw_step(candidate) -> None:
    """Check `candidate(w, g, m, v, step, lr, betas, eps, weight_decay, decay)`.

    Returns (new w, new m, new v); `step` counts this update (1 for the first).
    """
    rng = np.random.default_rng(12)

    def arrays(shape):
        w = rng.standard_normal(shape)
        g = rng.standard_normal(shape)
        m = 0.1 * rng.standard_normal(shape)
        v = 0.1 * rng.random(shape)
        return w, g, m, v

    zeros = np.zeros(3)
    w1, g1 = np.array([1.0, -2.0, 0.5]), np.array([0.5, 0.1, -0.3])
    cases = [
        Case(
            "first step, decayed",
            (w1, g1, zeros, zeros, 1, 0.1, (0.9, 0.95), 1e-8, 0.1, True),
        ),
        Case(
            "step 7, decayed", (*arrays((4, 3)), 7, 1e-2, (0.9, 0.95), 1e-8, 0.1, True)
        ),
        Case(
            "step 3, not decayed (a bias)",
            (*arrays((5,)), 3, 1e-2, (0.9, 0.99), 1e-8, 0.1, False),
        ),
        Case(
            "step 50, strong decay",
            (*arrays((2, 2)), 50, 0.05, (0.8, 0.9), 1e-8, 0.5, True),
        ),
        Case(
            "tiny gradients (1e-6), eps 1e-8",
            (w1, 1e-6 * g1, 1e-7 * g1, 1e-13 * g1 * g1, 2, 0.1, (0.9, 0.95))
            + (1e-8, 0.1, True),
        ),
        Case(
            "float32 arrays, as in training; step 4, decayed",
            (
                *(a.astype(np.float32) for a in arrays((3, 4))),
                4,
                1e-2,
                (0.9, 0.95),
                1e-8,
                0.1,
                True,
            ),
        ),
    ]
    mistakes = [
        Mistake(
            "The bias correction is missing: divide m by 1 - beta1**step and v by "
            "1 - beta2**step before the update.",
            lambda *a: _adamw_variant(*a, correct=False),
            id="no-bias-correction",
        ),
        Mistake(
            "That is Adam with L2 (decay added to the gradient). AdamW decouples "
            "it: shrink the weight, w * (1 - lr * weight_decay), apart from m and v.",
            lambda *a: _adamw_variant(*a, l2=True),
            id="l2-not-decoupled",
        ),
        Mistake(
            "The decay factor is 1 - lr * weight_decay: the learning rate scales it.",
            lambda *a: _adamw_variant(*a, decay_no_lr=True),
            id="decay-without-lr",
        ),
        Mistake(
            "Divide by the square root of v_hat (plus eps), not by v_hat.",
            lambda *a: _adamw_variant(*a, no_sqrt=True),
            id="no-sqrt",
        ),
        Mistake(
            "Only weights with decay=True are decayed; biases and LayerNorm "
            "weights (decay=False) are not.",
            lambda *a: _adamw_variant(*a[:-1], True),
            id="decays-everything",
        ),
        Mistake(
            "eps goes outside the square root: m_hat / (sqrt(v_hat) + eps). "
            "Inside, sqrt(v_hat + eps) is at least 1e-4, which shrinks the steps "
            "of parameters with tiny gradients.",
            lambda *a: _adamw_variant(*a, eps_inside=True),
            id="eps-inside-sqrt",
        ),
        Mistake(
            "beta1 (0.9) averages the gradients into m, beta2 (0.95 or 0.999) the "
            "squared gradients into v: the betas are swapped.",
            lambda *a: _adamw_variant(*a, betas_swapped=True),
            id="betas-swapped",
        ),
        Mistake(
            "`step` already counts this update (1 for the first): correct with "
            "1 - beta**step, not beta**(step + 1).",
            lambda *a: _adamw_variant(*a, step_shift=1),
            id="step-off-by-one",
        ),
        Mistake(
            "Return the updated m and v too: (new w, new m, new v).",
            lambda *a: (_adamw_variant(*a)[0], a[2], a[3]),
            id="state-not-returned",
        ),
    ]
    run_checks(
        "check_adamw_step",
        candidate,
        _adamw_reference,
        cases,
        mistakes,
        rtol=1e-5,
        atol=1e-8,
        forbid=[lib.adamw_step],
        keep_float32=True,
    )


# ------------------------------------------------------------------ predict


#: The text of the prediction: Macbeth's first 257 characters, read backwards.
def _macbeth(n: int = 257) -> str:
    from ..shakespeare import held_out_text

    return held_out_text()[:n]


def _loss_reference(params, cfg, ids):
    ids = np.asarray(ids)
    logits = forward(params, ids[:-1], cfg)  # (T - 1, V): row t predicts ids[t + 1]
    return float(cross_entropy(logits, ids[1:])[0])


def _loss_variant(params, cfg, ids, *, shift=1, reduce="mean", last_only=False):
    ids = np.asarray(ids)
    logits = forward(params, ids[:-1], cfg).astype(np.float64)
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    targets = ids[1:] if shift == 1 else ids[:-1]
    nll = -logp[np.arange(len(targets)), targets]
    if last_only:
        return float(nll[-1])
    return float(nll.sum() if reduce == "sum" else nll.mean())


def check_text_loss(candidate, prediction=None) -> None:
    """Check `candidate(params, cfg, ids)`: the mean cross-entropy (nats per token)
    of predicting ids[1:] from ids[:-1], a float.

    With `prediction` (a number, or a function returning one), also say how far it
    was from the Shakespeare model's loss on Macbeth's opening read backwards; a wrong
    guess never fails.
    """
    from ..gpt import GPTConfig, init_params
    from .big_picture import _run_then_report, _shakespeare, _sorter

    require_callable("check_text_loss", candidate)
    cfg, params, tok = _shakespeare()
    text = _macbeth()
    s_params, s_cfg, s_tok = _sorter()
    small = GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=2, n_embd=8)
    rng = np.random.default_rng(31)
    cases = [
        Case(
            "Shakespeare: Macbeth's opening, 257 characters",
            (params, cfg, tok.encode(text)),
        ),
        Case("Shakespeare: the same, backwards", (params, cfg, tok.encode(text[::-1]))),
        Case("sorter: CBABBCABBBCC", (s_params, s_cfg, s_tok.encode("CBABBCABBBCC"))),
        Case(
            "a random model, 9 tokens",
            (init_params(small, rng=rng), small, rng.integers(0, 7, 9)),
        ),
    ]
    mistakes = [
        Mistake(
            "Row t of the logits predicts ids[t + 1]: compare the logits of ids[:-1] "
            "with the targets ids[1:], not with ids[:-1].",
            lambda *a: _loss_variant(*a, shift=0),
            id="not-shifted",
        ),
        Mistake(
            "Use the natural log: the book measures loss in nats (np.log), not bits.",
            lambda *a: _loss_reference(*a) / np.log(2),
            id="log2",
        ),
        Mistake(
            "Average over the positions: you summed the losses instead of taking "
            "their mean.",
            lambda *a: _loss_variant(*a, reduce="sum"),
            id="sum-not-mean",
        ),
        Mistake(
            "Every position is a prediction to grade, not only the last one.",
            lambda *a: _loss_variant(*a, last_only=True),
            id="last-only",
        ),
        Mistake(
            "ln V is what a model that knows nothing scores. Measure this model: run "
            "it and take the cross-entropy of its logits.",
            lambda params, cfg, ids: float(np.log(cfg.vocab_size)),
            id="ln-v-not-measured",
        ),
        Mistake(
            "Cross-entropy is minus the mean log-probability of the right token; "
            "the sign is flipped.",
            lambda *a: -_loss_reference(*a),
            id="sign",
        ),
    ]

    def run():
        run_checks(
            "check_text_loss",
            candidate,
            _loss_reference,
            cases,
            mistakes,
            rtol=1e-4,
            atol=1e-5,
        )

    _run_then_report(
        run,
        prediction,
        lambda: _loss_reference(params, cfg, tok.encode(text[::-1])),
        "the loss on Macbeth backwards",
    )


# ------------------------------------------------------------------ extend


def _flat_values(tree) -> np.ndarray:
    """A dict of arrays as one vector, in sorted key order (for comparing)."""
    return np.concatenate([np.ravel(np.asarray(tree[k])) for k in sorted(tree)])


def _clip_reference(grads, max_norm):
    return clip_grad_norm(grads, max_norm)[0]


def _clip_variant(grads, max_norm, *, norm="global", always=False, invert=False):
    squares = {
        k: float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for k, g in grads.items()
    }
    total = sum(squares.values())
    out = {}
    for k, g in grads.items():
        if norm == "per-tensor":
            n = np.sqrt(squares[k])
        elif norm == "no-sqrt":
            n = total
        elif norm == "rms":
            n = np.sqrt(total / sum(np.size(v) for v in grads.values()))
        else:
            n = np.sqrt(total)
        if n <= max_norm and not always:
            out[k] = np.array(g, copy=True)
            continue
        factor = n / max_norm if invert else max_norm / n
        out[k] = g * np.asarray(factor, dtype=np.asarray(g).dtype)
    return out


def check_clip_grads(candidate) -> None:
    """Check `candidate(grads, max_norm)`: gradients (a dict of arrays) scaled down
    together so that their global norm is at most max_norm, as a new dict."""
    rng = np.random.default_rng(13)
    f32 = {
        "h.0.attn.c_attn.weight": rng.standard_normal((4, 12), dtype=np.float32),
        "h.0.attn.c_attn.bias": rng.standard_normal(12, dtype=np.float32),
        "wte": 0.1 * rng.standard_normal((3, 4), dtype=np.float32),
    }
    cases = [
        Case(
            "2, 2 and 1, max_norm 1 (norm 3)",
            ({"a": np.array([2.0, 2.0]), "b": np.array([1.0])}, 1.0),
        ),
        Case(
            "below the limit: nothing changes",
            ({"w": np.array([[0.1, 0.2], [0.0, -0.2]]), "b": np.array([0.1])}, 1.0),
        ),
        Case("float32 gradients of three tensors, max_norm 1", (f32, 1.0)),
        Case("the norm equals max_norm", ({"w": np.array([0.6, -0.8])}, 1.0)),
        Case(
            "one tensor holds most of the norm, max_norm 0.5",
            (
                {
                    "x": 3 * rng.standard_normal((4, 4)),
                    "y": np.array([0.01, -0.02, 0.0]),
                },
                0.5,
            ),
        ),
    ]
    for case in cases:
        case.canon = _flat_values
    mistakes = [
        Mistake(
            "Each tensor was clipped by its own norm. Clipping uses one global norm, "
            "sqrt of the sum of squares over *all* gradients, and one factor for all, "
            "so the direction of the whole update is kept.",
            lambda g, c: _clip_variant(g, c, norm="per-tensor"),
            id="per-tensor",
        ),
        Mistake(
            "Only scale down: when the norm is already at most max_norm, the "
            "gradients stay as they are (never scaled up).",
            lambda g, c: _clip_variant(g, c, always=True),
            id="scales-up",
        ),
        Mistake(
            "The norm is the square root of the sum of squares; you used the sum of "
            "squares itself.",
            lambda g, c: _clip_variant(g, c, norm="no-sqrt"),
            id="no-sqrt",
        ),
        Mistake(
            "That clips each value to [-max_norm, max_norm] (value clipping). Scale "
            "all gradients by max_norm / global norm instead, which keeps their "
            "direction.",
            lambda g, c: {k: np.clip(v, -c, c) for k, v in g.items()},
            id="value-clipping",
        ),
        Mistake(
            "The factor is max_norm / norm (below 1 when clipping), not "
            "norm / max_norm.",
            lambda g, c: _clip_variant(g, c, invert=True),
            id="factor-inverted",
        ),
        Mistake(
            "That is the root-mean-square of the gradients. The global norm is the "
            "square root of the *sum* of squares, not of their mean.",
            lambda g, c: _clip_variant(g, c, norm="rms"),
            id="rms-not-norm",
        ),
    ]
    run_checks(
        "check_clip_grads",
        candidate,
        _clip_reference,
        cases,
        mistakes,
        rtol=1e-5,
        atol=1e-7,
        forbid=[lib.clip_grad_norm, lib.global_norm],
        keep_float32=True,
    )
