"""Figures for the course's drawings, made without pyplot.

A drawing function returns a matplotlib ``Figure`` that Jupyter shows once
(pyplot would show it a second time) and that renders anywhere, with or
without a display, because it draws on an Agg canvas of its own.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def axes_for(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` itself, or the axes of a new ``size``-inch figure on an Agg canvas.

    Either way the axes come back bare (no ticks or frame) with equal
    scales, so boxes keep their shape.
    """
    if ax is None:
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax
