"""Checkers for chapter 00's exercises: the greedy pick of the next token and the
multiply-adds of a matrix product."""

from __future__ import annotations

import numpy as np

from ._core import BadReturn, Case, Mistake, run_checks

__all__ = ["check_next_token", "check_matmul_macs"]


def check_next_token(candidate) -> None:
    """Check `candidate(logits)`: logits (T, V) -> the greedy next token id (int)."""
    rng = np.random.default_rng(5)
    designed = np.array(
        [[0, 3, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 7, 0, 2], [0, 0, 0, 0, 5.0]]
    )
    cases = [
        # each usual mistake picks a different id here
        Case("T = 4, V = 5, the maximum is not in the last row", (designed,)),
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
            id="outputs-only",
        ),
        Mistake(
            "That counts the inputs. Each of the n * m outputs needs k "
            "multiply-adds: n * k * m.",
            lambda a, b: a[0] * a[1] + b[0] * b[1],
            id="inputs",
        ),
        Mistake(
            "That is the number of floating-point operations (a multiply and an "
            "add each). Count one per multiply-add: n * k * m.",
            lambda a, b: 2 * a[0] * a[1] * b[1],
            id="flops",
        ),
    ]
    mistakes += [
        Mistake(
            "k was used twice: the shapes are (n, k) and (k, m), so the count is "
            "a_shape[0] * a_shape[1] * b_shape[1], not ... * b_shape[0].",
            lambda a, b: a[0] * a[1] * b[0],
            id="k-twice",
        ),
        Mistake(
            "Multiply the three sizes: n outputs rows times m output columns, each "
            "a dot product of length k; adding them is not a count of operations.",
            lambda a, b: a[0] + a[1] + b[1],
            id="sum-not-product",
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
