"""nanogpt_lib: the numpy GPT that the book "Inside GPT" builds chapter by chapter.

Core modules (numpy + standard library) import one way, from earlier concepts to
later ones. `plotting`, `widgets` and `checks` sit on top and are imported
explicitly by the notebooks, never by the core.
"""

from . import gpt, softmax

__all__ = ["gpt", "softmax"]
__version__ = "0.1.0"
