"""Appendix A1: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib import gpt, train
from nanogpt_lib.checks.training import (
    check_adamw_step,
    check_clip_grads,
    check_cross_entropy,
    check_text_loss,
)
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ training


def ce_with(
    skip=True,
    count="kept",
    stable=True,
    sign=-1,
    via_softmax=False,
    reduce="mean",
    log=np.log,
):
    def fn(logits, targets):
        logits = np.asarray(logits, dtype=np.float64)
        targets = np.asarray(targets)
        if via_softmax:
            with np.errstate(divide="ignore"):
                logp = log(softmax(logits))
        else:
            z = logits - logits.max(-1, keepdims=True) if stable else logits
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                logp = z - log(np.exp(z).sum(-1, keepdims=True))
        keep = targets != -1 if skip else np.ones(targets.shape, bool)
        idx = np.where(keep, targets, 0) if skip else targets
        picked = np.take_along_axis(logp, idx[..., None], -1)[..., 0]
        with np.errstate(invalid="ignore"):
            losses = np.where(keep, picked, 0.0)
        n = keep.sum() if count == "kept" else keep.size
        if reduce == "none":
            return sign * picked[keep]
        if reduce == "sum":
            return float(sign * losses.sum())
        return float(sign * losses.sum() / n)

    return fn


def ce_loop(logits, targets):  # equivalent: a loop with math.log and lists
    import math

    total, n = 0.0, 0
    flat_l = np.asarray(logits, dtype=np.float64).reshape(-1, np.shape(logits)[-1])
    for row, t in zip(flat_l.tolist(), np.ravel(targets).tolist(), strict=True):
        if t == -1:
            continue
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        total += lse - row[t]
        n += 1
    return total / n


def adamw_with(
    correct=True,
    l2=False,
    lr_in_decay=True,
    sqrt=True,
    eps_inside=False,
    respect_mask=True,
    swap=False,
    shift=0,
    return_state=True,
):
    def fn(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
        b1, b2 = betas[::-1] if swap else betas
        step = step + shift
        if l2 and decay:
            g = g + weight_decay * w
        m2 = b1 * m + (1 - b1) * g
        v2 = b2 * v + (1 - b2) * g * g
        mh = m2 / (1 - b1**step) if correct else m2
        vh = v2 / (1 - b2**step) if correct else v2
        if (decay or not respect_mask) and not l2:
            w = w * (1 - (lr * weight_decay if lr_in_decay else weight_decay))
        if eps_inside:
            w = w - lr * mh / np.sqrt(vh + eps)
        else:
            w = w - lr * mh / ((np.sqrt(vh) if sqrt else vh) + eps)
        return (w, m2, v2) if return_state else (w, m, v)

    return fn


def adamw_in_place(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    b1, b2 = betas
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    if decay:
        w = w * (1 - lr * weight_decay)
    return w - lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps), m, v


def adamw_list(w, g, m, v, step, lr, betas, eps, weight_decay, decay):
    """Equivalent: the decay folded into one expression, a list returned."""
    import math

    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    step_size = lr / (1 - b1**step)
    denom = np.sqrt(v) / math.sqrt(1 - b2**step) + eps  # a Python float keeps float32
    shrink = 1 - lr * weight_decay * bool(decay)
    return [w * shrink - step_size * m / denom, m, v]


def loss_with(shift=1, reduce="mean", last_only=False, log=np.log, sign=1):
    def fn(params, cfg, ids):
        ids = np.asarray(ids)
        z = gpt.forward(params, ids[:-1], cfg).astype(np.float64)
        z = z - z.max(-1, keepdims=True)
        logp = z - log(np.exp(z).sum(-1, keepdims=True))
        if log is not np.log:  # log2 of the probabilities
            logp = np.log2(np.exp(z) / np.exp(z).sum(-1, keepdims=True))
        targets = ids[1:] if shift == 1 else ids[:-1]
        nll = -logp[np.arange(len(targets)), targets]
        if last_only:
            return float(nll[-1])
        return sign * float(nll.sum() if reduce == "sum" else nll.mean())

    return fn


def loss_library(params, cfg, ids):
    """Equivalent: the library's cross_entropy on the shifted ids."""
    ids = np.asarray(ids)
    return float(train.cross_entropy(gpt.forward(params, ids[:-1], cfg), ids[1:])[0])


def loss_loop(params, cfg, ids):
    """Equivalent: one position at a time, probabilities from softmax, in float64."""
    logits = gpt.forward(params, np.asarray(ids)[:-1], cfg).astype(np.float64)
    total = 0.0
    for row, target in zip(logits, ids[1:], strict=True):
        total -= np.log(softmax(row)[target])
    return total / (len(ids) - 1)


def clip_with(norm="global", always=False, invert=False, dtype=None):
    def fn(grads, max_norm):
        squares = {
            k: float(np.sum(np.square(g, dtype=np.float64))) for k, g in grads.items()
        }
        total = sum(squares.values())
        out = {}
        for k, g in grads.items():
            n = {
                "global": np.sqrt(total),
                "per-tensor": np.sqrt(squares[k]),
                "no-sqrt": total,
                "rms": np.sqrt(total / sum(v.size for v in grads.values())),
            }[norm]
            factor = 1.0 if n <= max_norm and not always else float(max_norm / n)
            if invert and factor != 1.0:
                factor = 1 / factor
            out[k] = g * (np.float64(factor) if dtype == "float64" else factor)
        return out

    return fn


def clip_in_place(grads, max_norm):
    n = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    if n > max_norm:
        for g in grads.values():
            g *= max_norm / n
    return grads


def clip_flat(grads, max_norm):
    """Equivalent: one long vector, np.linalg.norm, then split back."""
    keys = list(grads)
    flat = np.concatenate([grads[k].ravel() for k in keys])
    scale = min(1.0, max_norm / float(np.linalg.norm(flat.astype(np.float64))))
    return {k: (grads[k] * scale).astype(grads[k].dtype) for k in keys}


CATALOGUE = {
    check_cross_entropy: [
        Wrong(
            "-1 not skipped",
            ce_with(skip=False),
            "ignored-not-skipped",
            "-1 must be skipped",
        ),
        Wrong(
            "all positions counted",
            ce_with(count="all"),
            "wrong-count",
            "Divide by the number",
        ),
        Wrong("no max", ce_with(stable=False), "no-max", "maximum"),
        Wrong("sign", ce_with(sign=1), "sign", "sign"),
        Wrong("log(softmax)", ce_with(via_softmax=True), "log-of-softmax", "log 0"),
        Wrong("sum", ce_with(reduce="sum"), "sum-not-mean", "summed"),
        Wrong("per position", ce_with(reduce="none"), "not-averaged", "one number"),
        Wrong(
            "log2", lambda lg, t: ce_with()(lg, t) / np.log(2), "log2", "natural log"
        ),
        Wrong(
            "mean over classes", lambda lg, t: ce_with()(lg, t) / np.shape(lg)[-1], None
        ),
    ],
    check_adamw_step: [
        Wrong(
            "no correction",
            adamw_with(correct=False),
            "no-bias-correction",
            "bias correction",
        ),
        Wrong("L2", adamw_with(l2=True), "l2-not-decoupled", "L2"),
        Wrong(
            "decay without lr",
            adamw_with(lr_in_decay=False),
            "decay-without-lr",
            "learning rate",
        ),
        Wrong("no sqrt", adamw_with(sqrt=False), "no-sqrt", "square root"),
        Wrong(
            "decays biases",
            adamw_with(respect_mask=False),
            "decays-everything",
            "decay=False",
        ),
        Wrong(
            "eps inside",
            adamw_with(eps_inside=True),
            "eps-inside-sqrt",
            "outside the square root",
        ),
        Wrong("betas swapped", adamw_with(swap=True), "betas-swapped", "swapped"),
        Wrong("step + 1", adamw_with(shift=1), "step-off-by-one", "already counts"),
        Wrong(
            "old m, v",
            adamw_with(return_state=False),
            "state-not-returned",
            "updated m and v",
        ),
        Wrong("in place", adamw_in_place, "mutates-input", "new list or array"),
        Wrong(
            "float64 leak",
            lambda *a: adamw_with()(
                *(np.asarray(x, np.float64) for x in a[:4]), *a[4:]
            ),
            "float64",
            "float64",
        ),
        Wrong("lr twice", lambda *a: adamw_with()(*a[:5], a[5] ** 0.5, *a[6:]), None),
    ],
    check_text_loss: [
        Wrong("not shifted", loss_with(shift=0), "not-shifted", r"ids\[1:\]"),
        Wrong("bits", loss_with(log=np.log2), "log2", "nats"),
        Wrong("sum", loss_with(reduce="sum"), "sum-not-mean", "summed"),
        Wrong("last only", loss_with(last_only=True), "last-only", "every position"),
        Wrong(
            "ln V",
            lambda params, cfg, ids: float(np.log(cfg.vocab_size)),
            "ln-v-not-measured",
            "knows nothing",
        ),
        Wrong("sign", loss_with(sign=-1), "sign", "sign"),
        Wrong(
            "exp of the loss (perplexity)",
            lambda *a: float(np.exp(loss_library(*a))),
            None,
        ),
    ],
    check_clip_grads: [
        Wrong("per tensor", clip_with("per-tensor"), "per-tensor", "global norm"),
        Wrong("scales up", clip_with(always=True), "scales-up", "never scaled up"),
        Wrong("no sqrt", clip_with("no-sqrt"), "no-sqrt", "square root"),
        Wrong(
            "np.clip",
            lambda g, c: {k: np.clip(v, -c, c) for k, v in g.items()},
            "value-clipping",
            "value clipping",
        ),
        Wrong("inverted", clip_with(invert=True), "factor-inverted", "max_norm / norm"),
        Wrong("rms", clip_with("rms"), "rms-not-norm", "root-mean-square"),
        Wrong("in place", clip_in_place, "mutates-input", "new list or array"),
        Wrong("float64", clip_with(dtype="float64"), "float64", "float64"),
        Wrong(
            "a list",
            lambda g, c: [v * min(1.0, c / 5.0) for v in g.values()],
            None,
        ),
    ],
}

EQUIVALENT = {
    check_cross_entropy: [ce_with(), ce_loop],
    check_adamw_step: [adamw_with(), adamw_list],
    check_text_loss: [loss_library, loss_loop],
    check_clip_grads: [clip_with(), clip_flat],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
