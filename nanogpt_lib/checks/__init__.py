"""Exercise checkers, one module per chapter; see `_core` for what a failure carries."""

from ._core import CheckFailure, catalogue, forbidden

__all__ = ["CheckFailure", "catalogue", "forbidden"]
