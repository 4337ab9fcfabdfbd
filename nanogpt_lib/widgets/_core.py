"""Show a live widget to Jupyter readers and a static picture to HTML readers.

`show` displays one output that carries both the widget view and a PNG of the same
figure at the widget's starting values. JupyterLab and Colab render the widget; the
HTML book is configured to skip widget views, so it renders the PNG instead of an
empty box.

`live_figure` is the usual way to build an explorer: some controls and a function that
draws a matplotlib figure from their values. The figure is shown as an image widget
(PNG bytes), so redrawing never prints into the notebook's saved outputs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import display

from ..plotting._style import alt_text, figure_png

__all__ = ["show", "live_figure"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def show(widget, static_figure, title: str) -> None:
    """Display `widget` live, with `static_figure` as the HTML book's stand-in.

    The plain-text form names the widget instead of the widget's repr, which holds
    values that would make the saved notebook output unstable.
    """
    png = figure_png(static_figure)
    alt = alt_text(static_figure)
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
    display(bundle, raw=True, metadata={"image/png": {"alt": alt}})


def _render(draw: Callable, values: Mapping) -> bytes:
    fig = draw(**values)
    png = figure_png(fig)
    plt.close(fig)
    return png


def live_figure(
    draw: Callable[..., object], controls: Mapping[str, w.Widget], title: str
) -> w.Widget:
    """Controls above a picture that `draw(**values)` redraws whenever one changes.

    Displays the explorer with `show` (a static PNG of the starting state for the
    HTML book) and returns the widget so a notebook can keep a handle on it.
    """
    image = w.Image(format="png")

    def values() -> dict:
        return {name: control.value for name, control in controls.items()}

    def update(change=None) -> None:
        image.value = _render(draw, values())

    for control in controls.values():
        control.observe(update, names="value")
    update()
    box = w.VBox([*controls.values(), image])
    show(box, draw(**values()), title)
    return box
