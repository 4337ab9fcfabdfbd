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


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium (it takes a `browser` fixture) is marked
    `browser`, so the other Pythons' parts of make test can leave them out: the page
    in the browser does not depend on the Python that tests it."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
