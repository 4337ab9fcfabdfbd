"""Shared fixtures. Kernels that nbval starts inherit this process's environment."""

import os

import numpy as np
import pytest

os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator for every test."""
    return np.random.default_rng(0)
