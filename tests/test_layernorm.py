"""Tests for nanogpt_lib.layernorm."""

import numpy as np
import pytest

from nanogpt_lib.layernorm import layer_norm


def test_worked_example():
    """x = [1, 2, 3]: mean 2, biased variance (1 + 0 + 1) / 3 = 2/3,
    so the output is [-1, 0, 1] / sqrt(2/3 + 1e-5) = [-1.224736, 0, 1.224736]."""
    out = layer_norm(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    s = 1 / np.sqrt(2 / 3 + 1e-5)
    np.testing.assert_allclose(out, [-s, 0, s], rtol=1e-6)
    assert out.dtype == np.float32
    assert s == pytest.approx(1.224736, abs=1e-6)


def test_eps_is_inside_the_square_root():
    """x = [0, 0.002]: var = 1e-6, so (x - mean) / sqrt(1e-6 + 1e-5) = +-0.30151;
    eps outside the root would give +-0.001 / (0.001 + 1e-5) = +-0.990."""
    out = layer_norm(np.array([0.0, 0.002]))
    np.testing.assert_allclose(out, [-0.301511, 0.301511], rtol=1e-5)
    np.testing.assert_array_equal(layer_norm(np.full((2, 4), 3.0)), np.zeros((2, 4)))


def test_normalises_then_scales_and_shifts(rng):
    x = rng.standard_normal((3, 5, 16)).astype(np.float32) * 4 + 7
    out = layer_norm(x)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out.var(-1), 1, rtol=1e-3)  # eps pulls it just below 1
    w = rng.standard_normal(16).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    np.testing.assert_allclose(layer_norm(x, w, b), out * w + b, rtol=1e-6, atol=1e-6)
    x_before = x.copy()
    layer_norm(x, w, b)
    np.testing.assert_array_equal(x, x_before)


def test_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 7, 32)).astype(np.float32)
    w = rng.standard_normal(32).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    ref = torch.nn.functional.layer_norm(
        torch.from_numpy(x), (32,), torch.from_numpy(w), torch.from_numpy(b), eps=1e-5
    ).numpy()
    np.testing.assert_allclose(layer_norm(x, w, b), ref, rtol=1e-5, atol=1e-5)


def test_bad_input():
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\).*\(4,\)"):
        layer_norm(np.ones((2, 3)), np.ones(4))
    with pytest.raises(TypeError, match="x must be a float array"):
        layer_norm(np.ones(3, dtype=int))
    with pytest.raises(ValueError, match="eps must be > 0"):
        layer_norm(np.ones(3), eps=0.0)
