"""Interactive figures for the static HTML book: precomputed data plus a small script.

Each explorer computes in numpy, when the notebook runs, every frame its controls can
reach, and displays one HTML output holding that data as JSON. In the HTML book,
`book/_static/interactive.js` (served from the built site, no CDN, no kernel) turns it
into labelled, keyboard-operable controls above an SVG figure that redraws as a control
moves, and hides the still PNG that the cell also shows; in print and without scripts
that PNG is what the reader sees. The HTML is byte-stable (rounded numbers, sorted
keys), so nbval compares it strictly. On top of the library, like `widgets`.
"""

from ._core import FigureSpec, figure_html, show
from .attention import attention_row_figure
from .embedding import neighbour_figure
from .gpt import sorter_figure, sorter_sampling_figure
from .interpretability import lens_figure
from .mlp import neuron_figure
from .multihead import head_figure
from .params import parameter_figure
from .softmax import sampling_figure
from .tokenizer import token_figure

__all__ = [
    "FigureSpec",
    "figure_html",
    "show",
    "sampling_figure",
    "token_figure",
    "attention_row_figure",
    "neighbour_figure",
    "neuron_figure",
    "head_figure",
    "parameter_figure",
    "sorter_figure",
    "sorter_sampling_figure",
    "lens_figure",
]
