"""Tests for nanogpt_lib.mlp: GELU (tanh form and exact) and the 4x MLP."""

import math

import numpy as np
import pytest

from nanogpt_lib.linear import linear
from nanogpt_lib.mlp import gelu, gelu_exact, mlp


def test_gelu_worked_values():
    """gelu(1) = 0.5 (1 + tanh(sqrt(2/pi) (1 + 0.044715))) = 0.5 (1 + tanh(0.833562))
    = 0.841192; the exact one is Phi(1) = 0.841345; gelu(0) = 0;
    gelu(-x) = gelu(x) - x."""
    x = np.array([0.0, 1.0, -1.0], dtype=np.float32)
    np.testing.assert_allclose(gelu(x), [0, 0.841192, 0.841192 - 1], atol=1e-6)
    np.testing.assert_allclose(gelu_exact(x), [0, 0.841345, 0.841345 - 1], atol=1e-6)


def test_gelu_matches_its_formula_in_float64(rng):
    x = np.concatenate([np.linspace(-8, 8, 1001), rng.standard_normal(200) * 3])
    c = math.sqrt(2 / math.pi)
    ref = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x**3)))
    out = gelu(x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=2e-6, atol=2e-6)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(gelu_exact(x), exact, rtol=1e-15, atol=0)
    # the two forms differ, but by less than 1e-3 everywhere
    assert 1e-5 < np.max(np.abs(gelu(x) - gelu_exact(x))) < 1e-3


def test_gelu_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = (rng.standard_normal((5, 64)) * 4).astype(np.float32)
    tx = torch.from_numpy(x)
    approx = torch.nn.functional.gelu(tx, approximate="tanh").numpy()
    exact = torch.nn.functional.gelu(tx).numpy()
    np.testing.assert_allclose(gelu(x), approx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gelu_exact(x), exact, rtol=1e-5, atol=1e-6)


def test_gelu_does_not_mutate_and_rejects_ints():
    x = np.array([1.0, -2.0], dtype=np.float32)
    gelu(x)
    np.testing.assert_array_equal(x, [1.0, -2.0])
    with pytest.raises(TypeError, match="x must be a float array"):
        gelu(np.array([1, 2]))


def _mlp_params(rng, c):
    def lin(n_in, n_out):
        return {
            "weight": rng.standard_normal((n_in, n_out)).astype(np.float32),
            "bias": rng.standard_normal(n_out).astype(np.float32),
        }

    return {"c_fc": lin(c, 4 * c), "c_proj": lin(4 * c, c)}


def test_mlp_is_the_composition_and_works_per_token(rng):
    p = _mlp_params(rng, 8)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    trace = {}
    out = mlp(x, p, trace=trace)
    h = x @ p["c_fc"]["weight"] + p["c_fc"]["bias"]
    ref = gelu(h) @ p["c_proj"]["weight"] + p["c_proj"]["bias"]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    assert trace["pre_gelu"].shape == trace["post_gelu"].shape == (2, 5, 32)
    np.testing.assert_allclose(trace["post_gelu"], gelu(trace["pre_gelu"]), rtol=1e-6)
    np.testing.assert_array_equal(trace["out"], out)
    # each token is transformed on its own: one token alone gives the same answer
    np.testing.assert_allclose(mlp(x[1, 3], p), out[1, 3], rtol=1e-5, atol=1e-5)


def test_linear_without_bias_and_shape_error(rng):
    w = rng.standard_normal((3, 2)).astype(np.float32)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(linear(x, {"weight": w}), x @ w, rtol=1e-6)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 3\)"):
        linear(np.ones((4, 2), dtype=np.float32), {"weight": w})


def test_gelu_accepts_scalars_and_0d_arrays():
    """gelu(2) = 0.5 * 2 * (1 + tanh(sqrt(2/pi) * (2 + 0.044715 * 8))) = 1.9546..."""
    for value in (np.float32(2.0), np.array(2.0, dtype=np.float32)):
        out = gelu(value)
        assert out.shape == () and out.dtype == np.float32
        np.testing.assert_allclose(out, 1.9545977, rtol=1e-6)
