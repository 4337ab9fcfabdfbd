"""Show a live widget to Jupyter readers and a static picture to HTML readers.

`show` displays one output that carries both the widget view and a PNG of the same
figure at the widget's starting values. JupyterLab and Colab render the widget; the
HTML book is configured to skip widget views, so it renders the PNG instead of an
empty box.
"""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
from IPython.display import display

from ..plotting._style import figure_png

__all__ = ["show"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def show(widget, static_figure, title: str) -> None:
    """Display `widget` live, with `static_figure` as the HTML book's stand-in.

    The plain-text form names the widget instead of the widget's repr, which holds
    values that would make the saved notebook output unstable.
    """
    png = figure_png(static_figure)
    plt.close(static_figure)
    bundle = {
        "text/plain": f"[interactive: {title}; run this notebook to use it]",
        "image/png": base64.b64encode(png).decode("ascii"),
    }
    view = widget._repr_mimebundle_()
    if isinstance(view, tuple):  # some versions return (data, metadata)
        view = view[0]
    if WIDGET_MIME in view:
        bundle[WIDGET_MIME] = view[WIDGET_MIME]
    display(bundle, raw=True)
