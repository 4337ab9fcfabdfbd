"""axe-core's audit of the landing page and every chapter in dark mode at 1280 px,
and of the landing page at 390 px (the light half, and which views get which rules,
are in tests/test_accessibility.py).

A file of its own so that make test's two pytest-xdist workers, which take a whole
file each, audit light and dark mode side by side.
"""

from __future__ import annotations

import pytest
from test_accessibility import audit, axe_cases
from test_accessibility import browser as browser  # the fixture, shared


@pytest.mark.parametrize("mode, width, label, path", axe_cases("dark"))
def test_axe_finds_no_violations_in_dark_mode(browser, mode, width, label, path):
    audit(browser, mode, width, label, path)
