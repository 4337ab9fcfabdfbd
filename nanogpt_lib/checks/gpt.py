"""Checkers for chapters 00 and 07 (the whole GPT) and appendix A1 (training it).

Chapter 00: the greedy pick of the next token, multiply-adds of a matrix product.
Chapter 07: one block, the output head, the whole forward pass, greedy generation.
Appendix A1: cross-entropy that skips ignored positions, one AdamW update.
"""

from __future__ import annotations

import numpy as np

from ..gpt import GPTConfig, block, forward, generate, init_params
from ..layernorm import layer_norm
from ..mlp import mlp
from ..multihead import multi_head_attention
from ..softmax import softmax
from ..train import adamw_step, cross_entropy
from ._core import BadReturn, Case, Mistake, run_checks
from .mlp import BLOCK_MISTAKES

__all__ = [
    "check_next_token",
    "check_matmul_macs",
    "check_gpt_block",
    "check_next_token_logits",
    "check_gpt_forward",
    "check_greedy_generate",
    "check_cross_entropy",
    "check_adamw_step",
]


def _noisy_params(cfg: GPTConfig, seed: int) -> dict:
    """init_params with every LayerNorm and bias made non-trivial.

    Fresh GPT-2 weights have LayerNorm weight 1 and bias 0, which would hide a
    forgotten scale or shift; here they get random values.
    """
    rng = np.random.default_rng(seed)
    params = init_params(cfg, rng=rng)

    def shake(tree):
        if isinstance(tree, dict):
            return {key: shake(value) for key, value in tree.items()}
        if isinstance(tree, list):
            return [shake(item) for item in tree]
        noise = rng.standard_normal(tree.shape, dtype=np.float32)
        if tree.ndim == 1:  # biases and LayerNorm vectors
            return tree + np.float32(0.3) * noise
        return tree * np.float32(5.0)  # larger weights: every path matters

    return shake(params)


def _small_cfg(**kw) -> GPTConfig:
    base = dict(vocab_size=5, block_size=10, n_layer=2, n_head=2, n_embd=8)
    base.update(kw)
    return GPTConfig(**base)


def _ln(x, p):
    return layer_norm(x, p["weight"], p.get("bias"))


def _attn(x, p, cfg):
    return multi_head_attention(x, p["attn"], cfg.n_head)


# ------------------------------------------------------------------------ chapter 00


def check_next_token(candidate) -> None:
    """Check `candidate(logits)`: logits (T, V) -> the greedy next token id (int)."""
    rng = np.random.default_rng(5)
    cases = [
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
        ),
        Mistake(
            "np.argmax of the whole (T, V) array counts over T * V entries; take "
            "the argmax of the last row only.",
            lambda lg: int(np.argmax(lg)),
        ),
        Mistake(
            "Greedy means the *largest* logit: argmax, not argmin.",
            lambda lg: int(np.argmin(lg[-1])),
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


def check_matmul_macs(candidate) -> None:
    """Check `candidate(a_shape, b_shape)`: multiply-adds of (n, k) @ (k, m)."""
    cases = [
        Case("(6, 48) @ (48, 144)", ((6, 48), (48, 144))),
        Case("(1, 768) @ (768, 50257)", ((1, 768), (768, 50257))),
        Case("(3, 2) @ (2, 4)", ((3, 2), (2, 4))),
        Case("a vector: (1, 5) @ (5, 1)", ((1, 5), (5, 1))),
    ]

    def normalise(value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise BadReturn(f"return an int, got {type(value).__name__}")
        return int(value)

    mistakes = [
        Mistake(
            "That counts the outputs (n * m). Each of them is a dot product of "
            "length k, so there are n * k * m multiply-adds.",
            lambda a, b: a[0] * b[1],
        ),
        Mistake(
            "That counts the inputs. Each of the n * m outputs needs k "
            "multiply-adds: n * k * m.",
            lambda a, b: a[0] * a[1] + b[0] * b[1],
        ),
        Mistake(
            "That is the number of floating-point operations (a multiply and an "
            "add each). Count one per multiply-add: n * k * m.",
            lambda a, b: 2 * a[0] * a[1] * b[1],
        ),
    ]
    run_checks(
        "check_matmul_macs",
        candidate,
        lambda a, b: a[0] * a[1] * b[1],
        cases,
        mistakes,
        normalise=normalise,
    )


# ------------------------------------------------------------------------ block


def _no_layer_norm(x, p, cfg):
    x = x + _attn(x, p, cfg)
    return x + mlp(x, p["mlp"])


def check_gpt_block(candidate) -> None:
    """Check `candidate(x, p, cfg)`: one GPT-2 block, (T, C) -> (T, C)."""
    cases = []
    for label, t, kw in [
        ("T = 6, C = 8, H = 2", 6, {}),
        ("T = 4, C = 12, H = 3", 4, {"n_embd": 12, "n_head": 3}),
        ("one head, T = 3", 3, {"n_head": 1}),
        ("one token (T = 1)", 1, {}),
    ]:
        cfg = _small_cfg(**kw)
        p = _noisy_params(cfg, seed=t)["h"][0]
        rng = np.random.default_rng(10 + t)
        x = rng.standard_normal((t, cfg.n_embd), dtype=np.float32) + np.float32(0.5)
        cases.append(Case(label, (x, p, cfg)))

    def reference(x, p, cfg):
        return block(x, p, cfg)

    def with_cfg(wrong):
        return lambda x, p, cfg: wrong(x, p, cfg.n_head)

    mistakes = [Mistake(m.hint, with_cfg(m.wrong)) for m in BLOCK_MISTAKES]
    mistakes.append(
        Mistake(
            "The LayerNorms are missing: each sub-layer reads ln_1(x) or ln_2(x).",
            _no_layer_norm,
        )
    )
    run_checks(
        "check_gpt_block", candidate, reference, cases, mistakes, rtol=1e-4, atol=1e-4
    )


# ------------------------------------------------------------------------ head


def check_next_token_logits(candidate) -> None:
    """Check `candidate(x, ln_f, w_u)`: final LayerNorm, last position, unembed.

    x (T, C) is the stream after the last block, w_u (V, C); returns (V,).
    """
    rng = np.random.default_rng(7)
    cases = []
    for label, t, c, v in [
        ("T = 6, C = 8, V = 3", 6, 8, 3),
        ("T = 11, C = 12, V = 7", 11, 12, 7),
        ("one token (T = 1)", 1, 8, 5),
    ]:
        x = rng.standard_normal((t, c), dtype=np.float32) * np.float32(3.0)
        x = x + np.float32(1.0)
        ln_f = {
            "weight": np.float32(1.0)
            + np.float32(0.4) * rng.standard_normal(c, dtype=np.float32),
            "bias": np.float32(0.4) * rng.standard_normal(c, dtype=np.float32),
        }
        w_u = rng.standard_normal((v, c), dtype=np.float32)
        cases.append(Case(label, (x, ln_f, w_u)))

    def reference(x, ln_f, w_u):
        return _ln(x, ln_f)[-1] @ w_u.T

    mistakes = [
        Mistake(
            "The final LayerNorm is missing: normalise with ln_f before the "
            "unembedding, ln_f(x) @ w_u.T.",
            lambda x, ln_f, w_u: x[-1] @ w_u.T,
        ),
        Mistake(
            "You used the first position's logits. The next token is predicted by "
            "the *last* position: take row -1, not row 0.",
            lambda x, ln_f, w_u: _ln(x, ln_f)[0] @ w_u.T,
        ),
        Mistake(
            "Return the logits of the last position only, shape (V,): every row "
            "predicts a token, but only the last one is new.",
            lambda x, ln_f, w_u: _ln(x, ln_f) @ w_u.T,
        ),
        Mistake(
            "Return logits, not probabilities: softmax comes later, when a token "
            "is picked.",
            lambda x, ln_f, w_u: softmax(_ln(x, ln_f)[-1] @ w_u.T),
        ),
        Mistake(
            "Only the scale of ln_f was used: add its bias too, xhat * weight + bias.",
            lambda x, ln_f, w_u: layer_norm(x, ln_f["weight"])[-1] @ w_u.T,
        ),
    ]
    run_checks(
        "check_next_token_logits",
        candidate,
        reference,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-4,
    )


# ------------------------------------------------------------------------ forward


def _sorter():
    from ..sorter import load_sorter

    return load_sorter()


def _forward_cases() -> list[Case]:
    cfg_s, params_s = _sorter()
    tied = _small_cfg()
    untied = _small_cfg(n_layer=1, tied_head=False, vocab_size=4)
    return [
        Case(
            "the sorter on CBABBC + ABBBC",
            (params_s, np.array([2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]), cfg_s),
        ),
        Case(
            "random tied model, T = 5",
            (_noisy_params(tied, 1), np.array([4, 0, 3, 3, 1]), tied),
        ),
        Case(
            "random untied model, T = 7",
            (_noisy_params(untied, 2), np.array([3, 2, 1, 0, 0, 1, 2]), untied),
        ),
        Case("one token (T = 1)", (_noisy_params(tied, 3), np.array([2]), tied)),
    ]


def _forward_variant(params, ids, cfg, *, pos=True, ln_f=True, head=None, blocks=None):
    x = params["wte"][ids]
    if pos:
        x = x + params["wpe"][: len(ids)]
    for p in params["h"] if blocks is None else blocks(params["h"]):
        x = block(x, p, cfg)
    if ln_f:
        x = _ln(x, params["ln_f"])
    w_u = (
        head
        if head is not None
        else (params["wte"] if cfg.tied_head else params["lm_head"])
    )
    return x @ w_u.T


def check_gpt_forward(candidate) -> None:
    """Check `candidate(params, ids, cfg)`: ids (T,) -> logits (T, V)."""

    def reference(params, ids, cfg):
        return forward(params, ids, cfg)

    mistakes = [
        Mistake(
            "The position vectors are missing: x = wte[ids] + wpe[:T]. Without them "
            "the model cannot tell CBA from ABC.",
            lambda p, i, c: _forward_variant(p, i, c, pos=False),
        ),
        Mistake(
            "The final LayerNorm is missing: apply ln_f after the last block and "
            "before the unembedding.",
            lambda p, i, c: _forward_variant(p, i, c, ln_f=False),
        ),
        Mistake(
            "This model has its own output matrix: when cfg.tied_head is False, "
            "unembed with params['lm_head'], not params['wte'].",
            lambda p, i, c: _forward_variant(p, i, c, head=p["wte"]),
        ),
        Mistake(
            "Only the first block ran: loop over every block in params['h'].",
            lambda p, i, c: _forward_variant(p, i, c, blocks=lambda h: h[:1]),
        ),
        Mistake(
            "The blocks ran in reverse order: h[0] reads the embeddings first.",
            lambda p, i, c: _forward_variant(p, i, c, blocks=lambda h: h[::-1]),
        ),
    ]
    run_checks(
        "check_gpt_forward",
        candidate,
        reference,
        _forward_cases(),
        mistakes,
        rtol=1e-4,
        atol=1e-4,
    )


# ------------------------------------------------------------------------ generate


def _as_ids(value) -> list[int]:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise BadReturn(
            "return the whole sequence as a 1-D list or array of integer ids "
            f"(prompt + new tokens), got {arr.dtype} array of shape {arr.shape}"
        )
    return [int(i) for i in arr]


def _greedy_variant(params, ids, cfg, n_new, *, append=True, row=-1, only_new=False):
    seq = list(int(i) for i in ids)
    new = []
    for _ in range(n_new):
        context = seq if append else list(int(i) for i in ids)
        logits = forward(params, np.array(context), cfg)
        token = int(np.argmax(logits[row]))
        new.append(token)
        seq.append(token)
    return new if only_new else seq


def check_greedy_generate(candidate) -> None:
    """Check `candidate(params, ids, cfg, n_new)`: greedy decoding, prompt included."""
    cfg_s, params_s = _sorter()
    tied = _small_cfg()
    noisy = _noisy_params(tied, 4)
    cases = [
        Case("the sorter, CBABBC", (params_s, np.array([2, 1, 0, 1, 1, 2]), cfg_s, 6)),
        Case("the sorter, ACBCAA", (params_s, np.array([0, 2, 1, 2, 0, 0]), cfg_s, 6)),
        Case("random model, 4 new", (noisy, np.array([1, 3]), tied, 4)),
        Case("n_new = 0 returns the prompt", (noisy, np.array([2, 2, 0]), tied, 0)),
    ]

    def reference(params, ids, cfg, n_new):
        return generate(params, ids, cfg, n_new, use_cache=False)

    mistakes = [
        Mistake(
            "The chosen token was not appended: after each pick, add it to the "
            "sequence and run the model on the longer sequence.",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, append=False),
        ),
        Mistake(
            "You used the first position's logits; the next token is predicted by "
            "the last position, logits[-1].",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, row=0),
        ),
        Mistake(
            "Return the prompt followed by the new tokens, not the new tokens alone.",
            lambda p, i, c, n: _greedy_variant(p, i, c, n, only_new=True),
        ),
    ]
    run_checks(
        "check_greedy_generate",
        candidate,
        reference,
        cases,
        mistakes,
        normalise=_as_ids,
    )


# ------------------------------------------------------------------------ training


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
    ]
    mistakes = [
        Mistake(
            "Targets of -1 must be skipped. numpy reads index -1 as the last class, "
            "so they were scored as if the answer were C.",
            _ce_all_positions,
        ),
        Mistake(
            "Divide by the number of positions that count (targets != -1), not by "
            "all positions.",
            _ce_wrong_count,
        ),
        Mistake(
            "Subtract each row's maximum before exp (or use log-sum-exp): exp(1000) "
            "overflows.",
            _ce_no_max,
        ),
        Mistake(
            "Cross-entropy is minus the mean log-probability of the right token; "
            "the sign is flipped.",
            lambda lg, t: -_ce_reference(lg, t),
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
):
    b1, b2 = betas
    if l2 and decay:
        g = g + weight_decay * w
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**step) if correct else m
    v_hat = v / (1 - b2**step) if correct else v
    if decay and not l2:
        w = w * (1 - (weight_decay if decay_no_lr else lr * weight_decay))
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
    ]
    mistakes = [
        Mistake(
            "The bias correction is missing: divide m by 1 - beta1**step and v by "
            "1 - beta2**step before the update.",
            lambda *a: _adamw_variant(*a, correct=False),
        ),
        Mistake(
            "That is Adam with L2 (decay added to the gradient). AdamW decouples "
            "it: shrink the weight, w * (1 - lr * weight_decay), apart from m and v.",
            lambda *a: _adamw_variant(*a, l2=True),
        ),
        Mistake(
            "The decay factor is 1 - lr * weight_decay: the learning rate scales it.",
            lambda *a: _adamw_variant(*a, decay_no_lr=True),
        ),
        Mistake(
            "Divide by the square root of v_hat (plus eps), not by v_hat.",
            lambda *a: _adamw_variant(*a, no_sqrt=True),
        ),
        Mistake(
            "Only weights with decay=True are decayed; biases and LayerNorm "
            "weights (decay=False) are not.",
            lambda *a: _adamw_variant(*a[:-1], True),
        ),
    ]
    run_checks(
        "check_adamw_step",
        candidate,
        _adamw_reference,
        cases,
        mistakes,
        rtol=1e-6,
        atol=1e-9,
    )
